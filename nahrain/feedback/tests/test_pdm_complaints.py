"""PDM interviews' complaints are taken over by the feedback mechanism: one wanting to complain
becomes an item the officers handle; one saying the household was asked to pay becomes a
sensitive item (the category the code list maps it to) for the focal points alone. Each is
taken once, and the assistance officers' list of pending complaints empties."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from nahrain.assistance import monitoring
from nahrain.assistance.models import MonitoringAnswer
from nahrain.assistance.tests import pdm_world
from nahrain.feedback import access, codelists, services
from nahrain.feedback.models import Feedback
from nahrain.feedback.services import FeedbackRefused
from nahrain.testing.personas import Persona, Personas

GOOD = {
    "reached": "interviewed",
    "modality": "in_kind",
    "received_full": "all",
    "as_planned": "yes",
    "quality": "good",
    "safe": "yes",
    "waiting": "under_1h",
    "respect": "yes",
    "asked_to_pay": "no",
    "still_has": "all",
    "knows_complain": "yes",
    "wants_complain": "no",
}


@pytest.mark.django_db
def test_pdm_complaints_become_feedback_and_the_asked_to_pay_one_is_sensitive(
    personas: Personas, huda: Persona, rawa: Persona, jwan: Persona
) -> None:
    world = pdm_world.build(personas, huda)
    found, _receipts = pdm_world.served_distribution(world, {"f": 3, "m": 3})
    sample = monitoring.sample_draw(actor=world.huda, distribution=found, seed="s")
    first, second, third = sample.members.order_by("position")[:3]
    on = date(2026, 11, 20)
    for sampled, answers, key in (
        (first, GOOD, "uuid:1"),
        (second, {**GOOD, "asked_to_pay": "yes"}, "uuid:2"),
        (third, {**GOOD, "wants_complain": "yes", "complaint": "No blanket in the kit"}, "uuid:3"),
    ):
        monitoring.answer_record(
            actor=world.huda, sampled=sampled, answers=answers, interviewed_on=on, key=key
        )
    with pytest.raises(FeedbackRefused):  # the assistance officer does not run the mechanism
        services.pdm_complaints_take(actor=world.huda, programme=world.programme)
    paid, wanted = services.pdm_complaints_take(actor=rawa.user, programme=world.programme)
    assert (paid.channel, paid.category, paid.sensitive, paid.about_programme) == (
        "pdm",
        codelists.pdm_reason("asked_to_pay")["category"],
        True,
        world.programme,
    )
    assert paid.category == "fraud" and paid.source_answer == MonitoringAnswer.objects.get(
        sampled=second
    )
    assert (wanted.category, wanted.sensitive, wanted.site) == (
        "service_quality",
        False,
        world.chameshku,
    )
    assert "No blanket in the kit" in wanted.description
    assert wanted.household == third.receipt.household
    # rawa handles the complaint, not the sensitive one; jwan once named for fraud.
    assert access.can_handle_feedback(rawa.user, wanted)
    assert not access.can_read_feedback(rawa.user, paid)
    services.focal_point_name(
        actor=personas.iom_admin.user,
        organisation=personas.iom,
        user=jwan.user,
        categories=["fraud"],
    )
    assert access.can_read_feedback(jwan.user, paid)
    # Taken once: nothing pending any more, and a second take takes nothing.
    assert monitoring.complaints_pending(user=world.huda, programme=world.programme) == []
    assert services.pdm_complaints_take(actor=rawa.user, programme=world.programme) == []
    assert Feedback.objects.filter(channel="pdm").count() == 2


@pytest.mark.django_db
def test_the_queue_says_how_many_pdm_complaints_wait_and_its_officer_takes_them_over(
    personas: Personas, huda: Persona, rawa: Persona, lina: Persona
) -> None:
    world = pdm_world.build(personas, huda)
    found, _receipts = pdm_world.served_distribution(world, {"f": 3, "m": 3})
    sample = monitoring.sample_draw(actor=world.huda, distribution=found, seed="s")
    first, second = sample.members.order_by("position")[:2]
    on = date(2026, 11, 20)
    for sampled, answers, key in (
        (first, {**GOOD, "asked_to_pay": "yes"}, "uuid:p1"),
        (second, {**GOOD, "wants_complain": "yes", "complaint": "Torn tarpaulin"}, "uuid:p2"),
    ):
        monitoring.answer_record(
            actor=world.huda, sampled=sampled, answers=answers, interviewed_on=on, key=key
        )
    queue = rawa.client().get("/feedback/").content.decode()
    assert "2 complaints from post-distribution monitoring wait" in queue
    assert "Torn tarpaulin" not in queue  # a count, nothing of the complaints
    # INTERSOS's officer is not told of IOM's programme, and cannot take its complaints.
    assert "post-distribution monitoring" not in lina.client().get("/feedback/").content.decode()
    take = f"/feedback/pdm/{world.programme.uid}/take/"
    assert lina.client().post(take).status_code == 404
    assert huda.client().post(take).status_code == 404  # assistance runs PDM, not feedback
    api = f"/api/v1/feedback/pdm-complaints/{world.programme.uid}/take"
    headers = {"Authorization": f"Bearer {lina.token()}"}
    assert (
        Client().post(api, {}, content_type="application/json", headers=headers).status_code == 404
    )
    waiting = rawa.client().get("/api/v1/feedback/pdm-complaints").json()["programmes"]
    assert [(p["programme_uid"], p["waiting"]) for p in waiting] == [(str(world.programme.uid), 2)]
    taken = rawa.client().post(take)
    assert taken.status_code == 302 and taken["Location"] == "/feedback/"
    assert Feedback.objects.filter(channel="pdm").count() == 2
    queue = rawa.client().get("/feedback/").content.decode()
    assert "post-distribution monitoring wait" not in queue
    # Through the API: nothing left; the sensitive one would have come back without its uid.
    again = rawa.client().post(api, {}, content_type="application/json")
    assert again.status_code == 200 and again.json() == {"taken": 0, "items": []}
    assert rawa.client().get("/api/v1/feedback/pdm-complaints").json() == {"programmes": []}


@pytest.mark.django_db
def test_the_api_takes_pdm_complaints_over_and_hides_the_sensitive_ones_uid(
    personas: Personas, huda: Persona, rawa: Persona
) -> None:
    world = pdm_world.build(personas, huda)
    found, _receipts = pdm_world.served_distribution(world, {"f": 2, "m": 2})
    sample = monitoring.sample_draw(actor=world.huda, distribution=found, seed="s")
    first, second = sample.members.order_by("position")[:2]
    on = date(2026, 11, 20)
    for sampled, answers, key in (
        (first, {**GOOD, "asked_to_pay": "yes"}, "uuid:a1"),
        (second, {**GOOD, "wants_complain": "yes", "complaint": "Late"}, "uuid:a2"),
    ):
        monitoring.answer_record(
            actor=world.huda, sampled=sampled, answers=answers, interviewed_on=on, key=key
        )
    answer = rawa.client().post(
        f"/api/v1/feedback/pdm-complaints/{world.programme.uid}/take",
        {},
        content_type="application/json",
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["taken"] == 2
    by_sensitivity = {i["sensitive"]: i for i in body["items"]}
    assert by_sensitivity[True]["uid"] is None
    plain = Feedback.objects.get(sensitive=False)
    assert by_sensitivity[False]["uid"] == str(plain.uid)
    assert "no-store" in answer["Cache-Control"]
