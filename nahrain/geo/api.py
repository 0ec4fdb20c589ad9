from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from nahrain.geo import access, selectors, services
from nahrain.geo.models import AdminUnit, Location
from nahrain.geo.schemas import (
    AdminUnitDetailOut,
    AdminUnitOut,
    DetailOut,
    LocationChangeOut,
    LocationOut,
    LocationPatchIn,
    PointLookupOut,
)

router = Router(tags=["geography"])


def unit_out(unit: AdminUnit) -> AdminUnitOut:
    return AdminUnitOut(
        pcode=unit.pcode,
        level=unit.level,
        parent=unit.parent.pcode if unit.parent else None,
        name_en=unit.name_en,
        name_ar=unit.name_ar,
        name_ckb=unit.name_ckb,
        lat=unit.lat,
        lon=unit.lon,
        has_boundary=unit.min_lon is not None,
    )


class UnitFilter(Schema):
    level: int | None = Field(None, ge=0, le=3)
    parent: str | None = None


@router.get("/units", response=list[AdminUnitOut])
def unit_list(request: HttpRequest, filters: Query[UnitFilter]) -> list[AdminUnitOut]:
    """Admin units of a level, or the children of a parent p-code (the country's by default)."""
    parent = None
    if filters.parent:
        parent = AdminUnit.objects.filter(pcode=filters.parent).first()
        if parent is None:
            raise Http404
    level = filters.level if (filters.level is not None or parent) else 0
    units = selectors.admin_unit_list(user=request.user, level=level, parent=parent)
    return [unit_out(u) for u in units]


@router.get("/units/{pcode}", response=AdminUnitDetailOut)
def unit_detail(request: HttpRequest, pcode: str) -> AdminUnitDetailOut:
    unit = selectors.admin_unit_list(user=request.user).filter(pcode=pcode.upper()).first()
    if unit is None:
        raise Http404
    children = selectors.admin_unit_list(user=request.user, parent=unit)
    return AdminUnitDetailOut(
        **unit_out(unit).dict(),
        ancestors=[unit_out(u) for u in selectors.admin_unit_ancestors(unit)[:-1]],
        children=[unit_out(u) for u in children],
        aliases=sorted({a.name for a in unit.aliases.all()}),
        bbox=(
            [unit.min_lon, unit.min_lat, unit.max_lon, unit.max_lat]  # type: ignore[list-item]
            if unit.min_lon is not None
            else None
        ),
    )


class SearchQuery(Schema):
    q: str = Field(..., min_length=1, max_length=200)
    level: int | None = Field(None, ge=0, le=3)
    limit: int = Field(20, ge=1, le=100)


@router.get("/search", response=list[AdminUnitOut])
def unit_search(request: HttpRequest, query: Query[SearchQuery]) -> list[AdminUnitOut]:
    """Find units by any name or code, in any script (``Dahuk``, ``دهوك``, ``IQ-G01``)."""
    units = selectors.admin_unit_search(
        user=request.user, query=query.q, level=query.level, limit=query.limit
    )
    return [unit_out(u) for u in units]


class PointQuery(Schema):
    lat: float = Field(..., ge=-90, le=90)
    lon: float = Field(..., ge=-180, le=180)


@router.get("/lookup", response=PointLookupOut)
def point_lookup(request: HttpRequest, point: Query[PointQuery]) -> PointLookupOut:
    """The deepest unit containing a point, with its ancestors."""
    unit = selectors.admin_unit_at_point(lat=point.lat, lon=point.lon)
    return PointLookupOut(
        lat=point.lat,
        lon=point.lon,
        unit=unit_out(unit) if unit else None,
        ancestors=[unit_out(u) for u in selectors.admin_unit_ancestors(unit)[:-1]] if unit else [],
    )


def location_out(location: Location) -> LocationOut:
    return LocationOut(
        uid=location.uid,
        kind=location.kind,
        place_id=location.external_id,
        owner=location.owner.acronym if location.owner is not None else None,
        canonical=selectors.location_is_canonical(location),
        published=location.published_at is not None,
        name_en=location.name_en,
        name_ar=location.name_ar,
        admin_unit=location.admin_unit.pcode if location.admin_unit is not None else None,
        latitude=location.latitude,
        longitude=location.longitude,
        history=[
            LocationChangeOut(at=c.at, source=c.source, before=c.before, after=c.after)
            for c in location.changes.all()
        ],
    )


@router.get("/locations/{location_uid}", response=LocationOut)
def location_detail(request: HttpRequest, location_uid: uuid.UUID) -> LocationOut:
    """A location with its owner, whether it is in the canonical master list, and its history."""
    return location_out(access.access_location_by_uid(request.user, location_uid))


@router.patch("/locations/{location_uid}", response={200: LocationOut, 422: DetailOut})
def location_update(
    request: HttpRequest, location_uid: uuid.UUID, payload: LocationPatchIn
) -> Status[Any]:
    """Correct a location of one's own organisation (the steward's information managers so
    correct the canonical master list); every change is kept in its history."""
    location = access.access_location_for_change(request.user, location_uid)
    unit = None
    if payload.admin_unit is not None:
        unit = AdminUnit.objects.filter(pcode=payload.admin_unit.upper(), level__gte=2).first()
        if unit is None:
            return Status(
                422,
                DetailOut(
                    detail=f"{payload.admin_unit!r} is not the p-code of a district or subdistrict"
                ),
            )
    try:
        updated = services.location_update(
            actor=request.user,  # type: ignore[arg-type]
            location=location,
            name_en=payload.name_en,
            name_ar=payload.name_ar,
            admin_unit=unit,
            latitude=payload.latitude,
            longitude=payload.longitude,
        )
    except ValidationError as invalid:
        return Status(422, DetailOut(detail="; ".join(invalid.messages)))
    return Status(200, location_out(updated))
