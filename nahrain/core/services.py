"""Writes of core objects: organisations, memberships, tokens, second factors, sign-in attempts,
audit."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from nahrain.core.access import (
    ENROLMENT_LINK_SALT,
    INVITATION_SALT,
    is_platform_admin,
    requires_second_factor,
)
from nahrain.core.context import current_request_id
from nahrain.core.models import (
    ApiToken,
    AttemptCounter,
    AttemptScope,
    AuditEvent,
    EnrolmentLink,
    Invitation,
    Membership,
    Organisation,
    Role,
)
from nahrain.core.selectors import attempt_wait, second_factor_device

# The roles that read GBV and MHPSS cases and referrals, and those kept apart from them.
CONFIDENTIAL_ROLES = frozenset({Role.GBV_CASE_WORKER, Role.MHPSS_WORKER})
OVERSEEING_ROLES = frozenset({Role.ORG_ADMIN, Role.INFORMATION_MANAGER})

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
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_platform_admin: bool = False,
    validate: bool = True,
) -> User:
    """Create a user; the password passes the configured validators unless ``validate`` is off.
    With ``password`` None nobody can sign in as the user until an invitation gives one."""
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if password is None:
        user.set_unusable_password()
    else:
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
    """Give a user a role in an organisation (idempotent). The roles that read GBV and MHPSS
    referrals are kept apart from those who oversee the organisation (``role_refusal``)."""
    refusal = role_refusal(actor=actor, user=user, organisation=organisation, role=role)
    if refusal:
        raise RoleRefused(refusal)
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


class RoleRefused(ValidationError):
    """A role that may not be given to this user by this actor."""


def role_refusal(*, actor: User | None, user: User, organisation: Organisation, role: str) -> str:
    """Why the role may not be given, or "". A GBV case worker or MHPSS worker reads the GBV and
    MHPSS referrals the organisation receives: nobody gives that role to themselves, and it is
    never held together with a role that oversees the organisation (its admins and information
    managers) or by a platform admin, who are by design kept from those cases."""
    roles = set(
        Membership.objects.filter(user=user, organisation=organisation).values_list(
            "role", flat=True
        )
    )
    if role in CONFIDENTIAL_ROLES:
        if actor is not None and actor.pk == user.pk:
            return str(_("Nobody gives themselves a GBV or MHPSS role."))
        if roles & OVERSEEING_ROLES or user.is_superuser:
            return str(_("An admin or information manager cannot also hold a GBV or MHPSS role."))
    if role in OVERSEEING_ROLES and roles & CONFIDENTIAL_ROLES:
        return str(_("A GBV or MHPSS case worker cannot also be an admin or information manager."))
    return ""


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


@transaction.atomic
def user_invite(
    *,
    actor: User | None,
    username: str,
    email: str,
    organisation: Organisation | None,
    role: str | None,
    platform_admin: bool = False,
    password: str | None = None,
) -> tuple[User, str]:
    """Create a user with a role in an organisation (or a platform admin, which only a platform
    admin or the server's operator, ``actor`` None, makes).

    Without ``password`` the user has no usable password and the token of a one-time sign-in
    link is returned (see ``invitation_create``); with one (validated) the token is empty."""
    if platform_admin and actor is not None and not is_platform_admin(actor):
        raise PermissionDenied("only a platform admin makes platform admins")
    user = user_create(
        username=username, password=password, email=email, is_platform_admin=platform_admin
    )
    if organisation is not None and role:
        membership_add(actor=actor, user=user, organisation=organisation, role=role)
    audit_record(
        actor=actor,
        action="user.invite",
        object_type="user",
        object_id=user.pk,
        organisation=organisation,
        detail={"role": role or "", "platform_admin": platform_admin, "link": password is None},
    )
    token = invitation_create(actor=actor, user=user) if password is None else ""
    return user, token


def _one_time_link(
    *,
    model: type[Invitation] | type[EnrolmentLink],
    actor: User | None,
    user: User,
    seconds: int,
    action: str,
    detail_key: str,
    salt: str,
) -> str:
    """A one-time link of ``user``'s (an invitation, an enrolment link), valid ``seconds``,
    recorded and audited; its signed token."""
    link = model.objects.create(
        user=user, created_by=actor, expires_at=timezone.now() + timedelta(seconds=seconds)
    )
    audit_record(
        actor=actor,
        action=action,
        object_type="user",
        object_id=user.pk,
        detail={detail_key: str(link.pk)},
    )
    return signing.dumps(str(link.pk), salt=salt)


@transaction.atomic
def invitation_create(*, actor: User | None, user: User) -> str:
    """A signed one-time sign-in link token for ``user``, valid ``NAHRAIN_INVITATION_SECONDS``;
    ``actor`` None is the server's operator."""
    return _one_time_link(
        model=Invitation,
        actor=actor,
        user=user,
        seconds=settings.NAHRAIN_INVITATION_SECONDS,
        action="invitation.create",
        detail_key="invitation_id",
        salt=INVITATION_SALT,
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str) -> User | None:
    """Give the invited user the password they chose (it passes the validators) and spend the
    link with every other open invitation of theirs; None when the link was spent meanwhile."""
    open_invitation = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True)
    if open_invitation.select_for_update().first() is None:
        return None
    user = invitation.user
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    Invitation.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
    audit_record(
        actor=user,
        action="invitation.accept",
        object_type="user",
        object_id=user.pk,
        detail={"invitation_id": str(invitation.pk)},
    )
    return user


