"""The registry's rollup (``RegistryFigure``): one row per organisation and place, kept by the
writes for the places they touched, and recounted daily (``registry_refresh``) because people
move between age groups on their birthdays.

Every place is counted at once, in the database: one aggregate over the households, one over the
members and one over the missing documents, grouped by place, whatever the number of places. A
place where nobody of the organisation lives any more loses its row.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from nahrain.geo.models import AdminUnit
from nahrain.registry import codelists
from nahrain.registry.models import (
    Household,
    HouseholdStatus,
    MemberStatus,
    RegistryFigure,
)
from nahrain.sites.models import Site

# A place of the rollup: ("site", site id) or ("unit", admin unit id) for households out of camp.
Place = tuple[str, Any]
# The cell of people whose date of birth is not known, by sex: kept so that the sex and age
# cells add up to the individuals.
AGE_UNKNOWN = "unknown"
FIGURE_FIELDS = ["admin_unit", "governorate", "households", "individuals", "counts", "as_of"]


def places_refresh(
    *, organisation_id: Any, site_ids: Iterable[Any], admin_unit_ids: Iterable[Any]
) -> None:
    """Recount the organisation's figures of these sites and (out-of-camp) admin units."""
    sites, units = set(site_ids), set(admin_unit_ids)
    if not sites and not units:
        return
    today = timezone.localdate()
    households = Household.objects.filter(
        _of_places("", sites, units),
        organisation_id=organisation_id,
        status=HouseholdStatus.ACTIVE,
    )
    # Members and documents are counted from the households, down their foreign keys (indexed):
    # driven from the people, with the places' conditions on the joined households, PostgreSQL
    # chose nested loops that took seconds for a few thousand people.
    counts: dict[Place, dict[str, int]] = {}
    _households_count(households, counts)
    _members_count(households, today, counts)
    _documents_count(households, counts)
    with transaction.atomic():
        _write(organisation_id, sites, units, counts, today)


def registry_refresh(*, organisation_id: Any = None) -> int:
    """Recount every place of every organisation's registry (or of one organisation) as of
    today: the places that have a row and the places where active households live. Returns
    how many places were counted."""
    figures = RegistryFigure.objects.all()
    households = Household.objects.filter(status=HouseholdStatus.ACTIVE)
    if organisation_id is not None:
        figures = figures.filter(organisation_id=organisation_id)
        households = households.filter(organisation_id=organisation_id)
    places: dict[Any, tuple[set[Any], set[Any]]] = {}
    rows = figures.values_list("organisation_id", "site_id", "admin_unit_id")
    lived = households.values_list("organisation_id", "site_id", "admin_unit_id").distinct()
    for organisation, site_id, unit_id in [*rows, *lived]:
        sites, units = places.setdefault(organisation, (set(), set()))
        if site_id is not None:
            sites.add(site_id)
        elif unit_id is not None:
            units.add(unit_id)
    for organisation, (sites, units) in places.items():
        places_refresh(organisation_id=organisation, site_ids=sites, admin_unit_ids=units)
    return sum(len(sites) + len(units) for sites, units in places.values())


# --- the counts ------------------------------------------------------------------------------


def _of_places(path: str, sites: set[Any], units: set[Any]) -> Q:
    """Households (reached by ``path``) living in these sites or, out of camp, these units."""
    return Q(**{f"{path}site_id__in": sites}) | Q(
        **{f"{path}site__isnull": True, f"{path}admin_unit_id__in": units}
    )


def _place(site_id: Any, unit_id: Any) -> Place:
    return ("site", site_id) if site_id is not None else ("unit", unit_id)


def _add(counts: dict[Place, dict[str, int]], place: Place, cells: dict[str, int]) -> None:
    into = counts.setdefault(place, {})
    for cell, value in cells.items():
        if value:
            into[cell] = into.get(cell, 0) + value


def _households_count(households: Any, counts: dict[Place, dict[str, int]]) -> None:
    """Households and, for each vulnerability, the households that have it: the codes are
    counted in the list's JSON text (``"disability"`` with its quotes), which PostgreSQL and
    SQLite both read."""
    cells = {"households": Count("pk")}
    for code in codelists.codes("vulnerabilities"):
        cells[code] = Count("pk", filter=Q(vulnerabilities_text__contains=f'"{code}"'))
    rows = (
        households.annotate(vulnerabilities_text=Cast("vulnerabilities", TextField()))
        .values("site_id", "admin_unit_id")
        .annotate(**cells)
        .order_by()
    )
    for row in rows:
        _add(counts, _place(row.pop("site_id"), row.pop("admin_unit_id")), row)


