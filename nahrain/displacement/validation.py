"""Checks on parsed location records: sums, places, coordinates, change since the last round.

One implementation for every way data comes in (file import now, field submissions later).
Errors block an import; warnings are shown and the import goes on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.utils.translation import gettext as _
from shapely.geometry import Point, shape
from shapely.ops import nearest_points

from nahrain.core.problems import Problem, Severity, Unresolved
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.displacement.dtm_format import LocationRecord
from nahrain.geo import selectors as geo_selectors
from nahrain.geo.models import AdminUnit

EARTH_RADIUS_KM = 6371.0
DEFAULT_CHANGE_WARNING_SHARE = 0.5


@dataclass
class ResolvedPlace:
    governorate: AdminUnit
    district: AdminUnit


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


class PlaceResolver:
    """Resolves governorate and district spellings once per distinct spelling, not per row,
    and remembers the spellings that name no unit, with the closest units as candidates.

    ``aliases`` (spelling -> p-code) are used for this import as if they were recorded ones;
    with ``organisation_id``, so are the aliases that organisation taught.
    """

    def __init__(
        self, aliases: Mapping[str, str] | None = None, *, organisation_id: Any = None
    ) -> None:
        self._governorates: dict[str, AdminUnit | None] = {}
        self._districts: dict[tuple[int, str], AdminUnit | None] = {}
        self._aliases = dict(aliases or {})
        self._organisation_id = organisation_id
        self._index: geo_selectors.AdminUnitIndex | None = None
        self.unresolved: dict[tuple[str, int, str | None], Unresolved] = {}

    @property
    def index(self) -> geo_selectors.AdminUnitIndex:
        # Units and aliases are read once, on the first spelling: a national master list names
        # a hundred districts, each a query (or several) otherwise.
        if self._index is None:
            self._index = geo_selectors.AdminUnitIndex(
                self._aliases, organisation_id=self._organisation_id
            )
        return self._index

    def _resolve(
        self, text: str, *, level: int, within: AdminUnit | None = None
    ) -> AdminUnit | None:
        found = self.index.resolve(text, level=level, within=within)
        if found is None and text.strip():
            key = (text, level, within.pcode if within is not None else None)
            if key not in self.unresolved:
                self.unresolved[key] = Unresolved(
                    text=text,
                    level=level,
                    within=key[2],
                    candidates=tuple(
                        (u.pcode, u.name_en)
                        for u in self.index.suggestions(text, level=level, within=within)
                    ),
                )
        return found

    def hint(self, text: str, level: int, within: AdminUnit | None = None) -> str:
        """``; closest: Al-Mejar Al-Kabir (IQG14Q03)`` for a problem's message, or nothing."""
        found = self.unresolved.get((text, level, within.pcode if within is not None else None))
        if found is None or not found.candidates:
            return ""
        return "; closest: " + ", ".join(f"{name} ({pcode})" for pcode, name in found.candidates)

    def first_rows(self, records: list[LocationRecord]) -> list[Unresolved]:
        """The unresolved spellings, each with the first row that uses it."""
        rows: dict[tuple[str, int], int] = {}
        for record in records:
            rows.setdefault((record.governorate, 1), record.row)
            rows.setdefault((record.district, 2), record.row)
        return [replace(u, row=rows.get((u.text, u.level))) for u in self.unresolved.values()]

    def governorate(self, text: str) -> AdminUnit | None:
        if text not in self._governorates:
            self._governorates[text] = self._resolve(text, level=1)
        return self._governorates[text]

    def governorate_of_header(self, text: str) -> AdminUnit | None:
        """The governorate a column header names (an origin column), if any: most headers name
        none, and they are not spellings to teach."""
        return self.index.resolve(text, level=1)

    def district(self, governorate: AdminUnit, text: str) -> AdminUnit | None:
        key = (governorate.pk, text)
        if key not in self._districts:
            self._districts[key] = self._resolve(text, level=2, within=governorate)
        return self._districts[key]


