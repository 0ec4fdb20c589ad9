"""The registry's rollup equals a direct count of the registry after registrations, births,
deaths, departures, splits and merges, in the camp and out of camp; and the daily refresh moves
people between age groups as they grow older."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nahrain.geo.models import AdminUnit
from nahrain.registry import codelists, services
from nahrain.registry.models import Household, Individual, RegistryFigure
from nahrain.registry.rollups import born_by, places_refresh, registry_refresh
from nahrain.registry.rules import MemberIn
from nahrain.registry.tests.conftest import family
from nahrain.sites.models import Site
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db


def direct_count(organisation_id: Any, today: date) -> dict[tuple[Any, Any], dict[str, int]]:
    """Every place's cells counted one person at a time from the records, as the rule says."""
    places: dict[tuple[Any, Any], dict[str, int]] = {}

    def add(cells: dict[str, int], name: str) -> None:
        cells[name] = cells.get(name, 0) + 1

    for household in Household.objects.filter(organisation_id=organisation_id, status="active"):
        place = (household.site_id, None if household.site_id else household.admin_unit_id)
        cells = places.setdefault(place, {})
        add(cells, "households")
        for code in household.vulnerabilities:
            add(cells, code)
        for member in household.members.filter(status="active"):
            add(cells, "individuals")
            group = (
                codelists.age_group(codelists.age_on(member.born_on, today))
                if member.born_on
                else "unknown"
            )
            add(cells, f"{member.sex}_{group}")
            for document in member.documents.filter(held=False):
                add(cells, f"doc_{document.kind}")
    return places


def rollup(organisation_id: Any) -> dict[tuple[Any, Any], dict[str, int]]:
    return {
        (figure.site_id, None if figure.site_id else figure.admin_unit_id): figure.counts
        for figure in RegistryFigure.objects.filter(organisation_id=organisation_id)
    }


def test_the_rollup_follows_every_kind_of_write(
    personas: Personas, registered: Household, chameshku: Site
) -> None:
    rania, today = personas.rania.user, date.today()
    figure = RegistryFigure.objects.get(organisation=personas.iom, site=chameshku)
    assert (figure.households, figure.individuals) == (1, 4)
    assert figure.counts["m_18_59"] == 1 and figure.counts["doc_pds_card"] == 1
    assert figure.governorate.pcode == "IQG09" and figure.admin_unit.pcode == "IQG09Q04"
    services.member_add(
        actor=rania,
        household=registered,
        on=today - timedelta(days=30),
        birth=True,
        member=MemberIn(
            sex="f", relationship="daughter", first_ar="مريم", born_on=today - timedelta(days=30)
        ),
    )
    assert rollup(personas.iom.pk) == direct_count(personas.iom.pk, today)
    assert RegistryFigure.objects.get(site=chameshku).counts["f_0_4"] == 1
    zakho = AdminUnit.objects.get(pcode="IQG09Q04")
    outside = services.household_register(
        actor=rania,
        organisation=personas.iom,
        registered_on=date(2024, 5, 1),
        members=family(surname_ar="الدليمي", children=3),
        admin_unit=zakho,
        vulnerabilities=["serious_medical"],
    )
    new = services.household_split(
        actor=rania,
        household=registered,
        members=[],
        head=registered.members.get(first_ar="علي"),
        on=today,
    )
    services.member_death(
        actor=rania, individual=outside.members.get(relationship="spouse"), on=today
    )
    services.household_merge(actor=rania, household=new, into=outside, on=today)
    assert rollup(personas.iom.pk) == direct_count(personas.iom.pk, today)
    services.household_depart(actor=rania, household=registered, on=today, returned=True)
    assert rollup(personas.iom.pk) == direct_count(personas.iom.pk, today)
    sumel = AdminUnit.objects.filter(parent__pcode="IQG09", level=2).exclude(pk=zakho.pk)[0]
    services.household_move(actor=rania, household=outside, on=today, admin_unit=sumel)
    assert rollup(personas.iom.pk) == direct_count(personas.iom.pk, today)
    assert list(RegistryFigure.objects.values_list("admin_unit", flat=True)) == [sumel.pk]
    assert not RegistryFigure.objects.filter(site=chameshku).exists()  # nobody lives there now


