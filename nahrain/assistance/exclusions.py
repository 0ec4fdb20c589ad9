"""Why a household is not on a list, in words a hotline operator reads out to a caller, in
English, Arabic or Kurdish (the code list "exclusion_rules", ``explain_*``).

What the check stores on an excluded entry (``ListEntry.exclusion``) is the rule's code and the
facts its words need: codes (a kind of assistance, a status, a reason), dates (ISO, as every
page of the project writes them), numbers, a registration number of the programme's own
organisation, another organisation's name. Never another organisation's household or person:
of a household served elsewhere the words say which organisation, what and when, nothing more;
of a probable duplicate served by another organisation, only that organisation (DESIGN §2a: a
possible duplicate exists and who holds it), in the rule's words ``explain_other_*``.
A household excluded by several rules keeps the first by the check's order and the others in
``also``.
"""

from __future__ import annotations

import string
from typing import Any

from django.utils import translation

from nahrain.assistance import codelists
from nahrain.assistance.models import ListEntry
from nahrain.registry.models import HouseholdStatus

# The facts each rule's check stores, by placeholder (the test holds the templates to them).
FACTS: dict[str, tuple[str, ...]] = {
    "not_eligible": ("reasons",),
    "no_consent": (),
    "household_inactive": ("status",),
    "listed_twice": ("row",),
    "duplicate_on_list": ("number",),
    "served_recently": ("kind", "organisation", "date", "days"),
    "served_as_duplicate": ("kind", "organisation", "date", "days"),
    "not_with": ("kind", "programme_kind"),
    "on_another_list": ("version",),
}
# A rule whose facts may be fewer, with the words for them: a probable duplicate served by
# another organisation is stored with that organisation alone.
OTHER_FACTS: dict[str, tuple[str, ...]] = {"served_as_duplicate": ("organisation",)}
# What a placeholder reads from the facts when it is not the fact itself.
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    rule: ("reason",) if rule == "not_eligible" else facts for rule, facts in FACTS.items()
}
_SEPARATOR = {"en": "; ", "ar": "؛ ", "ckb": "؛ "}


def _language(language: str | None) -> str:
    return (language or translation.get_language() or "en").split("-")[0]


def placeholders(template: str) -> set[str]:
    return {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name}


def reason_words(reason: dict[str, Any], language: str | None = None) -> str:
    """One reason a household falls outside the programme's rules (code list
    "eligibility_reasons")."""
    found = codelists.entry("eligibility_reasons", str(reason["code"]))
    template = codelists.text(found, "explain", language)
    return template.format(**{k: v for k, v in reason.items() if k != "code"})


def _status(code: str, language: str) -> str:
    with translation.override(language):
        try:
            return str(HouseholdStatus(code).label)
        except ValueError:
            return code


def explain_field(code: str, facts: dict[str, Any]) -> str:
    """The code list's field of the words for these facts: ``explain_other`` when the check
    stored the fewer facts of ``OTHER_FACTS``, else ``explain``."""
    if code in OTHER_FACTS and set(facts) - {"rule", "also"} <= set(OTHER_FACTS[code]):
        return "explain_other"
    return "explain"


def exclusion_words(
    entry_or_rule: ListEntry | str,
    exclusion: dict[str, Any] | None = None,
    language: str | None = None,
) -> str:
    """The sentence for a caller: why the household is not on the list, in ``language`` (the
    reader's by default). Given an entry, its own rule and facts."""
    if isinstance(entry_or_rule, ListEntry):
        code = entry_or_rule.excluded_by
        facts = dict(entry_or_rule.exclusion if exclusion is None else exclusion)
    else:
        code = entry_or_rule
        facts = dict(exclusion or {})
    if not code:
        return ""
    lang = _language(language)
    template = codelists.text(
        codelists.entry("exclusion_rules", code), explain_field(code, facts), lang
    )
    values: dict[str, Any] = {}
    for name in placeholders(template):
        if name in ("kind", "programme_kind"):
            values[name] = codelists.label("assistance_kinds", str(facts.get(name, "")), lang)
        elif name == "status":
            values[name] = _status(str(facts.get("status", "")), lang)
        elif name == "reason":
            values[name] = _SEPARATOR.get(lang, "; ").join(
                reason_words(r, lang) for r in facts.get("reasons", [])
            )
        else:
            values[name] = facts.get(name, "")
    return template.format(**values)


def rule_label(code: str, language: str | None = None) -> str:
    """The rule's short name (a list's column, a count's heading)."""
    return codelists.label("exclusion_rules", code, language)
