"""Words that endanger people are never on a page, in a field form or in a code list.

Read by people fluent in Iraqi Arabic: مخبر is a security informer (said by an enumerator to
a key informant, a protection risk); مستوطنات reads as the Israeli settlements (informal
settlements are تجمعات غير رسمية). The words and why are the glossary's forbidden_everywhere
(nahrain/core/data/glossary.json), the one file allowed to name them; test_glossary.py holds
each term's translations to its one wording.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from nahrain.core.glossary import PATH as GLOSSARY
from nahrain.core.glossary import glossary

PACKAGE = Path(__file__).resolve().parents[2]
HARMFUL = glossary().forbidden_everywhere
CATALOGUES = sorted(PACKAGE.glob("locale/*/LC_MESSAGES/django.po"))
SOURCES = sorted(
    [
        *PACKAGE.glob("*/data/*.json"),
        *PACKAGE.glob("*/xlsforms/*.md"),
        *PACKAGE.glob("*/templates/**/*.html"),
        *PACKAGE.glob("templates/**/*.html"),
    ]
)
SOURCES.remove(GLOSSARY)


def harm_in(text: str) -> list[str]:
    return [f"{word} ({why})" for word, why in HARMFUL.items() if word in text]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_no_translation_uses_a_harmful_word(path: Path) -> None:
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=path.parts[-3])
    found = []
    for message in catalogue:
        strings = [message.string] if isinstance(message.string, str) else [*(message.string or ())]
        for string in strings:
            if harm := harm_in(string or ""):
                found.append(f"{message.id!r}: {harm}")
    assert found == []


def test_no_code_list_form_or_page_uses_a_harmful_word() -> None:
    assert len(SOURCES) > 20  # the forms, code lists and templates are where they are
    found = {str(p.relative_to(PACKAGE)): harm_in(p.read_text(encoding="utf-8")) for p in SOURCES}
    assert {path: harm for path, harm in found.items() if harm} == {}
