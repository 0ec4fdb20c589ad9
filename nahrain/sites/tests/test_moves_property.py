"""Property: whatever sequence of figures, arrivals, departures and transfers two sites see, in
whatever order and on whatever days, each site's population equals its newest figure plus the
arrivals minus the departures dated after it, and its weeks equal its movements. A departure
that would take a site below zero is refused and leaves nothing behind."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nahrain.geo.models import AdminUnit
from nahrain.sites import services
from nahrain.sites.models import Movement, Site, SitePopulation, SiteWeek
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db

START = date(2024, 1, 1)
day = st.integers(0, 20).map(lambda n: START + timedelta(days=n))
count = st.integers(1, 30)
event = st.one_of(
    st.tuples(st.just("figure"), st.integers(0, 1), day, st.integers(0, 500)),
    st.tuples(st.sampled_from(("arrival", "departure")), st.integers(0, 1), day, count),
    st.tuples(st.just("transfer"), st.integers(0, 1), day, count),
)


def _expected(site: Site) -> int:
    """The rule, computed from the stored events alone."""
    base = SitePopulation.objects.filter(site=site).order_by("-on", "-pk").first()
    movements = Movement.objects.filter(site=site)
    total = 0
    if base is not None:
        movements = movements.filter(on__gt=base.on)
        total = base.individuals or 0
    for m in movements:
        total += m.individuals if m.kind == "arrival" else -m.individuals
    return total


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=st.lists(event, min_size=1, max_size=12))
def test_population_is_the_figure_plus_the_movements_since(
    personas: Personas, gazetteer: None, events: list[Any]
) -> None:
    with transaction.atomic():
        _replay(personas, events)
        transaction.set_rollback(True)


def _replay(personas: Personas, events: list[Any]) -> None:
    omar = personas.omar.user
    sites = [
        services.site_create(
            actor=omar,
            organisation=personas.iom,
            code=f"IQ-PROP-{n}",
            name_en=f"Property camp {n}",
            type="camp",
            admin_unit=AdminUnit.objects.get(pcode=pcode),
        )
        for n, pcode in enumerate(("IQG09", "IQG15"))
    ]
    for kind, index, on, number in events:
        try:
            with transaction.atomic():
                if kind == "figure":
                    services.population_record(
                        actor=omar, site=sites[index], on=on, source="headcount", individuals=number
                    )
                elif kind == "transfer":
                    services.transfer_record(
                        actor=omar,
                        from_site=sites[index],
                        to_site=sites[1 - index],
                        on=on,
                        households=number,
                        individuals=number,
                    )
                else:
                    services.movement_record(
                        actor=omar,
                        site=sites[index],
                        kind=kind,
                        on=on,
                        households=number,
                        individuals=number,
                    )
        except services.SiteRuleBroken:
            pass  # more leaving than the site holds: refused, and rolled back whole
        for site in sites:
            site.refresh_from_db()
            assert site.population_individuals == _expected(site) >= 0
            weeks = SiteWeek.objects.filter(site=site)
            arrived = sum(w.arrivals_individuals for w in weeks)
            left = sum(w.departures_individuals for w in weeks)
            movements = Movement.objects.filter(site=site)
            assert arrived == sum(m.individuals for m in movements if m.kind == "arrival")
            assert left == sum(m.individuals for m in movements if m.kind == "departure")


def test_a_corrected_figure_below_the_departures_since_is_refused(
    personas: Personas, chameshku: Site
) -> None:
    omar = personas.omar.user
    services.population_record(
        actor=omar, site=chameshku, on=START, source="headcount", individuals=100
    )
    services.movement_record(
        actor=omar,
        site=chameshku,
        kind="departure",
        on=START + timedelta(days=3),
        households=10,
        individuals=50,
    )
    with pytest.raises(services.SiteRuleBroken, match="More people left"):
        services.population_record(
            actor=omar, site=chameshku, on=START, source="headcount", individuals=40
        )
    chameshku.refresh_from_db()
    assert chameshku.population_individuals == 50
