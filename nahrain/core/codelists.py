"""Code lists kept as versioned data with their sources (an app's ``data/codelists.json``): each
list is ``{"source": ..., "codes": [{"code": ..., "label_en": ..., "label_ar": ...,
"label_ckb": ...}, ...]}``, read once per process."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

from django.utils.translation import get_language


class CodeLists:
    def __init__(self, path: Path) -> None:
        self.path = path

    @cached_property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        return data

    def entries(self, kind: str) -> list[dict[str, Any]]:
        return list(self.data[kind]["codes"])

    def codes(self, kind: str) -> list[str]:
        """The codes of one list, in their order."""
        return [entry["code"] for entry in self.entries(kind)]

    def entry(self, kind: str, code: str) -> dict[str, Any]:
        for found in self.data[kind]["codes"]:
            if found["code"] == code:
                return dict(found)
        raise KeyError(f"{code!r} is not a code of {kind!r}")

    def text(self, entry: dict[str, Any], field: str, language: str | None = None) -> str:
        """An entry's ``field_<language>`` in the reader's language (Arabic for Kurdish where
        missing, then English)."""
        language = (language or get_language() or "en").split("-")[0]
        order = [language, "ar", "en"] if language == "ckb" else [language, "en"]
        for lang in order:
            if entry.get(f"{field}_{lang}"):
                return str(entry[f"{field}_{lang}"])
        return ""

    def label(self, kind: str, code: str, language: str | None = None) -> str:
        """A code's label in the reader's language; the code itself if the list lacks it."""
        try:
            found = self.entry(kind, code)
        except KeyError:
            return code
        return self.text(found, "label", language) or code

    def choices(self, kind: str) -> list[tuple[str, str]]:
        return [(code, self.label(kind, code)) for code in self.codes(kind)]
