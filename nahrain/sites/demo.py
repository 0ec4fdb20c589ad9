"""Sites' slice of the demo: the camps and sites of the generated Iraq response.

- The 49 camps of the round-109 in-camp sampling frame (``../shared``; without it the slice
  says so and loads no camps), in the districts it names, each with its two CCCM population
  figures in households, as the frame gives them: July 2019 and January 2020 (the frame gives
  the months; its survey ran in 2019, so the years are those). Haj Ali and the Qayyarah Jad'ah
  camps are IOM's (as they were); the others are managed by a "CCCM partner", not guessed.
- A dozen informal settlements in Anbar, Ninewa and Salah al-Din and a few collective centres,
  generated (their names say so), with a CCCM estimate each.
- Status histories: camps closed in the government's late-2020 closures, and Jad'ah 5 closed in
  2023 after a closure plan announced at two weeks' notice, its departures linked to the plan
  (most to areas of origin, some out of camp, some unknown).
- Weekly arrivals and departures, drawn with the seed so that each camp goes from its July 2019
  figure to its January 2020 one, and each closed site empties by its closing day; a site's
  population is then its newest figure plus the movements since, as the services keep it.
- Shelter units for Haj Ali's first blocks.

Sites, figures and statuses go through the services; the thousands of movements are written
set-based (one bulk insert, and the weeks summed in SQL).
"""

from __future__ import annotations

import csv
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from nahrain.core.models import Organisation
from nahrain.demo.slices import Demo, Slice, shared_dir
from nahrain.geo import selectors as geo_selectors
from nahrain.geo.models import AdminUnit, Location, LocationKind
from nahrain.sites import services
from nahrain.sites.models import (
    Allocation,
    ClosurePlan,
    GovernorateWeek,
    Movement,
    MovementKind,
    MovementPlace,
    PopulationSource,
    ShelterKind,
    ShelterUnit,
    Site,
    SiteStatus,
    SiteType,
    SiteWeek,
)

FRAME = Path("data") / "iraq-round109-frames" / "sampling_frame_in_camp.csv"
JULY_2019 = date(2019, 7, 1)
JANUARY_2020 = date(2020, 1, 1)
OPEN_SINCE = JULY_2019  # the camps are known open from the July 2019 list; not earlier
# The DTM history of the demo ends with round 136 (December 2024): so do the sites' weeks.
LAST_DAY = date(2024, 12, 29)
HOUSEHOLD_SIZE = 6  # DTM Iraq's household size, for movements counted in households
IOM_CAMPS = ("haj.ali", "qayyarah.jadah.")  # frame codes (prefixes) of IOM-managed camps
PARTNER = "CCCM partner"
# Camps closed in the government's closures of October-December 2020 (the days are the
# demo's: the closures ran over those weeks).
CLOSED_2020 = {
    "zayona": date(2020, 10, 19),
    "htc": date(2020, 11, 9),
    "haa.2": date(2020, 11, 11),
    "qayyarah.airstrip": date(2020, 11, 15),
    "as.salamyiah": date(2020, 11, 20),
    "laylan.idp": date(2020, 11, 26),
    "laylan.2": date(2020, 11, 26),
    "karamah": date(2020, 12, 6),
    "aaf": date(2020, 12, 20),
}
JADAH_5 = "qayyarah.jadah.5"
# Transfers into Jad'ah 5 modelled on the late-2019 consolidation that grew it (the households
# and days are the demo's): (from, to, day, households), written by ``transfer_record``.
TRANSFERS_2019 = (
    ("haa.1", JADAH_5, date(2019, 11, 12), 180),
    ("haa.2", JADAH_5, date(2019, 12, 3), 220),
)
CLOSURE_ANNOUNCED = date(2023, 4, 2)
CLOSURE_PLANNED = date(2023, 4, 16)  # two weeks' notice
CLOSURE_INTENTIONS = {
    MovementPlace.AREA_OF_ORIGIN: 0.7,
    MovementPlace.OUT_OF_CAMP: 0.2,
    MovementPlace.UNKNOWN: 0.1,
}
INFORMAL_GOVERNORATES = ("Anbar", "Ninewa", "Salah al-Din")
INFORMAL_COUNT = 12
COLLECTIVE_GOVERNORATES = ("Ninewa", "Kirkuk", "Salah al-Din")
HAJ_ALI_UNITS = 40  # two blocks of tents
CODE_PREFIX = "IQ-DEMO-"


