"""Benchmark of displacement tracking's heavy paths: imports, history, dashboard figures.

    python bench/run.py [--database sqlite|postgres|both] [--locations 4000] [--rounds 130]
                        [--repeat 30] [--output bench/results/RESULTS.json]

Method. Each database runs in its own process, against a throw-away database (SQLite: a file in
a temporary folder; PostgreSQL: ``nahrain_bench`` or ``$BENCH_POSTGRES_DATABASE``, created on
the ``postgres`` database and dropped at the end) with a temporary data folder. The process
migrates, loads the gazetteer, creates IOM and an information manager, and builds synthetic
national rounds of N locations (``bench/synthetic.py``: every location of every round with every
breakdown, deterministic by seed). Then, every duration by ``time.perf_counter`` in the same
process:

a. import of one national round: ``services.round_import`` of the CSV (read, parse, check,
   write facts, rebuild rollups, commit) against a raw write of the very same rows (COPY on
   PostgreSQL, executemany on SQLite; ``bench/loads.py``) into another fresh round. A first
   import creates the locations and is reported apart; then ``--import-repeat`` (3) pairs in
   alternating order, each a round with a previous round, median reported. Throughput is rows
   written (facts + breakdown rows) per second; ratio = import / baseline throughput.
b. history: the baseline writes ``--rounds`` rounds into empty tables, the tables are emptied,
   then the importer loads the same rounds one after another, so both start alike.
c. figures: on the imported history, each selector behind the dashboards against hand-written
   SQL and against the raw facts (``bench/figures.py``), p50 and p95 (and p99 in the JSON) over
   ``--repeat`` runs after two warm-ups; ratio = p95(selector) / p95(SQL). With
   ``--boundaries`` (the default when ../shared holds COD-AB), the boundaries are then imported
   and the selectors timed again.
d. memory: tracemalloc's peak over one import and one baseline write (run apart from the timed
   ones, as tracemalloc slows Python down), and the process's ru_maxrss after each stage.

Results go to the JSON file (entries of other databases already in it are kept) and a Markdown
summary is printed. ``--report`` prints the summary of an existing JSON file.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "RESULTS.json"
DEFAULT_BOUNDARIES = ROOT.parent / "shared" / "reference" / "iraq" / "cod-ab"
BOUNDARY_FILES = (
    "irq_admbnda_adm0_cso_itos_20190603.geojson",
    "irq_admbnda_adm1_cso_20190603.geojson",
    "irq_admbnda_adm2_cso_20190603.geojson",
    "irq_admbnda_adm3_cso_20190603.geojson",
)
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = os.environ.get("BENCH_POSTGRES_DATABASE", "nahrain_bench")
IMPORT_TARGET = 0.5  # import throughput at least half of the raw write's
SELECTOR_TARGET = 2.0  # selector p95 at most twice the hand-written SQL's

_started = time.perf_counter()


def say(message: str) -> None:
    elapsed = time.perf_counter() - _started
    print(f"[{datetime.now(UTC):%H:%M:%S}Z +{elapsed:5.0f}s] {message}", flush=True)


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def mark(result: dict[str, Any], stage: str) -> None:
    """The process's peak resident memory so far, and how many objects the collector tracks."""
    result["maxrss_mb"][stage] = maxrss_mb()
    result.setdefault("gc_objects", {})[stage] = len(gc.get_objects())


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--locations", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=130)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--import-repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", PG_ADMIN_URL),
        help="a database to connect to for creating and dropping nahrain_bench",
    )
    parser.add_argument(
        "--boundaries",
        type=Path,
        default=DEFAULT_BOUNDARIES if DEFAULT_BOUNDARIES.exists() else None,
        help="COD-AB folder to import after the figures, to time the selectors again",
    )
    parser.add_argument("--no-boundaries", dest="boundaries", action="store_const", const=None)
    parser.add_argument(
        "--profile", action="store_true", help="profile one import with cProfile (own run)"
    )
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--report", action="store_true", help="print the summary of --output")
    return parser.parse_args(argv)


