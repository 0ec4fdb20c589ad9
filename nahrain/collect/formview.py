"""A submission seen as the form it was filled in: the XLSForm's questions in its order and
groups, with their labels in the reader's language, each value beside the problems found in it.

Generic over the form handlers: everything comes from the form version's own XLSForm (the survey
and choices sheets) and from the handler (its personal fields, kept apart; the names of the codes
a form loads from its CSV media, such as p-codes and place ids).
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import get_language
from pyxform.xls2json import workbook_to_json
from pyxform.xls2json_backends import get_xlsform

from nahrain.collect.handlers import handler_for, instance_layout
from nahrain.collect.xforms import INSTANCE_ROOT, parse_instance

if TYPE_CHECKING:
    from nahrain.collect.models import Submission

# Question types a reviewer sees and may correct; the others (start, end, calculate, notes,
# the meta group) are the app's machinery, not answers.
ANSWER_TYPES = frozenset(
    {"integer", "decimal", "text", "date", "select one", "select all that apply"}
)
# "English (en)" -> "en": the language code an XLSForm column names in brackets.
LANGUAGE_CODE = re.compile(r"\(([A-Za-z-]+)\)\s*$")


@dataclass(frozen=True)
class Question:
    name: str
    type: str
    label: Mapping[str, str]
    hint: Mapping[str, str]
    required: bool
    choices: tuple[tuple[str, Mapping[str, str]], ...] = ()
    # The CSV a select_one_from_file question reads its choices from ("locations.csv").
    itemset: str = ""


@dataclass(frozen=True)
class Section:
    """A group or repeat of the form; the questions outside any group form an unnamed one."""

    name: str
    label: Mapping[str, str]
    repeat: bool
    questions: tuple[Question, ...]


def _by_language(text: Any, default: str) -> dict[str, str]:
    if isinstance(text, dict):
        found = {}
        for column, value in text.items():
            match = LANGUAGE_CODE.search(column)
            found[match.group(1) if match else column] = str(value)
        return found
    return {default: str(text)} if text else {}


@functools.lru_cache(maxsize=16)
def form_layout(source: str) -> tuple[Section, ...]:
    """The sections of an XLSForm (Markdown tables), in the form's order. Cached: a published
    version's source never changes."""
    workbook = workbook_to_json(
        get_xlsform(xlsform=io.BytesIO(source.encode("utf-8"))), INSTANCE_ROOT
    )
    default = LANGUAGE_CODE.search(str(workbook.get("default_language", "")))
    language = default.group(1) if default else "en"
    choices = workbook.get("choices", {})
    sections: list[Section] = []
    loose: list[Question] = []

    def question(child: dict[str, Any]) -> Question:
        return Question(
            name=child["name"],
            type=child["type"],
            label=_by_language(child.get("label"), language),
            hint=_by_language(child.get("hint"), language),
            required=child.get("bind", {}).get("required") == "yes",
            choices=tuple(
                (str(choice["name"]), _by_language(choice.get("label"), language))
                for choice in choices.get(child.get("list_name") or "", ())
            ),
            itemset=str(child.get("itemset") or "") if not child.get("list_name") else "",
        )

    def flush() -> None:
        if loose:
            sections.append(Section("", {}, False, tuple(loose)))
            loose.clear()

    for child in workbook.get("children", []):
        if child["type"] in ("group", "repeat"):
            inner = tuple(
                question(c) for c in child.get("children", []) if c["type"] in ANSWER_TYPES
            )
            if inner:
                flush()
                sections.append(
                    Section(
                        child["name"],
                        _by_language(child.get("label"), language),
                        child["type"] == "repeat",
                        inner,
                    )
                )
        elif child["type"] in ANSWER_TYPES:
            loose.append(question(child))
    flush()
    return tuple(sections)


