"""Which location each row of an organisation's master list counts in, and what it may change.

The rule (docs/SECURITY.md, "Places have an owner"): a place id names the importing
organisation's own location where it has one, otherwise a canonical location (the steward's
published master list, or the operator's reference list), otherwise a new location of the
importing organisation that no one else sees until one of its rounds counting it is published.

- A row naming a canonical location of another organisation must agree with it: another
  district is an error naming both, another name or a point more than ``POINT_TOLERANCE_KM``
  away is a warning; the figures are counted where the master list puts the place.
- A row naming the organisation's own location counts where the file puts it. If no other round
  counts that location yet, it is updated in place (only its owner sees it, through this round);
  otherwise the difference waits in ``PendingLocationChange`` and is applied, with history,
  when the round is published, so that publishing one round never shows what another draft
  said of a place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from nahrain.core.models import Organisation
from nahrain.core.problems import Problem, Severity
from nahrain.displacement.dtm_format import LocationRecord
from nahrain.displacement.models import AssessmentRound, LocationAssessment, PendingLocationChange
from nahrain.displacement.validation import ResolvedPlace, haversine_km
from nahrain.geo import selectors as geo_selectors
from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit, Location, LocationKind, LocationType
from nahrain.geo.normalize import name_key

POINT_TOLERANCE_KM = 1.0
KIND = LocationKind.DTM_PLACE


@dataclass
class PlacePlan:
    """What writing a master list does to locations, decided before anything is written."""

    organisation_id: Any
    locations: dict[str, Location] = field(default_factory=dict)  # existing, own or canonical
    units: dict[str, int] = field(default_factory=dict)  # unit each place's figures count in
    new: list[LocationRecord] = field(default_factory=list)
    updates: dict[str, dict[str, Any]] = field(default_factory=dict)  # own, unpublished
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)  # own, counted elsewhere


def _district_of(unit: AdminUnit | None, units: dict[int, AdminUnit]) -> AdminUnit | None:
    while unit is not None and unit.level > 2:
        unit = units.get(unit.parent_id or 0)
    return unit


def _file_attributes(record: LocationRecord, unit_id: int) -> dict[str, Any]:
    """What the file says of a place; what it leaves blank it does not say (a list without
    points never erases a known point)."""
    said: dict[str, Any] = {"admin_unit": unit_id}
    if record.name_en:
        said["name_en"] = record.name_en
    if record.name_ar:
        said["name_ar"] = record.name_ar
    if record.latitude is not None and record.longitude is not None:
        said["latitude"], said["longitude"] = record.latitude, record.longitude
    return said


def _difference(location: Location, attributes: dict[str, Any]) -> dict[str, Any]:
    before = location.attributes()
    return {k: v for k, v in attributes.items() if before[k] != v}


def places_plan(
    *,
    assessment_round: AssessmentRound,
    records: list[LocationRecord],
    places: dict[str, ResolvedPlace],
    file: str,
    column_of: dict[str, str],
) -> tuple[PlacePlan, list[Problem]]:
    """Decide, for each record whose district resolved, which location it counts in; returns
    the plan and the problems of rows that disagree with the canonical master list."""
    organisation_id = assessment_round.organisation_id
    plan = PlacePlan(organisation_id=organisation_id)
    problems: list[Problem] = []
    records = [r for r in records if r.place_id in places]
    existing = geo_selectors.locations_usable(
        organisation_id=organisation_id, kind=KIND, external_ids=[r.place_id for r in records]
    )
    points = [
        (r.latitude, r.longitude)
        for r in records
        if r.latitude is not None and r.longitude is not None
    ]
    found = iter(geo_selectors.admin_units_at_points(points))
    deepest_at = {
        r.place_id: next(found)
        for r in records
        if r.latitude is not None and r.longitude is not None
    }
    wanted = {u for u in deepest_at.values() if u is not None}
    wanted |= {loc.admin_unit_id for loc in existing.values() if loc.admin_unit_id is not None}
    units = AdminUnit.objects.defer("geometry").in_bulk(list(wanted))
    # Parents of subdistricts, to compare districts.
    parents = {u.parent_id for u in units.values() if u.level > 2 and u.parent_id}
    units.update(AdminUnit.objects.defer("geometry").in_bulk([p for p in parents if p]))
    by_id = {r.place_id: r for r in records}
    keepers = dict(
        Organisation.objects.filter(
            pk__in={
                loc.owner_id
                for loc in existing.values()
                if loc.owner_id is not None and loc.owner_id != organisation_id
            }
        ).values_list("pk", "acronym")
    )
    for record in records:
        district = places[record.place_id].district
        location = existing.get(record.place_id)
        deepest = units.get(deepest_at.get(record.place_id) or 0)
        unit_id = district.pk
        if deepest is not None and deepest.level == 3 and deepest.parent_id == district.pk:
            unit_id = deepest.pk
        if location is not None and location.owner_id != organisation_id:
            keeper = keepers.get(location.owner_id) if location.owner_id else None
            problems += _check_reference(record, location, keeper, district, units, file, column_of)
            plan.locations[record.place_id] = location
            stored = units.get(location.admin_unit_id or 0)
            # A master-list place known only to its governorate counts in the file's district.
            known = stored is not None and stored.level >= 2
            plan.units[record.place_id] = stored.pk if stored is not None and known else unit_id
            continue
        if location is None:
            plan.new.append(record)
            plan.units[record.place_id] = unit_id
            continue
        plan.locations[record.place_id] = location
        stored = units.get(location.admin_unit_id or 0)
        if record.latitude is None and _district_of(stored, units) == district:
            # Without a point the file names only the district: keep a subdistrict already known.
            unit_id = location.admin_unit_id or unit_id
        plan.units[record.place_id] = unit_id
        changes = _difference(location, _file_attributes(record, unit_id))
        if changes:
            plan.updates[record.place_id] = changes
    _defer_shared_updates(plan, assessment_round)
    for place_id in plan.pending:
        record = by_id[place_id]
        if plan.locations[place_id].published_at is not None:
            problems.append(
                Problem(
                    file,
                    record.row,
                    column_of.get("place_id", ""),
                    "place_change",
                    f"place {record.place_id}: the file changes its "
                    f"{', '.join(_field_names(plan.pending[place_id]))}; other organisations see "
                    "the change once this round is published",
                    Severity.WARNING,
                )
            )
    return plan, problems


def _defer_shared_updates(plan: PlacePlan, assessment_round: AssessmentRound) -> None:
    """Changes to a location that another round counts (or that is published) wait for this
    round's publication instead of being made in place."""
    ids = {plan.locations[p].pk: p for p in plan.updates}
    keys = list(ids)
    shared: set[int] = set()
    size = geo_selectors.id_batch()
    for i in range(0, len(keys), size):
        shared.update(
            LocationAssessment.objects.filter(location_id__in=keys[i : i + size])
            .exclude(round_id=assessment_round.pk)
            .values_list("location_id", flat=True)
            .distinct()
        )
    for location_id, place_id in ids.items():
        if location_id in shared or plan.locations[place_id].published_at is not None:
            plan.pending[place_id] = plan.updates.pop(place_id)


