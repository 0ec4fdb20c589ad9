"""Registering a household at a site in one step, and the site's population following the
registry through births, deaths, splits, merges and departures."""

from __future__ import annotations

from datetime import date

import pytest

from nahrain.registry import services
from nahrain.registry.models import Household, HouseholdStatus, Individual, Stay
from nahrain.registry.rules import MemberIn
from nahrain.registry.tests.conftest import family
from nahrain.sites.models import Allocation, Movement, ShelterUnit, Site
from nahrain.testing.personas import Personas


def population(site: Site) -> tuple[int | None, int | None]:
    site.refresh_from_db()
    return site.population_households, site.population_individuals


def registered_individuals(site: Site) -> int:
    return Individual.objects.filter(
        household__site=site, household__status="active", status="active"
    ).count()


def test_registration_creates_household_members_allocation_and_arrival(
    registered: Household, chameshku: Site
) -> None:
    assert registered.size == 4
    assert registered.number.startswith("IOM-")
    assert registered.allocation is not None and registered.allocation.unit.code == "1"
    assert Movement.objects.filter(site=chameshku, kind="arrival").count() == 1
    assert Stay.objects.filter(household=registered, end__isnull=True).count() == 1
    assert "missing_documents" in registered.vulnerabilities
    assert population(chameshku) == (1, 4)


def test_site_population_follows_births_deaths_splits_merges_departures(
    personas: Personas, registered: Household, chameshku: Site
) -> None:
    rania = personas.rania.user
    services.member_add(
        actor=rania,
        household=registered,
        on=date(2025, 1, 9),
        birth=True,
        member=MemberIn(
            sex="f", relationship="daughter", first_ar="مريم", born_on=date(2025, 1, 9)
        ),
    )
    assert population(chameshku) == (1, 5) and registered_individuals(chameshku) == 5
    son = registered.members.get(first_ar="علي")
    services.member_death(
        actor=rania, individual=registered.members.get(first_ar="مريم"), on=date(2025, 2, 1)
    )
    assert population(chameshku) == (1, 4)
    second = services.household_register(
        actor=rania,
        organisation=personas.iom,
        registered_on=date(2025, 3, 1),
        members=family(surname_ar="الدليمي", children=1),
        site=chameshku,
        unit=ShelterUnit.objects.get(site=chameshku, code="2"),
    )
    assert population(chameshku) == (2, 7)
    services.household_merge(actor=rania, household=second, into=registered, on=date(2025, 4, 1))
    assert population(chameshku) == (1, 7) == (1, registered_individuals(chameshku))
    new = services.household_split(
        actor=rania, household=registered, members=[], head=son, on=date(2025, 5, 1)
    )
    assert population(chameshku) == (2, 7)
    services.household_depart(actor=rania, household=new, on=date(2025, 6, 1), returned=True)
    assert population(chameshku) == (1, 6) == (1, registered_individuals(chameshku))
    assert Household.objects.get(pk=new.pk).status == HouseholdStatus.RETURNED


def test_registration_refuses_two_heads_and_future_dates(
    personas: Personas, chameshku: Site
) -> None:
    members = family()
    members[1].relationship = "head"
    members[2].sex = "f"  # a son
    with pytest.raises(services.RegistryRuleBroken) as refused:
        services.household_register(
            actor=personas.rania.user,
            organisation=personas.iom,
            registered_on=date(2099, 1, 1),
            members=members,
            site=chameshku,
        )
    rules = {p.rule for p in refused.value.problems}
    assert {"head_twice", "date_future", "sex_relationship"} <= rules
    assert not Household.objects.exists()


def test_resent_registration_counts_once(personas: Personas, chameshku: Site) -> None:
    for _ in range(2):
        services.household_register(
            actor=personas.rania.user,
            organisation=personas.iom,
            registered_on=date(2024, 1, 1),
            members=family(),
            site=chameshku,
            key="uuid:form-1",
        )
    assert Household.objects.count() == 1
    assert population(chameshku) == (1, 4)


def test_a_site_switched_to_count_by_registration_takes_the_registry_count_at_once(
    personas: Personas, registered: Household, chameshku: Site
) -> None:
    from django.utils import timezone

    from nahrain.sites import services as site_services

    omar = personas.omar.client()
    stop = omar.post(f"/registry/site/{chameshku.uid}/counting/", {"counts": "0"})
    assert stop.status_code == 302
    site_services.population_record(
        actor=personas.omar.user, site=chameshku, on=timezone.localdate(), source="headcount",
        individuals=900, households=150,
    )  # fmt: skip
    assert population(chameshku) == (150, 900)
    assert (
        omar.post(f"/registry/site/{chameshku.uid}/counting/", {"counts": "1"}).status_code == 302
    )
    assert population(chameshku) == (1, 4) == (1, registered_individuals(chameshku))
    # Another organisation's registry staff cannot switch IOM's camp.
    karim = personas.karim.client()
    assert (
        karim.post(f"/registry/site/{chameshku.uid}/counting/", {"counts": "0"}).status_code == 404
    )


def test_another_organisation_registers_camp_residents_without_writing_the_camps_records(
    personas: Personas, registered: Household, chameshku: Site
) -> None:
    """INTERSOS registers a family living in IOM's camp (for its own assistance): the camp's
    movements, allocations and population stay IOM's, and no unit of it is allocated."""
    arrivals = Movement.objects.filter(site=chameshku).count()
    services.household_register(
        actor=personas.karim.user, organisation=personas.intersos, registered_on=date(2025, 2, 1),
        members=family(surname_ar="الشمري"), site=chameshku,
    )  # fmt: skip
    assert Movement.objects.filter(site=chameshku).count() == arrivals
    assert population(chameshku) == (1, 4)
    with pytest.raises(services.RegistryRuleBroken) as refused:
        services.household_register(
            actor=personas.karim.user, organisation=personas.intersos,
            registered_on=date(2025, 2, 1), members=family(), site=chameshku,
            unit=ShelterUnit.objects.get(site=chameshku, code="5"),
        )  # fmt: skip
    assert [p.rule for p in refused.value.problems] == ["unit_other"]
    # The camp's pages show allocations to its information managers: no registration number.
    assert set(Allocation.objects.values_list("household", flat=True)) == {""}
