"""The sites API's request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date

from ninja import Schema
from pydantic import Field

# Bounded so that no number reaches the database beyond what its integer columns hold.
MAX_COUNT = 100_000_000

# --- sites: list, dashboard, site page ----------------------------------------------------------


# --- exports and the reconciliation with DTM ---------------------------------------------------


# --- shelters, movements, closures --------------------------------------------------------------


class RefusedOut(Schema):
    detail: str


class SiteMovementIn(Schema):
    kind: str = Field(..., pattern="^(arrival|departure)$")
    on: date
    households: int = Field(..., ge=0, le=MAX_COUNT)
    individuals: int = Field(..., ge=0, le=MAX_COUNT)
    place: str = Field("unknown", max_length=16)
    other_site_uid: uuid.UUID | None = None
    admin_unit: str = Field("", max_length=20, description="p-code of origin or destination")
    reason: str = Field("", max_length=40, description="a code of the movement reasons list")
    closure_uid: uuid.UUID | None = None
    key: str | None = Field(
        None, max_length=100, description="idempotency key: the same key counts once"
    )


class SiteMovementOut(Schema):
    uid: uuid.UUID
    site_uid: uuid.UUID
    kind: str
    on: date
    households: int
    individuals: int
    place: str
    reason: str
    transfer: uuid.UUID | None


class SiteTransferIn(Schema):
    from_site_uid: uuid.UUID
    to_site_uid: uuid.UUID
    on: date
    households: int = Field(..., ge=1, le=MAX_COUNT)
    individuals: int = Field(..., ge=1, le=MAX_COUNT)
    reason: str = Field("", max_length=40)
    key: str | None = Field(None, max_length=90)


class SitePopulationIn(Schema):
    on: date
    source: str = Field(..., max_length=16)
    individuals: int | None = Field(None, ge=0, le=MAX_COUNT)
    households: int | None = Field(None, ge=0, le=MAX_COUNT)
    note: str = Field("", max_length=200)


class SitePopulationOut(Schema):
    site_uid: uuid.UUID
    individuals: int | None
    households: int | None
    source: str
    date: date | None


class SiteWeekOut(Schema):
    week: date
    arrivals_households: int
    arrivals_individuals: int
    departures_households: int
    departures_individuals: int


class UnitsIn(Schema):
    kind: str = Field(..., max_length=12)
    block: str = Field("", max_length=40)
    code: str = Field("", max_length=40, description="one unit; or first and last")
    first: int | None = Field(None, ge=0, le=MAX_COUNT)
    last: int | None = Field(None, ge=0, le=MAX_COUNT)
    prefix: str = Field("", max_length=20)
    condition: str = Field("good", max_length=12)
    accessible: bool = False


class UnitOut(Schema):
    uid: uuid.UUID
    block: str
    code: str
    kind: str
    condition: str
    accessible: bool
    occupied: bool


class AllocationIn(Schema):
    start: date
    individuals: int = Field(..., ge=1, le=MAX_COUNT)
    household: str = Field("", max_length=64)


class AllocationOut(Schema):
    uid: uuid.UUID
    unit_uid: uuid.UUID
    household: str
    individuals: int
    start: date
    end: date | None
    ended_by: str


class VacateIn(Schema):
    end: date
    ended_by: str = Field(..., pattern="^(departure|closure)$")


class ClosureIn(Schema):
    announced_on: date
    planned_on: date
    households: int = Field(..., ge=0, le=MAX_COUNT)
    intentions: dict[str, int] = Field(default_factory=dict)
    note: str = Field("", max_length=2000)


class CancelIn(Schema):
    on: date


class ClosureOut(Schema):
    uid: uuid.UUID
    site_uid: uuid.UUID
    announced_on: date
    planned_on: date
    cancelled_on: date | None
    households: int
    intentions: dict[str, int]
    departed: dict[str, int]
    departed_households: int
    departed_individuals: int
    still_on_site: int | None
    closed_on: date | None
    days_late: int | None


# --- monitoring, gaps, risk ----------------------------------------------------------------------
