"""What the dashboard pages show, assembled from the displacement selectors.

The pages (``dashboard_views``) stay thin: this module turns selector output into the panels a
page draws (headline figures with the change since the previous round, the trend as chart
geometry, breakdowns as bars, the table of the next level down) so that every number on a page
comes from the same selectors as the API's.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q

from nahrain.core.access import AnyUser
from nahrain.displacement import selectors
from nahrain.displacement.models import AssessmentRound
from nahrain.geo.models import AdminUnit, Location

POPULATIONS = ("idp", "returnee")
PAGE_SIZE = 25
# Columns of the table a reader may sort by, and the row field each reads.
SORTS = {
    "name": "name",
    "idp": "idp_individuals",
    "idp_households": "idp_households",
    "returnee": "returnee_individuals",
    "returnee_households": "returnee_households",
    "locations": "locations",
}


@dataclass
class Headline:
    population: str
    individuals: int
    households: int
    locations: int
    previous: int | None

    @property
    def change(self) -> int | None:
        return None if self.previous is None else self.individuals - self.previous


def headlines(
    *, user: AnyUser, assessment_round: AssessmentRound, within: AdminUnit | None
) -> tuple[list[Headline], AssessmentRound | None]:
    """IDP and returnee totals of the round, each with the previous round's individuals."""
    now = selectors.totals(assessment_round=assessment_round, within=within)
    previous_round = selectors.round_previous(user=user, assessment_round=assessment_round)
    before = (
        selectors.totals(assessment_round=previous_round, within=within)
        if previous_round is not None
        else {}
    )
    result = []
    for population in POPULATIONS:
        figures = now.get(population)
        if figures is None and population not in before:
            continue
        figures = figures or {"individuals": 0, "households": 0, "locations": 0}
        result.append(
            Headline(
                population=population,
                individuals=figures["individuals"],
                households=figures["households"],
                locations=figures["locations"],
                previous=before[population]["individuals"]
                if population in before
                else (0 if previous_round is not None else None),
            )
        )
    return result, previous_round


@dataclass
class Line:
    population: str
    points: str  # SVG polyline points
    last_x: float = 0
    last_y: float = 0


