"""Pages of protection cases: the cases a case worker reads, opening one, a case with its
entries, assignments and referrals, an entry answering one of its forms, and assigning case
workers. Thin, over the same services and selectors as the API (``case_api``).

Who reads which case is ``access``'s one rule: a case not yours is answered as one that does not
exist. Every page is personal (kept by no cache), and every reading of a case is audited
(``cases.read``, with no personal value)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from nahrain.core.http import AuthenticatedHttpRequest, personal_data
from nahrain.core.models import Organisation
from nahrain.core.services import audit_record
from nahrain.referrals import access, case_selectors, case_services, codelists
from nahrain.referrals.case_forms import CaseAssignForm, CaseEntryForm, CaseOpenForm
from nahrain.referrals.models import Case, CaseStatus
from nahrain.referrals.services import PersonIn, ReferralRuleBroken
from nahrain.registry import access as registry_access
from nahrain.registry.models import Individual

GET_OR_POST = ["GET", "HEAD", "POST"]


def case_read(user: User, case: Case, via: str) -> None:
    """Audit one reading of a case: who, which case, how; nothing of the person."""
    audit_record(
        actor=user,
        action="cases.read",
        object_type="case",
        object_id=case.uid,
        organisation=case.organisation,
        detail={"via": via},
    )


def works_on_cases(user: User) -> bool:
    """Whether the user holds a case role anywhere (the case pages are theirs)."""
    return access.organisations_with(user, access.CASE_ROLES).exists()


def _problems_to_form(form: Any, error: ReferralRuleBroken) -> None:
    """The service's refusals beside the fields they are about (or above the form)."""
    for problem in error.problems:
        field = problem.field if problem.field in form.fields else None
        form.add_error(field, str(problem.message))


# --- the list -----------------------------------------------------------------------------------


