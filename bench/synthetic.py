"""Synthetic DTM master lists: a national round of N locations, deterministic by seed.

Locations are spread over the gazetteer's districts (unevenly, as displacement is), each with a
place id, the governorate and district name of the gazetteer, and a point near the district's
label point. Every round holds every location with IDP households and individuals and every
breakdown: shelter types and periods of displacement (households) and governorate of origin
(households before round 119, individuals from it). Breakdowns add up to their total and every
cell is at least 1, so a location always writes one breakdown row per column.

The headers come from the code lists in force for the round (``Layout``), so the same generator
serves rounds of the 2019 shelter list (11 types, rounds 109-121) and of the 2021 list (13 types,
from round 122).
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, timedelta

HOUSEHOLD_SIZE = 6
FIRST_ROUND = 109
FIRST_REFERENCE_DATE = date(2019, 1, 31)
ROUND_SPACING_DAYS = 30
# The governorates of origin, by gazetteer p-code (Ninewa, Anbar, Salah al-Din, Kirkuk,
# Diyala, Baghdad, Erbil, Babil).
ORIGIN_PCODES = ("IQG15", "IQG01", "IQG16", "IQG13", "IQG10", "IQG08", "IQG11", "IQG07")
FIXED_HEADERS = (
    "Place ID",
    "Governorate",
    "District",
    "Location name",
    "Latitude",
    "Longitude",
    "Households",
    "Individuals",
)


@dataclass(frozen=True)
class District:
    pcode: str
    name: str
    governorate: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Place:
    place_id: str
    name: str
    district: District
    latitude: float
    longitude: float
    base_households: int


@dataclass(frozen=True)
class Layout:
    """The columns of one round's file: (code, header) of each breakdown column."""

    number: int
    shelter: tuple[tuple[str, str], ...]
    period: tuple[tuple[str, str], ...]
    origin: tuple[tuple[str, str], ...]  # (governorate p-code, header)
    origin_unit: str  # "households" or "individuals"

    def header(self) -> list[str]:
        return [
            *FIXED_HEADERS,
            *(h for _, h in self.shelter),
            *(h for _, h in self.period),
            *(h for _, h in self.origin),
        ]


@dataclass(frozen=True)
class LocationFigures:
    place: Place
    households: int
    individuals: int
    shelter: dict[str, int]
    period: dict[str, int]
    origin: dict[str, int]  # governorate p-code -> value in the layout's origin unit


@dataclass(frozen=True)
class RoundData:
    layout: Layout
    reference_date: date
    locations: list[LocationFigures]

    @property
    def number(self) -> int:
        return self.layout.number

    def breakdown_count(self) -> int:
        return sum(len(f.shelter) + len(f.period) + len(f.origin) for f in self.locations)


def round_numbers(rounds: int) -> list[int]:
    return list(range(FIRST_ROUND, FIRST_ROUND + rounds))


def reference_date(number: int) -> date:
    return FIRST_REFERENCE_DATE + timedelta(days=ROUND_SPACING_DAYS * (number - FIRST_ROUND))


def places(*, seed: int, count: int, districts: list[District]) -> list[Place]:
    """``count`` locations over the districts; a few districts hold many, most hold some
    (log-normal weights: the biggest district holds a few percent of the locations)."""
    rng = random.Random(f"{seed}:places")
    weights = [rng.lognormvariate(0.0, 1.0) for _ in districts]
    chosen = rng.choices(districts, weights=weights, k=count)
    result = []
    for index, district in enumerate(chosen):
        households = 30 + int(rng.lognormvariate(4.5, 0.9))
        result.append(
            Place(
                place_id=str(100_000 + index),
                name=f"Location {index}",
                district=district,
                latitude=round(district.latitude + rng.uniform(-0.05, 0.05), 5),
                longitude=round(district.longitude + rng.uniform(-0.05, 0.05), 5),
                base_households=min(households, 20_000),
            )
        )
    return result


def split(total: int, codes: list[str], rng: random.Random) -> dict[str, int]:
    """``total`` divided over the codes, each at least 1, adding up exactly."""
    weights = [rng.random() + 0.1 for _ in codes]
    rest = total - len(codes)
    scale = rest / sum(weights)
    parts = [1 + int(w * scale) for w in weights]
    parts[0] += total - sum(parts)
    return dict(zip(codes, parts, strict=True))


def round_data(*, seed: int, layout: Layout, places: list[Place]) -> RoundData:
    """One round's figures: each location drifts a little from its base size, round to round."""
    rng = random.Random(f"{seed}:round:{layout.number}")
    shelter_codes = [code for code, _ in layout.shelter]
    period_codes = [code for code, _ in layout.period]
    origin_codes = [code for code, _ in layout.origin]
    minimum = max(len(shelter_codes), len(period_codes), len(origin_codes))
    figures = []
    for place in places:
        households = max(minimum, round(place.base_households * rng.uniform(0.92, 1.08)))
        individuals = households * HOUSEHOLD_SIZE
        origin_total = individuals if layout.origin_unit == "individuals" else households
        figures.append(
            LocationFigures(
                place=place,
                households=households,
                individuals=individuals,
                shelter=split(households, shelter_codes, rng),
                period=split(households, period_codes, rng),
                origin=split(origin_total, origin_codes, rng),
            )
        )
    return RoundData(layout=layout, reference_date=reference_date(layout.number), locations=figures)


def csv_bytes(data: RoundData) -> bytes:
    """The round as a wide master list (UTF-8 CSV, one row per location)."""
    layout = data.layout
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(layout.header())
    for f in data.locations:
        place = f.place
        writer.writerow(
            [
                place.place_id,
                place.district.governorate,
                place.district.name,
                place.name,
                place.latitude,
                place.longitude,
                f.households,
                f.individuals,
                *(f.shelter[code] for code, _ in layout.shelter),
                *(f.period[code] for code, _ in layout.period),
                *(f.origin[code] for code, _ in layout.origin),
            ]
        )
    return buffer.getvalue().encode("utf-8")