def _field_names(changes: dict[str, Any]) -> list[str]:
    names = {
        "name_en": "name",
        "name_ar": "Arabic name",
        "admin_unit": "district or subdistrict",
        "latitude": "point",
        "longitude": "point",
    }
    return sorted({names[k] for k in changes})


def _check_reference(
    record: LocationRecord,
    location: Location,
    keeper: str | None,
    district: AdminUnit,
    units: dict[int, AdminUnit],
    file: str,
    column_of: dict[str, str],
) -> list[Problem]:
    """A row naming another organisation's canonical location must agree with it."""
    where = f"{keeper}'s master list" if keeper is not None else "the server's reference list"
    problems = []
    stored = _district_of(units.get(location.admin_unit_id or 0), units)
    # Compared at the level the master list knows the place: district, or only governorate.
    compared = district if stored is None or stored.level == 2 else district.parent
    if stored is not None and compared is not None and stored.pk != compared.pk:
        problems.append(
            Problem(
                file,
                record.row,
                column_of.get("district", ""),
                "master_list_district",
                f"place {record.place_id} is {location.name_en} in {stored.name_en} in {where}; "
                f"the file puts it in {compared.name_en}. Correct the file, or give the place "
                "an id that is not in the master list",
            )
        )
    if record.name_en and name_key(record.name_en) != name_key(location.name_en):
        problems.append(
            Problem(
                file,
                record.row,
                column_of.get("name_en", ""),
                "master_list_name",
                f"place {record.place_id} is {location.name_en!r} in {where}; the file calls it "
                f"{record.name_en!r}. Its figures are counted at the master list's place",
                Severity.WARNING,
            )
        )
    if (
        record.latitude is not None
        and record.longitude is not None
        and location.latitude is not None
        and location.longitude is not None
    ):
        distance = haversine_km(
            record.latitude, record.longitude, location.latitude, location.longitude
        )
        if distance > POINT_TOLERANCE_KM:
            problems.append(
                Problem(
                    file,
                    record.row,
                    column_of.get("latitude", ""),
                    "master_list_point",
                    f"place {record.place_id} is {distance:.1f} km from where {where} puts it "
                    f"({location.latitude}, {location.longitude})",
                    Severity.WARNING,
                )
            )
    return problems


