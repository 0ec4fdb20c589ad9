"""Collector authentication: Digest after a challenge, Basic over HTTPS only, revocation,
stale nonces, throttling of bad credentials."""

from __future__ import annotations

import base64
import time

from django.test import Client

from nahrain.collect import services
from nahrain.collect.auth import _sign
from nahrain.collect.tests.conftest import Field
from nahrain.collect.tests.odk import Collect
from nahrain.core.models import LoginFailure
from nahrain.testing.personas import Personas


def _basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}", "X-OpenRosa-Version": "1.0"}


def test_challenge_then_digest(field: Field) -> None:
    anonymous = Client().get("/openrosa/formList")
    assert anonymous.status_code == 401
    challenge = anonymous["WWW-Authenticate"]
    assert challenge.startswith('Digest realm="Nahrain", qop="auth", algorithm=MD5, nonce="')
    assert anonymous["X-OpenRosa-Version"] == "1.0"
    assert field.phone.get("/openrosa/formList").status_code == 200
    assert len(field.phone.challenges) == 1  # the nonce is reused afterwards
    assert field.phone.get("/openrosa/formList").status_code == 200
    assert len(field.phone.challenges) == 1


def test_wrong_password_and_wrong_uri_refused(field: Field) -> None:
    wrong = Collect(Client(), field.collector.username, "not the password")
    assert wrong.get("/openrosa/formList").status_code == 401
    assert LoginFailure.objects.filter(username="openrosa:rart01").count() == 1
    phone = field.phone
    phone.get("/openrosa/formList")
    header = phone._authorization("GET", "/openrosa/formList")
    replayed = Client().get(
        f"/openrosa/forms/{field.assessment.uid}/form.xml", headers={"Authorization": header}
    )
    assert replayed.status_code == 401


def test_basic_only_over_https(field: Field, settings: object) -> None:
    headers = _basic(field.phone.username, field.phone.password)
    assert Client().get("/openrosa/formList", headers=headers).status_code == 401
    assert Client().get("/openrosa/formList", headers=headers, secure=True).status_code == 200
    wrong = _basic(field.phone.username, "nope")
    assert Client().get("/openrosa/formList", headers=wrong, secure=True).status_code == 401
    settings.NAHRAIN_COLLECT_BASIC_OVER_HTTP = True  # type: ignore[attr-defined]
    assert Client().get("/openrosa/formList", headers=headers).status_code == 200


def test_stale_nonce_gets_a_fresh_challenge(field: Field) -> None:
    old = str(int(time.time()) - 7200)
    phone = field.phone
    phone.nonce, phone.realm = f"{old}.{_sign(old)}", "Nahrain"
    assert phone.get("/openrosa/formList").status_code == 200
    assert "stale=TRUE" in phone.challenges[0]
    assert LoginFailure.objects.count() == 0


def test_revoked_collector_is_refused(field: Field, personas: Personas) -> None:
    assert field.phone.get("/openrosa/formList").status_code == 200
    services.collector_revoke(actor=personas.layla.user, collector=field.collector)
    assert field.phone.get("/openrosa/formList").status_code == 401
    headers = _basic(field.phone.username, field.phone.password)
    assert Client().get("/openrosa/formList", headers=headers, secure=True).status_code == 401


def test_bad_credentials_are_throttled(field: Field, settings: object) -> None:
    settings.NAHRAIN_LOGIN_MAX_FAILURES = 3  # type: ignore[attr-defined]
    for _ in range(3):
        wrong = _basic(field.phone.username, "guess")
        assert Client().get("/openrosa/formList", headers=wrong, secure=True).status_code == 401
    right = _basic(field.phone.username, field.phone.password)
    throttled = Client().get("/openrosa/formList", headers=right, secure=True)
    assert throttled.status_code == 429
    assert throttled["Retry-After"]


def test_credentials_out_of_ascii_are_refused_not_a_server_error(field: Field) -> None:
    for header in (
        'Digest username="rart01", realm="Nahrain", nonce="1.\u00e9", uri="/openrosa/formList", '
        'response="x"',
        f'Digest username="rart01", realm="Nahrain", nonce="{int(time.time())}.'
        f'{_sign(str(int(time.time())))}", uri="/openrosa/formList", response="\u00e9"',
    ):
        response = Client().get("/openrosa/formList", headers={"Authorization": header})
        assert response.status_code == 401
