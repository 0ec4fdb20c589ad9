"""Reads of coordination, always for a reader (``access.visible``): reports and their rows,
totals per indicator by its aggregation rule, the cluster dashboard (from the rollup alone),
the funding gap, partner presence and the 3W/4W export with HXL tags.

Figures the system filled from personal records (automatic rows) are exact for their own
organisation; anyone else sees a figure below the small-cell threshold hidden, with its sex and
age cells (``core.suppression``'s threshold, DESIGN.md section 6). Entered and imported figures
are the partners' published aggregates and are shown as they are."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet, Sum

from nahrain.assistance.reach import HXL_AGE, threshold
from nahrain.coordination import access, codelists
from nahrain.coordination.models import (
    FigureKind,
    FigureRollup,
    PlanFigure,
    Project,
    Report,
    ReportRow,
    ResponsePlan,
    RowSource,
)
from nahrain.coordination.places import Tree
from nahrain.core.access import AnyUser
from nahrain.core.models import Organisation
from nahrain.core.services import audit_record
from nahrain.geo.models import AdminUnit

# --- reports ----------------------------------------------------------------------------------


def reports_visible(*, user: AnyUser) -> QuerySet[Report]:
    scope = access.visible(user)
    return (
        Report.objects.filter(
            Q(organisation__in=scope.organisations)
            | Q(pk__in=ReportRow.objects.filter(cluster__in=scope.clusters).values("report_id"))
        )
        .select_related("organisation")
        .order_by("-month", "organisation__acronym")
    )


@dataclass(frozen=True)
class RowShown:
    row: ReportRow
    value: int | None  # None: hidden (a small figure from personal records)
    cells: dict[str, int | None]


def _hidden(value: int) -> bool:
    return 0 < value < threshold()


def _shown(row: ReportRow, own: bool) -> RowShown:
    if own or row.source != RowSource.AUTO:
        return RowShown(row, row.value, dict(row.cells))
    cells: dict[str, int | None] = {k: None if _hidden(v) else v for k, v in row.cells.items()}
    if any(v is None for v in cells.values()):
        # One hidden cell would be recovered from the figure and the others: hide them all.
        cells = dict.fromkeys(cells)
    return RowShown(row, None if _hidden(row.value) else row.value, cells)


def report_rows(*, user: AnyUser, report: Report) -> list[RowShown]:
    """The rows of a report the reader sees: all of their own organisation's, their clusters'
    of another's."""
    scope = access.visible(user)
    own = report.organisation_id in scope.organisations
    rows = report.rows.select_related("admin_unit", "site", "project")
    if not own:
        rows = rows.filter(cluster__in=scope.clusters)
    return [_shown(row, own) for row in rows.order_by("cluster", "activity", "indicator", "pk")]


# --- totals -----------------------------------------------------------------------------------


@dataclass
class IndicatorTotal:
    cluster: str
    activity: str
    indicator: str
    unit: str
    aggregation: str
    value: int = 0
    cells: dict[str, int] = field(default_factory=dict)
    partners: int = 0
    # Unique people reported by several partners may be the same people: flagged, not removed.
    possibly_overlapping: bool = False
    # Small figures from personal records of other organisations, left out of ``value``.
    hidden_parts: int = 0


@dataclass(frozen=True)
class _Part:
    month: date
    organisation_id: Any
    place_id: Any
    governorate_id: Any
    value: int
    cells: dict[str, int]
    from_records: bool


def _rollup(
    user: AnyUser,
    plan: ResponsePlan,
    *,
    cluster: str | None = None,
    governorate: AdminUnit | None = None,
    month_from: date | None = None,
    month_to: date | None = None,
    indicators: Iterable[str] | None = None,
) -> tuple[dict[str, list[_Part]], frozenset[Any]]:
    """The rollup rows the reader sees, per indicator."""
    scope = access.visible(user)
    found = FigureRollup.objects.filter(year=plan.year).filter(
        scope.q(organisation="organisation_id", cluster="cluster")
    )
    if cluster:
        found = found.filter(cluster=cluster)
    if governorate is not None:
        found = found.filter(governorate=governorate)
    if month_from is not None:
        found = found.filter(month__gte=codelists.first_day(month_from))
    if month_to is not None:
        found = found.filter(month__lte=codelists.first_day(month_to))
    if indicators is not None:
        found = found.filter(indicator__in=list(indicators))
    parts: dict[str, list[_Part]] = defaultdict(list)
    for indicator, *rest in found.values_list(
        "indicator",
        "month",
        "organisation_id",
        "place_id",
        "governorate_id",
        "value",
        "cells",
        "from_records",
    ).iterator(chunk_size=5000):
        parts[indicator].append(_Part(*rest))
    return parts, scope.organisations


