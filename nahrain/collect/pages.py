"""Pages: the review queue, a submission (accept, reject, key informant), collector accounts
with their ODK Collect QR code, and publishing the forms."""

from __future__ import annotations

import base64
import json
import uuid
import zlib

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from nahrain.collect import access, formview, selectors, services
from nahrain.collect.forms import CollectorForm, CorrectionForm, RejectForm
from nahrain.collect.models import Collector, Form, Submission, SubmissionStatus
from nahrain.collect.xforms import FormCompileError
from nahrain.core.http import AuthenticatedHttpRequest, no_store, personal_data
from nahrain.core.models import Organisation


def _managed(request: AuthenticatedHttpRequest) -> list[Organisation]:
    ids = access.managed_organisation_ids(request.user)
    if not ids:
        raise Http404
    return list(Organisation.objects.filter(pk__in=ids).order_by("acronym", "pk"))


def collect_settings_payload(*, server_url: str, username: str, password: str) -> str:
    """What ODK Collect and KoboCollect read from a settings QR code: the settings JSON,
    zlib-compressed, then base64."""
    settings_json = {
        "general": {"server_url": server_url, "username": username, "password": password},
        "admin": {},
    }
    return base64.b64encode(zlib.compress(json.dumps(settings_json).encode("utf-8"))).decode()


@login_required
@require_safe
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not access.reviews_field_data(request.user):
        raise Http404
    status = request.GET.get("status", SubmissionStatus.RECEIVED)
    if status not in SubmissionStatus.values:
        status = SubmissionStatus.RECEIVED
    batch = request.GET.get("batch", "").strip()[:40]
    submissions = selectors.submission_queue(user=request.user, status=status, batch=batch)[:200]
    return render(
        request,
        "collect/queue.html",
        {
            "submissions": submissions,
            "status": status,
            "statuses": SubmissionStatus.choices,
            "batch": batch,
        },
    )


def _review_page(
    request: AuthenticatedHttpRequest,
    submission: Submission,
    sheet: formview.Sheet | None = None,
    correction: CorrectionForm | None = None,
) -> HttpResponse:
    """The submission as its form: answers in the form's order and groups, problems beside
    them; while it waits for review, every answer is a field the reviewer may correct."""
    can_review = submission.status == SubmissionStatus.RECEIVED and submission.complete
    if sheet is None:
        sheet = formview.review_sheet(submission)
        correction = CorrectionForm(sheet) if can_review else None
    return render(
        request,
        "collect/submission.html",
        {
            "submission": submission,
            "sheet": sheet,
            "correction": correction,
            "reject_form": RejectForm(),
            "can_review": can_review,
            "has_informant": hasattr(submission, "key_informant"),
        },
        status=200 if correction is None or not correction.is_bound else 400,
    )


@login_required
@require_safe
@personal_data  # a registration's answers: a household's members, their ages and health
def submission_detail(request: AuthenticatedHttpRequest, uid: uuid.UUID) -> HttpResponse:
    submission = access.access_submission_for_review(request.user, uid)
    services.submission_read(actor=request.user, submission=submission, via="page")
    return _review_page(request, submission)


@login_required
@require_POST
@personal_data
def submission_correct(request: AuthenticatedHttpRequest, uid: uuid.UUID) -> HttpResponse:
    submission = access.access_submission_for_review(request.user, uid)
    if submission.status != SubmissionStatus.RECEIVED or not submission.complete:
        raise Http404  # nothing to correct: it has been reviewed, or parts are still to come
    sheet = formview.review_sheet(submission)
    form = CorrectionForm(sheet, request.POST)
    if not form.is_valid():
        return _review_page(request, submission, sheet, form)
    try:
        changed = services.submission_correct(
            actor=request.user, submission=submission, values=form.changes()
        )
    except services.NotAcceptable as failed:  # reviewed by someone else in the meantime
        for problem in failed.problems:
            messages.error(request, problem.message)
        return redirect("collect:submission", uid=submission.uid)
    messages.success(
        request,
        ngettext(
            "%(count)s answer corrected; the submission was checked again.",
            "%(count)s answers corrected; the submission was checked again.",
            len(changed),
        )
        % {"count": len(changed)}
        if changed
        else _("Nothing was changed."),
    )
    return redirect("collect:submission", uid=submission.uid)


