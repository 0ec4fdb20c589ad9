"""Pages: rounds, a round's figures and exports, and importing a master list
(upload → preview with every problem → confirm)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from nahrain.core.http import AuthenticatedHttpRequest
from nahrain.core.models import Membership, Role
from nahrain.core.problems import ImportRejected
from nahrain.displacement import access, selectors, services
from nahrain.displacement.exports import FORMATS, LEVEL_NAMES, LEVELS
from nahrain.displacement.forms import ImportOptionsForm, PublishForm, RoundForm
from nahrain.displacement.models import RoundStatus
from nahrain.intake.forms import UploadForm


@login_required
def round_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    managed = Membership.objects.filter(
        user=request.user, role=Role.INFORMATION_MANAGER
    ).select_related("organisation")
    if request.method == "POST" and not managed:
        # Only information managers create rounds; nobody else may post here.
        raise PermissionDenied
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.round_create(
                actor=request.user,
                organisation=managed[0].organisation,
                number=form.cleaned_data["number"],
                reference_date=form.cleaned_data["reference_date"],
            )
        except services.RoundExists:
            form.add_error(
                "number",
                _(
                    "This round number exists already. To change a published round, open a "
                    "correction on its page; to start a draft again, delete the draft first."
                ),
            )
        else:
            return redirect("displacement:round", round_uid=created.uid)
    return render(
        request,
        "displacement/round_list.html",
        {"rounds": selectors.round_list(user=request.user), "form": form, "can_create": managed},
    )


@login_required
@require_safe
def round_detail(request: AuthenticatedHttpRequest, round_uid: uuid.UUID) -> HttpResponse:
    assessment_round = access.access_round_by_uid(request.user, round_uid)
    can_change = access.is_information_manager(request.user, assessment_round.organisation_id)
    return render(
        request,
        "displacement/round_detail.html",
        {
            "round": assessment_round,
            "totals": selectors.totals(assessment_round=assessment_round),
            "governorates": selectors.figures(assessment_round=assessment_round, level=1),
            "imports": assessment_round.imports.all()[:10] if can_change else [],
            "can_change": can_change and assessment_round.status != RoundStatus.PUBLISHED,
            "can_correct": can_change and assessment_round.status == RoundStatus.PUBLISHED,
            "options_form": ImportOptionsForm(),
            "upload_form": UploadForm(),
            "levels": list(LEVEL_NAMES.items()),
            "formats": FORMATS,
        },
    )


@login_required
@require_POST
def round_lifecycle(
    request: AuthenticatedHttpRequest, round_uid: uuid.UUID, action: str
) -> HttpResponse:
    # Publishing and deleting ask first: their own pages (round_publish, round_delete).
    if action not in ("validate", "correct"):
        raise Http404
    assessment_round = access.access_round_for_change(request.user, round_uid)
    try:
        changed = getattr(services, f"round_{action}")(
            actor=request.user, assessment_round=assessment_round
        )
    except (ImportRejected, services.RoundLocked) as failed:
        messages.error(request, str(failed))
        return redirect("displacement:round", round_uid=assessment_round.uid)
    return redirect("displacement:round", round_uid=changed.uid)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def round_publish(request: AuthenticatedHttpRequest, round_uid: uuid.UUID) -> HttpResponse:
    """Publishing asks first: what it changes, and whether the round looks like another."""
    assessment_round = access.access_round_for_change(request.user, round_uid)
    if assessment_round.status != RoundStatus.VALIDATED:
        messages.error(request, _("Only a validated round can be published."))
        return redirect("displacement:round", round_uid=assessment_round.uid)
    # Bound on every POST: an unticked box sends no field at all.
    form = PublishForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.round_publish(
                actor=request.user,
                assessment_round=assessment_round,
                confirm_duplicate=form.cleaned_data["confirm_duplicate"],
            )
        except services.PublishUnconfirmed:
            form.add_error(
                "confirm_duplicate",
                _("Confirm that this round is not a copy of the rounds listed above."),
            )
        except ImportRejected as failed:
            messages.error(request, str(failed))
            return redirect("displacement:round", round_uid=assessment_round.uid)
        else:
            return redirect("displacement:round", round_uid=assessment_round.uid)
    return render(
        request,
        "displacement/round_publish.html",
        {
            "publication": selectors.round_publication(assessment_round=assessment_round),
            "form": form,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def round_delete(request: AuthenticatedHttpRequest, round_uid: uuid.UUID) -> HttpResponse:
    """Deleting a draft asks first; a published round is never deleted."""
    assessment_round = access.access_round_for_change(request.user, round_uid)
    if assessment_round.status == RoundStatus.PUBLISHED:
        messages.error(request, _("A published round is never deleted: open a correction."))
        return redirect("displacement:round", round_uid=assessment_round.uid)
    if request.method == "POST":
        services.round_delete(actor=request.user, assessment_round=assessment_round)
        messages.success(
            request,
            _("Round %(number)s (v%(version)s) was deleted.")
            % {"number": assessment_round.number, "version": assessment_round.version},
        )
        if assessment_round.replaces is not None:
            return redirect("displacement:round", round_uid=assessment_round.replaces.uid)
        return redirect("displacement:rounds")
    return render(
        request,
        "displacement/round_delete.html",
        {
            "round": assessment_round,
            "totals": selectors.totals(assessment_round=assessment_round),
            "imports": assessment_round.imports.count(),
        },
    )


@login_required
@require_safe
def round_export(request: AuthenticatedHttpRequest, round_uid: uuid.UUID) -> HttpResponse:
    assessment_round = access.access_round_by_uid(request.user, round_uid)
    level = request.GET.get("level", "adm1")
    format = request.GET.get("format", "csv")
    if level not in LEVELS or format not in FORMATS:
        raise Http404
    from nahrain.displacement.exports import CONTENT_TYPES

    within = None
    if request.GET.get("within"):
        within = selectors.unit_by_pcode(request.GET["within"])
        if within is None:
            raise Http404
    data, name = services.round_export(
        actor=request.user,
        assessment_round=assessment_round,
        level=level,
        format=format,
        within=within,
    )
    response = HttpResponse(data, content_type=CONTENT_TYPES[format])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
