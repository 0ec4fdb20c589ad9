"""``nahrain serve``: the web server (gunicorn) and the background task worker, together.

The embedded default runs both on one machine; a larger deployment runs them apart
(``gunicorn nahrain.wsgi`` and ``nahrain db_worker``).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Nahrain with gunicorn and run the task worker beside it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args: Any, **options: Any) -> None:
        worker = subprocess.Popen([sys.executable, "-m", "nahrain.cli", "db_worker"])
        web = subprocess.Popen(
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
                "--access-logfile",
                "-",
            ]
        )
        self.stdout.write(f"Nahrain at http://{options['bind']}/ (Ctrl+C stops)")
        try:
            web.wait()
        except KeyboardInterrupt:
            pass
        finally:
            for process in (web, worker):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in (web, worker):
                process.wait(timeout=30)
