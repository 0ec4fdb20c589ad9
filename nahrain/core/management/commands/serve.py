"""``nahrain serve``: the web server (gunicorn) and the background task worker, together.

The embedded default runs both on one machine; a larger deployment runs them apart
(``gunicorn nahrain.wsgi`` and ``nahrain db_worker``).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand

# How long gunicorn and the worker get to finish what they are doing once told to stop, before
# they are killed: within the 10 s docker stop waits before killing everything itself (gunicorn
# gets a second less for its requests, so that it exits before being killed).
STOP_GRACE_SECONDS = 9


def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    """Ask every child still running to stop (SIGTERM), and kill those that outstay the grace."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Command(BaseCommand):
    help = "Serve Nahrain with gunicorn and run the task worker beside it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args: Any, **options: Any) -> None:
        # SIGTERM (kill, systemd, docker stop) and SIGINT (Ctrl+C) both end the two children and
        # then this process; without the handler SIGTERM killed this process alone and left them
        # running. The handler only sets a flag: the loop below does the stopping.
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        processes = [subprocess.Popen([sys.executable, "-m", "nahrain.cli", "db_worker"])]
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "nahrain.wsgi",
                    "--bind",
                    options["bind"],
                    "--workers",
                    str(options["workers"]),
                    "--threads",
                    str(options["threads"]),
                    "--graceful-timeout",
                    str(STOP_GRACE_SECONDS - 1),
                    "--access-logfile",
                    "-",
                ]
            )
        )
        self.stdout.write(f"Nahrain at http://{options['bind']}/ (Ctrl+C stops)")
        try:
            # Either child ending on its own (a crash, a port in use) ends the other too.
            while not stop.is_set() and all(p.poll() is None for p in processes):
                stop.wait(0.2)
        finally:
            stop_all(processes)