# --- machine ---------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    import django

    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_kib = 0
    with open("/proc/meminfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("MemTotal:"):
                ram_kib = int(line.split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(ram_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
    }


def database_versions() -> dict[str, Any]:
    import sqlite3

    import psycopg
    from django.db import connection

    versions: dict[str, Any] = {"sqlite": sqlite3.sqlite_version, "psycopg": psycopg.__version__}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for name in ("server_version", "shared_buffers", "synchronous_commit", "work_mem"):
                cursor.execute(f"SHOW {name}")
                versions[f"postgresql_{name}"] = cursor.fetchone()[0]
    return versions


# --- the database ----------------------------------------------------------------------------


def postgres_create(admin_url: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{PG_DATABASE}"


def postgres_drop(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def environment(database: str, folder: Path, admin_url: str) -> None:
    """Point Django at the throw-away database and data folder (before django.setup())."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "nahrain.settings"
    os.environ["NAHRAIN_DATA_DIR"] = str(folder / "data")
    if database == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    else:
        os.environ["DATABASE_URL"] = postgres_create(admin_url)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


# --- the benchmark ---------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def bench_database(database: str, args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="nahrain-bench-"))
    environment(database, folder, args.postgres_url)
    try:
        return _bench(database, args)
    finally:
        from django.db import connections

        connections.close_all()
        if database == "postgres" and not args.keep_database:
            postgres_drop(args.postgres_url)
        if args.keep_database:
            say(f"kept {os.environ['DATABASE_URL']}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _bench(database: str, args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from bench import figures, loads, synthetic, world
    from nahrain.displacement import services
    from nahrain.displacement.models import AssessmentRound, RoundStatus
    from nahrain.geo import services as geo_services

    result: dict[str, Any] = {
        "database": database,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {
            "locations": args.locations,
            "rounds": args.rounds,
            "repeat": args.repeat,
            "import_repeat": args.import_repeat,
            "seed": args.seed,
        },
        "machine": machine(),
        "versions": database_versions(),
        "maxrss_mb": {},
    }
    say(f"{database}: {result['versions']}")
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    geo_services.gazetteer_load()
    iom = world.organisation("IOM", "International Organization for Migration")
    manager = world.information_manager(iom, "layla")
    bench_import = world.organisation("BIMP", "Benchmark: imports")
    bench_baseline = world.organisation("BBAS", "Benchmark: raw writes")
    bench_other = world.organisation("BMEM", "Benchmark: memory and profile")
    districts = world.districts()
    places = synthetic.places(seed=args.seed, count=args.locations, districts=districts)
    say(
        f"set up in {time.perf_counter() - start:.1f}s: migrated, gazetteer "
        f"({len(districts)} districts), {len(places)} places"
    )
    mark(result, "setup")
    analysed: list[str] = []
    emulate = world.autovacuum_off()
    if emulate:
        say("autovacuum is off on this server: its ANALYZE is emulated between loads")

    def between_loads() -> None:
        analysed.extend(world.autoanalyze())

    layouts: dict[int, synthetic.Layout] = {}

    def data_for(number: int) -> synthetic.RoundData:
        if number not in layouts:
            layouts[number] = world.layout_for(number)
        return synthetic.round_data(seed=args.seed, layout=layouts[number], places=places)

    def new_round(organisation: Any, number: int) -> Any:
        return services.round_create(
            actor=manager if organisation == iom else None,
            organisation=organisation,
            number=number,
            reference_date=synthetic.reference_date(number),
        )

    # a. one national round ---------------------------------------------------------------
    first = data_for(118)
    say(
        f"import: round of {len(first.locations)} locations, "
        f"{first.breakdown_count()} breakdown rows"
    )
    timing = loads.timed_import(
        actor=manager,
        assessment_round=new_round(bench_import, 118),
        data=synthetic.csv_bytes(first),
        file="round-118.csv",
    )
    between_loads()
    say(f"  first import (creates the locations): {timing.seconds:.2f}s, {timing.rows} rows")
    keys = loads.place_keys()
    runs: list[dict[str, Any]] = []
    for rep in range(args.import_repeat):
        number = 119 + rep
        data = data_for(number)
        payload = synthetic.csv_bytes(data)
        run: dict[str, Any] = {"round": number}

        def import_once(number: int = number, payload: bytes = payload) -> Any:
            between_loads()
            world.checkpoint()
            target = new_round(bench_import, number)
            timing = loads.timed_import(
                actor=manager, assessment_round=target, data=payload, file=f"round-{number}.csv"
            )
            return target, timing

        def baseline_once(number: int = number, data: Any = data) -> Any:
            target = new_round(bench_baseline, number)
            rows = loads.baseline_rows(data, round_id=target.pk, keys=keys)
            between_loads()
            world.checkpoint()
            return target, loads.baseline_write(rows)

        if rep % 2 == 0:
            imported, import_timing = import_once()
            baseline, baseline_timing = baseline_once()
        else:
            baseline, baseline_timing = baseline_once()
            imported, import_timing = import_once()
        if not loads.same_rows(imported.pk, baseline.pk):
            raise AssertionError(f"round {number}: the baseline did not write the same rows")
        run.update(
            rows=import_timing.rows,
            import_s=import_timing.seconds,
            baseline_s=baseline_timing.seconds,
            stages=import_timing.stages,
            queries=import_timing.queries,
            query_s=import_timing.query_s,
            warnings=import_timing.warnings,
            import_collector_s=import_timing.collector_s,
            baseline_collector_s=baseline_timing.collector_s,
        )
        runs.append(run)
        say(
            f"  rep {rep + 1}: import {import_timing.seconds:.2f}s "
            f"(garbage collector {import_timing.collector_s:.2f}s), "
            f"baseline {baseline_timing.seconds:.2f}s "
            f"(garbage collector {baseline_timing.collector_s:.2f}s) "
            f"({import_timing.rows} rows, same rows: yes)"
        )
    rows = runs[0]["rows"]
    import_s = median([r["import_s"] for r in runs])
    baseline_s = median([r["baseline_s"] for r in runs])
    result["import"] = {
        "locations": len(first.locations),
        "rows": rows,
        "first_import_s": timing.seconds,
        "first_import_stages": timing.stages,
        "runs": runs,
        "import_s": import_s,
        "baseline_s": baseline_s,
        "import_rows_per_s": rows / import_s,
        "baseline_rows_per_s": rows / baseline_s,
        "ratio": baseline_s / import_s,
        "import_collector_s": median([r["import_collector_s"] for r in runs]),
        "baseline_collector_s": median([r["baseline_collector_s"] for r in runs]),
        "stages": {
            stage: median([r["stages"].get(stage, 0.0) for r in runs])
            for stage in runs[0]["stages"]
        },
        "stage_queries": runs[0]["queries"],
        "stage_query_s": {
            stage: median([r["query_s"].get(stage, 0.0) for r in runs])
            for stage in runs[0]["query_s"]
        },
    }
    mark(result, "import")

    # d. memory of one import and one raw write (untimed runs) -----------------------------
    data = data_for(119)
    payload = synthetic.csv_bytes(data)
    target = new_round(bench_other, 119)
    tracemalloc.start()
    loads.timed_import(actor=manager, assessment_round=target, data=payload, file="m.csv")
    import_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    target = new_round(bench_other, 120)
    tracemalloc.start()
    loads.baseline_write(loads.baseline_rows(data, round_id=target.pk, keys=keys))
    baseline_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    result["memory"] = {
        "import_peak_mb": import_peak / 1024 / 1024,
        "baseline_peak_mb": baseline_peak / 1024 / 1024,
        "csv_mb": len(payload) / 1024 / 1024,
    }
    say(
        f"  tracemalloc peak: import {import_peak / 1e6:.0f} MB, "
        f"raw write {baseline_peak / 1e6:.0f} MB (CSV {len(payload) / 1e6:.1f} MB)"
    )
    if args.profile:
        result["profile"] = profile_import(
            database, args, lambda: new_round(bench_other, 121), manager, data_for(121)
        )
    world.facts_clear([bench_import, bench_baseline, bench_other])

    # b. history -----------------------------------------------------------------------------
    numbers = synthetic.round_numbers(args.rounds)
    say(f"history: raw write of {len(numbers)} rounds ({numbers[0]}-{numbers[-1]})")
    baseline_total, baseline_rows, baseline_per_round = 0.0, 0, []
    world.checkpoint()
    for index, number in enumerate(numbers, start=1):
        data = data_for(number)
        target = new_round(bench_baseline, number)
        written = loads.baseline_write(loads.baseline_rows(data, round_id=target.pk, keys=keys))
        baseline_total += written.seconds
        baseline_rows += written.rows
        baseline_per_round.append(written.seconds)
        between_loads()
        if index % 10 == 0 or index == len(numbers):
            say(f"  raw write {index}/{len(numbers)}: {baseline_total:.1f}s so far")
    mark(result, "history_raw_write")
    world.facts_clear([bench_baseline])
    mark(result, "history_cleared")
    say(f"history: import of {len(numbers)} rounds")
    import_total, import_rows, per_round, warnings = 0.0, 0, [], 0
    history_stages: dict[str, float] = {}
    per_round_stages: list[dict[str, float]] = []
    per_round_query_s: list[dict[str, float]] = []
    world.checkpoint()
    wall = time.perf_counter()
    rounds = []
    for index, number in enumerate(numbers, start=1):
        data = data_for(number)
        payload = synthetic.csv_bytes(data)
        target = new_round(iom, number)
        rounds.append(target)
        timing = loads.timed_import(
            actor=manager, assessment_round=target, data=payload, file=f"round-{number}.csv"
        )
        import_total += timing.seconds
        import_rows += timing.rows
        warnings += timing.warnings
        per_round.append(timing.seconds)
        per_round_stages.append(timing.stages)
        per_round_query_s.append(timing.query_s)
        between_loads()
        for stage, seconds in timing.stages.items():
            history_stages[stage] = history_stages.get(stage, 0.0) + seconds
        if index % 10 == 0 or index == len(numbers):
            say(
                f"  import {index}/{len(numbers)}: last {timing.seconds:.2f}s, "
                f"{import_total:.0f}s so far (wall {time.perf_counter() - wall:.0f}s)"
            )
    if import_rows != baseline_rows:
        raise AssertionError(f"history: imported {import_rows} rows, raw write {baseline_rows}")
    result["history"] = {
        "rounds": len(numbers),
        "first_round": numbers[0],
        "last_round": numbers[-1],
        "rows": import_rows,
        "import_s": import_total,
        "baseline_s": baseline_total,
        "import_rows_per_s": import_rows / import_total,
        "baseline_rows_per_s": baseline_rows / baseline_total,
        "ratio": baseline_total / import_total,
        "round_first_s": per_round[0],
        "round_median_s": median(per_round),
        "round_last_s": per_round[-1],
        "round_max_s": max(per_round),
        "per_round_s": per_round,
        "baseline_per_round_s": baseline_per_round,
        "per_round_stages_s": per_round_stages,
        "per_round_query_s": per_round_query_s,
        "stages_s": history_stages,
        "warnings": warnings,
        "wall_s": time.perf_counter() - wall,
    }
    mark(result, "history")
    result["autoanalyze"] = {
        "emulated": emulate,
        "analyses": len(analysed),
        "tables": {t: analysed.count(t) for t in sorted(set(analysed))},
    }

    # c. figures -----------------------------------------------------------------------------
    # The dashboards read a published history: the series shows published rounds only.
    AssessmentRound.objects.filter(pk__in=[r.pk for r in rounds]).update(
        status=RoundStatus.PUBLISHED, published_at=timezone.now()
    )
    world.analyze()
    latest, previous = rounds[-1], rounds[-2] if len(rounds) > 1 else rounds[-1]
    district = figures.biggest_district(latest)
    queries = figures.queries(latest=latest, previous=previous, user=manager, district=district)
    say(f"figures: {len(queries)} queries on round {latest.number}, {args.repeat} runs each")
    result["figures"] = []
    for query in queries:
        figures.check(query)
        measured = figures.measure(query, repeat=args.repeat)
        result["figures"].append(measured)
        say(
            f"  {query.name}: selector p95 {measured['selector_p95_ms']:.2f} ms, "
            f"SQL p95 {measured['sql_p95_ms']:.2f} ms, ratio {measured['ratio_p95']:.2f}"
        )
    mark(result, "figures")
    if args.boundaries is not None:
        result["figures_with_boundaries"] = figures_with_boundaries(
            args.boundaries, queries, args.repeat
        )
        mark(result, "boundaries")
        # One more round imported with boundaries loaded: the coordinate check then runs.
        number = numbers[-1] + 1
        timing = loads.timed_import(
            actor=manager,
            assessment_round=new_round(iom, number),
            data=synthetic.csv_bytes(data_for(number)),
            file=f"round-{number}.csv",
        )
        result["import_with_boundaries"] = {
            "round": number,
            "import_s": timing.seconds,
            "rows": timing.rows,
            "stages": timing.stages,
            "queries": timing.queries,
            "query_s": timing.query_s,
            "warnings": timing.warnings,
        }
        say(f"import of round {number} with boundaries loaded: {timing.seconds:.2f}s")
    return result


def figures_with_boundaries(folder: Path, queries: list[Any], repeat: int) -> list[Any]:
    """Import COD-AB boundaries (geometry on every unit), then time the selectors again."""
    from bench import figures
    from nahrain.geo import services as geo_services

    start = time.perf_counter()
    for level, name in enumerate(BOUNDARY_FILES):
        geo_services.boundaries_import(file=folder / name, level=level)
    say(f"boundaries: COD-AB levels 0-3 imported in {time.perf_counter() - start:.1f}s")
    measured = []
    for query in queries:
        figures.check(query)
        result = figures.measure(query, repeat=repeat, facts=False)
        measured.append(result)
        say(
            f"  {query.name}: selector p95 {result['selector_p95_ms']:.2f} ms, "
            f"SQL p95 {result['sql_p95_ms']:.2f} ms, ratio {result['ratio_p95']:.2f}"
        )
    return measured


def profile_import(
    database: str,
    args: argparse.Namespace,
    make_round: Callable[[], Any],
    manager: Any,
    data: Any,
) -> dict[str, Any]:
    """One import under cProfile (slower than unprofiled): where its time goes."""
    from bench import loads, synthetic

    payload = synthetic.csv_bytes(data)
    target = make_round()
    profiler = cProfile.Profile()
    profiler.enable()
    loads.timed_import(actor=manager, assessment_round=target, data=payload, file="p.csv")
    profiler.disable()
    path = args.output.parent / f"import-{database}.prof"
    path.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(path)
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    top: dict[str, list[dict[str, Any]]] = {}
    for key in ("tottime", "cumulative"):
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer).sort_stats(key)
        rows = []
        for func in stats.fcn_list[:25]:  # type: ignore[attr-defined]
            calls, _, tottime, cumtime, _ = stats.stats[func]  # type: ignore[attr-defined]
            file, line, name = func
            where = f"{Path(file).name}:{line}({name})" if line else name
            rows.append({"function": where, "calls": calls, "tottime": tottime, "cum": cumtime})
        top[key] = rows
    say(f"profile: {total:.2f}s under cProfile, written to {path}")
    for row in top["tottime"][:12]:
        say(f"  {row['tottime']:6.2f}s own {row['cum']:6.2f}s cum  {row['function']}")
    return {"total_s": total, "file": str(path), **top}


# --- the report ------------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def markdown(results: dict[str, Any]) -> str:
    """The summary tables of every database in the results."""
    entries = [results["databases"][d] for d in ("sqlite", "postgres") if d in results["databases"]]
    if not entries:
        return "(no results)"
    lines: list[str] = []
    lines += [
        "| database | rounds | locations | rows/round (mean) | import s | import rows/s | "
        "raw write s | raw write rows/s | ratio | target ≥ 0.5 |",
        "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --- |",
    ]
    for e in entries:
        i = e["import"]
        lines.append(
            f"| {e['database']} | 1 (median of {len(i['runs'])}) | {i['locations']:,} | "
            f"{i['rows']:,} | {i['import_s']:.2f} | {i['import_rows_per_s']:,.0f} | "
            f"{i['baseline_s']:.2f} | {i['baseline_rows_per_s']:,.0f} | {i['ratio']:.2f} | "
            f"{_verdict(i['ratio'] >= IMPORT_TARGET)} |"
        )
        h = e["history"]
        lines.append(
            f"| {e['database']} | {h['rounds']} (history) | {i['locations']:,} | "
            f"{h['rows'] // h['rounds']:,} | {h['import_s']:.1f} | {h['import_rows_per_s']:,.0f} | "
            f"{h['baseline_s']:.1f} | {h['baseline_rows_per_s']:,.0f} | {h['ratio']:.2f} | "
            f"{_verdict(h['ratio'] >= IMPORT_TARGET)} |"
        )
    lines += [
        "",
        "Where the import's time goes (median of the single-round runs; seconds, and in "
        "brackets the SQL statements run through Django's cursor and their seconds; the "
        "facts, breakdowns and rollups written through the driver (COPY on PostgreSQL, "
        "executemany on SQLite) and the commit are not among them):",
        "",
    ]
    stages = ["reading", "checking", "locations", "writing", "figures"]
    lines += [
        "| database | " + " | ".join(stages) + " | total | raw write |",
        "| --- | " + " | ".join("--:" for _ in stages) + " | --: | --: |",
    ]
    for e in entries:
        i = e["import"]
        cells = [
            f"{i['stages'].get(stage, 0.0):.2f} ({i['stage_queries'].get(stage, 0)}: "
            f"{i['stage_query_s'].get(stage, 0.0):.2f})"
            for stage in stages
        ]
        lines.append(
            f"| {e['database']} | "
            + " | ".join(cells)
            + f" | {i['import_s']:.2f} | {i['baseline_s']:.2f} |"
        )
    lines += [
        "",
        "| database | history rounds | import: first round s | median s | last round s | "
        "slowest s | raw write: first s | median s | last s | import series wall s |",
        "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
    ]
    for e in entries:
        h = e["history"]
        raw = h.get("baseline_per_round_s") or [0.0]
        lines.append(
            f"| {e['database']} | {h['rounds']} | {h['round_first_s']:.2f} | "
            f"{h['round_median_s']:.2f} | {h['round_last_s']:.2f} | {h['round_max_s']:.2f} | "
            f"{raw[0]:.2f} | {median(raw):.2f} | {raw[-1]:.2f} | "
            f"{h.get('wall_s', h['import_s']):.0f} |"
        )
    with_boundaries = [e for e in entries if e.get("import_with_boundaries")]
    if with_boundaries:
        lines += [
            "",
            "One more round imported after the COD-AB boundaries were loaded (seconds):",
            "",
            "| database | " + " | ".join(stages) + " | total |",
            "| --- | " + " | ".join("--:" for _ in stages) + " | --: |",
        ]
        for e in with_boundaries:
            b = e["import_with_boundaries"]
            lines.append(
                f"| {e['database']} | "
                + " | ".join(f"{b['stages'].get(stage, 0.0):.2f}" for stage in stages)
                + f" | {b['import_s']:.2f} |"
            )
    for e in entries:
        lines += [
            "",
            f"Figures on {e['database']} ({e['parameters']['repeat']} runs, ms):",
            "",
            "| query | rows | selector p50 | selector p95 | SQL p50 | SQL p95 | ratio p95 | "
            "target ≤ 2 | facts p50 | facts p95 |",
            "| --- | --: | --: | --: | --: | --: | --: | --- | --: | --: |",
        ]
        for f in e["figures"]:
            facts = (
                f"{f['facts_p50_ms']:.1f} | {f['facts_p95_ms']:.1f}"
                if "facts_p50_ms" in f
                else "n/a | n/a"
            )
            lines.append(
                f"| {f['name']} | {f['rows']:,} | {f['selector_p50_ms']:.2f} | "
                f"{f['selector_p95_ms']:.2f} | {f['sql_p50_ms']:.2f} | {f['sql_p95_ms']:.2f} | "
                f"{f['ratio_p95']:.2f} | {_verdict(f['ratio_p95'] <= SELECTOR_TARGET)} | {facts} |"
            )
        if e.get("figures_with_boundaries"):
            lines += [
                "",
                f"Figures on {e['database']} after importing COD-AB boundaries (ms):",
                "",
                "| query | selector p50 | selector p95 | SQL p95 | ratio p95 | target ≤ 2 |",
                "| --- | --: | --: | --: | --: | --- |",
            ]
            for f in e["figures_with_boundaries"]:
                lines.append(
                    f"| {f['name']} | {f['selector_p50_ms']:.2f} | {f['selector_p95_ms']:.2f} | "
                    f"{f['sql_p95_ms']:.2f} | {f['ratio_p95']:.2f} | "
                    f"{_verdict(f['ratio_p95'] <= SELECTOR_TARGET)} |"
                )
    lines += [
        "",
        "| database | import tracemalloc peak MB | raw write peak MB | CSV MB | "
        "ru_maxrss MB (end) |",
        "| --- | --: | --: | --: | --: |",
    ]
    for e in entries:
        m = e["memory"]
        lines.append(
            f"| {e['database']} | {m['import_peak_mb']:.0f} | {m['baseline_peak_mb']:.0f} | "
            f"{m['csv_mb']:.1f} | {max(e['maxrss_mb'].values()):.0f} |"
        )
    return "\n".join(lines)


def save(output: Path, entry: dict[str, Any]) -> dict[str, Any]:
    """Write one database's entry into the results file, keeping the other databases'."""
    results: dict[str, Any] = {"databases": {}}
    if output.exists():
        results = json.loads(output.read_text(encoding="utf-8"))
    results["databases"][entry["database"]] = entry
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    return results


def standalone(
    args: argparse.Namespace,
    *,
    database_name: str,
    bench: Callable[[argparse.Namespace], dict[str, Any]],
    markdown: Callable[[dict[str, Any]], str],
) -> int:
    """The main of a benchmark run on its own (the sites and registry benchmarks): its report
    from the results file (``--report``), or a fresh database of the kind asked, the benchmark,
    its entry saved beside the other databases' and its table printed."""
    args.output = args.output.resolve()
    if args.report:
        print(markdown(json.loads(args.output.read_text(encoding="utf-8"))))
        return 0
    os.environ.setdefault("BENCH_POSTGRES_DATABASE", database_name)
    folder = Path(tempfile.mkdtemp(prefix=f"{database_name.replace('_', '-')}-"))
    environment(args.database, folder, args.postgres_url)
    try:
        entry = bench(args)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep_database:
            say(f"kept {os.environ['DATABASE_URL']}")
        else:
            if args.database == "postgres":
                postgres_drop(args.postgres_url)
            shutil.rmtree(folder, ignore_errors=True)
    results = save(args.output, entry)
    say(f"results written to {args.output}")
    print(markdown({"databases": {args.database: results["databases"][args.database]}}))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    args.output = args.output.resolve()
    if args.report:
        print(markdown(json.loads(args.output.read_text(encoding="utf-8"))))
        return 0
    if args.database == "both":
        for database in ("sqlite", "postgres"):
            command = [sys.executable, str(Path(__file__).resolve())]
            command += [a for a in (argv if argv is not None else sys.argv[1:])]
            command += ["--database", database]
            say(f"running {database} in its own process")
            done = subprocess.run(command, check=False)
            if done.returncode:
                return done.returncode
        print(markdown(json.loads(args.output.read_text(encoding="utf-8"))))
        return 0
    entry = bench_database(args.database, args)
    entry["maxrss_mb"]["end"] = maxrss_mb()
    results = save(args.output, entry)
    say(f"results written to {args.output}")
    print(markdown({"databases": {args.database: results["databases"][args.database]}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
