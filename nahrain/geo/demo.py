"""Geo's slice of the demo: the Iraq gazetteer, and OCHA's COD-AB boundaries when the shared
reference folder has them (without them the maps use the gazetteer's label points)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path

from nahrain.core.progress import ProgressBar
from nahrain.demo.slices import Demo, Slice, shared_dir
from nahrain.geo import services

COD_AB_FILES = [
    (0, "irq_admbnda_adm0_cso_itos_20190603.geojson"),
    (1, "irq_admbnda_adm1_cso_20190603.geojson"),
    (2, "irq_admbnda_adm2_cso_20190603.geojson"),
    (3, "irq_admbnda_adm3_cso_20190603.geojson"),
]


def demo_arguments(parser: ArgumentParser, action: str) -> None:
    parser.add_argument(
        "--boundaries",
        type=Path,
        default=shared_dir() / "reference" / "iraq" / "cod-ab",
        help="Folder with Iraq COD-AB GeoJSON files (skipped when absent).",
    )
    if action == "generate":
        # A benchmark of the history wants no boundary import before it.
        parser.add_argument("--no-boundaries", dest="boundaries", action="store_const", const=None)


def demo_load(demo: Demo) -> None:
    result = services.gazetteer_load()
    demo.write(
        f"Gazetteer: {result.created} units created, {result.updated} updated, "
        f"{result.unchanged} unchanged."
    )
    folder: Path | None = demo.options["boundaries"]
    if folder is None:
        return
    for level, name in COD_AB_FILES:
        path = folder / name
        if not path.exists():
            demo.write(f"Boundaries: {path} not found; maps use gazetteer points.")
            return
        imported = services.boundaries_import(file=path, level=level, progress=ProgressBar(name))
        demo.write(
            f"Boundaries level {level}: {imported.created} created, "
            f"{imported.updated} updated, {imported.unchanged} unchanged."
        )


SLICE = Slice(name="geo", load=demo_load, arguments=demo_arguments)
