"""Authenticating collectors the way OpenRosa clients do: Digest (RFC 2617/7616 with MD5, as
ODK Collect, KoboCollect and Enketo send it) everywhere, and Basic over HTTPS only.

Nonces are a timestamp and random bits signed with the server's secret, valid for
``NAHRAIN_COLLECT_NONCE_SECONDS``; an expired one gets a new challenge marked ``stale`` so
that the app retries without asking the collector again. The highest nonce count accepted with
each nonce is kept (``DigestNonce``), so a captured header cannot be sent again. Bad credentials
are counted per collector account and per address like the web sign-in's, but apart from them:
a phone guessing wrong delays neither people signing in nor other collectors' accounts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.http import HttpRequest

from nahrain.collect import services
from nahrain.collect.models import Collector
from nahrain.core import services as core_services
from nahrain.core.clients import client_address
from nahrain.core.models import AttemptScope

_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


@dataclass
class AuthResult:
    collector: Collector | None
    stale: bool = False
    # Seconds the client must wait before its credentials are checked again (0: none).
    wait: float = 0.0


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _sign(value: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"openrosa-nonce:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def new_nonce(timestamp: int | None = None) -> str:
    """A signed nonce: its time (for expiry) and random bits, so that two challenges of one
    second differ and their nonce counts are tracked apart."""
    value = f"{int(time.time()) if timestamp is None else timestamp}.{secrets.token_hex(8)}"
    return f"{value}.{_sign(value)}"


def _nonce_state(nonce: str) -> str:
    """ "ok", "stale" (ours, but too old) or "bad"."""
    value, _, signature = nonce.rpartition(".")
    timestamp = value.partition(".")[0]
    # Bytes, not str: compare_digest refuses non-ASCII text, and headers are untrusted.
    if not timestamp.isdigit() or not hmac.compare_digest(
        signature.encode(), _sign(value).encode()
    ):
        return "bad"
    if time.time() - int(timestamp) > settings.NAHRAIN_COLLECT_NONCE_SECONDS:
        return "stale"
    return "ok"


def challenge(*, stale: bool = False) -> str:
    """The WWW-Authenticate header of a 401."""
    realm = settings.NAHRAIN_COLLECT_REALM
    header = f'Digest realm="{realm}", qop="auth", algorithm=MD5, nonce="{new_nonce()}"'
    return header + (", stale=TRUE" if stale else "")


def parse_params(value: str) -> dict[str, str]:
    return {
        m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3))
        for m in _PARAM.finditer(value)
    }


def basic_allowed(request: HttpRequest) -> bool:
    return request.is_secure() or bool(settings.NAHRAIN_COLLECT_BASIC_OVER_HTTP)


def _active(username: str) -> Collector | None:
    return (
        Collector.objects.select_related("organisation")
        .filter(username=username, revoked_at__isnull=True)
        .first()
    )


def _nonce_count(params: dict[str, str]) -> int | None:
    """The nonce count as a number: nc (hex) with qop, 0 without; None when malformed."""
    if not params.get("qop"):
        return 0
    nc = params.get("nc", "")
    if not (1 <= len(nc) <= 8) or any(c not in "0123456789abcdefABCDEF" for c in nc):
        return None
    return int(nc, 16)


def _digest(request: HttpRequest, value: str) -> tuple[Collector | None, str]:
    """The collector and "ok"; or None and why: "stale" (right, but the nonce is too old),
    "replay" (right, but this nonce count was accepted already) or "bad"."""
    params = parse_params(value)
    username = params.get("username", "")
    nonce_state = _nonce_state(params.get("nonce", ""))
    if params.get("realm") != settings.NAHRAIN_COLLECT_REALM or nonce_state == "bad":
        return None, "bad"
    if params.get("algorithm", "MD5").upper() != "MD5":
        return None, "bad"
    if params.get("uri", "") != request.get_full_path():
        return None, "bad"
    collector = _active(username)
    ha1 = collector.digest_ha1 if collector else _md5("absent:account:")
    ha2 = _md5(f"{request.method}:{params.get('uri', '')}")
    qop = params.get("qop", "")
    if qop == "auth":
        expected = _md5(
            f"{ha1}:{params.get('nonce', '')}:{params.get('nc', '')}:"
            f"{params.get('cnonce', '')}:auth:{ha2}"
        )
    elif not qop:
        expected = _md5(f"{ha1}:{params.get('nonce', '')}:{ha2}")
    else:
        return None, "bad"
    if collector is None or not hmac.compare_digest(
        expected.encode(), params.get("response", "").encode()
    ):
        return None, "bad"
    if nonce_state == "stale":
        return None, "stale"
    nonce = params.get("nonce", "")
    count = _nonce_count(params)
    expires = int(nonce.partition(".")[0]) + settings.NAHRAIN_COLLECT_NONCE_SECONDS
    if count is None or not services.digest_nonce_use(nonce=nonce, count=count, expires=expires):
        return None, "replay"
    return collector, "ok"


def _basic_credentials(value: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    username, _, password = decoded.partition(":")
    return username, password


def _basic(username: str, password: str) -> Collector | None:
    collector = _active(username)
    if collector is None:
        # Hash anyway, so that a missing account answers as slowly as a wrong password.
        make_password(password)
        return None
    if not check_password(password, collector.password_hash):
        return None
    return collector


def authenticate(request: HttpRequest) -> AuthResult:
    """The collector the request's credentials name, or why there is none."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme not in ("digest", "basic") or (scheme == "basic" and not basic_allowed(request)):
        return AuthResult(None)
    if scheme == "digest":
        username, password = parse_params(value).get("username", ""), ""
    else:
        username, password = _basic_credentials(value)
    if not username:
        return AuthResult(None)
    keys = [f"account:{username.casefold()[:150]}"]
    address = client_address(request)
    if address:
        keys.append(f"address:{address}")
    wait = core_services.attempt_begin(scope=AttemptScope.COLLECT, keys=keys)
    if wait:
        return AuthResult(None, wait=wait)
    if scheme == "digest":
        collector, outcome = _digest(request, value)
    else:
        collector = _basic(username, password)
        outcome = "ok" if collector is not None else "bad"
    # Only a right, fresh answer clears the counters: a replayed or stale header proves nothing
    # about who sends it now (one captured header must not reset the waits of someone guessing),
    # so it only gives back the attempt it was charged.
    if outcome == "ok":
        core_services.attempt_succeeded(scope=AttemptScope.COLLECT, keys=keys)
    elif outcome != "bad":
        core_services.attempt_released(scope=AttemptScope.COLLECT, keys=keys)
    return AuthResult(collector, stale=outcome == "stale")
