"""The health API's schemas: one In/Out pair per operation, each named ``Health…`` (the OpenAPI
document names each schema once across the project). Codes are those of data/codelists.json:
facility kinds, functionality, consultation services, sexes, age groups, population groups,
diseases, alert statuses; the services check them and a refusal is answered 422 with its
problems."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from ninja import Schema
from pydantic import Field

MAX_COUNT = 2_147_483_647  # PositiveIntegerField
CODE = Field(..., min_length=1, max_length=24)
# An epidemiological week as ISO 8601 writes one: 2026-W05.
WEEK_PATTERN = r"^\d{4}-W\d{2}$"

# --- problems ---------------------------------------------------------------------------------


class HealthProblemOut(Schema):
    """One thing the health rules refuse: the rule's code, the field it is about, and what is
    wrong."""

    rule: str
    field: str
    message: str


class HealthProblemsOut(Schema):
    detail: str
    problems: list[HealthProblemOut]


# --- facilities -------------------------------------------------------------------------------


class HealthOrganisationOut(Schema):
    id: uuid.UUID
    name: str
    acronym: str


class HealthFacilityQuery(Schema):
    kind: str | None = Field(None, max_length=24, description="a code of 'facility_kinds'")
    functionality: str | None = Field(None, max_length=10, description="full, partial or none")
    governorate: str | None = Field(None, max_length=20, description="a governorate's p-code")
    district: str | None = Field(None, max_length=20, description="a district's p-code")
    organisation_id: uuid.UUID | None = Field(None, description="the organisation running it")
    directorate_id: uuid.UUID | None = Field(None, description="its Directorate of Health")
    reporting: bool = Field(False, description="only the facilities the caller reports for")
    q: str = Field("", max_length=100, description="words of its code or names")
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class HealthCatchmentPlaceOut(Schema):
    site_uid: uuid.UUID | None
    location_uid: uuid.UUID | None
    code: str = Field(..., description="the site's code or the DTM location's id")
    name: str
    weekdays: list[int] = Field(..., description="0 Monday ... 6 Sunday (a mobile unit's visits)")


class HealthPopulationOut(Schema):
    on: date
    individuals: int
    sources: list[dict[str, str | int | None]]


class HealthFacilityRowOut(Schema):
    uid: uuid.UUID
    code: str
    name_en: str
    name_ar: str
    name_ckb: str
    kind: str
    kind_label: str
    organisation: HealthOrganisationOut
    directorate: HealthOrganisationOut
    district: str = Field(..., description="the district's p-code")
    district_name: str
    latitude: float | None
    longitude: float | None
    functionality: str
    ewarn_reporting: bool
    active: bool


class HealthFacilityPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[HealthFacilityRowOut]


class HealthFacilityOut(HealthFacilityRowOut):
    functionality_since: date | None
    supporters: list[HealthOrganisationOut]
    catchment: list[HealthCatchmentPlaceOut]
    population: HealthPopulationOut | None = Field(
        ..., description="the newest catchment population taken"
    )
    reads_reports: bool = Field(..., description="whether the caller reads its reports")
    reports_for: bool = Field(..., description="whether the caller sends its reports")
    manages: bool = Field(..., description="whether the caller changes it")


class HealthFacilityIn(Schema):
    organisation_id: uuid.UUID | None = Field(
        None, description="the organisation running it: needed when the caller manages several"
    )
    directorate_id: uuid.UUID = Field(..., description="its Directorate of Health")
    code: str = Field(..., min_length=1, max_length=40)
    name_en: str = Field(..., min_length=1, max_length=200)
    name_ar: str = Field("", max_length=200)
    name_ckb: str = Field("", max_length=200)
    kind: str = CODE
    district: str = Field(..., min_length=1, max_length=20, description="a district's p-code")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    functionality: str = Field("full", max_length=10)
    ewarn_reporting: bool = True
    supporter_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class HealthFacilityChangeIn(Schema):
    """The fields to change; those left out stay as they are."""

    name_en: str | None = Field(None, min_length=1, max_length=200)
    name_ar: str | None = Field(None, max_length=200)
    name_ckb: str | None = Field(None, max_length=200)
    kind: str | None = Field(None, min_length=1, max_length=24)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    functionality: str | None = Field(None, min_length=1, max_length=10)
    ewarn_reporting: bool | None = None
    active: bool | None = None


class HealthCatchmentIn(Schema):
    site_uids: list[uuid.UUID] = Field(default_factory=list, max_length=200)
    location_uids: list[uuid.UUID] = Field(
        default_factory=list, max_length=200, description="DTM locations the facility serves"
    )
    weekdays: dict[str, list[int]] = Field(
        default_factory=dict,
        description="a mobile unit's visits: site code or DTM location id -> weekdays (0 Monday)",
    )


# --- consultation reports ---------------------------------------------------------------------


class HealthCellIn(Schema):
    service: str = CODE
    sex: str = Field(..., min_length=1, max_length=1)
    age_group: str = Field(..., min_length=1, max_length=8)
    population_group: str = Field(..., min_length=1, max_length=10)
    count: int = Field(..., ge=0, le=MAX_COUNT)


class HealthConsultationReportIn(Schema):
    """Every count of the period: sent again, the whole report is replaced. A cell left out
    counts zero."""

    cells: list[HealthCellIn] = Field(..., max_length=1000)


class HealthCellOut(Schema):
    service: str
    sex: str
    age_group: str
    population_group: str
    count: int


class HealthConsultationQuery(Schema):
    facility_uid: uuid.UUID | None = None
    period: str | None = Field(None, pattern="^(week|month)$")
    since: date | None = Field(None, description="periods starting on or after")
    until: date | None = Field(None, description="periods starting on or before")
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class HealthConsultationRowOut(Schema):
    uid: uuid.UUID
    facility_uid: uuid.UUID
    facility_code: str
    period: str
    start: date
    end: date
    revision: int
    source: str
    submitted_at: datetime
    total: int = Field(..., description="consultations, referrals out not counted")


class HealthConsultationPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[HealthConsultationRowOut]


class HealthConsultationReportOut(HealthConsultationRowOut):
    cells: list[HealthCellOut]


# --- EWARN ------------------------------------------------------------------------------------


class HealthDiseaseCountIn(Schema):
    disease: str = CODE
    cases_under5: int = Field(0, ge=0, le=MAX_COUNT)
    cases_over5: int = Field(0, ge=0, le=MAX_COUNT)
    deaths_under5: int = Field(0, ge=0, le=MAX_COUNT)
    deaths_over5: int = Field(0, ge=0, le=MAX_COUNT)


class HealthEwarnReportIn(Schema):
    """The week's cases and deaths per disease; a disease left out had none (an empty list is
    a report of zero cases). Sent again, the week is replaced."""

    counts: list[HealthDiseaseCountIn] = Field(..., max_length=100)


class HealthDiseaseCountOut(Schema):
    disease: str
    disease_label: str
    cases_under5: int
    cases_over5: int
    deaths_under5: int
    deaths_over5: int


class HealthEwarnQuery(Schema):
    facility_uid: uuid.UUID | None = None
    year: int | None = Field(None, ge=1900, le=2200, description="epidemiological year")
    week_from: int | None = Field(None, ge=1, le=53)
    week_to: int | None = Field(None, ge=1, le=53)
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class HealthEwarnRowOut(Schema):
    uid: uuid.UUID
    facility_uid: uuid.UUID
    facility_code: str
    week: str = Field(..., description="the epidemiological week, 2026-W05")
    convention: str = Field(..., description="iso (Monday to Sunday) or who (Sunday to Saturday)")
    start: date
    revision: int
    source: str
    submitted_at: datetime
    on_time: bool
    total_cases: int


class HealthEwarnPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[HealthEwarnRowOut]


class HealthEwarnReportOut(HealthEwarnRowOut):
    counts: list[HealthDiseaseCountOut] = Field(..., description="the diseases with a case")


# --- immediate reports ------------------------------------------------------------------------


class HealthImmediateIn(Schema):
    uid: uuid.UUID | None = Field(
        None,
        description="the report's id, made by the client: sent again with the same uid, the "
        "report first made is answered and counted once",
    )
    disease: str = CODE
    seen_on: date
    cases: int = Field(1, ge=1, le=MAX_COUNT)
    deaths: int = Field(0, ge=0, le=MAX_COUNT)
    note: str = Field("", max_length=2000)


class HealthImmediateOut(Schema):
    uid: uuid.UUID
    facility_uid: uuid.UUID
    disease: str
    seen_on: date
    cases: int
    deaths: int
    note: str
    submitted_at: datetime


# --- alerts -----------------------------------------------------------------------------------


class HealthAlertQuery(Schema):
    status: str | None = Field(None, max_length=14)
    disease: str | None = Field(None, max_length=24)
    governorate: str | None = Field(None, max_length=20, description="a governorate's p-code")
    open_only: bool = False
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class HealthAlertRowOut(Schema):
    uid: uuid.UUID
    disease: str
    disease_label: str
    district: str = Field(..., description="the district's p-code")
    district_name: str
    status: str
    raised_at: datetime
    week: str = Field(..., description="the epidemiological week of the first signal")
    verify_by: datetime


class HealthAlertPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[HealthAlertRowOut]


class HealthSignalOut(Schema):
    facility_uid: uuid.UUID
    facility_code: str
    week: str
    rule: str = Field(..., description="what the rule that fired means")
    cases: int
    threshold: float | None


class HealthAlertEventOut(Schema):
    status: str
    at: datetime
    by: str = Field(..., description="the username of who moved it, empty for the rules")
    note: str


class HealthAlertOut(HealthAlertRowOut):
    next_steps: list[str] = Field(..., description="the statuses it may move to")
    works: bool = Field(..., description="whether the caller moves it along its steps")
    signals: list[HealthSignalOut] = Field(
        ..., description="the signals of the facilities whose reports the caller reads"
    )
    other_facilities: int = Field(
        ..., description="how many other facilities fed it (their counts are not the caller's)"
    )
    events: list[HealthAlertEventOut]


class HealthAlertStepIn(Schema):
    to: str = Field(..., min_length=1, max_length=14, description="the next status")
    note: str = Field("", max_length=4000)
