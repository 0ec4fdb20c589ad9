"""``surveillance::farringtonFlexible`` (package 1.20), vectorised across series and weeks.

For each week k the package fits, per series, a quasi-Poisson GLM with log link to the
reference weeks (``algo.farrington.data.glm`` and ``blocks``), with ``glm.fit``'s IRLS, and then:

1. ``algo.farrington.fitGLM.flexible``: fit with the trend (``trend``); if IRLS does not converge
   in 25 iterations, without; if it still does not, no bound (alarm NA).
   ``phi = max(dispersion, 1)``; with ``reweight``, Anscombe residuals ``s`` give weights
   (``algo.farrington.assign.weights``: ``gamma * s^-2`` above ``weightsThreshold``, ``gamma``
   elsewhere) and the model is refitted (converged or not, as in R) and ``phi`` estimated again.
   The refitted model's working weights are then replaced by these weights, so that the
   dispersion ``summary.glm`` and ``predict.glm`` compute afterwards is ``sum(omega * ((y - mu) /
   mu)^2) / df``, not the Pearson statistic ``phi`` came from.
2. ``algo.farrington.glm``: the trend is kept only if its Wald p-value (t distribution, the
   unbounded dispersion) is below ``pThresholdTrend``, ``b >= 3`` and the prediction does not
   exceed the largest reference count; otherwise step 1 is redone without the trend.
3. The prediction for week k (level ``noPeriods`` of the seasonal factor; its standard error from
   the dispersion as ``predict.glm`` takes it, not ``phi``) gives the bound:
   ``algo.farrington.threshold.farrington`` ("delta", with ``powertrans``) or
   ``algo.farrington.threshold.noufaily`` ("nbPlugin", "muan": negative binomial quantile, Poisson
   when ``phi`` is 1).
4. No bound and no alarm when fewer than ``limit54[0]`` cases came in the ``limit54[1]`` weeks
   ending with week k; the alarm is ``score > 1 and observed != 0`` with R's score
   ``(y - fit) / (upper - fit)`` (``fit`` on the link scale for the negative binomial methods).

Weeks are rows of the series, reference weeks ``k - freq``, ``k - 2 freq`` … (R's behaviour when
``epochAsDate`` is FALSE). The GLM is fitted as one indicator per seasonal level plus the centred
week, which spans the same space as R's ``intercept + wtime + seasgroups`` and therefore gives the
same fits, standard errors and Wald test, and is solved in closed form per series (the normal
equations of that design are an arrow matrix), so that IRLS runs on tens of thousands of series
at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import xlogy  # type: ignore[import-untyped]
from scipy.stats import nbinom, norm, poisson  # type: ignore[import-untyped]
from scipy.stats import t as student_t

from .params import FarringtonParams
from .result import Detection, FloatArray, as_series

IntArray = NDArray[np.intp]
EPS = float(np.finfo(np.float64).eps)
LOG_EPS = float(np.log(EPS))
# glm.control(): epsilon and maxit.
EPSILON = 1e-8
MAXIT = 25
# Reference-week values handled at once (series x weeks x reference weeks): about 2 MB an array,
# which keeps the IRLS's arrays in cache; larger chunks ran slower here.
CHUNK_ROWS = 250_000


@dataclass(frozen=True)
class Pattern:
    """The reference weeks of week k: offsets (≤ 0) from k and their seasonal level (0-based;
    level ``no_periods - 1`` is the one of week k)."""

    offsets: IntArray
    levels: IntArray
    no_periods: int


def reference_pattern(params: FarringtonParams, freq: int) -> Pattern:
    """``blocks()`` then ``algo.farrington.data.glm``'s exclusion of the last weeks, relative to k.

    Translated line by line, R's ``a:b`` included (it counts down when a > b, which a block of
    length 0 makes happen), so that unusual ``noPeriods`` label the same weeks as in R.
    """
    b, w, p = params.b, params.w, params.no_periods
    span = b * freq + w
    factors = np.full(span + 1, np.nan)  # position i is week k - span + i

    def put(first: int, last: int, value: float) -> None:
        step = 1 if first <= last else -1
        for r in range(first, last + step, step):
            factors[r + span] = value

    put(-w, 0, p)
    for i in range(1, b + 1):
        ref_week = -i * freq
        put(ref_week - w, ref_week + w, p)
        if p != 1:
            period = -(i - 1) * freq - 2 * w - 1 - ref_week
            if period < p - (2 * w + 1):
                raise ValueError("Number of factors too big!")
            lengths = [0] + [
                period // (p - 1) + (1 if j < period % (p - 1) else 0) for j in range(p - 1)
            ]
            ends = np.cumsum(lengths)
            for j in range(1, p):
                put(ref_week + w + 1 + int(ends[j - 1]), ref_week + w + ends[j], j)
    excluded = params.excluded_weeks
    factors[max(0, span - excluded) :] = np.nan
    kept = np.flatnonzero(~np.isnan(factors))
    # Sorted by level, so that each level is a run of columns (sums per level by reduceat).
    order = np.lexsort((kept, factors[kept]))
    return Pattern(
        offsets=(kept[order] - span).astype(np.intp),
        levels=(factors[kept[order]] - 1).astype(np.intp),
        no_periods=p,
    )


def default_weeks(params: FarringtonParams, freq: int, weeks: int) -> IntArray:
    """R's default range, ``(freq * b + w + 1):nrow``, as 0-based week indices."""
    return np.arange(freq * params.b + params.w, weeks, dtype=np.intp)


