"""The health world every health test speaks through, on top of the named personas:

- two Directorates of Health: Duhok's and Ninewa's (government organisations);
- ``faris``: Duhok DoH surveillance officer (EWARN focal point for Duhok);
- ``muna``: Ninewa DoH surveillance officer;
- ``chameshku_phcc``: the PHCC of Chameshku camp (Zakho district, Duhok), run by IOM, under
  Duhok DoH, its catchment the camp (30,000 people) — ``layla`` (IOM information manager)
  manages it, ``hana`` (IOM data entry) reports for it;
- ``sinjar_mmu``: INTERSOS's mobile medical unit in Sinjar district (Ninewa), under Ninewa DoH,
  supported by DAMA — ``shilan`` (INTERSOS) and ``ahmed`` (DAMA viewer) read its reports;
- ``outsider`` (Outside Relief) reads the facilities and no report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from nahrain.core import services as core_services
from nahrain.core.models import Organisation, OrganisationType, Role
from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit
from nahrain.health import services, weeks
from nahrain.health.models import EwarnReport, Facility
from nahrain.health.services import DiseaseCount
from nahrain.sites import services as site_services
from nahrain.sites.models import Site, SiteType
from nahrain.testing.personas import Persona, Personas, _person, duhok_directorate


@dataclass
class HealthWorld:
    duhok_doh: Organisation
    ninewa_doh: Organisation
    faris: Persona
    muna: Persona
    chameshku: Site
    chameshku_phcc: Facility
    sinjar_mmu: Facility


def gazetteer() -> None:
    if not AdminUnit.objects.filter(pcode="IQG09").exists():
        geo_services.gazetteer_load()


def directorate(name: str, acronym: str) -> Organisation:
    return core_services.organisation_create(
        actor=None, name=name, acronym=acronym, type=OrganisationType.GOVERNMENT
    )


def facility(
    organisation: Organisation,
    directorate: Organisation,
    *,
    code: str,
    name_en: str,
    district: str,
    kind: str = "phcc",
    name_ar: str = "",
    supporters: tuple[Organisation, ...] = (),
    latitude: float | None = None,
    longitude: float | None = None,
) -> Facility:
    gazetteer()
    return services.facility_create(
        actor=None,
        organisation=organisation,
        directorate=directorate,
        code=code,
        name_en=name_en,
        name_ar=name_ar,
        kind=kind,
        district=AdminUnit.objects.get(pcode=district),
        supporters=supporters,
        latitude=latitude,
        longitude=longitude,
    )


def week_report(
    facility: Facility,
    year: int,
    week: int,
    by: User | None = None,
    **cases: int,
) -> EwarnReport:
    """A weekly EWARN report with ``disease=cases`` (all over five), zero for the rest; sent on
    time unless the week is still running."""
    start = weeks.week_start(year, week)
    return services.ewarn_report_submit(
        actor=by,
        facility=facility,
        year=year,
        week=week,
        counts=[DiseaseCount(disease=d, cases_over5=n) for d, n in cases.items()],
        submitted_at=None if start >= date.today() else _on_time(year, week),
    )


def _on_time(year: int, week: int) -> datetime:
    day = weeks.week_start(year, week) + timedelta(days=7)
    return timezone.make_aware(datetime.combine(day, time(9)))


@pytest.fixture
def health(personas: Personas, faris: Persona) -> HealthWorld:
    gazetteer()
    duhok_doh = duhok_directorate()
    ninewa_doh = directorate("Ninewa Directorate of Health", "DoH Ninewa")
    chameshku = site_services.site_create(
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
    site_services.population_record(
        actor=personas.omar.user,
        site=chameshku,
        on=date(2026, 1, 1),
        source="headcount",
        individuals=30000,
        households=6000,
    )
    chameshku.refresh_from_db()
    phcc = facility(
        personas.iom,
        duhok_doh,
        code="PHCC-CHM",
        name_en="Chameshku camp PHCC",
        name_ar="مركز الرعاية الصحية الأولية في مخيم جمشكو",
        district="IQG09Q04",
        latitude=37.13,
        longitude=42.68,
    )
    services.catchment_set(actor=None, facility=phcc, sites=[chameshku])
    mmu = facility(
        personas.intersos,
        ninewa_doh,
        code="MMU-SIN-1",
        name_en="Sinjar mobile medical unit",
        name_ar="الوحدة الطبية المتنقلة في سنجار",
        district="IQG15Q07",
        kind="mobile_unit",
        supporters=(personas.dama,),
        latitude=36.32,
        longitude=41.87,
    )
    return HealthWorld(
        duhok_doh=duhok_doh,
        ninewa_doh=ninewa_doh,
        faris=faris,
        muna=_person("muna", ninewa_doh, Role.SURVEILLANCE_OFFICER),
        chameshku=chameshku,
        chameshku_phcc=phcc,
        sinjar_mmu=mmu,
    )


def same_code_town_phcc(health: HealthWorld, personas: Personas) -> Facility:
    """Duhok DoH's own Chameshku town PHCC, with the code of IOM's camp PHCC (codes are unique
    within an organisation only) and supported by IOM: IOM reports for both."""
    return facility(
        health.duhok_doh,
        health.duhok_doh,
        code=health.chameshku_phcc.code,
        name_en="Chameshku town PHCC",
        district="IQG09Q04",
        supporters=(personas.iom,),
    )
