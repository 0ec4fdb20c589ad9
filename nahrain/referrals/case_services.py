"""Writes of protection cases: opening, assigning case workers, entries answering the case
type's forms (assessment, service plan, follow-up, document obtained, closure). Keyword-only,
one transaction each; a ``key`` makes a resent write return what the first made.

A GBV case keeps the least that identifies the survivor (GBVIMS): no name, a case code in its
place. A document obtained in a legal-documentation case is written back to the person's
registry record when the case's organisation holds it."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date
from typing import Any, TypeGuard

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nahrain.core.models import Membership, Organisation
from nahrain.core.services import audit_record
from nahrain.referrals import access, codelists
from nahrain.referrals.models import Case, CaseAssignment, CaseEntry, CaseStatus
from nahrain.referrals.services import KEY_USED, PersonIn, Problem, ReferralRuleBroken
from nahrain.registry import codelists as registry_codelists
from nahrain.registry import services as registry_services
from nahrain.registry.models import HouseholdStatus, Individual, MemberStatus

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a code is read aloud and copied by hand.
_CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"


def _code(case_type: str) -> str:
    prefix = codelists.case_type(case_type)["code_prefix"]
    return f"{prefix}-{''.join(secrets.choice(_CODE_ALPHABET) for _ in range(7))}"


@transaction.atomic
def case_open(
    *,
    actor: User,
    organisation: Organisation,
    case_type: str,
    opened_on: date | None = None,
    person: PersonIn | None = None,
    individual: Individual | None = None,
    key: str | None = None,
) -> Case:
    """Open a case, assigned to the worker who opens it. A ``key`` makes the same form or call
    sent again (or twice at once) answer with the case it opened."""
    if case_type not in access.opens_cases(actor, organisation):
        raise ReferralRuleBroken(_("You do not open cases of this type here."))
    opened = _opened_with(organisation, actor, case_type, key)
    if opened is not None:
        return opened
    today = timezone.localdate()
    opened_on = opened_on or today
    if opened_on > today:
        raise ReferralRuleBroken([Problem("future", "opened_on", _("Not a date to come."))])
    if individual is not None and individual.organisation_id != organisation.pk:
        raise ReferralRuleBroken(_("The person is not in this organisation's registry."))
    person = person or PersonIn()
    named = bool(codelists.case_type(case_type)["named"])
    if (person.name or person.phone) and not named:
        raise ReferralRuleBroken(
            [
                Problem(
                    "no_name",
                    "name" if person.name else "phone",
                    _("A GBV case keeps no name or phone: the case code stands for the survivor."),
                )
            ]
        )
    if individual is not None and not named:
        # The registry record holds the name, phone and household the case must not keep.
        raise ReferralRuleBroken(
            [
                Problem(
                    "no_record",
                    "individual",
                    _(
                        "A GBV case is not linked to a registry record: the case code stands "
                        "for the survivor."
                    ),
                )
            ]
        )
    if person.sex not in ("", "m", "f"):
        raise ReferralRuleBroken([Problem("sex", "sex", _("Unknown sex."))])
    for _attempt in range(5):
        code = _code(case_type)
        if not Case.objects.filter(organisation=organisation, code=code).exists():
            break
    try:
        with transaction.atomic():
            case = Case.objects.create(
                organisation=organisation,
                type=case_type,
                code=code,
                opened_on=opened_on,
                opened_by=actor,
                individual=individual,
                name=person.name.strip()[:200] if named else "",
                sex=person.sex,
                age=person.age,
                phone=person.phone.strip()[:32] if named else "",
                place=person.place.strip()[:200],
                key=key or None,
            )
    except IntegrityError:
        # The same key sent at the same moment: the other sending opened it.
        again = _opened_with(organisation, actor, case_type, key)
        if again is None:
            raise
        return again
    CaseAssignment.objects.create(case=case, user=actor, assigned_by=actor)
    _audit(actor, "opened", case)
    return case


@transaction.atomic
def case_assign(*, actor: User, case: Case, user: User) -> CaseAssignment:
    """Assign another worker of the organisation who holds the case type's role."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    _reader_checked(actor, locked)
    role = codelists.case_type(locked.type)["opened_by"]
    if not Membership.objects.filter(
        organisation_id=locked.organisation_id, user=user, role=role
    ).exists():
        raise ReferralRuleBroken(
            [Problem("not_eligible", "user", _("This person cannot be assigned such a case."))]
        )
    current = CaseAssignment.objects.filter(case=locked, user=user, ended_at__isnull=True).first()
    if current is not None:
        return current
    assignment = CaseAssignment.objects.create(case=locked, user=user, assigned_by=actor)
    _audit(actor, "assigned", locked, user=user.pk)
    return assignment