@transaction.atomic
def password_set(*, user: User, password: str, reset: bool) -> User:
    """Give ``user`` a new password that passes the validators: one they changed while signed in
    (``reset`` False) or chose through a reset link sent by e-mail. The old password stops
    working at once, with it every other session of the user and any reset link still open."""
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        actor=user,
        action="password.reset" if reset else "password.change",
        object_type="user",
        object_id=user.pk,
    )
    return user


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class SecondFactorRefused(Exception):
    """A second-factor code was wrong, already used, or given too soon after failed ones."""


@transaction.atomic
def api_token_create(*, user: User, name: str, with_second_factor: bool) -> tuple[ApiToken, str]:
    """Issue a token; the secret is returned once and only its digest is kept.

    ``with_second_factor`` records that the caller gave a current code when asking for it (see
    ``api_token_create_confirmed``)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=secret[:10],
        digest=_token_digest(secret),
        with_second_factor=with_second_factor,
    )
    token.full_clean()
    token.save()
    audit_record(
        actor=user,
        action="api_token.create",
        object_type="api_token",
        object_id=token.pk,
        detail={"with_second_factor": with_second_factor},
    )
    return token, secret


def api_token_create_confirmed(
    *, user: User, name: str, code: str, known_device: str | None = None
) -> tuple[ApiToken, str]:
    """Issue a token to a signed-in user; one who must use a second factor gives a current code
    of their authenticator again (a stolen half-open session cannot mint a lasting credential).

    Raises ``SecondFactorRefused`` when the code is missing or not accepted."""
    if not requires_second_factor(user):
        return api_token_create(user=user, name=name, with_second_factor=False)
    device = second_factor_device(user=user)
    if device is None or not totp_verify(device=device, code=code, known_device=known_device):
        raise SecondFactorRefused
    return api_token_create(user=user, name=name, with_second_factor=True)


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
    """The active user a token secret belongs to, or None; records when it was last used.

    A token of a user who must use a second factor counts only if it was issued with one."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_token_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if not token.with_second_factor and requires_second_factor(token.user):
        return None
    now = timezone.now()
    # Write at most once a minute: a busy client must not turn every read into a write.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- second factor: django-otp's TOTP devices, recovery codes, enrolment links ----------------

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR = "authenticator"
RECOVERY = "recovery codes"


# django-otp doubles the wait after each wrong code without end (its cap is a hundred years): an
# attacker who has the password could keep the owner out for days. From the tenth failure in a
# row the wait stays at 2^9 s, about 8.5 minutes: 7 guesses an hour, at 3 valid codes in a
# million each.
CODE_FAILURES_CAP = 10


def _clean_code(code: str) -> str:
    return "".join(code.split()).lower()


def _cap_code_waits(device: TOTPDevice | StaticDevice) -> None:
    if device.throttling_failure_count > CODE_FAILURES_CAP:
        type(device).objects.filter(pk=device.pk).update(throttling_failure_count=CODE_FAILURES_CAP)


def _code_verify(locked: TOTPDevice | StaticDevice, code: str, known_device: str | None) -> bool:
    """Check a code on a locked device. From a browser unknown to the account, django-otp's
    wait of the device applies. From the account's known browser (its device cookie), the
    attempts are counted on that browser alone, like its passwords: someone else's wrong codes,
    which make the device wait, do not keep its owner out."""
    if known_device is None:
        verified = bool(locked.verify_token(_clean_code(code)))
        if not verified:
            _cap_code_waits(locked)
        return verified
    keys = [f"device:{known_device}"]
    if attempt_begin(scope=AttemptScope.CODE, keys=keys):
        return False
    count, at = locked.throttling_failure_count, locked.throttling_failure_timestamp
    locked.throttling_failure_count = 0
    if locked.verify_token(_clean_code(code)):
        attempt_succeeded(scope=AttemptScope.CODE, keys=keys)
        return True
    # Counted on the browser: the device's own count stays what the other attempts made it.
    type(locked).objects.filter(pk=locked.pk).update(
        throttling_failure_count=count, throttling_failure_timestamp=at
    )
    return False


@transaction.atomic
def totp_verify(*, device: TOTPDevice, code: str, known_device: str | None = None) -> bool:
    """Check a code against an authenticator; django-otp refuses a code of a time step already
    used (replay) and, after failures, any code before a wait of 2^(failures-1) seconds (from
    the account's known browser, its own count instead: ``_code_verify``)."""
    locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    verified = _code_verify(locked, code, known_device)
    device.refresh_from_db()
    return verified


