"""The referral API's schemas: one In/Out pair per operation, each named ``Referral…`` (the
OpenAPI document names each schema once across the project). Codes are those of
data/codelists.json: services ("service_types"), urgencies, the fields a person may share
("shared_fields"), decline reasons; the services check them and answer with problems."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

MAX_AGE = 200
ReferralSex = Literal["", "f", "m"]
ReferralSide = Literal["sender", "receiver"]

# --- problems ----------------------------------------------------------------------------------


class ReferralProblemOut(Schema):
    """One thing a referral rule refuses: the rule's code, the field it is about, and what is
    wrong, in the reader's language."""

    rule: str
    field: str
    message: str


class ReferralProblemsOut(Schema):
    detail: str
    problems: list[ReferralProblemOut]


# --- lists -------------------------------------------------------------------------------------


class ReferralQuery(Schema):
    open: bool = Field(False, description="only the referrals still open")
    overdue: bool = Field(
        False, description="only the referrals not answered within their urgency's time"
    )
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class ReferralRowOut(Schema):
    """A referral as a list gives it: the service, the organisations and the dates, never the
    person."""

    uid: uuid.UUID
    service: str
    urgency: str
    status: str
    organisation: str = Field(..., description="the referring organisation's acronym")
    to_organisation: str = Field(..., description="the receiving organisation's acronym")
    point_uid: uuid.UUID
    sent_at: datetime
    respond_by: datetime
    responded_at: datetime | None
    appointment_on: date | None
    overdue: bool


# --- sending -----------------------------------------------------------------------------------


class ReferralConsentIn(Schema):
    """What the person agreed the receiving organisation may know, until when, how and who
    gave it (a caregiver for a child, who also assents from the age of assent)."""

    fields: list[str] = Field(
        default_factory=list, max_length=20, description="codes of 'shared_fields'"
    )
    until: date
    method: Literal["verbal", "written"]
    given_by: Literal["person", "caregiver"]
    caregiver_relationship: str = Field("", max_length=40)
    child_assent: bool | None = None


class ReferralSendIn(Schema):
    """A person sent to a service of a point: typed here (``name``... ``place``), or taken from
    a registry record the caller reads (``individual_uid``) or a case they hold (``case_uid``),
    one of the three."""

    point_uid: uuid.UUID
    service: str = Field(..., max_length=30, description="a code of 'service_types'")
    urgency: str = Field(..., max_length=10, description="a code of 'urgencies'")
    reason: str = Field("", max_length=1000)
    transport: bool = False
    organisation_id: uuid.UUID | None = Field(
        None, description="the referring organisation, when the caller refers for several"
    )
    individual_uid: uuid.UUID | None = None
    case_uid: uuid.UUID | None = None
    name: str = Field("", max_length=200)
    sex: ReferralSex = ""
    age: int | None = Field(None, ge=0, le=MAX_AGE)
    phone: str = Field("", max_length=32)
    place: str = Field("", max_length=200)
    consent: ReferralConsentIn
    key: str | None = Field(None, min_length=1, max_length=120)


# --- one referral ------------------------------------------------------------------------------


class ReferralConsentOut(Schema):
    fields: list[str]
    given_on: date
    until: date
    method: str
    given_by: str | None = Field(..., description="to the sending side only")
    caregiver_relationship: str = Field(..., description="to the sending side only")
    child_assent: bool | None = Field(..., description="to the sending side only")
    withdrawn_on: date | None
    in_force: bool


class ReferralEventOut(Schema):
    """A step or a change of consent: what, when, by which organisation, with its codes and
    dates (a decline reason, an appointment's day, the fields dropped)."""

    status: str
    at: datetime
    organisation: str
    detail: dict[str, str | list[str]]


class ReferralOut(ReferralRowOut):
    """A referral as its reader sees it. ``person`` holds the person's fields the reader may
    read, only those: all the referral holds on the sending side, on the receiving side those
    the consent allows today. Which registry record or case it came from, and who sent it, are
    given to the sending side alone."""

    sides: list[ReferralSide]
    point_name: str
    transport: bool
    decline_reason: str
    person: dict[str, str | int | None]
    consent: ReferralConsentOut
    events: list[ReferralEventOut]
    steps: list[str] = Field(..., description="the steps the reader may take next")
    referred_by: str | None = None
    individual_uid: uuid.UUID | None = None
    case_uid: uuid.UUID | None = None


class ReferralStepIn(Schema):
    """A step: the receiving side's (acknowledged, accepted, declined with a reason,
    appointment with its day, provided, lost) or the sender's (closed, withdrawn)."""

    status: Literal[
        "acknowledged",
        "accepted",
        "declined",
        "appointment",
        "provided",
        "lost",
        "closed",
        "withdrawn",
    ]
    decline_reason: str = Field("", max_length=30, description="a code of 'decline_reasons'")
    appointment_on: date | None = None
    key: str | None = Field(None, min_length=1, max_length=120)


class ReferralConsentNarrowIn(Schema):
    """The person now shares fewer fields, or until an earlier day: never more."""

    fields: list[str] = Field(default_factory=list, max_length=20)
    until: date | None = None
    key: str | None = Field(None, min_length=1, max_length=120)


class ReferralConsentWithdrawIn(Schema):
    key: str | None = Field(None, min_length=1, max_length=120)