def in_language(text: Mapping[str, str], fallback: str = "") -> str:
    """A label in the reader's language; Sorani falls back to Arabic, both to English (as place
    names do)."""
    language = (get_language() or "en").split("-")[0]
    order = {"ckb": ("ckb", "ar", "en"), "ar": ("ar", "en")}.get(language, (language, "en"))
    for code in order:
        if text.get(code):
            return text[code]
    return next(iter(text.values()), fallback)


# ---------------------------------------------------------------------------- the sheet


@dataclass
class Answer:
    """One question as answered: ``key`` is the value's place in the submission's values
    (``name``, or ``repeat.index.name`` inside a repeat); ``shown`` the value as a reader reads
    it (choice labels, place names); ``original`` what the phone sent when a reviewer has
    corrected it since."""

    key: str
    question: Question
    label: str
    hint: str
    value: str
    shown: str
    problems: list[str] = field(default_factory=list)
    original: str | None = None
    original_shown: str = ""
    # The field a reviewer corrects it in (a bound form field), while the submission waits.
    bound: Any = None

    @property
    def empty(self) -> bool:
        return self.value == ""

    @property
    def named(self) -> bool:
        """A code the reader reads a name for (a p-code, a place id)."""
        return bool(self.question.itemset) and self.shown != self.value

    @property
    def quiet(self) -> bool:
        """Unanswered, optional and blameless: collapsed out of the reader's way."""
        flagged = self.problems or (self.bound is not None and self.bound.errors)
        return self.empty and not flagged and not self.question.required


@dataclass
class Block:
    """A section as answered (a repeat gives one block per entry)."""

    key: str
    label: str
    answers: list[Answer]
    problems: list[str] = field(default_factory=list)

    @property
    def filled(self) -> list[Answer]:
        return [a for a in self.answers if not a.quiet]

    @property
    def empty(self) -> list[Answer]:
        return [a for a in self.answers if a.quiet]


@dataclass
class Sheet:
    blocks: list[Block]
    # Problems naming no question of the form, shown above it.
    general: list[str]
    errors: int
    # The choices of a short list a form loads from a file (governorates, districts), by file:
    # what a reviewer picks a correction from by name. Longer lists are typed as codes.
    options: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def flat_values(values: Mapping[str, Any], sections: tuple[Section, ...]) -> dict[str, str]:
    """The submission's values by answer key, every question of the form present."""
    flat: dict[str, str] = {}
    for section in sections:
        if section.repeat:
            entries = values.get(section.name)
            for index, entry in enumerate(entries if isinstance(entries, list) else []):
                for q in section.questions:
                    value = entry.get(q.name, "") if isinstance(entry, dict) else ""
                    flat[f"{section.name}.{index}.{q.name}"] = str(value)
        else:
            for q in section.questions:
                flat[q.name] = str(values.get(q.name, "") or "")
    return flat


def _shown(question: Question, value: str, names: Mapping[str, Mapping[str, str]]) -> str:
    if value == "":
        return ""
    if question.itemset:
        return names.get(question.itemset, {}).get(value, value)
    if question.choices:
        labels = {name: in_language(label, name) for name, label in question.choices}
        return ", ".join(labels.get(part, part) for part in value.split())
    return value


