"""The coordination tests' world: the gazetteer, the 2018 plan, and rows built the way a
cluster's sheet gives them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from nahrain.coordination import services
from nahrain.coordination.models import ResponsePlan
from nahrain.coordination.services import ImportRow
from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit
from nahrain.testing.personas import Persona


@pytest.fixture
def gazetteer(db: None) -> None:
    if not AdminUnit.objects.filter(pcode="IQG09").exists():
        geo_services.gazetteer_load()


@pytest.fixture
def plan(gazetteer: None, tariq: Persona) -> ResponsePlan:
    return services.plan_create(
        actor=tariq.user,
        year=2018,
        code="IRQ18",
        name="Iraq Humanitarian Response Plan 2018",
        requirements=Decimal("568700000"),
        source="OCHA Iraq HRP 2018",
    )


def unit(pcode: str) -> AdminUnit:
    return AdminUnit.objects.get(pcode=pcode)


ZAKHO, DUHOK_DISTRICT, MOSUL = "IQG09Q04", "IQG09Q02", "IQG15Q03"

_ACTIVITY = {
    "snfi_houses_repaired": "snfi_return_support",
    "snfi_sites_maintained": "snfi_site_maintenance",
    "snfi_people_nfi": "snfi_nfi_distribution",
    "snfi_nfi_kits": "snfi_nfi_distribution",
    "wash_people_water": "wash_water_supply",
    "health_consultations": "health_phc",
    "protection_people_monitored": "protection_monitoring",
    "cp_children_pss": "cp_pss",
    "wash_people_hygiene": "wash_hygiene",
    "edu_children_enrolled": "edu_access",
    "edu_teachers_trained": "edu_teachers",
}
_CLUSTER = {
    "snfi": "snfi",
    "wash": "wash",
    "health": "health",
    "protection": "protection",
    "cp": "cp",
    "edu": "education",
}


def row(
    organisation: Any,
    month: tuple[int, int],
    indicator: str,
    value: int,
    place: str = ZAKHO,
    *,
    number: int = 1,
    cells: dict[str, int] | None = None,
    population_group: str = "",
) -> ImportRow:
    """A sheet's row for the organisation's month, the indicator's activity and cluster from
    its code."""
    return ImportRow(
        row=number,
        organisation_id=organisation.pk,
        month=date(month[0], month[1], 1),
        cluster=_CLUSTER[indicator.split("_")[0]],
        activity=_ACTIVITY[indicator],
        indicator=indicator,
        admin_unit_id=unit(place).pk,
        value=value,
        population_group=population_group,
        cells=cells or {},
    )


def reopen(actor: Persona, *months: tuple[int, int]) -> None:
    for year, month in months:
        services.period_reopen(actor=actor.user, month=date(year, month, 1))
