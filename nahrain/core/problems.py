"""Problems found in input files, shared by every importer.

Each problem names the file, the row (1-based, as a spreadsheet shows it; for GeoJSON the
feature number), the column (or property) and the rule it breaks, so that the person who made the
file can find and fix it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _


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


@dataclass(frozen=True)
class Unresolved:
    """A spelling the file uses that names no known unit: what a person can teach the system
    once (an alias), with the closest units as candidates."""

    text: str
    level: int
    within: str | None  # p-code of the unit it was looked for in
    candidates: tuple[tuple[str, str], ...]  # (p-code, English name), best first
    row: int | None = None  # the first row that uses it

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ImportRejected(Exception):
    """Raised with every error found; nothing of the import has been written."""

    def __init__(
        self,
        problems: list[Problem],
        *,
        unresolved: list[Unresolved] | None = None,
        mapping: list[dict[str, str]] | None = None,
    ) -> None:
        self.problems = problems
        self.unresolved = unresolved or []
        # How the columns were read, when the file got that far: a person may correct it.
        self.mapping = mapping or []
        errors = [p for p in problems if p.severity is Severity.ERROR]
        head = "; ".join(str(p) for p in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(f"{len(errors)} error(s): {head}{more}")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]


# What each rule means, in words a person reads in their own language (the message beside it
# keeps the file's own values, in the words the check wrote it in). Each app adds the rules it
# raises from its ``AppConfig.ready`` (``rule_words_add``); these are the ones every importer
# shares.
_RULE_WORDS: dict[str, Any] = {
    "required": _("A value is missing"),
    "non_integer": _("Not a whole number"),
    "negative": _("A count below zero"),
    "duplicate": _("Given twice"),
    "invalid": _("Not a valid value"),
    "empty": _("Nothing to import"),
    "date": _("Not a date"),
    "status": _("Not allowed at this stage"),
}


def rule_words_add(words: Mapping[str, Any]) -> None:
    """Say what an app's problem rules mean (lazy translations)."""
    _RULE_WORDS.update(words)


def rule_words(rule: str) -> str:
    """The rule in the reader's language; empty for a rule nobody described."""
    text = _RULE_WORDS.get(rule)
    return "" if text is None else str(text)
