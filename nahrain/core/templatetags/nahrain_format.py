"""Numbers, dates and names formatted for the reader's language, in one convention per
language on every page.

Numbers: Western digits with Western separators in every language (1,898,844 and 12.5%), as
DTM Iraq prints its Arabic figures; CLDR's default for ar_IQ and ckb_IQ mixes Western digits
with the Arabic thousands and decimal separators (U+066C, U+066B), which no Iraqi publication
does. Babel carries the grouping rules of both locales.

Dates: day, month name, year, with the month names of the glossary (core/data/glossary.json):
Iraqi/Levantine in Arabic (حزيران, not يونيو), Iraqi Kurdistan's Gregorian names in Sorani
(not the Kurdish solar months). Never numeric: 05/06/2024 is read either way. Django's |date
is not used on pages: its Arabic names are Egyptian and its Sorani ones solar.
"""

from __future__ import annotations

import datetime
from typing import Any

from babel.numbers import format_decimal, format_percent
from django import template
from django.utils import timezone
from django.utils.translation import get_language, get_language_bidi, gettext

from nahrain.core.glossary import glossary

register = template.Library()

LOCALES = {"ar": "ar_IQ", "ckb": "ckb_IQ"}
NOTHING = "\u2013"  # an en dash stands for a figure that does not exist
MINUS = "\u2212"  # a true minus sign, which does not break from its number
DIGITS = "latn"  # Western digits, and the separators that go with them


def _language() -> str:
    return (get_language() or "en").split("-")[0]


def _locale() -> str:
    language = _language()
    return LOCALES.get(language, language)


@register.filter
def num(value: Any) -> str:
    """A whole number with the language's grouping, Western digits: 1,898,844."""
    if value is None or value == "":
        return NOTHING
    return str(format_decimal(value, locale=_locale(), numbering_system=DIGITS))


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
    return str(format_percent(value, "#,##0.0%", locale=_locale(), numbering_system=DIGITS))


@register.filter
def signed_percent(value: Any) -> str:
    """A change as a percentage with its sign: +25.0% / MINUS 3.2%."""
    return _with_sign(value, percent)


def _day(value: datetime.date) -> str:
    language = _language()
    months = glossary().months
    month = months.get(language, months["en"])[value.month - 1]
    if language == "ckb":
        # Sorani joins day, month and year with the izafe: 30ی حوزەیرانی 2024.
        return f"{value.day}\u06cc {month}\u06cc {value.year}"
    return f"{value.day} {month} {value.year}"


@register.filter
def longdate(value: datetime.date | None) -> str:
    """A date written out in the language: 30 June 2024 / 30 حزيران 2024 / 30ی حوزەیرانی 2024.
    A moment is dated in Iraq's time (TIME_ZONE)."""
    if value is None or value == "":
        return NOTHING
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return _day(value)


@register.filter
def monthyear(value: datetime.date | None) -> str:
    """A month written out in the language: June 2024 / حزيران 2024 / حوزەیرانی 2024."""
    if value is None or value == "":
        return NOTHING
    language = _language()
    months = glossary().months
    month = months.get(language, months["en"])[value.month - 1]
    if language == "ckb":
        return f"{month}\u06cc {value.year}"
    return f"{month} {value.year}"


@register.filter
def longdatetime(value: datetime.datetime | None) -> str:
    """A moment in Iraq's time, its date written out and a 24-hour clock:
    30 حزيران 2024، 14:05."""
    if value is None or value == "":
        return NOTHING
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    comma = "\u060c" if get_language_bidi() else ","
    return f"{_day(local.date())}{comma} {local:%H:%M}"


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
