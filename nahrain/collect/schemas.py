"""In/Out schemas of the field data collection API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from nahrain.core.schemas import ProblemOut


class SubmissionOut(Schema):
    uid: uuid.UUID
    form_id: str
    form_version: str
    instance_id: str
    collector: str | None
    status: str
    complete: bool
    batch: str
    received_at: datetime
    reviewed_at: datetime | None
    reject_reason: str
    data: dict[str, Any]
    problems: list[ProblemOut]
    accepted: dict[str, str]


class RejectIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class NotAcceptableOut(Schema):
    detail: str
    errors: list[ProblemOut]


class KeyInformantOut(Schema):
    name: str
    phone: str
