"""The code lists of the feedback mechanism, kept as versioned data with their sources
(data/codelists.json): channels, categories (with whether each is sensitive and its default
priority), topics, priorities (with the days to answer), why an item closes without contact,
how an answer was given, satisfaction, the languages and gender of who calls back, the
non-identifying person codes trends are broken down by, and what a PDM complaint becomes."""

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


def entry(kind: str, code: str) -> dict[str, Any]:
    return LISTS.entry(kind, code)


def version() -> str:
    return str(LISTS.data["version"])


def sensitive_categories() -> list[str]:
    """The categories only named focal points read (sexual exploitation and abuse, fraud,
    safety, data breach)."""
    return [e["code"] for e in LISTS.entries("categories") if e["sensitive"]]


def is_sensitive(category: str) -> bool:
    return bool(entry("categories", category)["sensitive"])


def default_priority(category: str) -> str:
    return str(entry("categories", category)["priority"])


def deadline_days(priority: str) -> int:
    return int(entry("priorities", priority)["deadline_days"])


def pdm_reason(reason: str) -> dict[str, Any]:
    """The category and topic a PDM complaint reason becomes."""
    return entry("pdm_reasons", reason)
