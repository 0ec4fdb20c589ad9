"""Request types and answer helpers shared by the apps' views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers


class AuthenticatedHttpRequest(HttpRequest):
    """For views behind ``login_required``, where ``request.user`` is a real user."""

    user: User


R = TypeVar("R", bound=HttpResponseBase)


def no_store(response: R) -> R:
    """Mark an answer that carries personal data or a secret: no browser, proxy or shared
    cache may keep it (``Cache-Control: no-store`` among Django's never-cache headers)."""
    add_never_cache_headers(response)
    return response


def per_reader(response: R, *, exact: bool) -> R:
    """Mark an answer whose figures depend on who asks (exact for the holding organisation, small
    cells hidden for others): the exact one is kept by no cache (``no_store``), the suppressed
    one by the reader's browser alone, so no shared cache hands one reader's answer to another."""
    if exact:
        return no_store(response)
    patch_cache_control(response, private=True)
    patch_vary_headers(response, ("Cookie", "Authorization"))
    return response


V = TypeVar("V", bound=Callable[..., Any])


def personal_data(view: V) -> V:
    """Decorate a page view whose answers carry personal data or a secret (see ``no_store``)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return no_store(view(*args, **kwargs))

    return wrapper  # type: ignore[return-value]


def refusal_pairs(error: ValidationError) -> list[tuple[str, str]]:
    """A services' refusal as (field, message) pairs, the field empty where it names none: what
    every API's 422 answer lists."""
    if hasattr(error, "error_dict"):
        return [
            ("" if name == NON_FIELD_ERRORS else name, message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [("", message) for message in error.messages]


def refusal_detail(pairs: list[tuple[str, str]]) -> str:
    """The refusal's pairs read as one sentence for the answer's ``detail``."""
    return " ".join(f"{name}: {message}" if name else message for name, message in pairs)
