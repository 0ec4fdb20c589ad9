from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from nahrain.geo import selectors
from nahrain.geo.models import AdminUnit
from nahrain.geo.schemas import AdminUnitDetailOut, AdminUnitOut, PointLookupOut

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
