"""The sites benchmark's world: N sites, their households in shelter units, ten years of weekly
arrivals and departures, loaded set-based, against a raw write of the very same final rows.

Imported only after ``django.setup()``.

The world (deterministic by seed):

- sites spread over the gazetteer's districts (log-normal weights), mostly camps, some informal
  settlements and collective centres; one in twenty closed during the history, empty since;
- every site's households now (together the ``households`` asked for) live in shelter units,
  one open ``Allocation`` a household, with a tenth of the units vacant: the site's households
  count, its occupied units and its open allocations are the same number;
- one registration figure a site, the day before the first week, and weekly arrivals and
  departures since (drawn backwards from today's households, so that no week leaves a site
  below zero): the figure plus the movements is the site's population, as the services keep it;
- ``SiteWeek`` and ``GovernorateWeek`` hold the sums of those movements, nothing else.

Two ways to write it, each timed in one transaction, commit included:

- ``load``: the set-based path the app would take for volume: COPY (executemany on SQLite) of
  the events (sites, status, figures, units, allocations, movements), then the rollups derived
  in SQL from them (weeks, governorate weeks, each site's population and units);
- ``raw_write``: COPY of every final row, the rollups computed beforehand in Python.

``digest`` summarises what is stored, so that both can be shown to have written the same rows,
and ``problems`` checks the rollups against the events.
"""

from __future__ import annotations

import gc
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection, transaction

from bench.loads import _insert
from nahrain.core.models import Organisation
from nahrain.geo.models import AdminUnit
from nahrain.sites.models import (
    Allocation,
    GovernorateWeek,
    Movement,
    MovementKind,
    MovementPlace,
    PopulationSource,
    ShelterUnit,
    Site,
    SitePopulation,
    SiteStatus,
    SiteStatusChange,
    SiteType,
    SiteWeek,
)

# The last week of the history (a Monday), fixed so that a seed always gives the same world.
LAST_WEEK = date(2026, 11, 23)
STAMP = datetime(2026, 11, 30, tzinfo=UTC)
CLOSED_SHARE = 0.05
VACANT_SHARE = 0.1
TYPES = (
    (SiteType.CAMP, 0.7),
    (SiteType.INFORMAL_SETTLEMENT, 0.2),
    (SiteType.COLLECTIVE_CENTRE, 0.1),
)
DEPARTURE_PLACES = (
    (MovementPlace.AREA_OF_ORIGIN, 0.6),
    (MovementPlace.OUT_OF_CAMP, 0.25),
    (MovementPlace.UNKNOWN, 0.15),
)
ARRIVAL_PLACES = ((MovementPlace.OUT_OF_CAMP, 0.5), (MovementPlace.UNKNOWN, 0.5))

SITE = Site._meta.db_table
STATUS = SiteStatusChange._meta.db_table
FIGURE = SitePopulation._meta.db_table
UNIT = ShelterUnit._meta.db_table
ALLOCATION = Allocation._meta.db_table
MOVEMENT = Movement._meta.db_table
SITE_WEEK = SiteWeek._meta.db_table
GOVERNORATE_WEEK = GovernorateWeek._meta.db_table
# Children first: the order tables are emptied in.
TABLES = (GOVERNORATE_WEEK, SITE_WEEK, MOVEMENT, ALLOCATION, UNIT, FIGURE, STATUS, SITE)


def _columns(names: str) -> tuple[str, ...]:
    """Column names quoted ("on" and "end" are reserved words in SQL)."""
    return tuple(f'"{name}"' for name in names.split())


