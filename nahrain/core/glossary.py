"""The glossary of the field's terms (data/glossary.json): how IOM DTM Iraq and OCHA Iraq write
each term in English, Arabic and Sorani, what it means, which words never stand for it, and the
month names dates are written with. The catalogues and code lists are held to it by
tests/test_glossary.py; the glossary page shows it to readers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

PATH = Path(__file__).resolve().parent / "data" / "glossary.json"
LANGUAGES = ("en", "ar", "ckb")


@dataclass(frozen=True)
class Term:
    id: str
    term: dict[str, str]
    definition: dict[str, str]
    # msgids (English source strings) matching any of these speak of the term...
    msgids: tuple[re.Pattern[str], ...]
    # ...so their translation holds one of these forms of the one wording per language...
    forms: dict[str, tuple[str, ...]]
    # ...and none of these.
    forbidden: dict[str, tuple[str, ...]]
    sources: tuple[str, ...]
    verified: tuple[str, ...]
    note: str

    def governs(self, msgid: str) -> bool:
        return any(pattern.search(msgid) for pattern in self.msgids)


@dataclass(frozen=True)
class Glossary:
    version: date  # the day the glossary was last reviewed
    terms: tuple[Term, ...]
    # word -> why it is never written, in any language
    forbidden_everywhere: dict[str, str]
    months: dict[str, tuple[str, ...]]
    # month names a page in the language must not show (Egyptian Arabic, Kurdish solar, ...)
    foreign_months: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Entry:
    """A term as a reader of one language sees it on the glossary page."""

    id: str
    name: str
    english: str
    definition: str
    sources: tuple[str, ...]


def entries(language: str) -> list[Entry]:
    """The glossary in the language (English for a language it does not have)."""
    language = language if language in LANGUAGES else "en"
    return [
        Entry(
            id=term.id,
            name=term.term[language],
            english=term.term["en"],
            definition=term.definition[language],
            sources=tuple(s for s in term.sources if s.startswith("https://")),
        )
        for term in glossary().terms
    ]


@cache
def glossary() -> Glossary:
    data = json.loads(PATH.read_text(encoding="utf-8"))
    terms = tuple(
        Term(
            id=item["id"],
            term=item["term"],
            definition=item["definition"],
            msgids=tuple(re.compile(p, re.IGNORECASE) for p in item["msgids"]),
            forms={lang: tuple(words) for lang, words in item["forms"].items()},
            forbidden={lang: tuple(words) for lang, words in item["forbidden"].items()},
            sources=tuple(item["sources"]),
            verified=tuple(item["verified"]),
            note=item["note"],
        )
        for item in data["terms"]
    )
    return Glossary(
        version=date.fromisoformat(data["version"]),
        terms=terms,
        forbidden_everywhere={w["word"]: w["why"] for w in data["forbidden_everywhere"]},
        months={lang: tuple(names) for lang, names in data["calendar"]["months"].items()},
        foreign_months={
            lang: tuple(names) for lang, names in data["calendar"]["foreign_months"].items()
        },
    )
