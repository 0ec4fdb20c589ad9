"""The sites app's rows of the permission matrix (nahrain/testing/permissions.py), with the
builders of the objects they act on: IOM's camp (omar, IOM's site manager, and layla, its
information manager, write it; everyone signed in reads its profile and figures)."""

from __future__ import annotations

from datetime import date
from typing import Any

from nahrain.geo.models import AdminUnit
from nahrain.geo.tests.permissions import gazetteer
from nahrain.sites import services
from nahrain.testing.permissions import Decision, Target, World

# --- builders ---------------------------------------------------------------------------------


def iom_camp(world: World) -> Any:
    """IOM's open camp in Duhok governorate, with a population figure."""

    def make() -> Any:
        gazetteer(world)
        omar = world.personas.omar.user
        site = services.site_create(
            actor=omar,
            organisation=world.personas.iom,
            code="IQ-MATRIX-1",
            name_en="Matrix camp",
            type="camp",
            admin_unit=AdminUnit.objects.get(pcode="IQG09"),
            status_on=date(2019, 1, 1),
            capacity_people=5000,
        )
        services.population_record(
            actor=omar, site=site, on=date(2019, 7, 1), source="headcount", individuals=3600
        )
        return site

    return world.once("iom camp", make)


def site(world: World) -> Target:
    camp = iom_camp(world)
    return Target(kwargs={"site_uid": camp.uid}, organisation_id=camp.organisation_id)


# --- the rows ---------------------------------------------------------------------------------

ENDPOINTS: tuple[Decision, ...] = ()

# --- sites: list, dashboard, site page ----------------------------------------------------------


# --- exports and the reconciliation with DTM ---------------------------------------------------


# --- shelters, movements, closures --------------------------------------------------------------


# --- monitoring, gaps, risk ----------------------------------------------------------------------