SITE_COLUMNS = _columns(
    "id uid organisation_id code name_en name_ar name_ckb type admin_unit_id governorate_id "
    "latitude longitude managing_agency partners status status_since opened_on closed_on "
    "capacity_people population_individuals population_households population_source "
    "population_date units_total units_occupied units_unusable open_gaps created_at updated_at "
    "counts_by_registration"
)
STATUS_COLUMNS = _columns("id site_id status on reason at")
FIGURE_COLUMNS = _columns("id site_id on source individuals households note at")
UNIT_COLUMNS = _columns("id uid site_id block code kind condition accessible occupied")
ALLOCATION_COLUMNS = _columns("id uid unit_id household individuals start end ended_by at")
MOVEMENT_COLUMNS = _columns("id uid site_id kind on households individuals place reason at")
WEEK_VALUES = (
    "arrivals_households",
    "arrivals_individuals",
    "departures_households",
    "departures_individuals",
)
SITE_WEEK_COLUMNS = ("site_id", "week", *WEEK_VALUES)
ON, M_ON = '"on"', 'm."on"'  # a reserved word in SQL: quoted
GOVERNORATE_WEEK_COLUMNS = ("governorate_id", "week", *WEEK_VALUES)


@dataclass(frozen=True)
class District:
    id: int
    governorate_id: int
    pcode: str
    latitude: float
    longitude: float