def _add(cells: dict[str, int], more: dict[str, int]) -> None:
    for key, count in more.items():
        cells[key] = cells.get(key, 0) + count


def apply_rule(aggregation: str, parts: list[_Part]) -> tuple[int, dict[str, int]]:
    """One indicator's total over months, partners and places by its aggregation rule: sum adds
    everything; cumulative takes each partner and place's latest month, then adds; max takes
    each partner and place's highest month, then adds; unique adds the new people each partner
    reported each month (across partners, possibly the same people)."""
    by_month: dict[tuple[Any, Any, date], tuple[int, dict[str, int]]] = {}
    for part in parts:
        key = (part.organisation_id, part.place_id, part.month)
        value, cells = by_month.get(key, (0, {}))
        cells = dict(cells)
        _add(cells, part.cells)
        by_month[key] = (value + part.value, cells)
    if aggregation in ("cumulative", "max"):
        chosen: dict[tuple[Any, Any], tuple[date, int, dict[str, int]]] = {}
        for (organisation_id, place_id, month), (value, cells) in by_month.items():
            held = chosen.get((organisation_id, place_id))
            better = (
                held is None
                or (aggregation == "cumulative" and month > held[0])
                or (aggregation == "max" and (value, month) > (held[1], held[0]))
            )
            if better:
                chosen[(organisation_id, place_id)] = (month, value, cells)
        picked = [(value, cells) for _month, value, cells in chosen.values()]
    else:
        picked = list(by_month.values())
    total, total_cells = 0, dict[str, int]()
    for value, cells in picked:
        total += value
        _add(total_cells, cells)
    return total, total_cells


def _visible_parts(parts: list[_Part], own: frozenset[Any]) -> tuple[list[_Part], int]:
    """Another organisation's figures from personal records: a small one is left out (and
    counted), the others lose their sex and age cells."""
    kept, hidden = [], 0
    for part in parts:
        if not part.from_records or part.organisation_id in own:
            kept.append(part)
        elif _hidden(part.value):
            hidden += 1
        else:
            kept.append(replace(part, cells={}))
    return kept, hidden


def totals(
    *,
    user: AnyUser,
    plan: ResponsePlan,
    cluster: str | None = None,
    governorate: AdminUnit | None = None,
    month_from: date | None = None,
    month_to: date | None = None,
) -> list[IndicatorTotal]:
    """Each indicator's total over the span, by its aggregation rule, from what the reader
    sees."""
    parts_by_indicator, own = _rollup(
        user,
        plan,
        cluster=cluster,
        governorate=governorate,
        month_from=month_from,
        month_to=month_to,
    )
    known = codelists.indicators()
    found = []
    for code in sorted(
        parts_by_indicator,
        key=lambda c: (known[c].cluster, known[c].activity, c) if c in known else ("", "", c),
    ):
        item = known.get(code)
        aggregation = item.aggregation if item else "sum"
        parts, hidden = _visible_parts(parts_by_indicator[code], own)
        value, cells = apply_rule(aggregation, parts)
        partners = len({p.organisation_id for p in parts})
        found.append(
            IndicatorTotal(
                cluster=item.cluster if item else "",
                activity=item.activity if item else "",
                indicator=code,
                unit=item.unit if item else "",
                aggregation=aggregation,
                value=value,
                cells=cells,
                partners=partners,
                possibly_overlapping=aggregation == "unique" and partners > 1,
                hidden_parts=hidden,
            )
        )
    return found


# --- the cluster dashboard --------------------------------------------------------------------


@dataclass
class DashboardRow:
    governorate_id: Any
    pcode: str
    name: str
    month: date | None  # None: the plan's figures for the governorate, without a month
    in_need: int | None
    targeted: int | None
    reached: int  # in the month (the largest people indicator of the cluster)
    reached_to_date: int  # from January to the month, each indicator by its rule


