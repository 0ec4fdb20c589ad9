"""Reads of the registry: each takes the caller and returns only what the caller may see
(``registry.access``). Reading a household's personal data is audited by the caller
(``services.household_read``), which knows how it was read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from nahrain.core.access import AnyUser
from nahrain.core.models import Organisation
from nahrain.registry import access, codelists
from nahrain.registry.models import (
    Consent,
    Household,
    HouseholdEvent,
    Individual,
    MemberStatus,
    Stay,
    Visit,
)
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
    return HouseholdProfile(
        household=household,
        members=[_shown(m, today) for m in active],
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
