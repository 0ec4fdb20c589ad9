"""Reads of the sites app: each takes the caller and returns only what the caller may see
(``nahrain.sites.access``); pages read the rollups the writes keep, never the raw events."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils.translation import gettext as _

from nahrain.core.access import AnyUser
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.displacement.codelists import codes_for_round
from nahrain.displacement.models import AssessmentRound, Breakdown, Dimension, Population
from nahrain.geo.models import AdminUnit, Location
from nahrain.sites import access, services
from nahrain.sites.access import sites_visible
from nahrain.sites.models import (
    LIVED_IN,
    Allocation,
    ClosurePlan,
    GapStatus,
    GapUpdate,
    GovernorateWeek,
    Indicator,
    MonitoringRound,
    MonitoringValue,
    Movement,
    MovementKind,
    MovementPlace,
    RiskAssessment,
    Sector,
    ServiceGap,
    ShelterCondition,
    ShelterKind,
    ShelterUnit,
    Site,
    SitePopulation,
    SiteStatus,
    SiteStatusChange,
    SiteType,
    SiteWeek,
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
    closures: list[ClosurePlan]


CLOSURES_SHOWN = 5


def site_profile(*, user: AnyUser, site: Site) -> SiteProfile:
    """One site's page, in seven queries: its status history, its population figures, its
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
        closures=list(site.closures.order_by("-announced_on", "-pk")[:CLOSURES_SHOWN]),
        occupancy=(
            individuals / site.capacity_people
            if individuals is not None and site.capacity_people
            else None
        ),
    )


# --- exports and the reconciliation with DTM ---------------------------------------------------


def _district(unit: AdminUnit) -> AdminUnit | None:
    """The district (level 2) a site's unit is or lies in (its parents are selected along)."""
    current: AdminUnit | None = unit
    while current is not None and current.level > 2:
        current = current.parent
    return current if current is not None and current.level == 2 else None


def _sites_read_by(user: AnyUser | None) -> QuerySet[Site]:
    """The sites a user reads; ``None`` is the operator on the command line, who reads all."""
    return Site.objects.all() if user is None else sites_visible(user)


def site_export_rows(*, user: AnyUser | None) -> list[dict[str, Any]]:
    """The site table as exports write it: one row per site the user may read."""
    rows = []
    for site in _sites_read_by(user).select_related(
        "governorate", "admin_unit__parent__parent", "location"
    ):
        district = _district(site.admin_unit)
        rows.append(
            {
                "code": site.code,
                "name_en": site.name_en,
                "name_ar": site.name_ar,
                "name_ckb": site.name_ckb,
                "type": site.get_type_display(),
                "status": site.get_status_display(),
                "status_since": site.status_since,
                "adm1_name": site.governorate.name_en,
                "adm1_pcode": site.governorate.pcode,
                "adm2_name": district.name_en if district else "",
                "adm2_pcode": district.pcode if district else "",
                "latitude": site.latitude,
                "longitude": site.longitude,
                "dtm_place_id": site.location.external_id if site.location else "",
                "managing_agency": site.managing_agency,
                "capacity_people": site.capacity_people,
                "capacity_shelters": site.capacity_shelters,
                "capacity_plots": site.capacity_plots,
                "individuals": site.population_individuals,
                "households": site.population_households,
                "population_date": site.population_date,
                "population_source": site.get_population_source_display()
                if site.population_source
                else "",
                "shelters_occupied": site.units_occupied,
                "shelters_total": site.units_total,
                "open_gaps": site.open_gaps,
            }
        )
    return rows


@dataclass(frozen=True)
class Tolerance:
    """When a site's figure and DTM's differ enough to be flagged, kept as data with its
    reasoning (nahrain/sites/data/reconciliation.json)."""

    version: str
    share: float
    households: int
    individuals: int
    reasoning: str
    source: str

    def exceeded(self, difference: int, reference: int, *, floor: int) -> bool:
        return abs(difference) > floor and abs(difference) > self.share * reference