def check_records(
    records: list[LocationRecord],
    *,
    file: str,
    column_of: dict[str, str],
    resolver: PlaceResolver,
    population: str,
) -> tuple[dict[str, ResolvedPlace], list[Problem]]:
    """Check each record on its own; returns the places resolved by place id, and the problems."""
    problems: list[Problem] = []
    places: dict[str, ResolvedPlace] = {}
    for record in records:
        row = record.row
        governorate = resolver.governorate(record.governorate)
        if governorate is None:
            problems.append(
                Problem(
                    file,
                    row,
                    column_of.get("governorate", ""),
                    "unknown_governorate",
                    _("“%(value)s” is not a known governorate name or code")
                    % {"value": record.governorate}
                    + resolver.hint(record.governorate, 1),
                )
            )
        else:
            district = resolver.district(governorate, record.district)
            if district is None:
                problems.append(
                    Problem(
                        file,
                        row,
                        column_of.get("district", ""),
                        "unknown_district",
                        _("“%(value)s” is not a known district of %(governorate)s")
                        % {"value": record.district, "governorate": local_name(governorate)}
                        + resolver.hint(record.district, 2, governorate),
                    )
                )
            else:
                places[record.place_id] = ResolvedPlace(governorate, district)
        if population != "idp" and record.period:
            problems.append(
                Problem(
                    file,
                    row,
                    column_of.get("period", ""),
                    "period_for_returnees",
                    _("Periods of displacement are counted for IDPs only."),
                )
            )
        if record.unreadable:
            continue
        for dimension, total in (("shelter", record.households), ("period", record.households)):
            parts: dict[str, int] = getattr(record, dimension)
            if parts and sum(parts.values()) != total:
                problems.append(
                    Problem(
                        file,
                        row,
                        column_of.get(dimension, ""),
                        "breakdown_sum",
                        (
                            _("The shelter types add up to %(sum)s households, not %(total)s.")
                            if dimension == "shelter"
                            else _(
                                "The periods of displacement add up to %(sum)s households, "
                                "not %(total)s."
                            )
                        )
                        % {"sum": sum(parts.values()), "total": total},
                    )
                )
        if record.origin:
            total = (
                record.households
                if record.origin_unit == "households"
                else (record.individuals or 0)
            )
            if record.origin_unit == "individuals" and record.individuals is None:
                problems.append(
                    Problem(
                        file,
                        row,
                        column_of.get("individuals", ""),
                        "required",
                        _("The origins are counted in individuals: individuals are needed."),
                    )
                )
            elif sum(record.origin.values()) != total:
                problems.append(
                    Problem(
                        file,
                        row,
                        column_of.get("origin", ""),
                        "breakdown_sum",
                        (
                            _("The origins add up to %(sum)s households, not %(total)s.")
                            if record.origin_unit == "households"
                            else _("The origins add up to %(sum)s individuals, not %(total)s.")
                        )
                        % {"sum": sum(record.origin.values()), "total": total},
                    )
                )
    return places, problems


def check_coordinates(
    records: list[LocationRecord],
    places: dict[str, ResolvedPlace],
    *,
    file: str,
    column_of: dict[str, str],
) -> list[Problem]:
    """Warn where a location's point lies outside the governorate the file names."""
    problems = []
    geometries: dict[int, object] = {}
    for record in records:
        place = places.get(record.place_id)
        if place is None or record.latitude is None or record.longitude is None:
            continue
        governorate = place.governorate
        if governorate.min_lon is None:
            continue  # no boundary loaded: nothing to compare against
        if governorate.pk not in geometries:
            geometries[governorate.pk] = shape(
                AdminUnit.objects.values_list("geometry", flat=True).get(pk=governorate.pk)
            )
        polygon = geometries[governorate.pk]
        point = Point(record.longitude, record.latitude)
        if polygon.intersects(point):  # type: ignore[attr-defined]
            continue
        nearest = nearest_points(polygon, point)[0]
        distance = haversine_km(record.latitude, record.longitude, nearest.y, nearest.x)
        problems.append(
            Problem(
                file,
                record.row,
                column_of.get("latitude", ""),
                "outside_governorate",
                f"the point ({record.latitude}, {record.longitude}) is {distance:.1f} km "
                f"outside {governorate.name_en}",
                Severity.WARNING,
            )
        )
    return problems


def check_change(
    records: list[LocationRecord],
    previous: dict[str, int],
    *,
    file: str,
    column_of: dict[str, str],
    share: float,
) -> list[Problem]:
    """Warn where households changed by more than ``share`` since the previous round."""
    problems = []
    for record in records:
        before = previous.get(record.place_id)
        if before is None or before == 0:
            continue
        change = (record.households - before) / before
        if abs(change) > share:
            problems.append(
                Problem(
                    file,
                    record.row,
                    column_of.get("households", ""),
                    "large_change",
                    f"{before} households in the previous round, {record.households} now "
                    f"({change:+.0%})",
                    Severity.WARNING,
                )
            )
    return problems
