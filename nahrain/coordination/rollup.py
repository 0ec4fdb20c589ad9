"""The figure rollup (``FigureRollup``) totals and dashboards read, kept current by the writes:
a write names the (month, organisation) pairs it touched, and once it commits their rollup rows
are recomputed from the report rows, set-based, in one statement on PostgreSQL, and the
dashboard's rollup by governorate (``DashboardRollup``) of their organisations' years from
those, in one more."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from nahrain.assistance.reach import threshold as suppression_threshold
from nahrain.coordination import codelists
from nahrain.coordination.codelists import indicators
from nahrain.coordination.models import (
    DashboardRollup,
    FigureRollup,
    Report,
    ReportRow,
    RowSource,
)

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


# On PostgreSQL the rollup is computed where the rows are: one INSERT ... SELECT over the rows
# of the keys, each sex and age cell added as its own column (the cells are a closed list,
# ``codelists.cells()``, which every row's cells belong to) and the absent ones dropped again,
# so one pass and one hash aggregate, held in memory. ``aggregate`` above is the same
# computation in Python (SQLite, and the oracle the tests compare this with).
_REFRESH_SQL = """
INSERT INTO {rollup} (year, month, cluster, indicator, aggregation, organisation_id,
                      governorate_id, place_id, from_records, rows, value, value_max, cells)
SELECT EXTRACT(YEAR FROM rep.month)::int, rep.month, rr.cluster, rr.indicator,
       COALESCE(MIN(rules.aggregation), 'sum'), rep.organisation_id, MIN(rr.governorate_id),
       rr.admin_unit_id, rr.source = 'auto', COUNT(*), SUM(rr.value), MAX(rr.value),
       jsonb_strip_nulls(jsonb_build_object({cells}))
FROM {rows} rr
JOIN {reports} rep ON rep.id = rr.report_id
JOIN unnest(%(months)s::date[], %(organisations)s::uuid[]) AS w(month, organisation_id)
    ON w.month = rep.month AND w.organisation_id = rep.organisation_id
LEFT JOIN unnest(%(codes)s::text[], %(aggregations)s::text[]) AS rules(indicator, aggregation)
    ON rules.indicator = rr.indicator
GROUP BY rep.month, rep.organisation_id, rr.cluster, rr.indicator, rr.admin_unit_id,
         rr.source = 'auto'
"""


def _refresh_in_database(keys: set[Key]) -> int:
    known = indicators()
    cells = ", ".join(f"'{cell}', SUM((rr.cells->>'{cell}')::bigint)" for cell in codelists.cells())
    sql = _REFRESH_SQL.format(
        rows=ReportRow._meta.db_table,
        reports=Report._meta.db_table,
        rollup=FigureRollup._meta.db_table,
        cells=cells,
    )
    with connection.cursor() as cursor:
        # A year's keys group some 50,000 rows: sorted or hashed in memory, not on disk.
        cursor.execute("SET LOCAL work_mem = '64MB'")
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


# The dashboard's rollup, from the figure rollup of the organisations' years: per place, each
# indicator's growth to date in the month by its rule (window functions over the place's
# months), then added by governorate; once over every figure, once over the figures anyone
# outside the organisation sees (a small figure from personal records left out, and with it
# the place's month when nothing else is there).
_GROWTH = """
SELECT year, month, cluster, indicator, organisation_id, governorate_id, {value} AS v,
       CASE aggregation
           WHEN 'cumulative' THEN {value} - COALESCE(LAG({value}) OVER w, 0)
           WHEN 'max' THEN highest - COALESCE(LAG(highest) OVER w, 0)
           ELSE {value}
       END AS g
FROM (
    SELECT b.*, MAX({value}) OVER (
        PARTITION BY year, indicator, organisation_id, place_id ORDER BY month
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS highest
    FROM ({base}) b
    {where}
) ranked
WINDOW w AS (PARTITION BY year, indicator, organisation_id, place_id ORDER BY month)
"""
_DASHBOARD_SQL = """
INSERT INTO {table} (year, month, cluster, indicator, organisation_id, governorate_id, monthly,
                     growth, monthly_public, growth_public, public)
SELECT year, month, cluster, indicator, organisation_id, governorate_id, SUM(m), SUM(g),
       SUM(mp), SUM(gp), MAX(p) = 1
FROM (
    SELECT year, month, cluster, indicator, organisation_id, governorate_id, v AS m, g,
           0 AS mp, 0 AS gp, 0 AS p
    FROM ({every}) every_figure
    UNION ALL
    SELECT year, month, cluster, indicator, organisation_id, governorate_id, 0, 0, v, g, 1
    FROM ({public}) public_figure
) grown
GROUP BY year, month, cluster, indicator, organisation_id, governorate_id
"""


def dashboard_refresh(years: Iterable[tuple[int, Any]]) -> int:
    """Recompute the dashboard rollup of the (year, organisation) pairs from the figure
    rollup; the number of its rows."""
    by_year: dict[int, set[Any]] = {}
    for year, organisation_id in years:
        by_year.setdefault(year, set()).add(organisation_id)
    people = [code for code, item in indicators().items() if item.unit == "people"]
    small = Q(from_records=True, value__gte=1, value__lt=suppression_threshold())
    written = 0
    for year, organisations in by_year.items():
        DashboardRollup.objects.filter(year=year, organisation_id__in=organisations).delete()
        base = (
            FigureRollup.objects.filter(
                year=year, organisation_id__in=organisations, indicator__in=people
            )
            .order_by()
            .values(
                "year",
                "cluster",
                "indicator",
                "aggregation",
                "organisation_id",
                "place_id",
                "governorate_id",
                "month",
            )
            .annotate(
                v=Sum("value"),
                v_public=Sum("value", filter=~small),
                n_public=Count("pk", filter=~small),
            )
        )
        base_sql, params = base.query.sql_with_params()
        sql = _DASHBOARD_SQL.format(
            table=DashboardRollup._meta.db_table,
            every=_GROWTH.format(value="v", base=base_sql, where=""),
            public=_GROWTH.format(value="v_public", base=base_sql, where="WHERE n_public > 0"),
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *params])
            written += int(cursor.rowcount)
    return written


@transaction.atomic
def refresh(keys: Iterable[Key]) -> int:
    """Recompute the rollup of the (month, organisation) pairs, then the dashboard's of their
    organisations' years; the number of figure rollup rows."""
    keys = set(keys)
    if not keys:
        return 0
    FigureRollup.objects.filter(_keys_q(keys, "")).delete()
    if connection.vendor == "postgresql":
        written = _refresh_in_database(keys)
    else:
        found = recompute(keys)
        FigureRollup.objects.bulk_create(found, batch_size=2000)
        written = len(found)
    dashboard_refresh({(month.year, organisation_id) for month, organisation_id in keys})
    return written


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
