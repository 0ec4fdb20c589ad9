"""The CCCM pages cost a fixed number of queries, whatever the number of sites, households and
weeks of movements: they read the rollups (docs/PERFORMANCE.md holds them to 150 ms at 1,500
sites)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nahrain.geo.models import AdminUnit
from nahrain.sites import selectors, services
from nahrain.sites.models import MonitoringRound, ServiceGap, Site
from nahrain.sites.tests.pages_data import sector_wash
from nahrain.testing.personas import Personas

GOVERNORATES = ("IQG09", "IQG11", "IQG15")


def _sites_add(personas: Personas, count: int, start: int) -> None:
    """``count`` more sites across three governorates, each with a figure, a few weeks of
    movements a year apart, a monitoring round and a gap."""
    omar = personas.omar.user
    sector = sector_wash()
    units = {u.pcode: u for u in AdminUnit.objects.filter(pcode__in=GOVERNORATES)}
    for number in range(start, start + count):
        site = services.site_create(
            actor=omar,
            organisation=personas.iom,
            code=f"IQ-Q-{number}",
            name_en=f"Site {number}",
            type="camp" if number % 2 else "informal_settlement",
            admin_unit=units[GOVERNORATES[number % 3]],
            status_on=date(2015, 1, 1),
            capacity_people=1000,
        )
        services.population_record(
            actor=omar, site=site, on=date(2018, 1, 1), source="headcount", individuals=900
        )
        for year in (2019, 2021, 2023):
            services.movement_record(
                actor=omar,
                site=site,
                kind="arrival",
                on=date(year, 3, 1) + timedelta(days=number),
                households=2,
                individuals=10,
            )
        monitored = MonitoringRound.objects.create(site=site, on=date(2023, 1, 1), red=number % 2)
        ServiceGap.objects.create(
            site=site,
            sector=sector,
            description="Gap",
            raised_on=date(2023, 1, 1),
            monitoring_round=monitored,
        )


def _counted(action: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


@pytest.mark.parametrize(
    ("name", "bound"),
    [("dashboard", 6), ("site_points", 1), ("site_profile", 7), ("site_list", 2)],
)
def test_each_read_costs_the_same_few_queries_for_few_sites_and_many(
    personas: Personas, gazetteer: None, name: str, bound: int
) -> None:
    user = personas.ahmed.user

    def read() -> None:
        if name == "dashboard":
            selectors.cccm_dashboard(user=user)
        elif name == "site_points":
            selectors.site_points(user=user)
        elif name == "site_profile":
            selectors.site_profile(user=user, site=Site.objects.get(code="IQ-Q-0"))
        else:
            page = list(selectors.site_list(user=user)[:50])
            selectors.site_list(user=user).count()
            assert page

    _sites_add(personas, 2, 0)
    few = _counted(read)
    _sites_add(personas, 12, 2)
    many = _counted(read)
    lookup = 1 if name == "site_profile" else 0  # Site.objects.get in the test itself
    assert few == many <= bound + lookup


@pytest.mark.parametrize("page", ["sites:dashboard", "sites:list", "sites:site"])
def test_each_page_costs_the_same_queries_for_few_sites_and_many(
    personas: Personas, gazetteer: None, page: str
) -> None:
    client = personas.ahmed.client()

    def get() -> None:
        kwargs = {"site_uid": Site.objects.get(code="IQ-Q-0").uid} if page == "sites:site" else {}
        assert client.get(reverse(page, kwargs=kwargs)).status_code == 200

    _sites_add(personas, 2, 0)
    get()  # the session and caches settle
    few = _counted(get)
    _sites_add(personas, 12, 2)
    assert _counted(get) == few


def test_the_dashboard_selector_stays_within_its_budget(
    personas: Personas, gazetteer: None, django_assert_max_num_queries: Any
) -> None:
    _sites_add(personas, 6, 0)
    with django_assert_max_num_queries(6):
        board = selectors.cccm_dashboard(user=personas.ahmed.user)
    assert board.sites == 6 and board.individuals == 6 * 930
    assert board.red_sites_count == 3 and board.open_gaps == 6
    assert [row["year"] for row in board.years] == [2023, 2021, 2019]
