"""Core's rows of the permission matrix (nahrain/testing/permissions.py): sign-in, second factor,
tokens, organisations and their members; and the project-wide URLs no app serves (Django's admin
sign-in and language switch, the API's schema). The builders make the objects they act on."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.oath import totp

from nahrain.core import services
from nahrain.core.models import Membership, Role
from nahrain.testing.permissions import (
    MATRIX_TOTP_KEY,
    MEMBER,
    NOBODY,
    ORG_ADMIN,
    OWNER,
    PLATFORM_ADMIN,
    PUBLIC,
    SIGNED_IN,
    Decision,
    Target,
    World,
    api,
    page,
)
from nahrain.testing.personas import PASSWORD

# --- builders ---------------------------------------------------------------------------------


def iom(world: World) -> Target:
    """IOM itself, as the object of organisation endpoints."""
    return Target(
        kwargs={"organisation_id": world.personas.iom.pk}, organisation_id=world.personas.iom.pk
    )


def token(world: World) -> Target:
    """An API token of layla's."""
    made = world.once(
        "token",
        lambda: services.api_token_create(
            user=world.personas.layla.user, name="m", with_second_factor=False
        ),
    )
    return Target(kwargs={"token_id": made[0].pk}, owner=world.personas.layla.user)


def new_token(world: World) -> Target:
    """A token to create, with a current code of the admins' authenticator (others need none)."""
    code = str(totp(bytes.fromhex(MATRIX_TOTP_KEY))).zfill(6)
    body = {"name": "matrix", "code": code}
    return Target(json=body, form=body)


def enrolment_link(world: World) -> Target:
    """A one-time enrolment link for nadia, made by the server's operator."""
    token = world.once(
        "enrolment link",
        lambda: services.enrolment_link_create(actor=None, user=world.nadia.user),
    )
    return Target(kwargs={"token": token}, owner=world.nadia.user)


def new_enrolment_link(world: World) -> Target:
    """An enrolment link to make for IOM's organisation admin."""
    return Target(form={"username": world.personas.iom_admin.user.get_username()})


def new_organisation(world: World) -> Target:
    """An organisation to register."""
    return Target(form={"name": "Matrix Relief", "acronym": "MXR", "type": "nngo"})


def member_of_iom(world: World) -> Target:
    """IOM, with a role to give its data-entry member hana."""
    return Target(
        kwargs={"organisation_id": world.personas.iom.pk},
        form={"username": world.personas.hana.user.get_username(), "role": "viewer"},
        organisation_id=world.personas.iom.pk,
    )


def new_invitee(world: World) -> Target:
    """IOM, with a newcomer to invite into it."""
    return Target(
        kwargs={"organisation_id": world.personas.iom.pk},
        form={"username": "matrix.invitee", "email": "invitee@example.org", "role": "viewer"},
        organisation_id=world.personas.iom.pk,
    )


def membership(world: World) -> Target:
    """Hana's data-entry role at IOM."""
    held = Membership.objects.get(user=world.personas.hana.user, organisation=world.personas.iom)
    return Target(
        kwargs={"organisation_id": world.personas.iom.pk, "membership_id": held.pk},
        organisation_id=world.personas.iom.pk,
    )


def invitation(world: World) -> Target:
    """A one-time sign-in link of a newcomer invited into IOM by the operator, with the password
    they choose."""

    def make() -> str:
        _user, token = services.user_invite(
            actor=None,
            username="matrix.newcomer",
            email="newcomer@example.org",
            organisation=world.personas.iom,
            role=Role.VIEWER,
        )
        return token

    password = "matrix newcomer chooses 42"
    return Target(
        kwargs={"token": world.once("invitation", make)},
        form={"new_password1": password, "new_password2": password},
    )


def new_password(world: World) -> Target:
    """A new password, given with the current one every persona shares."""
    password = "matrix chooses a new one 42"
    return Target(
        form={"old_password": PASSWORD, "new_password1": password, "new_password2": password}
    )


def reset_request(world: World) -> Target:
    """A reset link asked for layla's address."""
    world.personas.layla.user.email = "layla@example.org"
    world.personas.layla.user.save(update_fields=["email"])
    return Target(form={"email": "layla@example.org"})


def reset_link(world: World) -> Target:
    """Layla's reset link, as the e-mail gives it: any visit keeps the token in the session and
    sends on to the form (302), so that the token leaves the address bar before the page shows."""
    user = world.personas.layla.user
    return Target(
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        }
    )


# --- the rows ---------------------------------------------------------------------------------