def test_a_birthday_moves_a_child_between_age_groups_on_the_daily_refresh(
    personas: Personas, registered: Household
) -> None:
    """The son born on 20 May 2012 is 11 until his twelfth birthday; the refresh as of that day
    counts him among the 12 to 17."""
    figure = RegistryFigure.objects.get(organisation=personas.iom)
    RegistryFigure.objects.filter(pk=figure.pk).update(counts={}, households=0)
    out = StringIO()
    call_command("registry_refresh", stdout=out)
    assert "1 places recounted" in out.getvalue()
    figure.refresh_from_db()
    assert figure.counts == direct_count(personas.iom.pk, date.today())[(figure.site_id, None)]
    assert born_by(date(2024, 5, 20), 12) == date(2012, 5, 20)
    assert born_by(date(2024, 2, 29), 1) == date(2023, 2, 28)
    assert codelists.age_on(date(2012, 5, 20), date(2024, 5, 19)) == 11


def test_a_refresh_of_one_organisation_leaves_the_others(
    personas: Personas, registered: Household
) -> None:
    RegistryFigure.objects.update(individuals=0)
    assert registry_refresh(organisation_id=personas.intersos.pk) == 0
    assert RegistryFigure.objects.get().individuals == 0
    assert registry_refresh(organisation_id=personas.iom.pk) == 1
    assert RegistryFigure.objects.get().individuals == 4


def test_recounting_places_takes_a_fixed_number_of_queries(
    personas: Personas,
    registered: Household,
    chameshku: Site,
    django_assert_max_num_queries: Any,
) -> None:
    """Whatever the number of places and people: households, members, documents, the places'
    units and governorates (a query per level climbed), the existing rows, and the writes."""
    units = list(AdminUnit.objects.filter(level=2).values_list("pk", flat=True)[:40])
    with django_assert_max_num_queries(14):
        places_refresh(
            organisation_id=personas.iom.pk, site_ids=[chameshku.pk], admin_unit_ids=units
        )


# --- property: any sequence of writes ----------------------------------------------------------

write = st.one_of(
    st.tuples(st.just("register"), st.booleans(), st.integers(0, 4)),
    st.tuples(st.sampled_from(("birth", "death", "depart", "split", "merge")), st.integers(0, 9)),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(writes=st.lists(write, min_size=1, max_size=8))
def test_the_rollup_equals_a_direct_count_after_any_writes(
    personas: Personas, chameshku: Site, writes: list[Any]
) -> None:
    with transaction.atomic():
        _replay(personas, chameshku, writes)
        assert rollup(personas.iom.pk) == direct_count(personas.iom.pk, date.today())
        transaction.set_rollback(True)


def _replay(personas: Personas, site: Site, writes: list[Any]) -> None:
    rania, today = personas.rania.user, date.today()
    zakho = AdminUnit.objects.get(pcode="IQG09Q04")
    for n, (kind, *args) in enumerate(writes):
        active = list(Household.objects.filter(status="active").order_by("pk"))
        if kind == "register":
            in_camp, children = args
            services.household_register(
                actor=rania,
                organisation=personas.iom,
                registered_on=date(2024, 1, 1),
                members=family(children=children),
                site=site if in_camp else None,
                admin_unit=None if in_camp else zakho,
                key=f"write-{n}",
            )
            continue
        if not active:
            continue
        household = active[args[0] % len(active)]
        members = list(Individual.objects.filter(household=household, status="active"))
        if kind == "birth":
            services.member_add(
                actor=rania,
                household=household,
                on=today,
                birth=True,
                member=MemberIn(sex="m", relationship="son", first_ar="علي", born_on=today),
            )
        elif kind == "death" and len(members) > 1:
            services.member_death(actor=rania, individual=members[-1], on=today)
        elif kind == "depart":
            services.household_depart(actor=rania, household=household, on=today, returned=False)
        elif kind == "split" and len(members) > 2:
            services.household_split(
                actor=rania, household=household, members=[], head=members[-1], on=today
            )
        elif kind == "merge" and len(active) > 1:
            other = active[(args[0] + 1) % len(active)]
            services.household_merge(actor=rania, household=household, into=other, on=today)
