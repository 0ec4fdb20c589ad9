"""Geography's rows of the permission matrix (nahrain/testing/permissions.py): admin units,
point lookup and locations, with the builders of the objects they act on."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from nahrain.geo import services
from nahrain.geo.models import AdminUnit, Location
from nahrain.testing.permissions import (
    IM,
    NOBODY,
    PUBLISHED,
    SIGNED_IN,
    Decision,
    Target,
    World,
    api,
    page,
)

# --- builders ---------------------------------------------------------------------------------


def gazetteer(world: World) -> None:
    """Iraq's admin units, loaded once for the whole matrix (other apps' builders need them)."""
    world.once("gazetteer", services.gazetteer_load)


def admin_unit(world: World) -> Target:
    gazetteer(world)
    return Target(kwargs={"pcode": "IQG09"})


def point(world: World) -> Target:
    return Target(query={"lat": "36.86", "lon": "42.99"})


def search(world: World) -> Target:
    gazetteer(world)
    return Target(query={"q": "Dahuk"})


def _place(world: World, published: bool) -> Target:
    def make() -> Any:
        gazetteer(world)
        return Location.objects.create(
            owner=world.personas.iom,
            external_id="9201" if published else "9202",
            name_en="Matrix place",
            admin_unit=AdminUnit.objects.get(pcode="IQG09Q04"),
            published_at=timezone.now() if published else None,
        )

    location = world.once(f"place {published}", make)
    return Target(
        kwargs={"location_uid": location.uid},
        json={"name_ar": "مكان"},
        form={"name_en": "Matrix place", "admin_unit": "IQG09Q04"},
        organisation_id=world.personas.iom.pk,
        published=published,
    )


def published_place(world: World) -> Target:
    """A location of IOM's counted in a published round: every signed-in user may read it."""
    return _place(world, published=True)


def draft_place(world: World) -> Target:
    """A location of IOM's that no published round counts yet: IOM's IMs alone know it."""
    return _place(world, published=False)


PLACES = (published_place, draft_place)

# --- the rows ---------------------------------------------------------------------------------

ENDPOINTS: tuple[Decision, ...] = (
    page("geo:browser", GET=SIGNED_IN, POST=NOBODY),
    page("geo:unit", GET=SIGNED_IN, POST=NOBODY, build=admin_unit),
    # a location's page: like its API, and its owner's IMs correct it there
    page("geo:location", GET=IM | PUBLISHED, POST=IM, build=PLACES, ok={"POST": 302}),
    api("GET /api/v1/geo/units", SIGNED_IN),
    api("GET /api/v1/geo/units/{pcode}", SIGNED_IN, admin_unit),
    api("GET /api/v1/geo/search", SIGNED_IN, search),
    api("GET /api/v1/geo/lookup", SIGNED_IN, point),
    # a location: published ones are read by all; only its owner's IMs read a draft or edit it
    api("GET /api/v1/geo/locations/{location_uid}", IM | PUBLISHED, PLACES),
    api("PATCH /api/v1/geo/locations/{location_uid}", IM, PLACES),
)
