"""Access gates for core objects.

Each gate returns the object if the user may see it and raises ``Http404`` otherwise: the same
answer for "does not exist" and "not yours", so that probing reveals nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core import signing
from django.http import Http404
from django.utils import timezone

from nahrain.core.models import (
    ApiToken,
    EnrolmentLink,
    Invitation,
    Membership,
    Organisation,
    Role,
)

ENROLMENT_LINK_SALT = "nahrain.core.enrolment-link"
INVITATION_SALT = "nahrain.core.invitation"

AnyUser = User | AnonymousUser


def is_platform_admin(user: AnyUser) -> bool:
    """Platform administrators run the server; they are Django superusers."""
    return bool(user.is_authenticated and getattr(user, "is_superuser", False))


def user_roles(user: AnyUser, organisation: Organisation) -> set[str]:
    """The roles the user holds in that organisation (empty for anyone else)."""
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(user_id=user.pk, organisation=organisation).values_list(
            "role", flat=True
        )
    )


def requires_second_factor(user: AnyUser) -> bool:
    """Platform admins, organisation admins and anyone let into Django's admin (staff) must sign
    in with a second factor."""
    if not user.is_authenticated:
        return False
    if is_platform_admin(user) or getattr(user, "is_staff", False):
        return True
    return Membership.objects.filter(user_id=user.pk, role=Role.ORG_ADMIN).exists()


def second_factor_owed(user: AnyUser) -> bool:
    """True for a signed-in user who must use a second factor and has not given it in this
    session (django-otp's middleware marks a verified session's user)."""
    if not requires_second_factor(user):
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (callable(is_verified) and is_verified())


def _parse_uuid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def access_organisation_by_id(user: AnyUser, organisation_id: Any) -> Organisation:
    """Any signed-in user may see an organisation's public card (name, acronym, type)."""
    if not user.is_authenticated:
        raise Http404
    try:
        return Organisation.objects.get(pk=_parse_uuid(organisation_id))
    except Organisation.DoesNotExist:
        raise Http404 from None


def access_organisation_members(user: AnyUser, organisation_id: Any) -> Organisation:
    """Only members of an organisation (and platform admins) may see who its members are."""
    organisation = access_organisation_by_id(user, organisation_id)
    if is_platform_admin(user) or user_roles(user, organisation):
        return organisation
    raise Http404


def access_organisation_admin(user: AnyUser, organisation_id: Any) -> Organisation:
    """Only an organisation's admins (and platform admins) may change its memberships."""
    organisation = access_organisation_members(user, organisation_id)
    if manages_members(user, organisation):
        return organisation
    raise Http404


def manages_members(user: AnyUser, organisation: Organisation) -> bool:
    """Whether the user invites people into the organisation and gives or takes away roles."""
    return is_platform_admin(user) or Role.ORG_ADMIN in user_roles(user, organisation)


def access_membership_admin(user: AnyUser, organisation_id: Any, membership_id: Any) -> Membership:
    """A role in an organisation, to be taken away by one of its admins (or a platform admin)."""
    organisation = access_organisation_admin(user, organisation_id)
    try:
        return Membership.objects.select_related("user", "organisation").get(
            pk=_parse_uuid(membership_id), organisation=organisation
        )
    except Membership.DoesNotExist:
        raise Http404 from None


def access_api_token_by_id(user: AnyUser, token_id: Any) -> ApiToken:
    """A token is its owner's alone; not even a platform admin reads another's through this."""
    if not user.is_authenticated:
        raise Http404
    try:
        return ApiToken.objects.get(pk=_parse_uuid(token_id), user_id=user.pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None


def access_enrolment_link(user: AnyUser, token: str) -> EnrolmentLink:
    """An enrolment link is its user's alone, once, until it expires; a forged, spent, expired
    or someone else's link answers alike."""
    if not user.is_authenticated:
        raise Http404
    try:
        link_id = signing.loads(token, salt=ENROLMENT_LINK_SALT)
        return EnrolmentLink.objects.get(
            pk=_parse_uuid(link_id),
            user_id=user.pk,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
    except (signing.BadSignature, EnrolmentLink.DoesNotExist):
        raise Http404 from None


def access_invitation(token: str) -> Invitation:
    """An invitation opens for whoever holds its link (the invited person has no password yet),
    once, until it expires; a forged, spent or expired link answers alike."""
    try:
        invitation_id = signing.loads(token, salt=INVITATION_SALT)
        return Invitation.objects.select_related("user").get(
            pk=_parse_uuid(invitation_id),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
    except (signing.BadSignature, Invitation.DoesNotExist):
        raise Http404 from None
