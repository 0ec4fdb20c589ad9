"""Every exclusion names its rule in English, Arabic and Kurdish, with every blank filled."""

from __future__ import annotations

from typing import Any

import pytest

from nahrain.assistance import codelists
from nahrain.assistance.checks import ORDER
from nahrain.assistance.exclusions import (
    FACTS,
    OTHER_FACTS,
    PLACEHOLDERS,
    exclusion_words,
    placeholders,
)

LANGUAGES = ("en", "ar", "ckb")
EXAMPLES: dict[str, dict[str, Any]] = {
    "not_eligible": {
        "reasons": [{"code": "size", "size": 7, "sizes": "1-5"}, {"code": "in_camp"}],
    },
    "no_consent": {},
    "household_inactive": {"status": "departed"},
    "listed_twice": {"row": 12},
    "duplicate_on_list": {"number": "IOM-3C4D-9KQX"},
    "served_recently": {
        "kind": "sealing_off_kit",
        "organisation": "INTERSOS",
        "date": "2026-10-01",
        "days": 90,
    },
    "served_as_duplicate": {
        "kind": "nfi_kit",
        "organisation": "DRC",
        "date": "2026-11-02",
        "days": 90,
    },
    "not_with": {"kind": "camp_shelter", "programme_kind": "rental_subsidy"},
    "on_another_list": {"version": 3},
}


def test_the_check_and_the_words_know_the_same_rules() -> None:
    assert set(codelists.codes("exclusion_rules")) == set(FACTS) == set(EXAMPLES)
    assert set(ORDER) | {"listed_twice"} == set(FACTS)


@pytest.mark.parametrize("code", codelists.codes("exclusion_rules"))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_rule_has_words_in_each_language_whose_blanks_the_check_fills(
    code: str, language: str
) -> None:
    entry = codelists.entry("exclusion_rules", code)
    assert entry[f"label_{language}"] and entry[f"explain_{language}"]
    assert placeholders(entry[f"explain_{language}"]) == set(PLACEHOLDERS[code])
    words = exclusion_words(code, EXAMPLES[code], language)
    assert words and "{" not in words
    assert entry[f"explain_{language}"].split("{")[0].strip() in words


@pytest.mark.parametrize("code", codelists.codes("eligibility_reasons"))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reason_outside_the_rules_has_words_in_each_language(
    code: str, language: str
) -> None:
    entry = codelists.entry("eligibility_reasons", code)
    assert entry[f"label_{language}"] and entry[f"explain_{language}"]
    assert placeholders(entry[f"explain_{language}"]) <= {"size", "sizes"}
    words = exclusion_words(
        "not_eligible", {"reasons": [{"code": code, "size": 7, "sizes": "1-5"}]}, language
    )
    assert "{" not in words


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_duplicate_served_by_another_organisation_is_told_by_its_name_alone(
    language: str,
) -> None:
    entry = codelists.entry("exclusion_rules", "served_as_duplicate")
    template = entry[f"explain_other_{language}"]
    assert placeholders(template) == set(OTHER_FACTS["served_as_duplicate"])
    words = exclusion_words("served_as_duplicate", {"organisation": "DRC"}, language)
    assert "DRC" in words and "{" not in words
    assert words == template.format(organisation="DRC")
    assert words != exclusion_words(
        "served_as_duplicate", EXAMPLES["served_as_duplicate"], language
    )


def test_kinds_are_named_in_the_readers_language() -> None:
    facts = EXAMPLES["served_recently"]
    assert "Sealing-off kit" in exclusion_words("served_recently", facts, "en")
    assert "حقيبة العزل" in exclusion_words("served_recently", facts, "ar")
    assert "کیتی داخستن و پاراستن" in exclusion_words("served_recently", facts, "ckb")
    assert "2026-10-01" in exclusion_words("served_recently", facts, "ar")
