"""A person's record as the matcher reads it, from any partner's list.

Each field is read once per record into what comparisons need: the four names of the chain
(``names.read``), sex, the date of birth with whether it is a convention (1 July or 1 January,
what registrations write for a known year), the phone and document number in one form, the
household the record was registered in (organisation and its own household number) and the
governorates. A record that gives only a full name has it split into the chain here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from nahrain.geo.normalize import ARABIC_DIGITS
from nahrain.registry import names as registry_names
from nahrain.registry.dedup import names
from nahrain.registry.dedup.names import Name

FIELDS = (
    "record_id",
    "org",
    "first_name",
    "father_name",
    "grandfather_name",
    "family_name",
    "full_name",
    "sex",
    "date_of_birth",
    "phone",
    "document_number",
    "household_id_in_org",
    "admin1_origin",
    "admin1_current",
)

_CONVENTIONS = ((7, 1), (1, 1))
_SEX = {"m": "m", "male": "m", "ذكر": "m", "f": "f", "female": "f", "انثى": "f", "أنثى": "f"}


@dataclass(slots=True, eq=False)
class Record:
    index: int
    record_id: str
    org: str
    first: Name | None
    father: Name | None
    grandfather: Name | None
    family: Name | None
    sex: str
    born: dt.date | None
    convention: bool
    phone: str
    document: str
    household: str
    origin: str
    current: str


# Words of a full name that belong to the next word (Abdul Rahman, Abu Bakr) or to the one
# before (Nour al-Din, Fadl Allah): one name of the chain, written as two words.
_JOINS_NEXT = frozenset({"abd", "abdul", "abdel", "abdol", "abdal", "abu", "abou", "عبد", "ابو"})
_JOINS_PREVIOUS = frozenset(
    {"aldin", "aldeen", "eldin", "uddin", "addin", "allah", "ullah", "الدين", "الله"}
)
_ARTICLES = frozenset({"al", "el", "ال"})


def split_full_name(full: str) -> tuple[str, str, str, str]:
    """First, father, grandfather and family names of a chain written in one field. A last
    name with the article (Al-Jubouri, الجبوري) is the family; with four names or more the last
    is; names between the grandfather and the family (a great-grandfather) are left out."""
    words = names.without_honorifics([w for w in re.split(r"[\s\-]+", full.strip()) if w])
    # An article belongs to the word after it (Al Jubouri); "al Din", "al-Lah" to the one before.
    tokens: list[str] = []
    for word in words:
        if tokens and registry_names.arabic_normal(tokens[-1]) in _ARTICLES:
            tokens[-1] = f"{tokens[-1]} {word}"
        else:
            tokens.append(word)
    chain: list[str] = []
    for token in tokens:
        before = registry_names.arabic_normal(chain[-1]) if chain else ""
        compact = registry_names.arabic_normal(token).replace(" ", "")
        if chain and (before in _JOINS_NEXT or compact in _JOINS_PREVIOUS):
            chain[-1] = f"{chain[-1]} {token}"
        else:
            chain.append(token)
    family = ""
    if len(chain) >= 4 or (len(chain) == 3 and _has_article(chain[-1])):
        family = chain.pop()
    chain += [""] * 3
    return chain[0], chain[1], chain[2], family


def _has_article(word: str) -> bool:
    low = registry_names.arabic_normal(word)
    return low.startswith(("al ", "al-", "el ", "el-", "ال")) or (
        low.startswith(("al", "el")) and len(low) > 5 and not _is_arabic(low)
    )


def _is_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


def date_of_birth(text: str) -> tuple[dt.date | None, bool]:
    """The date and whether it is a convention; a year alone is read as 1 July of it. Digits
    may be Arabic-Indic or Eastern (١٩٨٧-٠٦-٢٩, ۱۹۸۷-۰۶-۲۹), as Arabic keyboards type them."""
    text = text.strip().translate(ARABIC_DIGITS)
    if not text:
        return None, False
    try:
        if re.fullmatch(r"\d{4}", text):
            return dt.date(int(text), 7, 1), True
        match = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", text)
        born = (
            dt.date(int(match[3]), int(match[2]), int(match[1]))
            if match
            else dt.date.fromisoformat(text[:10])
        )
    except ValueError:
        return None, False
    return born, (born.month, born.day) in _CONVENTIONS


def phone_key(phone: str) -> str:
    """The last ten digits of an Iraqi mobile (7xx xxx xxxx) in whatever form it was written."""
    key = registry_names.phone_key(phone)
    return key[-10:] if len(key) >= 10 else ""


def document_key(number: str) -> str:
    key = registry_names.document_key(number)
    return key if len(key) >= 4 else ""


def record_of(row: Mapping[str, str | None], index: int) -> Record:
    """The matcher's reading of one row with the dedupe-file columns (any may be empty)."""

    def field(name: str) -> str:
        return (row.get(name) or "").strip()

    first, father, grandfather, family = (
        field("first_name"),
        field("father_name"),
        field("grandfather_name"),
        field("family_name"),
    )
    if not (first or father) and field("full_name"):
        first, father, grandfather, family = split_full_name(field("full_name"))
    born, convention = date_of_birth(field("date_of_birth"))
    org = field("org")
    household = field("household_id_in_org")
    return Record(
        index=index,
        record_id=field("record_id"),
        org=org,
        first=names.read(first),
        father=names.read(father),
        grandfather=names.read(grandfather),
        family=names.read(family, family=True),
        sex=_SEX.get(field("sex").casefold(), ""),
        born=born,
        convention=convention,
        phone=phone_key(field("phone")),
        document=document_key(field("document_number")),
        household=f"{org}\x1f{household}" if household else "",
        origin=field("admin1_origin").upper(),
        current=field("admin1_current").upper(),
    )
