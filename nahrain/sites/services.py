"""Writes of the sites app: keyword-only, typed, one transaction each, audited.

The population rule (docs/SITES.md, "One population figure"): a site's current population is its
newest dated figure plus the arrivals minus the departures dated after that figure's day
(movements on the day of a headcount are taken to be in it). Every movement write takes the
site's row lock first, so that concurrent writes to one site apply one after another and the
rollups (the site's population, its week, its governorate's week) always equal the events' sum.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Sum

from nahrain.core.models import Organisation
from nahrain.core.services import audit_record
from nahrain.geo.models import AdminUnit
from nahrain.geo.selectors import admin_unit_ancestors
from nahrain.sites.models import (
    Allocation,
    ClosurePlan,
    Movement,
    MovementKind,
    MovementPlace,
    PopulationSource,
    ShelterCondition,
    ShelterUnit,
    Site,
    SitePopulation,
    SiteStatus,
    SiteStatusChange,
)


class SiteRuleBroken(ValidationError):
    """A write that would break a rule of the site (a population below zero, a transfer to
    itself): refused with a message for the person who made it."""


def governorate_of(unit: AdminUnit) -> AdminUnit:
    """The governorate (level 1) a unit lies in; a governorate is its own."""
    chain = admin_unit_ancestors(unit)
    if len(chain) < 2:
        raise SiteRuleBroken("A site lies in a governorate: give at least its governorate.")
    return chain[1]


def week_of(day: date) -> date:
    """The Monday that starts the (ISO) week of a day: the weeks of the CCCM weekly figures."""
    return day - timedelta(days=day.weekday())


# --- sites ------------------------------------------------------------------------------------

SITE_FIELDS = (
    "name_en",
    "name_ar",
    "name_ckb",
    "type",
    "latitude",
    "longitude",
    "location",
    "managing_agency",
    "partners",
    "opened_on",
    "capacity_plots",
    "capacity_shelters",
    "capacity_people",
    "area_m2",
)


@transaction.atomic
def site_create(
    *,
    actor: User | None,
    organisation: Organisation,
    code: str,
    name_en: str,
    type: str,
    admin_unit: AdminUnit,
    status: str = SiteStatus.OPEN,
    status_on: date | None = None,
    **attributes: Any,
) -> Site:
    """A new site of ``organisation``, with its first status in its history."""
    unknown = set(attributes) - set(SITE_FIELDS)
    if unknown:
        raise TypeError(f"site_create() got unexpected fields {sorted(unknown)}")
    site = Site(
        organisation=organisation,
        code=code.strip(),
        name_en=name_en.strip(),
        type=type,
        admin_unit=admin_unit,
        governorate=governorate_of(admin_unit),
        status=status,
        status_since=status_on,
        **attributes,
    )
    site.full_clean()
    site.save()
    SiteStatusChange.objects.create(
        site=site, status=status, on=status_on or date.today(), actor=actor
    )
    audit_record(
        actor=actor,
        action="site.create",
        object_type="site",
        object_id=site.uid,
        organisation=organisation,
    )
    return site


@transaction.atomic
def site_update(
    *, actor: User | None, site: Site, admin_unit: AdminUnit | None = None, **attributes: Any
) -> Site:
    """Change a site's profile (names, type, place, agency, capacity); not its status, which
    has a history of its own (``site_status_set``)."""
    unknown = set(attributes) - set(SITE_FIELDS)
    if unknown:
        raise TypeError(f"site_update() got unexpected fields {sorted(unknown)}")
    site = Site.objects.select_for_update().get(pk=site.pk)
    changed = sorted(k for k, v in attributes.items() if getattr(site, k) != v)
    for key, value in attributes.items():
        setattr(site, key, value)
    if admin_unit is not None and admin_unit.pk != site.admin_unit_id:
        site.admin_unit = admin_unit
        site.governorate = governorate_of(admin_unit)
        changed.append("admin_unit")
    site.full_clean()
    site.save()
    if changed:
        audit_record(
            actor=actor,
            action="site.update",
            object_type="site",
            object_id=site.uid,
            organisation=site.organisation,
            detail={"fields": changed},
        )
    return site


@transaction.atomic
def site_status_set(
    *, actor: User | None, site: Site, status: str, on: date, reason: str = ""
) -> Site:
    """Move a site to a status on a date, with its reason, kept in its history. The newest
    dated step is the site's status; a step dated before it only fills in the history."""
    if status not in SiteStatus.values:
        raise SiteRuleBroken(f"Unknown status {status!r}.")
    site = Site.objects.select_for_update().get(pk=site.pk)
    SiteStatusChange.objects.create(
        site=site, status=status, on=on, reason=reason.strip(), actor=actor
    )
    newest = site.status_changes.order_by("-on", "-at", "-pk").first()
    assert newest is not None
    site.status, site.status_since = newest.status, newest.on
    if site.status == SiteStatus.CLOSED:
        site.closed_on = site.status_since
    elif site.status in (SiteStatus.OPEN, SiteStatus.REOPENED):
        site.closed_on = None
        site.opened_on = site.opened_on or site.status_since
    site.save(update_fields=["status", "status_since", "closed_on", "opened_on", "updated_at"])
    audit_record(
        actor=actor,
        action="site.status",
        object_type="site",
        object_id=site.uid,
        organisation=site.organisation,
        detail={"status": status, "on": on.isoformat()},
    )
    return site


