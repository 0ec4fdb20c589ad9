"""Writes of the registry: keyword-only, typed, one transaction each, every change kept in the
household's history (``HouseholdEvent``) and audited without personal values. Every write takes a
``key``: sent again with it, it returns what it made the first time and writes nothing more (a
registration by ``Household.key``, a change by the key kept with its event, ``_sent``).

Where a household lives in a site, the registry feeds the site: an arrival when it registers or
moves in, a departure when it leaves (``sites.services.movement_record``, keyed so that a retried
write counts once), its shelter allocation; and, at a site that counts its population by
registration (``Site.counts_by_registration``), the registered households and individuals as the
day's population figure, so that the site's population equals the sum of its registered members
after every write (docs/REGISTRY.md, "One population figure").
"""

from __future__ import annotations

import csv
import io
import random
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import cache
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from openpyxl import Workbook

from nahrain.core.models import Organisation
from nahrain.core.services import audit_record
from nahrain.geo.models import AdminUnit, Location
from nahrain.intake.readers import neutralise
from nahrain.registry import access, codelists, matching, names
from nahrain.registry.models import (
    Consent,
    Document,
    DuplicateDecision,
    DuplicateStatus,
    Household,
    HouseholdEvent,
    HouseholdStatus,
    Individual,
    MemberStatus,
    PossibleDuplicate,
    Stay,
    Visit,
)
from nahrain.registry.rules import (
    WG_FIELDS,
    MemberIn,
    Problem,
    date_problems,
    estimated_birth,
    household_problems,
    member_problems,
)
from nahrain.sites import services as site_services
from nahrain.sites.models import (
    Allocation,
    MovementKind,
    MovementPlace,
    PopulationSource,
    ShelterUnit,
    Site,
    SitePopulation,
)


