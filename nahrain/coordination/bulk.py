"""The bulk path of imported rows: COPY on PostgreSQL, bulk_create elsewhere."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection

from nahrain.coordination.models import ReportRow

COLUMNS = (
    "report_id",
    "project_id",
    "cluster",
    "activity",
    "indicator",
    "admin_unit_id",
    "governorate_id",
    "site_id",
    "population_group",
    "cells",
    "value",
    "source",
    "source_key",
    "implementing_partner_id",
)


def write_rows(rows: list[tuple[Any, ...]]) -> int:
    """Insert report rows given as tuples in ``COLUMNS`` order (cells a dict)."""
    if connection.vendor == "postgresql":
        table = ReportRow._meta.db_table
        with connection.cursor() as cursor:
            raw: Any = cursor.cursor
            with raw.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row[:9], json.dumps(row[9]), *row[10:]))
        return len(rows)
    ReportRow.objects.bulk_create(
        [ReportRow(**dict(zip(COLUMNS, row, strict=True))) for row in rows], batch_size=2000
    )
    return len(rows)
