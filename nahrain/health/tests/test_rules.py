"""The alert rules as data (rules.py): the file in force loads; a rule that cannot be used is
refused at load with its id named; the rules of a disease in a district; the fixed kinds at
their thresholds, one week of one series at a time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nahrain.health import rules
from nahrain.health.rules import Rule, RulesError

NAN = float("nan")


def _series(*weeks: float) -> rules.Series:
    return np.array(weeks, dtype=float)


def _file(tmp_path: Path, *rule_list: dict[str, Any], version: str = "test") -> Path:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"version": version, "source": "test", "rules": list(rule_list)}))
    return path


GOOD = {
    "id": "good",
    "kind": "count_at_least",
    "diseases": ["measles"],
    "area": "*",
    "params": {"cases": 1},
}


def test_the_rules_in_force_load_with_their_version() -> None:
    loaded = rules.load()
    assert loaded.version == "2026-12"
    assert {r.id for r in loaded.rules} >= {"one-case", "meningitis-population", "doubling"}


@pytest.mark.parametrize(
    ("broken", "said"),
    [
        ({"kind": "count_at_most", "params": {"cases": 1}}, "'count_at_most' is not a kind"),
        ({"diseases": ["ebola"], "params": {"cases": 1}}, "'ebola' not in the disease list"),
        ({"params": {}}, "missing: cases"),
        ({"params": {"cases": 1, "weeks": 2}}, "unknown: weeks"),
        ({"params": {"cases": 0}}, "cases must be at least 1"),
        ({"params": {"cases": 1.5}}, "parameter cases must be int, not 1.5"),
        ({"params": {"cases": True}}, "parameter cases must be int, not True"),
        ({"area": "IQG09", "params": {"cases": 1}}, "area is"),
        (
            {"kind": "attack_rate", "params": {"per_10000": 0, "weeks": 1}},
            "per10000 must be positive",
        ),
    ],
)
def test_a_rule_that_cannot_be_used_is_refused_at_load_naming_it(
    tmp_path: Path, broken: dict[str, Any], said: str
) -> None:
    with pytest.raises(RulesError) as refused:
        rules.load(_file(tmp_path, GOOD, {**GOOD, "id": "bad-one", **broken}))
    assert "'bad-one'" in str(refused.value)
    assert said in str(refused.value)


def test_a_rule_id_given_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="'good' is there twice"):
        rules.load(_file(tmp_path, GOOD, {**GOOD, "params": {"cases": 2}}))


def test_a_rule_holds_in_its_area_only(tmp_path: Path) -> None:
    loaded = rules.load(
        _file(
            tmp_path,
            GOOD,
            {**GOOD, "id": "duhok", "area": ["IQG09"], "params": {"cases": 2}},
            {**GOOD, "id": "sinjar", "area": ["IQG15Q07"], "params": {"cases": 3}},
        )
    )
    held = {r.id for r in loaded.rules if r.holds_for("measles", "IQG09Q04")}
    assert held == {"good", "duhok"}
    assert {r.id for r in loaded.rules if r.holds_for("measles", "IQG15Q07")} == {"good", "sinjar"}
    assert not [r for r in loaded.rules if r.holds_for("awd", "IQG09Q04")]


def test_the_rules_for_measles_and_for_meningitis() -> None:
    assert [r.id for r in rules.rules_for("measles", "IQG09Q04")] == ["one-case"]
    assert [r.id for r in rules.rules_for("meningitis", "IQG15Q07")] == ["meningitis-population"]


def _in_force(rule_id: str) -> Rule:
    (found,) = [r for r in rules.ruleset().rules if r.id == rule_id]
    return found


def _one(rule_id: str, *weeks: float, population: int | None = None) -> rules.Finding:
    (found,) = rules.evaluate(_in_force(rule_id), _series(*weeks), population=population)
    return found


def test_one_case_of_measles_is_an_alert_and_none_is_not() -> None:
    assert _one("one-case", 0, 1).fired
    # The threshold is the most cases that raise no alert, as surveillance's upperbound.
    assert _one("one-case", 3, 0) == rules.Finding(_in_force("one-case"), 0, 0.0, False)


def test_a_week_without_report_fires_nothing() -> None:
    assert _one("one-case", 4, NAN) == rules.Finding(_in_force("one-case"), 0, None, False)


def test_a_rule_runs_on_many_series_at_once() -> None:
    found = rules.evaluate(
        _in_force("one-case"), np.array([[0, 1], [1, 0], [0, NAN]]), population=None
    )
    assert [(f.cases, f.fired) for f in found] == [(1, True), (0, False), (0, False)]


@pytest.mark.parametrize(
    ("population", "cases", "threshold", "fired"),
    [
        (20_000, 2, 1.0, True),  # under 30,000 people: 2 cases
        (20_000, 1, 1.0, False),
        (30_000, 2, 1.0, True),  # 30,000 is not under 30,000: 5 per 100,000 is 1.5 cases
        (30_000, 1, 1.0, False),
        (100_000, 4, 4.0, False),  # 5 per 100,000 of 100,000 people: 5 cases
        (100_000, 5, 4.0, True),
        (None, 2, 1.0, True),  # no denominator: the lower threshold of a small population
    ],
)
def test_meningitis_by_the_catchment_population(
    population: int | None, cases: int, threshold: float, fired: bool
) -> None:
    found = _one("meningitis-population", 0, cases, population=population)
    assert (found.cases, found.threshold, found.fired) == (cases, threshold, fired)


@pytest.mark.parametrize(
    ("weeks", "fired", "threshold"),
    [
        ((3, 0, 6), True, 5.0),  # 6 is twice 3
        ((4, 9, 7), False, 7.0),  # 7 is not twice 4
        ((2, 0, 4), False, 4.0),  # twice 2, but under the 5 cases that make it an alert
        ((0, 0, 5), True, 4.0),  # from none to 5
        ((NAN, 0, 9), False, None),  # the week to compare with was not reported
        ((9,), False, None),  # no history at all
    ],
)
def test_doubling_over_two_weeks_with_at_least_five_cases(
    weeks: tuple[float, ...], fired: bool, threshold: float | None
) -> None:
    found = _one("doubling", *weeks)
    assert (found.fired, found.threshold) == (fired, threshold)


def test_attack_rate_per_10000_of_the_catchment() -> None:
    # 50 per 10,000 of 30,000 people: 150 cases in the week.
    assert _one("awd-attack-rate", 10, 150, population=30_000).fired
    found = _one("awd-attack-rate", 500, 149, population=30_000)
    assert (found.cases, found.threshold, found.fired) == (149, 149.0, False)
    # Without a denominator there is no rate.
    assert not _one("awd-attack-rate", 0, 900, population=None).fired
    assert not _one("awd-attack-rate", 0, 900, population=0).fired


def test_a_statistical_rule_the_method_refuses_is_refused_at_load_naming_it(
    tmp_path: Path,
) -> None:
    broken = {**GOOD, "id": "short-ears", "kind": "ears-c2", "params": {"baseline": 2}}
    with pytest.raises(RulesError, match="'short-ears': Minimum baseline to use is 3"):
        rules.load(_file(tmp_path, GOOD, broken))
    unknown = {**broken, "params": {"baseline": 7, "lag": 2}}
    with pytest.raises(RulesError, match="'short-ears': unknown parameter"):
        rules.load(_file(tmp_path, GOOD, unknown))


def test_ears_c2_fires_on_a_week_far_above_its_baseline_and_not_without_one() -> None:
    ears = _in_force("ears-c2")
    steady = [2, 3, 2, 3, 2, 3, 2, 3, 2]
    (found,) = rules.evaluate(ears, _series(*steady, 20), population=None)
    assert found.fired and found.cases == 20
    # C2's baseline is weeks k-9 to k-3: 2, 3, 2, 3, 2, 3, 2.
    assert found.threshold is not None and 17 / 7 < found.threshold < 20
    assert not _one("ears-c2", *steady, 3).fired
    # Nine weeks are not enough: the baseline of 7 weeks two weeks back needs ten.
    short = _one("ears-c2", *steady[1:], 20)
    assert (short.fired, short.threshold) == (False, None)


def test_farrington_waits_for_five_years_of_history() -> None:
    found = _one("farrington-flexible", *([3.0] * 200), 40)
    assert (found.cases, found.threshold, found.fired) == (40, None, False)


def test_farrington_fires_on_an_outbreak_after_five_years_of_seasons() -> None:
    farrington = _in_force("farrington-flexible")
    rng = np.random.default_rng(18)
    history = rng.poisson(5, size=5 * 52 + 10).astype(float)
    (found,) = rules.evaluate(farrington, np.append(history, 60.0), population=None)
    assert found.fired and found.threshold is not None and found.threshold < 60
    (quiet,) = rules.evaluate(farrington, np.append(history, 5.0), population=None)
    assert not quiet.fired and quiet.threshold is not None
