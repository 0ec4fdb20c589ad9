"""Benchmark of the registry's import of a partner's beneficiary list.

    python bench/registry_import.py [--database postgres|sqlite] [--households 300000]
                                    [--sites 60] [--output bench/results/REGISTRY.json]

Method. As ``bench/sites_run.py``: a throw-away database (PostgreSQL ``nahrain_bench_registry``
or ``$BENCH_POSTGRES_DATABASE``, created on the ``postgres`` database and dropped at the end;
or a SQLite file) and data folder, migrated, with the gazetteer, IOM, an IOM registration
officer and ``--sites`` IOM camps counting their population by registration. A long-shape list
(one row per person, the household key on each row; Arabic and Latin names of
``nahrain/registry/namebank.py``, documents, a Washington Group answer) is drawn, deterministic
by seed: households of 1 to 9 members, five on average, 70% in the camps and the others out of
camp in a district named by its governorate and district names. Then, every duration by
``time.perf_counter``:

b. raw: the list read and checked by the product (not timed), its rows prepared for the six
   tables (not timed), then written by COPY (PostgreSQL) or executemany (SQLite) into the
   tables with their indexes, timed; the tables emptied again;
a. import: the product's whole import of the file (``registry.beneficiaries``: read, map,
   check, number, derive, COPY, the sites' arrivals and populations, the rollups), timed, with
   its stages.

Rows per second count the rows written to the six tables (households, members, documents,
stays, consents, history), the same in both; ratio = raw s / import s (1 would be an import as
fast as a bare COPY of rows already made). The run fails unless both wrote the same number of
rows and every camp's population equals the people registered in it.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "REGISTRY.json"
HEADER = [
    "household_id",
    "Relationship",
    "Sex",
    "Date of birth",
    "First name (Arabic)",
    "Father's name (Arabic)",
    "Grandfather's name (Arabic)",
    "Family name (Arabic)",
    "First name",
    "Family name",
    "Phone",
    "Site code",
    "Governorate",
    "District",
    "Governorate of origin",
    "Date of displacement",
    "Household size",
    "Documents held",
    "Documents missing",
    "WG walking",
]
TABLES = (
    "registry_matchkey",
    "registry_householdevent",
    "registry_consent",
    "registry_stay",
    "registry_document",
    "registry_individual",
    "registry_household",
)
ORIGINS = ("Ninewa", "Anbar", "Salah al-Din", "Diyala", "Kirkuk")


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--households", type=int, default=300_000)
    parser.add_argument("--sites", type=int, default=60)
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


_started = time.perf_counter()


def say(message: str) -> None:
    elapsed = time.perf_counter() - _started
    print(f"[{datetime.now(UTC):%H:%M:%S}Z +{elapsed:5.0f}s] {message}", flush=True)


def beneficiary_list(
    *, seed: int, households: int, sites: list[str], districts: list[tuple[str, str]]
) -> tuple[bytes, int]:
    """The list as CSV bytes (long shape), and the people in it."""
    from nahrain.registry import namebank

    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    people = 0
    today = date.today()
    size = 5
    for number in range(1, households + 1):
        # Sizes in pairs around five (a household of s, then one of 10 - s): five on average.
        size = rng.randint(1, 9) if number % 2 else 10 - size
        family_ar, family_lat = namebank.family_pick(rng)
        head_sex = "f" if rng.random() < 0.12 else "m"
        head_ar, head_lat = namebank.pick(rng, head_sex)
        father_ar, _ = namebank.pick(rng, "m")
        grandfather_ar, _ = namebank.pick(rng, "m")
        style = "plain" if number % 3 == 0 else "full"
        in_camp = rng.random() < 0.7
        site = rng.choice(sites) if in_camp else ""
        governorate, district = ("", "") if in_camp else rng.choice(districts)
        displaced = date(2014, 6, 10) + timedelta(days=rng.randint(0, 1400))
        key = f"HH-{number:07d}"
        head_born = today.replace(year=today.year - rng.randint(20, 75), month=1, day=1)
        head_born += timedelta(days=rng.randint(0, 364))
        phone = f"07{rng.choice('5789')}{rng.randint(0, 99_999_999):08d}"
        for position in range(size):
            if position == 0:
                relationship, sex, first_ar, first_lat = "head", head_sex, head_ar, head_lat
                born, father, grandfather = head_born, father_ar, grandfather_ar
            elif position == 1 and size > 2:
                relationship = "spouse"
                sex = "f" if head_sex == "m" else "m"
                first_ar, first_lat = namebank.pick(rng, sex)
                born = head_born + timedelta(days=rng.randint(-2000, 2000))
                father, _ = namebank.pick(rng, "m")
                grandfather, _ = namebank.pick(rng, "m")
            else:
                sex = rng.choice("mf")
                relationship = "son" if sex == "m" else "daughter"
                first_ar, first_lat = namebank.pick(rng, sex)
                born = today - timedelta(days=rng.randint(30, 17 * 365))
                father, grandfather = head_ar, father_ar
            held = rng.choice(("national_card", "civil_id", "national_card; pds_card", ""))
            missing = "birth_certificate" if rng.random() < 0.08 else ""
            writer.writerow(
                [
                    key,
                    relationship,
                    sex,
                    born.isoformat(),
                    namebank.spelled(first_ar, style),
                    namebank.spelled(father, style),
                    namebank.spelled(grandfather, style),
                    namebank.spelled(family_ar, style),
                    rng.choice(first_lat),
                    rng.choice(family_lat),
                    phone if position == 0 else "",
                    site if position == 0 else "",
                    governorate if position == 0 else "",
                    district if position == 0 else "",
                    rng.choice(ORIGINS) if position == 0 else "",
                    displaced.isoformat() if position == 0 else "",
                    str(size) if position == 0 else "",
                    held,
                    missing,
                    str(rng.choice((1, 1, 1, 1, 2, 3))) if rng.random() < 0.3 else "",
                ]
            )
            people += 1
    return out.getvalue().encode("utf-8"), people


def tables_empty() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
        else:
            for table in TABLES:
                cursor.execute(f"DELETE FROM {table}")


def table_counts() -> dict[str, int]:
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


def bench(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from bench import run, world
    from nahrain.core import services as core_services
    from nahrain.core.models import Role
    from nahrain.displacement.bulk import collector_paused
    from nahrain.geo import services as geo_services
    from nahrain.geo.models import AdminUnit
    from nahrain.intake.spec import Intake
    from nahrain.registry import bulk, intake_specs
    from nahrain.registry.models import Individual
    from nahrain.sites import services as site_services
    from nahrain.sites.models import Site, SiteType

    call_command("migrate", verbosity=0)
    geo_services.gazetteer_load()
    iom = world.organisation("IOM", "International Organization for Migration")
    officer = core_services.user_create(username="rania", password=world.PASSWORD, validate=False)
    core_services.membership_add(
        actor=None, user=officer, organisation=iom, role=Role.REGISTRATION_OFFICER
    )
    units = list(AdminUnit.objects.filter(level=2).select_related("parent").order_by("pcode"))
    codes = []
    for number in range(args.sites):
        unit = units[number % len(units)]
        site = site_services.site_create(
            actor=None,
            organisation=iom,
            code=f"IQ-CAMP-{number:03d}",
            name_en=f"Camp {number}",
            type=SiteType.CAMP,
            admin_unit=unit,
            status_on=date(2014, 9, 1),
        )
        codes.append(site.code)
    Site.objects.filter(organisation=iom).update(counts_by_registration=True)
    districts = [(u.parent.name_en, u.name_en) for u in units if u.parent is not None]
    result: dict[str, Any] = {
        "database": args.database,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {k: getattr(args, k) for k in ("households", "sites", "seed")},
        "machine": run.machine(),
        "versions": run.database_versions(),
    }
    say(f"{args.database}: {result['versions']}")
    start = time.perf_counter()
    data, people = beneficiary_list(
        seed=args.seed, households=args.households, sites=codes, districts=districts
    )
    generate_s = time.perf_counter() - start
    folder = Path(tempfile.mkdtemp(prefix="nahrain-bench-registry-list-"))
    path = folder / "beneficiaries.csv"
    path.write_bytes(data)
    say(
        f"list drawn in {generate_s:.1f}s: {args.households:,} households, {people:,} people, "
        f"{len(data) / 1e6:.0f} MB at {path}"
    )

    def intake(progress: Any = None) -> Intake:
        made = Intake(actor=officer, target=iom, data=path.read_bytes(), file=path.name)
        if progress is not None:
            made.progress = progress
        return made

    # b. The raw write of the same rows, prepared beforehand.
    checked = intake_specs.households_checked(intake())
    with collector_paused():
        tables = bulk.tables_prepared(
            actor=officer, organisation=iom, households=checked.households
        )
    rows = sum(len(t[3]) for t in tables)
    del checked
    world.checkpoint()
    start = time.perf_counter()
    with transaction.atomic(), collector_paused():
        bulk.tables_copy(tables)
    raw_s = time.perf_counter() - start
    raw_counts = table_counts()
    del tables
    say(f"raw write: {raw_s:.2f}s ({rows / raw_s:,.0f} rows/s), {raw_counts}")
    tables_empty()
    world.checkpoint()

    # a. The product's import of the file.
    stages: dict[str, float] = {}
    clock: dict[str, Any] = {"at": time.perf_counter(), "stage": "reading"}

    def progress(stage: str, done: int, total: int) -> None:
        # The time between two reports goes to the stage reported first.
        now = time.perf_counter()
        stages[clock["stage"]] = stages.get(clock["stage"], 0.0) + now - clock["at"]
        clock["at"], clock["stage"] = now, stage

    start = time.perf_counter()
    outcome = intake_specs.BENEFICIARIES_SPEC.commit(intake(progress))
    import_s = time.perf_counter() - start
    progress("done", 1, 1)
    import_counts = table_counts()
    say(f"import: {import_s:.2f}s ({rows / import_s:,.0f} rows/s), {dict(outcome.summary)}")
    say(f"import stages: { {k: round(v, 2) for k, v in stages.items()} }")
    if import_counts != raw_counts:
        raise AssertionError(f"the import and the raw write differ: {import_counts} {raw_counts}")
    for site in Site.objects.filter(organisation=iom):
        registered = Individual.objects.filter(
            household__site=site, household__status="active", status="active"
        ).count()
        if (site.population_individuals or 0) != registered:
            raise AssertionError(f"{site.code}: population {site.population_individuals}")
    shutil.rmtree(folder, ignore_errors=True)
    result["import"] = {
        "households": args.households,
        "individuals": people,
        "rows": rows,
        "tables": import_counts,
        "file_mb": round(len(data) / 1e6, 1),
        "generate_s": generate_s,
        "import_s": import_s,
        "raw_s": raw_s,
        "import_rows_per_s": rows / import_s,
        "raw_rows_per_s": rows / raw_s,
        "ratio": raw_s / import_s,
        "import_stages_s": stages,
    }
    return result


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| database | households | individuals | rows | import s | rows/s | raw COPY s | rows/s | "
        "ratio (raw s / import s) |",
        "| --- | --: | --: | --: | --: | --: | --: | --: | --: |",
    ]
    for name in ("postgres", "sqlite"):
        entry = results["databases"].get(name)
        if entry is None:
            continue
        e = entry["import"]
        lines.append(
            f"| {name} | {e['households']:,} | {e['individuals']:,} | {e['rows']:,} | "
            f"{e['import_s']:.1f} | {e['import_rows_per_s']:,.0f} | {e['raw_s']:.1f} | "
            f"{e['raw_rows_per_s']:,.0f} | {e['ratio']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench import run

    return run.standalone(
        arguments(argv), database_name="nahrain_bench_registry", bench=bench, markdown=markdown
    )


if __name__ == "__main__":
    sys.exit(main())
