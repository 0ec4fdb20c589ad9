"""The history the figures' tests read, on top of the ``health`` fixture, with counts distinctive
enough that a number found in a reader's page or file tells whose facility it came from:

- ``chameshku_phcc`` (IOM, Duhok), weeks 2025-W10 to W17 of acute watery diarrhoea (AWD):
  W10 707 over five; W11 303 under five, 404 over five, 101 deaths under five; W12 a report of
  zero; W13 no report; W14 1,111 over five, sent late; W15 no report; W16 202; W17 505 cases of
  scabies and no AWD. Six reports of eight weeks, five on time; 2,727 AWD cases, 101 deaths.
- ``sinjar_mmu`` (INTERSOS, supported by DAMA, Ninewa): every week W10 to W17 on time, 4,001
  AWD cases over five in W12 and 4,003 in W16.
- consultations: the PHCC's January 2025 month (13 general under-five girls IDPs, 20 general
  men 18-59 host, 9 antenatal women 18-59 IDPs, 2 referrals out of women 60+), its weekly report
  of the first January week (100 general, counted by the month instead) and of the first
  February week (6 general boys 5-17 returnees): 48 consultations, 13 under five, 22 women and
  girls, 2 referrals out. The MMU's January 2025 month: 5,005 general men 18-59 IDPs.

Both facilities were added on 1 January 2025, so every week of the span is expected.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from nahrain.health import services, weeks
from nahrain.health.models import Facility
from nahrain.health.services import Cell, DiseaseCount
from nahrain.health.tests.builders import HealthWorld, week_report

SPAN = [(2025, week) for week in range(10, 18)]
ADDED = timezone.make_aware(datetime(2025, 1, 1, 8))


def _sent(year: int, week: int, late: bool = False) -> datetime:
    day = weeks.week_start(year, week) + timedelta(days=21 if late else 7)
    return timezone.make_aware(datetime.combine(day, time(9)))


def added_on(facility: Facility, when: datetime) -> None:
    Facility.objects.filter(pk=facility.pk).update(created_at=when)
    facility.refresh_from_db()


def ewarn_history(health: HealthWorld) -> None:
    phcc, mmu = health.chameshku_phcc, health.sinjar_mmu
    added_on(phcc, ADDED)
    added_on(mmu, ADDED)
    week_report(phcc, 2025, 10, awd=707)
    services.ewarn_report_submit(
        actor=None,
        facility=phcc,
        year=2025,
        week=11,
        counts=[DiseaseCount("awd", cases_under5=303, cases_over5=404, deaths_under5=101)],
        submitted_at=_sent(2025, 11),
    )
    week_report(phcc, 2025, 12)
    services.ewarn_report_submit(
        actor=None,
        facility=phcc,
        year=2025,
        week=14,
        counts=[DiseaseCount("awd", cases_over5=1111)],
        submitted_at=_sent(2025, 14, late=True),
    )
    week_report(phcc, 2025, 16, awd=202)
    week_report(phcc, 2025, 17, scabies=505)
    outbreak = {12: 4001, 16: 4003}
    for week in range(10, 18):
        week_report(mmu, 2025, week, awd=outbreak.get(week, 0))


def consultation_history(health: HealthWorld) -> None:
    phcc, mmu = health.chameshku_phcc, health.sinjar_mmu
    services.consultation_report_submit(
        actor=None,
        facility=phcc,
        period="month",
        start=date(2025, 1, 1),
        cells=[
            Cell("general", "f", "u5", "idp", 13),
            Cell("general", "m", "18_59", "host", 20),
            Cell("antenatal", "f", "18_59", "idp", 9),
            Cell("referral_out", "f", "60p", "idp", 2),
        ],
    )
    services.consultation_report_submit(
        actor=None,
        facility=phcc,
        period="week",
        start=weeks.week_start(2025, 2),
        cells=[Cell("general", "f", "u5", "idp", 100)],
    )
    services.consultation_report_submit(
        actor=None,
        facility=phcc,
        period="week",
        start=weeks.week_start(2025, 6),
        cells=[Cell("general", "m", "5_17", "returnee", 6)],
    )
    services.consultation_report_submit(
        actor=None,
        facility=mmu,
        period="month",
        start=date(2025, 1, 1),
        cells=[Cell("general", "m", "18_59", "idp", 5005)],
    )
