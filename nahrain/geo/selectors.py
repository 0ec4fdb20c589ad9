"""Reads of geography. Admin units are reference data open to every signed-in user; locations
have owners, and which of them an organisation may use is ``location_usable_q``."""

from __future__ import annotations

import difflib
import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any, cast

import shapely
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from shapely.geometry import shape

from nahrain.core.access import AnyUser
from nahrain.core.models import Organisation
from nahrain.geo import pointindex
from nahrain.geo.models import LEARNT, AdminUnit, Alias, AliasKind, Location, LocationSteward
from nahrain.geo.normalize import code_key, name_key


def admin_unit_list(
    *, user: AnyUser, level: int | None = None, parent: AdminUnit | None = None
) -> QuerySet[AdminUnit]:
    """Units of a level, or the children of a unit; the whole tree when neither is given."""
    if not user.is_authenticated:
        return AdminUnit.objects.none()
    units = AdminUnit.objects.select_related("parent").defer("geometry")
    if level is not None:
        units = units.filter(level=level)
    if parent is not None:
        units = units.filter(parent=parent)
    return units


def admin_unit_candidates(
    text: str, *, level: int | None = None, within: AdminUnit | None = None
) -> list[AdminUnit]:
    """Every unit whose p-code, code alias or normalised name equals ``text``.

    Codes win over names: ``IQ-G02`` is an old code of one governorate even though, as a name,
    it would look like ``IQG02``. ``within`` keeps units below (or equal to) a given unit, which
    tells apart a district that shares its name with one in another governorate.
    """
    text = text.strip()
    if not text:
        return []
    # The spellings every organisation shares; those one organisation taught read its files only.
    aliases = Alias.objects.filter(organisation__isnull=True).select_related(
        "unit", "unit__parent", "unit__parent__parent"
    )
    if level is not None:
        aliases = aliases.filter(unit__level=level)
    if within is not None:
        aliases = aliases.filter(
            Q(unit=within)
            | Q(unit__parent=within)
            | Q(unit__parent__parent=within)
            | Q(unit__parent__parent__parent=within)
        )
    for key, kind in ((code_key(text), AliasKind.CODE), (name_key(text), AliasKind.NAME)):
        found = {a.unit_id: a.unit for a in aliases.filter(key=key, kind=kind)}
        if found:
            return sorted(found.values(), key=lambda u: (u.level, u.pcode))
    return []


def admin_unit_resolve(
    text: str, *, level: int | None = None, within: AdminUnit | None = None
) -> AdminUnit | None:
    """The one unit ``text`` names, or None when it names none or several."""
    candidates = admin_unit_candidates(text, level=level, within=within)
    return candidates[0] if len(candidates) == 1 else None


def admin_unit_search(
    *, user: AnyUser, query: str, level: int | None = None, limit: int = 20
) -> list[AdminUnit]:
    """Units matching a name or code in any script: exact matches first, then prefixes."""
    if not user.is_authenticated or not query.strip():
        return []
    exact = admin_unit_candidates(query, level=level)
    key = name_key(query)
    units: dict[int, AdminUnit] = {u.pk: u for u in exact}
    if key and len(units) < limit:
        prefix = Alias.objects.filter(
            kind=AliasKind.NAME, key__startswith=key, organisation__isnull=True
        )
        if level is not None:
            prefix = prefix.filter(unit__level=level)
        ids = list(prefix.values_list("unit_id", flat=True).distinct()[: limit * 3])
        more = AdminUnit.objects.filter(pk__in=ids).select_related("parent").defer("geometry")
        for unit in sorted(more, key=lambda u: (u.level, u.pcode)):
            units.setdefault(unit.pk, unit)
    return list(units.values())[:limit]


def admin_unit_at_point(*, lat: float, lon: float) -> AdminUnit | None:
    """The deepest unit whose boundary contains the point, or None (outside, or no boundaries)."""
    (unit_id,) = pointindex.lookup_many([(lat, lon)])
    if unit_id is None:
        return None
    return AdminUnit.objects.select_related("parent").defer("geometry").get(pk=unit_id)


