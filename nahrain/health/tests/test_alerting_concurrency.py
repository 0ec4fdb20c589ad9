"""No second open alert for a disease and district under concurrent reports: facilities of one
district send their measles and cholera weeks at the same moment, each in its own thread and
connection, on PostgreSQL (SQLite serialises writers, so there is no race to lose there). Each
report's signals join the one alert the first raised; none is refused, none deadlocks."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from nahrain.core.models import Organisation
from nahrain.health.models import Alert, AlertSignal
from nahrain.health.tests.builders import facility, week_report
from nahrain.testing.personas import Personas

FACILITIES = 8
YEAR, WEEK = 2026, 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reports_sent_at_once_raise_one_alert_per_disease_and_district(
    health: object, personas: Personas
) -> None:
    directorate = Organisation.objects.get(acronym="DoH Duhok")
    clinics = [
        facility(
            personas.iom,
            directorate,
            code=f"RACE-{n}",
            name_en=f"Zakho race clinic {n}",
            district="IQG09Q04",
        )
        for n in range(FACILITIES)
    ]
    barrier = threading.Barrier(FACILITIES)

    def send(index: int) -> str:
        try:
            barrier.wait(timeout=30)
            # Two alerts each: every report locks them in the same order, and none waits on
            # another that waits on it.
            week_report(clinics[index], YEAR, WEEK, measles=1, cholera=1)
            return "ok"
        except Exception as failed:  # the test reports what went wrong, not a thread trace
            return repr(failed)
        finally:
            connection.close()

    with ThreadPoolExecutor(FACILITIES) as pool:
        outcomes = list(pool.map(send, range(FACILITIES)))
    assert outcomes == ["ok"] * FACILITIES
    assert sorted(Alert.objects.values_list("disease", "status")) == [
        ("cholera", "new"),
        ("measles", "new"),
    ]
    for alert in Alert.objects.all():
        assert alert.events.count() == 1
        fed = AlertSignal.objects.filter(alert=alert).values_list("facility__code", flat=True)
        assert sorted(fed) == sorted(c.code for c in clinics)