@transaction.atomic
def recovery_code_use(*, user: User, code: str, known_device: str | None = None) -> bool:
    """Spend one recovery code (each works once), throttled like the authenticator's codes."""
    device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None or not _code_verify(device, code, known_device):
        return False
    audit_record(
        actor=user,
        action="recovery_code.use",
        object_type="user",
        object_id=user.pk,
        detail={"left": device.token_set.count()},
    )
    return True


@transaction.atomic
def recovery_codes_generate(*, user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones, returned once to be shown."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    audit_record(
        actor=user,
        action="recovery_codes.generate",
        object_type="user",
        object_id=user.pk,
        detail={"count": len(codes)},
    )
    return codes


@transaction.atomic
def enrolment_link_create(*, actor: User | None, user: User) -> str:
    """A signed one-time link token letting ``user`` set up an authenticator app, valid for
    ``NAHRAIN_ENROLMENT_LINK_SECONDS``; ``actor`` None is the server's operator."""
    return _one_time_link(
        model=EnrolmentLink,
        actor=actor,
        user=user,
        seconds=settings.NAHRAIN_ENROLMENT_LINK_SECONDS,
        action="enrolment_link.create",
        detail_key="link_id",
        salt=ENROLMENT_LINK_SALT,
    )


@transaction.atomic
def enrolment_device_start(*, link: EnrolmentLink) -> TOTPDevice:
    """A fresh unconfirmed authenticator for the link's user, replacing an unfinished one."""
    TOTPDevice.objects.filter(user=link.user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=link.user, name=AUTHENTICATOR, confirmed=False)


@transaction.atomic
def enrolment_complete(*, link: EnrolmentLink, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the new authenticator with its first code, spend the link, drop the user's older
    authenticators and give new recovery codes; None if the code is not accepted."""
    locked = EnrolmentLink.objects.select_for_update().get(pk=link.pk)
    device = TOTPDevice.objects.filter(user=link.user, confirmed=False).first()
    if locked.used_at is not None or device is None:
        return None
    if not totp_verify(device=device, code=code):
        return None
    TOTPDevice.objects.filter(user=link.user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    locked.used_at = timezone.now()
    locked.save(update_fields=["used_at"])
    audit_record(
        actor=link.user,
        action="second_factor.enrol",
        object_type="user",
        object_id=link.user.pk,
        detail={"link_id": str(link.pk)},
    )
    return device, recovery_codes_generate(user=link.user)


# --- sign-in attempts -------------------------------------------------------------------------


@transaction.atomic
def attempt_begin(*, scope: str, keys: Sequence[str]) -> float:
    """Claim one attempt for each key (counted as a failure until ``attempt_succeeded``).

    Returns 0 when the attempt may go on, or the seconds still to wait, in which case nothing
    is counted and the credentials must not be checked. Claiming before checking (under a row
    lock) keeps a burst of parallel requests from all passing one free slot."""
    started = timezone.now()
    forget_before = started - timedelta(seconds=settings.NAHRAIN_LOGIN_MEMORY_SECONDS)
    AttemptCounter.objects.filter(last_attempt_at__lt=forget_before).delete()
    AttemptCounter.objects.bulk_create(
        [AttemptCounter(scope=scope, key=key, last_attempt_at=started) for key in keys],
        ignore_conflicts=True,
    )
    counters = list(
        AttemptCounter.objects.select_for_update().filter(scope=scope, key__in=keys).order_by("key")
    )
    # The time once the rows are ours: a request that held them before may have written a
    # later time than ``started``.
    now = timezone.now()
    wait = max((attempt_wait(counter=c, now=now) for c in counters), default=0.0)
    if wait > 0:
        return wait
    for counter in counters:
        counter.failures += 1
        counter.last_attempt_at = now
        counter.save(update_fields=["failures", "last_attempt_at"])
    return 0.0


@transaction.atomic
def attempt_released(*, scope: str, keys: Sequence[str]) -> None:
    """The attempt proved nothing either way (a stale or replayed Digest header): give back the
    one attempt each key was charged, clearing nothing else."""
    AttemptCounter.objects.filter(scope=scope, key__in=keys, failures__gt=0).update(
        failures=models.F("failures") - 1
    )


@transaction.atomic
def attempt_succeeded(*, scope: str, keys: Sequence[str]) -> None:
    """The credentials were right: the account's or device's failures are cleared; an address
    only gets back the attempt it was charged (signing in to one's own account must not wipe
    the failures of guessing at others from the same address)."""
    counters = AttemptCounter.objects.filter(scope=scope, key__in=keys)
    counters.exclude(key__startswith="address:").update(failures=0)
    counters.filter(key__startswith="address:", failures__gt=0).update(
        failures=models.F("failures") - 1
    )
