"""The code lists and thresholds of the service directory, referrals and cases, kept as
versioned data with their sources (data/codelists.json): service types and who handles each,
kinds of service points, population groups, languages, the fields a referral can share,
urgencies and their response times, decline reasons, the ages of consent and assent, and the
case types with their forms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nahrain.core.codelists import CodeLists

DATA = Path(__file__).resolve().parent / "data" / "codelists.json"
LISTS = CodeLists(DATA)


def codelists() -> dict[str, Any]:
    return LISTS.data


def entries(kind: str) -> list[dict[str, Any]]:
    return LISTS.entries(kind)


def codes(kind: str) -> list[str]:
    """The codes of one list ("service_types", "shared_fields", ...), in their order."""
    return LISTS.codes(kind)


def entry(kind: str, code: str) -> dict[str, Any]:
    return LISTS.entry(kind, code)


def label(kind: str, code: str, language: str | None = None) -> str:
    """A code's label in the reader's language (Arabic for Kurdish where missing, then English)."""
    return LISTS.label(kind, code, language)


def choices(kind: str) -> list[tuple[str, str]]:
    return LISTS.choices(kind)


def handled_by(service: str) -> str:
    """The role whose holders in the receiving organisation read a referral to this service."""
    return str(entry("service_types", service)["handled_by"])


def services_handled_by(role: str) -> list[str]:
    return [e["code"] for e in entries("service_types") if e["handled_by"] == role]


def respond_hours(urgency: str) -> int:
    return int(entry("urgencies", urgency)["respond_hours"])


def consent_ages() -> dict[str, int]:
    ages = codelists()["consent_ages"]
    return {k: int(ages[k]) for k in ("assent_from", "own_consent_from", "adult_from")}


def consent_longest_days() -> int:
    return int(codelists()["consent_length"]["longest_days"])


def case_type(code: str) -> dict[str, Any]:
    return entry("case_types", code)


def restricted_case_types() -> list[str]:
    """The case types read only by their assigned case workers (GBV, MHPSS)."""
    return [e["code"] for e in entries("case_types") if e["restricted"]]


def case_types_opened_by(role: str) -> list[str]:
    return [e["code"] for e in entries("case_types") if e["opened_by"] == role]


def case_form(case_type_code: str, kind: str) -> list[dict[str, Any]]:
    """The questions of one form of a case type ("assessment", "follow_up", ...)."""
    forms: dict[str, list[dict[str, Any]]] = case_type(case_type_code)["forms"]
    if kind not in forms:
        raise KeyError(f"{case_type_code!r} cases have no {kind!r} form")
    return forms[kind]


def case_forms(case_type_code: str) -> list[str]:
    """The forms of a case type, in the order a case goes through them."""
    return list(case_type(case_type_code)["forms"])


def case_word(group: str, code: str, *, case_type: str = "", language: str | None = None) -> str:
    """The words of a case form in the reader's language: a form's name (``group`` "forms"), a
    question's label ("questions") or an answer's ("choices"); a case type's own words first
    (key ``<case type>.<code>``), then the shared ones; Arabic for Kurdish where missing, then
    English, then the code."""
    words: dict[str, dict[str, str]] = codelists()["case_words"][group]
    found = words.get(f"{case_type}.{code}") or words.get(code)
    if found is None:
        return code
    return LISTS.text(dict(found), "label", language)


def sector(service: str) -> tuple[str, str]:
    """The cluster and area of responsibility of a service, as OCHA Iraq's 3W names them."""
    try:
        found = entry("service_types", service)
    except KeyError:
        return "", ""
    return str(found.get("cluster", "")), str(found.get("area", ""))
