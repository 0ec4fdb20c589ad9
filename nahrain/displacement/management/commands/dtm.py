"""``nahrain dtm``: import DTM master lists into rounds, check, publish and export them."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from nahrain.core.management.commands.org import organisation_named
from nahrain.core.models import Organisation
from nahrain.core.problems import ImportRejected
from nahrain.core.progress import ProgressBar
from nahrain.displacement import services
from nahrain.displacement.codelists import codelists_load
from nahrain.displacement.exports import FORMATS, LEVELS
from nahrain.displacement.models import AssessmentRound, Population
from nahrain.intake.cli import add_map_argument, alias_pair, refusal


class Command(BaseCommand):
    help = "DTM rounds: import master lists, validate, publish, export, delete drafts."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--organisation", default="IOM", help="Acronym (default: IOM).")
        parser.add_argument("--user", help="Username to record as the actor (optional).")
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Import a master list (CSV or XLSX) into a round.")
        imp.add_argument("file", type=Path)
        imp.add_argument("--round", type=int, required=True, dest="number")
        imp.add_argument(
            "--date",
            type=date.fromisoformat,
            required=True,
            help="Reference date of the round (YYYY-MM-DD).",
        )
        imp.add_argument("--population", choices=[p.value for p in Population])
        imp.add_argument("--dry-run", action="store_true", help="Check everything, write nothing.")
        imp.add_argument(
            "--change-warning",
            type=float,
            default=0.5,
            help="Warn when a location changed by more than this share (0.5).",
        )
        imp.add_argument(
            "--alias",
            action="append",
            default=[],
            type=alias_pair,
            metavar="NAME=PCODE",
            help="Read a spelling the gazetteer lacks as this unit (repeatable); recorded as an "
            "alias when the import commits.",
        )
        add_map_argument(
            imp,
            meanings="a field (households, place_id, ...), shelter:CODE, period:CODE or "
            "origin:GOVERNORATE",
        )
        exp = sub.add_parser("export", help="Export a round's figures.")
        exp.add_argument("--round", type=int, required=True, dest="number")
        exp.add_argument("--version", type=int, help="Round version (default: the latest).")
        exp.add_argument("--level", choices=list(LEVELS), default="adm1")
        exp.add_argument("--format", choices=list(FORMATS), default="csv")
        exp.add_argument("--output", type=Path, help="File to write (default: standard output).")
        for name, text in (
            ("validate", "Validate a round."),
            ("publish", "Publish a round."),
            ("correct", "Open a correction of a published round."),
            ("delete", "Delete a round never published (a draft or a correction)."),
        ):
            p = sub.add_parser(name, help=text)
            p.add_argument("--round", type=int, required=True, dest="number")
            if name == "publish":
                p.add_argument(
                    "--confirm-duplicate",
                    action="store_true",
                    help="Publish although another round has the same reference date or the "
                    "same national totals.",
                )
        sub.add_parser("rounds", help="List the rounds.")
        sub.add_parser("codelists", help="Reload the shelter and period code lists.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "codelists":
            self.stdout.write(f"{codelists_load()} code list items loaded.")
            return
        organisation = organisation_named(options["organisation"])
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"no user {options['user']!r}")
        try:
            getattr(self, f"_{action}")(organisation, actor, options)
        except ImportRejected as rejected:
            raise refusal(rejected, self.stderr.write) from None
        except (services.RoundLocked, services.RoundExists) as refused:
            raise CommandError(str(refused)) from None
        except services.PublishUnconfirmed as unconfirmed:
            for problem in unconfirmed.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                "not published: it may be a duplicate; check, then publish again with "
                "--confirm-duplicate"
            ) from None

    def _round(
        self, organisation: Organisation, number: int, version: int | None = None
    ) -> AssessmentRound:
        rounds = AssessmentRound.objects.filter(organisation=organisation, number=number)
        if version:
            rounds = rounds.filter(version=version)
        found = rounds.order_by("-version").first()
        if found is None:
            raise CommandError(f"no round {number} of {organisation.acronym}")
        return found

    def _import(self, organisation: Organisation, actor: User | None, options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        number = options["number"]
        existing = (
            AssessmentRound.objects.filter(organisation=organisation, number=number)
            .order_by("-version")
            .first()
        )
        if existing is not None and existing.reference_date != options["date"]:
            raise CommandError(
                f"round {number} exists with reference date {existing.reference_date}"
            )
        from django.db import transaction

        # The round goes with the import: a rejected file leaves no empty round behind, and a
        # dry run checks against a round it then takes back.
        with transaction.atomic():
            if existing is None:
                existing = services.round_create(
                    actor=actor,
                    organisation=organisation,
                    number=number,
                    reference_date=options["date"],
                )
            report = self._run_import(existing, actor, path, options)
            if options["dry_run"]:
                transaction.set_rollback(True)
        for problem in report.warnings:
            self.stderr.write(str(problem))
        self.stdout.write("Column mapping used:")
        for column in report.mapping:
            self.stdout.write(
                f"  {column['column']:>3} {column['header']!r} -> {column['mapped_to']}"
                + (f" ({column['unit']})" if column["unit"] else "")
            )
        prefix = "dry run, nothing written: " if report.dry_run else ""
        self.stdout.write(
            f"{prefix}{report.file} ({report.format}, {report.population}): "
            f"{report.locations} locations ({report.new_locations} new), "
            f"{report.households} households, {report.individuals} individuals, "
            f"{len(report.warnings)} warning(s)"
        )

    def _run_import(
        self, assessment_round: AssessmentRound, actor: User | None, path: Path, options: Any
    ) -> services.ImportReport:
        bar = ProgressBar(path.name, stream=sys.stderr)
        return services.round_import(
            actor=actor,
            assessment_round=assessment_round,
            data=path.read_bytes(),
            file=path.name,
            population=options["population"],
            dry_run=options["dry_run"],
            change_warning_share=options["change_warning"],
            progress=lambda stage, done, total: bar(done, total) if stage == "writing" else None,
            aliases=dict(options["alias"]),
            column_map=dict(options["column_map"]),
        )

    def _export(self, organisation: Organisation, actor: User | None, options: Any) -> None:
        assessment_round = self._round(organisation, options["number"], options["version"])
        data, name = services.round_export(
            actor=actor,
            assessment_round=assessment_round,
            level=options["level"],
            format=options["format"],
        )
        output: Path | None = options["output"]
        if output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            output.write_bytes(data)
            self.stderr.write(f"{output}: {len(data)} bytes ({name})")

    def _validate(self, organisation: Organisation, actor: User | None, options: Any) -> None:
        r = services.round_validate(
            actor=actor, assessment_round=self._round(organisation, options["number"])
        )
        self.stdout.write(f"{r}: validated")

    def _publish(self, organisation: Organisation, actor: User | None, options: Any) -> None:
        r = services.round_publish(
            actor=actor,
            assessment_round=self._round(organisation, options["number"]),
            confirm_duplicate=options["confirm_duplicate"],
        )
        self.stdout.write(f"{r}: published")

    def _delete(self, organisation: Organisation, actor: User | None, options: Any) -> None:
        r = self._round(organisation, options["number"])
        services.round_delete(actor=actor, assessment_round=r)
        self.stdout.write(f"{r}: deleted")

    def _correct(self, organisation: Organisation, actor: User | None, options: Any) -> None:
        r = services.round_correct(
            actor=actor, assessment_round=self._round(organisation, options["number"])
        )
        self.stdout.write(f"{r}: correction opened as a draft")

    def _rounds(self, organisation: Organisation, actor: User | None, options: Any) -> None:
        for r in AssessmentRound.objects.filter(organisation=organisation).order_by(
            "number", "version"
        ):
            self.stdout.write(
                f"{r.number}\tv{r.version}\t{r.reference_date}\t{r.status}\t"
                f"{','.join(r.populations)}\t{r.uid}"
            )