@dataclass(frozen=True)
class Camp:
    code: str  # the frame's short name
    name: str
    governorate: str
    districts: tuple[str, ...]
    july: int
    january: int


def frame_camps(path: Path) -> list[Camp]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            Camp(
                code=row["camp"].strip(),
                name=row["Camp long name"].strip(),
                governorate=row["Governorate"].strip(),
                districts=(row["district.new"].strip(), row["District"].strip()),
                july=int(row["Population (July CCCM)"]),
                january=int(row["Population (Jan CCCM)"]),
            )
            for row in csv.DictReader(handle)
        ]


def _district(names: tuple[str, ...], governorate: AdminUnit | None) -> AdminUnit | None:
    for name in names:
        unit = geo_selectors.admin_unit_resolve(name, level=2, within=governorate)
        if unit is not None:
            return unit
    return governorate


def _mondays(first: date, last: date) -> Iterator[date]:
    week = services.week_of(first)
    while week <= last:
        yield week
        week += timedelta(days=7)


class Movements:
    """The movements drawn for the demo, bulk-written at the end (``write``)."""

    def __init__(self, seed: int) -> None:
        # Seeded for a reproducible demo, not for secrecy.
        self.rng = random.Random(f"{seed}:sites")  # noqa: S311
        # (uid, site, kind, day, households, individuals, place, closure)
        self.rows: list[tuple[Any, ...]] = []
        # (site, day, households, note): recorded after the movements are written, so that
        # each figure's refresh counts the movements since it.
        self.figures: list[tuple[Site, date, int, str]] = []

    def add(
        self,
        site: Site,
        kind: str,
        on: date,
        households: int,
        place: str,
        closure: ClosurePlan | None = None,
    ) -> None:
        if households > 0:
            uid = uuid.UUID(int=self.rng.getrandbits(128), version=4).hex
            people = households * HOUSEHOLD_SIZE
            closure_id = closure.pk if closure else None
            self.rows.append((uid, site.pk, kind, on, households, people, place, closure_id))

    def _day(self, week: date, first: date, last: date) -> date:
        return min(max(week + timedelta(days=self.rng.randrange(7)), first), last)

    def series(self, site: Site, *, start: int, end: int | None, first: date, last: date) -> int:
        """Weekly arrivals and departures from ``first`` (after a figure of ``start``
        households) to ``last``: ending at ``end`` households when given (drawn noise, then the
        rest of the change spread over the weeks), else drifting; never below zero. Returns
        the households at ``last``."""
        weeks = list(_mondays(first, last))
        scale = max(1, start // 150)
        arrivals = [self.rng.randint(0, scale) for _ in weeks]
        departures = [self.rng.randint(0, scale) for _ in weeks]
        if end is not None:
            change = end - start - (sum(arrivals) - sum(departures))
            sink = arrivals if change > 0 else departures
            for index in range(abs(change)):
                sink[index % len(weeks)] += 1
        households = start
        for week, arriving, leaving in zip(weeks, arrivals, departures, strict=True):
            leaving = min(leaving, households + arriving)
            arrival_place = self.rng.choice((MovementPlace.OUT_OF_CAMP, MovementPlace.UNKNOWN))
            self.add(
                site, MovementKind.ARRIVAL, self._day(week, first, last), arriving, arrival_place
            )
            self.add(
                site,
                MovementKind.DEPARTURE,
                self._day(week, first, last),
                leaving,
                self.rng.choices(list(CLOSURE_INTENTIONS), weights=[6, 3, 1])[0],
            )
            households += arriving - leaving
        if end is not None and households != end:
            raise AssertionError(f"{site.code}: the movements miss the figure ({households})")
        return households

    def empty(
        self,
        site: Site,
        *,
        households: int,
        first: date,
        last: date,
        closure: ClosurePlan | None = None,
    ) -> None:
        """The last ``households`` leave between ``first`` and ``last`` (closing day), by the
        closure's intentions' shares."""
        days = max(1, (last - first).days)
        places = list(CLOSURE_INTENTIONS)
        split = [round(households * share) for share in CLOSURE_INTENTIONS.values()]
        split[0] += households - sum(split)
        for place, count in zip(places, split, strict=True):
            # In a few groups over the period, the last group on the closing day.
            groups = [count // 3, count // 3, count - 2 * (count // 3)]
            for index, group in enumerate(groups):
                on = last if index == 2 else first + timedelta(days=self.rng.randrange(days))
                self.add(site, MovementKind.DEPARTURE, on, group, place, closure)

    def write(self, sites: list[Site]) -> None:
        """The movements in one insert (rows, not model instances: the ORM's bulk insert takes
        seconds for the demo's thousands), then their weeks and their governorates' weeks added
        in SQL, set-based (the same sums ``movement_record`` keeps one by one)."""
        columns = 'uid, site_id, kind, "on", households, individuals, place, closure_id'
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {Movement._meta.db_table} ({columns}, reason, at) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '', %s)",
                [(*row, now) for row in self.rows],
            )
        ids = [site.pk for site in sites]
        marks = ", ".join(["%s"] * len(ids))
        week = (
            "date_trunc('week', m.\"on\")::date"
            if connection.vendor == "postgresql"
            else "date(m.\"on\", 'weekday 0', '-6 days')"
        )
        sums = ", ".join(
            f"SUM(CASE WHEN m.kind = '{kind}' THEN m.{count} ELSE 0 END)"
            for kind in (MovementKind.ARRIVAL, MovementKind.DEPARTURE)
            for count in ("households", "individuals")
        )
        values = (
            "arrivals_households",
            "arrivals_individuals",
            "departures_households",
            "departures_individuals",
        )
        for table, owner, column in (
            (SiteWeek._meta.db_table, "site_id", "m.site_id"),
            (GovernorateWeek._meta.db_table, "governorate_id", "s.governorate_id"),
        ):
            adds = ", ".join(f"{v} = {table}.{v} + excluded.{v}" for v in values)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} ({owner}, week, {', '.join(values)}) "  # noqa: S608
                    f"SELECT {column}, {week}, {sums} FROM {Movement._meta.db_table} m "
                    f"JOIN {Site._meta.db_table} s ON s.id = m.site_id "
                    f"WHERE m.site_id IN ({marks}) GROUP BY {column}, {week} "
                    f"ON CONFLICT ({owner}, week) DO UPDATE SET {adds}",
                    ids,
                )


