"""The help-desk form through OpenRosa, as IOM's help desk at Chameshku sends it from ODK Collect:
a complaint becomes a feedback item once however often the phone sends it, and a complaint of
sexual exploitation becomes a sensitive item whose words and complainant are nowhere in
``collect``: not in its tables, its review queue, its submission pages or its API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nahrain.collect.models import KeyInformant, Submission, SubmissionStatus
from nahrain.collect.tests import test_engine as engine
from nahrain.collect.tests.odk import fill_instance
from nahrain.core.models import AuditEvent
from nahrain.feedback import selectors, services
from nahrain.feedback.models import EventKind, Feedback, FeedbackContact, FeedbackEvent, Status
from nahrain.feedback.tests import intake_world
from nahrain.feedback.tests.intake_world import World
from nahrain.testing.personas import Persona, Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas: Personas, rawa: Persona, jwan: Persona) -> World:
    return intake_world.build(personas, rawa, jwan)


def answers(world: World, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "site": str(world.site.uid),
        "channel": "help_desk",
        "category": "service_quality",
        "topic": "wash",
        "description": "The water tank in sector 4 has been empty for three days",
        "anonymous": "no",
        "contact_name": "Nazdar Hussein",
        "contact_phone": "0750 412 8830",
        "preferred_language": "kmr",
        "callback_gender": "female",
        "consent_to_share": "yes",
        "person_sex": "f",
        "person_age_group": "18_59",
        "population_group": "idp_in_camp",
    }
    return {**values, **overrides}


def test_a_complaint_at_the_help_desk_becomes_one_feedback_item(world: World) -> None:
    sent = fill_instance(world.xform, answers(world), instance_id="uuid:hd-1")
    assert world.phone.post(sent).status_code == 201
    assert world.phone.post(sent).status_code == 202  # the phone's retry
    item = Feedback.objects.get()
    assert (item.organisation, item.channel, item.site, item.category, item.topic) == (
        world.personas.iom,
        "help_desk",
        world.site,
        "service_quality",
        "wash",
    )
    assert item.admin_unit == world.site.admin_unit and not item.sensitive
    assert item.source_key == "uuid:hd-1" and item.description.startswith("The water tank")
    assert (item.person_sex, item.person_age_group, item.population_group) == (
        "f",
        "18_59",
        "idp_in_camp",
    )
    contact = FeedbackContact.objects.get(feedback=item)
    assert (contact.name, contact.phone, contact.preferred_language) == (
        "Nazdar Hussein",
        "0750 412 8830",
        "kmr",
    )
    assert contact.callback_gender == "female" and contact.consent_to_share
    receipt = Submission.objects.get(instance_id="uuid:hd-1")
    assert receipt.status == SubmissionStatus.ACCEPTED
    assert receipt.accepted == {"feedback": str(item.uid)}
    # The help desk's officer finds it in IOM's feedback.
    listed = selectors.feedback_list(user=world.rawa.user)
    assert list(listed) == [item]


def test_an_anonymous_person_leaves_no_contact(world: World) -> None:
    values = answers(world, anonymous="yes")
    for name in ("contact_name", "contact_phone", "preferred_language", "callback_gender"):
        values.pop(name)
    values.pop("consent_to_share")
    sent = fill_instance(world.xform, values, instance_id="uuid:hd-anon")
    assert world.phone.post(sent).status_code == 201
    item = Feedback.objects.get()
    assert item.anonymous and not FeedbackContact.objects.filter(feedback=item).exists()


def test_a_form_edited_on_the_phone_corrects_its_item_instead_of_adding_one(world: World) -> None:
    first = fill_instance(world.xform, answers(world), instance_id="uuid:hd-v1")
    assert world.phone.post(first).status_code == 201
    item = Feedback.objects.get()
    services.feedback_start(actor=world.rawa.user, feedback=item)
    # The volunteer reopens the saved form, fixes the words and the phone number, and sends
    # it again: ODK Collect gives it a new instance id and names the old one deprecated.
    corrected = answers(
        world,
        description="The water tank in sector 5 has been empty for three days",
        contact_phone="0750 412 8831",
    )
    edit = fill_instance(
        world.xform, corrected, instance_id="uuid:hd-v2", deprecated_id="uuid:hd-v1"
    )
    assert world.phone.post(edit).status_code == 201
    assert world.phone.post(edit).status_code == 202  # the phone's retry of the edit
    item.refresh_from_db()
    assert Feedback.objects.count() == 1
    assert item.description.startswith("The water tank in sector 5")
    assert item.status == Status.IN_PROGRESS  # its handling goes on
    assert FeedbackContact.objects.get(feedback=item).phone == "0750 412 8831"
    receipt = Submission.objects.get(instance_id="uuid:hd-v2")
    assert receipt.accepted == {"feedback": str(item.uid)}
    assert receipt.deprecated == Submission.objects.get(instance_id="uuid:hd-v1")
    kinds = [e.kind for e in FeedbackEvent.objects.filter(feedback=item)]
    assert kinds == [EventKind.RECEIVED, EventKind.STARTED, EventKind.CORRECTED]
    assert not FeedbackEvent.objects.filter(feedback=item, note__contains="sector").exists()
    # Edited again, now as a complaint of fraud: the same item, sensitive, for the focal point.
    again = fill_instance(
        world.xform,
        answers(world, category="fraud", description="Asked to pay to get water"),
        instance_id="uuid:hd-v3",
        deprecated_id="uuid:hd-v2",
    )
    assert world.phone.post(again).status_code == 201
    item.refresh_from_db()
    assert Feedback.objects.count() == 1 and item.sensitive and item.category == "fraud"
    assert list(selectors.feedback_list(user=world.rawa.user)) == []
    assert list(selectors.feedback_list(user=world.jwan.user)) == [item]
    # A correction never makes a sensitive item ordinary again.
    back = fill_instance(
        world.xform, answers(world), instance_id="uuid:hd-v4", deprecated_id="uuid:hd-v3"
    )
    assert world.phone.post(back).status_code == 201
    item.refresh_from_db()
    assert item.sensitive and item.category == "fraud"


SECRET = "The guard at gate 2 asked her for sex to put her name on the list"


def _collect_holds(text: str) -> list[str]:
    """Where in collect's tables and the audit log a text is found."""
    found = []
    for submission in Submission.objects.all():
        stored = [
            submission.xml,
            json.dumps(submission.data, ensure_ascii=False),
            json.dumps(submission.problems, ensure_ascii=False),
            json.dumps(submission.accepted, ensure_ascii=False),
            submission.batch,
            submission.reject_reason,
        ]
        if any(text in value for value in stored):
            found.append(f"submission {submission.instance_id}")
    for informant in KeyInformant.objects.all():
        if text in informant.name or text in informant.phone:
            found.append("key informant")
    for event in AuditEvent.objects.all():
        if text in json.dumps(event.detail, ensure_ascii=False):
            found.append(f"audit {event.action}")
    return found


