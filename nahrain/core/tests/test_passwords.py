"""Changing a password while signed in, and resetting it through a link sent by e-mail."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from nahrain.core.models import AuditEvent
from nahrain.testing.personas import PASSWORD, Persona, Personas

pytestmark = pytest.mark.django_db

NEW = "a river between two rivers 9"


def change(client: Client, old: str) -> object:
    return client.post(
        reverse("core:password_change"),
        {"old_password": old, "new_password1": NEW, "new_password2": NEW},
    )


def signs_in(username: str, password: str) -> bool:
    client = Client()
    client.post(reverse("core:login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


def test_a_signed_in_user_changes_her_password_and_stays_signed_in(personas: Personas) -> None:
    client = personas.layla.client()
    assert "Change password" in client.get(reverse("core:home")).content.decode()
    wrong = change(client, "not my password")
    assert wrong.status_code == 200  # type: ignore[attr-defined]
    response = change(client, PASSWORD)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert client.get(reverse("core:home")).status_code == 200
    assert AuditEvent.objects.filter(action="password.change", actor=personas.layla.user).exists()
    assert signs_in("layla", NEW)
    assert not signs_in("layla", PASSWORD)


def test_wrong_current_passwords_wait_like_sign_ins(personas: Personas) -> None:
    client = personas.layla.client()
    for _ in range(5):
        change(client, "guess")
    response = change(client, PASSWORD)
    assert "Try again in 1 second." in response.content.decode()  # type: ignore[attr-defined]
    assert not signs_in("layla", NEW)


def test_an_admin_changes_the_password_only_after_the_second_factor(personas: Personas) -> None:
    half = personas.iom_admin.password_only_client()
    response = change(half, PASSWORD)
    assert response["Location"].startswith(reverse("core:two_factor"))  # type: ignore[index]
    assert not signs_in(personas.iom_admin.user.get_username(), NEW)
    assert change(personas.iom_admin.client(), PASSWORD).status_code == 302  # type: ignore[attr-defined]


def ask_reset(email: str) -> object:
    return Client().post(reverse("core:password_reset"), {"email": email})


def reset_link(persona: Persona, email: str) -> str:
    persona.user.email = email
    persona.user.save(update_fields=["email"])
    ask_reset(email)
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", str(mail.outbox[-1].body))
    assert match is not None
    return match.group(1)


def test_a_reset_link_lets_a_user_choose_a_new_password_once(personas: Personas) -> None:
    login_page = Client().get(reverse("core:login")).content.decode()
    assert reverse("core:password_reset") in login_page
    link = reset_link(personas.layla, "layla@example.org")
    assert mail.outbox[-1].to == ["layla@example.org"]
    assert AuditEvent.objects.filter(
        action="password_reset.request", object_id=str(personas.layla.user.pk)
    ).exists()
    browser = Client()
    form = browser.get(link)
    assert form.status_code == 302
    page = browser.get(form["Location"])
    assert "new_password1" in page.content.decode()
    done = browser.post(form["Location"], {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == reverse("core:login")
    assert "_auth_user_id" not in browser.session  # the link signs nobody in
    assert AuditEvent.objects.filter(action="password.reset", actor=personas.layla.user).exists()
    assert signs_in("layla", NEW)
    spent = Client().get(link)
    assert "This link does not work" in spent.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(personas: Personas) -> None:
    personas.layla.user.email = "layla@example.org"
    personas.layla.user.save(update_fields=["email"])
    known = ask_reset("layla@example.org")
    unknown = ask_reset("nobody@example.org")
    assert known.status_code == unknown.status_code == 302  # type: ignore[attr-defined]
    assert known["Location"] == unknown["Location"]  # type: ignore[index]
    assert len(mail.outbox) == 1
    told = Client().post(reverse("core:password_reset"), {"email": "x@example.org"}, follow=True)
    assert "a link to choose a new password is on its way" in told.content.decode()
    assert "It works once, within 120 minutes." in told.content.decode()


def test_requests_for_one_address_wait_after_five_whether_or_not_it_exists(
    personas: Personas,
) -> None:
    for email in ("layla@example.org", "nobody@example.org"):
        answers = [ask_reset(email) for _ in range(6)]
        assert all(a.status_code == 302 for a in answers[:5])  # type: ignore[attr-defined]
        assert "Try again in 1 second." in answers[5].content.decode()  # type: ignore[attr-defined]


def test_a_reset_does_not_spare_an_admin_the_second_factor(personas: Personas) -> None:
    admin = personas.iom_admin
    link = reset_link(admin, "admin@example.org")
    browser = Client()
    form_url = browser.get(link)["Location"]
    browser.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    browser.post(reverse("core:login"), {"username": admin.user.get_username(), "password": NEW})
    home = browser.get(reverse("core:home"))
    assert home["Location"].startswith(reverse("core:two_factor"))