@cache
def reconciliation_tolerance() -> Tolerance:
    data = json.loads((Path(__file__).parent / "data" / "reconciliation.json").read_text("utf-8"))
    return Tolerance(
        version=data["version"],
        share=data["tolerance_share"],
        households=data["tolerance_households"],
        individuals=data["tolerance_individuals"],
        reasoning=data["reasoning"],
        source=data["source"],
    )


@dataclass
class SiteReconciled:
    """One site against DTM: its population on the round's reference date (its newest figure
    on or before that day, with the arrivals and departures after the figure's day up to it,
    the population rule of docs/SITES.md; nobody once it was closed), and the round's in-camp
    IDPs at the location the site is counted in."""

    site: Site
    figure: SitePopulation | None
    dtm_households: int | None
    dtm_individuals: int | None
    households: int | None = None
    individuals: int | None = None

    @property
    def difference_households(self) -> int | None:
        if self.households is None or self.dtm_households is None:
            return None
        return self.households - self.dtm_households

    @property
    def difference_individuals(self) -> int | None:
        if self.individuals is None or self.dtm_individuals is None:
            return None
        return self.individuals - self.dtm_individuals

    @property
    def flagged(self) -> bool:
        """Households compared where both have them (CCCM lists often count households alone),
        individuals otherwise."""
        tolerance = reconciliation_tolerance()
        if self.difference_households is not None and self.dtm_households is not None:
            return tolerance.exceeded(
                self.difference_households, self.dtm_households, floor=tolerance.households
            )
        if self.difference_individuals is not None and self.dtm_individuals is not None:
            return tolerance.exceeded(
                self.difference_individuals, self.dtm_individuals, floor=tolerance.individuals
            )
        return False


@dataclass
class GovernorateReconciled:
    governorate: AdminUnit
    sites: int = 0
    site_households: int = 0
    site_individuals: int = 0
    dtm_households: int = 0
    dtm_individuals: int = 0

    @property
    def difference_households(self) -> int:
        return self.site_households - self.dtm_households


@dataclass
class Reconciliation:
    assessment_round: AssessmentRound
    tolerance: Tolerance
    sites: list[SiteReconciled] = field(default_factory=list)
    governorates: list[GovernorateReconciled] = field(default_factory=list)
    # DTM locations with IDPs in camps that no site is linked to: (location, households, people)
    unmatched: list[tuple[Location, int, int]] = field(default_factory=list)

    @property
    def flagged(self) -> int:
        return sum(row.flagged for row in self.sites)


def _in_camp(assessment_round: AssessmentRound) -> dict[int, tuple[int, int, int]]:
    """location id -> (households, individuals, governorate id) of IDPs in camps in a round:
    the round's shelter categories of the camp group."""
    camp = [i.code for i in codes_for_round(assessment_round.number).shelter if i.group == "camp"]
    rows = (
        Breakdown.objects.filter(
            assessment__round=assessment_round,
            assessment__population=Population.IDP,
            dimension=Dimension.SHELTER,
            category__in=camp,
        )
        .values("assessment__location_id", "assessment__adm1_id")
        .annotate(households=Sum("households"), individuals=Sum("individuals"))
    )
    return {
        r["assessment__location_id"]: (r["households"], r["individuals"], r["assessment__adm1_id"])
        for r in rows
        if r["households"] or r["individuals"]
    }


def _figures_on(sites: QuerySet[Site], day: date) -> dict[int, SitePopulation]:
    """Each site's newest figure dated on or before ``day``: one row a site, however many
    figures its history holds."""
    newest = (
        SitePopulation.objects.filter(site=OuterRef("pk"), on__lte=day)
        .order_by("-on", "-pk")
        .values("pk")[:1]
    )
    ids = sites.annotate(figure=Subquery(newest)).filter(figure__isnull=False)
    figures = SitePopulation.objects.filter(pk__in=ids.values("figure"))
    return {figure.site_id: figure for figure in figures}


