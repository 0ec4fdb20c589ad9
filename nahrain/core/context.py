"""The request id of the work in progress, so that audit rows can name it without plumbing."""

from __future__ import annotations

from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")
