"""Health's slice of the demo: the facilities of the seeds' partners with two years of EWARN
weeks and a year of monthly consultation reports, and an outbreak the rules catch.

- **Facilities.** The Directorates of Health of Duhok and Ninewa run camp PHCCs (Chamishku and
  Bersive 2 in Zakho, Khanke in Sumail, Hamam Al Alil 1 and Qayyarah Airstrip near Mosul,
  Essian in Al-Shikhan), some supported by MdM, IMC or IOM; MdM runs a mobile medical unit
  visiting the Hasansham and Khazer camps; IMC a PHCC in Shariya; IOM a mobile medical team for
  people displaced from Tooz and Kirkuk, visiting Laylan and Yahyawa. A facility's catchment is
  its camps (from the sites slice, with ``../shared``); its denominator is taken from them.
- **EWARN.** Every reporting facility sends its weeks through the services, on the Tuesday after
  the week (a few late, some weeks missing): cases of each disease drawn from the seed around a
  rate that follows the catchment and the season (diarrhoea in summer, influenza-like illness in
  winter). The rules run on each week as they would: what they raise in the noise is verified
  and discarded or closed by the directorate's surveillance officer, as happens.
- **The outbreak.** Acute watery diarrhoea rises at Hamam Al Alil 1 over the last four weeks (a
  water-trucking failure, in the notes): the doubling and EARS rules raise an alert, verified and
  under investigation. A suspected measles case was reported at once by MdM's mobile unit three
  days ago; its alert is new and waits to be verified.
- **Consultations.** Monthly reports by service, sex, age group and population group.
- Nobody is notified: the demo's weeks happened in the past.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from unittest import mock

import numpy as np
from django.contrib.auth.models import User
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from nahrain.core.models import Organisation
from nahrain.demo.slices import Demo, Slice
from nahrain.geo.models import AdminUnit
from nahrain.health import alerting, services, weeks
from nahrain.health.models import Alert, AlertStatus, EwarnReport, Facility
from nahrain.health.services import Cell, DiseaseCount
from nahrain.sites.demo import CODE_PREFIX
from nahrain.sites.models import Site

WEEKS = 104  # two years of EWARN weeks
MONTHS = 12


@dataclass(frozen=True)
class Plan:
    organisation: str
    directorate: str
    code: str
    name_en: str
    name_ar: str
    kind: str
    governorate: str
    district: str
    camps: tuple[str, ...]  # the sites slice's camp codes, without its prefix
    supporters: tuple[str, ...] = ()
    reporter: str = ""  # the username sending its reports
    weekdays: tuple[int, ...] = ()  # a mobile unit's days (0 Monday)


FACILITIES = (
    Plan(
        "DoH-Duhok",
        "DoH-Duhok",
        "DHK-PHCC-CHAMISHKU",
        "Chamishku camp PHCC",
        "مركز الرعاية الصحية الأولية في مخيم جمشكو",
        "phcc",
        "Duhok",
        "Zakho",
        ("CHAMISHKU",),
        ("MdM",),
        "hawre.phcc",
    ),
    Plan(
        "DoH-Duhok",
        "DoH-Duhok",
        "DHK-PHCC-BERSIVE2",
        "Bersive 2 camp PHCC",
        "مركز الرعاية الصحية الأولية في مخيم بيرسفي 2",
        "phcc",
        "Duhok",
        "Zakho",
        ("BERSIVE.2",),
        (),
        "hawre.phcc",
    ),
    Plan(
        "DoH-Duhok",
        "DoH-Duhok",
        "DHK-PHCC-KHANKE",
        "Khanke camp PHCC",
        "مركز الرعاية الصحية الأولية في مخيم خانكي",
        "phcc",
        "Duhok",
        "Sumail",
        ("KHANKE",),
        ("IMC",),
        "hawre.phcc",
    ),
    Plan(
        "IMC",
        "DoH-Duhok",
        "IMC-PHCC-SHARIYA",
        "Shariya camp PHCC (IMC)",
        "مركز الرعاية الصحية الأولية في مخيم شاريا",
        "phcc",
        "Duhok",
        "Sumail",
        ("SHARIYA",),
        (),
        "sozan.imc",
    ),
    Plan(
        "DoH-Ninewa",
        "DoH-Ninewa",
        "NIN-PHCC-HAA1",
        "Hamam Al Alil 1 camp PHCC",
        "مركز الرعاية الصحية الأولية في مخيم حمام العليل 1",
        "phcc",
        "Ninewa",
        "Al-Mosul",
        ("HAA.1",),
        ("IOM",),
        "ali.phcc",
    ),
    Plan(
        "DoH-Ninewa",
        "DoH-Ninewa",
        "NIN-PHCC-QAYYARAH",
        "Qayyarah Airstrip camp PHCC",
        "مركز الرعاية الصحية الأولية في مخيم مطار القيارة",
        "phcc",
        "Ninewa",
        "Al-Mosul",
        ("QAYYARAH.AIRSTRIP",),
        ("IMC",),
        "ali.phcc",
    ),
    Plan(
        "DoH-Ninewa",
        "DoH-Ninewa",
        "NIN-PHCC-ESSIAN",
        "Essian camp PHCC",
        "مركز الرعاية الصحية الأولية في مخيم ايسيان",
        "phcc",
        "Ninewa",
        "Al-Shikhan",
        ("ESSIAN",),
        (),
        "ali.phcc",
    ),
    Plan(
        "MdM",
        "DoH-Ninewa",
        "MDM-MMU-HAMDANIYA",
        "MdM mobile medical unit, Al-Hamdaniya",
        "الوحدة الطبية المتنقلة لأطباء العالم، الحمدانية",
        "mobile_unit",
        "Ninewa",
        "Al-Hamdaniya",
        ("HASANSHAM.U2", "HASANSHAM.U3", "KHAZER.M1"),
        (),
        "sara.mdm",
        (0, 2, 4),
    ),
    Plan(
        "IOM",
        "DoH-Kirkuk",
        "IOM-MMT-KIRKUK",
        "IOM mobile medical team, Kirkuk",
        "الفريق الطبي المتنقل للمنظمة الدولية للهجرة، كركوك",
        "mobile_unit",
        "Kirkuk",
        "Kirkuk",
        ("LAYLAN.IDP", "YAHYAWA"),
        (),
        "rasha.iom",
        (1, 3),
    ),
)
OFFICERS = {"DoH-Duhok": "bahar.ewarn", "DoH-Ninewa": "yasir.ewarn", "DoH-Kirkuk": "dara.ewarn"}
OUTBREAK_AT = "NIN-PHCC-HAA1"
MEASLES_AT = "MDM-MMU-HAMDANIYA"
DEFAULT_POPULATION = 5000  # where the sites slice has no camp: a camp's size

# Weekly cases per 10,000 people, and the season's swing (peak week of the year, amplitude).
RATES = {
    "awd": (18.0, 30, 0.6),
    "bloody_diarrhoea": (1.2, 30, 0.5),
    "ajs": (0.6, 35, 0.3),
    "ili": (14.0, 3, 0.7),
    "sari": (0.8, 3, 0.6),
    "leishmaniasis": (0.5, 45, 0.5),
    "scabies": (4.0, 5, 0.2),
    "typhoid": (0.4, 32, 0.4),
    "brucellosis": (0.3, 20, 0.4),
    "mumps": (0.15, 10, 0.2),
    "other_fever": (2.0, 30, 0.3),
}


@contextmanager
def _at(moment: datetime) -> Iterator[None]:
    """Write as on that day and hour: the services and the audit log read ``timezone.now``."""
    with mock.patch.object(timezone, "now", return_value=moment):
        yield


def _aware(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock(hour)))


def _district(governorate: str, district: str) -> AdminUnit:
    return AdminUnit.objects.get(level=2, name_en=district, parent__name_en=governorate)


def facilities_load(now: datetime) -> dict[str, Facility]:
    organisations = {o.acronym: o for o in Organisation.objects.all()}
    made: dict[str, Facility] = {}
    for plan in FACILITIES:
        district = _district(plan.governorate, plan.district)
        camps = list(Site.objects.filter(code__in=[CODE_PREFIX + c for c in plan.camps]))
        with _at(now - timedelta(weeks=WEEKS + 2)):
            facility = services.facility_create(
                actor=None,
                organisation=organisations[plan.organisation],
                directorate=organisations[plan.directorate],
                code=plan.code,
                name_en=plan.name_en,
                name_ar=plan.name_ar,
                kind=plan.kind,
                district=district,
                latitude=camps[0].latitude if camps else district.lat,
                longitude=camps[0].longitude if camps else district.lon,
                supporters=[organisations[s] for s in plan.supporters],
            )
            services.catchment_set(
                actor=None,
                facility=facility,
                sites=camps,
                weekdays={c.code: list(plan.weekdays) for c in camps},
            )
        made[plan.code] = facility
    return made


def _population(facility: Facility) -> int:
    taken = facility.populations.order_by("-on").first()
    return taken.individuals if taken is not None and taken.individuals else DEFAULT_POPULATION


def _expected(disease: str, population: int, week: int) -> float:
    rate, peak, swing = RATES[disease]
    season = 1 + swing * np.cos(2 * np.pi * (week - peak) / 52)
    return float(rate * population / 10000 * season)


def _counts(
    rng: np.random.Generator, facility: Facility, week: int, weeks_to_go: int
) -> list[DiseaseCount]:
    population = _population(facility)
    counts = []
    for disease in RATES:
        mean = _expected(disease, population, week)
        if facility.code == OUTBREAK_AT and disease == "awd" and weeks_to_go < 4:
            mean *= (2.5, 3.5, 4.5, 5.5)[3 - weeks_to_go]
        cases = int(rng.poisson(mean))
        under5 = int(rng.binomial(cases, 0.35 if disease in ("awd", "ili") else 0.15))
        counts.append(
            DiseaseCount(disease=disease, cases_under5=under5, cases_over5=cases - under5)
        )
    return counts


def ewarn_load(rng: np.random.Generator, facilities: dict[str, Facility], now: datetime) -> int:
    reporters = {u.username: u for u in User.objects.filter(username__in=_reporters())}
    this_year, this_week = weeks.week_of(timezone.localdate(now))
    sent = 0
    for weeks_to_go in range(WEEKS, 0, -1):
        year, week = weeks.shift(this_year, this_week, -weeks_to_go)
        due = weeks.due(year, week)
        for plan in FACILITIES:
            # One week in twenty-five is never sent; one in eight comes late.
            if weeks_to_go > 1 and rng.random() < 0.04:
                continue
            late = rng.random() < 0.12
            day = due + timedelta(days=int(rng.integers(2, 9))) if late else due - timedelta(1)
            facility = facilities[plan.code]
            with _at(_aware(min(day, timezone.localdate(now)))):
                services.ewarn_report_submit(
                    actor=reporters[plan.reporter],
                    facility=facility,
                    year=year,
                    week=week,
                    counts=_counts(rng, facility, week, weeks_to_go),
                )
            sent += 1
    return sent


def _reporters() -> list[str]:
    return sorted({p.reporter for p in FACILITIES})


def alerts_worked(now: datetime) -> None:
    """The surveillance officers work the alerts the noise raised as they would: verified within
    the day, most discarded as within what is expected, some investigated and closed; the
    outbreak's alert is verified and under investigation."""
    officers = {u.username: u for u in User.objects.filter(username__in=OFFICERS.values())}
    outbreak = Facility.objects.get(code=OUTBREAK_AT)
    for alert in Alert.objects.filter(status=AlertStatus.NEW).order_by("raised_at"):
        directorate = (
            Facility.objects.filter(district=alert.district).values_list(
                "directorate__acronym", flat=True
            )
        ).first()
        officer = officers[OFFICERS[str(directorate)]]
        fed_by_outbreak = alert.signals.filter(facility=outbreak).exists()
        recent = alert.raised_at > now - timedelta(weeks=5)
        if recent and not fed_by_outbreak:
            continue  # still to be verified
        with _at(alert.raised_at + timedelta(hours=5)):
            if fed_by_outbreak:
                alerting.alert_step(
                    actor=officer,
                    alert=alert,
                    to=AlertStatus.VERIFIED,
                    note="Cases confirmed with the PHCC doctor; water trucking failed for 6 days.",
                )
            elif alert.pk % 3:
                alerting.alert_step(
                    actor=officer,
                    alert=alert,
                    to=AlertStatus.DISCARDED,
                    note="Within the season's usual numbers after checking the register.",
                )
                continue
            else:
                alerting.alert_step(
                    actor=officer, alert=alert, to=AlertStatus.VERIFIED, note="Confirmed."
                )
        with _at(alert.raised_at + timedelta(days=2)):
            alerting.alert_step(
                actor=officer,
                alert=alert,
                to=AlertStatus.INVESTIGATED,
                note="Team visited the site; samples sent to the Central Public Health Lab.",
            )
        if fed_by_outbreak:
            continue
        with _at(alert.raised_at + timedelta(days=9)):
            alerting.alert_step(
                actor=officer,
                alert=alert,
                to=AlertStatus.CLOSED,
                note="No further cases over two incubation periods.",
            )


