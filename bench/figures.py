"""Figures: each selector behind the dashboards against hand-written SQL returning the same rows.

For each selector there is a hand-written query on the same tables (``cursor.execute`` then
``fetchall``): what a careful developer would write without the ORM. A third query computes the
same figure from the raw facts (GROUP BY over the location assessments and breakdowns) to show
what the rollup tables save; it is for information, no target applies to it. Before timing,
each pair is checked to return the same figures, so the comparison is like for like.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.db import connection

from nahrain.displacement import selectors
from nahrain.displacement.codelists import codes_for_round
from nahrain.displacement.models import AssessmentRound, LocationAssessment
from nahrain.geo.models import AdminUnit

Row = tuple[Any, ...]

ROLLUP_FIGURES = """
SELECT u.pcode, u.name_en, u.name_ar, r.level, r.population, r.category,
       r.households, r.individuals, r.locations
FROM displacement_rollup r JOIN geo_adminunit u ON u.id = r.unit_id
WHERE r.round_id = %s AND r.dimension = %s AND r.level = %s
ORDER BY r.individuals DESC, u.pcode, r.category
"""

FACT_TOTALS = """
SELECT u.pcode, u.name_en, u.name_ar, {level}, a.population, '',
       SUM(a.households), SUM(a.individuals), COUNT(*)
FROM displacement_locationassessment a {join}
WHERE a.round_id = %s
GROUP BY u.pcode, u.name_en, u.name_ar, a.population
ORDER BY 8 DESC, 1, 6
"""
UNIT_JOIN = {
    0: "JOIN geo_adminunit g ON g.id = a.adm1_id JOIN geo_adminunit u ON u.id = g.parent_id",
    1: "JOIN geo_adminunit u ON u.id = a.adm1_id",
    2: "JOIN geo_adminunit u ON u.id = a.adm2_id",
    3: "JOIN geo_adminunit u ON u.id = a.adm3_id",
}

FACT_BREAKDOWN = """
SELECT u.pcode, u.name_en, u.name_ar, 1, a.population, {category},
       SUM(b.households), SUM(b.individuals), COUNT(*)
FROM displacement_breakdown b
JOIN displacement_locationassessment a ON a.id = b.assessment_id
JOIN geo_adminunit u ON u.id = a.adm1_id
WHERE a.round_id = %s AND b.dimension = %s
GROUP BY 1, 2, 3, 5, 6
ORDER BY 8 DESC, 1, 6
"""

ROLLUP_TOTALS = """
SELECT population, SUM(households), SUM(individuals), SUM(locations)
FROM displacement_rollup
WHERE round_id = %s AND dimension = 'total' AND level = 0
GROUP BY population ORDER BY population
"""
FACT_NATIONAL = """
SELECT population, SUM(households), SUM(individuals), COUNT(*)
FROM displacement_locationassessment WHERE round_id = %s
GROUP BY population ORDER BY population
"""

# The rounds a published view shows (displacement.access.rounds_current): published, less those
# replaced by a published correction.
CURRENT_ROUNDS = """
rd.status = 'published'
AND NOT EXISTS (
    SELECT 1 FROM displacement_assessmentround c WHERE c.replaces_id = rd.id
    AND c.status = 'published')
"""
ROLLUP_SERIES = f"""
SELECT rd.number, rd.reference_date, rd.uid, r.population,
       SUM(r.households), SUM(r.individuals)
FROM displacement_rollup r JOIN displacement_assessmentround rd ON rd.id = r.round_id
WHERE r.dimension = 'total' AND r.level = 0
  AND r.round_id IN (SELECT rd.id FROM displacement_assessmentround rd WHERE {CURRENT_ROUNDS})
GROUP BY rd.number, rd.reference_date, rd.uid, r.population
ORDER BY rd.reference_date, rd.number
"""
FACT_SERIES = f"""
SELECT rd.number, rd.reference_date, rd.uid, a.population,
       SUM(a.households), SUM(a.individuals)
