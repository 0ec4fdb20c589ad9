from __future__ import annotations

import uuid
from datetime import datetime

from ninja import Schema
from pydantic import Field


class OrganisationOut(Schema):
    id: uuid.UUID
    name: str
    acronym: str
    type: str


class MemberOut(Schema):
    id: uuid.UUID
    username: str
    full_name: str
    role: str


class ApiTokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    # A current code of the caller's authenticator app: required of platform and organisation
    # admins, ignored for everyone else.
    code: str = Field("", max_length=10)


class ErrorOut(Schema):
    detail: str


class ApiTokenOut(Schema):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreatedOut(ApiTokenOut):
    secret: str


class MeOut(Schema):
    username: str
    is_platform_admin: bool
    memberships: list[dict[str, str]]


class ProblemOut(Schema):
    """A problem of an input file or form: where it is and which rule it breaks."""

    file: str
    row: int | None
    column: str
    rule: str
    message: str
    severity: str
