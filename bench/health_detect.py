"""Benchmark of outbreak detection (issue 18): 2,000 facilities x 20 diseases x 520 weeks.

    python -m bench.health_detect [--facilities 2000] [--diseases 20] [--weeks 520] [--seed 18]
                                   [--history-weeks 8] [--output bench/results/health_detect.json]

Method. Synthetic weekly counts, deterministic (``numpy.random.default_rng(seed)``): each of the
facilities x diseases series is Poisson with mean ``facility rate x disease rate x (1 +
amplitude sin(2 pi (week + phase) / 52))`` (facility rates gamma(2, 1/2); disease rates
log-uniform from 0.05 to 20 a week; amplitude 0 to 0.8; a phase per disease), and a catchment
population per facility (5,000 to 150,000). An outbreak copy adds, to 10 % of the series, an
outbreak of 2 to 6 weeks (Poisson, 2 to 5 times the series' mean) starting in the last 5 years,
a tenth of them covering the newest week. Data generation is not timed.

Timed by ``time.perf_counter`` in this one process (numpy single-threaded code; the figures are
those of one core), each the median of ``--repeats`` runs unless said: EARS C1, C2, C3 (the
package defaults) and the four fixed rules (one case; meningitis by population; doubling with 3
cases at least; 1 per 10,000 over 4 weeks) over the whole history, then for the newest week only;
beside them a plain numpy version (a loop over weeks, ``mean`` and ``std`` of each week's
reference window across all series; its bounds are checked equal to ours); the improved
Farrington (Noufaily: ``FarringtonParams.noufaily()``) and the package's default Farrington for
the newest week of every series (once each); Farrington over the whole history measured on
``--history-weeks`` weeks spread over the weeks it can compute and scaled up to all of them
(labelled extrapolated). Alert rates: the share of assessed series-weeks with an alarm on the
outbreak-free series, per method (Farrington on the weeks measured), and the share of outbreak
weeks alarmed on the outbreak copy.

Results go to the JSON file and a Markdown summary is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import scipy  # type: ignore[import-untyped]
from numpy.typing import NDArray
from scipy.stats import norm  # type: ignore[import-untyped]

from bench.dedup_scale import machine as host_machine
from nahrain.health.detection import (
    AttackRateParams,
    CountThresholdParams,
    Detection,
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
)
from nahrain.health.detection.farrington import default_weeks

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")
Array = NDArray[np.float64]


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--facilities", type=int, default=2000)
    parser.add_argument("--diseases", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=520)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--history-weeks", type=int, default=8)
    parser.add_argument("--output", type=Path, default=ROOT / "bench/results/health_detect.json")
    return parser.parse_args(argv)


@dataclass(frozen=True)
class World:
    counts: Array  # series x weeks, outbreak-free
    outbreak_counts: Array
    outbreak: NDArray[np.bool_]  # series x weeks: inside an injected outbreak
    population: Array  # per series


def world(facilities: int, diseases: int, weeks: int, seed: int) -> World:
    rng = np.random.default_rng(seed)
    facility_rate = rng.gamma(2.0, 0.5, facilities)
    disease_rate = np.exp(rng.uniform(np.log(0.05), np.log(20.0), diseases))
    amplitude = rng.uniform(0.0, 0.8, diseases)
    phase = rng.uniform(0.0, 52.0, diseases)
    week = np.arange(weeks)
    season = 1 + amplitude[:, None] * np.sin(2 * np.pi * (week[None, :] + phase[:, None]) / 52)
    mean = (
        facility_rate[:, None, None] * disease_rate[None, :, None] * season[None, :, :]
    ).reshape(facilities * diseases, weeks)
    counts = rng.poisson(mean).astype(np.float64)
    series = len(counts)
    chosen = rng.choice(series, size=series // 10, replace=False)
    length = rng.integers(2, 7, chosen.size)
    start = rng.integers(weeks - 260, weeks, chosen.size)
    newest = rng.random(chosen.size) < 0.1
    start = np.where(newest, weeks - length + rng.integers(0, 2, chosen.size), start)
    outbreak = np.zeros(counts.shape, dtype=bool)
    for row, first, span in zip(chosen, start, length, strict=True):
        outbreak[row, first : min(weeks, first + span)] = True
    factor = rng.uniform(2.0, 5.0, series)[:, None]
    extra = rng.poisson(np.where(outbreak, factor * mean.mean(axis=1, keepdims=True), 0.0))
    population = np.repeat(rng.uniform(5_000, 150_000, facilities), diseases)
    return World(counts, counts + extra, outbreak, population)


@dataclass(frozen=True)
class Seconds:
    """Wall time (the targets) and CPU time of this process (what the code costs when other
    processes share the cores), each the median of the runs."""

    wall: float
    cpu: float

    def scaled(self, factor: float) -> Seconds:
        return Seconds(self.wall * factor, self.cpu * factor)


def timed(function: Callable[[], T], repeats: int) -> tuple[Seconds, T]:
    """The median times of ``repeats`` runs, and the last run's result."""
    walls, cpus = [], []
    for _ in range(repeats):
        started, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return Seconds(statistics.median(walls), statistics.median(cpus)), result


