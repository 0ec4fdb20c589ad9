"""The registry of form handlers: what each app declares about the field forms it owns.

``collect`` serves any app's forms through OpenRosa and keeps their submissions and the review
queue; what a form means belongs to the app that owns it. An app registers one ``FormHandler``
per form (from its ``AppConfig.ready``), and ``collect`` asks the handler, never the form's
name, how to publish, check, accept or reject.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nahrain.core.problems import Problem

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from nahrain.collect.models import Submission


class NotAcceptable(Exception):
    """A submission cannot go into the figures as it is; the problems say why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:3]))


@dataclass(frozen=True)
class Checked:
    """What checking a submission found: its problems by field, and the batch it belongs to
    (a handler's own grouping for the review queue, such as DTM's round number; may be empty)."""

    problems: list[Problem]
    batch: str = ""


# (organisation id) -> {file name: content}
MediaFn = Callable[[Any], dict[str, bytes]]
# (organisation id, values, file name for the problems) -> Checked
CheckFn = Callable[[Any, dict[str, Any], str], Checked]
# (organisation id, {media file: codes a submission names from it}) -> {media file: {code: its
# name in the reader's language}}: what the review screen shows for the form's coded answers.
NamesFn = Callable[[Any, dict[str, set[str]]], dict[str, dict[str, str]]]
# (actor, locked submission, file name) -> what accepting produced, as {name: id}; raises
# NotAcceptable. The submission's ``problems`` may be refreshed by it.
AcceptFn = Callable[["User", "Submission", str], dict[str, str]]
# (actor, locked submission) -> None: what rejecting does beyond the status (usually nothing).
RejectFn = Callable[["User", "Submission"], None]
# (submission just stored, {withheld field: answer}, file name) -> what receiving produced, as
# {name: id}; raises NotAcceptable, which refuses the submission.
ReceiveFn = Callable[["Submission", dict[str, Any], str], dict[str, str]]


def _no_media(organisation_id: Any) -> dict[str, bytes]:
    return {}


def _no_problems(organisation_id: Any, values: dict[str, Any], file: str) -> Checked:
    return Checked([])


def _codes_as_they_are(
    organisation_id: Any, codes: dict[str, set[str]]
) -> dict[str, dict[str, str]]:
    return {}


def _nothing_on_reject(actor: User, submission: Submission) -> None:
    return None


@dataclass(frozen=True)
class FormHandler:
    """One field form and what it means.

    ``form_id`` is the XForm's id (the XLSForm's settings sheet must say the same); ``xlsform``
    the XLSForm as Markdown tables. ``personal`` maps the form's fields holding the personal
    data of the person who answered to where they are kept apart (``"name"`` or ``"phone"`` of
    the submission's informant): they are taken out of the stored XML and values. ``repeats``
    names the form's repeat groups, read as lists; other groups are flattened into their
    leaves. ``names`` gives the names of the codes the form loads from its media files (p-codes,
    place ids) for the review screen. ``reviewers`` are the roles that review its submissions in
    the collecting organisation: information managers, unless the whole submission is personal
    data (a household registration, names inside its member roster), which its registration staff
    alone read.

    ``receive`` makes a form its app's as it arrives, for what no reviewer may read (a complaint
    of sexual exploitation or fraud and the complainant's phone): ``collect`` calls it in the
    transaction that stores the submission, handing it the answers named in ``withheld``, which
    are taken out of the stored XML and values (like personal fields) and kept nowhere in
    ``collect``; the submission is stored as accepted, so it never waits in a review queue. A
    check error, or ``receive`` raising ``NotAcceptable``, refuses the submission: nothing is
    stored, the phone keeps it and shows why. ``accept`` is then never asked.
    """

    form_id: str
    xlsform: Path
    accept: AcceptFn
    media: MediaFn = _no_media
    check: CheckFn = _no_problems
    reject: RejectFn = _nothing_on_reject
    names: NamesFn = _codes_as_they_are
    personal: Mapping[str, str] = field(default_factory=dict)
    repeats: frozenset[str] = frozenset()
    reviewers: frozenset[str] = frozenset({"information_manager"})
    receive: ReceiveFn | None = None
    withheld: frozenset[str] = frozenset()


_registry: dict[str, FormHandler] = {}


def register(handler: FormHandler) -> None:
    """Declare a form; its ``form_id`` must be unique across the apps."""
    known = _registry.get(handler.form_id)
    if known is not None and known is not handler:
        raise ValueError(f"form {handler.form_id!r} is registered twice")
    if set(handler.personal.values()) - {"name", "phone"}:
        raise ValueError(f"form {handler.form_id!r}: personal fields go to 'name' or 'phone'")
    if handler.withheld and handler.receive is None:
        # Withheld answers exist only in the one call to ``receive``: without it they are lost.
        raise ValueError(f"form {handler.form_id!r} withholds answers but receives none")
    _registry[handler.form_id] = handler


def handler_for(form_id: str) -> FormHandler | None:
    return _registry.get(form_id)


def instance_layout(form_id: str) -> tuple[dict[str, str], frozenset[str], frozenset[str]]:
    """A form's personal fields, repeat groups and withheld answers, as reading its instances
    needs them."""
    handler = handler_for(form_id)
    if handler is None:
        return {}, frozenset(), frozenset()  # refused once the form is looked up
    return dict(handler.personal), handler.repeats, handler.withheld


def all_handlers() -> list[FormHandler]:
    """Every registered form, in the order the apps registered them."""
    return list(_registry.values())
