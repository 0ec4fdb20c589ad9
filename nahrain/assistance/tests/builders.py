"""The assistance world the list tests speak through, on top of the named personas:

- ``salam`` and ``huda``: IOM assistance officers (a list one builds, the other approves);
  ``layla`` (IOM information manager) writes programmes; ``rania`` registers IOM's households;
  ``karim`` INTERSOS's;
- ``chameshku``: IOM's formal camp in Zakho district (Duhok, IQG09Q04); out of camp, IOM's
  households live in Duhok district (IQG09Q02);
- ``nfi``: IOM's running NFI programme (in kind): one kit for households of 1 to 5, two for
  6 and more; not within 90 days of a sealing-off kit or NFI kit of anyone's, not with a rental
  subsidy;
- ``World.household(...)`` registers a household (consent to assistance by default);
  ``World.served(...)`` records that a programme of a kind, of an organisation, served a
  household on a day (the chain of list, entry and receipt, written as the distributions app
  will); ``World.pair(...)`` records two individuals as a possible duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import count
from typing import Any

import pytest
from django.utils import timezone

from nahrain.assistance import services
from nahrain.assistance.models import (
    DistributionList,
    ListEntry,
    ListStatus,
    Outcome,
    Programme,
    ProgrammeStatus,
    Receipt,
    Rules,
)
from nahrain.core.models import Organisation
from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit
from nahrain.registry import services as registry_services
from nahrain.registry.models import (
    Household,
    Individual,
    PossibleDuplicate,
)
from nahrain.registry.rules import MemberIn
from nahrain.sites import services as site_services
from nahrain.sites.models import Site, SiteType
from nahrain.testing.personas import Persona, Personas

TODAY = date(2026, 11, 30)
FIRST_NAMES = (
    ("Mohammed", "محمد"),
    ("Khalil", "خليل"),
    ("Yousif", "يوسف"),
    ("Hussein", "حسين"),
    ("Jamal", "جمال"),
    ("Tariq", "طارق"),
    ("Nabil", "نبيل"),
    ("Qasim", "قاسم"),
    ("Rashid", "رشيد"),
    ("Walid", "وليد"),
)
FAMILIES = (
    ("Al-Jubouri", "الجبوري"),
    ("Al-Obeidi", "العبيدي"),
    ("Al-Shammari", "الشمري"),
    ("Al-Dulaimi", "الدليمي"),
    ("Al-Tai", "الطائي"),
    ("Al-Hamdani", "الحمداني"),
    ("Al-Zubaidi", "الزبيدي"),
    ("Al-Khazraji", "الخزرجي"),
)

NFI_RULES: dict[str, Any] = {
    "eligible": {"statuses": ["active"]},
    "entitlement": {
        "by_size": [
            {"size_min": 1, "size_max": 5, "items": [{"item": "nfi_kit", "quantity": 1}]},
            {"size_min": 6, "size_max": None, "items": [{"item": "nfi_kit", "quantity": 2}]},
        ]
    },
    "exclusions": [
        {"rule": "served_recently", "kinds": ["sealing_off_kit", "nfi_kit"], "days": 90},
        {"rule": "not_with", "kinds": ["rental_subsidy"]},
    ],
}


@dataclass
class World:
    personas: Personas
    salam: Persona
    huda: Persona
    chameshku: Site
    zakho: AdminUnit
    duhok: AdminUnit
    nfi: Programme
    numbers: Any

    def household(
        self,
        *,
        organisation: Organisation | None = None,
        in_camp: bool = True,
        head_sex: str = "m",
        children: int = 2,
        consents: Sequence[str] = ("registration", "assistance"),
        vulnerabilities: Sequence[str] = (),
    ) -> Household:
        organisation = organisation or self.personas.iom
        n = next(self.numbers)
        first_lat, first_ar = FIRST_NAMES[n % len(FIRST_NAMES)]
        family_lat, family_ar = FAMILIES[(n // len(FIRST_NAMES)) % len(FAMILIES)]
        members = [
            MemberIn(
                sex=head_sex,
                relationship="head",
                first_ar=first_ar if head_sex == "m" else "فاطمة",
                father_ar="أحمد",
                family_ar=family_ar,
                first_lat=first_lat if head_sex == "m" else "Fatima",
                father_lat="Ahmed",
                family_lat=family_lat,
                born_on=date(1970 + n % 30, 1 + n % 12, 1 + n % 28),
            )
        ] + [
            MemberIn(
                sex="f" if k % 2 else "m",
                relationship="daughter" if k % 2 else "son",
                first_ar="زينب" if k % 2 else "علي",
                father_ar=first_ar,
                family_ar=family_ar,
                born_on=date(2010 + k, 5, 20),
            )
            for k in range(children)
        ]
        registrar = (
            self.personas.rania if organisation == self.personas.iom else self.personas.karim
        )
        household = registry_services.household_register(
            actor=registrar.user,
            organisation=organisation,
            registered_on=date(2024, 3, 1),
            members=members,
            site=self.chameshku if in_camp and organisation == self.personas.iom else None,
            admin_unit=None if in_camp and organisation == self.personas.iom else self.duhok,
            consents=consents,
            vulnerabilities=vulnerabilities,
        )
        # The registry's own check may pair the generated names; the tests say which pairs are.
        PossibleDuplicate.objects.filter(first__household=household).delete()
        PossibleDuplicate.objects.filter(second__household=household).delete()
        return household

    def pair(
        self,
        a: Household,
        b: Household,
        *,
        status: str = "open",
        probability: float = 0.93,
    ) -> PossibleDuplicate:
        """The heads of two households recorded as possibly one person."""
        one = Individual.objects.get(household=a, relationship="head")
        other = Individual.objects.get(household=b, relationship="head")
        first, second = sorted((one, other), key=lambda i: i.pk)
        return PossibleDuplicate.objects.create(
            first=first, second=second, probability=probability, found_by="batch", status=status
        )

    def served(
        self,
        household: Household,
        *,
        kind: str,
        on: date,
        organisation: Organisation | None = None,
        served: bool = True,
    ) -> Receipt:
        """A receipt of a programme of ``kind`` held by ``organisation`` (an approved list, its
        entry, the receipt): how the distributions app will leave it."""
        organisation = organisation or household.organisation
        programme, _made = Programme.objects.get_or_create(
            organisation=organisation,
            code=f"T-{kind}",
            defaults={
                "name_en": kind,
                "kind": kind,
                "modality": "in_kind",
                "cluster": "snfi",
                "starts_on": date(2025, 1, 1),
                "status": ProgrammeStatus.ACTIVE,
            },
        )
        rules, _made = Rules.objects.get_or_create(
            programme=programme, version=1, defaults={"document": NFI_RULES}
        )
        approved, _made = DistributionList.objects.get_or_create(
            programme=programme,
            version=1,
            defaults={"rules": rules, "source": "registry", "status": ListStatus.APPROVED},
        )
        entry, _made = ListEntry.objects.get_or_create(
            list=approved,
            household=household,
            defaults={"token": services.tokens(1)[0], "people": household.size},
        )
        moment = timezone.make_aware(datetime.combine(on, time(10)))
        return Receipt.objects.create(
            programme=programme,
            cycle=1,
            entry=entry,
            household=household,
            outcome=Outcome.RECEIVED if served else Outcome.ABSENT,
            served=served,
            recorded_at=moment,
            key=f"test-{household.pk}-{on.isoformat()}-{kind}",
        )

    def build(self, programme: Programme | None = None) -> DistributionList:
        return services.list_build(
            actor=self.salam.user, programme=programme or self.nfi, today=TODAY
        )

    def entry(self, distribution_list: DistributionList, household: Household) -> ListEntry:
        return ListEntry.objects.get(list=distribution_list, household=household)


@pytest.fixture
def world(personas: Personas, salam: Persona, huda: Persona) -> World:
    geo_services.gazetteer_load()
    zakho = AdminUnit.objects.get(pcode="IQG09Q04")
    chameshku = site_services.site_create(
        actor=personas.omar.user,
        organisation=personas.iom,
        code="IQ-DHK-CHM",
        name_en="Chameshku",
        name_ar="جمشكو",
        type=SiteType.CAMP,
        admin_unit=zakho,
        status_on=date(2014, 9, 1),
        capacity_people=30000,
    )
    nfi = services.programme_create(
        actor=personas.layla.user,
        organisation=personas.iom,
        code="NFI-2026",
        name_en="Winter NFI distribution",
        name_ar="توزيع المواد غير الغذائية الشتوية",
        kind="nfi_kit",
        modality="in_kind",
        cluster="snfi",
        hrp_project="IRQ26/SNFI/100001",
        starts_on=date(2026, 11, 1),
    )
    services.rules_set(
        actor=personas.layla.user, programme=nfi, document=NFI_RULES, source="S/NFI Cluster"
    )
    nfi = services.programme_activate(actor=personas.layla.user, programme=nfi)
    return World(
        personas=personas,
        salam=salam,
        huda=huda,
        chameshku=chameshku,
        zakho=zakho,
        duhok=AdminUnit.objects.get(pcode="IQG09Q02"),
        nfi=nfi,
        numbers=count(),
    )