class RegistryRuleBroken(ValidationError):
    """A write the registry's rules refuse, with the problems for the person who made it."""

    def __init__(self, problems: Sequence[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("refused", "", problems)]
        self.problems = list(problems)
        super().__init__([p.message for p in self.problems])


# --- registration numbers ----------------------------------------------------------------------

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: read aloud over a phone and copied by hand without mistakes.
_NUMBER_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"


def registration_number(organisation: Organisation, *, rng: random.Random | None = None) -> str:
    """A new random registration number of the organisation: its acronym and eight characters
    (25⁸ ≈ 1.5·10¹¹ numbers; never derived from personal data). Unique per organisation; the
    unique constraint backs it and a collision is drawn again by the caller. ``rng`` draws them
    from a seed instead (the demo, reproducible); registrations use the system's secure source."""
    choice = rng.choice if rng is not None else secrets.choice
    body = "".join(choice(_NUMBER_ALPHABET) for _ in range(8))
    prefix = "".join(ch for ch in organisation.acronym.upper() if ch.isalnum())[:6] or "HH"
    return f"{prefix}-{body[:4]}-{body[4:]}"


def registration_numbers(organisation: Organisation, count: int, taken: set[str]) -> list[str]:
    """``count`` new registration numbers of the organisation at once, none in ``taken`` (the
    organisation's numbers) nor twice: for an import of many households, drawn from one stream
    of random bytes rather than a system call per character. ``taken`` grows with them."""
    prefix = "".join(ch for ch in organisation.acronym.upper() if ch.isalnum())[:6] or "HH"
    size = len(_NUMBER_ALPHABET)
    usable = 256 - 256 % size  # bytes above a multiple of 25 are dropped: no letter favoured
    found: list[str] = []
    while len(found) < count:
        letters = [
            _NUMBER_ALPHABET[b % size]
            for b in secrets.token_bytes((count - len(found)) * 9 + 16)
            if b < usable
        ]
        for start in range(0, len(letters) - 7, 8):
            if len(found) == count:
                break
            body = "".join(letters[start : start + 8])
            number = f"{prefix}-{body[:4]}-{body[4:]}"
            if number not in taken:
                taken.add(number)
                found.append(number)
    return found


# --- members -----------------------------------------------------------------------------------


def name_written(member: MemberIn) -> str:
    """The name as first written: as given, or else the chain in Arabic, or else in Latin."""
    chain_ar = (member.first_ar, member.father_ar, member.grandfather_ar, member.family_ar)
    chain_lat = (member.first_lat, member.father_lat, member.grandfather_lat, member.family_lat)
    written = (
        member.name_written
        or " ".join(p for p in chain_ar if p)
        or " ".join(p for p in chain_lat if p)
    )
    return written[:300]


def name_chain(member: MemberIn) -> tuple[str, str, str, str]:
    """The chain the search key is made of: the Arabic one where a first name is in Arabic."""
    if member.first_ar.strip():
        return (member.first_ar, member.father_ar, member.grandfather_ar, member.family_ar)
    return (member.first_lat, member.father_lat, member.grandfather_lat, member.family_lat)


def individual_from(member: MemberIn, *, household: Household, on: date) -> Individual:
    """An unsaved Individual from a member as given (its name key and date of birth worked out:
    an age alone gives 1 July of the year, kept as estimated)."""
    born_on, birth_date = member.born_on, member.birth_date
    if born_on is None and member.age is not None:
        born_on, birth_date = estimated_birth(member.age, on), "estimated"
    written = name_written(member)
    key = names.name_key(*name_chain(member))
    individual = Individual(
        household=household,
        organisation_id=household.organisation_id,
        first_ar=member.first_ar.strip(),
        father_ar=member.father_ar.strip(),
        grandfather_ar=member.grandfather_ar.strip(),
        family_ar=member.family_ar.strip(),
        first_lat=member.first_lat.strip(),
        father_lat=member.father_lat.strip(),
        grandfather_lat=member.grandfather_lat.strip(),
        family_lat=member.family_lat.strip(),
        name_written=written,
        name_key=key[:200],
        family_key=names.family_key(member.family_ar or member.family_lat)[:60],
        sex=member.sex,
        born_on=born_on,
        birth_date=birth_date,
        relationship=member.relationship,
        serious_medical=member.serious_medical,
        pregnant_lactating=member.pregnant_lactating,
        separated_child=member.separated_child,
        key=member.key,
    )
    for domain in WG_FIELDS:
        setattr(individual, f"wg_{domain}", member.wg.get(domain))
    return individual


def _members_save(household: Household, members: Sequence[MemberIn], on: date) -> list[Individual]:
    saved = []
    for member in members:
        individual = individual_from(member, household=household, on=on)
        individual.save()
        Document.objects.bulk_create(
            Document(
                individual=individual,
                kind=d.kind,
                held=d.held,
                number=d.number.strip() if d.held else "",
                number_key=names.document_key(d.number) if d.held else "",
            )
            for d in member.documents
        )
        saved.append(individual)
    return saved


# --- derived facts -----------------------------------------------------------------------------


@cache
def _derivation() -> tuple[int, int, int, frozenset[str]]:
    """The thresholds the derived vulnerabilities use: child below, elderly from, disability
    from (a Washington Group answer), and the core identity documents."""
    lists = codelists.codelists()
    return (
        int(codelists.threshold("child_below")),
        int(codelists.threshold("elderly_from")),
        int(lists["wg_domains"]["disability_from"]),
        frozenset(e["code"] for e in lists["documents"]["codes"] if e.get("core")),
    )


def member_vulnerabilities(
    *,
    relationship: str,
    sex: str,
    born_on: date | None,
    wg: Iterable[int | None],
    serious_medical: bool,
    pregnant_lactating: bool,
    separated_child: bool,
    documents: dict[str, bool],
    on: date,
) -> set[str]:
    """The vulnerabilities one member shows on a day, from plain values (no query): the bulk
    import derives 1.5 million members' with it."""
    child_below, elderly_from, disability_from, core_documents = _derivation()
    found: set[str] = set()
    if relationship == "head":
        age = codelists.age_on(born_on, on) if born_on else None
        if sex == "f":
            found.add("female_headed")
        if age is not None and age < child_below:
            found.add("child_headed")
        if age is not None and age >= elderly_from:
            found.add("elderly_headed")
    if any(a is not None and a >= disability_from for a in wg):
        found.add("disability")
    if serious_medical:
        found.add("serious_medical")
    if pregnant_lactating:
        found.add("pregnant_lactating")
    if separated_child:
        found.add("separated_child")
    # Missing: a document recorded as missing, or neither core identity document held.
    if any(held is False for held in documents.values()) or (
        documents and not any(documents.get(kind) for kind in core_documents)
    ):
        found.add("missing_documents")
    return found


def vulnerabilities_derived(members: Iterable[Individual], on: date) -> set[str]:
    """The vulnerabilities a household's members show on a day (data/codelists.json says which
    are derived and from what)."""
    found: set[str] = set()
    for member in members:
        found |= member_vulnerabilities(
            relationship=member.relationship,
            sex=member.sex,
            born_on=member.born_on,
            wg=[getattr(member, f"wg_{domain}") for domain in WG_FIELDS],
            serious_medical=member.serious_medical,
            pregnant_lactating=member.pregnant_lactating,
            separated_child=member.separated_child,
            documents={d.kind: d.held for d in member.documents.all()},
            on=on,
        )
    return found


def _derive(household: Household, on: date) -> None:
    """Recompute a household's size and vulnerabilities from its members in the household."""
    members = list(
        household.members.filter(status=MemberStatus.ACTIVE).prefetch_related("documents")
    )
    derived = vulnerabilities_derived(members, on)
    household.size = len(members)
    household.vulnerabilities = sorted(derived | set(household.vulnerabilities_recorded))
    household.save(update_fields=["size", "vulnerabilities", "updated_at"])
    if household.allocation_id:
        Allocation.objects.filter(pk=household.allocation_id, end__isnull=True).update(
            individuals=max(household.size, 1)
        )


def _event(
    actor: User | None,
    household: Household,
    kind: str,
    on: date,
    changes: dict[str, Any] | None = None,
    note: str = "",
    key: str | None = None,
) -> HouseholdEvent:
    return HouseholdEvent.objects.create(
        household=household,
        kind=kind,
        on=on,
        changes=changes or {},
        note=note[:300],
        key=key or None,
        actor=actor,
    )


KEY_USED = "This key was already used for another change."


def _sent(
    household: Household,
    key: str | None,
    kinds: Iterable[str],
    same: Callable[[dict[str, Any]], bool] = lambda changes: True,
) -> HouseholdEvent | None:
    """The change already recorded on a household under ``key``: the same change sent again (a
    double click, a resend after a lost answer, a client's retry) returns what it made the first
    time and writes nothing more. Read under the household's lock, which every change takes
    before it: a second sending at the same moment waits, then finds the first. A key used for
    another kind of change, or for the same kind about another member, consent or household
    (``same`` reads the first one's changes), is refused rather than answered with that change:
    the caller's would be lost unseen."""
    if not key:
        return None
    event = household.events.filter(key=key).first()
    if event is not None and (event.kind not in kinds or not same(event.changes)):
        raise RegistryRuleBroken([Problem("key_used", "key", KEY_USED)])
    return event


def _audit(actor: User | None, action: str, household: Household, **detail: Any) -> None:
    audit_record(
        actor=actor,
        action=f"registry.{action}",
        object_type="household",
        object_id=household.uid,
        organisation=household.organisation,
        detail=detail,
    )


# --- the site's side ---------------------------------------------------------------------------


def site_registered(site: Site) -> tuple[int, int]:
    """The households and individuals the site's holding organisation has registered as living
    in it now."""
    counts = Household.objects.filter(
        site=site, organisation_id=site.organisation_id, status=HouseholdStatus.ACTIVE
    ).aggregate(
        h=Count("pk", distinct=True),
        i=Count("members", filter=Q(members__status=MemberStatus.ACTIVE)),
    )
    return counts["h"], counts["i"]


def sites_refresh(*, actor: User | None, sites: Iterable[Site | None]) -> None:
    """After a registry write: each touched site that counts its population by registration takes
    its registered households and individuals as today's figure; and the registry's rollups of
    the touched places are recounted."""
    today = timezone.localdate()
    # In id order, each under its row lock: two writes at one site count one after the other,
    # each seeing what the other committed (household locks alone do not serialise them).
    for site_id in sorted({s.pk for s in sites if s is not None}):
        site = Site.objects.select_for_update().get(pk=site_id)
        if not site.counts_by_registration:
            continue
        households, individuals = site_registered(site)
        # Recorded anew rather than updated, so that it is the day's newest figure even after a
        # headcount of the same day: the site counts by registration.
        SitePopulation.objects.filter(
            site=site, on=today, source=PopulationSource.REGISTRATION
        ).delete()
        site_services.population_record(
            actor=actor,
            site=site,
            on=today,
            source=PopulationSource.REGISTRATION,
            individuals=individuals,
            households=households,
            note="registry",
        )


@transaction.atomic
def site_counting_set(*, actor: User | None, site: Site, counts: bool) -> Site:
    """Whether a site's population is its holding organisation's registry count. Switched on,
    the registered households and individuals become the day's figure at once, and again after
    every registry write there; switched off, the figures recorded stay, and the next headcount,
    estimate or movement counts from the newest of them."""
    locked = Site.objects.select_for_update().get(pk=site.pk)
    if locked.counts_by_registration == counts:
        return locked
    locked.counts_by_registration = counts
    locked.save(update_fields=["counts_by_registration", "updated_at"])
    audit_record(
        actor=actor,
        action="site.counting",
        object_type="site",
        object_id=locked.uid,
        organisation=locked.organisation,
        detail={"counts_by_registration": counts},
    )
    if counts:
        sites_refresh(actor=actor, sites=[locked])
    return locked


def _figures_refresh(
    organisation_id: Any,
    households: Iterable[Household],
    left: Iterable[Site | None] = (),
    left_units: Iterable[Any] = (),
) -> None:
    """Recount the places the households live in now and the places they left (a departure or a
    merge clears the household's site before this runs, so the site is named apart)."""
    from nahrain.registry.rollups import places_refresh

    sites = {site.pk for site in left if site is not None}
    places = {unit for unit in left_units if unit is not None}
    for household in households:
        if household.site_id:
            sites.add(household.site_id)
        elif household.admin_unit_id:
            places.add(household.admin_unit_id)
    places_refresh(organisation_id=organisation_id, site_ids=sites, admin_unit_ids=places)


def _after(
    actor: User | None,
    households: Sequence[Household],
    sites: Iterable[Site | None],
    left_units: Iterable[Any] = (),
) -> None:
    sites = list(sites)
    sites_refresh(actor=actor, sites=sites)
    # What the duplicate check reads of their members may have changed (names, phone, place,
    # who is still active): their blocking keys follow.
    matching.keys_refresh(
        individual_ids=Individual.objects.filter(household__in=households).values_list(
            "pk", flat=True
        )
    )
    for organisation_id in {h.organisation_id for h in households}:
        _figures_refresh(
            organisation_id,
            [h for h in households if h.organisation_id == organisation_id],
            sites,
            left_units,
        )


def _arrival(
    actor: User | None,
    household: Household,
    site: Site,
    on: date,
    key: str,
    *,
    households: int = 1,
    individuals: int | None = None,
) -> None:
    """The site records the household's arrival (or, ``households`` 0, people joining one of its
    households), when the site is its organisation's: another organisation's camp is counted by
    its own holder, whose records this registry does not write."""
    if site.organisation_id != household.organisation_id:
        return
    site_services.movement_record(
        actor=actor,
        site=site,
        kind=MovementKind.ARRIVAL,
        on=on,
        households=households,
        individuals=max(household.size, 1) if individuals is None else individuals,
        place=MovementPlace.UNKNOWN,
        key=key,
    )


def _departure(
    actor: User | None,
    household: Household,
    site: Site,
    on: date,
    key: str,
    place: str,
    reason: str = "",
    admin_unit: AdminUnit | None = None,
    other_site: Site | None = None,
    individuals: int | None = None,
) -> None:
    if site.organisation_id != household.organisation_id:
        return  # as for arrivals: another organisation's site keeps its own records
    site_services.movement_record(
        actor=actor,
        site=site,
        kind=MovementKind.DEPARTURE,
        on=on,
        households=1,
        individuals=max(household.size, 1) if individuals is None else individuals,
        place=place,
        reason=reason,
        admin_unit=admin_unit,
        other_site=other_site,
        key=key,
    )


def _stay_open(
    household: Household,
    on: date,
    *,
    site: Site | None,
    unit: ShelterUnit | None,
    admin_unit: AdminUnit | None,
    location: Location | None,
) -> Stay:
    return Stay.objects.create(
        household=household,
        site=site,
        unit=unit,
        admin_unit=admin_unit,
        location=location,
        start=on,
    )


def _stay_close(household: Household, on: date) -> None:
    Stay.objects.filter(household=household, end__isnull=True).update(end=on)


def _allocation_close(actor: User | None, household: Household, on: date, ended_by: str) -> None:
    if household.allocation_id:
        allocation = Allocation.objects.filter(pk=household.allocation_id, end__isnull=True).first()
        if allocation is not None:
            site_services.allocation_end(
                actor=actor, allocation=allocation, end=on, ended_by=ended_by
            )
    household.unit, household.allocation = None, None


# --- registration ------------------------------------------------------------------------------


def _today_checked(on: date, field_name: str) -> None:
    problems = date_problems(on, field_name, timezone.localdate())
    if problems:
        raise RegistryRuleBroken(problems)


@transaction.atomic
def household_register(
    *,
    actor: User | None,
    organisation: Organisation,
    registered_on: date,
    members: Sequence[MemberIn],
    site: Site | None = None,
    unit: ShelterUnit | None = None,
    admin_unit: AdminUnit | None = None,
    location: Location | None = None,
    address: str = "",
    origin: AdminUnit | None = None,
    origin_location: Location | None = None,
    origin_place: str = "",
    displaced_on: date | None = None,
    phone: str = "",
    vulnerabilities: Sequence[str] = (),
    consents: Sequence[str] = ("registration",),
    consent_given_by: str = "head",
    key: str | None = None,
    declared_size: int | None = None,
) -> Household:
    """Register a household in one step: the household, its members and their documents, where
    it lives (a site's shelter unit, or a place out of camp), its consent, and at a site its
    arrival and allocation. A ``key`` (a form's instance id, a file's household key) makes a
    resent registration return the household already registered."""
    if key:
        existing = Household.objects.filter(organisation=organisation, key=key).first()
        if existing is not None:
            return existing
    today = timezone.localdate()
    problems = date_problems(registered_on, "registered_on", today)
    problems += date_problems(displaced_on, "displaced_on", today)
    problems += household_problems(members, registered_on, declared_size=declared_size)
    for position, member in enumerate(members, start=1):
        problems += [
            Problem(p.rule, f"member {position}: {p.field}", p.message)
            for p in member_problems(member, registered_on)
        ]
    unknown = set(vulnerabilities) - set(codelists.codes("vulnerabilities"))
    if unknown:
        problems.append(
            Problem("vulnerability_unknown", "vulnerabilities", f"Unknown: {sorted(unknown)}")
        )
    if unit is not None and (site is None or unit.site_id != site.pk):
        problems.append(Problem("unit_site", "unit", "The shelter unit is not in this site."))
    elif unit is not None and site is not None and site.organisation_id != organisation.pk:
        problems.append(
            Problem("unit_other", "unit", "Only the site's own organisation allocates its units.")
        )
    if site is None and admin_unit is None:
        problems.append(Problem("place_missing", "site", "Give a site or a place out of camp."))
    if problems:
        raise RegistryRuleBroken(problems)
    if site is not None:
        admin_unit = site.admin_unit
        location = location or site.location
    household = Household(
        organisation=organisation,
        site=site,
        unit=unit,
        admin_unit=admin_unit,
        location=location,
        address=address.strip(),
        origin=origin,
        origin_location=origin_location,
        origin_place=origin_place.strip(),
        displaced_on=displaced_on,
        registered_on=registered_on,
        phone=phone.strip(),
        phone_key=names.phone_key(phone),
        vulnerabilities_recorded=sorted(set(vulnerabilities)),
        key=key or None,
        created_by=actor,
    )
    for _attempt in range(5):
        household.number = registration_number(organisation)
        try:
            with transaction.atomic():
                household.save()
            break
        except IntegrityError:
            if key and Household.objects.filter(organisation=organisation, key=key).exists():
                # Registered at the same moment by the same form sent twice.
                return Household.objects.get(organisation=organisation, key=key)
            household.pk = None
    else:  # pragma: no cover - 25^8 numbers
        raise RegistryRuleBroken("No free registration number was found; try again.")
    _members_save(household, members, registered_on)
    _derive(household, registered_on)
    _stay_open(
        household, registered_on, site=site, unit=unit, admin_unit=admin_unit, location=location
    )
    for purpose in consents:
        Consent.objects.create(
            household=household,
            purpose=purpose,
            given_on=registered_on,
            given_by=consent_given_by,
            recorded_by=actor,
        )
    if site is not None:
        _arrival(actor, household, site, registered_on, f"registry:{household.uid}:arrival")
        if unit is not None:
            allocation = site_services.allocation_create(
                actor=actor,
                unit=unit,
                start=registered_on,
                individuals=max(household.size, 1),
                # No registration number: the sites' pages show allocations to information
                # managers too; the household finds its allocation by ``Household.allocation``.
                household="",
            )
            household.allocation = allocation
            household.save(update_fields=["allocation"])
    _event(actor, household, "registration", registered_on, {"size": [None, household.size]})
    _audit(actor, "register", household, members=household.size)
    _after(actor, [household], [site])
    matching.check(individuals=household.members.all(), actor=actor)
    return household


# --- changes -----------------------------------------------------------------------------------

HOUSEHOLD_FIELDS = (
    "phone",
    "address",
    "origin",
    "origin_location",
    "origin_place",
    "displaced_on",
    "vulnerabilities_recorded",
)


def _shown(value: Any) -> Any:
    """A value as the history keeps it (objects by their id; dates as ISO text)."""
    if hasattr(value, "pk"):
        return str(getattr(value, "pcode", None) or value.pk)
    if isinstance(value, date):
        return value.isoformat()
    return value


@transaction.atomic
def household_update(
    *, actor: User | None, household: Household, on: date, key: str | None = None, **changes: Any
) -> Household:
    """Change a household's own details (phone, address, origin, displacement date, recorded
    vulnerabilities), keeping the values before and after in its history. Sent again with the
    same ``key``, it changes nothing more (as every change below)."""
    unknown = set(changes) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise RegistryRuleBroken(f"These cannot be changed here: {sorted(unknown)}.")
    household = Household.objects.select_for_update().get(pk=household.pk)
    if _sent(household, key, ["update"]) is not None:
        return household
    problems = date_problems(changes.get("displaced_on"), "displaced_on", timezone.localdate())
    if "vulnerabilities_recorded" in changes:
        changes["vulnerabilities_recorded"] = sorted(set(changes["vulnerabilities_recorded"]))
        unknown_codes = set(changes["vulnerabilities_recorded"]) - set(
            codelists.codes("vulnerabilities")
        )
        if unknown_codes:
            problems.append(
                Problem(
                    "vulnerability_unknown", "vulnerabilities", f"Unknown: {sorted(unknown_codes)}"
                )
            )
    if problems:
        raise RegistryRuleBroken(problems)
    diff = {}
    for name, value in changes.items():
        before = getattr(household, name)
        if isinstance(value, str):
            value = value.strip()
        if before != value:
            diff[name] = [_shown(before), _shown(value)]
            setattr(household, name, value)
    if not diff:
        return household
    household.phone_key = names.phone_key(household.phone)
    household.save()
    _derive(household, on)
    _event(actor, household, "update", on, diff, key=key)
    _audit(actor, "update", household, fields=sorted(diff))
    _after(actor, [household], [])
    return household


MEMBER_FIELDS = (
    "first_ar", "father_ar", "grandfather_ar", "family_ar",
    "first_lat", "father_lat", "grandfather_lat", "family_lat",
    "sex", "born_on", "birth_date", "relationship",
    "wg_seeing", "wg_hearing", "wg_walking", "wg_remembering", "wg_self_care", "wg_communicating",
    "serious_medical", "pregnant_lactating", "separated_child",
)  # fmt: skip


def _active(household: Household) -> None:
    if household.status != HouseholdStatus.ACTIVE:
        raise RegistryRuleBroken("This household is no longer active.")


@transaction.atomic
def member_update(
    *, actor: User | None, individual: Individual, on: date, key: str | None = None, **changes: Any
) -> Individual:
    """Correct a member's details, keeping the values before and after in the household's
    history."""
    unknown = set(changes) - set(MEMBER_FIELDS)
    if unknown:
        raise RegistryRuleBroken(f"These cannot be changed here: {sorted(unknown)}.")
    household = Household.objects.select_for_update().get(pk=individual.household_id)
    individual = Individual.objects.get(pk=individual.pk)
    about = f"member {individual.uid}: "

    def same(changes: dict[str, Any]) -> bool:
        return any(name.startswith(about) for name in changes)

    if _sent(household, key, ["member_update"], same) is not None:
        return individual
    diff = {}
    for name, value in changes.items():
        before = getattr(individual, name)
        if isinstance(value, str):
            value = value.strip()
        if before != value:
            diff[name] = [_shown(before), _shown(value)]
            setattr(individual, name, value)
    if not diff:
        return individual
    as_given = MemberIn(
        sex=individual.sex,
        relationship=individual.relationship,
        first_ar=individual.first_ar,
        first_lat=individual.first_lat,
        name_written=individual.name_written,
        born_on=individual.born_on,
        wg={d: v for d in WG_FIELDS if (v := getattr(individual, f"wg_{d}")) is not None},
        pregnant_lactating=individual.pregnant_lactating,
    )
    problems = member_problems(as_given, on)
    if (
        "relationship" in diff
        and individual.relationship == "head"
        and (
            household.members.filter(status=MemberStatus.ACTIVE, relationship="head")
            .exclude(pk=individual.pk)
            .exists()
        )
    ):
        problems.append(Problem("head_twice", "relationship", "The household already has a head."))
    if problems:
        raise RegistryRuleBroken(problems)
    chain_ar = (
        individual.first_ar,
        individual.father_ar,
        individual.grandfather_ar,
        individual.family_ar,
    )
    chain_lat = (
        individual.first_lat,
        individual.father_lat,
        individual.grandfather_lat,
        individual.family_lat,
    )
    individual.name_key = (
        names.name_key(*chain_ar) if individual.first_ar else names.name_key(*chain_lat)
    )[:200]
    individual.family_key = names.family_key(individual.family_ar or individual.family_lat)[:60]
    individual.save()
    _derive(household, on)
    _event(
        actor,
        household,
        "member_update",
        on,
        {f"{about}{k}": v for k, v in diff.items()},
        key=key,
    )
    _audit(actor, "member_update", household, fields=sorted(diff))
    _after(actor, [household], [household.site])
    matching.check(individuals=[individual], actor=actor)
    return individual


@transaction.atomic
def document_obtained(
    *,
    actor: User | None,
    individual: Individual,
    kind: str,
    number: str,
    on: date,
) -> Individual:
    """A civil document obtained for a member (through a legal-documentation case): held from
    now on, with its number, in the household's history; the derived
    vulnerabilities, figures and duplicate-check keys follow."""
    if kind not in codelists.code_set("documents"):
        raise RegistryRuleBroken([Problem("document", "kind", "Not a civil document of the list.")])
    household = Household.objects.select_for_update().get(pk=individual.household_id)
    number = number.strip()[:40]
    before = Document.objects.filter(individual=individual, kind=kind).first()
    Document.objects.update_or_create(
        individual=individual,
        kind=kind,
        defaults={"held": True, "number": number, "number_key": names.document_key(number)},
    )
    _derive(household, on)
    held_before = before is not None and before.held
    _event(
        actor,
        household,
        "document",
        on,
        {f"member {individual.uid}: {kind}": [held_before, True]},
    )
    _audit(actor, "document", household, kind=kind)
    _after(actor, [household], [household.site])
    return individual


@transaction.atomic
def member_add(
    *,
    actor: User | None,
    household: Household,
    member: MemberIn,
    on: date,
    birth: bool = False,
    key: str | None = None,
) -> Individual:
    """A member joins the household: a child born into it (``birth``) or a person joining."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    kind = "birth" if birth else "member_add"
    sent = _sent(household, key, [kind])
    if sent is not None:
        return Individual.objects.get(uid=sent.changes["member"][1])
    _active(household)
    _today_checked(on, "on")
    problems = member_problems(member, on)
    if (
        member.relationship == "head"
        and household.members.filter(status=MemberStatus.ACTIVE, relationship="head").exists()
    ):
        problems.append(Problem("head_twice", "relationship", "The household already has a head."))
    if birth and member.born_on is not None and member.born_on != on:
        problems.append(
            Problem("birth_date", "born_on", "A birth is recorded on the day of birth.")
        )
    if problems:
        raise RegistryRuleBroken(problems)
    (individual,) = _members_save(household, [member], on)
    _derive(household, on)
    _event(actor, household, kind, on, {"member": [None, str(individual.uid)]}, key=key)
    _audit(actor, kind, household)
    _after(actor, [household], [household.site])
    matching.check(individuals=[individual], actor=actor)
    return individual


@transaction.atomic
def member_death(
    *, actor: User | None, individual: Individual, on: date, key: str | None = None
) -> Individual:
    """A member has died. When the last member dies the household is closed as deceased (and its
    site records its departure)."""
    household = Household.objects.select_for_update().get(pk=individual.household_id)
    died = [str(individual.uid), None]
    if _sent(household, key, ["death"], lambda c: c.get("member") == died) is not None:
        return Individual.objects.get(pk=individual.pk)
    _active(household)
    _today_checked(on, "on")
    individual = Individual.objects.get(pk=individual.pk)
    if individual.status != MemberStatus.ACTIVE:
        raise RegistryRuleBroken("This person is no longer in the household.")
    if individual.born_on and on < individual.born_on:
        raise RegistryRuleBroken("A death is recorded after the date of birth.")
    individual.status, individual.died_on = MemberStatus.DECEASED, on
    individual.save(update_fields=["status", "died_on", "updated_at"])
    site = household.site
    if not household.members.filter(status=MemberStatus.ACTIVE).exists():
        _leave(
            actor, household, on, HouseholdStatus.DECEASED, place=MovementPlace.UNKNOWN, reason=""
        )
    else:
        _derive(household, on)
    _event(actor, household, "death", on, {"member": died}, key=key)
    _audit(actor, "death", household)
    _after(actor, [household], [site])
    return individual


def _leave(
    actor: User | None,
    household: Household,
    on: date,
    status: str,
    *,
    place: str,
    reason: str,
    admin_unit: AdminUnit | None = None,
) -> None:
    """Close a (locked) household's stay: its site records the departure, its unit is vacated."""
    if household.site_id is not None:
        site = household.site
        assert site is not None
        _allocation_close(actor, household, on, "departure")
        _departure(
            actor, household, site, on, f"registry:{household.uid}:left", place, reason, admin_unit
        )
    _stay_close(household, on)
    household.status, household.left_on = status, on
    household.site = None
    household.save()


@transaction.atomic
def household_depart(
    *,
    actor: User | None,
    household: Household,
    on: date,
    returned: bool,
    destination: AdminUnit | None = None,
    reason: str = "",
    key: str | None = None,
) -> Household:
    """The household has left where it was registered: returned to its area of origin
    (``returned``) or gone elsewhere. At a site, its departure is the site's movement."""
    # The household's row alone: its site is an outer join (none out of camp), which
    # PostgreSQL does not lock; the sites services lock the site themselves.
    household = (
        Household.objects.select_for_update(of=("self",))
        .select_related("site")
        .get(pk=household.pk)
    )
    if _sent(household, key, ["departure"]) is not None:
        return household
    _active(household)
    _today_checked(on, "on")
    if on < household.registered_on:
        raise RegistryRuleBroken("A household leaves after it was registered.")
    site = household.site
    _leave(
        actor,
        household,
        on,
        HouseholdStatus.RETURNED if returned else HouseholdStatus.DEPARTED,
        place=MovementPlace.AREA_OF_ORIGIN if returned else MovementPlace.UNKNOWN,
        reason=reason,
        admin_unit=destination,
    )
    _event(
        actor,
        household,
        "departure",
        on,
        {"status": ["active", household.status]},
        note=reason,
        key=key,
    )
    _audit(actor, "departure", household)
    _after(actor, [household], [site])
    return household


@transaction.atomic
def household_move(
    *,
    actor: User | None,
    household: Household,
    on: date,
    site: Site | None = None,
    unit: ShelterUnit | None = None,
    admin_unit: AdminUnit | None = None,
    location: Location | None = None,
    address: str = "",
    key: str | None = None,
) -> Household:
    """The household moves: to another unit of its site, to another site, or out of camp. The
    sites it leaves and joins record the departure and the arrival."""
    household = (
        Household.objects.select_for_update(of=("self",))
        .select_related("site")
        .get(pk=household.pk)
    )
    if _sent(household, key, ["move"]) is not None:
        return household
    _active(household)
    _today_checked(on, "on")
    if unit is not None and (site is None or unit.site_id != site.pk):
        raise RegistryRuleBroken("The shelter unit is not in this site.")
    if unit is not None and site is not None and site.organisation_id != household.organisation_id:
        raise RegistryRuleBroken("Only the site's own organisation allocates its units.")
    if site is None and admin_unit is None:
        raise RegistryRuleBroken("Give a site or a place out of camp.")
    before = household.site
    unit_left = household.admin_unit_id if before is None else None
    stamp = f"{on.isoformat()}:{household.events.count()}"
    if before is not None and (site is None or site.pk != before.pk):
        _allocation_close(actor, household, on, "departure")
        place = MovementPlace.ANOTHER_SITE if site is not None else MovementPlace.OUT_OF_CAMP
        _departure(
            actor,
            household,
            before,
            on,
            f"registry:{household.uid}:out:{stamp}",
            place,
            admin_unit=admin_unit if site is None else None,
            other_site=site,
        )
    elif before is not None and household.allocation_id and unit is not None:
        allocation = Allocation.objects.get(pk=household.allocation_id)
        if allocation.unit_id != unit.pk:
            moved = site_services.allocation_transfer(
                actor=actor, allocation=allocation, to_unit=unit, on=on
            )
            household.allocation = moved
    if site is not None and (before is None or site.pk != before.pk):
        _arrival(actor, household, site, on, f"registry:{household.uid}:in:{stamp}")
    if site is not None and unit is not None and household.allocation_id is None:
        household.allocation = site_services.allocation_create(
            actor=actor,
            unit=unit,
            start=on,
            individuals=max(household.size, 1),
            household="",
        )
    _stay_close(household, on)
    household.site, household.unit = site, unit
    household.admin_unit = site.admin_unit if site is not None else admin_unit
    household.location = (location or site.location) if site is not None else location
    household.address = address.strip() if site is None else ""
    household.save()
    _stay_open(
        household,
        on,
        site=site,
        unit=unit,
        admin_unit=household.admin_unit,
        location=household.location,
    )
    _event(actor, household, "move", on, {"site": [_shown(before), _shown(site)]}, key=key)
    _audit(actor, "move", household)
    _after(actor, [household], [before, site], [unit_left])
    return household


@transaction.atomic
def household_split(
    *,
    actor: User | None,
    household: Household,
    members: Sequence[Individual],
    head: Individual,
    on: date,
    unit: ShelterUnit | None = None,
    key: str | None = None,
) -> Household:
    """Some members form a household of their own (a married son's family), registered under a
    new number at the same place, with ``head`` as its head; the others stay. The people move:
    they are the same individuals, not copies."""
    household = (
        Household.objects.select_for_update(of=("self",))
        .select_related("site")
        .get(pk=household.pk)
    )
    sent = _sent(household, key, ["split"])
    if sent is not None:
        return Household.objects.get(
            organisation_id=household.organisation_id, number=sent.changes["to"][1]
        )
    _active(household)
    _today_checked(on, "on")
    moving = {m.pk for m in members} | {head.pk}
    staying = household.members.filter(status=MemberStatus.ACTIVE).exclude(pk__in=moving)
    if not staying.exists():
        raise RegistryRuleBroken("A split leaves at least one member in the household.")
    if household.members.filter(pk__in=moving, status=MemberStatus.ACTIVE).count() != len(moving):
        raise RegistryRuleBroken("Only members in the household can form the new one.")
    if not staying.filter(relationship="head").exists():
        raise RegistryRuleBroken("The head stays: choose a new head for the household first.")
    new = Household(
        organisation=household.organisation,
        site=household.site,
        unit=unit,
        admin_unit=household.admin_unit,
        location=household.location,
        address=household.address,
        origin=household.origin,
        origin_location=household.origin_location,
        origin_place=household.origin_place,
        displaced_on=household.displaced_on,
        registered_on=on,
        split_from=household,
        created_by=actor,
    )
    for _attempt in range(5):
        new.number = registration_number(household.organisation)
        try:
            with transaction.atomic():
                new.save()
            break
        except IntegrityError:
            new.pk = None
    else:  # pragma: no cover - 25^8 numbers
        raise RegistryRuleBroken("No free registration number was found; try again.")
    Individual.objects.filter(pk__in=moving).update(household=new)
    Individual.objects.filter(pk=head.pk).update(relationship="head")
    # Those who came along keep their own relationship where it is to the new head's family;
    # the officer corrects the rest on the new household's page.
    for consent in household.consents.filter(withdrawn_on__isnull=True):
        Consent.objects.create(
            household=new,
            purpose=consent.purpose,
            shared_with=consent.shared_with,
            given_on=consent.given_on,
            given_by=consent.given_by,
            recorded_by=actor,
        )
    _derive(household, on)
    _derive(new, on)
    _stay_open(new, on, site=new.site, unit=unit, admin_unit=new.admin_unit, location=new.location)
    if new.site is not None and unit is not None:
        new.allocation = site_services.allocation_create(
            actor=actor, unit=unit, start=on, individuals=new.size, household=""
        )
        new.save(update_fields=["allocation"])
    _event(
        actor,
        household,
        "split",
        on,
        {"members": [len(moving), None], "to": [None, new.number]},
        key=key,
    )
    _event(actor, new, "split", on, {"from": [household.number, None], "size": [None, new.size]})
    _audit(actor, "split", household, new=str(new.uid), members=len(moving))
    # The site's households grow by one: its individuals are the same people.
    _after(actor, [household, new], [household.site])
    return new


@transaction.atomic
def household_merge(
    *, actor: User | None, household: Household, into: Household, on: date, key: str | None = None
) -> Household:
    """Two households of the same organisation become one: ``household``'s members join
    ``into`` (its head becomes a member), and ``household`` is closed as merged, its unit
    vacated."""
    if household.pk == into.pk:
        raise RegistryRuleBroken("A household cannot merge into itself.")
    if household.organisation_id != into.organisation_id:
        raise RegistryRuleBroken("Only households of one organisation merge.")
    # Lock in id order: two merges of the same pair cannot deadlock.
    locked = {
        h.pk: h
        for h in Household.objects.select_for_update()
        .filter(pk__in=[household.pk, into.pk])
        .order_by("pk")
    }
    household, into = locked[household.pk], locked[into.pk]
    joined = [None, into.number]
    if _sent(household, key, ["merge"], lambda c: c.get("into") == joined) is not None:
        return into
    _active(household)
    _active(into)
    _today_checked(on, "on")
    moved = household.members.filter(status=MemberStatus.ACTIVE)
    count = moved.count()
    moved.filter(relationship="head").update(relationship="other_relative")
    moved.update(household=into)
    site = household.site
    if site is not None:
        _allocation_close(actor, household, on, "departure")
    _stay_close(household, on)
    household.status, household.left_on, household.merged_into, household.site = (
        HouseholdStatus.MERGED,
        on,
        into,
        None,
    )
    household.save()
    household.size = 0
    household.save(update_fields=["size"])
    _derive(into, on)
    if site is not None and into.site_id != site.pk:
        # The people moved to the other household's place: the site sees them leave.
        key = f"registry:{household.uid}:merged"
        _departure(actor, household, site, on, key, MovementPlace.UNKNOWN, individuals=count)
        if into.site is not None:
            _arrival(actor, into, into.site, on, f"{key}-in", households=0, individuals=count)
    _event(actor, household, "merge", on, {"into": joined}, key=key)
    _event(actor, into, "merge", on, {"from": [household.number, None], "members": [None, count]})
    _audit(actor, "merge", household, into=str(into.uid))
    _after(actor, [household, into], [site, into.site])
    return into


# --- consent and visits ------------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *,
    actor: User | None,
    household: Household,
    purpose: str,
    on: date,
    given_by: str = "head",
    shared_with: Organisation | None = None,
    key: str | None = None,
) -> Consent:
    """The household agreed to a purpose (sharing: with a named organisation)."""
    if purpose not in codelists.codes("consent_purposes"):
        raise RegistryRuleBroken(f"Unknown purpose {purpose!r}.")
    if (purpose == "sharing") != (shared_with is not None):
        raise RegistryRuleBroken("Sharing is agreed with a named organisation, and only sharing.")
    _today_checked(on, "on")
    household = Household.objects.select_for_update().get(pk=household.pk)
    sent = _sent(household, key, ["consent"], lambda c: c.get(purpose) == [None, "given"])
    if sent is not None:
        first = Consent.objects.get(uid=sent.changes["consent"][1])
        if first.shared_with_id != (shared_with.pk if shared_with is not None else None):
            raise RegistryRuleBroken([Problem("key_used", "key", KEY_USED)])
        return first
    current = household.consents.filter(
        purpose=purpose, shared_with=shared_with, withdrawn_on__isnull=True
    ).first()
    if current is not None:
        return current
    consent = Consent.objects.create(
        household=household,
        purpose=purpose,
        shared_with=shared_with,
        given_on=on,
        given_by=given_by,
        recorded_by=actor,
    )
    _event(
        actor,
        household,
        "consent",
        on,
        {purpose: [None, "given"], "consent": [None, str(consent.uid)]},
        key=key,
    )
    _audit(actor, "consent", household, purpose=purpose)
    return consent


