"""The JSON API at /api/v1: one NinjaAPI, a router per app, token or session authentication."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.security import APIKeyCookie, HttpBearer

from nahrain.core import services
from nahrain.core.access import second_factor_owed


class TokenAuth(HttpBearer):
    """``Authorization: Bearer nhr_...`` with a token from /accounts/tokens/ or the API (one of a
    user who must use a second factor counts only if it was issued with one)."""

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
        if second_factor_owed(user):
            return None
        return user


ERROR_SCHEMA = {
    "title": "ErrorOut",
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "title": "ValidationErrorOut",
    "type": "object",
    "properties": {
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                },
                "required": ["type", "loc", "msg"],
            },
        }
    },
    "required": ["detail"],
}
ERRORS = {
    "401": "Not signed in: no valid token or session (an admin's token issued without a second "
    "factor is not valid)",
    "403": "Refused: a second factor is owed, or the CSRF token of a session is missing",
    "404": "Not found, or not yours: the two are answered alike",
}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the answers every operation can give besides its own: 401, 403 and 404 from the
    gates, 400 when a body cannot be parsed or holds unstorable text, 422 when a parameter or
    body does not validate (django-ninja's list of errors, or the operation's own 422, such as
    a rejected import)."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            # django-ninja keys the operation's own responses by int; JSON keys are strings.
            responses = {str(code): answer for code, answer in operation["responses"].items()}
            operation["responses"] = responses
            for code, description in ERRORS.items():
                responses.setdefault(code, _json(description, ERROR_SCHEMA))
            responses.setdefault(
                "400", _json("The body cannot be parsed, or holds unstorable text", ERROR_SCHEMA)
            )
            if not (operation.get("parameters") or operation.get("requestBody")):
                continue
            own = responses.get("422")
            if own is None:
                responses["422"] = _json("The request is not valid", VALIDATION_ERROR_SCHEMA)
            else:
                own_schema = own["content"]["application/json"]["schema"]
                own["content"]["application/json"]["schema"] = {
                    "anyOf": [own_schema, VALIDATION_ERROR_SCHEMA]
                }
    return schema


class NahrainAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_error_responses(schema)
        return schema


api = NahrainAPI(
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
    from nahrain.assistance.api import router as assistance_router
    from nahrain.collect.api import router as collect_router
    from nahrain.coordination.api import router as coordination_router
    from nahrain.core.api import router as core_router
    from nahrain.displacement.api import router as dtm_router
    from nahrain.feedback.api import router as feedback_router
    from nahrain.geo.api import router as geo_router
    from nahrain.health.api import router as health_router
    from nahrain.intake.api import router as intake_router
    from nahrain.referrals.api import router as referrals_router
    from nahrain.referrals.case_api import router as cases_router
    from nahrain.referrals.directory_api import router as directory_router
    from nahrain.registry.api import router as registry_router
    from nahrain.registry.figures_api import router as registry_figures_router
    from nahrain.sites.api import router as sites_router

    api.add_router("/", core_router)
    api.add_router("/geo/", geo_router)
    api.add_router("/dtm/", dtm_router)
    api.add_router("/collect/", collect_router)
    api.add_router("/intake/", intake_router)
    api.add_router("/sites/", sites_router)
    api.add_router("/registry/figures", registry_figures_router)
    api.add_router("/registry/", registry_router)
    api.add_router("/services/", directory_router)
    api.add_router("/referrals/", referrals_router)
    api.add_router("/cases/", cases_router)
    api.add_router("/health/", health_router)
    api.add_router("/assistance/", assistance_router)
    api.add_router("/feedback/", feedback_router)
    api.add_router("/coordination/", coordination_router)


_routers()
