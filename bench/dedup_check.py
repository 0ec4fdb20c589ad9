"""Benchmark of the registry's duplicate check: a registry of a million individuals, and new
registrations checked against it one by one.

    python bench/dedup_check.py [--individuals 1000000] [--checks 200] [--seed 1]
                                [--output bench/results/dedup_check.json] [--keep-database]

Method. A throw-away PostgreSQL database (``nahrain_bench_dedup_check`` or
``$BENCH_POSTGRES_DATABASE``, created on the ``postgres`` database and dropped at the end) and
data folder, migrated, with the Iraq gazetteer. The registry is drawn by the labelled generator
(``nahrain.testing.people.generate``, in slices of 50,000 people, one seed each, until
``--individuals`` records): each record an individual of its organisation's household (the
organisations the generator's), its household's phone the first one a member gave, its document
number a held national card, its governorates the households' origin and place. Households,
individuals, documents and every individual's blocking keys (``MatchKey``, made by
``matching.key_rows`` from the same matcher rows the check reads) are written by COPY, then
VACUUM ANALYZE. ``--checks`` further records of the generator's slices, held out of the load,
are then registered one by one (a household of one individual each, written with its keys,
not timed) and ``matching.check`` of each is timed (the key lookup with the rules' caps, the
candidates' rows, the scoring with the default parameters, the possible duplicates stored and
the audit row); beside it the hand-written SQL of the key lookup alone (the individuals holding
any of the new individual's keys). p50, p95 and p99 of both by ``time.perf_counter``. Done when
the check's p95 is at most 200 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "dedup_check.json"
DONE_P95_MS = 200.0
SLICE_PEOPLE = 50_000
WARM = 5  # checks made before the measured ones, not measured


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["postgres"], default="postgres")
    parser.add_argument("--individuals", type=int, default=1_000_000)
    parser.add_argument("--checks", type=int, default=200)
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
    print(f"[{time.perf_counter() - _started:7.1f}s] {message}", file=sys.stderr, flush=True)


def _arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


class Registry:
    """The rows of the registry drawn so far, one slice at a time, ready to copy."""

    def __init__(self, organisations: dict[str, Any], governorates: dict[str, int]) -> None:
        self.organisations = organisations
        self.governorates = governorates
        self.now = datetime.now(UTC)
        self.household_id = 0
        self.individual_id = 0

    def slice_rows(
        self, records: list[dict[str, str]], slice_number: int
    ) -> dict[str, list[tuple[Any, ...]]]:
        from nahrain.registry import bulk, matching, names

        households: dict[tuple[str, str], tuple[Any, ...]] = {}
        individuals: list[tuple[Any, ...]] = []
        documents: list[tuple[Any, ...]] = []
        matcher: list[dict[str, str]] = []
        wg = (None,) * (len(bulk.INDIVIDUAL_COLUMNS) - 25)
        for record in records:
            organisation = self.organisations[record["org"]]
            place = (record["org"], record["household_id_in_org"])
            household = households.get(place)
            if household is None:
                self.household_id += 1
                number = f"{slice_number}-{record['household_id_in_org']}"[:24]
                household = (
                    self.household_id,
                    uuid.uuid4(),
                    organisation,
                    number,
                    "active",
                    None,
                    self.governorates.get(record["admin1_current"]),
                    None,
                    "",
                    self.governorates.get(record["admin1_origin"]),
                    "",
                    None,
                    date(2024, 1, 1),
                    record["phone"],
                    names.phone_key(record["phone"]),
                    0,
                    "[]",
                    "[]",
                    None,
                    None,
                    self.now,
                    self.now,
                )
                households[place] = household
            self.individual_id += 1
            chain = tuple(
                record[f"{part}_name"] for part in ("first", "father", "grandfather", "family")
            )
            arabic = any(_arabic(name) for name in chain) or _arabic(record["full_name"])
            names_ar = chain if arabic else ("",) * 4
            names_lat = ("",) * 4 if arabic else chain
            written = record["full_name"] or " ".join(n for n in chain if n)
            born = _born(record["date_of_birth"])
            individuals.append(
                (
                    self.individual_id,
                    uuid.uuid4(),
                    household[0],
                    organisation,
                    *names_ar,
                    *names_lat,
                    written[:300],
                    names.name_key(*chain)[:200],
                    names.family_key(chain[3])[:60],
                    record["sex"] or "m",
                    born,
                    "exact",
                    "other",
                    "active",
                    *wg,
                    False,
                    False,
                    False,
                    self.now,
                    self.now,
                )
            )
            number = record["document_number"]
            if number:
                documents.append(
                    (self.individual_id, "national_card", True, number, names.document_key(number))
                )
            values = {
                "pk": self.individual_id,
                "organisation_id": organisation,
                "name_written": written[:300],
                "sex": record["sex"] or "m",
                "born_on": born,
                "household__number": household[3],
                "household__phone": household[13],
                **dict(zip(_CHAIN, (*names_ar, *names_lat), strict=True)),
            }
            matcher.append(
                matching.matcher_row(
                    values,
                    number,
                    origin=record["admin1_origin"] if household[9] else "",
                    current=record["admin1_current"] if household[6] else "",
                )
            )
        return {
            "households": list(households.values()),
            "individuals": individuals,
            "documents": documents,
            "keys": matching.key_rows(matcher),
        }


_CHAIN = tuple(
    f"{part}_{script}"
    for script in ("ar", "lat")
    for part in ("first", "father", "grandfather", "family")
)


def _born(text: str) -> date | None:
    from nahrain.registry.dedup.records import date_of_birth

    return date_of_birth(text)[0]


def load(args: argparse.Namespace, registry: Registry) -> tuple[dict[str, Any], list[Any]]:
    """Draw and copy the registry slice by slice; the records held out for the checks."""
    from nahrain.displacement.bulk import copy_rows
    from nahrain.registry import bulk
    from nahrain.registry.models import Document, Household, Individual, MatchKey
    from nahrain.testing import people

    tables = (
        ("households", Household, bulk.HOUSEHOLD_COLUMNS),
        ("individuals", Individual, bulk.INDIVIDUAL_COLUMNS),
        ("documents", Document, bulk.DOCUMENT_COLUMNS),
        ("keys", MatchKey, bulk.MATCH_KEY_COLUMNS),
    )
    counts = dict.fromkeys((name for name, _, _ in tables), 0)
    held_out: list[dict[str, str]] = []
    generate_s = write_s = 0.0
    loaded = 0
    slice_number = 0
    while loaded < args.individuals:
        slice_number += 1
        start = time.perf_counter()
        records = people.generate(SLICE_PEOPLE, seed=args.seed * 1000 + slice_number).records
        if not held_out:
            held_out, records = records[: args.checks + WARM], records[args.checks + WARM :]
        records = records[: args.individuals - loaded]
        rows = registry.slice_rows(records, slice_number)
        generate_s += time.perf_counter() - start
        start = time.perf_counter()
        for name, model, columns in tables:
            counts[name] += copy_rows(model._meta.db_table, bulk.quoted(columns), rows[name])
        write_s += time.perf_counter() - start
        loaded += len(records)
        say(f"slice {slice_number}: {loaded:,} individuals, {counts['keys']:,} keys")
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("registry_household", "registry_individual"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
    return {**counts, "generate_s": generate_s, "write_s": write_s}, held_out


def register(record: dict[str, str], registry: Registry, officer: Any) -> Any:
    """A held-out record written as a new household of one individual with its keys."""
    from nahrain.registry import matching, names
    from nahrain.registry.models import Document, Household, Individual

    chain = tuple(record[f"{p}_name"] for p in ("first", "father", "grandfather", "family"))
    arabic = any(_arabic(name) for name in chain) or _arabic(record["full_name"])
    suffix = "ar" if arabic else "lat"
    household = Household.objects.create(
        organisation_id=registry.organisations[record["org"]],
        number=f"N-{uuid.uuid4().hex[:12]}",
        admin_unit_id=registry.governorates.get(record["admin1_current"]),
        origin_id=registry.governorates.get(record["admin1_origin"]),
        registered_on=date(2024, 6, 1),
        phone=record["phone"],
        phone_key=names.phone_key(record["phone"]),
        size=1,
        created_by=officer,
    )
    individual = Individual.objects.create(
        household=household,
        organisation_id=household.organisation_id,
        name_written=record["full_name"] or " ".join(n for n in chain if n),
        sex=record["sex"] or "m",
        born_on=_born(record["date_of_birth"]),
        relationship="head",
        **{
            f"{part}_{suffix}": name
            for part, name in zip(("first", "father", "grandfather", "family"), chain, strict=True)
        },
    )
    if record["document_number"]:
        Document.objects.create(
            individual=individual,
            kind="national_card",
            held=True,
            number=record["document_number"],
            number_key=names.document_key(record["document_number"]),
        )
    matching.keys_refresh(individual_ids=[individual.pk])
    return individual


def measure(held_out: list[dict[str, str]], registry: Registry, officer: Any) -> dict[str, Any]:
    from django.db import connection

    from bench.registry_search import _percentiles
    from nahrain.registry import matching
    from nahrain.registry.models import MatchKey

    def baseline(individual_id: int) -> int:
        keys = list(MatchKey.objects.filter(individual_id=individual_id).values_list("rule", "key"))
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT individual_id FROM registry_matchkey WHERE (rule, key) IN ("
                + ", ".join(["(%s, %s)"] * len(keys))
                + ")",
                [v for pair in keys for v in pair],
            )
            found = len(cursor.fetchall())
        timings["sql"].append((time.perf_counter() - start) * 1000)
        return found

    # Warm both paths (the default model read, the caches of the name readings) on records that
    # are not measured.
    for record in held_out[:WARM]:
        warm = register(record, registry, officer)
        matching.check(individuals=[warm], actor=officer)
    timings: dict[str, list[float]] = {"check": [], "sql": [], "keys_refresh": []}
    findings = candidates = 0
    for record in held_out[WARM:]:
        start = time.perf_counter()
        individual = register(record, registry, officer)
        timings["keys_refresh"].append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        found = matching.check(individuals=[individual], actor=officer)
        timings["check"].append((time.perf_counter() - start) * 1000)
        findings += len(found)
        candidates += baseline(individual.pk)
    result: dict[str, Any] = {
        "checks": len(timings["check"]),
        "check": _percentiles(timings["check"]),
        "sql": _percentiles(timings["sql"]),
        "write_with_keys": _percentiles(timings["keys_refresh"]),
        "findings": findings,
        "key_lookup_rows": candidates,
    }
    result["done"] = result["check"]["p95_ms"] <= DONE_P95_MS
    return result


def bench(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    from bench import run, world
    from nahrain.core import services as core_services
    from nahrain.geo import services as geo_services
    from nahrain.geo.models import AdminUnit
    from nahrain.testing import people

    call_command("migrate", verbosity=0)
    geo_services.gazetteer_load()
    organisations = {org.name: world.organisation(org.name, org.name).pk for org in people.ORGS}
    officer = core_services.user_create(username="rania", password=world.PASSWORD, validate=False)
    governorates = dict(AdminUnit.objects.filter(level=1).values_list("pcode", "pk"))
    result: dict[str, Any] = {
        "database": args.database,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {k: getattr(args, k) for k in ("individuals", "checks", "seed")},
        "machine": run.machine(),
        "versions": run.database_versions(),
    }
    say(f"{result['machine']}, {result['versions']}")
    registry = Registry(organisations, governorates)
    loaded, held_out = load(args, registry)
    start = time.perf_counter()
    world.analyze()
    loaded["analyze_s"] = time.perf_counter() - start
    result["registry"] = loaded
    say(f"registry loaded: {loaded}")
    result["check"] = measure(held_out, registry, officer)
    c = result["check"]
    say(
        f"check p50 {c['check']['p50_ms']:.1f} ms, p95 {c['check']['p95_ms']:.1f} ms, "
        f"p99 {c['check']['p99_ms']:.1f} ms; key lookup SQL p50 {c['sql']['p50_ms']:.1f} ms, "
        f"p95 {c['sql']['p95_ms']:.1f} ms; {c['findings']} findings"
    )
    return result


def markdown(results: dict[str, Any]) -> str:
    lines = ["| database | individuals | check p50 | check p95 | key lookup SQL p95 | done |"]
    lines.append("|---|---|---|---|---|---|")
    for name, entry in results["databases"].items():
        c = entry["check"]
        lines.append(
            f"| {name} | {entry['parameters']['individuals']:,} | {c['check']['p50_ms']:.1f} ms "
            f"| {c['check']['p95_ms']:.1f} ms | {c['sql']['p95_ms']:.1f} ms | {c['done']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    # Before bench.run reads it: the database is this benchmark's own, whatever else runs.
    os.environ.setdefault("BENCH_POSTGRES_DATABASE", "nahrain_bench_dedup_check")
    from bench import run

    return run.standalone(
        arguments(argv), database_name="nahrain_bench_dedup_check", bench=bench, markdown=markdown
    )


if __name__ == "__main__":
    sys.exit(main())