def _movements_to(sites: QuerySet[Site], day: date) -> dict[int, tuple[int, int]]:
    """Each site's arrivals minus departures (households, individuals) after its newest figure
    on or before ``day`` (all of them for a site with no figure) up to ``day``: one grouped
    statement, never the movements themselves."""
    base_on = (
        SitePopulation.objects.filter(site=OuterRef("site"), on__lte=day)
        .order_by("-on", "-pk")
        .values("on")[:1]
    )
    signed = Case(When(kind=MovementKind.DEPARTURE, then=Value(-1)), default=Value(1))
    rows = (
        Movement.objects.filter(site__in=sites, on__lte=day)
        .annotate(base_on=Subquery(base_on))
        .filter(Q(base_on__isnull=True) | Q(on__gt=F("base_on")))
        .values("site_id")
        .annotate(h=Sum(F("households") * signed), i=Sum(F("individuals") * signed))
    )
    return {row["site_id"]: (row["h"] or 0, row["i"] or 0) for row in rows}


def _plus(count: int | None, change: int) -> int | None:
    return None if count is None else count + change


def reconciliation(*, user: AnyUser | None, assessment_round: AssessmentRound) -> Reconciliation:
    """Every site the user may read against the round's in-camp figures, per site and per
    governorate, and the round's camp locations no site is linked to. The round must have
    come through its gate (``displacement.access.access_round_by_uid``)."""
    readable = _sites_read_by(user)
    day = assessment_round.reference_date
    # The status each site had on the day, from its history (a site closed since counted then).
    status_then = (
        SiteStatusChange.objects.filter(site=OuterRef("pk"), on__lte=day)
        .order_by("-on", "-at", "-pk")
        .values("status")[:1]
    )
    sites = list(
        readable.select_related("governorate", "location").annotate(
            status_then=Subquery(status_then)
        )
    )
    figures = _figures_on(readable, day)
    moved = _movements_to(readable, day)
    in_camp = _in_camp(assessment_round)
    report = Reconciliation(assessment_round, reconciliation_tolerance())
    by_governorate: dict[int, GovernorateReconciled] = {}

    def governorate(unit: AdminUnit) -> GovernorateReconciled:
        return by_governorate.setdefault(unit.pk, GovernorateReconciled(unit))

    linked = set()
    for site in sites:
        dtm = in_camp.get(site.location_id) if site.location_id else None
        figure = figures.get(site.pk)
        households: int | None = figure.households if figure is not None else 0
        individuals: int | None = figure.individuals if figure is not None else 0
        change = moved.get(site.pk, (0, 0))
        households, individuals = _plus(households, change[0]), _plus(individuals, change[1])
        if site.status_then == SiteStatus.CLOSED:
            households = individuals = 0  # a site closed by then holds nobody
        if figure is None and site.pk not in moved and households == 0:
            households = individuals = None  # nothing known of the site by then
        report.sites.append(
            SiteReconciled(
                site,
                figure,
                dtm[0] if dtm else None,
                dtm[1] if dtm else None,
                households=households,
                individuals=individuals,
            )
        )
        totals = governorate(site.governorate)
        totals.sites += 1
        totals.site_households += households or 0
        totals.site_individuals += individuals or 0
        linked.add(site.location_id)
    units = AdminUnit.objects.defer("geometry").in_bulk({g for _h, _i, g in in_camp.values()})
    locations = Location.objects.in_bulk(list(in_camp))
    for location_id, (households, individuals, adm1) in in_camp.items():
        totals = governorate(units[adm1])
        totals.dtm_households += households
        totals.dtm_individuals += individuals
        if location_id not in linked:
            report.unmatched.append((locations[location_id], households, individuals))
    report.sites.sort(key=lambda r: (r.site.governorate.pcode, r.site.name_en))
    report.governorates = sorted(by_governorate.values(), key=lambda g: g.governorate.pcode)
    report.unmatched.sort(key=lambda u: u[0].external_id)
    return report


RECONCILIATION_COLUMNS = (
    "site_code",
    "site_name",
    "governorate_pcode",
    "governorate",
    "dtm_place_id",
    "site_households",
    "site_individuals",
    "site_figure_date",
    "site_figure_source",
    "dtm_households",
    "dtm_individuals",
    "difference_households",
    "difference_individuals",
    "flagged",
)


