"""The alert rules, kept as versioned data with their sources (data/alert_rules.json): which
diseases each rule watches, in which area ("*" or p-code prefixes of governorates and
districts), with which parameters. The file is checked when it is read: a rule of an unknown
kind, an unknown disease or a missing or wrong parameter stops the server with an error naming
the rule, rather than a week evaluated by half a rule set.

Kinds:

- ``count_at_least``: the week's cases reach ``cases``;
- ``per_population``: the week's cases reach ``cases_small`` where fewer than
  ``small_population`` people live in the catchment, else ``per_100000`` per 100,000 of it;
- ``doubling``: the week's cases are at least twice those of ``weeks`` weeks before, and at
  least ``min_cases``;
- ``attack_rate``: the cases of the last ``weeks`` weeks reach ``per_10000`` per 10,000 of the
  catchment population;
- ``ears-c1``, ``ears-c2``, ``ears-c3``, ``farrington-flexible``: statistical detection as the R
  package surveillance computes it (``nahrain.health.detection``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from nahrain.health import codelists, detection
from nahrain.health.detection.farrington import default_weeks

PATH = Path(__file__).resolve().parent / "data" / "alert_rules.json"

# Each fixed kind's parameters and the least value each may take.
FIXED: dict[str, dict[str, float]] = {
    "count_at_least": {"cases": 1},
    "per_population": {"small_population": 1, "cases_small": 1, "per_100000": 0},
    "doubling": {"weeks": 1, "min_cases": 1},
    "attack_rate": {"per_10000": 0, "weeks": 1},
}
# Parameters that count weeks, cases or people: whole numbers.
WHOLE = {"cases", "small_population", "cases_small", "weeks", "min_cases"}
# Farrington's seasons: the R package's weekly frequency (an epidemiological year of 53 weeks
# shifts the seasons by a week, as it does in R).
WEEKS_A_YEAR = 52
STATISTICAL = ("ears-c1", "ears-c2", "ears-c3", "farrington-flexible")
KINDS = (*FIXED, *STATISTICAL)

# What a signal's rule means, for pages and notices (the rule ids are data, not words).
KIND_LABELS = {
    "count_at_least": _("Cases at or above the alert threshold"),
    "per_population": _("Cases above the threshold for the catchment population"),
    "doubling": _("Cases doubled in two weeks"),
    "attack_rate": _("Attack rate above the threshold"),
    "ears-c1": _("More cases than expected (EARS)"),
    "ears-c2": _("More cases than expected (EARS)"),
    "ears-c3": _("More cases than expected (EARS)"),
    "farrington-flexible": _("More cases than expected (Farrington)"),
}
IMMEDIATE = "immediate"
IMMEDIATE_LABEL = _("Case reported at once")

Series = npt.NDArray[np.float64]


class RulesError(ImproperlyConfigured):
    """The rules file cannot be used as it is; the message names the rule."""


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    diseases: tuple[str, ...]
    # p-code prefixes of the governorates and districts the rule holds in; None: everywhere.
    area: tuple[str, ...] | None
    params: Mapping[str, Any]
    source: str
    # A statistical rule's parameters as the detection package reads them.
    method: detection.Params | None = None

    def holds_for(self, disease: str, district_pcode: str) -> bool:
        if disease not in self.diseases:
            return False
        return self.area is None or any(district_pcode.startswith(p) for p in self.area)


@dataclass(frozen=True)
class RuleSet:
    version: str
    source: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Finding:
    """One rule on one week of one series: the cases it compared and the threshold they were
    compared with (None where the rule has none to give: a week or a denominator missing)."""

    rule: Rule
    cases: int
    threshold: float | None
    fired: bool


def _params_checked(rule_id: str, kind: str, params: Any) -> dict[str, Any]:
    if not isinstance(params, dict):
        raise RulesError(f"alert rule {rule_id!r}: params is an object")
    if kind in STATISTICAL:
        return dict(params)
    wanted = FIXED[kind]
    unknown = sorted(set(params) - set(wanted))
    missing = sorted(set(wanted) - set(params))
    if unknown or missing:
        raise RulesError(
            f"alert rule {rule_id!r}: a {kind} rule takes {', '.join(sorted(wanted))}"
            f" (missing: {', '.join(missing) or 'none'}; unknown: {', '.join(unknown) or 'none'})"
        )
    for name, least in wanted.items():
        value = params[name]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        whole = name not in WHOLE or isinstance(value, int)
        # A least value of 0 stands for "above 0" (a rate of 0 would fire on every week).
        if not number or not whole or value < least or (least == 0 and value <= 0):
            kind_of = "a whole number" if name in WHOLE else "a number"
            bound = f"at least {least:g}" if least else "above 0"
            raise RulesError(f"alert rule {rule_id!r}: {name} is {kind_of}, {bound}")
    return dict(params)


def _method(rule_id: str, kind: str, params: dict[str, Any]) -> detection.Params | None:
    """A statistical rule's parameters as the detection package reads them; its refusal, with
    the rule's id."""
    if kind not in STATISTICAL:
        return None
    try:
        return detection.params_from_dict(kind, params)
    except (ValueError, TypeError) as refused:
        raise RulesError(f"alert rule {rule_id!r}: {refused}") from None


