"""``nahrain feedback import FILE``: a hotline's call log into an organisation's feedback, as
the intake pipeline's ``feedback.hotline`` spec reads it (docs/FEEDBACK.md)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from nahrain.core.management.commands.org import organisation_named
from nahrain.core.problems import ImportRejected
from nahrain.feedback import access
from nahrain.feedback.intake_specs import HOTLINE_SPEC
from nahrain.intake.cli import add_map_argument, alias_pair, outcome_lines, refusal
from nahrain.intake.spec import Intake


class Command(BaseCommand):
    help = "Complaints and feedback: import a hotline's call log."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imported = sub.add_parser(
            "import",
            help="Import a hotline's call log (CSV or XLSX, English or Arabic headers) into an "
            "organisation's feedback, all or nothing; a case imported before (same case id) is "
            "left as it is.",
        )
        imported.add_argument("file", type=Path)
        imported.add_argument("--organisation", required=True, help="Acronym.")
        imported.add_argument(
            "--user",
            help="Username of the feedback officer recording it: closed cases are then "
            "recorded answered and closed, referred cases referred (without one, every case is "
            "recorded as received).",
        )
        imported.add_argument("--dry-run", action="store_true", help="Check, write nothing.")
        fields = ", ".join(field.name for field in HOTLINE_SPEC.fields)
        add_map_argument(imported, meanings=f"a field ({fields})")
        imported.add_argument(
            "--alias",
            action="append",
            default=[],
            type=alias_pair,
            metavar="NAME=PCODE",
            help="Read a place spelling as the unit of that p-code (repeatable).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        organisation = organisation_named(options["organisation"])
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"no user {options['user']!r}")
            if not access.records_feedback(actor, organisation):
                raise CommandError(
                    f"{actor.username} is not a feedback officer of {organisation.acronym}"
                )
        intake = Intake(
            actor=actor,
            target=organisation,
            data=path.read_bytes(),
            file=path.name,
            column_map=dict(options["column_map"]),
            aliases=dict(options["alias"]),
        )
        try:
            if options["dry_run"]:
                outcome = HOTLINE_SPEC.check(intake)
            else:
                outcome = HOTLINE_SPEC.commit(intake)
        except ImportRejected as rejected:
            raise refusal(rejected, self.stderr.write) from None
        for line in outcome_lines(outcome):
            self.stdout.write(line)
        if options["dry_run"]:
            self.stdout.write("dry run: nothing was written")
