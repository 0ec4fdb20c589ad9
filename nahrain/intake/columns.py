"""Which column of an uploaded file holds which field: the declarative half of an import spec.

A spec declares its fields once: the headers that name each (English and Arabic, and the
spellings that drift from round to round), the HXL hashtags that mean it, whether it is required.
From that declaration, and nothing written per file:

- headers are matched after folding case, spacing and punctuation (``header_key``);
- a file with a row of HXL hashtags under its headers (hxlstandard.org) is read by its hashtags
  alone, whatever its headers say;
- what the declaration cannot guess the user maps (``--map "HEADER=field"`` on the command
  line, a choice per column on the preview page), over the guess;
- two columns meaning one field, or a required field with no column, are problems of the header
  row, named by file, row and column.

A spec may add columns of its own kind (``extra``), such as DTM's shelter, period and origin
breakdowns, which come from code lists rather than from the declaration.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from nahrain.core.problems import Problem

_NON_ALNUM = re.compile(r"[^0-9a-z\u0600-\u06ff]+")
_NOISE_WORDS = re.compile(r"\b(wave|period)\b")
# Arabic letters written several ways in headers typed by hand: alef forms, teh marbuta, alef
# maksura, and the tatweel and diacritics that change nothing.
_ARABIC_FOLD = str.maketrans(
    {
        "\u0622": "\u0627",  # alef with madda -> alef
        "\u0623": "\u0627",  # alef with hamza above -> alef
        "\u0625": "\u0627",  # alef with hamza below -> alef
        "\u0629": "\u0647",  # ta marbuta -> heh
        "\u0649": "\u064a",  # alef maqsura -> yeh
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u0624": "\u0648",  # waw with hamza -> waw
        "\u0626": "\u064a",  # yeh with hamza -> yeh
        "\u06cc": "\u064a",  # Farsi and Kurdish yeh -> yeh
        "\u06a9": "\u0643",  # keheh (Kurdish keyboards) -> kaf
        "\u0640": None,  # tatweel
    }
)
_ARABIC_MARKS = re.compile(r"[\u064b-\u0652\u0670]")
# A mapping may name a column by its letter ("column:C"), when two columns share a header.
_COLUMN_REFERENCE = re.compile(r"^column:([A-Za-z]{1,3})$")
_HXL_CELL = re.compile(r"^\s*#[a-z][a-z0-9_]*(\s*\+\s*[a-z][a-z0-9_]*)*\s*$", re.IGNORECASE)


def header_key(header: str) -> str:
    """How column headers are compared: case, spacing, punctuation, Arabic letter forms and the
    words "wave"/"period" do not count."""
    text = _ARABIC_MARKS.sub("", header.casefold().translate(_ARABIC_FOLD))
    text = _NOISE_WORDS.sub(" ", text)
    return _NON_ALNUM.sub("", text)


def column_index(letters: str) -> int:
    """0-based index of a spreadsheet column name: A → 0, AA → 26."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number - 1


def column_letter(index: int) -> str:
    """Spreadsheet column name of a 0-based index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@dataclass(frozen=True)
class Field:
    """One thing a file may say, as a spec declares it."""

    name: str
    label: str  # what it is, in English, for the documentation and the preview
    headers: tuple[str, ...] = ()  # every header known to name it, English and Arabic
    # HXL tag patterns that mean it: "#adm1+code", "#affected+hh-returnees" ("-x": not +x).
    hxl: tuple[str, ...] = ()
    required: bool = False


@dataclass
class Column:
    """Where a header of the file went: a field, a spec's own target, or nowhere ("")."""

    index: int
    header: str
    target: str  # "field:households", or a spec's own such as "shelter:camp"; "" is ignored
    unit: str = ""  # what the numbers count, when the target says it (DTM origin columns)


# What a spec says of a header its fields do not name: (target, unit), or None.
Extra = Callable[[str], tuple[str, str] | None]


def is_hxl_row(row: list[str]) -> bool:
    """A row of HXL hashtags: every filled cell a hashtag, at least one filled."""
    filled = [cell for cell in row if cell.strip()]
    return bool(filled) and all(_HXL_CELL.match(cell) for cell in filled)


def _hxl_parts(tag: str) -> tuple[str, set[str], set[str]]:
    """A tag or tag pattern as (hashtag, attributes it has, attributes it must not have)."""
    text = tag.strip().lower().replace(" ", "")
    hashtag = re.split(r"[+-]", text, maxsplit=1)[0]
    wanted = set(re.findall(r"\+([a-z0-9_]+)", text))
    refused = set(re.findall(r"-([a-z0-9_]+)", text))
    return hashtag, wanted, refused


def hxl_field(tag: str, fields: Iterable[Field]) -> str:
    """The field a hashtag means: the one whose pattern it matches with the most attributes (so
    that ``#loc+name+i_ar`` is the Arabic name, not the English one), or ""."""
    hashtag, attributes, _ = _hxl_parts(tag)
    best, best_size = "", -1
    for spec_field in fields:
        for pattern in spec_field.hxl:
            name, wanted, refused = _hxl_parts(pattern)
            matches = name == hashtag and wanted <= attributes and not refused & attributes
            if matches and len(wanted) > best_size:
                best, best_size = spec_field.name, len(wanted)
    return best


