"""A small assistance world for monitoring and reach, made from the models directly: IOM's
seasonal NFI top-up in Duhok with an approved list of households in Chameshku camp (Zakho) and
out of camp in a subdistrict of Sumail, a distribution serving them, and IOM's assistance
officer huda (a persona; INTERSOS's officer kawa is made here). Households are built in the
database as the registry keeps them, members with their sex and date of birth."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from nahrain.assistance.models import (
    Distribution,
    DistributionList,
    ListEntry,
    ListStatus,
    Outcome,
    Programme,
    ProgrammeStatus,
    Receipt,
    Rules,
)
from nahrain.core import services as core_services
from nahrain.core.models import Organisation, Role
from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit
from nahrain.registry.models import Household, Individual
from nahrain.sites import services as site_services
from nahrain.sites.models import Site, SiteType
from nahrain.testing.personas import PASSWORD, Persona, Personas

_numbers = itertools.count(1)


@dataclass
class World:
    personas: Personas
    huda: User  # IOM's assistance officer
    kawa: User  # INTERSOS's assistance officer
    chameshku: Site
    zakho: AdminUnit
    sumail: AdminUnit
    sumail_sub: AdminUnit  # a subdistrict of Sumail
    duhok: AdminUnit
    programme: Programme
    lists: dict[Any, DistributionList] = field(default_factory=dict)


def officer(username: str, organisation: Organisation) -> User:
    user = core_services.user_create(username=username, password=PASSWORD)
    core_services.membership_add(
        actor=None, user=user, organisation=organisation, role=Role.ASSISTANCE_OFFICER
    )
    return user


def programme_make(
    organisation: Organisation,
    code: str,
    *,
    kind: str = "nfi_top_up",
    cluster: str = "snfi",
    cycles: int = 1,
    status: str = ProgrammeStatus.ACTIVE,
) -> Programme:
    programme = Programme.objects.create(
        organisation=organisation,
        code=code,
        name_en=code,
        kind=kind,
        modality="in_kind",
        cluster=cluster,
        hrp_project="IRQ18/SNYS/123876",
        cycles=cycles,
        starts_on=date(2026, 10, 1),
        status=status,
    )
    Rules.objects.create(programme=programme, version=1, document={}, source="test")
    return programme


def approved_list(programme: Programme) -> DistributionList:
    version = DistributionList.objects.filter(programme=programme).count() + 1
    return DistributionList.objects.create(
        programme=programme,
        version=version,
        rules=programme.rules.get(version=1),
        source="registry",
        status=ListStatus.APPROVED,
    )


def build(personas: Personas, huda: Persona) -> World:
    geo_services.gazetteer_load()
    zakho = AdminUnit.objects.get(pcode="IQG09Q04")
    sumail = AdminUnit.objects.get(pcode="IQG09Q03")
    sumail_sub = AdminUnit.objects.create(
        pcode="IQG09Q03N02", level=3, parent=sumail, name_en="Faida"
    )
    chameshku = site_services.site_create(
        actor=personas.omar.user,
        organisation=personas.iom,
        code="IQ-DHK-CHM",
        name_en="Chameshku",
        name_ar="جمشكو",
        type=SiteType.CAMP,
        admin_unit=zakho,
        status_on=date(2014, 9, 1),
    )
    return World(
        personas=personas,
        huda=huda.user,
        kawa=officer("kawa", personas.intersos),
        chameshku=chameshku,
        zakho=zakho,
        sumail=sumail,
        sumail_sub=sumail_sub,
        duhok=AdminUnit.objects.get(pcode="IQG09"),
        programme=programme_make(personas.iom, "NFI-TOPUP-26"),
    )


def household(
    world: World,
    members: list[tuple[str, date | None]],
    *,
    organisation: Organisation | None = None,
    in_camp: bool = True,
) -> Household:
    """A household of these members (sex, date of birth), the first its head."""
    n = next(_numbers)
    found = Household.objects.create(
        organisation=organisation or world.personas.iom,
        number=f"T-{n:06d}",
        site=world.chameshku if in_camp else None,
        admin_unit=world.zakho if in_camp else world.sumail_sub,
        registered_on=date(2026, 1, 10),
        size=len(members),
    )
    Individual.objects.bulk_create(
        Individual(
            household=found,
            organisation=found.organisation,
            sex=sex,
            born_on=born_on,
            relationship="head" if i == 0 else "child",
        )
        for i, (sex, born_on) in enumerate(members)
    )
    return found


def entry(
    world: World,
    the_list: DistributionList,
    found: Household,
    *,
    head_sex: str | None = None,
) -> ListEntry:
    head = found.members.order_by("pk").first()
    return ListEntry.objects.create(
        list=the_list,
        household=found,
        token=f"TK{found.pk:06d}"[-12:],
        people=found.size,
        head_sex=head_sex if head_sex is not None else (head.sex if head else ""),
        site=found.site,
        admin_unit=None if found.site_id else found.admin_unit,
        entitlement={"items": [{"item": "nfi_kit", "quantity": 1}]},
    )


def distribution(
    world: World,
    the_list: DistributionList,
    *,
    cycle: int = 1,
    planned_on: date = date(2026, 11, 5),
) -> Distribution:
    return Distribution.objects.create(
        programme=the_list.programme,
        list=the_list,
        cycle=cycle,
        site=world.chameshku,
        place="Chameshku block C",
        planned_on=planned_on,
        team="Team 2",
    )


def serve(
    found: Distribution,
    on_entry: ListEntry,
    *,
    at: datetime | None = None,
    served: bool = True,
    key: str = "",
) -> Receipt:
    recorded_at = at or timezone.make_aware(
        datetime.combine(found.planned_on, datetime.min.time()).replace(hour=10)
    )
    return Receipt.objects.create(
        distribution=found,
        programme=found.programme,
        cycle=found.cycle,
        entry=on_entry,
        household=on_entry.household,
        outcome=Outcome.RECEIVED if served else Outcome.ABSENT,
        served=served,
        given=on_entry.entitlement,
        recorded_at=recorded_at,
        key=key or f"k-{found.pk}-{on_entry.pk}-{found.cycle}",
    )


def served_distribution(
    world: World, heads: dict[str, int], *, in_camp: bool = True
) -> tuple[Distribution, list[Receipt]]:
    """A distribution of the world's programme that served households headed by women and men
    in these numbers (``{"f": 30, "m": 70}``), each of a head, a spouse and a child."""
    the_list = approved_list(world.programme)
    found = distribution(world, the_list)
    receipts = []
    for sex, count in heads.items():
        other = "m" if sex == "f" else "f"
        for _ in range(count):
            members: list[tuple[str, date | None]] = [
                (sex, date(1980, 5, 1)),
                (other, date(1982, 6, 1)),
                ("f", date(2015, 3, 3)),
            ]
            made = household(world, members, in_camp=in_camp)
            receipts.append(serve(found, entry(world, the_list, made)))
    return found, receipts
