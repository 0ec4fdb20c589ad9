"""Writes of geography: boundary imports, the built-in gazetteer, locations."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from shapely.geometry import mapping, shape
from shapely.validation import make_valid

from nahrain.core.models import Organisation
from nahrain.core.problems import ImportRejected, Problem
from nahrain.core.services import audit_record
from nahrain.geo import selectors
from nahrain.geo.models import (
    LEARNT,
    AdminUnit,
    Alias,
    AliasKind,
    Location,
    LocationChange,
    LocationKind,
    LocationSteward,
    alias_key,
)

GAZETTEER_PATH = Path(__file__).resolve().parent / "data" / "iraq_gazetteer.json"
SELF_ALIAS_SOURCE = "unit name"

Progress = Callable[[int, int], None]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class _UnitRow:
    pcode: str
    level: int
    parent_pcode: str | None
    name_en: str
    name_ar: str = ""
    name_ckb: str = ""
    valid_on: date | None = None
    source: str = ""
    geometry: dict[str, Any] | None = None
    bbox: tuple[float, float, float, float] | None = None
    point: tuple[float, float] | None = None  # (lat, lon)
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (name, kind)


_COMPARED = ("level", "name_en", "name_ar", "name_ckb", "valid_on", "source", "lat", "lon")


def _parse_date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _first(props: dict[str, Any], *names: str) -> str:
    for name in names:
        value = props.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _feature_row(
    feature: Any, *, number: int, level: int, file: str, problems: list[Problem]
) -> _UnitRow | None:
    """Read one COD-AB feature; append problems and return None if it cannot be used."""
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        problems.append(Problem(file, number, "", "feature", "not a GeoJSON feature"))
        return None
    props: dict[str, Any] = feature["properties"]
    prefix = f"ADM{level}_"
    pcode = _first(props, prefix + "PCODE")
    if not pcode:
        problems.append(Problem(file, number, prefix + "PCODE", "required", "no p-code"))
        return None
    name_en = _first(props, prefix + "EN", prefix + "NAME", prefix + "REF")
    if not name_en:
        problems.append(Problem(file, number, prefix + "EN", "required", f"{pcode} has no name"))
        return None
    parent_pcode = _first(props, f"ADM{level - 1}_PCODE") if level > 0 else None
    if level > 0 and not parent_pcode:
        problems.append(
            Problem(file, number, f"ADM{level - 1}_PCODE", "required", f"{pcode} has no parent")
        )
        return None
    row = _UnitRow(
        pcode=pcode,
        level=level,
        parent_pcode=parent_pcode,
        name_en=name_en,
        name_ar=_first(props, prefix + "AR"),
        name_ckb=_first(props, prefix + "CKB", prefix + "KU"),
        valid_on=_parse_date(props.get("validOn") or props.get("date")),
    )
    for key in ("ALT1EN", "ALT2EN", "ALT1AR", "ALT2AR"):
        alt = _first(props, f"ADM{level}{key}")
        if alt:
            row.aliases.append((alt, AliasKind.NAME))
    geometry = feature.get("geometry")
    if geometry is not None:
        try:
            geom = shape(geometry)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            problems.append(Problem(file, number, "geometry", "geometry", f"{pcode}: {exc}"))
            return None
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(
                Problem(
                    file,
                    number,
                    "geometry",
                    "geometry",
                    f"{pcode}: a {geom.geom_type}, not a polygon",
                )
            )
            return None
        if not geom.is_valid:
            geom = make_valid(geom)
        # Through JSON so that it compares equal to what the database gives back (lists, not
        # tuples): re-importing the same file must find nothing changed.
        row.geometry = json.loads(json.dumps(mapping(geom)))
        min_lon, min_lat, max_lon, max_lat = (round(v, 6) for v in geom.bounds)
        row.bbox = (min_lon, min_lat, max_lon, max_lat)
        inside = geom.representative_point()
        row.point = (round(inside.y, 5), round(inside.x, 5))
    return row


def boundaries_import(
    *,
    file: Path | str,
    level: int,
    source: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one level of COD-AB boundaries (GeoJSON) from any country.

    Parents are resolved from the ``ADM{level-1}_PCODE`` property against units already in the
    database (import the levels top-down). A unit is matched by p-code: re-importing updates in
    place and never duplicates. All or nothing: any error rejects the whole file.
    """
    path = Path(file)
    name = path.name
    if level not in (0, 1, 2, 3):
        raise ImportRejected([Problem(name, None, "", "level", "level must be 0, 1, 2 or 3")])
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportRejected([Problem(name, None, "", "malformed", str(exc))]) from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise ImportRejected(
            [Problem(name, None, "", "malformed", "not a GeoJSON FeatureCollection")]
        )
    problems: list[Problem] = []
    rows: list[_UnitRow] = []
    seen: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        row = _feature_row(feature, number=number, level=level, file=name, problems=problems)
        if row is None:
            continue
        if row.pcode in seen:
            problems.append(
                Problem(
                    name,
                    number,
                    f"ADM{level}_PCODE",
                    "duplicate",
                    f"{row.pcode} already in feature {seen[row.pcode]}",
                )
            )
            continue
        seen[row.pcode] = number
        row.source = source or name
        rows.append(row)
    return _units_save(
        rows=rows,
        file=name,
        problems=problems,
        dry_run=dry_run,
        progress=progress,
        replace_geometry=True,
        row_numbers=seen,
    )


