"""Pages of the intake pipeline, the same for every importer: upload → preview (the mapping,
every problem, unknown spellings to teach, headers to map, the problems file) → confirm → the
job's progress → its result and audit entry."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from nahrain.core.http import AuthenticatedHttpRequest, personal_data
from nahrain.core.problems import ImportRejected, Problem, Severity
from nahrain.core.templatetags.nahrain_format import longdate
from nahrain.geo import services as geo_services
from nahrain.intake import access, services
from nahrain.intake.forms import AliasForm, UploadForm
from nahrain.intake.models import Job, Upload
from nahrain.intake.problems_file import (
    CONTENT_TYPES,
    problems_csv,
    problems_from,
    problems_xlsx,
)
from nahrain.intake.readers import MAX_BYTES, too_large
from nahrain.intake.spec import Outcome, Spec

FORMATS = ("csv", "xlsx")
LETTER = re.compile(r"[A-Z]{1,3}")


def _render_refused(
    request: AuthenticatedHttpRequest, spec: Spec, target: Any, file: str, errors: list[Problem]
) -> HttpResponse:
    context = {"spec": spec, "target": target, "file": file, "errors": errors, "warnings": []}
    return render(request, "intake/preview.html", _with_target(spec, target, context))


def _with_target(spec: Spec, target: Any, context: dict[str, Any]) -> dict[str, Any]:
    context.update(target_url=spec.target_url(target), target_label=spec.target_label(target))
    return context


@login_required
@require_POST
def upload(request: AuthenticatedHttpRequest, spec_name: str, target_uid: str) -> HttpResponse:
    """Keep the file for its preview (or say at once why it cannot be read)."""
    spec = access.access_spec(spec_name)
    target_uid = access.target_uid(target_uid)
    target = spec.target_for_change(request.user, target_uid)
    form = UploadForm(request.POST, request.FILES)
    options_form = spec.options_form(request.POST) if spec.options_form else None
    name = getattr(request.FILES.get("file"), "name", "") or ""
    invalid = [f for f in (form, options_form) if f is not None and not f.is_valid()]
    if invalid:
        # An empty or missing file, or an unknown option: said on the page like any problem.
        problems = [
            Problem(name, None, field, error.code or "invalid", " ".join(error.messages))
            for f in invalid
            for field, errors in f.errors.as_data().items()
            for error in errors
        ]
        return _render_refused(request, spec, target, name, problems)
    uploaded = form.cleaned_data["file"]
    # Refused before it is read into memory: Django keeps a large upload on disk until then.
    if (uploaded.size or 0) > MAX_BYTES:
        return _render_refused(
            request, spec, target, name, too_large(name, uploaded.size or 0).errors
        )
    kept = services.upload_keep(
        actor=request.user,
        spec=spec,
        target=target,
        target_uid=target_uid,
        data=uploaded.read(),
        file=name,
        options=options_form.cleaned_data if options_form is not None else {},
    )
    return redirect("intake:preview", upload_uid=kept.uid)


def _check(
    request: AuthenticatedHttpRequest, kept: Upload, spec: Spec, target: Any
) -> tuple[Outcome | None, ImportRejected | None, str]:
    """The dry run: its outcome, or the refusal with every problem; or a refusal message."""
    try:
        return (
            services.upload_check(upload=kept, spec=spec, target=target, actor=request.user),
            None,
            "",
        )
    except ImportRejected as rejected:
        return None, rejected, ""
    except spec.refusals as refused:
        return None, None, str(refused)


def _dated(spec: Spec, value: str) -> tuple[str, date] | None:
    """(prefix, date) of a dated target such as "households@2019-07-31", if the spec has it."""
    prefix, at, day = value.partition("@")
    if not at or prefix not in {p for p, _label in spec.dated_targets}:
        return None
    try:
        return prefix, date.fromisoformat(day)
    except ValueError:
        return None


@login_required
@require_safe
@personal_data
def preview(request: AuthenticatedHttpRequest, upload_uid: uuid.UUID) -> HttpResponse:
    kept, spec, target = access.access_upload(request.user, upload_uid)
    outcome, rejected, refusal = _check(request, kept, spec, target)
    if refusal:
        services.upload_forget(upload=kept)
        messages.error(request, refusal)
        return redirect(spec.target_url(target))
    mapping = outcome.mapping if outcome is not None else (rejected.mapping if rejected else [])
    choices = [
        *((f.name, gettext(f.label)) for f in spec.fields),
        *spec.extra_targets(target),
        *((f"{prefix}@", gettext(label)) for prefix, label in spec.dated_targets),
    ]
    # What each column is read as, in words: a field's label, or the spec's own target's.
    words = {f"field:{value}": label for value, label in choices} | dict(choices)

    def read_as(mapped_to: str) -> str:
        dated = _dated(spec, mapped_to.removeprefix("dated:"))
        if dated is not None:
            return f"{words[dated[0] + '@']} {longdate(dated[1])}"
        return words.get(mapped_to, "")

    def chosen(column: str) -> tuple[str, str]:
        """The user's choice for a column, and its date for a dated one."""
        value = kept.column_map.get(f"column:{column}", "")
        dated = _dated(spec, value)
        return (dated[0] + "@", dated[1].isoformat()) if dated is not None else (value, "")

    context: dict[str, Any] = {
        "spec": spec,
        "target": target,
        "upload": kept,
        "file": kept.file,
        "outcome": outcome,
        "mapping": [
            {
                **m,
                "chosen": chosen(m["column"])[0],
                "chosen_date": chosen(m["column"])[1],
                "read_as": read_as(m["mapped_to"]),
            }
            for m in mapping
        ],
        "dated": [f"{prefix}@" for prefix, _label in spec.dated_targets],
        "map_choices": choices,
        "errors": rejected.errors if rejected else [],
        "warnings": (
            outcome.warnings
            if outcome is not None
            else [p for p in rejected.problems if p.severity is Severity.WARNING]
            if rejected
            else []
        ),
        "unresolved": rejected.unresolved if rejected and spec.learns_aliases else [],
        "formats": FORMATS,
    }
    shown = len(context["errors"]) + len(context["warnings"])
    services.personal_read(
        actor=request.user, spec=spec, target=target, kept=kept, what="preview", problems=shown
    )
    return render(request, "intake/preview.html", _with_target(spec, target, context))


