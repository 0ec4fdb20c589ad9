"""The code lists of coordination, kept as versioned data with their sources: clusters and
their areas of responsibility (``parent``), population groups, units, aggregations and the
reporting calendar (data/codelists.json); the activity and indicator catalogue per cluster, each
indicator with its unit and how it adds up, and what the system fills automatically
(data/catalogue.json)."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from nahrain.assistance import reach
from nahrain.core.codelists import CodeLists

DATA = Path(__file__).resolve().parent / "data"
LISTS = CodeLists(DATA / "codelists.json")

AGGREGATIONS = ("sum", "max", "cumulative", "unique")


def codes(kind: str) -> list[str]:
    return LISTS.codes(kind)


def label(kind: str, code: str, language: str | None = None) -> str:
    return LISTS.label(kind, code, language)


def choices(kind: str) -> list[tuple[str, str]]:
    return LISTS.choices(kind)


def version() -> str:
    return str(LISTS.data["version"])


@cache
def _cells() -> tuple[str, ...]:
    return tuple(reach.cells())


def cells() -> list[str]:
    """The sex and age cells of a row: the 4W's, the same as assistance's reach."""
    return list(_cells())


@cache
def cell_set() -> frozenset[str]:
    """The cells as a set: a row's cells are checked against it in one operation."""
    return frozenset(_cells())


# --- clusters ---------------------------------------------------------------------------------


def cluster_parent(cluster: str) -> str:
    return str(LISTS.entry("clusters", cluster).get("parent", ""))


def with_areas_of_responsibility(clusters: set[str]) -> set[str]:
    """The clusters and every area of responsibility under them (a protection cluster member
    reads child protection, GBV and mine action too)."""
    return clusters | {
        entry["code"] for entry in LISTS.entries("clusters") if entry.get("parent") in clusters
    }


# --- the catalogue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    code: str
    cluster: str
    activity: str
    unit: str
    aggregation: str
    entry: dict[str, Any]

    def label(self, language: str | None = None) -> str:
        return LISTS.text(self.entry, "label", language) or self.code


@cache
def catalogue() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "catalogue.json").read_text(encoding="utf-8"))
    return data


@cache
def indicators() -> dict[str, Indicator]:
    """Every indicator of the catalogue by its code (codes are unique across clusters)."""
    found: dict[str, Indicator] = {}
    for cluster, activities in catalogue()["clusters"].items():
        for activity in activities:
            for entry in activity["indicators"]:
                found[entry["code"]] = Indicator(
                    code=entry["code"],
                    cluster=cluster,
                    activity=activity["code"],
                    unit=entry["unit"],
                    aggregation=entry["aggregation"],
                    entry=entry,
                )
    return found


def indicator(code: str) -> Indicator:
    return indicators()[code]


def activities(cluster: str) -> list[dict[str, Any]]:
    return list(catalogue()["clusters"].get(cluster, []))


def activity_label(code: str, language: str | None = None) -> str:
    for cluster_activities in catalogue()["clusters"].values():
        for activity in cluster_activities:
            if activity["code"] == code:
                return LISTS.text(activity, "label", language) or code
    return code


def find_activity(cluster: str, text: str) -> str | None:
    """The code of the cluster's activity a sheet names by its code or its label in English,
    Arabic or Kurdish (spelling folded as partner names are); None when none matches."""
    key = name_key(text)
    for activity in activities(cluster):
        if key in _keys(activity):
            return str(activity["code"])
    return None


def find_indicator(cluster: str, text: str, activity: str | None = None) -> str | None:
    """The code of the cluster's indicator (under ``activity`` when given) a sheet names by its
    code or its label; None when none matches."""
    key = name_key(text)
    for found in activities(cluster):
        if activity is not None and found["code"] != activity:
            continue
        for entry in found["indicators"]:
            if key in _keys(entry):
                return str(entry["code"])
    return None


def _keys(entry: dict[str, Any]) -> set[str]:
    return {
        name_key(str(entry.get(field) or ""))
        for field in ("code", "label_en", "label_ar", "label_ckb")
    } - {""}


def catalogue_version() -> str:
    return str(catalogue()["version"])


def auto_fill() -> dict[str, Any]:
    """What the system fills automatically: assistance kind -> (cluster, activity, indicator),
    referrals provided and consultations -> theirs."""
    found: dict[str, Any] = catalogue()["auto_fill"]
    return found


# --- the calendar -----------------------------------------------------------------------------


def first_day(month: date) -> date:
    return month.replace(day=1)


def deadline(month: date) -> date:
    """The day a month's reports are due (the 10th of the following month, as data)."""
    rule = LISTS.data["periods"]
    first = first_day(month)
    index = first.year * 12 + first.month - 1 + int(rule["deadline_months_after"])
    return date(index // 12, index % 12 + 1, int(rule["deadline_day"]))


# --- partner names ----------------------------------------------------------------------------

# Hamza forms of alef to alef, ta marbuta to ha, alef maqsura to ya, the tatweel dropped.
_ARABIC_FOLDS = str.maketrans(
    {
        "\u0623": "\u0627",
        "\u0625": "\u0627",
        "\u0622": "\u0627",
        "\u0629": "\u0647",
        "\u0649": "\u064a",
        "\u0640": "",
    }
)


def name_key(spelling: str) -> str:
    """A partner's name as written, folded so that "I.O.M.", "iom" and " IOM " are one key:
    case, accents, punctuation and spaces, Arabic alef, ta marbuta and alef maqsura."""
    text = unicodedata.normalize("NFKD", spelling).casefold().translate(_ARABIC_FOLDS)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    # Dots and apostrophes join ("I.O.M." is "iom"); any other punctuation separates words.
    text = re.sub(r"[.'\u2019`]", "", text)
    return re.sub(r"[\W_]+", " ", text).strip()
