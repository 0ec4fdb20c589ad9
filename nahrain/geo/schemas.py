from __future__ import annotations

from ninja import Schema


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