@login_required
@require_POST
def preview_map(request: AuthenticatedHttpRequest, upload_uid: uuid.UUID) -> HttpResponse:
    """Read the file's headers as the user chose (each column: the guess, a field or ignore),
    then check it again."""
    kept, spec, target = access.access_upload(request.user, upload_uid)
    allowed = {f.name for f in spec.fields} | {v for v, _ in spec.extra_targets(target)}
    column_map = {}
    # By column letter, not header: two columns may share a header.
    for letter, chosen, day in zip(
        request.POST.getlist("column"),
        request.POST.getlist("target"),
        request.POST.getlist("target_date") or [""] * len(request.POST.getlist("column")),
        strict=False,
    ):
        if not LETTER.fullmatch(letter) or not chosen:
            continue
        if chosen.endswith("@") and _dated(spec, chosen + day.strip()) is not None:
            column_map[f"column:{letter}"] = chosen + day.strip()
        elif chosen.endswith("@"):
            messages.error(
                request,
                _("Give the date of the figures in column %(column)s.") % {"column": letter},
            )
        elif chosen in allowed or chosen == "ignore":
            column_map[f"column:{letter}"] = chosen
    services.upload_map(upload=kept, column_map=column_map)
    return redirect("intake:preview", upload_uid=kept.uid)


