"""The fixed alert rules of the EWARN (issue 18), vectorised over series x weeks.

Each gives the same ``Detection`` as the statistical methods: ``upperbound`` is the largest count
of the week that raises no alarm, so that ``alarm`` is ``count > upperbound`` as in
``surveillance`` (counts are whole numbers: "at least t cases" is "more than ceil(t) - 1").
Weeks whose count, population or earlier weeks are missing (NaN) are not assessed.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .params import AttackRateParams, CountThresholdParams, DoublingParams, MeningitisParams
from .result import Detection, FloatArray, as_series


def count_threshold(counts: NDArray[np.floating], params: CountThresholdParams) -> Detection:
    """Alarm at ``cases`` or more in a week (one case of measles, AFP or confirmed cholera)."""
    observed = as_series(counts)
    return _at_least(observed, np.full(observed.shape, float(params.cases)))


def meningitis(
    counts: NDArray[np.floating], population: NDArray[np.floating], params: MeningitisParams
) -> Detection:
    """Alarm at ``cases`` a week where fewer than ``population`` people live, else at
    ``per_100000`` cases per 100,000 people. ``population``: per series (n,) or series x weeks."""
    observed = as_series(counts)
    people = _population(population, observed)
    threshold = np.where(
        people < params.population, float(params.cases), params.per_100000 * people / 100_000
    )
    return _at_least(observed, threshold)


def doubling(counts: NDArray[np.floating], params: DoublingParams) -> Detection:
    """Alarm when the week's count is at least ``factor`` times the count ``weeks`` weeks before
    and at least ``min_cases``."""
    observed = as_series(counts)
    before = np.full(observed.shape, np.nan)
    before[:, params.weeks :] = observed[:, : -params.weeks]
    return _at_least(observed, np.maximum(params.factor * before, float(params.min_cases)))


def attack_rate(
    counts: NDArray[np.floating], population: NDArray[np.floating], params: AttackRateParams
) -> Detection:
    """Alarm when the cases of the ``weeks`` weeks ending with this one reach ``per_10000`` per
    10,000 people: the week's bound is what the threshold leaves after the earlier weeks."""
    observed = as_series(counts)
    people = _population(population, observed)
    earlier = np.full(observed.shape, np.nan)
    if params.weeks == 1:
        earlier[:] = 0.0
    else:
        running = np.cumsum(np.nan_to_num(observed), axis=1)
        missing = np.cumsum(np.isnan(observed), axis=1)
        span = params.weeks - 1
        # Sum and missing count of weeks k-span … k-1, from cumulative sums shifted by one week.
        total = running[:, span - 1 : -1] - np.pad(running, ((0, 0), (1, 0)))[:, : -span - 1]
        gaps = missing[:, span - 1 : -1] - np.pad(missing, ((0, 0), (1, 0)))[:, : -span - 1]
        earlier[:, span:] = np.where(gaps == 0, total, np.nan)
    return _at_least(observed, params.per_10000 * people / 10_000 - earlier)


def _population(population: NDArray[np.floating], observed: FloatArray) -> FloatArray:
    people = np.asarray(population, dtype=np.float64)
    if people.ndim == 1 and observed.shape[0] == len(people):
        people = people[:, np.newaxis]
    return np.broadcast_to(people, observed.shape)


def _at_least(observed: FloatArray, threshold: FloatArray) -> Detection:
    upper = np.ceil(threshold) - 1
    assessed = ~np.isnan(upper) & ~np.isnan(observed)
    with np.errstate(invalid="ignore"):
        alarm = assessed & (observed > upper)
    return Detection(upperbound=np.where(assessed, upper, np.nan), alarm=alarm, assessed=assessed)
