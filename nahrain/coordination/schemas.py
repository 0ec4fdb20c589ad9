"""The coordination API's schemas: one In/Out pair per operation, each named ``Coordination…``
(the OpenAPI document names each schema once across the project). Codes are those of
data/codelists.json and data/catalogue.json (clusters, population groups, activities and
indicators); the services check them, and a refusal is answered 422 with its problems."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field

CODE = Field(..., min_length=1, max_length=40)


class CoordinationProblemsOut(Schema):
    """What the coordination rules refuse, each problem in words."""

    detail: str
    problems: list[str]


# --- plans ------------------------------------------------------------------------------------


class CoordinationFigureOut(Schema):
    cluster: str
    governorate_pcode: str | None
    population_group: str
    kind: str
    people: int


class CoordinationPlanOut(Schema):
    uid: uuid.UUID
    year: int
    code: str
    name: str
    requirements: Decimal
    source: str


class CoordinationPlanListOut(Schema):
    plans: list[CoordinationPlanOut]


class CoordinationPlanDetailOut(CoordinationPlanOut):
    figures: list[CoordinationFigureOut]


# --- projects and funding ---------------------------------------------------------------------


class CoordinationProjectOut(Schema):
    uid: uuid.UUID
    code: str
    title: str
    organisation: str  # acronym
    cluster: str
    requested: Decimal
    received: Decimal
    targets: int
    governorates: list[str]  # p-codes
    status: str


class CoordinationProjectListOut(Schema):
    projects: list[CoordinationProjectOut]


class CoordinationFundingLineOut(Schema):
    cluster: str
    project: str | None  # its code; None: the cluster's line
    requested: Decimal
    received: Decimal
    gap: Decimal
    coverage: float | None


class CoordinationFundingOut(Schema):
    lines: list[CoordinationFundingLineOut]


# --- figures ----------------------------------------------------------------------------------


class CoordinationTotalsQuery(Schema):
    cluster: str | None = Field(None, max_length=20)
    governorate: str | None = Field(None, max_length=32, description="a governorate's p-code")
    month_from: date | None = None
    month_to: date | None = None


class CoordinationTotalOut(Schema):
    cluster: str
    activity: str
    indicator: str
    unit: str
    aggregation: str
    value: int
    cells: dict[str, int]
    partners: int
    possibly_overlapping: bool
    hidden_parts: int


class CoordinationTotalsOut(Schema):
    totals: list[CoordinationTotalOut]


class CoordinationDashboardQuery(Schema):
    governorate: str | None = Field(None, max_length=32, description="a governorate's p-code")


class CoordinationDashboardRowOut(Schema):
    governorate_pcode: str
    governorate: str
    month: date | None
    in_need: int | None
    targeted: int | None
    reached: int
    reached_to_date: int


class CoordinationDashboardOut(Schema):
    cluster: str
    rows: list[CoordinationDashboardRowOut]


class CoordinationPresenceQuery(Schema):
    cluster: str | None = Field(None, max_length=20)
    month: date | None = None


class CoordinationPresenceLineOut(Schema):
    governorate_pcode: str
    district_pcode: str | None
    organisations: list[str]
    clusters: list[str]


class CoordinationPresenceOut(Schema):
    places: list[CoordinationPresenceLineOut]


class CoordinationExportQuery(Schema):
    format: str = Field("csv", pattern="^(csv|xlsx|hxl)$")
    cluster: str | None = Field(None, max_length=20)


# --- reports ----------------------------------------------------------------------------------


class CoordinationReportOut(Schema):
    uid: uuid.UUID
    organisation_id: uuid.UUID
    organisation: str  # acronym
    month: date
    status: str
    submitted_at: datetime | None


class CoordinationReportListOut(Schema):
    reports: list[CoordinationReportOut]


class CoordinationRowOut(Schema):
    cluster: str
    activity: str
    indicator: str
    pcode: str
    site: str | None
    population_group: str
    value: int | None  # None: a small figure from another organisation's records, hidden
    cells: dict[str, int | None]
    source: str


class CoordinationReportDetailOut(Schema):
    organisation_id: uuid.UUID
    month: date
    report: CoordinationReportOut | None
    open: bool
    rows: list[CoordinationRowOut]


class CoordinationRowIn(Schema):
    cluster: str = CODE
    activity: str = CODE
    indicator: str = CODE
    pcode: str = Field(..., min_length=2, max_length=32, description="governorate to subdistrict")
    value: int = Field(..., ge=0, le=100_000_000)
    population_group: str = Field("", max_length=20)
    cells: dict[str, int] = Field(default_factory=dict)
    project: str | None = Field(None, max_length=40, description="an HRP project's code")


class CoordinationReportIn(Schema):
    rows: list[CoordinationRowIn] = Field(..., max_length=2000)
