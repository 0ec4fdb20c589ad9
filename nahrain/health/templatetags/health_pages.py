"""Words of the health pages: code labels, epidemiological weeks, alert steps and the alert rules
named in the reader's language, never by their ids."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext

from nahrain.core.templatetags.nahrain_format import longdate, num
from nahrain.health import codelists, weeks

register = template.Library()

RULES = Path(__file__).resolve().parents[1] / "data" / "alert_rules.json"

# What each button of an alert's steps says.
STEP_ACTIONS = {
    "verified": gettext_lazy("Verified"),
    "discarded": gettext_lazy("Discard"),
    "investigated": gettext_lazy("Investigated"),
    "response": gettext_lazy("Response started"),
    "closed": gettext_lazy("Close the alert"),
}


@register.filter
def hlabel(code: Any, kind: str) -> str:
    """A code's label from the health code lists ("diseases", "facility_kinds"...)."""
    return codelists.label(kind, str(code))


@register.filter
def definition(code: str) -> str:
    """A disease's case definition in the reader's language."""
    return codelists.definition(code)


@register.filter
def step_action(step: str) -> str:
    return str(STEP_ACTIONS.get(step, step))


@register.simple_tag
def week_words(year: int, week: int) -> str:
    """An epidemiological week with its first and last days: "Week 9 of 2026, 1 March 2026 to
    7 March 2026"."""
    start = weeks.week_start(year, week)
    end = start + timedelta(days=6)
    return _("Week %(week)s of %(year)s, %(start)s to %(end)s") % {
        "week": week,
        "year": year,
        "start": longdate(start),
        "end": longdate(end),
    }


@cache
def _rules() -> dict[str, dict[str, Any]]:
    data = json.loads(RULES.read_text(encoding="utf-8"))
    return {rule["id"]: rule for rule in data["rules"]}


@register.filter
def rule_words(rule_id: str) -> str:
    """What an alert rule says, in words: "one case", "doubling over two weeks", "EARS C2".
    A signal from an immediate report, or from a rule of an older version, is named by what it
    is, never by its id."""
    rule = _rules().get(rule_id)
    if rule is None:
        if rule_id.startswith("immediate"):
            return _("reported at once")
        return _("an alert rule")
    params = rule.get("params", {})
    kind = rule["kind"]
    if kind == "count_at_least":
        cases = int(params["cases"])
        if cases == 1:
            return _("one case")
        return ngettext(
            "%(n)s case or more in a week", "%(n)s cases or more in a week", cases
        ) % {"n": num(cases)}
    if kind == "per_population":
        return _(
            "%(small)s cases in a week where under %(people)s people live, "
            "%(rate)s per 100,000 above"
        ) % {
            "small": num(params["cases_small"]),
            "people": num(params["small_population"]),
            "rate": num(params["per_100000"]),
        }
    if kind == "doubling":
        return ngettext(
            "doubling over %(n)s week", "doubling over %(n)s weeks", int(params["weeks"])
        ) % {"n": num(params["weeks"])}
    if kind == "attack_rate":
        return _("more than %(rate)s per 10,000 people in a week") % {
            "rate": num(params["per_10000"])
        }
    if kind == "ears-c2":
        return _("EARS C2 (above the last weeks' usual level)")
    if kind == "farrington-flexible":
        return _("Farrington (above the level expected from past years)")
    return _("an alert rule")
