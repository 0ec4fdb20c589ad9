"""Pages of referrals: the lists of received and sent referrals, sending one to a service point,
a referral's page with the steps its reader may take, and the person's consent. Thin, over the
same services and selectors as the API. Every page that shows a person is kept by no cache and
its reading is audited."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from nahrain.core.http import AuthenticatedHttpRequest, personal_data
from nahrain.core.models import Organisation
from nahrain.core.services import audit_record
from nahrain.referrals import access, codelists, selectors, services
from nahrain.referrals.forms import NarrowForm, SendForm, StepForm
from nahrain.referrals.models import Case, ServicePointVersion, VersionStatus
from nahrain.referrals.services import ConsentIn, PersonIn, ReferralRuleBroken
from nahrain.referrals.templatetags.referrals_format import sex_words
from nahrain.registry import access as registry_access
from nahrain.registry.models import Individual

GET_OR_POST = ["GET", "HEAD", "POST"]


def _refused(request: AuthenticatedHttpRequest, error: ReferralRuleBroken) -> None:
    for problem in error.problems:
        messages.error(request, str(problem.message))


# --- the lists ------------------------------------------------------------------------------


@login_required
@require_safe
@personal_data
def referral_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Received and sent referrals, open first; the overdue flagged. The list names the
    service, the organisations and the dates, never the person."""
    show = request.GET.get("show", "received")
    if show not in ("received", "sent", "overdue"):
        show = "received"
    open_only = request.GET.get("all") != "1"
    if show == "sent":
        found = selectors.referrals_sent(user=request.user, open_only=open_only)
    elif show == "overdue":
        found = selectors.overdue_received(user=request.user)
    else:
        found = selectors.referrals_received(user=request.user, open_only=open_only)
    rows = list(found[:200])
    now = timezone.now()
    return render(
        request,
        "referrals/list.html",
        {
            "show": show,
            "open_only": open_only,
            "rows": [(r, selectors.is_overdue(r, now)) for r in rows],
            "overdue_count": selectors.overdue_received(user=request.user).count(),
            "sends": access.organisations_with(request.user, access.REFERRING_ROLES).exists(),
        },
    )


# --- sending --------------------------------------------------------------------------------


