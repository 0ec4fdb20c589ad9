"""Shapes of the sites API's requests and answers."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

# --- sites: list, dashboard, site page ----------------------------------------------------------


# --- exports and the reconciliation with DTM ---------------------------------------------------


# --- shelters, movements, closures --------------------------------------------------------------


# --- monitoring, gaps, risk ----------------------------------------------------------------------


class MonitoringDetailOut(Schema):
    detail: str


class MonitoringIn(Schema):
    on: date
    # The raw counts, by the keys of nahrain.sites.services.RAW_FIELDS; yes/no as 1 or 0.
    counts: dict[str, float | bool]
    population: int | None = Field(None, ge=0, description="Default: the site's population.")
    key: str | None = Field(None, max_length=100, description="Sent twice, counted once.")


class IndicatorOut(Schema):
    code: str
    version: str
    sector: str
    cluster: str
    label: str
    unit: str
    better: str
    green: float | None
    red: float | None
    source: str
    valid_from: date
    valid_to: date | None


class ValueOut(Schema):
    indicator: str
    version: str
    sector: str
    # None when no facility works at all (a per-facility ratio without facility): rated red.
    value: float | None
    rating: str


class MonitoringOut(Schema):
    uid: uuid.UUID
    site: uuid.UUID
    on: date
    population: int | None
    counts: dict[str, Any]
    red: int
    amber: int
    green: int
    values: list[ValueOut]


class GapIn(Schema):
    sector: str
    description: str = Field(min_length=1)
    raised_on: date
    partner: str = ""
    due_on: date | None = None
    # Raised from a monitoring round's value: the round and the indicator's code.
    monitoring_round: uuid.UUID | None = None
    indicator: str | None = None


class GapUpdateIn(Schema):
    on: date
    status: Literal["open", "taken", "closed"]
    note: str = ""
    partner: str | None = None
    due_on: date | None = None


class GapOut(Schema):
    uid: uuid.UUID
    site: uuid.UUID
    sector: str
    cluster: str
    description: str
    raised_on: date
    partner: str
    due_on: date | None
    status: str
    closed_on: date | None
    indicator: str | None


class GapUpdateOut(Schema):
    gap: uuid.UUID
    on: date
    status: str
    note: str
    open_gaps: int


class RiskIn(Schema):
    on: date
    answers: dict[str, Any]
    key: str | None = Field(None, max_length=100)


class RiskOut(Schema):
    uid: uuid.UUID
    site: uuid.UUID
    site_name: str
    on: date
    score: float
    formula: str
    families: int
    answers: dict[str, Any]