def _plan_people(plan: ResponsePlan, cluster: str, kind: str) -> dict[Any, int]:
    """People in need or targeted per governorate (None: the country): the figure for all
    population groups where given, else the groups added."""
    whole: dict[Any, int] = {}
    groups: dict[Any, int] = defaultdict(int)
    for governorate_id, group, people in PlanFigure.objects.filter(
        plan=plan, cluster=cluster, kind=kind
    ).values_list("governorate_id", "population_group", "people"):
        if group:
            groups[governorate_id] += people
        else:
            whole[governorate_id] = people
    return {**groups, **whole}


# Per indicator, governorate and month: the month's figure (added over partners and places) and
# how much the to-date total grows that month by the indicator's rule, computed in the database
# over the rollup: per partner and place, a cumulative figure grows by its change since the
# partner's previous month there, a maximum by the rise of its running maximum, the others by
# the month's figure. Adding the growth month by month gives each rule's total to date.
_GROWTH_SQL = """
SELECT indicator, governorate_id, month, SUM(v) AS monthly, SUM(growth) AS growth
FROM (
    SELECT indicator, governorate_id, month, v,
           CASE aggregation
               WHEN 'cumulative' THEN v - COALESCE(LAG(v) OVER w, 0)
               WHEN 'max' THEN highest - COALESCE(LAG(highest) OVER w, 0)
               ELSE v
           END AS growth
    FROM (
        SELECT b.*, MAX(v) OVER (
            PARTITION BY indicator, organisation_id, place_id ORDER BY month
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS highest
        FROM ({base}) b
    ) ranked
    WINDOW w AS (PARTITION BY indicator, organisation_id, place_id ORDER BY month)
) grown
GROUP BY indicator, governorate_id, month
"""


def dashboard(
    *, user: AnyUser, plan: ResponsePlan, cluster: str, governorate: AdminUnit | None = None
) -> list[DashboardRow]:
    """People in need, targeted and reached by governorate and month for one cluster, read
    from the rollup alone. Reached counts the cluster's indicators in people: in a month, the
    largest of them (one person served by several activities is one person); to date, the
    largest of their totals by each one's rule."""
    known = codelists.indicators()
    people = [code for code, i in known.items() if i.cluster == cluster and i.unit == "people"]
    scope = access.visible(user)
    found = FigureRollup.objects.filter(year=plan.year, cluster=cluster, indicator__in=people)
    found = found.filter(scope.q(organisation="organisation_id", cluster="cluster")).exclude(
        # Another organisation's small figure from personal records is left out.
        Q(from_records=True, value__gte=1, value__lt=threshold())
        & ~Q(organisation_id__in=scope.organisations)
    )
    if governorate is not None:
        found = found.filter(governorate=governorate)
    base = (
        found.order_by()
        .values(
            "indicator", "aggregation", "organisation_id", "place_id", "governorate_id", "month"
        )
        .annotate(v=Sum("value"))
    )
    monthly: dict[Any, dict[date, dict[str, tuple[int, int]]]] = defaultdict(dict)
    try:
        sql, params = base.query.sql_with_params()
    except EmptyResultSet:
        # Nothing to read: a cluster without indicators in people (coordination and common
        # services), or a reader who may see no organisation's rows and no cluster's.
        sql, params = "", ()
    if sql:
        with connection.cursor() as cursor:
            cursor.execute(_GROWTH_SQL.format(base=sql), params)
            for indicator, governorate_id, month, value, growth in cursor.fetchall():
                month = month if isinstance(month, date) else date.fromisoformat(str(month))
                monthly[governorate_id].setdefault(month, {})[indicator] = (
                    int(value),
                    int(growth),
                )
    in_need = _plan_people(plan, cluster, FigureKind.IN_NEED)
    targeted = _plan_people(plan, cluster, FigureKind.TARGETED)
    governorates = set(monthly) | {g for g in (*in_need, *targeted) if g is not None}
    if governorate is not None:
        governorates &= {governorate.pk}
    units = {
        u.pk: u
        for u in AdminUnit.objects.filter(pk__in=governorates).only("pcode", "name_en", "name_ar")
    }
    rows = []
    for governorate_id in sorted(governorates, key=lambda g: units[g].pcode):
        unit = units[governorate_id]
        line = {
            "governorate_id": governorate_id,
            "pcode": unit.pcode,
            "name": unit.name_en,
            "in_need": in_need.get(governorate_id),
            "targeted": targeted.get(governorate_id),
        }
        to_date: dict[str, int] = defaultdict(int)
        months = []
        for month in sorted(monthly[governorate_id]):
            figures = monthly[governorate_id][month]
            for indicator, (_value, growth) in figures.items():
                to_date[indicator] += growth
            months.append(
                DashboardRow(
                    **line,
                    month=month,
                    reached=max(value for value, _growth in figures.values()),
                    reached_to_date=max(to_date.values(), default=0),
                )
            )
        overall = max(to_date.values(), default=0)
        rows.append(DashboardRow(**line, month=None, reached=0, reached_to_date=overall))
        rows.extend(months)
    return rows


