"""Words of the health pages: code labels, case definitions, epidemiological weeks and the
buttons of an alert's steps, in the reader's language."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nahrain.core.templatetags.nahrain_format import longdate
from nahrain.health import codelists, weeks

register = template.Library()

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