def sheet(
    sections: tuple[Section, ...],
    *,
    values: Mapping[str, str],
    original: Mapping[str, str],
    problems: list[dict[str, Any]],
    names: Mapping[str, Mapping[str, str]],
    personal: frozenset[str],
) -> Sheet:
    """The form as answered: each answer with its problems (a problem's ``column`` names the
    question, or a group or repeat for a problem of the whole breakdown), and the problems that
    name neither, apart."""
    by_column: dict[str, list[str]] = {}
    errors = 0
    for problem in problems:
        by_column.setdefault(str(problem.get("column", "")), []).append(str(problem["message"]))
        errors += problem.get("severity", "error") == "error"
    used: set[str] = set()
    blocks: list[Block] = []
    for section in sections:
        entries = sorted(
            {key.split(".")[1] for key in values if key.startswith(f"{section.name}.")}, key=int
        )
        keys_of = (
            [(f"{section.name}.{index}.", f"{section.name}-{index}") for index in entries]
            if section.repeat
            else [("", section.name or "form")]
        )
        for position, (prefix, block_key) in enumerate(keys_of, start=1):
            answers = []
            for q in section.questions:
                if q.name in personal:
                    continue
                key = prefix + q.name
                value = values.get(key, "")
                sent = original.get(key, "")
                answers.append(
                    Answer(
                        key=key,
                        question=q,
                        label=in_language(q.label, q.name),
                        hint=in_language(q.hint),
                        value=value,
                        shown=_shown(q, value, names),
                        problems=[] if section.repeat else by_column.get(q.name, []),
                        original=None if sent == value else sent,
                        original_shown=_shown(q, sent, names),
                    )
                )
            if not answers:
                continue
            # A repeat's problems name the question, not the entry: they go above its first one.
            columns = [section.name] + (
                [q.name for q in section.questions] if section.repeat else []
            )
            label = in_language(section.label)
            blocks.append(
                Block(
                    key=block_key,
                    label=f"{label} ({position})" if section.repeat else label,
                    answers=answers,
                    problems=[m for c in columns for m in by_column.get(c, [])]
                    if position == 1
                    else [],
                )
            )
            used.update(columns)
            used.update(a.question.name for a in answers)
    general = [m for column, messages in by_column.items() if column not in used for m in messages]
    return Sheet(blocks=blocks, general=general, errors=errors)


def review_sheet(submission: Submission) -> Sheet:
    """A submission as its form, checked now (in the reader's language, against today's lists),
    with what a reviewer corrected beside what was sent. The caller must have passed
    ``access.access_submission_for_review``."""
    sections = form_layout(submission.form_version.xlsform)
    handler = handler_for(submission.form.form_id)
    values = flat_values(submission.data, sections)
    sent = parse_instance(submission.xml.encode("utf-8"), layout=instance_layout)
    listed = _media_codes(submission, {q.itemset for s in sections for q in s.questions})
    codes = {
        itemset: set(names) if len(names) <= SHORT_LIST else set()
        for itemset, names in listed.items()
    }
    originals = flat_values(sent.values, sections)
    for key, value in (*values.items(), *originals.items()):
        itemset = _question(sections, key).itemset
        if itemset and value:
            codes[itemset].add(value)
    if handler is None:  # a form whose app is gone: what was found when it came in
        problems, names, personal = submission.problems, {}, frozenset[str]()
    else:
        checked = handler.check(submission.organisation_id, submission.data, "")
        problems = [p.as_dict() for p in checked.problems]
        names = handler.names(submission.organisation_id, codes)
        personal = frozenset(handler.personal)
    answered = sheet(
        sections,
        values=values,
        original=originals,
        problems=problems,
        names=names,
        personal=personal,
    )
    for itemset, known in listed.items():
        if 0 < len(known) <= SHORT_LIST:
            shown = names.get(itemset, {})
            answered.options[itemset] = sorted(
                ((code, shown.get(code, code)) for code in known), key=lambda o: o[1]
            )
    return answered


# Lists up to this long are offered by name; a location list of thousands is not.
SHORT_LIST = 300


def _media_codes(submission: Submission, itemsets: set[str]) -> dict[str, list[str]]:
    """The codes (the ``name`` column) of each CSV the form loads, as published with its
    version."""
    found: dict[str, list[str]] = {}
    for media in submission.form_version.media.filter(filename__in=itemsets - {""}):
        rows = csv.DictReader(io.StringIO(bytes(media.data).decode("utf-8")))
        found[media.filename] = [row["name"] for row in rows if row.get("name")]
    return found


def _question(sections: tuple[Section, ...], key: str) -> Question:
    name = key.rsplit(".", 1)[-1]
    return next(q for section in sections for q in section.questions if q.name == name)
