"""Weekly and immediate reports raise alerts (alerting.py), sent through the reports' services as
the pages and the API send them: the fixed rules fire at their thresholds and not below, one open
alert per disease and district gathers the signals of every facility there, a re-sent week takes
back what it raised, and a closed alert lets the next one open."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from nahrain.core.models import AuditEvent, Role
from nahrain.health import alerting, rules, services
from nahrain.health.models import (
    OPEN_ALERT,
    Alert,
    AlertEvent,
    AlertSignal,
    AlertStatus,
    CatchmentPopulation,
    Facility,
)
from nahrain.health.tests.builders import HealthWorld, facility, week_report
from nahrain.testing.personas import Persona, Personas, _person

YEAR = 2026


@pytest.fixture
def world(health: HealthWorld) -> HealthWorld:
    """The health world with Chameshku's catchment (30,000 people) taken at the start of the
    year, so that the year's weeks have their denominator."""
    services.catchment_population_take(facility=health.chameshku_phcc, on=date(YEAR, 1, 1))
    return health


@pytest.fixture
def zakho_clinic(world: HealthWorld, personas: Personas) -> Facility:
    """A second facility in Zakho district (Chameshku's), run by INTERSOS under Duhok DoH."""
    return facility(
        personas.intersos,
        world.duhok_doh,
        code="PHCC-ZAK-2",
        name_en="Zakho town PHCC",
        district="IQG09Q04",
    )


@pytest.fixture
def dara(personas: Personas) -> Persona:
    """INTERSOS's information manager."""
    return _person("dara", personas.intersos, Role.INFORMATION_MANAGER)


def _signals(alert: Alert) -> list[tuple[str, str, int, float | None]]:
    return [(s.facility.code, s.rule, s.cases, s.threshold) for s in alert.signals.all()]


def _open(disease: str) -> list[Alert]:
    return list(Alert.objects.filter(disease=disease, status__in=OPEN_ALERT))


def test_one_case_of_measles_in_a_weekly_report_raises_a_new_alert_in_its_district(
    world: HealthWorld,
) -> None:
    report = week_report(world.chameshku_phcc, YEAR, 30, measles=1)
    (alert,) = Alert.objects.all()
    assert (alert.disease, alert.district.pcode, alert.status) == ("measles", "IQG09Q04", "new")
    assert (alert.year, alert.week, alert.raised_at) == (YEAR, 30, report.submitted_at)
    assert alert.verify_by == report.submitted_at + timedelta(hours=24)
    assert _signals(alert) == [("PHCC-CHM", "one-case", 1, 0.0)]
    assert alert.signals.get().rules_version == rules.version() == "2026-12"
    assert [(e.status, e.actor) for e in alert.events.all()] == [("new", None)]


def test_a_week_without_measles_raises_nothing(world: HealthWorld) -> None:
    week_report(world.chameshku_phcc, YEAR, 30, awd=2, ili=4)
    assert not Alert.objects.exists()


def test_a_report_of_measles_and_cholera_raises_one_alert_each(world: HealthWorld) -> None:
    week_report(world.chameshku_phcc, YEAR, 30, measles=1, cholera=2)
    assert sorted(Alert.objects.values_list("disease", flat=True)) == ["cholera", "measles"]
    assert AlertSignal.objects.filter(rule="one-case").count() == 2


def test_meningitis_two_cases_where_30000_live_is_an_alert_and_one_is_not(
    world: HealthWorld,
) -> None:
    # Chameshku's 30,000 are not "under 30,000": 5 per 100,000 of them is 1.5 cases, so 2
    # (the threshold kept is the most cases that raise no alert).
    week_report(world.chameshku_phcc, YEAR, 30, meningitis=1)
    assert not Alert.objects.exists()
    week_report(world.chameshku_phcc, YEAR, 31, meningitis=2)
    (alert,) = Alert.objects.all()
    assert _signals(alert) == [("PHCC-CHM", "meningitis-population", 2, 1.0)]


def test_meningitis_where_100000_live_takes_five_cases(world: HealthWorld) -> None:
    CatchmentPopulation.objects.filter(facility=world.chameshku_phcc).update(individuals=100_000)
    week_report(world.chameshku_phcc, YEAR, 30, meningitis=4)
    assert not Alert.objects.exists()
    week_report(world.chameshku_phcc, YEAR, 31, meningitis=5)
    (alert,) = Alert.objects.all()
    assert _signals(alert) == [("PHCC-CHM", "meningitis-population", 5, 4.0)]


