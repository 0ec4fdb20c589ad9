"""Trends come from the rollup: exact for IOM's own readers, small cells hidden for anyone
else; sensitive feedback never counted. The anonymised export carries no contact, no words, no
reference and the month, not the day, and is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from nahrain.core.models import AuditEvent
from nahrain.feedback import selectors, services
from nahrain.feedback.models import FeedbackRollup
from nahrain.feedback.tests.world import World, days_ago


def _some_feedback(world: World) -> None:
    for n in range(7):
        item = world.receive(
            received_at=days_ago(3),
            category="service_quality",
            topic="wash",
            description=f"Water tank {n} empty",
        )
        if n < 6:
            services.feedback_resolve(actor=world.rawa, feedback=item, answer="Refilled")
            services.feedback_tell(actor=world.rawa, feedback=item, how="in_person")
            services.feedback_close(actor=world.rawa, feedback=item)
    for _n in range(2):
        world.receive(received_at=days_ago(2), channel="hotline", priority="urgent")
    world.receive(category="sea", description="Kept out of the rollup")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_trends_are_exact_inside_the_organisation_and_suppressed_outside(world: World) -> None:
    _some_feedback(world)
    inside = selectors.trends(user=world.personas.layla.user, organisation=world.iom)
    assert inside.exact
    assert (inside.total.received, inside.total.closed_in_time, inside.total.open_overdue) == (
        9,
        6,
        2,
    )
    assert {r.key: r.received for r in inside.by_channel} == {"help_desk": 7, "hotline": 2}
    assert {r.key: r.received for r in inside.by_category} == {
        "information_request": 2,
        "service_quality": 7,
    }
    assert inside.top_topics[world.chameshku.pk][0] == ("wash", 7)
    assert inside.total.share_closed_in_time == round(100 * 6 / 9, 1)
    outside = selectors.trends(user=world.lina, organisation=world.iom)
    assert not outside.exact
    channels = {r.key: (r.received, r.closed_in_time, r.answered) for r in outside.by_channel}
    # The two hotline calls are a small cell, and so is what would give them away.
    assert channels["hotline"][0] is None and channels["help_desk"][0] is None
    assert all(r.answered is None and r.open_overdue is None for r in outside.by_channel)
    with pytest.raises(PermissionDenied):
        selectors.trends(user=AnonymousUser())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_export_is_anonymised_and_audited(world: World) -> None:
    _some_feedback(world)
    rows = selectors.export_rows(user=world.personas.layla.user, organisation=world.iom)
    assert len(rows) == 9
    assert set(rows[0]) == set(selectors.EXPORT_COLUMNS)
    flat = str(rows)
    assert "Water tank" not in flat and "FB-" not in flat and "Kept out" not in flat
    assert all(len(r["month"]) == 7 for r in rows)
    assert rows[0]["governorate"] == "IQG09" and rows[0]["site"] == "IQ-DHK-CHM"
    assert AuditEvent.objects.filter(action="feedback.export").count() == 1
    for not_theirs in (world.lina, world.personas.root.user, world.personas.omar.user):
        with pytest.raises(PermissionDenied):
            selectors.export_rows(user=not_theirs, organisation=world.iom)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_feedback_becomes_overdue_in_the_trends_as_the_clock_passes_its_deadline(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    urgent = world.receive(priority="urgent")  # a day to answer
    world.receive(priority="low")  # two weeks
    reader = world.personas.layla.user
    assert selectors.trends(user=reader, organisation=world.iom).total.open_overdue == 0
    counted = list(FeedbackRollup.objects.values_list("pk", "updated_at"))
    later = timezone.now() + timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    # No write since: the urgent item is past its deadline all the same, and only it.
    figures = selectors.trends(user=reader, organisation=world.iom)
    assert (figures.total.received, figures.total.open_overdue) == (2, 1)
    assert {r.key: r.open_overdue for r in figures.by_site} == {world.chameshku.pk: 1}
    assert list(FeedbackRollup.objects.values_list("pk", "updated_at")) == counted
    # Answered late: no longer open, and not in time.
    services.feedback_resolve(actor=world.rawa, feedback=urgent, answer="Tomorrow at gate 1.")
    figures = selectors.trends(user=reader, organisation=world.iom)
    assert (figures.total.open_overdue, figures.total.answered, figures.total.answered_in_time) == (
        0,
        1,
        0,
    )
    much_later = later + timedelta(days=20)
    monkeypatch.setattr(timezone, "now", lambda: much_later)
    assert selectors.trends(user=reader, organisation=world.iom).total.open_overdue == 1