@login_required
@require_POST
@personal_data
def submission_accept(request: AuthenticatedHttpRequest, uid: uuid.UUID) -> HttpResponse:
    submission = access.access_submission_for_review(request.user, uid)
    try:
        services.submission_accept(actor=request.user, submission=submission)
    except services.NotAcceptable as failed:
        for problem in failed.problems:
            messages.error(request, _("Not accepted: %(problem)s") % {"problem": problem.message})
        return redirect("collect:submission", uid=submission.uid)
    messages.success(request, _("Accepted into the figures."))
    return redirect("collect:queue")


@login_required
@require_POST
@personal_data
def submission_reject(request: AuthenticatedHttpRequest, uid: uuid.UUID) -> HttpResponse:
    submission = access.access_submission_for_review(request.user, uid)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for rejecting it."))
        return redirect("collect:submission", uid=submission.uid)
    try:
        services.submission_reject(
            actor=request.user, submission=submission, reason=form.cleaned_data["reason"]
        )
    except services.NotAcceptable as failed:
        messages.error(request, str(failed))
        return redirect("collect:submission", uid=submission.uid)
    messages.success(request, _("Rejected."))
    return redirect("collect:queue")


@login_required
@require_POST
@personal_data
def key_informant(request: AuthenticatedHttpRequest, uid: uuid.UUID) -> HttpResponse:
    """Show the key informant once, on request (POST: a read that is audited)."""
    submission = access.access_key_informant(request.user, uid)
    informant = services.key_informant_read(actor=request.user, submission=submission)
    if informant is None:
        raise Http404
    return render(
        request, "collect/key_informant.html", {"submission": submission, "informant": informant}
    )


def _server_url(request: AuthenticatedHttpRequest) -> str:
    return request.build_absolute_uri(reverse("openrosa:form_list")).removesuffix("/formList")


def _credentials_page(
    request: AuthenticatedHttpRequest, collector: Collector, password: str
) -> HttpResponse:
    server_url = _server_url(request)
    payload = collect_settings_payload(
        server_url=server_url, username=collector.username, password=password
    )
    response = render(
        request,
        "collect/credentials.html",
        {
            "collector": collector,
            "password": password,
            "server_url": server_url,
            "qr_svg": segno.make(payload, error="l", micro=False).svg_inline(scale=4),
        },
    )
    return no_store(response)  # the password must not stay in a cache


@login_required
def collectors(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = _managed(request)
    form = CollectorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if Collector.objects.filter(username=form.cleaned_data["username"]).exists():
            form.add_error("username", _("This username is taken."))
        else:
            collector, password = services.collector_create(
                actor=request.user,
                organisation=organisations[0],
                username=form.cleaned_data["username"],
                display_name=form.cleaned_data["display_name"],
            )
            return _credentials_page(request, collector, password)
    return render(
        request,
        "collect/collectors.html",
        {
            "collectors": selectors.collectors_for(user=request.user),
            "form": form,
            "organisation": organisations[0],
            "server_url": _server_url(request),
            "forms": Form.objects.filter(organisation__in=organisations).prefetch_related(
                "versions"
            ),
        },
    )


@login_required
@require_POST
def collector_reset(request: AuthenticatedHttpRequest, uid: uuid.UUID) -> HttpResponse:
    collector = access.access_collector_for_manage(request.user, uid)
    if not collector.is_active:
        raise Http404
    password = services.collector_password_reset(actor=request.user, collector=collector)
    return _credentials_page(request, collector, password)


@login_required
@require_POST
def collector_revoke(request: AuthenticatedHttpRequest, uid: uuid.UUID) -> HttpResponse:
    collector = access.access_collector_for_manage(request.user, uid)
    services.collector_revoke(actor=request.user, collector=collector)
    messages.success(request, _("Account %(name)s revoked.") % {"name": collector.username})
    return redirect("collect:collectors")


@login_required
@require_POST
def forms_publish(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = _managed(request)
    try:
        versions = services.forms_publish(actor=request.user, organisation=organisations[0])
    except FormCompileError as failed:
        messages.error(request, str(failed))
        return redirect("collect:collectors")
    messages.success(
        request,
        _("Published: %(forms)s.")
        % {"forms": ", ".join(f"{v.form.form_id} {v.version}" for v in versions)},
    )
    return redirect("collect:collectors")