def _rule_checked(raw: Any, known: set[str], seen: set[str]) -> Rule:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise RulesError(f"an alert rule without an id: {raw!r}"[:200])
    rule_id = raw["id"]
    if rule_id in seen:
        raise RulesError(f"alert rule {rule_id!r} is there twice")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise RulesError(
            f"alert rule {rule_id!r}: {kind!r} is not a kind of rule ({', '.join(KINDS)})"
        )
    diseases = raw.get("diseases")
    if not isinstance(diseases, list) or not diseases:
        raise RulesError(f"alert rule {rule_id!r}: diseases is a list of disease codes")
    unknown = [d for d in diseases if d not in known]
    if unknown:
        raise RulesError(
            f"alert rule {rule_id!r}: {', '.join(map(repr, unknown))} not in the disease list"
        )
    area = raw.get("area")
    if area == "*":
        prefixes = None
    elif isinstance(area, list) and area and all(isinstance(p, str) and p for p in area):
        prefixes = tuple(area)
    else:
        raise RulesError(
            f'alert rule {rule_id!r}: area is "*" or a list of governorate or district p-codes'
        )
    return Rule(
        id=rule_id,
        kind=kind,
        diseases=tuple(diseases),
        area=prefixes,
        params=_params_checked(rule_id, kind, raw.get("params")),
        source=str(raw.get("source", "")),
        method=_method(rule_id, kind, raw["params"]),
    )


def load(path: Path = PATH) -> RuleSet:
    """Read and check a rules file; RulesError naming the rule that cannot be used."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as unreadable:
        raise RulesError(f"alert rules {path}: {unreadable}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise RulesError(f"alert rules {path}: an object with a list of rules")
    if not isinstance(data.get("version"), str) or not data["version"]:
        raise RulesError(f"alert rules {path}: a version is required")
    known = set(codelists.codes("diseases"))
    seen: set[str] = set()
    rules = []
    for raw in data["rules"]:
        rule = _rule_checked(raw, known, seen)
        seen.add(rule.id)
        rules.append(rule)
    return RuleSet(version=data["version"], source=str(data.get("source", "")), rules=tuple(rules))


@cache
def ruleset() -> RuleSet:
    """The rules in force, read once per process."""
    return load()


def version() -> str:
    return ruleset().version


def rules_for(disease: str, district_pcode: str) -> list[Rule]:
    """The rules watching a disease in a district, in the file's order."""
    return [r for r in ruleset().rules if r.holds_for(disease, district_pcode)]


def signal_label(rule_id: str) -> str:
    """What a signal's rule means, in the reader's language."""
    if rule_id == IMMEDIATE:
        return str(IMMEDIATE_LABEL)
    for rule in ruleset().rules:
        if rule.id == rule_id:
            return str(KIND_LABELS[rule.kind])
    # A rule of an older version of the file, since removed: its signals are still shown.
    return str(_("Alert rule"))


# --- the fixed kinds on one week ----------------------------------------------------------------


def _cases(value: float) -> int:
    return 0 if math.isnan(value) else int(value)


def per_population_threshold(params: Mapping[str, Any], population: int | None) -> float:
    """Cases in a week that make an alert where ``population`` people live. Without a
    denominator the threshold of a small population is used: it is the lower one, and a
    missing figure must not hide a meningitis cluster."""
    if population is None or population < params["small_population"]:
        return float(params["cases_small"])
    return float(params["per_100000"]) * population / 100_000


def evaluate_fixed(rule: Rule, series: Series, *, population: int | None) -> Finding:
    """A fixed rule on the last week of ``series`` (weekly cases, oldest first, NaN where no
    report came)."""
    params = rule.params
    week = float(series[-1])
    cases = _cases(week)
    if math.isnan(week):
        return Finding(rule, 0, None, False)
    threshold: float | None
    if rule.kind == "count_at_least":
        threshold = float(params["cases"])
    elif rule.kind == "per_population":
        threshold = per_population_threshold(params, population)
    elif rule.kind == "doubling":
        back = int(params["weeks"])
        before = float(series[-1 - back]) if len(series) > back else math.nan
        if math.isnan(before):
            return Finding(rule, cases, None, False)
        threshold = max(2 * before, float(params["min_cases"]))
    elif rule.kind == "attack_rate":
        if not population:
            return Finding(rule, cases, None, False)
        cases = int(np.nansum(series[-int(params["weeks"]) :]))
        threshold = float(params["per_10000"]) * population / 10_000
    else:
        raise ValueError(f"{rule.kind!r} is not a fixed kind of rule")
    return Finding(rule, cases, threshold, cases >= threshold)


def evaluate(rule: Rule, series: Series, *, population: int | None) -> Finding:
    """A rule on the last week of ``series`` (weekly cases, oldest first, NaN where no report
    came); ``population`` the catchment's, None where none was taken."""
    if rule.kind in STATISTICAL:
        return _evaluate_statistical(rule, series)
    return evaluate_fixed(rule, series, population=population)


def _evaluate_statistical(rule: Rule, series: Series) -> Finding:
    """The method on the whole history, computed for its last week only; no finding where the
    history is too short for the method (EARS' baseline, Farrington's years) or the week
    was not reported."""
    week = float(series[-1])
    params = rule.method
    if isinstance(params, detection.EarsParams):
        found = detection.ears_c(series, params, last=1)
    elif isinstance(params, detection.FarringtonParams):
        last = len(series) - 1
        if last not in default_weeks(params, WEEKS_A_YEAR, len(series)):
            return Finding(rule, _cases(week), None, False)
        found = detection.farrington_flexible(
            series, params, freq=WEEKS_A_YEAR, weeks=np.array([last])
        )
    else:
        raise ValueError(f"{rule.id!r} is not a statistical rule")
    bound = float(found.upperbound[0, -1])
    return Finding(
        rule, _cases(week), None if math.isnan(bound) else bound, bool(found.alarm[0, -1])
    )
