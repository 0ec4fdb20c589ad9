"""Reads of core objects, always scoped to the caller."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from nahrain.core.access import AnyUser, is_platform_admin
from nahrain.core.models import ApiToken, AuditEvent, LoginFailure, Membership, Organisation


def organisation_list(*, user: AnyUser) -> QuerySet[Organisation]:
    """The directory of organisations of the response: visible to every signed-in user."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.all()


def membership_list(*, user: AnyUser, organisation: Organisation) -> QuerySet[Membership]:
    """Members of an organisation the caller has already been let into by an access gate."""
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__username", "role")
    )


def memberships_of(*, user: AnyUser) -> QuerySet[Membership]:
    """The caller's own memberships."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user_id=user.pk).select_related("organisation")


def api_token_list(*, user: AnyUser) -> QuerySet[ApiToken]:
    """The caller's own tokens, revoked ones included so that the history stays visible."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=user.pk)


def audit_event_list(*, user: AnyUser) -> QuerySet[AuditEvent]:
    """Platform admins see every event; organisation members see their organisations' events."""
    if is_platform_admin(user):
        return AuditEvent.objects.all()
    if not user.is_authenticated:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(
        Q(organisation__memberships__user_id=user.pk) | Q(actor_id=user.pk)
    ).distinct()


def login_is_throttled(*, username: str, ip_address: str | None) -> bool:
    """True when the account or the address has failed too often inside the window."""
    since = timezone.now() - timedelta(seconds=settings.NAHRAIN_LOGIN_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(at__gte=since)
    limit = settings.NAHRAIN_LOGIN_MAX_FAILURES
    if recent.filter(username=username.casefold()).count() >= limit:
        return True
    return bool(ip_address) and recent.filter(ip_address=ip_address).count() >= limit * 10