def test_cases_doubled_over_two_weeks_raise_an_alert_from_five_cases(world: HealthWorld) -> None:
    phcc = world.chameshku_phcc
    week_report(phcc, YEAR, 30, typhoid=2)
    week_report(phcc, YEAR, 31, typhoid=1)
    week_report(phcc, YEAR, 32, typhoid=4)  # twice 2, but fewer than 5 cases
    assert not Alert.objects.exists()
    week_report(phcc, YEAR, 33, typhoid=5)  # not twice the 1 of week 31: 5 cases do it
    (alert,) = Alert.objects.all()
    assert _signals(alert) == [("PHCC-CHM", "doubling", 5, 4.0)]


def test_a_week_not_reported_is_no_base_for_a_doubling(world: HealthWorld) -> None:
    week_report(world.chameshku_phcc, YEAR, 29, typhoid=1)
    week_report(world.chameshku_phcc, YEAR, 32, typhoid=9)  # week 30 was never reported
    assert not Alert.objects.exists()


def test_acute_watery_diarrhoea_above_50_per_10000_is_an_alert(world: HealthWorld) -> None:
    # 50 per 10,000 of 30,000 people: 150 cases in the week.
    week_report(world.chameshku_phcc, YEAR, 29, awd=140)
    week_report(world.chameshku_phcc, YEAR, 30, awd=140)
    week_report(world.chameshku_phcc, YEAR, 31, awd=149)
    assert not Alert.objects.exists()
    week_report(world.chameshku_phcc, YEAR, 32, awd=150)
    (alert,) = Alert.objects.all()
    assert _signals(alert) == [("PHCC-CHM", "awd-attack-rate", 150, 149.0)]


def test_a_resent_week_without_the_cases_withdraws_the_alert_it_raised(
    world: HealthWorld,
) -> None:
    week_report(world.chameshku_phcc, YEAR, 30, measles=1)
    alert = Alert.objects.get()
    report = week_report(world.chameshku_phcc, YEAR, 30, ili=3)
    assert report.revision == 2
    alert.refresh_from_db()
    assert alert.status == AlertStatus.WITHDRAWN
    assert not alert.signals.exists()
    withdrawn = alert.events.last()
    assert withdrawn is not None
    assert (withdrawn.status, withdrawn.note) == ("withdrawn", alerting.NOTE_WITHDRAWN)
    assert AuditEvent.objects.filter(action="health.alert_withdraw").count() == 1
    # The measles week is sent once more, with the case: a new alert, the withdrawn one kept.
    week_report(world.chameshku_phcc, YEAR, 30, measles=1)
    assert Alert.objects.count() == 2
    assert _open("measles")[0].pk != alert.pk


def test_a_resent_week_with_the_cases_keeps_one_alert_with_the_new_counts(
    world: HealthWorld,
) -> None:
    week_report(world.chameshku_phcc, YEAR, 30, measles=1)
    week_report(world.chameshku_phcc, YEAR, 30, measles=3)
    (alert,) = Alert.objects.all()
    assert alert.status == AlertStatus.NEW
    assert _signals(alert) == [("PHCC-CHM", "one-case", 3, 0.0)]
    assert [e.status for e in alert.events.all()] == ["new"]


def test_a_resent_week_keeps_an_alert_someone_verified_and_says_so(world: HealthWorld) -> None:
    week_report(world.chameshku_phcc, YEAR, 30, measles=1)
    alert = alerting.alert_step(actor=world.faris.user, alert=Alert.objects.get(), to="verified")
    week_report(world.chameshku_phcc, YEAR, 30)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.VERIFIED
    assert [(e.status, e.note) for e in alert.events.all()] == [
        ("new", ""),
        ("verified", ""),
        ("verified", alerting.NOTE_RESENT),
    ]


def test_a_resent_week_leaves_an_alert_other_reports_still_feed(
    world: HealthWorld, zakho_clinic: Facility
) -> None:
    week_report(world.chameshku_phcc, YEAR, 30, measles=1)
    week_report(zakho_clinic, YEAR, 30, measles=2)
    week_report(world.chameshku_phcc, YEAR, 30)
    (alert,) = Alert.objects.all()
    assert alert.status == AlertStatus.NEW
    assert _signals(alert) == [("PHCC-ZAK-2", "one-case", 2, 0.0)]


