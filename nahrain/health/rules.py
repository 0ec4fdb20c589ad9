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
from nahrain.health.detection import fixed
from nahrain.health.detection.farrington import default_weeks

PATH = Path(__file__).resolve().parent / "data" / "alert_rules.json"

# The fixed kinds as the detection package names them, and their parameters' names there
# (the rule file says them in the house's words; every one is required, none is left to a
# default of the package).
FIXED: dict[str, tuple[str, dict[str, str]]] = {
    "count_at_least": ("count-threshold", {"cases": "cases"}),
    "per_population": (
        "meningitis",
        {"small_population": "population", "cases_small": "cases", "per_100000": "per100000"},
    ),
    "doubling": ("doubling", {"weeks": "weeks", "min_cases": "minCases"}),
    "attack_rate": ("attack-rate", {"per_10000": "per10000", "weeks": "weeks"}),
}
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
    # The parameters as the detection package reads them, and as the file gives them.
    method: detection.Params
    params: Mapping[str, Any]
    source: str

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


def _method(rule_id: str, kind: str, params: Any) -> detection.Params:
    """The rule's parameters as the detection package reads them; its refusal (a value out of
    bounds, of the wrong type, a name it does not know) with the rule's id."""
    if not isinstance(params, dict):
        raise RulesError(f"alert rule {rule_id!r}: params is an object")
    if kind in FIXED:
        method, names = FIXED[kind]
        missing = sorted(set(names) - set(params))
        unknown = sorted(set(params) - set(names))
        if missing or unknown:
            raise RulesError(
                f"alert rule {rule_id!r}: a {kind} rule takes {', '.join(sorted(names))}"
                f" (missing: {', '.join(missing) or 'none'};"
                f" unknown: {', '.join(unknown) or 'none'})"
            )
        params = {names[name]: value for name, value in params.items()}
    else:
        method = kind
    try:
        return detection.params_from_dict(method, params)
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
        method=_method(rule_id, kind, raw.get("params")),
        params=dict(raw["params"]),
        source=str(raw.get("source", "")),
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


# --- a rule on the newest week of many series ---------------------------------------------------


def _cases(value: float) -> int:
    return 0 if math.isnan(value) else int(value)


def _detected(
    method: detection.Params, observed: Series, population: int | None
) -> detection.Detection | None:
    """The detection package's outcome for the last week (last column); None where the history
    is too short for the method to give one."""
    rows, weeks = observed.shape
    # Without a denominator a rate cannot be had; meningitis takes the threshold of a small
    # population, the lower one: a missing figure must not hide a cluster.
    people = np.full(rows, float(population) if population else math.nan)
    if isinstance(method, detection.EarsParams):
        return detection.ears_c(observed, method, last=1)
    if isinstance(method, detection.FarringtonParams):
        if weeks - 1 not in default_weeks(method, WEEKS_A_YEAR, weeks):
            return None
        return detection.farrington_flexible(
            observed, method, freq=WEEKS_A_YEAR, weeks=np.array([weeks - 1])
        )
    # The fixed rules read the last weeks only.
    if isinstance(method, detection.CountThresholdParams):
        return fixed.count_threshold(observed[:, -1:], method)
    if isinstance(method, detection.MeningitisParams):
        return fixed.meningitis(observed[:, -1:], np.nan_to_num(people), method)
    if isinstance(method, detection.DoublingParams):
        return fixed.doubling(observed[:, -method.weeks - 1 :], method)
    if isinstance(method, detection.AttackRateParams):
        return fixed.attack_rate(observed[:, -method.weeks :], people, method)
    raise TypeError(f"no detection for {type(method).__name__}")


def evaluate(rule: Rule, counts: Series, *, population: int | None) -> list[Finding]:
    """A rule on the last week of each row of ``counts`` (series x weeks, oldest week first, NaN
    where no report came), ``population`` the catchment's (None where none was taken): per row,
    the week's cases, the threshold (the most cases that raise no alert: ``upperbound`` as the
    R package surveillance gives it, None where the rule has none) and whether it fired."""
    observed = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    found = _detected(rule.method, observed, population)
    findings = []
    for row in range(observed.shape[0]):
        cases = _cases(float(observed[row, -1]))
        # A week with no report is judged by no rule, whatever bound the method would set.
        missing = math.isnan(float(observed[row, -1]))
        if found is None or missing or math.isnan(bound := float(found.upperbound[row, -1])):
            findings.append(Finding(rule, cases, None, False))
        else:
            findings.append(Finding(rule, cases, bound, bool(found.alarm[row, -1])))
    return findings
