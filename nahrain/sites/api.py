"""The sites API at /api/v1/sites/: thin, over the same services and selectors as the pages."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["sites"])

# --- sites: list, dashboard, site page ----------------------------------------------------------


# --- exports and the reconciliation with DTM ---------------------------------------------------


# --- shelters, movements, closures --------------------------------------------------------------


# --- monitoring, gaps, risk ----------------------------------------------------------------------
