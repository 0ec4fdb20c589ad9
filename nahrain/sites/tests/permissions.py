"""The sites app's rows of the permission matrix (nahrain/testing/permissions.py), with the
builders of the objects they act on: IOM's camp (omar, IOM's site manager, and layla, its
information manager, write it; everyone signed in reads its profile and figures)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from nahrain.displacement.tests.permissions import READ_ROUND, ROUNDS_IN_QUERY
from nahrain.geo.models import AdminUnit
from nahrain.geo.tests.permissions import gazetteer
from nahrain.sites import services
from nahrain.sites.models import Sector
from nahrain.testing.permissions import (
    ANY_SITE_STAFF,
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


def new_site(world: World) -> Target:
    """A camp to create for IOM, by form or by API."""
    gazetteer(world)
    profile = {"code": "IQ-MATRIX-NEW", "name_en": "New camp", "type": "camp"}
    return Target(
        json={**profile, "admin_unit": "IQG09"},
        form={
            **profile,
            "organisation": str(world.personas.iom.pk),
            "admin_unit": "IQG09",
            "status": "open",
            "status_on": "2020-01-01",
        },
        organisation_id=world.personas.iom.pk,
    )


def site_profile_change(world: World) -> Target:
    """IOM's camp, and a new planned capacity for it."""
    target = site(world)
    target.json = {"capacity_people": 6000}
    target.form = {
        "name_en": "Matrix camp",
        "type": "camp",
        "admin_unit": "IQG09",
        "capacity_people": "6000",
    }
    return target


def site_status_change(world: World) -> Target:
    """IOM's camp, closing."""
    target = site(world)
    target.json = {"status": "closing", "on": "2020-01-01", "reason": "Matrix"}
    target.form = dict(target.json)
    return target


SITE_WRITTEN = {"POST": 302}

ENDPOINTS += (
    page("sites:dashboard", GET=SIGNED_IN, POST=NOBODY),
    page("sites:map_data", GET=SIGNED_IN, POST=NOBODY),
    page("sites:list", GET=SIGNED_IN, POST=NOBODY),
    page("sites:site", GET=SIGNED_IN, POST=NOBODY, build=site),
    page(
        "sites:site_new",
        GET=ANY_SITE_STAFF,
        POST=ANY_SITE_STAFF,
        build=new_site,
        ok=SITE_WRITTEN,
        audit={"POST": "site.create"},
    ),
    page(
        "sites:site_edit",
        GET=SITE_STAFF,
        POST=SITE_STAFF,
        build=site_profile_change,
        ok=SITE_WRITTEN,
        audit={"POST": "site.update"},
    ),
    page(
        "sites:site_status",
        GET=SITE_STAFF,
        POST=SITE_STAFF,
        build=site_status_change,
        ok=SITE_WRITTEN,
        audit={"POST": "site.status"},
    ),
    api("GET /api/v1/sites/", SIGNED_IN),
    api("POST /api/v1/sites/", ANY_SITE_STAFF, new_site, ok=201, audit="site.create"),
    api("GET /api/v1/sites/dashboard", SIGNED_IN),
    api("GET /api/v1/sites/{site_uid}", SIGNED_IN, site),
    api("PATCH /api/v1/sites/{site_uid}", SITE_STAFF, site_profile_change, audit="site.update"),
    api(
        "POST /api/v1/sites/{site_uid}/status", SITE_STAFF, site_status_change, audit="site.status"
    ),
)


# --- exports and the reconciliation with DTM ---------------------------------------------------


def site_table(world: World) -> Target:
    """The site table (IOM's camp in it) as an HXL-tagged CSV."""
    iom_camp(world)
    return Target(kwargs={"format": "hxl"}, query={"format": "hxl"})


EXPORTED = {"GET": "sites.export"}

ENDPOINTS += (
    page("sites:export", GET=SIGNED_IN, POST=NOBODY, build=site_table, audit=EXPORTED),
    api("GET /api/v1/sites/export", SIGNED_IN, site_table, audit="sites.export"),
    # The sites' figures are everyone's; the round is read as its own pages read it.
    page("sites:reconciliation", GET=READ_ROUND, POST=NOBODY, build=ROUNDS_IN_QUERY),
    api("GET /api/v1/sites/reconciliation", READ_ROUND, ROUNDS_IN_QUERY),
)


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
        # A new key for each request: each post is a movement of its own (the page's key).
        form={**(target.json or {}), "place": "out_of_camp", "key": f"page:{uuid.uuid4()}"},
    )