def reconciliation_rows(report: Reconciliation) -> list[dict[str, Any]]:
    """The per-site table of a reconciliation, as its CSV and the API give it."""
    return [
        {
            "site_code": r.site.code,
            "site_name": r.site.name_en,
            "governorate_pcode": r.site.governorate.pcode,
            "governorate": r.site.governorate.name_en,
            "dtm_place_id": r.site.location.external_id if r.site.location else "",
            "site_households": r.households,
            "site_individuals": r.individuals,
            "site_figure_date": r.figure.on if r.figure else None,
            "site_figure_source": r.figure.get_source_display() if r.figure else "",
            "dtm_households": r.dtm_households,
            "dtm_individuals": r.dtm_individuals,
            "difference_households": r.difference_households,
            "difference_individuals": r.difference_individuals,
            "flagged": r.flagged,
        }
        for r in report.sites
    ]


# --- shelters, movements, closures --------------------------------------------------------------


@dataclass(frozen=True)
class UnitsRow:
    kind: str
    condition: str
    total: int
    occupied: int

    @property
    def vacant(self) -> int:
        return self.total - self.occupied

    @property
    def kind_label(self) -> str:
        return str(ShelterKind(self.kind).label)

    @property
    def condition_label(self) -> str:
        return str(ShelterCondition(self.condition).label)


def site_units_summary(*, user: AnyUser, site: Site) -> list[UnitsRow]:
    """Vacancy at a glance: a site's units by kind and condition, occupied and vacant (aggregate
    figures: any reader of the site). One grouped query."""
    if not access.sites_visible(user).filter(pk=site.pk).exists():
        return []
    rows = (
        ShelterUnit.objects.filter(site=site)
        .values("kind", "condition")
        .annotate(total=Count("pk"), occupied=Count("pk", filter=Q(occupied=True)))
        .order_by("kind", "condition")
    )
    return [UnitsRow(r["kind"], r["condition"], r["total"], r["occupied"]) for r in rows]


def site_units(*, user: AnyUser, site: Site) -> QuerySet[ShelterUnit]:
    """A site's units, block by block, with whether each is lived in (no household: that is
    ``site_allocations``)."""
    return ShelterUnit.objects.filter(site=site, site__in=access.sites_visible(user))


def site_allocations(*, user: AnyUser, site: Site) -> dict[int, Allocation]:
    """The open allocation of each occupied unit of a site, by unit id: household-level
    records, for the site's own writers alone (others get none)."""
    if not access.reads_households(user, site):
        return {}
    return {a.unit_id: a for a in Allocation.objects.filter(unit__site=site, end__isnull=True)}


def site_weeks(*, user: AnyUser, site: Site, since: date | None = None) -> QuerySet[SiteWeek]:
    """A site's weekly arrivals and departures, oldest first, from the rollup the writes keep."""
    weeks = SiteWeek.objects.filter(site=site, site__in=access.sites_visible(user))
    return weeks.filter(week__gte=since) if since else weeks


def area_weeks(
    *, user: AnyUser, governorate: AdminUnit | None = None, since: date | None = None
) -> list[dict[str, Any]]:
    """Weekly arrivals and departures of one governorate, or of the country (the governorates'
    weeks summed), oldest first: a few hundred rows a year, never the sites' weeks."""
    if not user.is_authenticated:
        return []
    weeks = GovernorateWeek.objects.all()
    if governorate is not None:
        weeks = weeks.filter(governorate=governorate)
    if since is not None:
        weeks = weeks.filter(week__gte=since)
    return list(weeks.values("week").annotate(**WEEK_SUMS).order_by("week"))


@dataclass
class ClosureOutcome:
    """A closure as planned beside what happened: departures counted against it by
    destination, the households still on the site, and how late the site closed (or is)."""

    closure: ClosurePlan
    planned: dict[str, int]
    departed: dict[str, int] = field(default_factory=dict)
    departed_households: int = 0
    departed_individuals: int = 0
    last_departure: date | None = None
    still_on_site: int | None = None
    closed_on: date | None = None
    days_late: int | None = None

    @property
    def rows(self) -> list[tuple[str, str, int, int]]:
        """(code, label, planned, departed) for each destination, in the code list's order."""
        return [
            (code, str(label), self.planned.get(code, 0), self.departed.get(code, 0))
            for code, label in MovementPlace.choices
        ]


