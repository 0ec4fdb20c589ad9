"""``nahrain user``: what the server's operator does for accounts from the shell."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from nahrain.core import services
from nahrain.core.access import requires_second_factor


def enrolment_url(user: User) -> str:
    """A one-time link for ``user`` to set up an authenticator app, made by the operator."""
    token = services.enrolment_link_create(actor=None, user=user)
    return settings.NAHRAIN_BASE_URL.rstrip("/") + reverse("core:enrol", kwargs={"token": token})


class Command(BaseCommand):
    help = "Accounts: make a one-time link for an admin to set up an authenticator app."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        link = sub.add_parser(
            "enrolment-link",
            help="Print a one-time link (valid NAHRAIN_ENROLMENT_LINK_SECONDS) with which a "
            "platform or organisation admin sets up (or replaces) their authenticator app.",
        )
        link.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']!r}")
        if not requires_second_factor(user):
            raise CommandError(
                f"{user.get_username()} is neither a platform nor an organisation admin: "
                "their password is enough to sign in"
            )
        self.stdout.write(enrolment_url(user))
