"""Reads of the registry: each takes the caller and returns only what the caller may see
(``nahrain.registry.access``); every read of personal data leaves a trace in the audit log."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from nahrain.core.access import AnyUser
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.registry import access, codelists, names, services
from nahrain.registry.models import Household, Individual

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
# How many members a name search reads for each household it may show: enough that the exact
# spellings, ranked first in Python, are among them when a common name matches thousands.
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
        return _households(households.order_by()[:limit], "number")
    if _PHONE_TYPED.fullmatch(text):
        phone = names.phone_key(text)
        if len(phone) == 11 and phone.startswith("07"):
            households = access.households_readable(user).filter(phone_key=phone)
            return _households(households.order_by()[:limit], "phone")
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
    matches: list[tuple[Individual, str]] = []
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


def _member_rows(members: Any) -> Any:
    # No ORDER BY: the model's default order would sort every match before the window is cut.
    return members.select_related("household__site").order_by()


def _households(households: Any, matched: str) -> list[HouseholdFound]:
    """Households found whole (a number, a phone), each shown with its head."""
    rows = list(households.select_related("site"))
    heads: dict[int, Individual] = {}
    for member in Individual.objects.filter(household__in=[h.pk for h in rows]).order_by(
        "household", "pk"
    ):
        if member.household_id not in heads or member.relationship == "head":
            heads[member.household_id] = member
    return [
        _household(h, matched, [heads[h.pk]] if h.pk in heads else [])
        for h in sorted(rows, key=lambda h: h.number)
    ]


def _ranked(matches: list[tuple[Individual, str]], text: str, limit: int) -> list[HouseholdFound]:
    """Households of the members found, those holding an exact spelling first (the query's
    normal spelling starting one of the member's chains or family names), then by number."""
    typed = names.arabic_normal(text)
    best: dict[int, int] = {}
    grouped: dict[int, dict[int, Individual]] = {}
    how: dict[int, str] = {}
    for member, matched in matches:
        household_id = member.household_id
        grouped.setdefault(household_id, {})[member.pk] = member
        how.setdefault(household_id, matched)
        rank = 0 if _spelled_as(member, typed) else 1
        best[household_id] = min(best.get(household_id, rank), rank)
    order = sorted(
        grouped,
        key=lambda household_id: (
            best[household_id],
            next(iter(grouped[household_id].values())).household.number,
        ),
    )
    return [
        _household(
            next(iter(grouped[household_id].values())).household,
            how[household_id],
            sorted(grouped[household_id].values(), key=lambda m: m.pk),
        )
        for household_id in order[:limit]
    ]


def _spelled_as(member: Individual, typed: str) -> bool:
    spellings = (
        " ".join((member.first_ar, member.father_ar, member.grandfather_ar, member.family_ar)),
        " ".join((member.first_lat, member.father_lat, member.grandfather_lat, member.family_lat)),
        member.family_ar,
        member.family_lat,
    )
    return any(names.arabic_normal(spelling).startswith(typed) for spelling in spellings)


def _household(household: Household, matched: str, members: list[Individual]) -> HouseholdFound:
    today = timezone.localdate()
    return HouseholdFound(
        uid=household.uid,
        number=household.number,
        status=household.status,
        site=local_name(household.site) if household.site else household.address,
        organisation_id=household.organisation_id,
        matched=matched,
        members=tuple(
            MemberFound(
                uid=m.uid,
                name_ar=" ".join(
                    p for p in (m.first_ar, m.father_ar, m.grandfather_ar, m.family_ar) if p
                ),
                name_lat=" ".join(
                    p for p in (m.first_lat, m.father_lat, m.grandfather_lat, m.family_lat) if p
                ),
                sex=m.sex,
                age=codelists.age_on(m.born_on, today) if m.born_on else None,
                relationship=m.relationship,
                status=m.status,
            )
            for m in members
        ),
    )
