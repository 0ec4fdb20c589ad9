"""Filters of the coordination pages: labels of the catalogue's codes in the reader's language
(no code on screen where a label exists), a month as the URLs write it, how an indicator adds
up in words."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from nahrain.coordination import codelists

register = template.Library()


@register.filter
def month_key(value: date | None) -> str:
    """2018-03: the month in the URLs."""
    return f"{value.year:04d}-{value.month:02d}" if value else ""


@register.filter
def cluster_label(code: str) -> str:
    if not code:
        return _("All clusters")
    return codelists.label("clusters", code, get_language())


@register.filter
def activity_label(code: str) -> str:
    return codelists.activity_label(code, get_language())


@register.filter
def indicator_label(code: str) -> str:
    known = codelists.indicators().get(code)
    return known.label(get_language()) if known is not None else code


@register.filter
def group_label(code: str) -> str:
    if not code:
        return _("All groups")
    return codelists.label("population_groups", code, get_language())


@register.filter
def unit_label(code: str) -> str:
    return codelists.label("units", code, get_language()) if code else ""


@register.filter
def aggregation_words(code: str) -> str:
    """How an indicator adds up over months and partners, in words."""
    words = {
        "sum": _("Added up over the months and the partners."),
        "max": _(
            "The highest month of each partner in each place, added up over partners and places."
        ),
        "cumulative": _(
            "Each partner reports the total so far: the latest figure of each partner in each "
            "place in the period, added up."
        ),
        "unique": _(
            "People reached for the first time each month, added up over the months; across "
            "partners, people the registry knows are counted once."
        ),
    }
    return words.get(code, "")


@register.filter
def share(part: Any, whole: Any) -> int:
    """Part of a whole in whole percent, 0 when there is no whole (for a meter)."""
    try:
        return round(100 * float(part) / float(whole)) if whole else 0
    except (TypeError, ValueError):
        return 0
