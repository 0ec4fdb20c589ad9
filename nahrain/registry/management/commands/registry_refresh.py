"""``nahrain registry_refresh [--organisation ID]``: recount every place of the registry's
figures as of today. Run it daily: birthdays move people between age groups without any write
that would recount their place."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from nahrain.registry.rollups import registry_refresh


class Command(BaseCommand):
    help = "Recount the registry's figures of every place as of today (run daily)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--organisation", type=uuid.UUID, help="Only this organisation's figures (its id)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        places = registry_refresh(organisation_id=options["organisation"])
        self.stdout.write(f"{places} places recounted.")
