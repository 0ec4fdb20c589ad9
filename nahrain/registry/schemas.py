"""The registry API's schemas: one In/Out pair per operation. Dates are ISO dates; sex is "f" or
"m"; relationships, documents, vulnerabilities and consent purposes are the codes of
data/codelists.json (the services check them and answer with problems)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field, field_validator

from nahrain.registry import codelists

# Bounded so that no number reaches the database beyond what its columns hold; the rules say
# what is wrong with a value inside these bounds (an age of 120, a Washington Group answer of 7).
MAX_AGE = 200
MAX_ANSWER = 1000
MAX_MEMBERS = 1000

BirthDateKnown = Literal["exact", "july_1", "january_1", "estimated"]
Sex = Literal["f", "m"]
Status = Literal["active", "departed", "returned", "deceased", "merged"]


# --- problems ----------------------------------------------------------------------------------


class RegistryProblemOut(Schema):
    """One thing a rule of the registry refuses: the rule's name, the field (``member 2: sex``
    for a member), the detail, and the rule in the reader's language (empty for a rule not yet
    described)."""

    rule: str
    field: str
    message: str
    words: str


class RegistryProblemsOut(Schema):
    detail: str
    problems: list[RegistryProblemOut]


# --- members and their documents ---------------------------------------------------------------


class DocumentIn(Schema):
    kind: str = Field(..., max_length=30, description="a code of the list 'documents'")
    held: bool
    number: str = Field("", max_length=40)


class MemberIn(Schema):
    """A member as registered: a first name in either script (or the name as written), sex, a
    date of birth or an age, and the rest where known."""

    sex: Sex
    relationship: str = Field(..., max_length=24, description="a code of 'relationships'")
    first_ar: str = Field("", max_length=80)
    father_ar: str = Field("", max_length=80)
    grandfather_ar: str = Field("", max_length=80)
    family_ar: str = Field("", max_length=80)
    first_lat: str = Field("", max_length=80)
    father_lat: str = Field("", max_length=80)
    grandfather_lat: str = Field("", max_length=80)
    family_lat: str = Field("", max_length=80)
    name_written: str = Field("", max_length=300)
    born_on: date | None = None
    birth_date: BirthDateKnown = "exact"
    age: int | None = Field(None, ge=-MAX_AGE, le=MAX_AGE, description="when no date of birth")
    wg: dict[str, int] = Field(
        default_factory=dict,
        description="Washington Group answers by domain (seeing, hearing, walking, "
        "remembering, self_care, communicating): 1 no difficulty to 4 cannot do at all",
    )
    serious_medical: bool = False
    pregnant_lactating: bool = False
    separated_child: bool = False
    documents: list[DocumentIn] = Field(default_factory=list, max_length=20)
    key: str | None = Field(None, min_length=1, max_length=120)

    @field_validator("wg")
    @classmethod
    def answers_bounded(cls, wg: dict[str, int]) -> dict[str, int]:
        if len(wg) > 6 or any(not -MAX_ANSWER <= a <= MAX_ANSWER for a in wg.values()):
            raise ValueError("six answers at most, each from 1 to 4")
        return wg

    @field_validator("documents")
    @classmethod
    def documents_once(cls, documents: list[DocumentIn]) -> list[DocumentIn]:
        # A member holds one record per kind of document (the database keeps it so).
        if len({d.kind for d in documents}) != len(documents):
            raise ValueError("each kind of document once")
        return documents


class DocumentOut(Schema):
    kind: str
    held: bool
    number: str


class DuplicateNoticeOut(Schema):
    """A possible duplicate of the member, open for review: in the same organisation (with the
    other household) or held by another organisation (its name alone)."""

    same_organisation: bool
    household_uid: uuid.UUID | None
    organisation: str
    message: str


class IndividualOut(Schema):
    uid: uuid.UUID
    household_uid: uuid.UUID
    first_ar: str
    father_ar: str
    grandfather_ar: str
    family_ar: str
    first_lat: str
    father_lat: str
    grandfather_lat: str
    family_lat: str
    name_written: str
    sex: str
    born_on: date | None
    birth_date: str
    age: int | None
    relationship: str
    status: str
    died_on: date | None
    left_on: date | None
    wg: dict[str, int]
    serious_medical: bool
    pregnant_lactating: bool
    separated_child: bool
    documents: list[DocumentOut]
    possible_duplicates: list[DuplicateNoticeOut]


# --- households: list, registration, the record ------------------------------------------------


class HouseholdQuery(Schema):
    q: str = Field("", max_length=200, description="a name, phone, document or registration number")
    organisation_id: uuid.UUID | None = None
    site_uid: uuid.UUID | None = None
    status: Status | None = None
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class HouseholdRowOut(Schema):
    uid: uuid.UUID
    number: str
    organisation: str
    status: str
    head: str
    size: int
    site_uid: uuid.UUID | None
    site: str
    unit: str
    admin_unit: str | None
    registered_on: date
    vulnerabilities: list[str]


class HouseholdIn(Schema):
    """A household registered in one step. Where it lives: a site (``site_uid``, and a shelter
    unit of it by ``unit_uid``), or out of camp an admin unit by p-code (``admin_unit``) and an
    address. ``key`` (a form's instance id, a partner's household key) makes a resent
    registration return the household already registered."""

    organisation_id: uuid.UUID | None = Field(
        None, description="left out by someone who registers for one organisation"
    )
    registered_on: date
    members: list[MemberIn] = Field(..., min_length=1, max_length=MAX_MEMBERS)
    site_uid: uuid.UUID | None = None
    unit_uid: uuid.UUID | None = None
    admin_unit: str | None = Field(None, max_length=20, description="a p-code, out of camp")
    address: str = Field("", max_length=300)
    origin: str | None = Field(None, max_length=20, description="the p-code of the area of origin")
    origin_place: str = Field("", max_length=200)
    displaced_on: date | None = None
    phone: str = Field("", max_length=32)
    vulnerabilities: list[str] = Field(default_factory=list, max_length=50)
    consents: list[str] = Field(
        default_factory=lambda: ["registration"],
        max_length=10,
        description="purposes agreed at registration (sharing is recorded on its own, with "
        "the organisation it is shared with)",
    )
    consent_given_by: str = Field("head", max_length=120)
    key: str | None = Field(None, min_length=1, max_length=120)
    declared_size: int | None = Field(None, ge=0, le=MAX_MEMBERS)

    @field_validator("consents")
    @classmethod
    def consents_known(cls, consents: list[str]) -> list[str]:
        # Sharing names the organisation it is shared with: recorded through /consents.
        allowed = set(codelists.codes("consent_purposes")) - {"sharing"}
        if not set(consents) <= allowed or len(set(consents)) != len(consents):
            raise ValueError(f"each purpose once, from {sorted(allowed)}")
        return consents

    @field_validator("members")
    @classmethod
    def member_keys_once(cls, members: list[MemberIn]) -> list[MemberIn]:
        keys = [m.key for m in members if m.key]
        if len(set(keys)) != len(keys):
            raise ValueError("each member's key once")
        return members


class ConsentOut(Schema):
    uid: uuid.UUID
    purpose: str
    shared_with: uuid.UUID | None
    given_on: date
    given_by: str
    withdrawn_on: date | None


class StayOut(Schema):
    site_uid: uuid.UUID | None
    unit: str
    admin_unit: str | None
    start: date
    end: date | None


class VisitOut(Schema):
    uid: uuid.UUID
    on: date
    outcome: str
    members_seen: int | None
    note: str


class EventOut(Schema):
    kind: str
    on: date
    changes: dict[str, Any]
    note: str
    at: datetime


class HouseholdOut(HouseholdRowOut):
    phone: str
    address: str
    origin: str | None
    origin_place: str
    displaced_on: date | None
    left_on: date | None
    merged_into_uid: uuid.UUID | None
    split_from_uid: uuid.UUID | None
    members: list[IndividualOut]
    consents: list[ConsentOut]
    stays: list[StayOut]
    visits: list[VisitOut]
    events: list[EventOut]


def change_key() -> Any:
    """The ``key`` of a change, as a registration's: sent again with the same key, the change is
    recorded once and answered as the first time; a key already used on the household for
    another change is refused (422, rule ``key_used``)."""
    return Field(
        None,
        min_length=1,
        max_length=120,
        description="idempotency key: sent again with the same key, the change is recorded "
        "once and answered as the first time",
    )


class HouseholdUpdateIn(Schema):
    """The household's own details to change; what is left out stays as it is."""

    on: date | None = Field(None, description="the day of the change; today when left out")
    key: str | None = change_key()
    phone: str | None = Field(None, max_length=32)
    address: str | None = Field(None, max_length=300)
    origin: str | None = Field(None, max_length=20, description="a p-code")
    origin_place: str | None = Field(None, max_length=200)
    displaced_on: date | None = None
    vulnerabilities: list[str] | None = Field(None, max_length=50)


