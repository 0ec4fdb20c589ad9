"""Benchmark of the cluster dashboard (``selectors.dashboard``): people in need, targeted and
reached by governorate and month for one cluster, read from the rollup.

    python bench/coordination_dashboard.py [--database postgres|sqlite] [--rows 200000]
                                           [--partners 40] [--requests 300]
                                           [--output bench/results/COORDINATION_DASHBOARD.json]

Method. The world of ``bench/coordination_import.py`` (gazetteer, ``--partners`` organisations,
2018's periods open), the 2018 plan with people in need and targeted for every cluster and
governorate, and a year of 4W: ``--rows`` rows drawn as that benchmark draws them, imported
through the product's import (``coordination.4w``, which refreshes the rollup) in slices of
50,000. A cluster information manager of each cluster (``ClusterMember``) and IOM's information
manager (a partner: their own rows) then ask for the dashboard of every cluster in turn,
``--requests`` times in all, each timed by ``time.perf_counter`` (the selector's whole answer,
its queries included); the p50, p95 and largest are reported per reader. The target is a p95
of 150 ms or less.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "COORDINATION_DASHBOARD.json"
TARGET_MS = 150.0
SLICE = 50_000


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--partners", type=int, default=40)
    parser.add_argument("--requests", type=int, default=300)
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


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def plan_figures(plan: Any) -> None:
    """People in need and targeted per cluster and governorate (2018's orders of size)."""
    from nahrain.coordination import codelists
    from nahrain.coordination.models import FigureKind, PlanFigure
    from nahrain.geo.models import AdminUnit

    governorates = list(AdminUnit.objects.filter(level=1))
    figures = [
        PlanFigure(plan=plan, kind=FigureKind.IN_NEED, people=8_700_000),
        PlanFigure(plan=plan, kind=FigureKind.TARGETED, people=3_400_000),
    ]
    for number, cluster in enumerate(codelists.codes("clusters")):
        for index, governorate in enumerate(governorates):
            need = 20_000 + 7_919 * ((number + 3) * (index + 5) % 41)
            figures.append(
                PlanFigure(
                    plan=plan,
                    cluster=cluster,
                    governorate=governorate,
                    kind=FigureKind.IN_NEED,
                    people=need,
                )
            )
            figures.append(
                PlanFigure(
                    plan=plan,
                    cluster=cluster,
                    governorate=governorate,
                    kind=FigureKind.TARGETED,
                    people=need * 2 // 5,
                )
            )
    PlanFigure.objects.bulk_create(figures)


def bench(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from bench import coordination_import, run
    from bench import world as bench_world
    from nahrain.coordination import codelists, intake_specs, selectors
    from nahrain.coordination.models import (
        ClusterMember,
        ClusterRole,
        FigureRollup,
        ReportRow,
        ResponsePlan,
    )
    from nahrain.intake.spec import Intake

    iom, organisations = coordination_import.world(args.partners)
    plan = ResponsePlan.objects.create(
        year=coordination_import.YEAR,
        code="IRQ18",
        name="Iraq Humanitarian Response Plan 2018",
        requirements=Decimal("568700000"),
        source="OCHA Iraq HRP 2018",
    )
    plan_figures(plan)
    result: dict[str, Any] = {
        "database": args.database,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {k: getattr(args, k) for k in ("rows", "partners", "requests", "seed")},
        "machine": run.machine(),
        "versions": run.database_versions(),
    }
    # A year of 4W, by the product's import, in slices (a sheet's rows are distinct; the
    # slices are distinct partners' months, so that no slice replaces another's rows).
    start = time.perf_counter()
    written = 0
    slices = max(1, -(-args.rows // SLICE))
    for number in range(slices):
        size = min(SLICE, args.rows - written)
        share = organisations[number::slices]
        data = coordination_import.sheet(seed=args.seed + number, rows=size, organisations=share)
        intake_specs.FOUR_W_SPEC.commit(Intake(actor=None, target=iom, data=data, file="4w.csv"))
        written = ReportRow.objects.count()
    load_s = time.perf_counter() - start
    run.say(f"{written:,} rows, {FigureRollup.objects.count():,} rollups in {load_s:.0f}s")
    readers = {"iom_information_manager": bench_world.information_manager(iom, "bench_im")}
    for cluster in codelists.codes("clusters"):
        user = bench_world.information_manager(organisations[1], f"bench_{cluster}")
        ClusterMember.objects.create(
            user=user, cluster=cluster, role=ClusterRole.INFORMATION_MANAGER
        )
        readers[f"cluster_{cluster}"] = user
    bench_world.analyze()
    clusters = codelists.codes("clusters")
    timings: dict[str, list[float]] = {"cluster": [], "partner": []}
    for request in range(args.requests):
        cluster = clusters[request % len(clusters)]
        if request % 4 == 3:
            kind, user = "partner", readers["iom_information_manager"]
        else:
            kind, user = "cluster", readers[f"cluster_{cluster}"]
        start = time.perf_counter()
        answer = selectors.dashboard(user=user, plan=plan, cluster=cluster)
        timings[kind].append((time.perf_counter() - start) * 1000)
        if kind == "cluster" and not answer:
            raise AssertionError(f"an empty dashboard for {cluster}")
    measured = {
        kind: {
            "requests": len(values),
            "p50_ms": statistics.median(values),
            "p95_ms": percentile(values, 0.95),
            "max_ms": max(values),
        }
        for kind, values in timings.items()
        if values
    }
    run.say(f"dashboard: {measured}")
    result["dashboard"] = {
        "rows": written,
        "rollups": FigureRollup.objects.count(),
        "load_s": load_s,
        "readers": measured,
        "target_p95_ms": TARGET_MS,
    }
    return result


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| database | 4W rows | rollup rows | reader | requests | p50 ms | p95 ms | max ms |",
        "| --- | --: | --: | --- | --: | --: | --: | --: |",
    ]
    for name in ("postgres", "sqlite"):
        entry = results["databases"].get(name)
        if entry is None:
            continue
        e = entry["dashboard"]
        for reader, m in e["readers"].items():
            lines.append(
                f"| {name} | {e['rows']:,} | {e['rollups']:,} | {reader} | {m['requests']} | "
                f"{m['p50_ms']:.1f} | {m['p95_ms']:.1f} | {m['max_ms']:.1f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench import run

    return run.standalone(
        arguments(argv),
        database_name="nahrain_bench_coordination_dashboard",
        bench=bench,
        markdown=markdown,
    )


if __name__ == "__main__":
    sys.exit(main())
