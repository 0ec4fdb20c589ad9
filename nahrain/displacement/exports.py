"""Exports of a round's figures: CSV, HXL-tagged CSV (for HDX), XLSX and GeoJSON.

One table per level (country, governorate, district, subdistrict, location) with IDP and
returnee households and individuals side by side. Cells that a spreadsheet would run as a
formula are neutralised.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from nahrain.displacement import selectors
from nahrain.displacement.models import AssessmentRound
from nahrain.geo.models import AdminUnit
from nahrain.intake.readers import neutralise

LEVELS = {"adm0": 0, "adm1": 1, "adm2": 2, "adm3": 3, "location": 4}
# What the export's level is called on the page (the values stay in URLs and file names).
LEVEL_NAMES = {
    "adm0": gettext_lazy("Country"),
    "adm1": gettext_lazy("Governorates"),
    "adm2": gettext_lazy("Districts"),
    "adm3": gettext_lazy("Sub-districts"),
    "location": gettext_lazy("Locations"),
}
FORMATS = ("csv", "hxl", "xlsx", "geojson")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "hxl": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
EXTENSIONS = {"csv": "csv", "hxl": "csv", "xlsx": "xlsx", "geojson": "geojson"}
FIGURE_COLUMNS = [
    ("idp_households", "#affected+idps+hh"),
    ("idp_individuals", "#affected+idps+ind"),
    ("returnee_households", "#affected+returnees+hh"),
    ("returnee_individuals", "#affected+returnees+ind"),
    ("locations", "#meta+count+locations"),
    ("reference_date", "#date+reported"),
]


def _unit_columns(level: int) -> list[tuple[str, str]]:
    columns: list[tuple[str, str]] = []
    for each in range(0 if level == 0 else 1, min(level, 3) + 1):
        columns += [
            (f"adm{each}_pcode", f"#adm{each}+code"),
            (f"adm{each}_name", f"#adm{each}+name"),
            (f"adm{each}_name_ar", f"#adm{each}+name+i_ar"),
        ]
    return columns


def columns_for(level: int) -> list[tuple[str, str]]:
    """(column name, HXL tag) of an export at a level (4 = locations)."""
    if level == 4:
        return [
            ("place_id", "#loc+code"),
            ("location_name", "#loc+name"),
            ("location_name_ar", "#loc+name+i_ar"),
            *_unit_columns(3),
            ("latitude", "#geo+lat"),
            ("longitude", "#geo+lon"),
            *FIGURE_COLUMNS[:4],
            FIGURE_COLUMNS[5],
        ]
    return [*_unit_columns(level), *FIGURE_COLUMNS]


def rows_for(
    *, assessment_round: AssessmentRound, level: int, within: AdminUnit | None = None
) -> list[dict[str, Any]]:
    """The export table of a round at a level: one row per unit (or location), optionally only
    those inside one unit."""
    date = assessment_round.reference_date.isoformat()
    if level == 4:
        return _location_rows(assessment_round, date, within)
    if within is not None and within.level > level:
        return []
    units: dict[str, dict[str, Any]] = {}
    for figure in selectors.figures(assessment_round=assessment_round, level=level, within=within):
        row = units.setdefault(figure.pcode, {"locations": 0, "reference_date": date})
        row[f"{figure.population}_households"] = figure.households
        row[f"{figure.population}_individuals"] = figure.individuals
        row["locations"] = max(row["locations"], figure.locations)
    chains = _chains(list(units))
    rows = []
    for pcode, figures in sorted(units.items()):
        row = {name: 0 for name, _ in FIGURE_COLUMNS[:4]}
        row.update(chains[pcode])
        row.update(figures)
        rows.append(row)
    return rows


def _chains(pcodes: list[str]) -> dict[str, dict[str, str]]:
    """p-code -> the codes and names of the unit and its ancestors, as export columns."""
    units = {
        u.pcode: u
        for u in AdminUnit.objects.filter(pcode__in=pcodes).select_related(
            "parent", "parent__parent", "parent__parent__parent"
        )
    }
    chains = {}
    for pcode, unit in units.items():
        chain: dict[str, str] = {}
        current: AdminUnit | None = unit
        while current is not None:
            chain[f"adm{current.level}_pcode"] = current.pcode
            chain[f"adm{current.level}_name"] = current.name_en
            chain[f"adm{current.level}_name_ar"] = current.name_ar
            current = current.parent
        chains[pcode] = chain
    return chains


def _location_rows(
    assessment_round: AssessmentRound, date: str, within: AdminUnit | None
) -> list[dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    for fact in selectors.location_figures(assessment_round=assessment_round, within=within):
        location = fact.location
        row = rows.get(location.pk)
        if row is None:
            row = rows[location.pk] = {
                "place_id": location.external_id,
                "location_name": location.name_en,
                "location_name_ar": location.name_ar,
                "latitude": location.latitude,
                "longitude": location.longitude,
                "reference_date": date,
                **{name: 0 for name, _ in FIGURE_COLUMNS[:4]},
            }
            for level, unit in ((1, fact.adm1), (2, fact.adm2), (3, fact.adm3)):
                if unit is not None:
                    row[f"adm{level}_pcode"] = unit.pcode
                    row[f"adm{level}_name"] = unit.name_en
                    row[f"adm{level}_name_ar"] = unit.name_ar
        row[f"{fact.population}_households"] = fact.households
        row[f"{fact.population}_individuals"] = fact.individuals
    return sorted(rows.values(), key=lambda r: str(r["place_id"]))


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise(value)
    return "" if value is None else value


def to_csv(rows: list[dict[str, Any]], level: int, *, hxl: bool = False) -> bytes:
    columns = columns_for(level)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([name for name, _ in columns])
    if hxl:
        writer.writerow([tag for _, tag in columns])
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name, _ in columns])
    # UTF-8 with a BOM so that Excel opens Arabic names correctly.
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(rows: list[dict[str, Any]], level: int) -> bytes:
    columns = columns_for(level)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("figures")
    sheet.append([name for name, _ in columns])
    for row in rows:
        sheet.append([_cell(row.get(name)) for name, _ in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_geojson(rows: list[dict[str, Any]], level: int) -> bytes:
    """Boundaries where loaded (points otherwise) for units; points for locations."""
    features = []
    geometries: dict[str, tuple[Any, float | None, float | None]] = {}
    if level < 4:
        pcodes = [row[f"adm{level}_pcode"] for row in rows]
        geometries = {
            pcode: (geometry, lat, lon)
            for pcode, geometry, lat, lon in AdminUnit.objects.filter(pcode__in=pcodes).values_list(
                "pcode", "geometry", "lat", "lon"
            )
        }
    for row in rows:
        if level == 4:
            lat, lon, geometry = row.get("latitude"), row.get("longitude"), None
        else:
            geometry, lat, lon = geometries.get(row[f"adm{level}_pcode"], (None, None, None))
        if geometry is None and lat is not None and lon is not None:
            geometry = {"type": "Point", "coordinates": [lon, lat]}
        features.append({"type": "Feature", "geometry": geometry, "properties": row})
    return json.dumps(
        {"type": "FeatureCollection", "features": features}, ensure_ascii=False, default=str
    ).encode("utf-8")


WRITERS: dict[str, Callable[[list[dict[str, Any]], int], bytes]] = {
    "csv": to_csv,
    "hxl": lambda rows, level: to_csv(rows, level, hxl=True),
    "xlsx": to_xlsx,
    "geojson": to_geojson,
}


def export(
    *,
    assessment_round: AssessmentRound,
    level: str,
    format: str,
    within: AdminUnit | None = None,
) -> tuple[bytes, str]:
    """The export file's bytes and its file name."""
    number = LEVELS[level]
    rows = rows_for(assessment_round=assessment_round, level=number, within=within)
    data = WRITERS[format](rows, number)
    suffix = f"-v{assessment_round.version}" if assessment_round.version > 1 else ""
    if within is not None:
        suffix += f"-{within.pcode}"
    name = (
        f"dtm-round{assessment_round.number}{suffix}-{level}-"
        f"{assessment_round.reference_date:%Y%m%d}.{EXTENSIONS[format]}"
    )
    return data, name
