"""``nahrain sites_codelists``: reload the sectors, monitoring thresholds and movement reasons
after their data files changed (nahrain/sites/data/)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from nahrain.sites.codelists import codelists_load


class Command(BaseCommand):
    help = "Reload the sites code lists: sectors, monitoring indicators, movement reasons."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{codelists_load()} sectors, indicators and reasons loaded.")
