from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from nahrain.core.schemas import ProblemOut

MAX_COUNT = 100_000_000


class RoundIn(Schema):
    organisation_id: uuid.UUID
    number: int = Field(..., ge=1, le=100000)
    reference_date: date


class RoundOut(Schema):
    uid: uuid.UUID
    organisation: str
    number: int
    version: int
    reference_date: date
    status: str
    populations: list[str]
    published_at: datetime | None
    replaces: uuid.UUID | None


class ImportReportOut(Schema):
    file: str
    format: str
    population: str
    dry_run: bool
    locations: int
    new_locations: int
    households: int
    individuals: int
    mapping: list[dict[str, str]]
    errors: list[ProblemOut]
    warnings: list[ProblemOut]


class RejectedOut(Schema):
    detail: str
    errors: list[ProblemOut]
    warnings: list[ProblemOut]


class PublishRefusedOut(Schema):
    """Why publishing waits for a confirmation: the rounds this one looks like."""

    detail: str
    warnings: list[ProblemOut]


class FigureOut(Schema):
    pcode: str
    name_en: str
    name_ar: str
    level: int
    population: str
    category: str
    households: int
    individuals: int
    locations: int


class LocationFigureOut(Schema):
    place_id: str
    name_en: str
    name_ar: str
    adm1: str
    adm2: str | None
    adm3: str | None
    latitude: float | None
    longitude: float | None
    population: str
    households: int
    individuals: int


class MovementIn(Schema):
    organisation_id: uuid.UUID
    event: str = Field(..., min_length=1, max_length=120)
    date: date
    place_id: str = Field(..., max_length=64)
    population: str = Field(..., max_length=20)
    direction: str = Field(..., max_length=20)
    # Bounded so that no number reaches the database beyond what its integer columns hold.
    households: int = Field(..., ge=0, le=MAX_COUNT)
    individuals: int | None = Field(None, ge=0, le=MAX_COUNT)
    cause: str = Field("", max_length=200)


class MovementOut(Schema):
    uid: uuid.UUID
    event: str
    date: date
    place_id: str
    adm1: str
    population: str
    direction: str
    households: int
    individuals: int
    cause: str


class DetailOut(Schema):
    detail: str


JSON = dict[str, Any]
