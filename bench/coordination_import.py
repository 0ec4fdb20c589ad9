"""Benchmark of the cluster 4W import (``coordination.4w``) against a raw COPY of the same rows.

    python bench/coordination_import.py [--database postgres|sqlite] [--rows 50000]
                                        [--partners 25] [--output bench/results/COORDINATION.json]

Method. As ``bench/registry_import.py``: a throw-away database (PostgreSQL
``nahrain_bench_coordination`` or ``$BENCH_POSTGRES_DATABASE``, created on the ``postgres``
database and dropped at the end; or a SQLite file) and data folder, migrated, with the gazetteer,
``--partners`` organisations and the 2018 reporting periods reopened (open to reports). A cluster
4W sheet of ``--rows`` rows is drawn, deterministic by seed, as clusters write them: each partner
works in two clusters (every indicator of their catalogue) and a dozen districts (so a district
has several partners), and reports each month, per district and indicator, one to four
population groups; a row names the partner (its acronym or its full name, alternately), the
activity and indicator by label, the district by its 2014 code (IQ-D002) or its 2019 p-code
(IQG01Q01) alternately, the month of 2018, the population group, the figure and, for people, its
breakdown by sex and age. Rows are distinct by (partner, month, indicator, district, population
group); the (partner, month, district, indicator) the rollup keeps are some 2.4 times fewer.
(Until then the bench drew every row's partner, indicator and district at random, so that
nearly every row was its own rollup row: no partner reported one indicator in one district for
two population groups.) Then, every
duration by ``time.perf_counter``:

b. raw: the rows the import would write, prepared (not timed) with their reports created (not
   timed), written by one COPY (PostgreSQL) or executemany (SQLite) into the report rows'
   table with its indexes and constraints, timed; the table emptied again;
a. import: the product's whole import of the file (read, map, resolve every partner, activity,
   place and month, check every rule, create the reports, write the rows, refresh the
   rollups), timed, with its stages.

Ratio = raw s / import s (1 would be an import as fast as a bare COPY of rows already made);
the target is 0.5 or more. The run fails unless both wrote the same number of rows.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "COORDINATION.json"
HEADER = [
    "Partner",
    "Cluster",
    "Activity",
    "Indicator",
    "District p-code",
    "Month",
    "Population group",
    "# individuals reached",
    "Girls",
    "Boys",
    "Women",
    "Men",
    "Elderly women",
    "Elderly men",
]
GROUPS = ("IDPs in camps", "IDPs out of camps", "Returnees", "Host communities")
YEAR = 2018


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--partners", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="a database to connect to for creating and dropping the benchmark's database",
    )
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--report", action="store_true", help="print the summary of --output")
    return parser.parse_args(argv)


def world(partners: int) -> tuple[Any, list[Any]]:
    """The gazetteer, the partners (IOM first) and 2018's periods, open."""
    from django.core.management import call_command
    from django.utils import timezone

    from bench import world as bench_world
    from nahrain.coordination import codelists
    from nahrain.coordination.models import ReportingPeriod
    from nahrain.geo import services as geo_services

    call_command("migrate", verbosity=0)
    geo_services.gazetteer_load()
    organisations = [bench_world.organisation("IOM", "International Organization for Migration")]
    for number in range(1, partners):
        organisations.append(
            bench_world.organisation(f"P{number:02d}", f"Partner Organisation {number:02d}")
        )
    ReportingPeriod.objects.bulk_create(
        ReportingPeriod(
            month=date(YEAR, month, 1),
            deadline=codelists.deadline(date(YEAR, month, 1)),
            reopened_at=timezone.now(),
        )
        for month in range(1, 13)
    )
    return organisations[0], organisations


