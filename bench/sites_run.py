"""Benchmark of camp and site management (CCCM): loading a national sites world, and the
national CCCM dashboard and a site page on it.

    python bench/sites_run.py [--database postgres|sqlite] [--sites 1500] [--households 300000]
                              [--weeks 520] [--repeat 30] [--output bench/results/SITES.json]

Method. As ``bench/run.py``: a throw-away database (PostgreSQL ``nahrain_bench_sites`` or
``$BENCH_POSTGRES_DATABASE``, created on the ``postgres`` database and dropped at the end; or
a SQLite file) and data folder, migrated, with the gazetteer, IOM and an IOM information manager.
``bench/sites_world.py`` draws the world (deterministic by seed): N sites holding the households
asked for in shelter units (one open allocation a household), ten years of weekly arrivals and
departures, their site and governorate weeks. Then, every duration by ``time.perf_counter``:

a. load: the raw write (COPY of every final row, rollups computed beforehand in Python) into
   empty tables, checked and summarised; the tables emptied; the set-based load (COPY of the
   events, rollups derived in SQL), checked, and its summary compared with the raw write's
   (the same rows, or the run fails). Rows per second of both, ratio = raw s / load s.
b. pages: on the loaded world, after VACUUM ANALYZE, the pages named ``sites:dashboard`` and
   ``sites:site`` (the open site with the most movements) through Django's test client signed
   in as the information manager, and beside each the hand-written SQL of the figures it shows
   (``DASHBOARD_SQL``, ``SITE_SQL``): p50 and p95 over ``--repeat`` runs after two warm-ups;
   ratio = p95(page) / p95(SQL). A page whose URL name does not resolve is "not present".

Results go to the JSON file (entries of other databases kept) and a Markdown summary is printed;
``--report`` prints the summary of an existing file.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "SITES.json"
PAGES = (("dashboard", "sites:dashboard"), ("site", "sites:site"))

# The figures of the national dashboard, as one would write them by hand: the sites people live
# in by governorate, the sites by type and status, and the national weekly arrivals and
# departures over the whole history (from the governorate weeks).
DASHBOARD_SQL = (
    "SELECT g.pcode, g.name_en, COUNT(*), SUM(s.population_households), "
    "SUM(s.population_individuals), SUM(s.units_total), SUM(s.units_occupied) "
    "FROM sites_site s JOIN geo_adminunit g ON g.id = s.governorate_id "
    "WHERE s.status IN ('open', 'consolidating', 'closing', 'reopened') "
    "GROUP BY g.pcode, g.name_en ORDER BY g.pcode",
    "SELECT type, status, COUNT(*) FROM sites_site GROUP BY type, status",
    "SELECT week, SUM(arrivals_households), SUM(arrivals_individuals), "
    "SUM(departures_households), SUM(departures_individuals) "
    "FROM sites_governorateweek GROUP BY week ORDER BY week",
)
# A site's page: its profile, status history, figures, weekly movements (whole history),
# shelter units by kind and condition, its latest movements.
SITE_SQL = (
    "SELECT s.*, a.name_en, g.name_en FROM sites_site s JOIN geo_adminunit a "
    "ON a.id = s.admin_unit_id JOIN geo_adminunit g ON g.id = s.governorate_id WHERE s.id = %s",
    'SELECT status, "on", reason FROM sites_sitestatuschange WHERE site_id = %s ORDER BY "on"',
    'SELECT "on", source, individuals, households FROM sites_sitepopulation WHERE site_id = %s '
    'ORDER BY "on"',
    "SELECT week, arrivals_households, arrivals_individuals, departures_households, "
    "departures_individuals FROM sites_siteweek WHERE site_id = %s ORDER BY week",
    "SELECT kind, condition, COUNT(*), SUM(CASE WHEN occupied THEN 1 ELSE 0 END) "
    "FROM sites_shelterunit WHERE site_id = %s GROUP BY kind, condition",
    'SELECT kind, "on", households, individuals, place FROM sites_movement WHERE site_id = %s '
    'ORDER BY "on" DESC, id DESC LIMIT 20',
)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--sites", type=int, default=1500)
    parser.add_argument("--households", type=int, default=300_000)
    parser.add_argument("--weeks", type=int, default=520)
    parser.add_argument("--repeat", type=int, default=30)
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


def _samples(run: Callable[[], Any], repeat: int) -> dict[str, float]:
    from bench.api import percentile

    samples = []
    for index in range(2 + repeat):
        start = time.perf_counter()
        run()
        if index >= 2:
            samples.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": statistics.median(samples), "p95_ms": percentile(samples, 0.95)}


def _sql(statements: tuple[str, ...], *params: Any) -> Callable[[], int]:
    from django.db import connection

    def run() -> int:
        rows = 0
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql, list(params) if "%s" in sql else [])
                rows += len(cursor.fetchall())
        return rows

    return run


def pages(user: Any, site: Any, repeat: int) -> list[dict[str, Any]]:
    """Each page against the SQL of its figures."""
    from django.conf import settings
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user)
    measured = []
    for name, url_name in PAGES:
        sql = _sql(DASHBOARD_SQL) if name == "dashboard" else _sql(SITE_SQL, site.pk)
        entry: dict[str, Any] = {"page": name, "url_name": url_name, "sql_rows": sql()}
        entry.update({f"sql_{k}": v for k, v in _samples(sql, repeat).items()})
        try:
            url = reverse(url_name) if name == "dashboard" else reverse(url_name, args=[site.uid])
        except NoReverseMatch:
            entry["present"] = False
            say(f"  {name}: {url_name} is not present; SQL p95 {entry['sql_p95_ms']:.2f} ms")
            measured.append(entry)
            continue

        def get(url: str = url) -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise AssertionError(f"{url}: HTTP {response.status_code}")

        entry.update(present=True, url=url)
        entry.update({f"page_{k}": v for k, v in _samples(get, repeat).items()})
        entry["ratio_p95"] = entry["page_p95_ms"] / entry["sql_p95_ms"]
        say(
            f"  {name} {url}: page p95 {entry['page_p95_ms']:.2f} ms, SQL p95 "
            f"{entry['sql_p95_ms']:.2f} ms, ratio {entry['ratio_p95']:.1f}"
        )
        measured.append(entry)
    return measured


_started = time.perf_counter()


def say(message: str) -> None:
    elapsed = time.perf_counter() - _started
    print(f"[{datetime.now(UTC):%H:%M:%S}Z +{elapsed:5.0f}s] {message}", flush=True)


def bench(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count

    from bench import run, sites_world, world
    from nahrain.geo import services as geo_services
    from nahrain.sites.models import Movement, Site

    call_command("migrate", verbosity=0)
    geo_services.gazetteer_load()
    iom = world.organisation("IOM", "International Organization for Migration")
    manager = world.information_manager(iom, "layla")
    parameters = {k: getattr(args, k) for k in ("sites", "households", "weeks", "repeat", "seed")}
    result: dict[str, Any] = {
        "database": args.database,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": parameters,
        "machine": run.machine(),
        "versions": run.database_versions(),
    }
    say(f"{args.database}: {result['versions']}")
    start = time.perf_counter()
    drawn = sites_world.world(
        seed=args.seed,
        sites=args.sites,
        households=args.households,
        weeks=args.weeks,
        districts=sites_world.districts(),
    )
    rows = sites_world.rows(drawn, organisation=iom)
    generate_s = time.perf_counter() - start
    say(
        f"world drawn in {generate_s:.1f}s: {len(rows.sites)} sites, {len(rows.units)} units, "
        f"{len(rows.allocations)} allocations, {len(rows.movements)} movements, "
        f"{len(rows.site_weeks)} site weeks, {len(rows.governorate_weeks)} governorate weeks"
    )
    world.checkpoint()
    raw = sites_world.raw_write(rows)
    raw_s = raw["total"]
    raw_digest, raw_problems = sites_world.digest(), sites_world.problems()
    say(f"raw write: {raw_s:.2f}s ({rows.count() / raw_s:,.0f} rows/s), stages {raw}")
    sites_world.clear()
    loaded = sites_world.load(rows)
    load_s = loaded["total"]
    load_digest, load_problems = sites_world.digest(), sites_world.problems()
    say(f"set-based load: {load_s:.2f}s ({rows.count() / load_s:,.0f} rows/s), stages {loaded}")
    if raw_problems or load_problems:
        raise AssertionError(f"raw write: {raw_problems}; load: {load_problems}")
    if raw_digest != load_digest:
        raise AssertionError(f"the load and the raw write differ: {raw_digest} {load_digest}")
    result["load"] = {
        "rows": rows.count(),
        "event_rows": rows.events(),
        "tables": {
            "sites": len(rows.sites),
            "status changes": len(rows.statuses),
            "population figures": len(rows.figures),
            "shelter units": len(rows.units),
            "allocations": len(rows.allocations),
            "movements": len(rows.movements),
            "site weeks": len(rows.site_weeks),
            "governorate weeks": len(rows.governorate_weeks),
        },
        "households": drawn.households(),
        "generate_s": generate_s,
        "load_s": load_s,
        "raw_s": raw_s,
        "load_rows_per_s": rows.count() / load_s,
        "raw_rows_per_s": rows.count() / raw_s,
        "ratio": raw_s / load_s,
        "load_stages_s": loaded,
        "raw_stages_s": raw,
        "digest": load_digest,
    }
    world.analyze()
    busiest = (
        Movement.objects.filter(site__status="open")
        .values("site_id")
        .annotate(n=Count("id"))
        .order_by("-n", "site_id")
        .first()
    )
    assert busiest is not None
    site = Site.objects.get(pk=busiest["site_id"])
    say(f"pages: {args.repeat} runs each; site {site.code} ({busiest['n']} movements)")
    result["pages"] = pages(manager, site, args.repeat)
    result["site"] = {"code": site.code, "movements": busiest["n"]}
    return result


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| database | sites | households | rows | set-based load s | rows/s | raw COPY s | "
        "rows/s | ratio (raw s / load s) |",
        "| --- | --: | --: | --: | --: | --: | --: | --: | --: |",
    ]
    entries = [results["databases"][d] for d in ("postgres", "sqlite") if d in results["databases"]]
    for e in entries:
        load = e["load"]
        lines.append(
            f"| {e['database']} | {load['tables']['sites']:,} | {load['households']:,} | "
            f"{load['rows']:,} | {load['load_s']:.2f} | {load['load_rows_per_s']:,.0f} | "
            f"{load['raw_s']:.2f} | {load['raw_rows_per_s']:,.0f} | {load['ratio']:.2f} |"
        )
    lines += [
        "",
        "| database | page | page p50 ms | page p95 ms | SQL p50 ms | SQL p95 ms | ratio p95 |",
        "| --- | --- | --: | --: | --: | --: | --: |",
    ]
    for e in entries:
        for p in e["pages"]:
            if not p["present"]:
                lines.append(
                    f"| {e['database']} | {p['url_name']} (not present) | n/a | n/a | "
                    f"{p['sql_p50_ms']:.2f} | {p['sql_p95_ms']:.2f} | n/a |"
                )
                continue
            lines.append(
                f"| {e['database']} | {p['url_name']} | {p['page_p50_ms']:.1f} | "
                f"{p['page_p95_ms']:.1f} | {p['sql_p50_ms']:.2f} | {p['sql_p95_ms']:.2f} | "
                f"{p['ratio_p95']:.1f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench import run

    return run.standalone(
        arguments(argv), database_name="nahrain_bench_sites", bench=bench, markdown=markdown
    )


if __name__ == "__main__":
    sys.exit(main())
