"""``nahrain db_worker``: django-tasks' database worker, which also fails the import jobs of
workers that died (at start, then with each heartbeat; see ``nahrain.intake.workers``).

It takes the place of django_tasks_db's command of the same name (``nahrain.intake`` comes
before ``django_tasks_db`` in INSTALLED_APPS), so deployments start it as before.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, NoReturn

from django.db import DatabaseError, connection
from django_tasks_db.management.commands import db_worker

from nahrain.intake import services, workers

logger = logging.getLogger(__name__)


def watch_once() -> None:
    """One heartbeat and one check. On SQLite either may wait for an import's write lock and
    give up: the check then happens at the next beat, the heartbeat is not needed there."""
    try:
        services.worker_seen()
        services.jobs_orphaned_fail()
    except DatabaseError as error:
        logger.info("worker heartbeat skipped: %s", error)


def watch() -> NoReturn:
    while True:
        watch_once()
        connection.close()  # this thread's own: a fresh one each beat, never a broken one
        time.sleep(workers.HEARTBEAT_SECONDS)


class Command(db_worker.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        # A daemon thread: the worker's own signal handling (SIGTERM finishes the task, then
        # exits) decides when the process ends, and the watch ends with it.
        threading.Thread(target=watch, daemon=True, name="intake-watch").start()
        super().handle(*args, **options)