# --- funding ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundingLine:
    cluster: str
    project: Project | None  # None: the cluster's line
    requested: Decimal
    received: Decimal

    @property
    def gap(self) -> Decimal:
        return max(self.requested - self.received, Decimal(0))

    @property
    def coverage(self) -> float | None:
        return float(self.received / self.requested) if self.requested else None


def funding_gap(*, user: AnyUser, plan: ResponsePlan) -> list[FundingLine]:
    """Requested, received and the gap per cluster, each followed by its projects. Public to
    any signed-in user."""
    if not user.is_authenticated:
        return []
    projects = list(
        Project.objects.filter(plan=plan)
        .select_related("organisation")
        .annotate(received=Sum("funding__amount"))
        .order_by("cluster", "code")
    )
    lines: list[FundingLine] = []
    for cluster in sorted({p.cluster for p in projects}, key=codelists.codes("clusters").index):
        mine = [p for p in projects if p.cluster == cluster]
        received = [p.received or Decimal(0) for p in mine]
        lines.append(
            FundingLine(
                cluster,
                None,
                sum((p.requested for p in mine), Decimal(0)),
                sum(received, Decimal(0)),
            )
        )
        lines.extend(
            FundingLine(cluster, p, p.requested, r) for p, r in zip(mine, received, strict=True)
        )
    return lines


# --- presence ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Presence:
    governorate_id: Any
    district_id: Any  # None: reported at the governorate alone
    organisations: tuple[str, ...]  # acronyms
    clusters: tuple[str, ...]


def presence(
    *, user: AnyUser, plan: ResponsePlan, cluster: str | None = None, month: date | None = None
) -> list[Presence]:
    """Who reported where (governorate and district), from the rows the reader sees."""
    scope = access.visible(user)
    found = FigureRollup.objects.filter(year=plan.year).filter(
        scope.q(organisation="organisation_id", cluster="cluster")
    )
    if cluster:
        found = found.filter(cluster=cluster)
    if month is not None:
        found = found.filter(month=codelists.first_day(month))
    keys = set(found.values_list("governorate_id", "place_id", "organisation_id", "cluster"))
    tree = Tree({place for _g, place, _o, _c in keys})
    acronyms = dict(
        Organisation.objects.filter(pk__in={o for *_x, o, _c in keys}).values_list("pk", "acronym")
    )
    where: dict[tuple[Any, Any], tuple[set[str], set[str]]] = {}
    for governorate_id, place, organisation_id, row_cluster in keys:
        district = next((u for u in tree.ancestors(place) if tree.level[u] == 2), None)
        orgs, clusters = where.setdefault((governorate_id, district), (set(), set()))
        orgs.add(acronyms[organisation_id])
        clusters.add(row_cluster)
    return [
        Presence(g, d, tuple(sorted(o)), tuple(sorted(c)))
        for (g, d), (o, c) in sorted(where.items(), key=lambda item: str(item[0]))
    ]


# --- the 3W/4W export -------------------------------------------------------------------------