# --- population -------------------------------------------------------------------------------


def _population_refresh(site: Site) -> None:
    """Recompute a locked site's population from its newest figure and the movements since."""
    base = site.populations.order_by("-on", "-pk").first()
    movements = site.movements.all()
    individuals: int | None = 0
    households: int | None = 0
    if base is not None:
        movements = movements.filter(on__gt=base.on)
        individuals, households = base.individuals, base.households
    for kind, sign in ((MovementKind.ARRIVAL, 1), (MovementKind.DEPARTURE, -1)):
        sums = movements.filter(kind=kind).aggregate(i=Sum("individuals"), h=Sum("households"))
        # An unknown count stays unknown: movements are not added to a figure nobody gave.
        if individuals is not None:
            individuals += sign * (sums["i"] or 0)
        if households is not None:
            households += sign * (sums["h"] or 0)
    site.population_individuals = individuals
    site.population_households = households
    if base is not None:
        site.population_source, site.population_date = base.source, base.on
    else:
        site.population_source, site.population_date = PopulationSource.MOVEMENTS, None
    site.save(
        update_fields=[
            "population_individuals",
            "population_households",
            "population_source",
            "population_date",
            "updated_at",
        ]
    )


@transaction.atomic
def population_record(
    *,
    actor: User | None,
    site: Site,
    on: date,
    source: str,
    individuals: int | None,
    households: int | None = None,
    note: str = "",
) -> SitePopulation:
    """A dated population figure, in individuals, households or both (replacing the same
    source's figure of the same day)."""
    if source not in PopulationSource.values or source == PopulationSource.MOVEMENTS:
        raise SiteRuleBroken(f"Unknown population source {source!r}.")
    if individuals is None and households is None:
        raise SiteRuleBroken("A population figure gives individuals, households or both.")
    if (individuals or 0) < 0 or (households or 0) < 0:
        raise SiteRuleBroken("A population figure cannot be negative.")
    site = Site.objects.select_for_update().get(pk=site.pk)
    figure, _created = SitePopulation.objects.update_or_create(
        site=site,
        on=on,
        source=source,
        defaults={
            "individuals": individuals,
            "households": households,
            "note": note,
            "actor": actor,
        },
    )
    _population_refresh(site)
    if (site.population_individuals or 0) < 0 or (site.population_households or 0) < 0:
        # A late or corrected figure below the departures recorded after its day.
        raise SiteRuleBroken(
            "More people left after this figure's day than it counts: check the figure or "
            "the departures recorded since."
        )
    audit_record(
        actor=actor,
        action="site.population",
        object_type="site",
        object_id=site.uid,
        organisation=site.organisation,
        detail={"on": on.isoformat(), "source": source},
    )
    return figure


# --- movements --------------------------------------------------------------------------------

_WEEK_UPSERT = """
INSERT INTO {table} ({owner}, week, arrivals_households, arrivals_individuals,
                     departures_households, departures_individuals)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT ({owner}, week) DO UPDATE SET
    arrivals_households = {table}.arrivals_households + excluded.arrivals_households,
    arrivals_individuals = {table}.arrivals_individuals + excluded.arrivals_individuals,
    departures_households = {table}.departures_households + excluded.departures_households,
    departures_individuals = {table}.departures_individuals + excluded.departures_individuals
"""


