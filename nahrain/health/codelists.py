"""The code lists of health reporting, kept as versioned data with their sources
(data/codelists.json): facility kinds and functionality, consultation services, age groups,
sexes and population groups, the EWARN diseases with their case definitions, the week
convention, when a weekly report is late, and the steps of an alert."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nahrain.core.codelists import CodeLists

LISTS = CodeLists(Path(__file__).resolve().parent / "data" / "codelists.json")


def codes(kind: str) -> list[str]:
    return LISTS.codes(kind)


def label(kind: str, code: str, language: str | None = None) -> str:
    return LISTS.label(kind, code, language)


def choices(kind: str) -> list[tuple[str, str]]:
    return LISTS.choices(kind)


def disease(code: str) -> dict[str, Any]:
    return LISTS.entry("diseases", code)


def definition(code: str, language: str | None = None) -> str:
    """A disease's standard case definition in the reader's language."""
    return LISTS.text(disease(code), "definition", language)


def immediate_diseases() -> list[str]:
    """Diseases of which one case is reported at once, not only in the weekly report."""
    return [e["code"] for e in LISTS.entries("diseases") if e["immediate"]]


def week_convention() -> str:
    return str(LISTS.data["week_convention"]["convention"])


def due_days_after_week() -> int:
    return int(LISTS.data["timeliness"]["due_days_after_week"])


def timeliness_target() -> int:
    return int(LISTS.data["timeliness"]["target_percent"])


def verify_hours() -> int:
    return int(LISTS.data["alert_statuses"]["verify_hours"])


def next_steps(status: str) -> list[str]:
    steps: dict[str, list[str]] = LISTS.data["alert_statuses"]["steps"]
    return list(steps.get(status, []))


def version() -> str:
    return str(LISTS.data["version"])