FROM displacement_locationassessment a
JOIN displacement_assessmentround rd ON rd.id = a.round_id
WHERE a.round_id IN (SELECT rd.id FROM displacement_assessmentround rd WHERE {CURRENT_ROUNDS})
GROUP BY rd.number, rd.reference_date, rd.uid, a.population
ORDER BY rd.reference_date, rd.number
"""

ROLLUP_FLOWS = """
SELECT r.category, u.pcode, r.individuals
FROM displacement_rollup r JOIN geo_adminunit u ON u.id = r.unit_id
WHERE r.round_id = %s AND r.dimension = 'origin' AND r.level = 1 AND r.population = 'idp'
"""
FACT_FLOWS = """
SELECT b.category, u.pcode, SUM(b.individuals)
FROM displacement_breakdown b
JOIN displacement_locationassessment a ON a.id = b.assessment_id
JOIN geo_adminunit u ON u.id = a.adm1_id
WHERE a.round_id = %s AND b.dimension = 'origin' AND a.population = 'idp'
GROUP BY b.category, u.pcode
"""

# What the place tables, exports and API show of each place: the place, its figures and the
# codes and names of its governorate, district and subdistrict.
LOCATIONS_IN_DISTRICT = """
SELECT a.id, a.location_id, l.external_id, l.name_en, l.name_ar, l.latitude, l.longitude,
       a.population, a.households, a.individuals,
       g.pcode, g.name_en, g.name_ar, d.pcode, d.name_en, d.name_ar,
       s.pcode, s.name_en, s.name_ar
FROM displacement_locationassessment a
JOIN geo_location l ON l.id = a.location_id
JOIN geo_adminunit g ON g.id = a.adm1_id
LEFT JOIN geo_adminunit d ON d.id = a.adm2_id
LEFT JOIN geo_adminunit s ON s.id = a.adm3_id
WHERE a.round_id = %s AND a.adm2_id = %s
ORDER BY a.individuals DESC, l.external_id, a.population, a.id
"""

LOCATIONS_IN_ROUND = LOCATIONS_IN_DISTRICT.replace(" AND a.adm2_id = %s", "")

ROLLUP_UNITS_AT = """
SELECT u.pcode, u.name_en, r.population, r.households, r.individuals
FROM displacement_rollup r JOIN geo_adminunit u ON u.id = r.unit_id
WHERE r.round_id = %s AND r.dimension = 'total' AND r.level = %s
"""
FACT_UNITS_AT_1 = """
SELECT u.pcode, u.name_en, a.population, SUM(a.households) AS households,
       SUM(a.individuals) AS individuals
FROM displacement_locationassessment a JOIN geo_adminunit u ON u.id = a.adm1_id
WHERE a.round_id = %s
GROUP BY u.pcode, u.name_en, a.population
"""
COMPARE_UNITS = """
SELECT COALESCE(o.pcode, b.pcode), COALESCE(o.name_en, b.name_en),
       COALESCE(o.population, b.population),
       COALESCE(b.households, 0), COALESCE(o.households, 0),
       COALESCE(b.individuals, 0), COALESCE(o.individuals, 0),
       COALESCE(o.individuals, 0) - COALESCE(b.individuals, 0)
FROM ({units}) b FULL OUTER JOIN ({units}) o
  ON o.pcode = b.pcode AND o.population = b.population
ORDER BY 1, 3
"""
COMPARE_LOCATIONS = """
SELECT l.external_id, x.population, x.before, x.after
FROM (SELECT location_id, population,
             SUM(CASE WHEN round_id = %s THEN individuals ELSE 0 END) AS before,
             SUM(CASE WHEN round_id = %s THEN individuals ELSE 0 END) AS after
      FROM displacement_locationassessment WHERE round_id IN (%s, %s)
      GROUP BY location_id, population) x
