"""Every catalogue and code list follows the glossary (nahrain/core/data/glossary.json): a msgid
that speaks of a term is translated with the term's one wording, never with a word the glossary
forbids for it. Words forbidden everywhere are test_words.py's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from nahrain.core.glossary import Term, glossary

PACKAGE = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(PACKAGE.glob("locale/*/LC_MESSAGES/django.po"))
CODE_LISTS = PACKAGE / "displacement" / "data" / "codelists.json"


def translations(path: Path) -> Iterator[tuple[str, str]]:
    """(msgid, translation) of every translated message, each plural form on its own."""
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=path.parts[-3])
    for message in catalogue:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = (
            [message.string] if isinstance(message.string, str) else list(message.string or ())
        )
        for string in strings:
            if string:
                yield " ".join(ids), string


def code_list_labels(language: str) -> Iterator[tuple[str, str]]:
    """(English label, label in the language) of every code list item shown on pages."""
    for code_list in json.loads(CODE_LISTS.read_text(encoding="utf-8"))["lists"]:
        for item in code_list["items"]:
            yield item["label_en"], item[f"label_{language}"]


def departures(term: Term, language: str, pairs: Iterator[tuple[str, str]]) -> list[str]:
    """The pairs that speak of the term but do not use its wording, or use a forbidden word."""
    found = []
    for msgid, string in pairs:
        if not term.governs(msgid):
            continue
        if not any(form in string for form in term.forms[language]):
            found.append(f"{msgid!r} -> {string!r}: not {term.term[language]}")
        for word in term.forbidden[language]:
            if word in string:
                found.append(f"{msgid!r} -> {string!r}: forbidden {word}")
    return found


def term_ids(term: Term) -> str:
    return term.id


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
@pytest.mark.parametrize("term", glossary().terms, ids=term_ids)
def test_every_catalogue_translates_the_term_one_way(path: Path, term: Term) -> None:
    assert departures(term, path.parts[-3], translations(path)) == []


@pytest.mark.parametrize("language", ["ar", "ckb"])
@pytest.mark.parametrize("term", glossary().terms, ids=term_ids)
def test_every_code_list_label_follows_the_glossary(language: str, term: Term) -> None:
    assert departures(term, language, code_list_labels(language)) == []


def test_a_second_wording_or_a_forbidden_word_is_caught() -> None:
    shelter = next(t for t in glossary().terms if t.id == "shelter")
    assert departures(shelter, "ckb", iter([("Shelter type", "جۆری شوێنی حەوانەوە")])) == []
    assert len(departures(shelter, "ckb", iter([("IDPs by shelter", "بەپێی جۆری پەناگە")]))) == 2
    informant = next(t for t in glossary().terms if t.id == "key_informant")
    assert departures(informant, "ar", iter([("Key informant", "المخبر الرئيسي")]))


def test_the_glossary_is_complete_in_every_language() -> None:
    """Every term has its wording, definition and forms in the three languages, a pattern that
    catches its own English name, and a note wherever a wording is not verified."""
    terms = glossary().terms
    assert len({t.id for t in terms}) == len(terms) >= 20
    for term in terms:
        for language in ("en", "ar", "ckb"):
            assert term.term[language] and term.definition[language], term.id
        for language in ("ar", "ckb"):
            assert term.forms[language], term.id
        assert term.governs(term.term["en"].split(" (")[0].split(" / ")[0]), term.id
        if set(term.verified) != {"en", "ar", "ckb"}:
            assert term.note, f"{term.id}: say which wording is not verified"
