"""Writes of displacement tracking: rounds, imports, the round lifecycle, movement events."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from nahrain.core.models import AuditEvent, Organisation
from nahrain.core.problems import ImportRejected, Problem, Severity
from nahrain.core.services import audit_record
from nahrain.displacement import bulk
from nahrain.displacement.codelists import codes_for_round
from nahrain.displacement.dtm_format import (
    HOUSEHOLD_SIZE,
    HOUSEHOLD_SIZE_IN_CAMP_FROM_117,
    LocationRecord,
    ParsedFile,
    error_count,
    parse,
)
from nahrain.displacement.models import (
    AssessmentRound,
    Dimension,
    LocationAssessment,
    MovementEvent,
    Population,
    RoundImport,
    RoundStatus,
)
from nahrain.displacement.places import PlacePlan, places_plan, places_publish, places_write
from nahrain.displacement.validation import (
    DEFAULT_CHANGE_WARNING_SHARE,
    PlaceResolver,
    ResolvedPlace,
    check_change,
    check_coordinates,
    check_records,
)
from nahrain.geo import selectors as geo_selectors
from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit, Location
from nahrain.intake.columns import column_letter, mapping_summary
from nahrain.intake.readers import read_table

Progress = Callable[[str, int, int], None]
logger = logging.getLogger(__name__)


class RoundLocked(Exception):
    """A published round is read-only: corrections go into a new version."""


class RoundExists(Exception):
    """The organisation already has a round of that number: a correction is a new version of
    it, never a second round 7."""


class PublishUnconfirmed(Exception):
    """The round looks like another round of its organisation (the same reference date, or the
    same national totals: the same list uploaded twice); publishing waits for the person to
    confirm that it is not a duplicate."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


