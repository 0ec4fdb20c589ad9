"""Pages: rounds, a round's figures and exports, and importing a master list
(upload → preview with every problem → confirm)."""

from __future__ import annotations

import hashlib
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from nahrain.core.http import AuthenticatedHttpRequest
from nahrain.core.models import Membership, Role
from nahrain.core.problems import ImportRejected, Problem
from nahrain.displacement import access, selectors, services
from nahrain.displacement.exports import FORMATS, LEVELS
from nahrain.displacement.forms import AliasForm, RoundForm, UploadForm
from nahrain.displacement.models import AssessmentRound, ImportJobStatus, RoundStatus
from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit
from nahrain.intake.readers import MAX_BYTES, too_large

SESSION_UPLOADS = "nahrain_pending_uploads"


def _uploads_dir() -> Path:
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


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
        created = services.round_create(
            actor=request.user,
            organisation=managed[0].organisation,
            number=form.cleaned_data["number"],
            reference_date=form.cleaned_data["reference_date"],
        )
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
            "upload_form": UploadForm(),
            "levels": list(LEVELS),
            "formats": FORMATS,
        },
    )


@login_required
def round_upload(request: AuthenticatedHttpRequest, round_uid: uuid.UUID) -> HttpResponse:
    """Upload, then show the dry run: the column mapping and every problem, row by row."""
    assessment_round = access.access_round_for_change(request.user, round_uid)
    if request.method != "POST":
        return redirect("displacement:round", round_uid=assessment_round.uid)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        # An empty or missing file, or an unknown population: said on the page like any problem.
        name = getattr(request.FILES.get("file"), "name", "") or ""
        problems = [
            Problem(name, None, field, error.code or "invalid", " ".join(error.messages))
            for field, errors in form.errors.as_data().items()
            for error in errors
        ]
        context = {"round": assessment_round, "file": name, "errors": problems, "warnings": []}
        return render(request, "displacement/import_preview.html", context)
    upload = form.cleaned_data["file"]
    # Refused before it is read into memory: Django keeps a large upload on disk until then.
    if (upload.size or 0) > MAX_BYTES:
        problem = too_large(upload.name, upload.size or 0)
        context = {"round": assessment_round, "file": upload.name, "errors": problem.errors}
        return render(request, "displacement/import_preview.html", context)
    data = upload.read()
    # Kept while a spelling waits to be taught, so that the file is checked again without a new
    # upload; uploads nobody confirmed are removed after a day.
    _forget_stale_uploads()
    token = uuid.uuid4().hex
    (_uploads_dir() / token).write_bytes(data)
    pending = request.session.get(SESSION_UPLOADS, {})
    pending[token] = {
        "round": str(assessment_round.uid),
        "name": upload.name,
        "population": form.cleaned_data["population"] or None,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    request.session[SESSION_UPLOADS] = pending
    return _preview(request, assessment_round, token, pending[token], data)


UPLOAD_KEPT_SECONDS = 24 * 3600


def _forget_upload(request: AuthenticatedHttpRequest, token: str) -> None:
    pending = request.session.get(SESSION_UPLOADS, {})
    pending.pop(token, None)
    request.session[SESSION_UPLOADS] = pending
    (_uploads_dir() / token).unlink(missing_ok=True)


def _forget_stale_uploads() -> None:
    horizon = time.time() - UPLOAD_KEPT_SECONDS
    for path in _uploads_dir().iterdir():
        if path.stat().st_mtime < horizon:
            path.unlink(missing_ok=True)


def _pending_upload(
    request: AuthenticatedHttpRequest, assessment_round: AssessmentRound, token: str
) -> tuple[dict[str, Any], bytes]:
    """A previewed upload of this round in the user's session, with its bytes (404 otherwise)."""
    entry = request.session.get(SESSION_UPLOADS, {}).get(token)
    path = _uploads_dir() / token
    if entry is None or entry["round"] != str(assessment_round.uid) or not path.exists():
        raise Http404
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise Http404
    return entry, data


def _preview(
    request: AuthenticatedHttpRequest,
    assessment_round: AssessmentRound,
    token: str,
    entry: dict[str, Any],
    data: bytes,
) -> HttpResponse:
    """The dry run of a kept upload: the mapping and every problem, and the spellings that
    named no unit with their closest units, to be taught once."""
    context: dict[str, Any] = {"round": assessment_round, "file": entry["name"], "token": token}
    try:
        report = services.round_import(
            actor=request.user,
            assessment_round=assessment_round,
            data=data,
            file=entry["name"],
            population=entry["population"],
            dry_run=True,
        )
    except ImportRejected as rejected:
        context.update(
            errors=rejected.errors,
            warnings=[p for p in rejected.problems if p not in rejected.errors],
            unresolved=rejected.unresolved,
        )
        if not rejected.unresolved:
            # Nothing to teach: the file must be fixed and uploaded again, so it is not kept.
            _forget_upload(request, token)
        else:
            # What may be taught from this file: its own unknown spellings, nothing else.
            pending = request.session.get(SESSION_UPLOADS, {})
            if token in pending:
                pending[token]["unresolved"] = [
                    [u.text, u.level, u.within] for u in rejected.unresolved
                ]
                request.session[SESSION_UPLOADS] = pending
        return render(request, "displacement/import_preview.html", context)
    except services.RoundLocked as locked:
        messages.error(request, str(locked))
        return redirect("displacement:round", round_uid=assessment_round.uid)
    context.update(report=report, warnings=report.warnings)
    return render(request, "displacement/import_preview.html", context)


@login_required
@require_POST
def round_upload_alias(
    request: AuthenticatedHttpRequest, round_uid: uuid.UUID, token: str
) -> HttpResponse:
    """Teach a spelling of the previewed file (recorded as an alias, with who, when and which
    file), then check the file again."""
    assessment_round = access.access_round_for_change(request.user, round_uid)
    entry, data = _pending_upload(request, assessment_round, token)
    form = AliasForm(request.POST)
    if form.is_valid() and [
        form.cleaned_data["text"],
        form.cleaned_data["level"],
        form.cleaned_data["within"].strip().upper() or None,
    ] not in entry.get("unresolved", []):
        form.add_error(None, _("This file has no such unknown spelling."))
    if form.is_valid():
        try:
            geo_services.alias_learn(
                actor=request.user,
                name=form.cleaned_data["text"],
                unit=form.cleaned_data["unit"],
                file=entry["name"],
                organisation=assessment_round.organisation,
            )
        except geo_services.AliasRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("“%(text)s” is now read as %(unit)s.")
                % {"text": form.cleaned_data["text"], "unit": form.cleaned_data["unit"].name},
            )
    else:
        messages.error(
            request, " ".join(str(e) for e in form.non_field_errors()) or _("Choose a unit.")
        )
    return _preview(request, assessment_round, token, entry, data)


