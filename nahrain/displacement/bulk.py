"""Set-based writes of facts and rollups: COPY on PostgreSQL, executemany on SQLite.

Django's bulk_create reaches about 4% of COPY's speed on PostgreSQL; a national round holds
about 4,000 locations and 150,000 breakdown rows, so the import writes through the driver.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection

from nahrain.displacement.models import Breakdown, LocationAssessment, Rollup
from nahrain.geo.models import AdminUnit

ASSESSMENT_COLUMNS = (
    "round_id",
    "location_id",
    "population",
    "households",
    "individuals",
    "household_size",
    "adm1_id",
    "adm2_id",
    "adm3_id",
)
BREAKDOWN_COLUMNS = ("assessment_id", "dimension", "category", "households", "individuals")
ROLLUP_COLUMNS = (
    "round_id",
    "population",
    "level",
    "unit_id",
    "dimension",
    "category",
    "households",
    "individuals",
    "locations",
)


_paused = 0
_paused_lock = threading.Lock()
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold Python's cyclic garbage collector off while a load builds its rows.

    An import keeps tens of thousands of objects alive (records, places) while it makes and
    writes a hundred thousand rows: the collector's thresholds then start full collections,
    each a scan of every object of the process (80 ms and more), though the import leaves
    almost no cycles (its objects are freed by reference counting when it returns). Nested
    and concurrent loads share one pause; the collector is back on when the last one ends.
    """
    global _paused, _was_enabled
    with _paused_lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _paused_lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write rows into a table: COPY on PostgreSQL, one executemany on other databases."""
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join(columns)
            raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            # Through the driver's own executemany, which takes one row at a time from the
            # iterable and lets it go once written. Django's keeps every row alive until the
            # last (its cursor peeks at the first one through a tee): 150,000 rows held, and
            # the cyclic garbage collector scanning them, cost an import a tenth of its time.
            placeholders = ", ".join(["?"] * len(columns))
            connection.validate_no_broken_transaction()
            with connection.wrap_database_errors:
                raw = connection.connection.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608
                    rows,
                )
            count = raw.rowcount
            raw.close()
    return count


def facts_delete(*, round_id: int, population: str) -> None:
    """Remove a round's facts of one population (an import replaces them whole)."""
    assessment = LocationAssessment._meta.db_table
    breakdown = Breakdown._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {breakdown} WHERE assessment_id IN "  # noqa: S608
            f"(SELECT id FROM {assessment} WHERE round_id = %s AND population = %s)",
            [round_id, population],
        )
        cursor.execute(
            f"DELETE FROM {assessment} WHERE round_id = %s AND population = %s",  # noqa: S608
            [round_id, population],
        )


def assessment_ids(*, round_id: int, population: str) -> dict[int, int]:
    """location id -> assessment id for a round and population, after its rows were copied."""
    return dict(
        LocationAssessment.objects.filter(round_id=round_id, population=population).values_list(
            "location_id", "id"
        )
    )


FineRow = tuple[Any, ...]  # population, adm1, adm2, adm3, dimension, category, hh, ind, rows


def rollups_refresh(
    *,
    round_id: int,
    shelter_groups: dict[str, str],
    population: str | None = None,
    fine: list[FineRow] | None = None,
) -> int:
    """Rebuild a round's rollup rows from its facts: totals and breakdowns at levels 0 to 3.

    The facts are grouped once, at the finest grain (population, governorate, district,
    subdistrict, category), in two statements; the few thousand rows that come back are summed
    up to each level here and written in one COPY. Grouping the facts once per level instead
    cost four scans of the breakdown rows (most of an import's time, see docs/PERFORMANCE.md).
    An import that has just written one population's facts passes them already grouped
    (``population`` and ``fine``): only the round's other populations are read back.
    Level 0 is the governorate's parent (the country). Shelter groups are summed from the
    shelter rows, so that the mapping stays in the code list.
    """
    rollup = Rollup._meta.db_table
    assessment = LocationAssessment._meta.db_table
    breakdown = Breakdown._meta.db_table
    others = ""
    params: list[Any] = [round_id]
    if fine is not None:
        others = " AND population <> %s"
        params.append(population)
    rows: list[FineRow] = list(fine or [])
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {rollup} WHERE round_id = %s", [round_id])  # noqa: S608
        cursor.execute(
            f"SELECT population, adm1_id, adm2_id, adm3_id, 'total', '', "  # noqa: S608
            f"SUM(households), SUM(individuals), COUNT(*) FROM {assessment} "
            f"WHERE round_id = %s{others} GROUP BY population, adm1_id, adm2_id, adm3_id",
            params,
        )
        rows += cursor.fetchall()
        cursor.execute(
            f"SELECT a.population, a.adm1_id, a.adm2_id, a.adm3_id, b.dimension, "  # noqa: S608
            f"b.category, SUM(b.households), SUM(b.individuals), COUNT(*) "
            f"FROM {breakdown} b JOIN {assessment} a ON a.id = b.assessment_id "
            f"WHERE a.round_id = %s{others.replace('population', 'a.population')} "
            f"GROUP BY a.population, a.adm1_id, a.adm2_id, a.adm3_id, b.dimension, b.category",
            params,
        )
        rows += cursor.fetchall()
    country = dict(
        AdminUnit.objects.filter(pk__in={row[1] for row in rows}).values_list("pk", "parent_id")
    )
    sums: dict[tuple[str, int, int, str, str], list[int]] = {}
    for population_, adm1, adm2, adm3, dimension, category, households, individuals, n in rows:
        categories = [(dimension, category)]
        if dimension == "shelter":
            categories.append(("shelter_group", shelter_groups.get(category, "unknown_other")))
        for level, unit in ((0, country.get(adm1)), (1, adm1), (2, adm2), (3, adm3)):
            if unit is None:
                continue
            for kind, code in categories:
                totals = sums.setdefault((population_, level, unit, kind, code), [0, 0, 0])
                totals[0] += households
                totals[1] += individuals
                totals[2] += n
    return copy_rows(
        rollup,
        ROLLUP_COLUMNS,
        (
            (round_id, population_, level, unit, kind, code, int(h), int(i), int(n))
            for (population_, level, unit, kind, code), (h, i, n) in sums.items()
        ),
    )
