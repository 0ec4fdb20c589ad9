"""Request types and answer helpers shared by the apps' views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers


class AuthenticatedHttpRequest(HttpRequest):
    """For views behind ``login_required``, where ``request.user`` is a real user."""

    user: User


R = TypeVar("R", bound=HttpResponseBase)


def no_store(response: R) -> R:
    """Mark an answer that carries personal data or a secret: no browser, proxy or shared
    cache may keep it (``Cache-Control: no-store`` among Django's never-cache headers)."""
    add_never_cache_headers(response)
    return response


V = TypeVar("V", bound=Callable[..., Any])


def personal_data(view: V) -> V:
    """Decorate a page view whose answers carry personal data or a secret (see ``no_store``)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return no_store(view(*args, **kwargs))

    return wrapper  # type: ignore[return-value]