def _camp_create(
    camp: Camp,
    *,
    actor: User,
    organisation: Organisation,
    governorates: dict[str, AdminUnit | None],
) -> Site:
    governorate = governorates.get(camp.governorate)
    unit = _district(camp.districts, governorate)
    if unit is None:
        raise AssertionError(f"{camp.name}: no governorate or district of that name")
    # The DTM history counts each frame camp as a location of its own (generator.frame_places).
    location = Location.objects.filter(
        kind=LocationKind.DTM_PLACE, external_id=f"CAMP-{camp.code.upper()}"
    ).first()
    return services.site_create(
        actor=actor,
        organisation=organisation,
        code=f"{CODE_PREFIX}{camp.code.upper()}",
        name_en=camp.name,
        type=SiteType.CAMP,
        admin_unit=unit,
        status_on=OPEN_SINCE,
        location=location,
        latitude=location.latitude if location else unit.lat,
        longitude=location.longitude if location else unit.lon,
        managing_agency="IOM" if camp.code.startswith(IOM_CAMPS) else PARTNER,
    )


def _closed(actor: User, site: Site, on: date, reason: str) -> None:
    services.site_status_set(actor=actor, site=site, status=SiteStatus.CLOSED, on=on, reason=reason)


def camps_load(
    camps: list[Camp], *, actor: User, organisation: Organisation, moves: Movements
) -> list[Site]:
    governorates = {
        name: geo_selectors.admin_unit_resolve(name, level=1)
        for name in sorted({camp.governorate for camp in camps})
    }
    sites = []
    for camp in camps:
        site = _camp_create(camp, actor=actor, organisation=organisation, governorates=governorates)
        sites.append(site)
        moves.figures.append((site, JULY_2019, camp.july, "CCCM camp list, July 2019"))
        moves.figures.append((site, JANUARY_2020, camp.january, "CCCM camp list, January 2020"))
        # The transfers are movements of their own: the weekly series makes up the rest.
        transferred = sum(h for _, to, _, h in TRANSFERS_2019 if to == camp.code)
        transferred -= sum(h for origin, _, _, h in TRANSFERS_2019 if origin == camp.code)
        moves.series(
            site,
            start=camp.july,
            end=camp.january - transferred,
            first=JULY_2019 + timedelta(days=1),
            last=JANUARY_2020,
        )
        after = JANUARY_2020 + timedelta(days=1)
        if camp.code in CLOSED_2020:
            closing = CLOSED_2020[camp.code]
            notice = closing - timedelta(days=28)
            left = moves.series(site, start=camp.january, end=None, first=after, last=notice)
            moves.empty(site, households=left, first=notice + timedelta(days=1), last=closing)
            _closed(actor, site, closing, "Closed in the government's camp closures of late 2020.")
        elif camp.code == JADAH_5:
            left = moves.series(
                site, start=camp.january, end=None, first=after, last=CLOSURE_ANNOUNCED
            )
            plan = ClosurePlan(
                site=site,
                announced_on=CLOSURE_ANNOUNCED,
                planned_on=CLOSURE_PLANNED,
                households=left,
                intentions={p: round(left * share) for p, share in CLOSURE_INTENTIONS.items()},
                note="Closure announced by the Ministry of Migration and Displacement at two "
                "weeks' notice; the departures that followed are linked to this plan.",
                actor=actor,
            )
            plan.full_clean()
            plan.save()
            services.site_status_set(
                actor=actor,
                site=site,
                status=SiteStatus.CLOSING,
                on=CLOSURE_ANNOUNCED,
                reason="Closure announced at two weeks' notice.",
            )
            moves.empty(
                site,
                households=left,
                first=CLOSURE_ANNOUNCED + timedelta(days=1),
                last=CLOSURE_PLANNED,
                closure=plan,
            )
            _closed(actor, site, CLOSURE_PLANNED, "Closed: the last households left.")
        else:
            moves.series(site, start=camp.january, end=None, first=after, last=LAST_DAY)
    return sites


