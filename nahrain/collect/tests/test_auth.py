"""Collector authentication: Digest after a challenge, Basic over HTTPS only, revocation,
stale nonces, replayed headers, throttling of bad credentials."""

from __future__ import annotations

import base64
import hashlib
import time
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from nahrain.collect import services
from nahrain.collect.auth import new_nonce
from nahrain.collect.models import DigestNonce
from nahrain.collect.tests.conftest import Field
from nahrain.collect.tests.odk import Collect
from nahrain.core.models import AttemptCounter, AttemptScope
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
    counted = AttemptCounter.objects.get(scope=AttemptScope.COLLECT, key="account:rart01")
    assert counted.failures == 1
    assert not AttemptCounter.objects.filter(scope=AttemptScope.WEB).exists()
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
    phone = field.phone
    phone.nonce, phone.realm = new_nonce(int(time.time()) - 7200), "Nahrain"
    assert phone.get("/openrosa/formList").status_code == 200
    assert "stale=TRUE" in phone.challenges[0]
    assert not AttemptCounter.objects.filter(failures__gt=0).exists()


def test_revoked_collector_is_refused(field: Field, personas: Personas) -> None:
    assert field.phone.get("/openrosa/formList").status_code == 200
    services.collector_revoke(actor=personas.layla.user, collector=field.collector)
    assert field.phone.get("/openrosa/formList").status_code == 401
    headers = _basic(field.phone.username, field.phone.password)
    assert Client().get("/openrosa/formList", headers=headers, secure=True).status_code == 401


def test_bad_credentials_wait_longer_and_longer(field: Field, settings: object) -> None:
    settings.NAHRAIN_LOGIN_FREE_FAILURES = 3  # type: ignore[attr-defined]
    for _ in range(3):
        wrong = _basic(field.phone.username, "guess")
        assert Client().get("/openrosa/formList", headers=wrong, secure=True).status_code == 401
    right = _basic(field.phone.username, field.phone.password)
    throttled = Client().get("/openrosa/formList", headers=right, secure=True)
    assert throttled.status_code == 429
    assert throttled["Retry-After"] == "1"  # 2^(3-3) seconds after the third failure
    AttemptCounter.objects.update(last_attempt_at=timezone.now() - timedelta(seconds=2))
    assert Client().get("/openrosa/formList", headers=right, secure=True).status_code == 200


def test_credentials_out_of_ascii_are_refused_not_a_server_error(field: Field) -> None:
    for header in (
        'Digest username="rart01", realm="Nahrain", nonce="1.\u00e9", uri="/openrosa/formList", '
        'response="x"',
        f'Digest username="rart01", realm="Nahrain", nonce="{new_nonce()}", '
        'uri="/openrosa/formList", response="\u00e9"',
    ):
        response = Client().get("/openrosa/formList", headers={"Authorization": header})
        assert response.status_code == 401


def test_a_nonce_count_is_accepted_once_and_only_upwards(field: Field) -> None:
    phone = field.phone
    assert phone.get("/openrosa/formList").status_code == 200
    header = phone._authorization("GET", "/openrosa/formList")
    sent = Client().get("/openrosa/formList", headers={"Authorization": header})
    assert sent.status_code == 200
    again = Client().get("/openrosa/formList", headers={"Authorization": header})
    assert again.status_code == 401
    assert "stale" not in again["WWW-Authenticate"]
    phone.nc -= 3  # a lower count than one already accepted
    lower = phone._authorization("GET", "/openrosa/formList")
    assert Client().get("/openrosa/formList", headers={"Authorization": lower}).status_code == 401
    phone.nc += 5
    assert phone.get("/openrosa/formList").status_code == 200


def test_a_header_without_qop_uses_its_nonce_once(field: Field) -> None:
    nonce = new_nonce()
    ha1 = field.collector.digest_ha1
    ha2 = hashlib.md5(b"GET:/openrosa/formList", usedforsecurity=False).hexdigest()
    response = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode(), usedforsecurity=False).hexdigest()
    header = (
        f'Digest username="rart01", realm="Nahrain", nonce="{nonce}", uri="/openrosa/formList", '
        f'response="{response}"'
    )
    assert Client().get("/openrosa/formList", headers={"Authorization": header}).status_code == 200
    assert Client().get("/openrosa/formList", headers={"Authorization": header}).status_code == 401


def test_spent_nonces_are_forgotten_once_expired(field: Field) -> None:
    assert field.phone.get("/openrosa/formList").status_code == 200
    assert DigestNonce.objects.count() == 1
    DigestNonce.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    services.digest_nonce_use(nonce="1.x", count=1, expires=int(time.time()) + 60)
    assert list(DigestNonce.objects.values_list("nonce", flat=True)) == ["1.x"]