@dataclass
class ImportReport:
    file: str
    format: str
    population: str
    dry_run: bool
    locations: int = 0
    households: int = 0
    individuals: int = 0
    new_locations: int = 0
    mapping: list[dict[str, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # The record and the audit entry a written (not dry-run) import left.
    record: RoundImport | None = None
    audit: AuditEvent | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]


@transaction.atomic
def round_create(
    *,
    actor: User | None,
    organisation: Organisation,
    number: int,
    reference_date: date,
    populations: list[str] | None = None,
) -> AssessmentRound:
    """Open a new draft round for an organisation (``RoundExists`` if the number is taken)."""
    taken = RoundExists(f"{organisation.acronym} already has a round {number}")
    if AssessmentRound.objects.filter(organisation=organisation, number=number).exists():
        raise taken
    assessment_round = AssessmentRound(
        organisation=organisation,
        number=number,
        reference_date=reference_date,
        populations=populations or [],
    )
    # The unique constraint is checked above and, against a concurrent creation, by the
    # database: full_clean's own check would only repeat the query.
    assessment_round.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            assessment_round.save()
    except IntegrityError:
        raise taken from None
    audit_record(
        actor=actor,
        action="round.create",
        object_type="round",
        object_id=assessment_round.uid,
        organisation=organisation,
        detail={"number": number},
    )
    return assessment_round


def household_size_for(*, round_number: int, record: LocationRecord, population: str) -> Decimal:
    """DTM Iraq counted six people a household; five for in-camp IDPs from round 117."""
    in_camp = bool(record.shelter) and set(record.shelter) == {"camp"}
    if population == Population.IDP and round_number >= 117 and in_camp:
        return HOUSEHOLD_SIZE_IN_CAMP_FROM_117
    return HOUSEHOLD_SIZE


def _column_of(parsed: ParsedFile) -> dict[str, str]:
    """Spreadsheet column of each field, and the first column of each breakdown, for messages."""
    where: dict[str, str] = {}
    for column in parsed.columns:
        kind, _, name = column.target.partition(":")
        key = name if kind == "field" else kind
        if kind and key not in where:
            where[key] = column_letter(column.index)
    return where


def _previous_households(assessment_round: AssessmentRound, population: str) -> dict[str, int]:
    previous = (
        AssessmentRound.objects.filter(
            organisation=assessment_round.organisation, number__lt=assessment_round.number
        )
        .order_by("-number", "-version")
        .first()
    )
    if previous is None:
        return {}
    return dict(
        LocationAssessment.objects.filter(round=previous, population=population).values_list(
            "location__external_id", "households"
        )
    )


def round_import(
    *,
    actor: User | None,
    assessment_round: AssessmentRound,
    data: bytes,
    file: str,
    population: str | None = None,
    dry_run: bool = False,
    change_warning_share: float = DEFAULT_CHANGE_WARNING_SHARE,
    progress: Progress | None = None,
    aliases: dict[str, str] | None = None,
    column_map: dict[str, str] | None = None,
) -> ImportReport:
    """Import a DTM master list into a round: all or nothing, replacing what the file covers.

    Every problem found names the file, row, column and rule. With errors nothing is written
    (``ImportRejected``, which also lists the spellings that named no unit, with candidates); a
    dry run checks everything and writes nothing. Importing a file again into the same round
    replaces that population's figures, so nothing is ever counted twice. ``aliases`` (spelling
    -> p-code) resolve spellings the gazetteer lacks, and are recorded when the import commits;
    ``column_map`` (header -> field) maps headers the mapping cannot guess.
    """
    if assessment_round.status == RoundStatus.PUBLISHED:
        raise RoundLocked(f"{assessment_round} is published; correct it in a new version")
    say = progress or (lambda stage, done, total: None)
    say("reading", 0, 1)
    table = read_table(data, file=file)
    codes = codes_for_round(assessment_round.number)
    resolver = PlaceResolver(aliases, organisation_id=assessment_round.organisation_id)
    if resolver.index.unknown_pcodes:
        raise ImportRejected(
            [
                Problem(file, None, "", "unknown_pcode", f"--alias names {pcode!r}: no unit has it")
                for pcode in resolver.index.unknown_pcodes
            ]
        )
    parsed = parse(
        table,
        codes=codes,
        round_number=assessment_round.number,
        population=population or Population.IDP,
        resolve_governorate=resolver.governorate_of_header,
        column_map=column_map,
    )
    population = parsed.population if population is None else population
    if parsed.format == "dtm-2014-long" and population != Population.IDP:
        raise ImportRejected(
            [Problem(file, None, "", "population", "the 2014 master list counts IDPs only")]
        )
    column_of = _column_of(parsed)
    say("checking", 0, len(parsed.records))
    places, problems = check_records(
        parsed.records, file=file, column_of=column_of, resolver=resolver, population=population
    )
    problems = parsed.problems + problems
    problems += _origins_to_pcodes(parsed, resolver, file=file, column_of=column_of)
    problems += check_coordinates(parsed.records, places, file=file, column_of=column_of)
    problems += check_change(
        parsed.records,
        _previous_households(assessment_round, population),
        file=file,
        column_of=column_of,
        share=change_warning_share,
    )
    problems.sort(key=lambda p: (p.row or 0, p.column, p.rule))
    report = ImportReport(
        file=file,
        format=parsed.format,
        population=population,
        dry_run=dry_run,
        locations=len(parsed.records),
        households=sum(r.households for r in parsed.records),
        mapping=mapping_summary(parsed.columns),
        problems=problems,
    )
    sizes = {
        r.place_id: household_size_for(
            round_number=assessment_round.number, record=r, population=population
        )
        for r in parsed.records
    }
    report.individuals = sum(
        r.individuals if r.individuals is not None else int(r.households * sizes[r.place_id])
        for r in parsed.records
    )

    def plan_places(assessment_round: AssessmentRound) -> PlacePlan:
        """Which location each row counts in; its problems join the report's, sorted."""
        plan, place_problems = places_plan(
            assessment_round=assessment_round,
            records=parsed.records,
            places=places,
            file=file,
            column_of=column_of,
        )
        problems.extend(place_problems)
        problems.sort(key=lambda p: (p.row or 0, p.column, p.rule))
        if error_count(problems):
            raise ImportRejected(
                problems, unresolved=resolver.first_rows(parsed.records), mapping=report.mapping
            )
        report.new_locations = len(plan.new)
        return plan

    if dry_run or error_count(problems):
        # Every problem at once, those of places included; nothing is written.
        plan_places(assessment_round)
        return report
    with bulk.collector_paused(), transaction.atomic():
        locked = AssessmentRound.objects.select_for_update().get(pk=assessment_round.pk)
        if locked.status == RoundStatus.PUBLISHED:
            raise RoundLocked(f"{locked} is published; correct it in a new version")
        say("locations", 0, len(parsed.records))
        # Decided under the organisation's lock: another import of the organisation may create
        # or publish the same places meanwhile (its locations are one namespace), and the plan
        # chooses between changing a place in place or at publication.
        _organisation_lock(locked.organisation_id)
        plan = plan_places(locked)
        for spelling, pcode in (aliases or {}).items():
            geo_services.alias_learn(
                actor=actor,
                name=spelling,
                unit=AdminUnit.objects.get(pcode=pcode),
                file=file,
                organisation=locked.organisation,
            )
        locations = places_write(assessment_round=locked, plan=plan)
        say("writing", 0, len(parsed.records))
        fine = _facts_write(
            locked, population, parsed.records, locations, plan.units, sizes, progress=say
        )
        say("figures", 0, 1)
        bulk.rollups_refresh(
            round_id=locked.pk,
            shelter_groups=codes.shelter_group_of(),
            population=population,
            fine=fine,
        )
        if population not in locked.populations:
            locked.populations = [*locked.populations, population]
        locked.status = RoundStatus.DRAFT
        locked.data_version = F("data_version") + 1
        locked.save(update_fields=["populations", "status", "data_version"])
        report.record = RoundImport.objects.create(
            round=locked,
            file=file[:200],
            sha256=hashlib.sha256(data).hexdigest(),
            format=parsed.format,
            population=population,
            locations=report.locations,
            households=report.households,
            individuals=report.individuals,
            warnings=[p.as_dict() for p in report.warnings][:1000],
            mapping=report.mapping,
            imported_by=actor,
        )
        report.audit = audit_record(
            actor=actor,
            action="round.import",
            object_type="round",
            object_id=locked.uid,
            organisation=locked.organisation,
            detail={
                "file": file[:200],
                "population": population,
                "locations": report.locations,
                "households": report.households,
                "warnings": len(report.warnings),
            },
        )
    say("done", 1, 1)
    return report


def _organisation_lock(organisation_id: Any) -> None:
    """Serialise the writes of one organisation's locations (imports, merges, publication)."""
    Organisation.objects.select_for_update().filter(pk=organisation_id).first()


def _origins_to_pcodes(
    parsed: ParsedFile, resolver: PlaceResolver, *, file: str, column_of: dict[str, str]
) -> list[Problem]:
    """Long-format origins are governorate spellings; turn them into p-codes."""
    problems: list[Problem] = []
    if parsed.format != "dtm-2014-long":
        return problems
    for record in parsed.records:
        resolved: dict[str, int] = {}
        for spelling, value in record.origin.items():
            unit = resolver.governorate(spelling)
            if unit is None:
                problems.append(
                    Problem(
                        file,
                        record.row,
                        "E",
                        "unknown_governorate",
                        f"origin {spelling!r} is not a known governorate name or code",
                    )
                )
                continue
            resolved[unit.pcode] = resolved.get(unit.pcode, 0) + value
        record.origin = resolved
    return problems


def _unit_chains() -> dict[int, tuple[int, int | None, int | None]]:
    """Unit id -> (governorate, district, subdistrict) ids, for every unit, in one query.

    Admin units number in the hundreds; reading them all is cheaper than a query per unit.
    """
    parents: dict[int, tuple[int, int | None]] = {
        pk: (level, parent)
        for pk, level, parent in AdminUnit.objects.values_list("pk", "level", "parent_id")
    }
    chains = {}
    for pk in parents:
        levels: dict[int, int] = {}
        current: int | None = pk
        while current is not None:
            level, parent = parents[current]
            levels[level] = current
            current = parent
        chains[pk] = (levels.get(1, 0), levels.get(2), levels.get(3))
    return chains


def _facts_write(
    assessment_round: AssessmentRound,
    population: str,
    records: list[LocationRecord],
    locations: dict[str, Location],
    units: dict[str, int],
    sizes: dict[str, Decimal],
    *,
    progress: Progress,
) -> list[bulk.FineRow]:
    """Write one population's facts and breakdowns; returns them grouped at the finest grain
    of the rollups (``bulk.rollups_refresh``), summed while writing rather than read back."""
    bulk.facts_delete(round_id=assessment_round.pk, population=population)
    chains = _unit_chains()
    rows: list[tuple[Any, ...]] = []
    chain_of: dict[str, tuple[int, int | None, int | None]] = {}
    # (governorate, district, subdistrict) -> (dimension, category) -> households,
    # individuals, rows; the totals under ("total", "").
    grouped: dict[tuple[int, int | None, int | None], dict[tuple[str, str], list[int]]] = {}
    for record in records:
        location = locations[record.place_id]
        chain = chain_of[record.place_id] = chains[units[record.place_id]]
        adm1, adm2, adm3 = chain
        size = sizes[record.place_id]
        individuals = (
            record.individuals if record.individuals is not None else int(record.households * size)
        )
        rows.append(
            (
                assessment_round.pk,
                location.pk,
                population,
                record.households,
                individuals,
                size,
                adm1,
                adm2,
                adm3,
            )
        )
        at_place = grouped.get(chain)
        if at_place is None:
            at_place = grouped[chain] = {("total", ""): [0, 0, 0]}
        sums = at_place["total", ""]
        sums[0] += record.households
        sums[1] += individuals
        sums[2] += 1
    bulk.copy_rows(LocationAssessment._meta.db_table, bulk.ASSESSMENT_COLUMNS, rows)
    ids = bulk.assessment_ids(round_id=assessment_round.pk, population=population)

    def breakdown_rows() -> Iterator[tuple[Any, ...]]:
        # Streamed: each row is made, summed and written, then let go (150,000 of them).
        for done, record in enumerate(records, start=1):
            assessment_id = ids[locations[record.place_id].pk]
            at_place = grouped[chain_of[record.place_id]]
            for dimension, category, households, individuals in _breakdown_values(
                record, sizes[record.place_id]
            ):
                sums = at_place.get((dimension, category))
                if sums is None:
                    sums = at_place[dimension, category] = [0, 0, 0]
                sums[0] += households
                sums[1] += individuals
                sums[2] += 1
                yield assessment_id, dimension, category, households, individuals
            if done % 500 == 0:
                progress("writing", done, len(records))

    from nahrain.displacement.models import Breakdown

    bulk.copy_rows(Breakdown._meta.db_table, bulk.BREAKDOWN_COLUMNS, breakdown_rows())
    return [
        (population, *chain, dimension, category, *sums)
        for chain, at_place in grouped.items()
        for (dimension, category), sums in at_place.items()
    ]


_SHELTER, _PERIOD, _ORIGIN = Dimension.SHELTER.value, Dimension.PERIOD.value, Dimension.ORIGIN.value


def _breakdown_values(record: LocationRecord, size: Decimal) -> list[tuple[str, str, int, int]]:
    """(dimension, category, households, individuals) of each breakdown cell of a record."""
    if size == int(size):
        # Whole household sizes (all of DTM's) multiply as ints: Decimal is slow.
        size = int(size)  # type: ignore[assignment]
    values = [
        (_SHELTER, c, households, int(households * size))
        for c, households in record.shelter.items()
    ]
    values += [
        (_PERIOD, c, households, int(households * size)) for c, households in record.period.items()
    ]
    if record.origin_unit == "individuals":
        values += [(_ORIGIN, c, round(value / size), value) for c, value in record.origin.items()]
    else:
        values += [(_ORIGIN, c, value, int(value * size)) for c, value in record.origin.items()]
    return values


def round_records_merge(
    *,
    actor: User | None,
    assessment_round: AssessmentRound,
    records: list[LocationRecord],
    places: dict[str, ResolvedPlace],
    population: str,
    source: str,
) -> None:
    """Set the figures of some locations of a draft round, leaving its other locations alone.

    For figures that arrive location by location (field submissions) rather than as a whole
    master list. ``records`` must have passed ``validation.check_records`` (which gave
    ``places``). Each record replaces that location's figures for the population, so sending a
    location again never counts it twice; the round's rollups are rebuilt in the same
    transaction.
    """
    from nahrain.displacement.models import Breakdown

    with transaction.atomic():
        locked = AssessmentRound.objects.select_for_update().get(pk=assessment_round.pk)
        if locked.status == RoundStatus.PUBLISHED:
            raise RoundLocked(f"{locked} is published; correct it in a new version")
        _organisation_lock(locked.organisation_id)
        plan, problems = places_plan(
            assessment_round=locked,
            records=records,
            places=places,
            file=source,
            column_of={},
        )
        if error_count(problems):
            raise ImportRejected(problems)
        locations = places_write(assessment_round=locked, plan=plan)
        LocationAssessment.objects.filter(
            round=locked,
            population=population,
            location__in=[locations[r.place_id] for r in records],
        ).delete()
        chains = _unit_chains()
        for record in records:
            location = locations[record.place_id]
            adm1, adm2, adm3 = chains[plan.units[record.place_id]]
            size = household_size_for(
                round_number=locked.number, record=record, population=population
            )
            assessment = LocationAssessment.objects.create(
                round=locked,
                location=location,
                population=population,
                households=record.households,
                individuals=(
                    record.individuals
                    if record.individuals is not None
                    else int(record.households * size)
                ),
                household_size=size,
                adm1_id=adm1,
                adm2_id=adm2,
                adm3_id=adm3,
            )
            Breakdown.objects.bulk_create(
                Breakdown(
                    assessment=assessment,
                    dimension=dimension,
                    category=category,
                    households=households,
                    individuals=individuals,
                )
                for dimension, category, households, individuals in _breakdown_values(record, size)
            )
        bulk.rollups_refresh(
            round_id=locked.pk, shelter_groups=codes_for_round(locked.number).shelter_group_of()
        )
        if population not in locked.populations:
            locked.populations = [*locked.populations, population]
        locked.status = RoundStatus.DRAFT
        locked.data_version = F("data_version") + 1
        locked.save(update_fields=["populations", "status", "data_version"])
        audit_record(
            actor=actor,
            action="round.merge",
            object_type="round",
            object_id=locked.uid,
            organisation=locked.organisation,
            detail={"source": source[:200], "population": population, "locations": len(records)},
        )


@transaction.atomic
def round_validate(*, actor: User | None, assessment_round: AssessmentRound) -> AssessmentRound:
    """Mark a draft round validated: it holds figures and its rollups agree with its facts."""
    if assessment_round.status == RoundStatus.PUBLISHED:
        raise RoundLocked(f"{assessment_round} is published")
    problems = round_check(assessment_round=assessment_round)
    if problems:
        raise ImportRejected(problems)
    assessment_round.status = RoundStatus.VALIDATED
    assessment_round.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="round.validate",
        object_type="round",
        object_id=assessment_round.uid,
        organisation=assessment_round.organisation,
    )
    return assessment_round