def _weeks_add(movement: Movement, sign: int = 1) -> None:
    """Add a movement to its site's and its governorate's week (``sign`` -1 takes it out)."""
    households, individuals = sign * movement.households, sign * movement.individuals
    arriving = movement.kind == MovementKind.ARRIVAL
    values = (
        households if arriving else 0,
        individuals if arriving else 0,
        0 if arriving else households,
        0 if arriving else individuals,
    )
    week = week_of(movement.on)
    with connection.cursor() as cursor:
        cursor.execute(
            _WEEK_UPSERT.format(table="sites_siteweek", owner="site_id"),
            [movement.site_id, week, *values],
        )
        cursor.execute(
            _WEEK_UPSERT.format(table="sites_governorateweek", owner="governorate_id"),
            [movement.site.governorate_id, week, *values],
        )


def _plus(count: int | None, change: int) -> int | None:
    return None if count is None else count + change


def _movement_apply(locked: Site, movement: Movement) -> None:
    """Count a saved movement in the rollups of its (locked) site."""
    sign = 1 if movement.kind == MovementKind.ARRIVAL else -1
    if locked.population_date is None or movement.on > locked.population_date:
        # A count nobody gave (null) stays null: F() + n on NULL is NULL in SQL too.
        new_individuals = _plus(locked.population_individuals, sign * movement.individuals)
        new_households = _plus(locked.population_households, sign * movement.households)
        if (new_individuals or 0) < 0 or (new_households or 0) < 0:
            raise SiteRuleBroken(
                "More people would leave than the site holds: record its headcount first, "
                "or check the figures of this departure."
            )
        Site.objects.filter(pk=locked.pk).update(
            population_individuals=F("population_individuals") + sign * movement.individuals,
            population_households=F("population_households") + sign * movement.households,
        )
        locked.population_individuals = new_individuals
        locked.population_households = new_households
    _weeks_add(movement)


def _validated(movement: Movement) -> Movement:
    if movement.individuals < movement.households:
        raise SiteRuleBroken("A household has at least one person: individuals ≥ households.")
    if movement.other_site_id is not None and movement.other_site_id == movement.site_id:
        raise SiteRuleBroken("A site cannot send households to itself.")
    movement.full_clean(exclude=["site", "other_site", "admin_unit", "closure", "actor"])
    return movement


@transaction.atomic
def movement_record(
    *,
    actor: User | None,
    site: Site,
    kind: str,
    on: date,
    households: int,
    individuals: int,
    place: str = MovementPlace.UNKNOWN,
    other_site: Site | None = None,
    admin_unit: AdminUnit | None = None,
    reason: str = "",
    key: str | None = None,
    closure: ClosurePlan | None = None,
) -> Movement:
    """Households arriving at or leaving a site. A ``key`` (a form's instance id, a file's row)
    makes the same movement sent twice count once: the first one is returned. A departure may
    be counted against one of the site's closure plans (``closure_outcome`` compares them)."""
    if closure is not None and (closure.site_id != site.pk or kind != MovementKind.DEPARTURE):
        raise SiteRuleBroken("Only departures from the site itself count against its closure.")
    if key:
        existing = Movement.objects.filter(key=key).first()
        if existing is not None:
            return existing
    locked = Site.objects.select_for_update().get(pk=site.pk)
    if key:  # sent twice at the same moment: the second waited on the lock
        existing = Movement.objects.filter(key=key).first()
        if existing is not None:
            return existing
    # Read under the site's lock, which a cancellation takes too.
    if closure is not None and ClosurePlan.objects.get(pk=closure.pk).cancelled_on is not None:
        raise SiteRuleBroken("This closure was cancelled: departures no longer count against it.")
    movement = _validated(
        Movement(
            site=locked,
            kind=kind,
            on=on,
            households=households,
            individuals=individuals,
            place=place,
            other_site=other_site,
            admin_unit=admin_unit,
            reason=reason,
            key=key or None,
            closure=closure,
            actor=actor,
        )
    )
    movement.save()
    _movement_apply(locked, movement)
    audit_record(
        actor=actor,
        action=f"site.{kind}",
        object_type="site",
        object_id=locked.uid,
        organisation=locked.organisation,
        detail={"movement": str(movement.uid), "households": households},
    )
    return movement


