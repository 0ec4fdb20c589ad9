"""``nahrain demo setup`` and ``nahrain demo generate``: reference data, the organisations of the
response with one user per persona, and a generated DTM history of Iraq."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from nahrain.core import selectors
from nahrain.core.demo import USERS, demo_accounts_create
from nahrain.core.management.commands.user import enrolment_url
from nahrain.core.progress import ProgressBar
from nahrain.displacement.generator import SCALES, RoundPlan, Scale, history_generate
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
        generate = sub.add_parser(
            "generate", help="Gazetteer, demo accounts and a generated DTM history of Iraq."
        )
        for command, scale in ((setup, "small"), (generate, "small")):
            command.add_argument(
                "--boundaries",
                type=Path,
                default=shared_dir() / "reference" / "iraq" / "cod-ab",
                help="Folder with Iraq COD-AB GeoJSON files (skipped when absent).",
            )
            command.add_argument(
                "--scale",
                choices=sorted(SCALES),
                default=scale,
                help="small: about 300 locations in the 12 rounds at the published dates; "
                "national: about 4,000 locations in each of 130 rounds (7 to 136).",
            )
            command.add_argument("--seed", type=int, default=1)
        generate.add_argument(
            "--no-boundaries", dest="boundaries", action="store_const", const=None
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Load the reference data and accounts, then generate the history (both actions;
        ``generate`` differs in taking ``--no-boundaries``, as a benchmark wants)."""
        started = time.perf_counter()
        result = geo_services.gazetteer_load()
        self.stdout.write(
            f"Gazetteer: {result.created} units created, {result.updated} updated, "
            f"{result.unchanged} unchanged."
        )
        folder: Path | None = options["boundaries"]
        for level, name in COD_AB_FILES:
            if folder is None:
                break
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
        self._history(SCALES[options["scale"]], options["seed"])
        self.stdout.write("\nDemo accounts (passwords are new on every run):")
        for demo in USERS:
            where = f"{demo.role} at {demo.organisation}" if demo.organisation else "platform admin"
            self.stdout.write(f"  {demo.username:<14} {passwords[demo.username]:<18} {where}")
        admins = [d for d in USERS if d.platform_admin]
        for demo in admins:
            if selectors.second_factor_device(user=User.objects.get(username=demo.username)):
                continue
            url = enrolment_url(User.objects.get(username=demo.username))
            self.stdout.write(
                f"{demo.username} sets up an authenticator app (TOTP) once, after signing in "
                f"with the password, at this one-time link:\n  {url}"
            )
        self.stdout.write(f"Done in {time.perf_counter() - started:.0f} s.")

    def _history(self, scale: Scale, seed: int) -> None:
        """Generate IOM's DTM history and publish it round by round; round 7 is the real 2014
        master list when ../shared has it."""
        from django.contrib.auth.models import User

        from nahrain.core.models import Organisation
        from nahrain.geo.models import LocationKind

        iom = Organisation.objects.get(acronym="IOM")
        actor = User.objects.get(username="layla.im")
        # IOM keeps Iraq's DTM master list: the other organisations reference its locations.
        geo_services.location_steward_set(actor=None, kind=LocationKind.DTM_PLACE, organisation=iom)
        shared = shared_dir()

        def progress(plan: RoundPlan, seconds: float) -> None:
            self.stdout.write(
                f"  round {plan.number} ({plan.reference_date:%Y-%m-%d}): "
                f"{plan.idps:,} IDPs, {plan.returnees:,} returnees, {seconds:.1f} s"
            )

        self.stdout.write(f"DTM history, {scale.name} scale, seed {seed}:")
        report = history_generate(
            actor=actor,
            organisation=iom,
            scale=scale,
            seed=seed,
            shared=shared if shared.exists() else None,
            progress=progress,
        )
        source = "the real 2014 master list as round 7, " if report.real_2014 else ""
        self.stdout.write(
            f"DTM history published: {len(report.rounds)} rounds ({source}"
            f"{report.locations} generated locations)"
            + (
                f"; rounds already present left alone: {len(report.skipped)}"
                if report.skipped
                else ""
            )
            + "."
        )
