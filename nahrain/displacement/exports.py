"""Exports of a round's figures: CSV, HXL-tagged CSV (for HDX), XLSX and GeoJSON.

One table per level (country, governorate, district, subdistrict, location) with IDP and
returnee households and individuals side by side, then every breakdown the round holds (by
shelter type, period of displacement and governorate of origin), in the order of the round's
code lists. The XLSX file adds a sheet saying what the figures are (source, round, date,
status, methodology, licence) and one explaining every column. Cells that a spreadsheet would
run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy, override
from openpyxl import Workbook

from nahrain.displacement import selectors
from nahrain.displacement.codelists import codes_for_round
from nahrain.displacement.models import AssessmentRound, Breakdown, Dimension, RoundStatus
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


POPULATION_TAGS = {"idp": "idps", "returnee": "returnees"}
POPULATION_WORDS = {"idp": "IDP", "returnee": "Returnee"}
MEASURES = (("households", "hh"), ("individuals", "ind"))
BREAKDOWNS = (Dimension.SHELTER, Dimension.PERIOD, Dimension.ORIGIN)


def _category_attribute(category: str) -> str:
    """A code as an HXL attribute: lower-case letters, digits and underscores."""
    return "".join(c if c.isalnum() else "_" for c in category.lower())


def breakdown_columns(assessment_round: AssessmentRound) -> list[tuple[str, str, str]]:
    """(column name, HXL tag, meaning) of every breakdown the round holds, for each population:
    shelter types and periods in the order of the round's code lists, governorates of origin
    by p-code. The same columns at every level, so that files of one round line up."""
    present: dict[tuple[str, str], set[str]] = {}
    for dimension in BREAKDOWNS:
        for figure in selectors.figures(assessment_round=assessment_round, dimension=dimension):
            present.setdefault((figure.population, dimension), set()).add(figure.category)
    codes = codes_for_round(assessment_round.number)
    order = {
        Dimension.SHELTER: {item.code: (n, item.label_en) for n, item in enumerate(codes.shelter)},
        Dimension.PERIOD: {item.code: (n, item.label_en) for n, item in enumerate(codes.period)},
    }
    origin_names = dict(AdminUnit.objects.filter(level=1).values_list("pcode", "name_en"))
    columns = []
    for population in POPULATION_TAGS:
        for dimension in BREAKDOWNS:
            categories = present.get((population, dimension), set())
            if dimension == Dimension.ORIGIN:
                labelled = sorted((c, origin_names.get(c, c)) for c in categories)
            else:
                known = order[dimension]
                labelled = [
                    (c, known.get(c, (len(known), c))[1])
                    for c in sorted(categories, key=lambda c: (known.get(c, (len(known),))[0], c))
                ]
            for category, label in labelled:
                for measure, tag in MEASURES:
                    name = f"{population}_{dimension}_{_category_attribute(category)}_{measure}"
                    hxl = (
                        f"#affected+{POPULATION_TAGS[population]}+{tag}+{dimension}"
                        f"+{_category_attribute(category)}"
                    )
                    what = {
                        Dimension.SHELTER: f"in {label}",
                        Dimension.PERIOD: f"displaced {label}",
                        Dimension.ORIGIN: f"from {label}",
                    }[dimension]
                    columns.append((name, hxl, f"{POPULATION_WORDS[population]} {measure} {what}"))
    return columns


def columns_for(level: int) -> list[tuple[str, str]]:
    """(column name, HXL tag) of an export's place and total columns at a level (4 =
    locations); the breakdown columns follow them (``breakdown_columns``)."""
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
    for dimension in BREAKDOWNS:
        for figure in selectors.figures(
            assessment_round=assessment_round, level=level, dimension=dimension, within=within
        ):
            unit_row = units.get(figure.pcode)
            if unit_row is not None:
                key = f"{figure.population}_{dimension}_{_category_attribute(figure.category)}"
                unit_row[f"{key}_households"] = figure.households
                unit_row[f"{key}_individuals"] = figure.individuals
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
        row = rows.get(fact.location_id)
        if row is None:
            row = rows[fact.location_id] = {
                "place_id": fact.place_id,
                "location_name": fact.name_en,
                "location_name_ar": fact.name_ar,
                "latitude": fact.latitude,
                "longitude": fact.longitude,
                "reference_date": date,
                **{name: 0 for name, _ in FIGURE_COLUMNS[:4]},
            }
            for level, pcode, name_en, name_ar in (
                (1, fact.adm1_pcode, fact.adm1_name_en, fact.adm1_name_ar),
                (2, fact.adm2_pcode, fact.adm2_name_en, fact.adm2_name_ar),
                (3, fact.adm3_pcode, fact.adm3_name_en, fact.adm3_name_ar),
            ):
                if pcode is not None:
                    row[f"adm{level}_pcode"] = pcode
                    row[f"adm{level}_name"] = name_en
                    row[f"adm{level}_name_ar"] = name_ar
        row[f"{fact.population}_households"] = fact.households
        row[f"{fact.population}_individuals"] = fact.individuals
    parts = Breakdown.objects.filter(
        assessment__round=assessment_round, assessment__location_id__in=list(rows)
    ).values_list(
        "assessment__location_id",
        "assessment__population",
        "dimension",
        "category",
        "households",
        "individuals",
    )
    for location_id, population, dimension, category, households, individuals in parts:
        key = f"{population}_{dimension}_{_category_attribute(category)}"
        rows[location_id][f"{key}_households"] = households
        rows[location_id][f"{key}_individuals"] = individuals
    return sorted(rows.values(), key=lambda r: str(r["place_id"]))


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise(value)
    return "" if value is None else value


Columns = list[tuple[str, str, str]]  # (name, HXL tag, meaning)


def to_csv(rows: list[dict[str, Any]], columns: Columns, *, hxl: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([name for name, _, _ in columns])
    if hxl:
        writer.writerow([tag for _, tag, _ in columns])
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name, _, _ in columns])
    # UTF-8 with a BOM so that Excel opens Arabic names correctly.
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(rows: list[dict[str, Any]], columns: Columns, about: list[tuple[str, str]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("figures")
    sheet.append([name for name, _, _ in columns])
    for row in rows:
        sheet.append([_cell(row.get(name)) for name, _, _ in columns])
    about_sheet = workbook.create_sheet("about")
    for what, value in about:
        about_sheet.append([what, _cell(value)])
    columns_sheet = workbook.create_sheet("columns")
    columns_sheet.append(["column", "HXL tag", "meaning"])
    for name, tag, meaning in columns:
        columns_sheet.append([name, tag, _cell(meaning)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_geojson(rows: list[dict[str, Any]], level: int, about: list[tuple[str, str]]) -> bytes:
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
    collection = {"type": "FeatureCollection", "metadata": dict(about), "features": features}
    return json.dumps(collection, ensure_ascii=False, default=str).encode("utf-8")


# What DTM Iraq's figures are, in the words of its own methodology (iraqdtm.iom.int).
METHODOLOGY = (
    "Figures of IDPs and returnees per location, collected by IOM DTM's Rapid Assessment and "
    "Response Teams through a network of key informants (community leaders, local authorities, "
    "security forces) and verified by visits to the locations. Households (families) and "
    "individuals are counted per location; a location's breakdowns (shelter type, period of "
    "displacement, governorate of origin) are the key informants' estimates. Figures of a "
    "round are a snapshot at its reference date, not a registration of persons."
)


def _english(words: Any) -> str:
    """Words of a file that says what it holds in English, whatever the page's language."""
    with override("en"):
        return str(words)


