"""The 4W as a file: CSV, XLSX, or CSV with the HXL hashtag row under its headers (the 3W/4W
tags OCHA's tools and HDX read: ``#org``, ``#org+impl``, ``#sector``, ``#activity``,
``#adm1+code``, ``#loc``, ``#date+month``, ``#reached+ind`` and its breakdown, ``#targeted``,
``#inneed``).

The rows are those the reader may read (``access.visible``: their organisations' reports, their
clusters' rows; the operator on the command line reads all). The headers are the importer's own
(``fourw``), so that an exported sheet comes back in unchanged. Figures the system filled from
personal records (distributions, referrals, consultations) leave their organisation with no
breakdown where a cell counts one to four people (``core.suppression``'s threshold), so that no
small group can be told apart. Every export is audited (ids only).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import CommandError
from django.db.models import Q
from openpyxl import Workbook

from nahrain.coordination import access, codelists
from nahrain.coordination.fourw import CELL_FIELDS
from nahrain.coordination.models import (
    FigureKind,
    PlanFigure,
    ReportRow,
    ResponsePlan,
    RowSource,
)
from nahrain.core.services import audit_record
from nahrain.geo.models import AdminUnit
from nahrain.intake.readers import neutralise

FORMATS = ("csv", "xlsx", "hxl")
SMALL_CELL_BELOW = 5

# (header, HXL hashtag): the importer reads each header back as the same field.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Partner", "#org+acronym"),
    ("Partner (full name)", "#org+name+full"),
    ("Implementing partner", "#org+impl"),
    ("Cluster", "#sector+code"),
    ("Activity", "#activity+code"),
    ("Activity (label)", "#activity+name+label"),
    ("Indicator", "#indicator+code"),
    ("Indicator (label)", "#indicator+name+label"),
    ("Governorate", "#adm1+name"),
    ("Governorate p-code", "#adm1+code"),
    ("District", "#adm2+name"),
    ("District p-code", "#adm2+code"),
    ("Sub-district", "#adm3+name"),
    ("Sub-district p-code", "#adm3+code"),
    ("Location/Camp", "#loc+name"),
    ("Site code", "#loc+code"),
    ("Month", "#date+month"),
    ("Population group", "#beneficiary+type"),
    ("HRP project code", "#activity+project+code"),
    ("Source", "#meta+source"),
    ("# individuals reached", "#reached+ind"),
    ("Girls", "#reached+f+children"),
    ("Boys", "#reached+m+children"),
    ("Women", "#reached+f+adults"),
    ("Men", "#reached+m+adults"),
    ("Elderly women", "#reached+f+elderly"),
    ("Elderly men", "#reached+m+elderly"),
    ("People in need (cluster, governorate)", "#inneed+ind"),
    ("Targeted (cluster, governorate)", "#targeted+ind"),
)
CELL_ORDER = ("girls", "boys", "women", "men", "elderly_women", "elderly_men")


def _plan(code: str | None) -> ResponsePlan | None:
    plans = ResponsePlan.objects.all()
    if not code:
        return plans.order_by("-year").first()
    found = plans.filter(Q(code__iexact=code) | Q(year=int(code) if code.isdigit() else 0)).first()
    if found is None:
        raise CommandError(f"no response plan {code!r}")
    return found


def _rows(actor: User | None, plan: ResponsePlan | None, cluster: str | None) -> Any:
    rows = ReportRow.objects.select_related(
        "report__organisation", "implementing_partner", "project", "site", "admin_unit"
    ).order_by("report__month", "report__organisation__acronym", "cluster", "activity", "pk")
    if plan is not None:
        rows = rows.filter(report__month__year=plan.year)
    if cluster:
        rows = rows.filter(cluster__in=codelists.with_areas_of_responsibility({cluster}))
    if actor is not None:
        scope = access.visible(actor)
        rows = rows.filter(scope.q(organisation="report__organisation_id", cluster="cluster"))
        return rows, scope.organisations
    return rows, None


def _chain(unit: AdminUnit, units: dict[int, AdminUnit]) -> dict[int, AdminUnit]:
    found: dict[int, AdminUnit] = {}
    current: AdminUnit | None = unit
    while current is not None and current.level >= 1:
        found[current.level] = current
        current = units.get(current.parent_id) if current.parent_id else None
    return found


def table(
    *, actor: User | None, plan: ResponsePlan | None, cluster: str | None
) -> Iterator[list[str]]:
    """The export's rows, header first (text cells)."""
    rows, own = _rows(actor, plan, cluster)
    units = AdminUnit.objects.defer("geometry").in_bulk()
    figures: dict[tuple[str, str, int | None], int] = {}
    if plan is not None:
        for kind, cluster_, governorate, people in PlanFigure.objects.filter(
            plan=plan, population_group=""
        ).values_list("kind", "cluster", "governorate_id", "people"):
            figures[(kind, cluster_, governorate)] = people
    cell_keys = [CELL_FIELDS[name] for name in CELL_ORDER]
    yield [header for header, _tag in COLUMNS]
    for row in rows.iterator(chunk_size=2000):
        places = _chain(row.admin_unit, units)
        organisation = row.report.organisation
        values = [row.value, *(row.cells.get(key) for key in cell_keys)]
        outside = own is not None and organisation.pk not in own
        if outside and row.source == RowSource.AUTO:
            if any(v is not None and 0 < v < SMALL_CELL_BELOW for v in values[1:]):
                values[1:] = [None] * len(cell_keys)
            if 0 < row.value < SMALL_CELL_BELOW:
                values[0] = None
        governorate = places.get(1)
        yield [
            organisation.acronym,
            organisation.name,
            row.implementing_partner.acronym if row.implementing_partner else "",
            row.cluster,
            row.activity,
            codelists.activity_label(row.activity, "en"),
            row.indicator,
            codelists.indicator(row.indicator).label("en")
            if row.indicator in codelists.indicators()
            else row.indicator,
            *(
                text
                for level in (1, 2, 3)
                for text in (
                    (places[level].name_en, places[level].pcode) if level in places else ("", "")
                )
            ),
            row.site.name_en if row.site else "",
            row.site.code if row.site else "",
            row.report.month.isoformat()[:7],
            row.population_group,
            row.project.code if row.project else "",
            row.source,
            *("" if v is None else str(v) for v in values),
            *(
                str(figures.get((kind, row.cluster, governorate.pk if governorate else None), ""))
                for kind in (FigureKind.IN_NEED, FigureKind.TARGETED)
            ),
        ]


