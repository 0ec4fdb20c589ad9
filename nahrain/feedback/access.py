"""Who may read and handle feedback: the one rule the gates, selectors, exports and pages read
(docs/FEEDBACK.md, "Who sees what"; DESIGN.md section 6).

- **Non-sensitive** items are handled by the feedback officers of the ``concerned``
  organisation; the feedback officers of the receiving ``organisation`` keep reading an item
  they referred. The contact goes to ``concerned`` only with the person's consent to share.
  Information managers and organisation admins read their organisation's trends and anonymised
  exports, never items; platform admins read no item at all.
- **Sensitive** items (a sensitive category: sexual exploitation and abuse, fraud, safety, data
  breach) are read and handled ONLY by the users the ``concerned`` organisation names focal
  point for the item's category, while they are named and members. Not the officer who
  recorded it (they keep the reference), not admins, not platform admins.

``feedback_readable_by`` is the rule as a queryset; ``can_read_feedback`` and the gate
``access_feedback_by_uid`` are that queryset asked about one item, so all three agree.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from nahrain.assistance.models import Programme
from nahrain.core.access import AnyUser, user_roles
from nahrain.core.models import Membership, Organisation, Role
from nahrain.feedback.models import Feedback, FocalPoint

HANDLING_ROLES = (Role.FEEDBACK_OFFICER,)
# Who reads an organisation's trends and anonymised exports (counts, never items).
TRENDS_ROLES = (Role.FEEDBACK_OFFICER, Role.INFORMATION_MANAGER, Role.ORG_ADMIN)


def _uuid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def _organisation_ids(user: AnyUser, roles: tuple[str, ...] | None = None) -> QuerySet[Any, Any]:
    """The ids of the user's organisations (in those roles): a subquery, never evaluated."""
    if not user.is_authenticated:
        return Membership.objects.none().values("organisation_id")
    members = Membership.objects.filter(user_id=user.pk)
    if roles is not None:
        members = members.filter(role__in=roles)
    return members.values("organisation_id")


def focal_points_current(user: AnyUser) -> QuerySet[FocalPoint]:
    """The user's focal point namings that count: in an organisation they are still a member
    of."""
    if not user.is_authenticated:
        return FocalPoint.objects.none()
    return FocalPoint.objects.filter(user_id=user.pk, organisation_id__in=_organisation_ids(user))


def feedback_readable_by(user: AnyUser) -> QuerySet[Feedback]:
    """THE rule: every item the user may read."""
    if not user.is_authenticated:
        return Feedback.objects.none()
    officer_of = _organisation_ids(user, HANDLING_ROLES)
    named = focal_points_current(user).filter(
        organisation_id=OuterRef("concerned_id"), category=OuterRef("category")
    )
    return Feedback.objects.filter(
        (Q(sensitive=False) & (Q(concerned_id__in=officer_of) | Q(organisation_id__in=officer_of)))
        | (Q(sensitive=True) & Exists(named))
    )


def feedback_handled_by(user: AnyUser) -> QuerySet[Feedback]:
    """The items the user handles (assigns, answers, refers, closes): a subset of those read."""
    if not user.is_authenticated:
        return Feedback.objects.none()
    named = focal_points_current(user).filter(
        organisation_id=OuterRef("concerned_id"), category=OuterRef("category")
    )
    return Feedback.objects.filter(
        (Q(sensitive=False) & Q(concerned_id__in=_organisation_ids(user, HANDLING_ROLES)))
        | (Q(sensitive=True) & Exists(named))
    )


def can_read_feedback(user: AnyUser, feedback: Feedback) -> bool:
    return feedback_readable_by(user).filter(pk=feedback.pk).exists()


def can_handle_feedback(user: AnyUser, feedback: Feedback) -> bool:
    return feedback_handled_by(user).filter(pk=feedback.pk).exists()


def can_read_contact(user: AnyUser, feedback: Feedback) -> bool:
    """The contact is the receiver's: read by whoever reads the item on the receiver's side,
    and on the concerned organisation's side only with the person's consent to share."""
    if not can_read_feedback(user, feedback):
        return False
    if feedback.concerned_id == feedback.organisation_id:
        return True
    receiver_side = not feedback.sensitive and Role.FEEDBACK_OFFICER in user_roles(
        user, feedback.organisation
    )
    if receiver_side:
        return True
    return bool(
        getattr(getattr(feedback, "contact", None), "consent_to_share", False)
        and (Role.FEEDBACK_OFFICER in user_roles(user, feedback.concerned) or feedback.sensitive)
    )


def records_feedback(user: AnyUser, organisation: Organisation) -> bool:
    """Whether the user records feedback received by the organisation's mechanism."""
    return bool(set(HANDLING_ROLES) & user_roles(user, organisation))


def reads_trends(user: AnyUser, organisation: Organisation) -> bool:
    """Whether the user reads the organisation's exact trends and anonymised exports."""
    return bool(set(TRENDS_ROLES) & user_roles(user, organisation))


def names_focal_points(user: AnyUser, organisation: Organisation) -> bool:
    """Organisation admins name and remove the focal points for sensitive feedback."""
    return Role.ORG_ADMIN in user_roles(user, organisation)


def organisations_recording(user: AnyUser) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=_organisation_ids(user, HANDLING_ROLES))


def organisations_reading_trends(user: AnyUser) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=_organisation_ids(user, TRENDS_ROLES))


# --- the gate: the same 404 for "does not exist" and "not yours" ------------------------------


def access_programme_for_pdm(user: AnyUser, uid: Any) -> Programme:
    """A programme whose PDM complaints the user takes over into feedback: a programme of an
    organisation they are a feedback officer of (the same 404 otherwise)."""
    found = Programme.objects.filter(
        uid=_uuid(uid), organisation_id__in=_organisation_ids(user, HANDLING_ROLES)
    ).first()
    if found is None:
        raise Http404
    return found


def access_feedback_by_uid(user: AnyUser, uid: Any) -> Feedback:
    found = (
        feedback_readable_by(user)
        .select_related("organisation", "concerned", "site", "admin_unit", "assigned_to")
        .filter(uid=_uuid(uid))
        .first()
    )
    if found is None:
        raise Http404
    return found
