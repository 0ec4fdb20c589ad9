"""Figures of displacement, read from the rollup tables (never by scanning the facts).

Every function takes a round the caller was let into by ``access.access_round_by_uid`` (or the
caller, for lists), so nothing here can show a draft to someone who may not see it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, overload

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from nahrain.core.access import AnyUser
from nahrain.displacement import access
from nahrain.displacement.models import (
    AssessmentRound,
    Breakdown,
    CodeItem,
    LocationAssessment,
    MovementEvent,
    Rollup,
    RoundStatus,
)
from nahrain.geo.models import AdminUnit, Location

NEWEST_FIRST = ("-reference_date", "-number", "-version")


def round_list(*, user: AnyUser) -> QuerySet[AssessmentRound]:
    """Every round the user may open (every version), newest first."""
    return access.rounds_visible(user).select_related("organisation").order_by(*NEWEST_FIRST)


def round_current_list(
    *, user: AnyUser, picked: AssessmentRound | None = None
) -> list[AssessmentRound]:
    """The rounds a published view shows (newest first), with ``picked`` in the place of the
    version it corrects (see ``access.rounds_current``)."""
    return list(
        access.rounds_current(user, picked=picked)
        .select_related("organisation")
        .order_by(*NEWEST_FIRST)
    )


def round_latest_published(*, user: AnyUser) -> AssessmentRound | None:
    """The newest round of the published views (never a draft, never a draft correction)."""
    return (
        access.rounds_current(user).select_related("organisation").order_by(*NEWEST_FIRST).first()
    )


def round_choices(*, user: AnyUser, picked: AssessmentRound | None = None) -> list[AssessmentRound]:
    """What a round picker offers: the rounds of the published views, and the rounds not yet
    published the user may open (an information manager's drafts and draft corrections), which
    are only ever shown when picked."""
    unpublished = access.rounds_visible(user).exclude(status=RoundStatus.PUBLISHED)
    return list(
        (access.rounds_current(user, picked=picked) | unpublished)
        .select_related("organisation")
        .order_by(*NEWEST_FIRST)
    )


def unit_by_pcode(pcode: str) -> AdminUnit | None:
    """The unit a ``within=`` names, p-codes read in any case (``iqg09`` is ``IQG09``), without
    its boundary (megabytes of JSON; a figure query needs only the unit's key)."""
    return AdminUnit.objects.defer("geometry").filter(pcode=pcode.strip().upper()).first()


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


def _rollup_rows(
    assessment_round: AssessmentRound,
    *,
    columns: str,
    dimension: str,
    level: int,
    population: str | None,
    within: AdminUnit | None,
) -> list[tuple[Any, ...]]:
    """Rollup rows (``r``) joined to their unit (``u``) in one hand-written statement (a level
    inside ``within``, or ``within`` itself), ordered by individuals, without building model
    instances, as dashboards call this for every figure they draw (see docs/PERFORMANCE.md)."""
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


@dataclass
class PopulationChange:
    """One population's national totals in a round and in the round before it."""

    population: str
    households: int
    individuals: int
    previous_households: int | None
    previous_individuals: int | None

    @property
    def change(self) -> int | None:
        """Individuals gained (or lost, below zero) since the previous round."""
        if self.previous_individuals is None:
            return None
        return self.individuals - self.previous_individuals


@dataclass
class Publication:
    """What publishing a round would change, and what makes it look like a duplicate."""

    round: AssessmentRound
    previous: AssessmentRound | None
    changes: list[PopulationChange]
    same_date: list[AssessmentRound]
    same_totals: list[AssessmentRound]


def _national(round_ids: list[int]) -> dict[int, dict[str, tuple[int, int]]]:
    """Round id -> population -> (households, individuals), from the country rollup rows."""
    found: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for round_id, population, households, individuals in Rollup.objects.filter(
        round_id__in=round_ids, level=0, dimension="total"
    ).values_list("round_id", "population", "households", "individuals"):
        found[round_id][population] = (households, individuals)
    return found


def round_publication(*, assessment_round: AssessmentRound) -> Publication:
    """For the organisation's information managers, before they publish: the round's national
    totals against the published round before it (the version a correction replaces), and the
    other rounds of the organisation with the same reference date or the same national totals.
    Versions of the round's own number are left out: a correction shares its date, and its
    totals until the corrected file is imported."""
    organisation_rounds = AssessmentRound.objects.filter(
        organisation_id=assessment_round.organisation_id
    )
    previous = assessment_round.replaces
    if previous is None:
        previous = (
            organisation_rounds.filter(status=RoundStatus.PUBLISHED)
            .exclude(replaced_by__status=RoundStatus.PUBLISHED)
            .filter(
                Q(reference_date__lt=assessment_round.reference_date)
                | Q(
                    reference_date=assessment_round.reference_date,
                    number__lt=assessment_round.number,
                )
            )
            .order_by("-reference_date", "-number")
            .first()
        )
    others = list(
        organisation_rounds.exclude(number=assessment_round.number).order_by("number", "version")
    )
    national = _national(
        [assessment_round.pk, *[r.pk for r in others], *([previous.pk] if previous else [])]
    )
    own = national.get(assessment_round.pk, {})
    before = national.get(previous.pk, {}) if previous is not None else {}
    changes = [
        PopulationChange(
            population=population,
            households=households,
            individuals=individuals,
            previous_households=before[population][0] if population in before else None,
            previous_individuals=before[population][1] if population in before else None,
        )
        for population, (households, individuals) in sorted(own.items())
    ]
    return Publication(
        round=assessment_round,
        previous=previous,
        changes=changes,
        same_date=[r for r in others if r.reference_date == assessment_round.reference_date],
        same_totals=[r for r in others if own and national.get(r.pk) == own],
    )


class LocationFigure(NamedTuple):
    """One population's figures at one place in a round, with the place and the units it was
    counted in (codes and names): plain values, as a round holds thousands of them and the
    pages, exports and API read every one (docs/PERFORMANCE.md)."""

    id: int  # of the location assessment
    location_id: int
    place_id: str  # the location's external id
    name_en: str
    name_ar: str
    latitude: float | None
    longitude: float | None
    population: str
    households: int
    individuals: int
    adm1_pcode: str
    adm1_name_en: str
    adm1_name_ar: str
    adm2_pcode: str | None
    adm2_name_en: str | None
    adm2_name_ar: str | None
    adm3_pcode: str | None
    adm3_name_en: str | None
    adm3_name_ar: str | None


class LocationFigures(Sequence[LocationFigure]):
    """The rows of ``location_figures``, kept as the driver returned them (plain tuples) and
    named as they are read: each ``LocationFigure`` is made when an item is taken, and goes
    when the reader lets it go.

    A round's 4,000 named tuples, made up front, stayed in the collector's care for as long as
    the answer lived (Python stops tracking plain tuples of numbers and strings at their first
    collection, never a tuple subclass): they were what started full collections, each a scan
    of every object of the process, during the selector (docs/PERFORMANCE.md). Read once, as
    the pages, exports and API read it, the answer leaves no more for the collector than the
    hand-written statement's rows."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[LocationFigure]:
        return map(LocationFigure._make, self._rows)

    @overload
    def __getitem__(self, index: int) -> LocationFigure: ...

    @overload
    def __getitem__(self, index: slice) -> LocationFigures: ...

    def __getitem__(self, index: int | slice) -> LocationFigure | LocationFigures:
        if isinstance(index, slice):
            return LocationFigures(self._rows[index])
        return LocationFigure._make(self._rows[index])

    def __eq__(self, other: object) -> bool:
        """Equal to the same rows, as ``LocationFigures`` or as a list or tuple of rows."""
        if isinstance(other, LocationFigures):
            return self._rows == other._rows
        if isinstance(other, list | tuple):
            return self._rows == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LocationFigures({len(self._rows)} rows)"


def location_figures(
    *,
    assessment_round: AssessmentRound,
    population: str | None = None,
    within: AdminUnit | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> LocationFigures:
    """Per-location figures of a round, most individuals first (then by place id), with the
    place and its units: one hand-written statement read into tuples, since building a model
    instance for each row and its place cost several times the query, and a named tuple for
    each row kept the collector busy (``LocationFigures``, docs/PERFORMANCE.md)."""
    assessment, location = LocationAssessment._meta.db_table, Location._meta.db_table
    unit = AdminUnit._meta.db_table
    where = ["a.round_id = %s"]
    params: list[Any] = [assessment_round.pk]
    if population:
        where.append("a.population = %s")
        params.append(population)
    if within is not None and within.level in (1, 2, 3):
        where.append(f"a.adm{int(within.level)}_id = %s")
        params.append(within.pk)
    page = ""
    if limit is not None:
        page = " LIMIT %s OFFSET %s"
        params += [limit, offset]
    elif offset:
        raise ValueError("an offset needs a limit")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, a.location_id, l.external_id, l.name_en, l.name_ar, "  # noqa: S608
            "l.latitude, l.longitude, a.population, a.households, a.individuals, "
            "u1.pcode, u1.name_en, u1.name_ar, u2.pcode, u2.name_en, u2.name_ar, "
            "u3.pcode, u3.name_en, u3.name_ar "
            f"FROM {assessment} a JOIN {location} l ON l.id = a.location_id "
            f"JOIN {unit} u1 ON u1.id = a.adm1_id "
            f"LEFT JOIN {unit} u2 ON u2.id = a.adm2_id "
            f"LEFT JOIN {unit} u3 ON u3.id = a.adm3_id "
            f"WHERE {' AND '.join(where)} "
            # Ties broken down to the row, so that pages of the API never overlap.
            f"ORDER BY a.individuals DESC, l.external_id, a.population, a.id{page}",
            params,
        )
        return LocationFigures(cursor.fetchall())


def series(
    *,
    user: AnyUser,
    within: AdminUnit | None = None,
    organisation_id: Any = None,
    picked: AssessmentRound | None = None,
) -> list[dict[str, Any]]:
    """Individuals and households per population across the rounds of the published views
    (``picked`` in the place of the version it corrects), for the country or one unit."""
    # The rounds come from the one rule, compiled into this statement as a subquery, so that
    # the series costs one statement and cannot disagree with the pages.
    chosen_sql, chosen_params = access.rounds_current_sql(user, picked=picked)
    rounds, rollup = AssessmentRound._meta.db_table, Rollup._meta.db_table
    params: list[Any] = list(chosen_params)
    level = within.level if within is not None else 0
    filters = ""
    if within is not None:
        filters = " AND r.unit_id = %s"
        params.append(within.pk)
    if organisation_id is not None:
        filters += " AND rd.organisation_id = %s"
        owner = AssessmentRound._meta.get_field("organisation")
        params.append(owner.get_db_prep_value(organisation_id, connection))
    # The rounds are chosen first and the rollups read through their index: joining first
    # would have the planner scan every total of every round.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rd.number, rd.reference_date, rd.uid, r.population, "  # noqa: S608
            f"SUM(r.households), SUM(r.individuals) FROM {rollup} r "
            f"JOIN {rounds} rd ON rd.id = r.round_id "
            f"WHERE r.round_id IN ({chosen_sql}) "
            f"AND r.dimension = 'total' AND r.level = {int(level)}{filters} "
            "GROUP BY rd.id, rd.number, rd.reference_date, rd.uid, r.population "
            "ORDER BY rd.reference_date, rd.number, rd.id, r.population",
            params,
        )
        rows = cursor.fetchall()
    day = AssessmentRound._meta.get_field("reference_date")
    return [
        {
            "round": number,
            "round_uid": _uid_text(round_uid),
            "date": day.to_python(reference_date),
            "population": population,
            "households": int(households),
            "individuals": int(individuals),
        }
        for number, reference_date, round_uid, population, households, individuals in rows
    ]


def _uid_text(value: Any) -> str:
    """A uid as the API writes it, from what the driver returns: a UUID (PostgreSQL) or its 32
    hex digits (SQLite, as Django stores it there), cut into groups directly, since building a
    UUID for each point was a third of the series' time."""
    if isinstance(value, str) and len(value) == 32:
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}".lower()
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


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


def movements_visible(user: AnyUser) -> QuerySet[MovementEvent]:
    """Movements have no publish step of their own: an organisation's movements are published
    with the round that takes them in, the first of its published rounds dated on or after the
    movement. Until then only the organisation's information managers see them, as a draft."""
    if not user.is_authenticated:
        return MovementEvent.objects.none()
    covering = access.rounds_current(user).filter(
        organisation_id=OuterRef("organisation_id"), reference_date__gte=OuterRef("date")
    )
    return MovementEvent.objects.filter(
        Q(Exists(covering)) | Q(organisation_id__in=access.managed_organisations(user))
    )


def movement_totals(
    *, user: AnyUser, event: str | None = None, level: int = 1
) -> list[dict[str, Any]]:
    """Households and individuals arriving and leaving, per event and area (emergency tracking):
    the movements the user may see (``movements_visible``)."""
    rows = movements_visible(user)
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


# Dashboards -------------------------------------------------------------------------------------


def round_previous(*, user: AnyUser, assessment_round: AssessmentRound) -> AssessmentRound | None:
    """The round of the same organisation, in the published views, just before this one (a
    draft is never the previous round, even of a draft)."""
    for candidate in round_current_list(user=user):
        if candidate.organisation_id == assessment_round.organisation_id and (
            candidate.reference_date,
            candidate.number,
        ) < (assessment_round.reference_date, assessment_round.number):
            return candidate
    return None


def breakdown(
    *, assessment_round: AssessmentRound, dimension: str, within: AdminUnit | None = None
) -> dict[str, dict[str, int]]:
    """Individuals per category of ``dimension`` and population, for the country or one unit."""
    level = within.level if within is not None else 0
    rows = Rollup.objects.filter(
        round=assessment_round, dimension=dimension, level=level
    ).values_list("category", "population", "individuals")
    if within is not None:
        rows = rows.filter(unit=within)
    result: dict[str, dict[str, int]] = defaultdict(dict)
    for category, population, individuals in rows:
        result[category][population] = result[category].get(population, 0) + individuals
    return dict(result)


def location_facts(
    *, assessment_round: AssessmentRound, location_id: int
) -> dict[str, dict[str, Any]]:
    """One location's figures in a round: population -> households, individuals and breakdowns
    (dimension -> category -> individuals)."""
    result: dict[str, dict[str, Any]] = {}
    assessments = LocationAssessment.objects.filter(
        round=assessment_round, location_id=location_id
    ).values_list("pk", "population", "households", "individuals")
    by_pk = {}
    for pk, population, households, individuals in assessments:
        by_pk[pk] = result[population] = {
            "households": households,
            "individuals": individuals,
            "breakdowns": defaultdict(dict),
        }
    for assessment_id, dimension, category, individuals in Breakdown.objects.filter(
        assessment_id__in=list(by_pk)
    ).values_list("assessment_id", "dimension", "category", "individuals"):
        by_pk[assessment_id]["breakdowns"][dimension][category] = individuals
    return result


def location_series(
    *,
    user: AnyUser,
    location_id: int,
    organisation_id: Any = None,
    picked: AssessmentRound | None = None,
) -> list[dict[str, Any]]:
    """One location's households and individuals in the rounds of the published views, with
    ``picked`` (of one organisation, when given: two organisations' counts of a place are not
    one series)."""
    rounds = {
        r.pk: r
        for r in round_current_list(user=user, picked=picked)
        if organisation_id is None or r.organisation_id == organisation_id
    }
    rows = LocationAssessment.objects.filter(
        round_id__in=list(rounds), location_id=location_id
    ).values_list("round_id", "population", "households", "individuals")
    points = [
        {
            "round": rounds[round_id].number,
            "round_uid": str(rounds[round_id].uid),
            "date": rounds[round_id].reference_date,
            "population": population,
            "households": households,
            "individuals": individuals,
        }
        for round_id, population, households, individuals in rows
    ]
    return sorted(points, key=lambda p: (p["date"], p["round"], p["population"]))


def map_points(
    *, assessment_round: AssessmentRound, within: AdminUnit | None = None
) -> list[dict[str, Any]]:
    """Every located place of a round with its IDP and returnee individuals, for the map."""
    rows = LocationAssessment.objects.filter(
        round=assessment_round, location__latitude__isnull=False
    )
    if within is not None and within.level in (1, 2, 3):
        rows = rows.filter(**{f"adm{within.level}": within})
    places: dict[str, dict[str, Any]] = {}
    for external_id, name_en, name_ar, lat, lon, population, individuals in rows.values_list(
        "location__external_id",
        "location__name_en",
        "location__name_ar",
        "location__latitude",
        "location__longitude",
        "population",
        "individuals",
    ):
        place = places.setdefault(
            external_id,
            {
                "id": external_id,
                "name_en": name_en,
                "name_ar": name_ar,
                "lat": round(lat or 0.0, 5),  # the query excludes places without coordinates
                "lon": round(lon or 0.0, 5),
                "idp": 0,
                "returnee": 0,
            },
        )
        place[population] = individuals
    return sorted(places.values(), key=lambda p: -(p["idp"] + p["returnee"]))