def round_check(*, assessment_round: AssessmentRound) -> list[Problem]:
    """Errors that forbid publishing: no figures, or national rollups that disagree with facts."""
    from django.db.models import Sum

    from nahrain.displacement.models import Rollup

    name = f"round {assessment_round.number}"
    facts = LocationAssessment.objects.filter(round=assessment_round)
    if not facts.exists():
        return [Problem(name, None, "", "empty", "the round holds no figures yet")]
    problems = []
    for population in facts.values_list("population", flat=True).distinct():
        fact_total = facts.filter(population=population).aggregate(s=Sum("individuals"))["s"]
        rollup_total = Rollup.objects.filter(
            round=assessment_round, population=population, level=1, dimension="total"
        ).aggregate(s=Sum("individuals"))["s"]
        if fact_total != rollup_total:
            problems.append(
                Problem(
                    name,
                    None,
                    "",
                    "rollup",
                    f"{population}: {fact_total} individuals in "
                    f"the facts, {rollup_total} in the figures",
                )
            )
    return problems


def round_duplicates(*, assessment_round: AssessmentRound) -> list[Problem]:
    """Warnings that the round may repeat another round of its organisation: the same
    reference date, or the same national totals (a list uploaded twice under two numbers)."""
    from nahrain.displacement.selectors import round_publication

    publication = round_publication(assessment_round=assessment_round)
    name = f"round {assessment_round.number}"

    def warning(rule: str, message: str) -> Problem:
        return Problem(name, None, "", rule, message, Severity.WARNING)

    return [
        *(
            warning(
                "same_date",
                f"round {other.number} ({other.status}) has the same reference date, "
                f"{other.reference_date:%Y-%m-%d}",
            )
            for other in publication.same_date
        ),
        *(
            warning(
                "same_totals",
                f"round {other.number} ({other.status}, {other.reference_date:%Y-%m-%d}) has "
                "the same national totals: is this the same list?",
            )
            for other in publication.same_totals
        ),
    ]


