"""Weekly reports chased: the reporting facilities a reader reads that have sent nothing for a
week, and those whose report came late (alert_selectors.missing_reports); the reporting staff of
each facility with nothing sent told so (alerting.chase_missing), and nobody else."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from nahrain.core.models import AuditEvent, Role
from nahrain.health import alert_selectors, alerting, services, weeks
from nahrain.health.models import Facility
from nahrain.health.services import DiseaseCount
from nahrain.health.tests.builders import HealthWorld, week_report
from nahrain.health.tests.test_alerting import dara, world, zakho_clinic  # noqa: F401
from nahrain.health.tests.test_notify import addressed  # noqa: F401
from nahrain.testing.personas import Personas, _person

YEAR, WEEK = 2026, 47


def _late(facility: Facility) -> None:
    """The week's report, sent two days after it was due."""
    day = weeks.due(YEAR, WEEK) + timedelta(days=2)
    services.ewarn_report_submit(
        actor=None,
        facility=facility,
        year=YEAR,
        week=WEEK,
        counts=[DiseaseCount(disease="ili", cases_over5=2)],
        submitted_at=timezone.make_aware(datetime.combine(day, time(10))),
    )


def _codes(facilities: list[Facility]) -> list[str]:
    return [f.code for f in facilities]


def test_a_surveillance_officer_sees_the_missing_and_late_weeks_of_the_directorate(
    health: HealthWorld,
    zakho_clinic: Facility,  # noqa: F811
) -> None:
    faris = health.faris.user
    chased = alert_selectors.missing_reports(faris, year=YEAR, week=WEEK)
    assert (chased.year, chased.week, chased.due) == (YEAR, WEEK, weeks.due(YEAR, WEEK))
    assert _codes(chased.missing) == ["PHCC-CHM", "PHCC-ZAK-2"]
    assert chased.late == []
    week_report(health.chameshku_phcc, YEAR, WEEK)  # on time, no case: a report all the same
    _late(zakho_clinic)
    chased = alert_selectors.missing_reports(faris, year=YEAR, week=WEEK)
    assert chased.missing == []
    assert [r.facility.code for r in chased.late] == ["PHCC-ZAK-2"]


def test_facilities_that_do_not_report_or_have_closed_are_not_chased(
    health: HealthWorld,
    zakho_clinic: Facility,  # noqa: F811
) -> None:
    services.facility_update(actor=None, facility=zakho_clinic, ewarn_reporting=False)
    services.facility_update(actor=None, facility=health.chameshku_phcc, active=False)
    assert alert_selectors.missing_reports(health.faris.user, year=YEAR, week=WEEK).missing == []


def test_each_reader_sees_the_facilities_whose_reports_they_read(
    health: HealthWorld, personas: Personas
) -> None:
    def missing(user: User) -> list[str]:
        return _codes(alert_selectors.missing_reports(user, year=YEAR, week=WEEK).missing)

    assert missing(health.muna.user) == ["MMU-SIN-1"]
    assert missing(personas.layla.user) == ["PHCC-CHM"]
    assert missing(personas.ahmed.user) == ["MMU-SIN-1"]  # DAMA supports the Sinjar unit
    assert missing(personas.outsider.user) == []


def test_the_reporting_staff_of_each_facility_with_nothing_sent_are_told(
    addressed: HealthWorld,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    week_report(addressed.sinjar_mmu, YEAR, WEEK, awd=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert alerting.chase_missing(year=YEAR, week=WEEK) == 1
    # IOM's data entry clerk and information manager: not its site manager, not Duhok's
    # surveillance officer; nobody of the Sinjar unit, which reported.
    assert sorted(a for m in mail.outbox for a in m.to) == ["hana@example.org", "layla@example.org"]
    message = mail.outbox[0]
    assert message.subject == (
        "Nahrain: the EWARN report of Chameshku camp PHCC / مركز الرعاية الصحية الأولية في مخيم"
        " جمشكو for 2026-W47 is missing"
    )
    # The link opens the week's form, where the report is sent.
    form = f"/health/facilities/{addressed.chameshku_phcc.uid}/ewarn/?week=2026-W47"
    assert f"{form}\n" in message.body
    audit = AuditEvent.objects.get(action="health.reports_chase")
    assert audit.detail == {"year": YEAR, "week": WEEK, "facilities": 1}


def test_the_chase_command_tells_them_for_the_week_given(
    addressed: HealthWorld,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("health", "chase", "--week", "2026-W47", stdout=out)
    assert out.getvalue().strip() == "2026-W47: 2 facilities without a report told"
    assert sorted(a for m in mail.outbox for a in m.to) == [
        "dara@example.org",  # INTERSOS runs the Sinjar unit
        "hana@example.org",
        "layla@example.org",
    ]


def test_the_chase_command_chases_the_week_just_ended_by_default(health: HealthWorld) -> None:
    year, week = weeks.week_of(timezone.localdate() - timedelta(days=7))
    week_report(health.chameshku_phcc, year, week)
    out = StringIO()
    call_command("health", "chase", stdout=out)
    assert out.getvalue().strip() == f"{year}-W{week:02d}: 1 facilities without a report told"


@pytest.mark.parametrize("week", ["2026-W60", "2026-47", "last week"])
def test_the_chase_command_refuses_a_week_that_is_not_one(health: HealthWorld, week: str) -> None:
    with pytest.raises(CommandError, match="is not a week"):
        call_command("health", "chase", "--week", week)
    assert not AuditEvent.objects.filter(action="health.reports_chase").exists()


def test_the_staff_of_an_organisation_supporting_the_facility_are_told_too(
    addressed: HealthWorld,  # noqa: F811
    personas: Personas,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # DAMA supports INTERSOS's Sinjar unit and sends its weeks: DAMA's clerk is chased too.
    clerk = _person("rawand", personas.dama, Role.DATA_ENTRY)
    clerk.user.email = "rawand@example.org"
    clerk.user.save()
    week_report(addressed.chameshku_phcc, YEAR, WEEK, awd=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert alerting.chase_missing(year=YEAR, week=WEEK) == 1
    assert "rawand@example.org" in {a for m in mail.outbox for a in m.to}