def farrington_flexible(
    counts: FloatArray | np.ndarray,
    params: FarringtonParams,
    freq: int = 52,
    weeks: IntArray | None = None,
    population: FloatArray | np.ndarray | None = None,
) -> Detection:
    """``farringtonFlexible(sts, control)`` on series x weeks (NaN for a missing week).

    ``weeks`` are the 0-based week indices to compute (R's ``range`` minus one), by default R's
    default range; the others have no bound and are not assessed. ``population`` (series x weeks)
    is needed only with ``population_offset``.
    """
    observed = as_series(counts)
    n_series, n_weeks = observed.shape
    chosen = default_weeks(params, freq, n_weeks) if weeks is None else np.asarray(weeks, np.intp)
    pattern = reference_pattern(params, freq)
    # R indexes back to week k - b * freq - w: an index 0 it drops, a negative one is an error.
    span = freq * params.b + params.w
    if chosen.size and (chosen.min() - span < -1 or chosen.max() >= n_weeks):
        raise ValueError(
            "Some reference time points did not exist; decrease 'b' or postpone 'range'."
        )
    if params.population_offset:
        if population is None:
            raise ValueError("populationOffset needs the population of every series and week")
        log_population = np.log(np.broadcast_to(as_series(population), observed.shape))
    else:
        log_population = None
    upper = np.full(observed.shape, np.nan)
    expected = np.full(observed.shape, np.nan)
    alarm = np.zeros(observed.shape, dtype=bool)
    assessed = np.zeros(observed.shape, dtype=bool)
    # The only week whose pattern can reach before the series (R drops its index 0) is computed
    # on its own; all others share the full pattern.
    for group in (chosen[chosen >= span], chosen[chosen < span]):
        if not group.size:
            continue
        keep = group[0] + pattern.offsets >= 0
        part = Pattern(pattern.offsets[keep], pattern.levels[keep], pattern.no_periods)
        per_chunk = max(1, CHUNK_ROWS // max(1, part.offsets.size * len(group)))
        for start in range(0, n_series, per_chunk):
            rows = np.arange(start, min(n_series, start + per_chunk))
            series_idx = np.repeat(rows, len(group))
            week_idx = np.tile(group, len(rows))
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                res = _weeks(observed, log_population, series_idx, week_idx, part, params)
            upper[series_idx, week_idx] = res.upper
            expected[series_idx, week_idx] = res.expected
            alarm[series_idx, week_idx] = res.alarm
            assessed[series_idx, week_idx] = res.assessed
    return Detection(upperbound=upper, alarm=alarm, assessed=assessed, expected=expected)


@dataclass(frozen=True)
class _Outcome:
    upper: FloatArray
    expected: FloatArray
    alarm: NDArray[np.bool_]
    assessed: NDArray[np.bool_]


@dataclass
class _Fit:
    """A GLM fitted per element, as R's glm object keeps it: ``weights`` are the working weights of
    the last IRLS iteration (computed before its update of mu, which R's hat values and covariance
    use), ``mu`` the final fitted values. ``failed`` is R's NULL model (no convergence)."""

    beta: FloatArray  # (B, levels)
    slope: FloatArray  # (B,)
    mu: FloatArray  # (B, R)
    weights: FloatArray  # (B, R)
    level_weight: FloatArray  # (B, levels): sum of the working weights of each level
    level_time: FloatArray  # (B, levels): their weighted mean week
    spread: FloatArray  # (B,): sum of w (t - level mean)^2, the information on the slope
    converged: NDArray[np.bool_]
    dispersion: FloatArray  # summary.glm's estimate, not bounded below by 1
    # The dispersion predict.glm and the trend test see: fitGLM.flexible replaces the model's
    # working weights by the reweighting's omega once phi is taken, so summary.glm then sums
    # omega * ((y - mu) / mu)^2 instead of the working weights' Pearson statistic.
    test_dispersion: FloatArray
    df_residual: FloatArray
    trend: NDArray[np.bool_]
    failed: NDArray[np.bool_]

    def replace(self, rows: IntArray, other: _Fit) -> None:
        for name in self.__dataclass_fields__:
            getattr(self, name)[rows] = getattr(other, name)


@dataclass(frozen=True)
class Design:
    """The GLM's columns: the reference weeks sorted by level, each level a run of ``sizes[j]``
    weeks from ``starts[j]`` (levels with no week left out, week k's level last), and the weeks
    centred on k (R's ``wtime - k``)."""

    starts: IntArray
    sizes: IntArray
    time: FloatArray

    @classmethod
    def of(cls, pattern: Pattern) -> Design:
        present, starts, sizes = np.unique(pattern.levels, return_index=True, return_counts=True)
        if present[-1] != pattern.no_periods - 1:
            raise ValueError("no reference week is left in the level of the current week")
        return cls(starts.astype(np.intp), sizes.astype(np.intp), pattern.offsets.astype(float))

    @property
    def n_levels(self) -> int:
        return len(self.starts)

    def sums(self, values: FloatArray) -> FloatArray:
        """Per element and level, the sum of the values of the level's weeks."""
        return np.asarray(np.add.reduceat(values, self.starts, axis=1))

    def spread(self, per_level: FloatArray) -> FloatArray:
        """Per element, each level's value on each of its weeks."""
        return np.repeat(per_level, self.sizes, axis=1)


def _weeks(
    observed: FloatArray,
    log_population: FloatArray | None,
    series_idx: IntArray,
    week_idx: IntArray,
    pattern: Pattern,
    params: FarringtonParams,
) -> _Outcome:
    """Steps 1 to 4 for the elements (series_idx[e], week_idx[e])."""
    cols = week_idx[:, None] + pattern.offsets[None, :]
    y = observed[series_idx[:, None], cols]
    valid = ~np.isnan(y)
    y = np.where(valid, y, 0.0)
    offset = (
        np.zeros_like(y) if log_population is None else log_population[series_idx[:, None], cols]
    )
    design = Design.of(pattern)
    prior = valid.astype(np.float64)
    model = _fit_flexible(y, prior, offset, design, params, np.full(len(y), params.trend))
    # algo.farrington.glm: keep the trend only if significant, b >= 3 and no extrapolation.
    with_trend = np.flatnonzero(model.trend & ~model.failed)
    if with_trend.size:
        fit = np.maximum(
            np.exp(_eta_now(model, with_trend, log_population, series_idx, week_idx)), EPS
        )
        information = model.spread[with_trend]
        t_value = model.slope[with_trend] / np.sqrt(model.test_dispersion[with_trend] / information)
        p_value = 2 * student_t.sf(np.abs(t_value), model.df_residual[with_trend])
        largest = np.max(np.where(valid[with_trend], y[with_trend], -np.inf), axis=1)
        keep = (p_value < params.p_threshold_trend) & (params.b >= 3) & (fit <= largest)
        again = with_trend[~keep]
        if again.size:
            no_trend = np.zeros(again.size, dtype=bool)
            refit = _fit_flexible(y[again], prior[again], offset[again], design, params, no_trend)
            model.replace(again, refit)
    return _threshold(observed, log_population, series_idx, week_idx, model, params)


def _eta_now(
    model: _Fit,
    rows: IntArray | slice,
    log_population: FloatArray | None,
    series_idx: IntArray,
    week_idx: IntArray,
) -> FloatArray:
    """The linear predictor for week k itself: its level is the last, its centred week 0."""
    eta = model.beta[rows, -1]
    if log_population is not None:
        eta = eta + log_population[series_idx[rows], week_idx[rows]]
    return np.asarray(eta)


def _fit_flexible(
    y: FloatArray,
    prior: FloatArray,
    offset: FloatArray,
    design: Design,
    params: FarringtonParams,
    trend: NDArray[np.bool_],
) -> _Fit:
    """``algo.farrington.fitGLM.flexible``: fit, without trend if that fails, reweight, refit."""
    model = _irls(y, prior, offset, design, trend)
    retry = np.flatnonzero(~model.converged & model.trend)
    if retry.size:
        no_trend = np.zeros(retry.size, dtype=bool)
        model.replace(retry, _irls(y[retry], prior[retry], offset[retry], design, no_trend))
    failed = ~model.converged
    if params.reweight:
        phi = np.maximum(model.dispersion, 1.0)
        omega = _assign_weights(_anscombe(y, model, phi, design), prior, params.weights_threshold)
        # R refits and uses the result whether or not this fit converges.
        model = _irls(y, omega, offset, design, model.trend)
        residual = ((y - model.mu) / model.mu) ** 2
        weighted = np.sum(np.where(omega > 0, omega * residual, 0.0), axis=1)
        model.test_dispersion = _per_df(weighted, model.df_residual)
    model.failed = failed
    return model


def _irls(
    y: FloatArray,
    prior: FloatArray,
    offset: FloatArray,
    design: Design,
    trend: NDArray[np.bool_],
) -> _Fit:
    """``glm.fit`` for ``quasipoisson(link = "log")``, one fit per row of y, in lock step.

    Start ``mu = y + 0.1``; each iteration solves the weighted least squares of the working
    response; an element stops at the first iteration with ``|dev - devold| / (|dev| + 0.1) <
    1e-8`` (its values are those of that iteration, as R breaks there) or after 25. The elements
    still iterating are kept packed together, so that late iterations cost what is left.
    """
    time = design.time
    count, n_levels = len(y), design.n_levels
    out = _Fit(
        beta=np.full((count, n_levels), np.nan),
        slope=np.zeros(count),
        mu=np.zeros_like(y),
        weights=np.zeros_like(y),
        level_weight=np.zeros((count, n_levels)),
        level_time=np.zeros((count, n_levels)),
        spread=np.zeros(count),
        converged=np.zeros(count, dtype=bool),
        dispersion=np.full(count, np.nan),
        test_dispersion=np.full(count, np.nan),
        df_residual=np.zeros(count),
        trend=trend.copy(),
        failed=np.zeros(count, dtype=bool),
    )
    # The deviance 2 sum(wt (y log(y / mu) - y + mu)) as constant + sum(wt mu) - sum(wt y log mu):
    # no logarithm of y in the loop.
    weighted_y = prior * y
    constant = np.sum(prior * (xlogy(y, y) - y), axis=1)
    active = np.arange(count)
    eta = np.log(y + 0.1)
    mu = np.maximum(np.exp(eta), EPS)
    dev_old = _deviance(constant, prior, weighted_y, eta, mu)
    y_a, prior_a, offset_a, wy_a, constant_a, trend_a = (
        y,
        prior,
        offset,
        weighted_y,
        constant,
        trend,
    )
    for iteration in range(MAXIT):
        w = prior_a * mu
        z = eta - offset_a + y_a / mu - 1.0
        level_weight = design.sums(w)
        safe = np.where(level_weight > 0, level_weight, 1.0)
        level_time = design.sums(w * time) / safe
        level_z = design.sums(w * z) / safe
        centred = time - design.spread(level_time)
        w_centred = w * centred
        spread = np.einsum("ij,ij->i", w_centred, centred)
        slope = np.where(
            trend_a, np.einsum("ij,ij->i", w_centred, z) / np.where(spread > 0, spread, 1.0), 0.0
        )
        beta = np.where(level_weight > 0, level_z - slope[:, None] * level_time, np.nan)
        eta = design.spread(np.nan_to_num(beta)) + slope[:, None] * time + offset_a
        mu = np.maximum(np.exp(eta), EPS)
        dev = _deviance(constant_a, prior_a, wy_a, eta, mu)
        done = np.abs(dev - dev_old) / (np.abs(dev) + 0.1) < EPSILON
        finished = done | (iteration == MAXIT - 1)
        rows = active[finished]
        out.converged[rows] = done[finished]
        out.beta[rows], out.slope[rows] = beta[finished], slope[finished]
        out.mu[rows], out.weights[rows] = mu[finished], w[finished]
        out.level_weight[rows], out.level_time[rows] = level_weight[finished], level_time[finished]
        out.spread[rows] = spread[finished]
        going = ~finished
        if not going.any():
            break
        if finished.any():
            active = active[going]
            y_a, prior_a, offset_a = y_a[going], prior_a[going], offset_a[going]
            wy_a, constant_a, trend_a = wy_a[going], constant_a[going], trend_a[going]
            eta, mu = eta[going], mu[going]
            dev = dev[going]
        dev_old = dev
    rank = np.sum(out.level_weight > 0, axis=1) + out.trend
    out.df_residual = np.sum(prior > 0, axis=1) - rank.astype(np.float64)
    residual = (y - out.mu) / out.mu
    pearson = np.sum(np.where(out.weights > 0, out.weights * residual**2, 0.0), axis=1)
    out.dispersion = _per_df(pearson, out.df_residual)
    out.test_dispersion = out.dispersion.copy()
    return out


def _per_df(total: FloatArray, df_residual: FloatArray) -> FloatArray:
    """summary.glm: the statistic over the residual degrees of freedom, NaN when there are none."""
    return np.where(df_residual > 0, total / np.maximum(df_residual, 1), np.nan)


def _deviance(
    constant: FloatArray,
    prior: FloatArray,
    weighted_y: FloatArray,
    eta: FloatArray,
    mu: FloatArray,
) -> FloatArray:
    """``poisson()$dev.resids`` summed, ``log(mu)`` being eta where mu is not floored at eps."""
    log_mu = np.maximum(eta, LOG_EPS)
    return np.asarray(
        2
        * (constant + np.einsum("ij,ij->i", prior, mu) - np.einsum("ij,ij->i", weighted_y, log_mu))
    )


def _anscombe(y: FloatArray, model: _Fit, phi: FloatArray, design: Design) -> FloatArray:
    """``anscombe.residuals(m, phi)``: ``3/2 (y^(2/3) mu^(-1/6) - mu^(1/2)) / sqrt(phi (1 - h))``,
    h the hat values of the last IRLS iteration's weighted least squares."""
    level_weight = design.spread(model.level_weight)
    centred = design.time - design.spread(model.level_time)
    leverage_slope = np.where(
        model.trend[:, None],
        centred**2 / np.where(model.spread > 0, model.spread, 1.0)[:, None],
        0.0,
    )
    hat = model.weights * (1.0 / np.where(level_weight > 0, level_weight, np.inf) + leverage_slope)
    mu = model.mu
    raw = 1.5 * (y ** (2 / 3) * mu ** (-1 / 6) - np.sqrt(mu))
    return np.asarray(raw / np.sqrt(phi[:, None] * (1 - hat)))


def _assign_weights(s: FloatArray, valid: FloatArray, threshold: float) -> FloatArray:
    """``algo.farrington.assign.weights``: ``gamma s^-2`` above the threshold, ``gamma`` below,
    ``gamma`` making the weights sum to the number of reference weeks (``valid`` is 1 for a
    week in the fit, 0 for a missing one)."""
    relative = np.where(s > threshold, 1.0 / (s * s), 1.0) * valid
    gamma = valid.sum(axis=1) / relative.sum(axis=1)
    return np.asarray(gamma[:, None] * relative)


def _threshold(
    observed: FloatArray,
    log_population: FloatArray | None,
    series_idx: IntArray,
    week_idx: IntArray,
    model: _Fit,
    params: FarringtonParams,
) -> _Outcome:
    """The prediction for week k, the bound of the threshold method, limit54 and the alarm."""
    everything = np.arange(len(series_idx))
    eta = _eta_now(model, everything, log_population, series_idx, week_idx)
    level_weight = model.level_weight[:, -1]
    trend_part = np.where(
        model.trend,
        model.level_time[:, -1] ** 2 / np.where(model.spread > 0, model.spread, 1.0),
        0.0,
    )
    se_link = np.sqrt(model.test_dispersion * (1 / level_weight + trend_part))
    phi = np.maximum(model.dispersion, 1.0)
    y = observed[series_idx, week_idx]
    alpha = params.alpha
    if params.threshold_method == "delta":
        fit = np.maximum(np.exp(eta), EPS)
        upper = _delta_upper(fit, se_link * fit, phi, params)
        expected = fit
    else:
        fit = eta
        if params.threshold_method == "nbPlugin":
            mu0 = np.exp(eta)
        else:
            mu0 = np.exp(norm.ppf(1 - alpha, loc=eta, scale=se_link))
        mu0 = np.where(np.isinf(mu0), np.nan, mu0)
        size = mu0 / np.where(phi > 1, phi - 1, 1.0)
        upper = np.where(phi > 1, nbinom.ppf(1 - alpha, size, 1 / phi), poisson.ppf(1 - alpha, mu0))
        expected = np.exp(eta)
    score = (y - fit) / (upper - fit)
    cases, period = params.limit54
    recent = np.zeros(len(y))
    for lag in range(period):
        recent = recent + observed[series_idx, np.maximum(week_idx - lag, 0)]
    enough = (recent >= cases) & ~model.failed
    upper = np.where(enough, upper, np.nan)
    alarm = enough & ~np.isnan(score) & (score > 1) & (y != 0)
    return _Outcome(
        upper=upper,
        # R leaves its expected at the 0 it was initialised with where no model converged.
        expected=np.where(model.failed, 0.0, np.where(~np.isnan(upper), expected, np.nan)),
        alarm=alarm,
        assessed=~model.failed,
    )


def _delta_upper(
    mu0: FloatArray, se: FloatArray, phi: FloatArray, params: FarringtonParams
) -> FloatArray:
    """``algo.farrington.threshold.farrington``'s upper limit on the powertrans scale."""
    tau = phi + se**2 / mu0
    z = float(norm.ppf(1 - params.alpha))
    if params.powertrans == "none":
        return np.asarray(mu0 + z * np.sqrt(mu0 * tau))
    if params.powertrans == "1/2":
        return np.asarray((np.sqrt(mu0) + z * np.sqrt(tau / 4)) ** 2)
    return np.asarray((mu0 ** (2 / 3) + z * np.sqrt(4 / 9 * mu0 ** (1 / 3) * tau)) ** 1.5)
