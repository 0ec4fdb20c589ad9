"""``nahrain coordination``: import a cluster 4W sheet, teach a partner's spelling, export the
4W (CSV, XLSX or HXL-tagged CSV)."""

from __future__ import annotations

import sys
from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.http import Http404

from nahrain.coordination import exports, fourw_lookups, services
from nahrain.coordination.intake_specs import FOUR_W_SPEC
from nahrain.core.management.commands.org import organisation_named
from nahrain.core.problems import ImportRejected
from nahrain.intake.cli import add_map_argument, alias_pair, outcome_lines, refusal
from nahrain.intake.spec import Intake


def partner_pair(value: str) -> tuple[str, str]:
    """``--partner "SPELLING=ACRONYM"``."""
    spelling, sep, acronym = value.rpartition("=")
    if not sep or not spelling.strip() or not acronym.strip():
        raise ArgumentTypeError(f"{value!r} is not SPELLING=ACRONYM")
    return spelling.strip(), acronym.strip()


class Command(BaseCommand):
    help = "Coordination: import 4W sheets, map partners' names, export the 4W."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--user", help="Username to record as the actor (optional).")
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Import a cluster 4W sheet (CSV or XLSX).")
        imp.add_argument("file", type=Path)
        imp.add_argument(
            "--organisation",
            default="IOM",
            help="Acronym of the organisation importing (default: IOM); with --user, the "
            "sheet's rows must be its own or of a cluster the user coordinates.",
        )
        imp.add_argument("--dry-run", action="store_true", help="Check everything, write nothing.")
        imp.add_argument(
            "--partner",
            action="append",
            default=[],
            type=partner_pair,
            metavar="SPELLING=ACRONYM",
            help="Read an organisation's name as written in the sheet as this organisation "
            "(repeatable); recorded as a partner name when the import commits.",
        )
        imp.add_argument(
            "--alias",
            action="append",
            default=[],
            type=alias_pair,
            metavar="NAME=PCODE",
            help="Read a place's spelling the gazetteer lacks as this unit (repeatable).",
        )
        add_map_argument(imp, meanings="a 4W field (partner, activity, district_code, ...)")
        name = sub.add_parser(
            "partner-name", help="Map an organisation's name as partners write it, once."
        )
        name.add_argument("spelling")
        name.add_argument("acronym")
        exp = sub.add_parser(
            "export", help="Export the 4W rows the --user may read (required; audited)."
        )
        exp.add_argument("--format", choices=list(exports.FORMATS), default="csv")
        exp.add_argument("--plan", help="Plan code or year (default: the latest plan).")
        exp.add_argument("--cluster", help="One cluster's rows (its code, e.g. snfi).")
        exp.add_argument("--output", type=Path, help="File to write (default: standard output).")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"no user {options['user']!r}")
        try:
            getattr(self, f"_{options['action'].replace('-', '_')}")(actor, options)
        except ImportRejected as rejected:
            raise refusal(rejected, self.stderr.write) from None

    def _import(self, actor: User | None, options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        organisation = organisation_named(options["organisation"])
        if actor is not None:
            try:
                organisation = fourw_lookups.access_organisation_for_4w(actor, organisation.pk)
            except Http404:
                raise CommandError(
                    f"{actor.username} does not import 4W sheets for {organisation.acronym}"
                ) from None
        intake = Intake(
            actor=actor,
            target=organisation,
            data=path.read_bytes(),
            file=path.name,
            options={"partners": dict(options["partner"])},
            column_map=dict(options["column_map"]),
            aliases=dict(options["alias"]),
        )
        dry_run = options["dry_run"]
        with transaction.atomic():
            outcome = (FOUR_W_SPEC.check if dry_run else FOUR_W_SPEC.commit)(intake)
        self.stdout.write("Column mapping used:")
        for column in outcome.mapping:
            self.stdout.write(
                f"  {column['column']:>3} {column['header']!r} -> {column['mapped_to']}"
            )
        for line in outcome_lines(outcome):
            self.stdout.write(line)
        self.stdout.write(("dry run, nothing written: " if dry_run else "") + f"{path.name}")

    def _partner_name(self, actor: User | None, options: Any) -> None:
        organisation = organisation_named(options["acronym"])
        taught = services.partner_name_teach(
            actor=actor, spelling=options["spelling"], organisation=organisation
        )
        self.stdout.write(f"{taught.spelling!r} -> {organisation.acronym}")

    def _export(self, actor: User | None, options: Any) -> None:
        if actor is None:
            raise CommandError("say whose view to export with --user (the export is audited)")
        try:
            plan = exports.plan_named(options["plan"])
        except exports.NoPlan as missing:
            raise CommandError(str(missing)) from None
        data, name = exports.export(
            actor=actor, plan=plan, cluster=options["cluster"], format=options["format"]
        )
        output: Path | None = options["output"]
        if output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            output.write_bytes(data)
            self.stderr.write(f"{output}: {len(data)} bytes ({name})")