def _sender_context(
    request: AuthenticatedHttpRequest,
) -> tuple[Organisation, Individual | None, Case | None]:
    """Who sends, for whom: the registry record or case named in the query (which the user
    must read), in its organisation; otherwise the user's one referring organisation (or the
    one ``organisation`` names)."""
    individual_uid = request.GET.get("individual") or request.POST.get("individual")
    case_uid = request.GET.get("case") or request.POST.get("case")
    if individual_uid:
        individual = registry_access.access_individual_by_uid(request.user, individual_uid)
        return individual.organisation, individual, None
    if case_uid:
        case = access.access_case_by_uid(request.user, case_uid)
        return case.organisation, None, case
    organisations = list(access.organisations_with(request.user, access.REFERRING_ROLES))
    picked = request.GET.get("organisation") or request.POST.get("organisation")
    if len(organisations) == 1:
        return organisations[0], None, None
    for organisation in organisations:
        if str(organisation.pk) == picked:
            return organisation, None, None
    if organisations:
        return organisations[0], None, None
    raise Http404


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def referral_send(request: AuthenticatedHttpRequest, point_uid: uuid.UUID) -> HttpResponse:
    """Send a person to a service of a point, with their consent."""
    point = access.access_point_for_referral(request.user, point_uid)
    organisation, individual, case = _sender_context(request)
    if not access.sends_referrals(request.user, organisation):
        raise Http404
    entry = (
        ServicePointVersion.objects.filter(point=point, status=VersionStatus.CURRENT)
        .prefetch_related("offers")
        .get()
    )
    offered = [o.service for o in entry.offers.all()]
    form = SendForm(
        request.POST or None,
        services=offered,
        person_known=individual is not None or case is not None,
        initial={"service": request.GET.get("service", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = None
        if individual is None and case is None:
            person = PersonIn(
                name=data["name"],
                sex=data["sex"],
                age=data["age"],
                phone=data["phone"],
                place=data["place"],
            )
        try:
            referral = services.referral_send(
                actor=request.user,
                organisation=organisation,
                point=point,
                service=data["service"],
                urgency=data["urgency"],
                reason=data["reason"],
                transport=data["transport"],
                person=person,
                individual=individual,
                case=case,
                consent=ConsentIn(
                    fields=tuple(data["fields_shared"]),
                    until=data["until"],
                    method=data["method"],
                    given_by=data["given_by"],
                    caregiver_relationship=data["caregiver_relationship"],
                    child_assent=data["child_assent"] if data["given_by"] == "caregiver" else None,
                ),
                key=data["key"],
            )
        except ReferralRuleBroken as error:
            _refused(request, error)
        else:
            messages.success(request, _("The referral was sent."))
            return redirect("referrals:referral", referral.uid)
    return render(
        request,
        "referrals/send.html",
        {
            "form": form,
            "point": point,
            "entry": entry,
            "organisation": organisation,
            "individual": individual,
            "case": case,
        },
    )


# --- one referral ---------------------------------------------------------------------------


@login_required
@require_safe
@personal_data
def referral(request: AuthenticatedHttpRequest, referral_uid: uuid.UUID) -> HttpResponse:
    """A referral as its reader may see it, with the steps they may take. Audited."""
    found, sides = access.access_referral_by_uid(request.user, referral_uid)
    shown = selectors.referral_shown(user=request.user, referral=found, sides=sides)
    audit_record(
        actor=request.user,
        action="referrals.read",
        object_type="referral",
        object_id=found.uid,
        organisation=found.organisation if shown.sender else found.to_organisation,
        detail={"fields": sorted(shown.person), "via": "page"},
    )
    return render(request, "referrals/referral.html", _referral_context(shown))


def _referral_context(shown: selectors.ReferralShown) -> dict[str, Any]:
    consent = shown.referral.consent
    return {
        "shown": shown,
        "referral": shown.referral,
        "consent": consent,
        "person_rows": [
            (codelists.label("shared_fields", name), sex_words(value) if name == "sex" else value)
            for name, value in shown.person.items()
            if name != "reason"
        ],
        "point_entry": selectors.point_entry_shown(shown.referral.point),
        "reason": shown.person.get("reason", ""),
        "step_form": StepForm(),
        "consent_fields": [codelists.label("shared_fields", f) for f in consent.fields],
    }


@login_required
@require_POST
@personal_data
def referral_step(request: AuthenticatedHttpRequest, referral_uid: uuid.UUID) -> HttpResponse:
    found, _sides = access.access_referral_by_uid(request.user, referral_uid)
    form = StepForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.referral_step(
                actor=request.user,
                referral=found,
                status=data["status"],
                decline_reason=data["decline_reason"],
                appointment_on=data["appointment_on"],
                key=data["key"],
            )
        except ReferralRuleBroken as error:
            _refused(request, error)
        else:
            messages.success(request, _("The referral was updated."))
    else:
        messages.error(request, _("The step could not be recorded."))
    return redirect("referrals:referral", found.uid)


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def consent_change(request: AuthenticatedHttpRequest, referral_uid: uuid.UUID) -> HttpResponse:
    """The sender records that the person now shares less, or withdraws consent."""
    found, sides = access.access_referral_by_uid(request.user, referral_uid)
    if access.SENDER not in sides:
        raise Http404
    consent = found.consent
    form = NarrowForm(
        request.POST or None,
        allowed=list(consent.fields),
        initial={"fields_shared": consent.fields, "until": consent.until},
    )
    if request.method == "POST":
        try:
            if request.POST.get("withdraw"):
                services.consent_withdraw(
                    actor=request.user, referral=found, key=request.POST.get("key") or None
                )
                messages.success(request, _("The consent was withdrawn."))
                return redirect("referrals:referral", found.uid)
            if form.is_valid():
                services.consent_narrow(
                    actor=request.user,
                    referral=found,
                    fields=form.cleaned_data["fields_shared"],
                    until=form.cleaned_data["until"],
                    key=form.cleaned_data["key"],
                )
                messages.success(request, _("The consent was changed."))
                return redirect("referrals:referral", found.uid)
        except ReferralRuleBroken as error:
            _refused(request, error)
    return render(
        request,
        "referrals/consent.html",
        {"form": form, "referral": found, "consent": consent, "withdrawn": consent.withdrawn_on},
    )