JOIN geo_location l ON l.id = x.location_id
WHERE (x.before = 0) <> (x.after = 0)
ORDER BY 1, 2
"""


def fetch(sql: str, params: list[Any]) -> list[Row]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[Row] = cursor.fetchall()
        return rows


@dataclass
class Query:
    """One dashboard figure three ways, and how to tell that the first two agree."""

    name: str
    selector: Callable[[], Any]
    sql: Callable[[], Any]
    facts: Callable[[], Any] | None
    normal: Callable[[Any], Any]  # the selector's answer in the SQL's shape
    sql_normal: Callable[[Any], Any] = lambda rows: [tuple(_plain(v) for v in r) for r in rows]
    count: Callable[[Any], int] = len


def _plain(value: Any) -> Any:
    """Numbers as ints where they are whole (drivers return Decimal for some sums)."""
    if hasattr(value, "as_integer_ratio") and not isinstance(value, bool | int | float):
        return int(value) if value == int(value) else float(value)
    return value


def _figure_tuples(figures: list[selectors.Figure]) -> list[Row]:
    return [
        (
            f.pcode,
            f.name_en,
            f.name_ar,
            f.level,
            f.population,
            f.category,
            f.households,
            f.individuals,
            f.locations,
        )
        for f in figures
    ]


def _read_by_name(rows: Iterable[selectors.LocationFigure]) -> list[Row]:
    """What the place table and the exports read of each place."""
    return [(r.place_id, r.name_en, r.adm1_pcode, r.population, r.individuals) for r in rows]


def _read_by_position(rows: list[Row]) -> list[Row]:
    return [(r[2], r[3], r[10], r[7], r[9]) for r in rows]


def _shelter_group_case(round_number: int) -> tuple[str, list[str]]:
    groups = codes_for_round(round_number).shelter_group_of()
    whens = " ".join("WHEN %s THEN %s" for _ in groups)
    params = [value for code, group in groups.items() for value in (code, group)]
    return f"CASE b.category {whens} ELSE 'unknown_other' END", params


def queries(
    *, latest: AssessmentRound, previous: AssessmentRound, user: User, district: AdminUnit
) -> list[Query]:
    """The dashboard figures of the latest round (and the series of all rounds)."""
    rid = latest.pk
    result: list[Query] = []
    for level in (0, 1, 2, 3):
        result.append(
            Query(
                name=f"figures level {level} total",
                selector=partial(
                    selectors.figures, assessment_round=latest, level=level, dimension="total"
                ),
                sql=partial(fetch, ROLLUP_FIGURES, [rid, "total", level]),
                facts=partial(fetch, FACT_TOTALS.format(level=level, join=UNIT_JOIN[level]), [rid]),
                normal=_figure_tuples,
            )
        )
    for dimension in ("shelter_group", "period", "origin"):
        if dimension == "shelter_group":
            category, params = _shelter_group_case(latest.number)
            fact_dimension = "shelter"
        else:
            category, params, fact_dimension = "b.category", [], dimension
        fact_sql = FACT_BREAKDOWN.format(category=category)
        fact_params = [*params, rid, fact_dimension]
        result.append(
            Query(
                name=f"figures level 1 {dimension}",
                selector=partial(
                    selectors.figures, assessment_round=latest, level=1, dimension=dimension
                ),
                sql=partial(fetch, ROLLUP_FIGURES, [rid, dimension, 1]),
                facts=partial(fetch, fact_sql, fact_params),
                normal=_figure_tuples,
            )
        )
    result.append(
        Query(
            name="totals",
            selector=lambda: selectors.totals(assessment_round=latest),
            sql=lambda: fetch(ROLLUP_TOTALS, [rid]),
            facts=lambda: fetch(FACT_NATIONAL, [rid]),
            normal=lambda totals: [
                (p, t["households"], t["individuals"], t["locations"])
                for p, t in sorted(totals.items())
            ],
        )
    )
    result.append(
        Query(
            name="series (all rounds)",
            selector=lambda: selectors.series(user=user),
            sql=lambda: fetch(ROLLUP_SERIES, []),
            facts=lambda: fetch(FACT_SERIES, []),
            normal=lambda points: sorted(
                (p["round"], p["population"], p["households"], p["individuals"]) for p in points
            ),
            sql_normal=lambda rows: sorted((r[0], r[3], int(r[4]), int(r[5])) for r in rows),
        )
    )
    result.append(
        Query(
            name="flow_matrix",
            selector=lambda: selectors.flow_matrix(assessment_round=latest),
            sql=lambda: fetch(ROLLUP_FLOWS, [rid]),
            facts=lambda: fetch(FACT_FLOWS, [rid]),
            normal=lambda matrix: sorted(
                (origin, pcode, value)
                for origin, row in matrix.items()
                for pcode, value in row.items()
            ),
            sql_normal=lambda rows: sorted((r[0], r[1], int(r[2])) for r in rows),
            count=lambda matrix: sum(len(row) for row in matrix.values()),
        )
    )
    result.append(
        Query(
            name=f"location_figures ({district.name_en})",
            selector=lambda: selectors.location_figures(assessment_round=latest, within=district),
            sql=lambda: fetch(LOCATIONS_IN_DISTRICT, [rid, district.pk]),
            facts=None,
            normal=lambda rows: [tuple(r) for r in rows],
        )
    )
    result.append(
        Query(
            name="location_figures (whole round)",
            selector=lambda: selectors.location_figures(assessment_round=latest),
            sql=lambda: fetch(LOCATIONS_IN_ROUND, [rid]),
            facts=None,
            normal=lambda rows: [tuple(r) for r in rows],
        )
    )
    # The selector names each row as it is read (selectors.LocationFigures): the pair above
    # times the answer, this one the answer read through, as the pages and exports read it.
    result.append(
        Query(
            name="location_figures (whole round, every row read)",
            selector=lambda: _read_by_name(selectors.location_figures(assessment_round=latest)),
            sql=lambda: _read_by_position(fetch(LOCATIONS_IN_ROUND, [rid])),
            facts=None,
            normal=list,
            sql_normal=list,
        )
    )
    base, other = previous.pk, latest.pk

    result.append(
        Query(
            name="round_compare level 1",
            selector=lambda: selectors.round_compare(base=previous, other=latest, level=1),
            sql=lambda: (
                fetch(COMPARE_UNITS.format(units=ROLLUP_UNITS_AT), [base, 1, other, 1]),
                fetch(COMPARE_LOCATIONS, [base, other, base, other]),
            ),
            facts=lambda: (
                fetch(COMPARE_UNITS.format(units=FACT_UNITS_AT_1), [base, other]),
                fetch(COMPARE_LOCATIONS, [base, other, base, other]),
            ),
            normal=lambda c: (
                [
                    (
                        u["pcode"],
                        u["population"],
                        u["households_before"],
                        u["households_after"],
                        u["individuals_before"],
                        u["individuals_after"],
                        u["individuals_change"],
                    )
                    for u in c["units"]
                ],
                sorted(
                    [(x["place_id"], x["population"]) for x in c["appeared"]]
                    + [(x["place_id"], x["population"]) for x in c["emptied"]]
                ),
            ),
            sql_normal=lambda pair: (
                [(r[0], r[2], *(int(v) for v in r[3:8])) for r in pair[0]],
                sorted((r[0], r[1]) for r in pair[1]),
            ),
            count=lambda c: len(c["units"]) + len(c["appeared"]) + len(c["emptied"]),
        )
    )
    return result


def biggest_district(assessment_round: AssessmentRound) -> AdminUnit:
    """The district holding the most locations in the round."""
    from django.db.models import Count

    top = (
        LocationAssessment.objects.filter(round=assessment_round)
        .values("adm2")
        .annotate(n=Count("id"))
        .order_by("-n", "adm2")
        .first()
    )
    assert top is not None
    return AdminUnit.objects.get(pk=top["adm2"])


def percentile(samples: list[float], share: float) -> float:
    """Linear-interpolated percentile (``share`` from 0 to 1) of the samples."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": statistics.median(samples) * 1000,
        "p95_ms": percentile(samples, 0.95) * 1000,
        "p99_ms": percentile(samples, 0.99) * 1000,
    }