@transaction.atomic
def round_publish(
    *, actor: User | None, assessment_round: AssessmentRound, confirm_duplicate: bool = False
) -> AssessmentRound:
    """Publish a validated round: open to every signed-in user, read-only from now on.

    A round with the reference date or the national totals of another round of its
    organisation is published only with ``confirm_duplicate`` (``PublishUnconfirmed``
    otherwise), as it is most often a list uploaded twice.
    """
    locked = AssessmentRound.objects.select_for_update().get(pk=assessment_round.pk)
    if locked.status == RoundStatus.PUBLISHED:
        return locked
    if locked.status != RoundStatus.VALIDATED:
        raise ImportRejected(
            [
                Problem(
                    f"round {locked.number}",
                    None,
                    "",
                    "not_validated",
                    "validate the round before publishing it",
                )
            ]
        )
    problems = round_check(assessment_round=locked)
    if problems:
        raise ImportRejected(problems)
    _organisation_lock(locked.organisation_id)
    # Rounds in every state count, so two look-alike rounds are caught whichever goes first.
    duplicates = round_duplicates(assessment_round=locked)
    if duplicates and not confirm_duplicate:
        raise PublishUnconfirmed(duplicates)
    places_publish(actor=actor, assessment_round=locked)
    locked.status = RoundStatus.PUBLISHED
    locked.published_at = timezone.now()
    locked.published_by = actor
    locked.save(update_fields=["status", "published_at", "published_by"])
    audit_record(
        actor=actor,
        action="round.publish",
        object_type="round",
        object_id=locked.uid,
        organisation=locked.organisation,
        detail={"number": locked.number, "version": locked.version},
    )
    return locked


