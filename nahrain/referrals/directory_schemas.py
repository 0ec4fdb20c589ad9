"""The service directory API's schemas: one In/Out pair per operation, named ``Directory…`` (the
project's OpenAPI document names each schema once). Services, kinds, population groups and
languages are the codes of data/codelists.json; places are admin units' p-codes; sex is "f" or
"m". Numbers and texts are bounded by what the entries' columns hold; the directory's rules say
what is wrong with a value inside those bounds (an age range upside down, an unknown service)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, field_validator

from nahrain.referrals import codelists
from nahrain.referrals.directory_selectors import DirectoryFilters

Sex = Literal["f", "m"]
MAX_AGE = 150
PCODE = r"^[A-Za-z0-9]{2,32}$"
Code = Annotated[str, Field(max_length=30)]
Weekday = Annotated[int, Field(ge=-1000, le=1000, description="ISO weekday, 1 = Monday")]


def _code_of(kind: str, value: str | None) -> str | None:
    if value and value not in codelists.codes(kind):
        raise ValueError(f"not a code of {kind!r}")
    return value


# --- problems ---------------------------------------------------------------------------------


class DirectoryProblemOut(Schema):
    """One thing the directory's rules refuse: the rule, the field it is about, the words."""

    rule: str
    field: str
    message: str


class DirectoryProblemsOut(Schema):
    detail: str
    problems: list[DirectoryProblemOut]


# --- the search -------------------------------------------------------------------------------


class DirectorySearchFields(Schema):
    """What a search asks for (every criterion may be left out): the current entries open today
    of the service, in the place (a governorate finds its districts' and sub-districts' points;
    a mobile team is found where it goes), for a person of that sex, age and group, with staff
    speaking the language, whose name holds every word of ``q``."""

    service: str | None = Field(None, max_length=30, description="a code of 'service_types'")
    place: str | None = Field(None, pattern=PCODE, description="an admin unit's p-code")
    site_uid: uuid.UUID | None = None
    sex: Sex | None = None
    age: int | None = Field(None, ge=0, le=MAX_AGE)
    group: str | None = Field(None, max_length=30, description="a code of 'population_groups'")
    language: str | None = Field(None, max_length=10, description="a code of 'languages'")
    kind: str | None = Field(None, max_length=20, description="a code of 'point_kinds'")
    organisation_id: uuid.UUID | None = None
    q: str = Field("", max_length=100, description="words of the point's name (en, ar, ckb)")

    @field_validator("service")
    @classmethod
    def service_known(cls, value: str | None) -> str | None:
        return _code_of("service_types", value)

    @field_validator("group")
    @classmethod
    def group_known(cls, value: str | None) -> str | None:
        return _code_of("population_groups", value)

    @field_validator("language")
    @classmethod
    def language_known(cls, value: str | None) -> str | None:
        return _code_of("languages", value)

    @field_validator("kind")
    @classmethod
    def kind_known(cls, value: str | None) -> str | None:
        return _code_of("point_kinds", value)

    def filters(self) -> DirectoryFilters:
        return DirectoryFilters(
            service=self.service or "",
            place=(self.place or "").upper(),
            site=self.site_uid,
            sex=self.sex or "",
            age=self.age,
            group=self.group or "",
            language=self.language or "",
            kind=self.kind or "",
            organisation=self.organisation_id,
            q=self.q,
        )


class DirectoryPointQuery(DirectorySearchFields):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class DirectoryExportQuery(DirectorySearchFields):
    """The search whose points an export holds (all of them: no page)."""


# --- what an entry is -------------------------------------------------------------------------


class DirectoryOrganisationOut(Schema):
    id: uuid.UUID
    name: str
    acronym: str


class DirectoryOfferOut(Schema):
    """A service and who it is for: no sexes, ages or groups means anyone."""

    service: str
    service_label: str
    sexes: list[str]
    age_min: int | None
    age_max: int | None
    groups: list[str]


class DirectoryVisitOut(Schema):
    site_uid: uuid.UUID | None
    site_name: str
    admin_unit: str | None
    admin_unit_name: str
    weekdays: list[int]
    hours: str


class DirectoryEntryOut(Schema):
    number: int
    status: str
    kind: str
    name_en: str
    name_ar: str
    name_ckb: str
    admin_unit: str
    admin_unit_name: str
    site_uid: uuid.UUID | None
    latitude: float | None
    longitude: float | None
    address: str
    hours: str
    languages: list[str]
    phone: str
    email: str
    capacity_per_week: int | None
    waiting_days: int | None
    active_from: date | None
    active_until: date | None
    note: str
    edited_at: datetime
    published_at: datetime | None
    offers: list[DirectoryOfferOut]
    visits: list[DirectoryVisitOut]


class DirectoryPointRowOut(Schema):
    uid: uuid.UUID
    organisation: DirectoryOrganisationOut
    entry: DirectoryEntryOut


class DirectoryPointPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[DirectoryPointRowOut]


class DirectoryVersionOut(Schema):
    number: int
    status: str
    edited_at: datetime
    published_at: datetime | None


class DirectoryPointOut(Schema):
    """A point as the caller sees it: its current entry; for its mappers (``maps``) also its
    draft and every version."""

    uid: uuid.UUID
    organisation: DirectoryOrganisationOut
    maps: bool
    current: DirectoryEntryOut | None
    draft: DirectoryEntryOut | None
    history: list[DirectoryVersionOut]


# --- what a mapper writes ---------------------------------------------------------------------


