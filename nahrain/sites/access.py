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
from typing import Any

from django.db.models import QuerySet
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


def access_site_by_uid(user: AnyUser, site_uid: Any) -> Site:
    """A site's public profile: any signed-in user."""
    found = (
        sites_visible(user)
        .select_related("organisation", "admin_unit", "governorate")
        .filter(uid=_uuid(site_uid))
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_site_for_change(user: AnyUser, site_uid: Any) -> Site:
    """A site the user may change (and whose households they may read)."""
    found = (
        sites_writable(user)
        .select_related("organisation", "admin_unit", "governorate")
        .filter(uid=_uuid(site_uid))
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_unit_for_change(user: AnyUser, unit_uid: Any) -> ShelterUnit:
    found = (
        ShelterUnit.objects.select_related("site")
        .filter(uid=_uuid(unit_uid), site__in=sites_writable(user))
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_gap_by_uid(user: AnyUser, gap_uid: Any) -> ServiceGap:
    found = (
        ServiceGap.objects.select_related("site", "sector")
        .filter(uid=_uuid(gap_uid), site__in=sites_visible(user))
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_gap_for_change(user: AnyUser, gap_uid: Any) -> ServiceGap:
    found = (
        ServiceGap.objects.select_related("site", "sector")
        .filter(uid=_uuid(gap_uid), site__in=sites_writable(user))
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_closure_for_change(user: AnyUser, closure_uid: Any) -> ClosurePlan:
    found = (
        ClosurePlan.objects.select_related("site")
        .filter(uid=_uuid(closure_uid), site__in=sites_writable(user))
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_organisation_for_site_import(user: AnyUser, organisation_id: Any) -> Organisation:
    """An organisation whose site master list the user may import: they write its sites."""
    organisation = access_organisation_by_id(user, organisation_id)
    if not set(WRITER_ROLES) & user_roles(user, organisation):
        raise Http404
    return organisation


def access_monitoring_by_uid(user: AnyUser, round_uid: Any) -> MonitoringRound:
    """A monitoring round: as public as its site's profile."""
    found = (
        MonitoringRound.objects.select_related("site")
        .filter(uid=_uuid(round_uid), site__in=sites_visible(user))
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_closure_by_uid(user: AnyUser, closure_uid: Any) -> ClosurePlan:
    """A closure plan and its outcome: aggregate figures, read like the site's profile."""
    found = (
        ClosurePlan.objects.select_related("site__organisation", "site__governorate")
        .filter(uid=_uuid(closure_uid), site__in=sites_visible(user))
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_allocation_for_change(user: AnyUser, allocation_uid: Any) -> Allocation:
    """A household's allocation: personal data, its site's writers alone."""
    found = (
        Allocation.objects.select_related("unit__site")
        .filter(uid=_uuid(allocation_uid), unit__site__in=sites_writable(user))
        .first()
    )
    if found is None:
        raise Http404
    return found