def about(
    assessment_round: AssessmentRound, level: str, within: AdminUnit | None
) -> list[tuple[str, str]]:
    """What a file holds: source, round, date, status, methodology and licence."""
    published = assessment_round.status == RoundStatus.PUBLISHED
    return [
        ("source", assessment_round.organisation.name),
        ("round", str(assessment_round.number)),
        ("version", str(assessment_round.version)),
        ("reference date", assessment_round.reference_date.isoformat()),
        (
            "status",
            "published" if published else f"{assessment_round.status}: NOT PUBLISHED, do not share",
        ),
        (
            "published at",
            assessment_round.published_at.isoformat()
            if published and assessment_round.published_at
            else "",
        ),
        ("level", _english(LEVEL_NAMES[level])),
        ("within", f"{within.pcode} {within.name_en}" if within is not None else "whole country"),
        ("exported at", timezone.now().isoformat(timespec="seconds")),
        ("methodology", METHODOLOGY),
        (
            "licence",
            settings.NAHRAIN_EXPORT_LICENCE
            or f"not stated: ask {assessment_round.organisation.name} before publishing",
        ),
        ("software", "Nahrain"),
    ]


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
    columns: Columns = [(name, tag, name.replace("_", " ")) for name, tag in columns_for(number)]
    columns += breakdown_columns(assessment_round)
    described = about(assessment_round, level, within)
    if format == "xlsx":
        data = to_xlsx(rows, columns, described)
    elif format == "geojson":
        data = to_geojson(rows, number, described)
    else:
        data = to_csv(rows, columns, hxl=format == "hxl")
    suffix = f"-v{assessment_round.version}" if assessment_round.version > 1 else ""
    if within is not None:
        suffix += f"-{within.pcode}"
    # The HXL file is a CSV too: its own name, so that a download does not replace the other.
    kind = "-hxl" if format == "hxl" else ""
    name = (
        f"dtm-round{assessment_round.number}{suffix}-{level}-"
        f"{assessment_round.reference_date:%Y%m%d}{kind}.{EXTENSIONS[format]}"
    )
    return data, name


