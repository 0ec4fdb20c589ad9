"""A small assistance world for the distribution tests: IOM's NFI programme with an approved
list of registered households (a head each, a phone), two assistance officers (the builder and
the approver) and a distribution of cycle 1 under way. Built with the models, so that the
distribution tests do not depend on how lists are built."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from nahrain.assistance import distributions
from nahrain.assistance.models import (
    Distribution,
    DistributionList,
    ListEntry,
    ListStatus,
    Programme,
    ProgrammeStatus,
    Rules,
)
from nahrain.assistance.services import tokens
from nahrain.core import services as core_services
from nahrain.core.models import Organisation, Role
from nahrain.registry.models import Household, Individual

KIT = {"items": [{"item": "nfi_kit", "quantity": 1}]}
CASH = {"amount": "220.00", "currency": "USD"}


@dataclass
class World:
    organisation: Organisation
    officer: User  # builds lists and records
    approver: User
    programme: Programme
    rules: Rules
    approved: DistributionList
    entries: list[ListEntry]
    distribution: Distribution


def officer(organisation: Organisation, username: str) -> User:
    user = core_services.user_create(username=username, password="not used in these tests 1")
    core_services.membership_add(
        actor=None, user=user, organisation=organisation, role=Role.ASSISTANCE_OFFICER
    )
    return user


def household(organisation: Organisation, number: str, *, phone: str = "") -> Household:
    found = Household.objects.create(
        organisation=organisation,
        number=number,
        registered_on=date(2024, 3, 1),
        size=4,
        phone=phone or f"0750{secrets.randbelow(10**7):07d}",
    )
    Individual.objects.create(
        household=found,
        organisation=organisation,
        first_ar="محمد",
        father_ar="أحمد",
        family_ar="الجبوري",
        first_lat="Mohammed",
        father_lat="Ahmed",
        family_lat="Al-Jubouri",
        sex="m",
        relationship="head",
    )
    return found


def approved_list(
    programme: Programme,
    rules: Rules,
    households: list[Household],
    *,
    builder: User,
    approver: User,
    entitlement: dict[str, Any],
    version: int = 1,
    supersedes: DistributionList | None = None,
    excluded: set[int] = frozenset(),  # type: ignore[assignment]
) -> tuple[DistributionList, list[ListEntry]]:
    made = DistributionList.objects.create(
        programme=programme,
        version=version,
        rules=rules,
        source="registry",
        status=ListStatus.APPROVED,
        supersedes=supersedes,
        built_by=builder,
        approved_by=approver,
        approved_at=timezone.now(),
    )
    drawn = tokens(len(households))
    entries = [
        ListEntry.objects.create(
            list=made,
            household=h,
            included=h.pk not in excluded,
            excluded_by="listed_twice" if h.pk in excluded else "",
            entitlement={} if h.pk in excluded else entitlement,
            token=token,
            people=h.size,
            head_sex="m",
        )
        for h, token in zip(households, drawn, strict=True)
    ]
    return made, entries


def world(
    organisation: Organisation,
    *,
    households: int = 3,
    cycles: int = 2,
    modality: str = "in_kind",
    entitlement: dict[str, Any] | None = None,
    prefix: str = "a",
    builder: User | None = None,
    approver: User | None = None,
) -> World:
    builder = builder or officer(organisation, f"{prefix}_builder")
    approver = approver or officer(organisation, f"{prefix}_approver")
    programme = Programme.objects.create(
        organisation=organisation,
        code=f"NFI-{prefix.upper()}",
        name_en="Winter NFI top-up",
        kind="nfi_top_up" if modality == "in_kind" else "rental_subsidy",
        modality=modality,
        cluster="snfi",
        cycles=cycles,
        starts_on=date(2026, 11, 1),
        status=ProgrammeStatus.ACTIVE,
        created_by=builder,
    )
    rules = Rules.objects.create(programme=programme, version=1, document={}, source="test")
    made = [household(organisation, f"{prefix.upper()}-{n:04d}") for n in range(households)]
    entitled = entitlement or (KIT if modality == "in_kind" else CASH)
    approved, entries = approved_list(
        programme, rules, made, builder=builder, approver=approver, entitlement=entitled
    )
    distribution = distributions.distribution_create(
        actor=builder,
        programme=programme,
        distribution_list=approved,
        cycle=1,
        planned_on=date(2026, 12, 1),
        place="Chameshku gate",
        team="Team A",
        stock={"nfi_kit": households},
    )
    distributions.distribution_open(actor=builder, distribution=distribution)
    distribution.refresh_from_db()
    return World(organisation, builder, approver, programme, rules, approved, entries, distribution)


def at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=timezone.get_fixed_timezone(180))
