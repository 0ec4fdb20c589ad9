"""Feedback through the services, as the personas do it: rawa records at IOM's help desk,
handles it to the person told and closed; deadlines come from the priority; an item referred
to INTERSOS is lina's to handle; linked items close together; a resend records once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from nahrain.core.models import AuditEvent
from nahrain.feedback import access, selectors, services
from nahrain.feedback.models import EventKind, Feedback, FeedbackRollup, Status
from nahrain.feedback.rollup import month_of
from nahrain.feedback.services import FeedbackRefused
from nahrain.feedback.tests.world import World, days_ago


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_help_desk_question_goes_from_received_to_closed_and_counts_in_time(
    world: World,
) -> None:
    item = world.receive(
        contact={"name": "Layla Hasan", "phone": "07501234567", "preferred_language": "ckb"},
        person_sex="f",
        person_age_group="18_59",
    )
    assert item.reference.startswith("FB-") and item.status == Status.NEW
    assert (item.concerned, item.admin_unit, item.sensitive) == (world.iom, world.zakho, False)
    services.feedback_assign(actor=world.rawa, feedback=item, assignee=world.jwan)
    services.feedback_start(actor=world.jwan, feedback=item)
    services.feedback_resolve(
        actor=world.jwan, feedback=item, answer="On 12 November, block C first."
    )
    services.feedback_tell(actor=world.jwan, feedback=item, how="phone_call", satisfaction="partly")
    services.feedback_close(actor=world.jwan, feedback=item)
    item.refresh_from_db()
    assert (item.status, item.answered_how, item.satisfaction) == (
        Status.CLOSED,
        "phone_call",
        "partly",
    )
    history = selectors.feedback_history(user=world.rawa, feedback=item)
    assert [e.kind for e in history] == [
        EventKind.RECEIVED,
        EventKind.ASSIGNED,
        EventKind.STARTED,
        EventKind.RESOLVED,
        EventKind.TOLD,
        EventKind.CLOSED,
    ]
    # The rollup was recounted when each write committed.
    row = FeedbackRollup.objects.get(organisation=world.iom, month=month_of(item.received_at))
    assert (row.received, row.answered_in_time, row.closed_in_time) == (1, 1, 1)
    assert (row.site, row.governorate, row.category) == (
        world.chameshku,
        world.duhok,
        item.category,
    )
    contact = selectors.feedback_contact(user=world.rawa, feedback=item)
    assert contact is not None and contact.phone == "07501234567"
    assert AuditEvent.objects.filter(action="feedback.contact_read").count() == 1


@pytest.mark.django_db
def test_the_steps_keep_their_order(world: World) -> None:
    item = world.receive()
    with pytest.raises(FeedbackRefused):
        services.feedback_tell(actor=world.rawa, feedback=item, how="phone_call")
    with pytest.raises(FeedbackRefused):
        services.feedback_close(actor=world.rawa, feedback=item)
    with pytest.raises(FeedbackRefused):
        services.feedback_resolve(actor=world.rawa, feedback=item, answer="  ")
    services.feedback_resolve(actor=world.rawa, feedback=item, answer="Next week.")
    with pytest.raises(FeedbackRefused):
        services.feedback_tell(actor=world.rawa, feedback=item, how="carrier_pigeon")
    with pytest.raises(FeedbackRefused):
        services.feedback_close_without_contact(actor=world.rawa, feedback=item, reason="bored")
    services.feedback_close_without_contact(actor=world.rawa, feedback=item, reason="unreachable")
    item.refresh_from_db()
    assert (item.status, item.closed_reason) == (Status.CLOSED_NO_CONTACT, "unreachable")


@pytest.mark.django_db
def test_the_deadline_follows_the_priority_of_the_category_unless_one_is_given(
    world: World,
) -> None:
    at = days_ago(2)
    question = world.receive(received_at=at)
    staff = world.receive(received_at=at, category="staff_conduct", description="Rude guard")
    urgent = world.receive(received_at=at, priority="urgent", description="No water since Sunday")
    assert (question.priority, question.due_at) == ("low", at + timedelta(days=14))
    assert (staff.priority, staff.due_at) == ("high", at + timedelta(days=3))
    assert (urgent.priority, urgent.due_at) == ("urgent", at + timedelta(days=1))
    overdue = selectors.feedback_list(user=world.rawa, overdue=True)
    assert list(overdue) == [urgent]
    with pytest.raises(FeedbackRefused):
        world.receive(priority="whenever")
    with pytest.raises(FeedbackRefused):
        world.receive(received_at=days_ago(-2))


@pytest.mark.django_db
def test_only_the_organisations_feedback_officers_record_its_feedback(world: World) -> None:
    for outsider in (world.lina, world.personas.layla.user, world.personas.iom_admin.user):
        with pytest.raises(FeedbackRefused):
            world.receive(actor=outsider)
    with pytest.raises(FeedbackRefused):
        world.receive(anonymous=True, contact={"phone": "0750"})


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_referred_item_is_handled_by_the_other_organisation_and_its_contact_needs_consent(
    world: World,
) -> None:
    item = world.receive(
        category="assistance_request",
        topic="protection",
        description="Needs legal help for a lost civil ID",
        contact={"name": "Ahmed Ali", "phone": "07700000001"},
    )
    services.feedback_refer(
        actor=world.rawa, feedback=item, organisation=world.intersos, note="Legal aid"
    )
    item.refresh_from_db()
    assert (item.concerned, item.organisation, item.status) == (
        world.intersos,
        world.iom,
        Status.NEW,
    )
    # lina handles it, without the contact the person did not agree to share.
    assert access.can_handle_feedback(world.lina, item)
    assert selectors.feedback_contact(user=world.lina, feedback=item) is None
    # rawa keeps reading it and its contact, and handles it no more.
    assert access.can_read_feedback(world.rawa, item) and not access.can_handle_feedback(
        world.rawa, item
    )
    assert selectors.feedback_contact(user=world.rawa, feedback=item) is not None
    with pytest.raises(FeedbackRefused):
        services.feedback_start(actor=world.rawa, feedback=item)
    services.feedback_start(actor=world.lina, feedback=item)
    consenting = world.receive(
        category="assistance_request",
        description="Needs a birth certificate",
        contact={"name": "Sara", "phone": "07700000002", "consent_to_share": True},
    )
    services.feedback_refer(actor=world.rawa, feedback=consenting, organisation=world.intersos)
    assert selectors.feedback_contact(user=world.lina, feedback=consenting) is not None
    # The trends count it for INTERSOS now, and for IOM no more.
    month = month_of(item.received_at)
    counted = FeedbackRollup.objects.filter(organisation=world.intersos, month=month)
    assert sum(counted.values_list("received", flat=True)) == 2
    assert not FeedbackRollup.objects.filter(organisation=world.iom, month=month).exists()


@pytest.mark.django_db
def test_linked_items_close_with_their_main_item(world: World) -> None:
    main = world.receive(category="service_quality", description="Latrines in block C broken")
    others = [
        world.receive(category="service_quality", description=f"Latrine {n} broken")
        for n in range(2)
    ]
    sensitive = world.receive(category="safety", description="No light near the latrines")
    with pytest.raises(FeedbackRefused):  # rawa does not handle the sensitive item
        services.feedback_link(actor=world.rawa, main=main, others=[sensitive])
    with pytest.raises(FeedbackRefused):
        services.feedback_link(actor=world.rawa, main=main, others=[main])
    services.feedback_link(actor=world.rawa, main=main, others=others)
    assert {f.pk for f in selectors.linked_items(user=world.rawa, feedback=main)} == {
        o.pk for o in others
    }
    services.feedback_resolve(actor=world.rawa, feedback=main, answer="Repaired on Monday")
    services.feedback_tell(actor=world.rawa, feedback=main, how="community_meeting")
    services.feedback_close(actor=world.rawa, feedback=main)
    assert set(
        Feedback.objects.filter(pk__in=[o.pk for o in others]).values_list("status", flat=True)
    ) == {Status.CLOSED}
    assert Feedback.objects.get(pk=sensitive.pk).status == Status.NEW


@pytest.mark.django_db
def test_the_same_source_key_records_once(world: World) -> None:
    first = world.receive(channel="hotline", source_key="IIC-2026-0001")
    again = world.receive(channel="hotline", source_key="IIC-2026-0001", description="other")
    assert again.pk == first.pk
    assert Feedback.objects.count() == 1
    # Another organisation's hotline case of the same number is another item.
    services.feedback_receive(
        actor=world.lina,
        organisation=world.intersos,
        channel="hotline",
        category="information_request",
        description="Where is the clinic?",
        source_key="IIC-2026-0001",
    )
    assert Feedback.objects.count() == 2
