"""``nahrain health``: the health facilities' and EWARN's commands.

``nahrain health detect --series WEEKLY.csv --method METHOD --output THRESHOLDS.csv`` runs a
statistical detection method on one weekly series, as the R package ``surveillance`` would on
``sts(observed = count, start = c(year, week), frequency = 52)``: the rows are the weeks of the
sts, in order, and reference weeks are found by row offsets of the frequency (epochAsDate FALSE);
``week_index``, ``year`` and ``week`` label the rows and are not used to find weeks.

``nahrain health chase [--week YYYY-Www]`` tells the reporting staff (data entry and information
managers) of every active EWARN-reporting facility with no report of the week, by default the
week just ended, that it has not come.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from argparse import ArgumentParser, ArgumentTypeError, BooleanOptionalAction
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from nahrain.health import alerting, weeks
from nahrain.health.detection import (
    METHODS,
    Detection,
    EarsParams,
    FarringtonParams,
    Params,
    ears_c,
    farrington_flexible,
    params_from_dict,
)
from nahrain.health.detection.params import r_name

DETECT_METHODS = ("ears-c1", "ears-c2", "ears-c3", "farrington-flexible")
WEEKLY_COLUMNS = ("week_index", "year", "week", "count")
# The options of the parameters: the fields of the methods' parameters, R's names in kebab case.
PARAMETERS = tuple(
    dict.fromkeys(
        field.name
        for params in (EarsParams, FarringtonParams)
        for field in dataclasses.fields(params)
        if field.name != "method"
    )
)


class Command(BaseCommand):
    help = "Health facilities and EWARN: detect (run an outbreak detection method on a series)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add_detect_arguments(
            sub.add_parser(
                "detect",
                help="Upper bounds and alarms of a detection method on a weekly series, as the "
                "R package surveillance computes them.",
            )
        )

        chase = sub.add_parser(
            "chase",
            help="Tell the reporting staff of each facility without the week's EWARN report.",
        )
        chase.add_argument(
            "--week",
            type=epi_week,
            metavar="YYYY-Www",
            help="The epidemiological week (e.g. 2026-W47); default: the week just ended.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "detect":
            self._detect(options)
        elif options["action"] == "chase":
            self._chase(options)

    def _chase(self, options: dict[str, Any]) -> None:
        year, week = options["week"] or weeks.shift(*weeks.week_of(timezone.localdate()), -1)
        chased = alerting.chase_missing(year=year, week=week)
        self.stdout.write(f"{year}-W{week:02d}: {chased} facilities without a report told")

    def _detect(self, options: dict[str, Any]) -> None:
        method = options["method"]
        chosen = [dest for dest in PARAMETERS if options[dest] is not None]
        takes = {field.name for field in dataclasses.fields(METHODS[method])}
        foreign = [f"--{dest.replace('_', '-')}" for dest in chosen if dest not in takes]
        if foreign:
            raise CommandError(f"{', '.join(foreign)}: not a parameter of {method}")
        given = {r_name(dest): options[dest] for dest in chosen}
        try:
            params = params_from_dict(method, given)
        except ValueError as refused:
            raise CommandError(str(refused)) from None
        series = read_weekly(options["series"])
        try:
            detection = run(series, params, options["frequency"], options["range"])
        except ValueError as refused:
            raise CommandError(f"{method}: {refused}") from None
        write_thresholds(options["output"], series.week_index, detection)
        bounds = int(np.sum(~np.isnan(detection.upperbound)))
        alarms = int(np.sum(detection.alarm))
        if not detection.assessed.any():
            self.stderr.write(f"{method}: the series is too short, no week has a bound")
        self.stdout.write(
            f"{method}: {len(series.week_index)} weeks, {bounds} with a bound, {alarms} alarms; "
            f"written to {options['output']}"
        )


def epi_week(value: str) -> tuple[int, int]:
    """``2026-W47`` as (2026, 47), a week the year has in the EWARN's convention."""
    year, _, week = value.upper().partition("-W")
    try:
        found = (int(year), int(week))
        weeks.week_start(*found)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a week (YYYY-Www, e.g. 2026-W47)") from None
    return found


def add_detect_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--series",
        type=Path,
        required=True,
        help="WEEKLY.csv: "
        + ",".join(WEEKLY_COLUMNS)
        + " (and population, for --population-offset).",
    )
    parser.add_argument("--method", choices=DETECT_METHODS, required=True)
    parser.add_argument(
        "--output",
        type=Path,
        required=True,
        help="THRESHOLDS.csv to write: week_index,upperbound,alarm.",
    )
    parser.add_argument("--frequency", type=int, default=52, help="Weeks a year of the sts (52).")
    parser.add_argument(
        "--range",
        type=week_range,
        metavar="FIRST:LAST",
        help="Weeks (week_index values, inclusive) to compute, as R's range; default: every "
        "week the method can give a bound for.",
    )
    ears = parser.add_argument_group("EARS (earsC)")
    ears.add_argument("--baseline", type=int, help="Reference weeks (7).")
    ears.add_argument("--min-sigma", type=float, help="Smallest standard deviation used (0).")
    both = parser.add_argument_group("EARS and Farrington")
    both.add_argument(
        "--alpha", type=float, help="EARS: 0.001 (C1, C2), 0.025 (C3); Farrington: 0.05."
    )
    ff = parser.add_argument_group("Farrington (farringtonFlexible)")
    ff.add_argument("--b", type=int, help="Years back (5).")
    ff.add_argument("--w", type=int, help="Half window in weeks (3).")
    ff.add_argument(
        "--reweight",
        action=BooleanOptionalAction,
        default=None,
        help="Down-weigh past outbreaks (yes).",
    )
    ff.add_argument(
        "--weights-threshold",
        type=float,
        help="Anscombe residual above which a week is down-weighed (2.58).",
    )
    ff.add_argument(
        "--trend", action=BooleanOptionalAction, default=None, help="Fit a time trend (yes)."
    )
    ff.add_argument(
        "--p-threshold-trend", type=float, help="Keep the trend below this p-value (0.05)."
    )
    ff.add_argument(
        "--limit54",
        type=int,
        nargs=2,
        metavar=("CASES", "WEEKS"),
        help="No bound unless CASES in the last WEEKS weeks (5 4).",
    )
    ff.add_argument(
        "--powertrans",
        choices=("2/3", "1/2", "none"),
        help="Transformation of the delta method (2/3).",
    )
    ff.add_argument(
        "--population-offset",
        action=BooleanOptionalAction,
        default=None,
        help="Population offset from WEEKLY's population column (no).",
    )
    ff.add_argument(
        "--no-periods",
        type=int,
        help="Levels of the seasonal factor (1; 10 in the improved method).",
    )
    ff.add_argument(
        "--past-weeks-not-included",
        type=int,
        help="Recent weeks left out of the fit (w; 26 in the improved method).",
    )
    ff.add_argument(
        "--threshold-method",
        choices=("delta", "nbPlugin", "muan"),
        help="delta (Farrington), nbPlugin (Noufaily) or muan (delta).",
    )


