"""Reads of the sites app: each takes the caller and returns only what the caller may see
(``nahrain.sites.access``); pages read the rollups the writes keep, never the raw events."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from nahrain.core.access import AnyUser
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.geo.models import AdminUnit
from nahrain.sites import services
from nahrain.sites.access import sites_visible
from nahrain.sites.models import (
    GapStatus,
    GapUpdate,
    Indicator,
    MonitoringRound,
    MonitoringValue,
    RiskAssessment,
    Sector,
    ServiceGap,
    Site,
    SiteStatus,
)

# --- sites: list, dashboard, site page ----------------------------------------------------------


# --- exports and the reconciliation with DTM ---------------------------------------------------


# --- shelters, movements, closures --------------------------------------------------------------


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