def gazetteer_load(*, path: Path = GAZETTEER_PATH, dry_run: bool = False) -> ImportResult:
    """Load the built-in gazetteer (country, governorates, districts, aliases).

    It fills names, label points and aliases but leaves boundary geometry alone, so it can run
    before or after a boundary import.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = [
        _UnitRow(
            pcode=unit["pcode"],
            level=unit["level"],
            parent_pcode=unit["parent"],
            name_en=unit["name_en"],
            name_ar=unit.get("name_ar", ""),
            name_ckb=unit.get("name_ckb", ""),
            valid_on=_parse_date(data.get("valid_on")),
            source=data.get("source", "gazetteer")[:200],
            point=(unit["lat"], unit["lon"]) if unit.get("lat") is not None else None,
            aliases=[(alias["name"], alias["kind"]) for alias in unit.get("aliases", [])],
        )
        for unit in data["units"]
    ]
    rows.sort(key=lambda row: row.level)
    numbers = {row.pcode: n for n, row in enumerate(rows, start=1)}
    return _units_save(
        rows=rows,
        file=path.name,
        problems=[],
        dry_run=dry_run,
        progress=None,
        replace_geometry=False,
        row_numbers=numbers,
    )


@transaction.atomic
def _units_save(
    *,
    rows: list[_UnitRow],
    file: str,
    problems: list[Problem],
    dry_run: bool,
    progress: Progress | None,
    replace_geometry: bool,
    row_numbers: dict[str, int],
) -> ImportResult:
    result = ImportResult()
    existing = {u.pcode: u for u in AdminUnit.objects.filter(pcode__in=[r.pcode for r in rows])}
    parent_codes = {r.parent_pcode for r in rows if r.parent_pcode}
    parents = {u.pcode: u for u in AdminUnit.objects.filter(pcode__in=parent_codes)}
    batch_codes = {r.pcode for r in rows}
    for row in rows:
        if (
            row.parent_pcode
            and row.parent_pcode not in parents
            and row.parent_pcode not in batch_codes
        ):
            problems.append(
                Problem(
                    file,
                    row_numbers.get(row.pcode),
                    f"ADM{row.level - 1}_PCODE",
                    "parent",
                    f"{row.pcode}: parent {row.parent_pcode} is not loaded; import level "
                    f"{row.level - 1} first",
                )
            )
    if problems:
        raise ImportRejected(problems)

    touched: list[AdminUnit] = []
    total = len(rows)
    for index, row in enumerate(rows, start=1):
        unit = existing.get(row.pcode) or AdminUnit(pcode=row.pcode)
        parent = parents.get(row.parent_pcode or "") or existing.get(row.parent_pcode or "")
        before = {f: getattr(unit, f) for f in _COMPARED} if unit.pk else None
        before_geometry = (unit.geometry, unit.parent_id) if unit.pk else None
        unit.level = row.level
        unit.parent = parent
        unit.name_en = row.name_en
        unit.name_ar = row.name_ar or unit.name_ar
        unit.name_ckb = row.name_ckb or unit.name_ckb
        unit.valid_on = row.valid_on or unit.valid_on
        unit.source = row.source[:200] if replace_geometry or not unit.source else unit.source
        if row.point:
            unit.lat, unit.lon = row.point
        if replace_geometry and row.geometry is not None:
            unit.geometry = row.geometry
            assert row.bbox is not None
            unit.min_lon, unit.min_lat, unit.max_lon, unit.max_lat = row.bbox
        after = {f: getattr(unit, f) for f in _COMPARED}
        if before is None:
            result.created += 1
        elif before != after or before_geometry != (unit.geometry, unit.parent_id):
            result.updated += 1
        else:
            result.unchanged += 1
            touched.append(unit)
            continue
        unit.full_clean(validate_unique=False, validate_constraints=False)
        unit.save()
        existing[unit.pcode] = unit
        touched.append(unit)
        if progress:
            progress(index, total)
    _aliases_sync(touched, {r.pcode: r.aliases for r in rows})
    if dry_run:
        transaction.set_rollback(True)
    return result


def _aliases_sync(units: Iterable[AdminUnit], extra: dict[str, list[tuple[str, str]]]) -> None:
    """Make each unit's aliases hold its own names and p-code plus the given spellings."""
    units = list(units)
    current: dict[int, set[str]] = {}
    for unit_id, key in Alias.objects.filter(unit__in=units).values_list("unit_id", "key"):
        current.setdefault(unit_id, set()).add(key)
    new: list[Alias] = []
    for unit in units:
        have = current.setdefault(unit.pk, set())
        wanted: list[tuple[str, str, str]] = [(unit.pcode, AliasKind.CODE, SELF_ALIAS_SOURCE)]
        wanted += [
            (n, AliasKind.NAME, SELF_ALIAS_SOURCE)
            for n in (unit.name_en, unit.name_ar, unit.name_ckb)
            if n
        ]
        wanted += [(n, k, "alias") for n, k in extra.get(unit.pcode, [])]
        for name, kind, source in wanted:
            key = alias_key(name, kind)
            if key and key not in have:
                have.add(key)
                new.append(
                    Alias(unit=unit, name=name[:200], key=key[:200], kind=kind, source=source)
                )
    Alias.objects.bulk_create(new)