COMPARE_FORMATS = ("csv", "xlsx")


def compare_file(
    *,
    base: AssessmentRound,
    other: AssessmentRound,
    population: str,
    units: list[dict[str, Any]],
    measured: bool,
    within: AdminUnit | None,
    format: str,
) -> tuple[bytes, str]:
    """The comparison on screen as a file: each unit's households and individuals in both
    rounds, the change and the change in %; empty where a round did not count the population
    (not measured is not zero)."""
    columns: Columns = [
        ("pcode", "#adm+code", "p-code of the area"),
        ("name", "#adm+name", "name of the area"),
        ("name_ar", "#adm+name+i_ar", "name of the area in Arabic"),
        ("households_before", "", f"households in round {base.number}"),
        ("households_after", "", f"households in round {other.number}"),
        ("individuals_before", "", f"individuals in round {base.number}"),
        ("individuals_after", "", f"individuals in round {other.number}"),
        ("individuals_change", "", "change in individuals"),
        ("change_percent", "", "change in individuals, % of the earlier round"),
    ]
    # A round that did not count the population has no figures of it: empty, not zero.
    counted = {
        "before": population in base.populations,
        "after": population in other.populations,
    }
    rows = []
    for unit in units:
        share = unit.get("share")
        row = {
            **unit,
            "name": unit["unit"].name_en if unit.get("unit") else unit["pcode"],
            "name_ar": unit["unit"].name_ar if unit.get("unit") else "",
            "individuals_change": unit["individuals_change"] if measured else None,
            "change_percent": round(100 * share, 1) if measured and share is not None else None,
        }
        for side, was_counted in counted.items():
            if not was_counted:
                row[f"households_{side}"] = row[f"individuals_{side}"] = None
        rows.append(row)
    published = base.status == RoundStatus.PUBLISHED and other.status == RoundStatus.PUBLISHED
    if format == "xlsx":
        described = [
            ("earlier round", f"{base.number} ({base.reference_date.isoformat()})"),
            ("later round", f"{other.number} ({other.reference_date.isoformat()})"),
            ("population", POPULATION_WORDS.get(population, population)),
            (
                "within",
                f"{within.pcode} {within.name_en}" if within is not None else "whole country",
            ),
            ("measured", "yes" if measured else "no: one round did not count this population"),
            ("status", "published" if published else "NOT PUBLISHED, do not share"),
            ("source", other.organisation.name),
        ]
        data = to_xlsx(rows, columns, described)
    else:
        data = to_csv(rows, columns)
    where = f"-{within.pcode}" if within is not None else ""
    where += "" if published else "-draft"
    name = f"dtm-compare-round{base.number}-round{other.number}-{population}{where}.{format}"
    return data, name
