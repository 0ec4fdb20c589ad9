"""``nahrain health detect``: the output of R's reference run, and the refusals of a bad series."""

from __future__ import annotations

import csv
import gzip
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nahrain.health.tests.surveillance_data import DATA

R_ALARM = {"TRUE": "true", "FALSE": "false", "NA": "", "": ""}


def reference(series: str, case: str) -> list[tuple[str, str, str]]:
    with gzip.open(DATA / f"{series}.reference.csv.gz", "rt") as handle:
        return [
            (row["week_index"], row[f"{case}.upperbound"], R_ALARM[row[f"{case}.alarm"]])
            for row in csv.DictReader(handle)
        ]


def detect(tmp_path: Path, series: Path, *options: str) -> list[tuple[str, str, str]]:
    output = tmp_path / "thresholds.csv"
    call_command("health", "detect", "--series", str(series), "--output", str(output), *options)
    with output.open() as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["week_index", "upperbound", "alarm"]
    return [(row[0], row[1], row[2]) for row in rows[1:]]


def assert_same(got: list[tuple[str, str, str]], want: list[tuple[str, str, str]]) -> None:
    assert [(w, a) for w, _, a in got] == [(w, a) for w, _, a in want]
    for (week, bound, _), (_, expected, _) in zip(got, want, strict=True):
        assert (bound == "") == (expected == ""), week
        if bound:
            assert float(bound) == pytest.approx(float(expected), rel=1e-6), week


def test_improved_farrington_as_in_r(tmp_path: Path) -> None:
    got = detect(
        tmp_path,
        DATA / "stsNewport.weekly.csv",
        *("--method", "farrington-flexible", "--no-periods", "10", "--weights-threshold", "2.58"),
        *("--past-weeks-not-included", "26", "--p-threshold-trend", "1"),
        *("--threshold-method", "nbPlugin"),
    )
    assert_same(got, reference("stsNewport", "ff_noufaily"))


def test_ears_with_missing_weeks_as_in_r(tmp_path: Path) -> None:
    got = detect(
        tmp_path,
        DATA / "agona_gaps.weekly.csv",
        *("--method", "ears-c3", "--baseline", "12", "--alpha", "0.001", "--min-sigma", "0.2"),
    )
    assert_same(got, reference("agona_gaps", "c3_alt"))


def test_range_limits_the_weeks(tmp_path: Path) -> None:
    got = detect(
        tmp_path, DATA / "salmonella_agona.weekly.csv", "--method", "ears-c1", "--range", "300:305"
    )
    want = reference("salmonella_agona", "c1")
    assert [row for row in got if row[1]] == [(w, b, a) for w, b, a in got if 300 <= int(w) <= 305]
    assert_same(got[299:305], want[299:305])


def test_short_series_has_no_bound(tmp_path: Path) -> None:
    got = detect(tmp_path, DATA / "measles_total.weekly.csv", "--method", "farrington-flexible")
    assert got and all(bound == "" and alarm == "" for _, bound, alarm in got)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "weekly.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("week_index,year,count\n1,2020,3\n", "column 'week' missing"),
        ("week_index,year,week,count\n1,2020,1,3\n2,2020,2,2.5\n", "row 2 (line 3), column count"),
        (
            "week_index,year,week,count\n1,2020,1,-1\n",
            "row 1 (line 2), column count: -1 is negative",
        ),
        ("week_index,year,week,count\n1,2020,1,3\n1,2020,2,2\n", "column week_index: 1 does not"),
        ("week_index,year,week,count\n1,2020,x,3\n", "column week: 'x' is not a whole number"),
    ],
)
def test_bad_series_refused(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CommandError, match=re.escape(message)) as refused:
        detect(tmp_path, path, "--method", "ears-c1")
    assert str(path) in str(refused.value)


def test_parameter_of_another_method_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "week_index,year,week,count\n1,2020,1,3\n")
    with pytest.raises(CommandError, match="--no-periods: not a parameter of ears-c2"):
        detect(tmp_path, path, "--method", "ears-c2", "--no-periods", "10")


def test_out_of_bounds_parameter_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "week_index,year,week,count\n1,2020,1,3\n")
    with pytest.raises(CommandError, match="Minimum baseline to use is 3"):
        detect(tmp_path, path, "--method", "ears-c1", "--baseline", "2")
