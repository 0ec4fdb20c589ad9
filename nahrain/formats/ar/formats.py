"""Django's formats in this language: Nahrain's one Iraqi convention (nahrain/formats/iraq.py)."""

from nahrain.formats.iraq import *  # noqa: F403