def _transfer_sent(key: str | None) -> tuple[Movement, Movement] | None:
    """The transfer already recorded under ``key``, if any."""
    if not key:
        return None
    out = Movement.objects.filter(key=f"{key}:out").first()
    back = Movement.objects.filter(key=f"{key}:in").first()
    return (out, back) if out is not None and back is not None else None


@transaction.atomic
def transfer_record(
    *,
    actor: User | None,
    from_site: Site,
    to_site: Site,
    on: date,
    households: int,
    individuals: int,
    reason: str = "",
    key: str | None = None,
) -> tuple[Movement, Movement]:
    """Households moving from one site to another: a departure and an arrival sharing one
    transfer id, written together. Both sites are locked in a fixed order (by id), so that two
    transfers between the same pair in opposite directions cannot deadlock."""
    if from_site.pk == to_site.pk:
        raise SiteRuleBroken("A site cannot send households to itself.")
    sent = _transfer_sent(key)
    if sent is not None:
        return sent
    locked = {
        s.pk: s
        for s in Site.objects.select_for_update()
        .filter(pk__in=[from_site.pk, to_site.pk])
        .order_by("pk")
    }
    sent = _transfer_sent(key)  # sent twice at the same moment: the second waited on the locks
    if sent is not None:
        return sent
    transfer = uuid.uuid4()
    moves = []
    for kind, site, other, suffix in (
        (MovementKind.DEPARTURE, locked[from_site.pk], locked[to_site.pk], "out"),
        (MovementKind.ARRIVAL, locked[to_site.pk], locked[from_site.pk], "in"),
    ):
        movement = _validated(
            Movement(
                site=site,
                kind=kind,
                on=on,
                households=households,
                individuals=individuals,
                place=MovementPlace.ANOTHER_SITE,
                other_site=other,
                reason=reason,
                transfer=transfer,
                key=f"{key}:{suffix}" if key else None,
                actor=actor,
            )
        )
        movement.save()
        moves.append(movement)
    # The governorates' weeks are shared by every site of a governorate, so they are taken in
    # one order (by governorate): otherwise a transfer from Duhok to Ninewa and one from Ninewa
    # to Duhok between two other sites each hold one week row and wait on the other's.
    for movement in sorted(moves, key=lambda m: (m.site.governorate_id, m.site_id)):
        _movement_apply(locked[movement.site_id], movement)
    audit_record(
        actor=actor,
        action="site.transfer",
        object_type="site",
        object_id=from_site.uid,
        organisation=from_site.organisation,
        detail={"to": str(to_site.uid), "transfer": str(transfer), "households": households},
    )
    return moves[0], moves[1]


# --- shelters, movements, closures --------------------------------------------------------------

# A block is created in one go ("block B, tents 1-120"); beyond this it is a typing slip.
UNITS_AT_ONCE = 2000
ENDED_BY = ("departure", "transfer", "closure")


def _units_refresh(locked: Site) -> None:
    """Recount a locked site's units, occupied and unusable (destroyed) units from its units:
    counted, not incremented, so that the figures cannot drift from the rows."""
    units = ShelterUnit.objects.filter(site=locked)
    locked.units_total = units.count()
    locked.units_occupied = units.filter(occupied=True).count()
    locked.units_unusable = units.filter(condition=ShelterCondition.DESTROYED).count()
    locked.save(update_fields=["units_total", "units_occupied", "units_unusable", "updated_at"])


def _unit_audit(actor: User | None, site: Site, action: str, detail: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        action=f"site.{action}",
        object_type="site",
        object_id=site.uid,
        organisation=site.organisation,
        detail=detail,
    )


