"""A realistic, deterministic DTM history of Iraq for demos and benchmarks.

``history_generate`` builds IOM's rounds from October 2014 to December 2024 and loads each one
through the product's own import (``services.round_import`` of a wide master list written as
CSV), so generated data is shaped exactly like imported data. Everything random comes from
``random.Random`` seeded with the seed and a purpose, so one seed gives the same files, byte for
byte, on every machine.

- **Locations**: the real locations of DTM round 109 (April 2019) from
  ``../shared/data/iraq-round109-frames`` when that folder exists (place ids, names in English
  and Arabic, coordinates and sizes where the frames give them; camps from the CCCM list),
  otherwise locations spread around the gazetteer's district label points.
- **National totals** follow the published trajectory (``TRAJECTORY``), interpolated by date
  between its points; after the last point they stay where it left them (nothing published
  says otherwise). Returnees were first counted in 2015: before the first published returnee
  figure they rise linearly from none on 1 April 2015 (an assumption, said here).
- **Governorate shares** move between the key dates of ``HOST_SHARES``, ``ORIGIN_SHARES`` and
  ``RETURN_SHARES``: displacement mainly from Anbar, Ninewa, Salah al-Din, Diyala and Kirkuk;
  hosting in Dahuk, Erbil, Sulaymaniyah, Kirkuk, Baghdad and Anbar; returns mostly to Ninewa,
  Anbar and Salah al-Din from 2017. The tables name the governorates; the gazetteer gives their
  p-codes.
- **Breakdowns** use the code lists in force in each round (shelter lists of 2014, 2015, 2019
  and 2021; only the periods of displacement that had begun by the round's date).
- **Rounds**: numbered as DTM numbered them at the published dates (round 7 on 26 October 2014,
  round 109 on 30 April 2019, ...), 130 rounds (7 to 136) at the national scale, the rounds at
  the published dates only at the small scale. Round 7 is the real 2014 master list when it is
  given (it holds exactly the published 1,898,844 IDPs).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction

from nahrain.core.models import Organisation
from nahrain.displacement import services
from nahrain.displacement.codelists import codes_for_round
from nahrain.displacement.dtm_format import (
    HOUSEHOLD_SIZE,
    HOUSEHOLD_SIZE_IN_CAMP_FROM_117,
    ORIGIN_IN_INDIVIDUALS_FROM_ROUND,
)
from nahrain.displacement.models import AssessmentRound, Population
from nahrain.geo import selectors as geo_selectors
from nahrain.geo.models import AdminUnit

# Published national totals, individuals (IOM DTM Iraq): (date, IDPs, returnees or None).
TRAJECTORY: tuple[tuple[date, int, int | None], ...] = (
    (date(2014, 10, 26), 1_898_844, None),
    (date(2016, 3, 31), 3_418_000, None),
    (date(2016, 10, 13), 3_233_832, 1_004_724),
    (date(2017, 6, 30), 3_351_132, 1_952_868),
    (date(2018, 1, 31), 2_470_974, 3_346_704),
    (date(2018, 6, 30), 2_002_986, 3_904_350),
    (date(2019, 4, 30), 1_665_108, 4_266_882),
    (date(2020, 2, 29), 1_399_170, 4_660_404),
    (date(2020, 12, 31), 1_224_108, 4_831_566),
    (date(2021, 12, 31), 1_186_556, 4_952_232),
    (date(2022, 6, 30), 1_177_234, 4_969_788),
)
RETURNS_COUNTED_FROM = date(2015, 4, 1)

# Round numbers at the published dates (DTM's own numbering: round 7 is the 26 October 2014
# master list, round 109 April 2019); rounds in between are spread evenly over the dates.
ROUND_DATES: tuple[tuple[int, date], ...] = (
    (7, date(2014, 10, 26)),
    (40, date(2016, 3, 31)),
    (57, date(2016, 10, 13)),
    (75, date(2017, 6, 30)),
    (87, date(2018, 1, 31)),
    (98, date(2018, 6, 30)),
    (109, date(2019, 4, 30)),
    (114, date(2020, 2, 29)),
    (119, date(2020, 12, 31)),
    (124, date(2021, 12, 31)),
    (126, date(2022, 6, 30)),
    (136, date(2024, 12, 31)),
)

# Governorates by name; the gazetteer gives their p-codes (``governorates``), so a name cannot
# point at another governorate the way hand-copied codes did.
ANBAR, BABIL, BAGHDAD, DAHUK, DIYALA, ERBIL = (
    "Anbar",
    "Babil",
    "Baghdad",
    "Dahuk",
    "Diyala",
    "Erbil",
)
KERBALA, KIRKUK, NINEWA, SALAH_AL_DIN, SULAYMANIYAH, NAJAF = (
    "Kerbala",
    "Kirkuk",
    "Ninewa",
    "Salah al-Din",
    "Sulaymaniyah",
    "Najaf",
)
Shares = dict[str, float]  # governorate (by name in the tables below, by p-code once resolved)
# Where out-of-camp IDPs lived (share of them by governorate of the location); governorates
# not named share what is left evenly.
HOST_SHARES: tuple[tuple[date, Shares], ...] = (
    (
        date(2014, 10, 26),
        {
            DAHUK: 0.24,
            ERBIL: 0.10,
            SULAYMANIYAH: 0.07,
            KIRKUK: 0.10,
            BAGHDAD: 0.07,
            ANBAR: 0.12,
            NINEWA: 0.05,
            SALAH_AL_DIN: 0.04,
            DIYALA: 0.03,
            NAJAF: 0.03,
            KERBALA: 0.03,
        },
    ),
    (
        date(2016, 3, 31),
        {
            ANBAR: 0.17,
            BAGHDAD: 0.16,
            DAHUK: 0.12,
            ERBIL: 0.11,
            KIRKUK: 0.11,
            SULAYMANIYAH: 0.05,
            SALAH_AL_DIN: 0.09,
            NINEWA: 0.03,
            DIYALA: 0.02,
        },
    ),
    (
        date(2017, 6, 30),
        {
            NINEWA: 0.25,
            DAHUK: 0.11,
            ERBIL: 0.10,
            SALAH_AL_DIN: 0.10,
            KIRKUK: 0.09,
            ANBAR: 0.08,
            BAGHDAD: 0.06,
            SULAYMANIYAH: 0.06,
            DIYALA: 0.02,
        },
    ),
    (
        date(2018, 6, 30),
        {
            NINEWA: 0.30,
            DAHUK: 0.17,
            ERBIL: 0.12,
            SALAH_AL_DIN: 0.08,
            SULAYMANIYAH: 0.07,
            KIRKUK: 0.06,
            BAGHDAD: 0.04,
            ANBAR: 0.04,
            DIYALA: 0.03,
        },
    ),
    (
        date(2022, 6, 30),
        {
            NINEWA: 0.23,
            DAHUK: 0.22,
            ERBIL: 0.19,
            SULAYMANIYAH: 0.09,
            KIRKUK: 0.08,
            SALAH_AL_DIN: 0.06,
            DIYALA: 0.03,
            BAGHDAD: 0.03,
            ANBAR: 0.02,
        },
    ),
)
# Where IDPs came from (governorate of origin).
ORIGIN_SHARES: tuple[tuple[date, Shares], ...] = (
    (
        date(2014, 10, 26),
        {
            NINEWA: 0.40,
            ANBAR: 0.30,
            SALAH_AL_DIN: 0.17,
            DIYALA: 0.07,
            KIRKUK: 0.03,
            BAGHDAD: 0.02,
            BABIL: 0.01,
        },
    ),
    (
        date(2016, 3, 31),
        {
            ANBAR: 0.45,
            NINEWA: 0.26,
            SALAH_AL_DIN: 0.18,
            DIYALA: 0.05,
            KIRKUK: 0.03,
            BAGHDAD: 0.02,
            BABIL: 0.01,
        },
    ),
    (
        date(2017, 6, 30),
        {NINEWA: 0.58, ANBAR: 0.18, SALAH_AL_DIN: 0.13, KIRKUK: 0.05, DIYALA: 0.04, BAGHDAD: 0.02},
    ),
    (
        date(2018, 6, 30),
        {
            NINEWA: 0.55,
            SALAH_AL_DIN: 0.15,
            ANBAR: 0.14,
            KIRKUK: 0.06,
            DIYALA: 0.06,
            BAGHDAD: 0.03,
            ERBIL: 0.01,
        },
    ),
    (
        date(2022, 6, 30),
        {
            NINEWA: 0.60,
            SALAH_AL_DIN: 0.12,
            ANBAR: 0.08,
            KIRKUK: 0.07,
            DIYALA: 0.07,
            BAGHDAD: 0.04,
            ERBIL: 0.02,
        },
    ),
)
# Where returnees returned to (governorate of the location).
RETURN_SHARES: tuple[tuple[date, Shares], ...] = (
    (
        date(2016, 10, 13),
        {ANBAR: 0.50, SALAH_AL_DIN: 0.30, DIYALA: 0.15, NINEWA: 0.03, KIRKUK: 0.01, BAGHDAD: 0.01},
    ),
    (
        date(2017, 6, 30),
        {ANBAR: 0.45, SALAH_AL_DIN: 0.25, NINEWA: 0.20, DIYALA: 0.08, KIRKUK: 0.01, BAGHDAD: 0.01},
    ),
    (
        date(2018, 6, 30),
        {NINEWA: 0.38, ANBAR: 0.32, SALAH_AL_DIN: 0.15, KIRKUK: 0.07, DIYALA: 0.06, BAGHDAD: 0.02},
    ),
    (
        date(2022, 6, 30),
        {
            NINEWA: 0.40,
            ANBAR: 0.31,
            SALAH_AL_DIN: 0.15,
            KIRKUK: 0.07,
            DIYALA: 0.05,
            BAGHDAD: 0.01,
            ERBIL: 0.01,
        },
    ),
)
# Where returnees had last been displaced, besides their own governorate.
LAST_DISPLACEMENT: Shares = {
    DAHUK: 0.25,
    ERBIL: 0.22,
    SULAYMANIYAH: 0.10,
    KIRKUK: 0.13,
    BAGHDAD: 0.12,
    ANBAR: 0.08,
    NINEWA: 0.06,
    SALAH_AL_DIN: 0.04,
}
OWN_GOVERNORATE_SHARE = 0.45
# Share of IDPs in camps, by date.
IN_CAMP: tuple[tuple[date, float], ...] = (
    (date(2014, 10, 26), 0.08),
    (date(2016, 3, 31), 0.12),
    (date(2017, 6, 30), 0.22),
    (date(2018, 1, 31), 0.26),
    (date(2019, 4, 30), 0.25),
    (date(2020, 12, 31), 0.18),
    (date(2022, 6, 30), 0.15),
    (date(2024, 12, 31), 0.13),
)
# Out-of-camp shelter: weight of each code (of any list version) before the per-location noise;
# critical shelter falls from about a quarter to about a tenth.
SHELTER_WEIGHTS: dict[str, tuple[float, float]] = {  # code -> (weight 2014, weight 2024)
    "host_relatives": (0.22, 0.0),
    "host_non_relatives": (0.05, 0.0),
    "host_families": (0.30, 0.15),
    "rented_house": (0.35, 0.0),
    "rented_housing": (0.35, 0.0),
    "rented_habitable": (0.40, 0.55),
    "rented_uninhabitable": (0.0, 0.04),
    "owned_house": (0.05, 0.0),
    "owned_habitable": (0.10, 0.15),
    "owned_uninhabitable": (0.0, 0.02),
    "hotel_motel": (0.02, 0.005),
    "school_building": (0.05, 0.0),
    "religious_building": (0.05, 0.002),
    "unfinished_abandoned": (0.08, 0.04),
    "collective_centre": (0.03, 0.0),
    "informal_settlement": (0.05, 0.04),
    "military_camp": (0.005, 0.0),
    "other_formal_settlement": (0.02, 0.01),
    "unknown_other": (0.01, 0.01),
}
# 2014's waves of displacement, as shares of the 2014 caseload (DTM's own periods).
WAVES_2014: dict[str, float] = {
    "pre_jun_2014": 0.25,
    "jun_jul_2014": 0.27,
    "aug_2014": 0.33,
    "post_sep_2014": 0.15,
}
FRAMES = Path("data") / "iraq-round109-frames"
DTM_2014 = Path("data") / "dtm-iraq-2014" / "DTM_Dataset_26102014.csv"


@dataclass(frozen=True)
class Scale:
    name: str
    locations: int  # wanted; the frames' locations are kept whole at the national scale
    frame_share: float  # share of the frames' locations used
    every_round: bool  # every round 7-136, or only the rounds at the published dates


SCALES = {
    "small": Scale("small", locations=300, frame_share=0.08, every_round=False),
    "national": Scale("national", locations=4000, frame_share=1.0, every_round=True),
}


@dataclass(frozen=True)
class District:
    pk: int
    pcode: str
    name_en: str
    name_ar: str
    governorate_pcode: str
    governorate_name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Place:
    place_id: str
    name_en: str
    name_ar: str
    district: District
    latitude: float
    longitude: float
    size: float  # relative size (households in the frames)
    idp: bool
    returnee: bool
    camp: bool = False


@dataclass(frozen=True)
class Governorates:
    """The share tables keyed by p-code: each governorate's name resolved through the
    gazetteer (``governorates``)."""

    host: tuple[tuple[date, Shares], ...]
    origin: tuple[tuple[date, Shares], ...]
    returns: tuple[tuple[date, Shares], ...]
    last_displacement: Shares


@dataclass(frozen=True)
class RoundPlan:
    number: int
    reference_date: date
    idps: int  # individuals
    returnees: int


@dataclass
class GeneratedRound:
    plan: RoundPlan
    files: dict[str, bytes]  # population -> CSV


@dataclass
class HistoryReport:
    rounds: list[RoundPlan] = field(default_factory=list)
    locations: int = 0
    files_sha256: str = ""
    real_2014: bool = False
    skipped: list[int] = field(default_factory=list)


# --- the trajectory --------------------------------------------------------------------------


def _interpolate(points: list[tuple[date, float]], day: date) -> float:
    if day <= points[0][0]:
        return points[0][1]
    for (d0, v0), (d1, v1) in itertools.pairwise(points):
        if day <= d1:
            return v0 + (v1 - v0) * (day - d0).days / (d1 - d0).days
    return points[-1][1]


def national_totals(day: date) -> tuple[int, int]:
    """IDP and returnee individuals on a date, interpolated along the published trajectory."""
    idps = _interpolate([(d, float(i)) for d, i, _ in TRAJECTORY], day)
    returns = [(RETURNS_COUNTED_FROM, 0.0)] + [(d, float(r)) for d, _, r in TRAJECTORY if r]
    returnees = 0.0 if day < RETURNS_COUNTED_FROM else _interpolate(returns, day)
    return round(idps), round(returnees)


def round_plans(scale: Scale) -> list[RoundPlan]:
    """The rounds of a scale with their dates and national totals."""
    numbers: list[tuple[int, date]] = []
    for (n0, d0), (n1, d1) in itertools.pairwise(ROUND_DATES):
        step = (d1 - d0).days / (n1 - n0)
        for n in range(n0, n1):
            if scale.every_round or n == n0:
                numbers.append((n, d0 + timedelta(days=round(step * (n - n0)))))
    numbers.append(ROUND_DATES[-1])
    return [RoundPlan(n, d, *national_totals(d)) for n, d in numbers]


def _shares(points: tuple[tuple[date, Shares], ...], day: date) -> Shares:
    keys = sorted({k for _, shares in points for k in shares})
    return {k: _interpolate([(d, s.get(k, 0.0)) for d, s in points], day) for k in keys}


# --- governorates ---------------------------------------------------------------------------


def governorate_pcodes() -> dict[str, str]:
    """The p-code of each governorate the share tables name, as the gazetteer resolves the name
    (its aliases included); a name the gazetteer does not resolve to one governorate is an
    error, not a guess."""
    tables = [shares for _, shares in (*HOST_SHARES, *ORIGIN_SHARES, *RETURN_SHARES)]
    names = sorted({name for shares in (*tables, LAST_DISPLACEMENT) for name in shares})
    index = geo_selectors.AdminUnitIndex()
    pcodes = {}
    for name in names:
        unit = index.resolve(name, level=1)
        if unit is None:
            raise LookupError(f"no one governorate named {name!r}: is the gazetteer loaded?")
        pcodes[name] = unit.pcode
    return pcodes


def governorates() -> Governorates:
    """The share tables by p-code (each table's order kept: it decides the random draws)."""
    pcodes = governorate_pcodes()

    def keyed(shares: Shares) -> Shares:
        return {pcodes[name]: share for name, share in shares.items()}

    def table(points: tuple[tuple[date, Shares], ...]) -> tuple[tuple[date, Shares], ...]:
        return tuple((day, keyed(shares)) for day, shares in points)

    return Governorates(
        host=table(HOST_SHARES),
        origin=table(ORIGIN_SHARES),
        returns=table(RETURN_SHARES),
        last_displacement=keyed(LAST_DISPLACEMENT),
    )


# --- locations -------------------------------------------------------------------------------


def districts() -> list[District]:
    units = (
        AdminUnit.objects.filter(level=2)
        .select_related("parent")
        .defer("geometry", "parent__geometry")
    )
    result = []
    for unit in units.order_by("pcode"):
        if unit.parent is None or unit.lat is None or unit.lon is None:
            continue
        result.append(
            District(
                unit.pk,
                unit.pcode,
                unit.name_en,
                unit.name_ar,
                unit.parent.pcode,
                unit.parent.name_en,
                unit.lat,
                unit.lon,
            )
        )
    return result


def _near(rng: random.Random, district: District, spread: float = 0.08) -> tuple[float, float]:
    return (
        round(district.latitude + rng.uniform(-spread, spread), 5),
        round(district.longitude + rng.uniform(-spread, spread), 5),
    )


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def frame_places(folder: Path, *, rng: random.Random, by_pcode: dict[str, District]) -> list[Place]:
    """The real locations of round 109: ids, districts and sizes from the strata file, names and
    coordinates from the sampling frames where they list the location, camps from CCCM's list."""
    district_of: dict[str, District | None] = {}

    def district(name: str) -> District | None:
        if name not in district_of:
            unit = geo_selectors.admin_unit_resolve(name, level=2)
            district_of[name] = by_pcode.get(unit.pcode) if unit is not None else None
        return district_of[name]

    details: dict[str, tuple[str, str, float, float]] = {}
    for name, place_col, en, ar in (
        ("sampling_frame_script_IDP_out_of_camp.csv", "psu", "Location.Name", "Arabic.Name"),
        ("sampling_frame_script_Returnee.csv", "psu", "Location_name", "Arabic_name"),
    ):
        for row in _read_csv(folder / name):
            try:
                point = (float(row["Latitude"]), float(row["Longitude"]))
            except ValueError:
                continue
            details[row[place_col]] = (row[en].strip(), row[ar].strip(), *point)
    strata: dict[str, dict[str, object]] = {}
    for row in _read_csv(folder / "Strata_clusters_population.csv"):
        entry = strata.setdefault(
            row["Location.ID"], {"district": row["District"], "size": 0.0, "groups": set()}
        )
        entry["size"] = float(entry["size"]) + float(row["population"] or 0)  # type: ignore[arg-type]
        entry["groups"].add(row["popgroup"])  # type: ignore[attr-defined]
    places = []
    for place_id in sorted(strata):
        entry = strata[place_id]
        found = district(str(entry["district"]))
        if found is None:
            continue
        groups: set[str] = entry["groups"]  # type: ignore[assignment]
        en, ar, lat, lon = details.get(place_id, ("", "", 0.0, 0.0))
        if not lat:
            lat, lon = _near(rng, found)
        places.append(
            Place(
                place_id=place_id,
                name_en=en or f"{found.name_en} {place_id[-3:]}",
                name_ar=ar or (f"{found.name_ar} {place_id[-3:]}" if found.name_ar else ""),
                district=found,
                latitude=lat,
                longitude=lon,
                size=max(float(entry["size"]), 5.0),  # type: ignore[arg-type]
                idp=bool(groups - {"returnee"}),
                returnee="returnee" in groups,
            )
        )
    for row in _read_csv(folder / "sampling_frame_in_camp.csv"):
        found = district(row["district.new"]) or district(row["District"])
        if found is None:
            continue
        lat, lon = _near(rng, found, spread=0.04)
        size = float(row["Population (Jan CCCM)"] or row["Population (July CCCM)"] or 100)
        places.append(
            Place(
                place_id=f"CAMP-{row['camp'].upper()}",
                name_en=row["Camp long name"].strip(),
                name_ar="",
                district=found,
                latitude=lat,
                longitude=lon,
                size=max(size, 50.0),
                idp=True,
                returnee=False,
                camp=True,
            )
        )
    return places


def synthetic_places(
    count: int,
    *,
    rng: random.Random,
    districts: list[District],
    governorates: Governorates,
    start: int = 0,
) -> list[Place]:
    """Locations around district label points, more of them where more IDPs lived or returned."""
    hosting = _shares(governorates.host, date(2017, 1, 1))
    returning = _shares(governorates.returns, date(2019, 1, 1))
    weights = [
        0.02 + hosting.get(d.governorate_pcode, 0.0) + returning.get(d.governorate_pcode, 0.0)
        for d in districts
    ]
    places = []
    for index, district in enumerate(rng.choices(districts, weights=weights, k=count)):
        number = start + index
        lat, lon = _near(rng, district)
        returns = district.governorate_pcode in returning and rng.random() < 0.5
        camp = rng.random() < 0.015
        places.append(
            Place(
                place_id=str(9_000_000 + number),
                name_en=f"{district.name_en} {'camp' if camp else 'location'} {number}",
                name_ar=f"{district.name_ar} {number}" if district.name_ar else "",
                district=district,
                latitude=lat,
                longitude=lon,
                size=30 + rng.lognormvariate(4.0, 1.0),
                idp=camp or not returns or rng.random() < 0.3,
                returnee=returns and not camp,
                camp=camp,
            )
        )
    return places


def places_for(
    *, scale: Scale, seed: int, frames: Path | None, governorates: Governorates
) -> list[Place]:
    """The scale's locations: the frames' (a share of them at the small scale) topped up with
    synthesised ones, or only synthesised ones without the frames."""
    rng = random.Random(f"{seed}:places")  # noqa: S311 (demo data, not secrets)
    all_districts = districts()
    by_pcode = {d.pcode: d for d in all_districts}
    places: list[Place] = []
    if frames is not None and (frames / "Strata_clusters_population.csv").exists():
        real = frame_places(frames, rng=rng, by_pcode=by_pcode)
        if scale.frame_share < 1.0:
            groups: dict[tuple[str, bool, bool], list[Place]] = {}
            for place in real:
                key = (place.district.governorate_pcode, place.returnee, place.camp)
                groups.setdefault(key, []).append(place)
            real = []
            for key in sorted(groups):
                members = groups[key]
                keep = max(1, round(len(members) * scale.frame_share))
                real.extend(rng.sample(members, keep))
            real.sort(key=lambda p: p.place_id)
        places = real
    missing = max(0, scale.locations - len(places))
    return places + synthetic_places(
        missing, rng=rng, districts=all_districts, governorates=governorates
    )


# --- one round -------------------------------------------------------------------------------


def _allocate(total: int, weights: list[float]) -> list[int]:
    """``total`` split in whole numbers proportionally to the weights (largest remainder)."""
    mass = sum(weights)
    if total <= 0 or mass <= 0:
        return [0] * len(weights)
    exact = [total * w / mass for w in weights]
    parts = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _split(total: int, shares: Shares, rng: random.Random, noise: float = 0.6) -> dict[str, int]:
    codes = [code for code, share in shares.items() if share > 0]
    weights = [shares[c] * (1 - noise + noise * 2 * rng.random()) for c in codes]
    return {c: v for c, v in zip(codes, _allocate(total, weights), strict=True) if v}


def _period_shares(plan: RoundPlan, periods: list[tuple[str, date | None, date | None]]) -> Shares:
    """Caseload by period of displacement: 2014's waves, then the gross inflow of each later
    period (rise in IDPs plus rise in returnees), with a floor for quiet periods."""
    shares: Shares = {}
    caseload_2014 = TRAJECTORY[0][1]
    for code, start, end in periods:
        if start is not None and start >= plan.reference_date:
            continue
        if code in WAVES_2014:
            shares[code] = WAVES_2014[code] * caseload_2014
            continue
        assert start is not None
        stop = min(end or plan.reference_date, plan.reference_date)
        before, after = national_totals(start), national_totals(stop)
        inflow = (after[0] - before[0]) + (after[1] - before[1])
        shares[code] = max(inflow, 0) + 0.02 * caseload_2014
    return shares


def _size(plan: RoundPlan, camp: bool) -> int:
    if camp and plan.number >= 117:
        return int(HOUSEHOLD_SIZE_IN_CAMP_FROM_117)
    return int(HOUSEHOLD_SIZE)


def _location_weights(
    places: list[Place], shares: Shares, *, seed: int, plan: RoundPlan, salt: str
) -> list[float]:
    """Weight of each location: its governorate's share spread over the governorate's
    locations by their size, each drifting slowly from round to round."""
    present = {p.district.governorate_pcode for p in places}
    named = {g: s for g, s in shares.items() if g in present}
    # The south hosted a few percent at most, however many governorates that is spread over.
    rest = min(0.04, max(0.0, 1.0 - sum(shares.values())))
    others = present - set(named)
    for governorate in others:
        named[governorate] = rest / len(others)
    size_by_gov: dict[str, float] = {}
    for p in places:
        size_by_gov[p.district.governorate_pcode] = (
            size_by_gov.get(p.district.governorate_pcode, 0.0) + p.size
        )
    weights = []
    for p in places:
        # A slow wave per location: smooth over rounds, different from one location to another.
        phase = random.Random(f"{seed}:{salt}:{p.place_id}").random() * 2 * math.pi  # noqa: S311
        drift = 1 + 0.25 * math.sin(phase + plan.number / 9)
        governorate = p.district.governorate_pcode
        weights.append(named.get(governorate, 0.0) * p.size * drift / size_by_gov[governorate])
    return weights


def round_generate(
    *, plan: RoundPlan, places: list[Place], seed: int, governorates: Governorates
) -> GeneratedRound:
    """One round's master lists (IDPs, and returnees once counted) as wide CSV files."""
    rng = random.Random(f"{seed}:round:{plan.number}")  # noqa: S311
    codes = codes_for_round(plan.number)
    periods = [(i.code, i.start, i.end) for i in codes.period]
    origin_in_individuals = plan.number >= ORIGIN_IN_INDIVIDUALS_FROM_ROUND
    pcodes = {p.district.governorate_pcode for p in places}
    pcodes |= set(governorates.last_displacement)
    pcodes |= {g for _, shares in governorates.origin for g in shares}
    names = dict(AdminUnit.objects.filter(pcode__in=pcodes).values_list("pcode", "name_en"))
    files: dict[str, bytes] = {}

    # IDPs: camps get the in-camp share, other locations the rest, each by governorate.
    idp_places = [p for p in places if p.idp]
    camps = [p for p in idp_places if p.camp]
    out_of_camp = [p for p in idp_places if not p.camp]
    in_camp = _interpolate([(d, v) for d, v in IN_CAMP], plan.reference_date) if camps else 0.0
    camp_individuals = round(plan.idps * in_camp)
    households: dict[str, int] = {}
    for group, total in ((camps, camp_individuals), (out_of_camp, plan.idps - camp_individuals)):
        if not group:
            continue
        size = _size(plan, group[0].camp)
        weights = _location_weights(
            group,
            _shares(governorates.host, plan.reference_date),
            seed=seed,
            plan=plan,
            salt="idp",
        )
        for place, value in zip(group, _allocate(round(total / size), weights), strict=True):
            if value:
                households[place.place_id] = value
    shelter_mix = _shelter_shares(plan, [i.code for i in codes.shelter])
    period_mix = _period_shares(plan, periods)
    origin_mix = _shares(governorates.origin, plan.reference_date)
    shelter_codes = [i.code for i in codes.shelter]
    period_codes = [code for code, *_ in periods if code in period_mix]
    origin_codes = sorted(origin_mix)
    header = [
        "Place ID",
        "Governorate",
        "District",
        "Location name",
        "Location name (Arabic)",
        "Latitude",
        "Longitude",
        "Households",
        "Individuals",
        *(i.label_en for i in codes.shelter),
        *(i.label_en for i in codes.period if i.code in period_mix),
        *(f"Origin: {names[g]}" for g in origin_codes),
    ]
    rows = []
    for place in idp_places:
        hh = households.get(place.place_id, 0)
        if not hh:
            continue
        size = _size(plan, place.camp)
        shelter = {"camp": hh} if place.camp else _split(hh, shelter_mix, rng)
        period = _split(hh, period_mix, rng)
        origin = _split(hh, origin_mix, rng)
        unit = size if origin_in_individuals else 1
        rows.append(
            [
                *_place_cells(place),
                hh,
                hh * size,
                *(shelter.get(c, 0) for c in shelter_codes),
                *(period.get(c, 0) for c in period_codes),
                *(origin.get(g, 0) * unit for g in origin_codes),
            ]
        )
    files[Population.IDP] = _csv(header, rows)

    # Returnees, by governorate of return and of last displacement.
    returnee_places = [p for p in places if p.returnee]
    if plan.returnees and returnee_places:
        weights = _location_weights(
            returnee_places,
            _shares(governorates.returns, plan.reference_date),
            seed=seed,
            plan=plan,
            salt="returnee",
        )
        size = int(HOUSEHOLD_SIZE)
        allocated = _allocate(round(plan.returnees / size), weights)
        last_codes = sorted(
            set(governorates.last_displacement)
            | {p.district.governorate_pcode for p in returnee_places}
        )
        header = [
            *header[:9],
            *(f"Last displacement: {names.get(g, g)}" for g in last_codes),
        ]
        rows = []
        for place, hh in zip(returnee_places, allocated, strict=True):
            if not hh:
                continue
            own = place.district.governorate_pcode
            mix = {
                g: s * (1 - OWN_GOVERNORATE_SHARE)
                for g, s in governorates.last_displacement.items()
            }
            mix[own] = mix.get(own, 0.0) + OWN_GOVERNORATE_SHARE
            last = _split(hh, mix, rng)
            unit = size if origin_in_individuals else 1
            rows.append(
                [*_place_cells(place), hh, hh * size, *(last.get(g, 0) * unit for g in last_codes)]
            )
        if rows:
            files[Population.RETURNEE] = _csv(header, rows)
    return GeneratedRound(plan, files)


def _shelter_shares(plan: RoundPlan, codes: list[str]) -> Shares:
    t = min(1.0, max(0.0, (plan.reference_date - date(2014, 10, 26)).days / 3700))
    shares = {}
    for code in codes:
        if code == "camp":
            continue
        early, late = SHELTER_WEIGHTS.get(code, (0.01, 0.01))
        shares[code] = max(early + (late - early) * t, 0.002)
    return shares


def _place_cells(place: Place) -> list[object]:
    return [
        place.place_id,
        place.district.governorate_name,
        place.district.name_en,
        place.name_en,
        place.name_ar,
        place.latitude,
        place.longitude,
    ]


def _csv(header: list[str], rows: Iterable[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


# --- the history -----------------------------------------------------------------------------


def history_files(*, scale: Scale, seed: int, frames: Path | None) -> Iterable[GeneratedRound]:
    """Every round of the history as files, in order (no database writes)."""
    resolved = governorates()
    places = places_for(scale=scale, seed=seed, frames=frames, governorates=resolved)
    for plan in round_plans(scale):
        yield round_generate(plan=plan, places=places, seed=seed, governorates=resolved)


def history_generate(
    *,
    actor: User | None,
    organisation: Organisation,
    scale: Scale,
    seed: int,
    shared: Path | None = None,
    publish: bool = True,
    progress: Callable[[RoundPlan, float], None] | None = None,
) -> HistoryReport:
    """Generate the scale's history for a seed and load it through the import, round by round:
    create, import each population's master list, validate and publish (each step its own
    service call, as an information manager would). Rounds the organisation already has are
    left alone. With ``shared`` holding the real 2014 master list, round 7 is that file.
    """
    import time

    frames = shared / FRAMES if shared is not None else None
    real_2014 = shared / DTM_2014 if shared is not None else None
    report = HistoryReport()
    digest = hashlib.sha256()
    existing = set(
        AssessmentRound.objects.filter(organisation=organisation).values_list("number", flat=True)
    )
    resolved = governorates()
    places = places_for(scale=scale, seed=seed, frames=frames, governorates=resolved)
    report.locations = len(places)
    for plan in round_plans(scale):
        start = time.perf_counter()
        if plan.number in existing:
            report.skipped.append(plan.number)
            continue
        if plan.number == 7 and real_2014 is not None and real_2014.exists():
            files = {Population.IDP.value: real_2014.read_bytes()}
            report.real_2014 = True
        else:
            files = {
                str(k): v
                for k, v in round_generate(
                    plan=plan, places=places, seed=seed, governorates=resolved
                ).files.items()
            }
        # A round is loaded whole or not at all: an interrupted run leaves no half-filled
        # draft that the next run would skip as already there.
        with transaction.atomic():
            assessment_round = services.round_create(
                actor=actor,
                organisation=organisation,
                number=plan.number,
                reference_date=plan.reference_date,
            )
            for population, data in files.items():
                digest.update(data)
                services.round_import(
                    actor=actor,
                    assessment_round=assessment_round,
                    data=data,
                    file=f"round-{plan.number}-{population}.csv",
                    population=population,
                )
            if publish:
                services.round_validate(actor=actor, assessment_round=assessment_round)
                # The history is held flat after its last published point (June 2022), so
                # later rounds repeat national totals on purpose.
                services.round_publish(
                    actor=actor, assessment_round=assessment_round, confirm_duplicate=True
                )
        report.rounds.append(plan)
        if progress is not None:
            progress(plan, time.perf_counter() - start)
    report.files_sha256 = digest.hexdigest()
    return report
