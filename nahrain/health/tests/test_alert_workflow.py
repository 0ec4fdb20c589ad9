"""An alert's steps (alerting.alert_step) and the reads of alerts (alert_selectors): only the
steps of the code list are taken, discarding and closing say why, each step is an event with
who, when and the note, and an audit event without the note; readers see the alerts of the
facilities they read and of the districts they watch, and only the facilities they read are
named in them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from nahrain.core.models import AuditEvent
from nahrain.health import alert_selectors, alerting
from nahrain.health.models import Alert, AlertStatus, Facility
from nahrain.health.tests.builders import HealthWorld, week_report
from nahrain.health.tests.test_alerting import YEAR, world, zakho_clinic  # noqa: F401
from nahrain.testing.personas import Personas


@pytest.fixture
def measles(world: HealthWorld) -> Alert:  # noqa: F811
    week_report(world.chameshku_phcc, YEAR, 30, measles=1)
    return Alert.objects.get()


def test_an_alert_walks_from_new_to_closed_with_who_when_and_notes(
    world: HealthWorld,  # noqa: F811
    measles: Alert,
) -> None:
    faris = world.faris.user
    for to, note in [
        ("verified", "Called the PHCC: a child of 4, rash and fever"),
        ("investigated", ""),
        ("response", "Vaccination of the camp's block C"),
        ("closed", "No further case in 42 days"),
    ]:
        before = timezone.now()
        stepped = alerting.alert_step(actor=faris, alert=measles, to=to, note=note)
        assert stepped.status == to
        event = stepped.events.last()
        assert event is not None
        assert (event.status, event.actor, event.note) == (to, faris, note)
        assert event.at >= before
    measles.refresh_from_db()
    assert measles.status == AlertStatus.CLOSED
    audit = AuditEvent.objects.filter(action="health.alert_step", object_id=str(measles.uid))
    assert [(a.actor, a.detail["to"]) for a in audit.order_by("pk")] == [
        (faris, "verified"),
        (faris, "investigated"),
        (faris, "response"),
        (faris, "closed"),
    ]
    # What was written is in the events, not in the audit trail.
    assert all(set(a.detail) == {"from", "to", "note"} for a in audit)


@pytest.mark.parametrize(
    ("path", "refused", "allowed"),
    [
        ([], "investigated", "Verified, Discarded"),
        ([], "closed", "Verified, Discarded"),
        (["verified"], "discarded", "Investigated, Closed"),
        (["verified", "investigated", "response"], "verified", "Closed"),
    ],
)
def test_a_step_the_code_list_does_not_allow_is_refused_naming_the_allowed_ones(
    world: HealthWorld,  # noqa: F811
    measles: Alert,
    path: list[str],
    refused: str,
    allowed: str,
) -> None:
    for to in path:
        alerting.alert_step(actor=world.faris.user, alert=measles, to=to)
    with pytest.raises(ValidationError) as error:
        alerting.alert_step(actor=world.faris.user, alert=measles, to=refused, note="why")
    (said,) = error.value.message_dict["to"]
    assert said.endswith(f"an alert goes to: {allowed}.")
    measles.refresh_from_db()
    assert measles.status == (path[-1] if path else "new")


def test_a_closed_or_discarded_alert_takes_no_step(
    world: HealthWorld,  # noqa: F811
    measles: Alert,
) -> None:
    alerting.alert_step(actor=world.faris.user, alert=measles, to="discarded", note="Chickenpox")
    with pytest.raises(ValidationError, match="takes no further step"):
        alerting.alert_step(actor=world.faris.user, alert=measles, to="verified")


@pytest.mark.parametrize("to", ["discarded", "closed"])
def test_discarding_and_closing_need_a_note(
    world: HealthWorld,  # noqa: F811
    measles: Alert,
    to: str,
) -> None:
    if to == "closed":
        alerting.alert_step(actor=world.faris.user, alert=measles, to="verified")
    with pytest.raises(ValidationError) as error:
        alerting.alert_step(actor=world.faris.user, alert=measles, to=to, note="   ")
    assert "note" in error.value.message_dict
    measles.refresh_from_db()
    assert measles.status != to


def test_the_alerts_each_reader_reads(
    world: HealthWorld,  # noqa: F811
    personas: Personas,
    measles: Alert,
) -> None:
    week_report(world.sinjar_mmu, YEAR, 30, measles=1)
    sinjar = Alert.objects.exclude(pk=measles.pk).get()

    def read(user: object, **filters: object) -> set[str]:
        return {a.district.pcode for a in alert_selectors.alerts_for(user, **filters)}  # type: ignore[arg-type]

    assert read(world.faris.user) == {"IQG09Q04"}  # Duhok's surveillance officer
    assert read(world.muna.user) == {"IQG15Q07"}
    assert read(personas.layla.user) == {"IQG09Q04"}  # IOM runs Chameshku's PHCC
    assert read(personas.ahmed.user) == {"IQG15Q07"}  # DAMA supports the Sinjar unit
    assert read(personas.outsider.user) == set()
    assert read(world.muna.user, governorate="IQG15") == {"IQG15Q07"}
    assert read(world.muna.user, governorate="IQG09") == set()
    assert read(world.faris.user, disease="cholera") == set()
    alerting.alert_step(actor=world.muna.user, alert=sinjar, to="discarded", note="Not measles")
    assert read(personas.ahmed.user, open_only=True) == set()
    assert read(personas.ahmed.user, status="discarded") == {"IQG15Q07"}


def test_an_alert_names_only_the_facilities_its_reader_reads(
    world: HealthWorld,  # noqa: F811
    zakho_clinic: Facility,  # noqa: F811
    personas: Personas,
    measles: Alert,
) -> None:
    week_report(zakho_clinic, YEAR, 30, measles=2)
    # Duhok's surveillance officer reads both facilities of Zakho.
    whole = alert_selectors.alert_detail(world.faris.user, measles.uid)
    assert [(s.facility.code, s.cases) for s in whole.signals] == [
        ("PHCC-CHM", 1),
        ("PHCC-ZAK-2", 2),
    ]
    assert whole.other_facilities == 0
    assert whole.next_steps == ["verified", "discarded"]
    assert [e.status for e in whole.events] == ["new"]
    # IOM's information manager reads Chameshku's PHCC, not INTERSOS's clinic: it is counted,
    # its cases not shown; and IOM does not work the alert.
    layla = alert_selectors.alert_detail(personas.layla.user, measles.uid)
    assert [(s.facility.code, s.cases) for s in layla.signals] == [("PHCC-CHM", 1)]
    assert layla.other_facilities == 1
    assert layla.next_steps == []
    assert layla.disease_label == "Suspected measles"
    with pytest.raises(Http404):
        alert_selectors.alert_detail(personas.outsider.user, measles.uid)
    with pytest.raises(Http404):
        alert_selectors.alert_detail(world.muna.user, measles.uid)


def test_a_withdrawn_alert_says_why_and_takes_no_step(
    world: HealthWorld,  # noqa: F811
    measles: Alert,
) -> None:
    week_report(world.chameshku_phcc, YEAR, 30)  # sent again without the case
    detail = alert_selectors.alert_detail(world.faris.user, measles.uid)
    assert [(e.status, e.note) for e in detail.events] == [
        ("new", ""),
        ("withdrawn", alerting.NOTE_WITHDRAWN),
    ]
    assert detail.next_steps == []


def test_new_alerts_past_their_24_hours_are_overdue(
    world: HealthWorld,  # noqa: F811
    personas: Personas,
    measles: Alert,
) -> None:
    # week_report sends the week on time, days ago: the alert is older than 24 hours.
    assert list(alert_selectors.overdue_verification(world.faris.user)) == [measles]
    assert alert_selectors.alert_detail(world.faris.user, measles.uid).overdue
    assert list(alert_selectors.overdue_verification(personas.outsider.user)) == []
    Alert.objects.filter(pk=measles.pk).update(verify_by=timezone.now() + timedelta(hours=1))
    assert list(alert_selectors.overdue_verification(world.faris.user)) == []
    Alert.objects.filter(pk=measles.pk).update(verify_by=timezone.now() - timedelta(hours=1))
    alerting.alert_step(actor=world.faris.user, alert=measles, to="verified")
    assert list(alert_selectors.overdue_verification(world.faris.user)) == []