def measles_report(facilities: dict[str, Facility], now: datetime) -> None:
    reporter = User.objects.get(username="sara.mdm")
    seen = timezone.localdate(now) - timedelta(days=3)
    with _at(_aware(seen, 16)):
        services.immediate_report_submit(
            actor=reporter,
            facility=facilities[MEASLES_AT],
            disease="measles",
            seen_on=seen,
            note="Child of 4 years, fever and rash, not vaccinated; seen at Hasansham U3.",
        )


def consultations_load(
    rng: np.random.Generator, facilities: dict[str, Facility], now: datetime
) -> int:
    reporters = {u.username: u for u in User.objects.filter(username__in=_reporters())}
    shares = {
        "general": 0.22,
        "chronic": 0.05,
        "antenatal": 0.012,
        "delivery": 0.002,
        "mhpss": 0.006,
        "referral_out": 0.01,
    }
    ages = {"u5": 0.24, "5_17": 0.28, "18_59": 0.4, "60p": 0.08}
    groups = {"idp": 0.85, "host": 0.1, "returnee": 0.05}
    today = timezone.localdate(now)
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    sent = 0
    for back in range(MONTHS, 0, -1):
        month = first
        for _ in range(back - 1):
            month = (month - timedelta(days=1)).replace(day=1)
        for plan in FACILITIES:
            facility = facilities[plan.code]
            population = _population(facility)
            cells = []
            for service, share in shares.items():
                for age, age_share in ages.items():
                    for sex in ("f", "m"):
                        if service in ("antenatal", "delivery") and (
                            sex == "m" or age in ("u5", "60p")
                        ):
                            continue
                        for group, group_share in groups.items():
                            women = 1.2 if sex == "f" else 0.8
                            mean = population * share * age_share * group_share * women / 2
                            count = int(rng.poisson(mean))
                            if count:
                                cells.append(Cell(service, sex, age, group, count))
            with _at(_aware(month + timedelta(days=40))):
                services.consultation_report_submit(
                    actor=reporters[plan.reporter],
                    facility=facility,
                    period="month",
                    start=month,
                    cells=cells,
                )
            sent += 1
    return sent