def closure_outcome(*, user: AnyUser, closure: ClosurePlan, today: date) -> ClosureOutcome:
    """Plan against actual for a closure (aggregate figures: any reader of the site). Days late:
    from the planned date to the day the site closed, or to ``today`` while households stay,
    or to the last departure; none when on time or cancelled."""
    site = access.sites_visible(user).filter(pk=closure.site_id).first()
    if site is None:
        raise Http404
    outcome = ClosureOutcome(closure=closure, planned=dict(closure.intentions))
    rows = (
        closure.movements.filter(kind=MovementKind.DEPARTURE)
        .values("place")
        .annotate(h=Sum("households"), i=Sum("individuals"))
    )
    for row in rows:
        outcome.departed[row["place"]] = row["h"]
        outcome.departed_households += row["h"]
        outcome.departed_individuals += row["i"]
    last = closure.movements.order_by("-on").values_list("on", flat=True).first()
    outcome.last_departure = last
    outcome.still_on_site = site.population_households
    if site.status == SiteStatus.CLOSED:
        outcome.closed_on = site.closed_on
    # Everyone gone but the site not closed yet: late by its last departure.
    staying = (site.population_households or 0) > 0
    end = outcome.closed_on or (today if staying else outcome.last_departure)
    if end is not None and closure.cancelled_on is None and end > closure.planned_on:
        outcome.days_late = (end - closure.planned_on).days
    return outcome


def site_closures(*, user: AnyUser, site: Site) -> QuerySet[ClosurePlan]:
    return ClosurePlan.objects.filter(site=site, site__in=access.sites_visible(user))


# --- monitoring, gaps, risk ----------------------------------------------------------------------


def monitoring_latest(*, user: AnyUser, site: Site) -> MonitoringRound | None:
    """A site's newest monitoring round, with its values, their indicators and sectors."""
    return _rounds(user, site).first()


def monitoring_history(*, user: AnyUser, site: Site, limit: int = 50) -> list[MonitoringRound]:
    """A site's monitoring rounds, newest first, with their red/amber/green counts."""
    return list(_rounds(user, site)[:limit])


def _rounds(user: AnyUser, site: Site) -> QuerySet[MonitoringRound]:
    return (
        MonitoringRound.objects.filter(site__in=sites_visible(user), site=site)
        .order_by("-on", "-pk")
        .prefetch_related(
            Prefetch(
                "values",
                queryset=MonitoringValue.objects.select_related("indicator__sector").order_by(
                    "indicator__position"
                ),
            )
        )
    )


def monitoring_values(monitoring: MonitoringRound) -> list[MonitoringValue]:
    """A round's values in the indicators' order (the round came through a gate)."""
    return list(
        monitoring.values.select_related("indicator__sector").order_by("indicator__position")
    )


def indicators_current(*, on: date) -> list[Indicator]:
    """The thresholds in force on a day, in their order, with their sources."""
    return sorted(services.indicators_in_force(on).values(), key=lambda i: i.position)


def sectors_all() -> list[Sector]:
    return list(Sector.objects.order_by("position"))


def gap_suggested(value: MonitoringValue) -> dict[str, Any]:
    """What a gap raised in one click from a red or amber value starts with: the indicator's
    sector and a description quoting the figure and the threshold."""
    indicator = value.indicator
    return {
        "sector": indicator.sector,
        "description": _("%(indicator)s: %(value)s %(unit)s (standard: %(green)s).")
        % {
            "indicator": local_name(indicator),
            "value": "—" if math.isinf(value.value) else f"{value.value:.4g}",
            "unit": indicator.unit_en,
            "green": "—" if indicator.green is None else f"{indicator.green:g}",
        },
    }


