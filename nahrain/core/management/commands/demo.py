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
        self._dtm_2014()
        self.stdout.write("\nDemo accounts (passwords are new on every run):")
        for demo in USERS:
            where = f"{demo.role} at {demo.organisation}" if demo.organisation else "platform admin"
            self.stdout.write(f"  {demo.username:<14} {passwords[demo.username]:<18} {where}")
        self.stdout.write(
            "The platform admin sets up an authenticator app (TOTP) at first sign-in."
        )

    def _dtm_2014(self) -> None:
        """Publish the real 2014 DTM master list as IOM's round 7, when ../shared has it."""
        from datetime import date

        from django.contrib.auth.models import User

        from nahrain.core.models import Organisation
        from nahrain.displacement import services as dtm
        from nahrain.displacement.models import AssessmentRound

        path = shared_dir() / "data" / "dtm-iraq-2014" / "DTM_Dataset_26102014.csv"
        iom = Organisation.objects.get(acronym="IOM")
        if not path.exists() or AssessmentRound.objects.filter(organisation=iom, number=7).exists():
            return
        actor = User.objects.get(username="layla.im")
        assessment_round = dtm.round_create(
            actor=actor, organisation=iom, number=7, reference_date=date(2014, 10, 26)
        )
        report = dtm.round_import(
            actor=actor, assessment_round=assessment_round, data=path.read_bytes(), file=path.name
        )
        dtm.round_validate(actor=actor, assessment_round=assessment_round)
        dtm.round_publish(actor=actor, assessment_round=assessment_round)
        self.stdout.write(
            f"DTM round 7 (26 October 2014) published: {report.locations} locations, "
            f"{report.individuals} IDPs."
        )
