"""The problems file: what was wrong with an upload, in a form its maker can fix it in.

- XLSX: the file's own rows, at the row numbers the problems name, with each cell at fault
  coloured (red for an error, amber for a warning) and the rule and message in a comment on it;
  a second sheet lists every problem. Fixed in place and uploaded again, it is read like the
  original (Nahrain reads the first sheet; comments and colours are not data).
- CSV: the list of problems alone, one a line, for filtering and sorting.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from nahrain.core.problems import ImportRejected, Problem, Severity
from nahrain.intake.readers import read_table

HEADERS = ("file", "row", "column", "severity", "rule", "message")
FILLS = {
    Severity.ERROR: PatternFill("solid", fgColor="F4C7C3"),
    Severity.WARNING: PatternFill("solid", fgColor="FCE8B2"),
}
_FIRST_COLUMN = re.compile(r"^([A-Z]{1,3})")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _safe(value: Any) -> Any:
    """A cell a spreadsheet program will not run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def problems_csv(problems: list[Problem]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for p in problems:
        writer.writerow(
            [_safe(p.file), p.row or "", p.column, p.severity, p.rule, _safe(p.message)]
        )
    # A byte-order mark, so that Excel opens Arabic text as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _column_number(column: str) -> int:
    """1-based number of a problem's (first) column, "S-AE" → 19; 1 when it names none."""
    match = _FIRST_COLUMN.match(column.strip().upper())
    if not match:
        return 1
    number = 0
    for letter in match.group(1):
        number = number * 26 + ord(letter) - 64
    return number


def problems_xlsx(*, data: bytes, file: str, problems: list[Problem]) -> bytes:
    """The uploaded rows with the problems marked on them, and the list of problems."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Data"
    try:
        table = read_table(data, file=file)
    except ImportRejected:
        table = None  # a file that could not be read at all: the list says why
    if table is not None:
        for number, row in zip(table.row_numbers, table.rows, strict=True):
            for index, value in enumerate(row, start=1):
                if value != "":
                    cell = sheet.cell(row=number, column=index, value=value)
                    # Text stays text: a leading "=" is not a formula here either.
                    cell.data_type = "s"
        notes: dict[tuple[int, int], list[Problem]] = defaultdict(list)
        for p in problems:
            if p.row is not None:
                notes[(p.row, _column_number(p.column))].append(p)
        for (row_number, column), found in notes.items():
            marked = sheet.cell(row=row_number, column=column)
            worst = (
                Severity.ERROR
                if any(p.severity is Severity.ERROR for p in found)
                else (Severity.WARNING)
            )
            marked.fill = FILLS[worst]
            text = "\n".join(f"{p.severity} [{p.rule}] {p.message}" for p in found)
            marked.comment = Comment(text[:30_000], "Nahrain", width=320, height=120)
    listing = workbook.create_sheet("Problems")
    listing.append(list(HEADERS))
    for p in problems:
        listing.append([_safe(p.file), p.row, p.column, str(p.severity), p.rule, _safe(p.message)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def problems_from(stored: list[dict[str, Any]]) -> list[Problem]:
    """Problems as a job keeps them (``Problem.as_dict``)."""
    return [
        Problem(d["file"], d["row"], d["column"], d["rule"], d["message"], Severity(d["severity"]))
        for d in stored
    ]