def born_by(today: date, years: int) -> date:
    """The latest date of birth of someone ``years`` old or older today (someone born on 29
    February turns a year older on 1 March in other years, as ``codelists.age_on`` counts)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February, counted back to a year without one
        return today.replace(year=today.year - years, day=28)


def _members_count(households: Any, today: date, counts: dict[Place, dict[str, int]]) -> None:
    """Individuals by sex and age group as of today: each group is a range of dates of birth,
    so one aggregate counts every cell."""
    active = Q(members__status=MemberStatus.ACTIVE)
    cells = {"individuals": Count("members", filter=active)}
    for sex in ("f", "m"):
        for low, high in codelists.threshold("age_groups"):
            group = active & Q(members__sex=sex, members__born_on__lte=born_by(today, low))
            if high is not None:
                group &= Q(members__born_on__gt=born_by(today, high + 1))
            name = str(low) if high is None else f"{low}_{high}"
            cells[f"{sex}_{name}"] = Count("members", filter=group)
        unknown = active & Q(members__sex=sex, members__born_on__isnull=True)
        cells[f"{sex}_{AGE_UNKNOWN}"] = Count("members", filter=unknown)
    rows = households.values("site_id", "admin_unit_id").annotate(**cells).order_by()
    for row in rows:
        _add(counts, _place(row.pop("site_id"), row.pop("admin_unit_id")), row)


def _documents_count(households: Any, counts: dict[Place, dict[str, int]]) -> None:
    rows = (
        households.filter(members__status=MemberStatus.ACTIVE, members__documents__held=False)
        .values("site_id", "admin_unit_id", "members__documents__kind")
        .annotate(missing=Count("members__documents"))
        .order_by()
    )
    for row in rows:
        cells = {f"doc_{row['members__documents__kind']}": row["missing"]}
        _add(counts, _place(row["site_id"], row["admin_unit_id"]), cells)


# --- the rows --------------------------------------------------------------------------------


def _governorates(unit_ids: set[Any]) -> dict[Any, Any]:
    """Each admin unit's governorate (the unit itself above governorate level), a query per
    level climbed rather than per unit."""
    parents: dict[Any, tuple[int, Any]] = {}
    wanted = set(unit_ids)
    while wanted:
        found = AdminUnit.objects.filter(pk__in=wanted).values_list("pk", "level", "parent_id")
        for pk, level, parent_id in found:
            parents[pk] = (level, parent_id)
        wanted = {
            parent
            for level, parent in (parents[pk] for pk in wanted if pk in parents)
            if level > 1 and parent is not None and parent not in parents
        }
    governorates = {}
    for unit_id in unit_ids:
        at = unit_id
        while parents[at][0] > 1 and parents[at][1] is not None:
            at = parents[at][1]
        governorates[unit_id] = at
    return governorates


def _write(
    organisation_id: Any,
    sites: set[Any],
    units: set[Any],
    counts: dict[Place, dict[str, int]],
    today: date,
) -> None:
    site_units = dict(
        Site.objects.filter(pk__in=sites).order_by().values_list("pk", "admin_unit_id")
    )
    governorates = _governorates({*site_units.values(), *units})
    existing = {
        _place(figure.site_id, figure.admin_unit_id): figure
        for figure in RegistryFigure.objects.filter(
            _of_places("", sites, units),
            organisation_id=organisation_id,
        )
    }
    changed, created, emptied = [], [], []
    for place in [("site", s) for s in sites] + [("unit", u) for u in units]:
        cells = counts.get(place, {})
        figure = existing.get(place)
        if not cells.get("households"):
            if figure is not None:
                emptied.append(figure.pk)
            continue
        unit_id = site_units[place[1]] if place[0] == "site" else place[1]
        values = {
            "admin_unit_id": unit_id,
            "governorate_id": governorates[unit_id],
            "households": cells["households"],
            "individuals": cells.get("individuals", 0),
            "counts": cells,
            "as_of": today,
        }
        if figure is None:
            created.append(
                RegistryFigure(
                    organisation_id=organisation_id,
                    site_id=place[1] if place[0] == "site" else None,
                    **values,
                )
            )
        else:
            for name, value in values.items():
                setattr(figure, name, value)
            changed.append(figure)
    RegistryFigure.objects.filter(pk__in=emptied).delete()
    RegistryFigure.objects.bulk_update(changed, FIGURE_FIELDS)
    RegistryFigure.objects.bulk_create(created)
