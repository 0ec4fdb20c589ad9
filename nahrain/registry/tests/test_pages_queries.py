"""The registry's list and a household's page cost a fixed number of queries, whatever the
number of households on the page and of members, changes and visits in a household."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nahrain.registry import services
from nahrain.registry.models import Household
from nahrain.registry.rules import MemberIn
from nahrain.registry.tests.conftest import family
from nahrain.sites.models import Site
from nahrain.testing.personas import Personas


def _households_add(personas: Personas, site: Site, count: int) -> None:
    for _ in range(count):
        services.household_register(
            actor=personas.rania.user,
            organisation=personas.iom,
            registered_on=date(2024, 3, 1),
            members=family(),
            site=site,
        )


def _queries(client: object, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)  # type: ignore[attr-defined]
    assert response.status_code == 200
    return len(captured)


def test_the_list_costs_the_same_for_two_households_as_for_twenty(
    personas: Personas, chameshku: Site
) -> None:
    omar = personas.omar.client()
    _households_add(personas, chameshku, 2)
    few = _queries(omar, reverse("registry:home"))
    assert few <= 15
    _households_add(personas, chameshku, 18)
    assert _queries(omar, reverse("registry:home")) == few


def test_the_household_page_costs_the_same_however_long_its_history(
    personas: Personas, registered: Household
) -> None:
    omar = personas.omar.client()
    url = reverse("registry:household", args=[registered.uid])
    short = _queries(omar, url)
    for day in range(2, 8):
        services.member_add(
            actor=personas.rania.user,
            household=registered,
            on=date(2025, 1, day),
            member=MemberIn(sex="f", relationship="daughter", first_ar="مريم", age=day),
        )
        services.visit_record(
            actor=personas.rania.user,
            household=registered,
            on=date(2025, 1, day),
            outcome="verified",
        )
    assert _queries(omar, url) == short <= 15
