"""Shelter units and their occupancy: the site's unit counts follow every allocation, transfer
and vacating in the same transaction; a unit holds one household at a time."""

from __future__ import annotations

from datetime import date

import pytest

from nahrain.sites import selectors, services
from nahrain.sites.models import Allocation, Site
from nahrain.testing.personas import Personas


def _counts(site: Site) -> tuple[int, int, int]:
    site.refresh_from_db()
    return site.units_total, site.units_occupied, site.units_unusable


def test_allocate_transfer_vacate_keep_the_counts(personas: Personas, chameshku: Site) -> None:
    omar = personas.omar.user
    tents = services.units_create(
        actor=omar, site=chameshku, kind="tent", block="B", codes=services.unit_codes(1, 120)
    )
    [caravan] = services.units_create(actor=omar, site=chameshku, kind="caravan", codes=["C1"])
    assert _counts(chameshku) == (121, 0, 0)

    first = services.allocation_create(
        actor=omar, unit=tents[0], start=date(2024, 1, 5), individuals=6, household="CHM-0001"
    )
    services.allocation_create(actor=omar, unit=tents[1], start=date(2024, 1, 5), individuals=4)
    assert _counts(chameshku) == (121, 2, 0)

    moved = services.allocation_transfer(
        actor=omar, allocation=first, to_unit=caravan, on=date(2024, 3, 1)
    )
    assert (moved.household, moved.individuals) == ("CHM-0001", 6)
    first.refresh_from_db()
    assert (first.end, first.ended_by) == (date(2024, 3, 1), "transfer")
    assert _counts(chameshku) == (121, 2, 0)
    tents[0].refresh_from_db()
    assert not tents[0].occupied

    services.allocation_end(
        actor=omar, allocation=moved, end=date(2024, 6, 1), ended_by="departure"
    )
    services.unit_update(actor=omar, unit=tents[5], condition="destroyed")
    assert _counts(chameshku) == (121, 1, 1)

    summary = {
        (r.kind, r.condition): (r.total, r.vacant)
        for r in selectors.site_units_summary(user=personas.ahmed.user, site=chameshku)
    }
    assert summary == {
        ("caravan", "good"): (1, 1),
        ("tent", "destroyed"): (1, 1),
        ("tent", "good"): (119, 118),
    }


def test_a_second_open_allocation_in_a_unit_is_refused(personas: Personas, chameshku: Site) -> None:
    omar = personas.omar.user
    [tent] = services.units_create(actor=omar, site=chameshku, kind="tent", codes=["7"])
    services.allocation_create(actor=omar, unit=tent, start=date(2024, 1, 5), individuals=5)
    with pytest.raises(services.SiteRuleBroken, match="occupied"):
        services.allocation_create(actor=omar, unit=tent, start=date(2024, 2, 1), individuals=3)
    assert Allocation.objects.filter(unit=tent).count() == 1
    assert _counts(chameshku) == (1, 1, 0)


def test_a_block_code_given_twice_is_refused(personas: Personas, chameshku: Site) -> None:
    omar = personas.omar.user
    services.units_create(actor=omar, site=chameshku, kind="tent", block="A", codes=["1", "2"])
    with pytest.raises(services.SiteRuleBroken, match="already has units 2"):
        services.units_create(
            actor=omar, site=chameshku, kind="tent", block="A", codes=services.unit_codes(2, 4)
        )
    assert _counts(chameshku) == (2, 0, 0)


def test_households_are_read_only_by_the_sites_staff(personas: Personas, chameshku: Site) -> None:
    omar = personas.omar.user
    [tent] = services.units_create(actor=omar, site=chameshku, kind="tent", codes=["1"])
    services.allocation_create(
        actor=omar, unit=tent, start=date(2024, 1, 5), individuals=5, household="CHM-9"
    )
    assert [
        a.household for a in selectors.site_allocations(user=omar, site=chameshku).values()
    ] == ["CHM-9"]
    assert selectors.site_allocations(user=personas.ahmed.user, site=chameshku) == {}