@transaction.atomic
def consent_withdraw(
    *, actor: User | None, consent: Consent, on: date, key: str | None = None
) -> Consent:
    """The household withdrew a consent: from that day the purpose no longer allows the use."""
    household = Household.objects.select_for_update().get(pk=consent.household_id)
    consent = Consent.objects.get(pk=consent.pk)
    ended = [str(consent.uid), None]
    if _sent(household, key, ["consent"], lambda c: c.get("consent") == ended) is not None:
        return consent
    if consent.withdrawn_on is not None:
        return consent
    _today_checked(on, "on")
    if on < consent.given_on:
        raise RegistryRuleBroken("A consent is withdrawn after it was given.")
    consent.withdrawn_on, consent.withdrawn_by = on, actor
    consent.save(update_fields=["withdrawn_on", "withdrawn_by"])
    _event(
        actor,
        household,
        "consent",
        on,
        {consent.purpose: ["given", "withdrawn"], "consent": ended},
        key=key,
    )
    _audit(actor, "consent_withdraw", household, purpose=consent.purpose)
    return consent


@transaction.atomic
def visit_record(
    *,
    actor: User | None,
    household: Household,
    on: date,
    outcome: str,
    members_seen: int | None = None,
    note: str = "",
    key: str | None = None,
) -> Visit:
    """A verification visit and what it found."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    sent = _sent(household, key, ["visit"])
    if sent is not None:
        return Visit.objects.get(uid=sent.changes["visit"][1])
    _today_checked(on, "on")
    visit = Visit(
        household=household,
        on=on,
        outcome=outcome,
        members_seen=members_seen,
        note=note.strip(),
        actor=actor,
    )
    visit.full_clean(exclude=["household", "actor"])
    visit.save()
    _event(
        actor,
        household,
        "visit",
        on,
        {"outcome": [None, outcome], "visit": [None, str(visit.uid)]},
        key=key,
    )
    _audit(actor, "visit", household, outcome=outcome)
    return visit


# --- the review of possible duplicates ---------------------------------------------------------

DECISIONS = (DuplicateStatus.SAME, DuplicateStatus.DIFFERENT, DuplicateStatus.UNSURE)
# A pair is asked once: only a pair still open, or left unsure, takes a decision.
UNDECIDED = (DuplicateStatus.OPEN, DuplicateStatus.UNSURE)


@transaction.atomic
def duplicate_decide(
    *,
    actor: User,
    pair: PossibleDuplicate,
    organisation: Organisation,
    decision: str,
    reason: str = "",
) -> DuplicateDecision:
    """A reviewer of ``organisation`` (which holds one of the pair's records) says whether the
    pair is one person, two, or cannot tell; "same" and "different" need a reason. The pair is
    locked, so that two reviewers deciding at once record one decision. "Same" merges nothing:
    records of two organisations never merge, and one organisation's two households merge by
    ``household_merge``. Audited without the reason (it may quote personal values)."""
    reason = reason.strip()[:300]
    problems = []
    if decision not in DECISIONS:
        problems.append(Problem("duplicate_decision", "decision", "Not a decision."))
    elif decision != DuplicateStatus.UNSURE and not reason:
        problems.append(Problem("duplicate_reason", "reason", "Say why: a reason is required."))
    if problems:
        raise RegistryRuleBroken(problems)
    locked = (
        PossibleDuplicate.objects.select_for_update()
        .select_related("first__household", "second__household")
        .get(pk=pair.pk)
    )
    if organisation.pk not in (locked.first.organisation_id, locked.second.organisation_id):
        raise RegistryRuleBroken("Only an organisation holding one of the records decides.")
    if locked.status not in UNDECIDED:
        raise RegistryRuleBroken(
            [Problem("duplicate_decided", "decision", "This pair is already decided.")]
        )
    # A reviewer who sees only "held by" another organisation cannot tell: deciding would close
    # the pair for the holder on no evidence, and teach the matcher a blind label.
    other = locked.second if locked.first.organisation_id == organisation.pk else locked.first
    unseen = other.organisation_id != organisation.pk and not access.sharing_in_force(
        other.household, organisation, timezone.localdate()
    )
    if unseen and decision != DuplicateStatus.UNSURE:
        raise RegistryRuleBroken(
            [Problem("duplicate_unseen", "decision", "The other record is not shared with you.")]
        )
    made = DuplicateDecision.objects.create(
        pair=locked,
        decision=decision,
        reason=reason,
        organisation=organisation,
        decided_by=actor,
    )
    locked.status = decision
    locked.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="registry.duplicate_decision",
        object_type="possible_duplicate",
        object_id=locked.pk,
        organisation=organisation,
        detail={"decision": decision},
    )
    return made


# --- reads that leave a trace ------------------------------------------------------------------


def household_read(*, actor: User, household: Household, via: str = "page") -> None:
    """Record that a user read a household's personal data (a page, the API, a field form)."""
    _audit(actor, "read", household, via=via)


def search_made(*, actor: User, organisation_ids: Sequence[Any], results: int, via: str) -> None:
    """Record that a user searched the registry (how many records it showed, not the query:
    the query is personal data)."""
    audit_record(
        actor=actor,
        action="registry.search",
        object_type="registry",
        detail={
            "results": results,
            "via": via,
            "organisations": [str(o) for o in organisation_ids],
        },
    )


# --- exports -----------------------------------------------------------------------------------

EXPORT_FORMATS = ("csv", "xlsx")


def personal_export(*, actor: User, organisation: Organisation, format: str) -> tuple[bytes, str]:
    """The organisation's households and members as a file (one row per member), for a user
    with the personal-data export permission; audited with the number of rows and households,
    never their values. Cells a spreadsheet would run as a formula are neutralised."""
    from nahrain.registry.selectors import EXPORT_COLUMNS, personal_export_rows

    if format not in EXPORT_FORMATS:
        raise RegistryRuleBroken(f"Unknown format {format!r}.")
    rows = personal_export_rows(user=actor, organisation=organisation)
    data = _table_file(rows, EXPORT_COLUMNS, format)
    audit_record(
        actor=actor,
        action="registry.export",
        object_type="registry",
        object_id=organisation.pk,
        organisation=organisation,
        detail={
            "format": format,
            "rows": len(rows),
            "households": len({row["household_number"] for row in rows}),
        },
    )
    prefix = "".join(ch for ch in organisation.acronym.lower() if ch.isalnum()) or "registry"
    return data, f"{prefix}-registry-{timezone.localdate():%Y%m%d}.{format}"


def _export_cell(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def _table_file(rows: list[dict[str, Any]], columns: Sequence[str], format: str) -> bytes:
    if format == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("members")
        sheet.append(list(columns))
        for row in rows:
            sheet.append([_export_cell(row.get(name)) for name in columns])
        binary = io.BytesIO()
        workbook.save(binary)
        return binary.getvalue()
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_export_cell(row.get(name)) for name in columns])
    # UTF-8 with a BOM so that Excel opens Arabic names correctly.
    return text.getvalue().encode("utf-8-sig")
