"""Files on their way in: an upload waiting for its preview to be confirmed, and the job that
writes it.

Both keep the file's bytes in the database, not on a local disk, so that any app server can show
the preview and any task worker can run the job: the deployments share nothing but PostgreSQL.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nahrain.core.models import AuditEvent, Organisation


class Upload(models.Model):
    """A file checked on the preview page and not yet confirmed (kept a day at most).

    Teaching a spelling or mapping a header checks the same bytes again, without a new upload.
    Only the person who uploaded it sees it.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    spec = models.CharField(max_length=60)
    target = models.CharField(max_length=64)  # the uid of what the file goes into (a round)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    file = models.CharField(max_length=200)
    data = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    options = models.JSONField(default=dict, blank=True)
    # Header -> field, chosen on the preview page over the guessed mapping.
    column_map = models.JSONField(default=dict, blank=True)
    # The unknown spellings of this file (text, level, within): all that may be taught from it.
    unresolved = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.file


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """A confirmed file being written by the task worker, all or nothing.

    ``stage``, ``done`` and ``total`` are written through a connection of their own while the
    import's transaction is open, so that the page polling them sees progress before the end.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    spec = models.CharField(max_length=60)
    target = models.CharField(max_length=64)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    file = models.CharField(max_length=200)
    data = models.BinaryField()  # emptied once the job has run
    sha256 = models.CharField(max_length=64)
    options = models.JSONField(default=dict, blank=True)
    column_map = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    stage = models.CharField(max_length=30, blank=True)
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(default=0)
    # What the import counted, as (label, value) pairs the spec chose, for the result page.
    summary = models.JSONField(default=list, blank=True)
    # Every problem found (warnings of a written import, errors of a refused one).
    problems = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    audit = models.ForeignKey(
        AuditEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The worker process that claimed it (intake.workers): a job whose process is gone is failed.
    worker_host = models.CharField(max_length=200, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    worker_started = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class Worker(models.Model):
    """A task worker process and when it was last seen alive (its heartbeat), for telling, from
    another machine, that the worker of a running job has died."""

    host = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    started = models.PositiveBigIntegerField()  # the process's start time, in clock ticks
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["host", "pid", "started"], name="intake_worker_process")
        ]

    def __str__(self) -> str:
        return f"{self.host} {self.pid}"
