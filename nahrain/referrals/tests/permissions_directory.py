"""The service directory's rows of the permission matrix (nahrain/testing/permissions.py;
collected by ``permissions.py`` beside this file), with the builders of the objects they act on:
points IOM runs (a published one, one only drafted, one with a draft waiting), kept by IOM's
service mapper. Every signed-in user searches the directory, reads a published point and
downloads the directory; only IOM's service mappers see its drafts and change its entries
(everyone else is answered 404, as for a point that does not exist)."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from nahrain.referrals import directory_services
from nahrain.referrals.directory_services import OfferIn, PointIn, VisitIn
from nahrain.referrals.models import ServicePoint, ServicePointVersion, VersionStatus
from nahrain.referrals.tests import builders
from nahrain.testing.permissions import (
    ANY_SERVICE_MAPPER,
    NOBODY,
    PUBLISHED,
    SERVICE_MAPPER,
    SIGNED_IN,
    Decision,
    Target,
    World,
    api,
    page,
)

# --- builders ---------------------------------------------------------------------------------


def entry_of(version: ServicePointVersion) -> PointIn:
    """What a mapper would write to keep an entry as it is."""
    return PointIn(
        kind=version.kind,
        name_en=version.name_en,
        name_ar=version.name_ar,
        name_ckb=version.name_ckb,
        admin_unit=version.admin_unit,
        site=version.site,
        latitude=version.latitude,
        longitude=version.longitude,
        address=version.address,
        hours=version.hours,
        languages=tuple(version.languages),
        phone=version.phone,
        email=version.email,
        capacity_per_week=version.capacity_per_week,
        waiting_days=version.waiting_days,
        active_from=version.active_from,
        active_until=version.active_until,
        note=version.note,
        offers=tuple(
            OfferIn(o.service, tuple(o.sexes), o.age_min, o.age_max, tuple(o.groups))
            for o in version.offers.all()
        ),
        visits=tuple(
            VisitIn(tuple(v.weekdays), v.site, v.admin_unit, v.hours) for v in version.visits.all()
        ),
    )


def redraft(point: ServicePoint, **changes: Any) -> ServicePointVersion:
    """A draft of the point made by its organisation's mapper from its current entry, with the
    changes."""
    current = point.versions.get(status=VersionStatus.CURRENT)
    return directory_services.draft_save(
        actor=builders.mapper(point.organisation),
        point=point,
        entry=dataclasses.replace(entry_of(current), **changes),
    )


def iom_point(world: World, name: str = "published") -> ServicePoint:
    """A point IOM runs in Zakho: published, only drafted (``draft``), or published with a
    draft waiting (``waiting``)."""

    def make() -> ServicePoint:
        made = builders.point(
            world.personas.iom,
            kind="crc",
            name_en=f"Zakho community resource centre ({name})",
            services_offered=("cash", "shelter"),
            publish=name != "draft",
        )
        if name == "waiting":
            redraft(made, name_en="Zakho community resource centre (renamed)")
        return made

    found: ServicePoint = world.once(f"iom point {name}", make)
    return found


def _target(point: ServicePoint, key: str, *, published: bool) -> Target:
    return Target(
        kwargs={key: point.uid}, organisation_id=point.organisation_id, published=published
    )


def published_point(world: World) -> Target:
    return _target(iom_point(world), "point_uid", published=True)


def draft_point(world: World) -> Target:
    return _target(iom_point(world, "draft"), "point_uid", published=False)


def waiting_point(world: World) -> Target:
    return _target(iom_point(world, "waiting"), "point_uid", published=True)


def published_api(world: World) -> Target:
    return _target(iom_point(world), "point_uid", published=True)


def draft_api(world: World) -> Target:
    return _target(iom_point(world, "draft"), "point_uid", published=False)


def waiting_api(world: World) -> Target:
    return _target(iom_point(world, "waiting"), "point_uid", published=True)


def entry_form(name: str = "Zakho legal clinic") -> dict[str, Any]:
    """A point's entry as the page's form sends it: a legal aid office with one service."""
    return {
        "key": f"page:{uuid.uuid4()}",
        "kind": "legal_aid_office",
        "name_en": name,
        "admin_unit": "IQG09Q04",
        "hours": "Sunday to Thursday, 9:00 to 13:00",
        "languages": ["ar", "kmr"],
        "offer-TOTAL_FORMS": "1",
        "offer-INITIAL_FORMS": "0",
        "offer-MIN_NUM_FORMS": "0",
        "offer-MAX_NUM_FORMS": "30",
        "offer-0-service": "legal_aid",
        "visit-TOTAL_FORMS": "0",
        "visit-INITIAL_FORMS": "0",
        "visit-MIN_NUM_FORMS": "0",
        "visit-MAX_NUM_FORMS": "30",
    }


def new_point_form(world: World) -> Target:
    """A new point for IOM, as its mapper's page sends it."""
    builders.gazetteer()
    return Target(form=entry_form(), organisation_id=world.personas.iom.pk)