@transaction.atomic
def case_unassign(*, actor: User, case: Case, user: User) -> None:
    """End an assignment; a case always keeps one assigned worker."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    _reader_checked(actor, locked)
    active = CaseAssignment.objects.filter(case=locked, ended_at__isnull=True)
    if not active.exclude(user=user).exists():
        raise ReferralRuleBroken(
            [Problem("last_worker", "user", _("Assign another case worker first."))]
        )
    if active.filter(user=user).update(ended_at=timezone.now()):
        _audit(actor, "unassigned", locked, user=user.pk)


def answer_problems(case_type: str, kind: str, answers: Mapping[str, Any]) -> list[Problem]:
    """What keeps answers from fitting the case type's form: unknown or missing questions,
    choices not listed, numbers out of range."""
    try:
        form = codelists.case_form(case_type, kind)
    except KeyError:
        return [Problem("no_form", "kind", _("This case type has no such form."))]
    problems = []
    questions = {q["name"]: q for q in form}
    for name in answers:
        if name not in questions:
            problems.append(Problem("unknown", name, _("Not a question of this form.")))
    for name, question in questions.items():
        value = answers.get(name)
        if value in (None, "", []):
            if question.get("required"):
                problems.append(Problem("required", name, _("An answer is needed.")))
            continue
        kind_of = question["kind"]
        if kind_of == "choice" and (not isinstance(value, str) or value not in question["choices"]):
            problems.append(Problem("choice", name, _("Not one of the answers offered.")))
        elif kind_of == "boolean" and not isinstance(value, bool):
            problems.append(Problem("boolean", name, _("Answer yes or no.")))
        elif kind_of == "number" and (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not question.get("min", value) <= value <= question.get("max", value)
        ):
            problems.append(Problem("number", name, _("Not a number in the range asked.")))
        elif kind_of == "text" and (not isinstance(value, str) or len(value) > 2000):
            problems.append(Problem("text", name, _("A text of at most 2,000 characters.")))
        elif kind_of == "services" and (
            not _codes_listed(value) or not set(value) <= set(codelists.codes("service_types"))
        ):
            problems.append(Problem("services", name, _("Not services of the directory.")))
        elif kind_of == "documents" and (
            not _codes_listed(value) or not set(value) <= set(registry_codelists.codes("documents"))
        ):
            problems.append(Problem("documents", name, _("Not civil documents of the list.")))
        elif kind_of == "document" and (
            not isinstance(value, str) or value not in registry_codelists.codes("documents")
        ):
            problems.append(Problem("document", name, _("Not a civil document of the list.")))
    return problems


def _codes_listed(value: Any) -> TypeGuard[list[str]]:
    """A list of codes (strings): an answer of a list question, before it is compared as a set
    (a list of objects sent through the API would not make one)."""
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


@transaction.atomic
def case_entry_add(
    *,
    actor: User,
    case: Case,
    kind: str,
    answers: Mapping[str, Any],
    on: date | None = None,
    key: str | None = None,
) -> CaseEntry:
    """Record an assessment, plan, follow-up, document obtained or the closure (which closes
    the case). A closed case takes no more entries."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    _reader_checked(actor, locked)
    if key:
        entry = locked.entries.filter(key=key).first()
        if entry is not None:
            if entry.kind != kind:
                raise ReferralRuleBroken([Problem("key_used", "key", KEY_USED)])
            return entry
    if locked.status == CaseStatus.CLOSED:
        raise ReferralRuleBroken(_("The case is closed."))
    today = timezone.localdate()
    on = on or today
    problems = answer_problems(locked.type, kind, answers)
    if on > today or on < locked.opened_on:
        problems.append(Problem("date", "on", _("A date between the case's opening and today.")))
    if problems:
        raise ReferralRuleBroken(problems)
    entry = CaseEntry.objects.create(
        case=locked, kind=kind, on=on, answers=dict(answers), author=actor, key=key or None
    )
    if kind == "closure":
        locked.status = CaseStatus.CLOSED
        locked.closed_on = on
        locked.save(update_fields=["status", "closed_on"])
    if kind == "document_obtained":
        _document_to_registry(actor, locked, answers, on)
    _audit(actor, f"entry.{kind}", locked)
    return entry


def _reader_checked(actor: User, case: Case) -> None:
    """Only a worker who reads the case works on it (the gate's rule, asked again here)."""
    if not access.cases_readable(actor).filter(pk=case.pk).exists():
        raise ReferralRuleBroken(_("You do not work on this case."))


def _opened_with(
    organisation: Organisation, actor: User, case_type: str, key: str | None
) -> Case | None:
    """The case a key already opened: the worker's own, of the same type; another worker's key
    or another type is refused, never answered with their case."""
    if not key:
        return None
    opened = Case.objects.filter(organisation=organisation, key=key).first()
    if opened is not None and (opened.type != case_type or opened.opened_by_id != actor.pk):
        raise ReferralRuleBroken([Problem("key_used", "key", KEY_USED)])
    return opened


def _document_to_registry(actor: User, case: Case, answers: Mapping[str, Any], on: date) -> None:
    """Record the document obtained on the person's registry record, when the case's
    organisation holds it (the registry keeps it in the household's history)."""
    individual = case.individual
    if individual is None or individual.organisation_id != case.organisation_id:
        return
    if (
        individual.status != MemberStatus.ACTIVE
        or individual.household.status != HouseholdStatus.ACTIVE
    ):
        return  # a member who left, died or was merged away: the record stays as it was
    registry_services.document_obtained(
        actor=actor,
        individual=individual,
        kind=str(answers["document"]),
        number=str(answers.get("number") or ""),
        on=on,
    )


def _audit(actor: User, action: str, case: Case, **detail: Any) -> None:
    audit_record(
        actor=actor,
        action=f"cases.{action}",
        object_type="case",
        object_id=case.uid,
        organisation=case.organisation,
        detail={k: str(v) for k, v in detail.items()},
    )
