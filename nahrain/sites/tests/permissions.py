"""The sites app's rows of the permission matrix (nahrain/testing/permissions.py), with the
builders of the objects they act on: IOM's camp (omar, IOM's site manager, and layla, its
information manager, write it; everyone signed in reads its profile and figures)."""

from __future__ import annotations

from datetime import date
from typing import Any

from nahrain.geo.models import AdminUnit
from nahrain.geo.tests.permissions import gazetteer
from nahrain.sites import services
from nahrain.testing.permissions import (
    NOBODY,
    SIGNED_IN,
    SITE_STAFF,
    Decision,
    Target,
    World,
    api,
    page,
)

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


def movement_body(world: World) -> Target:
    camp = iom_camp(world)
    return Target(
        kwargs={"site_uid": camp.uid},
        organisation_id=camp.organisation_id,
        json={"kind": "arrival", "on": "2019-07-10", "households": 3, "individuals": 14},
    )


def population_body(world: World) -> Target:
    camp = iom_camp(world)
    return Target(
        kwargs={"site_uid": camp.uid},
        organisation_id=camp.organisation_id,
        json={"on": "2019-08-01", "source": "headcount", "individuals": 3550},
    )


def transfer_body(world: World) -> Target:
    """Three households from IOM's camp to a second IOM camp (a transfer writes both)."""
    camp = iom_camp(world)

    def make() -> Any:
        return services.site_create(
            actor=world.personas.omar.user,
            organisation=world.personas.iom,
            code="IQ-MATRIX-2",
            name_en="Matrix camp 2",
            type="camp",
            admin_unit=AdminUnit.objects.get(pcode="IQG15"),
        )

    other = world.once("iom second camp", make)
    return Target(
        organisation_id=camp.organisation_id,
        json={
            "from_site_uid": str(camp.uid),
            "to_site_uid": str(other.uid),
            "on": "2019-07-12",
            "households": 3,
            "individuals": 15,
        },
    )


def units_body(world: World) -> Target:
    camp = iom_camp(world)
    return Target(
        kwargs={"site_uid": camp.uid},
        organisation_id=camp.organisation_id,
        json={"kind": "tent", "block": "Z", "first": 1, "last": 3},
    )


def iom_unit(world: World) -> Any:
    def make() -> Any:
        [unit] = services.units_create(
            actor=world.personas.omar.user, site=iom_camp(world), kind="tent", codes=["M1"]
        )
        return unit

    return world.once("iom unit", make)


def allocation_body(world: World) -> Target:
    unit = iom_unit(world)
    return Target(
        kwargs={"unit_uid": unit.uid},
        organisation_id=unit.site.organisation_id,
        json={"start": "2019-07-02", "individuals": 5, "household": "MTX-1"},
    )


def vacate_body(world: World) -> Target:
    def make() -> Any:
        [unit] = services.units_create(
            actor=world.personas.omar.user, site=iom_camp(world), kind="tent", codes=["M2"]
        )
        return services.allocation_create(
            actor=world.personas.omar.user, unit=unit, start=date(2019, 7, 2), individuals=4
        )

    allocation = world.once("iom allocation", make)
    return Target(
        kwargs={"allocation_uid": allocation.uid},
        organisation_id=allocation.unit.site.organisation_id,
        json={"end": "2019-09-01", "ended_by": "departure"},
    )


def closure_body(world: World) -> Target:
    camp = iom_camp(world)
    return Target(
        kwargs={"site_uid": camp.uid},
        organisation_id=camp.organisation_id,
        json={
            "announced_on": "2019-09-01",
            "planned_on": "2019-10-15",
            "households": 700,
            "intentions": {"area_of_origin": 500, "another_site": 100},
        },
    )


def iom_closure(world: World) -> Target:
    def make() -> Any:
        return services.closure_create(
            actor=world.personas.omar.user,
            site=iom_camp(world),
            announced_on=date(2019, 9, 1),
            planned_on=date(2019, 10, 15),
            households=700,
        )

    closure = world.once("iom closure", make)
    return Target(kwargs={"closure_uid": closure.uid}, organisation_id=closure.site.organisation_id)


def closure_cancel_body(world: World) -> Target:
    target = iom_closure(world)
    return Target(
        kwargs=target.kwargs, organisation_id=target.organisation_id, json={"on": "2019-09-20"}
    )