EARS = {
    "C1": EarsParams(method="C1"),
    "C2": EarsParams(method="C2"),
    "C3": EarsParams(method="C3"),
}


def fixed_rules(counts: Array, population: Array) -> dict[str, Detection]:
    return {
        "one case": count_threshold(counts, CountThresholdParams(cases=1)),
        "meningitis": meningitis(counts, population, MeningitisParams()),
        "doubling": doubling(counts, DoublingParams()),
        "attack rate": attack_rate(counts, population, AttackRateParams(per_10000=1, weeks=4)),
    }


def ears_and_fixed(counts: Array, population: Array, last: int | None) -> dict[str, Detection]:
    found = {f"EARS {m}": ears_c(counts, params, last=last) for m, params in EARS.items()}
    # The fixed rules look back at most 3 weeks: a new week needs only the last 4.
    recent = counts if last is None else counts[:, -(last + 3) :]
    found.update(fixed_rules(recent, population))
    return found


def plain_ears(counts: Array) -> dict[str, Array]:
    """EARS the plain way: a loop over weeks, numpy across series."""
    weeks = counts.shape[1]
    upper = {m: np.full(counts.shape, np.nan) for m in EARS}
    c2 = np.full(counts.shape, np.nan)
    for week in range(7, weeks):
        window = counts[:, week - 7 : week]
        mean, sd = window.mean(axis=1), window.std(axis=1, ddof=1)
        upper["C1"][:, week] = mean + norm.ppf(1 - 0.001) * sd
        if week >= 9:
            lagged = counts[:, week - 9 : week - 2]
            mean2, sd2 = lagged.mean(axis=1), lagged.std(axis=1, ddof=1)
            upper["C2"][:, week] = mean2 + norm.ppf(1 - 0.001) * sd2
            with np.errstate(divide="ignore", invalid="ignore"):
                c2[:, week] = (counts[:, week] - mean2) / sd2
            if week >= 11:
                lags = np.maximum(0, c2[:, week - 2] - 1) + np.maximum(0, c2[:, week - 1] - 1)
                with np.errstate(invalid="ignore"):
                    bound = counts[:, week] + sd2 * (norm.ppf(1 - 0.025) - lags)
                upper["C3"][:, week] = np.maximum(0, bound)
    return upper


def plain_ears_and_fixed(counts: Array, population: Array) -> dict[str, Array]:
    upper = plain_ears(counts)
    plain_fixed(counts, population)
    return upper


def plain_fixed(counts: Array, population: Array) -> None:
    """The fixed rules the plain way: a loop over weeks."""
    threshold = np.where(population < 30_000, 2.0, 5 * population / 100_000)
    for week in range(counts.shape[1]):
        now = counts[:, week]
        _ = now >= 1
        _ = now >= threshold
        if week >= 2:
            _ = (now >= 2 * counts[:, week - 2]) & (now >= 3)
        if week >= 3:
            _ = counts[:, week - 3 : week + 1].sum(axis=1) >= population / 10_000


def alert_rate(detection: Detection, weeks: NDArray[np.intp] | slice) -> float:
    assessed = detection.assessed[:, weeks]
    return float(detection.alarm[:, weeks][assessed].mean()) if assessed.any() else float("nan")


def share_found(
    detection: Detection, outbreak: NDArray[np.bool_], weeks: NDArray[np.intp] | slice
) -> float:
    inside = outbreak[:, weeks] & detection.assessed[:, weeks]
    return float(detection.alarm[:, weeks][inside].mean()) if inside.any() else float("nan")


