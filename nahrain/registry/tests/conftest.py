from __future__ import annotations

from datetime import date

import pytest

from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit
from nahrain.registry import services
from nahrain.registry.models import Household
from nahrain.registry.rules import DocumentIn, MemberIn
from nahrain.sites import services as site_services
from nahrain.sites.models import ShelterUnit, Site, SiteType
from nahrain.testing.personas import Personas


@pytest.fixture
def gazetteer(db: None) -> None:
    geo_services.gazetteer_load()


@pytest.fixture
def chameshku(personas: Personas, gazetteer: None) -> Site:
    """IOM's Chameshku camp in Zakho district, Duhok, counting its population by registration,
    with a block of 20 tents."""
    site = site_services.site_create(
        actor=personas.omar.user,
        organisation=personas.iom,
        code="IQ-DHK-CHM",
        name_en="Chameshku",
        name_ar="جمشكو",
        type=SiteType.CAMP,
        admin_unit=AdminUnit.objects.get(pcode="IQG09Q04"),
        status_on=date(2014, 9, 1),
        capacity_people=30000,
    )
    Site.objects.filter(pk=site.pk).update(counts_by_registration=True)
    site.refresh_from_db()
    site_services.units_create(
        actor=personas.omar.user,
        site=site,
        block="A",
        kind="tent",
        codes=[str(n) for n in range(1, 21)],
    )
    return site


def family(
    *, surname_ar: str = "الجبوري", surname_lat: str = "Al-Jubouri", children: int = 2
) -> list[MemberIn]:
    """A head, his wife and children, born on real dates, with their documents."""
    members = [
        MemberIn(
            sex="m",
            relationship="head",
            first_ar="محمد",
            father_ar="أحمد",
            grandfather_ar="حسن",
            family_ar=surname_ar,
            first_lat="Mohammed",
            father_lat="Ahmed",
            grandfather_lat="Hassan",
            family_lat=surname_lat,
            born_on=date(1980, 3, 14),
            documents=[
                DocumentIn("national_card", True, "199012345678"),
                DocumentIn("pds_card", False),
            ],
        ),
        MemberIn(
            sex="f",
            relationship="spouse",
            first_ar="فاطمة",
            father_ar="علي",
            grandfather_ar="حسين",
            family_ar="العبيدي",
            born_on=date(1985, 7, 1),
            birth_date="july_1",
            documents=[DocumentIn("civil_id", True, "A1234567")],
        ),
    ]
    for n in range(children):
        members.append(
            MemberIn(
                sex="f" if n % 2 else "m",
                relationship="daughter" if n % 2 else "son",
                first_ar="زينب" if n % 2 else "علي",
                father_ar="محمد",
                grandfather_ar="أحمد",
                family_ar=surname_ar,
                born_on=date(2012 + n, 5, 20),
            )
        )
    return members


@pytest.fixture
def registered(personas: Personas, chameshku: Site) -> Household:
    """A family of four registered in tent A/1 of Chameshku by rania on 1 March 2024."""
    unit = ShelterUnit.objects.get(site=chameshku, code="1")
    return services.household_register(
        actor=personas.rania.user,
        organisation=personas.iom,
        registered_on=date(2024, 3, 1),
        members=family(),
        site=chameshku,
        unit=unit,
        origin=AdminUnit.objects.get(pcode="IQG15"),
        displaced_on=date(2014, 8, 3),
        phone="+964 750 123 4567",
    )