def others_load(*, actor: User, organisation: Organisation, moves: Movements) -> list[Site]:
    """Generated informal settlements and collective centres (named as generated), each with
    a CCCM estimate of 2022 and its weeks since."""
    rng = moves.rng
    plan = [(SiteType.INFORMAL_SETTLEMENT, INFORMAL_GOVERNORATES, INFORMAL_COUNT)]
    plan.append((SiteType.COLLECTIVE_CENTRE, COLLECTIVE_GOVERNORATES, len(COLLECTIVE_GOVERNORATES)))
    sites = []
    for kind, governorate_names, count in plan:
        label = (
            "Informal settlement" if kind == SiteType.INFORMAL_SETTLEMENT else "Collective centre"
        )
        for index in range(count):
            name = governorate_names[index % len(governorate_names)]
            governorate = geo_selectors.admin_unit_resolve(name, level=1)
            assert governorate is not None, name
            district = rng.choice(
                list(AdminUnit.objects.filter(parent=governorate).order_by("pcode"))
            )
            on = date(2022, 1, 1) + timedelta(days=rng.randrange(365))
            site = services.site_create(
                actor=actor,
                organisation=organisation,
                code=f"{CODE_PREFIX}{kind[:2].upper()}{index + 1:02d}",
                name_en=f"{label} {district.name_en} {index + 1} (generated)",
                type=kind,
                admin_unit=district,
                status_on=on,
                latitude=district.lat,
                longitude=district.lon,
                managing_agency=PARTNER,
            )
            households = rng.randint(15, 180)
            moves.series(
                site, start=households, end=None, first=on + timedelta(days=1), last=LAST_DAY
            )
            sites.append(site)
            moves.figures.append((site, on, households, "Demo: generated CCCM estimate"))
    return sites