EXPORT_FORMATS = ("en", "ar", "hxl")
# (key, English header, Arabic header, HXL tag)
_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("organisation", "Organisation", "المنظمة", "#org+acronym"),
    ("implementing_partner", "Implementing partner", "الشريك المنفذ", "#org+impl"),
    ("project", "HRP project code", "رمز مشروع خطة الاستجابة", "#activity+project+code"),
    ("cluster", "Cluster", "الكتلة", "#sector"),
    ("activity", "Activity", "النشاط", "#activity"),
    ("indicator", "Indicator", "المؤشر", "#indicator"),
    ("unit", "Unit", "الوحدة", "#indicator+unit"),
    ("admin1_pcode", "Governorate p-code", "رمز المحافظة", "#adm1+code"),
    ("admin1_name", "Governorate", "المحافظة", "#adm1+name"),
    ("admin2_pcode", "District p-code", "رمز القضاء", "#adm2+code"),
    ("admin3_pcode", "Subdistrict p-code", "رمز الناحية", "#adm3+code"),
    ("month", "Month", "الشهر", "#date+month"),
    ("population_group", "Population group", "الفئة السكانية", "#population+type"),
    ("value", "Reached", "الذين تم الوصول إليهم", "#reached+ind"),
    ("targeted", "Targeted (cluster, governorate)", "المستهدفون", "#targeted"),
    ("in_need", "In need (cluster, governorate)", "المحتاجون", "#inneed"),
)


@dataclass(frozen=True)
class ExportTable:
    headers: list[str]
    hxl: list[str] | None  # the HXL hashtag row, for "hxl"
    rows: list[list[Any]]


def _hxl_cell(cell: str) -> str:
    sex, group = cell.split("_", 1)
    return f"#reached+{sex}" + HXL_AGE.get(group, "+age_unknown")


def export_rows(*, user: AnyUser, plan: ResponsePlan, format: str) -> ExportTable:
    """The plan year's 4W rows the reader sees, one line per row with its sex and age cells,
    the cluster's targets and people in need of the governorate beside it; headers in English,
    Arabic, or English with the HXL hashtag row. Audited."""
    if format not in EXPORT_FORMATS:
        raise ValueError(f"format must be one of {EXPORT_FORMATS}")
    scope = access.visible(user)
    rows = (
        ReportRow.objects.filter(report__month__year=plan.year)
        .filter(scope.q(organisation="report__organisation_id", cluster="cluster"))
        .select_related(
            "report__organisation", "implementing_partner", "project", "admin_unit", "governorate"
        )
        .order_by("report__month", "report__organisation__acronym", "cluster", "indicator", "pk")
    )
    tree = Tree(set(rows.values_list("admin_unit_id", flat=True)))
    pcodes = dict(AdminUnit.objects.filter(pk__in=set(tree.level)).values_list("pk", "pcode"))
    in_need = {c: _plan_people(plan, c, FigureKind.IN_NEED) for c in codelists.codes("clusters")}
    targeted = {c: _plan_people(plan, c, FigureKind.TARGETED) for c in codelists.codes("clusters")}
    language = "ar" if format == "ar" else "en"
    cells = codelists.cells()
    known = codelists.indicators()
    lines = []
    for row in rows:
        shown = _shown(row, row.report.organisation_id in scope.organisations)
        chain = {tree.level[u]: pcodes[u] for u in tree.ancestors(row.admin_unit_id)}
        item = known.get(row.indicator)
        lines.append(
            [
                row.report.organisation.acronym,
                row.implementing_partner.acronym if row.implementing_partner else "",
                row.project.code if row.project else "",
                codelists.label("clusters", row.cluster, language),
                codelists.activity_label(row.activity, language),
                item.label(language) if item else row.indicator,
                codelists.label("units", item.unit, language) if item else "",
                chain.get(1, ""),
                row.governorate.name_ar if language == "ar" else row.governorate.name_en,
                chain.get(2, ""),
                chain.get(3, ""),
                row.report.month.isoformat()[:7],
                codelists.label("population_groups", row.population_group, language)
                if row.population_group
                else "",
                "" if shown.value is None else shown.value,
                targeted[row.cluster].get(row.governorate_id, "")
                if row.cluster in targeted
                else "",
                in_need[row.cluster].get(row.governorate_id, "") if row.cluster in in_need else "",
                *("" if shown.cells.get(c) is None else shown.cells[c] for c in cells),
            ]
        )
    headers = [c[2] if format == "ar" else c[1] for c in _COLUMNS] + cells
    audit_record(
        actor=user if user.is_authenticated else None,
        action="coordination.export",
        object_type="plan",
        object_id=plan.uid,
        detail={"format": format, "rows": len(lines)},
    )
    return ExportTable(
        headers=headers,
        hxl=[c[3] for c in _COLUMNS] + [_hxl_cell(c) for c in cells] if format == "hxl" else None,
        rows=lines,
    )