ENDPOINTS: tuple[Decision, ...] = (
    page("core:home", GET=SIGNED_IN, POST=NOBODY),
    # The glossary explains published figures to anyone, signed in or not.
    page("core:glossary", GET=PUBLIC, POST=NOBODY),
    # Signed-in users are sent on from the sign-in page.
    page(
        "core:login",
        GET=PUBLIC,
        POST=PUBLIC,
        ok={"GET": (200, 302), "POST": (200, 302)},
        before_second_factor=True,
    ),
    page("core:logout", GET=NOBODY, POST=PUBLIC, ok={"POST": 302}, before_second_factor=True),
    # The second factor: a code, a recovery code, or setting up the app through a one-time link
    # (its user's alone); users who need none are told they have no authenticator.
    page("core:two_factor", GET=SIGNED_IN, POST=SIGNED_IN, before_second_factor=True),
    page("core:recovery", GET=SIGNED_IN, POST=SIGNED_IN, before_second_factor=True),
    page(
        "core:enrol",
        GET=OWNER,
        POST=OWNER,
        build=enrolment_link,
        before_second_factor=True,
        personal=True,
    ),
    # Passwords: changed by a fully signed-in user; reset by anyone holding the e-mailed link,
    # which signs nobody in (the second factor is still asked at the next sign-in).
    page(
        "core:password_change",
        GET=SIGNED_IN,
        POST=SIGNED_IN,
        build=new_password,
        ok={"POST": 302},
    ),
    page("core:password_reset", GET=PUBLIC, POST=PUBLIC, build=reset_request, ok={"POST": 302}),
    page(
        "core:password_reset_confirm",
        GET=PUBLIC,
        POST=PUBLIC,
        build=reset_link,
        ok={"GET": 302, "POST": 302},
    ),
    page("core:recovery_codes", GET=SIGNED_IN, POST=SIGNED_IN, personal=True),
    page(
        "core:enrolment_links",
        GET=PLATFORM_ADMIN,
        POST=PLATFORM_ADMIN,
        build=new_enrolment_link,
        personal=True,
    ),
    page("core:api_tokens", GET=SIGNED_IN, POST=SIGNED_IN, build=new_token, personal=True),
    # Setting up a deployment: platform admins register organisations; an organisation's admins
    # (and platform admins) invite people into it and give or take away its roles; its members
    # see who holds which. Whoever holds an invitation's link chooses the password, once.
    page(
        "core:organisation_create",
        GET=PLATFORM_ADMIN,
        POST=PLATFORM_ADMIN,
        build=new_organisation,
        ok={"POST": 302},
    ),
    page(
        "core:members",
        GET=MEMBER | PLATFORM_ADMIN,
        POST=ORG_ADMIN | PLATFORM_ADMIN,
        build=member_of_iom,
        ok={"POST": 302},
    ),
    page(
        "core:invite",
        GET=ORG_ADMIN | PLATFORM_ADMIN,
        POST=ORG_ADMIN | PLATFORM_ADMIN,
        build=new_invitee,
        personal=True,
    ),
    page(
        "core:membership_revoke",
        GET=NOBODY,
        POST=ORG_ADMIN | PLATFORM_ADMIN,
        build=membership,
        ok={"POST": 302},
    ),
    page(
        "core:invitation",
        GET=PUBLIC,
        POST=PUBLIC,
        build=invitation,
        ok={"POST": 302},
        before_second_factor=True,
        personal=True,
    ),
    page("core:api_token_revoke", GET=NOBODY, POST=OWNER, build=token, ok={"POST": 302}),
    # project-wide: the admin signs in through Nahrain's own sign-in; the language switch
    page("admin/login/", GET=PUBLIC, POST=PUBLIC, ok={"GET": 302, "POST": 302}),
    page(
        "set_language",
        GET=PUBLIC,
        POST=PUBLIC,
        ok={"GET": 302, "POST": 302},
        before_second_factor=True,
    ),
    # The API's schema and its browsable page are public, and django-ninja serves them to any
    # method; its root answers 404 to everyone.
    page("api:openapi-json", GET=PUBLIC, POST=PUBLIC),
    page("api:openapi-view", GET=PUBLIC, POST=PUBLIC),
    page("api:api-root", GET=PUBLIC, POST=PUBLIC, ok={"GET": 404, "POST": 404}),
    # core API
    api("GET /api/v1/me", SIGNED_IN),
    api("GET /api/v1/organisations", SIGNED_IN),
    api("GET /api/v1/organisations/{organisation_id}", SIGNED_IN, iom),
    api(
        "GET /api/v1/organisations/{organisation_id}/members",
        MEMBER | PLATFORM_ADMIN,
        iom,
        personal=True,
    ),
    api("GET /api/v1/tokens", SIGNED_IN),
    api("POST /api/v1/tokens", SIGNED_IN, new_token, ok=201, personal=True),
    api("DELETE /api/v1/tokens/{token_id}", OWNER, token),
)
