"""Benchmark of the assistance list check: a list of 100,000 households checked against a
registry of a million people and a year of distributions.

    python bench/assistance_check.py [--database postgres|sqlite] [--individuals 1000000]
                                     [--list-households 100000] [--seed 1]
                                     [--output bench/results/assistance_check.json]
                                     [--keep-database] [--generate-only | --reuse-database]

Method. A throw-away database (PostgreSQL ``nahrain_bench_assistance`` or
``$BENCH_POSTGRES_DATABASE``, created on the ``postgres`` database and dropped at the end; or a
SQLite file) and data folder, migrated, with the Iraq gazetteer. Written set-based, not timed:

- the registry, drawn as ``bench/dedup_check.py`` draws it (the labelled generator
  ``nahrain.testing.people``, slices of 50,000 people until ``--individuals`` records), with
  every individual's blocking keys (``MatchKey``); the generator's MoMD, IOM and WFP
  registrations are all held by IOM here, so that one organisation holds more than 100,000
  households (its two registrations of one family are then a duplicate within the
  organisation, as a second registration at another site is). The first member of a
  household is its head, its size the members counted, ``female_headed`` derived. 92% of
  households agreed to the use of their record for assistance (1% withdrew since), 2% have
  left;
- the registry's possible duplicates: the generator's labels say which records are one person;
  each person registered in two households gives a pair (``PossibleDuplicate``, "batch"), 80%
  open, 12% decided the same person, 8% different people;
- a year of distributions by five organisations (``PAST``): seasonal NFI top-ups, sealing-off
  kits, 12 monthly cycles of rental subsidy (four cohorts of three months), return packages,
  NFI kits, multi-purpose cash, livelihood grants and camp shelter; each programme's lists
  (one version per cohort, the older ones superseded), its distributions (one per cycle and
  governorate) and one receipt per household and cycle (in kind: 84% received, 6% by a proxy,
  8% absent, 2% refused; cash: 95% paid, 5% absent; one served receipt in 500 followed by a
  late duplicate, kept unserved).

Then IOM's winter NFI top-up (``CHECKED_CODE``, rules in ``RULES``: two ``served_recently``
rules and a ``not_with``) gets an approved first list of a twentieth of IOM's households and a
draft list of ``--list-households`` of IOM's households, departed ones among them (entries
copied as an import leaves them before its check), and, each by ``time.perf_counter``, commit
included:

a. ``services.list_check`` of that list (IOM's assistance officer), whole;
b. the hand-written SQL of the same joins (``baseline``) on a copy of the list: the entries'
   facts read again from the registry, then each rule in the check's order as one UPDATE of the
   entries still included, with the facts of its words (the duplicates on the list: the pairs
   by one SELECT, the earlier household kept in list order as the check keeps it, the later
   ones written), then the list's counts. It stops at the first rule that excludes an entry;
   the check also records the others (``exclusion["also"]``): more work than this;
c. ``services.list_build`` of the same programme from the registry by its rules (every active
   IOM household is eligible), whole, with its check.

Both lists' exclusions are counted by rule, and the run fails unless (a) and (b) exclude the
same households for the same rules. Done when (a) takes at most 60 s. Results go to the JSON
file (entries of other databases kept) with the machine, the database's settings and the load
average before and after; ``--report`` prints the summary of an existing file.

``--generate-only --keep-database`` draws and keeps the database; ``--reuse-database`` then
measures on it (the lists the measure made are removed first), so that a change to the check
can be measured again without drawing the registry again.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "assistance_check.json"
DATABASE_NAME = "nahrain_bench_assistance"
DONE_S = 60.0
SLICE_PEOPLE = 50_000

# Who holds each of the generator's organisations' registrations here.
HOLDERS = {
    "MoMD": "IOM",
    "IOM": "IOM",
    "UNHCR": "UNHCR",
    "WFP": "IOM",
    "ACTED": "ACTED",
    "Harikar": "Harikar",
    "Al-Mesalla": "Al-Mesalla",
}
ORGANISATION_NAMES = {
    "IOM": "International Organization for Migration",
    "UNHCR": "UNHCR",
    "ACTED": "ACTED",
    "Harikar": "Harikar",
    "Al-Mesalla": "Al-Mesalla",
}
CONSENT_SHARE = 0.92
WITHDRAWN_SHARE = 0.01
DEPARTED_SHARE = 0.02
LATE_DUPLICATE_EVERY = 500


@dataclass(frozen=True)
class Past:
    """A programme that served households in the year before the check."""

    organisation: str
    code: str
    kind: str
    modality: str
    cluster: str
    cohorts: int  # list versions, one after the other
    share: float  # of the organisation's households, per cohort
    cycles: int
    cycle_days: int
    first_days_ago: int  # the first cohort's first cycle
    cohort_days: int  # between two cohorts' first cycles
    entitlement: dict[str, Any]


KIT = {"items": [{"item": "nfi_kit", "quantity": 1}]}
PAST = (
    Past("IOM", "IRQ18-NFI-25", "nfi_top_up", "in_kind", "snfi", 1, 0.40, 1, 0, 330, 0, KIT),
    Past(
        "IOM",
        "IRQ18-SOK-26",
        "sealing_off_kit",
        "in_kind",
        "snfi",
        1,
        0.08,
        1,
        0,
        60,
        0,
        {"items": [{"item": "sealing_off_kit", "quantity": 1}]},
    ),
    Past(
        "IOM",
        "IRQ18-RENT-26",
        "rental_subsidy",
        "cash",
        "snfi",
        4,
        0.04,
        3,
        30,
        360,
        90,
        {"amount": "220.00", "currency": "USD"},
    ),
    Past(
        "IOM",
        "IRQ18-RET-26",
        "return_package",
        "cash",
        "snfi",
        1,
        0.10,
        1,
        0,
        200,
        0,
        {"amount": "440.00", "currency": "USD"},
    ),
    Past("UNHCR", "UNHCR-NFI-26", "nfi_kit", "in_kind", "snfi", 1, 0.20, 2, 180, 300, 0, KIT),
    Past(
        "UNHCR",
        "UNHCR-MPCA-26",
        "mpca",
        "cash",
        "mpca",
        1,
        0.25,
        3,
        30,
        75,
        0,
        {"amount": "120.00", "currency": "USD"},
    ),
    Past(
        "ACTED",
        "ACTED-MPCA-26",
        "mpca",
        "cash",
        "mpca",
        2,
        0.20,
        3,
        30,
        340,
        180,
        {"amount": "120.00", "currency": "USD"},
    ),
    Past("ACTED", "ACTED-NFI-26", "nfi_kit", "in_kind", "snfi", 1, 0.50, 1, 0, 45, 0, KIT),
    Past(
        "Harikar",
        "HAR-LIV-26",
        "livelihood_grant",
        "cash",
        "livelihoods",
        1,
        0.10,
        1,
        0,
        120,
        0,
        {"amount": "500.00", "currency": "USD"},
    ),
    Past(
        "Al-Mesalla",
        "MES-SHELTER-26",
        "camp_shelter",
        "in_kind",
        "cccm",
        1,
        0.30,
        1,
        0,
        250,
        0,
        {"items": [{"item": "nfi_kit", "quantity": 1}]},
    ),
)
# The programme whose list is checked: IOM's seasonal NFI top-up for this winter.
CHECKED_CODE = "IRQ18-NFI-26"


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--individuals", type=int, default=1_000_000)
    parser.add_argument("--list-households", type=int, default=100_000)
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
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument(
        "--reuse-database",
        action="store_true",
        help="measure on the database a --generate-only --keep-database run left",
    )
    parser.add_argument("--report", action="store_true", help="print the summary of --output")
    return parser.parse_args(argv)


_started = time.perf_counter()


def say(message: str) -> None:
    elapsed = time.perf_counter() - _started
    print(
        f"[{datetime.now(UTC):%H:%M:%S}Z +{elapsed:5.0f}s] {message}", file=sys.stderr, flush=True
    )


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


# --- the registry ------------------------------------------------------------------------------


def registry_load(
    args: argparse.Namespace, organisations: dict[str, Any], officer_id: int
) -> dict[str, Any]:
    """Draw the registry slice by slice and copy it with its keys, consents and possible
    duplicates; the counts written."""
    from bench.dedup_check import Registry
    from nahrain.geo.models import AdminUnit
    from nahrain.registry import bulk
    from nahrain.registry.models import (
        Consent,
        Document,
        Household,
        Individual,
        MatchKey,
        PossibleDuplicate,
    )
    from nahrain.testing import people

    rng = random.Random(args.seed)
    governorates = dict(AdminUnit.objects.filter(level=1).values_list("pcode", "pk"))
    holders = {name: organisations[holder] for name, holder in HOLDERS.items()}
    registry = Registry(holders, governorates)
    counts: dict[str, int] = defaultdict(int)
    today = date.today()
    now = datetime.now(UTC)
    loaded = slice_number = 0
    generate_s = write_s = 0.0
    pair_columns: tuple[str, ...] = ("first_id", "second_id", "probability", "pattern")
    pair_columns = (*pair_columns, "found_by", "found_at", "status")
    consent_columns = (*bulk.CONSENT_COLUMNS, "withdrawn_on")
    while loaded < args.individuals:
        slice_number += 1
        start = time.perf_counter()
        drawn = people.generate(
            min(SLICE_PEOPLE, args.individuals), seed=args.seed * 1000 + slice_number
        )
        records = drawn.records[: args.individuals - loaded]
        rows = registry.slice_rows(records, slice_number)
        first_id = rows["individuals"][0][0]
        # The first member of each household is its head; the size is the members counted.
        sizes: dict[int, int] = defaultdict(int)
        head_sex: dict[int, str] = {}
        individuals = []
        for row in rows["individuals"]:
            household_id = row[2]
            sizes[household_id] += 1
            if household_id not in head_sex:
                head_sex[household_id] = row[15]
                row = (*row[:18], "head", *row[19:])
            individuals.append(row)
        households = []
        for row in rows["households"]:
            household_id = row[0]
            status = "departed" if rng.random() < DEPARTED_SHARE else "active"
            derived = '["female_headed"]' if head_sex.get(household_id) == "f" else "[]"
            households.append(
                (*row[:4], status, *row[5:15], sizes[household_id], derived, *row[17:])
            )
        consents = []
        for row in households:
            if rng.random() < CONSENT_SHARE:
                given = today - timedelta(days=rng.randrange(60, 900))
                withdrawn = today - timedelta(days=10) if rng.random() < WITHDRAWN_SHARE else None
                consents.append(
                    (uuid.uuid4(), row[0], "assistance", given, "head", officer_id, now, withdrawn)
                )
        # One person's records in two households: a possible duplicate pair.
        by_person: dict[str, list[int]] = defaultdict(list)
        for offset, record in enumerate(records):
            by_person[drawn.labels[record["record_id"]].person_id].append(first_id + offset)
        household_of = {row[0]: row[2] for row in individuals}
        pairs = []
        for ids in by_person.values():
            for a, b in itertools.pairwise(ids):
                if household_of[a] == household_of[b]:
                    continue
                draw = rng.random()
                status = "open" if draw < 0.80 else "same" if draw < 0.92 else "different"
                first, second = min(a, b), max(a, b)
                pairs.append(
                    (first, second, round(0.3 + rng.random() * 0.7, 3), "[]", "batch", now, status)
                )
        generate_s += time.perf_counter() - start
        start = time.perf_counter()
        tables = (
            ("households", Household, bulk.HOUSEHOLD_COLUMNS, households),
            ("individuals", Individual, bulk.INDIVIDUAL_COLUMNS, individuals),
            ("documents", Document, bulk.DOCUMENT_COLUMNS, rows["documents"]),
            ("keys", MatchKey, bulk.MATCH_KEY_COLUMNS, rows["keys"]),
            ("consents", Consent, consent_columns, consents),
            ("possible_duplicates", PossibleDuplicate, pair_columns, pairs),
        )
        for name, model, columns, table_rows in tables:
            counts[name] += copy(model._meta.db_table, columns, table_rows)
        write_s += time.perf_counter() - start
        loaded += len(records)
        say(
            f"slice {slice_number}: {loaded:,} individuals, {counts['households']:,} households, "
            f"{counts['keys']:,} keys, {counts['possible_duplicates']:,} possible duplicates"
        )
    sequences_reset(["registry_household", "registry_individual"])
    return {**counts, "generate_s": round(generate_s, 1), "write_s": round(write_s, 1)}


def copy(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> int:
    """COPY on PostgreSQL; on SQLite, which keeps a UUID as its 32 hex digits, executemany."""
    from django.db import connection

    from nahrain.displacement.bulk import copy_rows
    from nahrain.registry.bulk import quoted

    if connection.vendor != "postgresql":
        rows = [
            tuple(value.hex if isinstance(value, uuid.UUID) else value for value in row)
            for row in rows
        ]
    return copy_rows(table, quoted(columns), rows)


def sequences_reset(tables: list[str]) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT MAX(id) FROM {table}), 1))"
            )


# --- a year of distributions ---------------------------------------------------------------------


def token(rng: random.Random) -> str:
    return "".join(rng.choice("ACDEFGHJKLMNPQRTUVWXY3479") for _ in range(10))


class Writer:
    """Rows of lists, entries, distributions and receipts, with their ids drawn here (copied)."""

    def __init__(self, rng: random.Random) -> None:
        from nahrain.assistance.models import Distribution, ListEntry, Receipt

        self.rng = rng
        self.entry_id = (
            ListEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
        ) or 0
        self.receipt_id = (
            Receipt.objects.order_by("-pk").values_list("pk", flat=True).first()
        ) or 0
        self.distribution_id = (
            Distribution.objects.order_by("-pk").values_list("pk", flat=True).first()
        ) or 0
        self.entries: list[tuple[Any, ...]] = []
        self.distributions: list[tuple[Any, ...]] = []
        self.receipts: list[tuple[Any, ...]] = []
        # The entry of each household on the list being written (a list's cycles share them).
        self.entry_of: dict[int, int] = {}

    def entry(
        self,
        list_id: int,
        household: tuple[Any, ...],
        entitlement: str,
        *,
        included: bool = True,
        excluded_by: str = "",
    ) -> int:
        household_id, size, head_sex, admin_unit_id = household
        self.entry_id += 1
        self.entries.append(
            (
                self.entry_id,
                list_id,
                household_id,
                included,
                excluded_by,
                "{}",
                entitlement if included else "{}",
                token(self.rng),
                min(size, 32767),
                head_sex,
                None,
                admin_unit_id,
                None,
            )
        )
        return self.entry_id

    def flush(self) -> dict[str, int]:
        counts = {
            "entries": copy("assistance_listentry", ENTRY_COLUMNS, self.entries),
            "distributions": copy(
                "assistance_distribution", DISTRIBUTION_COLUMNS, self.distributions
            ),
            "receipts": copy("assistance_receipt", RECEIPT_COLUMNS, self.receipts),
        }
        self.entries, self.distributions, self.receipts = [], [], []
        return counts


ENTRY_COLUMNS = (
    "id",
    "list_id",
    "household_id",
    "included",
    "excluded_by",
    "exclusion",
    "entitlement",
    "token",
    "people",
    "head_sex",
    "site_id",
    "admin_unit_id",
    "row",
)
DISTRIBUTION_COLUMNS = (
    "id",
    "uid",
    "programme_id",
    "list_id",
    "cycle",
    "site_id",
    "admin_unit_id",
    "place",
    "planned_on",
    "team",
    "status",
    "stock",
    "returned",
    "created_by_id",
    "created_at",
    "closed_at",
)
RECEIPT_COLUMNS = (
    "id",
    "uid",
    "distribution_id",
    "programme_id",
    "cycle",
    "entry_id",
    "household_id",
    "outcome",
    "served",
    "duplicate_of_id",
    "proxy_name",
    "proxy_relation",
    "given",
    "recorded_at",
    "synced_at",
    "recorded_by_id",
    "key",
)


def households_of(organisation_id: Any, *, active: bool = True) -> list[tuple[Any, ...]]:
    """(id, size, head's sex, governorate) of the organisation's (active) households."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT h.id, h.size, COALESCE(i.sex, ''), h.admin_unit_id FROM registry_household h "
            "LEFT JOIN registry_individual i ON i.household_id = h.id AND i.relationship = 'head' "
            "WHERE h.organisation_id = %s AND (h.status = 'active' OR NOT %s) ORDER BY h.id",
            [_value(organisation_id), active],
        )
        return list(cursor.fetchall())


