"""Numbers, dates and names formatted for the reader's language.

Django's own number formatting knows Arabic but not Sorani; Babel carries the CLDR data for
both. Iraq's locales (ar_IQ, ckb_IQ) are used so that thousands separators and month names are
those an Iraqi reader expects (حزيران, not يونيو).
"""

from __future__ import annotations

import datetime
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from django import template
from django.utils.translation import get_language, get_language_bidi, gettext

register = template.Library()

LOCALES = {"ar": "ar_IQ", "ckb": "ckb_IQ"}
NOTHING = "\u2013"  # an en dash stands for a figure that does not exist
MINUS = "\u2212"  # a true minus sign, which does not break from its number


def _locale() -> str:
    language = (get_language() or "en").split("-")[0]
    return LOCALES.get(language, language)


@register.filter
def num(value: Any) -> str:
    """A whole number with the language's grouping: 1,898,844 / 1٬898٬844."""
    if value is None or value == "":
        return NOTHING
    return str(format_decimal(value, locale=_locale(), numbering_system="default"))


def _with_sign(value: Any, written: Any) -> str:
    """``written(abs(value))`` with the value's sign, a true minus sign for a fall."""
    if value is None:
        return NOTHING
    text = str(written(abs(value)))
    if value > 0:
        text = f"+{text}"
    elif value < 0:
        text = f"{MINUS}{text}"
    if value and get_language_bidi():
        # Isolated left to right, or the sign would wander to the number's far end in Arabic.
        return f"\u2066{text}\u2069"
    return text


@register.filter
def signed(value: Any) -> str:
    """A change with its sign, a true minus sign for a fall: +1,204 / MINUS 3,310."""
    return _with_sign(value, num)


@register.filter
def percent(value: Any) -> str:
    """A fraction as a percentage with one decimal: 12.5%."""
    if value is None:
        return NOTHING
    return str(format_percent(value, "#,##0.0%", locale=_locale(), numbering_system="default"))


@register.filter
def signed_percent(value: Any) -> str:
    """A change as a percentage with its sign: +25.0% / MINUS 3.2%."""
    return _with_sign(value, percent)


@register.filter
def longdate(value: datetime.date | None) -> str:
    """A date written out in the language: 30 June 2024 / 30 حزيران 2024."""
    if value is None:
        return NOTHING
    return str(format_date(value, "long", locale=_locale()))


@register.filter
def local_name(item: Any) -> str:
    """The name (or label) of a unit, place or code item in the reader's language, falling back
    to Arabic for Kurdish and to English for both."""

    def get(key: str, default: str = "") -> Any:
        if isinstance(item, dict):
            return item.get(key, default)
        return getattr(item, key, default)

    language = (get_language() or "en").split("-")[0]
    for prefix in ("name", "label"):
        english = get(f"{prefix}_en", "")
        if not english and not get(f"{prefix}_ar", ""):
            continue
        if language == "ckb":
            return str(get(f"{prefix}_ckb", "") or get(f"{prefix}_ar", "") or english)
        if language == "ar":
            return str(get(f"{prefix}_ar", "") or english)
        return str(english)
    return str(item)


@register.filter
def figure(value: Any) -> str:
    """A figure of an import's summary: a count with the language's grouping, or a word the
    importer wrote in English (translated when the catalogue has it)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return num(value)
    return gettext(str(value))


@register.filter
def rule_words(rule: str) -> str:
    """A problem's rule in the reader's language (nahrain.core.problems)."""
    from nahrain.core.problems import rule_words as words

    return words(rule)
