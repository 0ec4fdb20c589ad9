"""``nahrain geo``: import boundaries, load the gazetteer, resolve names, look up points, name
the steward of a master list."""

from __future__ import annotations

import csv
import io
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from nahrain.core.management.commands.org import organisation_named
from nahrain.core.models import Organisation
from nahrain.core.problems import ImportRejected
from nahrain.core.progress import ProgressBar
from nahrain.geo import selectors, services
from nahrain.geo.intake_specs import ALIASES_SPEC
from nahrain.geo.models import AdminUnit, AliasKind, LocationKind, alias_key
from nahrain.intake.cli import add_map_argument, outcome_lines, refusal
from nahrain.intake.spec import Intake


class Command(BaseCommand):
    help = "Administrative boundaries, gazetteer, name resolution and point lookup."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        boundaries = sub.add_parser(
            "import-boundaries", help="Import one level of OCHA COD-AB boundaries (GeoJSON)."
        )
        boundaries.add_argument("file", type=Path)
        boundaries.add_argument("--level", type=int, required=True, choices=[0, 1, 2, 3])
        boundaries.add_argument("--source", default="", help="Source to record (default: file)")
        boundaries.add_argument("--dry-run", action="store_true", help="Check, write nothing.")
        gazetteer = sub.add_parser(
            "load-gazetteer",
            help="Load the built-in gazetteer of Iraq's governorates and districts.",
        )
        gazetteer.add_argument("--dry-run", action="store_true")
        resolve = sub.add_parser("resolve", help="Resolve a name or code to p-codes.")
        resolve.add_argument("name")
        resolve.add_argument("--level", type=int, choices=[0, 1, 2, 3])
        lookup = sub.add_parser("lookup", help="The deepest unit containing a point.")
        lookup.add_argument("lat", type=float)
        lookup.add_argument("lon", type=float)
        alias = sub.add_parser(
            "alias", help="Spellings taught to the system: add, list, remove, export."
        )
        verbs = alias.add_subparsers(dest="verb", required=True)
        add = verbs.add_parser("add", help="Record that NAME spells the unit PCODE.")
        add.add_argument("name")
        add.add_argument("pcode")
        add.add_argument("--user", help="Username to record as the one who taught it.")
        add.add_argument(
            "--organisation",
            help="Acronym: the alias reads that organisation's files only (default: everyone's).",
        )
        listing = verbs.add_parser("list", help="Aliases (tab-separated).")
        listing.add_argument("--learnt", action="store_true", help="Only those people taught.")
        remove = verbs.add_parser("remove", help="Forget a learnt alias.")
        remove.add_argument("name")
        remove.add_argument("pcode")
        remove.add_argument("--organisation", help="Acronym of the organisation that taught it.")
        imported = verbs.add_parser(
            "import",
            help="Teach the spellings of a file (columns: spelling, p-code; what export writes "
            "reads back) for one organisation's files, all or nothing.",
        )
        imported.add_argument("file", type=Path)
        imported.add_argument("--organisation", required=True, help="Acronym.")
        imported.add_argument("--user", help="Username to record as the one who taught them.")
        imported.add_argument("--dry-run", action="store_true", help="Check, write nothing.")
        add_map_argument(imported, meanings="a field (name, pcode, kind)")
        export = verbs.add_parser("export", help="Every alias as CSV.")
        export.add_argument("--output", type=Path, help="File to write (default: stdout).")
        steward = sub.add_parser(
            "steward",
            help="Name the organisation whose master list defines a kind of location "
            "(IOM for DTM locations in Iraq), or show the stewards.",
        )
        steward.add_argument("--kind", choices=LocationKind.values, default=LocationKind.DTM_PLACE)
        steward.add_argument("--organisation", help="Acronym of the steward; omit to show it.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "import-boundaries":
            self._import_boundaries(options)
        elif action == "load-gazetteer":
            result = services.gazetteer_load(dry_run=options["dry_run"])
            self._report("gazetteer", result, options["dry_run"])
        elif action == "resolve":
            units = selectors.admin_unit_candidates(options["name"], level=options["level"])
            if not units:
                raise CommandError(f"{options['name']!r} resolves to no unit")
            for unit in units:
                self.stdout.write(
                    f"{unit.pcode}\tlevel {unit.level}\t{unit.name_en}\t{unit.name_ar}"
                )
        elif action == "alias":
            self._alias(options)
        elif action == "steward":
            self._steward(options["kind"], options["organisation"])
        elif action == "lookup":
            found = selectors.admin_unit_at_point(lat=options["lat"], lon=options["lon"])
            if found is None:
                raise CommandError("No loaded boundary contains that point")
            for each in selectors.admin_unit_ancestors(found):
                self.stdout.write(f"{each.pcode}\tlevel {each.level}\t{each.name_en}")

    def _alias(self, options: dict[str, Any]) -> None:
        verb = options["verb"]
        if verb in ("add", "remove"):
            self._alias_change(verb, options)
            return
        if verb == "import":
            self._alias_import(options)
            return
        rows = selectors.alias_rows(learnt_only=verb == "list" and options["learnt"])
        if verb == "list":
            for row in rows:
                self.stdout.write("\t".join(row))
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(selectors.ALIAS_COLUMNS)
        writer.writerows(rows)
        if options["output"]:
            options["output"].write_text(buffer.getvalue(), encoding="utf-8")
        else:
            self.stdout.write(buffer.getvalue(), ending="")

    def _alias_import(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        intake = Intake(
            actor=_actor(options["user"]),
            target=organisation_named(options["organisation"]),
            data=path.read_bytes(),
            file=path.name,
            column_map=dict(options["column_map"]),
        )
        spec = ALIASES_SPEC
        try:
            outcome = spec.check(intake) if options["dry_run"] else spec.commit(intake)
        except ImportRejected as rejected:
            raise refusal(rejected, self.stderr.write) from None
        for line in outcome_lines(outcome):
            self.stdout.write(line)
        if options["dry_run"]:
            self.stdout.write("dry run: nothing was written")

    def _alias_change(self, verb: str, options: dict[str, Any]) -> None:
        unit = AdminUnit.objects.filter(pcode=options["pcode"].upper()).first()
        if unit is None:
            raise CommandError(f"no unit has the p-code {options['pcode']!r}")
        organisation = None
        if options["organisation"]:
            organisation = organisation_named(options["organisation"])
        if verb == "add":
            try:
                alias = services.alias_learn(
                    actor=_actor(options["user"]),
                    name=options["name"],
                    unit=unit,
                    file="nahrain geo alias add",
                    organisation=organisation,
                )
            except services.AliasRefused as refused:
                raise CommandError(str(refused)) from None
            self.stdout.write(f"{alias.name}\t{unit.pcode}\t{unit.name_en}")
        elif verb == "remove":
            found = unit.aliases.filter(
                key=alias_key(options["name"], AliasKind.NAME), organisation=organisation
            ).first()
            if found is None:
                raise CommandError(f"{options['name']!r} is not an alias of {unit.pcode}")
            try:
                services.alias_remove(actor=None, alias=found)
            except services.AliasRefused as refused:
                raise CommandError(str(refused)) from None
            self.stdout.write(f"removed {found.name!r} of {unit.pcode}")

    def _steward(self, kind: str, acronym: str | None) -> None:
        if acronym is not None:
            organisation = Organisation.objects.filter(acronym=acronym).first()
            if organisation is None:
                raise CommandError(f"No organisation has the acronym {acronym!r}")
            services.location_steward_set(actor=None, kind=kind, organisation=organisation)
        steward_id = selectors.location_steward_id(kind)
        name = Organisation.objects.get(pk=steward_id).acronym if steward_id else "none"
        self.stdout.write(f"{kind}	steward: {name}")

    def _import_boundaries(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        try:
            result = services.boundaries_import(
                file=path,
                level=options["level"],
                source=options["source"],
                dry_run=options["dry_run"],
                progress=ProgressBar(f"{path.name}"),
            )
        except ImportRejected as rejected:
            for problem in rejected.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{path.name}: rejected, nothing written") from None
        self._report(path.name, result, options["dry_run"])

    def _report(self, what: str, result: services.ImportResult, dry_run: bool) -> None:
        prefix = "dry run, nothing written: " if dry_run else ""
        self.stdout.write(
            f"{prefix}{what}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )


def _actor(username: str | None) -> User | None:
    """The user to record as the one who did it (none given: the operator, unnamed)."""
    if not username:
        return None
    actor = User.objects.filter(username=username).first()
    if actor is None:
        raise CommandError(f"no user {username!r}")
    return actor
