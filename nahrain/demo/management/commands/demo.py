"""``nahrain demo setup`` and ``nahrain demo generate``: the generated Iraq response, loaded
slice by slice from the apps that contribute one (``nahrain.demo.slices``)."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from nahrain.demo import slices


class Command(BaseCommand):
    help = (
        "Load the generated Iraq response (reference data, organisations and users, DTM "
        "history); print the credentials."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        actions = {
            "setup": sub.add_parser(
                "setup", help="Gazetteer, boundaries if present, demo accounts."
            ),
            "generate": sub.add_parser(
                "generate", help="Gazetteer, demo accounts and a generated DTM history of Iraq."
            ),
        }
        for action, command in actions.items():
            for declared in slices.ordered(slices.installed()):
                declared.arguments(command, action)

    def handle(self, *args: Any, **options: Any) -> None:
        """Load every slice in order (both actions; ``generate`` differs in the options the
        slices give it, such as ``--no-boundaries`` for a benchmark), then print what the
        slices left for the end."""
        started = time.perf_counter()
        demo = slices.Demo(options=options, write=self.stdout.write)
        for declared in slices.ordered(slices.installed()):
            declared.load(demo)
        for line in demo.summary:
            self.stdout.write(line)
        self.stdout.write(f"Done in {time.perf_counter() - started:.0f} s.")