def admin_units_at_points(points: Sequence[tuple[float, float]]) -> list[int | None]:
    """Ids of the deepest units containing each (lat, lon); for bulk work such as imports."""
    return pointindex.lookup_many(points)


def admin_unit_ancestors(unit: AdminUnit) -> list[AdminUnit]:
    """The unit's chain from the country down to itself."""
    chain = [unit]
    while chain[-1].parent_id is not None:
        parent = chain[-1].parent
        assert parent is not None
        chain.append(parent)
    return list(reversed(chain))


# A map of a country or a governorate is drawn on screens of a few hundred pixels: a tolerance
# of about 1 km (0.01°) keeps shapes recognisable and cuts COD-AB district outlines from
# megabytes to tens of kilobytes, which matters on a field office's link.
MAP_TOLERANCE_DEGREES = 0.01


def admin_unit_shapes(
    *, user: AnyUser, level: int, within: AdminUnit | None = None
) -> dict[str, Any]:
    """Simplified outlines of the units of ``level`` (inside ``within``), as a GeoJSON
    FeatureCollection whose features carry the p-code; units without boundaries are left out.
    Cached until a unit of that level changes."""
    if not user.is_authenticated:
        return {"type": "FeatureCollection", "features": []}
    units = AdminUnit.objects.filter(level=level, geometry__isnull=False)
    if within is not None and within.level < level:
        units = units.filter(**{"__".join(["parent"] * (level - within.level)): within})
    elif within is not None:
        units = units.filter(pk=within.pk)  # the unit's own outline
    changed = units.aggregate(latest=Max("updated_at"), count=Count("pk"))
    if not changed["count"]:
        return {"type": "FeatureCollection", "features": []}
    key = "geo:shapes:{}:{}:{}:{}".format(
        level,
        within.pcode if within is not None else "",
        changed["count"],
        changed["latest"].timestamp(),
    )
    cached = cache.get(key)
    if cached is not None:
        return cast(dict[str, Any], cached)
    features = []
    for pcode, geometry in units.order_by("pcode").values_list("pcode", "geometry"):
        outline = shape(geometry).simplify(MAP_TOLERANCE_DEGREES, preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "properties": {"pcode": pcode},
                "geometry": json.loads(shapely.to_geojson(shapely.set_precision(outline, 1e-4))),
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    cache.set(key, collection, timeout=None)
    return collection


class AdminUnitIndex:
    """Every unit and alias read once (boundaries left out), answering what
    ``admin_unit_candidates`` answers without a query per spelling: for imports, which resolve
    a hundred spellings or more a file. Build one per import; it does not see later changes.

    ``extra`` maps spellings to p-codes for this import alone (``--alias NAME=PCODE``), as if
    they were aliases; unknown p-codes are the caller's to refuse (``unknown_pcodes``). With
    ``organisation_id``, the aliases that organisation taught count too.
    """

    def __init__(
        self, extra: Mapping[str, str] | None = None, *, organisation_id: Any = None
    ) -> None:
        self.units: dict[int, AdminUnit] = AdminUnit.objects.defer("geometry").in_bulk()
        for unit in self.units.values():
            if unit.parent_id is not None:
                unit.parent = self.units[unit.parent_id]  # shared instances, no query later
        self.aliases: dict[tuple[str, str], set[int]] = {}
        shared = Q(organisation__isnull=True)
        if organisation_id is not None:
            shared |= Q(organisation_id=organisation_id)
        for key, kind, unit_id in Alias.objects.filter(shared).values_list(
            "key", "kind", "unit_id"
        ):
            self.aliases.setdefault((key, kind), set()).add(unit_id)
        by_pcode = {unit.pcode: unit for unit in self.units.values()}
        self.unknown_pcodes = sorted({p for p in (extra or {}).values() if p not in by_pcode})
        for spelling, pcode in (extra or {}).items():
            if pcode in by_pcode:
                learnt = (name_key(spelling), AliasKind.NAME.value)
                self.aliases.setdefault(learnt, set()).add(by_pcode[pcode].pk)

    def _inside(self, unit: AdminUnit, within: AdminUnit) -> bool:
        current: AdminUnit | None = unit
        for _ in range(4):  # the unit itself and up to three levels above, as the query does
            if current is None:
                return False
            if current.pk == within.pk:
                return True
            current = self.units.get(current.parent_id) if current.parent_id else None
        return False

    def candidates(
        self, text: str, *, level: int | None = None, within: AdminUnit | None = None
    ) -> list[AdminUnit]:
        text = text.strip()
        if not text:
            return []
        for key, kind in ((code_key(text), AliasKind.CODE), (name_key(text), AliasKind.NAME)):
            found = [
                self.units[pk]
                for pk in self.aliases.get((key, kind), ())
                if (level is None or self.units[pk].level == level)
                and (within is None or self._inside(self.units[pk], within))
            ]
            if found:
                return sorted(found, key=lambda u: (u.level, u.pcode))
        return []

    def resolve(
        self, text: str, *, level: int | None = None, within: AdminUnit | None = None
    ) -> AdminUnit | None:
        """The one unit ``text`` names, or None when it names none or several."""
        candidates = self.candidates(text, level=level, within=within)
        return candidates[0] if len(candidates) == 1 else None

    def suggestions(
        self, text: str, *, level: int, within: AdminUnit | None = None, limit: int = 3
    ) -> list[AdminUnit]:
        """The units of a level (inside ``within``) whose names come closest to ``text``: a
        spelling cut short, a prefix, a few letters off, in either script. Only suggestions:
        a person chooses, and the choice is recorded as an alias."""
        key = name_key(text)
        if not key:
            return []
        names: dict[int, set[str]] = {}
        for (alias_key_, kind), unit_ids in self.aliases.items():
            if kind != AliasKind.NAME:
                continue
            for pk in unit_ids:
                unit = self.units[pk]
                if unit.level == level and (within is None or self._inside(unit, within)):
                    names.setdefault(pk, set()).add(alias_key_)
        scored = []
        for pk, keys in names.items():
            score = max(_closeness(key, other) for other in keys)
            if score >= SUGGESTION_THRESHOLD:
                scored.append((-score, self.units[pk].pcode, pk))
        return [self.units[pk] for _score, _pcode, pk in sorted(scored)[:limit]]


SUGGESTION_THRESHOLD = 0.6


def _closeness(key: str, other: str) -> float:
    """How alike two normalised names are, 0 to 1. A name cut short (a spreadsheet column too
    narrow, ``Al-Mejar Al-Kabi``) counts as a near match when at least four letters remain."""
    if len(key) >= 4 and (other.startswith(key) or key.startswith(other)):
        return 0.95
    return difflib.SequenceMatcher(None, key, other, autojunk=False).ratio()


# Locations ------------------------------------------------------------------------------------


def location_steward_id(kind: str) -> Any:
    """The id of the organisation stewarding the master list of a kind, or None."""
    return (
        LocationSteward.objects.filter(kind=kind).values_list("organisation_id", flat=True).first()
    )


def canonical_locations_q(kind: str) -> Q:
    """The canonical master list of a kind: the steward's published locations, and the
    operator's published reference locations (no owner)."""
    steward_id = location_steward_id(kind)
    owners = Q(owner__isnull=True)
    if steward_id is not None:
        owners |= Q(owner_id=steward_id)
    return Q(kind=kind, published_at__isnull=False) & owners


def location_usable_q(*, organisation_id: Any, kind: str) -> Q:
    """The one rule of which locations an organisation may name in its own data (imports,
    forms, movements): its own, in any state, and the canonical ones. Another organisation's
    locations, and the steward's unpublished ones, are not among them."""
    return (Q(kind=kind) & Q(owner_id=organisation_id)) | canonical_locations_q(kind)


def locations_usable(
    *, organisation_id: Any, kind: str, external_ids: Sequence[str] | None = None
) -> dict[str, Location]:
    """The location each id names for an organisation: its own where it has one, otherwise the
    canonical one; ids it may not use are absent."""
    # The fields imports and forms compare and write: a national list names thousands of places,
    # and building full instances (uid, timestamps) of them all was most of an import's check.
    rows = Location.objects.filter(
        location_usable_q(organisation_id=organisation_id, kind=kind)
    ).only(*USABLE_FIELDS)
    if external_ids is None:
        batches = [rows]
    else:
        # In batches: SQLite refuses a statement with more parameters than its limit, and a
        # national master list names a few thousand places at most, a generated one more.
        ids = list(dict.fromkeys(external_ids))
        size = id_batch()
        batches = [rows.filter(external_id__in=ids[i : i + size]) for i in range(0, len(ids), size)]
    found: dict[str, Location] = {}
    for batch in batches:
        for location in batch:
            mine = location.owner_id == organisation_id
            if mine or location.external_id not in found:
                found[location.external_id] = location
    return found


ID_BATCH = 20_000
# Room left in a batched statement for its parameters other than the ids.
OTHER_PARAMS = 100


def id_batch() -> int:
    """How many ids one ``IN (...)`` of a batched query takes: ``ID_BATCH``, or fewer where
    SQLite's limit on a statement's parameters is lower (250,000 in common builds, 32,766 by
    default, 999 before 3.32; Django's ``max_query_params`` assumes the least)."""
    if connection.vendor != "sqlite":
        return ID_BATCH
    connection.ensure_connection()
    limit: int = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(ID_BATCH, limit - OTHER_PARAMS))


