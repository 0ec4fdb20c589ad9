"""Nahrain's EARS and farringtonFlexible against the R package ``surveillance`` on its own weekly
data sets (reference outputs made by ``scripts/surveillance_reference.R``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from nahrain.health.detection import Detection, ears_c, farrington_flexible, params_from_dict
from nahrain.health.detection.params import EarsParams, FarringtonParams
from nahrain.health.tests.surveillance_data import CASES, numbers, reference, weekly


def detect(
    counts: np.ndarray, population: np.ndarray | None, method: str, params: dict[str, Any]
) -> Detection:
    chosen = params_from_dict(method, params or {})
    if isinstance(chosen, EarsParams):
        return ears_c(counts, chosen)
    assert isinstance(chosen, FarringtonParams)
    return farrington_flexible(counts, chosen, population=population)


def r_alarms(detection: Detection) -> list[str]:
    alarm, assessed = detection.alarm[0], detection.assessed[0]
    return ["TRUE" if a else "FALSE" if s else "NA" for a, s in zip(alarm, assessed, strict=True)]


CASE_IDS = [(series, case) for series, cases in CASES.items() for case in cases]


@pytest.mark.parametrize(("series", "case"), CASE_IDS, ids=[f"{s}-{c}" for s, c in CASE_IDS])
def test_matches_surveillance(series: str, case: str) -> None:
    spec = CASES[series][case]
    counts, population = weekly(series)
    ref = reference(series)
    got = detect(counts, population, spec["method"], spec["params"])
    inside = np.array([a != "" for a in ref[f"{case}.alarm"]])
    want_upper = numbers(ref[f"{case}.upperbound"])
    upper = np.where(inside, got.upperbound[0], np.nan)
    assert np.array_equal(np.isnan(upper), np.isnan(want_upper)), "bounds missing differ"
    both = ~np.isnan(want_upper)
    relative = np.abs(upper[both] - want_upper[both]) / np.maximum(np.abs(want_upper[both]), 1e-12)
    want_alarm = np.array(ref[f"{case}.alarm"])[inside]
    got_alarm = np.array(r_alarms(got))[inside]
    if spec["method"].startswith("ears"):
        assert relative.max(initial=0) <= 1e-6
        assert list(got_alarm) == list(want_alarm)
        return
    assert relative.max(initial=0) <= 0.01
    want_expected = numbers(ref[f"{case}.expected"])
    expected = np.where(inside, got.expected[0] if got.expected is not None else np.nan, np.nan)
    assert np.array_equal(np.isnan(expected), np.isnan(want_expected))
    known = ~np.isnan(want_expected)
    assert np.allclose(expected[known], want_expected[known], rtol=0.01, atol=0)
    # Alarms identical wherever the bounds agree closely (a count can sit on a bound).
    agree = np.ones(inside.sum(), dtype=bool)
    agree[both[inside]] = relative <= 1e-6
    assert list(got_alarm[agree]) == list(want_alarm[agree])
