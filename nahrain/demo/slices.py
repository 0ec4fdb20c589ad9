"""The slices of the demo: what each app contributes to the generated Iraq response.

``nahrain demo`` loads one response from every app: core's organisations and users, geo's
gazetteer and boundaries, displacement's DTM history. An app declares its slice as ``SLICE`` in
its own ``demo`` module (``nahrain/<app>/demo.py``): the options it adds to the command, the
slices it needs loaded before its own, and what loading it does. This module imports no app;
it finds the slices among the installed apps and orders them.
"""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.utils.module_loading import module_has_submodule

MODULE = "demo"


@dataclass
class Demo:
    """What a slice's ``load`` is given: the command's options, where progress goes, and
    ``summary``, the lines printed once every slice is loaded (the credentials, so that they
    end the output)."""

    options: Mapping[str, Any]
    write: Callable[[str], None]
    summary: list[str] = field(default_factory=list)


def _no_arguments(parser: ArgumentParser, action: str) -> None:
    return None


@dataclass(frozen=True)
class Slice:
    """One app's part of the demo.

    ``name`` is unique across the apps (the app's label); ``after`` names the slices whose data
    ``load`` needs. ``arguments`` adds the slice's options to the parser of each action.
    """

    name: str
    load: Callable[[Demo], None]
    after: tuple[str, ...] = ()
    arguments: Callable[[ArgumentParser, str], None] = _no_arguments


def shared_dir() -> Path:
    """The third-party data folder beside the checkout (``../shared``), if any."""
    return Path(settings.PACKAGE_DIR.parent.parent / "shared")


def installed() -> list[Slice]:
    """The ``SLICE`` of every installed app that has a ``demo`` module, in the order of
    ``INSTALLED_APPS``."""
    found: list[Slice] = []
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, MODULE):
            continue
        declared = getattr(import_module(f"{config.name}.{MODULE}"), "SLICE", None)
        if not isinstance(declared, Slice):
            raise TypeError(f"{config.name}.{MODULE} declares no SLICE")
        found.append(declared)
    return found


def ordered(slices: list[Slice]) -> list[Slice]:
    """The slices, each after those it names; otherwise in the order given."""
    names = [s.name for s in slices]
    if len(set(names)) != len(names):
        raise ValueError(f"a demo slice is declared twice: {names}")
    for s in slices:
        unknown = set(s.after) - set(names)
        if unknown:
            raise ValueError(f"demo slice {s.name!r} comes after unknown {sorted(unknown)}")
    done: list[Slice] = []
    waiting = list(slices)
    while waiting:
        ready = next((s for s in waiting if set(s.after) <= {d.name for d in done}), None)
        if ready is None:
            raise ValueError(f"demo slices wait on one another: {[s.name for s in waiting]}")
        done.append(ready)
        waiting.remove(ready)
    return done
