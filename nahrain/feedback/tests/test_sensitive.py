"""Sensitive feedback (sexual exploitation and abuse, fraud, safety, data breach) is read by the
named focal points of the organisation concerned alone, while named: not the officer who
recorded it, not the admins, not the platform admins; it is in no trend."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.http import Http404

from nahrain.feedback import access, selectors, services
from nahrain.feedback.models import FeedbackRollup
from nahrain.feedback.services import FeedbackRefused
from nahrain.feedback.tests.world import World


def _readers(world: World) -> dict[str, User]:
    p = world.personas
    return {
        "rawa": world.rawa,
        "jwan": world.jwan,
        "lina": world.lina,
        "layla": p.layla.user,
        "omar": p.omar.user,
        "iom_admin": p.iom_admin.user,
        "intersos_admin": p.intersos_admin.user,
        "root": p.root.user,
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sensitive_item_reaches_the_named_focal_points_alone(world: World) -> None:
    admin = world.personas.iom_admin.user
    item = world.receive(
        category="sea",
        description="A distribution volunteer asked for a favour against a kit",
        contact={"name": "Hiba", "phone": "07509999999", "callback_gender": "female"},
    )
    assert item.sensitive and item.priority == "urgent"
    readers = _readers(world)
    assert [n for n, u in readers.items() if access.can_read_feedback(u, item)] == []
    # No focal point yet: IOM's admins are told one item waits, nothing more.
    assert selectors.sensitive_waiting(user=admin, organisation=world.iom) == 1
    with pytest.raises(FeedbackRefused):  # not a member of IOM
        services.focal_point_name(
            actor=admin, organisation=world.iom, user=world.lina, categories=["sea"]
        )
    with pytest.raises(FeedbackRefused):  # only sensitive categories have focal points
        services.focal_point_name(
            actor=admin, organisation=world.iom, user=world.jwan, categories=["staff_conduct"]
        )
    with pytest.raises(FeedbackRefused):  # only admins name them
        services.focal_point_name(
            actor=world.rawa, organisation=world.iom, user=world.rawa, categories=["sea"]
        )
    [point] = services.focal_point_name(
        actor=admin, organisation=world.iom, user=world.jwan, categories=["sea"]
    )
    assert selectors.sensitive_waiting(user=admin, organisation=world.iom) == 0
    assert [n for n, u in readers.items() if access.can_read_feedback(u, item)] == ["jwan"]
    assert list(selectors.feedback_list(user=world.jwan)) == [item]
    assert selectors.feedback_list(user=world.rawa).count() == 0
    with pytest.raises(Http404):
        access.access_feedback_by_uid(world.rawa, item.uid)
    with pytest.raises(Http404):
        selectors.feedback_detail(user=admin, feedback=item)
    contact = selectors.feedback_contact(user=world.jwan, feedback=item)
    assert contact is not None and contact.callback_gender == "female"
    services.feedback_start(actor=world.jwan, feedback=item)
    with pytest.raises(FeedbackRefused):
        services.feedback_note(actor=world.rawa, feedback=item, note="any news?")
    # Sensitive feedback is in no trend.
    assert not FeedbackRollup.objects.exists()
    services.focal_point_remove(actor=admin, focal_point=point)
    assert not access.can_read_feedback(world.jwan, item)
    assert selectors.sensitive_waiting(user=admin, organisation=world.iom) == 1


@pytest.mark.django_db
def test_a_focal_point_refers_a_sensitive_item_to_the_other_organisations_focal_points(
    world: World,
) -> None:
    p = world.personas
    services.focal_point_name(
        actor=p.iom_admin.user, organisation=world.iom, user=world.jwan, categories=["fraud"]
    )
    services.focal_point_name(
        actor=p.intersos_admin.user,
        organisation=world.intersos,
        user=world.lina,
        categories=["fraud", "sea"],
    )
    item = world.receive(category="fraud", description="INTERSOS staff took money for a list place")
    assert not access.can_read_feedback(world.lina, item)
    services.feedback_refer(actor=world.jwan, feedback=item, organisation=world.intersos)
    # Now INTERSOS's fraud focal point reads it, and IOM's no more; the contact stays behind.
    assert access.can_read_feedback(world.lina, item)
    assert not access.can_read_feedback(world.jwan, item)
    assert selectors.feedback_contact(user=world.lina, feedback=item) is None
    # A focal point for another category reads nothing of it.
    sea_only = world.receive(category="safety", description="Fire risk near the kitchen")
    assert not access.can_read_feedback(world.lina, sea_only)
    assert not access.can_read_feedback(world.jwan, sea_only)