def haj_ali_units(site: Site) -> int:
    """Two blocks of tents in Haj Ali, three in four occupied."""
    units = ShelterUnit.objects.bulk_create(
        ShelterUnit(
            site=site,
            block=f"A{index // 20 + 1}",
            code=f"{index % 20 + 1:02d}",
            kind=ShelterKind.TENT,
            accessible=index % 10 == 0,
            occupied=index % 4 != 3,
        )
        for index in range(HAJ_ALI_UNITS)
    )
    Allocation.objects.bulk_create(
        Allocation(
            unit=unit,
            household=f"HA-{number:04d}",
            individuals=HOUSEHOLD_SIZE,
            start=JANUARY_2020,
        )
        for number, unit in enumerate(units, start=1)
        if unit.occupied
    )
    occupied = sum(unit.occupied for unit in units)
    Site.objects.filter(pk=site.pk).update(units_total=len(units), units_occupied=occupied)
    return len(units)


def demo_load(demo: Demo) -> None:
    iom = Organisation.objects.get(acronym="IOM")
    actor = User.objects.get(username="omar.camp")
    if Site.objects.filter(code__startswith=CODE_PREFIX).exists():
        demo.write("Sites: already present, left alone.")
        return
    started = time.perf_counter()
    moves = Movements(demo.options["seed"])
    frame = shared_dir() / FRAME
    with transaction.atomic():
        camps: list[Site] = []
        if frame.exists():
            camps = camps_load(frame_camps(frame), actor=actor, organisation=iom, moves=moves)
        else:
            demo.write(f"Sites: {frame} not found; no camps from the CCCM list.")
        others = others_load(actor=actor, organisation=iom, moves=moves)
        moves.write([*camps, *others])
        # Newest first: each site's newest figure becomes its base at once, so that an older
        # figure is never, even for a moment, the base of the departures after a newer one.
        for site, on, households, note in sorted(moves.figures, key=lambda f: f[1], reverse=True):
            services.population_record(
                actor=actor,
                site=site,
                on=on,
                source=PopulationSource.CCCM_ESTIMATE,
                individuals=None,
                households=households,
                note=note,
            )
        by_code = {site.code: site for site in camps}
        for origin, to, on, households in TRANSFERS_2019:
            if camps:
                # Before the January figure: they fill the weeks, not today's population.
                services.transfer_record(
                    actor=actor,
                    from_site=by_code[f"{CODE_PREFIX}{origin.upper()}"],
                    to_site=by_code[f"{CODE_PREFIX}{to.upper()}"],
                    on=on,
                    households=households,
                    individuals=households * HOUSEHOLD_SIZE,
                    key=f"demo:{origin}:{to}:{on.isoformat()}",
                )
        units = 0
        haj_ali = next((s for s in camps if s.code.endswith("HAJ.ALI")), None)
        if haj_ali is not None:
            units = haj_ali_units(haj_ali)
    demo.write(
        f"Sites: {len(camps)} camps, {len(others)} informal sites and collective centres, "
        f"{len(moves.rows):,} arrivals and departures, {units} shelter units "
        f"({time.perf_counter() - started:.1f} s)."
    )


# IOM and its site manager are core's accounts; the sites sit in geo's units and are linked to
# the DTM history's camp locations.
SLICE = Slice(name="sites", load=demo_load, after=("core", "geo", "displacement"))
