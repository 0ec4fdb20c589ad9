"""Benchmark of the registry search: a national registry, and a registration officer looking
households up in it by name, phone, document number and registration number.

    python bench/registry_search.py [--database postgres|sqlite] [--households 300000]
                                    [--searches 1000] [--output bench/results/REGISTRY_SEARCH.json]

Method. As ``bench/sites_run.py``: a throw-away database (PostgreSQL
``nahrain_bench_registry_search`` or ``$BENCH_POSTGRES_DATABASE``, created on the ``postgres``
database and dropped at the end; or a SQLite file) and data folder, migrated. Three
organisations hold the households (IOM half, INTERSOS and DRC the rest), each writing names its
own way (``namebank``): IOM in Arabic with hamza and ta marbuta and its Latin transliteration,
INTERSOS in plain Arabic and another transliteration, DRC in Latin letters only. Each household
has two to eight members (the head, a spouse, children carrying the head's names as father and
grandfather), a phone, civil document numbers; every row and key written as the services write
them, by COPY (``bench.loads``), then VACUUM ANALYZE. Then, as IOM's registration officer,
``--searches`` searches drawn from IOM's households (a tenth from the others': none of their
households may be found): names in Arabic and Latin, whole and partial chains, a first or a
family name alone, phones typed in four ways, document numbers,
registration numbers. Each goes through ``registry.selectors.household_search`` (parsing, keys,
the audit row and all) and, beside it, the hand-written SQL of the same lookup with the keys
worked out beforehand; p50, p95 and p99 of both, by kind, by ``time.perf_counter``. On
PostgreSQL the plans of the selector's queries are read: the indexes each kind of search uses,
and any registry table scanned whole. Done when the selector's p95 is at most 100 ms.

Results go to the JSON file (entries of other databases kept) and a Markdown summary is printed;
``--report`` prints the summary of an existing file.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "REGISTRY_SEARCH.json"
DONE_P95_MS = 100.0

# (acronym, name, share of the households, Arabic style, which Latin spelling, Arabic written)
ORGANISATIONS = (
    ("IOM", "International Organization for Migration", 0.5, "full", 0, True),
    ("INTERSOS", "INTERSOS", 0.3, "plain", 1, True),
    ("DRC", "Danish Refugee Council", 0.2, "plain", -1, False),
)
# The kinds of search an officer makes at a registration desk, and how often.
KINDS = (
    ("name_ar", 0.2),
    ("name_lat", 0.2),
    ("name_partial", 0.1),
    ("first_name", 0.05),
    ("family_name", 0.05),
    ("phone", 0.15),
    ("document", 0.1),
    ("number", 0.15),
)
PHONE_FORMS = ("+964 {a} {b} {c}", "00964{a}{b}{c}", "0{a} {b} {c}", "0{a}-{b}-{c}")

HOUSEHOLD_COLUMNS = (
    "id",
    "uid",
    "organisation_id",
    "number",
    "status",
    "address",
    "origin_place",
    "registered_on",
    "phone",
    "phone_key",
    "size",
    "vulnerabilities",
    "vulnerabilities_recorded",
    "created_at",
    "updated_at",
)
INDIVIDUAL_COLUMNS = (
    "id",
    "uid",
    "household_id",
    "organisation_id",
    "first_ar",
    "father_ar",
    "grandfather_ar",
    "family_ar",
    "first_lat",
    "father_lat",
    "grandfather_lat",
    "family_lat",
    "name_written",
    "name_key",
    "family_key",
    "sex",
    "born_on",
    "birth_date",
    "relationship",
    "status",
    "serious_medical",
    "pregnant_lactating",
    "separated_child",
    "created_at",
    "updated_at",
)
DOCUMENT_COLUMNS = ("id", "individual_id", "kind", "held", "number", "number_key")

# The hand-written lookups, one per kind of search, as the selector's queries would be written
# by hand: the name window (200 members for 50 households) through the (organisation, key)
# indexes, the household's head for a phone or a number.
NAME_SQL = (
    "SELECT i.id, i.uid, i.first_ar, i.father_ar, i.grandfather_ar, i.family_ar, i.first_lat, "
    "i.father_lat, i.grandfather_lat, i.family_lat, i.sex, i.born_on, i.relationship, i.status, "
    "h.uid, h.number, h.status, h.address, s.name_en FROM registry_individual i "
    "JOIN registry_household h ON h.id = i.household_id LEFT JOIN sites_site s ON s.id = h.site_id "
    "WHERE i.organisation_id = %s AND i.{column} LIKE %s LIMIT 200"
)
HOUSEHOLD_SQL = (
    "SELECT h.id, h.uid, h.number, h.status, h.address, s.name_en, i.uid, i.first_ar, "
    "i.father_ar, i.grandfather_ar, i.family_ar, i.first_lat, i.father_lat, i.grandfather_lat, "
    "i.family_lat, i.sex, i.born_on, i.relationship, i.status FROM registry_household h "
    "LEFT JOIN sites_site s ON s.id = h.site_id "
    "JOIN registry_individual i ON i.household_id = h.id AND i.relationship = 'head' "
    "WHERE h.organisation_id = %s AND h.{column} = %s LIMIT 50"
)
DOCUMENT_SQL = (
    "SELECT i.id, i.uid, i.first_ar, i.father_ar, i.grandfather_ar, i.family_ar, i.first_lat, "
    "i.father_lat, i.grandfather_lat, i.family_lat, i.sex, i.born_on, i.relationship, i.status, "
    "h.uid, h.number, h.status, h.address, s.name_en FROM registry_document d "
    "JOIN registry_individual i ON i.id = d.individual_id "
    "JOIN registry_household h ON h.id = i.household_id LEFT JOIN sites_site s ON s.id = h.site_id "
    "WHERE i.organisation_id = %s AND d.number_key = %s LIMIT 50"
)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--households", type=int, default=300_000)
    parser.add_argument("--searches", type=int, default=1000)
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


# --- the registry --------------------------------------------------------------------------------


@dataclass
class Registry:
    """The rows to write, and what the searches are drawn from (IOM's households apart)."""

    households: list[tuple[Any, ...]] = field(default_factory=list)
    individuals: list[tuple[Any, ...]] = field(default_factory=list)
    documents: list[tuple[Any, ...]] = field(default_factory=list)
    # Per organisation acronym: (number, phone digits, [(chain_ar, chain_lat, documents)]).
    drawn: dict[str, list[tuple[str, str, list[tuple[list[str], list[str], list[str]]]]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def count(self) -> int:
        return len(self.households) + len(self.individuals) + len(self.documents)


def registry(
    rng: random.Random, households: int, organisations: list[Any], postgres: bool
) -> Registry:
    """Draw the households of every organisation, keyed as ``registry.services`` keys them."""
    from nahrain.registry import namebank, names
    from nahrain.registry.services import _NUMBER_ALPHABET

    out = Registry()
    now = datetime(2025, 6, 1, 9, 0, tzinfo=UTC) if postgres else "2025-06-01 09:00:00"
    today = date(2025, 6, 1)

    def ident(value: uuid.UUID) -> Any:
        # Django keeps a UUID as its 32 hex digits on SQLite.
        return value if postgres else value.hex

    household_id = individual_id = document_id = 0
    numbers: set[str] = set()
    for (acronym, _name, share, style, spelling, arabic), organisation in zip(
        ORGANISATIONS, organisations, strict=True
    ):
        organisation_id = ident(organisation.pk)

        def written(
            name: tuple[str, list[str]], style: str = style, spelling: int = spelling
        ) -> tuple[str, str]:
            return namebank.spelled(name[0], style), name[1][min(spelling, len(name[1]) - 1)]

        for _ in range(round(households * share)):
            household_id += 1
            number = ""
            while not number or number in numbers:
                body = "".join(rng.choice(_NUMBER_ALPHABET) for _ in range(8))
                number = f"{acronym[:6]}-{body[:4]}-{body[4:]}"
            numbers.add(number)
            digits = f"7{rng.choice('5789')}{rng.randrange(10**8):08d}"
            phone = rng.choice(PHONE_FORMS).format(a=digits[:3], b=digits[3:6], c=digits[6:])
            family = written(namebank.family_pick(rng))
            head = [written(namebank.pick(rng, "m")) for _ in range(3)] + [family]
            spouse = [written(namebank.pick(rng, "f")) for _ in range(3)]
            spouse.append(written(namebank.family_pick(rng)))
            size = rng.randint(2, 8)
            members = [("m", "head", head, 30 + rng.randrange(30))]
            members.append(("f", "spouse", spouse, 25 + rng.randrange(30)))
            for _child in range(size - 2):
                sex = rng.choice("mf")
                first = written(namebank.pick(rng, sex))
                relationship = "son" if sex == "m" else "daughter"
                members.append(
                    (sex, relationship, [first, head[0], head[1], family], rng.randrange(18))
                )
            kept = []
            for sex, relationship, chain, age in members:
                individual_id += 1
                chain_ar = [ar for ar, _lat in chain] if arabic else ["", "", "", ""]
                chain_lat = [lat for _ar, lat in chain]
                keyed = chain_ar if arabic else chain_lat
                documents = []
                if age >= 18 or rng.random() < 0.5:
                    document_id += 1
                    national = f"{rng.randrange(10**11, 10**12)}"
                    documents.append(national)
                    out.documents.append(
                        (
                            document_id,
                            individual_id,
                            "national_card",
                            True,
                            national,
                            names.document_key(national),
                        )
                    )
                born = today - timedelta(days=365 * age + rng.randrange(365))
                out.individuals.append(
                    (
                        individual_id,
                        ident(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        household_id,
                        organisation_id,
                        *chain_ar,
                        *chain_lat,
                        " ".join(p for p in chain_ar if p) or " ".join(chain_lat),
                        names.name_key(*keyed)[:200],
                        names.family_key(keyed[3])[:60],
                        sex,
                        born.isoformat(),
                        "exact",
                        relationship,
                        "active",
                        False,
                        False,
                        False,
                        now,
                        now,
                    )
                )
                kept.append((chain_ar, chain_lat, documents))
            out.households.append(
                (
                    household_id,
                    ident(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    organisation_id,
                    number,
                    "active",
                    "",
                    "",
                    (today - timedelta(days=rng.randrange(3000))).isoformat(),
                    phone,
                    names.phone_key(phone),
                    size,
                    "[]",
                    "[]",
                    now,
                    now,
                )
            )
            out.drawn[acronym].append((number, digits, kept))
    return out


def write(rows: Registry) -> float:
    """Every row by COPY (executemany on SQLite) in one transaction; seconds taken."""
    from django.db import connection, transaction

    from bench.loads import _insert

    start = time.perf_counter()
    with transaction.atomic():
        _insert("registry_household", HOUSEHOLD_COLUMNS, rows.households)
        _insert("registry_individual", INDIVIDUAL_COLUMNS, rows.individuals)
        _insert("registry_document", DOCUMENT_COLUMNS, rows.documents)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in ("registry_household", "registry_individual", "registry_document"):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"GREATEST((SELECT MAX(id) FROM {table}), 1))"
                    )
    return time.perf_counter() - start


# --- the searches ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Search:
    kind: str
    query: str
    # The hand-written SQL's statement and parameters (the keys worked out beforehand).
    sql: tuple[tuple[str, tuple[Any, ...]], ...]
    found: bool  # whether the officer's own registry holds it


def searches(rng: random.Random, rows: Registry, count: int, iom_id: Any) -> list[Search]:
    """Realistic queries of IOM's officer; one in ten drawn from another organisation's
    (``iom_id`` as the database holds it, for the hand-written SQL)."""
    kinds, weights = zip(*KINDS, strict=True)
    drawn = []
    others = [acronym for acronym, *_rest in ORGANISATIONS if acronym != "IOM"]
    for _ in range(count):
        own = rng.random() >= 0.1
        number, digits, members = rng.choice(rows.drawn["IOM" if own else rng.choice(others)])
        kind = rng.choices(kinds, weights)[0]
        chain_ar, chain_lat, documents = rng.choice(members)
        if kind == "document" and not documents:
            kind = "number"
        if kind in ("name_ar", "name_lat") or (kind == "name_partial" and chain_ar[0]):
            chain = chain_ar if kind != "name_lat" and chain_ar[0] else chain_lat
            query = " ".join(chain[: rng.randint(2, 4)])
            if kind == "name_partial":
                query = query[: max(3, len(query) - rng.randint(1, 3))]
        elif kind == "name_partial":
            query = " ".join(chain_lat[:2])[:-2]
        elif kind == "first_name":
            query = chain_ar[0] or chain_lat[0]
        elif kind == "family_name":
            query = chain_ar[3] or chain_lat[3]
        elif kind == "phone":
            query = rng.choice(PHONE_FORMS).format(a=digits[:3], b=digits[3:6], c=digits[6:])
        elif kind == "document":
            query = rng.choice(documents)
        else:
            query = number if rng.random() < 0.7 else number.lower()
        drawn.append(Search(kind, query, _sql(kind, query, iom_id), own))
    return drawn


def _sql(kind: str, query: str, organisation_id: Any) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    from nahrain.registry import names

    if kind == "phone":
        return (
            (HOUSEHOLD_SQL.format(column="phone_key"), (organisation_id, names.phone_key(query))),
        )
    if kind == "number":
        return ((HOUSEHOLD_SQL.format(column="number"), (organisation_id, query.upper())),)
    if kind == "document":
        return ((DOCUMENT_SQL, (organisation_id, names.document_key(query))),)
    key = names.query_key(query)
    statements = [(NAME_SQL.format(column="name_key"), (organisation_id, f"{key}%"))]
    if " " not in key:
        family = names.family_key(query)
        statements.append((NAME_SQL.format(column="family_key"), (organisation_id, f"{family}%")))
    return tuple(statements)


def _percentiles(samples: list[float]) -> dict[str, float]:
    from bench.api import percentile

    return {
        "n": len(samples),
        "p50_ms": percentile(samples, 0.5),
        "p95_ms": percentile(samples, 0.95),
        "p99_ms": percentile(samples, 0.99),
    }


def measure(
    officer: Any, officer_organisation: Any, drawn: list[Search], postgres: bool
) -> dict[str, Any]:
    """Each search through the selector and as hand-written SQL, side by side."""
    from django.db import connection

    from nahrain.registry.selectors import household_search

    def sql(search: Search) -> int:
        rows = 0
        with connection.cursor() as cursor:
            for statement, params in search.sql:
                cursor.execute(statement, list(params))
                rows += len(cursor.fetchall())
        return rows

    # Warm the caches of both paths on other queries than the measured ones.
    for search in drawn[:20]:
        household_search(user=officer, q=search.query, via="bench")
        sql(search)
    selector: dict[str, list[float]] = defaultdict(list)
    baseline: dict[str, list[float]] = defaultdict(list)
    missed = wrongly_found = 0
    for search in drawn:
        start = time.perf_counter()
        found = household_search(user=officer, q=search.query, via="bench")
        selector[search.kind].append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        sql(search)
        baseline[search.kind].append((time.perf_counter() - start) * 1000)
        if search.found and not found:
            missed += 1
        # Another organisation's names are common names that IOM holds too: what matters is
        # that nothing found is another organisation's.
        wrongly_found += sum(h.organisation_id != officer_organisation for h in found)
    if wrongly_found:
        raise AssertionError(f"{wrongly_found} households of another organisation were found")
    every_selector = [ms for samples in selector.values() for ms in samples]
    every_baseline = [ms for samples in baseline.values() for ms in samples]
    result: dict[str, Any] = {
        "searches": len(drawn),
        "missed": missed,
        "selector": _percentiles(every_selector),
        "sql": _percentiles(every_baseline),
        "kinds": {
            kind: {"selector": _percentiles(selector[kind]), "sql": _percentiles(baseline[kind])}
            for kind in sorted(selector)
        },
    }
    result["ratio_p95"] = result["selector"]["p95_ms"] / result["sql"]["p95_ms"]
    result["done"] = result["selector"]["p95_ms"] <= DONE_P95_MS
    if postgres:
        result["plans"] = plans(officer, drawn)
    return result


def plans(officer: Any, drawn: list[Search]) -> dict[str, Any]:
    """The plans of the selector's queries for one search of each kind: the indexes they read
    and the registry tables they scan whole (none, on a registry of any size)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from nahrain.registry.selectors import household_search

    seen: dict[str, Any] = {}
    for search in drawn:
        if search.kind in seen or not search.found:
            continue
        with CaptureQueriesContext(connection) as captured:
            household_search(user=officer, q=search.query, via="bench")
        indexes: set[str] = set()
        scans: list[str] = []
        with connection.cursor() as cursor:
            for query in captured.captured_queries:
                if not query["sql"].startswith("SELECT") or "registry_" not in query["sql"]:
                    continue
                cursor.execute(f"EXPLAIN {query['sql']}")
                for (line,) in cursor.fetchall():
                    if " using " in line:
                        indexes.add(line.split(" using ")[1].split(" on ")[0])
                    if "Bitmap Index Scan on " in line:
                        indexes.add(line.split("Bitmap Index Scan on ")[1].split()[0])
                    if "Seq Scan on registry_" in line:
                        scans.append(line.strip())
        seen[search.kind] = {"indexes": sorted(indexes), "seq_scans": scans}
    return seen


# --- the run -----------------------------------------------------------------------------------


def bench(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    from bench import run, world
    from nahrain.core import services as core_services
    from nahrain.core.models import Role
    from nahrain.registry import names

    call_command("migrate", verbosity=0)
    organisations = [world.organisation(acronym, name) for acronym, name, *_rest in ORGANISATIONS]
    officer = core_services.user_create(username="rania", password=world.PASSWORD, validate=False)
    core_services.membership_add(
        actor=None, user=officer, organisation=organisations[0], role=Role.REGISTRATION_OFFICER
    )
    parameters = {k: getattr(args, k) for k in ("households", "searches", "seed")}
    result: dict[str, Any] = {
        "database": args.database,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": parameters,
        "machine": run.machine(),
        "versions": run.database_versions(),
    }
    say(f"{args.database}: {result['versions']}")
    rng = random.Random(args.seed)
    start = time.perf_counter()
    # The namebank holds a few hundred spellings: each skeleton is worked out once.
    with mock.patch.object(names, "skeleton", functools.cache(names.skeleton)):
        rows = registry(rng, args.households, organisations, args.database == "postgres")
        iom_id = organisations[0].pk if args.database == "postgres" else organisations[0].pk.hex
        drawn = searches(rng, rows, args.searches, iom_id)
    generate_s = time.perf_counter() - start
    say(
        f"registry drawn in {generate_s:.1f}s: {len(rows.households):,} households, "
        f"{len(rows.individuals):,} individuals, {len(rows.documents):,} documents"
    )
    world.checkpoint()
    write_s = write(rows)
    say(f"written in {write_s:.1f}s ({rows.count() / write_s:,.0f} rows/s)")
    start = time.perf_counter()
    world.analyze()
    analyze_s = time.perf_counter() - start
    result["registry"] = {
        "households": len(rows.households),
        "individuals": len(rows.individuals),
        "documents": len(rows.documents),
        "organisations": [acronym for acronym, *_rest in ORGANISATIONS],
        "generate_s": generate_s,
        "write_s": write_s,
        "rows_per_s": rows.count() / write_s,
        "analyze_s": analyze_s,
    }
    del rows
    say(f"{len(drawn)} searches as IOM's registration officer")
    result["search"] = measure(officer, organisations[0].pk, drawn, args.database == "postgres")
    s = result["search"]
    say(
        f"selector p50 {s['selector']['p50_ms']:.2f} ms, p95 {s['selector']['p95_ms']:.2f} ms, "
        f"p99 {s['selector']['p99_ms']:.2f} ms; SQL p95 {s['sql']['p95_ms']:.2f} ms; "
        f"{s['missed']} of the officer's own households not found"
    )
    return result


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| database | households | individuals | documents | COPY s | rows/s |",
        "| --- | --: | --: | --: | --: | --: |",
    ]
    entries = [results["databases"][d] for d in ("postgres", "sqlite") if d in results["databases"]]
    for e in entries:
        r = e["registry"]
        lines.append(
            f"| {e['database']} | {r['households']:,} | {r['individuals']:,} | "
            f"{r['documents']:,} | {r['write_s']:.1f} | {r['rows_per_s']:,.0f} |"
        )
    lines += [
        "",
        "| database | searches | selector p50 ms | p95 ms | p99 ms | SQL p50 ms | p95 ms | "
        "p99 ms | ratio p95 | p95 <= 100 ms |",
        "| --- | --- | --: | --: | --: | --: | --: | --: | --: | --- |",
    ]
    for e in entries:
        s = e["search"]
        rows = [("all", s["selector"], s["sql"], s["searches"])]
        rows += [(k, v["selector"], v["sql"], v["selector"]["n"]) for k, v in s["kinds"].items()]
        for kind, selector, sql, n in rows:
            lines.append(
                f"| {e['database']} | {kind} ({n}) | {selector['p50_ms']:.2f} | "
                f"{selector['p95_ms']:.2f} | {selector['p99_ms']:.2f} | {sql['p50_ms']:.2f} | "
                f"{sql['p95_ms']:.2f} | {sql['p99_ms']:.2f} | "
                f"{selector['p95_ms'] / sql['p95_ms']:.1f} | "
                f"{'yes' if selector['p95_ms'] <= DONE_P95_MS else 'no'} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench import run

    return run.standalone(
        arguments(argv),
        database_name="nahrain_bench_registry_search",
        bench=bench,
        markdown=markdown,
    )


if __name__ == "__main__":
    sys.exit(main())
