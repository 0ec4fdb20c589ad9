"""Reads of the sites app: each takes the caller and returns only what the caller may see
(``nahrain.sites.access``); pages read the rollups the writes keep, never the raw events."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery, Sum

from nahrain.core.access import AnyUser
from nahrain.displacement.codelists import codes_for_round
from nahrain.displacement.models import AssessmentRound, Breakdown, Dimension, Population
from nahrain.geo.models import AdminUnit, Location
from nahrain.sites.access import sites_visible
from nahrain.sites.models import Site, SitePopulation

# --- sites: list, dashboard, site page ----------------------------------------------------------


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
    """One site against DTM: its newest figure on or before the round's reference date, and
    the round's in-camp IDPs at the location the site is counted in."""

    site: Site
    figure: SitePopulation | None
    dtm_households: int | None
    dtm_individuals: int | None

    @property
    def difference_households(self) -> int | None:
        if self.figure is None or self.figure.households is None or self.dtm_households is None:
            return None
        return self.figure.households - self.dtm_households

    @property
    def difference_individuals(self) -> int | None:
        if self.figure is None or self.figure.individuals is None or self.dtm_individuals is None:
            return None
        return self.figure.individuals - self.dtm_individuals

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


def reconciliation(*, user: AnyUser | None, assessment_round: AssessmentRound) -> Reconciliation:
    """Every site the user may read against the round's in-camp figures, per site and per
    governorate, and the round's camp locations no site is linked to. The round must have
    come through its gate (``displacement.access.access_round_by_uid``)."""
    readable = _sites_read_by(user)
    sites = list(readable.select_related("governorate", "location"))
    figures = _figures_on(readable, assessment_round.reference_date)
    in_camp = _in_camp(assessment_round)
    report = Reconciliation(assessment_round, reconciliation_tolerance())
    by_governorate: dict[int, GovernorateReconciled] = {}

    def governorate(unit: AdminUnit) -> GovernorateReconciled:
        return by_governorate.setdefault(unit.pk, GovernorateReconciled(unit))

    linked = set()
    for site in sites:
        dtm = in_camp.get(site.location_id) if site.location_id else None
        figure = figures.get(site.pk)
        report.sites.append(
            SiteReconciled(site, figure, dtm[0] if dtm else None, dtm[1] if dtm else None)
        )
        totals = governorate(site.governorate)
        totals.sites += 1
        if figure is not None:
            totals.site_households += figure.households or 0
            totals.site_individuals += figure.individuals or 0
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
            "site_households": r.figure.households if r.figure else None,
            "site_individuals": r.figure.individuals if r.figure else None,
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


# --- monitoring, gaps, risk ----------------------------------------------------------------------
