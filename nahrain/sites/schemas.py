"""The sites API's schemas (a section per area, as in the other shared files)."""

from __future__ import annotations

import uuid
from datetime import date

from ninja import Schema
from pydantic import Field

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


# --- monitoring, gaps, risk ----------------------------------------------------------------------
