"""The case API's schemas (one In/Out pair per operation, names starting with ``Case`` so that
they are unique across the project's OpenAPI schema). Case types, forms, choices, services and
documents are the codes of data/codelists.json (the services check them and answer with
problems)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

MAX_AGE = 120


# --- problems ---------------------------------------------------------------------------------


class CaseProblemOut(Schema):
    """One thing a rule refused: the rule, the field or question it is about, the words."""

    rule: str
    field: str
    message: str


class CaseProblemsOut(Schema):
    detail: str
    problems: list[CaseProblemOut]


# --- the list ---------------------------------------------------------------------------------


class CaseListQuery(Schema):
    type: str = Field("", max_length=30, description="a code of 'case_types'")
    status: Literal["", "open", "closed"] = ""


class CaseRowOut(Schema):
    """A case as the list gives it: by its code, never a name."""

    uid: uuid.UUID
    code: str
    type: str
    status: str
    organisation: str
    opened_on: date
    closed_on: date | None
    last_entry_on: date | None


# --- opening ----------------------------------------------------------------------------------


class CaseOpenIn(Schema):
    """A case to open, assigned to the caller. A GBV case takes no name nor phone."""

    type: str = Field(..., max_length=30, description="a code of 'case_types'")
    organisation_id: uuid.UUID | None = Field(
        None, description="where the case is held: the caller's only such organisation if left out"
    )
    individual_uid: uuid.UUID | None = Field(
        None, description="the person's registry record, which the caller must read"
    )
    opened_on: date | None = None
    name: str = Field("", max_length=200)
    sex: Literal["", "f", "m"] = ""
    age: int | None = Field(None, ge=0, le=MAX_AGE)
    phone: str = Field("", max_length=32)
    place: str = Field("", max_length=200)
    key: str | None = Field(None, max_length=120, description="sent again, the same case")


# --- one case ---------------------------------------------------------------------------------


class CaseEntryOut(Schema):
    uid: uuid.UUID
    kind: str
    on: date
    answers: dict[str, Any]
    author: str
    at: datetime


class CaseAssignmentOut(Schema):
    user: str
    assigned_by: str
    at: datetime
    ended_at: datetime | None


class CaseReferralOut(Schema):
    """A referral made from the case (its page: /referrals/<uid>/)."""

    uid: uuid.UUID
    service: str
    to_organisation: str
    status: str
    sent_at: datetime


class CaseOut(CaseRowOut):
    """A case's whole record. ``name`` and ``phone`` are empty for a GBV case."""

    name: str
    sex: str
    age: int | None
    phone: str
    place: str
    individual_uid: uuid.UUID | None
    forms: list[str]
    entries: list[CaseEntryOut]
    assignments: list[CaseAssignmentOut]
    assignable: list[str]
    referrals: list[CaseReferralOut]


class CaseEntryIn(Schema):
    """An entry answering one of the case type's forms: the answers by question name (a choice
    or document as its code, yes or no as true or false, a whole number, a list of codes, a
    text)."""

    kind: str = Field(..., max_length=30)
    on: date | None = None
    answers: dict[str, Any] = Field(default_factory=dict)
    key: str | None = Field(None, max_length=120)


class CaseAssignIn(Schema):
    """The case worker (by user name) to assign, or whose assignment ends."""

    user: str = Field(..., max_length=150)


# --- reports ----------------------------------------------------------------------------------


class CaseReportPathwayOut(Schema):
    """Referrals of one service to one receiving organisation, listed only where ``sent`` is
    shown, and their status now (the statuses partition ``sent``; ``open`` is ``overdue`` and
    ``on_time``). Null: hidden (a count below the threshold, or hidden so that one cannot be
    worked out; a sum with a hidden part; a median or share not shown)."""

    service: str
    organisation: str
    threshold: int
    sent: int | None
    open: int | None
    overdue: int | None
    on_time: int | None
    closed: int | None
    declined: int | None
    lost: int | None
    withdrawn: int | None
    median_hours_to_acknowledge: float | None
    median_hours_to_accept: float | None
    median_hours_to_provide: float | None
    share_closed: float | None
    share_declined: float | None
    share_lost: float | None


class CaseReportLineOut(Schema):
    code: str
    threshold: int
    values: dict[str, int | None]
    total: int | None


class CaseReportOut(Schema):
    as_of: datetime
    suppressed: bool
    pathway: list[CaseReportPathwayOut]
    sent_by_service: list[CaseReportLineOut]
    sent_by_organisation: list[CaseReportLineOut]
    sent_total: int | None
    open_by_service: list[CaseReportLineOut]
    open_totals: dict[str, int | None]
    cases_by_type: list[CaseReportLineOut]
    case_totals: dict[str, int | None]
