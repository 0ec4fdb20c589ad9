"""Benchmark of the health figures: the epidemic curve, completeness and timeliness, the
consultation dashboard and the DHIS2 export, for a surveillance officer reading every facility.

    python bench/health_figures.py [--database postgres|sqlite] [--facilities 500]
        [--weeks 104] [--repeat 20] [--output bench/results/HEALTH_FIGURES.json]

Method. As ``bench/sites_run.py``: a throw-away database (PostgreSQL ``nahrain_bench_health`` or
``$BENCH_POSTGRES_DATABASE``; or a SQLite file) and data folder, migrated, with the gazetteer.
One directorate; N facilities spread over Iraq's districts, added before the first week; for
each facility and week an EWARN report (one week in ten missing, one in eight late) with three
diseases counted (drawn by seed), and a monthly consultation report of 24 cells per month.
Rows are written with ``bulk_create`` (the figures read the tables, not the services). Then,
after ANALYZE, each figure over the default span (the 26 weeks ending with the newest, twelve
months of consultations): p50 and p95 over ``--repeat`` runs after two warm-ups, and the number
of queries of one run. Results go to the JSON file and a Markdown table is printed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "HEALTH_FIGURES.json"


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--facilities", type=int, default=500)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--repeat", type=int, default=20)
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


def say(message: str) -> None:
    print(f"[health figures] {message}", file=sys.stderr, flush=True)


def _samples(run: Callable[[], Any], repeat: int) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.api import percentile

    with CaptureQueriesContext(connection) as queries:
        run()
    samples = []
    for index in range(1 + repeat):
        start = time.perf_counter()
        run()
        if index >= 1:
            samples.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": statistics.median(samples),
        "p95_ms": percentile(samples, 0.95),
        "queries": len(queries),
    }


def _world(args: argparse.Namespace) -> tuple[Any, int, int]:
    """The facilities and their history; returns the reader and the rows written."""
    from django.utils import timezone

    from bench import world
    from nahrain.core import services as core_services
    from nahrain.core.models import OrganisationType, Role
    from nahrain.geo.models import AdminUnit
    from nahrain.health import codelists, weeks
    from nahrain.health.models import (
        ConsultationCount,
        ConsultationReport,
        EwarnCount,
        EwarnReport,
        Facility,
    )

    rng = random.Random(args.seed)
    ngo = world.organisation("NGO", "A health partner")
    doh = core_services.organisation_create(
        actor=None, name="Directorate of Health", acronym="DoH", type=OrganisationType.GOVERNMENT
    )
    officer = core_services.user_create(username="officer", password=world.PASSWORD, validate=False)
    core_services.membership_add(
        actor=None, user=officer, organisation=doh, role=Role.SURVEILLANCE_OFFICER
    )
    districts = list(AdminUnit.objects.filter(level=2))
    this_week = weeks.week_of(date.today())
    span = [weeks.shift(*this_week, by=-back) for back in range(args.weeks, 0, -1)]
    added = timezone.make_aware(datetime.combine(weeks.week_start(*span[0]), datetime.min.time()))
    facilities = Facility.objects.bulk_create(
        Facility(
            organisation=ngo,
            directorate=doh,
            code=f"F{number:05d}",
            name_en=f"Facility {number}",
            kind="phcc",
            district=districts[number % len(districts)],
        )
        for number in range(args.facilities)
    )
    Facility.objects.update(created_at=added)
    diseases = codelists.codes("diseases")
    now = timezone.now()
    reports = []
    for facility in facilities:
        for year, week in span:
            if rng.random() < 0.1:
                continue
            reports.append(
                EwarnReport(
                    facility=facility,
                    year=year,
                    week=week,
                    convention=codelists.week_convention(),
                    start=weeks.week_start(year, week),
                    submitted_at=now,
                    on_time=rng.random() >= 0.125,
                )
            )
    EwarnReport.objects.bulk_create(reports, batch_size=5000)
    counts = [
        EwarnCount(
            report=report,
            disease=disease,
            cases_under5=rng.randint(0, 20),
            cases_over5=rng.randint(0, 40),
            deaths_under5=0,
            deaths_over5=0,
        )
        for report in reports
        for disease in rng.sample(diseases, 3)
    ]
    EwarnCount.objects.bulk_create(counts, batch_size=5000)
    first = weeks.week_start(*span[0]).replace(day=1)
    months = []
    month = first
    while month <= date.today():
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    consultation_reports = ConsultationReport.objects.bulk_create(
        (
            ConsultationReport(
                facility=facility,
                period="month",
                start=month,
                end=(month + timedelta(days=32)).replace(day=1) - timedelta(days=1),
                submitted_at=now,
            )
            for facility in facilities
            for month in months
        ),
        batch_size=5000,
    )
    cells = [
        ConsultationCount(
            report=report,
            service=service,
            sex=sex,
            age_group=age,
            population_group="idp",
            count=rng.randint(1, 60),
        )
        for report in consultation_reports
        for service in ("general", "chronic", "antenatal")
        for sex in ("f", "m")
        for age in codelists.codes("age_groups")
    ]
    ConsultationCount.objects.bulk_create(cells, batch_size=5000)
    return officer, len(reports) + len(counts), len(consultation_reports) + len(cells)


def bench(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    from bench import run, world
    from nahrain.geo import services as geo_services
    from nahrain.health import exports, figures

    call_command("migrate", verbosity=0)
    geo_services.gazetteer_load()
    result: dict[str, Any] = {
        "database": args.database,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {k: getattr(args, k) for k in ("facilities", "weeks", "repeat", "seed")},
        "machine": run.machine(),
        "versions": run.database_versions(),
    }
    start = time.perf_counter()
    officer, ewarn_rows, consultation_rows = _world(args)
    result["world"] = {
        "seconds": round(time.perf_counter() - start, 1),
        "ewarn_rows": ewarn_rows,
        "consultation_rows": consultation_rows,
    }
    say(f"world written: {result['world']}")
    world.analyze()
    area, span = figures.Area(), figures.week_span()
    today = date.today()
    months = (date(today.year - 1, today.month, 1), today)
    measured = {
        "epicurve": lambda: figures.epicurve(user=officer, disease="awd", area=area, span=span),
        "completeness": lambda: figures.reporting(user=officer, area=area, span=span),
        "consultations": lambda: figures.consultation_board(
            user=officer, area=area, start=months[0], end=months[1]
        ),
        "ewarn_dhis2": lambda: exports.ewarn_dhis2(actor=officer, area=area, span=span),
    }
    result["figures"] = {}
    for name, call in measured.items():
        result["figures"][name] = _samples(call, args.repeat)
        say(f"{name}: {result['figures'][name]}")
    return result


def markdown(results: dict[str, Any]) -> str:
    lines = ["| database | figure | p50 ms | p95 ms | queries |", "| --- | --- | --- | --- | --- |"]
    for database, entry in results["databases"].items():
        for name, found in entry.get("figures", {}).items():
            lines.append(
                f"| {database} | {name} | {found['p50_ms']:.1f} | {found['p95_ms']:.1f} | "
                f"{found['queries']} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench import run

    return run.standalone(
        arguments(argv), database_name="nahrain_bench_health", bench=bench, markdown=markdown
    )


if __name__ == "__main__":
    sys.exit(main())
