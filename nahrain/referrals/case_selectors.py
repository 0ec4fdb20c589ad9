"""Reads of protection cases, always for a reader and through ``access`` (the one rule of who
reads which case): the list of the cases they read, one case with its entries in the words of
its forms, its assignments and the referrals made from it, and where they open cases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from nahrain.core.access import AnyUser
from nahrain.core.models import Membership, Organisation
from nahrain.referrals import access, codelists
from nahrain.referrals.models import Case, CaseAssignment, CaseEntry, Referral
from nahrain.registry import access as registry_access
from nahrain.registry import codelists as registry_codelists

# --- the list ---------------------------------------------------------------------------------


def case_list(
    *, user: AnyUser, case_type: str = "", status: str = "", limit: int = 500
) -> QuerySet[Case]:
    """The cases the reader reads, the latest opened first, each with the date of its last
    entry (``last_entry_on``); of a type or status when asked."""
    found = access.cases_readable(user)
    if case_type:
        found = found.filter(type=case_type)
    if status:
        found = found.filter(status=status)
    return (
        found.select_related("organisation")
        .annotate(last_entry_on=Max("entries__on"))
        .order_by("-opened_on", "-created_at")[:limit]
    )


# --- opening ----------------------------------------------------------------------------------


def opening_organisations(user: AnyUser) -> list[tuple[Organisation, list[str]]]:
    """The organisations where the user opens cases, each with the case types they open there."""
    found = []
    for organisation in access.organisations_with(user, access.CASE_ROLES).order_by("acronym"):
        types = access.opens_cases(user, organisation)
        if types:
            found.append((organisation, types))
    return found


# --- one case ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One answer of an entry, in the reader's words."""

    question: str
    label: str
    value: str


@dataclass(frozen=True)
class EntryShown:
    entry: CaseEntry
    form: str
    answers: list[Answer]


@dataclass(frozen=True)
class CaseShown:
    """A case as its reader sees it."""

    case: Case
    entries: list[EntryShown]
    assignments: list[CaseAssignment]
    referrals: list[Referral]
    forms: list[tuple[str, str]]  # (form, its name): the entries one may add
    assignable: list[User]  # the members who hold the case type's role, not yet assigned
    registry_record: Any = None  # the household of the registry record, when the reader reads it
    ended: list[CaseAssignment] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.case.status == "open"


def answer_value(question: Mapping[str, Any], value: Any) -> str:
    """An answer written for the reader: a choice, service or document by its label, yes or no,
    a number or the text itself."""
    kind = question["kind"]
    if value is None or value == "" or value == []:
        return "—"
    if kind == "choice":
        return codelists.case_word("choices", str(value))
    if kind == "boolean":
        return _("Yes") if value else _("No")
    if kind == "services":
        return ", ".join(codelists.label("service_types", str(code)) for code in value)
    if kind == "documents":
        return ", ".join(registry_codelists.label("documents", str(code)) for code in value)
    if kind == "document":
        return registry_codelists.label("documents", str(value))
    return str(value)


def answers_shown(case_type: str, kind: str, answers: Mapping[str, Any]) -> list[Answer]:
    """An entry's answers in the order of its form's questions, with their labels."""
    try:
        form = codelists.case_form(case_type, kind)
    except KeyError:
        return [Answer(name, name, str(value)) for name, value in answers.items()]
    return [
        Answer(
            question["name"],
            codelists.case_word("questions", question["name"], case_type=case_type),
            answer_value(question, answers.get(question["name"])),
        )
        for question in form
        if question["name"] in answers
    ]


def case_forms(case: Case) -> list[tuple[str, str]]:
    """The forms of the case's type with their names: the entries that can be added to it."""
    return [
        (kind, codelists.case_word("forms", kind, case_type=case.type))
        for kind in codelists.case_forms(case.type)
    ]


def case_shown(*, user: AnyUser, case: Case) -> CaseShown:
    """A case the reader came to through ``access.access_case_by_uid``: its entries in order
    with their answers' labels, who is and was assigned, the referrals made from it and who
    else can be assigned."""
    entries = [
        EntryShown(
            entry=entry,
            form=codelists.case_word("forms", entry.kind, case_type=case.type),
            answers=answers_shown(case.type, entry.kind, entry.answers),
        )
        for entry in case.entries.select_related("author").order_by("on", "at")
    ]
    assignments = list(case.assignments.select_related("user", "assigned_by").order_by("at"))
    current = [a for a in assignments if a.ended_at is None]
    assigned_ids = {a.user_id for a in current}
    memberships: QuerySet[Membership] = access.assignable(case.organisation, case.type)
    assignable = sorted(
        {m.user.pk: m.user for m in memberships if m.user.pk not in assigned_ids}.values(),
        key=lambda u: u.get_username(),
    )
    record = None
    if case.individual is not None and (
        registry_access.individuals_readable(user).filter(pk=case.individual.pk).exists()
    ):
        record = case.individual.household
    return CaseShown(
        case=case,
        entries=entries,
        assignments=current,
        ended=[a for a in assignments if a.ended_at is not None],
        referrals=list(
            Referral.objects.filter(case=case)
            .select_related("to_organisation", "point")
            .order_by("-sent_at")
        ),
        forms=case_forms(case) if case.status == "open" else [],
        assignable=assignable,
        registry_record=record,
    )
