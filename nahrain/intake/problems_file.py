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
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from nahrain.core.problems import ImportRejected, Problem, Severity
from nahrain.intake.columns import column_index
from nahrain.intake.readers import read_table

HEADERS = ("file", "row", "column", "severity", "rule", "message")
FILLS = {
    Severity.ERROR: PatternFill("solid", fgColor="F4C7C3"),
    Severity.WARNING: PatternFill("solid", fgColor="FCE8B2"),
}
_FIRST_COLUMN = re.compile(r"^([A-Z]{1,3})")
# More than anyone fixes by hand; the list says how many there were in all.
MAX_PROBLEMS = 10_000
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _safe(value: Any) -> Any:
    """A cell a spreadsheet program will not run as a formula, holding no character a
    spreadsheet cannot store."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def problems_csv(problems: list[Problem]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for p in problems[:MAX_PROBLEMS]:
        writer.writerow([_safe(v) for v in _listed(p)])
    # A byte-order mark, so that Excel opens Arabic text as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _listed(p: Problem) -> list[Any]:
    return [p.file, p.row or "", p.column, str(p.severity), p.rule, p.message]


def _column_number(column: str) -> int:
    """1-based number of a problem's (first) column, "S-AE" → 19; 1 when it names none."""
    match = _FIRST_COLUMN.match(column.strip().upper())
    return column_index(match.group(1)) + 1 if match else 1


def problems_xlsx(*, data: bytes, file: str, problems: list[Problem]) -> bytes:
    """The uploaded rows with the problems marked on them, and the list of problems.

    Written row by row (openpyxl's write-only mode): a national list of half a million rows
    takes the memory of one row at a time, not of the whole workbook.
    """
    problems = problems[:MAX_PROBLEMS]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Data")
    try:
        table = read_table(data, file=file)
    except ImportRejected:
        table = None  # a file that could not be read at all: the list says why
    if table is not None:
        notes: dict[int, dict[int, list[Problem]]] = defaultdict(lambda: defaultdict(list))
        for p in problems:
            if p.row is not None:
                notes[p.row][_column_number(p.column)].append(p)
        written = 0
        for number, row in zip(table.row_numbers, table.rows, strict=True):
            for _ in range(number - written - 1):
                sheet.append([])  # a blank row of the file stays blank, so numbers still match
            marked = notes.get(number, {})
            width = max(len(row), max(marked, default=0))
            sheet.append(
                [_cell(sheet, row, index, marked.get(index)) for index in range(1, width + 1)]
            )
            written = number
    listing = workbook.create_sheet("Problems")
    listing.append(list(HEADERS))
    for p in problems:
        listing.append([_text(sheet, _safe(v)) for v in _listed(p)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _text(sheet: Any, value: Any) -> Any:
    """A string cell that stays text: a leading "=" is not a formula here either."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def _cell(sheet: Any, row: list[str], index: int, found: list[Problem] | None) -> Any:
    """Column ``index`` (1-based) of a row as it was uploaded, coloured and commented when
    problems were found there."""
    value = row[index - 1] if index <= len(row) else ""
    if not found:
        return _text(sheet, value) if value != "" else None
    cell = _text(sheet, value) if value != "" else WriteOnlyCell(sheet, value=None)
    worst = Severity.ERROR if any(p.severity is Severity.ERROR for p in found) else Severity.WARNING
    cell.fill = FILLS[worst]
    text = "\n".join(f"{p.severity} [{p.rule}] {p.message}" for p in found)
    cell.comment = Comment(
        ILLEGAL_CHARACTERS_RE.sub("", text)[:30_000], "Nahrain", width=320, height=120
    )
    return cell


def problems_from(stored: list[dict[str, Any]]) -> list[Problem]:
    """Problems as a job keeps them (``Problem.as_dict``)."""
    return [
        Problem(d["file"], d["row"], d["column"], d["rule"], d["message"], Severity(d["severity"]))
        for d in stored
    ]
