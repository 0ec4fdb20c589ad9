"""Writes of the intake pipeline: kept uploads, the user's mapping, jobs and their progress."""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_noop

from nahrain.core.problems import ImportRejected
from nahrain.core.services import audit_record
from nahrain.intake import workers
from nahrain.intake.models import Job, JobStatus, Upload, Worker
from nahrain.intake.spec import Intake, Outcome, Spec, spec_named

logger = logging.getLogger(__name__)

UPLOAD_KEPT = timedelta(hours=24)
# Workers unseen this long are forgotten (their jobs were failed long before).
WORKER_FORGOTTEN = timedelta(days=1)
# Stored in English and shown in the reader's language (the page translates it).
WORKER_LOST = gettext_noop(
    "The import stopped before it finished (its worker ended); nothing was written. "
    "Upload the file again."
)
INTERNAL_ERROR = gettext_noop("The import stopped on an internal error; nothing was written.")
NO_LONGER_ALLOWED = gettext_noop("You may no longer import into this; nothing was written.")
PROGRESS_EVERY_SECONDS = 0.25
# Problems kept with a job, for its page and problems file; a refused file rarely has more.
JOB_PROBLEMS_KEPT = 10_000


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@transaction.atomic
def upload_keep(
    *,
    actor: User,
    spec: Spec,
    target: Any,
    target_uid: str,
    data: bytes,
    file: str,
    options: dict[str, Any],
) -> Upload:
    """Keep an uploaded file for its preview."""
    stale_forget()
    return Upload.objects.create(
        spec=spec.name,
        target=target_uid,
        organisation=spec.organisation_of(target),
        file=file[:200],
        data=data,
        sha256=_sha256(data),
        options=options,
        created_by=actor,
    )


def stale_forget() -> None:
    """Forget what is kept no longer: uploads nobody confirmed within a day and the bytes of jobs
    refused a day ago (kept for their problems file). Jobs whose worker died are the workers'
    to fail (``jobs_orphaned_fail``)."""
    now = timezone.now()
    Upload.objects.filter(created_at__lt=now - UPLOAD_KEPT).delete()
    Job.objects.filter(finished_at__lt=now - UPLOAD_KEPT).exclude(data=b"").update(data=b"")


def worker_seen() -> None:
    """The calling worker's heartbeat; workers silent for a day are forgotten."""
    me = workers.this_process()
    now = timezone.now()
    Worker.objects.update_or_create(
        host=me.host, pid=me.pid, started=me.started, defaults={"seen_at": now}
    )
    Worker.objects.filter(seen_at__lt=now - WORKER_FORGOTTEN).delete()


def jobs_orphaned_fail() -> int:
    """Fail the running jobs whose worker process has died (all or nothing: their transaction
    never committed); run by every worker as it starts and with each heartbeat. A job whose
    worker may still be alive is never failed: see ``intake.workers`` for how that is told."""
    now = timezone.now()
    here = workers.this_process().host
    seen = set(
        Worker.objects.filter(seen_at__gte=now - workers.SILENT).values_list(
            "host", "pid", "started"
        )
    )
    gone = []
    for pk, host, pid, started in (
        Job.objects.filter(status=JobStatus.RUNNING)
        .exclude(worker_host="")
        .values_list("pk", "worker_host", "worker_pid", "worker_started")
    ):
        if host == here:
            alive = workers.alive_here(workers.Process(host, pid or 0, started or 0))
        else:
            alive = (host, pid, started) in seen
        if not alive:
            gone.append(pk)
    if not gone:
        return 0
    failed = Job.objects.filter(pk__in=gone, status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED, error=WORKER_LOST, finished_at=now
    )
    logger.warning("%s import job(s) failed: their worker ended while writing", failed)
    return failed


def upload_check(*, upload: Upload, spec: Spec, target: Any, actor: User) -> Outcome:
    """The dry run of a kept upload. Refused (``ImportRejected``), the spellings it could not
    place are remembered with it: they are all that may be taught from this file."""
    intake = Intake(
        actor=actor,
        target=target,
        data=bytes(upload.data),
        file=upload.file,
        options=upload.options,
        column_map=upload.column_map,
    )
    try:
        return spec.check(intake)
    except ImportRejected as rejected:
        unresolved = [[u.text, u.level, u.within] for u in rejected.unresolved]
        if unresolved != upload.unresolved:
            upload.unresolved = unresolved
            upload.save(update_fields=["unresolved"])
        raise


def upload_map(*, upload: Upload, column_map: dict[str, str]) -> Upload:
    """Read the kept upload's headers as the user chose (header → a field, a spec's own target
    or ``ignore``); a header left out goes back to the guess."""
    upload.column_map = column_map
    upload.save(update_fields=["column_map"])
    return upload


def upload_forget(*, upload: Upload) -> None:
    upload.delete()


def personal_read(
    *, actor: User, spec: Spec, target: Any, kept: Upload | Job, what: str, problems: int
) -> None:
    """Record that a user read a personal file's cells (a preview, a job's problems, a problems
    file): which file and how many problems it showed, never the cells."""
    if not spec.personal:
        return
    audit_record(
        actor=actor,
        action="intake.read",
        object_type="intake.job" if isinstance(kept, Job) else "intake.upload",
        object_id=kept.uid,
        organisation=spec.organisation_of(target),
        detail={"spec": spec.name, "what": what, "problems": problems},
    )