# Locations ------------------------------------------------------------------------------------


@transaction.atomic
def location_steward_set(*, actor: User | None, kind: str, organisation: Organisation) -> None:
    """Make an organisation the steward of a kind's canonical master list."""
    if kind not in LocationKind.values:
        raise ValueError(f"{kind!r} is not a kind of location")
    LocationSteward.objects.update_or_create(kind=kind, defaults={"organisation": organisation})
    audit_record(
        actor=actor,
        action="location_steward.set",
        object_type="location_kind",
        object_id=kind,
        organisation=organisation,
    )


LOCATION_FIELDS = ("name_en", "name_ar", "admin_unit", "latitude", "longitude")


def location_changes_apply(
    *, actor: User | None, changes: Iterable[tuple[Location, dict[str, Any]]], source: str
) -> int:
    """Apply new attributes to published locations, each with its history row.

    ``changes`` pairs a location with the attributes its owner now gives it (``admin_unit`` as
    a unit id). Runs inside the caller's transaction; returns how many locations changed.
    """
    history = []
    changed = []
    for location, after in changes:
        before = location.attributes()
        delta = {k: v for k, v in after.items() if k in LOCATION_FIELDS and before[k] != v}
        if not delta:
            continue
        for name, value in delta.items():
            setattr(location, "admin_unit_id" if name == "admin_unit" else name, value)
        changed.append(location)
        history.append(
            LocationChange(
                location=location,
                actor=actor if actor is not None and actor.is_authenticated else None,
                source=source[:100],
                before={k: before[k] for k in delta},
                after=delta,
            )
        )
    Location.objects.bulk_update(
        changed, ["name_en", "name_ar", "admin_unit", "latitude", "longitude"], batch_size=1000
    )
    LocationChange.objects.bulk_create(history, batch_size=1000)
    return len(changed)


