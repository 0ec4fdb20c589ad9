"""The feedback API's schemas: one In/Out pair per operation, each named ``Feedback…`` (the
OpenAPI document names each schema once across the project). Codes are those of
data/codelists.json (channels, categories, topics, priorities, languages, callback genders,
answer methods, satisfaction, reasons to close without contact); the services check them, and a
refusal is answered 422 with its problems."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field

CODE = Field(..., min_length=1, max_length=30)

# --- problems ---------------------------------------------------------------------------------


class FeedbackProblemOut(Schema):
    """One thing the feedback rules refuse: the field it is about, and what is wrong."""

    field: str
    message: str


class FeedbackProblemsOut(Schema):
    detail: str
    problems: list[FeedbackProblemOut]


# --- items ------------------------------------------------------------------------------------


class FeedbackOrganisationOut(Schema):
    id: uuid.UUID
    acronym: str
    name: str


class FeedbackSummaryOut(Schema):
    """An item as the queue lists it: no description, no contact."""

    uid: uuid.UUID
    reference: str
    organisation: FeedbackOrganisationOut
    concerned: FeedbackOrganisationOut
    channel: str
    category: str
    category_label: str
    sensitive: bool
    topic: str
    site_uid: uuid.UUID | None
    received_at: datetime
    priority: str
    due_at: datetime
    overdue: bool
    status: str
    assigned_to: str


class FeedbackListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[FeedbackSummaryOut]


class FeedbackListQuery(Schema):
    status: str | None = Field(None, max_length=20, description="a status: new, assigned, ...")
    category: str | None = Field(None, max_length=30)
    channel: str | None = Field(None, max_length=20)
    site_uid: uuid.UUID | None = None
    overdue: bool = Field(False, description="only items open past their deadline")
    mine: bool = Field(False, description="only items assigned to the caller")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=10_000_000)


class FeedbackContactOut(Schema):
    name: str
    phone: str
    preferred_language: str
    callback_gender: str
    consent_to_share: bool


class FeedbackEventOut(Schema):
    at: datetime
    kind: str
    actor: str
    organisation: str
    from_status: str
    to_status: str
    note: str


class FeedbackItemOut(FeedbackSummaryOut):
    """An item as its handlers read it: what the person said, their contact where the rule lets
    it go, the answer, whether and how they were told, and the history."""

    admin_unit_pcode: str
    about_programme_uid: uuid.UUID | None
    description: str
    anonymous: bool
    person_sex: str
    person_age_group: str
    population_group: str
    answer: str
    answered_how: str
    told_at: datetime | None
    satisfaction: str
    closed_reason: str
    linked_to: str
    linked: list[str]
    contact: FeedbackContactOut | None
    history: list[FeedbackEventOut]


class FeedbackContactIn(Schema):
    name: str = Field("", max_length=200)
    phone: str = Field("", max_length=40)
    preferred_language: str = Field("", max_length=5)
    callback_gender: str = Field("", max_length=6)
    consent_to_share: bool = False


class FeedbackReceiveIn(Schema):
    organisation_id: uuid.UUID | None = Field(
        None, description="the receiving organisation; the caller's only one when left out"
    )
    channel: str = CODE
    category: str = CODE
    description: str = Field(..., min_length=1, max_length=10_000)
    received_at: datetime | None = None
    site_uid: uuid.UUID | None = None
    admin_unit_pcode: str = Field("", max_length=20)
    topic: str = Field("", max_length=30)
    about_programme_uid: uuid.UUID | None = None
    anonymous: bool = False
    contact: FeedbackContactIn | None = None
    person_sex: str = Field("", max_length=1)
    person_age_group: str = Field("", max_length=10)
    population_group: str = Field("", max_length=20)
    priority: str | None = Field(None, max_length=10)
    source_key: str = Field("", max_length=120, description="resending the same key is harmless")


class FeedbackReceivedOut(Schema):
    """What the recorder gets back. A sensitive item goes to the focal points alone: the
    recorder gets its reference, and ``uid`` only when they may read it."""

    reference: str
    sensitive: bool
    sent_to_focal_points: bool
    uid: uuid.UUID | None
    status: str


# --- steps ------------------------------------------------------------------------------------


class FeedbackAssignIn(Schema):
    assignee: str = Field(..., min_length=1, max_length=150, description="a username")


class FeedbackReferIn(Schema):
    organisation_id: uuid.UUID
    note: str = Field("", max_length=2000)


class FeedbackReferredOut(Schema):
    """After a referral: where the item went, and whether the caller still reads it."""

    reference: str
    status: str
    concerned: FeedbackOrganisationOut
    still_readable: bool


class FeedbackReclassifyIn(Schema):
    category: str = CODE
    # Needed when a sensitive item becomes ordinary: its officers then read it.
    reason: str = Field("", max_length=2000)


class FeedbackReclassifiedOut(Schema):
    """After a change of category: whether the item is sensitive now and whether the caller
    still reads it (an officer who marked it sensitive does not)."""

    reference: str
    status: str
    sensitive: bool
    still_readable: bool


class FeedbackPdmProgrammeOut(Schema):
    """A programme whose post-distribution monitoring raised complaints no one took over."""

    programme_uid: uuid.UUID
    code: str
    name: str
    organisation: FeedbackOrganisationOut
    waiting: int


class FeedbackPdmWaitingOut(Schema):
    programmes: list[FeedbackPdmProgrammeOut]


class FeedbackPdmTakeIn(Schema):
    pass


class FeedbackPdmTakenItemOut(Schema):
    """A complaint taken over: its reference; its uid only for a caller who reads it (a
    sensitive one goes to the focal points)."""

    reference: str
    sensitive: bool
    uid: uuid.UUID | None


class FeedbackPdmTakenOut(Schema):
    taken: int
    items: list[FeedbackPdmTakenItemOut]


class FeedbackStartIn(Schema):
    pass


class FeedbackResolveIn(Schema):
    answer: str = Field(..., min_length=1, max_length=10_000)


class FeedbackTellIn(Schema):
    how: str = CODE
    satisfaction: str = Field("", max_length=20)
    told_at: datetime | None = None


class FeedbackCloseIn(Schema):
    pass


class FeedbackCloseNoContactIn(Schema):
    reason: str = CODE


class FeedbackLinkIn(Schema):
    references: list[str] = Field(..., min_length=1, max_length=100)


class FeedbackNoteIn(Schema):
    note: str = Field(..., min_length=1, max_length=10_000)


class FeedbackNoteOut(FeedbackEventOut):
    pass


# --- trends and the export --------------------------------------------------------------------


class FeedbackTrendsQuery(Schema):
    organisation_id: uuid.UUID | None = Field(
        None, description="whose trends; the caller's first organisation when left out"
    )
    months: int = Field(12, ge=1, le=60)
    site_uid: uuid.UUID | None = None


class FeedbackCountOut(Schema):
    """One row of a breakdown: its key (a code, a site, a month), its label and its counts.
    A count is null where a small cell is hidden."""

    key: str
    label: str
    received: int | None
    answered: int | None
    answered_in_time: int | None
    closed: int | None
    closed_in_time: int | None
    open_overdue: int | None


class FeedbackTopIssueOut(Schema):
    site: str
    topic: str
    label: str
    received: int | None


class FeedbackTrendsOut(Schema):
    organisation: FeedbackOrganisationOut
    since: date
    exact: bool
    total: FeedbackCountOut
    share_answered_in_time: float | None
    share_closed_in_time: float | None
    by: dict[str, list[FeedbackCountOut]]
    top_issues: list[FeedbackTopIssueOut]


class FeedbackExportQuery(Schema):
    organisation_id: uuid.UUID | None = None


class FeedbackExportOut(Schema):
    """The anonymised rows: no description, contact or reference; months, not days."""

    columns: list[str]
    hxl: list[str]
    rows: list[dict[str, Any]]
