# ruff: noqa: RUF001, RUF002
"""Filters of the assistance pages: a code's label in the reader's language, and what a
household is entitled to in words."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from nahrain.assistance import codelists, sheets
from nahrain.core.templatetags.nahrain_format import local_name, num
from nahrain.geo.models import AdminUnit
from nahrain.registry import codelists as registry_codelists

register = template.Library()


@register.filter
def alabel(code: Any, kind: str) -> str:
    """A code's label from the assistance code lists ("assistance_kinds", "items"...)."""
    return codelists.label(kind, str(code)) if code else ""


@register.filter
def entitlement(document: Any) -> str:
    """What a household gets per cycle, in words: "1 NFI kit" or "220.00 USD"."""
    return sheets.entitlement_words(document) if document else ""


def _listed(words: Any) -> str:
    # Arabic and Sorani lists take the Arabic comma: the separator is the catalogue's.
    return str(pgettext("between the names of a list", ", ")).join(words)


def _kinds(codes: Any) -> str:
    return _listed(codelists.label("assistance_kinds", code) for code in codes)


@register.filter
def rules_sentences(document: Any) -> list[str]:
    """The rules document read out: who is eligible, what each household gets, what excludes
    it, one sentence each, in the reader's language."""
    document = document or {}
    eligible = document.get("eligible") or {}
    said: list[str] = []
    if eligible.get("places"):
        found = AdminUnit.objects.filter(pcode__in=eligible["places"])
        units = {unit.pcode: local_name(unit) for unit in found}
        said.append(
            _("Households living in %(places)s.")
            % {"places": _listed(units.get(p, p) for p in eligible["places"])}
        )
    if eligible.get("in_camp") is True:
        said.append(_("Households living in a camp."))
    elif eligible.get("in_camp") is False:
        said.append(_("Households living out of camp."))
    if "returned" in (eligible.get("statuses") or []):
        said.append(_("Households that have returned home too."))
    if eligible.get("vulnerabilities_any"):
        said.append(
            _("Households with one of: %(vulnerabilities)s.")
            % {
                "vulnerabilities": _listed(
                    registry_codelists.label("vulnerabilities", v)
                    for v in eligible["vulnerabilities_any"]
                )
            }
        )
    if eligible.get("head_sex") == "f":
        said.append(_("Households headed by a woman."))
    elif eligible.get("head_sex") == "m":
        said.append(_("Households headed by a man."))
    low, high = eligible.get("size_min", 1), eligible.get("size_max")
    if high is not None:
        said.append(
            _("Households of %(low)s to %(high)s people.") % {"low": num(low), "high": num(high)}
        )
    elif low and low > 1:
        said.append(_("Households of %(low)s people or more.") % {"low": num(low)})
    given = document.get("entitlement") or {}
    for row in given.get("by_size") or []:
        words = entitlement(row)
        if row.get("size_max") is None:
            said.append(
                _("Households of %(low)s people or more get %(what)s.")
                % {"low": num(row.get("size_min", 1)), "what": words}
            )
        else:
            said.append(
                _("Households of %(low)s to %(high)s people get %(what)s.")
                % {"low": num(row.get("size_min", 1)), "high": num(row["size_max"]), "what": words}
            )
    if given and not given.get("by_size"):
        said.append(_("Each household gets %(what)s per cycle.") % {"what": entitlement(given)})
    for rule in document.get("exclusions") or []:
        if rule.get("rule") == "served_recently":
            said.append(
                _("Not for a household that received %(kinds)s in the last %(days)s days.")
                % {"kinds": _kinds(rule.get("kinds", [])), "days": num(rule.get("days"))}
            )
        elif rule.get("rule") == "not_with":
            said.append(
                _("Not for a household that also receives %(kinds)s.")
                % {"kinds": _kinds(rule.get("kinds", []))}
            )
    return said


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """A value of a dictionary by a key held in a variable (an item's count), 0 when absent."""
    return (mapping or {}).get(key, 0)


@register.filter
def hidden(value: Any) -> str:
    """A figure, or a dash where small-cell suppression hides it."""
    return "–" if value is None else num(value)


@register.filter
def reach_cell(cell: str) -> str:
    """A reach column's heading: "Women 18–59", "Girls 0–17", "Men, age not known"."""
    sex, group = cell.split("_", 1)
    if group == "unknown":
        return _("Women, age not known") if sex == "f" else _("Men, age not known")
    low, _sep, high = group.partition("_")
    young = int(low) < 18
    who = (
        (_("Girls") if young else _("Women")) if sex == "f" else (_("Boys") if young else _("Men"))
    )
    return f"{who} {low}–{high}" if high else f"{who} {low}+"
