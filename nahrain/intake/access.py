"""Access gates of the intake pipeline: the same 404 for missing and not-yours.

An upload is its uploader's alone, and only while they may still import into its target; a job
is seen by everyone who may import into its target (the information managers of a round's
organisation), since they answer for what it wrote.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404
from django.utils import timezone

from nahrain.core.access import AnyUser
from nahrain.intake.models import Job, Upload
from nahrain.intake.services import UPLOAD_KEPT
from nahrain.intake.spec import Spec, spec_named


def access_spec(name: str) -> Spec:
    spec = spec_named(name)
    if spec is None:
        raise Http404
    return spec


def _uid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def target_uid(value: str) -> str:
    """What a file goes into is named by a UUID (a round, an organisation), kept in one form."""
    return str(_uid(value))


def access_upload(user: AnyUser, upload_uid: Any) -> tuple[Upload, Spec, Any]:
    """A kept upload of this user's, with its spec and target (through the spec's gate)."""
    if not user.is_authenticated:
        raise Http404
    # Kept a day: an older one is gone even before anything deletes it.
    fresh = timezone.now() - UPLOAD_KEPT
    upload = Upload.objects.filter(
        uid=_uid(upload_uid), created_by_id=user.pk, created_at__gte=fresh
    ).first()
    if upload is None:
        raise Http404
    spec = access_spec(upload.spec)
    return upload, spec, spec.target_for_change(user, upload.target)


def access_job(user: AnyUser, job_uid: Any) -> tuple[Job, Spec, Any]:
    """A job, for those who may import into its target."""
    if not user.is_authenticated:
        raise Http404
    job = Job.objects.select_related("audit__actor").defer("data").filter(uid=_uid(job_uid)).first()
    if job is None:
        raise Http404
    spec = access_spec(job.spec)
    return job, spec, spec.target_for_change(user, job.target)


def access_job_rows(user: AnyUser, job_uid: Any) -> tuple[Job, Spec, Any]:
    """A job's kept rows (its marked problems file): a personal file's go back to its uploader
    alone; the others who may import into its target see its problems, not the whole list."""
    job, spec, target = access_job(user, job_uid)
    if spec.personal and job.created_by_id != user.pk:
        raise Http404
    return job, spec, target
