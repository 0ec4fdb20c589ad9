"""The JSON API at /api/v1: one NinjaAPI, a router per app, token or session authentication."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.security import APIKeyCookie, HttpBearer

from nahrain.core import services
from nahrain.core.access import requires_second_factor
from nahrain.core.middleware import SESSION_2FA_KEY


class TokenAuth(HttpBearer):
    """``Authorization: Bearer nhr_...`` with a token from /accounts/tokens/ or the API."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = services.api_token_authenticate(secret=token)
        if user is None:
            return None
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session (CSRF-checked for unsafe methods), second factor given."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        if requires_second_factor(user) and not request.session.get(SESSION_2FA_KEY):
            return None
        return user


api = NinjaAPI(
    title="Nahrain API",
    version="1",
    description="Displacement tracking and response information for Iraq and beyond.",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> Any:
    return api.create_response(request, {"detail": "Not found"}, status=404)


def _routers() -> None:
    from nahrain.collect.api import router as collect_router
    from nahrain.core.api import router as core_router
    from nahrain.displacement.api import router as dtm_router
    from nahrain.geo.api import router as geo_router

    api.add_router("/", core_router)
    api.add_router("/geo/", geo_router)
    api.add_router("/dtm/", dtm_router)
    api.add_router("/collect/", collect_router)


_routers()
