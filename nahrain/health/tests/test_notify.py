"""Notices of alerts (notify.py): a new alert and each step tell the surveillance officers of the
directorates with a facility in the alert's district and the information managers of the
organisations whose facilities fed it, and nobody else. A notice names the disease and the
district and links to the alert, behind sign-in: no count, no facility. A refused step tells
nobody; further channels (an SMS gateway) are dotted paths in ``NAHRAIN_HEALTH_NOTIFIERS``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import override_settings

from nahrain.health import alerting, notify
from nahrain.health.models import Alert, Facility
from nahrain.health.notify import Notice
from nahrain.health.tests.builders import HealthWorld, facility, week_report
from nahrain.health.tests.test_alerting import YEAR, dara, world, zakho_clinic  # noqa: F401
from nahrain.testing.personas import Persona, Personas

# What the fake SMS gateway was given.
TEXTED: list[Notice] = []


def fake_sms(notice: Notice) -> None:
    TEXTED.append(notice)


Run = Callable[[Callable[[], Any]], Any]


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Run:
    """Run a write and what it queued for after its commit (the notices), as a request would."""

    def run(write: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


@pytest.fixture
def addressed(world: HealthWorld, dara: Persona) -> HealthWorld:  # noqa: F811
    """Everybody with an e-mail address."""
    for user in User.objects.all():
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    return world


@pytest.fixture(autouse=True)
def _nothing_texted() -> Iterator[None]:
    TEXTED.clear()
    yield
    TEXTED.clear()


def _to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_a_new_alert_tells_the_districts_officers_and_the_feeding_organisations_managers(
    addressed: HealthWorld, committed: Run
) -> None:
    committed(lambda: week_report(addressed.chameshku_phcc, YEAR, 30, measles=3))
    # Duhok DoH's surveillance officer and IOM's information manager; not IOM's data entry
    # clerk, not Ninewa's officer, not INTERSOS.
    assert _to() == ["faris@example.org", "layla@example.org"]
    (message,) = {m.subject: m for m in mail.outbox}.values()
    alert = Alert.objects.get()
    assert message.subject == "Nahrain: new alert of Suspected measles in Zakho"
    assert f"/health/alerts/{alert.uid}/" in message.body
    # A link, the disease and the district: not the count, not the facility.
    assert "3" not in message.body.replace(str(alert.uid), "")
    assert "Chameshku" not in message.body


def test_each_step_tells_the_same_people_and_a_refused_step_nobody(
    addressed: HealthWorld,
    committed: Run,
    zakho_clinic: Facility,  # noqa: F811
) -> None:
    committed(lambda: week_report(addressed.chameshku_phcc, YEAR, 30, measles=1))
    committed(lambda: week_report(zakho_clinic, YEAR, 30, measles=1))
    alert = Alert.objects.get()
    mail.outbox.clear()
    faris = addressed.faris.user
    committed(lambda: alerting.alert_step(actor=faris, alert=alert, to="verified"))
    # INTERSOS's clinic fed it since: its information manager is told too.
    assert _to() == ["dara@example.org", "faris@example.org", "layla@example.org"]
    assert mail.outbox[0].subject == "Nahrain: alert of Suspected measles in Zakho: Verified"
    mail.outbox.clear()
    with pytest.raises(ValidationError):
        committed(lambda: alerting.alert_step(actor=faris, alert=alert, to="closed"))
    assert mail.outbox == []


def test_a_directorate_with_a_facility_in_the_district_is_told_too(
    addressed: HealthWorld, personas: Personas, committed: Run
) -> None:
    facility(
        personas.dama,
        addressed.ninewa_doh,
        code="MMU-ZAK-NIN",
        name_en="Ninewa's unit in Zakho",
        district="IQG09Q04",
    )
    committed(lambda: week_report(addressed.chameshku_phcc, YEAR, 30, afp=1))
    assert _to() == ["faris@example.org", "layla@example.org", "muna@example.org"]


def test_a_joined_alert_tells_nobody_again(addressed: HealthWorld, committed: Run) -> None:
    committed(lambda: week_report(addressed.chameshku_phcc, YEAR, 30, measles=1))
    mail.outbox.clear()
    committed(lambda: week_report(addressed.chameshku_phcc, YEAR, 31, measles=1))
    assert mail.outbox == []


def test_a_withdrawn_alert_tells_those_told_of_it(addressed: HealthWorld, committed: Run) -> None:
    committed(lambda: week_report(addressed.chameshku_phcc, YEAR, 30, measles=1))
    mail.outbox.clear()
    committed(lambda: week_report(addressed.chameshku_phcc, YEAR, 30))
    assert _to() == ["faris@example.org", "layla@example.org"]
    assert mail.outbox[0].subject.endswith(": Withdrawn")


@override_settings(
    NAHRAIN_HEALTH_NOTIFIERS=[
        # The referrals' channel that fails as a gateway does when it is down.
        "nahrain.referrals.tests.test_notify.broken_channel",
        "nahrain.health.tests.test_notify.fake_sms",
        "nahrain.health.notify.email",
    ]
)
def test_further_channels_get_the_same_notice_and_a_broken_one_stops_nothing(
    addressed: HealthWorld, committed: Run
) -> None:
    committed(lambda: week_report(addressed.chameshku_phcc, YEAR, 30, cholera=1))
    assert sorted(n.user.username for n in TEXTED) == ["faris", "layla"]
    alert = Alert.objects.get()
    assert TEXTED[0].link == notify.alert_link(alert)
    assert TEXTED[0].link.endswith(f"/health/alerts/{alert.uid}/")
    assert _to() == ["faris@example.org", "layla@example.org"]


def test_a_report_whose_transaction_is_rolled_back_tells_nobody(
    addressed: HealthWorld, committed: Run
) -> None:
    def sent_then_failed() -> None:
        with transaction.atomic():
            week_report(addressed.chameshku_phcc, YEAR, 30, measles=1)
            assert Alert.objects.exists()
            raise RuntimeError("the request failed after the report")

    with pytest.raises(RuntimeError):
        committed(sent_then_failed)
    assert mail.outbox == []
    assert not Alert.objects.exists()
