"""The assistance API's schemas: one In/Out pair per operation, each named ``Assistance…`` (the
OpenAPI document names each schema once across the project). Codes are those of
data/codelists.json (assistance kinds, modalities, clusters, items, exclusion rules, outcomes);
the services check them, and a refusal is answered 422 with its problems."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

CODE = Field(..., min_length=1, max_length=30)

# --- problems ---------------------------------------------------------------------------------


class AssistanceProblemOut(Schema):
    """One thing the assistance rules refuse: the field (or the rules document's key) it is
    about, and what is wrong."""

    rule: str
    field: str
    message: str


class AssistanceProblemsOut(Schema):
    detail: str
    problems: list[AssistanceProblemOut]


class AssistanceRefusedOut(Schema):
    """A refusal past the gates: the builder of a list approving it."""

    detail: str


# --- programmes -------------------------------------------------------------------------------


class AssistanceOrganisationOut(Schema):
    id: uuid.UUID
    name: str
    acronym: str


class AssistanceProgrammeOut(Schema):
    uid: uuid.UUID
    organisation: AssistanceOrganisationOut
    code: str
    name_en: str
    name_ar: str
    name_ckb: str
    kind: str
    kind_label: str
    modality: str
    cluster: str
    hrp_project: str
    cycles: int
    cycle_days: int
    currency: str
    budget: Decimal | None
    target_households: int | None
    target_people: dict[str, int]
    starts_on: date
    ends_on: date | None
    status: str
    rules_version: int | None


class AssistanceProgrammeListOut(Schema):
    items: list[AssistanceProgrammeOut]


class AssistanceProgrammeIn(Schema):
    organisation_id: uuid.UUID | None = Field(
        None, description="the organisation running it; the caller's only one when left out"
    )
    code: str = Field(..., min_length=1, max_length=40)
    name_en: str = Field(..., min_length=1, max_length=200)
    name_ar: str = Field("", max_length=200)
    name_ckb: str = Field("", max_length=200)
    kind: str = Field(..., min_length=1, max_length=30, description="a code of 'assistance_kinds'")
    modality: str = Field(..., min_length=1, max_length=12, description="a code of 'modalities'")
    cluster: str = Field(..., min_length=1, max_length=20, description="a code of 'clusters'")
    hrp_project: str = Field("", max_length=40)
    cycles: int = Field(1, ge=1, le=60)
    cycle_days: int = Field(0, ge=0, le=365)
    currency: str = Field("USD", min_length=3, max_length=3)
    budget: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    target_households: int | None = Field(None, ge=0, le=2_147_483_647)
    target_people: dict[str, int] = Field(default_factory=dict)
    starts_on: date
    ends_on: date | None = None


class AssistanceProgrammeChangeIn(Schema):
    """The fields to change; those left out stay as they are."""

    name_en: str | None = Field(None, min_length=1, max_length=200)
    name_ar: str | None = Field(None, max_length=200)
    name_ckb: str | None = Field(None, max_length=200)
    hrp_project: str | None = Field(None, max_length=40)
    cycles: int | None = Field(None, ge=1, le=60)
    cycle_days: int | None = Field(None, ge=0, le=365)
    budget: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    target_households: int | None = Field(None, ge=0, le=2_147_483_647)
    target_people: dict[str, int] | None = None
    starts_on: date | None = None
    ends_on: date | None = None


class AssistanceProgrammeStepIn(Schema):
    to: Literal["active", "closed"]


# --- rules ------------------------------------------------------------------------------------


class AssistanceRulesOut(Schema):
    version: int
    document: dict[str, Any]
    source: str
    created_at: datetime
    created_by: str


class AssistanceRulesListOut(Schema):
    items: list[AssistanceRulesOut]


class AssistanceRulesIn(Schema):
    document: dict[str, Any] = Field(
        ..., description="eligible, entitlement and exclusions (docs/ASSISTANCE.md)"
    )
    source: str = Field(..., min_length=1, max_length=300)


# --- lists ------------------------------------------------------------------------------------


class AssistanceListOut(Schema):
    uid: uuid.UUID
    programme_uid: uuid.UUID
    version: int
    rules_version: int
    source: str
    status: str
    supersedes_uid: uuid.UUID | None
    built_by: str
    built_at: datetime
    checked_at: datetime | None
    approved_by: str
    approved_at: datetime | None
    households: int
    people: int
    excluded: int


class AssistanceListsOut(Schema):
    items: list[AssistanceListOut]


class AssistanceListBuildIn(Schema):
    today: date | None = Field(None, description="the day the consents and rules are read on")


class AssistanceEntryOut(Schema):
    household_uid: uuid.UUID
    household_number: str
    included: bool
    token: str
    people: int
    entitlement: dict[str, Any]
    excluded_by: str
    why: str = Field(..., description="the exclusion in words a hotline operator reads out")


class AssistanceListEntriesOut(Schema):
    distribution_list: AssistanceListOut
    count: int
    limit: int
    offset: int
    entries: list[AssistanceEntryOut]


class AssistanceListQuery(Schema):
    included: bool | None = Field(None, description="only those on the list, or left out")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=10_000_000)


class AssistanceListDecisionIn(Schema):
    decision: Literal["check", "approve", "discard", "revise"]


# --- distributions ----------------------------------------------------------------------------


class AssistanceDistributionIn(Schema):
    list_uid: uuid.UUID
    cycle: int = Field(1, ge=1, le=60)
    planned_on: date
    site_uid: uuid.UUID | None = None
    place: str = Field("", max_length=200)
    team: str = Field("", max_length=200)
    stock: dict[str, int] = Field(default_factory=dict, description="items brought, by code")


class AssistanceReconciliationOut(Schema):
    planned: int
    served: int
    served_by_proxy: int
    served_elsewhere: int
    absent: int
    refused: int
    not_seen: int
    duplicates: int
    handed_out: dict[str, int]
    handed_to_duplicates: dict[str, int]
    on_replaced_list: int = Field(
        description="households recorded on a list replaced since, kept without serving them"
    )
    handed_on_replaced_list: dict[str, int]
    stock: dict[str, int]
    returned: dict[str, int]
    unaccounted: dict[str, int]
    paid: Decimal
    currency: str


class AssistanceDistributionOut(Schema):
    uid: uuid.UUID
    programme_uid: uuid.UUID
    list_uid: uuid.UUID
    cycle: int
    planned_on: date
    site_uid: uuid.UUID | None
    place: str
    team: str
    status: str
    reconciliation: AssistanceReconciliationOut


class AssistanceDistributionStepIn(Schema):
    to: Literal["open", "closed"]
    returned: dict[str, int] = Field(default_factory=dict, description="items that came back")


class AssistanceReceiptIn(Schema):
    token: str = Field(..., min_length=1, max_length=12)
    outcome: Literal["received", "proxy", "absent", "refused"]
    key: str = Field(..., min_length=1, max_length=120, description="records once however sent")
    recorded_at: datetime = Field(
        ..., description="when it happened on the device: a resend says the same"
    )
    proxy_name: str = Field("", max_length=200)
    proxy_relation: str = Field("", max_length=60)
    given: dict[str, Any] | None = Field(None, description="what was handed out, if not all")


class AssistanceReceiptOut(Schema):
    uid: uuid.UUID
    token: str
    outcome: str
    served: bool
    duplicate: bool
    recorded_at: datetime
    given: dict[str, Any]


# --- cash -------------------------------------------------------------------------------------


class AssistancePaymentBatchIn(Schema):
    list_uid: uuid.UUID
    cycle: int = Field(1, ge=1, le=60)
    provider: str = Field(..., min_length=1, max_length=30, description="a payment format's code")


class AssistancePaymentOut(Schema):
    reference: str
    household_number: str
    amount: Decimal
    currency: str
    status: str
    reason: str


class AssistancePaymentBatchOut(Schema):
    uid: uuid.UUID
    programme_uid: uuid.UUID
    list_uid: uuid.UUID
    cycle: int
    provider: str
    exported_at: datetime
    reconciled_at: datetime | None
    totals: dict[str, int] = Field(..., description="payments by status")
    payments: list[AssistancePaymentOut]


# --- monitoring -------------------------------------------------------------------------------


class AssistanceSampleIn(Schema):
    confidence: float | None = Field(None, gt=0.5, lt=1)
    margin: float | None = Field(None, gt=0, lt=0.5)
    seed: str | None = Field(None, max_length=64)


class AssistanceSampledOut(Schema):
    position: int
    code: str = Field(description="what the interview list and the PDM form name it by")
    token: str
    household_number: str
    stratum: str
    reserve: bool
    interviewed_on: date | None


class AssistanceCountOut(Schema):
    count: int
    percent: float | None


class AssistanceChoiceOut(Schema):
    code: str
    label: str
    total: AssistanceCountOut
    by_sex: dict[str, AssistanceCountOut]
    by_site: dict[str, AssistanceCountOut]


class AssistanceQuestionOut(Schema):
    code: str
    label: str
    multiple: bool
    asked: int
    choices: list[AssistanceChoiceOut]


class AssistanceSampleOut(Schema):
    uid: uuid.UUID
    distribution_uid: uuid.UUID
    confidence: Decimal
    margin: Decimal
    size: int
    strata: dict[str, Any]
    drawn_at: datetime
    members: list[AssistanceSampledOut]
    interviewed: int
    questions: list[AssistanceQuestionOut]


# --- reach ------------------------------------------------------------------------------------


class AssistanceReachRowOut(Schema):
    programme_uid: uuid.UUID
    programme: str
    organisation: str
    cluster: str
    admin_unit: str
    admin_unit_name: str
    households: int | None
    people: int | None
    cells: dict[str, int | None] = Field(..., description="sex and age groups; null: suppressed")
    exact: bool


class AssistanceReachOut(Schema):
    items: list[AssistanceReachRowOut]
