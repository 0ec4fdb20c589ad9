"""Access gates of field data collection: the same 404 for "missing" and "not yours".

Collectors reach only their organisation's forms. Collector accounts belong to the information
managers of the collecting organisation; so do review and key informants, except for a form whose
handler names other reviewers (the household registration form: its registration staff).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from nahrain.collect.handlers import all_handlers
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


DEFAULT_REVIEWERS = frozenset({Role.INFORMATION_MANAGER.value})


def submissions_reviewable(user: AnyUser) -> QuerySet[Submission]:
    """The submissions the user reviews: of each form, those of the organisations where the user
    holds one of the roles its handler names as reviewers."""
    if not user.is_authenticated:
        return Submission.objects.none()
    roles: dict[Any, set[str]] = {}
    for organisation_id, role in Membership.objects.filter(user_id=user.pk).values_list(
        "organisation_id", "role"
    ):
        roles.setdefault(organisation_id, set()).add(role)
    special = {h.form_id: h.reviewers for h in all_handlers() if h.reviewers != DEFAULT_REVIEWERS}
    default = [o for o, held in roles.items() if held & DEFAULT_REVIEWERS]
    allowed = Q(organisation_id__in=default) & ~Q(form__form_id__in=list(special))
    for form_id, reviewers in special.items():
        organisations = [o for o, held in roles.items() if held & reviewers]
        if organisations:
            allowed |= Q(form__form_id=form_id, organisation_id__in=organisations)
    return Submission.objects.filter(allowed)


def reviews_field_data(user: AnyUser) -> bool:
    """Whether the user reviews some form's submissions somewhere (the review queue is theirs)."""
    if not user.is_authenticated:
        return False
    reviewers = set(DEFAULT_REVIEWERS).union(*(h.reviewers for h in all_handlers()))
    return Membership.objects.filter(user_id=user.pk, role__in=reviewers).exists()


def access_form_version_for_collector(collector: Collector, uid: Any) -> FormVersion:
    """A published form version of the collector's organisation."""
    try:
        return FormVersion.objects.select_related("form").get(
            uid=_uuid(uid), form__organisation_id=collector.organisation_id
        )
    except FormVersion.DoesNotExist:
        raise Http404 from None


def access_submission_for_review(user: AnyUser, uid: Any) -> Submission:
    """A submission the user may review: their organisation's, in a role that reviews its form."""
    try:
        return (
            submissions_reviewable(user)
            .select_related("form", "collector", "organisation")
            .get(uid=_uuid(uid))
        )
    except Submission.DoesNotExist:
        raise Http404 from None


def access_key_informant(user: AnyUser, uid: Any) -> Submission:
    """Key informants are personal data of the collecting organisation: its reviewers of the form
    alone read them (not platform admins, not other organisations)."""
    return access_submission_for_review(user, uid)


def access_collector_for_manage(user: AnyUser, uid: Any) -> Collector:
    """A collector account the user may reset or revoke: their organisation's, as IM."""
    try:
        return Collector.objects.select_related("organisation").get(
            uid=_uuid(uid), organisation_id__in=managed_organisation_ids(user)
        )
    except Collector.DoesNotExist:
        raise Http404 from None
