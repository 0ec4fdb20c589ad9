"""``nahrain demo setup``: reference data, organisations and persona users for a demo."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from nahrain.core.demo import USERS, demo_accounts_create
from nahrain.core.progress import ProgressBar
from nahrain.geo import services as geo_services

COD_AB_FILES = [
    (0, "irq_admbnda_adm0_cso_itos_20190603.geojson"),
    (1, "irq_admbnda_adm1_cso_20190603.geojson"),
    (2, "irq_admbnda_adm2_cso_20190603.geojson"),
    (3, "irq_admbnda_adm3_cso_20190603.geojson"),
]


def shared_dir() -> Path:
    """The third-party data folder beside the checkout (``../shared``), if any."""
    return settings.PACKAGE_DIR.parent.parent / "shared"


class Command(BaseCommand):
    help = "Load Iraq reference data and demo organisations and users; print the credentials."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        setup = sub.add_parser("setup", help="Gazetteer, boundaries if present, demo accounts.")
        setup.add_argument(
            "--boundaries",
            type=Path,
            default=shared_dir() / "reference" / "iraq" / "cod-ab",
            help="Folder with Iraq COD-AB GeoJSON files (skipped when absent).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = geo_services.gazetteer_load()
        self.stdout.write(
            f"Gazetteer: {result.created} units created, {result.updated} updated, "
            f"{result.unchanged} unchanged."
        )
        folder: Path = options["boundaries"]
        for level, name in COD_AB_FILES:
            path = folder / name
            if not path.exists():
                self.stdout.write(f"Boundaries: {path} not found; maps use gazetteer points.")
                break
            imported = geo_services.boundaries_import(
                file=path, level=level, progress=ProgressBar(name)
            )
            self.stdout.write(
                f"Boundaries level {level}: {imported.created} created, "
                f"{imported.updated} updated, {imported.unchanged} unchanged."
            )
        passwords = demo_accounts_create()
        self.stdout.write("\nDemo accounts (passwords are new on every run):")
        for demo in USERS:
            where = f"{demo.role} at {demo.organisation}" if demo.organisation else "platform admin"
            self.stdout.write(f"  {demo.username:<14} {passwords[demo.username]:<18} {where}")
        self.stdout.write(
            "The platform admin sets up an authenticator app (TOTP) at first sign-in."
        )