class DirectoryOfferIn(Schema):
    service: str = Field(..., max_length=30, description="a code of 'service_types'")
    sexes: list[Sex] = Field(default_factory=list, max_length=2, description="empty: anyone")
    age_min: int | None = Field(None, ge=0, le=MAX_AGE)
    age_max: int | None = Field(None, ge=0, le=MAX_AGE)
    groups: list[Code] = Field(
        default_factory=list, max_length=20, description="codes of 'population_groups'"
    )


class DirectoryVisitIn(Schema):
    """A place a mobile team goes to: a site (``site_uid``) or an area (``admin_unit``)."""

    site_uid: uuid.UUID | None = None
    admin_unit: str | None = Field(None, pattern=PCODE)
    weekdays: list[Weekday] = Field(default_factory=list, max_length=7)
    hours: str = Field("", max_length=100)


class DirectoryEntryFields(Schema):
    """What a point is and offers (a new point's first draft, or a draft)."""

    kind: str = Field(..., max_length=20, description="a code of 'point_kinds'")
    name_en: str = Field("", max_length=200)
    name_ar: str = Field("", max_length=200)
    name_ckb: str = Field("", max_length=200)
    admin_unit: str = Field(..., pattern=PCODE, description="the p-code of its area")
    site_uid: uuid.UUID | None = Field(None, description="the camp or site it is inside")
    latitude: float | None = Field(None, allow_inf_nan=False, ge=-1000, le=1000)
    longitude: float | None = Field(None, allow_inf_nan=False, ge=-1000, le=1000)
    address: str = Field("", max_length=300)
    hours: str = Field("", max_length=200)
    languages: list[Code] = Field(
        default_factory=list, max_length=10, description="codes of 'languages'"
    )
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    capacity_per_week: int | None = Field(None, ge=0, le=1_000_000)
    waiting_days: int | None = Field(None, ge=0, le=3650)
    active_from: date | None = None
    active_until: date | None = None
    note: str = Field("", max_length=500)
    offers: list[DirectoryOfferIn] = Field(..., max_length=30)
    visits: list[DirectoryVisitIn] = Field(default_factory=list, max_length=30)


class DirectoryPointIn(DirectoryEntryFields):
    """A new point, as its first draft, in an organisation the caller maps (which one, when
    they map several)."""

    organisation_id: uuid.UUID | None = None
    # The client's key for this point: the same sending again adds no second point.
    key: str | None = Field(default=None, max_length=100)


class DirectoryDraftIn(DirectoryEntryFields):
    """The point's draft, written whole (made from nothing when there is none)."""


# --- Open Referral HSDS 3.0 -------------------------------------------------------------------
# The objects of directory_exports.hsds, with HSDS 3.0's field names; empty fields are left out.


class DirectoryHsdsOrganizationOut(Schema):
    id: str
    name: str
    alternate_name: str | None = None
    description: str


class DirectoryHsdsServiceOut(Schema):
    id: str
    organization_id: str
    name: str
    description: str | None = None
    email: str | None = None
    status: str
    eligibility_description: str | None = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    assured_date: str | None = None
    last_modified: str | None = None


class DirectoryHsdsLocationOut(Schema):
    id: str
    location_type: str
    organization_id: str
    name: str | None = None
    alternate_name: str | None = None
    description: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    external_identifier: str | None = None
    external_identifier_type: str | None = None


class DirectoryHsdsServiceAtLocationOut(Schema):
    id: str
    service_id: str
    location_id: str


class DirectoryHsdsAddressOut(Schema):
    id: str
    location_id: str
    address_1: str
    city: str
    region: str | None = None
    state_province: str
    postal_code: str
    country: str
    address_type: str


class DirectoryHsdsPhoneOut(Schema):
    id: str
    location_id: str
    number: str
    type: str | None = None


class DirectoryHsdsScheduleOut(Schema):
    id: str
    location_id: str
    valid_from: str | None = None
    valid_to: str | None = None
    freq: str | None = None
    byday: str | None = None
    wkst: str | None = None
    description: str | None = None


class DirectoryHsdsLanguageOut(Schema):
    id: str
    location_id: str
    name: str | None = None
    code: str


class DirectoryHsdsTaxonomyOut(Schema):
    id: str
    name: str
    description: str
    version: str | None = None


class DirectoryHsdsTaxonomyTermOut(Schema):
    id: str
    code: str
    name: str
    description: str
    taxonomy: str | None = None
    taxonomy_id: str
    language: str | None = None


class DirectoryHsdsAttributeOut(Schema):
    id: str
    link_id: str
    link_type: str
    link_entity: str
    taxonomy_term_id: str


class DirectoryHsdsOut(Schema):
    """The directory as HSDS 3.0 tables, one list per table of its data package."""

    version: str
    organizations: list[DirectoryHsdsOrganizationOut]
    services: list[DirectoryHsdsServiceOut]
    locations: list[DirectoryHsdsLocationOut]
    service_at_locations: list[DirectoryHsdsServiceAtLocationOut]
    addresses: list[DirectoryHsdsAddressOut]
    phones: list[DirectoryHsdsPhoneOut]
    schedules: list[DirectoryHsdsScheduleOut]
    languages: list[DirectoryHsdsLanguageOut]
    taxonomies: list[DirectoryHsdsTaxonomyOut]
    taxonomy_terms: list[DirectoryHsdsTaxonomyTermOut]
    attributes: list[DirectoryHsdsAttributeOut]