# --- members: joining, corrections, deaths -----------------------------------------------------


class MemberAddIn(MemberIn):
    """A member joining on a day: a child born into the household (``birth``, on the day of
    birth) or a person joining it."""

    on: date
    birth: bool = False
    key: str | None = change_key()  # the change's, not the member's: a member added has none


class MemberUpdateIn(Schema):
    """A member's details to correct; what is left out stays as it is."""

    on: date | None = Field(None, description="the day of the correction; today when left out")
    key: str | None = change_key()
    first_ar: str | None = Field(None, max_length=80)
    father_ar: str | None = Field(None, max_length=80)
    grandfather_ar: str | None = Field(None, max_length=80)
    family_ar: str | None = Field(None, max_length=80)
    first_lat: str | None = Field(None, max_length=80)
    father_lat: str | None = Field(None, max_length=80)
    grandfather_lat: str | None = Field(None, max_length=80)
    family_lat: str | None = Field(None, max_length=80)
    sex: Sex | None = None
    born_on: date | None = None
    birth_date: BirthDateKnown | None = None
    relationship: str | None = Field(None, max_length=24)
    wg_seeing: int | None = Field(None, ge=-MAX_ANSWER, le=MAX_ANSWER)
    wg_hearing: int | None = Field(None, ge=-MAX_ANSWER, le=MAX_ANSWER)
    wg_walking: int | None = Field(None, ge=-MAX_ANSWER, le=MAX_ANSWER)
    wg_remembering: int | None = Field(None, ge=-MAX_ANSWER, le=MAX_ANSWER)
    wg_self_care: int | None = Field(None, ge=-MAX_ANSWER, le=MAX_ANSWER)
    wg_communicating: int | None = Field(None, ge=-MAX_ANSWER, le=MAX_ANSWER)
    serious_medical: bool | None = None
    pregnant_lactating: bool | None = None
    separated_child: bool | None = None


