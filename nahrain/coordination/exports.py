"""The 4W as a file for the command line: CSV, XLSX, or CSV with the HXL hashtag row under its
headers (``#org``, ``#org+impl``, ``#sector``, ``#activity``, ``#adm1+code``, ``#reached+ind``
and its breakdown, ``#targeted``, ``#inneed``), from ``selectors.export_rows``: the rows the
reader may read, small cells of figures drawn from personal records hidden outside their
organisation, the export audited. The importer reads every such file back (its headers are
among ``fourw``'s)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q
from openpyxl import Workbook

from nahrain.coordination import codelists, selectors
from nahrain.coordination.models import ResponsePlan
from nahrain.intake.readers import neutralise

FORMATS = ("csv", "xlsx", "hxl")


class NoPlan(LookupError):
    """No response plan of that code or year."""


def plan_named(code: str | None) -> ResponsePlan:
    """The plan of a code (IRQ18) or year (2018); the latest without one."""
    plans = ResponsePlan.objects.order_by("-year")
    found = (
        plans.filter(Q(code__iexact=code) | Q(year=int(code) if code.isdigit() else 0))
        if code
        else plans
    )
    plan = found.first()
    if plan is None:
        raise NoPlan(f"no response plan {code!r}" if code else "no response plan yet")
    return plan


def _text(value: Any) -> str:
    return neutralise(str(value)) if isinstance(value, str) else str(value)


def export(
    *, actor: User, plan: ResponsePlan, cluster: str | None, format: str
) -> tuple[bytes, str]:
    """The file's bytes and name: one cluster's rows (with its areas of responsibility) or all."""
    if format not in FORMATS:
        raise ValueError(f"not an export format: {format!r}")
    table = selectors.export_rows(user=actor, plan=plan, format="hxl" if format == "hxl" else "en")
    rows = table.rows
    if cluster:
        labels = {
            codelists.label("clusters", code, "en")
            for code in codelists.with_areas_of_responsibility({cluster})
        }
        rows = [row for row in rows if row[table.headers.index("Cluster")] in labels]
    name = f"4w-{plan.code}{'-' + cluster if cluster else ''}"
    if format == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("4W")
        sheet.append(table.headers)
        for row in rows:
            sheet.append([_text(cell) if isinstance(cell, str) else cell for cell in row])
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue(), f"{name}.xlsx"
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(table.headers)
    if table.hxl is not None:
        writer.writerow(table.hxl)
    writer.writerows([_text(cell) for cell in row] for row in rows)
    suffix = "-hxl" if format == "hxl" else ""
    return text.getvalue().encode("utf-8-sig"), f"{name}{suffix}.csv"
