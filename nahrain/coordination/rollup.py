"""The figure rollup (``FigureRollup``) totals and dashboards read, kept current by the writes:
a write names the (month, organisation) pairs it touched, and once it commits their rollup rows
are recomputed from the report rows, set-based, in one statement on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from nahrain.coordination.codelists import indicators
from nahrain.coordination.models import FigureRollup, Report, ReportRow, RowSource

Key = tuple[date, Any]  # (month, organisation id)


@dataclass
class _Sum:
    governorate_id: Any
    rows: int = 0
    value: int = 0
    value_max: int = 0
    cells: dict[str, int] = field(default_factory=dict)


def _keys_q(keys: Iterable[Key], prefix: str) -> Q:
    by_month: dict[date, set[Any]] = {}
    for month, organisation_id in keys:
        by_month.setdefault(month, set()).add(organisation_id)
    q = Q(pk__in=[])
    for month, organisations in by_month.items():
        q |= Q(**{f"{prefix}month": month, f"{prefix}organisation_id__in": organisations})
    return q


def aggregate(rows: Iterable[dict[str, Any]]) -> list[FigureRollup]:
    """Rollup rows from report rows (``report__month``, ``report__organisation_id``, cluster,
    indicator, admin_unit_id, governorate_id, source, value, cells): added over population
    groups, projects and sites per month, cluster, indicator, organisation and place."""
    sums: dict[tuple[Any, ...], _Sum] = {}
    for row in rows:
        key = (
            row["report__month"],
            row["cluster"],
            row["indicator"],
            row["report__organisation_id"],
            row["admin_unit_id"],
            row["source"] == RowSource.AUTO,
        )
        found = sums.get(key)
        if found is None:
            found = sums[key] = _Sum(governorate_id=row["governorate_id"])
        found.rows += 1
        found.value += row["value"]
        found.value_max = max(found.value_max, row["value"])
        for cell, count in (row["cells"] or {}).items():
            found.cells[cell] = found.cells.get(cell, 0) + int(count)
    known = indicators()
    return [
        FigureRollup(
            year=month.year,
            month=month,
            cluster=cluster,
            indicator=indicator,
            aggregation=known[indicator].aggregation if indicator in known else "sum",
            organisation_id=organisation_id,
            governorate_id=found.governorate_id,
            place_id=place_id,
            from_records=from_records,
            rows=found.rows,
            value=found.value,
            value_max=found.value_max,
            cells=found.cells,
        )
        for (month, cluster, indicator, organisation_id, place_id, from_records), found in (
            sums.items()
        )
    ]


ROW_FIELDS = (
    "report__month",
    "report__organisation_id",
    "cluster",
    "indicator",
    "admin_unit_id",
    "governorate_id",
    "source",
    "value",
    "cells",
)


def recompute(keys: Iterable[Key] | None = None) -> list[FigureRollup]:
    """What the rollup holds for the keys (everything when None), computed afresh."""
    rows = ReportRow.objects.all()
    if keys is not None:
        rows = rows.filter(_keys_q(keys, "report__"))
    return aggregate(rows.values(*ROW_FIELDS).iterator(chunk_size=5000))


# On PostgreSQL the rollup is computed where the rows are: one INSERT ... SELECT, the cells added
# key by key with jsonb_each_text. ``aggregate`` above is the same computation in Python (SQLite,
# and the oracle the tests compare this with).
_REFRESH_SQL = """
WITH wanted AS (
    SELECT * FROM unnest(%(months)s::date[], %(organisations)s::uuid[]) AS w(month, organisation_id)
),
base AS (
    SELECT rep.month, rep.organisation_id, rr.cluster, rr.indicator, rr.admin_unit_id,
           rr.source = 'auto' AS from_records, rr.governorate_id, rr.value, rr.cells
    FROM {rows} rr
    JOIN {reports} rep ON rep.id = rr.report_id
    JOIN wanted w ON w.month = rep.month AND w.organisation_id = rep.organisation_id
),
groups AS (
    SELECT month, organisation_id, cluster, indicator, admin_unit_id, from_records,
           MIN(governorate_id) AS governorate_id, COUNT(*) AS n, SUM(value) AS total,
           MAX(value) AS highest
    FROM base GROUP BY 1, 2, 3, 4, 5, 6
),
cell_sums AS (
    SELECT month, organisation_id, cluster, indicator, admin_unit_id, from_records,
           jsonb_object_agg(key, added) AS cells
    FROM (
        SELECT b.month, b.organisation_id, b.cluster, b.indicator, b.admin_unit_id,
               b.from_records, e.key, SUM(e.value::bigint) AS added
        FROM base b, jsonb_each_text(b.cells) e
        GROUP BY 1, 2, 3, 4, 5, 6, 7
    ) per_cell
    GROUP BY 1, 2, 3, 4, 5, 6
),
rules AS (
    SELECT * FROM unnest(%(codes)s::text[], %(aggregations)s::text[]) AS r(indicator, aggregation)
)
INSERT INTO {rollup} (year, month, cluster, indicator, aggregation, organisation_id,
                      governorate_id, place_id, from_records, rows, value, value_max, cells)
SELECT EXTRACT(YEAR FROM g.month)::int, g.month, g.cluster, g.indicator,
       COALESCE(rules.aggregation, 'sum'), g.organisation_id, g.governorate_id,
       g.admin_unit_id, g.from_records, g.n, g.total, g.highest,
       COALESCE(c.cells, '{{}}'::jsonb)
FROM groups g
LEFT JOIN cell_sums c USING (month, organisation_id, cluster, indicator, admin_unit_id,
                             from_records)
LEFT JOIN rules USING (indicator)
"""


def _refresh_in_database(keys: set[Key]) -> int:
    known = indicators()
    sql = _REFRESH_SQL.format(
        rows=ReportRow._meta.db_table,
        reports=Report._meta.db_table,
        rollup=FigureRollup._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "months": [month for month, _o in keys],
                "organisations": [organisation for _m, organisation in keys],
                "codes": list(known),
                "aggregations": [item.aggregation for item in known.values()],
            },
        )
        return int(cursor.rowcount)


@transaction.atomic
def refresh(keys: Iterable[Key]) -> int:
    """Recompute the rollup of the (month, organisation) pairs; the number of rollup rows."""
    keys = set(keys)
    if not keys:
        return 0
    FigureRollup.objects.filter(_keys_q(keys, "")).delete()
    if connection.vendor == "postgresql":
        return _refresh_in_database(keys)
    found = recompute(keys)
    FigureRollup.objects.bulk_create(found, batch_size=2000)
    return len(found)


class _Batch:
    """The keys one transaction touched, refreshed once after it commits."""

    def __init__(self) -> None:
        self.keys: set[Key] = set()
        self.ran = False

    def run(self) -> None:
        self.ran = True
        refresh(self.keys)


def refresh_on_commit(keys: Iterable[Key]) -> None:
    """Refresh the keys once the current transaction commits, with every other refresh the
    transaction asked for."""
    wanted = set(keys)
    conn = transaction.get_connection()
    if conn.in_atomic_block:
        for _savepoints, queued, _robust in conn.run_on_commit:
            queued_batch = getattr(queued, "__self__", None)
            if isinstance(queued_batch, _Batch) and not queued_batch.ran:
                queued_batch.keys |= wanted
                return
    batch = _Batch()
    batch.keys |= wanted
    # Robust: the reports are committed whatever the rollup does; a failed refresh is logged
    # and made good by the next write of the same keys.
    transaction.on_commit(batch.run, robust=True)
