"""The registry's code lists and thresholds, kept as versioned data with their sources
(data/codelists.json): relationships to the head, vulnerabilities, civil documents, consent
purposes, the Washington Group domains and answers, the age limits and age groups."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import get_language

DATA = Path(__file__).resolve().parent / "data" / "codelists.json"


@cache
def codelists() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


def codes(kind: str) -> list[str]:
    """The codes of one list ("relationships", "documents", ...), in their order."""
    return [entry["code"] for entry in codelists()[kind]["codes"]]


@cache
def code_set(kind: str) -> frozenset[str]:
    """The codes of one list as a set: the rules test every member of a national list against
    it, two lookups a member."""
    return frozenset(codes(kind))


def label(kind: str, code: str, language: str | None = None) -> str:
    """A code's label in the reader's language (English where a label is missing)."""
    language = (language or get_language() or "en").split("-")[0]
    for entry in codelists()[kind]["codes"]:
        if entry["code"] == code:
            return str(entry.get(f"label_{language}") or entry["label_en"])
    return code


def choices(kind: str) -> list[tuple[str, str]]:
    return [(code, label(kind, code)) for code in codes(kind)]


def threshold(name: str) -> Any:
    return codelists()["thresholds"][name]


@cache
def _relationship_sexes() -> dict[str, str]:
    return {
        entry["code"]: str(entry["sex"])
        for entry in codelists()["relationships"]["codes"]
        if entry.get("sex")
    }


def relationship_sex(code: str) -> str | None:
    """The sex a relationship implies ("daughter": "f"), or None."""
    return _relationship_sexes().get(code)


def age_on(born_on: date, day: date) -> int:
    """Whole years between a date of birth and a day."""
    return day.year - born_on.year - ((day.month, day.day) < (born_on.month, born_on.day))


def age_group(age: int) -> str:
    """The age group's cell name ("0_4", "5_11", "12_17", "18_59", "60")."""
    for low, high in threshold("age_groups"):
        if high is None:
            if age >= low:
                return str(low)
        elif low <= age <= high:
            return f"{low}_{high}"
    raise ValueError(f"age {age} in no group")


def age_groups() -> list[str]:
    return [str(low) if high is None else f"{low}_{high}" for low, high in threshold("age_groups")]
