"""Weekly arrivals and departures, per site and per governorate or nationally, read from the
rollups the movement writes keep."""

from __future__ import annotations

from datetime import date

from nahrain.geo.models import AdminUnit
from nahrain.sites import selectors, services
from nahrain.sites.models import Site
from nahrain.testing.personas import Personas


def test_weeks_of_a_site_of_a_governorate_and_of_the_country(
    personas: Personas, chameshku: Site
) -> None:
    omar = personas.omar.user
    ninewa = AdminUnit.objects.get(pcode="IQG15")
    hasansham = services.site_create(
        actor=omar,
        organisation=personas.iom,
        code="IQ-NIN-HSU2",
        name_en="Hasansham U2",
        type="camp",
        admin_unit=ninewa,
    )
    services.movement_record(
        actor=omar,
        site=chameshku,
        kind="arrival",
        on=date(2024, 3, 5),
        households=4,
        individuals=20,
    )
    services.transfer_record(
        actor=omar,
        from_site=chameshku,
        to_site=hasansham,
        on=date(2024, 3, 7),
        households=1,
        individuals=6,
    )
    services.movement_record(
        actor=omar,
        site=hasansham,
        kind="arrival",
        on=date(2024, 3, 12),
        households=2,
        individuals=9,
    )
    [week] = selectors.site_weeks(user=personas.ahmed.user, site=chameshku)
    assert (week.week, week.arrivals_individuals, week.departures_individuals) == (
        date(2024, 3, 4),
        20,
        6,
    )
    national = selectors.area_weeks(user=personas.ahmed.user)
    assert [
        (w["week"], w["arrivals_individuals"], w["departures_individuals"]) for w in national
    ] == [
        (date(2024, 3, 4), 26, 6),
        (date(2024, 3, 11), 9, 0),
    ]
    in_ninewa = selectors.area_weeks(
        user=personas.ahmed.user, governorate=ninewa, since=date(2024, 3, 11)
    )
    assert [(w["week"], w["arrivals_households"]) for w in in_ninewa] == [(date(2024, 3, 11), 2)]
