"""A site's population is its newest figure plus the movements since, kept by every write."""

from __future__ import annotations

from datetime import date

import pytest

from nahrain.sites import services
from nahrain.sites.models import GovernorateWeek, Site, SiteWeek
from nahrain.testing.personas import Personas


def test_arrivals_and_departures_after_a_headcount_move_the_population(
    personas: Personas, chameshku: Site
) -> None:
    omar = personas.omar.user
    services.population_record(
        actor=omar,
        site=chameshku,
        on=date(2019, 7, 1),
        source="headcount",
        individuals=27400,
        households=5200,
    )
    services.movement_record(
        actor=omar,
        site=chameshku,
        kind="arrival",
        on=date(2019, 7, 3),
        households=10,
        individuals=52,
        place="out_of_camp",
    )
    services.movement_record(
        actor=omar,
        site=chameshku,
        kind="departure",
        on=date(2019, 7, 4),
        households=4,
        individuals=20,
        place="area_of_origin",
    )
    # On the headcount's day: taken to be counted in it.
    services.movement_record(
        actor=omar,
        site=chameshku,
        kind="arrival",
        on=date(2019, 7, 1),
        households=1,
        individuals=5,
    )
    chameshku.refresh_from_db()
    assert (chameshku.population_individuals, chameshku.population_households) == (27432, 5206)
    week = SiteWeek.objects.get(site=chameshku, week=date(2019, 7, 1))
    assert (week.arrivals_individuals, week.departures_individuals) == (57, 20)
    assert GovernorateWeek.objects.get(week=date(2019, 7, 1)).arrivals_households == 11


def test_a_movement_sent_twice_counts_once(personas: Personas, chameshku: Site) -> None:
    for _ in range(2):
        services.movement_record(
            actor=personas.omar.user,
            site=chameshku,
            kind="arrival",
            on=date(2020, 1, 2),
            households=2,
            individuals=9,
            key="uuid:0b1f",
        )
    chameshku.refresh_from_db()
    assert chameshku.population_individuals == 9


def test_more_people_leaving_than_the_site_holds_is_refused(
    personas: Personas, chameshku: Site
) -> None:
    with pytest.raises(services.SiteRuleBroken):
        services.movement_record(
            actor=personas.omar.user,
            site=chameshku,
            kind="departure",
            on=date(2020, 1, 2),
            households=1,
            individuals=3,
        )
    assert not SiteWeek.objects.exists()