def week_range(text: str) -> tuple[int, int]:
    first, sep, last = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return int(first), int(last)
    except ValueError:
        raise ValueError(f"not FIRST:LAST week indices: {text!r}") from None


@dataclass(frozen=True)
class WeeklySeries:
    week_index: list[int]
    counts: np.ndarray
    population: np.ndarray | None


def read_weekly(path: Path) -> WeeklySeries:
    """WEEKLY.csv, refused with the file, row, column and rule of the first bad value.

    A count is a whole number ≥ 0, or empty (or NA) for a week with no report (R's NA).
    """
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        for column in WEEKLY_COLUMNS:
            if column not in header:
                raise CommandError(
                    f"{path}: column {column!r} missing (the header is {','.join(header)})"
                )
        has_population = "population" in header
        week_index: list[int] = []
        counts: list[float] = []
        population: list[float] = []
        for row_number, row in enumerate(reader, start=1):
            where = f"{path}, row {row_number} (line {reader.line_num})"
            for column in ("week_index", "year", "week"):
                _whole(row.get(column), where, column)
            index = _whole(row["week_index"], where, "week_index")
            if week_index and index <= week_index[-1]:
                raise CommandError(
                    f"{where}, column week_index: {index} does not follow {week_index[-1]}; "
                    "week_index must increase"
                )
            week_index.append(index)
            counts.append(_count(row.get("count"), where))
            if has_population:
                population.append(_population(row.get("population"), where))
    if not week_index:
        raise CommandError(f"{path}: no weeks")
    return WeeklySeries(
        week_index, np.array(counts), np.array(population) if has_population else None
    )


def _whole(text: str | None, where: str, column: str) -> int:
    value = (text or "").strip()
    try:
        return int(value)
    except ValueError:
        raise CommandError(f"{where}, column {column}: {value!r} is not a whole number") from None


def _count(text: str | None, where: str) -> float:
    value = (text or "").strip()
    if value in ("", "NA"):
        return math.nan
    count = _whole(value, where, "count")
    if count < 0:
        raise CommandError(f"{where}, column count: {count} is negative; counts are 0 or more")
    return float(count)


def _population(text: str | None, where: str) -> float:
    value = (text or "").strip()
    try:
        people = float(value)
    except ValueError:
        raise CommandError(f"{where}, column population: {value!r} is not a number") from None
    if not people > 0:
        raise CommandError(f"{where}, column population: {value} must be more than 0")
    return people


def run(
    series: WeeklySeries, params: Params, frequency: int, weeks: tuple[int, int] | None
) -> Detection:
    """The method on the series, restricted to R's range when one is given."""
    index = np.array(series.week_index)
    chosen = None
    if weeks is not None:
        chosen = np.flatnonzero((index >= weeks[0]) & (index <= weeks[1]))
        if not chosen.size:
            raise ValueError(f"no week_index between {weeks[0]} and {weeks[1]}")
    if isinstance(params, EarsParams):
        detection = ears_c(series.counts, params)
        if chosen is not None:
            if chosen[0] < params.max_lag:
                raise ValueError("The vector of observed is too short!")
            detection = _only(detection, chosen)
        return detection
    if not isinstance(params, FarringtonParams):
        raise ValueError(f"not a detection method: {params!r}")
    if params.population_offset and series.population is None:
        raise ValueError("--population-offset needs a population column in the series")
    return farrington_flexible(
        series.counts, params, freq=frequency, weeks=chosen, population=series.population
    )


def _only(detection: Detection, weeks: np.ndarray) -> Detection:
    keep = np.zeros(detection.alarm.shape, dtype=bool)
    keep[:, weeks] = True
    return Detection(
        upperbound=np.where(keep, detection.upperbound, np.nan),
        alarm=detection.alarm & keep,
        assessed=detection.assessed & keep,
        expected=detection.expected,
    )


def write_thresholds(path: Path, week_index: list[int], detection: Detection) -> None:
    """THRESHOLDS.csv: a row a week; upperbound empty where none, alarm true/false, empty where
    R's is NA or the week is outside the range."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["week_index", "upperbound", "alarm"])
        for week, upper, alarm, assessed in zip(
            week_index,
            detection.upperbound[0],
            detection.alarm[0],
            detection.assessed[0],
            strict=True,
        ):
            bound = "" if math.isnan(upper) else repr(float(upper))
            writer.writerow([week, bound, ("true" if alarm else "false") if assessed else ""])