@dataclass
class SiteSpec:
    """One site: where, what, its figure and its households now; its weeks' movements."""

    id: int
    code: str
    type: str
    district: District
    latitude: float
    longitude: float
    household_size: int
    households: int  # now (0 once closed)
    closed_week: int | None  # index of the week it closed in
    base_households: int = 0  # the registration figure, the day before the first week
    # (week index, kind, day offset, households, place)
    movements: list[tuple[int, str, int, int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SitesWorld:
    seed: int
    weeks: list[date]
    sites: list[SiteSpec]

    @property
    def figure_on(self) -> date:
        return self.weeks[0] - timedelta(days=1)

    def movement_count(self) -> int:
        return sum(len(s.movements) for s in self.sites)

    def households(self) -> int:
        return sum(s.households for s in self.sites)


def districts() -> list[District]:
    """The gazetteer's districts with their governorate and label point."""
    found = []
    for unit in AdminUnit.objects.filter(level=2).order_by("pcode"):
        if unit.parent_id is not None and unit.lat is not None and unit.lon is not None:
            found.append(District(unit.pk, unit.parent_id, unit.pcode, unit.lat, unit.lon))
    return found


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _split(total: int, weights: list[float]) -> list[int]:
    """``total`` over the weights, adding up exactly (largest remainders)."""
    scale = total / sum(weights)
    shares = [w * scale for w in weights]
    parts = [int(s) for s in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: parts[i] - shares[i])
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def world(
    *, seed: int, sites: int, households: int, weeks: int, districts: list[District]
) -> SitesWorld:
    """The sites and their movements, drawn backwards from today's households: in each week
    (latest first) the site held ``h`` households at its end, so it held ``h - arrivals +
    departures`` at its start; arrivals are at most ``h``, so no week starts below zero."""
    rng = random.Random(f"{seed}:sites")
    week_days = [LAST_WEEK - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    chosen = rng.choices(districts, weights=[rng.lognormvariate(0, 1) for _ in districts], k=sites)
    weights = [rng.lognormvariate(0, 1) for _ in range(sites)]
    closed = [rng.random() < CLOSED_SHARE for _ in range(sites)]
    now = _split(households, [0.0 if c else w for c, w in zip(closed, weights, strict=True)])
    typical = households / max(1, sites - sum(closed))
    specs = []
    for index, district in enumerate(chosen):
        size = rng.randint(4, 7)
        spec = SiteSpec(
            id=index + 1,
            code=f"B{index + 1:05d}",
            type=_pick(rng, TYPES),
            district=district,
            latitude=round(district.latitude + rng.uniform(-0.1, 0.1), 5),
            longitude=round(district.longitude + rng.uniform(-0.1, 0.1), 5),
            household_size=size,
            households=now[index],
            closed_week=rng.randrange(weeks // 5, weeks) if closed[index] else None,
        )
        # About 2 % of a site's households move a week each way, the same scale once closed.
        scale = 1 + int(0.02 * (now[index] if not closed[index] else typical * weights[index]))
        h = now[index]
        last = weeks - 1 if spec.closed_week is None else spec.closed_week
        for week in range(last, -1, -1):
            arriving = min(h, rng.randint(1, scale)) if rng.random() < 0.55 else 0
            leaving = rng.randint(1, scale) if rng.random() < 0.6 else 0
            if week == spec.closed_week and h == 0 and not leaving:
                leaving = rng.randint(1, scale)  # the last households leave on closing
            if arriving:
                place = _pick(rng, ARRIVAL_PLACES)
                spec.movements.append(
                    (week, MovementKind.ARRIVAL, rng.randrange(7), arriving, place)
                )
            if leaving:
                place = _pick(rng, DEPARTURE_PLACES)
                spec.movements.append(
                    (week, MovementKind.DEPARTURE, rng.randrange(7), leaving, place)
                )
            h += leaving - arriving
        spec.base_households = h
        spec.movements.reverse()
        specs.append(spec)
    return SitesWorld(seed=seed, weeks=week_days, sites=specs)


# --- rows ---------------------------------------------------------------------------------------


def _uid(rng: random.Random) -> str:
    """A uuid as 32 hex digits: what Django stores on SQLite, and what PostgreSQL reads."""
    return uuid.UUID(int=rng.getrandbits(128), version=4).hex


@dataclass
class Rows:
    """Every table's rows; the site rows and the rollups as the events imply them."""

    sites: list[tuple[Any, ...]] = field(default_factory=list)
    statuses: list[tuple[Any, ...]] = field(default_factory=list)
    figures: list[tuple[Any, ...]] = field(default_factory=list)
    units: list[tuple[Any, ...]] = field(default_factory=list)
    allocations: list[tuple[Any, ...]] = field(default_factory=list)
    movements: list[tuple[Any, ...]] = field(default_factory=list)
    site_weeks: list[tuple[Any, ...]] = field(default_factory=list)
    governorate_weeks: list[tuple[Any, ...]] = field(default_factory=list)

    def count(self) -> int:
        return sum(len(v) for v in vars(self).values())

    def events(self) -> int:
        return self.count() - len(self.site_weeks) - len(self.governorate_weeks)


def rows(data: SitesWorld, *, organisation: Organisation) -> Rows:
    """The rows of the world. ``sites`` carry the final rollups (population, units); the load
    path writes them empty and derives them."""
    rng = random.Random(f"{data.seed}:rows")
    out = Rows()
    first_week = data.weeks[0]
    unit_id = allocation_id = movement_id = status_id = 0
    site_weeks: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    governorate_weeks: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for s in data.sites:
        closed_on = None
        if s.closed_week is not None:
            last_day = max(d for w, _, d, _, _ in s.movements if w == s.closed_week)
            closed_on = data.weeks[s.closed_week] + timedelta(days=last_day)
        units = s.households + round(s.households * VACANT_SHARE) if closed_on is None else 0
        individuals = s.households * s.household_size
        status = SiteStatus.CLOSED if closed_on else SiteStatus.OPEN
        out.sites.append(
            (
                s.id,
                _uid(rng),
                organisation.pk.hex,
                s.code,
                f"Benchmark site {s.id}",
                "",
                "",
                s.type,
                s.district.id,
                s.district.governorate_id,
                s.latitude,
                s.longitude,
                "CCCM partner",
                "[]",
                status,
                closed_on or data.figure_on,
                data.figure_on,
                closed_on,
                max(individuals, s.base_households * s.household_size) or None,
                individuals,
                s.households,
                PopulationSource.REGISTRATION,
                data.figure_on,
                units,
                s.households,
                0,
                0,
                STAMP,
                STAMP,
                False,  # the benchmark's figures stand alone: no registry behind them
            )
        )
        status_id += 1
        out.statuses.append((status_id, s.id, SiteStatus.OPEN, data.figure_on, "", STAMP))
        if closed_on:
            status_id += 1
            out.statuses.append((status_id, s.id, SiteStatus.CLOSED, closed_on, "", STAMP))
        out.figures.append(
            (
                s.id,
                s.id,
                data.figure_on,
                PopulationSource.REGISTRATION,
                s.base_households * s.household_size,
                s.base_households,
                "benchmark",
                STAMP,
            )
        )
        for number in range(units):
            unit_id += 1
            occupied = number < s.households
            out.units.append(
                (
                    unit_id,
                    _uid(rng),
                    s.id,
                    f"B{number // 100 + 1}",
                    f"{number % 100 + 1}",
                    "tent" if s.type != SiteType.COLLECTIVE_CENTRE else "room",
                    "good",
                    number % 20 == 0,
                    occupied,
                )
            )
            if occupied:
                allocation_id += 1
                start = first_week + timedelta(days=rng.randrange(len(data.weeks) * 7))
                out.allocations.append(
                    (
                        allocation_id,
                        _uid(rng),
                        unit_id,
                        f"{s.code}-{number + 1}",
                        s.household_size,
                        start,
                        None,
                        "",
                        STAMP,
                    )
                )
        for week, kind, day, households, place in s.movements:
            movement_id += 1
            on = data.weeks[week] + timedelta(days=day)
            people = households * s.household_size
            out.movements.append(
                (movement_id, _uid(rng), s.id, kind, on, households, people, place, "", STAMP)
            )
            offset = 0 if kind == MovementKind.ARRIVAL else 2
            for sums in (
                site_weeks[(s.id, data.weeks[week])],
                governorate_weeks[(s.district.governorate_id, data.weeks[week])],
            ):
                sums[offset] += households
                sums[offset + 1] += people
    out.site_weeks = [(*key, *values) for key, values in sorted(site_weeks.items())]
    out.governorate_weeks = [(*key, *values) for key, values in sorted(governorate_weeks.items())]
    return out


# --- writes -------------------------------------------------------------------------------------


def clear() -> None:
    """Empty the sites tables (the next write starts from the same empty state)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
            cursor.execute(f"VACUUM ANALYZE {', '.join(TABLES)}")
            cursor.execute("CHECKPOINT")
        else:
            for table in TABLES:
                cursor.execute(f"DELETE FROM {table}")


def _identities() -> None:
    """Move each id sequence past the ids written, so that the app's later writes fit."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in (SITE, STATUS, FIGURE, UNIT, ALLOCATION, MOVEMENT):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT MAX(id) FROM {table}), 1))"
            )


class Stages:
    """Seconds of each stage of a write, lap after lap."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.start = self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = now - self._last
        self._last = now


def _timed(write: Callable[[Stages], None]) -> dict[str, float]:
    """A write in one transaction: its stages, the commit (where PostgreSQL runs the deferred
    foreign-key checks of every row) and the total."""
    connection.ensure_connection()
    gc.collect()
    stages = Stages()
    with transaction.atomic():
        write(stages)
    stages.lap("commit")
    stages.seconds["total"] = time.perf_counter() - stages.start
    return stages.seconds


def raw_write(data: Rows) -> dict[str, float]:
    """Every final row by COPY, the rollups included: the baseline."""

    def write(stages: Stages) -> None:
        _insert(SITE, SITE_COLUMNS, data.sites)
        _events(data)
        _insert(SITE_WEEK, SITE_WEEK_COLUMNS, data.site_weeks)
        _insert(GOVERNORATE_WEEK, GOVERNORATE_WEEK_COLUMNS, data.governorate_weeks)
        _identities()
        stages.lap("copy")

    return _timed(write)


def _events(data: Rows) -> None:
    _insert(STATUS, STATUS_COLUMNS, data.statuses)
    _insert(FIGURE, FIGURE_COLUMNS, data.figures)
    _insert(UNIT, UNIT_COLUMNS, data.units)
    _insert(ALLOCATION, ALLOCATION_COLUMNS, data.allocations)
    _insert(MOVEMENT, MOVEMENT_COLUMNS, data.movements)


def _week(column: str) -> str:
    """The Monday of a date's ISO week, in SQL (``services.week_of``)."""
    if connection.vendor == "postgresql":
        return f"date_trunc('week', {column})::date"
    return f"date({column}, 'weekday 0', '-6 days')"


def _sums(prefix: str) -> str:
    return ", ".join(
        f"SUM(CASE WHEN {prefix}kind = '{kind}' THEN {prefix}{count} ELSE 0 END)"
        for kind in (MovementKind.ARRIVAL, MovementKind.DEPARTURE)
        for count in ("households", "individuals")
    )


def rollups_derive(stages: Stages) -> None:
    """The rollups from the events, set-based: each site's and governorate's weeks, each
    site's population (its newest figure plus the movements after its day) and units."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SITE_WEEK} ({', '.join(SITE_WEEK_COLUMNS)}) "
            f"SELECT site_id, {_week(M_ON)}, {_sums('m.')} FROM {MOVEMENT} m "
            f"GROUP BY site_id, {_week(M_ON)}"
        )
        stages.lap("site weeks")
        cursor.execute(
            f"INSERT INTO {GOVERNORATE_WEEK} ({', '.join(GOVERNORATE_WEEK_COLUMNS)}) "
            f"SELECT s.governorate_id, w.week, "
            + ", ".join(f"SUM(w.{v})" for v in WEEK_VALUES)
            + f" FROM {SITE_WEEK} w JOIN {SITE} s ON s.id = w.site_id "
            "GROUP BY s.governorate_id, w.week"
        )
        stages.lap("governorate weeks")
        net = ", ".join(
            f"COALESCE(SUM(CASE WHEN m.kind = '{MovementKind.ARRIVAL}' THEN m.{c} "
            f"ELSE -m.{c} END), 0) AS net_{c}"
            for c in ("households", "individuals")
        )
        cursor.execute(
            f"UPDATE {SITE} SET population_households = f.households + f.net_households, "
            "population_individuals = f.individuals + f.net_individuals, "
            'population_source = f.source, population_date = f."on" '
            f'FROM (SELECT p.site_id, p.households, p.individuals, p.source, p."on", {net} '
            f"FROM {FIGURE} p LEFT JOIN {MOVEMENT} m "
            'ON m.site_id = p.site_id AND m."on" > p."on" '
            f"WHERE NOT EXISTS (SELECT 1 FROM {FIGURE} q WHERE q.site_id = p.site_id "
            'AND (q."on" > p."on" OR (q."on" = p."on" AND q.id > p.id))) '
            'GROUP BY p.id, p.site_id, p.households, p.individuals, p.source, p."on") f '
            f"WHERE f.site_id = {SITE}.id"
        )
        stages.lap("site populations")
        cursor.execute(
            f"UPDATE {SITE} SET units_total = u.total, units_occupied = u.occupied "
            "FROM (SELECT site_id, COUNT(*) AS total, "
            "SUM(CASE WHEN occupied THEN 1 ELSE 0 END) AS occupied "
            f"FROM {UNIT} GROUP BY site_id) u WHERE u.site_id = {SITE}.id"
        )
        stages.lap("site units")


def load(data: Rows) -> dict[str, float]:
    """The events by COPY, the rollups derived in SQL: the set-based load."""
    # The site rows go in as the app creates them: no population, no units yet.
    # A unit's occupied flag comes with it, as the loader knows the allocations it writes.
    empty = [(*r[:19], 0, 0, "", None, 0, 0, *r[25:]) for r in data.sites]

    def write(stages: Stages) -> None:
        _insert(SITE, SITE_COLUMNS, empty)
        _events(
            Rows(
                statuses=data.statuses,
                figures=data.figures,
                units=data.units,
                allocations=data.allocations,
                movements=data.movements,
            )
        )
        stages.lap("copy")
        rollups_derive(stages)
        _identities()

    return _timed(write)


# --- checks -------------------------------------------------------------------------------------


def digest() -> dict[str, list[Any]]:
    """Counts and sums of every table: two writes of the same world give the same digest."""
    sums = ", ".join(f"SUM({v})" for v in WEEK_VALUES)
    queries = {
        SITE: "COUNT(*), SUM(population_households), SUM(population_individuals), "
        "SUM(units_total), SUM(units_occupied), COUNT(closed_on), MAX(population_date)",
        STATUS: 'COUNT(*), MAX("on")',
        FIGURE: "COUNT(*), SUM(households), SUM(individuals)",
        UNIT: "COUNT(*), SUM(CASE WHEN occupied THEN 1 ELSE 0 END)",
        ALLOCATION: 'COUNT(*), SUM(individuals), COUNT("end")',
        MOVEMENT: f"COUNT(*), {_sums('')}",
        SITE_WEEK: f"COUNT(*), {sums}, MIN(week), MAX(week)",
        GOVERNORATE_WEEK: f"COUNT(*), {sums}, MIN(week), MAX(week)",
    }
    result = {}
    with connection.cursor() as cursor:
        for table, columns in queries.items():
            cursor.execute(f"SELECT {columns} FROM {table}")
            result[table] = [str(v) for v in cursor.fetchone()]
    return result


def problems() -> list[str]:
    """What breaks the rules of the stored world: weeks not equal to their movements' sums,
    governorate weeks not equal to their sites', a population not equal to its figure plus
    the movements since, households not equal to open allocations. Empty when all hold."""
    checks = {
        "site weeks differ from their movements": (
            f"SELECT COUNT(*) FROM (SELECT site_id, {_week(ON)} AS week, {_sums('')} "
            f"FROM {MOVEMENT} GROUP BY site_id, {_week(ON)} "
            f"EXCEPT SELECT site_id, week, {', '.join(WEEK_VALUES)} FROM {SITE_WEEK}) d"
        ),
        "governorate weeks differ from their sites' weeks": (
            "SELECT COUNT(*) FROM (SELECT s.governorate_id, w.week, "
            + ", ".join(f"SUM(w.{v})" for v in WEEK_VALUES)
            + f" FROM {SITE_WEEK} w JOIN {SITE} s ON s.id = w.site_id "
            f"GROUP BY s.governorate_id, w.week EXCEPT SELECT governorate_id, week, "
            f"{', '.join(WEEK_VALUES)} FROM {GOVERNORATE_WEEK}) d"
        ),
        "sites whose population is not their figure plus the movements since": (
            f"SELECT COUNT(*) FROM {SITE} s JOIN {FIGURE} p ON p.site_id = s.id "
            f"LEFT JOIN (SELECT m.site_id, SUM(CASE WHEN m.kind = '{MovementKind.ARRIVAL}' "
            f"THEN m.households ELSE -m.households END) AS net FROM {MOVEMENT} m "
            f'JOIN {FIGURE} q ON q.site_id = m.site_id AND m."on" > q."on" '
            "GROUP BY m.site_id) n ON n.site_id = s.id "
            "WHERE s.population_households <> p.households + COALESCE(n.net, 0)"
        ),
        "sites whose households are not their open allocations": (
            f"SELECT COUNT(*) FROM {SITE} s LEFT JOIN (SELECT u.site_id, COUNT(*) AS n "
            f"FROM {ALLOCATION} a JOIN {UNIT} u ON u.id = a.unit_id "
            'WHERE a."end" IS NULL GROUP BY u.site_id) o ON o.site_id = s.id '
            "WHERE s.population_households <> COALESCE(o.n, 0)"
        ),
        "closed sites with people": (
            f"SELECT COUNT(*) FROM {SITE} WHERE status = '{SiteStatus.CLOSED}' "
            "AND population_households <> 0"
        ),
    }
    found = []
    with connection.cursor() as cursor:
        for message, sql in checks.items():
            cursor.execute(sql)
            (count,) = cursor.fetchone()
            if count:
                found.append(f"{count} {message}")
    return found