def demo_load(demo: Demo) -> None:
    if Facility.objects.filter(code__in=[p.code for p in FACILITIES]).exists():
        demo.write("Health: already present, left alone.")
        return
    started = time.perf_counter()
    # Seeded for a reproducible demo, not for secrecy.
    rng = np.random.default_rng((int(demo.options["seed"]), 18))
    now = timezone.now()
    # The weeks happened in the past: nobody is told of them now.
    with transaction.atomic(), override_settings(NAHRAIN_HEALTH_NOTIFIERS=""):
        facilities = facilities_load(now)
        reports = ewarn_load(rng, facilities, now)
        measles_report(facilities, now)
        alerts_worked(now)
        consultations = consultations_load(rng, facilities, now)
    by_status: dict[str, int] = {}
    for status in Alert.objects.values_list("status", flat=True):
        by_status[status] = by_status.get(status, 0) + 1
    statuses = ", ".join(f"{status} {n}" for status, n in sorted(by_status.items()))
    demo.write(
        f"Health: {len(facilities)} facilities in Duhok, Ninewa and Kirkuk; {reports} EWARN "
        f"weeks ({EwarnReport.objects.filter(on_time=False).count()} late), {consultations} "
        f"monthly consultation reports; alerts: {statuses} "
        f"({time.perf_counter() - started:.1f} s)."
    )


# The organisations and users are core's; the camps the facilities serve are the sites slice's.
SLICE = Slice(name="health", load=demo_load, after=("core", "geo", "sites"))
