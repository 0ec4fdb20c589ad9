"""Who is asking: the client's address behind trusted proxies, and known devices.

A known device (OWASP's "device cookie") is a browser that completed a full sign-in of an
account: a signed cookie naming the account and a random device id. Failed sign-ins from it are
counted against that device alone, so that an attacker guessing at an account (and so making
its untrusted attempts wait) does not keep its owner out.
"""

from __future__ import annotations

import ipaddress
import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.http import HttpRequest, HttpResponseBase

DEVICE_COOKIE = "nahrain_device"
DEVICE_COOKIE_SALT = "nahrain.core.device-cookie"
DEVICE_COOKIE_AGE = 365 * 24 * 3600


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest | None) -> str | None:
    """The client's IP address: REMOTE_ADDR, or with ``NAHRAIN_TRUSTED_PROXY_HEADER`` set, the
    entry ``NAHRAIN_TRUSTED_PROXY_COUNT`` places from the right of that header (entries further
    left were written by the client and prove nothing)."""
    if request is None:
        return None
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    header = settings.NAHRAIN_TRUSTED_PROXY_HEADER
    if not header:
        return remote
    value = request.headers.get(header, "")
    entries = [entry for entry in value.split(",") if entry.strip()]
    count = settings.NAHRAIN_TRUSTED_PROXY_COUNT
    if count < 1 or len(entries) < count:
        return remote
    return _address(entries[-count]) or remote


def known_device(request: HttpRequest | None, username: str) -> str | None:
    """The id of this browser's device cookie if it was given to ``username``, else None."""
    if request is None:
        return None
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    try:
        data = signing.loads(value, salt=DEVICE_COOKIE_SALT, max_age=DEVICE_COOKIE_AGE)
    except signing.BadSignature:
        return None
    # Compared exactly: usernames differing in case alone are different accounts, and a cookie
    # of one must not count another's guesses apart.
    if not isinstance(data, dict) or data.get("u") != username:
        return None
    device = data.get("d")
    return device if isinstance(device, str) else None


def remember_device(request: HttpRequest, response: HttpResponseBase, user: User) -> None:
    """Give the browser a device cookie for ``user`` after a full sign-in (keeping its id if
    it already had one for that user)."""
    username = user.get_username()
    device = known_device(request, username) or secrets.token_hex(16)
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps({"u": username, "d": device}, salt=DEVICE_COOKIE_SALT),
        max_age=DEVICE_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