@transaction.atomic
def job_start(*, actor: User, upload: Upload) -> Job:
    """Queue a confirmed upload for the task worker; the upload becomes the job. Confirmed twice
    at once (a double click, two tabs), the second finds it gone: one job, never two."""
    deleted, _ = Upload.objects.filter(pk=upload.pk).delete()
    if not deleted:
        raise Upload.DoesNotExist("this upload was confirmed already")
    job = Job.objects.create(
        spec=upload.spec,
        target=upload.target,
        organisation_id=upload.organisation_id,
        file=upload.file,
        data=upload.data,
        sha256=upload.sha256,
        options=upload.options,
        column_map=upload.column_map,
        created_by=actor,
    )
    from nahrain.intake.tasks import job_run

    # With the database task backend the task row commits with the job, or not at all.
    job_run.enqueue(job_uid=str(job.uid))
    return job


class JobProgress:
    """Writes a job's stage and counts through a connection of its own, committed at once, so
    that the page sees them while the import's transaction is still open.

    On SQLite the import holds the only write lock while it writes; a report that would wait for
    it is skipped (the page then shows the last stage reported before the write began). Progress
    is for people to watch: a report that cannot be written never stops the import.
    """

    def __init__(self, job: Job) -> None:
        self.job_id = job.pk
        self._last = 0.0
        self._connection: BaseDatabaseWrapper | None = None

    def _cursor_connection(self) -> BaseDatabaseWrapper:
        if self._connection is None:
            self._connection = connections.create_connection(DEFAULT_DB_ALIAS)
            self._connection.ensure_connection()
            if self._connection.vendor == "sqlite":
                with self._connection.cursor() as cursor:
                    cursor.execute("PRAGMA busy_timeout = 50")
        return self._connection

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage != "done" and done < total and now - self._last < PROGRESS_EVERY_SECONDS:
            return
        importing = connections[DEFAULT_DB_ALIAS]
        if importing.vendor == "sqlite" and importing.in_atomic_block:
            return  # the import holds SQLite's one write lock: the report would only wait
        self._last = now
        try:
            with self._cursor_connection().cursor() as cursor:
                cursor.execute(
                    "UPDATE intake_job SET stage = %s, done = %s, total = %s WHERE id = %s",
                    [stage[:30], max(done, 0), max(total, 0), self.job_id],
                )
        except DatabaseError as error:
            logger.debug("progress of job %s not written: %s", self.job_id, error)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def job_run(*, job_uid: str) -> Job:
    """Run a queued job: the spec's commit, all or nothing. The job records the outcome (figures,
    warnings, or the problems that refused the file) and lets go of the file's bytes either way."""
    stale_forget()
    job = Job.objects.select_related("created_by").get(uid=job_uid)
    # Claimed in one statement: a worker handed the job twice runs it once. The process is
    # recorded so that, should it die, the next worker to check fails the job.
    me = workers.this_process()
    claimed = Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=timezone.now(),
        worker_host=me.host,
        worker_pid=me.pid,
        worker_started=me.started,
    )
    if not claimed:
        return job
    job.status = JobStatus.RUNNING
    spec = spec_named(job.spec)
    progress = JobProgress(job)
    try:
        if spec is None or job.created_by is None:
            raise LookupError(f"no import spec {job.spec!r} or no one who confirmed it")
        # Confirmed by someone who could; checked again, in case their role has gone since.
        try:
            target = spec.target_for_change(job.created_by, job.target)
        except Http404:
            raise _Refused(NO_LONGER_ALLOWED) from None
        outcome = spec.commit(
            Intake(
                actor=job.created_by,
                target=target,
                data=bytes(job.data),
                file=job.file,
                options=job.options,
                column_map=job.column_map,
                progress=progress,
            )
        )
    except ImportRejected as rejected:
        job.status = JobStatus.FAILED
        job.error = str(rejected)[:2000]
        job.problems = [p.as_dict() for p in rejected.problems[:JOB_PROBLEMS_KEPT]]
    except Exception as failed:
        job.status = JobStatus.FAILED
        if isinstance(failed, _Refused) or (spec is not None and isinstance(failed, spec.refusals)):
            job.error = str(failed)[:2000]
        else:
            # A fault of ours: the page must not wait for ever; the worker logs the traceback.
            job.error = INTERNAL_ERROR
            _job_finish(job)
            raise
    else:
        job.status = JobStatus.DONE
        job.summary = [list(pair) for pair in outcome.summary]
        job.problems = [p.as_dict() for p in outcome.problems[:JOB_PROBLEMS_KEPT]]
        job.audit = outcome.audit
        logger.info("import job %s (%s) done", job.uid, job.spec)
    finally:
        progress.close()
    _job_finish(job)
    return job


class _Refused(Exception):
    """A job refused before its spec ran, with the reason to show."""


def _job_finish(job: Job) -> None:
    job.finished_at = timezone.now()
    fields = ["status", "error", "summary", "problems", "audit", "finished_at"]
    if job.status == JobStatus.DONE:
        # The stage a failed job last reported stays: it says how far it got.
        job.stage, job.done, job.total = "done", 1, 1
        job.data = b""  # a refused file's bytes stay a day, for its problems file
        fields += ["stage", "done", "total", "data"]
    job.save(update_fields=fields)
