"""The case API at /api/v1/cases/: thin, over the same services and selectors as the pages.

A case is read by whom ``access`` says (its assigned case workers; for child protection and
legal documentation also its organisation's case workers), and anyone else is answered 404 as
for a case that does not exist. Every answer about a case is personal (no cache keeps it,
refusals included), and every reading of one is audited. The reports (``/reports``) are the
same suppressed figures for every signed-in reader."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status
from ninja.decorators import decorate_view

from nahrain.core.http import per_reader, personal_data
from nahrain.core.models import Organisation
from nahrain.core.services import audit_record
from nahrain.referrals import access, case_selectors, case_services, codelists, reports
from nahrain.referrals.case_schemas import (
    CaseAssignIn,
    CaseAssignmentOut,
    CaseEntryIn,
    CaseEntryOut,
    CaseListQuery,
    CaseOpenIn,
    CaseOut,
    CaseProblemOut,
    CaseProblemsOut,
    CaseReportOut,
    CaseRowOut,
)
from nahrain.referrals.models import Case, CaseAssignment, CaseEntry
from nahrain.referrals.services import PersonIn, Problem, ReferralRuleBroken
from nahrain.registry import access as registry_access

router = Router(tags=["cases"])

V = TypeVar("V", bound=Callable[..., Any])


def problems_out(broken: ReferralRuleBroken) -> CaseProblemsOut:
    return CaseProblemsOut(
        detail=" ".join(str(p.message) for p in broken.problems),
        problems=[
            CaseProblemOut(rule=p.rule, field=p.field, message=str(p.message))
            for p in broken.problems
        ],
    )


def rules_answered(view: V) -> V:
    """A write the case rules refuse is answered 422 with its problems (the question of the
    form a problem is about in ``field``)."""

    @wraps(view)
    def answered(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except ReferralRuleBroken as broken:
            return Status(422, problems_out(broken))

    return answered  # type: ignore[return-value]


router.add_decorator(rules_answered, mode="operation")

REFUSED = {404: None, 422: CaseProblemsOut}


def _actor(request: HttpRequest) -> User:
    """The signed-in user (the API's authentication lets no one else through)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _read(request: HttpRequest, case: Case) -> None:
    audit_record(
        actor=_actor(request),
        action="cases.read",
        object_type="case",
        object_id=case.uid,
        organisation=case.organisation,
        detail={"via": "api"},
    )


def _row(case: Case, last_entry_on: Any) -> dict[str, Any]:
    return {
        "uid": case.uid,
        "code": case.code,
        "type": case.type,
        "status": case.status,
        "organisation": case.organisation.acronym,
        "opened_on": case.opened_on,
        "closed_on": case.closed_on,
        "last_entry_on": last_entry_on,
    }


def _entry(entry: CaseEntry) -> dict[str, Any]:
    return {
        "uid": entry.uid,
        "kind": entry.kind,
        "on": entry.on,
        "answers": entry.answers,
        "author": entry.author.get_username(),
        "at": entry.at,
    }


def _assignment(assignment: CaseAssignment) -> dict[str, Any]:
    return {
        "user": assignment.user.get_username(),
        "assigned_by": assignment.assigned_by.get_username(),
        "at": assignment.at,
        "ended_at": assignment.ended_at,
    }


def case_out(request: HttpRequest, case: Case) -> dict[str, Any]:
    """A case's whole record; ``case`` came through its gate."""
    shown = case_selectors.case_shown(user=request.user, case=case)
    entries = [item.entry for item in shown.entries]
    return {
        **_row(case, max((e.on for e in entries), default=None)),
        "name": case.name,
        "sex": case.sex,
        "age": case.age,
        "phone": case.phone,
        "place": case.place,
        "individual_uid": case.individual.uid if case.individual else None,
        "forms": codelists.case_forms(case.type) if shown.open else [],
        "entries": [_entry(e) for e in entries],
        "assignments": [_assignment(a) for a in [*shown.assignments, *shown.ended]],
        "assignable": [u.get_username() for u in shown.assignable],
        "referrals": [
            {
                "uid": r.uid,
                "service": r.service,
                "to_organisation": r.to_organisation.acronym,
                "status": r.status,
                "sent_at": r.sent_at,
            }
            for r in shown.referrals
        ],
    }


def _case(request: HttpRequest, case_uid: uuid.UUID) -> Case:
    return access.access_case_by_uid(request.user, case_uid)


# --- reports (before the cases: /reports is no case's uid) ------------------------------------


@router.get("/reports", response=CaseReportOut)
def case_reports(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    """Referral pathway performance by service and receiving organisation (the referrals sent
    and their status now: open, overdue or on time, closed, declined, lost, withdrawn; only the
    pairs whose referrals sent are shown), open and overdue referrals by service (from the same
    suppressed grid), cases by type and status: the response's, with small counts hidden
    (null) for every reader alike (GBV and MHPSS below 10, the rest below 5), and what would
    give them away hidden too."""
    found = reports.response_report()
    per_reader(response, exact=False)

    def organisation(pk: Any) -> str:
        named = found.organisations.get(pk)
        return named.acronym if named is not None else ""

    def line(item: reports.Line, code: str) -> dict[str, Any]:
        return {
            "code": code,
            "threshold": item.threshold,
            "values": item.values,
            "total": item.total,
        }

    return {
        "as_of": found.as_of,
        "suppressed": found.suppressed,
        "pathway": [
            {
                "service": row.service,
                "organisation": organisation(row.organisation_id),
                "threshold": row.threshold,
                "sent": row.sent,
                **row.statuses,
                **{f"median_hours_to_{m}": row.hours[m] for m in reports.MEDIANS},
                **{f"share_{s}": row.shares[s] for s in reports.SHARES},
            }
            for row in found.pathway
        ],
        "sent_by_service": [line(item, item.code) for item in found.sent_by_service],
        "sent_by_organisation": [
            line(item, organisation(item.code)) for item in found.sent_by_organisation
        ],
        "sent_total": found.sent_total,
        "open_by_service": [line(item, item.code) for item in found.open_by_service],
        "open_totals": found.open_totals,
        "cases_by_type": [line(item, item.code) for item in found.cases_by_type],
        "case_totals": found.case_totals,
    }


# --- the cases ----------------------------------------------------------------------------------


@router.get("", response=list[CaseRowOut])
@decorate_view(personal_data)
def case_list(request: HttpRequest, filters: Query[CaseListQuery]) -> list[dict[str, Any]]:
    """The cases the caller reads, the latest opened first, by code (never a name); of a type
    or status when asked. The listing is audited by its count."""
    if not access.organisations_with(request.user, access.CASE_ROLES).exists():
        raise Http404
    found = list(
        case_selectors.case_list(user=request.user, case_type=filters.type, status=filters.status)
    )
    audit_record(
        actor=_actor(request),
        action="cases.list",
        object_type="case",
        detail={"count": len(found), "via": "api"},
    )
    return [_row(case, getattr(case, "last_entry_on", None)) for case in found]


def _opening_organisation(request: HttpRequest, payload: CaseOpenIn) -> Organisation:
    opening = [o for o, _types in case_selectors.opening_organisations(request.user)]
    if not opening:
        raise Http404
    wanted = payload.organisation_id
    if payload.individual_uid is not None:
        individual = registry_access.access_individual_by_uid(request.user, payload.individual_uid)
        wanted = wanted or individual.organisation_id
    if wanted is None:
        if len(opening) > 1:
            raise ReferralRuleBroken(
                [
                    Problem(
                        "organisation_missing",
                        "organisation_id",
                        _("Say which organisation holds the case."),
                    )
                ]
            )
        return opening[0]
    for organisation in opening:
        if organisation.pk == wanted:
            return organisation
    raise Http404


@router.post("", response={201: CaseOut, **REFUSED})
@decorate_view(personal_data)
def case_open(request: HttpRequest, payload: CaseOpenIn) -> Status[Any]:
    """Open a case, assigned to the caller. Sent again with the same ``key``, it answers with
    the case opened the first time."""
    organisation = _opening_organisation(request, payload)
    individual = None
    if payload.individual_uid is not None:
        individual = registry_access.access_individual_by_uid(request.user, payload.individual_uid)
    case = case_services.case_open(
        actor=_actor(request),
        organisation=organisation,
        case_type=payload.type,
        opened_on=payload.opened_on,
        person=PersonIn(
            name=payload.name,
            sex=payload.sex,
            age=payload.age,
            phone=payload.phone,
            place=payload.place,
        ),
        individual=individual,
        key=payload.key,
    )
    return Status(201, case_out(request, _case(request, case.uid)))


@router.get("/{case_uid}", response={200: CaseOut, 404: None})
@decorate_view(personal_data)
def case_detail(request: HttpRequest, case_uid: uuid.UUID) -> dict[str, Any]:
    """A case's whole record: the person as recorded (no name for a GBV case), its entries in
    order, who is and was assigned, who else can be, the referrals made from it. Audited."""
    case = _case(request, case_uid)
    _read(request, case)
    return case_out(request, case)


@router.post("/{case_uid}/entries", response={201: CaseEntryOut, **REFUSED})
@decorate_view(personal_data)
def case_entry_add(request: HttpRequest, case_uid: uuid.UUID, payload: CaseEntryIn) -> Status[Any]:
    """Record an entry answering one of the case type's forms (``forms`` of the case); answers
    that do not fit the form are refused (422) naming the question in ``field``. The closure
    closes the case; a document obtained in a legal-documentation case is recorded on the
    person's registry record when the case's organisation holds it."""
    case = _case(request, case_uid)
    entry = case_services.case_entry_add(
        actor=_actor(request),
        case=case,
        kind=payload.kind,
        answers=payload.answers,
        on=payload.on,
        key=payload.key,
    )
    return Status(201, _entry(CaseEntry.objects.select_related("author").get(pk=entry.pk)))


def _assignments(case: Case) -> list[dict[str, Any]]:
    current = case.assignments.filter(ended_at__isnull=True).select_related("user", "assigned_by")
    return [_assignment(a) for a in current.order_by("at")]


@router.post("/{case_uid}/assign", response={200: list[CaseAssignmentOut], **REFUSED})
@decorate_view(personal_data)
def case_assign(request: HttpRequest, case_uid: uuid.UUID, payload: CaseAssignIn) -> Status[Any]:
    """Assign a case worker of the case's organisation who holds its type's role; answers with
    the case's assignments."""
    case = _case(request, case_uid)
    eligible = {
        m.user.get_username(): m.user for m in access.assignable(case.organisation, case.type)
    }
    user = eligible.get(payload.user)
    if user is None:
        raise ReferralRuleBroken(
            [Problem("not_eligible", "user", _("This person cannot be assigned such a case."))]
        )
    case_services.case_assign(actor=_actor(request), case=case, user=user)
    return Status(200, _assignments(case))


@router.post("/{case_uid}/unassign", response={200: list[CaseAssignmentOut], **REFUSED})
@decorate_view(personal_data)
def case_unassign(request: HttpRequest, case_uid: uuid.UUID, payload: CaseAssignIn) -> Status[Any]:
    """End a case worker's assignment (a case always keeps one); answers with the case's
    assignments."""
    case = _case(request, case_uid)
    assigned = {
        a.user.get_username(): a.user
        for a in case.assignments.filter(ended_at__isnull=True).select_related("user")
    }
    user = assigned.get(payload.user)
    if user is None:
        raise ReferralRuleBroken(
            [Problem("not_assigned", "user", _("This person is not assigned to the case."))]
        )
    case_services.case_unassign(actor=_actor(request), case=case, user=user)
    return Status(200, _assignments(case))
