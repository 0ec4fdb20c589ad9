"""Sign-in, throttling and the second factor, through the pages."""

from __future__ import annotations

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from nahrain.core.models import AuditEvent, LoginFailure, TotpDevice
from nahrain.testing.personas import PASSWORD, Personas

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str, password: str) -> object:
    return client.post(reverse("core:login"), {"username": username, "password": password})


def test_a_member_signs_in_and_lands_on_home(personas: Personas) -> None:
    client = Client()
    response = sign_in(client, "layla", PASSWORD)
    assert response.status_code == 302  # type: ignore[attr-defined]
    home = client.get(reverse("core:home"))
    assert home.status_code == 200
    assert "International Organization for Migration" in home.content.decode()
    assert AuditEvent.objects.filter(action="user.login", actor=personas.layla.user).exists()


def test_a_wrong_password_is_refused_and_counted(personas: Personas) -> None:
    response = sign_in(Client(), "layla", "not the password")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert LoginFailure.objects.filter(username="layla").count() == 1


def test_after_five_failures_even_the_right_password_is_refused(personas: Personas) -> None:
    for _ in range(5):
        sign_in(Client(), "layla", "guess")
    response = sign_in(Client(), "layla", PASSWORD)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "Too many failed sign-in attempts" in response.content.decode()  # type: ignore[attr-defined]
    assert "_auth_user_id" not in Client().session


def test_throttling_of_one_account_leaves_others_alone(personas: Personas) -> None:
    for _ in range(5):
        sign_in(Client(), "layla", "guess")
    assert sign_in(Client(), "omar", PASSWORD).status_code == 302  # type: ignore[attr-defined]


def test_anonymous_visitors_are_sent_to_sign_in() -> None:
    response = Client().get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_a_platform_admin_must_give_a_second_factor_before_anything_else(
    personas: Personas,
) -> None:
    client = Client()
    assert sign_in(client, "root", PASSWORD).status_code == 302  # type: ignore[attr-defined]
    blocked = client.get(reverse("core:home"))
    assert blocked.status_code == 302
    assert blocked["Location"].startswith(reverse("core:two_factor"))
    assert client.get("/admin/").status_code == 302
    assert client.get("/api/v1/me").status_code in (401, 403)

    device = TotpDevice.objects.get(user=personas.root.user)
    device.confirmed_at = device.confirmed_at or device.user.date_joined
    device.save()
    code = pyotp.TOTP(device.secret).now()
    verified = client.post(reverse("core:two_factor"), {"code": code})
    assert verified.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200
    assert client.get("/admin/").status_code == 200
    # A code cannot be used twice.
    again = Client()
    sign_in(again, "root", PASSWORD)
    assert again.post(reverse("core:two_factor"), {"code": code}).status_code == 200


def test_first_sign_in_of_an_admin_sets_up_the_authenticator(personas: Personas) -> None:
    TotpDevice.objects.filter(user=personas.iom_admin.user).delete()
    client = Client()
    sign_in(client, "iom_admin", PASSWORD)
    page = client.get(reverse("core:two_factor"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TotpDevice.objects.get(user=personas.iom_admin.user)
    assert device.confirmed_at is None
    assert client.post(reverse("core:two_factor"), {"code": "000000"}).status_code == 200
    response = client.post(reverse("core:two_factor"), {"code": pyotp.TOTP(device.secret).now()})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed_at is not None


def test_the_admin_login_page_is_nahrains_own(personas: Personas) -> None:
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_pages_carry_security_headers(personas: Personas) -> None:
    response = Client().get(reverse("core:login"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Request-ID"]


def test_signing_out_ends_the_session(personas: Personas) -> None:
    client = personas.layla.client()
    assert client.post(reverse("core:logout")).status_code == 302
    assert client.get(reverse("core:home")).status_code == 302