@transaction.atomic
def round_delete(*, actor: User | None, assessment_round: AssessmentRound) -> None:
    """Delete a round that was never published (a mistaken draft, or a correction not wanted:
    the published version stays), with its figures, imports and pending place changes.

    Locations its imports created stay with the organisation: other rounds may count them, and
    no one else sees them until a round counting them is published.
    """
    from nahrain.displacement.models import PendingLocationChange, Rollup

    locked = AssessmentRound.objects.select_for_update().get(pk=assessment_round.pk)
    if locked.status == RoundStatus.PUBLISHED:
        raise RoundLocked(f"{locked} is published: correct it in a new version, never delete it")
    for population in Population.values:
        bulk.facts_delete(round_id=locked.pk, population=population)
    # Facts go by SQL (millions of rows in a national round); what is left is small.
    Rollup.objects.filter(round=locked).delete()
    PendingLocationChange.objects.filter(round=locked).delete()
    locked.imports.all().delete()
    audit_record(
        actor=actor,
        action="round.delete",
        object_type="round",
        object_id=locked.uid,
        organisation=locked.organisation,
        detail={"number": locked.number, "version": locked.version, "status": locked.status},
    )
    locked.delete()


@transaction.atomic
def round_correct(*, actor: User | None, assessment_round: AssessmentRound) -> AssessmentRound:
    """Open a correction of a published round: a new draft version holding a copy of its figures.

    Re-import the corrected file into it, then validate and publish; the comparison of the two
    versions is the diff.
    """
    if assessment_round.status != RoundStatus.PUBLISHED:
        raise RoundLocked("only a published round is corrected through a new version")
    if AssessmentRound.objects.filter(replaces=assessment_round).exists():
        raise RoundLocked(f"{assessment_round} already has a correction")
    correction = AssessmentRound.objects.create(
        organisation=assessment_round.organisation,
        number=assessment_round.number,
        version=assessment_round.version + 1,
        replaces=assessment_round,
        reference_date=assessment_round.reference_date,
        populations=assessment_round.populations,
    )
    _facts_copy(source=assessment_round, target=correction)
    bulk.rollups_refresh(
        round_id=correction.pk,
        shelter_groups=codes_for_round(correction.number).shelter_group_of(),
    )
    audit_record(
        actor=actor,
        action="round.correct",
        object_type="round",
        object_id=correction.uid,
        organisation=correction.organisation,
        detail={"replaces": str(assessment_round.uid)},
    )
    return correction


