"""Reads of the sites app: each takes the caller and returns only what the caller may see
(``nahrain.sites.access``); pages read the rollups the writes keep, never the raw events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from nahrain.core.access import AnyUser
from nahrain.geo.models import AdminUnit
from nahrain.sites import access
from nahrain.sites.models import (
    Allocation,
    ClosurePlan,
    GovernorateWeek,
    MovementKind,
    MovementPlace,
    MovementReason,
    ShelterCondition,
    ShelterKind,
    ShelterUnit,
    Site,
    SiteStatus,
    SiteWeek,
)

# --- sites: list, dashboard, site page ----------------------------------------------------------


# --- exports and the reconciliation with DTM ---------------------------------------------------


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


WEEK_FIGURES = (
    "arrivals_households",
    "arrivals_individuals",
    "departures_households",
    "departures_individuals",
)


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
    return list(weeks.values("week").annotate(**{f: Sum(f) for f in WEEK_FIGURES}).order_by("week"))


def movement_reasons(kind: str | None = None) -> QuerySet[MovementReason]:
    """The movement reasons code list, as loaded (empty until it is)."""
    reasons = MovementReason.objects.all()
    return reasons.filter(kind=kind) if kind else reasons


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
