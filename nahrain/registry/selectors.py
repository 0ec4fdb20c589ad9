"""Reads of the registry: each takes the caller and returns only what the caller may see
(``nahrain.registry.access``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from nahrain.core.access import AnyUser
from nahrain.core.models import Organisation
from nahrain.core.suppression import derived_total, suppress
from nahrain.geo.models import AdminUnit
from nahrain.registry import access, codelists
from nahrain.registry.models import RegistryFigure
from nahrain.registry.rollups import AGE_UNKNOWN
from nahrain.sites.models import Site

# --- figures ---------------------------------------------------------------------------------

FIGURE_LEVELS = ("site", "district", "governorate")


def population_cells() -> list[str]:
    """The sex and age cells, women and girls first: ``f_0_4`` .. ``f_60``, ``f_unknown``,
    then the same for men and boys. They add up to the individuals."""
    groups = [*codelists.age_groups(), AGE_UNKNOWN]
    return [f"{sex}_{group}" for sex in ("f", "m") for group in groups]


def vulnerability_cells() -> list[str]:
    return codelists.codes("vulnerabilities")


def document_cells() -> list[str]:
    return [f"doc_{kind}" for kind in codelists.codes("documents")]


def figure_cells() -> list[str]:
    """Every cell of a row, in the order tables and files show them."""
    population = ["households", "individuals", *population_cells()]
    return [*population, *vulnerability_cells(), *document_cells()]


@dataclass(frozen=True)
class FigureRow:
    """One place's figures: ``None`` for a cell hidden by small-cell suppression."""

    governorate: AdminUnit
    district: AdminUnit | None  # None: the place is known only to its governorate
    site: Site | None  # at site level, the site (None: households out of camp)
    admin_unit: AdminUnit | None  # at site level, out of camp: the admin unit they live in
    cells: dict[str, int | None]


@dataclass(frozen=True)
class Figures:
    organisation: Organisation
    level: str
    within: AdminUnit | None
    suppressed: bool  # small cells hidden (the reader is not of the holding organisation)
    threshold: int
    as_of: date | None
    rows: list[FigureRow]
    totals: dict[str, int | None]


def figures(
    *,
    user: AnyUser,
    organisation: Organisation,
    level: str,
    within: AdminUnit | None = None,
) -> Figures:
    """The organisation's registry figures by place (sites and places out of camp, districts or
    governorates), within a governorate or district if given: exact for its own members,
    small cells suppressed for anyone else.

    Suppression is done once, on the finest table of the whole organisation (every site and
    place out of camp), whatever level or area is asked: the coarser rows and the totals of an
    area are sums of its published cells, hidden when any part is hidden. So every figure any
    reader gets is drawn from one published table, and asking for a district, a governorate or
    the country as well reveals nothing that table hides (``core.suppression``)."""
    if level not in FIGURE_LEVELS:
        raise ValueError(f"no such level: {level}")
    exact = access.figures_unsuppressed(user, organisation)
    threshold = int(codelists.threshold("small_cell_below"))
    places = list(
        RegistryFigure.objects.filter(organisation=organisation)
        .select_related("site", "admin_unit", "governorate")
        .defer("admin_unit__geometry", "governorate__geometry")
        .order_by("governorate__pcode", "admin_unit__pcode", "site__code", "pk")
    )
    cells, totals = _published(places, exact=exact, threshold=threshold)
    districts = _districts(places)
    shown = range(len(places)) if within is None else _within(places, districts, within)
    if within is not None:
        totals = _sum(cells[n] for n in shown)
    rows: dict[Any, FigureRow] = {}
    parts: dict[Any, list[dict[str, int | None]]] = {}
    for n in shown:
        place, published = places[n], cells[n]
        district = districts.get(place.admin_unit_id)
        if level == "site":
            key: Any = place.pk
            row = FigureRow(
                place.governorate,
                district,
                place.site,
                None if place.site_id else place.admin_unit,
                published,
            )
        elif level == "district":
            key = (place.governorate_id, getattr(district, "pk", None))
            row = FigureRow(place.governorate, district, None, None, {})
        else:
            key = place.governorate_id
            row = FigureRow(place.governorate, None, None, None, {})
        rows.setdefault(key, row)
        parts.setdefault(key, []).append(published)
    result = [
        row if level == "site" else FigureRow(**{**row.__dict__, "cells": _sum(parts[key])})
        for key, row in rows.items()
    ]
    return Figures(
        organisation=organisation,
        level=level,
        within=within,
        suppressed=not exact,
        threshold=threshold,
        as_of=max((place.as_of for place in places), default=None),
        rows=result,
        totals=totals,
    )


