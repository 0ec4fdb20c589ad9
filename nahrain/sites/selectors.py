"""Reads of the sites app: each takes the caller and returns only what the caller may see
(``nahrain.sites.access``); pages read the rollups the writes keep, never the raw events."""

from __future__ import annotations

# --- sites: list, dashboard, site page ----------------------------------------------------------


# --- exports and the reconciliation with DTM ---------------------------------------------------


# --- shelters, movements, closures --------------------------------------------------------------


# --- monitoring, gaps, risk ----------------------------------------------------------------------