def test_a_second_facility_of_the_district_joins_the_open_alert(
    world: HealthWorld, zakho_clinic: Facility
) -> None:
    week_report(world.chameshku_phcc, YEAR, 30, measles=1)
    week_report(zakho_clinic, YEAR, 31, measles=1)
    (alert,) = Alert.objects.all()
    assert _signals(alert) == [("PHCC-CHM", "one-case", 1, 0.0), ("PHCC-ZAK-2", "one-case", 1, 0.0)]
    assert (alert.year, alert.week) == (YEAR, 30)  # the week of its first signal


def test_a_facility_of_another_district_raises_its_own_alert(world: HealthWorld) -> None:
    week_report(world.chameshku_phcc, YEAR, 30, measles=1)
    week_report(world.sinjar_mmu, YEAR, 30, measles=1)
    assert sorted(a.district.pcode for a in Alert.objects.all()) == ["IQG09Q04", "IQG15Q07"]


def test_a_closed_alert_lets_the_next_one_open(world: HealthWorld) -> None:
    week_report(world.chameshku_phcc, YEAR, 30, measles=1)
    first = Alert.objects.get()
    faris = world.faris.user
    alerting.alert_step(actor=faris, alert=first, to="verified")
    alerting.alert_step(actor=faris, alert=first, to="closed", note="Rash of rubella, not measles")
    week_report(world.chameshku_phcc, YEAR, 33, measles=1)
    (second,) = _open("measles")
    assert second.pk != first.pk
    assert (second.status, second.week) == ("new", 33)


def test_a_case_reported_at_once_raises_the_alert_and_the_weekly_report_joins_it(
    world: HealthWorld, zakho_clinic: Facility
) -> None:
    seen = date(YEAR, 7, 28)  # in week 30
    services.immediate_report_submit(
        actor=world.faris.user,
        facility=zakho_clinic,
        disease="cholera",
        seen_on=seen,
        cases=2,
        submitted_at=timezone.now(),
    )
    (alert,) = Alert.objects.all()
    assert (alert.disease, alert.status, alert.year, alert.week) == ("cholera", "new", YEAR, 30)
    week_report(world.chameshku_phcc, YEAR, 30, cholera=1)
    assert Alert.objects.count() == 1
    assert _signals(alert) == [
        ("PHCC-ZAK-2", "immediate", 2, None),
        ("PHCC-CHM", "one-case", 1, 0.0),
    ]
    assert AlertEvent.objects.filter(alert=alert).count() == 1


def test_a_week_far_above_the_weeks_before_raises_the_statistical_signal(
    world: HealthWorld,
) -> None:
    for week, cases in enumerate([2, 3, 2, 3, 2, 3, 2, 3, 2], start=20):
        week_report(world.chameshku_phcc, YEAR, week, ili=cases)
    assert not Alert.objects.exists()
    week_report(world.chameshku_phcc, YEAR, 29, ili=20)
    (alert,) = Alert.objects.all()
    # 20 is also more than twice the 2 of week 27.
    assert sorted(s.rule for s in alert.signals.all()) == ["doubling", "ears-c2"]


def test_a_week_sent_again_unchanged_changes_nothing(world: HealthWorld) -> None:
    first = week_report(world.chameshku_phcc, YEAR, 30, measles=1)
    again = week_report(world.chameshku_phcc, YEAR, 30, measles=1)
    assert (again.pk, again.revision) == (first.pk, 1)
    (alert,) = Alert.objects.all()
    assert [e.status for e in alert.events.all()] == ["new"]
    assert AlertSignal.objects.count() == 1


def test_a_corrected_week_does_not_raise_again_what_was_closed(world: HealthWorld) -> None:
    week_report(world.chameshku_phcc, YEAR, 30, measles=1)
    closed = Alert.objects.get()
    faris = world.faris.user
    alerting.alert_step(actor=faris, alert=closed, to="verified")
    alerting.alert_step(actor=faris, alert=closed, to="closed", note="Vaccinated, contacts traced")
    # The clerk corrects the week's scabies count: the measles case is in the week still.
    week_report(world.chameshku_phcc, YEAR, 30, measles=1, scabies=4)
    assert _open("measles") == []
    closed.refresh_from_db()
    assert closed.status == AlertStatus.CLOSED
    # What raised it stays its history, and the re-sending is said.
    assert _signals(closed) == [("PHCC-CHM", "one-case", 1, 0.0)]
    said = closed.events.last()
    assert said is not None
    assert said.note == alerting.NOTE_RESENT