def _facts_copy(*, source: AssessmentRound, target: AssessmentRound) -> None:
    from django.db import connection

    from nahrain.displacement.models import Breakdown

    assessment = LocationAssessment._meta.db_table
    breakdown = Breakdown._meta.db_table
    columns = ", ".join(bulk.ASSESSMENT_COLUMNS[1:])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {assessment} (round_id, {columns}) "  # noqa: S608
            f"SELECT %s, {columns} FROM {assessment} WHERE round_id = %s",
            [target.pk, source.pk],
        )
        cursor.execute(
            f"INSERT INTO {breakdown} (assessment_id, dimension, category, households, "  # noqa: S608
            f"individuals) SELECT n.id, b.dimension, b.category, b.households, b.individuals "
            f"FROM {breakdown} b JOIN {assessment} o ON o.id = b.assessment_id "
            f"JOIN {assessment} n ON n.round_id = %s AND n.location_id = o.location_id "
            f"AND n.population = o.population WHERE o.round_id = %s",
            [target.pk, source.pk],
        )


@transaction.atomic
def movement_record(
    *,
    actor: User,
    organisation: Organisation,
    event: str,
    day: date,
    location: Location,
    population: str,
    direction: str,
    households: int,
    individuals: int | None = None,
    cause: str = "",
) -> MovementEvent:
    """Record an emergency-tracking movement (kept apart from round figures)."""
    if location.admin_unit is None:
        raise ValueError("the location has no admin unit")
    chain = geo_selectors.admin_unit_ancestors(location.admin_unit)
    by_level = {u.level: u for u in chain}
    movement = MovementEvent(
        organisation=organisation,
        event=event,
        date=day,
        location=location,
        adm1=by_level[1],
        adm2=by_level.get(2),
        population=population,
        direction=direction,
        households=households,
        individuals=individuals if individuals is not None else int(households * HOUSEHOLD_SIZE),
        cause=cause,
    )
    movement.full_clean()
    movement.save()
    audit_record(
        actor=actor,
        action="movement.record",
        object_type="movement",
        object_id=movement.uid,
        organisation=organisation,
    )
    return movement