@transaction.atomic
def units_create(
    *,
    actor: User | None,
    site: Site,
    kind: str,
    codes: list[str],
    block: str = "",
    condition: str = ShelterCondition.GOOD,
    accessible: bool = False,
    covered_m2: float | None = None,
) -> list[ShelterUnit]:
    """Shelter units of one kind in one block of a site (one code, or a block's whole run:
    ``unit_codes(1, 120)``). A code the block already has is refused, naming it."""
    if not codes:
        raise SiteRuleBroken("Give at least one unit.")
    if len(codes) > UNITS_AT_ONCE:
        raise SiteRuleBroken(f"At most {UNITS_AT_ONCE} units at once.")
    locked = Site.objects.select_for_update().get(pk=site.pk)
    block = block.strip()
    codes = [c.strip() for c in codes]
    taken = sorted(
        ShelterUnit.objects.filter(site=locked, block=block, code__in=codes).values_list(
            "code", flat=True
        )
    )
    if len(set(codes)) != len(codes):
        raise SiteRuleBroken("A unit is given twice.")
    if taken:
        raise SiteRuleBroken(f"Block {block!r} already has units {', '.join(taken)}.")
    units = [
        ShelterUnit(
            site=locked,
            block=block,
            code=code,
            kind=kind,
            condition=condition,
            accessible=accessible,
            covered_m2=covered_m2,
        )
        for code in codes
    ]
    for unit in units:
        unit.full_clean(exclude=["site"], validate_unique=False, validate_constraints=False)
    ShelterUnit.objects.bulk_create(units)
    _units_refresh(locked)
    _unit_audit(actor, locked, "units", {"block": block, "kind": kind, "units": len(units)})
    return units


def unit_codes(first: int, last: int, prefix: str = "") -> list[str]:
    """The codes of a run of units, "tents 1-120": ``prefix`` + each number."""
    if first < 0 or last < first:
        raise SiteRuleBroken("The last unit number comes after the first.")
    if last - first + 1 > UNITS_AT_ONCE:
        raise SiteRuleBroken(f"At most {UNITS_AT_ONCE} units at once.")
    return [f"{prefix}{n}" for n in range(first, last + 1)]


@transaction.atomic
def unit_update(
    *,
    actor: User | None,
    unit: ShelterUnit,
    condition: str | None = None,
    accessible: bool | None = None,
    covered_m2: float | None = None,
) -> ShelterUnit:
    """A unit's condition (good, damaged, destroyed), accessibility or covered area. A destroyed
    unit still lived in stays allocated: the household is moved or leaves, it is not evicted by
    a change of condition."""
    locked = Site.objects.select_for_update().get(pk=unit.site_id)
    unit = ShelterUnit.objects.get(pk=unit.pk)
    if condition is not None:
        unit.condition = condition
    if accessible is not None:
        unit.accessible = accessible
    if covered_m2 is not None:
        unit.covered_m2 = covered_m2
    unit.full_clean(exclude=["site"], validate_constraints=False)
    unit.save()
    _units_refresh(locked)
    _unit_audit(actor, locked, "unit", {"unit": str(unit.uid), "condition": unit.condition})
    return unit


def _allocate(
    actor: User | None,
    locked: Site,
    unit: ShelterUnit,
    start: date,
    individuals: int,
    household: str,
) -> Allocation:
    """Allocate a unit of a locked site: the site's lock serialises every allocation in it, so
    the open-allocation check cannot race (the unique constraint backs it)."""
    unit = ShelterUnit.objects.get(pk=unit.pk)
    if unit.site_id != locked.pk:
        raise SiteRuleBroken("Households move between units of one site: record a transfer.")
    if unit.occupied or unit.allocations.filter(end__isnull=True).exists():
        raise SiteRuleBroken(f"Unit {unit} is occupied: vacate it first.")
    if unit.condition == ShelterCondition.DESTROYED:
        raise SiteRuleBroken(f"Unit {unit} is destroyed.")
    if individuals < 1:
        raise SiteRuleBroken("A household has at least one person.")
    allocation = Allocation(
        unit=unit, household=household.strip(), individuals=individuals, start=start, actor=actor
    )
    allocation.full_clean(exclude=["unit", "actor"], validate_constraints=False)
    allocation.save()
    ShelterUnit.objects.filter(pk=unit.pk).update(occupied=True)
    return allocation


def _vacate(allocation: Allocation, end: date, ended_by: str) -> None:
    if allocation.end is not None:
        raise SiteRuleBroken("This household has already left the unit.")
    if end < allocation.start:
        raise SiteRuleBroken("A household leaves a unit after it moved in.")
    if ended_by not in ENDED_BY:
        raise SiteRuleBroken(f"Unknown reason for leaving {ended_by!r}.")
    allocation.end, allocation.ended_by = end, ended_by
    allocation.save(update_fields=["end", "ended_by"])
    ShelterUnit.objects.filter(pk=allocation.unit_id).update(occupied=False)