def _within(
    places: Sequence[RegistryFigure], districts: dict[Any, AdminUnit | None], within: AdminUnit
) -> list[int]:
    """The places in a governorate or district."""
    return [
        n
        for n, place in enumerate(places)
        if within.pk
        in (place.governorate_id, getattr(districts.get(place.admin_unit_id), "pk", None))
    ]


def _sum(rows: Iterable[dict[str, int | None]]) -> dict[str, int | None]:
    rows = list(rows)
    return {cell: derived_total(row[cell] for row in rows) for cell in figure_cells()}


def _published(
    places: Sequence[RegistryFigure], *, exact: bool, threshold: int
) -> tuple[list[dict[str, int | None]], dict[str, int | None]]:
    """Each place's cells and the organisation's totals, as this reader may see them.

    Four tables are suppressed apart, each with the totals it is published with: the sex and
    age cells (their row total is the individuals), the households, the vulnerabilities
    (households having each) and the missing documents (individuals missing each). A household
    can have several vulnerabilities and a person miss several documents, so those two have no
    meaningful row total; it is counted in the suppression all the same (more is hidden, never
    less) and not published."""
    counts = [place.counts for place in places]
    cells: list[dict[str, int | None]] = [{} for _ in places]
    totals: dict[str, int | None] = {}
    tables = (
        (population_cells(), "individuals"),
        (["households"], None),
        (vulnerability_cells(), None),
        (document_cells(), None),
    )
    for columns, row_total in tables:
        table = [[count.get(cell, 0) for cell in columns] for count in counts]
        published: Sequence[Sequence[int | None]]
        published_totals: Sequence[int | None]
        column_totals: Sequence[int | None]
        grand: int | None
        if exact:
            published = table
            published_totals = [sum(row) for row in table]
            column_totals = [sum(row[c] for row in table) for c in range(len(columns))]
            grand = sum(map(sum, table))
        elif table:
            result = suppress(table, threshold=threshold)
            published, published_totals = result.cells, result.row_totals
            column_totals, grand = result.column_totals, result.total
        else:
            published, published_totals, column_totals, grand = [], [], [0] * len(columns), 0
        for n, row in enumerate(published):
            cells[n].update(zip(columns, row, strict=True))
            if row_total:
                cells[n][row_total] = published_totals[n]
        totals.update(zip(columns, column_totals, strict=True))
        if row_total:
            totals[row_total] = grand
    return cells, totals


def _districts(places: Sequence[RegistryFigure]) -> dict[Any, AdminUnit | None]:
    """Each place's district: its admin unit at district level, the parent of a subdistrict,
    none for a place known only to its governorate."""
    units = {place.admin_unit_id: place.admin_unit for place in places}
    parents = {
        unit.pk: unit
        for unit in AdminUnit.objects.filter(
            pk__in=[unit.parent_id for unit in units.values() if unit.level == 3]
        ).defer("geometry")
    }
    found: dict[Any, AdminUnit | None] = {}
    for pk, unit in units.items():
        if unit.level == 2:
            found[pk] = unit
        elif unit.level == 3:
            found[pk] = parents.get(unit.parent_id) if unit.parent_id else None
        else:
            found[pk] = None
    return found