def movement_form(world: World) -> Target:
    target = movement_body(world)
    return Target(
        kwargs=target.kwargs,
        organisation_id=target.organisation_id,
        form={**(target.json or {}), "place": "out_of_camp"},
    )


def transfer_form(world: World) -> Target:
    target = transfer_body(world)
    body = target.json or {}
    return Target(
        kwargs={"site_uid": body["from_site_uid"]},
        organisation_id=target.organisation_id,
        form={k: v for k, v in body.items() if k != "from_site_uid"}
        | {"to_site": world.cache["iom second camp"].pk},
    )


def population_form(world: World) -> Target:
    target = population_body(world)
    return Target(kwargs=target.kwargs, organisation_id=target.organisation_id, form=target.json)


def units_form(world: World) -> Target:
    target = units_body(world)
    return Target(
        kwargs=target.kwargs,
        organisation_id=target.organisation_id,
        form={"kind": "tent", "block": "Z", "first": 1, "last": 3, "condition": "good"},
    )


def closure_form(world: World) -> Target:
    target = closure_body(world)
    return Target(
        kwargs=target.kwargs,
        organisation_id=target.organisation_id,
        form={
            "announced_on": "2019-09-01",
            "planned_on": "2019-10-15",
            "households": 700,
            "intend_area_of_origin": 500,
        },
    )


FORM_POSTED = {"POST": 302}
SITES = "/api/v1/sites"
ENDPOINTS += (
    page(
        "sites:movement_new",
        GET=SITE_STAFF,
        POST=SITE_STAFF,
        build=movement_form,
        ok=FORM_POSTED,
        audit={"POST": "site.arrival"},
    ),
    page(
        "sites:transfer_new",
        GET=SITE_STAFF,
        POST=SITE_STAFF,
        build=transfer_form,
        ok=FORM_POSTED,
        audit={"POST": "site.transfer"},
    ),
    page(
        "sites:population_new",
        GET=SITE_STAFF,
        POST=SITE_STAFF,
        build=population_form,
        ok=FORM_POSTED,
        audit={"POST": "site.population"},
    ),
    # Everyone signed in reads the counts and the unit table; households only the site's staff.
    page(
        "sites:units",
        GET=SIGNED_IN,
        POST=SITE_STAFF,
        build=units_form,
        ok=FORM_POSTED,
        audit={"POST": "site.units"},
        personal=True,
    ),
    page(
        "sites:closure_new",
        GET=SITE_STAFF,
        POST=SITE_STAFF,
        build=closure_form,
        ok=FORM_POSTED,
        audit={"POST": "site.closure"},
    ),
    page("sites:closure", GET=SIGNED_IN, POST=NOBODY, build=iom_closure),
    api(
        f"POST {SITES}/{{site_uid}}/movements",
        SITE_STAFF,
        movement_body,
        ok=201,
        audit="site.arrival",
    ),
    api(f"POST {SITES}/transfers", SITE_STAFF, transfer_body, ok=201, audit="site.transfer"),
    api(
        f"POST {SITES}/{{site_uid}}/population",
        SITE_STAFF,
        population_body,
        ok=201,
        audit="site.population",
    ),
    api(f"GET {SITES}/{{site_uid}}/weeks", SIGNED_IN, site),
    api(f"GET {SITES}/{{site_uid}}/units", SIGNED_IN, site),
    api(f"POST {SITES}/{{site_uid}}/units", SITE_STAFF, units_body, ok=201, audit="site.units"),
    api(
        f"POST {SITES}/units/{{unit_uid}}/allocations",
        SITE_STAFF,
        allocation_body,
        ok=201,
        audit="site.allocate",
        personal=True,
    ),
    api(
        f"POST {SITES}/allocations/{{allocation_uid}}/vacate",
        SITE_STAFF,
        vacate_body,
        audit="site.vacate",
        personal=True,
    ),
    api(
        f"POST {SITES}/{{site_uid}}/closures",
        SITE_STAFF,
        closure_body,
        ok=201,
        audit="site.closure",
    ),
    api(f"GET {SITES}/closures/{{closure_uid}}", SIGNED_IN, iom_closure),
    api(
        f"POST {SITES}/closures/{{closure_uid}}/cancel",
        SITE_STAFF,
        closure_cancel_body,
        audit="site.closure_cancel",
    ),
)


# --- monitoring, gaps, risk ----------------------------------------------------------------------
