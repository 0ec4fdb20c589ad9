"""Showing monitoring figures: values in the reader's language, ratings in words (never by
colour alone)."""

from __future__ import annotations

import math
from typing import Any

from babel.numbers import format_decimal
from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from nahrain.sites.models import Indicator, Rating

register = template.Library()

LOCALES = {"ckb": "ckb_IQ", "ar": "ar_IQ"}
SYMBOLS: dict[str, str] = {Rating.GREEN: "✔", Rating.AMBER: "▲", Rating.RED: "✖"}


def _figure(value: float) -> str:
    language = (get_language() or "en").split("-")[0]
    return str(format_decimal(value, "#,##0.#", locale=LOCALES.get(language, language)))


@register.filter
def indicator_value(value: float | None, indicator: Indicator) -> str:
    """A value with its unit; yes/no as words; a ratio without any facility as words too."""
    if value is None:
        return "—"
    if indicator.better == "yes":
        return _("Yes") if value >= 1 else _("No")
    if math.isinf(value):
        return _("none working")
    return f"{_figure(value)} {indicator.unit_en}"


@register.filter
def threshold(indicator: Indicator) -> str:
    """The standard as a sentence: "15 or more (critical below 7.5)"."""
    if indicator.better == "yes":
        return _("Yes (critical: no)")
    if indicator.green is None:
        return "—"
    if indicator.better == "higher":
        text = _("%(green)s or more") % {"green": _figure(indicator.green)}
        extra = _("critical below %(red)s")
    else:
        text = _("%(green)s or fewer") % {"green": _figure(indicator.green)}
        extra = _("critical above %(red)s")
    if indicator.red is not None:
        text += f" ({extra % {'red': _figure(indicator.red)}})"
    return text


@register.filter
def rating_badge(rating: str) -> SafeString:
    """The rating in words with a symbol, coloured by its class for those who see colour."""
    label = Rating(rating).label if rating in Rating.values else rating
    return format_html(
        '<span class="rating rating-{}">{} {}</span>',
        rating or "none",
        SYMBOLS.get(rating, ""),
        label,
    )


@register.filter
def score(value: Any) -> str:
    return "—" if value is None else _figure(float(value))