@login_required
@require_safe
@personal_data
def cases(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The cases the user reads, the latest opened first, of a type or status when asked. The
    list names nobody: a case's code stands for the person."""
    if not works_on_cases(request.user):
        raise Http404
    case_type = request.GET.get("type", "")
    if case_type not in codelists.codes("case_types"):
        case_type = ""
    status = request.GET.get("status", "")
    if status not in CaseStatus.values:
        status = ""
    rows = list(case_selectors.case_list(user=request.user, case_type=case_type, status=status))
    audit_record(
        actor=request.user,
        action="cases.list",
        object_type="case",
        detail={"count": len(rows), "via": "page"},
    )
    return render(
        request,
        "referrals/case_list.html",
        {
            "rows": rows,
            "types": codelists.choices("case_types"),
            "statuses": CaseStatus.choices,
            "type": case_type,
            "status": status,
            "opens": bool(case_selectors.opening_organisations(request.user)),
        },
    )


# --- opening ------------------------------------------------------------------------------------


def _opening(
    request: AuthenticatedHttpRequest,
) -> tuple[Organisation, list[str], Individual | None]:
    """Where the case is opened and which types the user opens there: the organisation of the
    registry record named in the address (which the user must read), the one the address names,
    or the user's first."""
    opening = case_selectors.opening_organisations(request.user)
    if not opening:
        raise Http404
    individual = None
    individual_uid = request.GET.get("individual") or request.POST.get("individual")
    picked = request.GET.get("organisation") or request.POST.get("organisation")
    if individual_uid:
        individual = registry_access.access_individual_by_uid(request.user, individual_uid)
        picked = str(individual.organisation_id)
    for organisation, types in opening:
        if str(organisation.pk) == picked:
            if individual is not None:
                # A case type that keeps no name is never linked to a registry record.
                types = [t for t in types if codelists.case_type(t)["named"]]
                if not types:
                    raise Http404
            return organisation, types, individual
    if individual is not None:
        raise Http404  # the record's organisation is not one where the user opens cases
    return opening[0][0], opening[0][1], None


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def case_open(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open a case of a type the user opens (``?type=``; a choice of them first when there are
    several). A GBV case keeps no name nor phone: the form does not ask for them."""
    organisation, types, individual = _opening(request)
    case_type = request.GET.get("type") or request.POST.get("type") or ""
    if len(types) == 1:
        case_type = types[0]
    context: dict[str, Any] = {
        "organisation": organisation,
        "individual": individual,
        "types": [(code, codelists.label("case_types", code)) for code in types],
        "others": [o for o, _types in case_selectors.opening_organisations(request.user)],
    }
    if case_type not in types:
        return render(request, "referrals/case_open.html", {**context, "form": None})
    named = bool(codelists.case_type(case_type)["named"])
    form = CaseOpenForm(request.POST or None, named=named)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = case_services.case_open(
                actor=request.user,
                organisation=organisation,
                case_type=case_type,
                opened_on=data["opened_on"],
                person=PersonIn(
                    name=data.get("name", ""),
                    sex=data["sex"],
                    age=data["age"],
                    phone=data.get("phone", ""),
                    place=data["place"],
                ),
                individual=individual,
                key=data["key"],
            )
        except ReferralRuleBroken as error:
            _problems_to_form(form, error)
        else:
            messages.success(
                request, _("Case %(code)s is open, assigned to you.") % {"code": case.code}
            )
            return redirect("referrals:case", case.uid)
    return render(
        request,
        "referrals/case_open.html",
        {
            **context,
            "form": form,
            "case_type": case_type,
            "type_label": codelists.label("case_types", case_type),
            "named": named,
        },
    )


# --- one case -----------------------------------------------------------------------------------


@login_required
@require_safe
@personal_data
def case(request: AuthenticatedHttpRequest, case_uid: uuid.UUID) -> HttpResponse:
    """A case: the person as recorded, its entries in order in the words of its forms, who is
    assigned, the referrals made from it, and what can be done next. Audited."""
    found = access.access_case_by_uid(request.user, case_uid)
    shown = case_selectors.case_shown(user=request.user, case=found)
    case_read(request.user, found, "page")
    return render(
        request,
        "referrals/case.html",
        {
            "shown": shown,
            "case": found,
            "named": bool(codelists.case_type(found.type)["named"]),
            "type_label": codelists.label("case_types", found.type),
            "assign_form": CaseAssignForm(users=[]),
            "can_unassign": len(shown.assignments) > 1,
        },
    )


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def case_entry(request: AuthenticatedHttpRequest, case_uid: uuid.UUID, kind: str) -> HttpResponse:
    """An entry answering one of the case type's forms; the closure closes the case."""
    found = access.access_case_by_uid(request.user, case_uid)
    if kind not in codelists.case_forms(found.type):
        raise Http404
    if found.status == CaseStatus.CLOSED and request.method != "POST":
        messages.error(request, _("The case is closed."))
        return redirect("referrals:case", found.uid)
    form = CaseEntryForm(request.POST or None, case_type=found.type, kind=kind)
    if request.method != "POST":
        case_read(request.user, found, "form")
    elif form.is_valid():
        try:
            case_services.case_entry_add(
                actor=request.user,
                case=found,
                kind=kind,
                answers=form.answers(),
                on=form.cleaned_data["on"],
                key=form.cleaned_data["key"],
            )
        except ReferralRuleBroken as error:
            _problems_to_form(form, error)
        else:
            if kind == "closure":
                messages.success(request, _("The case is closed."))
            else:
                messages.success(request, _("The entry was recorded."))
            return redirect("referrals:case", found.uid)
    return render(
        request,
        "referrals/case_entry.html",
        {
            "case": found,
            "form": form,
            "kind": kind,
            "form_label": codelists.case_word("forms", kind, case_type=found.type),
            "type_label": codelists.label("case_types", found.type),
        },
    )


@login_required
@require_POST
@personal_data
def case_assign(request: AuthenticatedHttpRequest, case_uid: uuid.UUID) -> HttpResponse:
    """Assign a worker who holds the case type's role in its organisation, or end an
    assignment (a case always keeps one worker)."""
    found = access.access_case_by_uid(request.user, case_uid)
    eligible = {m.user.pk: m.user for m in access.assignable(found.organisation, found.type)}
    assigned = {
        a.user.pk: a.user
        for a in found.assignments.filter(ended_at__isnull=True).select_related("user")
    }
    users = {**eligible, **assigned}
    form = CaseAssignForm(request.POST, users=[(pk, u.get_username()) for pk, u in users.items()])
    if not form.is_valid():
        messages.error(request, _("Choose a case worker."))
        return redirect("referrals:case", found.uid)
    user = users[form.cleaned_data["user"]]
    try:
        if form.cleaned_data["action"] == "assign":
            case_services.case_assign(actor=request.user, case=found, user=user)
            messages.success(request, _("The case worker was assigned."))
        else:
            case_services.case_unassign(actor=request.user, case=found, user=user)
            messages.success(request, _("The assignment has ended."))
    except ReferralRuleBroken as error:
        for problem in error.problems:
            messages.error(request, str(problem.message))
    if not access.cases_readable(request.user).filter(pk=found.pk).exists():
        return redirect("referrals:cases")  # the user ended their own assignment
    return redirect("referrals:case", found.uid)
