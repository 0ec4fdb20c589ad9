"""``nahrain collect``: publish the field forms and open collector accounts from the shell."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from nahrain.collect import services
from nahrain.collect.xforms import FormCompileError
from nahrain.core.management.commands.org import organisation_named


class Command(BaseCommand):
    help = "Field data collection: publish the forms, open collector accounts."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--organisation", default="IOM", help="Acronym (default: IOM).")
        parser.add_argument("--user", help="Username to record as the actor (optional).")
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "publish-forms", help="Compile and publish the forms; refresh the location list."
        )
        account = sub.add_parser("collector", help="Open a collector account; prints its password.")
        account.add_argument("username")
        account.add_argument("--name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = organisation_named(options["organisation"])
        actor = User.objects.filter(username=options["user"]).first() if options["user"] else None
        if options["action"] == "publish-forms":
            try:
                versions = services.forms_publish(actor=actor, organisation=organisation)
            except FormCompileError as failed:
                raise CommandError(str(failed)) from failed
            for version in versions:
                files = ", ".join(m.filename for m in version.media.all())
                self.stdout.write(
                    f"{version.form.form_id} {version.version} md5:{version.md5} {files}"
                )
            return
        if actor is None:
            raise CommandError("--user is needed to open a collector account")
        collector, password = services.collector_create(
            actor=actor,
            organisation=organisation,
            username=options["username"],
            display_name=options["name"],
        )
        self.stdout.write(f"{collector.username} {password}")
