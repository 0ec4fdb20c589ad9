"""DTM's field forms, as ``collect`` form handlers: the location assessment and the
emergency-tracking event, their location-list media, their checks and what accepting them does.

A submitted location assessment becomes the record type of the file import and is checked with
the import's own validation (``displacement.validation``): one implementation.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from nahrain.collect.handlers import Checked, FormHandler, NotAcceptable, register
from nahrain.core.problems import Problem, Severity
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.displacement import services as displacement_services
from nahrain.displacement.codelists import codes_for_round
from nahrain.displacement.dtm_format import LocationRecord
from nahrain.displacement.models import AssessmentRound, MovementEvent, RoundStatus
from nahrain.displacement.validation import PlaceResolver, ResolvedPlace, check_records
from nahrain.geo.models import AdminUnit, Location, LocationKind
from nahrain.geo.selectors import locations_usable

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from nahrain.collect.models import Submission

XLSFORMS = Path(__file__).resolve().parent / "xlsforms"
# The key informant's fields, kept apart from the figures and the stored XML.
KEY_INFORMANT = {"ki_name": "name", "ki_phone": "phone"}

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
        problems.append(
            Problem(
                file,
                None,
                name,
                "non_integer",
                _("“%(value)s” is not a whole number") % {"value": text},
            )
        )
        return None
    if number < 0:
        problems.append(
            Problem(file, None, name, "negative", _("%(value)s is negative") % {"value": number})
        )
        return None
    return number


def location_record(values: dict[str, Any], *, file: str) -> tuple[LocationRecord, list[Problem]]:
    """The submission's values as a ``LocationRecord``, and the problems reading them."""
    problems: list[Problem] = []
    households = _count(values, "households", problems, file)
    if households is None and not problems:
        problems.append(
            Problem(file, None, "households", "required", _("The number of households is missing."))
        )
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
            Problem(
                file,
                None,
                "population",
                "population",
                _("“%(value)s” is neither IDPs nor returnees") % {"value": population},
            )
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
                _("“%(place)s” is not in the location master list") % {"place": record.place_id},
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
                    _("“%(place)s” does not lie in %(district)s")
                    % {"place": local_name(location), "district": local_name(place.district)},
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
                            (
                                _("“%(code)s” is not a shelter type of round %(round)s")
                                if dimension == "shelter"
                                else _(
                                    "“%(code)s” is not a period of displacement of round %(round)s"
                                )
                            )
                            % {"code": code, "round": round_number},
                        )
                    )
    return record, places, problems


# ---------------------------------------------------------------------------- media


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _label(*names: str) -> str:
    """A place's name in each language the database has it in, each once: one label that reads
    in every language of the form (an itemset from a CSV has a single label column)."""
    seen: list[str] = []
    for name in names:
        if name and name not in seen:
            seen.append(name)
    return " / ".join(seen)


def media_files(*, organisation_id: Any) -> dict[str, bytes]:
    """The location list as an organisation's forms load it: governorates, districts, and the
    locations it may name (its own and the canonical master list's), as CSV.

    ``name`` is the p-code (governorates, districts) or the master list's place id (locations);
    the extra columns are what the forms filter on. Every header is an XML name: the XForms
    engines turn each column into an element of a secondary instance.
    """
    units = list(
        AdminUnit.objects.filter(level__in=(1, 2, 3)).values_list(
            "pk", "pcode", "level", "parent_id", "name_en", "name_ar", "name_ckb"
        )
    )
    by_pk = {pk: (pcode, level, parent) for pk, pcode, level, parent, *_names in units}

    def ancestor(pk: int | None, level: int) -> str:
        while pk is not None and pk in by_pk:
            pcode, unit_level, parent = by_pk[pk]
            if unit_level == level:
                return pcode
            pk = parent
        return ""

    governorates = [["name", "label"]] + [
        [pcode, _label(en, ar, ckb)]
        for _pk, pcode, level, _parent, en, ar, ckb in units
        if level == 1
    ]
    districts = [["name", "label", "governorate"]] + [
        [pcode, _label(en, ar, ckb), ancestor(parent, 1)]
        for _pk, pcode, level, parent, en, ar, ckb in units
        if level == 2
    ]
    locations = [["name", "label", "governorate", "district"]]
    usable = locations_usable(organisation_id=organisation_id, kind=LocationKind.DTM_PLACE)
    for external_id, name_en, name_ar, unit_id in sorted(
        (loc.external_id, loc.name_en, loc.name_ar, loc.admin_unit_id)
        for loc in usable.values()
        if loc.admin_unit_id is not None
    ):
        district = ancestor(unit_id, 2)
        if not district:
            continue  # a location known only to its governorate cannot be chosen by district
        label = f"{_label(name_en, name_ar)} ({external_id})"
        locations.append([external_id, label, ancestor(unit_id, 1), district])
    return {
        "governorates.csv": _csv(governorates),
        "districts.csv": _csv(districts),
        "locations.csv": _csv(locations),
    }


def _media(organisation_id: Any) -> dict[str, bytes]:
    return media_files(organisation_id=organisation_id)


