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
from .result import Detection, FloatArray, as_series, by_rows, exceeding


def count_threshold(counts: NDArray[np.floating], params: CountThresholdParams) -> Detection:
    """Alarm at ``cases`` or more in a week (one case of measles, AFP or confirmed cholera)."""
    observed = as_series(counts)
    bound = float(params.cases - 1)
    return by_rows(
        observed, lambda rows: exceeding(observed[rows], np.full_like(observed[rows], bound))
    )


def meningitis(
    counts: NDArray[np.floating], population: NDArray[np.floating], params: MeningitisParams
) -> Detection:
    """Alarm at ``cases`` a week where fewer than ``population`` people live, else at
    ``per_100000`` cases per 100,000 people. ``population``: per series (n,) or series x weeks."""
    observed = as_series(counts)
    people = _population(population, observed)

    def part(rows: slice) -> Detection:
        threshold = np.where(
            people[rows] < params.population,
            float(params.cases),
            params.per_100000 * people[rows] / 100_000,
        )
        return _at_least(observed[rows], threshold)

    return by_rows(observed, part)


def doubling(counts: NDArray[np.floating], params: DoublingParams) -> Detection:
    """Alarm when the week's count is at least ``factor`` times the count ``weeks`` weeks before
    and at least ``min_cases``."""
    observed = as_series(counts)
    lag = params.weeks

    def part(rows: slice) -> Detection:
        before = observed[rows, :-lag]
        return _at_least(observed[rows, lag:], np.maximum(params.factor * before, params.min_cases))

    return by_rows(observed, part, lag) if observed.shape[1] > lag else _nothing(observed)


def attack_rate(
    counts: NDArray[np.floating], population: NDArray[np.floating], params: AttackRateParams
) -> Detection:
    """Alarm when the cases of the ``weeks`` weeks ending with this one reach ``per_10000`` per
    10,000 people: the week's bound is what the threshold leaves after the earlier weeks."""
    observed = as_series(counts)
    people = _population(population, observed)
    span = params.weeks - 1
    weeks = observed.shape[1]

    def part(rows: slice) -> Detection:
        earlier = np.zeros((observed[rows].shape[0], weeks - span))
        for lag in range(1, span + 1):
            earlier += observed[rows, span - lag : weeks - lag]
        allowed = params.per_10000 * people[rows, span:] / 10_000
        return _at_least(observed[rows, span:], allowed - earlier)

    return by_rows(observed, part, span) if weeks > span else _nothing(observed)


def _population(population: NDArray[np.floating], observed: FloatArray) -> FloatArray:
    people = np.asarray(population, dtype=np.float64)
    if people.ndim == 1 and observed.shape[0] == len(people):
        people = people[:, np.newaxis]
    return np.broadcast_to(people, observed.shape)


def _at_least(observed: FloatArray, threshold: FloatArray) -> Detection:
    """ "At least threshold cases" as a bound: whole counts above ``ceil(threshold) - 1``."""
    return exceeding(observed, np.ceil(threshold) - 1)


def _nothing(observed: FloatArray) -> Detection:
    """A series too short for the rule: no week has a bound."""
    return by_rows(
        observed, lambda rows: exceeding(observed[rows], np.full_like(observed[rows], np.nan))
    )