def test_a_sensitive_complaint_is_read_by_the_focal_point_alone_and_nowhere_in_collect(
    world: World,
) -> None:
    values = answers(
        world,
        category="sea",
        topic="distribution_cash",
        description=SECRET,
        contact_name="Shirin Qadir",
        contact_phone="0751 998 2211",
        consent_to_share="no",
    )
    sent = fill_instance(world.xform, values, instance_id="uuid:hd-sea")
    assert world.phone.post(sent).status_code == 201
    item = Feedback.objects.get()
    assert item.sensitive and item.category == "sea" and item.description == SECRET
    # The focal point reads it; the officer of the help desk does not.
    assert list(selectors.feedback_list(user=world.jwan.user)) == [item]
    assert list(selectors.feedback_list(user=world.rawa.user)) == []
    for secret in (SECRET, "Shirin", "0751 998 2211"):
        assert _collect_holds(secret) == [], secret
    receipt = Submission.objects.get(instance_id="uuid:hd-sea")
    # Not even that it is sensitive: the receipt keeps where and how it came.
    assert set(receipt.data) <= {"start", "end", "site", "channel", "sensitive_note"}
    # Nothing waits for review; the receipts are read by the feedback team, and its pages and
    # API say only where and how the feedback came.
    reviewers = (world.rawa, world.jwan, world.personas.layla, world.personas.iom_admin)
    for persona in reviewers:
        client = persona.client()
        pages = [
            client.get("/collect/"),
            client.get("/collect/?status=accepted"),
            client.get(f"/collect/submissions/{receipt.uid}/"),
            client.get("/api/v1/collect/submissions?status=accepted"),
            client.get(f"/api/v1/collect/submissions/{receipt.uid}"),
        ]
        for response in pages:
            body = response.content.decode()
            for secret in (SECRET, "Shirin", "0751 998 2211", "Sexual exploitation"):
                assert secret not in body, (persona.user.username, response.status_code)
    # The feedback officer does read the receipt: where and when the help desk heard it.
    shown = world.rawa.client().get(f"/collect/submissions/{receipt.uid}/")
    assert shown.status_code == 200 and "Chameshku" in shown.content.decode()


def test_a_form_naming_no_site_is_refused_and_nothing_is_kept(world: World) -> None:
    sent = fill_instance(
        world.xform,
        answers(world, site="00000000-0000-0000-0000-000000000000", description=SECRET),
        instance_id="uuid:hd-nowhere",
    )
    response = world.phone.post(sent)
    assert response.status_code == 400
    assert SECRET not in response.content.decode()
    assert not Submission.objects.exists() and not Feedback.objects.exists()


node = engine.node


def test_the_engine_fills_the_form_and_a_sensitive_kind_shows_the_focal_point_note(
    world: World, node: str, tmp_path: Path
) -> None:
    from nahrain.health.tests.test_fieldforms import downloaded

    form = downloaded(world.phone, intake_world.FORM, tmp_path)
    values = answers(world, category="fraud", description="Asked to pay to stay on the list")
    relevant = json.loads(engine._run(node, form, values, "--relevance"))
    assert relevant["sensitive_note"] is True
    # Anonymous: the contact's questions are not asked, so nothing is given for them.
    contact = {"contact_name", "contact_phone", "preferred_language", "callback_gender"}
    anonymous = {
        k: v
        for k, v in answers(world, anonymous="yes").items()
        if k not in contact | {"consent_to_share"}
    }
    relevant = json.loads(engine._run(node, form, anonymous, "--relevance"))
    assert (relevant["sensitive_note"], relevant["contact_phone"]) == (False, False)
    assert world.phone.post(engine._run(node, form, values)).status_code == 201
    item = Feedback.objects.get()
    assert item.sensitive and item.category == "fraud"