USABLE_FIELDS = (
    "id",
    "kind",
    "owner_id",
    "external_id",
    "name_en",
    "name_ar",
    "admin_unit_id",
    "latitude",
    "longitude",
    "published_at",
)


def location_is_canonical(location: Location) -> bool:
    """Whether a location is in the canonical master list of its kind."""
    return Location.objects.filter(canonical_locations_q(location.kind), pk=location.pk).exists()


def aliases_read_by(organisation: Organisation | None) -> Q:
    """The aliases that read an organisation's files: everyone's, and its own."""
    seen = Q(organisation__isnull=True)
    if organisation is not None:
        seen |= Q(organisation=organisation)
    return seen


def alias_clash(*, key: str, unit: AdminUnit, organisation: Organisation | None) -> Alias | None:
    """The alias that already gives this spelling (its key) to another unit of the same level
    (under the same governorate, for districts and below) in an organisation's files: a learnt
    alias never makes a known name ambiguous."""
    clash = Alias.objects.filter(
        aliases_read_by(organisation), key=key, kind=AliasKind.NAME, unit__level=unit.level
    ).exclude(unit=unit)
    if unit.level >= 2:
        clash = clash.filter(unit__parent_id=unit.parent_id)
    return clash.select_related("unit").first()


ALIAS_COLUMNS = (
    "name",
    "pcode",
    "unit",
    "kind",
    "source",
    "file",
    "taught_by",
    "taught_at",
    "organisation",
)


def alias_rows(*, learnt_only: bool = False) -> list[tuple[str, ...]]:
    """Aliases as rows of ``ALIAS_COLUMNS``, learnt ones with who taught them, when, from
    which file (reference data: no personal values beyond a username)."""
    aliases = Alias.objects.select_related("unit", "created_by", "organisation").order_by(
        "unit__pcode", "name"
    )
    if learnt_only:
        aliases = aliases.filter(source=LEARNT)
    return [
        (
            a.name,
            a.unit.pcode,
            a.unit.name_en,
            a.kind,
            a.source,
            a.file,
            a.created_by.get_username() if a.created_by else "",
            a.created_at.isoformat() if a.created_at else "",
            a.organisation.acronym if a.organisation else "",
        )
        for a in aliases
    ]
