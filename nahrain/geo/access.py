"""Access gates for locations; the same 404 for "does not exist" and "not yours"."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404

from nahrain.core.access import AnyUser
from nahrain.core.models import Membership, Role
from nahrain.geo.models import Location


def _managed_organisations(user: AnyUser) -> set[Any]:
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(user_id=user.pk, role=Role.INFORMATION_MANAGER).values_list(
            "organisation_id", flat=True
        )
    )


def _get(location_uid: Any) -> Location:
    try:
        uid = location_uid if isinstance(location_uid, uuid.UUID) else uuid.UUID(str(location_uid))
        return Location.objects.select_related("owner", "admin_unit").get(uid=uid)
    except (ValueError, Location.DoesNotExist):
        raise Http404 from None


def access_location_by_uid(user: AnyUser, location_uid: Any) -> Location:
    """A location the user may read: published ones to every signed-in user, the others to
    their owner's information managers, as drafts."""
    if not user.is_authenticated:
        raise Http404
    location = _get(location_uid)
    if location.published_at is not None:
        return location
    if location.owner_id in _managed_organisations(user):
        return location
    raise Http404


def access_location_for_change(user: AnyUser, location_uid: Any) -> Location:
    """A location the user may edit: one their organisation owns, as its information manager.
    The steward's information managers so edit the canonical master list."""
    location = access_location_by_uid(user, location_uid)
    if location.owner_id is not None and location.owner_id in _managed_organisations(user):
        return location
    raise Http404
