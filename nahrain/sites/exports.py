"""The site table and the reconciliation with DTM as files: CSV, HXL-tagged CSV (for HDX) and
XLSX. Cells a spreadsheet would run as a formula are neutralised (``intake.readers.neutralise``),
as the displacement exports do."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from nahrain.intake.readers import neutralise

FORMATS = ("csv", "xlsx", "hxl")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "hxl": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {"csv": "csv", "hxl": "csv", "xlsx": "xlsx"}
# (column, HXL tag): the site table's columns, tagged as HDX reads CCCM site lists.
SITE_COLUMNS = (
    ("code", "#loc+code"),
    ("name_en", "#loc+name"),
    ("name_ar", "#loc+name+i_ar"),
    ("name_ckb", "#loc+name+i_ckb"),
    ("type", "#loc+type"),
    ("status", "#status"),
    ("status_since", "#date+status"),
    ("adm1_name", "#adm1+name"),
    ("adm1_pcode", "#adm1+code"),
    ("adm2_name", "#adm2+name"),
    ("adm2_pcode", "#adm2+code"),
    ("latitude", "#geo+lat"),
    ("longitude", "#geo+lon"),
    ("dtm_place_id", "#loc+code+dtm"),
    ("managing_agency", "#org+name"),
    ("capacity_people", "#capacity+ind"),
    ("capacity_shelters", "#capacity+shelters"),
    ("capacity_plots", "#capacity+plots"),
    ("individuals", "#affected+ind"),
    ("households", "#affected+hh"),
    ("population_date", "#date+reported"),
    ("population_source", "#meta+source"),
    ("shelters_occupied", "#capacity+shelters+occupied"),
    ("shelters_total", "#capacity+shelters+total"),
    ("open_gaps", "#indicator+gaps+open"),
)


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value


def table_csv(
    rows: list[dict[str, Any]], columns: Sequence[tuple[str, str]], *, hxl: bool = False
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([name for name, _ in columns])
    if hxl:
        writer.writerow([tag for _, tag in columns])
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name, _ in columns])
    # UTF-8 with a BOM so that Excel opens Arabic names correctly.
    return buffer.getvalue().encode("utf-8-sig")


def table_xlsx(rows: list[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("sites")
    sheet.append([name for name, _ in columns])
    for row in rows:
        sheet.append([_cell(row.get(name)) for name, _ in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_file(
    rows: list[dict[str, Any]], columns: Sequence[tuple[str, str]], format: str
) -> bytes:
    if format == "xlsx":
        return table_xlsx(rows, columns)
    return table_csv(rows, columns, hxl=format == "hxl")