@transaction.atomic
def allocation_create(
    *,
    actor: User | None,
    unit: ShelterUnit,
    start: date,
    individuals: int,
    household: str = "",
) -> Allocation:
    """A household moving into a unit on a date. ``household`` is the site's own registration
    number, optional: a site run on counts alone allocates without one."""
    locked = Site.objects.select_for_update().get(pk=unit.site_id)
    allocation = _allocate(actor, locked, unit, start, individuals, household)
    _units_refresh(locked)
    _unit_audit(actor, locked, "allocate", {"allocation": str(allocation.uid)})
    return allocation


@transaction.atomic
def allocation_end(
    *, actor: User | None, allocation: Allocation, end: date, ended_by: str
) -> Allocation:
    """A household leaving its unit on a date, and why (departure, closure). The site's
    population is moved by the departure's movement, not by this: occupancy and headcount are
    kept apart, as sites run on counts alone have movements but no allocations."""
    locked = Site.objects.select_for_update().get(pk=allocation.unit.site_id)
    allocation = Allocation.objects.select_related("unit").get(pk=allocation.pk)
    _vacate(allocation, end, ended_by)
    _units_refresh(locked)
    _unit_audit(actor, locked, "vacate", {"allocation": str(allocation.uid), "by": ended_by})
    return allocation


@transaction.atomic
def allocation_transfer(
    *, actor: User | None, allocation: Allocation, to_unit: ShelterUnit, on: date
) -> Allocation:
    """A household moving to another unit of the same site on a date: its allocation ends
    ("transfer") and a new one starts, with the same household number and size."""
    locked = Site.objects.select_for_update().get(pk=allocation.unit.site_id)
    allocation = Allocation.objects.select_related("unit").get(pk=allocation.pk)
    if to_unit.pk == allocation.unit_id:
        raise SiteRuleBroken("The household already lives in this unit.")
    _vacate(allocation, on, "transfer")
    moved = _allocate(actor, locked, to_unit, on, allocation.individuals, allocation.household)
    _units_refresh(locked)
    _unit_audit(actor, locked, "unit_transfer", {"from": str(allocation.uid), "to": str(moved.uid)})
    return moved


@transaction.atomic
def closure_create(
    *,
    actor: User | None,
    site: Site,
    announced_on: date,
    planned_on: date,
    households: int,
    intentions: dict[str, int] | None = None,
    note: str = "",
) -> ClosurePlan:
    """A closure plan: announced on a date, planned for a date, the households to move and
    their stated intentions by destination (households per ``MovementPlace`` code)."""
    intentions = {k: v for k, v in (intentions or {}).items() if v}
    unknown = set(intentions) - set(MovementPlace.values)
    if unknown:
        raise SiteRuleBroken(f"Unknown destinations {sorted(unknown)}.")
    if any(v < 0 for v in intentions.values()) or households < 0:
        raise SiteRuleBroken("Households cannot be negative.")
    if sum(intentions.values()) > households:
        raise SiteRuleBroken("More stated intentions than households to move.")
    if planned_on < announced_on:
        raise SiteRuleBroken("A closure is planned after it is announced.")
    locked = Site.objects.select_for_update().get(pk=site.pk)
    closure = ClosurePlan(
        site=locked,
        announced_on=announced_on,
        planned_on=planned_on,
        households=households,
        intentions=intentions,
        note=note.strip(),
        actor=actor,
    )
    closure.full_clean(exclude=["site", "actor"])
    closure.save()
    _unit_audit(actor, locked, "closure", {"closure": str(closure.uid), "on": str(planned_on)})
    return closure


@transaction.atomic
def closure_cancel(*, actor: User | None, closure: ClosurePlan, on: date) -> ClosurePlan:
    """Cancel a closure plan; the departures counted against it stay, and stay linked."""
    Site.objects.select_for_update().get(pk=closure.site_id)
    closure = ClosurePlan.objects.select_related("site__organisation").get(pk=closure.pk)
    if closure.cancelled_on is not None:
        raise SiteRuleBroken("This closure is already cancelled.")
    closure.cancelled_on = on
    closure.save(update_fields=["cancelled_on"])
    _unit_audit(actor, closure.site, "closure_cancel", {"closure": str(closure.uid)})
    return closure
