"""The sites API's schemas (a section per area, as in the other shared files)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

# Bounded so that no number reaches the database beyond what its integer columns hold.
MAX_COUNT = 100_000_000


# --- sites: list, dashboard, site page ----------------------------------------------------------

MAX_COUNT = 100_000_000


class DetailOut(Schema):
    detail: str


class SiteProfileIn(Schema):
    """A site's profile fields; ``admin_unit`` is the p-code of its governorate, district or
    sub-district (the lowest known)."""

    name_en: str | None = Field(None, min_length=1, max_length=200)
    name_ar: str | None = Field(None, max_length=200)
    name_ckb: str | None = Field(None, max_length=200)
    type: str | None = None
    admin_unit: str | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    managing_agency: str | None = Field(None, max_length=200)
    partners: list[str] | None = None
    opened_on: date | None = None
    capacity_plots: int | None = Field(None, ge=0, le=MAX_COUNT)
    capacity_shelters: int | None = Field(None, ge=0, le=MAX_COUNT)
    capacity_people: int | None = Field(None, ge=0, le=MAX_COUNT)
    area_m2: int | None = Field(None, ge=0, le=MAX_COUNT * 100)


class SiteIn(SiteProfileIn):
    """A new site. ``organisation_id`` may be left out by someone who writes the sites of one
    organisation only."""

    organisation_id: uuid.UUID | None = None
    code: str = Field(..., min_length=1, max_length=40)
    name_en: str = Field(..., min_length=1, max_length=200)
    type: str
    admin_unit: str
    status: str = "open"
    status_on: date | None = None


class SiteStatusIn(Schema):
    status: str
    on: date
    reason: str = Field("", max_length=1000)


class StatusChangeOut(Schema):
    status: str
    on: date
    reason: str


class PopulationFigureOut(Schema):
    on: date
    source: str
    individuals: int | None
    households: int | None


class SiteOut(Schema):
    uid: uuid.UUID
    code: str
    organisation: str
    name_en: str
    name_ar: str
    name_ckb: str
    type: str
    status: str
    status_since: date | None
    admin_unit: str
    governorate: str
    latitude: float | None
    longitude: float | None
    managing_agency: str
    partners: list[str]
    opened_on: date | None
    closed_on: date | None
    capacity_plots: int | None
    capacity_shelters: int | None
    capacity_people: int | None
    area_m2: int | None
    population_individuals: int | None
    population_households: int | None
    population_source: str
    population_date: date | None
    units_total: int
    units_occupied: int
    units_unusable: int
    open_gaps: int


class MonthOut(Schema):
    month: date
    arrivals_households: int
    arrivals_individuals: int
    departures_households: int
    departures_individuals: int


class SiteDetailOut(SiteOut):
    status_history: list[StatusChangeOut]
    population_figures: list[PopulationFigureOut]
    months: list[MonthOut]
    monitored_on: date | None
    red: int | None
    amber: int | None
    green: int | None


class TypeCountOut(Schema):
    type: str
    total: int
    by_status: dict[str, int]


class SectorGapsOut(Schema):
    sector: str
    gaps: int
    sites: int


class RedSiteOut(Schema):
    uid: uuid.UUID
    code: str
    name_en: str
    red: int
    monitored_on: date


class GovernorateOut(Schema):
    pcode: str
    name_en: str
    sites: int
    lived_in: int
    individuals: int
    households: int
    capacity: int
    open_gaps: int
    arrivals: int
    departures: int


class DashboardOut(Schema):
    """The national CCCM figures; population and capacity count the sites lived in."""

    sites: int
    lived_in: int
    individuals: int
    households: int
    with_capacity: int
    capacity: int
    individuals_with_capacity: int
    over_capacity: int
    by_type: list[TypeCountOut]
    months: list[MonthOut]
    open_gaps: int
    gaps_by_sector: list[SectorGapsOut]
    red_sites_count: int
    red_sites: list[RedSiteOut]
    governorates: list[GovernorateOut]
    year_from: date | None


# --- exports and the reconciliation with DTM ---------------------------------------------------


# --- shelters, movements, closures --------------------------------------------------------------


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
