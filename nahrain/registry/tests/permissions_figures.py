"""The registry figures' rows of the permission matrix (nahrain/testing/permissions.py; joined
by ``permissions.py`` beside this file), with the registry they count."""

from __future__ import annotations

from datetime import date
from typing import Any

from nahrain.registry import services
from nahrain.registry.tests.conftest import family
from nahrain.sites.tests.permissions import iom_camp
from nahrain.testing.permissions import NOBODY, SIGNED_IN, Decision, Target, World, api, page

# --- figures ---------------------------------------------------------------------------------


def iom_registry(world: World) -> Any:
    """A family registered by IOM at its camp: the figures have one place with small cells."""

    def make() -> Any:
        return services.household_register(
            actor=world.personas.rania.user,
            organisation=world.personas.iom,
            registered_on=date(2024, 3, 1),
            members=family(),
            site=iom_camp(world),
        )

    return world.once("iom registry", make)


def iom_figures(world: World) -> Target:
    household = iom_registry(world)
    return Target(
        query={"organisation": str(household.organisation_id), "level": "site", "format": "csv"},
        organisation_id=household.organisation_id,
    )


FIGURES_ENDPOINTS: tuple[Decision, ...] = (
    # Figures leave the holding organisation with small cells hidden: any signed-in user.
    page("registry:figures", GET=SIGNED_IN, POST=NOBODY, build=iom_figures),
    page(
        "registry:figures_export",
        GET=SIGNED_IN,
        POST=NOBODY,
        build=iom_figures,
        audit={"GET": "registry.figures_export"},
    ),
    api("GET /api/v1/registry/figures", SIGNED_IN, iom_figures),
)