@login_required
@require_POST
def round_upload_confirm(
    request: AuthenticatedHttpRequest, round_uid: uuid.UUID, token: str
) -> HttpResponse:
    """Commit a previewed upload; the file is checked again and written all or nothing."""
    assessment_round = access.access_round_for_change(request.user, round_uid)
    entry, data = _pending_upload(request, assessment_round, token)
    _forget_upload(request, token)
    job = services.import_job_start(
        actor=request.user,
        assessment_round=assessment_round,
        data=data,
        file=entry["name"],
        population=entry["population"],
    )
    return redirect("displacement:import_job", job_uid=job.uid)


@login_required
@require_safe
def import_job(request: AuthenticatedHttpRequest, job_uid: uuid.UUID) -> HttpResponse:
    """A running import: its progress (polled by htmx), then the result and its audit entry."""
    job = access.access_import_job(request.user, job_uid)
    progress = services.import_job_progress(job)
    audit = selectors.import_job_audit(job=job) if job.result is not None else None
    finished = job.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED)
    template = (
        "displacement/_import_job.html"
        if request.headers.get("HX-Request")
        else "displacement/import_job.html"
    )
    return render(
        request,
        template,
        {
            "job": job,
            "round": job.round,
            "progress": progress,
            "finished": finished,
            "audit": audit,
        },
    )


@login_required
@require_POST
def round_lifecycle(
    request: AuthenticatedHttpRequest, round_uid: uuid.UUID, action: str
) -> HttpResponse:
    if action not in ("validate", "publish", "correct"):
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
        within = AdminUnit.objects.defer("geometry").filter(pcode=request.GET["within"]).first()
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
