"""The audit log: what is recorded, and that it cannot be rewritten."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from nahrain.core.models import AuditEvent
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_audit_rows_carry_the_request_id(personas: Personas) -> None:
    response = personas.layla.client().post(
        "/api/v1/tokens",
        {"name": "sync"},
        content_type="application/json",
        headers={"X-Request-ID": "req-42"},
    )
    assert response.status_code == 201
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.request_id == "req-42"
    assert event.actor == personas.layla.user


@pytest.mark.postgres
def test_postgres_refuses_to_update_or_delete_audit_rows(personas: Personas) -> None:
    assert AuditEvent.objects.exists()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.update(action="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert not AuditEvent.objects.filter(action="tampered").exists()
