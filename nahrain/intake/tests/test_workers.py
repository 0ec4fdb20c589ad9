"""A job whose worker process died is failed by the next worker to start or check; a job whose
worker is alive, here or on another server, never is."""

from __future__ import annotations

import subprocess
import uuid
from datetime import timedelta

from django.utils import timezone

from nahrain.intake import services, workers
from nahrain.intake.management.commands.db_worker import watch_once
from nahrain.intake.models import Job, JobStatus, Worker
from nahrain.testing.personas import Personas


def running(personas: Personas, process: workers.Process | None) -> Job:
    return Job.objects.create(
        spec="displacement.master_list",
        target=str(uuid.uuid4()),
        organisation=personas.iom,
        file="list.csv",
        data=b"x",
        sha256="0" * 64,
        created_by=personas.layla.user,
        status=JobStatus.RUNNING,
        started_at=timezone.now(),
        worker_host=process.host if process else "",
        worker_pid=process.pid if process else None,
        worker_started=process.started if process else None,
    )


def test_the_jobs_of_dead_workers_fail_at_the_next_check_and_those_of_live_ones_run_on(
    personas: Personas,
) -> None:
    me = workers.this_process()
    sleeper = subprocess.Popen(["sleep", "60"])
    started = workers.start_time(sleeper.pid)
    assert started is not None
    sleeper.kill()
    sleeper.wait()
    elsewhere = workers.Process(host="app-2 0a1b2c3d pid:[1]", pid=7, started=1234)
    silent = workers.Process(host="app-3 0a1b2c3d pid:[1]", pid=7, started=1234)
    Worker.objects.create(host=elsewhere.host, pid=7, started=1234, seen_at=timezone.now())
    Worker.objects.create(
        host=silent.host, pid=7, started=1234, seen_at=timezone.now() - timedelta(minutes=2)
    )
    live = running(personas, me)  # this process: alive
    killed = running(personas, workers.Process(me.host, sleeper.pid, started))
    reused = running(personas, workers.Process(me.host, me.pid, me.started + 1))  # pid reused
    seen = running(personas, elsewhere)  # another server's worker, heard from just now
    unseen = running(personas, silent)  # another server's, silent for two minutes
    unknown = running(personas, workers.Process("app-4", 7, 1234))  # never heard from
    legacy = running(personas, None)  # claimed before workers were recorded: an hour is given

    watch_once()  # what a worker does as it starts, then every 15 s

    status = dict(Job.objects.values_list("pk", "status"))
    assert {job.pk for job in (killed, reused, unseen, unknown)} == {
        pk for pk, s in status.items() if s == JobStatus.FAILED
    }
    assert {status[job.pk] for job in (live, seen, legacy)} == {JobStatus.RUNNING}
    assert Job.objects.get(pk=killed.pk).error == services.WORKER_LOST
    assert Worker.objects.filter(host=me.host, pid=me.pid, started=me.started).exists()


def test_a_job_records_the_worker_that_claimed_it(personas: Personas) -> None:
    job = running(personas, None)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, started_at=None)
    # Its round is gone: refused, but claimed first.
    assert services.job_run(job_uid=str(job.uid)).error == services.NO_LONGER_ALLOWED
    me = workers.this_process()
    assert Job.objects.values_list("worker_host", "worker_pid", "worker_started").get(
        pk=job.pk
    ) == (me.host, me.pid, me.started)