def sheet(*, seed: int, rows: int, organisations: list[Any]) -> bytes:
    """The 4W sheet as CSV bytes: ``rows`` distinct rows."""
    from nahrain.coordination import codelists
    from nahrain.geo.models import AdminUnit, Alias, AliasKind

    rng = random.Random(seed)
    old_codes = dict(
        Alias.objects.filter(
            kind=AliasKind.CODE, unit__level=2, name__startswith="IQ-D"
        ).values_list("unit__pcode", "name")
    )
    districts = list(
        AdminUnit.objects.filter(level=2).order_by("pcode").values_list("pcode", flat=True)
    )
    indicators = [
        (cluster, activity, indicator)
        for cluster, activities in codelists.catalogue()["clusters"].items()
        for activity in activities
        for indicator in activity["indicators"]
    ]
    cells = ("f_0_17", "m_0_17", "f_18_59", "m_18_59", "f_60", "m_60")
    by_cluster: dict[str, list[tuple[str, Any, Any]]] = {}
    for cluster, activity, indicator in indicators:
        by_cluster.setdefault(cluster, []).append((cluster, activity, indicator))
    portfolios = [
        (
            organisation,
            [item for c in rng.sample(sorted(by_cluster), 2) for item in by_cluster[c]],
            rng.sample(districts, len(districts)),
        )
        for organisation in organisations
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    written, width, first = 0, 12, 0
    while written < rows:
        if first >= len(districts):
            raise ValueError(f"{rows} rows are more than the partners can report")
        # A dozen more districts for every partner, each month, indicator and district with
        # one to four population groups, in random order (a shorter sheet is a sample).
        combos = [
            (organisation, month, item, district)
            for organisation, items, order in portfolios
            for district in order[first : first + width]
            for item in items
            for month in range(12)
        ]
        rng.shuffle(combos)
        first += width
        for organisation, month, (cluster, activity, indicator), pcode in combos:
            for group in rng.sample(GROUPS, rng.choice((1, 2, 2, 3, 4))):
                if written == rows:
                    break
                written += 1
                code = old_codes.get(pcode, pcode) if written % 2 else pcode
                people = indicator["unit"] == "people"
                counts = [rng.randint(0, 60) for _ in cells]
                value = sum(counts) if people else rng.randint(1, 40)
                breakdown = [str(c) for c in counts] if people else [""] * len(cells)
                writer.writerow(
                    [
                        organisation.acronym if written % 3 else organisation.name,
                        cluster,
                        activity["label_en"],
                        indicator["label_en"],
                        code,
                        f"{YEAR}-{month + 1:02d}",
                        group,
                        value,
                        *breakdown,
                    ]
                )
    return out.getvalue().encode("utf-8")


def rows_empty() -> None:
    from django.db import connection

    from nahrain.coordination.models import FigureRollup, Report, ReportRow

    with connection.cursor() as cursor:
        for model in (ReportRow, FigureRollup, Report):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")


def raw_copy(rows: list[Any]) -> float:
    """The rows the import writes, by one COPY (reports created first, not timed)."""
    from django.db import transaction

    from nahrain.coordination import bulk, codelists
    from nahrain.coordination.models import Report, RowSource
    from nahrain.coordination.places import Tree

    pairs = {(r.organisation_id, codelists.first_day(r.month)) for r in rows}
    Report.objects.bulk_create(Report(organisation_id=o, month=m) for o, m in pairs)
    reports = {
        (o, m): pk for pk, o, m in Report.objects.values_list("pk", "organisation_id", "month")
    }
    tree = Tree({r.admin_unit_id for r in rows})
    prepared = [
        (
            reports[(r.organisation_id, r.month)],
            r.project_id,
            r.cluster,
            r.activity,
            r.indicator,
            r.admin_unit_id,
            tree.governorate(r.admin_unit_id),
            r.site_id,
            r.population_group,
            dict(r.cells),
            r.value,
            RowSource.IMPORTED,
            "",
            r.implementing_partner_id,
        )
        for r in rows
    ]
    from bench import world as bench_world

    bench_world.checkpoint()
    start = time.perf_counter()
    with transaction.atomic():
        bulk.write_rows(prepared)
    return time.perf_counter() - start


def bench(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from bench import run
    from bench import world as bench_world
    from nahrain.coordination import intake_specs
    from nahrain.coordination.models import FigureRollup, ReportRow
    from nahrain.displacement.bulk import collector_paused
    from nahrain.intake.spec import Intake

    iom, organisations = world(args.partners)
    result: dict[str, Any] = {
        "database": args.database,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {k: getattr(args, k) for k in ("rows", "partners", "seed")},
        "machine": run.machine(),
        "versions": run.database_versions(),
    }
    start = time.perf_counter()
    data = sheet(seed=args.seed, rows=args.rows, organisations=organisations)
    generate_s = time.perf_counter() - start

    def intake(progress: Any = None) -> Intake:
        made = Intake(actor=None, target=iom, data=data, file="4w.csv")
        if progress is not None:
            made.progress = progress
        return made

    # b. The raw write of the same rows, resolved by the spec beforehand.
    with collector_paused():
        read, _mapping, _at = intake_specs._read(intake())
    raw_s = raw_copy(read.rows)
    raw_rows = ReportRow.objects.count()
    rows_empty()
    bench_world.checkpoint()

    # a. The product's import of the file.
    stages: dict[str, float] = {}
    clock: dict[str, Any] = {"at": time.perf_counter(), "stage": "reading"}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        stages[clock["stage"]] = stages.get(clock["stage"], 0.0) + now - clock["at"]
        clock["at"], clock["stage"] = now, stage

    start = time.perf_counter()
    outcome = intake_specs.FOUR_W_SPEC.commit(intake(progress))
    import_s = time.perf_counter() - start
    progress("done", 1, 1)
    import_rows = ReportRow.objects.count()
    if import_rows != raw_rows or import_rows != args.rows:
        raise AssertionError(f"the import wrote {import_rows} rows, the raw copy {raw_rows}")
    run.say(f"import: {import_s:.2f}s, raw: {raw_s:.2f}s, {dict(outcome.summary)}")
    result["import"] = {
        "rows": import_rows,
        "rollups": FigureRollup.objects.count(),
        "file_mb": round(len(data) / 1e6, 1),
        "generate_s": generate_s,
        "import_s": import_s,
        "raw_s": raw_s,
        "import_rows_per_s": import_rows / import_s,
        "raw_rows_per_s": raw_rows / raw_s,
        "ratio": raw_s / import_s,
        "import_stages_s": stages,
    }
    return result


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| database | rows | import s | rows/s | raw COPY s | rows/s | ratio (raw s / import s) |",
        "| --- | --: | --: | --: | --: | --: | --: |",
    ]
    for name in ("postgres", "sqlite"):
        entry = results["databases"].get(name)
        if entry is None:
            continue
        e = entry["import"]
        lines.append(
            f"| {name} | {e['rows']:,} | {e['import_s']:.2f} | {e['import_rows_per_s']:,.0f} | "
            f"{e['raw_s']:.2f} | {e['raw_rows_per_s']:,.0f} | {e['ratio']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench import run

    return run.standalone(
        arguments(argv), database_name="nahrain_bench_coordination", bench=bench, markdown=markdown
    )


if __name__ == "__main__":
    sys.exit(main())