def places_write(*, assessment_round: AssessmentRound, plan: PlacePlan) -> dict[str, Location]:
    """Carry out a plan inside the import's transaction; returns the location of every place."""
    organisation_id = assessment_round.organisation_id
    created = [
        Location(
            owner_id=organisation_id,
            kind=KIND,
            external_id=record.place_id,
            name_en=record.name_en or record.name_ar or record.place_id,
            name_ar=record.name_ar,
            admin_unit_id=plan.units[record.place_id],
            latitude=record.latitude,
            longitude=record.longitude,
            type=LocationType.CAMP if set(record.shelter) == {"camp"} else LocationType.OTHER,
        )
        for record in plan.new
    ]
    Location.objects.bulk_create(created, batch_size=2000)
    locations = dict(plan.locations)
    if created:
        locations.update(
            geo_selectors.locations_usable(
                organisation_id=organisation_id,
                kind=KIND,
                external_ids=[r.place_id for r in plan.new],
            )
        )
    if plan.updates:
        updated = []
        for place_id, changes in plan.updates.items():
            location = locations[place_id]
            for name, value in changes.items():
                setattr(location, "admin_unit_id" if name == "admin_unit" else name, value)
            updated.append(location)
        Location.objects.bulk_update(
            updated, ["name_en", "name_ar", "admin_unit", "latitude", "longitude"], batch_size=1000
        )
    known = [locations[p].pk for p in plan.locations]
    size = geo_selectors.id_batch()
    for i in range(0, len(known), size):
        PendingLocationChange.objects.filter(
            round=assessment_round, location_id__in=known[i : i + size]
        ).delete()
    PendingLocationChange.objects.bulk_create(
        [
            PendingLocationChange(
                round=assessment_round, location=locations[place_id], attributes=changes
            )
            for place_id, changes in plan.pending.items()
        ],
        batch_size=1000,
    )
    return locations


def places_publish(*, actor: User | None, assessment_round: AssessmentRound) -> None:
    """On publication: the round's own locations become visible, and what its files changed
    of its already published locations is applied, with history."""
    pending = PendingLocationChange.objects.filter(round=assessment_round).select_related(
        "location"
    )
    geo_services.location_changes_apply(
        actor=actor,
        changes=[(p.location, p.attributes) for p in pending],
        source=f"round {assessment_round.number} v{assessment_round.version}",
    )
    pending.delete()
    counted = LocationAssessment.objects.filter(round=assessment_round).values("location_id")
    Location.objects.filter(
        owner_id=assessment_round.organisation_id, published_at__isnull=True, pk__in=counted
    ).update(published_at=timezone.now())
