"""``nahrain registry``: import a partner's beneficiary list into an organisation's registry;
de-duplicate the whole registry (``dedupe``) or an outside list without storing it
(``dedupe-file``)."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from nahrain.core.management.commands.org import organisation_named
from nahrain.core.problems import ImportRejected
from nahrain.intake.cli import add_map_argument, alias_pair, outcome_lines, refusal
from nahrain.intake.spec import Intake
from nahrain.registry import matching
from nahrain.registry.dedup.files import dedupe_file
from nahrain.registry.dedup.records import FIELDS
from nahrain.registry.intake_specs import BENEFICIARIES_SPEC, MEMBER_HELP


class Command(BaseCommand):
    help = "Household and individual registry: import a beneficiary list; de-duplicate."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imported = sub.add_parser(
            "import",
            help="Import a beneficiary list (CSV or XLSX; one row per person with a household "
            "key, or one row per household with numbered member columns; English or Arabic "
            "headers, or HXL) into an organisation's registry, all or nothing. Households "
            "already imported (same key) are left as they are.",
        )
        imported.add_argument("file", type=Path)
        imported.add_argument("--organisation", required=True, help="Acronym.")
        imported.add_argument("--user", help="Username to record as the one who imported it.")
        imported.add_argument("--dry-run", action="store_true", help="Check, write nothing.")
        imported.add_argument(
            "--registered-on",
            type=date.fromisoformat,
            help="Registration date (YYYY-MM-DD) where the file gives none (default: today).",
        )
        add_map_argument(imported, meanings=f"a field, or {MEMBER_HELP}")
        imported.add_argument(
            "--alias",
            action="append",
            default=[],
            type=alias_pair,
            metavar="NAME=PCODE",
            help="Read a place spelling as the unit of that p-code, and learn it (repeatable).",
        )
        deduped = sub.add_parser(
            "dedupe",
            help="De-duplicate the whole registry across organisations: learn the matcher's "
            "parameters from every active individual and the reviewers' decisions (the "
            "registration check weighs with them from then on), and keep every undecided pair "
            "in the review band as a possible duplicate to review.",
        )
        deduped.add_argument("--user", help="Username to record as the one who ran it.")

        listed = sub.add_parser(
            "dedupe-file",
            help="De-duplicate a list without storing it: INPUT (CSV or XLSX with the columns "
            + ",".join(FIELDS)
            + "; any may be empty but record_id) gives OUTPUT with record_id,cluster_id "
            "(records of one person share a cluster).",
        )
        listed.add_argument("input", type=Path)
        listed.add_argument("--output", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "dedupe":
            self._dedupe(_actor(options["user"]))
            return
        if options["action"] == "dedupe-file":
            self._dedupe_file(options["input"], options["output"])
            return
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        registered_on: date | None = options["registered_on"]
        intake = Intake(
            actor=_actor(options["user"]),
            target=organisation_named(options["organisation"]),
            data=path.read_bytes(),
            file=path.name,
            options={"registered_on": registered_on.isoformat()} if registered_on else {},
            column_map=dict(options["column_map"]),
            aliases=dict(options["alias"]),
        )
        spec = BENEFICIARIES_SPEC
        try:
            outcome = spec.check(intake) if options["dry_run"] else spec.commit(intake)
        except ImportRejected as rejected:
            raise refusal(rejected, self.stderr.write) from None
        for line in outcome_lines(outcome):
            self.stdout.write(line)
        if options["dry_run"]:
            self.stdout.write("dry run: nothing was written")

    def _dedupe_file(self, source: Path, output: Path) -> None:
        if not source.exists():
            raise CommandError(f"{source}: no such file")
        try:
            records, people, warnings = dedupe_file(source, output, progress=self.stderr.write)
        except ImportRejected as rejected:
            raise refusal(rejected, self.stderr.write) from None
        for warning in warnings:
            self.stderr.write(str(warning))
        self.stdout.write(f"{records} records, {people} people: {output}")

    def _dedupe(self, actor: User | None) -> None:
        run = matching.batch(actor=actor, progress=self.stderr.write)
        self.stdout.write(
            f"{run.records:,} individuals, {run.pairs:,} pairs compared, "
            f"{run.decisions:,} reviewers' decisions learnt from; model {run.model_id} stored; "
            f"{run.stored:,} possible duplicates stored or updated"
        )


def _actor(username: str | None) -> User | None:
    """The user to record as the one who did it (none given: the operator, unnamed)."""
    if not username:
        return None
    actor = User.objects.filter(username=username).first()
    if actor is None:
        raise CommandError(f"no user {username!r}")
    return actor
