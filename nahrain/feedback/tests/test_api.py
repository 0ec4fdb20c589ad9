"""The feedback API through HTTP with the personas' tokens: rawa records and handles IOM's
feedback, a sensitive complaint answers with its reference alone and is read by jwan, the
named focal point; refusals are 422 with the rule's words; trends and the anonymised export
are for IOM's feedback officers, information managers and admins."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from nahrain.feedback.models import Feedback, Status
from nahrain.feedback.tests.desk import Desk, desk_fixture  # noqa: F401
from nahrain.testing.personas import Persona

pytestmark = pytest.mark.django_db

A = "/api/v1/feedback"
QUESTION = {
    "channel": "hotline",
    "category": "information_request",
    "topic": "documentation",
    "description": "How do I renew my civil ID in Duhok?",
    "contact": {
        "name": "Hawar Saleh",
        "phone": "07504445566",
        "preferred_language": "kmr",
        "callback_gender": "any",
    },
    "person_sex": "f",
    "person_age_group": "18_59",
    "population_group": "idp_out_of_camp",
}


class Api:
    def __init__(self, persona: Persona) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {persona.token()}"}

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get(f"{A}{path}", query, headers=self.headers)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            f"{A}{path}", body, content_type="application/json", headers=self.headers
        )


def test_a_question_is_recorded_handled_and_closed_through_the_api(desk: Desk) -> None:
    rawa = Api(desk.rawa)
    created = rawa.post("/items", QUESTION)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["sensitive"] is False and body["uid"]
    path = f"/items/{body['uid']}"
    assert rawa.post(f"{path}/assign", {"assignee": "rawa"}).json()["status"] == Status.ASSIGNED
    assert rawa.post(f"{path}/start", {}).json()["status"] == Status.IN_PROGRESS
    answered = rawa.post(f"{path}/resolve", {"answer": "At the civil affairs office, Sunday."})
    assert answered.json()["status"] == Status.RESOLVED
    told = rawa.post(f"{path}/tell", {"how": "phone_call", "satisfaction": "satisfied"}).json()
    assert told["status"] == Status.TOLD and told["satisfaction"] == "satisfied"
    assert rawa.post(f"{path}/notes", {"note": "Called back."}).status_code == 201
    closed = rawa.post(f"{path}/close", {})
    assert closed.json()["status"] == Status.CLOSED
    item = rawa.get(path).json()
    assert item["contact"]["name"] == "Hawar Saleh"
    assert [e["kind"] for e in item["history"]] == [
        "received",
        "assigned",
        "started",
        "resolved",
        "told",
        "note",
        "closed",
    ]
    assert "no-store" in rawa.get(path)["Cache-Control"]


def test_a_sensitive_complaint_answers_the_recorder_with_its_reference_alone(desk: Desk) -> None:
    created = Api(desk.rawa).post(
        "/items", {**QUESTION, "category": "fraud", "description": "He wanted money for a tent."}
    )
    body = created.json()
    assert created.status_code == 201
    assert body["sensitive"] and body["sent_to_focal_points"] and body["uid"] is None
    item = Feedback.objects.get(reference=body["reference"])
    assert Api(desk.rawa).get(f"/items/{item.uid}").status_code == 404
    assert Api(desk.rawa).get("/items").json()["count"] == 0
    read = Api(desk.jwan).get(f"/items/{item.uid}")
    assert read.status_code == 200 and read.json()["description"] == "He wanted money for a tent."


def test_refusals_are_422_with_the_rules_words(desk: Desk) -> None:
    rawa = Api(desk.rawa)
    wrong = rawa.post("/items", {**QUESTION, "category": "gossip"})
    assert wrong.status_code == 422
    assert wrong.json()["problems"][0]["field"] == "category"
    item = desk.receive()
    early = rawa.post(f"/items/{item.uid}/tell", {"how": "phone_call"})
    assert early.status_code == 422 and "answer" in early.json()["detail"]
    nobody = rawa.post(f"/items/{item.uid}/assign", {"assignee": "layla"})
    assert nobody.status_code == 422 and nobody.json()["problems"][0]["field"] == "assignee"
    link = rawa.post(f"/items/{item.uid}/link", {"references": ["FB-NOPE00"]})
    assert link.status_code == 422 and "FB-NOPE00" in link.json()["detail"]


def test_the_list_filters_like_the_queue(desk: Desk) -> None:
    desk.receive()
    desk.receive(channel="hotline", category="assistance_request")
    rawa = Api(desk.rawa)
    assert rawa.get("/items").json()["count"] == 2
    assert rawa.get("/items", channel="hotline").json()["count"] == 1
    assert rawa.get("/items", site_uid=str(desk.chameshku.uid)).json()["count"] == 2
    listed = rawa.get("/items").json()["items"][0]
    assert "description" not in listed and "contact" not in listed


def test_a_referral_leaves_the_contact_behind_without_consent(desk: Desk) -> None:
    item = desk.receive()
    referred = Api(desk.rawa).post(
        f"/items/{item.uid}/refer", {"organisation_id": str(desk.personas.intersos.pk)}
    )
    assert referred.status_code == 200
    assert referred.json()["concerned"]["acronym"] == "INTERSOS"
    assert referred.json()["still_readable"] is True
    at_intersos = Api(desk.lina).get(f"/items/{item.uid}").json()
    assert at_intersos["contact"] is None


@pytest.mark.parametrize("name", ["layla", "iom_admin"])
def test_managers_read_trends_and_the_export_but_no_item(desk: Desk, name: str) -> None:
    item = desk.receive()
    manager = Api(getattr(desk.personas, name))
    assert manager.get(f"/items/{item.uid}").status_code == 404
    assert manager.get("/items").json()["count"] == 0
    trends = manager.get("/trends")
    assert trends.status_code == 200 and trends.json()["exact"] is True
    export = manager.get("/export").json()
    assert export["columns"][0] == "month" and export["hxl"][0] == "#date+month"
    assert len(export["rows"]) == 1
    assert item.reference not in str(export)


def test_outsiders_get_404_for_trends_and_export(desk: Desk) -> None:
    ahmed = Api(desk.personas.ahmed)
    assert ahmed.get("/trends").status_code == 404
    assert ahmed.get("/export").status_code == 404
    assert (
        Api(desk.personas.layla)
        .get("/trends", organisation_id=str(desk.personas.intersos.pk))
        .status_code
        == 404
    )


def test_a_moment_sent_without_its_offset_is_read_in_iraqs_time(desk: Desk) -> None:
    created = Api(desk.rawa).post("/items", {**QUESTION, "received_at": "2026-01-15T09:30:00"})
    assert created.status_code == 201
    item = Feedback.objects.get(reference=created.json()["reference"])
    assert item.received_at.isoformat() == "2026-01-15T06:30:00+00:00"
