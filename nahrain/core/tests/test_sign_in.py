"""Sign-in, throttling and the second factor, through the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from nahrain.core import selectors
from nahrain.core.models import AttemptCounter, AuditEvent
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
    assert AttemptCounter.objects.get(key="account:layla").failures == 1
    assert AttemptCounter.objects.get(key="address:127.0.0.1").failures == 1


def test_after_five_failures_the_next_attempt_waits_then_the_right_password_works(
    personas: Personas,
) -> None:
    for _ in range(5):
        sign_in(Client(), "layla", "guess")
    client = Client()
    response = sign_in(client, "layla", PASSWORD)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "Try again in 1 second." in response.content.decode()  # type: ignore[attr-defined]
    assert "_auth_user_id" not in client.session
    AttemptCounter.objects.update(last_attempt_at=timezone.now() - timedelta(seconds=1))
    assert sign_in(client, "layla", PASSWORD).status_code == 302  # type: ignore[attr-defined]
    assert AttemptCounter.objects.get(key="account:layla").failures == 0


def test_the_wait_doubles_with_each_failure_up_to_fifteen_minutes(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The clock stands still, so that a slow machine's seconds between the two requests of a
    # round do not shorten the wait the page reports.
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    waits = []
    for _ in range(16):
        AttemptCounter.objects.update(last_attempt_at=timezone.now() - timedelta(hours=1))
        sign_in(Client(), "layla", "guess")
        response = sign_in(Client(), "layla", "guess")
        text = response.content.decode()  # type: ignore[attr-defined]
        waits.append(int(text.split("Try again in ")[1].split(" ")[0]) if "Try" in text else 0)
    # Each round: one failure after the wait, then one refused at once.
    assert waits[:12] == [0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
    assert waits[12:] == [900, 900, 900, 900]


def test_an_attacker_guesses_seventeen_passwords_in_the_first_hour_then_four_an_hour() -> None:
    """Trying each time the wait runs out, from browsers the account does not know."""
    moments, now, failures = [], 0.0, 0
    while now < 24 * 3600:
        moments.append(now)
        failures += 1
        now += selectors.attempt_delay(key="account:layla", failures=failures)
    assert sum(1 for t in moments if t < 3600) == 17
    assert sum(1 for t in moments if 3600 <= t < 7200) == 4
    assert len(moments) == 109


def test_a_counter_under_its_free_failures_never_waits_even_if_written_just_after(
    personas: Personas,
) -> None:
    # A request that held the row before this one may have written a later time.
    counter = AttemptCounter(
        scope="web", key="account:layla", failures=4, last_attempt_at=timezone.now()
    )
    assert selectors.attempt_wait(counter=counter, now=timezone.now() - timedelta(seconds=1)) == 0
    counter.failures = 5
    assert selectors.attempt_wait(counter=counter, now=counter.last_attempt_at) == 1


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

    code = personas.root.totp_code()
    verified = client.post(reverse("core:two_factor"), {"code": code})
    assert verified.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200
    assert client.get("/admin/").status_code == 200
    # A code cannot be used twice.
    again = Client()
    sign_in(again, "root", PASSWORD)
    assert again.post(reverse("core:two_factor"), {"code": code}).status_code == 200
    assert again.get(reverse("core:home")).status_code == 302


def test_an_admin_without_an_authenticator_is_told_to_ask_for_an_enrolment_link(
    personas: Personas,
) -> None:
    TOTPDevice.objects.filter(user=personas.iom_admin.user).delete()
    client = Client()
    sign_in(client, "iom_admin", PASSWORD)
    page = client.get(reverse("core:two_factor"))
    assert page.status_code == 200
    assert "enrolment link" in page.content.decode()
    assert "<svg" not in page.content.decode()
    assert not TOTPDevice.objects.filter(user=personas.iom_admin.user).exists()


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


def test_a_member_who_needs_no_second_factor_is_told_so_on_its_page(personas: Personas) -> None:
    page = personas.layla.client().get(reverse("core:two_factor")).content.decode()
    assert "needs no authenticator app" in page
    assert "enrolment link" not in page