def round_export(
    *,
    actor: User | None,
    assessment_round: AssessmentRound,
    level: str,
    format: str,
    within: AdminUnit | None = None,
) -> tuple[bytes, str]:
    """Export a round's figures, for the country or inside one unit (audited: who exported
    which round, where, at which level, how)."""
    from nahrain.displacement.exports import export

    data, name = export(
        assessment_round=assessment_round, level=level, format=format, within=within
    )
    audit_record(
        actor=actor,
        action="round.export",
        object_type="round",
        object_id=assessment_round.uid,
        organisation=assessment_round.organisation,
        detail={
            "level": level,
            "format": format,
            "bytes": len(data),
            **({"within": within.pcode} if within is not None else {}),
        },
    )
    return data, name


def compare_export(
    *,
    actor: User | None,
    base: AssessmentRound,
    other: AssessmentRound,
    population: str,
    units: list[dict[str, Any]],
    measured: bool,
    within: AdminUnit | None,
    format: str,
) -> tuple[bytes, str]:
    """Download a comparison of two rounds (audited like every export)."""
    from nahrain.displacement.exports import compare_file

    data, name = compare_file(
        base=base,
        other=other,
        population=population,
        units=units,
        measured=measured,
        within=within,
        format=format,
    )
    audit_record(
        actor=actor,
        action="round.compare_export",
        object_type="round",
        object_id=other.uid,
        organisation=other.organisation,
        detail={
            "base": str(base.uid),
            "population": population,
            "format": format,
            **({"within": within.pcode} if within is not None else {}),
        },
    )
    return data, name
