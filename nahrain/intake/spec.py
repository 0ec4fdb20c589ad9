"""The contract every importer signs: an import spec, and the registry of them.

An app declares what a file of its kind holds (its fields: headers in English and Arabic, HXL
hashtags, required), which object a file goes into and who may import into it (the gate), how a
file is checked without writing anything, and how it is written, all or nothing. The pipeline
does the rest, the same for every app: upload, preview with the mapping and every problem, the
user's header mapping and taught spellings, confirmation, the background job with its progress,
the result with its audit entry, and the problems file.

Registered from the app's ``AppConfig.ready`` (see docs/ARCHITECTURE.md for a worked example).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth.models import User

from nahrain.core.access import AnyUser
from nahrain.core.models import AuditEvent, Organisation
from nahrain.core.problems import Problem, Severity
from nahrain.intake.columns import Field

Progress = Callable[[str, int, int], None]


def _quiet(stage: str, done: int, total: int) -> None:
    """Progress nobody watches."""


@dataclass
class Intake:
    """One file to check or write, as a spec's ``check`` and ``commit`` receive it."""

    actor: User | None
    target: Any  # the object the file goes into, already through the spec's gate
    data: bytes
    file: str
    options: dict[str, Any] = field(default_factory=dict)
    column_map: dict[str, str] = field(default_factory=dict)  # header -> field, over the guess
    aliases: dict[str, str] = field(default_factory=dict)  # spelling -> p-code, learnt on commit
    progress: Progress = _quiet


@dataclass
class Outcome:
    """What checking or writing a file found."""

    # (what, figure): the what an English msgid (translated on the page), the figure a count or
    # a word, e.g. ("Locations", 3512), ("Population", "IDPs").
    summary: list[tuple[str, str | int]]
    mapping: list[dict[str, str]]  # column, header, mapped_to, unit (intake.columns)
    problems: list[Problem]  # warnings only: errors refuse the file (ImportRejected)
    audit: AuditEvent | None = None  # the entry a write left

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]


@dataclass(frozen=True)
class Spec:
    name: str  # stable, in URLs and jobs: "<app>.<what>", e.g. "displacement.master_list"
    title: Any  # what the file is, for people (a lazy translation)
    fields: tuple[Field, ...]  # the declared columns: documentation, mapping choices
    # The gate: the object a file may go into, for this user (Http404 for missing and not-yours).
    target_for_change: Callable[[AnyUser, str], Any]
    organisation_of: Callable[[Any], Organisation]
    target_url: Callable[[Any], str]  # the page of that object, to return to
    target_label: Callable[[Any], str]
    check: Callable[[Intake], Outcome]  # a dry run: never writes; raises ImportRejected
    commit: Callable[[Intake], Outcome]  # all or nothing; raises ImportRejected
    # Targets a header may be mapped to beyond the fields, for this object: (value, label).
    extra_targets: Callable[[Any], list[tuple[str, str]]] = lambda target: []
    options_form: type[forms.Form] | None = None  # choices made with the upload (a population)
    # Targets that take a date, as (prefix, label): a column is read as "<prefix>@YYYY-MM-DD"
    # (a CCCM list's "Population (July CCCM)" as households on 31 July 2019). The preview offers
    # each with a date to give; the spec's own reading accepts them (``apply_column_map``).
    dated_targets: tuple[tuple[str, Any], ...] = ()
    # Exceptions that refuse a file with a message for the user (a published round is locked).
    refusals: tuple[type[Exception], ...] = ()
    # Whether the preview offers to teach unknown place spellings (geo aliases).
    learns_aliases: bool = False
    # Whether a file of this kind holds personal data (a beneficiary list): every answer quoting
    # its cells is audited, and a kept file's rows (the marked problems file) go back to its
    # uploader alone, not to everyone who may import into the same target.
    personal: bool = False


_SPECS: dict[str, Spec] = {}


def register(spec: Spec) -> None:
    """Make a spec available to the pipeline; registering a name twice is a mistake of ours."""
    if spec.name in _SPECS and _SPECS[spec.name] is not spec:
        raise ValueError(f"import spec {spec.name!r} is registered twice")
    _SPECS[spec.name] = spec


def spec_named(name: str) -> Spec | None:
    return _SPECS.get(name)


def specs() -> list[Spec]:
    return sorted(_SPECS.values(), key=lambda s: s.name)
