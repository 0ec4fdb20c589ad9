"""``nahrain registry dedupe-file``: a partner's own list de-duplicated, nothing stored.

The list is read with the intake pipeline's safe reader (CSV in UTF-8 or Windows Arabic, or
XLSX), checked (the columns, one id per record, dates a person could be born on), run through
the same matcher as the registry (``link.dedupe``) and answered as ``record_id,cluster_id``.
Nothing of it is written to the database; the output file is the only copy made.

Problems name file, row, column and rule. A missing column or a repeated or empty record id
refuses the file (clusters could not be told apart); an unreadable date, sex or governorate is
a warning and the value is left out of the comparison, as an empty cell would be.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from nahrain.core.problems import ImportRejected, Problem, Severity
from nahrain.intake.readers import read_table
from nahrain.registry.dedup import link
from nahrain.registry.dedup.records import FIELDS, date_of_birth

MAX_BYTES = 1024 * 1024 * 1024
MAX_ROWS = 5_000_000
_PCODE = re.compile(r"IQG\d{2}", re.IGNORECASE)
_SEX = frozenset({"", "m", "f", "male", "female", "ذكر", "انثى", "أنثى"})


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_rows(path: Path) -> tuple[list[dict[str, str]], list[Problem]]:
    """The rows of the list as dicts of the dedupe-file columns, and the warnings; refuses a
    list the matcher cannot answer for (``ImportRejected``)."""
    table = read_table(path.read_bytes(), file=path.name, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    if not table.rows:
        raise ImportRejected([Problem(table.file, None, "", "empty", "the list has no rows")])
    header = [cell.strip().lower().lstrip("#") for cell in table.rows[0]]
    missing = [name for name in FIELDS if name not in header]
    if missing:
        raise ImportRejected(
            [
                Problem(
                    table.file,
                    table.row_numbers[0],
                    "",
                    "missing_column",
                    f"the header has no column {name}",
                )
                for name in missing
            ]
        )
    at = {name: header.index(name) for name in FIELDS}
    errors: list[Problem] = []
    warnings: list[Problem] = []
    seen: dict[str, int] = {}
    rows: list[dict[str, str]] = []
    for cells, number in zip(table.rows[1:], table.row_numbers[1:], strict=True):
        row = {name: cells[i].strip() if i < len(cells) else "" for name, i in at.items()}

        def problem(
            name: str, rule: str, message: str, *, error: bool = False, number: int = number
        ) -> None:
            severity = Severity.ERROR if error else Severity.WARNING
            found = Problem(table.file, number, _letter(at[name]), rule, message, severity)
            (errors if error else warnings).append(found)

        record_id = row["record_id"]
        if not record_id:
            problem("record_id", "required", "the record has no record_id", error=True)
        elif record_id in seen:
            problem(
                "record_id",
                "duplicate",
                f"record_id {record_id} is also on row {seen[record_id]}",
                error=True,
            )
        else:
            seen[record_id] = number
        row.update(_checked(row, problem))
        rows.append(row)
        if len(errors) >= 100:
            break
    if errors:
        raise ImportRejected(errors + warnings)
    return rows, warnings


def _checked(row: dict[str, str], problem: Callable[..., None]) -> dict[str, str]:
    """The values the matcher cannot read, emptied with a warning."""
    cleared: dict[str, str] = {}
    born = row["date_of_birth"]
    if born:
        parsed, _ = date_of_birth(born)
        if parsed is None:
            problem("date_of_birth", "date", f"{born!r} is not a date (YYYY-MM-DD): left out")
            cleared["date_of_birth"] = ""
        elif not dt.date(1900, 1, 1) <= parsed <= dt.date.today():
            problem("date_of_birth", "date_range", f"{born} is not a birth date: left out")
            cleared["date_of_birth"] = ""
    if row["sex"].casefold() not in _SEX:
        problem("sex", "code", f"{row['sex']!r} is not m or f: left out")
        cleared["sex"] = ""
    for name in ("admin1_origin", "admin1_current"):
        if row[name] and not _PCODE.fullmatch(row[name]):
            problem(name, "pcode", f"{row[name]!r} is not a governorate p-code: left out")
            cleared[name] = ""
    return cleared


def _drained(rows: list[dict[str, str]]) -> Iterator[dict[str, str]]:
    """The rows, each let go once the matcher has read it: a national list's rows as text take
    more memory than the matcher's reading of them."""
    rows.reverse()
    while rows:
        yield rows.pop()


def dedupe_file(
    source: Path, output: Path, *, progress: Callable[[str], None] | None = None
) -> tuple[int, int, list[Problem]]:
    """Write ``record_id,cluster_id`` for every record of the list: records, people, warnings.
    A cluster is named by its first record's id in the list."""
    rows, warnings = read_rows(source)
    records, found, _ = link.dedupe(_drained(rows), progress=progress)
    with output.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["record_id", "cluster_id"])
        first_of: dict[int, str] = {}
        for record, cluster in zip(records, found, strict=True):
            name = first_of.setdefault(cluster, record.record_id)
            writer.writerow([record.record_id, name])
    return len(records), len(first_of), warnings
