"""JSON API of the review queue: list submissions, accept them into the figures, reject them."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router, Status

from nahrain.collect import access, selectors, services
from nahrain.collect.models import Submission, SubmissionStatus
from nahrain.collect.schemas import (
    KeyInformantOut,
    NotAcceptableOut,
    RejectIn,
    SubmissionOut,
)
from nahrain.core.http import no_store
from nahrain.core.schemas import ProblemOut

router = Router(tags=["collect"])


def submission_out(s: Submission, *, listed: bool = False) -> SubmissionOut:
    """A submission as the API answers it; listed, a registration's answers (personal data as a
    whole) are left out: they are read one submission at a time, each read audited."""
    return SubmissionOut(
        uid=s.uid,
        form_id=s.form.form_id,
        form_version=s.form_version.version,
        instance_id=s.instance_id,
        collector=s.collector.username if s.collector else None,
        status=s.status,
        complete=s.complete,
        batch=s.batch,
        received_at=s.received_at,
        reviewed_at=s.reviewed_at,
        reject_reason=s.reject_reason,
        data={} if listed and services.holds_personal_answers(s) else s.data,
        problems=[ProblemOut(**p) for p in s.problems],
        accepted=s.accepted,
    )


def not_acceptable(exc: services.NotAcceptable) -> NotAcceptableOut:
    return NotAcceptableOut(
        detail=str(exc), errors=[ProblemOut(**p.as_dict()) for p in exc.problems]
    )


@router.get("/submissions", response=list[SubmissionOut])
def submission_list(
    request: HttpRequest,
    response: HttpResponse,
    status: str = SubmissionStatus.RECEIVED,
    batch: str = "",
) -> list[SubmissionOut]:
    """The review queue of the organisations the caller manages (``status=`` for others;
    ``batch=`` for one batch, which for DTM forms is the round number)."""
    no_store(response)
    submissions = selectors.submission_queue(user=request.user, status=status, batch=batch)
    return [
        submission_out(s, listed=True) for s in submissions.select_related("form_version")[:500]
    ]


@router.get("/submissions/{uid}", response=SubmissionOut)
def submission_detail(
    request: HttpRequest, uid: uuid.UUID, response: HttpResponse
) -> SubmissionOut:
    no_store(response)
    submission = access.access_submission_for_review(request.user, uid)
    services.submission_read(
        actor=request.user,  # type: ignore[arg-type]
        submission=submission,
        via="api",
    )
    return submission_out(submission)


@router.post("/submissions/{uid}/accept", response={200: SubmissionOut, 422: NotAcceptableOut})
def submission_accept(request: HttpRequest, uid: uuid.UUID) -> Status[Any]:
    """Accept into the figures: the round's totals include it as soon as this returns."""
    submission = access.access_submission_for_review(request.user, uid)
    try:
        accepted = services.submission_accept(
            actor=request.user,  # type: ignore[arg-type]
            submission=submission,
        )
    except services.NotAcceptable as exc:
        return Status(422, not_acceptable(exc))
    return Status(200, submission_out(accepted))


@router.post("/submissions/{uid}/reject", response={200: SubmissionOut, 422: NotAcceptableOut})
def submission_reject(request: HttpRequest, uid: uuid.UUID, payload: RejectIn) -> Status[Any]:
    submission = access.access_submission_for_review(request.user, uid)
    try:
        rejected = services.submission_reject(
            actor=request.user,  # type: ignore[arg-type]
            submission=submission,
            reason=payload.reason,
        )
    except services.NotAcceptable as exc:
        return Status(422, not_acceptable(exc))
    return Status(200, submission_out(rejected))


@router.get("/submissions/{uid}/key-informant", response=KeyInformantOut)
def key_informant(request: HttpRequest, uid: uuid.UUID, response: HttpResponse) -> KeyInformantOut:
    """The key informant's name and phone (personal data; the read is audited)."""
    submission = access.access_key_informant(request.user, uid)
    no_store(response)
    informant = services.key_informant_read(
        actor=request.user,  # type: ignore[arg-type]
        submission=submission,
    )
    if informant is None:
        raise Http404
    return KeyInformantOut(name=informant.name, phone=informant.phone)