@login_required
@require_POST
def preview_alias(request: AuthenticatedHttpRequest, upload_uid: uuid.UUID) -> HttpResponse:
    """Teach a spelling of the previewed file (an alias, recorded with who, when and which
    file), then check the file again."""
    kept, spec, _target = access.access_upload(request.user, upload_uid)
    form = AliasForm(request.POST)
    if form.is_valid() and (
        not spec.learns_aliases
        or [
            form.cleaned_data["text"],
            form.cleaned_data["level"],
            form.cleaned_data["within"].strip().upper() or None,
        ]
        not in kept.unresolved
    ):
        form.add_error(None, _("This file has no such unknown spelling."))
    if form.is_valid():
        try:
            geo_services.alias_learn(
                actor=request.user,
                name=form.cleaned_data["text"],
                unit=form.cleaned_data["unit"],
                file=kept.file,
                organisation=kept.organisation,
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
    return redirect("intake:preview", upload_uid=kept.uid)


def _problems_response(
    request: AuthenticatedHttpRequest,
    *,
    spec: Spec,
    target: Any,
    kept: Upload | Job,
    data: bytes,
    problems: list[Problem],
    format: str,
) -> HttpResponse:
    """A problems file, its read audited when the file holds personal data."""
    services.personal_read(
        actor=request.user,
        spec=spec,
        target=target,
        kept=kept,
        what=f"problems.{format}",
        problems=len(problems),
    )
    file = kept.file
    stem = file.rsplit(".", 1)[0] or "upload"
    if format == "xlsx":
        body = problems_xlsx(data=data, file=file, problems=problems)
    else:
        body = problems_csv(problems)
    response = HttpResponse(body, content_type=CONTENT_TYPES[format])
    # An Arabic file name, or one with a quote, is said the way RFC 6266 allows.
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=f"{stem}-problems.{format}")
        or "attachment"
    )
    return response


@login_required
@require_safe
@personal_data
def preview_problems(
    request: AuthenticatedHttpRequest, upload_uid: uuid.UUID, format: str
) -> HttpResponse:
    """The problems of the previewed file, to fix it in and upload again."""
    kept, spec, target = access.access_upload(request.user, upload_uid)
    if format not in FORMATS:
        return HttpResponse(status=404)
    outcome, rejected, _refusal = _check(request, kept, spec, target)
    problems = rejected.problems if rejected else (outcome.problems if outcome else [])
    return _problems_response(
        request,
        spec=spec,
        target=target,
        kept=kept,
        data=bytes(kept.data),
        problems=problems,
        format=format,
    )


@login_required
@require_POST
def confirm(request: AuthenticatedHttpRequest, upload_uid: uuid.UUID) -> HttpResponse:
    """Queue the previewed file; the worker checks it again and writes it all or nothing."""
    kept, _spec, _target = access.access_upload(request.user, upload_uid)
    try:
        job = services.job_start(actor=request.user, upload=kept)
    except Upload.DoesNotExist:
        raise Http404 from None
    return redirect("intake:job", job_uid=job.uid)


STAGES = {
    "reading": gettext_lazy("Reading the file"),
    "checking": gettext_lazy("Checking every row"),
    "locations": gettext_lazy("Finding the locations"),
    "writing": gettext_lazy("Writing the figures"),
    "figures": gettext_lazy("Adding up the totals"),
    "done": gettext_lazy("Done"),
}


@login_required
@require_safe
@personal_data
def job(request: AuthenticatedHttpRequest, job_uid: uuid.UUID) -> HttpResponse:
    """A running import: its progress (polled by htmx), then the result and its audit entry."""
    found, spec, target = access.access_job(request.user, job_uid)
    template = "intake/_job.html" if request.headers.get("HX-Request") else "intake/job.html"
    problems = problems_from(found.problems)
    context = {
        "job": found,
        "spec": spec,
        "stage": STAGES.get(found.stage, found.stage),
        "errors": [p for p in problems if p.severity is Severity.ERROR],
        "warnings": [p for p in problems if p.severity is Severity.WARNING],
        "formats": FORMATS,
        # The marked file holds the list's rows: a personal one's goes to its uploader alone.
        "rows_file": not spec.personal or found.created_by_id == request.user.pk,
    }
    if problems:  # a job in progress quotes no cell yet; each poll would be no read
        services.personal_read(
            actor=request.user,
            spec=spec,
            target=target,
            kept=found,
            what="job",
            problems=len(problems),
        )
    return render(request, template, _with_target(spec, target, context))


@login_required
@require_safe
@personal_data
def job_problems(
    request: AuthenticatedHttpRequest, job_uid: uuid.UUID, format: str
) -> HttpResponse:
    if format not in FORMATS:
        return HttpResponse(status=404)
    gate = access.access_job_rows if format == "xlsx" else access.access_job
    found, spec, target = gate(request.user, job_uid)
    data = Job.objects.filter(pk=found.pk).values_list("data", flat=True).first() or b""
    return _problems_response(
        request,
        spec=spec,
        target=target,
        kept=found,
        data=bytes(data),
        problems=problems_from(found.problems),
        format=format,
    )