class DeathIn(Schema):
    on: date
    key: str | None = change_key()


# --- where the household lives: departure, move, split, merge ----------------------------------


class DepartureIn(Schema):
    on: date
    returned: bool = Field(..., description="returned to its area of origin")
    destination: str | None = Field(None, max_length=20, description="a p-code, where known")
    reason: str = Field("", max_length=300)
    key: str | None = change_key()


class MoveIn(Schema):
    """Where the household moves: a site (and a shelter unit of it), or out of camp."""

    on: date
    site_uid: uuid.UUID | None = None
    unit_uid: uuid.UUID | None = None
    admin_unit: str | None = Field(None, max_length=20, description="a p-code, out of camp")
    address: str = Field("", max_length=300)
    key: str | None = change_key()


class SplitIn(Schema):
    """Members forming a household of their own, with ``head_uid`` as its head."""

    on: date
    head_uid: uuid.UUID
    member_uids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_MEMBERS)
    unit_uid: uuid.UUID | None = None
    key: str | None = change_key()


class MergeIn(Schema):
    on: date
    into_uid: uuid.UUID = Field(..., description="the household this one joins")
    key: str | None = change_key()


# --- consent and visits ------------------------------------------------------------------------


class ConsentIn(Schema):
    purpose: str = Field(..., max_length=20, description="a code of 'consent_purposes'")
    on: date
    given_by: str = Field("head", max_length=120)
    shared_with: uuid.UUID | None = Field(None, description="the organisation, for sharing")
    key: str | None = change_key()


class WithdrawIn(Schema):
    on: date
    key: str | None = change_key()


class VisitIn(Schema):
    on: date
    outcome: Literal["verified", "changed", "not_found"]
    members_seen: int | None = Field(None, ge=0, le=MAX_MEMBERS)
    note: str = Field("", max_length=300)
    key: str | None = change_key()