def code_names(organisation_id: Any, codes: dict[str, set[str]]) -> dict[str, dict[str, str]]:
    """The names, in the reader's language, of the p-codes and place ids a submission names
    from the location list: what a reviewer reads instead of the codes."""
    pcodes = codes.get("governorates.csv", set()) | codes.get("districts.csv", set())
    units = {unit.pcode: local_name(unit) for unit in AdminUnit.objects.filter(pcode__in=pcodes)}
    places = locations_usable(
        organisation_id=organisation_id,
        kind=LocationKind.DTM_PLACE,
        external_ids=sorted(codes.get("locations.csv", set())),
    )
    return {
        "governorates.csv": units,
        "districts.csv": units,
        # The place id stays beside the name: places of one name are many, the id is the key.
        "locations.csv": {pid: f"{local_name(loc)} ({pid})" for pid, loc in places.items()},
    }


# ---------------------------------------------------------------------------- location assessment


def _round_named(values: dict[str, Any]) -> int | None:
    try:
        round_number = int(str(values.get("round", "")))
    except ValueError:
        return None
    # Outside this range there is no such round; the checks report it.
    return round_number if 0 < round_number < 2**31 else None


def _check_assessment(organisation_id: Any, values: dict[str, Any], file: str) -> Checked:
    round_number = _round_named(values)
    _record, _places, problems = check_location_assessment(
        values, file=file, round_number=round_number, organisation_id=organisation_id
    )
    return Checked(problems, batch="" if round_number is None else str(round_number))


def draft_round_for(organisation_id: Any, number: int | None) -> AssessmentRound | None:
    """The draft (or validated) round of that number that field figures go into, if any."""
    if number is None:
        return None
    return (
        AssessmentRound.objects.filter(organisation_id=organisation_id, number=number)
        .exclude(status=RoundStatus.PUBLISHED)
        .order_by("-version")
        .first()
    )


def _accept_assessment(actor: User, submission: Submission, file: str) -> dict[str, str]:
    """Set the location's figures in the draft round the submission names (rollups rebuilt at
    once)."""
    round_number = _round_named(submission.data)
    assessment_round = draft_round_for(submission.organisation_id, round_number)
    if assessment_round is None:
        raise NotAcceptable(
            [
                Problem(
                    file,
                    None,
                    "round",
                    "no_draft_round",
                    _("%(organisation)s has no open draft of round %(round)s")
                    % {"organisation": submission.organisation, "round": round_number},
                )
            ]
        )
    record, places, problems = check_location_assessment(
        submission.data,
        file=file,
        round_number=assessment_round.number,
        organisation_id=submission.organisation_id,
    )
    submission.problems = [p.as_dict() for p in problems]
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise NotAcceptable(errors)
    displacement_services.round_records_merge(
        actor=actor,
        assessment_round=assessment_round,
        records=[record],
        places=places,
        population=str(submission.data["population"]),
        source=file,
    )
    return {"round": str(assessment_round.uid)}


# ---------------------------------------------------------------------------- emergency tracking


def _accept_movement(actor: User, submission: Submission, file: str) -> dict[str, str]:
    """Record the movement; an edit of an accepted event replaces that event's movement."""
    values = submission.data
    problems = []
    place_id = str(values.get("location", ""))
    location = locations_usable(
        organisation_id=submission.organisation_id,
        kind=LocationKind.DTM_PLACE,
        external_ids=[place_id],
    ).get(place_id)
    if location is None or location.admin_unit is None:
        problems.append(
            Problem(
                file,
                None,
                "location",
                "unknown_location",
                _("“%(place)s” is not in the location master list") % {"place": place_id},
            )
        )
    try:
        households = int(str(values.get("households", "")))
        individuals_text = str(values.get("individuals", "") or "")
        individuals = int(individuals_text) if individuals_text else None
        day = date.fromisoformat(str(values.get("date", "")))
    except ValueError as failed:
        problems.append(Problem(file, None, "", "non_integer", str(failed)))
    if problems:
        raise NotAcceptable(problems)
    assert location is not None
    previous = submission.deprecated
    replaced = previous.accepted.get("movement") if previous is not None else None
    if replaced:
        # The edited event must not be counted twice.
        MovementEvent.objects.filter(uid=replaced).delete()
    try:
        movement = displacement_services.movement_record(
            actor=actor,
            organisation=submission.organisation,
            event=str(values.get("event", ""))[:120],
            day=day,
            location=location,
            population=str(values.get("population", "")),
            direction=str(values.get("direction", "")),
            households=households,
            individuals=individuals,
            cause=str(values.get("cause", ""))[:200],
        )
    except ValidationError as invalid:
        raise NotAcceptable(
            [
                Problem(file, None, name, "invalid", " ".join(messages))
                for name, messages in invalid.message_dict.items()
            ]
        ) from invalid
    return {"movement": str(movement.uid)}


LOCATION_ASSESSMENT = FormHandler(
    form_id="dtm_location_assessment",
    xlsform=XLSFORMS / "dtm_location_assessment.md",
    media=_media,
    check=_check_assessment,
    accept=_accept_assessment,
    names=code_names,
    personal=KEY_INFORMANT,
    repeats=frozenset({"origin"}),
)
EMERGENCY_TRACKING = FormHandler(
    form_id="dtm_emergency_tracking",
    xlsform=XLSFORMS / "dtm_emergency_tracking.md",
    media=_media,
    accept=_accept_movement,
    names=code_names,
    personal=KEY_INFORMANT,
)


def register_handlers() -> None:
    register(LOCATION_ASSESSMENT)
    register(EMERGENCY_TRACKING)
