"""Units of nahrain.health.detection: many series at once, edge cases, parameters, fixed rules."""

from __future__ import annotations

import numpy as np
import pytest

from nahrain.health.detection import (
    AttackRateParams,
    CountThresholdParams,
    DoublingParams,
    EarsParams,
    FarringtonParams,
    MeningitisParams,
    attack_rate,
    count_threshold,
    doubling,
    ears_c,
    farrington_flexible,
    meningitis,
    params_from_dict,
    reference_pattern,
)
from nahrain.health.detection.params import EarsMethod
from nahrain.health.tests.surveillance_data import weekly


def counts_of(series: str) -> np.ndarray:
    return weekly(series)[0]


def stacked() -> np.ndarray:
    agona = counts_of("salmonella_agona")
    return np.vstack([agona, counts_of("agona_gaps"), agona * 3, np.roll(agona, 40)])


def assert_same_rows(together: np.ndarray, alone: np.ndarray) -> None:
    np.testing.assert_allclose(together, alone, rtol=1e-9, equal_nan=True)


@pytest.mark.parametrize("method", ["C1", "C2", "C3"])
def test_ears_series_at_once_as_one_by_one(method: EarsMethod) -> None:
    counts = stacked()
    params = EarsParams(method=method)
    together = ears_c(counts, params)
    for row, series in enumerate(counts):
        alone = ears_c(series, params)
        assert_same_rows(together.upperbound[row], alone.upperbound[0])
        assert (together.alarm[row] == alone.alarm[0]).all()


@pytest.mark.parametrize("params", [FarringtonParams(), FarringtonParams.noufaily()])
def test_farrington_series_at_once_as_one_by_one(params: FarringtonParams) -> None:
    counts = stacked()
    together = farrington_flexible(counts, params)
    for row, series in enumerate(counts):
        alone = farrington_flexible(series, params)
        assert_same_rows(together.upperbound[row], alone.upperbound[0])
        assert together.expected is not None and alone.expected is not None
        assert_same_rows(together.expected[row], alone.expected[0])
        assert (together.alarm[row] == alone.alarm[0]).all()


def test_ears_newest_weeks_only() -> None:
    counts = stacked()
    params = EarsParams(method="C3")
    whole = ears_c(counts, params)
    newest = ears_c(counts, params, last=2)
    assert_same_rows(newest.upperbound[:, -2:], whole.upperbound[:, -2:])
    assert np.isnan(newest.upperbound[:, :-2]).all() and not newest.assessed[:, :-2].any()


def test_farrington_chosen_weeks_as_in_the_whole_range() -> None:
    counts = stacked()
    params = FarringtonParams.noufaily()
    whole = farrington_flexible(counts, params)
    weeks = np.array([270, 311])
    chosen = farrington_flexible(counts, params, weeks=weeks)
    assert_same_rows(chosen.upperbound[:, weeks], whole.upperbound[:, weeks])
    assert not chosen.assessed[:, 300].any()


def test_ears_all_zero_baseline() -> None:
    counts = np.array([0.0] * 12 + [2.0])
    c1 = ears_c(counts, EarsParams(method="C1"))
    # sd 0: the bound is the mean, 0, and any case is above it.
    assert c1.upperbound[0, -1] == 0 and c1.alarm[0, -1]
    # C3 divides by that sd: 0/0 is NaN in R and here, so no bound and the alarm is NA.
    c3 = ears_c(counts, EarsParams(method="C3"))
    assert np.isnan(c3.upperbound[0, -1]) and not c3.assessed[0, -1]
    # A minimum sigma gives C3 a bound again.
    assert not np.isnan(ears_c(counts, EarsParams(method="C3", min_sigma=1)).upperbound[0, -1])


def test_ears_missing_week_leaves_the_windows_it_is_in_without_bound() -> None:
    counts = np.arange(20, dtype=float)
    counts[9] = np.nan
    c1 = ears_c(counts, EarsParams(method="C1"))
    without = ~c1.assessed[0]
    assert without[:7].all() and without[9:17].all() and c1.assessed[0, 7:9].all()
    assert c1.assessed[0, 17:].all()


def test_farrington_short_history_has_no_bound() -> None:
    counts = np.ones(5 * 52 + 3)
    assert not farrington_flexible(counts, FarringtonParams()).assessed.any()
    with pytest.raises(ValueError, match="reference time points did not exist"):
        farrington_flexible(counts, FarringtonParams(), weeks=np.array([5 * 52 - 1]))


