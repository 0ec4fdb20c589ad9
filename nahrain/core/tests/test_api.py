"""The core API: organisations, members and tokens, each persona through HTTP."""

from __future__ import annotations

import pytest
from django.test import Client

from nahrain.core.models import ApiToken, AuditEvent
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_anonymous_clients_get_401() -> None:
    assert Client().get("/api/v1/organisations").status_code == 401


def test_every_signed_in_user_sees_the_directory(personas: Personas) -> None:
    response = personas.outsider.client().get("/api/v1/organisations")
    assert response.status_code == 200
    assert {o["acronym"] for o in response.json()} == {"IOM", "INTERSOS", "DAMA", "ORF"}


def test_members_of_an_organisation_see_its_members(personas: Personas) -> None:
    response = personas.omar.client().get(f"/api/v1/organisations/{personas.iom.pk}/members")
    assert response.status_code == 200
    assert {m["username"] for m in response.json()} == {
        "layla",
        "omar",
        "hana",
        "iom_admin",
        "rania",
        "sara",
    }


def test_the_outsider_gets_404_for_another_organisations_members(personas: Personas) -> None:
    client = personas.outsider.client()
    hidden = client.get(f"/api/v1/organisations/{personas.iom.pk}/members")
    missing = client.get("/api/v1/organisations/00000000-0000-0000-0000-000000000000/members")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_a_token_authenticates_until_revoked(personas: Personas) -> None:
    created = personas.layla.client().post(
        "/api/v1/tokens", {"name": "laptop"}, content_type="application/json"
    )
    assert created.status_code == 201
    secret = created.json()["secret"]
    token = ApiToken.objects.get(pk=created.json()["id"])
    assert token.digest != secret and secret not in token.digest
    me = Client().get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200
    assert me.json()["username"] == "layla"

    revoked = Client().delete(f"/api/v1/tokens/{token.pk}", headers=bearer(secret))
    assert revoked.status_code == 200
    assert Client().get("/api/v1/me", headers=bearer(secret)).status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoke", object_id=str(token.pk)).exists()


def test_nobody_revokes_another_users_token(personas: Personas) -> None:
    personas.layla.token()
    token_id = ApiToken.objects.get(user=personas.layla.user).pk
    response = Client().delete(
        f"/api/v1/tokens/{token_id}", headers=bearer(personas.outsider.token())
    )
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token_id).revoked_at is None


def test_a_made_up_token_is_refused() -> None:
    assert Client().get("/api/v1/me", headers=bearer("nhr_madeup")).status_code == 401


def test_the_openapi_schema_is_served() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/geo/search" in paths
    assert "/api/v1/organisations/{organisation_id}/members" in paths


def test_session_writes_need_the_csrf_token(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.layla.user)
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert not ApiToken.objects.exists()
