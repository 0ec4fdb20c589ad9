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


def _rule(kind: str, **params: Any) -> Rule:
    return Rule(id="r", kind=kind, diseases=("awd",), area=None, params=params, source="")


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
        ({"params": {"cases": 0}}, "cases is a whole number, at least 1"),
        ({"params": {"cases": 1.5}}, "cases is a whole number"),
        ({"params": {"cases": True}}, "cases is a whole number"),
        ({"area": "IQG09", "params": {"cases": 1}}, "area is"),
        (
            {"kind": "attack_rate", "params": {"per_10000": 0, "weeks": 1}},
            "per_10000 is a number, above 0",
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


def test_one_case_of_measles_is_an_alert_and_none_is_not() -> None:
    one_case = _rule("count_at_least", cases=1)
    assert rules.evaluate_fixed(one_case, _series(0, 1), population=None).fired
    quiet = rules.evaluate_fixed(one_case, _series(3, 0), population=None)
    assert (quiet.fired, quiet.cases, quiet.threshold) == (False, 0, 1.0)


def test_a_week_without_report_fires_nothing() -> None:
    one_case = _rule("count_at_least", cases=1)
    assert rules.evaluate_fixed(one_case, _series(4, NAN), population=None) == rules.Finding(
        one_case, 0, None, False
    )


MENINGITIS = {"small_population": 30000, "cases_small": 2, "per_100000": 5}


@pytest.mark.parametrize(
    ("population", "cases", "threshold", "fired"),
    [
        (20_000, 2, 2.0, True),  # under 30,000 people: 2 cases
        (20_000, 1, 2.0, False),
        (30_000, 2, 1.5, True),  # 30,000 is not under 30,000: 5 per 100,000
        (30_000, 1, 1.5, False),
        (100_000, 4, 5.0, False),  # 5 per 100,000 of 100,000 people: 5 cases
        (100_000, 5, 5.0, True),
        (None, 2, 2.0, True),  # no denominator: the lower threshold of a small population
    ],
)
def test_meningitis_by_the_catchment_population(
    population: int | None, cases: int, threshold: float, fired: bool
) -> None:
    rule = _rule("per_population", **MENINGITIS)
    found = rules.evaluate_fixed(rule, _series(0, cases), population=population)
    assert (found.cases, found.threshold, found.fired) == (cases, threshold, fired)


@pytest.mark.parametrize(
    ("weeks", "fired", "threshold"),
    [
        ((3, 0, 6), True, 6.0),  # 6 is twice 3
        ((4, 9, 7), False, 8.0),  # 7 is not twice 4
        ((2, 0, 4), False, 5.0),  # twice 2, but under the 5 cases that make it an alert
        ((0, 0, 5), True, 5.0),  # from none to 5
        ((NAN, 0, 9), False, None),  # the week to compare with was not reported
        ((9,), False, None),  # no history at all
    ],
)
def test_doubling_over_two_weeks_with_at_least_five_cases(
    weeks: tuple[float, ...], fired: bool, threshold: float | None
) -> None:
    rule = _rule("doubling", weeks=2, min_cases=5)
    found = rules.evaluate_fixed(rule, _series(*weeks), population=None)
    assert (found.fired, found.threshold) == (fired, threshold)


def test_attack_rate_per_10000_over_the_last_weeks() -> None:
    rule = _rule("attack_rate", per_10000=50, weeks=2)
    # 50 per 10,000 of 30,000 people: 150 cases over two weeks, a week not reported counting
    # none.
    assert rules.evaluate_fixed(rule, _series(500, 100, 50), population=30_000).fired
    found = rules.evaluate_fixed(rule, _series(500, NAN, 149), population=30_000)
    assert (found.cases, found.threshold, found.fired) == (149, 150.0, False)
    # Without a denominator there is no rate.
    assert not rules.evaluate_fixed(rule, _series(0, 900), population=None).fired


def test_a_statistical_rule_the_method_refuses_is_refused_at_load_naming_it(
    tmp_path: Path,
) -> None:
    broken = {**GOOD, "id": "short-ears", "kind": "ears-c2", "params": {"baseline": 2}}
    with pytest.raises(RulesError, match="'short-ears': Minimum baseline to use is 3"):
        rules.load(_file(tmp_path, GOOD, broken))
    unknown = {**broken, "params": {"baseline": 7, "lag": 2}}
    with pytest.raises(RulesError, match="'short-ears': unknown parameter"):
        rules.load(_file(tmp_path, GOOD, unknown))


def _in_force(rule_id: str) -> Rule:
    (found,) = [r for r in rules.ruleset().rules if r.id == rule_id]
    return found


def test_ears_c2_fires_on_a_week_far_above_its_baseline_and_not_without_one() -> None:
    ears = _in_force("ears-c2")
    steady = [2, 3, 2, 3, 2, 3, 2, 3, 2]
    found = rules.evaluate(ears, _series(*steady, 20), population=None)
    assert found.fired and found.cases == 20
    # C2's baseline is weeks k-9 to k-3: 2, 3, 2, 3, 2, 3, 2.
    assert found.threshold is not None and 17 / 7 < found.threshold < 20
    assert not rules.evaluate(ears, _series(*steady, 3), population=None).fired
    # Nine weeks are not enough: the baseline of 7 weeks two weeks back needs ten.
    short = rules.evaluate(ears, _series(*steady[1:], 20), population=None)
    assert (short.fired, short.threshold) == (False, None)


def test_farrington_waits_for_five_years_of_history() -> None:
    farrington = _in_force("farrington-flexible")
    found = rules.evaluate(farrington, _series(*([3.0] * 200), 40), population=None)
    assert (found.cases, found.threshold, found.fired) == (40, None, False)


def test_farrington_fires_on_an_outbreak_after_five_years_of_seasons() -> None:
    farrington = _in_force("farrington-flexible")
    rng = np.random.default_rng(18)
    history = rng.poisson(5, size=5 * 52 + 10).astype(float)
    found = rules.evaluate(farrington, np.append(history, 60.0), population=None)
    assert found.fired and found.threshold is not None and found.threshold < 60
    quiet = rules.evaluate(farrington, np.append(history, 5.0), population=None)
    assert not quiet.fired and quiet.threshold is not None
