"""Changing an item's category: rawa, who reads a complaint recorded as poor service, learns it
is about a distributor asking for money and marks it fraud; it leaves her sight for jwan, IOM's
focal point, whose history of it keeps no words of why. jwan moves it to sexual exploitation,
and another item, that turns out not to be sensitive, back to the officers with her reason."""

from __future__ import annotations

import pytest

from nahrain.core.models import AuditEvent
from nahrain.feedback import access
from nahrain.feedback.models import EventKind, Feedback, FeedbackEvent, FeedbackRollup, Status
from nahrain.feedback.tests.desk import Desk, desk_fixture  # noqa: F401

API = "/api/v1/feedback"


# Committed for real: the rollup is recounted once each write commits.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_officer_marks_an_item_sensitive_and_no_longer_reads_it(desk: Desk) -> None:
    item = desk.receive(
        category="service_quality", description="The distributor wanted 10,000 dinars."
    )
    other = desk.receive()
    rawa, jwan = desk.rawa.client(), desk.jwan.client()
    rawa.post(f"/feedback/items/{item.uid}/step/", {"step": "start"})
    rawa.post(f"/feedback/items/{item.uid}/step/", {"step": "link", "references": other.reference})
    page = rawa.get(f"/feedback/items/{item.uid}/").content.decode()
    assert 'id="reclassify-form"' in page
    marked = rawa.post(f"/feedback/items/{item.uid}/category/", {"category": "fraud"})
    assert marked.status_code == 302 and marked["Location"] == "/feedback/"
    item.refresh_from_db()
    other.refresh_from_db()
    assert (item.category, item.sensitive, item.status, item.assigned_to) == (
        "fraud",
        True,
        Status.NEW,
        None,
    )
    assert item.priority == "urgent" and other.linked_to is None  # out of the ordinary group
    # Gone from rawa's sight, page and API alike; it is jwan's, the focal point's, now.
    assert rawa.get(f"/feedback/items/{item.uid}/").status_code == 404
    bearer = {"Authorization": f"Bearer {desk.rawa.token()}"}
    assert rawa.get(f"{API}/items/{item.uid}", headers=bearer).status_code == 404
    assert "10,000" not in rawa.get("/feedback/").content.decode()
    assert "10,000 dinars" in jwan.get(f"/feedback/items/{item.uid}/").content.decode()
    event = FeedbackEvent.objects.get(feedback=item, kind=EventKind.RECLASSIFIED)
    assert (event.note, event.actor) == ("", desk.rawa.user)
    audit = AuditEvent.objects.get(action="feedback.reclassify")
    assert audit.detail == {} and str(audit.object_id) == str(item.uid)
    # The trends follow: a sensitive item is in no rollup.
    assert sum(r.received for r in FeedbackRollup.objects.all()) == 1
    assert not FeedbackRollup.objects.filter(category__in=["fraud", "service_quality"]).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_focal_point_moves_an_item_between_sensitive_categories_and_out_with_a_reason(
    desk: Desk,
) -> None:
    item = desk.receive(category="fraud", description="Asked for money at the gate")
    bearer = {"Authorization": f"Bearer {desk.jwan.token()}"}
    jwan = desk.jwan.client()
    url = f"{API}/items/{item.uid}/category"
    moved = jwan.post(url, {"category": "sea"}, content_type="application/json", headers=bearer)
    assert moved.status_code == 200
    assert moved.json() == {
        "reference": item.reference,
        "status": "new",
        "sensitive": True,
        "still_readable": True,
    }
    # Out of the sensitive kinds only with the reason: the officers will read it.
    out = {"category": "information_request"}
    refused = jwan.post(url, out, content_type="application/json", headers=bearer)
    assert refused.status_code == 422 and refused.json()["problems"][0]["field"] == "reason"
    # The officer cannot do it: she does not read the item at all.
    rawa = {"Authorization": f"Bearer {desk.rawa.token()}"}
    reason = {**out, "reason": "A question about the queue, nothing was asked."}
    assert jwan.post(url, reason, content_type="application/json", headers=rawa).status_code == 404
    ordinary = jwan.post(url, reason, content_type="application/json", headers=bearer)
    assert ordinary.status_code == 200 and ordinary.json()["sensitive"] is False
    item.refresh_from_db()
    assert (item.category, item.sensitive) == ("information_request", False)
    assert access.can_handle_feedback(desk.rawa.user, item)
    notes = list(
        FeedbackEvent.objects.filter(feedback=item, kind=EventKind.RECLASSIFIED).values_list(
            "note", flat=True
        )
    )
    assert notes == ["", "A question about the queue, nothing was asked."]
    assert FeedbackRollup.objects.get(category="information_request").received == 1


@pytest.mark.django_db
def test_who_does_not_read_an_item_cannot_change_its_category(desk: Desk) -> None:
    item = desk.receive()
    lina = desk.lina.client()
    assert lina.post(
        f"/feedback/items/{item.uid}/category/", {"category": "fraud"}
    ).status_code == (404)
    iom_admin = desk.personas.iom_admin.client()
    assert (
        iom_admin.post(f"/feedback/items/{item.uid}/category/", {"category": "fraud"}).status_code
        == 404
    )
    # The same category again is refused with the form shown again.
    again = desk.rawa.client().post(
        f"/feedback/items/{item.uid}/category/", {"category": item.category}
    )
    assert again.status_code == 400
    assert Feedback.objects.get(pk=item.pk).sensitive is False
