"""``nahrain user``: what the server's operator does for accounts from the shell."""

from __future__ import annotations

import secrets
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from nahrain.core import selectors, services
from nahrain.core.access import requires_second_factor
from nahrain.core.management.commands.org import organisation_named
from nahrain.core.models import Membership, Role


def enrolment_url(user: User) -> str:
    """A one-time link for ``user`` to set up an authenticator app, made by the operator."""
    token = services.enrolment_link_create(actor=None, user=user)
    return settings.NAHRAIN_BASE_URL.rstrip("/") + reverse("core:enrol", kwargs={"token": token})


def invitation_url(token: str) -> str:
    """The address of a one-time sign-in link."""
    return settings.NAHRAIN_BASE_URL.rstrip("/") + reverse(
        "core:invitation", kwargs={"token": token}
    )


def _active_user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no active user {username!r}: invite them with nahrain user invite")
    return user


def _role_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("username")
    parser.add_argument("--organisation", required=True, help="Acronym of the organisation.")
    parser.add_argument("--role", required=True, choices=Role.values)


class Command(BaseCommand):
    help = "Accounts: invite a user, give or take away a role, make an enrolment link."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        invite = sub.add_parser(
            "invite",
            help="Create a user with a role and print a one-time sign-in link (valid "
            "NAHRAIN_INVITATION_SECONDS) where they choose their password.",
        )
        _role_arguments(invite)
        invite.add_argument("--email", required=True)
        invite.add_argument(
            "--platform-admin", action="store_true", help="Also a platform administrator."
        )
        invite.add_argument(
            "--password",
            action="store_true",
            help="Print a generated password instead of a link (send it over a channel you trust).",
        )
        again = sub.add_parser(
            "invitation-link",
            help="Print a new one-time sign-in link for an invited user who has not chosen a "
            "password yet (the first expired or was lost).",
        )
        again.add_argument("username")
        _role_arguments(sub.add_parser("grant", help="Give a user a role in an organisation."))
        _role_arguments(sub.add_parser("revoke", help="Take a role in an organisation away."))
        link = sub.add_parser(
            "enrolment-link",
            help="Print a one-time link (valid NAHRAIN_ENROLMENT_LINK_SECONDS) with which a "
            "platform or organisation admin sets up (or replaces) their authenticator app.",
        )
        link.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["action"].replace("-", "_"))(options)

    def _invite(self, options: dict[str, Any]) -> None:
        organisation = organisation_named(options["organisation"])
        password = secrets.token_urlsafe(12) if options["password"] else None
        try:
            user, token = services.user_invite(
                actor=None,
                username=options["username"],
                email=options["email"],
                organisation=organisation,
                role=options["role"],
                platform_admin=options["platform_admin"],
                password=password,
            )
        except ValidationError as refused:
            raise CommandError("; ".join(refused.messages)) from None
        if password is None:
            self.stdout.write(
                f"{user.get_username()} chooses a password at this one-time link:\n"
                f"  {invitation_url(token)}"
            )
            return
        self.stdout.write(f"{user.get_username()}'s password: {password}")
        if requires_second_factor(user):
            self.stdout.write(
                "They set up an authenticator app after signing in, at this one-time link:\n"
                f"  {enrolment_url(user)}"
            )

    def _invitation_link(self, options: dict[str, Any]) -> None:
        user = _active_user(options["username"])
        # Someone who has a password signs in with it: a link would let its holder replace it.
        if user.has_usable_password():
            raise CommandError(f"{user.get_username()} has chosen a password already")
        self.stdout.write(invitation_url(services.invitation_create(actor=None, user=user)))

    def _grant(self, options: dict[str, Any]) -> None:
        organisation = organisation_named(options["organisation"])
        user = _active_user(options["username"])
        services.membership_add(
            actor=None, user=user, organisation=organisation, role=options["role"]
        )
        self.stdout.write(f"{user.get_username()} is {options['role']} at {organisation}.")
        if requires_second_factor(user) and not selectors.second_factor_device(user=user):
            self.stdout.write(
                "They must now sign in with a second factor; make them an enrolment link with "
                f"nahrain user enrolment-link {user.get_username()}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        organisation = organisation_named(options["organisation"])
        user = _active_user(options["username"])
        membership = Membership.objects.filter(
            user=user, organisation=organisation, role=options["role"]
        ).first()
        if membership is None:
            raise CommandError(f"{user.get_username()} is not {options['role']} at {organisation}")
        services.membership_remove(actor=None, membership=membership)
        self.stdout.write(
            f"{user.get_username()} is no longer {options['role']} at {organisation}."
        )

    def _enrolment_link(self, options: dict[str, Any]) -> None:
        user = _active_user(options["username"])
        if not requires_second_factor(user):
            raise CommandError(
                f"{user.get_username()} is neither a platform nor an organisation admin: "
                "their password is enough to sign in"
            )
        self.stdout.write(enrolment_url(user))
