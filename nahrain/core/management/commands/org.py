"""``nahrain org``: the organisations of the response, from the shell."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from nahrain.core import services
from nahrain.core.models import Organisation, OrganisationType


class Command(BaseCommand):
    help = "Organisations: create one, or list them."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Register an organisation of the response.")
        create.add_argument("--name", required=True, help="Full name, e.g. 'INTERSOS'.")
        create.add_argument("--acronym", required=True, help="Short name other commands use.")
        create.add_argument("--type", required=True, choices=OrganisationType.values)
        sub.add_parser("list", help="Acronym, type and name of every organisation.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for organisation in Organisation.objects.all():
                self.stdout.write(
                    f"{organisation.acronym:<16} {organisation.type:<12} {organisation.name}"
                )
            return
        try:
            organisation = services.organisation_create(
                actor=None,
                name=options["name"],
                acronym=options["acronym"],
                type=options["type"],
            )
        except ValidationError as refused:
            raise CommandError("; ".join(refused.messages)) from None
        self.stdout.write(f"Organisation {organisation.acronym} created.")


def organisation_named(acronym: str) -> Organisation:
    """The organisation of that acronym, or an error saying how to create it."""
    organisation = Organisation.objects.filter(acronym=acronym).first()
    if organisation is None:
        raise CommandError(
            f"no organisation {acronym!r}: create it with "
            f"nahrain org create --name NAME --acronym {acronym} "
            f"--type {'|'.join(OrganisationType.values)}"
        )
    return organisation
