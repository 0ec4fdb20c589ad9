from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class AdminUnitOut(Schema):
    pcode: str
    level: int
    parent: str | None
    name_en: str
    name_ar: str
    name_ckb: str
    lat: float | None
    lon: float | None
    has_boundary: bool


class AdminUnitDetailOut(AdminUnitOut):
    ancestors: list[AdminUnitOut]
    children: list[AdminUnitOut]
    aliases: list[str]
    bbox: list[float] | None


class PointLookupOut(Schema):
    lat: float
    lon: float
    unit: AdminUnitOut | None
    ancestors: list[AdminUnitOut]


class LocationChangeOut(Schema):
    at: datetime
    source: str
    before: dict[str, Any]
    after: dict[str, Any]


class LocationOut(Schema):
    uid: uuid.UUID
    kind: str
    place_id: str
    owner: str | None
    canonical: bool
    published: bool
    name_en: str
    name_ar: str
    admin_unit: str | None
    latitude: float | None
    longitude: float | None
    history: list[LocationChangeOut]


class LocationPatchIn(Schema):
    name_en: str | None = Field(None, min_length=1, max_length=200)
    name_ar: str | None = Field(None, max_length=200)
    admin_unit: str | None = Field(None, max_length=32, description="p-code of the unit")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class DetailOut(Schema):
    detail: str
