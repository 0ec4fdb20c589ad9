"""The intake API, the same for every importer: what each spec reads, checking a file (dry run),
queueing it as a job, and the job's progress and outcome."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from nahrain.core.http import no_store
from nahrain.core.problems import ImportRejected, Problem, Severity
from nahrain.core.schemas import ProblemOut
from nahrain.intake import access, services
from nahrain.intake.models import Job
from nahrain.intake.problems_file import problems_from
from nahrain.intake.readers import MAX_BYTES
from nahrain.intake.spec import Intake

router = Router(tags=["intake"])


class FieldOut(Schema):
    name: str
    label: str
    headers: list[str]
    hxl: list[str]
    required: bool


class SpecOut(Schema):
    name: str
    title: str
    fields: list[FieldOut]


class UnresolvedOut(Schema):
    text: str
    level: int
    within: str | None
    candidates: list[tuple[str, str]]
    row: int | None


class CheckOut(Schema):
    file: str
    summary: dict[str, str | int]
    mapping: list[dict[str, str]]
    warnings: list[ProblemOut]


class RefusedOut(Schema):
    detail: str
    errors: list[ProblemOut]
    warnings: list[ProblemOut]
    unresolved: list[UnresolvedOut]
    mapping: list[dict[str, str]]


class DetailOut(Schema):
    detail: str


class JobOut(Schema):
    uid: uuid.UUID
    spec: str
    target: str
    file: str
    status: str
    stage: str
    done: int
    total: int
    summary: dict[str, str | int]
    errors: list[ProblemOut]
    warnings: list[ProblemOut]
    error: str
    audit_id: int | None


def _problems(problems: list[Problem], severity: Severity) -> list[ProblemOut]:
    return [ProblemOut(**p.as_dict()) for p in problems if p.severity is severity]


def job_out(job: Job) -> JobOut:
    problems = problems_from(job.problems)
    return JobOut(
        uid=job.uid,
        spec=job.spec,
        target=job.target,
        file=job.file,
        status=job.status,
        stage=job.stage,
        done=job.done,
        total=job.total,
        summary={str(label): value for label, value in job.summary},
        errors=_problems(problems, Severity.ERROR),
        warnings=_problems(problems, Severity.WARNING),
        error=job.error,
        audit_id=job.audit_id,
    )


@router.get("/specs", response=list[SpecOut])
def spec_list(request: HttpRequest) -> list[SpecOut]:
    """Every kind of file Nahrain takes in, with the columns each reads: the headers that name
    each field (English and Arabic) and the HXL hashtags that mean it."""
    from nahrain.intake.spec import specs

    return [
        SpecOut(
            name=s.name,
            title=str(s.title),
            fields=[
                FieldOut(
                    name=f.name,
                    label=gettext(f.label),
                    headers=list(f.headers),
                    hxl=list(f.hxl),
                    required=f.required,
                )
                for f in s.fields
            ],
        )
        for s in specs()
    ]


@router.get("/jobs/{job_uid}", response=JobOut)
def job_detail(request: HttpRequest, job_uid: uuid.UUID, response: HttpResponse) -> JobOut:
    """A job's progress (stage, rows done of all), then its outcome: the figures it wrote and
    its warnings, or every problem that refused the file."""
    job, spec, target = access.access_job(request.user, job_uid)
    no_store(response)  # problems quote the file's cells
    if job.problems:
        user: User = request.user  # type: ignore[assignment]
        services.personal_read(
            actor=user, spec=spec, target=target, kept=job, what="job", problems=len(job.problems)
        )
    return job_out(job)


# Last: its path would take "jobs/<uid>" for a spec and a target.
@router.post(
    "/{spec_name}/{target_uid}",
    response={200: CheckOut, 202: JobOut, 409: DetailOut, 413: DetailOut, 422: RefusedOut},
)
def intake_upload(
    request: HttpRequest,
    spec_name: str,
    target_uid: str,
    file: File[UploadedFile],
    response: HttpResponse,
) -> Status[Any]:
    """Check a file (``dry_run=true``, the default: nothing is written) or queue it to be
    written all or nothing (``dry_run=false``: 202 with the job to follow). Repeat
    ``map=HEADER=FIELD`` for headers the spec cannot guess; the spec's options (a master list's
    ``population``) are form fields too."""
    spec = access.access_spec(spec_name)
    target_uid = access.target_uid(target_uid)
    target = spec.target_for_change(request.user, target_uid)
    no_store(response)  # problems quote the file's cells
    if (file.size or 0) > MAX_BYTES:
        return Status(413, DetailOut(detail=f"files are limited to {MAX_BYTES} bytes"))
    name = file.name or "upload"
    options: dict[str, Any] = {}
    problems = []
    if spec.options_form is not None:
        form = spec.options_form(request.POST)
        if form.is_valid():
            options = form.cleaned_data
        problems += [
            Problem(name, None, field, "invalid", " ".join(str(e) for e in errors))
            for field, errors in form.errors.items()
        ]
    column_map = {}
    for pair in request.POST.getlist("map"):
        header, separator, wanted = pair.rpartition("=")
        if not separator:
            problems.append(Problem(name, None, "", "map", f"map={pair!r} is not HEADER=FIELD"))
        column_map[header.strip()] = wanted.strip()
    user: User = request.user  # type: ignore[assignment]
    dry_run = request.POST.get("dry_run", "true").lower() not in ("false", "0", "no")
    data = file.read()
    try:
        if problems:
            raise ImportRejected(problems)
        outcome = spec.check(
            Intake(
                actor=user,
                target=target,
                data=data,
                file=name,
                options=options,
                column_map=column_map,
            )
        )
    except ImportRejected as rejected:
        return Status(422, _refused(rejected))
    except spec.refusals as refused:
        return Status(409, DetailOut(detail=str(refused)))
    if dry_run:
        return Status(
            200,
            CheckOut(
                file=name,
                summary={str(label): value for label, value in outcome.summary},
                mapping=outcome.mapping,
                warnings=_problems(outcome.problems, Severity.WARNING),
            ),
        )
    kept = services.upload_keep(
        actor=user,
        spec=spec,
        target=target,
        target_uid=target_uid,
        data=data,
        file=name,
        options=options,
    )
    services.upload_map(upload=kept, column_map=column_map)
    job = services.job_start(actor=user, upload=kept)
    job.refresh_from_db()
    return Status(202, job_out(job))


def _refused(rejected: ImportRejected) -> RefusedOut:
    return RefusedOut(
        detail=str(rejected),
        errors=_problems(rejected.problems, Severity.ERROR),
        warnings=_problems(rejected.problems, Severity.WARNING),
        unresolved=[UnresolvedOut(**u.as_dict()) for u in rejected.unresolved],
        mapping=rejected.mapping,
    )
