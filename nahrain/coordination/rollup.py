"""The figure rollup (``FigureRollup``) totals and dashboards read, kept current by the writes:
a write names the (month, organisation) pairs it touched, and once it commits their rollup rows
are recomputed from the report rows, set-based, in one pass per batch."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from nahrain.coordination.codelists import indicators
from nahrain.coordination.models import FigureRollup, ReportRow, RowSource

Key = tuple[date, Any]  # (month, organisation id)
_ROLLUP_COLUMNS = (
    "year",
    "month",
    "cluster",
    "indicator",
    "aggregation",
    "organisation_id",
    "governorate_id",
    "place_id",
    "from_records",
    "rows",
    "value",
    "value_max",
    "cells",
)


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


def _copy(found: list[FigureRollup]) -> None:
    table = FigureRollup._meta.db_table
    with connection.cursor() as cursor:
        raw: Any = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(_ROLLUP_COLUMNS)}) FROM STDIN") as copy:
            for r in found:
                copy.write_row(
                    (
                        r.year,
                        r.month,
                        r.cluster,
                        r.indicator,
                        r.aggregation,
                        r.organisation_id,
                        r.governorate_id,
                        r.place_id,
                        r.from_records,
                        r.rows,
                        r.value,
                        r.value_max,
                        json.dumps(r.cells),
                    )
                )


@transaction.atomic
def refresh(keys: Iterable[Key]) -> int:
    """Recompute the rollup of the (month, organisation) pairs; the number of rollup rows."""
    keys = set(keys)
    if not keys:
        return 0
    FigureRollup.objects.filter(_keys_q(keys, "")).delete()
    found = recompute(keys)
    if connection.vendor == "postgresql":
        _copy(found)
    else:
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
