"""Figures of displacement, read from the rollup tables (never by scanning the facts).

Every function takes a round the caller was let into by ``access.access_round_by_uid`` (or the
caller, for lists), so nothing here can show a draft to someone who may not see it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet, Sum

from nahrain.core.access import AnyUser
from nahrain.core.models import Membership, Role
from nahrain.displacement.models import (
    AssessmentRound,
    CodeItem,
    LocationAssessment,
    MovementEvent,
    Rollup,
    RoundStatus,
)
from nahrain.geo.models import AdminUnit, Location


def round_list(*, user: AnyUser) -> QuerySet[AssessmentRound]:
    """Published rounds, and the drafts of organisations the user is an information manager of."""
    if not user.is_authenticated:
        return AssessmentRound.objects.none()
    managed = Membership.objects.filter(user_id=user.pk, role=Role.INFORMATION_MANAGER).values(
        "organisation_id"
    )
    return (
        AssessmentRound.objects.filter(
            Q(status=RoundStatus.PUBLISHED) | Q(organisation_id__in=managed)
        )
        .select_related("organisation")
        .order_by("-reference_date", "-number", "-version")
    )


def round_latest_published(*, user: AnyUser) -> AssessmentRound | None:
    """The newest published round that no published correction replaces."""
    return (
        round_list(user=user)
        .filter(status=RoundStatus.PUBLISHED)
        .exclude(replaced_by__status=RoundStatus.PUBLISHED)
        .first()
    )


@dataclass(frozen=True)
class Figure:
    pcode: str
    name_en: str
    name_ar: str
    level: int
    population: str
    category: str
    households: int
    individuals: int
    locations: int

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _rollups(
    assessment_round: AssessmentRound,
    *,
    dimension: str,
    level: int,
    population: str | None,
    within: AdminUnit | None,
) -> QuerySet[Rollup]:
    rows = Rollup.objects.filter(round=assessment_round, dimension=dimension, level=level)
    if population:
        rows = rows.filter(population=population)
    if within is not None and within.level < level:
        depth = level - within.level
        path = "unit__" + "__".join(["parent"] * depth)
        rows = rows.filter(**{path: within})
    elif within is not None:
        rows = rows.filter(unit=within)
    # Boundaries are megabytes of JSON: never load them to print a name.
    return (
        rows.select_related("unit")
        .defer("unit__geometry")
        .order_by("-individuals", "unit__pcode", "category")
    )


def _rollup_rows(
    assessment_round: AssessmentRound,
    *,
    columns: str,
    dimension: str,
    level: int,
    population: str | None,
    within: AdminUnit | None,
) -> list[tuple[Any, ...]]:
    """Rollup rows (``r``) joined to their unit (``u``) in one hand-written statement: the same
    filter and order as ``_rollups``, without building model instances, as dashboards call this
    for every figure they draw (see docs/PERFORMANCE.md)."""
    rollup, unit = Rollup._meta.db_table, AdminUnit._meta.db_table
    joins = f"JOIN {unit} u ON u.id = r.unit_id"
    where = ["r.round_id = %s", "r.dimension = %s", "r.level = %s"]
    params: list[Any] = [assessment_round.pk, dimension, level]
    if population:
        where.append("r.population = %s")
        params.append(population)
    if within is not None and within.level < level:
        alias = "u"
        for depth in range(1, level - within.level + 1):
            joins += f" JOIN {unit} p{depth} ON p{depth}.id = {alias}.parent_id"
            alias = f"p{depth}"
        where.append(f"{alias}.id = %s")
        params.append(within.pk)
    elif within is not None:
        where.append("r.unit_id = %s")
        params.append(within.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {rollup} r {joins} WHERE {' AND '.join(where)} "  # noqa: S608
            "ORDER BY r.individuals DESC, u.pcode, r.category",
            params,
        )
        return list(cursor.fetchall())


def figures(
    *,
    assessment_round: AssessmentRound,
    level: int = 0,
    dimension: str = "total",
    population: str | None = None,
    within: AdminUnit | None = None,
) -> list[Figure]:
    """Households, individuals and locations per unit of ``level`` (optionally inside a unit),
    as totals or broken down by ``dimension`` (shelter, shelter_group, period, origin)."""
    rows = _rollup_rows(
        assessment_round,
        columns="u.pcode, u.name_en, u.name_ar, r.level, r.population, r.category, "
        "r.households, r.individuals, r.locations",
        dimension=dimension,
        level=level,
        population=population,
        within=within,
    )
    return [Figure(*row) for row in rows]


def totals(
    *, assessment_round: AssessmentRound, within: AdminUnit | None = None
) -> dict[str, dict[str, int]]:
    """Population type -> households, individuals, locations, for the country or one unit."""
    level = within.level if within is not None else 0
    result: dict[str, dict[str, int]] = {}
    for population, households, individuals, locations in _rollup_rows(
        assessment_round,
        columns="r.population, r.households, r.individuals, r.locations",
        dimension="total",
        level=level,
        population=None,
        within=within,
    ):
        bucket = result.setdefault(population, {"households": 0, "individuals": 0, "locations": 0})
        bucket["households"] += households
        bucket["individuals"] += individuals
        bucket["locations"] += locations
    return result


def location_figures(
    *,
    assessment_round: AssessmentRound,
    population: str | None = None,
    within: AdminUnit | None = None,
) -> QuerySet[LocationAssessment]:
    """Per-location figures of a round (a round holds a few thousand), with the place."""
    # The admin units are a hundred or so shared by thousands of rows: prefetched, each is
    # built once instead of once a row (and never with its boundary).
    units = AdminUnit.objects.defer("geometry")
    rows = (
        LocationAssessment.objects.filter(round=assessment_round)
        .select_related("location")
        .prefetch_related(
            Prefetch("adm1", queryset=units),
            Prefetch("adm2", queryset=units),
            Prefetch("adm3", queryset=units),
        )
    )
    if population:
        rows = rows.filter(population=population)
    if within is not None and within.level in (1, 2, 3):
        rows = rows.filter(**{f"adm{within.level}": within})
    return rows.order_by("-individuals", "location__external_id")


def series(
    *, user: AnyUser, within: AdminUnit | None = None, organisation_id: Any = None
) -> list[dict[str, Any]]:
    """Individuals and households per population across every round the user may see
    (the current version of each), for the country or one unit."""
    # A round drops out only for a correction the caller can see: a viewer keeps the published
    # original while its correction is still a draft. The visibility rule is round_list's,
    # written out in SQL so that the series costs one statement.
    if not user.is_authenticated:
        return []
    rounds, rollup = AssessmentRound._meta.db_table, Rollup._meta.db_table
    managed = (
        f"SELECT organisation_id FROM {Membership._meta.db_table} "  # noqa: S608
        "WHERE user_id = %s AND role = %s"
    )
    visible = f"(v.status = %s OR v.organisation_id IN ({managed}))"
    replaced = (
        f"EXISTS (SELECT 1 FROM {rounds} c WHERE c.replaces_id = v.id "  # noqa: S608
        f"AND {visible.replace('v.', 'c.')})"
    )
    visible_params = [RoundStatus.PUBLISHED, user.pk, Role.INFORMATION_MANAGER]
    where = [f"{visible}", f"NOT {replaced}"]
    params: list[Any] = [*visible_params, *visible_params]
    if organisation_id is not None:
        where.append("v.organisation_id = %s")
        params.append(organisation_id)
    level = within.level if within is not None else 0
    unit_filter = ""
    if within is not None:
        unit_filter = " AND r.unit_id = %s"
        params.append(within.pk)
    # The rounds are chosen first and the rollups read through their index: joining first
    # would have the planner scan every total of every round.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rd.number, rd.reference_date, rd.uid, r.population, "  # noqa: S608
            f"SUM(r.households), SUM(r.individuals) FROM {rollup} r "
            f"JOIN {rounds} rd ON rd.id = r.round_id "
            f"WHERE r.round_id IN (SELECT v.id FROM {rounds} v WHERE {' AND '.join(where)}) "
            f"AND r.dimension = 'total' AND r.level = {int(level)}{unit_filter} "
            "GROUP BY rd.id, rd.number, rd.reference_date, rd.uid, r.population "
            "ORDER BY rd.reference_date, rd.number, rd.id, r.population",
            params,
        )
        rows = cursor.fetchall()
    uid = AssessmentRound._meta.get_field("uid")
    day = AssessmentRound._meta.get_field("reference_date")
    return [
        {
            "round": number,
            "round_uid": str(uid.to_python(round_uid)),
            "date": day.to_python(reference_date),
            "population": population,
            "households": int(households),
            "individuals": int(individuals),
        }
        for number, reference_date, round_uid, population, households, individuals in rows
    ]


def round_compare(
    *,
    base: AssessmentRound,
    other: AssessmentRound,
    level: int = 1,
    population: str | None = None,
) -> dict[str, Any]:
    """Change per unit between two rounds, and the locations that appeared or emptied."""

    def by_unit(r: AssessmentRound) -> dict[tuple[str, str], tuple[int, int, str]]:
        return {
            (f.pcode, f.population): (f.households, f.individuals, f.name_en)
            for f in figures(assessment_round=r, level=level, population=population)
        }

    before, after = by_unit(base), by_unit(other)
    units = []
    for key in sorted(set(before) | set(after)):
        b = before.get(key, (0, 0, ""))
        a = after.get(key, (0, 0, ""))
        units.append(
            {
                "pcode": key[0],
                "name_en": a[2] or b[2],
                "population": key[1],
                "households_before": b[0],
                "households_after": a[0],
                "individuals_before": b[1],
                "individuals_after": a[1],
                "individuals_change": a[1] - b[1],
            }
        )

    # Locations that appeared or emptied, found by the database: one row per such location
    # instead of every location of both rounds.
    assessment, location = LocationAssessment._meta.db_table, Location._meta.db_table
    population_filter = " AND population = %s" if population else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.external_id, x.population, x.before, x.after FROM ("  # noqa: S608
            f"SELECT location_id, population, "
            f"SUM(CASE WHEN round_id = %s THEN individuals ELSE 0 END) AS before, "
            f"SUM(CASE WHEN round_id = %s THEN individuals ELSE 0 END) AS after "
            f"FROM {assessment} WHERE round_id IN (%s, %s){population_filter} "
            f"GROUP BY location_id, population) x JOIN {location} l ON l.id = x.location_id "
            f"WHERE (x.before = 0) <> (x.after = 0)",
            [base.pk, other.pk, base.pk, other.pk, *([population] if population else [])],
        )
        changed = cursor.fetchall()
    appeared = sorted((ext, pop) for ext, pop, before, after in changed if after and not before)
    emptied = sorted((ext, pop) for ext, pop, before, after in changed if before and not after)
    return {
        "base": str(base.uid),
        "other": str(other.uid),
        "level": level,
        "units": units,
        "appeared": [{"place_id": p, "population": pop} for p, pop in appeared],
        "emptied": [{"place_id": p, "population": pop} for p, pop in emptied],
    }


def flow_matrix(
    *, assessment_round: AssessmentRound, population: str = "idp"
) -> dict[str, dict[str, int]]:
    """Individuals by governorate of origin (rows) and current governorate (columns)."""
    matrix: dict[str, dict[str, int]] = defaultdict(dict)
    rows = _rollup_rows(
        assessment_round,
        columns="r.category, u.pcode, r.individuals",
        dimension="origin",
        level=1,
        population=population,
        within=None,
    )
    for origin, current, individuals in rows:
        matrix[origin][current] = individuals
    return dict(matrix)


def code_labels(*, kind: str) -> dict[str, CodeItem]:
    """Code -> item for every version of a code list kind (codes are stable across versions)."""
    labels: dict[str, CodeItem] = {}
    for item in CodeItem.objects.filter(code_list__kind=kind).order_by("code_list__first_round"):
        labels[item.code] = item
    return labels


def movement_totals(
    *, user: AnyUser, event: str | None = None, level: int = 1
) -> list[dict[str, Any]]:
    """Households and individuals arriving and leaving, per event and area (emergency tracking)."""
    if not user.is_authenticated:
        return []
    rows = MovementEvent.objects.all()
    if event:
        rows = rows.filter(event=event)
    unit_field = "adm1" if level == 1 else "adm2"
    aggregated = (
        rows.values(
            "event", f"{unit_field}__pcode", f"{unit_field}__name_en", "direction", "population"
        )
        .annotate(households=Sum("households"), individuals=Sum("individuals"))
        .order_by("event", f"{unit_field}__pcode", "direction")
    )
    return [
        {
            "event": r["event"],
            "pcode": r[f"{unit_field}__pcode"],
            "name_en": r[f"{unit_field}__name_en"],
            "direction": r["direction"],
            "population": r["population"],
            "households": r["households"],
            "individuals": r["individuals"],
        }
        for r in aggregated
    ]
