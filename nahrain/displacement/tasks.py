"""Background jobs of displacement tracking, run by the task worker (``nahrain serve``)."""

from __future__ import annotations

from django_tasks import task

from nahrain.displacement import services


@task()
def import_job_run(job_uid: str) -> None:
    """Write a confirmed upload into its round, reporting progress as it goes."""
    services.import_job_run(job_uid=job_uid)