@dataclass
class Chart:
    """A trend drawn as SVG by the template: no script, nothing to download."""

    width: int = 800
    height: int = 240
    left: int = 72
    bottom: int = 28
    lines: list[Line] = field(default_factory=list)
    y_ticks: list[tuple[float, int]] = field(default_factory=list)
    x_ticks: list[tuple[float, int]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    marker_x: float | None = None


def _nice_ceiling(value: int) -> int:
    if value <= 0:
        return 1
    magnitude: int = 10 ** int(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * magnitude:
            return int(step * magnitude)
    return 10 * magnitude


def trend_chart(points: list[dict[str, Any]], *, current: date | None = None) -> Chart:
    """Individuals per population across rounds, scaled into the chart's box."""
    chart = Chart()
    by_date: dict[tuple[date, int], dict[str, Any]] = {}
    for point in points:
        row = by_date.setdefault(
            (point["date"], point["round"]),
            {"date": point["date"], "round": point["round"], "round_uid": point["round_uid"]},
        )
        row[point["population"]] = point["individuals"]
    chart.rows = [by_date[key] for key in sorted(by_date)]
    if not chart.rows:
        return chart
    top = _nice_ceiling(max(row.get(p, 0) for row in chart.rows for p in POPULATIONS))
    first = chart.rows[0]["date"].toordinal()
    span = max(chart.rows[-1]["date"].toordinal() - first, 1)
    plot_w = chart.width - chart.left - 12
    plot_h = chart.height - chart.bottom - 12

    def x(day: date) -> float:
        if len(chart.rows) == 1:
            return float(chart.left + plot_w / 2)
        return round(float(chart.left + plot_w * (day.toordinal() - first) / span), 1)

    def y(value: int) -> float:
        return round(12 + plot_h * (1 - value / top), 1)

    for population in POPULATIONS:
        coordinates = [
            (x(row["date"]), y(row[population])) for row in chart.rows if population in row
        ]
        if coordinates:
            chart.lines.append(
                Line(
                    population=population,
                    points=" ".join(f"{cx},{cy}" for cx, cy in coordinates),
                    last_x=coordinates[-1][0],
                    last_y=coordinates[-1][1],
                )
            )
    chart.y_ticks = [(y(top * i // 4), top * i // 4) for i in range(5)]
    years = sorted({row["date"].year for row in chart.rows})
    step = max(1, math.ceil(len(years) / 8))
    chart.x_ticks = [
        (x(date(year, 1, 1)), year)
        for year in years[::step]
        if date(year, 1, 1).toordinal() >= first
    ]
    if current is not None:
        chart.marker_x = x(current)
    return chart


@dataclass
class Bar:
    code: str
    label: Any  # a CodeItem, or the code when the list does not know it
    individuals: int
    share: float
    width: float  # of 100


def bars(
    *, assessment_round: AssessmentRound, dimension: str, population: str, within: AdminUnit | None
) -> list[Bar]:
    """A breakdown (shelter group, period) of one population as bars, in code-list order."""
    kind = "shelter_group" if dimension == "shelter_group" else dimension
    labels = selectors.code_labels(kind=kind)
    values = {
        category: by_population.get(population, 0)
        for category, by_population in selectors.breakdown(
            assessment_round=assessment_round, dimension=dimension, within=within
        ).items()
    }
    values = {code: n for code, n in values.items() if n}
    total = sum(values.values())
    widest = max(values.values(), default=0)
    order = {code: (item.position, code) for code, item in labels.items()}
    return [
        Bar(
            code=code,
            label=labels.get(code, code),
            individuals=n,
            share=n / total if total else 0.0,
            width=round(100 * n / widest, 1) if widest else 0.0,
        )
        for code, n in sorted(values.items(), key=lambda kv: order.get(kv[0], (999, kv[0])))
    ]


def location_bars(facts: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """A place's own shelter and period breakdowns (from ``selectors.location_facts``) as bars,
    per population, in code-list order; empty breakdowns left out."""
    labels = {
        "shelter": selectors.code_labels(kind="shelter"),
        "period": selectors.code_labels(kind="period"),
    }
    result = []
    for population, figures in facts.items():
        for dimension in ("shelter", "period"):
            values = {c: n for c, n in figures["breakdowns"].get(dimension, {}).items() if n}
            if not values:
                continue
            widest = max(values.values())
            known = labels[dimension]
            order = sorted(values, key=lambda c: (known[c].position if c in known else 999, c))
            result.append(
                {
                    "population": population,
                    "dimension": dimension,
                    "bars": [
                        Bar(
                            code=code,
                            label=known.get(code, code),
                            individuals=values[code],
                            share=0.0,
                            width=round(100 * values[code] / widest, 1),
                        )
                        for code in order
                    ],
                }
            )
    return result


def child_level(unit: AdminUnit | None) -> int:
    """The level the page lists and maps: governorates on the country's page, districts on a
    governorate's, places (4) on a district's or subdistrict's."""
    if unit is None:
        return 1
    return 2 if unit.level == 1 else 4


def table_rows(
    *, assessment_round: AssessmentRound, within: AdminUnit | None
) -> list[dict[str, Any]]:
    """One row per unit (or place) of the next level down, IDPs and returnees side by side."""
    level = child_level(within)
    rows: dict[str, dict[str, Any]] = {}
    if level == 4:
        for fact in selectors.location_figures(assessment_round=assessment_round, within=within):
            row = rows.setdefault(fact.place_id, _row(key=fact.place_id, names=fact, locations=1))
            row[f"{fact.population}_individuals"] = fact.individuals
            row[f"{fact.population}_households"] = fact.households
    else:
        for figure in selectors.figures(
            assessment_round=assessment_round, level=level, within=within
        ):
            row = rows.setdefault(figure.pcode, _row(key=figure.pcode, names=figure, locations=0))
            row[f"{figure.population}_individuals"] = figure.individuals
            row[f"{figure.population}_households"] = figure.households
            row["locations"] = max(row["locations"], figure.locations)
    return list(rows.values())


def _row(*, key: str, names: Any, locations: int) -> dict[str, Any]:
    return {
        "key": key,
        "name_en": names.name_en,
        "name_ar": names.name_ar,
        "name_ckb": getattr(names, "name_ckb", ""),
        "idp_individuals": 0,
        "idp_households": 0,
        "returnee_individuals": 0,
        "returnee_households": 0,
        "locations": locations,
    }


@dataclass
class TablePage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    sort: str
    descending: bool
    query: str


def table_page(
    rows: list[dict[str, Any]], *, sort: str, descending: bool, query: str, page: int
) -> TablePage:
    """Filter by name (any language, or the code), sort by a column, cut one page."""
    needle = query.strip().casefold()
    if needle:
        rows = [
            r
            for r in rows
            if needle in r["key"].casefold()
            or any(needle in (r[f"name_{lang}"] or "").casefold() for lang in ("en", "ar", "ckb"))
        ]
    if sort not in SORTS:
        sort, descending = "idp", True
    field_name = SORTS[sort]
    if field_name == "name":
        rows = sorted(rows, key=lambda r: r["name_en"].casefold(), reverse=descending)
    else:
        rows = sorted(rows, key=lambda r: (r[field_name], r["key"]), reverse=descending)
    pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    return TablePage(
        rows=rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(rows),
        page=page,
        pages=pages,
        sort=sort,
        descending=descending,
        query=query,
    )


def breadcrumb(unit: AdminUnit | None) -> list[AdminUnit]:
    """The unit's ancestors from the governorate down, the unit last."""
    chain = []
    current = unit
    while current is not None and current.level > 0:
        chain.append(current)
        current = current.parent
    return list(reversed(chain))


def location_unit(location: Location, assessment_round: AssessmentRound) -> AdminUnit | None:
    """The district a place was counted in (for the breadcrumb back up)."""
    from nahrain.displacement.models import LocationAssessment

    fact = (
        LocationAssessment.objects.filter(round=assessment_round, location=location)
        .select_related("adm2", "adm1", "adm2__parent")
        .defer("adm1__geometry", "adm2__geometry", "adm2__parent__geometry")
        .first()
    )
    if fact is None:
        return None
    return fact.adm2 or fact.adm1


def drillable(pcode: str) -> AdminUnit | None:
    """A governorate, district or subdistrict by p-code, in any case as everywhere (boundaries
    never loaded)."""
    return (
        AdminUnit.objects.filter(Q(pcode=pcode.strip().upper()), level__in=(1, 2, 3))
        .select_related("parent", "parent__parent")
        .defer("geometry", "parent__geometry", "parent__parent__geometry")
        .first()
    )


@dataclass
class FlowTable:
    """The flow matrix for people: origins as rows, the governorates they are counted in as
    columns, both by size; the largest single flows in words."""

    columns: list[AdminUnit | None]
    rows: list[dict[str, Any]]  # unit, cells (one per column), total
    column_totals: list[int]
    total: int
    largest: list[dict[str, Any]]  # origin, current, individuals, share


def flow_table(matrix: dict[str, dict[str, int]], *, largest: int = 10) -> FlowTable:
    units = {u.pcode: u for u in AdminUnit.objects.filter(level=1)}
    by_current: dict[str, int] = defaultdict(int)
    for cells in matrix.values():
        for current, individuals in cells.items():
            by_current[current] += individuals
    columns = sorted(by_current, key=lambda pcode: (-by_current[pcode], pcode))
    origins = sorted(matrix, key=lambda pcode: (-sum(matrix[pcode].values()), pcode))
    total = sum(by_current.values())
    flows = sorted(
        (
            (individuals, origin, current)
            for origin, cells in matrix.items()
            for current, individuals in cells.items()
            if individuals
        ),
        reverse=True,
    )[:largest]
    return FlowTable(
        columns=[units.get(pcode) for pcode in columns],
        rows=[
            {
                "unit": units.get(origin),
                "pcode": origin,
                "cells": [matrix[origin].get(current, 0) for current in columns],
                "total": sum(matrix[origin].values()),
            }
            for origin in origins
        ],
        column_totals=[by_current[current] for current in columns],
        total=total,
        largest=[
            {
                "origin": units.get(origin),
                "current": units.get(current),
                "individuals": individuals,
                "share": individuals / total if total else None,
                "within": origin == current,
            }
            for individuals, origin, current in flows
        ],
    )
