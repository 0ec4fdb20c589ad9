"""The feedback pages through the HTTP client with the personas: rawa records at the help desk
and works IOM's queue; a sensitive complaint goes to jwan, the named focal point, and rawa keeps
its reference alone; lina works what IOM refers to INTERSOS; layla and iom_admin read the trends
and the anonymised export; iom_admin names the focal points."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from nahrain.core.models import AuditEvent
from nahrain.feedback import services
from nahrain.feedback.models import Feedback, FocalPoint, Status
from nahrain.feedback.tests.desk import Desk, desk_fixture  # noqa: F401
from nahrain.testing.personas import Persona, Personas

pytestmark = pytest.mark.django_db

ENTRY = {
    "channel": "help_desk",
    "category": "service_quality",
    "topic": "distribution_cash",
    "description": "The kerosene ran out before our block was served.",
    "name": "Khalid Ahmed",
    "phone": "07501112233",
    "preferred_language": "ar",
    "callback_gender": "male",
    "person_sex": "m",
    "person_age_group": "18_59",
    "population_group": "idp_in_camp",
}


def test_the_help_desk_records_a_complaint_and_shows_it_with_its_reference(desk: Desk) -> None:
    client = desk.rawa.client()
    response = client.post("/feedback/new/", {**ENTRY, "site": desk.chameshku.pk})
    item = Feedback.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/feedback/items/{item.uid}/"
    assert (item.organisation, item.concerned) == (desk.personas.iom, desk.personas.iom)
    assert item.site == desk.chameshku and item.status == Status.NEW
    assert item.contact.name == "Khalid Ahmed" and item.contact.callback_gender == "male"
    shown = client.get(response["Location"])
    text = shown.content.decode()
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    assert item.reference in text and "Khalid Ahmed" in text
    # Labels, never codes.
    assert "Service quality" in text or "service" in text.lower()
    assert "service_quality" not in text and "distribution_cash" not in text
    assert AuditEvent.objects.filter(action="feedback.read", object_id=str(item.uid)).exists()


def test_an_anonymous_person_leaves_no_name_and_the_form_says_so(desk: Desk) -> None:
    response = desk.rawa.client().post("/feedback/new/", {**ENTRY, "anonymous": "on"})
    assert response.status_code == 200
    assert "An anonymous person leaves no name or phone" in response.content.decode()
    assert not Feedback.objects.exists()
    anonymous = {k: v for k, v in ENTRY.items() if k not in ("name", "phone")}
    response = desk.rawa.client().post("/feedback/new/", {**anonymous, "anonymous": "on"})
    item = Feedback.objects.get()
    assert response.status_code == 302 and item.anonymous
    assert not hasattr(item, "contact") or item.contact is None


def test_a_sensitive_complaint_answers_with_its_reference_and_goes_to_the_focal_point(
    desk: Desk,
) -> None:
    client = desk.rawa.client()
    response = client.post(
        "/feedback/new/",
        {**ENTRY, "category": "sea", "description": "A guard asked for favours."},
    )
    item = Feedback.objects.get()
    assert item.sensitive
    assert response["Location"] == "/feedback/recorded/"
    shown = client.get("/feedback/recorded/").content.decode()
    assert item.reference in shown and "focal points" in shown
    assert "A guard asked for favours." not in shown
    # The recorder cannot open it, nor find it in her queue.
    assert client.get(f"/feedback/items/{item.uid}/").status_code == 404
    assert item.reference not in client.get("/feedback/").content.decode()
    # The named focal point reads it, contact included.
    page = desk.jwan.client().get(f"/feedback/items/{item.uid}/").content.decode()
    assert "A guard asked for favours." in page and "Khalid Ahmed" in page


def test_the_confirmation_page_is_for_the_session_that_recorded(desk: Desk) -> None:
    assert desk.rawa.client().get("/feedback/recorded/").status_code == 404


def test_the_queue_filters_by_status_category_channel_site_overdue_and_mine(desk: Desk) -> None:
    question = desk.receive()
    late = desk.receive(
        category="assistance_request",
        channel="hotline",
        site=None,
        received_at=timezone.now() - timedelta(days=30),
    )
    desk.receive(category="positive_feedback", description="Thanks for the heaters.")

    services.feedback_assign(actor=desk.rawa.user, feedback=question, assignee=desk.rawa.user)
    client = desk.rawa.client()

    def shown(query: str) -> set[str]:
        text = client.get(f"/feedback/?{query}").content.decode()
        return {i.reference for i in Feedback.objects.all() if i.reference in text}

    assert len(shown("")) == 3
    assert shown("status=assigned") == {question.reference}
    assert shown("category=assistance_request") == {late.reference}
    assert shown("channel=hotline") == {late.reference}
    assert question.reference in shown(f"site={desk.chameshku.pk}")
    assert late.reference not in shown(f"site={desk.chameshku.pk}")
    assert shown("overdue=on") == {late.reference}
    assert shown("mine=on") == {question.reference}
    page = client.get("/feedback/?overdue=on").content.decode()
    assert "Overdue" in page


def test_an_item_is_assigned_started_answered_told_and_closed_through_its_page(
    desk: Desk,
) -> None:
    item = desk.receive()
    client = desk.rawa.client()
    url = f"/feedback/items/{item.uid}/step/"

    def step(**data: str) -> None:
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]

    step(step="assign", assignee=str(desk.jwan.user.pk))
    step(step="start")
    step(step="resolve", answer="The next distribution is on Sunday at the camp office.")
    step(step="tell", how="phone_call", satisfaction="satisfied")
    step(step="note", note="He thanked the team.")
    step(step="close")
    item.refresh_from_db()
    assert item.status == Status.CLOSED and item.assigned_to == desk.jwan.user
    assert item.answered_how == "phone_call" and item.satisfaction == "satisfied"
    page = client.get(f"/feedback/items/{item.uid}/").content.decode()
    assert "The next distribution is on Sunday" in page and "He thanked the team." in page
    for kind in ("Assigned", "Answered", "Person told", "Closed", "Note"):
        assert kind in page


def test_a_refused_step_is_shown_on_the_page_with_its_reason(desk: Desk) -> None:
    item = desk.receive()
    response = desk.rawa.client().post(
        f"/feedback/items/{item.uid}/step/", {"step": "resolve", "answer": " "}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode() or "answer" in (
        response.content.decode()
    )
    item.refresh_from_db()
    assert item.status == Status.NEW


def test_closing_without_contact_keeps_the_reason(desk: Desk) -> None:
    item = desk.receive()
    desk.rawa.client().post(
        f"/feedback/items/{item.uid}/step/", {"step": "close_no_contact", "reason": "unreachable"}
    )
    item.refresh_from_db()
    assert item.status == Status.CLOSED_NO_CONTACT and item.closed_reason == "unreachable"


def test_linked_items_close_with_their_main_item(desk: Desk) -> None:
    main, other = desk.receive(), desk.receive(description="Same question, from block C.")
    client = desk.rawa.client()
    url = f"/feedback/items/{main.uid}/step/"
    assert (
        client.post(url, {"step": "link", "references": other.reference.lower()}).status_code == 302
    )
    other.refresh_from_db()
    assert other.linked_to == main
    missing = client.post(url, {"step": "link", "references": "FB-NOPE00"})
    assert "No item you handle has the reference FB-NOPE00" in missing.content.decode()
    for data in (
        {"step": "resolve", "answer": "Sunday."},
        {"step": "tell", "how": "phone_call"},
        {"step": "close"},
    ):
        client.post(url, data)
    other.refresh_from_db()
    assert other.status == Status.CLOSED


def test_a_referral_goes_to_intersos_and_the_receiver_keeps_reading_it(desk: Desk) -> None:
    item = desk.receive()
    desk.rawa.client().post(
        f"/feedback/items/{item.uid}/step/",
        {"step": "refer", "organisation": str(desk.personas.intersos.pk), "note": "Their camp."},
    )
    item.refresh_from_db()
    assert item.concerned == desk.personas.intersos
    lina = desk.lina.client().get(f"/feedback/items/{item.uid}/").content.decode()
    # Referred without consent to share: INTERSOS reads the complaint, not the contact.
    assert "When is the next distribution" in lina and "Khalid Ahmed" not in lina
    rawa = desk.rawa.client()
    assert rawa.get(f"/feedback/items/{item.uid}/").status_code == 200
    # The receiver reads it, but it is INTERSOS's to handle now.
    step = rawa.post(f"/feedback/items/{item.uid}/step/", {"step": "start"})
    assert step.status_code == 404


@pytest.mark.parametrize("name", ["layla", "iom_admin", "omar", "hana", "root", "shilan"])
def test_no_one_but_feedback_officers_opens_an_item(desk: Desk, name: str) -> None:
    item = desk.receive()
    client = getattr(desk.personas, name).client()
    assert client.get(f"/feedback/items/{item.uid}/").status_code == 404
    assert client.get("/feedback/").status_code == 404


def test_trends_count_by_site_and_category_and_leave_sensitive_items_out(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    # The rollup is rewritten once the writes commit.
    with django_capture_on_commit_callbacks(execute=True):
        desk.receive()
        desk.receive(category="assistance_request", topic="shelter")
        desk.receive(category="fraud", description="They asked me to pay for the card.")
    page = desk.personas.layla.client().get("/feedback/trends/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Chameshku" in text and "Information request" in text
    assert "Fraud" not in text
    received = text.split('id="received">', 1)[1].split("<", 1)[0]
    assert received == "2"


def test_the_export_is_anonymised_csv_with_an_hxl_row_and_is_audited(desk: Desk) -> None:
    item = desk.receive()
    desk.receive(category="safety", description="Unlit latrines near block D.")
    response = desk.personas.iom_admin.client().get("/feedback/trends/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "month" and rows[1][0] == "#date+month"
    assert all(tag.startswith("#") for tag in rows[1])
    assert len(rows) == 3
    body = response.content.decode()
    for secret in (item.reference, "Khalid", "0750", "kerosene", "latrines"):
        assert secret not in body
    assert AuditEvent.objects.filter(action="feedback.export").count() == 1


def test_the_admin_names_and_removes_a_focal_point_and_is_warned_of_waiting_items(
    desk: Desk,
) -> None:
    FocalPoint.objects.filter(category="fraud").delete()
    desk.receive(category="fraud", description="They asked me to pay for the card.")
    client = desk.personas.iom_admin.client()
    page = client.get("/feedback/focal-points/").content.decode()
    assert "1 sensitive item waits for a focal point." in page
    assert "They asked me to pay" not in page
    response = client.post(
        "/feedback/focal-points/",
        {
            "organisation": str(desk.personas.iom.pk),
            "user": desk.rawa.user.pk,
            "categories": ["fraud"],
        },
    )
    assert response.status_code == 302
    assert FocalPoint.objects.filter(user=desk.rawa.user, category="fraud").exists()
    assert "waits for a focal point" not in client.get("/feedback/focal-points/").content.decode()
    named = FocalPoint.objects.get(user=desk.rawa.user, category="fraud")
    client.post(
        "/feedback/focal-points/", {"organisation": str(desk.personas.iom.pk), "remove": named.pk}
    )
    assert not FocalPoint.objects.filter(pk=named.pk).exists()


def test_the_top_bar_leads_officers_to_the_queue_and_managers_to_the_trends(desk: Desk) -> None:
    assert 'href="/feedback/"' in desk.rawa.client().get("/").content.decode()
    layla = desk.personas.layla.client().get("/").content.decode()
    assert 'href="/feedback/trends/"' in layla and 'href="/feedback/"' not in layla
    assert "/feedback/" not in desk.personas.ahmed.client().get("/").content.decode()


def test_the_top_bar_leads_officers_and_focal_points_to_the_queue_and_managers_to_the_trends(
    personas: Personas, rawa: Persona
) -> None:
    def feedback_link(persona: Persona) -> str:
        page = persona.client().get("/").content.decode()
        if 'href="/feedback/">' in page:
            return "queue"
        return "trends" if 'href="/feedback/trends/">' in page else "none"

    assert feedback_link(rawa) == "queue"
    assert feedback_link(personas.layla) == "trends"
    assert feedback_link(personas.omar) == "none"
    services.focal_point_name(
        actor=personas.iom_admin.user,
        organisation=personas.iom,
        user=personas.omar.user,
        categories=["sea"],
    )
    assert feedback_link(personas.omar) == "queue"
