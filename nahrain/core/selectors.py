"""Reads of core objects, always scoped to the caller."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from nahrain.core.access import AnyUser, is_platform_admin
from nahrain.core.models import (
    ApiToken,
    AttemptCounter,
    AttemptScope,
    AuditEvent,
    Membership,
    Organisation,
)


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


def organisation_member(*, organisation: Organisation, username: str) -> User | None:
    """An active user holding some role in the organisation (roles are given on its pages to
    its members alone: newcomers are invited)."""
    return (
        User.objects.filter(
            username=username, is_active=True, memberships__organisation=organisation
        )
        .distinct()
        .first()
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


def attempt_delay(*, key: str, failures: int) -> float:
    """Seconds the next attempt of a key waits after its last one: none for the first free
    failures (five for an account or a device, fifty for an address), then 1, 2, 4... seconds,
    at most ``NAHRAIN_LOGIN_MAX_DELAY_SECONDS``."""
    free = (
        settings.NAHRAIN_LOGIN_ADDRESS_FREE_FAILURES
        if key.startswith("address:")
        else settings.NAHRAIN_LOGIN_FREE_FAILURES
    )
    if failures < free:
        return 0.0
    return float(min(2 ** min(failures - free, 32), settings.NAHRAIN_LOGIN_MAX_DELAY_SECONDS))


def attempt_wait(*, counter: AttemptCounter, now: datetime | None = None) -> float:
    """Seconds still to wait before the counter's key may try again (0 when it may)."""
    delay = attempt_delay(key=counter.key, failures=counter.failures)
    if not delay:
        return 0.0
    elapsed = ((now or timezone.now()) - counter.last_attempt_at).total_seconds()
    return max(0.0, delay - elapsed)


def second_factor_device(*, user: AnyUser) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they have set one up."""
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def enrolment_device(*, user: AnyUser) -> TOTPDevice | None:
    """The authenticator the user is setting up, not confirmed yet."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).first()


def recovery_device(*, user: AnyUser) -> StaticDevice | None:
    """The holder of the user's recovery codes."""
    return StaticDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def recovery_codes_left(*, user: AnyUser) -> int:
    """How many unused recovery codes the user has."""
    device = recovery_device(user=user)
    return device.token_set.count() if device is not None else 0


def second_factor_wait(
    *, device: TOTPDevice | StaticDevice, known_device: str | None = None
) -> float:
    """Seconds before another code of this device is checked (0 when it will): django-otp's
    wait of the device, or from the account's known browser, that browser's own."""
    if known_device is not None:
        counter = AttemptCounter.objects.filter(
            scope=AttemptScope.CODE, key=f"device:{known_device}"
        ).first()
        return attempt_wait(counter=counter) if counter is not None else 0.0
    allowed, data = device.verify_is_allowed()
    if allowed or not data or "locked_until" not in data:
        return 0.0
    until: datetime = data["locked_until"]
    return max(0.0, (until - timezone.now()).total_seconds())
