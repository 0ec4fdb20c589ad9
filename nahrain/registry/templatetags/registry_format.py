"""How the registry's pages write a person and the registry's codes: the name chain in the
reader's script, a date of birth with its convention, a code's label in the reader's
language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from nahrain.core.templatetags.nahrain_format import longdate
from nahrain.registry import codelists
from nahrain.registry.models import BirthDate, Individual

register = template.Library()

CHAIN = ("first", "father", "grandfather", "family")


@register.filter
def chain_ar(individual: Individual) -> str:
    """The name chain in Arabic script (first, father's, grandfather's, family or tribe)."""
    return " ".join(p for p in (getattr(individual, f"{n}_ar") for n in CHAIN) if p)


@register.filter
def chain_lat(individual: Individual) -> str:
    return " ".join(p for p in (getattr(individual, f"{n}_lat") for n in CHAIN) if p)


@register.filter
def person(individual: Individual) -> str:
    """A member's name in the reader's script where it was written in it: Arabic script for
    Arabic and Kurdish readers, Latin script for English ones; else the other one, else the
    name as first written."""
    arabic_script = (get_language() or "en").split("-")[0] in ("ar", "ckb")
    first, second = (
        (chain_ar(individual), chain_lat(individual))
        if arabic_script
        else (chain_lat(individual), chain_ar(individual))
    )
    return first or second or individual.name_written


@register.filter
def born(individual: Individual) -> str:
    """A date of birth as it is known: "born 14 March 1980", "born 1985 (1 July by
    convention)", "born about 1990 (estimated from the age given)"."""
    day = individual.born_on
    if day is None:
        return _("date of birth unknown")
    if individual.birth_date == BirthDate.JULY_FIRST:
        return _("born %(year)s (1 July by convention)") % {"year": day.year}
    if individual.birth_date == BirthDate.JANUARY_FIRST:
        return _("born %(year)s (1 January by convention)") % {"year": day.year}
    if individual.birth_date == BirthDate.ESTIMATED:
        return _("born about %(year)s (estimated from the age given)") % {"year": day.year}
    return _("born %(date)s") % {"date": longdate(day)}


@register.filter
def code_label(code: Any, kind: str) -> str:
    """A registry code's label in the reader's language (``kind``: "relationships",
    "vulnerabilities", "documents", "consent_purposes", "wg_domains")."""
    return codelists.label(kind, str(code))


@register.filter
def wg_answer(answer: int) -> str:
    """A Washington Group answer (1 to 4) in the reader's language."""
    language = (get_language() or "en").split("-")[0]
    for entry in codelists.codelists()["wg_domains"]["answers"]:
        if entry["code"] == answer:
            return str(entry.get(f"label_{language}") or entry["label_en"])
    return str(answer)


EVENT_WORDS = {
    "registration": _lazy("Registered"),
    "update": _lazy("Details changed"),
    "member_update": _lazy("A member's details corrected"),
    "document": _lazy("A civil document obtained"),
    "member_add": _lazy("A member joined"),
    "birth": _lazy("A birth"),
    "death": _lazy("A death"),
    "split": _lazy("Split"),
    "merge": _lazy("Merged"),
    "departure": _lazy("Departure"),
    "move": _lazy("Moved"),
    "consent": _lazy("Consent given or withdrawn"),
    "visit": _lazy("Verification visit"),
}


@register.filter
def event_words(kind: str) -> str:
    """What a change in a household's history was, in the reader's language."""
    words = EVENT_WORDS.get(kind)
    return str(words) if words is not None else _("Other change")