def test_farrington_missing_week_in_limit54_window() -> None:
    counts = counts_of("salmAllOnset")
    complete = farrington_flexible(counts, FarringtonParams())
    counts[-2] = np.nan
    result = farrington_flexible(counts, FarringtonParams())
    assert not np.isnan(complete.upperbound[0, -3:]).any()
    # R: the sum of the 4 weeks ending with week k is NA, so no bound and alarm FALSE (not NA).
    assert np.isnan(result.upperbound[0, -2:]).all()
    assert result.assessed[0, -2:].all() and not result.alarm[0, -2:].any()
    assert result.upperbound[0, -3] == complete.upperbound[0, -3]


def test_reference_pattern() -> None:
    default = reference_pattern(FarringtonParams(), 52)
    assert default.offsets.size == 5 * 7
    assert set(default.offsets) == {-52 * i + d for i in range(1, 6) for d in range(-3, 4)}
    improved = reference_pattern(FarringtonParams.noufaily(), 52)
    # The five years back, but the last 26 weeks, the windows being level 10.
    assert improved.offsets.min() == -263 and improved.offsets.max() == -27
    assert np.bincount(improved.levels)[-1] == 35
    with pytest.raises(ValueError, match="Number of factors too big"):
        reference_pattern(FarringtonParams(no_periods=60), 52)


def test_params_from_dict() -> None:
    improved = params_from_dict(
        "farrington-flexible",
        {
            "noPeriods": 10,
            "pastWeeksNotIncluded": 26,
            "pThresholdTrend": 1,
            "weightsThreshold": 2.58,
            "thresholdMethod": "nbPlugin",
        },
    )
    assert improved == FarringtonParams.noufaily()
    assert params_from_dict("farrington-flexible", {"limit54": [3, 2]}) == FarringtonParams(
        limit54=(3, 2)
    )
    c3 = params_from_dict("ears-c3", {"minSigma": 0.5})
    assert isinstance(c3, EarsParams) and c3.level == 0.025 and c3.min_sigma == 0.5
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) window for ears-c1; allowed"):
        params_from_dict("ears-c1", {"window": 3})
    with pytest.raises(ValueError, match="parameter b must be int"):
        params_from_dict("farrington-flexible", {"b": True})
    with pytest.raises(ValueError, match="limit54 arguments are out of bounds"):
        params_from_dict("farrington-flexible", {"limit54": [5, 0]})
    with pytest.raises(ValueError, match="unknown method"):
        params_from_dict("cusum", {})


def test_count_threshold() -> None:
    result = count_threshold(np.array([[0.0, 1, 2, np.nan]]), CountThresholdParams(cases=1))
    assert result.alarm.tolist() == [[False, True, True, False]]
    assert result.assessed.tolist() == [[True, True, True, False]]


def test_meningitis_threshold_depends_on_population() -> None:
    counts = np.array([[1.0, 2.0], [4.0, 5.0], [5.0, 6.0]])
    result = meningitis(counts, np.array([20_000, 100_000, 120_000]), MeningitisParams())
    # 2 cases under 30,000 people; 5 per 100,000 above (6 for 120,000).
    assert result.alarm.tolist() == [[False, True], [False, True], [False, True]]
    assert result.upperbound[:, 0].tolist() == [1, 4, 5]


def test_doubling_needs_a_minimum_count() -> None:
    counts = np.array([[1.0, 3.0, 2.0, 6.0, 4.0, 11.0]])
    result = doubling(counts, DoublingParams(min_cases=3))
    # 1 -> 2 is no alarm (under 3 cases); 3 -> 6 and 2 -> 4... and 6 -> 11 is not double.
    assert result.alarm.tolist() == [[False, False, False, True, True, False]]
    assert not result.assessed[0, :2].any()


def test_attack_rate_over_a_window() -> None:
    counts = np.array([[1.0, 1.0, 1.0, 1.0, 0.0, 3.0], [1.0, np.nan, 1.0, 1.0, 1.0, 1.0]])
    result = attack_rate(counts, np.array([10_000, 10_000]), AttackRateParams(per_10000=4, weeks=4))
    assert result.alarm[0].tolist() == [False, False, False, True, False, True]
    # Week 4 needs 4 - 3 = 1 case, so its bound is 0; a missing week leaves its windows out.
    assert result.upperbound[0, 3] == 0
    assert result.assessed[1].tolist() == [False, False, False, False, False, True]
