"""Displacement's slice of the demo: IOM's generated DTM history of Iraq, published round by
round (``generator``), on the gazetteer's units and by the demo's IOM information manager."""

from __future__ import annotations

from argparse import ArgumentParser

from django.contrib.auth.models import User

from nahrain.core.models import Organisation
from nahrain.demo.slices import Demo, Slice, shared_dir
from nahrain.displacement import generator
from nahrain.geo import services as geo_services
from nahrain.geo.models import LocationKind


def demo_arguments(parser: ArgumentParser, action: str) -> None:
    parser.add_argument(
        "--scale",
        choices=sorted(generator.SCALES),
        default="small",
        help="small: about 300 locations in the 12 rounds at the published dates; "
        "national: about 4,000 locations in each of 130 rounds (7 to 136).",
    )
    parser.add_argument("--seed", type=int, default=1)


def demo_load(demo: Demo) -> None:
    """Generate IOM's DTM history and publish it round by round; round 7 is the real 2014
    master list when ../shared has it."""
    scale = generator.SCALES[demo.options["scale"]]
    seed: int = demo.options["seed"]
    iom = Organisation.objects.get(acronym="IOM")
    actor = User.objects.get(username="layla.im")
    # IOM keeps Iraq's DTM master list: the other organisations reference its locations.
    geo_services.location_steward_set(actor=None, kind=LocationKind.DTM_PLACE, organisation=iom)
    shared = shared_dir()

    def progress(plan: generator.RoundPlan, seconds: float) -> None:
        demo.write(
            f"  round {plan.number} ({plan.reference_date:%Y-%m-%d}): "
            f"{plan.idps:,} IDPs, {plan.returnees:,} returnees, {seconds:.1f} s"
        )

    demo.write(f"DTM history, {scale.name} scale, seed {seed}:")
    report = generator.history_generate(
        actor=actor,
        organisation=iom,
        scale=scale,
        seed=seed,
        shared=shared if shared.exists() else None,
        progress=progress,
    )
    source = "the real 2014 master list as round 7, " if report.real_2014 else ""
    demo.write(
        f"DTM history published: {len(report.rounds)} rounds ({source}"
        f"{report.locations} generated locations)"
        + (f"; rounds already present left alone: {len(report.skipped)}" if report.skipped else "")
        + "."
    )


# IOM and its information manager are core's accounts; the places sit in geo's units.
SLICE = Slice(name="displacement", load=demo_load, after=("core", "geo"), arguments=demo_arguments)
