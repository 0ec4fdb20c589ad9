"""Loads: the importer (``services.round_import``) against a raw write of the same rows.

The baseline writes exactly the rows the importer stores (same facts, same breakdown rows, same
values), computed beforehand from the synthetic data with the importer's rules (household size,
origins in individuals turned into households), with their ids reserved beforehand too. Only the
write is timed: psycopg's ``cursor.copy`` on PostgreSQL, one ``executemany`` per table on SQLite,
in one transaction, commit included. ``same_rows`` checks that both wrote the same rows.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction

from bench.synthetic import RoundData
from nahrain.displacement import bulk, services
from nahrain.displacement.dtm_format import HOUSEHOLD_SIZE, HOUSEHOLD_SIZE_IN_CAMP_FROM_117
from nahrain.displacement.models import AssessmentRound, Breakdown, LocationAssessment
from nahrain.geo.models import AdminUnit, Location

ASSESSMENT = LocationAssessment._meta.db_table
BREAKDOWN = Breakdown._meta.db_table
# The importer's own column lists (nahrain/displacement/bulk.py), with the ids the baseline
# reserves beforehand.
ASSESSMENT_COLUMNS = ("id", *bulk.ASSESSMENT_COLUMNS)
BREAKDOWN_COLUMNS = bulk.BREAKDOWN_COLUMNS
POPULATION = "idp"


@dataclass(frozen=True)
class PlaceKeys:
    location_id: int
    adm1: int
    adm2: int | None
    adm3: int | None


@dataclass
class Rows:
    assessments: list[tuple[Any, ...]]
    breakdowns: list[tuple[Any, ...]]

    @property
    def count(self) -> int:
        return len(self.assessments) + len(self.breakdowns)


@dataclass
class Timing:
    seconds: float
    rows: int
    stages: dict[str, float] = field(default_factory=dict)
    warnings: int = 0
    queries: dict[str, int] = field(default_factory=dict)
    query_s: dict[str, float] = field(default_factory=dict)
    collector_s: float = 0.0  # of the cyclic garbage collector's runs within ``seconds``


def place_keys() -> dict[str, PlaceKeys]:
    """Place id -> location and its governorate, district and subdistrict ids."""
    parents = {
        pk: (level, parent)
        for pk, level, parent in AdminUnit.objects.values_list("pk", "level", "parent_id")
    }

    def chain(unit_id: int) -> dict[int, int]:
        levels: dict[int, int] = {}
        current: int | None = unit_id
        while current is not None:
            level, parent = parents[current]
            levels[level] = current
            current = parent
        return levels

    keys = {}
    for external_id, pk, unit_id in Location.objects.values_list(
        "external_id", "pk", "admin_unit_id"
    ):
        levels = chain(unit_id)
        keys[external_id] = PlaceKeys(pk, levels[1], levels.get(2), levels.get(3))
    return keys


def reserve_ids(count: int) -> list[int]:
    """Ids for ``count`` new assessment rows, taken before the timed write."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [ASSESSMENT, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {ASSESSMENT}")
        (top,) = cursor.fetchone()
        return list(range(top + 1, top + 1 + count))


def household_size(data: RoundData, shelter: dict[str, int]) -> Decimal:
    """The importer's rule: six a household, five for IDPs only in camps from round 117."""
    if data.number >= 117 and set(shelter) == {"camp"}:
        return HOUSEHOLD_SIZE_IN_CAMP_FROM_117
    return HOUSEHOLD_SIZE


def baseline_rows(data: RoundData, *, round_id: int, keys: dict[str, PlaceKeys]) -> Rows:
    """The rows the importer stores for this round, computed without it."""
    ids = reserve_ids(len(data.locations))
    assessments: list[tuple[Any, ...]] = []
    breakdowns: list[tuple[Any, ...]] = []
    in_individuals = data.layout.origin_unit == "individuals"
    for assessment_id, f in zip(ids, data.locations, strict=True):
        key = keys[f.place.place_id]
        size = household_size(data, f.shelter)
        assessments.append(
            (
                assessment_id,
                round_id,
                key.location_id,
                POPULATION,
                f.households,
                f.individuals,
                size,
                key.adm1,
                key.adm2,
                key.adm3,
            )
        )
        for dimension, parts in (("shelter", f.shelter), ("period", f.period)):
            for category, households in parts.items():
                breakdowns.append(
                    (assessment_id, dimension, category, households, int(households * size))
                )
        for category, value in f.origin.items():
            if in_individuals:
                breakdowns.append((assessment_id, "origin", category, round(value / size), value))
            else:
                breakdowns.append((assessment_id, "origin", category, value, int(value * size)))
    return Rows(assessments, breakdowns)


