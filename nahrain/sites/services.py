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
from django.db.models import F, Q, Sum
from django.utils.translation import gettext_lazy as _

from nahrain.core.models import Organisation
from nahrain.core.services import audit_record
from nahrain.geo.models import AdminUnit
from nahrain.geo.selectors import admin_unit_ancestors
from nahrain.sites.codelists import rasp_formula
from nahrain.sites.models import (
    Allocation,
    ClosurePlan,
    GapStatus,
    GapUpdate,
    Indicator,
    MonitoringRound,
    MonitoringValue,
    Movement,
    MovementKind,
    MovementPlace,
    PopulationSource,
    Rating,
    RiskAssessment,
    Sector,
    ServiceGap,
    ShelterCondition,
    ShelterUnit,
    Site,
    SitePopulation,
    SiteStatus,
    SiteStatusChange,
    SiteType,
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


def reconciliation_export(*, actor: User | None, report: Any) -> tuple[bytes, str]:
    """The reconciliation of sites with a DTM round as a CSV file (formula cells neutralised),
    audited like every export."""
    from nahrain.sites.exports import table_file
    from nahrain.sites.selectors import RECONCILIATION_COLUMNS, reconciliation_rows

    rows = reconciliation_rows(report)
    data = table_file(rows, [(name, "") for name in RECONCILIATION_COLUMNS], "csv")
    assessment_round = report.assessment_round
    audit_record(
        actor=actor,
        action="sites.reconciliation_export",
        object_type="round",
        object_id=assessment_round.uid,
        organisation=assessment_round.organisation,
        detail={"sites": len(rows)},
    )
    return data, f"sites-dtm-round{assessment_round.number}-reconciliation.csv"


def households_read(*, actor: User, site: Site, households: int) -> None:
    """Record that the households of a site (their registration numbers: personal data) were
    shown to someone: every read of a personal record is audited (DESIGN.md, section 6)."""
    audit_record(
        actor=actor,
        action="site.households.read",
        object_type="site",
        object_id=site.uid,
        organisation=site.organisation,
        detail={"households": households},
    )


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


def _keyed(key: str, site: Site) -> Movement | None:
    """The movement already recorded under a key; a key used for another site is refused
    rather than answered with that site's movement (the caller's would be lost unseen)."""
    existing = Movement.objects.filter(key=key).first()
    if existing is not None and existing.site_id != site.pk:
        raise SiteRuleBroken("This key was already used for a movement of another site.")
    return existing


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
        existing = _keyed(key, site)
        if existing is not None:
            return existing
    locked = Site.objects.select_for_update().get(pk=site.pk)
    if key:  # sent twice at the same moment: the second waited on the lock
        existing = _keyed(key, site)
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


# --- exports ----------------------------------------------------------------------------------


def site_export(*, actor: User | None, format: str) -> tuple[bytes, str]:
    """The site table as a file (every site's public profile the actor reads; the operator on
    the command line, ``None``, reads them all), audited: a list of every camp leaves the
    system with each download, and that is on record."""
    from nahrain.sites.exports import EXTENSIONS, SITE_COLUMNS, table_file
    from nahrain.sites.selectors import site_export_rows

    rows = site_export_rows(user=actor)
    data = table_file(rows, SITE_COLUMNS, format)
    audit_record(
        actor=actor,
        action="sites.export",
        object_type="site",
        object_id="",
        detail={"format": format, "sites": len(rows)},
    )
    return (
        data,
        f"sites-{date.today():%Y%m%d}{'-hxl' if format == 'hxl' else ''}.{EXTENSIONS[format]}",
    )


# --- monitoring, gaps, risk ----------------------------------------------------------------------

# The raw counts of a monitoring round (the cluster's site monitoring tool), as the form, the
# page and the API take them: "count" and "m2"/"litres" are numbers ≥ 0, "yesno" is 1 or 0.
RAW_FIELDS: tuple[tuple[str, str, Any], ...] = (
    ("water_litres_per_day", "litres", _("Water delivered to the site per day (litres)")),
    ("latrines_female", "count", _("Functioning latrines for women")),
    ("latrines_male", "count", _("Functioning latrines for men")),
    ("showers", "count", _("Functioning showers")),
    ("taps", "count", _("Functioning taps")),
    ("covered_m2", "m2", _("Covered living space, all shelters (m²)")),
    ("site_area_m2", "m2", _("Site area (m²)")),
    ("tents", "count", _("Tents")),
    ("tents_to_replace", "count", _("Tents needing replacement")),
    ("lights", "count", _("Communal lights")),
    ("lights_working", "count", _("Communal lights working")),
    ("safe_spaces", "count", _("Safe spaces for women and girls")),
    ("fire_breaks", "yesno", _("Fire breaks in place")),
    ("complaints_mechanism", "yesno", _("Complaints and feedback mechanism in place")),
    ("health_facility_within_reach", "yesno", _("Primary health care within one hour's walk")),
    ("children_school_age", "count", _("School-age children")),
    ("children_attending_school", "count", _("Children attending school")),
)
RAW_KINDS = {key: kind for key, kind, _label in RAW_FIELDS}


def _per(numerator: float | None, denominator: float | None, scale: float = 1) -> float | None:
    """numerator / denominator (times scale); None when either is unknown or nothing divides.

    A per-facility ratio with no facility (people per latrine with none working) is infinite,
    which every threshold rates red: it is never hidden as "not computed"."""
    if numerator is None or denominator is None:
        return None
    if denominator == 0:
        return float("inf") if numerator > 0 else None
    return scale * numerator / denominator


def _sum(*values: float | None) -> float | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def indicator_values(raw: dict[str, float], population: int | None) -> dict[str, float]:
    """Each indicator's value computed from a round's raw counts and the site population used
    (data/monitoring.json documents each as ``computed_as``); indicators whose counts were not
    given are left out, not guessed."""
    get = raw.get
    pop = float(population) if population else None
    latrines = _sum(get("latrines_female"), get("latrines_male"))
    safe_spaces = get("safe_spaces")
    values = {
        "water_lpd": _per(get("water_litres_per_day"), pop),
        "people_per_latrine": _per(pop, latrines),
        "female_latrine_share": _per(get("latrines_female"), latrines, 100),
        "people_per_tap": _per(pop, get("taps")),
        "people_per_shower": _per(pop, get("showers")),
        "covered_m2_pp": _per(get("covered_m2"), pop),
        "tents_replace_share": _per(get("tents_to_replace"), get("tents"), 100),
        "site_m2_pp": _per(get("site_area_m2"), pop),
        "fire_breaks": get("fire_breaks"),
        "lights_working_share": _per(get("lights_working"), get("lights"), 100),
        "complaints_mechanism": get("complaints_mechanism"),
        "safe_space": None if safe_spaces is None else float(safe_spaces > 0),
        "health_access": get("health_facility_within_reach"),
        "school_attendance": _per(
            get("children_attending_school"), get("children_school_age"), 100
        ),
    }
    return {code: float(v) for code, v in values.items() if v is not None}


def rate(indicator: Indicator, value: float) -> str:
    """Green when the value is as good as the green threshold or better, red when it is worse
    than the red one, amber in between; a yes/no indicator is green for yes and red for no."""
    if indicator.better == "yes":
        return Rating.GREEN if value >= (indicator.green or 1) else Rating.RED
    if indicator.green is None and indicator.red is None:
        return Rating.UNRATED
    higher = indicator.better == "higher"
    if indicator.green is not None and (
        value >= indicator.green if higher else value <= indicator.green
    ):
        return Rating.GREEN
    if indicator.red is not None and (value < indicator.red if higher else value > indicator.red):
        return Rating.RED
    return Rating.AMBER


def indicators_in_force(on: date) -> dict[str, Indicator]:
    """The version of each indicator valid on a day (``valid_to`` is the first day it no longer
    applies)."""
    found: dict[str, Indicator] = {}
    for indicator in (
        Indicator.objects.select_related("sector")
        .filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .order_by("code", "-valid_from")
    ):
        found.setdefault(indicator.code, indicator)
    return found


def _raw_cleaned(raw: dict[str, Any]) -> dict[str, float]:
    unknown = set(raw) - set(RAW_KINDS)
    if unknown:
        raise SiteRuleBroken(f"Unknown monitoring counts: {', '.join(sorted(unknown))}.")
    cleaned: dict[str, float] = {}
    for key, value in raw.items():
        if value is None or value == "":
            continue
        if RAW_KINDS[key] == "yesno":
            value = 1.0 if value in (True, 1, "1", "yes", "true") else 0.0
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise SiteRuleBroken(f"{key}: a number is expected.") from None
        if number < 0 or number != number:  # NaN is not a count either
            raise SiteRuleBroken(f"{key}: a count cannot be negative.")
        cleaned[key] = number
    for part, whole in (
        ("tents_to_replace", "tents"),
        ("lights_working", "lights"),
        ("children_attending_school", "children_school_age"),
    ):
        if part in cleaned and whole in cleaned and cleaned[part] > cleaned[whole]:
            raise SiteRuleBroken(f"{part} cannot be more than {whole}.")
    return cleaned


@transaction.atomic
def monitoring_record(
    *,
    actor: User | None,
    site: Site,
    on: date,
    raw: dict[str, Any],
    population: int | None = None,
    key: str | None = None,
) -> MonitoringRound:
    """A monitoring round: its raw counts, each indicator computed against the site population
    (``population`` when the team counted it, else the site's current figure; the one used is
    stored) and rated with the indicator version valid on the round's day. A ``key`` (a form's
    instance id) makes a round sent twice count once."""
    if key:
        existing = MonitoringRound.objects.filter(key=key).first()
        if existing is not None:
            return existing
    locked = Site.objects.select_for_update().get(pk=site.pk)
    if key:  # sent twice at the same moment: the second waited on the lock
        existing = MonitoringRound.objects.filter(key=key).first()
        if existing is not None:
            return existing
    if population is not None and population < 0:
        raise SiteRuleBroken("A population cannot be negative.")
    counts = _raw_cleaned(raw)
    if "site_area_m2" not in counts and locked.area_m2:
        counts["site_area_m2"] = float(locked.area_m2)  # kept, so the ratio can be recomputed
    used = population if population is not None else locked.population_individuals
    monitoring = MonitoringRound(
        site=locked, on=on, raw=counts, population=used, key=key or None, actor=actor
    )
    monitoring.full_clean(exclude=["site", "actor"])
    monitoring.save()
    in_force = indicators_in_force(on)
    tally = {Rating.GREEN: 0, Rating.AMBER: 0, Rating.RED: 0, Rating.UNRATED: 0}
    values = []
    for code, value in indicator_values(counts, used).items():
        indicator = in_force.get(code)
        if indicator is None:  # no version of it in force on that day
            continue
        rating = rate(indicator, value)
        tally[Rating(rating)] += 1
        values.append(
            MonitoringValue(round=monitoring, indicator=indicator, value=value, rating=rating)
        )
    MonitoringValue.objects.bulk_create(values)
    monitoring.red, monitoring.amber = tally[Rating.RED], tally[Rating.AMBER]
    monitoring.green = tally[Rating.GREEN]
    monitoring.save(update_fields=["red", "amber", "green"])
    audit_record(
        actor=actor,
        action="site.monitoring",
        object_type="site",
        object_id=locked.uid,
        organisation=locked.organisation,
        detail={"round": str(monitoring.uid), "red": monitoring.red},
    )
    return monitoring


def _open_gaps_refresh(locked: Site) -> None:
    """Site.open_gaps: the gaps not closed yet (open, or taken on by a partner)."""
    locked.open_gaps = locked.gaps.exclude(status=GapStatus.CLOSED).count()
    locked.save(update_fields=["open_gaps", "updated_at"])


@transaction.atomic
def gap_raise(
    *,
    actor: User | None,
    site: Site,
    sector: Sector,
    description: str,
    raised_on: date,
    partner: str = "",
    due_on: date | None = None,
    monitoring_value: MonitoringValue | None = None,
) -> ServiceGap:
    """A service gap at a site, by hand or from a monitoring value (its round and indicator are
    kept, so that the gap links back to the figure that showed it)."""
    if not description.strip():
        raise SiteRuleBroken("Describe the gap.")
    if due_on is not None and due_on < raised_on:
        raise SiteRuleBroken("The due date cannot be before the day the gap was raised.")
    locked = Site.objects.select_for_update().get(pk=site.pk)
    if monitoring_value is not None and monitoring_value.round.site_id != locked.pk:
        raise SiteRuleBroken("That monitoring figure is of another site.")
    partner = partner.strip()
    gap = ServiceGap(
        site=locked,
        sector=sector,
        description=description.strip(),
        raised_on=raised_on,
        partner=partner,
        due_on=due_on,
        # Raised with a partner already named, the gap is taken on from the start.
        status=GapStatus.TAKEN if partner else GapStatus.OPEN,
        monitoring_round=monitoring_value.round if monitoring_value else None,
        indicator=monitoring_value.indicator if monitoring_value else None,
        actor=actor,
    )
    gap.full_clean(exclude=["site", "sector", "monitoring_round", "indicator", "actor"])
    gap.save()
    GapUpdate.objects.create(gap=gap, on=raised_on, status=gap.status, note="", actor=actor)
    _open_gaps_refresh(locked)
    audit_record(
        actor=actor,
        action="site.gap",
        object_type="site",
        object_id=locked.uid,
        organisation=locked.organisation,
        detail={"gap": str(gap.uid), "sector": sector.code},
    )
    return gap


@transaction.atomic
def gap_update(
    *,
    actor: User | None,
    gap: ServiceGap,
    on: date,
    status: str,
    note: str = "",
    partner: str | None = None,
    due_on: date | None = None,
) -> GapUpdate:
    """A follow-up on a gap: a note, and the status it leaves (open, taken on by a partner,
    closed; a closed gap may be reopened). Taking a gap on needs the partner that does."""
    if status not in GapStatus.values:
        raise SiteRuleBroken(f"Unknown status {status!r}.")
    locked = Site.objects.select_for_update().get(pk=gap.site_id)
    gap = ServiceGap.objects.select_for_update().get(pk=gap.pk)
    if on < gap.raised_on:
        raise SiteRuleBroken("A follow-up cannot be dated before the gap was raised.")
    if partner is not None:
        gap.partner = partner.strip()
    if due_on is not None:
        if due_on < gap.raised_on:
            raise SiteRuleBroken("The due date cannot be before the day the gap was raised.")
        gap.due_on = due_on
    if status == GapStatus.TAKEN and not gap.partner:
        raise SiteRuleBroken("Name the partner that took the gap on.")
    gap.status = status
    gap.closed_on = on if status == GapStatus.CLOSED else None
    gap.save(update_fields=["partner", "due_on", "status", "closed_on"])
    update = GapUpdate.objects.create(gap=gap, on=on, status=status, note=note.strip(), actor=actor)
    _open_gaps_refresh(locked)
    audit_record(
        actor=actor,
        action="site.gap_update",
        object_type="site",
        object_id=locked.uid,
        organisation=locked.organisation,
        detail={"gap": str(gap.uid), "status": status},
    )
    return update


INFORMAL_TYPES = (SiteType.INFORMAL_SETTLEMENT, SiteType.COLLECTIVE_CENTRE)


def _criterion_score(criterion: dict[str, Any], answer: Any) -> float:
    code, scale = criterion["code"], criterion["scale"]
    if scale == "choice":
        if not isinstance(answer, str) or answer not in criterion["choices"]:
            raise SiteRuleBroken(f"{code}: one of {', '.join(criterion['choices'])}.")
        return float(criterion["choices"][answer])
    try:
        number = float(answer)
    except (TypeError, ValueError):
        raise SiteRuleBroken(f"{code}: a number is expected.") from None
    if scale == "share":
        if not 0 <= number <= 100:
            raise SiteRuleBroken(f"{code}: a percentage from 0 to 100.")
        return number / 100
    if number < 0:
        raise SiteRuleBroken(f"{code}: a count cannot be negative.")
    reached = [band["score"] for band in criterion["bands"] if number >= band["from"]]
    return float(reached[-1])


def risk_score(answers: dict[str, Any], formula: dict[str, Any]) -> float:
    """The score of a set of answers, 0 to 100: each criterion's 0 to 1 score times its weight, over
    the weights' sum (100 in data/rasp.json), rounded to one decimal."""
    criteria = formula["criteria"]
    missing = [c["code"] for c in criteria if answers.get(c["code"]) in (None, "")]
    if missing:
        raise SiteRuleBroken(f"Answer every criterion: {', '.join(missing)} missing.")
    unknown = set(answers) - {c["code"] for c in criteria}
    if unknown:
        raise SiteRuleBroken(f"Unknown criteria: {', '.join(sorted(unknown))}.")
    weights = sum(c["weight"] for c in criteria)
    total = sum(c["weight"] * _criterion_score(c, answers[c["code"]]) for c in criteria)
    return float(round(100 * total / weights, 1))


@transaction.atomic
def risk_assess(
    *,
    actor: User | None,
    site: Site,
    on: date,
    answers: dict[str, Any],
    key: str | None = None,
) -> RiskAssessment:
    """A RASP-style assessment of an informal site: the answers, the score and the version of
    the formula (data/rasp.json) that gave it. A ``key`` makes a form sent twice count once."""
    if key:
        existing = RiskAssessment.objects.filter(key=key).first()
        if existing is not None:
            return existing
    site = Site.objects.select_for_update().get(pk=site.pk)
    if key:  # sent twice at the same moment: the second waited on the lock
        existing = RiskAssessment.objects.filter(key=key).first()
        if existing is not None:
            return existing
    if site.type not in INFORMAL_TYPES:
        raise SiteRuleBroken("Risk is assessed for informal settlements and collective centres.")
    formula = rasp_formula()
    score = risk_score(answers, formula)
    assessment = RiskAssessment.objects.create(
        site=site,
        on=on,
        answers=answers,
        score=score,
        formula=formula["version"],
        key=key or None,
        actor=actor,
    )
    audit_record(
        actor=actor,
        action="site.risk",
        object_type="site",
        object_id=site.uid,
        organisation=site.organisation,
        detail={"assessment": str(assessment.uid), "score": score},
    )
    return assessment


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
