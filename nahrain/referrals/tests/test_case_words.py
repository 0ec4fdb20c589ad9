"""The words of the case forms (data/codelists.json "case_words"): every form, question and
answer of every case type is named in English, Arabic and Sorani Kurdish, in the words of the
GBV and child-protection sub-clusters: a GBV case speaks of a survivor, never of anything that
could be read as an informer."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from nahrain.referrals import codelists

LANGUAGES = ("en", "ar", "ckb")
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")
# Words that name a person who informs or testifies: they can endanger a survivor if read on a
# screen or a printout (Arabic and Kurdish, and the English words).
NEVER = ("informant", "informer", "victim", "مخبر", "واشي", "جاسوس", "شاهد", "سیخوڕ", "خەبەرچی")


def _words() -> list[tuple[str, str, str]]:
    """(group, code, case type) of every form, question and choice the case types use."""
    found = []
    for case_type in codelists.codes("case_types"):
        for kind, questions in codelists.case_type(case_type)["forms"].items():
            found.append(("forms", kind, case_type))
            for question in questions:
                found.append(("questions", question["name"], case_type))
                found += [("choices", c, case_type) for c in question.get("choices", [])]
    return found


@pytest.mark.parametrize(("group", "code", "case_type"), _words())
def test_every_word_of_the_case_forms_is_in_three_languages(
    group: str, code: str, case_type: str
) -> None:
    words = {
        language: codelists.case_word(group, code, case_type=case_type, language=language)
        for language in LANGUAGES
    }
    assert words["en"] != code, f"{group} {code!r} has no words"
    entry = (
        codelists.codelists()["case_words"][group].get(f"{case_type}.{code}")
        or (codelists.codelists()["case_words"][group][code])
    )
    assert set(entry) == {"label_en", "label_ar", "label_ckb"}
    assert ARABIC_SCRIPT.search(words["ar"]) and ARABIC_SCRIPT.search(words["ckb"])
    assert words["ar"] != words["ckb"]  # Sorani is not the Arabic copied
    for word in words.values():
        assert not any(bad in word.casefold() for bad in NEVER), word


def test_a_word_follows_the_readers_language() -> None:
    with translation.override("ckb"):
        assert codelists.case_word("choices", "survivor_request") == "بە داوای ڕزگاربوو"
    with translation.override("ar"):
        assert codelists.case_word("questions", "closure_reason") == "سبب إغلاق الحالة"
    assert codelists.case_word("choices", "no_such_answer", language="ar") == "no_such_answer"


def test_the_words_name_no_code_the_forms_do_not_use() -> None:
    used = {(group, code) for group, code, _type in _words()}
    for group, words in codelists.codelists()["case_words"].items():
        if group == "source":
            continue
        for key in words:
            assert (group, key.split(".")[-1]) in used, f"{group} {key!r} is not used"
