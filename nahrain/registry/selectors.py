"""Reads of the registry: each takes the caller and returns only what the caller may see
(``registry.access``). Reading a household's personal data is audited by the caller
(``services.household_read``), which knows how it was read."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from nahrain.core.access import AnyUser
from nahrain.core.models import Organisation
from nahrain.core.suppression import derived_total, suppress
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.geo.models import AdminUnit
from nahrain.registry import access, codelists, matching, names, services
from nahrain.registry.models import (
    Consent,
    Household,
    HouseholdEvent,
    Individual,
    MemberStatus,
    RegistryFigure,
    Stay,
    Visit,
)
from nahrain.registry.rollups import AGE_UNKNOWN
from nahrain.registry.rules import WG_FIELDS
from nahrain.sites.models import ShelterUnit, Site

# --- households --------------------------------------------------------------------------------


def registry_organisations(*, user: AnyUser) -> QuerySet[Organisation]:
    """The organisations whose registry the user reads and writes, by acronym."""
    return Organisation.objects.filter(pk__in=access.registry_organisations(user)).order_by(
        "acronym"
    )


def household_list(
    *,
    user: AnyUser,
    organisation: Organisation | None = None,
    site: Site | None = None,
    status: str | None = None,
) -> QuerySet[Household]:
    """The households the user reads, newest registration first, each with its head (``heads``:
    the active member heading it, a list of none or one) and its place."""
    households = access.households_readable(user)
    if organisation is not None:
        households = households.filter(organisation=organisation)
    if site is not None:
        households = households.filter(site=site)
    if status:
        households = households.filter(status=status)
    heads = Individual.objects.filter(relationship="head", status=MemberStatus.ACTIVE)
    return (
        households.select_related("site", "unit", "admin_unit")
        .defer("admin_unit__geometry")
        .prefetch_related(Prefetch("members", queryset=heads, to_attr="heads"))
        .order_by("-registered_on", "-pk")
    )


def free_units(*, user: AnyUser, site: Site) -> QuerySet[ShelterUnit]:
    """The units of a site that a household can move into: not occupied, not destroyed; none
    unless the user works in the site's organisation's registry."""
    if not access.reads_registry(user, site.organisation):
        return ShelterUnit.objects.none()
    return ShelterUnit.objects.filter(site=site, occupied=False).exclude(condition="destroyed")


def free_units_of(*, user: AnyUser, organisation: Organisation) -> QuerySet[ShelterUnit]:
    """The free units of every site the organisation holds (a move's choices), each with its
    site; none unless the user works in the organisation's registry."""
    return (
        ShelterUnit.objects.filter(
            site__in=registry_sites(user=user, organisation=organisation), occupied=False
        )
        .exclude(condition="destroyed")
        .select_related("site")
        .order_by("site__name_en", "block", "code")
    )


def registry_sites(*, user: AnyUser, organisation: Organisation) -> QuerySet[Site]:
    """The sites an organisation holds, where its registry staff register households."""
    if not access.reads_registry(user, organisation):
        return Site.objects.none()
    return Site.objects.filter(organisation=organisation).order_by("name_en")


@dataclass
class MemberShown:
    """A member as the household page shows them: the record, their age today, their Washington
    Group answers and documents as (code, value) pairs in the code lists' order."""

    individual: Individual
    age: int | None
    difficulties: list[tuple[str, int]] = field(default_factory=list)
    documents: list[Any] = field(default_factory=list)
    duplicates: list[Any] = field(default_factory=list)  # matching.Notice, open ones


@dataclass
class HouseholdProfile:
    household: Household
    members: list[MemberShown]
    former_members: list[MemberShown]
    derived: list[str]  # vulnerability codes the members show
    recorded: list[str]  # recorded by the officer (and not shown by the members)
    stays: list[Stay]
    consents: list[Consent]
    visits: list[Visit]
    events: list[HouseholdEvent]
    merged_into: Household | None
    split_from: Household | None


def _shown(individual: Individual, today: date) -> MemberShown:
    age = codelists.age_on(individual.born_on, today) if individual.born_on else None
    difficulties = [
        (domain, answer)
        for domain in WG_FIELDS
        if (answer := getattr(individual, f"wg_{domain}")) is not None and answer > 1
    ]
    return MemberShown(
        individual=individual,
        age=age,
        difficulties=difficulties,
        documents=list(individual.documents.all()),
    )


def household_profile(*, user: AnyUser, household: Household) -> HouseholdProfile:
    """Everything the household page shows of a household the user reads (the gate has let the
    user in: ``access.access_household_by_uid``)."""
    from nahrain.registry.services import vulnerabilities_derived

    today = timezone.localdate()
    members = list(
        Individual.objects.filter(household=household).prefetch_related("documents").order_by("pk")
    )
    active = [m for m in members if m.status == MemberStatus.ACTIVE]
    derived = sorted(vulnerabilities_derived(active, today))
    readable = access.households_readable(user)
    told = matching.notices(m.pk for m in active)
    shown = [_shown(m, today) for m in active]
    for member in shown:
        member.duplicates = told.get(member.individual.pk, [])
    return HouseholdProfile(
        household=household,
        members=shown,
        former_members=[_shown(m, today) for m in members if m.status != MemberStatus.ACTIVE],
        derived=derived,
        recorded=[v for v in household.vulnerabilities_recorded if v not in derived],
        stays=list(
            household.stays.select_related("site", "unit", "admin_unit")
            .defer("admin_unit__geometry")
            .order_by("-start", "-pk")
        ),
        consents=list(household.consents.select_related("shared_with").order_by("-given_on")),
        visits=list(household.visits.select_related("actor").order_by("-on", "-pk")),
        events=list(household.events.select_related("actor").order_by("-at", "-pk")),
        merged_into=readable.filter(pk=household.merged_into_id).first()
        if household.merged_into_id
        else None,
        split_from=readable.filter(pk=household.split_from_id).first()
        if household.split_from_id
        else None,
    )


def household_by_number(*, user: AnyUser, organisation: Organisation, number: str) -> Household:
    """A household of the organisation the user reads, by its registration number as typed
    (spaces and case do not matter); ``Household.DoesNotExist`` otherwise."""
    typed = "".join(number.split()).upper()
    return access.households_readable(user).get(organisation=organisation, number=typed)


def change_sent(*, user: AnyUser, household: Household, key: str) -> HouseholdEvent | None:
    """The change recorded on a household the user reads under a form's key: the form was sent
    before (``services`` records a change once per key)."""
    if not key:
        return None
    readable = access.households_readable(user).filter(pk=household.pk)
    return HouseholdEvent.objects.filter(household__in=readable, key=key).first()


# The columns of the personal-data export: one row per member, the household's details repeated.
EXPORT_COLUMNS = (
    "household_number",
    "household_status",
    "registered_on",
    "site_code",
    "unit",
    "admin_unit_pcode",
    "address",
    "origin_pcode",
    "origin_place",
    "displaced_on",
    "phone",
    "household_size",
    "vulnerabilities",
    "member_status",
    "relationship",
    "first_ar",
    "father_ar",
    "grandfather_ar",
    "family_ar",
    "first_lat",
    "father_lat",
    "grandfather_lat",
    "family_lat",
    "sex",
    "born_on",
    "birth_date",
    *(f"wg_{domain}" for domain in WG_FIELDS),
    "serious_medical",
    "pregnant_lactating",
    "separated_child",
    "documents_held",
    "documents_missing",
)


def personal_export_rows(*, user: AnyUser, organisation: Organisation) -> list[dict[str, Any]]:
    """The organisation's households and members, one row per member, as the export writes
    them; none unless the user may export the organisation's personal data."""
    if not access.exports_personal(user, organisation):
        return []
    members = (
        Individual.objects.filter(
            household__in=access.households_readable(user).filter(organisation=organisation)
        )
        .select_related("household__site", "household__unit", "household__admin_unit")
        .select_related("household__origin")
        .defer(
            "household__admin_unit__geometry",
            "household__origin__geometry",
        )
        .prefetch_related("documents")
        .order_by("household__number", "pk")
    )
    rows = []
    for member in members:
        household = member.household
        documents = list(member.documents.all())
        rows.append(
            {
                "household_number": household.number,
                "household_status": household.status,
                "registered_on": household.registered_on,
                "site_code": household.site.code if household.site else "",
                "unit": str(household.unit) if household.unit else "",
                "admin_unit_pcode": household.admin_unit.pcode if household.admin_unit else "",
                "address": household.address,
                "origin_pcode": household.origin.pcode if household.origin else "",
                "origin_place": household.origin_place,
                "displaced_on": household.displaced_on,
                "phone": household.phone,
                "household_size": household.size,
                "vulnerabilities": " ".join(household.vulnerabilities),
                "member_status": member.status,
                "relationship": member.relationship,
                **{
                    name: getattr(member, name)
                    for name in EXPORT_COLUMNS
                    if name.startswith(("first_", "father_", "grandfather_", "family_", "wg_"))
                },
                "sex": member.sex,
                "born_on": member.born_on,
                "birth_date": member.birth_date,
                "serious_medical": member.serious_medical,
                "pregnant_lactating": member.pregnant_lactating,
                "separated_child": member.separated_child,
                "documents_held": " ".join(
                    f"{d.kind}:{d.number}" if d.number else d.kind for d in documents if d.held
                ),
                "documents_missing": " ".join(d.kind for d in documents if not d.held),
            }
        )
    return rows


# --- search ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberFound:
    """A member of a household the search found, as the result list shows it."""

    uid: uuid.UUID
    name_ar: str
    name_lat: str
    sex: str
    age: int | None
    relationship: str
    status: str


@dataclass(frozen=True)
class HouseholdFound:
    """A household the search found: by what (``matched``: number, phone, document, name or
    family), and the member(s) it found it by (the head, for a household's number or phone)."""

    uid: uuid.UUID
    number: str
    status: str
    site: str
    organisation_id: uuid.UUID
    matched: str
    members: tuple[MemberFound, ...]


# Registration numbers as ``services.registration_number`` writes them: the organisation's
# acronym, then eight characters of its alphabet in two groups.
_NUMBER_BODY = "[34679ACDEFGHJKMNPQRTUVWXY]{4}"
_REGISTRATION_NUMBER = re.compile(rf"([A-Z0-9]{{2,6}})-?({_NUMBER_BODY})-?({_NUMBER_BODY})")
# \d is any script's digit: Arabic-Indic phones are phones too.
_PHONE_TYPED = re.compile(r"[+\d\s\-()]+")
# How many members a name search reads for each household it may show. Exact spellings are
# ranked first among those read: when a common name matches thousands, one beyond the window is
# not shown, and the officer types more of the chain.
_NAME_WINDOW = 4


def household_search(
    *, user: AnyUser, q: str, limit: int = 50, via: str = "page"
) -> list[HouseholdFound]:
    """The households of the registries the user reads that a query finds, best first.

    What the query looks like says what it is: a registration number is matched whole, a
    phone by its key (07xxxxxxxxx), anything else holding a digit as a document number; the
    rest is a name, in either script, matched from the start of the name chain (the last word
    may be cut short), and a single word also as a family or tribe name. Exact spellings come
    first. The search is audited with the number of households shown, never the query.
    """
    if not isinstance(user, User):
        return []
    organisation_ids = [row["organisation_id"] for row in access.registry_organisations(user)]
    text = q.strip()
    if not organisation_ids or not text:
        return []
    found = _found(user, text, organisation_ids, limit)
    services.search_made(actor=user, organisation_ids=organisation_ids, results=len(found), via=via)
    return found


def _found(
    user: User, text: str, organisation_ids: list[uuid.UUID], limit: int
) -> list[HouseholdFound]:
    compact = re.sub(r"\s", "", text).upper()
    number = _REGISTRATION_NUMBER.fullmatch(compact)
    # A name can spell a number without dashes (MOHAMMEDAHMED): a number without them is one
    # only when it holds a digit, which no name does.
    if number and ("-" in compact or any(ch.isdigit() for ch in compact)):
        households = access.households_readable(user).filter(number="-".join(number.groups()))
        return _heads(households, "number", limit)
    if _PHONE_TYPED.fullmatch(text):
        phone = names.phone_key(text)
        if len(phone) == 11 and phone.startswith("07"):
            households = access.households_readable(user).filter(phone_key=phone)
            return _heads(households, "phone", limit)
    if any(ch.isdigit() for ch in text):
        document = names.document_key(text)
        if len(document) < 6:
            return []
        members = access.individuals_readable(user).filter(documents__number_key=document)
        return _ranked([(m, "document") for m in _member_rows(members)[:limit]], text, limit)
    key = names.query_key(text)
    if not key:
        return []
    window = limit * _NAME_WINDOW
    matches: list[tuple[dict[str, Any], str]] = []
    readable = access.individuals_readable(user)
    # One organisation at a time: the (organisation, key) index then serves each prefix as one
    # range, read only as far as the window.
    for organisation_id in organisation_ids:
        in_organisation = readable.filter(organisation_id=organisation_id)
        chains = _member_rows(in_organisation.filter(name_key__startswith=key))[:window]
        matches += [(member, "name") for member in chains]
        if " " not in key:
            family = _member_rows(
                in_organisation.filter(family_key__startswith=names.family_key(text))
            )[:window]
            matches += [(member, "family") for member in family]
    return _ranked(matches, text, limit)


# What the result list shows of a member and its household, read as plain rows: a common name
# brings hundreds of members, and model instances of them (and of their sites) would cost more
# than the search itself.
_CHAIN_AR = ("first_ar", "father_ar", "grandfather_ar", "family_ar")
_CHAIN_LAT = ("first_lat", "father_lat", "grandfather_lat", "family_lat")
_MEMBER_FIELDS = (
    "pk",
    "uid",
    "household_id",
    *_CHAIN_AR,
    *_CHAIN_LAT,
    "sex",
    "born_on",
    "relationship",
    "status",
    "household__uid",
    "household__number",
    "household__status",
    "household__address",
    "household__organisation_id",
    "household__site__name_en",
    "household__site__name_ar",
    "household__site__name_ckb",
)


def _member_rows(members: Any) -> Any:
    # No ORDER BY: the model's default order would sort every match before the window is cut.
    return members.order_by().values(*_MEMBER_FIELDS)


def _heads(households: Any, matched: str, limit: int) -> list[HouseholdFound]:
    """Households found whole (a number, a phone), each shown with its head (or, where the head
    has died or left, its first member)."""
    ids = list(households.order_by().values_list("pk", flat=True)[:limit])
    heads: dict[int, dict[str, Any]] = {}
    for member in _member_rows(Individual.objects.filter(household_id__in=ids)):
        household_id = member["household_id"]
        if household_id not in heads or (
            member["relationship"] == "head" and heads[household_id]["relationship"] != "head"
        ):
            heads[household_id] = member
    rows = sorted(heads.values(), key=lambda m: m["household__number"])
    return [_household(matched, [member]) for member in rows]


def _ranked(
    matches: list[tuple[dict[str, Any], str]], text: str, limit: int
) -> list[HouseholdFound]:
    """Households of the members found, those holding an exact spelling first (the query's
    normal spelling starting one of the member's chains or family names), then by number."""
    typed = names.arabic_normal(text)
    # Only the chains in the query's script can hold its spelling.
    fields = _CHAIN_AR if any("\u0600" <= ch <= "\u06ff" for ch in typed) else _CHAIN_LAT
    best: dict[int, int] = {}
    grouped: dict[int, dict[int, dict[str, Any]]] = {}
    how: dict[int, str] = {}
    for member, matched in matches:
        household_id = member["household_id"]
        grouped.setdefault(household_id, {})[member["pk"]] = member
        how.setdefault(household_id, matched)
        if best.get(household_id) != 0:
            best[household_id] = 0 if _spelled_as(member, fields, typed) else 1
    order = sorted(
        grouped,
        key=lambda household_id: (
            best[household_id],
            next(iter(grouped[household_id].values()))["household__number"],
        ),
    )
    return [
        _household(how[household_id], sorted(grouped[household_id].values(), key=lambda m: m["pk"]))
        for household_id in order[:limit]
    ]


def _spelled_as(member: dict[str, Any], fields: tuple[str, ...], typed: str) -> bool:
    chain = " ".join(member[f] for f in fields if member[f])
    return any(
        names.arabic_normal(spelling).startswith(typed) for spelling in (chain, member[fields[3]])
    )


def _household(matched: str, members: list[dict[str, Any]]) -> HouseholdFound:
    today = timezone.localdate()
    first = members[0]
    site = {
        f"name_{language}": first[f"household__site__name_{language}"] or ""
        for language in ("en", "ar", "ckb")
    }
    return HouseholdFound(
        uid=first["household__uid"],
        number=first["household__number"],
        status=first["household__status"],
        site=local_name(site) if site["name_en"] else first["household__address"],
        organisation_id=first["household__organisation_id"],
        matched=matched,
        members=tuple(
            MemberFound(
                uid=m["uid"],
                name_ar=" ".join(m[f] for f in _CHAIN_AR if m[f]),
                name_lat=" ".join(m[f] for f in _CHAIN_LAT if m[f]),
                sex=m["sex"],
                age=codelists.age_on(m["born_on"], today) if m["born_on"] else None,
                relationship=m["relationship"],
                status=m["status"],
            )
            for m in members
        ),
    )


# --- api ---------------------------------------------------------------------------------------

ROW_RELATED = ("organisation", "site", "unit", "admin_unit")
ROW_UNREAD = ("admin_unit__geometry",)


def _with_heads(households: Any) -> Any:
    """Households with their head in the household (``heads``: a list of none or one)."""
    heads = Individual.objects.filter(relationship="head", status=MemberStatus.ACTIVE)
    return households.prefetch_related(Prefetch("members", queryset=heads, to_attr="heads"))


def household_page(
    *,
    user: AnyUser,
    organisation_id: Any = None,
    site_uid: Any = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[Household]:
    """One page of the households the user reads, narrowed by organisation, site and status, in
    the organisation's registration number order, each with its head."""
    households = access.households_readable(user)
    if organisation_id is not None:
        households = households.filter(organisation_id=organisation_id)
    if site_uid is not None:
        households = households.filter(site__uid=site_uid)
    if status:
        households = households.filter(status=status)
    households = households.select_related(*ROW_RELATED).defer(*ROW_UNREAD)
    return list(_with_heads(households).order_by("organisation", "number")[offset : offset + limit])


def households_in_order(*, user: AnyUser, uids: Sequence[Any]) -> list[Household]:
    """The households of these uids that the user reads, in the order given (a search's rank),
    each with its head."""
    households = access.households_readable(user).filter(uid__in=list(uids))
    found = {
        h.uid: h for h in _with_heads(households.select_related(*ROW_RELATED).defer(*ROW_UNREAD))
    }
    return [found[uid] for uid in uids if uid in found]


@dataclass
class HouseholdRecord:
    """A household with everything the registry holds on it."""

    household: Household
    merged_into_uid: Any
    split_from_uid: Any
    members: list[Individual]
    consents: list[Consent]
    stays: list[Stay]
    visits: list[Visit]
    events: list[HouseholdEvent]


def household_record(*, user: AnyUser, household: Household) -> HouseholdRecord:
    """A household the user reads (passed through its gate), with its members (those who left
    or died too) and their documents, consents, stays, visits and history."""
    readable = access.households_readable(user).filter(pk=household.pk)
    members = Individual.objects.filter(household__in=readable).prefetch_related("documents")
    # The households it merged into or split from are the same organisation's.
    links: dict[int | None, Any] = dict(
        access.households_readable(user)
        .filter(pk__in=[household.merged_into_id, household.split_from_id])
        .values_list("pk", "uid")
    )
    return HouseholdRecord(
        household=household,
        merged_into_uid=links.get(household.merged_into_id),
        split_from_uid=links.get(household.split_from_id),
        members=list(members.select_related("household").order_by("pk")),
        consents=list(Consent.objects.filter(household__in=readable).select_related("shared_with")),
        stays=list(
            Stay.objects.filter(household__in=readable)
            .select_related("site", "unit", "admin_unit")
            .defer("admin_unit__geometry")
        ),
        visits=list(Visit.objects.filter(household__in=readable)),
        events=list(HouseholdEvent.objects.filter(household__in=readable)),
    )


# --- figures ---------------------------------------------------------------------------------

FIGURE_LEVELS = ("site", "district", "governorate")


def population_cells() -> list[str]:
    """The sex and age cells, women and girls first: ``f_0_4`` .. ``f_60``, ``f_unknown``,
    then the same for men and boys. They add up to the individuals."""
    groups = [*codelists.age_groups(), AGE_UNKNOWN]
    return [f"{sex}_{group}" for sex in ("f", "m") for group in groups]


def vulnerability_cells() -> list[str]:
    return codelists.codes("vulnerabilities")


def document_cells() -> list[str]:
    return [f"doc_{kind}" for kind in codelists.codes("documents")]


def figure_cells() -> list[str]:
    """Every cell of a row, in the order tables and files show them."""
    population = ["households", "individuals", *population_cells()]
    return [*population, *vulnerability_cells(), *document_cells()]


@dataclass(frozen=True)
class FigureRow:
    """One place's figures: ``None`` for a cell hidden by small-cell suppression."""

    governorate: AdminUnit
    district: AdminUnit | None  # None: the place is known only to its governorate
    site: Site | None  # at site level, the site (None: households out of camp)
    admin_unit: AdminUnit | None  # at site level, out of camp: the admin unit they live in
    cells: dict[str, int | None]


@dataclass(frozen=True)
class Figures:
    organisation: Organisation
    level: str
    within: AdminUnit | None
    suppressed: bool  # small cells hidden (the reader is not of the holding organisation)
    threshold: int
    as_of: date | None
    rows: list[FigureRow]
    totals: dict[str, int | None]


def figures(
    *,
    user: AnyUser,
    organisation: Organisation,
    level: str,
    within: AdminUnit | None = None,
) -> Figures:
    """The organisation's registry figures by place (sites and places out of camp, districts or
    governorates), within a governorate or district if given: exact for its own members,
    small cells suppressed for anyone else.

    Suppression is done once, on the finest table of the whole organisation (every site and
    place out of camp), whatever level or area is asked: the coarser rows and the totals of an
    area are sums of its published cells, hidden when any part is hidden. So every figure any
    reader gets is drawn from one published table, and asking for a district, a governorate or
    the country as well reveals nothing that table hides (``core.suppression``)."""
    if level not in FIGURE_LEVELS:
        raise ValueError(f"no such level: {level}")
    exact = access.figures_unsuppressed(user, organisation)
    threshold = int(codelists.threshold("small_cell_below"))
    places = list(
        RegistryFigure.objects.filter(organisation=organisation)
        .select_related("site", "admin_unit", "governorate")
        .defer("admin_unit__geometry", "governorate__geometry")
        .order_by("governorate__pcode", "admin_unit__pcode", "site__code", "pk")
    )
    cells, totals = _published(places, exact=exact, threshold=threshold)
    districts = _districts(places)
    shown = range(len(places)) if within is None else _within(places, districts, within)
    if within is not None:
        totals = _sum(cells[n] for n in shown)
    rows: dict[Any, FigureRow] = {}
    parts: dict[Any, list[dict[str, int | None]]] = {}
    for n in shown:
        place, published = places[n], cells[n]
        district = districts.get(place.admin_unit_id)
        if level == "site":
            key: Any = place.pk
            row = FigureRow(
                place.governorate,
                district,
                place.site,
                None if place.site_id else place.admin_unit,
                published,
            )
        elif level == "district":
            key = (place.governorate_id, getattr(district, "pk", None))
            row = FigureRow(place.governorate, district, None, None, {})
        else:
            key = place.governorate_id
            row = FigureRow(place.governorate, None, None, None, {})
        rows.setdefault(key, row)
        parts.setdefault(key, []).append(published)
    result = [
        row if level == "site" else FigureRow(**{**row.__dict__, "cells": _sum(parts[key])})
        for key, row in rows.items()
    ]
    return Figures(
        organisation=organisation,
        level=level,
        within=within,
        suppressed=not exact,
        threshold=threshold,
        as_of=max((place.as_of for place in places), default=None),
        rows=result,
        totals=totals,
    )


def _within(
    places: Sequence[RegistryFigure], districts: dict[Any, AdminUnit | None], within: AdminUnit
) -> list[int]:
    """The places in a governorate or district."""
    return [
        n
        for n, place in enumerate(places)
        if within.pk
        in (place.governorate_id, getattr(districts.get(place.admin_unit_id), "pk", None))
    ]


def _sum(rows: Iterable[dict[str, int | None]]) -> dict[str, int | None]:
    rows = list(rows)
    return {cell: derived_total(row[cell] for row in rows) for cell in figure_cells()}


def _published(
    places: Sequence[RegistryFigure], *, exact: bool, threshold: int
) -> tuple[list[dict[str, int | None]], dict[str, int | None]]:
    """Each place's cells and the organisation's totals, as this reader may see them.

    Four tables are suppressed apart, each with the totals it is published with: the sex and
    age cells (their row total is the individuals), the households, the vulnerabilities
    (households having each) and the missing documents (individuals missing each). A household
    can have several vulnerabilities and a person miss several documents, so those two have no
    meaningful row total; it is counted in the suppression all the same (more is hidden, never
    less) and not published."""
    counts = [place.counts for place in places]
    cells: list[dict[str, int | None]] = [{} for _ in places]
    totals: dict[str, int | None] = {}
    tables = (
        (population_cells(), "individuals"),
        (["households"], None),
        (vulnerability_cells(), None),
        (document_cells(), None),
    )
    for columns, row_total in tables:
        table = [[count.get(cell, 0) for cell in columns] for count in counts]
        published: Sequence[Sequence[int | None]]
        published_totals: Sequence[int | None]
        column_totals: Sequence[int | None]
        grand: int | None
        if exact:
            published = table
            published_totals = [sum(row) for row in table]
            column_totals = [sum(row[c] for row in table) for c in range(len(columns))]
            grand = sum(map(sum, table))
        elif table:
            result = suppress(table, threshold=threshold)
            published, published_totals = result.cells, result.row_totals
            column_totals, grand = result.column_totals, result.total
        else:
            published, published_totals, column_totals, grand = [], [], [0] * len(columns), 0
        for n, row in enumerate(published):
            cells[n].update(zip(columns, row, strict=True))
            if row_total:
                cells[n][row_total] = published_totals[n]
        totals.update(zip(columns, column_totals, strict=True))
        if row_total:
            totals[row_total] = grand
    return cells, totals


def _districts(places: Sequence[RegistryFigure]) -> dict[Any, AdminUnit | None]:
    """Each place's district: its admin unit at district level, the parent of a subdistrict,
    none for a place known only to its governorate."""
    units = {place.admin_unit_id: place.admin_unit for place in places}
    parents = {
        unit.pk: unit
        for unit in AdminUnit.objects.filter(
            pk__in=[unit.parent_id for unit in units.values() if unit.level == 3]
        ).defer("geometry")
    }
    found: dict[Any, AdminUnit | None] = {}
    for pk, unit in units.items():
        if unit.level == 2:
            found[pk] = unit
        elif unit.level == 3:
            found[pk] = parents.get(unit.parent_id) if unit.parent_id else None
        else:
            found[pk] = None
    return found
