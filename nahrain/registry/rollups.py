"""The registry's rollup (``RegistryFigure``): one row per organisation and place, kept by the
writes for the places they touched."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from nahrain.geo.models import AdminUnit
from nahrain.registry import codelists
from nahrain.registry.models import (
    Household,
    HouseholdStatus,
    Individual,
    MemberStatus,
    RegistryFigure,
)
from nahrain.sites.models import Site


def _governorate(unit: AdminUnit) -> AdminUnit:
    while unit.parent_id is not None and unit.level > 1:
        unit = AdminUnit.objects.get(pk=unit.parent_id)
    return unit


def places_refresh(
    *, organisation_id: Any, site_ids: Iterable[Any], admin_unit_ids: Iterable[Any]
) -> None:
    """Recount the organisation's figures of these sites and (out-of-camp) admin units."""
    today = timezone.localdate()
    for site_id in set(site_ids):
        households = Household.objects.filter(
            organisation_id=organisation_id, site_id=site_id, status=HouseholdStatus.ACTIVE
        )
        site = Site.objects.select_related("admin_unit").get(pk=site_id)
        _write(organisation_id, site, site.admin_unit, households, today)
    for unit_id in set(admin_unit_ids):
        households = Household.objects.filter(
            organisation_id=organisation_id,
            site__isnull=True,
            admin_unit_id=unit_id,
            status=HouseholdStatus.ACTIVE,
        )
        _write(organisation_id, None, AdminUnit.objects.get(pk=unit_id), households, today)


def _write(
    organisation_id: Any, site: Site | None, unit: AdminUnit, households: Any, today: Any
) -> None:
    counts: dict[str, int] = {}
    for household in households.only("vulnerabilities"):
        for code in household.vulnerabilities:
            counts[code] = counts.get(code, 0) + 1
    members = Individual.objects.filter(
        household__in=households, status=MemberStatus.ACTIVE
    ).prefetch_related("documents")
    individuals = 0
    for member in members:
        individuals += 1
        if member.born_on is not None:
            group = codelists.age_group(codelists.age_on(member.born_on, today))
            cell = f"{member.sex}_{group}"
            counts[cell] = counts.get(cell, 0) + 1
        for document in member.documents.all():
            if not document.held:
                counts[f"doc_{document.kind}"] = counts.get(f"doc_{document.kind}", 0) + 1
    RegistryFigure.objects.update_or_create(
        organisation_id=organisation_id,
        site=site,
        admin_unit=unit if site is None else site.admin_unit,
        defaults={
            "governorate": _governorate(unit),
            "households": households.count(),
            "individuals": individuals,
            "counts": counts,
            "as_of": today,
        },
    )
