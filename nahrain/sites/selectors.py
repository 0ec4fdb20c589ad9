"""Reads of the sites app: each takes the caller and returns only what the caller may see
(``nahrain.sites.access``); pages read the rollups the writes keep, never the raw events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from nahrain.core.access import AnyUser
from nahrain.sites.access import sites_visible
from nahrain.sites.models import (
    LIVED_IN,
    GapStatus,
    GovernorateWeek,
    MonitoringRound,
    ServiceGap,
    Site,
    SiteStatus,
    SiteType,
)

# --- sites: list, dashboard, site page ----------------------------------------------------------

# The pages below read the rollups the writes keep (the site's counters, SiteWeek,
# GovernorateWeek) with a fixed number of aggregate queries, whatever the number of sites,
# households or weeks: docs/PERFORMANCE.md holds them to 150 ms at 1,500 sites.

MONTHS_SHOWN = 36  # the dashboard's chart: the last three years that have movements
SITE_MONTHS_SHOWN = 24
WEEKS_SHOWN = 12
FIGURES_SHOWN = 20
GAPS_SHOWN = 20
RED_SITES_SHOWN = 10
# Sums of the four counters of a week rollup (SiteWeek and GovernorateWeek share them).
WEEK_SUMS = {
    name: Sum(name)
    for name in (
        "arrivals_households",
        "arrivals_individuals",
        "departures_households",
        "departures_individuals",
    )
}
UNIT_NAMES = ("name_en", "name_ar", "name_ckb")


@dataclass(frozen=True)
class SiteFilters:
    """What the site list is narrowed to; empty strings leave a filter out."""

    type: str = ""
    status: str = ""
    governorate: str = ""  # a governorate's p-code
    q: str = ""  # part of a name in any language, or of the site code


def site_list(*, user: AnyUser, filters: SiteFilters | None = None) -> QuerySet[Site]:
    """The sites the user sees, narrowed by ``filters``, in governorate and name order."""
    filters = filters or SiteFilters()
    sites = (
        sites_visible(user)
        .select_related("organisation", "governorate", "admin_unit")
        # Outlines are large and no list shows them.
        .defer("governorate__geometry", "admin_unit__geometry")
    )
    if filters.type:
        sites = sites.filter(type=filters.type)
    if filters.status:
        sites = sites.filter(status=filters.status)
    if filters.governorate:
        sites = sites.filter(governorate__pcode=filters.governorate)
    text = filters.q.strip()
    if text:
        sites = sites.filter(
            Q(name_en__icontains=text)
            | Q(name_ar__icontains=text)
            | Q(name_ckb__icontains=text)
            | Q(code__icontains=text)
        )
    return sites


def _names(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    """``{prefix}name_en``... of a values() row as the ``name_*`` keys local_name reads."""
    return {name: row[f"{prefix}{name}"] or "" for name in UNIT_NAMES}


def _month_series(rows: list[dict[str, Any]], shown: int) -> list[dict[str, Any]]:
    """The last ``shown`` months up to the newest one with movements, months without any
    filled with zeros so that a gap in time reads as one."""
    if not rows:
        return []
    by_month = {_as_date(row["month"]): row for row in rows}
    newest = max(by_month)
    series = []
    year, month = newest.year, newest.month
    for _step in range(shown):
        day = date(year, month, 1)
        row = by_month.get(day, {})
        counts: dict[str, Any] = {name: row.get(name) or 0 for name in WEEK_SUMS}
        series.append({"month": day, **counts})
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    series.reverse()
    # Leading months before the first movement say nothing: start at the first one.
    first = min(by_month)
    return [row for row in series if row["month"] >= first]


def _as_date(value: date | datetime) -> date:
    # TruncMonth of a DateField is a date on PostgreSQL and SQLite alike; a datetime would be a
    # backend's surprise, read as its day.
    return value.date() if isinstance(value, datetime) else value


def _year_totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    years: dict[int, dict[str, Any]] = {}
    for row in rows:
        year = _as_date(row["month"]).year
        total = years.setdefault(year, {"year": year} | {name: 0 for name in WEEK_SUMS})
        for name in WEEK_SUMS:
            total[name] += row[name] or 0
    return [years[year] for year in sorted(years, reverse=True)]


@dataclass
class CccmDashboard:
    """The national CCCM figures (sites lived in: open, consolidating, closing, reopened)."""

    sites: int = 0
    lived_in: int = 0
    individuals: int = 0
    households: int = 0
    # Population against planned capacity, over the sites lived in that have a capacity.
    with_capacity: int = 0
    capacity: int = 0
    individuals_with_capacity: int = 0
    over_capacity: int = 0
    # Rows of types, each with its count per status (columns in SiteStatus order).
    by_type: list[dict[str, Any]] = field(default_factory=list)
    by_status: list[dict[str, Any]] = field(default_factory=list)
    months: list[dict[str, Any]] = field(default_factory=list)
    years: list[dict[str, Any]] = field(default_factory=list)
    gaps_by_sector: list[dict[str, Any]] = field(default_factory=list)
    open_gaps: int = 0
    red_sites: list[dict[str, Any]] = field(default_factory=list)
    red_sites_count: int = 0
    governorates: list[dict[str, Any]] = field(default_factory=list)
    year_from: date | None = None  # the start of the governorates' "last 12 months"


def _type_status_counts(board: CccmDashboard, visible: QuerySet[Site]) -> None:
    lived = Q(status__in=LIVED_IN)
    capacity = lived & Q(capacity_people__isnull=False)
    groups = visible.values("type", "status").annotate(
        sites=Count("pk"),
        individuals=Sum("population_individuals", filter=lived),
        households=Sum("population_households", filter=lived),
        with_capacity=Count("pk", filter=capacity),
        capacity=Sum("capacity_people", filter=capacity),
        individuals_with_capacity=Sum("population_individuals", filter=capacity),
        over_capacity=Count(
            "pk",
            filter=capacity & Q(population_individuals__gt=F("capacity_people")),
        ),
    )
    types = {t: {s: 0 for s in SiteStatus.values} for t in SiteType.values}
    statuses = dict.fromkeys(SiteStatus.values, 0)
    for row in groups.order_by():
        board.sites += row["sites"]
        if row["status"] in LIVED_IN:
            board.lived_in += row["sites"]
        for name in (
            "individuals",
            "households",
            "with_capacity",
            "capacity",
            "individuals_with_capacity",
            "over_capacity",
        ):
            setattr(board, name, getattr(board, name) + (row[name] or 0))
        types.setdefault(row["type"], dict.fromkeys(SiteStatus.values, 0))[row["status"]] += row[
            "sites"
        ]
        statuses[row["status"]] = statuses.get(row["status"], 0) + row["sites"]
    labels = dict(SiteType.choices)
    board.by_type = [
        {
            "type": code,
            "label": labels.get(code, code),
            "counts": [counts[s] for s in SiteStatus.values],
            "total": sum(counts.values()),
        }
        for code, counts in types.items()
        if sum(counts.values())
    ]
    status_labels = dict(SiteStatus.choices)
    board.by_status = [
        {"status": code, "label": status_labels[code], "sites": statuses[code]}
        for code in SiteStatus.values
    ]


def cccm_dashboard(*, user: AnyUser) -> CccmDashboard:
    """Six aggregate queries, whatever the number of sites and weeks."""
    board = CccmDashboard()
    visible = sites_visible(user)
    _type_status_counts(board, visible)

    weeks = GovernorateWeek.objects.filter(
        governorate_id__in=visible.values("governorate_id")
    ).order_by()
    month_rows = list(
        weeks.annotate(month=TruncMonth("week")).values("month").annotate(**WEEK_SUMS)
    )
    board.months = _month_series(month_rows, MONTHS_SHOWN)
    board.years = _year_totals(month_rows)
    recent: dict[Any, dict[str, Any]] = {}
    if board.months:
        newest = board.months[-1]["month"]
        # The twelve months ending with the newest one.
        if newest.month == 12:
            board.year_from = date(newest.year, 1, 1)
        else:
            board.year_from = date(newest.year - 1, newest.month + 1, 1)
        recent = {
            row["governorate_id"]: row
            for row in weeks.filter(week__gte=board.year_from)
            .values("governorate_id")
            .annotate(**WEEK_SUMS)
        }

    lived = Q(status__in=LIVED_IN)
    for row in (
        visible.values(
            "governorate_id", "governorate__pcode", *(f"governorate__{n}" for n in UNIT_NAMES)
        )
        .annotate(
            sites=Count("pk"),
            lived_in=Count("pk", filter=lived),
            individuals=Sum("population_individuals", filter=lived),
            households=Sum("population_households", filter=lived),
            capacity=Sum("capacity_people", filter=lived),
            open_gaps=Sum("open_gaps"),
        )
        .order_by("governorate__pcode")
    ):
        moved = recent.get(row["governorate_id"], {})
        board.governorates.append(
            {
                "pcode": row["governorate__pcode"],
                **_names(row, "governorate__"),
                "sites": row["sites"],
                "lived_in": row["lived_in"],
                "individuals": row["individuals"] or 0,
                "households": row["households"] or 0,
                "capacity": row["capacity"] or 0,
                "open_gaps": row["open_gaps"] or 0,
                "arrivals": moved.get("arrivals_individuals") or 0,
                "departures": moved.get("departures_individuals") or 0,
            }
        )

    for row in (
        ServiceGap.objects.filter(site__in=visible)
        .exclude(status=GapStatus.CLOSED)
        .values(
            "sector__code",
            "sector__position",
            "sector__label_en",
            "sector__label_ar",
            "sector__label_ckb",
        )
        .annotate(gaps=Count("pk"), sites=Count("site", distinct=True))
        .order_by("sector__position")
    ):
        board.gaps_by_sector.append(
            {
                "code": row["sector__code"],
                "label_en": row["sector__label_en"],
                "label_ar": row["sector__label_ar"],
                "label_ckb": row["sector__label_ckb"],
                "gaps": row["gaps"],
                "sites": row["sites"],
            }
        )
    board.open_gaps = sum(row["gaps"] for row in board.gaps_by_sector)
    top = max((row["gaps"] for row in board.gaps_by_sector), default=0)
    for row in board.gaps_by_sector:
        row["width"] = round(100 * row["gaps"] / top, 1) if top else 0

    # Each site's latest round (no later one, or a later one on the same day), when it has a
    # critical indicator: one anti-join over the rounds, not a subquery per site.
    newer = MonitoringRound.objects.filter(site_id=OuterRef("site_id")).filter(
        Q(on__gt=OuterRef("on")) | Q(on=OuterRef("on"), pk__gt=OuterRef("pk"))
    )
    red = [
        {
            "uid": row["site__uid"],
            "code": row["site__code"],
            **_names(row, "site__"),
            "latest_red": row["red"],
            "monitored_on": row["on"],
        }
        for row in MonitoringRound.objects.filter(site__in=visible, red__gt=0)
        .filter(~Exists(newer))
        .order_by("-red", "site__name_en")
        .values("site__uid", "site__code", *(f"site__{n}" for n in UNIT_NAMES), "red", "on")
    ]
    board.red_sites_count = len(red)
    board.red_sites = red[:RED_SITES_SHOWN]
    return board


def site_points(*, user: AnyUser) -> dict[str, Any]:
    """Every visible site as a GeoJSON point. A site without coordinates is placed at its admin
    unit's (else its governorate's) centroid from the gazetteer and marked ``approximate``;
    one without either is left off the map (the list still has it)."""
    # The labels in the reader's language, translated once rather than once a site.
    types = {code: str(label) for code, label in SiteType.choices}
    statuses = {code: str(label) for code, label in SiteStatus.choices}
    features = []
    for row in sites_visible(user).values(
        "uid",
        "code",
        *UNIT_NAMES,
        "type",
        "status",
        "latitude",
        "longitude",
        "population_individuals",
        "capacity_people",
        "admin_unit__lat",
        "admin_unit__lon",
        "governorate__lat",
        "governorate__lon",
    ):
        approximate = row["latitude"] is None or row["longitude"] is None
        lat, lon = row["latitude"], row["longitude"]
        if approximate:
            lat, lon = row["admin_unit__lat"], row["admin_unit__lon"]
            if lat is None or lon is None:
                lat, lon = row["governorate__lat"], row["governorate__lon"]
        if lat is None or lon is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
                "properties": {
                    "uid": str(row["uid"]),
                    "code": row["code"],
                    **{name: row[name] for name in UNIT_NAMES},
                    "type": row["type"],
                    "type_label": types.get(row["type"], row["type"]),
                    "status": row["status"],
                    "status_label": statuses.get(row["status"], row["status"]),
                    "lived_in": row["status"] in LIVED_IN,
                    "individuals": row["population_individuals"],
                    "capacity": row["capacity_people"],
                    "approximate": approximate,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


@dataclass
class SiteProfile:
    site: Site
    history: list[Any]
    figures: list[Any]
    months: list[dict[str, Any]]
    weeks: list[dict[str, Any]]
    latest_round: MonitoringRound | None
    gaps: list[ServiceGap]
    units_vacant: int
    occupancy: float | None  # share of planned capacity the population fills


def site_profile(*, user: AnyUser, site: Site) -> SiteProfile:
    """One site's page, in six queries: its status history, its population figures, its
    movements by month and by week (SiteWeek), its latest monitoring round and its open gaps.
    ``site`` comes through a gate (``access_site_by_uid``); ``user`` scopes nothing more, since
    every figure here is of the site's public profile."""
    del user  # every reader of the site reads all of the below (access.py)
    week_rows = site.weeks.order_by()
    month_rows = list(
        week_rows.annotate(month=TruncMonth("week")).values("month").annotate(**WEEK_SUMS)
    )
    weeks = list(site.weeks.order_by("-week").values("week", *WEEK_SUMS.keys())[:WEEKS_SHOWN])
    individuals = site.population_individuals
    return SiteProfile(
        site=site,
        history=list(site.status_changes.order_by("-on", "-at", "-pk")),
        figures=list(site.populations.order_by("-on", "-pk")[:FIGURES_SHOWN]),
        months=_month_series(month_rows, SITE_MONTHS_SHOWN),
        weeks=weeks,
        latest_round=site.monitoring_rounds.order_by("-on", "-pk").first(),
        gaps=list(
            site.gaps.exclude(status=GapStatus.CLOSED)
            .select_related("sector")
            .order_by("due_on", "raised_on", "pk")[:GAPS_SHOWN]
        ),
        units_vacant=max(site.units_total - site.units_occupied - site.units_unusable, 0),
        occupancy=(
            individuals / site.capacity_people
            if individuals is not None and site.capacity_people
            else None
        ),
    )


# --- exports and the reconciliation with DTM ---------------------------------------------------


# --- shelters, movements, closures --------------------------------------------------------------


# --- monitoring, gaps, risk ----------------------------------------------------------------------