def machine() -> dict[str, Any]:
    return {**host_machine(), "numpy": np.__version__, "scipy": scipy.__version__}


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    data = world(args.facilities, args.diseases, args.weeks, args.seed)
    series, weeks = data.counts.shape
    about = machine()
    times: dict[str, Seconds] = {}
    times["EARS C1-C3 + fixed rules, whole history"], history = timed(
        partial(ears_and_fixed, data.counts, data.population, None), args.repeats
    )
    times["EARS C1-C3 + fixed rules, newest week"], newest = timed(
        partial(ears_and_fixed, data.counts, data.population, 1), args.repeats
    )
    times["plain numpy loop: EARS C1-C3 + fixed rules, whole history"], plain = timed(
        partial(plain_ears_and_fixed, data.counts, data.population), 1
    )
    for method in EARS:
        ours = history[f"EARS {method}"].upperbound
        np.testing.assert_allclose(plain[method], ours, rtol=1e-9, equal_nan=True)
        assert np.array_equal(newest[f"EARS {method}"].upperbound[:, -1], ours[:, -1], True)

    last = np.array([weeks - 1])
    computable = default_weeks(FarringtonParams(), 52, weeks)
    measured = computable[np.linspace(0, computable.size - 1, args.history_weeks).astype(int)]
    checked = np.unique(np.append(measured, last))
    farrington: dict[str, tuple[Detection, Detection]] = {}
    for name, params in (
        ("improved", FarringtonParams.noufaily()),
        ("default", FarringtonParams()),
    ):
        times[f"Farrington {name}, newest week"], _ = timed(
            partial(farrington_flexible, data.counts, params, weeks=last), 1
        )
        share, free = timed(partial(farrington_flexible, data.counts, params, weeks=measured), 1)
        times[f"Farrington {name}, {measured.size} weeks of the history"] = share
        extrapolated = f"Farrington {name}, whole history ({computable.size} weeks), extrapolated"
        times[extrapolated] = share.scaled(computable.size / measured.size)
        farrington[name] = (free, farrington_flexible(data.outbreak_counts, params, weeks=checked))

    rates: dict[str, dict[str, float]] = {}
    everything = slice(None)
    with_outbreaks = ears_and_fixed(data.outbreak_counts, data.population, None)
    for name, detection in history.items():
        rates[name] = {
            "alert rate, outbreak-free": alert_rate(detection, everything),
            "outbreak weeks alarmed": share_found(with_outbreaks[name], data.outbreak, everything),
        }
    for name, (free, outbreaks) in farrington.items():
        rates[f"Farrington {name}"] = {
            "alert rate, outbreak-free": alert_rate(free, measured),
            "outbreak weeks alarmed": share_found(outbreaks, data.outbreak, checked),
        }
    about["load_average_at_end"] = os.getloadavg()[0]
    result: dict[str, Any] = {
        "date": date.today().isoformat(),
        "machine": about,
        "series": series,
        "weeks": weeks,
        "seconds": {name: asdict(value) for name, value in times.items()},
        "rates": rates,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(report(result))
    return 0


def report(result: dict[str, Any]) -> str:
    about = result["machine"]
    lines = [
        f"Outbreak detection, {result['date']}: {result['series']:,} series x "
        f"{result['weeks']} weeks",
        "",
        f"Machine: {about['cpu']}, {about['cores']} cores; Python {about['python']}, "
        f"numpy {about['numpy']}, scipy {about['scipy']}; load average "
        f"{about['load_average_at_start']:.2f} at start, "
        f"{about['load_average_at_end']:.2f} at end.",
        "",
        "| what | wall s | CPU s |",
        "| --- | ---: | ---: |",
    ]
    lines += [
        f"| {name} | {value['wall']:.2f} | {value['cpu']:.2f} |"
        for name, value in result["seconds"].items()
    ]
    lines += [
        "",
        "| method | alert rate, outbreak-free | outbreak weeks alarmed |",
        "| --- | ---: | ---: |",
    ]
    for name, rate in result["rates"].items():
        free, found = rate["alert rate, outbreak-free"], rate["outbreak weeks alarmed"]
        lines.append(f"| {name} | {free:.4f} | {found:.3f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