def _value(value: Any) -> Any:
    """A UUID as the database keeps it (SQLite: its 32 hex digits)."""
    from django.db import connection

    if isinstance(value, uuid.UUID) and connection.vendor != "postgresql":
        return value.hex
    return value


def rules_document(past: Past) -> dict[str, Any]:
    """The rules of a past programme: every household of the organisation, the entitlement."""
    return {"eligible": {}, "entitlement": past.entitlement, "exclusions": []}


def year_of_distributions(
    rng: random.Random, organisations: dict[str, Any], officers: dict[str, tuple[Any, Any]]
) -> dict[str, Any]:
    from nahrain.assistance.models import DistributionList, Programme, Rules

    today = date.today()
    now = datetime.now(UTC)
    writer = Writer(rng)
    counts: dict[str, int] = defaultdict(int)
    pools = {name: households_of(organisation) for name, organisation in organisations.items()}
    for past in PAST:
        builder, approver = officers[past.organisation]
        starts = today - timedelta(days=past.first_days_ago)
        programme = Programme.objects.create(
            organisation_id=organisations[past.organisation],
            code=past.code,
            name_en=past.code,
            kind=past.kind,
            modality=past.modality,
            cluster=past.cluster,
            cycles=past.cycles,
            cycle_days=past.cycle_days,
            starts_on=starts,
            status="active",
            created_by=builder,
        )
        rules = Rules.objects.create(
            programme=programme,
            version=1,
            document=rules_document(past),
            source="benchmark",
            created_by=builder,
        )
        entitlement = json.dumps(past.entitlement)
        pool = pools[past.organisation]
        previous = None
        # Cohorts are different households: a household is served once a cycle.
        per_cohort = min(len(pool) // past.cohorts, round(len(pool) * past.share))
        drawn = rng.sample(pool, per_cohort * past.cohorts)
        for cohort in range(past.cohorts):
            chosen = drawn[cohort * per_cohort : (cohort + 1) * per_cohort]
            last = cohort == past.cohorts - 1
            listed = DistributionList.objects.create(
                programme=programme,
                version=cohort + 1,
                rules=rules,
                source="registry",
                status="approved" if last else "superseded",
                supersedes=previous,
                built_by=builder,
                checked_at=now,
                approved_by=approver,
                approved_at=now,
                households=len(chosen),
                people=sum(h[1] for h in chosen),
            )
            previous = listed
            first_day = starts + timedelta(days=cohort * past.cohort_days)
            for cycle in range(1, past.cycles + 1):
                day = first_day + timedelta(days=(cycle - 1) * past.cycle_days)
                distribution_of: dict[Any, int] = {}
                for household in chosen:
                    if cycle == 1:
                        writer.entry_of[household[0]] = writer.entry(
                            listed.pk, household, entitlement
                        )
                    entry_id = writer.entry_of[household[0]]
                    governorate = household[3]
                    if governorate not in distribution_of:
                        writer.distribution_id += 1
                        distribution_of[governorate] = writer.distribution_id
                        writer.distributions.append(
                            (
                                writer.distribution_id,
                                uuid.uuid4(),
                                programme.pk,
                                listed.pk,
                                cycle,
                                None,
                                governorate,
                                "",
                                day,
                                "",
                                "closed",
                                "{}",
                                "{}",
                                builder.pk,
                                now,
                                now,
                            )
                        )
                    receipt(
                        writer,
                        rng,
                        past,
                        programme.pk,
                        cycle,
                        distribution_of[governorate],
                        entry_id,
                        household[0],
                        day,
                        entitlement,
                        builder.pk,
                    )
        for name, count in writer.flush().items():
            counts[name] += count
        counts["programmes"] += 1
        say(f"{past.code}: {counts['receipts']:,} receipts so far")
    sequences_reset(["assistance_listentry", "assistance_distribution", "assistance_receipt"])
    return dict(counts)


def receipt(
    writer: Writer,
    rng: random.Random,
    past: Past,
    programme_id: int,
    cycle: int,
    distribution_id: int,
    entry_id: int,
    household_id: int,
    day: date,
    entitlement: str,
    recorder_id: int,
) -> None:
    draw = rng.random()
    if past.modality == "cash":
        outcome = "paid" if draw < 0.95 else "absent"
    else:
        outcome = (
            "received"
            if draw < 0.84
            else "proxy"
            if draw < 0.90
            else "absent"
            if draw < 0.98
            else "refused"
        )
    served = outcome in ("received", "proxy", "paid")
    at = datetime(day.year, day.month, day.day, 8, tzinfo=UTC) + timedelta(
        minutes=rng.randrange(600)
    )
    writer.receipt_id += 1
    first = writer.receipt_id
    writer.receipts.append(
        (
            first,
            uuid.uuid4(),
            distribution_id,
            programme_id,
            cycle,
            entry_id,
            household_id,
            outcome,
            served,
            None,
            "Ahmed (brother)" if outcome == "proxy" else "",
            "brother" if outcome == "proxy" else "",
            entitlement if served else "{}",
            at,
            at,
            recorder_id,
            f"r-{first}",
        )
    )
    if served and rng.randrange(LATE_DUPLICATE_EVERY) == 0:
        # A second team's recording of the same household, synced a day late: kept, not served.
        writer.receipt_id += 1
        writer.receipts.append(
            (
                writer.receipt_id,
                uuid.uuid4(),
                distribution_id,
                programme_id,
                cycle,
                entry_id,
                household_id,
                "received",
                False,
                first,
                "",
                "",
                entitlement,
                at + timedelta(minutes=30),
                at + timedelta(days=1),
                recorder_id,
                f"r-{writer.receipt_id}",
            )
        )


def world(args: argparse.Namespace) -> dict[str, Any]:
    """Organisations, officers, the registry and the year of distributions."""
    from django.core.management import call_command

    from bench import world as bench_world
    from nahrain.core import services as core_services
    from nahrain.core.models import Role
    from nahrain.geo import services as geo_services

    call_command("migrate", verbosity=0)
    geo_services.gazetteer_load()
    organisations = {
        acronym: bench_world.organisation(acronym, name).pk
        for acronym, name in ORGANISATION_NAMES.items()
    }
    officers = {}
    for acronym, organisation_id in organisations.items():
        pair = []
        for n in (1, 2):
            user = core_services.user_create(
                username=f"{acronym.lower()}.assistance{n}",
                password=bench_world.PASSWORD,
                validate=False,
            )
            core_services.membership_add(
                actor=None,
                user=user,
                organisation=_organisation(organisation_id),
                role=Role.ASSISTANCE_OFFICER,
            )
            pair.append(user)
        officers[acronym] = (pair[0], pair[1])
    registration = core_services.user_create(
        username="iom.registration", password=bench_world.PASSWORD, validate=False
    )
    result: dict[str, Any] = {}
    start = time.perf_counter()
    result["registry"] = registry_load(args, organisations, registration.pk)
    result["registry"]["s"] = round(time.perf_counter() - start, 1)
    say(f"registry: {result['registry']}")
    start = time.perf_counter()
    rng = random.Random(args.seed + 1)
    result["year"] = year_of_distributions(rng, organisations, officers)
    result["year"]["s"] = round(time.perf_counter() - start, 1)
    say(f"a year of distributions: {result['year']}")
    start = time.perf_counter()
    bench_world.analyze()
    result["analyze_s"] = round(time.perf_counter() - start, 1)
    return result


def _organisation(pk: Any) -> Any:
    from nahrain.core.models import Organisation

    return Organisation.objects.get(pk=pk)


# --- the checked list ----------------------------------------------------------------------------

# The checked programme's rules: every active IOM household; a kit; not within 180 days of
# another NFI top-up or kit, nor 90 days of a sealing-off kit, from any organisation; not to a
# household living in a camp or receiving a rental subsidy now.
RULES: dict[str, Any] = {
    "eligible": {},
    "entitlement": KIT,
    "exclusions": [
        {"rule": "served_recently", "kinds": ["nfi_top_up", "nfi_kit"], "days": 180},
        {"rule": "served_recently", "kinds": ["sealing_off_kit"], "days": 90},
        {"rule": "not_with", "kinds": ["camp_shelter", "rental_subsidy"]},
    ],
}


def checked_programme(organisation_id: Any, builder: Any) -> Any:
    """IOM's winter NFI top-up with its rules (made once; the reused database keeps it)."""
    from nahrain.assistance import services
    from nahrain.assistance.models import Programme

    found = Programme.objects.filter(organisation_id=organisation_id, code=CHECKED_CODE).first()
    if found is not None:
        return found
    programme = services.programme_create(
        actor=builder,
        organisation=_organisation(organisation_id),
        code=CHECKED_CODE,
        name_en="Seasonal NFI top-up, winter 2026-27",
        kind="nfi_top_up",
        modality="in_kind",
        cluster="snfi",
        hrp_project="IRQ-18/SN/123456",
        starts_on=date.today(),
    )
    services.rules_set(
        actor=builder, programme=programme, document=RULES, source="IOM Iraq appeal 2018"
    )
    services.programme_activate(actor=builder, programme=programme)
    return programme


def draft_list(programme: Any, builder: Any, households: list[tuple[Any, ...]]) -> Any:
    """A draft list of these households, copied as an import leaves it before its check."""
    from nahrain.assistance.models import DistributionList

    rules = programme.rules.order_by("-version").first()
    version = (programme.lists.order_by("-version").values_list("version", flat=True).first()) or 0
    listed = DistributionList.objects.create(
        programme=programme,
        version=version + 1,
        rules=rules,
        source="import",
        built_by=builder,
        households=len(households),
        people=sum(h[1] for h in households),
    )
    writer = Writer(random.Random(listed.pk))
    entitlement = json.dumps(KIT)
    for row, household in enumerate(households, start=2):
        writer.entry(listed.pk, household, entitlement)
        writer.entries[-1] = (*writer.entries[-1][:-1], row)
    writer.flush()
    sequences_reset(["assistance_listentry"])
    return listed


def exclusions_by_rule(list_id: int) -> dict[str, int]:
    from django.db.models import Count

    from nahrain.assistance.models import ListEntry

    rows = (
        ListEntry.objects.filter(list_id=list_id, included=False)
        .values_list("excluded_by")
        .annotate(n=Count("pk"))
    )
    return dict(sorted(rows))


def excluded_households(list_id: int) -> set[tuple[int, str]]:
    from nahrain.assistance.models import ListEntry

    return set(
        ListEntry.objects.filter(list_id=list_id, included=False).values_list(
            "household_id", "excluded_by"
        )
    )


def lists_removed(programme: Any) -> None:
    """The lists a previous measure made of the checked programme (a reused database)."""
    from nahrain.assistance.models import DistributionList, ListEntry

    lists = DistributionList.objects.filter(programme=programme)
    ListEntry.objects.filter(list__in=lists).delete()
    lists.update(supersedes=None)
    lists.delete()


@contextmanager
def stages_timed(stages: dict[str, float]) -> Iterator[None]:
    """Time each stage of the check while it runs (its facts read again, each rule, the
    exclusions written, the whole ``checks.run``): where the time goes, beside the total. The
    wrappers cost a call each."""
    from nahrain.assistance import checks

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                stages[name] = stages.get(name, 0.0) + time.perf_counter() - start

        return wrapper

    patches = [mock.patch.object(checks, "run", timed("checks.run", checks.run))]
    for name in ("facts_refresh", "exclusions_write"):
        patches.append(mock.patch.object(checks, name, timed(name, getattr(checks, name))))
    for rule in checks.ORDER:
        method = getattr(checks._Check, rule)
        patches.append(mock.patch.object(checks._Check, rule, timed(rule, method)))
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        yield


def measure(organisations: dict[str, Any], list_households: int, seed: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from nahrain.assistance import services
    from nahrain.assistance.models import DistributionList

    users = get_user_model().objects
    builder = users.get(username="iom.assistance1")
    programme = checked_programme(organisations["IOM"], builder)
    lists_removed(programme)
    # Departed households too: a partner's list names some the registry knows have left.
    pool = households_of(organisations["IOM"], active=False)
    rng = random.Random(seed + 2)
    # An approved first list of the programme (a twentieth of the households), then the list
    # to check: some of its households are on the first already.
    first = draft_list(programme, builder, rng.sample(pool, max(1, len(pool) // 20)))
    approver = users.get(username="iom.assistance2")
    type(first).objects.filter(pk=first.pk).update(
        status="approved", approved_by=approver, approved_at=datetime.now(UTC)
    )
    chosen = rng.sample(pool, min(len(pool), list_households))
    result: dict[str, Any] = {"list_households": len(chosen), "iom_households": len(pool)}

    listed = draft_list(programme, builder, chosen)
    baseline_list = draft_list(programme, builder, chosen)
    from bench import world as bench_world

    bench_world.analyze()
    say(f"two draft lists of {len(chosen):,} households copied; the check starts")

    load_before = load_average()
    stages: dict[str, float] = {}
    with stages_timed(stages):
        start = time.perf_counter()
        services.list_check(actor=builder, distribution_list=listed)
        result["list_check_s"] = round(time.perf_counter() - start, 2)
    # What checks.run spends outside the stages above (the ids, the counts, Python's own work).
    stages["other"] = stages["checks.run"] - sum(
        seconds for name, seconds in stages.items() if name != "checks.run"
    )
    result["stages_s"] = {name: round(seconds, 2) for name, seconds in stages.items()}
    say(f"list_check: {result['list_check_s']} s; {result['stages_s']}")

    start = time.perf_counter()
    with transaction.atomic():
        baseline(baseline_list.pk, programme)
    result["sql_s"] = round(time.perf_counter() - start, 2)
    say(f"hand-written SQL: {result['sql_s']} s")
    result["load_average"] = {"before": load_before, "after": load_average()}
    result["ratio"] = round(result["sql_s"] / result["list_check_s"], 3)

    result["excluded"] = exclusions_by_rule(listed.pk)
    result["sql_excluded"] = exclusions_by_rule(baseline_list.pk)
    ours, theirs = excluded_households(listed.pk), excluded_households(baseline_list.pk)
    result["same_exclusions"] = ours == theirs
    if not result["same_exclusions"]:
        result["only_check"] = sorted(ours - theirs)[:20]
        result["only_sql"] = sorted(theirs - ours)[:20]

    DistributionList.objects.filter(pk__in=[listed.pk, baseline_list.pk]).update(status="discarded")
    start = time.perf_counter()
    built = services.list_build(actor=builder, programme=programme)
    result["list_build_s"] = round(time.perf_counter() - start, 2)
    result["built"] = {
        "households": built.households,
        "excluded": built.excluded,
        "by_rule": exclusions_by_rule(built.pk),
    }
    say(f"list_build: {result['list_build_s']} s, {result['built']}")
    result["load_average"]["end"] = load_average()
    result["done"] = result["list_check_s"] <= DONE_S
    return result


# --- the hand-written SQL ------------------------------------------------------------------------

# The check's rules in its order of precedence (``checks.ORDER``), each as statements over the
# list's entries still included: a household excluded by one rule is not looked at by the next
# (the check looks at every rule and keeps the others in ``exclusion["also"]``: more work than
# this). ``{json}`` is the database's JSON constructor; the facts are those the rule's words
# need. ``not_eligible`` finds nothing under these rules (every active household is eligible)
# and has no statement here. Duplicates count when open at the review floor (0.5) or decided
# the same person.
_PAIRS = (
    "SELECT first_id AS a, second_id AS b FROM registry_possibleduplicate "
    "WHERE status = 'same' OR (status = 'open' AND probability >= 0.5) UNION ALL "
    "SELECT second_id, first_id FROM registry_possibleduplicate "
    "WHERE status = 'same' OR (status = 'open' AND probability >= 0.5)"
)
_EXCLUDE = "UPDATE assistance_listentry SET included = FALSE, entitlement = {json}(), "


def baseline(list_id: int, programme: Any) -> None:
    from django.db import connection

    json_function = "json_build_object" if connection.vendor == "postgresql" else "json_object"
    today = date.today()
    start_of_today = datetime(today.year, today.month, today.day, tzinfo=UTC)

    def run(statement: str, parameters: list[Any]) -> None:
        cursor.execute(statement.replace("{json}", json_function), parameters)

    with connection.cursor() as cursor:
        # The entries' facts read again from the registry (size, head's sex, site, place).
        run(
            "UPDATE assistance_listentry SET people = h.size, site_id = h.site_id, "
            "admin_unit_id = h.admin_unit_id, "
            "head_sex = COALESCE((SELECT sex FROM registry_individual i "
            "WHERE i.household_id = h.id AND i.relationship = 'head' AND i.status = 'active' "
            "ORDER BY i.id LIMIT 1), ''), "
            "included = TRUE, excluded_by = '', exclusion = {json}(), entitlement = %s "
            "FROM registry_household h "
            "WHERE assistance_listentry.list_id = %s AND h.id = assistance_listentry.household_id",
            [json.dumps(KIT), list_id],
        )
        # 1. household_inactive
        run(
            _EXCLUDE + "excluded_by = 'household_inactive', "
            "exclusion = (SELECT {json}('rule', 'household_inactive', 'status', h.status) "
            "FROM registry_household h WHERE h.id = assistance_listentry.household_id) "
            "WHERE list_id = %s AND included AND household_id IN "
            "(SELECT id FROM registry_household WHERE status <> 'active')",
            [list_id],
        )
        # 2. no_consent
        run(
            _EXCLUDE + "excluded_by = 'no_consent', exclusion = {json}('rule', 'no_consent') "
            "WHERE list_id = %s AND included AND household_id NOT IN "
            "(SELECT household_id FROM registry_consent WHERE purpose = 'assistance' "
            "AND shared_with_id IS NULL AND given_on <= %s "
            "AND (withdrawn_on IS NULL OR withdrawn_on > %s))",
            [list_id, today, today],
        )
        # 4. on_another_list
        run(
            _EXCLUDE + "excluded_by = 'on_another_list', "
            "exclusion = (SELECT {json}('rule', 'on_another_list', 'version', l.version) "
            "FROM assistance_listentry o JOIN assistance_distributionlist l ON l.id = o.list_id "
            "WHERE o.household_id = assistance_listentry.household_id AND o.included "
            "AND l.programme_id = %s AND l.status = 'approved' AND l.id <> %s "
            "ORDER BY l.version LIMIT 1) "
            "WHERE list_id = %s AND included AND household_id IN "
            "(SELECT o.household_id FROM assistance_listentry o "
            "JOIN assistance_distributionlist l ON l.id = o.list_id "
            "WHERE o.included AND l.programme_id = %s AND l.status = 'approved' AND l.id <> %s)",
            [programme.pk, list_id, list_id, programme.pk, list_id],
        )
        # 5. duplicate_on_list: the pairs in SQL, the earlier entry kept in order of the list.
        cursor.execute(
            "SELECT ea.id, eb.id, hb.number FROM assistance_listentry ea "
            "JOIN registry_individual ia ON ia.household_id = ea.household_id "
            f"JOIN ({_PAIRS}) d ON d.a = ia.id "
            "JOIN registry_individual ib ON ib.id = d.b AND ib.household_id <> ia.household_id "
            "JOIN assistance_listentry eb ON eb.household_id = ib.household_id "
            "AND eb.list_id = ea.list_id AND eb.included "
            "JOIN registry_household hb ON hb.id = eb.household_id "
            "WHERE ea.list_id = %s AND ea.included",
            [list_id],
        )
        partners: dict[int, dict[int, str]] = defaultdict(dict)
        for a, b, number in cursor.fetchall():
            partners[a][b] = number
        kept: set[int] = set()
        named: dict[int, str] = {}
        for entry in sorted(partners):
            earlier = [p for p in partners[entry] if p in kept and p < entry]
            if earlier:
                named[entry] = partners[entry][min(earlier)]
            else:
                kept.add(entry)
        by_number: dict[str, list[int]] = defaultdict(list)
        for entry, number in named.items():
            by_number[number].append(entry)
        if by_number:
            cursor.executemany(
                (
                    _EXCLUDE + "excluded_by = 'duplicate_on_list', "
                    "exclusion = {json}('rule', 'duplicate_on_list', 'number', %s) WHERE id = %s"
                ).replace("{json}", json_function),
                [(number, entry) for entry, number in named.items()],
            )
        for rule in RULES["exclusions"]:
            if rule["rule"] == "served_recently":
                since = start_of_today - timedelta(days=rule["days"])
                served_recently(run, list_id, programme.pk, rule, since)
        for rule in RULES["exclusions"]:
            if rule["rule"] == "served_recently":
                since = start_of_today - timedelta(days=rule["days"])
                served_as_duplicate(run, list_id, programme.pk, rule, since)
        for rule in RULES["exclusions"]:
            if rule["rule"] == "not_with":
                not_with(run, cursor, list_id, programme, rule, start_of_today)
        run(
            "UPDATE assistance_distributionlist SET excluded = "
            "(SELECT COUNT(*) FROM assistance_listentry WHERE list_id = %s AND NOT included), "
            "households = (SELECT COUNT(*) FROM assistance_listentry "
            "WHERE list_id = %s AND included), "
            "people = (SELECT COALESCE(SUM(people), 0) FROM assistance_listentry "
            "WHERE list_id = %s AND included), status = 'checked' WHERE id = %s",
            [list_id, list_id, list_id, list_id],
        )


def _served(kinds: list[str]) -> str:
    """Served receipts of these kinds since a moment, not of the checked programme."""
    placeholders = ", ".join(["%s"] * len(kinds))
    return (
        "SELECT r.household_id, r.id, p.kind, COALESCE(NULLIF(o.acronym, ''), o.name) AS org, "
        "r.recorded_at FROM assistance_receipt r "
        "JOIN assistance_programme p ON p.id = r.programme_id "
        "JOIN core_organisation o ON o.id = p.organisation_id "
        f"WHERE r.served AND p.kind IN ({placeholders}) AND r.recorded_at >= %s "
        "AND r.programme_id <> %s"
    )


def _newest(
    run: Any, code: str, facts: str, source: str, parameters: list[Any], list_id: int
) -> None:
    """Exclude the entries still included whose household ``source`` finds, with the facts of
    its newest row (one pass over the source, numbered by household)."""
    run(
        _EXCLUDE + f"excluded_by = '{code}', exclusion = {{json}}('rule', '{code}', {facts}) "
        "FROM (SELECT * FROM (SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.household_id "
        f"ORDER BY s.recorded_at DESC, s.id DESC) AS n FROM ({source}) s) t WHERE t.n = 1) f "
        "WHERE assistance_listentry.list_id = %s AND assistance_listentry.included "
        "AND assistance_listentry.household_id = f.household_id",
        [*parameters, list_id],
    )


_SERVED_FACTS = "'kind', f.kind, 'organisation', f.org, 'date', f.recorded_at, 'days', %s"


def served_recently(
    run: Any, list_id: int, programme_id: int, rule: dict[str, Any], since: datetime
) -> None:
    _newest(
        run,
        "served_recently",
        _SERVED_FACTS,
        _served(rule["kinds"]),
        [rule["days"], *rule["kinds"], since, programme_id],
        list_id,
    )


def served_as_duplicate(
    run: Any, list_id: int, programme_id: int, rule: dict[str, Any], since: datetime
) -> None:
    found = (
        "SELECT ia.household_id AS household_id, s.id AS id, s.kind, s.org, s.recorded_at "
        "FROM assistance_listentry e "
        "JOIN registry_individual ia ON ia.household_id = e.household_id "
        f"JOIN ({_PAIRS}) d ON d.a = ia.id "
        "JOIN registry_individual ib ON ib.id = d.b AND ib.household_id <> ia.household_id "
        f"JOIN ({_served(rule['kinds'])}) s ON s.household_id = ib.household_id "
        "WHERE e.list_id = %s AND e.included"
    )
    _newest(
        run,
        "served_as_duplicate",
        _SERVED_FACTS,
        found,
        [rule["days"], *rule["kinds"], since, programme_id, list_id],
        list_id,
    )


def not_with(
    run: Any,
    cursor: Any,
    list_id: int,
    programme: Any,
    rule: dict[str, Any],
    start_of_today: datetime,
) -> None:
    """Living in a camp (camp shelter); a served receipt of a running programme of a kind
    within its cycles (a single cycle's within 30 days)."""
    if "camp_shelter" in rule["kinds"]:
        run(
            _EXCLUDE + "excluded_by = 'not_with', exclusion = {json}('rule', 'not_with', "
            "'kind', 'camp_shelter', 'programme_kind', %s) "
            "WHERE list_id = %s AND included AND household_id IN "
            "(SELECT h.id FROM registry_household h JOIN sites_site s ON s.id = h.site_id "
            "WHERE s.type = 'camp')",
            [programme.kind, list_id],
        )
    kinds = [kind for kind in rule["kinds"] if kind != "camp_shelter"]
    if not kinds:
        return
    cursor.execute(
        "SELECT id, cycles, cycle_days FROM assistance_programme WHERE status = 'active' "
        f"AND id <> %s AND kind IN ({', '.join(['%s'] * len(kinds))})",
        [programme.pk, *kinds],
    )
    running = [
        (pk, start_of_today - timedelta(days=cycles * cycle_days or 30))
        for pk, cycles, cycle_days in cursor.fetchall()
    ]
    if not running:
        return
    within = " OR ".join(["(r.programme_id = %s AND r.recorded_at >= %s)"] * len(running))
    receiving = (
        "SELECT r.household_id, r.id, p.kind, r.recorded_at FROM assistance_receipt r "
        f"JOIN assistance_programme p ON p.id = r.programme_id WHERE r.served AND ({within})"
    )
    _newest(
        run,
        "not_with",
        "'kind', f.kind, 'programme_kind', %s",
        receiving,
        [programme.kind, *(value for pair in running for value in pair)],
        list_id,
    )


# --- the run -------------------------------------------------------------------------------------


def organisations_read() -> dict[str, Any]:
    from nahrain.core.models import Organisation

    return dict(
        Organisation.objects.filter(acronym__in=list(ORGANISATION_NAMES)).values_list(
            "acronym", "pk"
        )
    )


def bench(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from bench import run

    result: dict[str, Any] = {
        "database": args.database,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {k: getattr(args, k) for k in ("individuals", "list_households", "seed")},
        "machine": {**run.machine(), "load_average_start": load_average()},
        "versions": run.database_versions(),
    }
    say(f"{result['machine']}, {result['versions']}")
    if args.reuse_database:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    else:
        result["world"] = world(args)
    if args.generate_only:
        return result
    result["check"] = measure(organisations_read(), args.list_households, args.seed)
    if not result["check"]["same_exclusions"]:
        raise SystemExit(
            "the check and the hand-written SQL excluded different households: "
            f"{result['check'].get('only_check')} / {result['check'].get('only_sql')}"
        )
    return result


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| database | individuals | list | list_check s | SQL s | ratio (SQL s / check s) "
        "| excluded | list_build s | done (check <= 60 s) |"
    ]
    lines.append("|---|--:|--:|--:|--:|--:|--:|--:|---|")
    for name, entry in results["databases"].items():
        check = entry.get("check")
        if not check:
            continue
        excluded = sum(check["excluded"].values())
        lines.append(
            f"| {name} | {entry['parameters']['individuals']:,} | {check['list_households']:,} "
            f"| {check['list_check_s']} | {check['sql_s']} | {check['ratio']} | {excluded:,} "
            f"| {check['list_build_s']} | {check['done']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    args = arguments(argv)
    # Before bench.run reads it: the database is this benchmark's own, whatever else runs.
    os.environ.setdefault("BENCH_POSTGRES_DATABASE", DATABASE_NAME)
    from bench import run

    if args.reuse_database:
        if args.database != "postgres":
            raise SystemExit("--reuse-database needs --database postgres")
        base = args.postgres_url.rsplit("/", 1)[0]
        os.environ["DJANGO_SETTINGS_MODULE"] = "nahrain.settings"
        os.environ["DATABASE_URL"] = f"{base}/{os.environ['BENCH_POSTGRES_DATABASE']}"
        os.environ.setdefault("NAHRAIN_DATA_DIR", tempfile.mkdtemp(prefix="nahrain-bench-"))
        entry = bench(args)
        results = run.save(args.output.resolve(), entry)
        print(markdown({"databases": {args.database: results["databases"][args.database]}}))
        return 0
    return run.standalone(
        args,
        database_name=os.environ["BENCH_POSTGRES_DATABASE"],
        bench=bench,
        markdown=markdown,
    )


if __name__ == "__main__":
    sys.exit(main())
