"""The done-when: a site's population after arrivals, transfers and departures equals the
events' sum under concurrent writes. Real threads, each with its own connection, on PostgreSQL
(SQLite serialises writers): arrivals, departures and transfers in both directions between
sites of two governorates, and one idempotency key sent by several clients at once."""

from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Sum

from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit
from nahrain.sites import services
from nahrain.sites.models import GovernorateWeek, Movement, Site, SiteWeek
from nahrain.testing.personas import Personas

FIGURE = 10_000  # each site's headcount, in individuals; households are a fifth of it
HEADCOUNT_DAY = date(2024, 1, 1)
WORKERS = 12
EVENTS_PER_WORKER = 25
SAME_KEY_SENDERS = 6


def _sites(personas: Personas) -> list[Site]:
    # Two sites in Duhok and two in Ninewa: transfers cross governorates both ways.
    sites = []
    for n, pcode in enumerate(("IQG09", "IQG15", "IQG09", "IQG15")):
        site = services.site_create(
            actor=personas.omar.user,
            organisation=personas.iom,
            code=f"IQ-RACE-{n}",
            name_en=f"Race camp {n}",
            type="camp",
            admin_unit=AdminUnit.objects.get(pcode=pcode),
            status_on=date(2020, 1, 1),
        )
        services.population_record(
            actor=personas.omar.user,
            site=site,
            on=HEADCOUNT_DAY,
            source="headcount",
            individuals=FIGURE,
            households=FIGURE // 5,
        )
        sites.append(site)
    return sites


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_movements_and_transfers_sum_up(personas: Personas) -> None:
    geo_services.gazetteer_load()
    sites = _sites(personas)
    omar = personas.omar.user
    rng = random.Random(14)
    # Each worker's events, drawn up front so that the expected sums do not depend on timing:
    # ("arrival" | "departure", site index, None, day, households) or ("transfer", from, to, ...).
    plans = [
        [
            (
                rng.choice(("arrival", "departure", "transfer")),
                rng.randrange(4),
                rng.randrange(4),
                HEADCOUNT_DAY + timedelta(days=rng.randrange(1, 15)),
                rng.randrange(1, 4),
            )
            for _ in range(EVENTS_PER_WORKER)
        ]
        for _ in range(WORKERS)
    ]
    barrier = threading.Barrier(WORKERS + SAME_KEY_SENDERS)

    def work(index: int) -> str:
        try:
            barrier.wait(timeout=30)
            if index >= WORKERS:  # the same form instance, sent by several clients at once
                services.movement_record(
                    actor=omar,
                    site=sites[0],
                    kind="arrival",
                    on=date(2024, 1, 3),
                    households=7,
                    individuals=30,
                    key="uuid:same-instance",
                )
                return "ok"
            for kind, a, b, day, households in plans[index]:
                if kind == "transfer":
                    if a == b:
                        b = (a + 1) % 4
                    services.transfer_record(
                        actor=omar,
                        from_site=sites[a],
                        to_site=sites[b],
                        on=day,
                        households=households,
                        individuals=households * 5,
                    )
                else:
                    services.movement_record(
                        actor=omar,
                        site=sites[a],
                        kind=kind,
                        on=day,
                        households=households,
                        individuals=households * 5,
                    )
            return "ok"
        except Exception as failed:  # the test reports what went wrong, not a thread trace
            return repr(failed)
        finally:
            connection.close()

    with ThreadPoolExecutor(WORKERS + SAME_KEY_SENDERS) as pool:
        outcomes = list(pool.map(work, range(WORKERS + SAME_KEY_SENDERS)))
    assert outcomes == ["ok"] * len(outcomes)  # no deadlock, no refused write

    # The expected sums, from the plans alone.
    # The key sent six times counts once: 7 households, 30 people.
    change, people = Counter({0: 7}), Counter({0: 30})
    for plan in plans:
        for kind, a, b, _day, households in plan:
            if kind == "transfer":
                b = (a + 1) % 4 if a == b else b
                change[a] -= households
                change[b] += households
            else:
                change[a] += households if kind == "arrival" else -households
    for n in range(4):
        people[n] += 5 * (change[n] - (7 if n == 0 else 0))
    assert Movement.objects.filter(key="uuid:same-instance").count() == 1
    for n, site in enumerate(sites):
        site.refresh_from_db()
        assert site.population_households == FIGURE // 5 + change[n]
        assert site.population_individuals == FIGURE + people[n]
    for site in sites:
        # The site's weeks equal its movements, week by week.
        movements = Movement.objects.filter(site=site)
        for week in SiteWeek.objects.filter(site=site):
            in_week = movements.filter(on__gte=week.week, on__lt=week.week + timedelta(days=7))
            arrived = in_week.filter(kind="arrival").aggregate(h=Sum("households"))["h"] or 0
            left = in_week.filter(kind="departure").aggregate(h=Sum("households"))["h"] or 0
            assert (week.arrivals_households, week.departures_households) == (arrived, left)
        total = SiteWeek.objects.filter(site=site).aggregate(
            a=Sum("arrivals_individuals"), d=Sum("departures_individuals")
        )
        site_movements = movements.aggregate(i=Sum("individuals"))["i"]
        assert total["a"] + total["d"] == site_movements
    for governorate in GovernorateWeek.objects.values_list("governorate", flat=True).distinct():
        for area_week in GovernorateWeek.objects.filter(governorate=governorate):
            sums = SiteWeek.objects.filter(
                site__governorate=governorate, week=area_week.week
            ).aggregate(a=Sum("arrivals_households"), d=Sum("departures_households"))
            assert (area_week.arrivals_households, area_week.departures_households) == (
                sums["a"],
                sums["d"],
            )
