"""EARS C1, C2 and C3 as ``surveillance::earsC`` (package 1.20) computes them, for many series.

For week k (1-based, as R's ``range``):

- C1: the reference values are the ``baseline`` weeks k-baseline … k-1; the bound is
  ``mean + qnorm(1 - alpha) * pmax(sd, minSigma)``.
- C2: the same with the weeks k-baseline-2 … k-3 (a gap of two weeks).
- C3: earsC takes the C2 statistic ``(observed - mean) / pmax(sd, minSigma)`` of weeks k-2 and
  k-1 and gives ``pmax(0, observed[k] + pmax(sd_k, minSigma) * (zAlpha - (pmax(0, C2[k-2] - 1) +
  pmax(0, C2[k-1] - 1))))``, sd_k being the sd of week k's C2 reference values.

The range earsC uses when none is given starts at week baseline+1 (C1), baseline+3 (C2) and
baseline+5 (C3); before it there is no bound and no alarm. ``mean`` and ``sd`` (n - 1) of a window
holding an NA are NA, and so are the bound and the alarm, as in R.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm  # type: ignore[import-untyped]

from .params import EarsParams
from .result import Detection, FloatArray, as_series, by_rows, exceeding


def ears_c(
    counts: FloatArray | np.ndarray, params: EarsParams, last: int | None = None
) -> Detection:
    """``earsC(sts, control = list(method, baseline, alpha, minSigma))`` on series x weeks.

    ``last`` computes only the newest ``last`` weeks (the others are left without a bound): only
    the weeks they look back on are read, so a new week costs a few columns, not the history.
    """
    observed = as_series(counts)
    weeks = observed.shape[1]
    first = params.max_lag if last is None else max(params.max_lag, weeks - last)
    start = max(0, first - params.max_lag)
    return by_rows(
        observed, lambda rows: _ears_rows(observed[rows, start:], params, first - start), start
    )


def _ears_rows(observed: FloatArray, params: EarsParams, first: int) -> Detection:
    """The bounds of some series from week ``first`` of ``observed`` on."""
    z_alpha = float(norm.ppf(1 - params.level))
    mean, sd = trailing_stats(observed, params.baseline)
    sigma = np.maximum(sd, params.min_sigma)
    if params.method == "C1":
        upper = mean + z_alpha * sigma
    else:
        # C2's reference window of week k is C1's of week k-2.
        mean2 = _shift(mean, 2)
        sigma2 = _shift(sigma, 2)
        if params.method == "C2":
            upper = mean2 + z_alpha * sigma2
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                c2 = (observed - mean2) / sigma2
                lags = np.maximum(0.0, _shift(c2, 2) - 1) + np.maximum(0.0, _shift(c2, 1) - 1)
                upper = np.maximum(0.0, observed + sigma2 * (z_alpha - lags))
    upper[:, :first] = np.nan
    return exceeding(observed, upper)


def trailing_stats(observed: FloatArray, baseline: int) -> tuple[FloatArray, FloatArray]:
    """Mean and sd (n - 1) of the ``baseline`` weeks before each week (NaN for the first ones).

    Two passes over shifted slices, as R's ``mean`` and ``var`` do, so that a constant window
    has an sd of exactly 0 (which C3 divides by) rather than a rounding residue.
    """
    weeks = observed.shape[1]
    mean = np.full(observed.shape, np.nan)
    sd = np.full(observed.shape, np.nan)
    if weeks <= baseline:
        return mean, sd
    span = weeks - baseline
    total = np.zeros((observed.shape[0], span))
    for lag in range(1, baseline + 1):
        total += observed[:, baseline - lag : weeks - lag]
    centre = total / baseline
    squares = np.zeros_like(total)
    for lag in range(1, baseline + 1):
        squares += (observed[:, baseline - lag : weeks - lag] - centre) ** 2
    mean[:, baseline:] = centre
    sd[:, baseline:] = np.sqrt(squares / (baseline - 1))
    return mean, sd


def _shift(values: FloatArray, weeks: int) -> FloatArray:
    """The values of ``weeks`` weeks before (NaN at the start)."""
    shifted = np.full(values.shape, np.nan)
    shifted[:, weeks:] = values[:, :-weeks]
    return shifted
