"""Authenticating collectors the way OpenRosa clients do: Digest (RFC 2617/7616 with MD5, as
ODK Collect, KoboCollect and Enketo send it) everywhere, and Basic over HTTPS only.

Nonces are stateless: a timestamp signed with the server's secret, valid for
``NAHRAIN_COLLECT_NONCE_SECONDS``; an expired one gets a new challenge marked ``stale`` so
that the app retries without asking the collector again. Bad credentials are counted with the
sign-in's failures (per account and per address) and throttled alike.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.http import HttpRequest

from nahrain.collect.models import Collector
from nahrain.core import selectors as core_selectors
from nahrain.core import services as core_services
from nahrain.core.forms import client_ip

# Failures are counted under this prefix so that a collector and a web user of the same name
# do not share a throttle.
THROTTLE_PREFIX = "openrosa:"
_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


@dataclass
class AuthResult:
    collector: Collector | None
    stale: bool = False
    throttled: bool = False


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _sign(timestamp: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"openrosa-nonce:{timestamp}".encode(), hashlib.sha256).hexdigest()[:32]


def new_nonce() -> str:
    timestamp = str(int(time.time()))
    return f"{timestamp}.{_sign(timestamp)}"


def _nonce_state(nonce: str) -> str:
    """ "ok", "stale" (ours, but too old) or "bad"."""
    timestamp, _, signature = nonce.partition(".")
    # Bytes, not str: compare_digest refuses non-ASCII text, and headers are untrusted.
    if not timestamp.isdigit() or not hmac.compare_digest(
        signature.encode(), _sign(timestamp).encode()
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


def _digest(request: HttpRequest, value: str) -> tuple[Collector | None, bool]:
    params = parse_params(value)
    username = params.get("username", "")
    nonce_state = _nonce_state(params.get("nonce", ""))
    if params.get("realm") != settings.NAHRAIN_COLLECT_REALM or nonce_state == "bad":
        return None, False
    if params.get("algorithm", "MD5").upper() != "MD5":
        return None, False
    if params.get("uri", "") != request.get_full_path():
        return None, False
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
        return None, False
    if collector is None or not hmac.compare_digest(
        expected.encode(), params.get("response", "").encode()
    ):
        return None, False
    if nonce_state == "stale":
        return None, True
    return collector, False


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
    ip_address = client_ip(request)
    throttle_name = THROTTLE_PREFIX + username
    if username and core_selectors.login_is_throttled(
        username=throttle_name, ip_address=ip_address
    ):
        return AuthResult(None, throttled=True)
    stale = False
    if scheme == "digest":
        collector, stale = _digest(request, value)
    else:
        collector = _basic(username, password)
    if collector is None and not stale:
        core_services.login_failure_record(username=throttle_name, ip_address=ip_address)
    return AuthResult(collector, stale=stale)
