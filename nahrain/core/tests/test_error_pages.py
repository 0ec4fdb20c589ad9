"""Pages a persona may not use answer in Nahrain's own look and language, and Django's admin
sends a signed-in non-admin home instead of round in circles."""

from __future__ import annotations

import pytest
from django.test import Client

from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db

WORDS = {
    404: {"en": "Page not found", "ar": "الصفحة غير موجودة", "ckb": "پەڕەکە نەدۆزرایەوە"},
    403: {"en": "Not allowed", "ar": "غير مسموح", "ckb": "ڕێگەپێنەدراوە"},
}


@pytest.mark.parametrize("language", ["en", "ar", "ckb"])
@pytest.mark.parametrize("status", sorted(WORDS))
def test_a_page_refused_is_styled_in_the_readers_language(
    personas: Personas, status: int, language: str
) -> None:
    # 404: a round that does not exist, asked for by an information manager; 403: a viewer
    # creating a round.
    client = (personas.layla if status == 404 else personas.ahmed).client()
    client.cookies["django_language"] = language
    response = (
        client.get("/dtm/rounds/00000000-0000-0000-0000-000000000000/")
        if status == 404
        else client.post("/dtm/", {"number": "1", "reference_date": "2024-01-31"})
    )
    assert response.status_code == status
    page = response.content.decode()
    assert WORDS[status][language] in page
    assert 'class="topbar"' in page


def test_the_admin_sends_a_signed_in_non_admin_home_with_a_word(personas: Personas) -> None:
    response = personas.layla.client().get("/admin/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/"
    assert len(response.redirect_chain) == 2
    assert "Administration is open to platform admins only." in response.content.decode()


def test_the_admin_sends_visitors_to_sign_in_and_lets_platform_admins_in(
    personas: Personas,
) -> None:
    visitor = Client().get("/admin/", follow=True)
    assert visitor.redirect_chain[-1][0] == "/accounts/login/?next=%2Fadmin%2F"
    assert personas.root.client().get("/admin/").status_code == 200
    assert personas.root.client().get("/admin/login/?next=/admin/")["Location"] == "/admin/"


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_form_sent_without_its_security_token_is_refused_in_nahrains_words(
    personas: Personas, language: str
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.layla.user)
    client.cookies["django_language"] = language
    response = client.post("/dtm/", {"number": "1", "reference_date": "2024-01-31"})
    assert response.status_code == 403
    page = response.content.decode()
    assert 'class="topbar"' in page and "CSRF" not in page
    assert {"en": "The form could not be sent", "ar": "تعذّر إرسال النموذج"}[language] in page
