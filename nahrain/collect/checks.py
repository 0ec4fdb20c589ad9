"""Turning a submitted location assessment into the record type of the file import, and checking
it with the import's own validation (``displacement.validation``): one implementation."""

from __future__ import annotations

from typing import Any

from nahrain.core.problems import Problem
from nahrain.displacement.codelists import codes_for_round
from nahrain.displacement.dtm_format import LocationRecord
from nahrain.displacement.validation import PlaceResolver, ResolvedPlace, check_records
from nahrain.geo.models import Location, LocationKind
from nahrain.geo.selectors import locations_usable

# Where each field lives in the form, for the problems' "column".
COLUMN_OF = {
    "governorate": "governorate",
    "district": "district",
    "households": "households",
    "individuals": "individuals",
    "shelter": "shelter",
    "period": "period",
    "origin": "origin",
    "place_id": "location",
}


def _count(values: dict[str, Any], name: str, problems: list[Problem], file: str) -> int | None:
    text = str(values.get(name, "") or "").strip()
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        problems.append(Problem(file, None, name, "non_integer", f"{text!r} is not a whole number"))
        return None
    if number < 0:
        problems.append(Problem(file, None, name, "negative", f"{number} is negative"))
        return None
    return number


def location_record(values: dict[str, Any], *, file: str) -> tuple[LocationRecord, list[Problem]]:
    """The submission's values as a ``LocationRecord``, and the problems reading them."""
    problems: list[Problem] = []
    households = _count(values, "households", problems, file)
    if households is None and not problems:
        problems.append(Problem(file, None, "households", "required", "households are missing"))
    record = LocationRecord(
        row=1,
        place_id=str(values.get("location", "")),
        governorate=str(values.get("governorate", "")),
        district=str(values.get("district", "")),
        households=households or 0,
        individuals=_count(values, "individuals", problems, file),
    )
    for dimension in ("shelter", "period"):
        parts: dict[str, int] = getattr(record, dimension)
        prefix = f"{dimension}_"
        for name in values:
            if name.startswith(prefix):
                count = _count(values, name, problems, file)
                if count:
                    parts[name.removeprefix(prefix)] = count
    origins = values.get("origin", [])
    # A repeat arrives as a list of groups; anything else is a malformed instance.
    for entry in origins if isinstance(origins, list) else []:
        if not isinstance(entry, dict):
            continue
        count = _count(entry, "origin_households", problems, file)
        pcode = str(entry.get("origin_governorate", ""))
        if count and pcode:
            record.origin[pcode] = record.origin.get(pcode, 0) + count
    record.unreadable = bool(problems)
    return record, problems


def check_location_assessment(
    values: dict[str, Any], *, file: str, round_number: int | None, organisation_id: Any
) -> tuple[LocationRecord, dict[str, ResolvedPlace], list[Problem]]:
    """Check a submitted location assessment as a master-list row is checked, plus what only a
    form can get wrong: a location missing from the master list or outside the district, and
    shelter or period codes that the round's code lists do not have."""
    record, problems = location_record(values, file=file)
    population = str(values.get("population", ""))
    if population not in ("idp", "returnee"):
        problems.append(
            Problem(file, None, "population", "population", f"{population!r} is not idp/returnee")
        )
    places, checked = check_records(
        [record],
        file=file,
        column_of=COLUMN_OF,
        resolver=PlaceResolver(),
        population=population or "idp",
    )
    problems += checked
    usable = locations_usable(
        organisation_id=organisation_id, kind=LocationKind.DTM_PLACE, external_ids=[record.place_id]
    ).get(record.place_id)
    location = (
        Location.objects.select_related("admin_unit__parent__parent").filter(pk=usable.pk).first()
        if usable is not None
        else None
    )
    place = places.get(record.place_id)
    if location is None:
        problems.append(
            Problem(
                file,
                None,
                "location",
                "unknown_location",
                f"{record.place_id!r} is not in the location master list",
            )
        )
    elif place is not None:
        chain = []
        unit = location.admin_unit
        while unit is not None:
            chain.append(unit.pk)
            unit = unit.parent
        if place.district.pk not in chain:
            problems.append(
                Problem(
                    file,
                    None,
                    "location",
                    "outside_district",
                    f"{record.place_id!r} does not lie in {place.district.name_en}",
                )
            )
    if round_number is not None:
        codes = codes_for_round(round_number)
        for dimension, items in (("shelter", codes.shelter), ("period", codes.period)):
            known = {item.code for item in items}
            for code in getattr(record, dimension):
                if code not in known:
                    problems.append(
                        Problem(
                            file,
                            None,
                            f"{dimension}_{code}",
                            "unknown_category",
                            f"{code!r} is not in the {dimension} list of round {round_number}",
                        )
                    )
    return record, places, problems
