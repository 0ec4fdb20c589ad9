"""Writes of core objects: organisations, memberships, tokens, second factors, audit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from nahrain.core.context import current_request_id
from nahrain.core.models import (
    ApiToken,
    AuditEvent,
    LoginFailure,
    Membership,
    Organisation,
    TotpDevice,
)

TOKEN_PREFIX = "nhr_"  # noqa: S105 (a marker, not a secret)


def audit_record(
    *,
    actor: User | None,
    action: str,
    object_type: str = "",
    object_id: Any = "",
    organisation: Organisation | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event.

    ``detail`` holds identifiers and counts, never personal values.
    """
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        organisation=organisation,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        request_id=current_request_id.get(),
        detail=detail or {},
    )


@transaction.atomic
def organisation_create(*, actor: User | None, name: str, acronym: str, type: str) -> Organisation:
    """Register an organisation of the response."""
    organisation = Organisation(name=name, acronym=acronym, type=type)
    organisation.full_clean()
    organisation.save()
    audit_record(
        actor=actor,
        action="organisation.create",
        object_type="organisation",
        object_id=organisation.pk,
        organisation=organisation,
    )
    return organisation


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_platform_admin: bool = False,
    validate: bool = True,
) -> User:
    """Create a user; the password passes the configured validators unless ``validate`` is off."""
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.is_superuser = is_platform_admin
    user.is_staff = is_platform_admin
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def membership_add(
    *,
    actor: User | None,
    user: User,
    organisation: Organisation,
    role: str,
) -> Membership:
    """Give a user a role in an organisation (idempotent)."""
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role
    )
    if created:
        membership.full_clean()
        audit_record(
            actor=actor,
            action="membership.add",
            object_type="membership",
            object_id=membership.pk,
            organisation=organisation,
            detail={"user_id": user.pk, "role": role},
        )
    return membership


@transaction.atomic
def membership_remove(*, actor: User | None, membership: Membership) -> None:
    """Take a role away."""
    audit_record(
        actor=actor,
        action="membership.remove",
        object_type="membership",
        object_id=membership.pk,
        organisation=membership.organisation,
        detail={"user_id": membership.user_id, "role": membership.role},
    )
    membership.delete()


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token; the secret is returned once and only its digest is kept."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=secret[:10], digest=_token_digest(secret))
    token.full_clean()
    token.save()
    audit_record(actor=user, action="api_token.create", object_type="api_token", object_id=token.pk)
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token for good; requests carrying it are refused from now on."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor, action="api_token.revoke", object_type="api_token", object_id=token.pk
        )
    return token


def api_token_authenticate(*, secret: str) -> User | None:
    """The active user a token secret belongs to, or None; records when it was last used."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_token_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Write at most once a minute: a busy client must not turn every read into a write.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def totp_device_start(*, user: User) -> TotpDevice:
    """Create (or restart, while unconfirmed) the user's TOTP device with a fresh secret."""
    device, _ = TotpDevice.objects.get_or_create(
        user=user, defaults={"secret": pyotp.random_base32()}
    )
    if device.confirmed_at is None:
        device.secret = pyotp.random_base32()
        device.last_step = 0
        device.save(update_fields=["secret", "last_step"])
    return device


def totp_provisioning_uri(*, device: TotpDevice) -> str:
    """The otpauth:// URI an authenticator app reads from a QR code."""
    totp = pyotp.TOTP(device.secret)
    return str(totp.provisioning_uri(name=device.user.get_username(), issuer_name="Nahrain"))


@transaction.atomic
def totp_verify(*, user: User, code: str) -> bool:
    """Check a code against the user's device, refusing a code already used (replay)."""
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        return False
    code = "".join(code.split())
    totp = pyotp.TOTP(device.secret)
    now = timezone.now()
    # One step of clock drift either way, as RFC 6238 recommends.
    for drift in (0, -1, 1):
        at = now + timedelta(seconds=drift * totp.interval)
        step = int(totp.timecode(at))
        if step > device.last_step and secrets.compare_digest(totp.at(at), code):
            device.last_step = step
            if device.confirmed_at is None:
                device.confirmed_at = now
                audit_record(
                    actor=user, action="totp.confirm", object_type="user", object_id=user.pk
                )
            device.save(update_fields=["last_step", "confirmed_at"])
            return True
    return False


def login_failure_record(*, username: str, ip_address: str | None) -> None:
    """Count a failed sign-in, and forget failures older than the throttling window."""
    LoginFailure.objects.create(username=username.casefold()[:150], ip_address=ip_address)
    horizon = timezone.now() - timedelta(seconds=settings.NAHRAIN_LOGIN_WINDOW_SECONDS * 2)
    LoginFailure.objects.filter(at__lt=horizon).delete()


def login_failures_clear(*, username: str) -> None:
    """A successful sign-in clears the account's failures."""
    LoginFailure.objects.filter(username=username.casefold()).delete()