def transfer_form(world: World) -> Target:
    target = transfer_body(world)
    body = target.json or {}
    return Target(
        kwargs={"site_uid": body["from_site_uid"]},
        organisation_id=target.organisation_id,
        form={k: v for k, v in body.items() if k != "from_site_uid"}
        | {"to_site": world.cache["iom second camp"].pk, "key": f"page:{uuid.uuid4()}"},
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


def monitored(world: World) -> Any:
    """A monitoring round of IOM's camp, with a critical value (no complaints mechanism)."""

    def make() -> Any:
        camp = iom_camp(world)
        return services.monitoring_record(
            actor=world.personas.omar.user,
            site=camp,
            on=date(2019, 7, 2),
            raw={"water_litres_per_day": 36000, "complaints_mechanism": 0},
        )

    return world.once("iom camp monitored", make)


def new_monitoring(world: World) -> Target:
    target = site(world)
    target.json = {"on": "2019-08-01", "counts": {"taps": 12, "fire_breaks": True}}
    target.form = {"on": "2019-08-01", "key": "matrix-page", "taps": "12", "fire_breaks": "1"}
    return target


def monitoring_round(world: World) -> Target:
    monitoring = monitored(world)
    return Target(
        kwargs={"round_uid": monitoring.uid}, organisation_id=monitoring.site.organisation_id
    )


def new_gap(world: World) -> Target:
    target = site(world)
    target.json = {"sector": "wash", "description": "Taps broken", "raised_on": "2019-08-01"}
    target.form = {
        "sector": str(Sector.objects.get(code="wash").pk),
        "description": "Taps broken",
        "raised_on": "2019-08-01",
    }
    return target


def open_gap(world: World) -> Any:
    def make() -> Any:
        camp = iom_camp(world)
        return services.gap_raise(
            actor=world.personas.omar.user,
            site=camp,
            sector=Sector.objects.get(code="cccm"),
            description="No complaints box",
            raised_on=date(2019, 7, 2),
            due_on=date(2019, 8, 1),
        )

    return world.once("iom camp gap", make)


def gap(world: World) -> Target:
    found = open_gap(world)
    update = {"on": "2019-07-20", "status": "closed", "note": "Box installed"}
    return Target(
        kwargs={"gap_uid": found.uid},
        json=update,
        form=update,
        organisation_id=found.site.organisation_id,
    )


RISK_ANSWERS = {
    "makeshift_share": 40,
    "tent_share": 10,
    "unfinished_share": 0,
    "families": 35,
    "eviction_risk": "threatened",
    "wash_access": "partial",
    "protection": "none",
    "services_access": "one",
    "female_headed_share": 20,
}


def informal_site(world: World) -> Target:
    """IOM's informal settlement, to assess (the answers both as JSON and as a form)."""

    def make() -> Any:
        gazetteer(world)
        return services.site_create(
            actor=world.personas.omar.user,
            organisation=world.personas.iom,
            code="IQ-MATRIX-IS",
            name_en="Matrix informal site",
            type="informal_settlement",
            admin_unit=AdminUnit.objects.get(pcode="IQG09"),
        )

    found = world.once("iom informal site", make)
    return Target(
        kwargs={"site_uid": found.uid},
        json={"on": "2019-08-01", "answers": RISK_ANSWERS},
        form={"on": "2019-08-01", **{k: str(v) for k, v in RISK_ANSWERS.items()}},
        organisation_id=found.organisation_id,
    )


ENDPOINTS += (
    page(
        "sites:monitoring_new",
        GET=SITE_STAFF,
        POST=SITE_STAFF,
        build=new_monitoring,
        ok={"POST": 302},
    ),
    page("sites:monitoring", GET=SIGNED_IN, POST=NOBODY, build=monitoring_round),
    page("sites:gap_new", GET=SITE_STAFF, POST=SITE_STAFF, build=new_gap, ok={"POST": 302}),
    page("sites:gap", GET=SIGNED_IN, POST=SITE_STAFF, build=gap, ok={"POST": 302}),
    page("sites:gaps", GET=SIGNED_IN, POST=NOBODY),
    page("sites:risk_new", GET=SITE_STAFF, POST=SITE_STAFF, build=informal_site, ok={"POST": 302}),
    page("sites:risk_ranking", GET=SIGNED_IN, POST=NOBODY),
    api("GET /api/v1/sites/indicators", SIGNED_IN),
    api("POST /api/v1/sites/{site_uid}/monitoring", SITE_STAFF, new_monitoring, ok=201),
    api("GET /api/v1/sites/{site_uid}/monitoring", SIGNED_IN, site),
    api("GET /api/v1/sites/gaps", SIGNED_IN),
    api("GET /api/v1/sites/{site_uid}/gaps", SIGNED_IN, site),
    api("POST /api/v1/sites/{site_uid}/gaps", SITE_STAFF, new_gap, ok=201),
    api("POST /api/v1/sites/gaps/{gap_uid}/updates", SITE_STAFF, gap, ok=201),
    api("POST /api/v1/sites/{site_uid}/risk", SITE_STAFF, informal_site, ok=201),
    api("GET /api/v1/sites/risk", SIGNED_IN),
)
