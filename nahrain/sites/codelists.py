"""Loading the sites app's code lists and thresholds, kept as versioned data with their sources:
sectors and monitoring indicators (data/monitoring.json), movement reasons
(data/codelists.json) and the informal-site risk formula (data/rasp.json)."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from nahrain.sites.models import Indicator, MovementReason, Sector

DATA = Path(__file__).resolve().parent / "data"
MONITORING_PATH = DATA / "monitoring.json"
CODELISTS_PATH = DATA / "codelists.json"
RASP_PATH = DATA / "rasp.json"

_LABELS = ("label_en", "label_ar", "label_ckb")


def _read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def codelists_load(
    monitoring: dict[str, Any] | None = None,
    codelists: dict[str, Any] | None = None,
    *,
    sector_model: Any = Sector,
    indicator_model: Any = Indicator,
    reason_model: Any = MovementReason,
) -> int:
    """Create or update the sectors, indicator versions and movement reasons from the data
    files; returns the rows written.

    Runs from the data migration (with the migration's historical models) and again whenever
    the files change (``nahrain sites_codelists``). An indicator is keyed by code and version, so
    a new threshold is added beside the old one, never over it: rounds already rated keep the
    version they were rated with.
    """
    monitoring = monitoring or _read(MONITORING_PATH)
    codelists = codelists or _read(CODELISTS_PATH)
    written = 0
    sectors = {}
    for position, spec in enumerate(monitoring["sectors"]):
        sectors[spec["code"]], _ = sector_model.objects.update_or_create(
            code=spec["code"],
            defaults={
                "position": position,
                **{k: spec.get(k, "") for k in _LABELS},
                "cluster_en": spec["cluster_en"],
                "cluster_ar": spec.get("cluster_ar", ""),
                "cluster_ckb": spec.get("cluster_ckb", ""),
            },
        )
        written += 1
    for position, spec in enumerate(monitoring["indicators"]):
        indicator_model.objects.update_or_create(
            code=spec["code"],
            version=spec["version"],
            defaults={
                "sector": sectors[spec["sector"]],
                "position": position,
                **{k: spec.get(k, "") for k in _LABELS},
                **{k: spec.get(k, "") for k in ("unit_en", "unit_ar", "unit_ckb")},
                "better": spec["better"],
                "green": spec.get("green"),
                "red": spec.get("red"),
                "source": spec["source"],
                "valid_from": date.fromisoformat(spec["valid_from"]),
                "valid_to": (
                    date.fromisoformat(spec["valid_to"]) if spec.get("valid_to") else None
                ),
            },
        )
        written += 1
    for kind in ("arrival", "departure"):
        reasons = [r for r in codelists["reasons"] if r["kind"] == kind]
        for position, spec in enumerate(reasons):
            reason_model.objects.update_or_create(
                code=spec["code"],
                defaults={
                    "kind": kind,
                    "position": position,
                    **{k: spec.get(k, "") for k in _LABELS},
                    "version": spec.get("version", codelists["version"]),
                    "source": spec.get("source", codelists["source"])[:300],
                },
            )
            written += 1
    return written


@cache
def rasp_formula() -> dict[str, Any]:
    """The informal-site risk formula in force (data/rasp.json), read once per process."""
    return _read(RASP_PATH)
