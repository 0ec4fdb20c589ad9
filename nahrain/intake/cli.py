"""What every import command shares: ``--map`` and ``--alias`` arguments, and how a refused
file is told on the terminal."""

from __future__ import annotations

from argparse import ArgumentParser, ArgumentTypeError
from collections.abc import Callable

from django.core.management.base import CommandError

from nahrain.core.problems import ImportRejected, Severity
from nahrain.intake.spec import Outcome


def _split(value: str, form: str) -> tuple[str, str]:
    # The last "=": a header may hold one ("Ind (=HH x 6)"), a field or p-code never does.
    left, sep, right = value.rpartition("=")
    if not sep or not left.strip() or not right.strip():
        raise ArgumentTypeError(f"{value!r} is not {form}")
    return left.strip(), right.strip()


def column_pair(value: str) -> tuple[str, str]:
    """``--map "COLUMN=FIELD"``."""
    return _split(value, "COLUMN=FIELD")


def add_map_argument(parser: ArgumentParser, *, meanings: str) -> None:
    """``--map "COLUMN=FIELD"`` (repeatable), into ``column_map``; ``meanings`` lists what a
    header may be read as."""
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        type=column_pair,
        metavar="COLUMN=FIELD",
        dest="column_map",
        help=f"Read a header the mapping cannot guess as {meanings}, or ignore it (repeatable).",
    )


def alias_pair(value: str) -> tuple[str, str]:
    """``--alias "NAME=PCODE"``."""
    name, pcode = _split(value, "NAME=PCODE")
    return name, pcode.upper()


def refusal(rejected: ImportRejected, write: Callable[[str], None]) -> CommandError:
    """Every problem, one a line, then the spellings to teach; the error to raise."""
    for problem in rejected.problems:
        write(str(problem))
    for unknown in rejected.unresolved:
        closest = ", ".join(f"{name} = {pcode}" for pcode, name in unknown.candidates)
        write(
            f"unknown {'governorate' if unknown.level == 1 else 'district'} "
            f"{unknown.text!r} (first in row {unknown.row}); map it with "
            f'--alias "{unknown.text}=PCODE"' + (f"; closest: {closest}" if closest else "")
        )
    errors = len([p for p in rejected.problems if p.severity is Severity.ERROR])
    return CommandError(f"rejected with {errors} error(s); nothing was written")


def outcome_lines(outcome: Outcome) -> list[str]:
    """The figures of a checked or written file, then its warnings."""
    return [f"{label}: {value}" for label, value in outcome.summary] + [
        str(p) for p in outcome.warnings
    ]
