"""The ``nahrain`` command: Django's management commands with Nahrain's settings."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nahrain.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["nahrain", *sys.argv[1:]])


if __name__ == "__main__":
    main()
