"""Problems found in input files, shared by every importer.

Each problem names the file, the row (1-based, as a spreadsheet shows it; for GeoJSON the
feature number), the column (or property) and the rule it breaks, so that the person who made the
file can find and fix it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"  # blocks the import
    WARNING = "warning"  # reported; the import goes on


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str
    rule: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.severity} [{self.rule}] {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ImportRejected(Exception):
    """Raised with every error found; nothing of the import has been written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity is Severity.ERROR]
        head = "; ".join(str(p) for p in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(f"{len(errors)} error(s): {head}{more}")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]
