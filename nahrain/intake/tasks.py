"""Background work of the intake pipeline, run by the task worker (``nahrain serve``)."""

from __future__ import annotations

from django_tasks import task

from nahrain.intake import services


@task()
def job_run(job_uid: str) -> None:
    """Write a confirmed file with its spec, reporting progress as it goes."""
    services.job_run(job_uid=job_uid)