def check(query: Query) -> None:
    """Refuse to time a pair that does not return the same figures."""
    expected = query.normal(query.selector())
    got = query.sql_normal(query.sql())
    if expected != got:
        raise AssertionError(f"{query.name}: selector and SQL differ:\n{expected!r}\n{got!r}")
    if query.facts is not None and query.sql_normal(query.facts()) != got:
        raise AssertionError(f"{query.name}: facts and rollups differ")


def measure(query: Query, *, repeat: int, warmups: int = 2, facts: bool = True) -> dict[str, Any]:
    """p50, p95 and p99 of the selector and the hand-written SQL, timed in turn within each
    repetition (which goes first alternates, as the first warms the caches for the second),
    then of the raw-facts query in a loop of its own (it reads far more pages and would evict
    the others' from the cache)."""
    run_facts = facts and query.facts is not None
    gc.collect()
    for _ in range(warmups):
        query.selector()
        query.sql()
    times: dict[str, list[float]] = {"selector": [], "sql": [], "facts": []}
    rows = 0
    for index in range(repeat):
        for kind in ("selector", "sql") if index % 2 == 0 else ("sql", "selector"):
            start = time.perf_counter()
            answer = query.selector() if kind == "selector" else query.sql()
            times[kind].append(time.perf_counter() - start)
            if kind == "selector":
                rows = query.count(answer)
    if run_facts:
        assert query.facts is not None
        for _ in range(warmups):
            query.facts()
        for _ in range(repeat):
            start = time.perf_counter()
            query.facts()
            times["facts"].append(time.perf_counter() - start)
    result: dict[str, Any] = {"name": query.name, "rows": rows}
    for kind, samples in times.items():
        if samples:
            summary = _summary(samples)
            result[f"{kind}_p50_ms"] = summary["p50_ms"]
            result[f"{kind}_p95_ms"] = summary["p95_ms"]
            result[f"{kind}_p99_ms"] = summary["p99_ms"]
    result["ratio_p95"] = result["selector_p95_ms"] / result["sql_p95_ms"]
    return result
