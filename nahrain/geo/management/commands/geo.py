"""``nahrain geo``: import boundaries, load the gazetteer, resolve names, look up points, name
the steward of a master list."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from nahrain.core.models import Organisation
from nahrain.core.problems import ImportRejected
from nahrain.core.progress import ProgressBar
from nahrain.geo import selectors, services
from nahrain.geo.models import LocationKind


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
        elif action == "steward":
            self._steward(options["kind"], options["organisation"])
        elif action == "lookup":
            found = selectors.admin_unit_at_point(lat=options["lat"], lon=options["lon"])
            if found is None:
                raise CommandError("No loaded boundary contains that point")
            for each in selectors.admin_unit_ancestors(found):
                self.stdout.write(f"{each.pcode}\tlevel {each.level}\t{each.name_en}")

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
