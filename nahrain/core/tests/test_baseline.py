"""The sign-in and input baseline the permission matrix does not cover: session expiry, the
second factor of organisation admins, password rules, and text no database can store."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nahrain.core import services
from nahrain.core.models import ApiToken
from nahrain.testing.personas import PASSWORD, Personas

pytestmark = pytest.mark.django_db


def test_a_session_expires_after_its_age() -> None:
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_HTTPONLY


def test_an_expired_session_is_signed_out(personas: Personas) -> None:
    client = personas.layla.client()
    assert client.get(reverse("core:home")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))
    assert client.get("/api/v1/me").status_code == 401


def test_an_organisation_admin_gives_a_second_factor_before_anything_else(
    personas: Personas,
) -> None:
    client = Client()
    signed_in = client.post(
        reverse("core:login"), {"username": "intersos_admin", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    page = client.get(reverse("displacement:rounds"))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("core:two_factor"))
    assert client.get("/api/v1/me").status_code == 403
    # An IOM data-entry member holds no admin role: the password alone is enough.
    plain = Client()
    plain.post(reverse("core:login"), {"username": "hana", "password": PASSWORD})
    assert plain.get(reverse("displacement:rounds")).status_code == 200


@pytest.mark.parametrize(
    "password",
    ["password1234", "qwertyuiop123", "short7", "123456789012345", "laylaalrashid"],
)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        services.user_create(username="laylaalrashid", password=password)


def test_text_with_a_nul_character_is_refused_before_it_reaches_the_database(
    personas: Personas,
) -> None:
    client = Client(headers={"Authorization": f"Bearer {personas.layla.token()}"})
    tokens = ApiToken.objects.count()
    created = client.post("/api/v1/tokens", {"name": "a\x00b"}, content_type="application/json")
    assert created.status_code == 400
    assert "NUL" in created.json()["detail"]
    assert ApiToken.objects.count() == tokens
    assert client.get("/api/v1/geo/search?q=Da%00huk").status_code == 400
    browser = personas.layla.client()
    assert browser.post("/accounts/tokens/", {"name": "a\x00b"}).status_code == 400
    form = "name=a%00b"
    urlencoded = "application/x-www-form-urlencoded"
    assert browser.post("/accounts/tokens/", form, content_type=urlencoded).status_code == 400
    assert ApiToken.objects.count() == tokens


def test_unencodable_text_is_refused(personas: Personas) -> None:
    client = Client(headers={"Authorization": f"Bearer {personas.layla.token()}"})
    body = '{"name": "lone \\ud800 surrogate"}'
    response = client.post("/api/v1/tokens", body, content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("name", ["", "x" * 101])
def test_a_token_name_out_of_bounds_is_a_422_not_a_server_error(
    personas: Personas, name: str
) -> None:
    client = Client(headers={"Authorization": f"Bearer {personas.layla.token()}"})
    response = client.post("/api/v1/tokens", {"name": name}, content_type="application/json")
    assert response.status_code == 422