def _insert(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    raw = connection.connection
    if connection.vendor == "postgresql":
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


class _Collections:
    """The time Python's cyclic garbage collector runs, while counting."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start

    def __enter__(self) -> _Collections:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def baseline_write(rows: Rows) -> Timing:
    """The raw write, timed: both tables in one transaction, commit included."""
    connection.ensure_connection()
    gc.collect()
    with _Collections() as collections:
        start = time.perf_counter()
        with transaction.atomic():
            _insert(ASSESSMENT, ASSESSMENT_COLUMNS, rows.assessments)
            _insert(BREAKDOWN, BREAKDOWN_COLUMNS, rows.breakdowns)
        seconds = time.perf_counter() - start
    return Timing(seconds, rows.count, collector_s=collections.seconds)


def stored_rows(round_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {ASSESSMENT} WHERE round_id = %s) + "
            f"(SELECT COUNT(*) FROM {BREAKDOWN} b JOIN {ASSESSMENT} a ON a.id = b.assessment_id "
            f"WHERE a.round_id = %s)",
            [round_id, round_id],
        )
        return int(cursor.fetchone()[0])


def timed_import(
    *, actor: User, assessment_round: AssessmentRound, data: bytes, file: str
) -> Timing:
    """``services.round_import`` of a file, timed whole and by the stages it reports, with the
    SQL statements each stage ran (the bulk writes aside, COPY or the driver's executemany,
    which bypass Django's cursor) and their time, and the garbage collector's time."""
    marks: list[tuple[str, float]] = []
    queries: dict[str, list[float]] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if not marks or marks[-1][0] != stage:
            marks.append((stage, time.perf_counter()))

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            stage = marks[-1][0] if marks else "start"
            queries.setdefault(stage, []).append(time.perf_counter() - start)

    gc.collect()
    with _Collections() as collections:
        start = time.perf_counter()
        with connection.execute_wrapper(counted):
            report = services.round_import(
                actor=actor,
                assessment_round=assessment_round,
                data=data,
                file=file,
                population=POPULATION,
                progress=progress,
            )
        end = time.perf_counter()
    stages: dict[str, float] = {}
    for (stage, at), (_, following) in zip(marks, [*marks[1:], ("end", end)], strict=True):
        if stage != "done":
            stages[stage] = stages.get(stage, 0.0) + following - at
    rows = stored_rows(assessment_round.pk)
    return Timing(
        end - start,
        rows,
        stages,
        warnings=len(report.warnings),
        queries={stage: len(times) for stage, times in queries.items()},
        query_s={stage: sum(times) for stage, times in queries.items()},
        collector_s=collections.seconds,
    )


def same_rows(imported: int, baseline: int) -> bool:
    """Whether two rounds hold the same facts and breakdown rows (ids and round aside)."""
    facts = (
        f"SELECT location_id, population, households, individuals, household_size, adm1_id, "
        f"adm2_id, adm3_id FROM {ASSESSMENT} WHERE round_id = %s"
    )
    parts = (
        f"SELECT a.location_id, b.dimension, b.category, b.households, b.individuals "
        f"FROM {BREAKDOWN} b JOIN {ASSESSMENT} a ON a.id = b.assessment_id WHERE a.round_id = %s"
    )
    with connection.cursor() as cursor:
        for query in (facts, parts):
            for first, second in ((imported, baseline), (baseline, imported)):
                cursor.execute(f"SELECT COUNT(*) FROM ({query} EXCEPT {query}) d", [first, second])
                if cursor.fetchone()[0]:
                    return False
    return stored_rows(imported) == stored_rows(baseline)
