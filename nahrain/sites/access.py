"""Who may see and change which sites: the one rule every gate, selector and statement of the
sites app reads (docs/SITES.md, "Who sees what").

- Any signed-in user reads every site's public profile and aggregate figures (population,
  capacity, arrivals and departures, monitoring, gaps): CCCM figures are shared across the
  response.
- The site's holding organisation writes it: its site managers (camp managers) and its
  information managers (``sites_writable``).
- Household-level records of a site (allocations with the household's registration number) are
  personal data: only those same writers read them (``reads_households``).
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from nahrain.core.access import AnyUser, access_organisation_by_id, user_roles
from nahrain.core.models import Membership, Organisation, Role
from nahrain.sites.models import (
    Allocation,
    ClosurePlan,
    MonitoringRound,
    ServiceGap,
    ShelterUnit,
    Site,
)

T = TypeVar("T", bound=Model)

WRITER_ROLES = (Role.SITE_MANAGER, Role.INFORMATION_MANAGER)


def writing_organisations(user: AnyUser) -> QuerySet[Membership, Any]:
    """The ids of the organisations whose sites the user writes (a subquery, never evaluated)."""
    if not user.is_authenticated:
        return Membership.objects.none().values("organisation_id")
    return Membership.objects.filter(user_id=user.pk, role__in=WRITER_ROLES).values(
        "organisation_id"
    )


def sites_visible(user: AnyUser) -> QuerySet[Site]:
    """Every site whose public profile the user may read: all of them, once signed in."""
    if not user.is_authenticated:
        return Site.objects.none()
    return Site.objects.all()


def sites_writable(user: AnyUser) -> QuerySet[Site]:
    """The sites the user may change: those of organisations they manage sites or data for."""
    return Site.objects.filter(organisation_id__in=writing_organisations(user))


def writes_site(user: AnyUser, site: Site) -> bool:
    return sites_writable(user).filter(pk=site.pk).exists()


def reads_households(user: AnyUser, site: Site) -> bool:
    """Household-level records of a site: its holding organisation's writers alone."""
    return writes_site(user, site)


def _uuid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def _one(objects: QuerySet[T], uid: Any) -> T:
    """The object of that uid among those the caller may reach; 404 alike for missing and
    not-yours."""
    found = objects.filter(uid=_uuid(uid)).first()
    if found is None:
        raise Http404
    return found


# The sites' areas come with them, without their boundaries (megabytes a district, read by no
# page that shows one site).
SITE_RELATED = ("organisation", "admin_unit", "governorate")
SITE_UNREAD = ("admin_unit__geometry", "governorate__geometry")


def access_site_by_uid(user: AnyUser, site_uid: Any) -> Site:
    """A site's public profile: any signed-in user."""
    sites = sites_visible(user).select_related(*SITE_RELATED).defer(*SITE_UNREAD)
    return _one(sites, site_uid)


def access_site_for_change(user: AnyUser, site_uid: Any) -> Site:
    """A site the user may change (and whose households they may read)."""
    sites = sites_writable(user).select_related(*SITE_RELATED).defer(*SITE_UNREAD)
    return _one(sites, site_uid)


def access_unit_for_change(user: AnyUser, unit_uid: Any) -> ShelterUnit:
    units = ShelterUnit.objects.select_related("site").filter(site__in=sites_writable(user))
    return _one(units, unit_uid)


def access_gap_by_uid(user: AnyUser, gap_uid: Any) -> ServiceGap:
    gaps = ServiceGap.objects.select_related("site", "sector")
    return _one(gaps.filter(site__in=sites_visible(user)), gap_uid)


def access_gap_for_change(user: AnyUser, gap_uid: Any) -> ServiceGap:
    gaps = ServiceGap.objects.select_related("site", "sector")
    return _one(gaps.filter(site__in=sites_writable(user)), gap_uid)


def access_closure_for_change(user: AnyUser, closure_uid: Any) -> ClosurePlan:
    closures = ClosurePlan.objects.select_related("site")
    return _one(closures.filter(site__in=sites_writable(user)), closure_uid)


def access_organisation_for_site_import(user: AnyUser, organisation_id: Any) -> Organisation:
    """An organisation whose site master list the user may import: they write its sites."""
    organisation = access_organisation_by_id(user, organisation_id)
    if not set(WRITER_ROLES) & user_roles(user, organisation):
        raise Http404
    return organisation


def access_monitoring_by_uid(user: AnyUser, round_uid: Any) -> MonitoringRound:
    """A monitoring round: as public as its site's profile."""
    rounds = MonitoringRound.objects.select_related("site")
    return _one(rounds.filter(site__in=sites_visible(user)), round_uid)


def access_closure_by_uid(user: AnyUser, closure_uid: Any) -> ClosurePlan:
    """A closure plan and its outcome: aggregate figures, read like the site's profile."""
    closures = ClosurePlan.objects.select_related("site__organisation", "site__governorate")
    return _one(closures.filter(site__in=sites_visible(user)), closure_uid)


def access_allocation_for_change(user: AnyUser, allocation_uid: Any) -> Allocation:
    """A household's allocation: personal data, its site's writers alone."""
    allocations = Allocation.objects.select_related("unit__site")
    return _one(allocations.filter(unit__site__in=sites_writable(user)), allocation_uid)