def export(
    *, actor: User | None, plan: str | None, cluster: str | None, format: str
) -> tuple[bytes, str]:
    """The 4W export as bytes and its file name; audited."""
    if format not in FORMATS:
        raise ValueError(f"not an export format: {format!r}")
    chosen = _plan(plan)
    lines = list(table(actor=actor, plan=chosen, cluster=cluster))
    name = f"4w-{chosen.code if chosen else 'all'}{'-' + cluster if cluster else ''}"
    if format == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("4W")
        sheet.append(lines[0])
        for line in lines[1:]:
            sheet.append([int(c) if c.isdigit() else neutralise(c) for c in line])
        out = io.BytesIO()
        workbook.save(out)
        data, name = out.getvalue(), f"{name}.xlsx"
    else:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(lines[0])
        if format == "hxl":
            writer.writerow([tag for _header, tag in COLUMNS])
        writer.writerows([neutralise(c) for c in line] for line in lines[1:])
        data, name = (
            text.getvalue().encode("utf-8-sig"),
            f"{name}{'-hxl' if format == 'hxl' else ''}.csv",
        )
    audit_record(
        actor=actor,
        action="coordination.export",
        object_type="coordination.plan",
        object_id=str(chosen.uid) if chosen else "",
        organisation=None,
        detail={"format": format, "cluster": cluster or "", "rows": len(lines) - 1},
    )
    return data, name
