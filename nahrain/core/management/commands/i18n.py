"""``nahrain i18n compile``: compile the message catalogues (.po to .mo) with Babel.

Django's own ``compilemessages`` needs GNU gettext's msgfmt, which a fresh machine may lack;
Babel is pure Python and installed with Nahrain.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile Nahrain's translation catalogues."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["compile"])

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                with po_path.open("rb") as handle:
                    catalog = read_po(handle, locale=po_path.parent.parent.name)
                with mo_path.open("wb") as handle:
                    write_mo(handle, catalog, use_fuzzy=False)
                count += 1
        self.stdout.write(f"{count} catalogue(s) compiled.")
