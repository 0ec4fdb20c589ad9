"""Builders shared by the interface tests: small wide-format master lists, rounds, clients.

A master list is built from ``Place`` rows; every breakdown is derived from the households so
that it always adds up, and the expected figures can be computed from the same rows.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from django.test import Client

from nahrain.displacement import services
from nahrain.displacement.models import AssessmentRound
from nahrain.testing.personas import Personas

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

# Wide-format rounds 14 to 108 share one shelter list; origins are in households before 119.
ROUND = 90
NEXT_ROUND = 91
HOUSEHOLD_SIZE = 6

GOVERNORATE_PCODES = {"Dahuk": "IQG09", "Erbil": "IQG11", "Ninewa": "IQG15", "Anbar": "IQG01"}
ORIGINS = (("Origin: Anbar", "IQG01"), ("Origin: Ninewa", "IQG15"))
HEADER = [
    "Place ID",
    "Governorate",
    "District",
    "Location name",
    "Latitude",
    "Longitude",
    "Families",
    "Camp",
    "Host families",
    "Rented houses",
    "Pre-June14",
    "Post March16",
    *(header for header, _pcode in ORIGINS),
]


@dataclass(frozen=True)
class Place:
    place_id: str
    governorate: str
    district: str
    name: str
    latitude: float | None
    longitude: float | None
    households: int

    @property
    def adm1(self) -> str:
        return GOVERNORATE_PCODES[self.governorate]

    @property
    def individuals(self) -> int:
        return self.households * HOUSEHOLD_SIZE

    def shelter(self) -> list[int]:
        """Camp, host families, rented houses."""
        camp, host = self.households // 2, self.households // 4
        return [camp, host, self.households - camp - host]

    def period(self) -> list[int]:
        """Pre-June 2014, post March 2016."""
        before = self.households // 3
        return [before, self.households - before]

    def origin(self) -> list[int]:
        """Anbar, Ninewa (households)."""
        anbar = self.households // 2
        return [anbar, self.households - anbar]


PLACES: tuple[Place, ...] = (
    Place("7001", "Dahuk", "Zakho", "Zakho centre", 37.1436, 42.6818, 120),
    Place("7002", "Dahuk", "Sumail", "Sumail centre", 36.8586, 42.8447, 60),
    Place("7003", "Erbil", "Erbil", "Ankawa", 36.2297, 43.9931, 90),
    Place("7004", "Ninewa", "Mosul", "Al-Zuhoor", 36.3690, 43.1650, 200),
    Place("7005", "Anbar", "Falluja", "Al-Nuaimiya", 33.3000, 43.7800, 30),
)


def wide_rows(places: Iterable[Place] = PLACES) -> list[list[Any]]:
    rows: list[list[Any]] = [list(HEADER)]
    for p in places:
        rows.append(
            [
                p.place_id,
                p.governorate,
                p.district,
                p.name,
                "" if p.latitude is None else p.latitude,
                "" if p.longitude is None else p.longitude,
                p.households,
                *p.shelter(),
                *p.period(),
                *p.origin(),
            ]
        )
    return rows


def csv_from_rows(rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def wide_csv(places: Iterable[Place] = PLACES) -> bytes:
    """A wide-format IDP master list (round 14 to 108 headers) of the places, as CSV bytes."""
    return csv_from_rows(wide_rows(places))


def many_places(count: int) -> tuple[Place, ...]:
    """``count`` places spread over the districts of ``PLACES``, all households different."""
    return tuple(
        replace(
            PLACES[i % len(PLACES)],
            place_id=str(8000 + i),
            name=f"Place {i}",
            households=10 + i,
        )
        for i in range(count)
    )


def with_households(places: Iterable[Place], changes: dict[str, int]) -> tuple[Place, ...]:
    return tuple(
        replace(p, households=changes[p.place_id]) if p.place_id in changes else p for p in places
    )


def national_households(places: Iterable[Place]) -> int:
    return sum(p.households for p in places)


def national_individuals(places: Iterable[Place]) -> int:
    return sum(p.individuals for p in places)


def by_governorate(places: Iterable[Place]) -> dict[str, int]:
    """Individuals per governorate p-code."""
    sums: dict[str, int] = {}
    for p in places:
        sums[p.adm1] = sums.get(p.adm1, 0) + p.individuals
    return sums


# --- rounds -----------------------------------------------------------------------------------


def round_open(personas: Personas, number: int = ROUND) -> AssessmentRound:
    """IOM's empty draft round (through the service, as set-up)."""
    return services.round_create(
        actor=personas.layla.user,
        organisation=personas.iom,
        number=number,
        reference_date=date(2017, 1, 1 + number % 28),
    )


def round_imported(
    personas: Personas,
    places: Iterable[Place] = PLACES,
    *,
    number: int = ROUND,
    publish: bool = False,
) -> AssessmentRound:
    """IOM's round holding the places' IDPs; validated and published when asked."""
    assessment_round = round_open(personas, number)
    services.round_import(
        actor=personas.layla.user,
        assessment_round=assessment_round,
        data=wide_csv(places),
        file=f"round-{number}.csv",
        population="idp",
    )
    if publish:
        services.round_validate(actor=personas.layla.user, assessment_round=assessment_round)
        assessment_round = services.round_publish(
            actor=personas.layla.user, assessment_round=assessment_round
        )
    assessment_round.refresh_from_db()
    return assessment_round


def two_published_rounds(personas: Personas) -> tuple[AssessmentRound, AssessmentRound]:
    """IOM's rounds 90 and 91, both published; round 91 has more IDPs in Zakho and fewer in
    Mosul."""
    first = round_imported(personas, publish=True)
    second = round_imported(
        personas,
        with_households(PLACES, {"7001": 150, "7004": 180}),
        number=NEXT_ROUND,
        publish=True,
    )
    return first, second


# --- HTTP -------------------------------------------------------------------------------------

RANDOM_UID = uuid.UUID("3f2b8c1e-9d4a-4e6b-8a7c-5d1e2f3a4b5c")


def bearer_client(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def api_import(
    client: Client,
    round_uid: uuid.UUID | str,
    data: bytes,
    *,
    name: str = "master.csv",
    population: str | None = "idp",
    dry_run: bool = False,
) -> Response:
    """POST a master list to the round's imports endpoint (multipart, as a browser would)."""
    upload = io.BytesIO(data)
    upload.name = name
    form: dict[str, Any] = {"file": upload, "dry_run": "true" if dry_run else "false"}
    if population is not None:
        form["population"] = population
    return client.post(f"/api/v1/dtm/rounds/{round_uid}/imports", form)
