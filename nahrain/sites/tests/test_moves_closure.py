"""A closure as planned against what happened: departures by destination, households still on
the site, days late."""

from __future__ import annotations

from datetime import date

import pytest

from nahrain.sites import selectors, services
from nahrain.sites.models import Site
from nahrain.testing.personas import Personas


def test_closure_plan_against_actual(personas: Personas, chameshku: Site) -> None:
    omar = personas.omar.user
    services.population_record(
        actor=omar,
        site=chameshku,
        on=date(2023, 1, 1),
        source="headcount",
        individuals=600,
        households=100,
    )
    closure = services.closure_create(
        actor=omar,
        site=chameshku,
        announced_on=date(2023, 3, 1),
        planned_on=date(2023, 4, 30),
        households=100,
        intentions={"area_of_origin": 70, "another_site": 20},
    )
    for on, households, place in (
        (date(2023, 4, 2), 50, "area_of_origin"),
        (date(2023, 4, 20), 30, "out_of_camp"),
        (date(2023, 5, 10), 15, "another_site"),
    ):
        services.movement_record(
            actor=omar,
            site=chameshku,
            kind="departure",
            on=on,
            households=households,
            individuals=households * 6,
            place=place,
            closure=closure,
        )
    # A departure not linked to the closure does not count in its outcome.
    services.movement_record(
        actor=omar,
        site=chameshku,
        kind="departure",
        on=date(2023, 5, 12),
        households=1,
        individuals=6,
    )
    chameshku.refresh_from_db()
    outcome = selectors.closure_outcome(
        user=personas.ahmed.user, closure=closure, today=date(2023, 5, 20)
    )
    assert outcome.departed == {"area_of_origin": 50, "out_of_camp": 30, "another_site": 15}
    assert (outcome.departed_households, outcome.departed_individuals) == (95, 570)
    assert outcome.still_on_site == 4
    assert outcome.days_late == 20  # households still there on 20 May
    assert outcome.last_departure == date(2023, 5, 10)
    rows = {code: (planned, done) for code, _label, planned, done in outcome.rows}
    assert rows["area_of_origin"] == (70, 50) and rows["unknown"] == (0, 0)

    # Recording the last departures does not close the site; closing it dates the lateness.
    services.movement_record(
        actor=omar,
        site=chameshku,
        kind="departure",
        on=date(2023, 5, 25),
        households=4,
        individuals=24,
        closure=closure,
    )
    chameshku.refresh_from_db()
    assert chameshku.status == "open"
    services.site_status_set(actor=omar, site=chameshku, status="closed", on=date(2023, 6, 1))
    chameshku.refresh_from_db()
    outcome = selectors.closure_outcome(user=omar, closure=closure, today=date(2024, 1, 1))
    assert (outcome.closed_on, outcome.days_late, outcome.still_on_site) == (
        date(2023, 6, 1),
        32,
        0,
    )


def test_cancelled_closure_takes_no_departures(personas: Personas, chameshku: Site) -> None:
    omar = personas.omar.user
    closure = services.closure_create(
        actor=omar,
        site=chameshku,
        announced_on=date(2023, 3, 1),
        planned_on=date(2023, 4, 30),
        households=10,
    )
    services.closure_cancel(actor=omar, closure=closure, on=date(2023, 3, 15))
    with pytest.raises(services.SiteRuleBroken, match="cancelled"):
        services.movement_record(
            actor=omar,
            site=chameshku,
            kind="departure",
            on=date(2023, 4, 1),
            households=1,
            individuals=1,
            closure=closure,
        )


def test_intentions_beyond_the_households_are_refused(personas: Personas, chameshku: Site) -> None:
    with pytest.raises(services.SiteRuleBroken):
        services.closure_create(
            actor=personas.omar.user,
            site=chameshku,
            announced_on=date(2023, 3, 1),
            planned_on=date(2023, 4, 30),
            households=10,
            intentions={"area_of_origin": 11},
        )
