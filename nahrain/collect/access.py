"""Access gates of field data collection: the same 404 for "missing" and "not yours".

Collectors reach only their organisation's forms. Review, collector accounts and key
informants belong to the information managers of the collecting organisation.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404

from nahrain.collect.models import Collector, FormVersion, Submission
from nahrain.core.access import AnyUser
from nahrain.core.models import Membership, Role


def _uuid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def managed_organisation_ids(user: AnyUser) -> list[Any]:
    """Organisations whose field data the user manages (as information manager)."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user_id=user.pk, role=Role.INFORMATION_MANAGER).values_list(
            "organisation_id", flat=True
        )
    )


def access_form_version_for_collector(collector: Collector, uid: Any) -> FormVersion:
    """A published form version of the collector's organisation."""
    try:
        return FormVersion.objects.select_related("form").get(
            uid=_uuid(uid), form__organisation_id=collector.organisation_id
        )
    except FormVersion.DoesNotExist:
        raise Http404 from None


def access_submission_for_review(user: AnyUser, uid: Any) -> Submission:
    """A submission the user may review: their organisation's, as information manager."""
    try:
        return Submission.objects.select_related("form", "collector", "organisation").get(
            uid=_uuid(uid), organisation_id__in=managed_organisation_ids(user)
        )
    except Submission.DoesNotExist:
        raise Http404 from None


def access_key_informant(user: AnyUser, uid: Any) -> Submission:
    """Key informants are personal data of the collecting organisation: its information
    managers alone read them (not platform admins, not other organisations)."""
    return access_submission_for_review(user, uid)


def access_collector_for_manage(user: AnyUser, uid: Any) -> Collector:
    """A collector account the user may reset or revoke: their organisation's, as IM."""
    try:
        return Collector.objects.select_related("organisation").get(
            uid=_uuid(uid), organisation_id__in=managed_organisation_ids(user)
        )
    except Collector.DoesNotExist:
        raise Http404 from None
