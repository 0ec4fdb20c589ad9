"""The registry's figures as files: CSV, HXL-tagged CSV (for HDX) and XLSX with an about sheet.
A hidden cell is left empty; the about sheet (and the page) says why. Every download is
audited: the figures leave the system with it."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from openpyxl import Workbook

from nahrain.core.services import audit_record
from nahrain.geo.models import AdminUnit
from nahrain.registry import codelists
from nahrain.registry.rollups import AGE_UNKNOWN
from nahrain.registry.selectors import (
    FigureRow,
    Figures,
    document_cells,
    figure_cells,
    population_cells,
    vulnerability_cells,
)
from nahrain.sites.exports import CONTENT_TYPES, EXTENSIONS, FORMATS, table_csv

__all__ = ["CONTENT_TYPES", "FORMATS", "columns", "figures_export"]

PLACE_COLUMNS = {
    "governorate": (("adm1_name", "#adm1+name"), ("adm1_pcode", "#adm1+code")),
    "district": (
        ("adm1_name", "#adm1+name"),
        ("adm1_pcode", "#adm1+code"),
        ("adm2_name", "#adm2+name"),
        ("adm2_pcode", "#adm2+code"),
    ),
    "site": (
        ("adm1_name", "#adm1+name"),
        ("adm1_pcode", "#adm1+code"),
        ("adm2_name", "#adm2+name"),
        ("adm2_pcode", "#adm2+code"),
        ("place_type", "#loc+type"),
        ("place_code", "#loc+code"),
        ("place_name", "#loc+name"),
    ),
}


def _tag(cell: str) -> str:
    """The HXL hashtag of a cell, as HDX reads sex and age disaggregated figures."""
    if cell == "households":
        return "#affected+hh"
    if cell == "individuals":
        return "#affected+ind"
    if cell in population_cells():
        sex, group = cell.split("_", 1)
        age = {AGE_UNKNOWN: "ageunknown", "60": "age60plus"}.get(group, f"age{group}")
        return f"#affected+{sex}+{age}"
    if cell.startswith("doc_"):
        return f"#affected+ind+missing+{cell[4:]}"
    return f"#affected+hh+{cell}"


def columns(level: str) -> list[tuple[str, str]]:
    """The file's columns at this level, each with its HXL hashtag."""
    return [*PLACE_COLUMNS[level], *((cell, _tag(cell)) for cell in figure_cells())]


def _place(row: FigureRow) -> dict[str, Any]:
    place: dict[str, Any] = {
        "adm1_name": row.governorate.name_en,
        "adm1_pcode": row.governorate.pcode,
        "adm2_name": row.district.name_en if row.district else "",
        "adm2_pcode": row.district.pcode if row.district else "",
    }
    if row.site is not None:
        place.update(place_type="site", place_code=row.site.code, place_name=row.site.name_en)
    elif row.admin_unit is not None:
        place.update(
            place_type="out_of_camp",
            place_code=row.admin_unit.pcode,
            place_name=row.admin_unit.name_en,
        )
    return place


def rows(figures: Figures) -> list[dict[str, Any]]:
    """The file's rows: one per place, then the total of them all."""
    found = [{**_place(row), **row.cells} for row in figures.rows]
    total = {"adm1_name": "Total" if figures.within is None else f"Total {figures.within.name_en}"}
    return [*found, {**total, **figures.totals}]


def _cell_meaning(cell: str) -> str:
    if cell == "households":
        return "Households registered and living here"
    if cell == "individuals":
        return "Individuals (members alive and in the household)"
    if cell in population_cells():
        sex, group = cell.split("_", 1)
        who = "Female" if sex == "f" else "Male"
        if group == AGE_UNKNOWN:
            return f"{who}, date of birth not known"
        if group.isdigit():
            return f"{who}, aged {group} and over"
        return f"{who}, aged {group.replace('_', ' to ')}"
    if cell in document_cells():
        return f"Individuals missing: {codelists.label('documents', cell[4:], 'en')}"
    if cell in vulnerability_cells():
        return f"Households: {codelists.label('vulnerabilities', cell, 'en')}"
    return cell


def about(figures: Figures) -> list[list[str]]:
    """What the file holds, for its about sheet (English, as the column names)."""
    organisation = figures.organisation
    lines = [
        ["Registry figures", f"{organisation.name} ({organisation.acronym})"],
        ["Level", figures.level],
        ["Within", figures.within.pcode if figures.within else "all places"],
        ["Ages as of", figures.as_of.isoformat() if figures.as_of else ""],
        ["Source", "Nahrain registry, households and members registered by the organisation"],
    ]
    if figures.suppressed:
        lines.append(
            [
                "Small cells",
                f"Counts from 1 to {figures.threshold - 1} are left empty, and so are other "
                "counts chosen so that no hidden count can be worked out from the totals. Rows "
                "above site level and totals of an area are sums of the published site figures, "
                "empty where any part is hidden.",
            ]
        )
    else:
        lines.append(["Small cells", "Exact figures, for the holding organisation only."])
    lines.append(["", ""])
    lines.append(["Column", "Meaning"])
    for cell in figure_cells():
        lines.append([cell, _cell_meaning(cell)])
    return lines


def _xlsx(figures: Figures) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("figures")
    names = columns(figures.level)
    sheet.append([name for name, _tag in names])
    for row in rows(figures):
        sheet.append([row.get(name) for name, _tag in names])
    about_sheet = workbook.create_sheet("about")
    for line in about(figures):
        about_sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def figures_export(*, actor: User, figures: Figures, format: str) -> tuple[bytes, str]:
    """The figures as a file and its name, the download audited (the format, level and number
    of places: figures, not people, so nothing personal is recorded)."""
    if format not in FORMATS:
        raise ValueError(_("No such format."))
    if format == "xlsx":
        data = _xlsx(figures)
    else:
        data = table_csv(rows(figures), columns(figures.level), hxl=format == "hxl")
    audit_record(
        actor=actor,
        action="registry.figures_export",
        object_type="organisation",
        object_id=figures.organisation.pk,
        organisation=figures.organisation,
        detail={
            "format": format,
            "level": figures.level,
            "within": figures.within.pcode if figures.within else "",
            "places": len(figures.rows),
            "suppressed": figures.suppressed,
        },
    )
    suffix = "-hxl" if format == "hxl" else ""
    name = (
        f"registry-figures-{figures.organisation.acronym.lower()}-{figures.level}"
        f"-{date.today():%Y%m%d}{suffix}.{EXTENSIONS[format]}"
    )
    return data, name


def within_unit(pcode: str | None) -> AdminUnit | None:
    """The governorate or district named by its p-code (None for all places)."""
    if not pcode:
        return None
    return AdminUnit.objects.filter(pcode=pcode, level__in=(1, 2)).defer("geometry").first()
