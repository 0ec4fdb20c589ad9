"""Request ids, the second-factor gate and security headers."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlencode

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.urls import Resolver404, resolve, reverse

from nahrain.core.access import second_factor_owed
from nahrain.core.context import current_request_id

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# Content-Security-Policy: no inline scripts, nothing from another origin.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class RequestIdMiddleware:
    """Give every request an id (or keep a sane one from a proxy) for logs and audit rows."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


def unstorable(value: Any) -> bool:
    """True for text no database stores: a NUL character (PostgreSQL refuses it) or a lone
    surrogate (not encodable as UTF-8), anywhere inside a parsed JSON value."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(unstorable(k) or unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(unstorable(v) for v in value)
    return False


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


# The OpenRosa submission view reads its (possibly chunked) multipart body itself; parsing it
# here would consume the stream. It checks the XML it stores with an XML parser, which refuses
# NUL characters.
OWN_BODY_PREFIXES = ("/openrosa/",)


class UnstorableTextMiddleware:
    """Refuse with 400 a request whose path, query or text body holds characters no database
    column can store, before any view passes them to a query and fails with a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._refused(request):
            message = "The request holds a NUL character or text that is not valid Unicode."
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)

    @staticmethod
    def _refused(request: HttpRequest) -> bool:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in unquote(query):
            return True
        content_type = request.content_type or ""
        if request.path.startswith(OWN_BODY_PREFIXES):
            return False
        if request.method == "POST" and content_type in FORM_TYPES:
            # Parsed here as the CSRF check would parse it anyway; the files' contents are left
            # to the readers (a workbook is binary), their names are text like any field.
            fields = [value for _, values in request.POST.lists() for value in values]
            names = [f.name or "" for _, files in request.FILES.lists() for f in files]
            return unstorable([*fields, *names])
        if content_type == "application/json" and request.body:
            try:
                return unstorable(json.loads(request.body))
            except ValueError:
                return False  # not JSON: the API answers that itself
        return False


# What a session may reach before its second factor: the pages that take it (a code, a
# recovery code, an enrolment link), signing in and out, and the language switch.
BEFORE_SECOND_FACTOR = frozenset(
    {
        "core:login",
        "core:logout",
        "core:two_factor",
        "core:recovery",
        "core:enrol",
        "core:invitation",
        "set_language",
    }
)


class TwoFactorMiddleware:
    """Sessions of users who need a second factor reach nothing else until they have given it.

    A request to the API that carries its own credentials (a bearer token) is left to the API,
    which refuses a token of such a user issued without a second factor; OpenRosa's endpoints
    authenticate collectors alone, and a session opens nothing there."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not second_factor_owed(request.user) or self._allowed(request):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "Second factor required"}, status=403)
        return HttpResponseRedirect(
            reverse("core:two_factor") + "?" + urlencode({"next": request.get_full_path()})
        )

    @staticmethod
    def _allowed(request: HttpRequest) -> bool:
        if request.path.startswith(("/static/", "/openrosa/")):
            return True
        if request.path.startswith("/api/") and "Authorization" in request.headers:
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name in BEFORE_SECOND_FACTOR


class SecurityHeadersMiddleware:
    """Headers Django does not set itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
