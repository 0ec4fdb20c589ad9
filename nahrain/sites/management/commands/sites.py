"""``nahrain sites``: import a site master list, export the site table, reconcile the sites'
populations with a DTM round."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from nahrain.core.management.commands.org import organisation_named
from nahrain.core.problems import ImportRejected
from nahrain.displacement.models import AssessmentRound, RoundStatus
from nahrain.intake.cli import add_map_argument, alias_pair, outcome_lines, refusal
from nahrain.intake.spec import Intake
from nahrain.sites import selectors, services
from nahrain.sites.exports import FORMATS
from nahrain.sites.forms import SiteImportOptionsForm
from nahrain.sites.intake_specs import DATED_HELP, MASTER_LIST_SPEC
from nahrain.sites.models import PopulationSource, SiteType


class Command(BaseCommand):
    help = "Camp and site management: import a site master list, export, reconcile with DTM."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imported = sub.add_parser(
            "import",
            help="Import a site master list (CSV or XLSX, English or Arabic headers, or HXL) "
            "into an organisation's sites, all or nothing; a site already there (same code) "
            "is updated.",
        )
        imported.add_argument("file", type=Path)
        imported.add_argument("--organisation", required=True, help="Acronym.")
        imported.add_argument("--user", help="Username to record as the one who imported it.")
        imported.add_argument("--dry-run", action="store_true", help="Check, write nothing.")
        imported.add_argument(
            "--type", choices=SiteType.values, help="Site type where the file gives none."
        )
        imported.add_argument(
            "--population-date",
            help="Date (YYYY-MM-DD) of the population columns where the file gives none.",
        )
        imported.add_argument(
            "--population-source",
            choices=[v for v in PopulationSource.values if v != PopulationSource.MOVEMENTS],
            help="Where the population figures come from (default: CCCM estimate).",
        )
        add_map_argument(imported, meanings=f"a field, or a population at a date ({DATED_HELP})")
        imported.add_argument(
            "--alias",
            action="append",
            default=[],
            type=alias_pair,
            metavar="NAME=PCODE",
            help="Read a place spelling as the unit of that p-code, and learn it (repeatable).",
        )
        export = sub.add_parser("export", help="The site table as CSV, XLSX or HXL.")
        export.add_argument("--format", choices=FORMATS, default="csv")
        export.add_argument("--output", type=Path, help="File to write (default: stdout).")
        reconcile = sub.add_parser(
            "reconcile",
            help="Each site's population against a published DTM round's in-camp figure.",
        )
        reconcile.add_argument("--round", type=int, required=True, help="Round number.")
        reconcile.add_argument(
            "--organisation", required=True, help="Acronym of the round's organisation."
        )
        reconcile.add_argument("--format", choices=["text", "csv"], default="text")
        reconcile.add_argument("--output", type=Path, help="File to write (default: stdout).")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "import":
            self._import(options)
        elif action == "export":
            data, _name = services.site_export(actor=None, format=options["format"])
            self._out(data, options["output"])
        elif action == "reconcile":
            self._reconcile(options)

    def _out(self, data: bytes, output: Path | None) -> None:
        if output:
            output.write_bytes(data)
        else:
            self.stdout.write(data.decode("utf-8-sig"), ending="")

    def _import(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        form = SiteImportOptionsForm(
            {
                "type": options["type"] or "",
                "population_source": options["population_source"] or "",
                "population_date": options["population_date"] or "",
            }
        )
        if not form.is_valid():
            raise CommandError(
                "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
            )
        intake = Intake(
            actor=_actor(options["user"]),
            target=organisation_named(options["organisation"]),
            data=path.read_bytes(),
            file=path.name,
            options=form.cleaned_data,
            column_map=dict(options["column_map"]),
            aliases=dict(options["alias"]),
        )
        spec = MASTER_LIST_SPEC
        try:
            outcome = spec.check(intake) if options["dry_run"] else spec.commit(intake)
        except ImportRejected as rejected:
            raise refusal(rejected, self.stderr.write) from None
        for line in outcome_lines(outcome):
            self.stdout.write(line)
        if options["dry_run"]:
            self.stdout.write("dry run: nothing was written")

    def _reconcile(self, options: dict[str, Any]) -> None:
        organisation = organisation_named(options["organisation"])
        assessment_round = (
            AssessmentRound.objects.filter(
                organisation=organisation, number=options["round"], status=RoundStatus.PUBLISHED
            )
            .order_by("-version")
            .first()
        )
        if assessment_round is None:
            raise CommandError(f"{organisation} has published no round {options['round']}")
        report = selectors.reconciliation(user=None, assessment_round=assessment_round)
        rows = selectors.reconciliation_rows(report)
        if options["format"] == "csv":
            data, _name = services.reconciliation_export(actor=None, report=report)
            self._out(data, options["output"])
            return
        lines = [
            f"round {assessment_round.number} of {assessment_round.reference_date}: "
            f"{len(rows)} sites, {report.flagged} beyond the tolerance, "
            f"{len(report.unmatched)} DTM camp locations with no site"
        ]
        for row in rows:
            lines.append(
                "\t".join(
                    str("" if row[k] is None else row[k])
                    for k in (
                        "site_code",
                        "site_name",
                        "site_households",
                        "site_figure_date",
                        "dtm_households",
                        "difference_households",
                    )
                )
                + ("\tDIFFERS" if row["flagged"] else "")
            )
        self._out(("\n".join(lines) + "\n").encode("utf-8"), options["output"])


def _actor(username: str | None) -> User | None:
    """The user to record as the one who did it (none given: the operator, unnamed)."""
    if not username:
        return None
    actor = User.objects.filter(username=username).first()
    if actor is None:
        raise CommandError(f"no user {username!r}")
    return actor
