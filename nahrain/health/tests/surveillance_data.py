"""The reference data made by ``scripts/surveillance_reference.R`` (see docs/HEALTH.md)."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).parent / "data" / "surveillance"
CASES: dict[str, dict[str, dict[str, Any]]] = json.loads((DATA / "cases.json").read_text())


def weekly(series: str) -> tuple[np.ndarray, np.ndarray | None]:
    """The counts (NaN for NA) and the population, where the file has one."""
    with (DATA / f"{series}.weekly.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    counts = np.array([float(row["count"]) if row["count"] else np.nan for row in rows])
    if "population" not in rows[0]:
        return counts, None
    return counts, np.array([float(row["population"]) for row in rows])


def reference(series: str) -> dict[str, list[str]]:
    with gzip.open(DATA / f"{series}.reference.csv.gz", "rt") as handle:
        rows = list(csv.DictReader(handle))
    return {key: [row[key] for row in rows] for key in rows[0]}


def numbers(texts: list[str]) -> np.ndarray:
    return np.array([float(t) if t else np.nan for t in texts])