def match_headers(
    header: list[str],
    fields: Iterable[Field],
    *,
    hxl: list[str] | None = None,
    extra: Extra | None = None,
) -> list[Column]:
    """Guess each column's meaning from its HXL hashtag when the file is tagged, from its header
    otherwise."""
    fields = tuple(fields)
    columns = []
    if hxl is not None:
        taken: set[str] = set()
        for index, text in enumerate(header):
            tag = hxl[index] if index < len(hxl) else ""
            name = hxl_field(tag, fields) if tag.strip() else ""
            target = f"field:{name}" if name else ""
            # A p-code column and a name column of one unit: the first is read.
            if target in taken:
                target = ""
            taken.add(target)
            columns.append(Column(index, text, target))
        return columns
    by_key = {header_key(h): f"field:{f.name}" for f in fields for h in (f.name, *f.headers)}
    for index, text in enumerate(header):
        key = header_key(text)
        if not key:
            columns.append(Column(index, text, ""))
            continue
        known = by_key.get(key)
        if known:
            columns.append(Column(index, text, known))
            continue
        found = extra(text) if extra is not None else None
        target, unit = found or ("", "")
        columns.append(Column(index, text, target, unit))
    return columns


def apply_column_map(
    columns: list[Column],
    column_map: dict[str, str],
    *,
    file: str,
    row: int,
    fields: Iterable[Field],
    target_of: Callable[[str], tuple[str, str] | None] | None = None,
    others: str = "",
) -> list[Problem]:
    """Put the user's mapping (header → field, a spec's own target, or ``ignore``) over the
    guessed one, in place. ``target_of`` reads a spec's own targets; ``others`` says which those
    are, for the message when a mapping names nothing."""
    names = {f.name for f in fields}
    problems = []
    by_header: dict[str, list[Column]] = {}
    for c in columns:
        by_header.setdefault(header_key(c.header), []).append(c)
    for header, wanted in column_map.items():
        reference = _COLUMN_REFERENCE.match(header.strip())
        if reference:
            index = column_index(reference.group(1))
            headed = [columns[index]] if index < len(columns) else []
        else:
            headed = by_header.get(header_key(header), [])
        if len(headed) > 1:
            letters = ", ".join(column_letter(c.index) for c in headed)
            problems.append(
                Problem(
                    file,
                    row,
                    letters,
                    "map",
                    f"the mapping names {header!r}, which heads columns {letters}: name one by "
                    f"its letter, column:{column_letter(headed[-1].index)}={wanted}",
                )
            )
            continue
        if not headed:
            problems.append(
                Problem(file, row, "", "map", f"the mapping names {header!r}, which no header is")
            )
            continue
        column = headed[0]
        wanted = wanted.strip()
        found: tuple[str, str] | None
        if wanted.casefold() == "ignore":
            found = ("", "")
        elif wanted in names:
            found = (f"field:{wanted}", "")
        else:
            found = target_of(wanted) if target_of is not None else None
        if found is None:
            choices = ", ".join(sorted(names)) + (f", {others}" if others else "") + " or ignore"
            problems.append(
                Problem(
                    file,
                    row,
                    column_letter(column.index),
                    "map",
                    f"the mapping gives {header!r} the meaning {wanted!r}, which is none of: "
                    f"{choices}",
                )
            )
            continue
        column.target, column.unit = found
    return problems


def check_mapping(
    columns: list[Column], fields: Iterable[Field], *, file: str, row: int
) -> tuple[dict[str, Column], list[Problem]]:
    """The column of each target, and the header row's problems: a target two columns claim, a
    required field no column holds."""
    problems = []
    targets: dict[str, Column] = {}
    for column in columns:
        if not column.target:
            continue
        if column.target in targets:
            first = targets[column.target]
            problems.append(
                Problem(
                    file,
                    row,
                    column_letter(column.index),
                    "duplicate_column",
                    f"{column.header!r} means the same as column {column_letter(first.index)} "
                    f"({first.header!r})",
                )
            )
        targets[column.target] = column
    for spec_field in fields:
        if spec_field.required and f"field:{spec_field.name}" not in targets:
            known = ", ".join(spec_field.headers[:6])
            tags = f"; or the HXL tag {spec_field.hxl[0]}" if spec_field.hxl else ""
            problems.append(
                Problem(
                    file,
                    row,
                    "",
                    "missing_column",
                    f"no column for {spec_field.name}; expected one of: {known}{tags}",
                )
            )
    return targets, problems


def mapping_summary(columns: Iterable[Column]) -> list[dict[str, str]]:
    """The column mapping used, for the person importing to check (and change)."""
    return [
        {
            "column": column_letter(c.index),
            "header": c.header,
            "mapped_to": c.target or "(ignored)",
            "unit": c.unit,
        }
        for c in columns
    ]
