"""The code lists of assistance, kept as versioned data with their sources
(data/codelists.json): kinds of assistance, modalities, clusters, items, the rules that exclude a
household from a list (with the words a hotline operator reads out, ``explain_*``), the reasons a
household falls outside a programme's rules, distribution outcomes and the PDM sample's
defaults."""

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


def text(found: dict[str, Any], field: str, language: str | None = None) -> str:
    return LISTS.text(found, field, language)


def version() -> str:
    return str(LISTS.data["version"])