def point_edit_form(world: World) -> Target:
    target = published_point(world)
    target.form = entry_form("Zakho community resource centre (edited)")
    return target


def entry_body(name: str = "Zakho legal clinic") -> dict[str, Any]:
    """A point's entry as the API takes it."""
    return {
        "key": f"page:{uuid.uuid4()}",
        "kind": "legal_aid_office",
        "name_en": name,
        "admin_unit": "IQG09Q04",
        "languages": ["ar"],
        "offers": [{"service": "legal_aid"}],
    }


def new_point_body(world: World) -> Target:
    builders.gazetteer()
    return Target(json=entry_body(), organisation_id=world.personas.iom.pk)


def draft_body(world: World) -> Target:
    target = published_api(world)
    target.json = entry_body("Zakho community resource centre (edited)")
    return target


def export_file(format: str) -> Any:
    def build(world: World) -> Target:
        iom_point(world)
        return Target(kwargs={"format": format})

    build.__name__ = f"export_{format}"
    return build


def exported(world: World) -> Target:
    iom_point(world)
    return Target()


# --- the rows ---------------------------------------------------------------------------------

SERVICES = "/api/v1/services"
CHANGED = {"POST": 302}
EXPORTED = "directory.export"

DIRECTORY_ENDPOINTS: tuple[Decision, ...] = (
    page("referrals:directory", GET=SIGNED_IN, POST=NOBODY, build=exported),
    page(
        "referrals:point",
        GET=PUBLISHED | SERVICE_MAPPER,
        POST=NOBODY,
        build=(published_point, draft_point),
    ),
    page(
        "referrals:point_new",
        GET=ANY_SERVICE_MAPPER,
        POST=ANY_SERVICE_MAPPER,
        build=new_point_form,
        ok=CHANGED,
        audit={"POST": "directory.point_created"},
        personal=True,
    ),
    page(
        "referrals:point_edit",
        GET=SERVICE_MAPPER,
        POST=SERVICE_MAPPER,
        build=point_edit_form,
        ok=CHANGED,
        audit={"POST": "directory.draft_saved"},
        personal=True,
    ),
    page(
        "referrals:point_publish",
        GET=NOBODY,
        POST=SERVICE_MAPPER,
        build=waiting_point,
        ok=CHANGED,
        audit={"POST": "directory.published"},
    ),
    page(
        "referrals:point_archive",
        GET=NOBODY,
        POST=SERVICE_MAPPER,
        build=published_point,
        ok=CHANGED,
        audit={"POST": "directory.archived"},
    ),
    page(
        "referrals:directory_export",
        GET=SIGNED_IN,
        POST=NOBODY,
        build=(export_file("hsds"), export_file("hxl")),
        audit={"GET": EXPORTED},
    ),
    api(f"GET {SERVICES}/points", SIGNED_IN, exported),
    api(
        f"POST {SERVICES}/points",
        ANY_SERVICE_MAPPER,
        new_point_body,
        ok=201,
        audit="directory.point_created",
        personal=True,
    ),
    api(
        f"GET {SERVICES}/points/{{point_uid}}",
        PUBLISHED | SERVICE_MAPPER,
        (published_api, draft_api),
    ),
    api(
        f"PUT {SERVICES}/points/{{point_uid}}/draft",
        SERVICE_MAPPER,
        draft_body,
        audit="directory.draft_saved",
        personal=True,
    ),
    api(
        f"POST {SERVICES}/points/{{point_uid}}/publish",
        SERVICE_MAPPER,
        waiting_api,
        audit="directory.published",
        personal=True,
    ),
    api(
        f"POST {SERVICES}/points/{{point_uid}}/archive",
        SERVICE_MAPPER,
        published_api,
        audit="directory.archived",
        personal=True,
    ),
    api(f"GET {SERVICES}/export/hsds", SIGNED_IN, exported, audit=EXPORTED),
    api(f"GET {SERVICES}/export/hxl", SIGNED_IN, exported, audit=EXPORTED),
)