@transaction.atomic
def location_update(
    *,
    actor: User,
    location: Location,
    name_en: str | None = None,
    name_ar: str | None = None,
    admin_unit: AdminUnit | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Location:
    """An explicit edit of a location by its owner's information manager, with history.

    Fields left as None keep their value. A canonical location changes for every organisation
    that references it, which is why only the steward's information managers may edit it (the
    gate ``access_location_for_change``).
    """
    locked = Location.objects.select_for_update().get(pk=location.pk)
    after: dict[str, Any] = {}
    for name, value in (
        ("name_en", name_en),
        ("name_ar", name_ar),
        ("latitude", latitude),
        ("longitude", longitude),
    ):
        if value is not None:
            after[name] = value
    if admin_unit is not None:
        after["admin_unit"] = admin_unit.pk
    if "name_en" in after and not after["name_en"].strip():
        raise ValidationError({"name_en": "a location needs an English name"})
    if ("latitude" in after) != ("longitude" in after):
        raise ValidationError({"latitude": "give both the latitude and the longitude"})
    if not -90 <= after.get("latitude", 0) <= 90 or not -180 <= after.get("longitude", 0) <= 180:
        raise ValidationError({"latitude": "the point is not on the earth"})
    if location_changes_apply(actor=actor, changes=[(locked, after)], source="edit"):
        audit_record(
            actor=actor,
            action="location.update",
            object_type="location",
            object_id=locked.uid,
            organisation=locked.owner,
            detail={"fields": sorted(after)},
        )
    locked.refresh_from_db()
    return locked


# Aliases people teach -------------------------------------------------------------------------


class AliasRefused(ValueError):
    """The spelling already names another unit where it would be used."""


@transaction.atomic
def alias_learn(
    *,
    actor: User | None,
    name: str,
    unit: AdminUnit,
    file: str = "",
    organisation: Organisation | None = None,
) -> Alias:
    """Record that ``name`` spells ``unit`` (a spelling a file used and a person mapped once),
    for one organisation's files, or for everyone's when the operator records it
    (``organisation`` None).

    Refused when the spelling already names another unit of the same level under the same
    governorate for those files: a learnt alias never makes a known name ambiguous. Recording
    it again changes nothing.
    """
    name = " ".join(name.split())[:200]
    key = alias_key(name, AliasKind.NAME)
    if not key:
        raise AliasRefused("an alias needs a name")
    other = selectors.alias_clash(key=key, unit=unit, organisation=organisation)
    if other is not None:
        raise AliasRefused(f"{name!r} already names {other.unit.name_en} ({other.unit.pcode})")
    alias, created = Alias.objects.filter(selectors.aliases_read_by(organisation)).get_or_create(
        unit=unit,
        key=key,
        defaults={
            "organisation": organisation,
            "name": name,
            "kind": AliasKind.NAME,
            "source": LEARNT,
            "created_by": actor if actor is not None and actor.is_authenticated else None,
            "created_at": timezone.now(),
            "file": file[:200],
        },
    )
    if created:
        audit_record(
            actor=actor,
            action="alias.learn",
            object_type="admin_unit",
            object_id=unit.pcode,
            organisation=organisation,
            detail={"alias": alias.pk, "file": file[:200]},
        )
    return alias


@transaction.atomic
def alias_remove(*, actor: User | None, alias: Alias) -> None:
    """Forget a learnt alias (a mistaken mapping); the gazetteer's own stay."""
    if alias.source != LEARNT:
        raise AliasRefused(f"{alias.name!r} comes with the {alias.source or 'reference data'}")
    audit_record(
        actor=actor,
        action="alias.remove",
        object_type="admin_unit",
        object_id=alias.unit.pcode,
        detail={"alias": alias.pk},
    )
    alias.delete()