def _gaps(user: AnyUser) -> QuerySet[ServiceGap]:
    return ServiceGap.objects.filter(site__in=sites_visible(user)).select_related(
        "site__governorate", "sector", "indicator"
    )


def gaps_of_site(*, user: AnyUser, site: Site, open_only: bool = True) -> list[ServiceGap]:
    gaps = _gaps(user).filter(site=site)
    if open_only:
        gaps = gaps.exclude(status=GapStatus.CLOSED)
    return list(gaps.order_by("due_on", "raised_on", "pk"))


def gaps_open(
    *,
    user: AnyUser,
    today: date,
    sector: str = "",
    governorate: str = "",
    overdue: bool = False,
    limit: int = 500,
) -> list[ServiceGap]:
    """Open gaps (open or taken on) across the sites the user sees, soonest due first; filtered
    by sector code, governorate pcode, or overdue (due before today)."""
    gaps = _gaps(user).exclude(status=GapStatus.CLOSED)
    if sector:
        gaps = gaps.filter(sector__code=sector)
    if governorate:
        gaps = gaps.filter(site__governorate__pcode=governorate)
    if overdue:
        gaps = gaps.filter(due_on__lt=today)
    return list(gaps.order_by(F("due_on").asc(nulls_last=True), "raised_on", "pk")[:limit])


def gap_updates(gap: ServiceGap) -> list[GapUpdate]:
    return list(gap.updates.select_related("actor").order_by("on", "pk"))


def gaps_by_sector(*, user: AnyUser, today: date) -> list[dict[str, Any]]:
    """For the dashboard: per sector, its gaps open, taken on, closed and overdue (not closed,
    due before today), every sector listed even without gaps."""
    counts = {
        row["sector_id"]: row
        for row in _gaps(user)
        .values("sector_id")
        .annotate(
            open=Count("pk", filter=Q(status=GapStatus.OPEN)),
            taken=Count("pk", filter=Q(status=GapStatus.TAKEN)),
            closed=Count("pk", filter=Q(status=GapStatus.CLOSED)),
            overdue=Count("pk", filter=~Q(status=GapStatus.CLOSED) & Q(due_on__lt=today)),
        )
        .order_by()
    }
    empty = {"open": 0, "taken": 0, "closed": 0, "overdue": 0}
    return [
        {"sector": sector, **{k: counts.get(sector.pk, empty)[k] for k in empty}}
        for sector in sectors_all()
    ]


@dataclass(frozen=True)
class RiskRow:
    site: Site
    assessment: RiskAssessment

    @property
    def families(self) -> int:
        return int(self.assessment.answers.get("families") or 0)


def risk_latest(*, user: AnyUser, site: Site) -> RiskAssessment | None:
    return (
        RiskAssessment.objects.filter(site__in=sites_visible(user), site=site)
        .order_by("-on", "-pk")
        .first()
    )


def risk_ranking(*, user: AnyUser, governorate: str = "") -> list[RiskRow]:
    """Informal sites by their latest risk score, highest first, for the mobile response
    teams; ties go to the site with more families, then by name. Closed sites are left out."""
    newest = RiskAssessment.objects.filter(site=OuterRef("pk")).order_by("-on", "-pk")
    sites = (
        sites_visible(user)
        .filter(type__in=services.INFORMAL_TYPES)
        .exclude(status=SiteStatus.CLOSED)
        .annotate(latest=Subquery(newest.values("pk")[:1]))
        .filter(latest__isnull=False)
        .select_related("governorate")
    )
    if governorate:
        sites = sites.filter(governorate__pcode=governorate)
    listed = list(sites)
    assessments = RiskAssessment.objects.in_bulk([s.latest for s in listed])
    rows = [RiskRow(site=s, assessment=assessments[s.latest]) for s in listed]
    return sorted(rows, key=lambda r: (-r.assessment.score, -r.families, r.site.name_en))


def governorates_with_sites(*, user: AnyUser) -> list[AdminUnit]:
    """The governorates that have sites the user sees, for the pages' filters."""
    return list(
        AdminUnit.objects.filter(
            pk__in=sites_visible(user).values("governorate_id").distinct()
        ).order_by("pcode")
    )
