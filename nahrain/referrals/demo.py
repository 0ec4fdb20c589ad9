"""Referrals' slice of the demo: the service directory of the partners in Duhok, Ninewa and
Kirkuk, the referrals that flowed between them over the last six months, and a few protection
cases.

- **The directory.** The partners of the seeds run the kinds of points they run in the response:
  the Directorates of Health their camp PHCCs (Chamishku, Bersive 2, Essian, Jeddah 1, Yahyawa)
  and their hospitals in Duhok, Mosul, Qayyarah and Kirkuk; MdM and IMC camp PHCCs and mobile
  medical teams that visit camps on set weekdays; INTERSOS women and girls' safe spaces, legal
  aid offices and a mobile child protection team; IOM community resource centres; DAMA a PHCC
  with an MHPSS unit and a psychosocial support hotline. Each is published by its organisation's
  service mapper with what it offers and to whom, its hours and languages; one entry was edited
  since (its first version archived) and one point is still a draft. A point in a camp of the
  sites slice names the camp (with ``../shared``; without it, the district alone).
- **Referrals.** Registration officers refer people of their organisation's registry (DAMA's
  households in Mosul, INTERSOS's in Sumel, IOM's in its camps when the sites slice has them);
  the partners' referral focal points refer people they meet, recorded with the least the
  service needs; case workers refer from their cases. Each referral goes through the services,
  step by step on the days it happened, as far as its time allowed: the older ones are closed,
  declined or lost, the recent ones still open, a few unanswered past their time (overdue); some
  are withdrawn, some consents narrowed or withdrawn, some ended before the service.
- **Cases.** INTERSOS's GBV cases (no name: a code stands for the survivor), DAMA's and IMC's
  MHPSS cases, INTERSOS's child protection cases and legal documentation cases of people of its
  registry (the documents obtained written back to their records), with their assessments,
  plans, follow-ups and closures, each assigned to the worker who opened it.
- Nobody is notified: the demo's steps happened in the past.

Everything is drawn from the seed (the identifiers and case codes excepted, which are random as
in a real deployment), within the last six months of the day the demo is loaded.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from unittest import mock

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from nahrain.core.access import user_roles
from nahrain.core.models import Organisation
from nahrain.demo.slices import Demo, Slice
from nahrain.geo.models import AdminUnit
from nahrain.referrals import access, case_services, codelists, directory_services, notify, services
from nahrain.referrals.directory_services import OfferIn, PointIn, VisitIn
from nahrain.referrals.models import Case, Referral, ServicePoint
from nahrain.referrals.services import ConsentIn, PersonIn, ReferralRuleBroken
from nahrain.registry import namebank
from nahrain.registry.models import Individual, MemberStatus
from nahrain.sites.demo import CODE_PREFIX
from nahrain.sites.models import Site, SiteStatus

DAYS = 182  # the referrals of the last six months
WEEKDAYS = "Sunday to Thursday, 8:00 to 14:00"
EVERY_DAY = "Every day, 24 hours"

# --- the directory ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    service: str
    sexes: tuple[str, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Visit:
    """Where a mobile team goes: a camp (frame code) or a district (p-code), on ISO weekdays."""

    place: str
    weekdays: tuple[int, ...]
    hours: str = "9:00 to 13:00"


@dataclass(frozen=True)
class Point:
    """A service point as its organisation's mapper enters it; ``key`` names it in this
    module."""

    key: str
    organisation: str
    kind: str
    name_en: str
    name_ar: str
    pcode: str
    offers: tuple[Offer, ...]
    languages: tuple[str, ...]
    latitude: float | None = None
    longitude: float | None = None
    camp: str = ""  # the frame code of the camp it is in
    name_ckb: str = ""
    hours: str = WEEKDAYS
    capacity_per_week: int | None = None
    waiting_days: int | None = None
    visits: tuple[Visit, ...] = ()
    note: str = ""


def _offers(*services: str, **who: Any) -> tuple[Offer, ...]:
    return tuple(Offer(service, **who) for service in services)


HEALTH = _offers("phc", "srh")
WOMEN = (Offer("gbv_case_management", sexes=("f",), age_min=12),)
CHILDREN = (Offer("child_protection", age_max=17),)
CRC = (*_offers("cash", "shelter", "livelihoods"), Offer("education", age_min=6, age_max=17))
DUHOK, NINEWA, KIRKUK = "IQG09", "IQG15", "IQG13"
ZAKHO, SUMEL, DUHOK_DISTRICT = "IQG09Q04", "IQG09Q03", "IQG09Q02"
MOSUL, HAMDANIYA, SHIKHAN = "IQG15Q05", "IQG15Q03", "IQG15Q06"
KIRKUK_DISTRICT, DAQUQ, HAWIGA, DIBIS = "IQG13Q04", "IQG13Q02", "IQG13Q01", "IQG13Q03"

POINTS: tuple[Point, ...] = (
    # Duhok
    Point(
        "chamishku_phcc",
        "DoH-Duhok",
        "phcc",
        "Chamishku camp PHCC",
        "مركز صحي مخيم جمشكو",
        ZAKHO,
        HEALTH,
        ("ar", "kmr"),
        37.097,
        42.706,
        camp="chamishku",
        name_ckb="بنکەی تەندروستی کەمپی چەمیشکۆ",
        capacity_per_week=900,
        waiting_days=0,
    ),
    Point(
        "bersive_phcc",
        "DoH-Duhok",
        "phcc",
        "Bersive 2 camp PHCC",
        "مركز صحي مخيم بيرسفي 2",
        ZAKHO,
        HEALTH,
        ("ar", "kmr"),
        37.180,
        42.774,
        camp="bersive.2",
        capacity_per_week=500,
        waiting_days=0,
    ),
    Point(
        "azadi_hospital",
        "DoH-Duhok",
        "hospital",
        "Azadi Teaching Hospital, Duhok",
        "مستشفى آزادي التعليمي، دهوك",
        DUHOK_DISTRICT,
        _offers("secondary_health", "srh"),
        ("ar", "kmr", "ckb", "en"),
        36.866,
        42.988,
        name_ckb="نەخۆشخانەی فێرکاری ئازادی، دهۆک",
        hours=EVERY_DAY,
        waiting_days=3,
    ),
    Point(
        "mdm_sumel_mobile",
        "MdM",
        "mobile_team",
        "MdM mobile medical team, Sumel",
        "الفريق الطبي المتنقل لأطباء العالم، سميل",
        SUMEL,
        HEALTH,
        ("ar", "kmr", "en"),
        visits=(
            Visit("khanke", (7, 2)),
            Visit("shariya", (1, 3)),
            Visit("kabarto.2", (4,)),
        ),
        capacity_per_week=350,
        note="Consultations, reproductive health and referral to Duhok hospitals.",
    ),
    Point(
        "chamishku_wgss",
        "INTERSOS",
        "womens_centre",
        "Chamishku women and girls' safe space",
        "المساحة الآمنة للنساء والفتيات في مخيم جمشكو",
        ZAKHO,
        WOMEN,
        ("ar", "kmr"),
        37.099,
        42.709,
        camp="chamishku",
        capacity_per_week=40,
        waiting_days=1,
    ),
    Point(
        "zakho_legal",
        "INTERSOS",
        "legal_aid_office",
        "Zakho legal aid office",
        "مكتب المساعدة القانونية في زاخو",
        ZAKHO,
        _offers("legal_aid") + CHILDREN,
        ("ar", "kmr"),
        37.144,
        42.682,
        capacity_per_week=60,
        waiting_days=7,
    ),
    Point(
        "zakho_crc",
        "IOM",
        "crc",
        "Zakho community resource centre",
        "مركز الموارد المجتمعية في زاخو",
        ZAKHO,
        CRC,
        ("ar", "kmr", "en"),
        37.141,
        42.690,
        capacity_per_week=120,
        waiting_days=10,
    ),
    # Ninewa
    Point(
        "salam_hospital",
        "DoH-Ninewa",
        "hospital",
        "Al-Salam Teaching Hospital, Mosul",
        "مستشفى السلام التعليمي، الموصل",
        MOSUL,
        _offers("secondary_health", "srh"),
        ("ar",),
        36.374,
        43.171,
        hours=EVERY_DAY,
        waiting_days=5,
    ),
    Point(
        "qayyarah_hospital",
        "DoH-Ninewa",
        "hospital",
        "Qayyarah General Hospital",
        "مستشفى القيارة العام",
        MOSUL,
        _offers("secondary_health"),
        ("ar",),
        35.803,
        43.290,
        hours=EVERY_DAY,
        waiting_days=2,
    ),
    Point(
        "jeddah1_phcc",
        "DoH-Ninewa",
        "phcc",
        "Jeddah 1 camp PHCC",
        "مركز صحي مخيم الجدعة 1",
        MOSUL,
        HEALTH,
        ("ar",),
        35.842,
        43.228,
        camp="qayyarah.jadah.1.2",
        capacity_per_week=600,
    ),
    Point(
        "essian_phcc",
        "DoH-Duhok",
        "phcc",
        "Essian camp PHCC",
        "مركز صحي مخيم ايسيان",
        SHIKHAN,
        HEALTH,
        ("ar", "kmr"),
        36.742,
        43.337,
        camp="essian",
        capacity_per_week=400,
    ),
    Point(
        "hasansham_phcc",
        "IMC",
        "phcc",
        "Hasansham U3 camp PHCC",
        "مركز صحي مخيم حسن شام U3",
        HAMDANIYA,
        HEALTH + _offers("mhpss_counselling"),
        ("ar", "ckb", "en"),
        36.290,
        43.594,
        camp="hasansham.u3",
        capacity_per_week=700,
        waiting_days=1,
    ),
    Point(
        "jeddah6_phcc",
        "MdM",
        "phcc",
        "Jeddah 6 camp PHCC",
        "مركز صحي مخيم الجدعة 6",
        MOSUL,
        HEALTH,
        ("ar", "en"),
        35.851,
        43.214,
        camp="qayyarah.jadah.6",
        capacity_per_week=500,
    ),
    Point(
        "mdm_hamdaniya_mobile",
        "MdM",
        "mobile_team",
        "MdM mobile medical team, Hamdaniya",
        "الفريق الطبي المتنقل لأطباء العالم، الحمدانية",
        HAMDANIYA,
        HEALTH,
        ("ar", "syc", "en"),
        visits=(
            Visit("hasansham.u2", (7, 2)),
            Visit("khazer.m1", (1, 3)),
            Visit(HAMDANIYA, (4,), "9:00 to 12:00"),
        ),
        capacity_per_week=300,
    ),
    Point(
        "imc_mhpss_mobile",
        "IMC",
        "mobile_team",
        "IMC mobile MHPSS team, Qayyarah",
        "فريق الصحة النفسية المتنقل للهيئة الطبية الدولية، القيارة",
        MOSUL,
        _offers("mhpss_pfa", "mhpss_counselling"),
        ("ar",),
        visits=(
            Visit("qayyarah.jadah.1.2", (7, 3)),
            Visit("qayyarah.jadah.4", (1,)),
            Visit("qayyarah.jadah.6", (2, 4)),
        ),
        capacity_per_week=45,
        waiting_days=4,
    ),
    Point(
        "jeddah1_wgss",
        "INTERSOS",
        "womens_centre",
        "Jeddah 1 women and girls' safe space",
        "المساحة الآمنة للنساء والفتيات في مخيم الجدعة 1",
        MOSUL,
        WOMEN,
        ("ar",),
        35.844,
        43.231,
        camp="qayyarah.jadah.1.2",
        capacity_per_week=35,
        waiting_days=1,
    ),
    Point(
        "mosul_legal",
        "INTERSOS",
        "legal_aid_office",
        "Mosul legal aid and child protection office",
        "مكتب المساعدة القانونية وحماية الطفل في الموصل",
        MOSUL,
        _offers("legal_aid") + CHILDREN,
        ("ar",),
        36.345,
        43.137,
        capacity_per_week=80,
        waiting_days=10,
    ),
    Point(
        "intersos_cp_mobile",
        "INTERSOS",
        "mobile_team",
        "INTERSOS mobile child protection team, Qayyarah",
        "فريق حماية الطفل المتنقل لإنترسوس، القيارة",
        MOSUL,
        CHILDREN,
        ("ar",),
        visits=(Visit("qayyarah.jadah.1.2", (7, 2)), Visit("qayyarah.jadah.4", (1, 3))),
        capacity_per_week=30,
    ),
    Point(
        "mosul_crc",
        "IOM",
        "crc",
        "West Mosul community resource centre",
        "مركز الموارد المجتمعية في الموصل الأيمن",
        MOSUL,
        CRC,
        ("ar", "en"),
        36.331,
        43.118,
        capacity_per_week=150,
        waiting_days=14,
    ),
    Point(
        "dama_phcc",
        "DAMA",
        "phcc",
        "Mosul al-Jadida PHCC and MHPSS unit",
        "مركز صحي الموصل الجديدة ووحدة الصحة النفسية",
        MOSUL,
        _offers("phc", "mhpss_pfa", "mhpss_counselling", "mhpss_psychiatric"),
        ("ar",),
        36.327,
        43.092,
        capacity_per_week=400,
        waiting_days=3,
    ),
    Point(
        "dama_hotline",
        "DAMA",
        "hotline",
        "DAMA psychosocial support hotline",
        "خط الدعم النفسي الاجتماعي لمنظمة داما",
        NINEWA,
        _offers("mhpss_pfa", "mhpss_counselling"),
        ("ar", "kmr"),
        hours="Every day, 8:00 to 20:00",
        note="Calls answered by psychologists; call-backs on request.",
    ),
    # Kirkuk
    Point(
        "kirkuk_hospital",
        "DoH-Kirkuk",
        "hospital",
        "Kirkuk General Hospital",
        "مستشفى كركوك العام",
        KIRKUK_DISTRICT,
        _offers("secondary_health", "srh"),
        ("ar", "ckb", "tr"),
        35.468,
        44.392,
        hours=EVERY_DAY,
        waiting_days=4,
    ),
    Point(
        "yahyawa_phcc",
        "DoH-Kirkuk",
        "phcc",
        "Yahyawa camp PHCC",
        "مركز صحي مخيم يحياوة",
        DAQUQ,
        HEALTH,
        ("ar", "tr"),
        35.353,
        44.349,
        camp="yahyawa",
        capacity_per_week=300,
    ),
    Point(
        "imc_kirkuk_mobile",
        "IMC",
        "mobile_team",
        "IMC mobile medical team, Kirkuk",
        "الفريق الطبي المتنقل للهيئة الطبية الدولية، كركوك",
        KIRKUK_DISTRICT,
        HEALTH + _offers("mhpss_pfa"),
        ("ar", "ckb", "tr"),
        visits=(Visit("yahyawa", (7, 2)), Visit(HAWIGA, (1, 3)), Visit(DIBIS, (4,))),
        capacity_per_week=280,
    ),
    Point(
        "kirkuk_crc",
        "IOM",
        "crc",
        "Kirkuk community resource centre",
        "مركز الموارد المجتمعية في كركوك",
        KIRKUK_DISTRICT,
        CRC,
        ("ar", "ckb", "tr"),
        35.466,
        44.381,
        capacity_per_week=100,
        waiting_days=12,
    ),
    Point(
        "kirkuk_wgss",
        "INTERSOS",
        "womens_centre",
        "Kirkuk women and girls' safe space",
        "المساحة الآمنة للنساء والفتيات في كركوك",
        KIRKUK_DISTRICT,
        WOMEN,
        ("ar", "ckb", "tr"),
        35.470,
        44.401,
        capacity_per_week=30,
        waiting_days=2,
    ),
)
# Who keeps each organisation's entries (core's demo users).
MAPPERS = {
    "IOM": "ranj.crc",
    "MdM": "lana.mdm",
    "IMC": "karwan.imc",
    "INTERSOS": "rebin.map",
    "DAMA": "mustafa.dama",
    "DoH-Duhok": "azad.doh",
    "DoH-Ninewa": "hiba.doh",
    "DoH-Kirkuk": "kawa.doh",
}
# Not yet published: a team MdM plans for Sinjar.
DRAFT = Point(
    "mdm_sinjar_mobile",
    "MdM",
    "mobile_team",
    "MdM mobile medical team, Sinjar (planned)",
    "الفريق الطبي المتنقل لأطباء العالم، سنجار",
    "IQG15Q07",
    HEALTH,
    ("ar", "kmr"),
    visits=(Visit("IQG15Q07", (7, 1, 2, 3, 4)),),
)


@dataclass
class Directory:
    points: dict[str, ServicePoint] = field(default_factory=dict)
    entries: dict[str, Point] = field(default_factory=dict)


def _camps() -> dict[str, Site]:
    """The sites slice's camps still open, by frame code (none without ``../shared``)."""
    found = Site.objects.filter(code__startswith=CODE_PREFIX).exclude(status=SiteStatus.CLOSED)
    return {site.code.removeprefix(CODE_PREFIX).lower(): site for site in found}


def _point_in(
    point: Point, number: int, units: dict[str, AdminUnit], camps: dict[str, Site]
) -> PointIn:
    """The entry of a point; ``number`` makes its (made-up) service phone."""
    visits = []
    for visit in point.visits:
        camp = camps.get(visit.place)
        unit = units.get(visit.place)
        if camp is None and unit is None:
            # A camp the sites slice did not load: the team goes to the point's district.
            unit = units[point.pcode]
        visits.append(
            VisitIn(weekdays=visit.weekdays, site=camp, admin_unit=unit, hours=visit.hours)
        )
    return PointIn(
        kind=point.kind,
        name_en=point.name_en,
        name_ar=point.name_ar,
        name_ckb=point.name_ckb,
        admin_unit=units[point.pcode],
        site=camps.get(point.camp) if point.camp else None,
        latitude=point.latitude,
        longitude=point.longitude,
        hours=point.hours,
        languages=point.languages,
        phone=f"+964 750 000 {100 + number:04d}",
        capacity_per_week=point.capacity_per_week,
        waiting_days=point.waiting_days,
        note=point.note,
        offers=tuple(
            OfferIn(o.service, sexes=o.sexes, age_min=o.age_min, age_max=o.age_max, groups=o.groups)
            for o in point.offers
        ),
        visits=tuple(visits),
    )


def directory_load(users: dict[str, User], organisations: dict[str, Organisation]) -> Directory:
    """Every point entered and published by its organisation's mapper; Azadi hospital's entry
    edited since (new hours, its first version archived); MdM's Sinjar team left a draft."""
    pcodes = {p.pcode for p in (*POINTS, DRAFT)} | {
        v.place for p in (*POINTS, DRAFT) for v in p.visits if v.place.startswith("IQG")
    }
    units = {u.pcode: u for u in AdminUnit.objects.filter(pcode__in=pcodes).defer("geometry")}
    camps = _camps()
    directory = Directory()
    for number, point in enumerate(POINTS):
        mapper = users[MAPPERS[point.organisation]]
        created = directory_services.point_create(
            actor=mapper,
            organisation=organisations[point.organisation],
            point=_point_in(point, number, units, camps),
        )
        directory_services.draft_publish(actor=mapper, point=created)
        directory.points[point.key] = created
        directory.entries[point.key] = point
    azadi = POINTS[2]
    edited = replace(
        _point_in(azadi, 2, units, camps),
        hours="Every day, 24 hours; outpatient clinics Sunday to Thursday, 8:00 to 13:00",
    )
    directory_services.draft_save(
        actor=users[MAPPERS[azadi.organisation]], point=directory.points[azadi.key], entry=edited
    )
    directory_services.draft_publish(
        actor=users[MAPPERS[azadi.organisation]], point=directory.points[azadi.key]
    )
    directory_services.point_create(
        actor=users[MAPPERS[DRAFT.organisation]],
        organisation=organisations[DRAFT.organisation],
        point=_point_in(DRAFT, len(POINTS), units, camps),
    )
    return directory


# --- the clock --------------------------------------------------------------------------------


@contextmanager
def _at(moment: datetime) -> Iterator[None]:
    """Write as on that day and hour: the services, the history and the audit log read the time
    from ``timezone.now``."""
    with mock.patch.object(timezone, "now", return_value=moment):
        yield


# --- people -----------------------------------------------------------------------------------


REASONS = {
    "phc": (
        "Diabetes follow-up; has run out of insulin",
        "High blood pressure, no check since the move",
        "Persistent cough and fever for two weeks",
    ),
    "secondary_health": (
        "Suspected appendicitis, needs surgical assessment",
        "Fracture of the forearm, needs an X-ray and a cast",
        "Kidney stones, severe pain",
    ),
    "srh": (
        "Pregnant, 30 weeks, no antenatal care yet",
        "Postnatal check after a home birth",
        "Asks for family planning counselling",
    ),
    "mhpss_pfa": ("Acute distress after the camp fire", "Panic attacks since the return visit"),
    "mhpss_counselling": (
        "Low mood and poor sleep for months",
        "Grief after the loss of a family member",
        "Nightmares and withdrawal since displacement",
    ),
    "mhpss_psychiatric": (
        "Known epilepsy, medicine no longer available",
        "Severe depression, needs psychiatric review",
    ),
    "gbv_case_management": (
        "Asks to speak to a woman case worker",
        "Requests support, details with the survivor",
    ),
    "child_protection": (
        "Child out of school, working in the market",
        "Separated child living with an aunt",
    ),
    "legal_aid": (
        "Lost civil ID, cannot renew the PDS card",
        "Needs a birth certificate for the youngest child",
        "Property claim in the area of origin",
    ),
    "cash": ("Female-headed household, no income", "Rent arrears, risk of eviction"),
    "shelter": ("Tent damaged in the storm", "Unfinished building, no doors or windows"),
    "livelihoods": (
        "Looking for vocational training in tailoring",
        "Former farmer, asks for a small business grant",
    ),
    "education": ("Child missed two school years, needs catch-up classes",),
}
WOMEN_SERVICES = ("srh", "gbv_case_management")
RELATIONSHIPS = ("mother", "father", "aunt", "grandmother")
URGENCIES = ("routine", "routine", "routine", "high", "high", "emergency")


def _phone(rng: random.Random) -> str:
    prefix = f"07{rng.choice('5789')}{rng.randrange(10)}"
    return f"{prefix} {rng.randrange(1000):03d} {rng.randrange(10_000):04d}"


def _typed(rng: random.Random, sex: str, age: int, place: str) -> PersonIn:
    """A person met by a partner, recorded with a name, sex, age, phone and where they live."""
    first = namebank.pick(rng, sex)
    family = namebank.family_pick(rng)
    latin = rng.random() < 0.5
    name = f"{first[1][0]} {family[1][0]}" if latin else f"{first[0]} {family[0]}"
    return PersonIn(name=name, sex=sex, age=age, phone=_phone(rng), place=place)


def _consent(rng: random.Random, service: str, age: int, on: date) -> ConsentIn:
    """What the person agrees to share: the least for GBV and MHPSS, more for the rest; a
    caregiver (and the child's assent) for a child."""
    if service == "gbv_case_management":
        fields: tuple[str, ...] = rng.choice((("sex", "age"), ("sex", "age", "phone")))
    elif service.startswith("mhpss"):
        fields = rng.choice((("sex", "age", "reason"), ("name", "sex", "age", "phone", "reason")))
    else:
        fields = rng.choice(
            (("name", "sex", "age", "phone", "place", "reason"), ("name", "sex", "age", "phone"))
        )
    child = age < 15
    return ConsentIn(
        fields=fields,
        until=on + timedelta(days=rng.choice((60, 90, 90, 180))),
        method=rng.choice(("verbal", "verbal", "written")),
        given_by="caregiver" if child else "person",
        caregiver_relationship=rng.choice(RELATIONSHIPS) if child else "",
        child_assent=True if child and age >= 6 else None,
    )


# --- referrals --------------------------------------------------------------------------------

# How far each referral goes: the steps in order, and the days after the one before. A
# path is cut where its next day would be after today.
PATHS: dict[str, tuple[tuple[str, float], ...]] = {
    "sent": (),
    "acknowledged": (("acknowledged", 0.3),),
    "accepted": (("acknowledged", 0.2), ("accepted", 1)),
    "declined": (("acknowledged", 0.4), ("declined", 1)),
    "appointment": (("accepted", 0.5), ("appointment", 1)),
    "provided": (("accepted", 0.5), ("appointment", 1), ("provided", 6)),
    "closed": (("accepted", 0.3), ("appointment", 1), ("provided", 5), ("closed", 3)),
    "declined_closed": (("declined", 1), ("closed", 2)),
    "lost": (("accepted", 1), ("appointment", 1), ("lost", 20)),
    "withdrawn": (("acknowledged", 0.5), ("withdrawn", 4)),
    "consent_withdrawn": (("accepted", 1), ("consent_withdrawn", 5)),
    "consent_narrowed": (("acknowledged", 0.5), ("consent_narrowed", 2), ("accepted", 1)),
    # Accepted, then the consent (given for a week) ended before the service: the receiving
    # side reads nothing of the person any more and can only decline.
    "consent_ended": (("accepted", 1),),
}
PATH_WEIGHTS = {
    "sent": 3,
    "acknowledged": 3,
    "accepted": 4,
    "declined": 4,
    "appointment": 4,
    "provided": 5,
    "closed": 14,
    "declined_closed": 3,
    "lost": 3,
    "withdrawn": 2,
    "consent_withdrawn": 2,
    "consent_narrowed": 2,
    "consent_ended": 1,
}
DECLINE_REASONS = (
    "not_eligible",
    "no_capacity",
    "service_unavailable",
    "already_served",
    "person_declined",
)


@dataclass(frozen=True)
class Planned:
    """A referral to make: who sends it, for whom, where, and how far it goes."""

    sender: User
    organisation: Organisation
    point: str
    service: str
    path: str
    sent_at: datetime
    person: PersonIn | None = None
    individual: Individual | None = None
    case: Case | None = None


@dataclass
class Flow:
    """What the referrals slice made, for its line of progress."""

    referrals: list[Referral] = field(default_factory=list)
    refused: int = 0
    steps: int = 0


def _moment(rng: random.Random, day: date) -> datetime:
    """A working hour of a day, in the server's time zone."""
    naive = datetime.combine(day, datetime.min.time()) + timedelta(
        hours=rng.randint(8, 14), minutes=rng.randrange(60)
    )
    return timezone.make_aware(naive)


class Referrer:
    """Makes planned referrals through the services, each step on its day."""

    def __init__(
        self,
        rng: random.Random,
        directory: Directory,
        receivers: dict[str, dict[str, User]],
        now: datetime,
    ) -> None:
        self.rng = rng
        self.directory = directory
        self.receivers = receivers  # organisation acronym -> role -> a member who holds it
        self.now = now
        self.flow = Flow()

    def receiver(self, referral: Referral) -> User:
        role = codelists.handled_by(referral.service)
        return self.receivers[referral.to_organisation.acronym][role]

    def make(self, planned: Planned) -> Referral | None:
        rng = self.rng
        point = self.directory.points[planned.point]
        age = (
            planned.person.age
            if planned.person is not None
            else _age(planned.individual, planned.sent_at.date())
        )
        consent = _consent(rng, planned.service, age or 30, planned.sent_at.date())
        if planned.path == "consent_ended":
            consent = replace(consent, until=planned.sent_at.date() + timedelta(days=7))
        steps = PATHS[planned.path]
        if planned.path == "consent_narrowed" and len(consent.fields) < 2:
            steps = PATHS["accepted"]
        try:
            with _at(planned.sent_at):
                referral = services.referral_send(
                    actor=planned.sender,
                    organisation=planned.organisation,
                    point=point,
                    service=planned.service,
                    urgency=rng.choice(URGENCIES),
                    consent=consent,
                    person=planned.person,
                    individual=planned.individual,
                    case=planned.case,
                    reason=rng.choice(REASONS[planned.service]),
                    transport=rng.random() < 0.25,
                )
        except ReferralRuleBroken:
            self.flow.refused += 1  # the person already has an open referral there
            return None
        moment = planned.sent_at
        for step, days in steps:
            moment += timedelta(days=days * rng.uniform(0.5, 1.5))
            if moment >= self.now:
                break
            self.step(referral, step, moment, consent)
        self.flow.referrals.append(referral)
        return referral

    def step(self, referral: Referral, step: str, moment: datetime, consent: ConsentIn) -> None:
        rng = self.rng
        referral.refresh_from_db()
        sender = referral.referred_by
        with _at(moment):
            if step == "consent_withdrawn":
                services.consent_withdraw(actor=sender, referral=referral)
            elif step == "consent_narrowed":
                services.consent_narrow(
                    actor=sender,
                    referral=referral,
                    fields=consent.fields[: len(consent.fields) - 1],
                )
            else:
                side = access.SENDER if step in services.SENDER_STEPS else access.RECEIVER
                actor = sender if side == access.SENDER else self.receiver(referral)
                try:
                    services.referral_step(
                        actor=actor,
                        referral=referral,
                        status=step,
                        decline_reason=rng.choice(DECLINE_REASONS) if step == "declined" else "",
                        appointment_on=moment.date() + timedelta(days=rng.randint(1, 10))
                        if step == "appointment"
                        else None,
                    )
                except ReferralRuleBroken:
                    return  # the consent ended before the service: the referral stops here
        self.flow.steps += 1


def _age(individual: Individual | None, on: date) -> int | None:
    if individual is None or individual.born_on is None:
        return None
    born = individual.born_on
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# Where each organisation's people are referred to, by service: (point, service).
Routes = tuple[tuple[str, str], ...]
FROM_MOSUL: Routes = (
    ("salam_hospital", "secondary_health"),
    ("salam_hospital", "srh"),
    ("mosul_crc", "cash"),
    ("mosul_crc", "livelihoods"),
    ("mosul_legal", "legal_aid"),
    ("dama_phcc", "mhpss_counselling"),
    ("mdm_hamdaniya_mobile", "phc"),
    ("hasansham_phcc", "mhpss_counselling"),
    ("jeddah1_wgss", "gbv_case_management"),
)
FROM_DUHOK: Routes = (
    ("azadi_hospital", "secondary_health"),
    ("azadi_hospital", "srh"),
    ("mdm_sumel_mobile", "phc"),
    ("zakho_crc", "cash"),
    ("zakho_crc", "shelter"),
    ("zakho_legal", "legal_aid"),
    ("chamishku_wgss", "gbv_case_management"),
    ("chamishku_phcc", "srh"),
)
FROM_CAMPS: Routes = (
    ("essian_phcc", "phc"),
    ("azadi_hospital", "secondary_health"),
    ("mosul_legal", "legal_aid"),
    ("zakho_crc", "livelihoods"),
    ("dama_hotline", "mhpss_counselling"),
)
# What partners' focal points refer the people they meet to: (sender, point, service, place).
MET = (
    ("ranj.crc", "hasansham_phcc", "mhpss_counselling", "Hasansham U3 camp"),
    ("ranj.crc", "kirkuk_hospital", "secondary_health", "Kirkuk, Domiz"),
    ("ranj.crc", "mosul_legal", "legal_aid", "Mosul, al-Zanjili"),
    ("ranj.crc", "dama_hotline", "mhpss_pfa", "Mosul, al-Najjar"),
    ("lana.mdm", "salam_hospital", "secondary_health", "Hasansham U2 camp"),
    ("lana.mdm", "imc_mhpss_mobile", "mhpss_counselling", "Jeddah 6 camp"),
    ("lana.mdm", "jeddah1_wgss", "gbv_case_management", "Jeddah 6 camp"),
    ("lana.mdm", "azadi_hospital", "srh", "Khanke camp"),
    ("karwan.imc", "kirkuk_hospital", "srh", "Yahyawa camp"),
    ("karwan.imc", "kirkuk_crc", "cash", "Hawija town"),
    ("karwan.imc", "intersos_cp_mobile", "child_protection", "Jeddah 1 camp"),
    ("karwan.imc", "kirkuk_wgss", "gbv_case_management", "Kirkuk, Rahimawa"),
    ("mustafa.dama", "qayyarah_hospital", "secondary_health", "Qayyarah town"),
    ("mustafa.dama", "mosul_crc", "shelter", "Mosul old city"),
    ("shilan.case", "zakho_crc", "education", "Zakho, Nizarke"),
    ("shilan.case", "bersive_phcc", "phc", "Bersive 2 camp"),
    ("azad.doh", "chamishku_wgss", "gbv_case_management", "Chamishku camp"),
    ("hiba.doh", "dama_phcc", "mhpss_psychiatric", "Mosul, al-Muhandisin"),
    ("kawa.doh", "imc_kirkuk_mobile", "mhpss_pfa", "Daquq"),
    ("kawa.doh", "yahyawa_phcc", "phc", "Yahyawa camp"),
)
MET_ORGANISATIONS = {**{u: a for a, u in MAPPERS.items()}, "shilan.case": "INTERSOS"}
REGISTRY_SENDERS: tuple[tuple[str, str, Routes, int], ...] = (
    ("noor.reg", "DAMA", FROM_MOSUL, 34),
    ("karim.reg", "INTERSOS", FROM_DUHOK, 30),
)
IOM_REFERRALS = 14
MET_REFERRALS = 48


def _registered(organisation: Organisation, rng: random.Random, count: int) -> list[Individual]:
    """People of the organisation's registry to refer, drawn from the seed: of the households
    that agreed to referrals to services (the registry's consent the referral asks for)."""
    found = list(
        Individual.objects.filter(
            organisation=organisation,
            status=MemberStatus.ACTIVE,
            household__consents__purpose="referral",
            household__consents__shared_with__isnull=True,
            household__consents__withdrawn_on__isnull=True,
        )
        .select_related("household", "household__site")
        .order_by("pk")
    )
    rng.shuffle(found)
    return found[:count]


def _fits(point: Point, service: str, sex: str, age: int) -> bool:
    offer = next(o for o in point.offers if o.service == service)
    return (
        (not offer.sexes or sex in offer.sexes)
        and (offer.age_min is None or age >= offer.age_min)
        and (offer.age_max is None or age <= offer.age_max)
    )


def _paths(rng: random.Random, count: int) -> list[str]:
    """Paths for ``count`` referrals: every path once, the rest by weight."""
    names = list(PATH_WEIGHTS)
    drawn = names + rng.choices(
        names, weights=list(PATH_WEIGHTS.values()), k=max(0, count - len(names))
    )
    rng.shuffle(drawn)
    return drawn[:count]


# Paths that leave a referral open: sent in the last weeks (an older one would still be open
# after its consent ended, which ``consent_ended`` shows on its own).
OPEN_PATHS = ("acknowledged", "accepted", "appointment", "provided", "consent_narrowed")


def _sent_at(rng: random.Random, path: str, now: datetime) -> datetime:
    """When a referral on this path was sent: long enough ago for its steps; an unanswered one
    within the last days (some of them past their time to answer), an open one within the
    last weeks, one whose week-long consent ended more than a week ago."""
    need = int(sum(d for _s, d in PATHS[path]) * 1.6 + 1)
    if path == "sent":
        days = rng.choice((0, 0, 1, 3, 9))
    elif path in OPEN_PATHS:
        days = rng.randint(need, need + 40)
    elif path == "consent_ended":
        days = rng.randint(10, 60)
    else:
        days = rng.randint(need, DAYS)
    return _before(_moment(rng, (now - timedelta(days=days)).date()), now, rng)


def _before(moment: datetime, now: datetime, rng: random.Random) -> datetime:
    """The moment, or a little before now when it would come later (today's working hours)."""
    if moment < now:
        return moment
    return now - timedelta(minutes=rng.randint(5, 90))


def referrals_plan(
    rng: random.Random,
    users: dict[str, User],
    organisations: dict[str, Organisation],
    directory: Directory,
    now: datetime,
) -> list[Planned]:
    """The referrals of registry people, of people the partners met, drawn from the seed."""
    planned: list[Planned] = []
    senders = list(REGISTRY_SENDERS)
    iom = organisations["IOM"]
    if Individual.objects.filter(organisation=iom).exists() and "rania.reg" in users:
        senders.append(("rania.reg", "IOM", FROM_CAMPS, IOM_REFERRALS))
    for username, acronym, routes, count in senders:
        if username not in users:
            continue
        organisation = organisations[acronym]
        people = _registered(organisation, rng, count * 3)
        paths = _paths(rng, count)
        for path in paths:
            sent_at = _sent_at(rng, path, now)
            point_key, service = rng.choice(routes)
            entry = directory.entries[point_key]
            person = next(
                (
                    p
                    for p in people
                    if (age := _age(p, sent_at.date())) is not None
                    and age >= 18
                    and (p.sex == "f" or service not in WOMEN_SERVICES)
                    and _fits(entry, service, p.sex, age)
                ),
                None,
            )
            if person is None:
                continue
            people.remove(person)
            planned.append(
                Planned(
                    users[username],
                    organisation,
                    point_key,
                    service,
                    path,
                    sent_at,
                    individual=person,
                )
            )
    for path in _paths(rng, MET_REFERRALS):
        username, point_key, service, place = rng.choice(MET)
        entry = directory.entries[point_key]
        sender = users[username]
        organisation = organisations[MET_ORGANISATIONS[username]]
        if service == "child_protection" or (service == "education"):
            sex, age = rng.choice("fm"), rng.randint(7, 16)
        elif service in WOMEN_SERVICES:
            sex, age = "f", rng.randint(16, 45)
        else:
            sex, age = rng.choice("fm"), rng.randint(18, 75)
        if not _fits(entry, service, sex, age):
            sex, age = "f", 30
        planned.append(
            Planned(
                sender,
                organisation,
                point_key,
                service,
                path,
                _sent_at(rng, path, now),
                person=_typed(rng, sex, age, place),
            )
        )
    return planned


# --- cases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CasePlan:
    worker: str
    organisation: str
    type: str
    entries: tuple[tuple[str, dict[str, Any]], ...]
    # A referral made from the case: (point, service).
    referral: tuple[str, str] | None = None


GBV_ASSESSMENT = {
    "incident_type": "physical_assault",
    "incident_period": "over_a_month",
    "immediate_safety_risk": False,
    "needs": "Safe space activities, psychosocial support",
}
CASES: tuple[CasePlan, ...] = (
    CasePlan(
        "zainab.gbv",
        "INTERSOS",
        "gbv",
        (
            ("assessment", GBV_ASSESSMENT),
            (
                "service_plan",
                {"goals": "Safety plan; counselling", "services": ["mhpss_counselling"]},
            ),
            ("follow_up", {"progress": "Attends sessions", "safety_reviewed": True}),
        ),
        ("hasansham_phcc", "mhpss_counselling"),
    ),
    CasePlan(
        "zainab.gbv",
        "INTERSOS",
        "gbv",
        (
            ("assessment", {**GBV_ASSESSMENT, "incident_type": "denial_of_resources"}),
            ("service_plan", {"goals": "Cash and livelihood support", "services": ["cash"]}),
            ("follow_up", {"progress": "Received cash assistance", "safety_reviewed": True}),
            ("closure", {"closure_reason": "needs_met"}),
        ),
    ),
    CasePlan(
        "nour.gbv",
        "INTERSOS",
        "gbv",
        (
            (
                "assessment",
                {
                    **GBV_ASSESSMENT,
                    "incident_type": "forced_marriage",
                    "immediate_safety_risk": True,
                },
            ),
            (
                "service_plan",
                {"goals": "Legal counselling; safety plan", "services": ["legal_aid", "srh"]},
            ),
        ),
        ("jeddah6_phcc", "srh"),
    ),
    CasePlan(
        "nour.gbv",
        "INTERSOS",
        "gbv",
        (("assessment", {**GBV_ASSESSMENT, "incident_type": "psychological_abuse"}),),
    ),
    CasePlan(
        "dilan.mhpss",
        "DAMA",
        "mhpss",
        (
            (
                "assessment",
                {
                    "level": "counselling",
                    "distress_score": 7,
                    "presenting_problem": "Low mood, poor sleep",
                },
            ),
            ("service_plan", {"goals": "Eight counselling sessions", "sessions_planned": 8}),
            ("follow_up", {"progress": "Sleeps better", "distress_score": 5}),
        ),
    ),
    CasePlan(
        "dilan.mhpss",
        "DAMA",
        "mhpss",
        (
            (
                "assessment",
                {
                    "level": "psychiatric",
                    "distress_score": 9,
                    "presenting_problem": "Severe depression",
                },
            ),
            ("service_plan", {"goals": "Psychiatric review and medication", "sessions_planned": 4}),
        ),
        ("salam_hospital", "secondary_health"),
    ),
    CasePlan(
        "hozan.mhpss",
        "IMC",
        "mhpss",
        (
            (
                "assessment",
                {"level": "pfa", "distress_score": 6, "presenting_problem": "Acute stress"},
            ),
            ("closure", {"closure_reason": "needs_met"}),
        ),
    ),
    CasePlan(
        "shilan.case",
        "INTERSOS",
        "child_protection",
        (
            (
                "assessment",
                {"concern": "child_labour", "risk_level": "medium", "caregiver_present": True},
            ),
            ("service_plan", {"goals": "Back to school", "best_interests_determination": False}),
            ("follow_up", {"progress": "Enrolled in catch-up classes", "risk_level": "low"}),
        ),
        ("zakho_crc", "education"),
    ),
    CasePlan(
        "shilan.case",
        "INTERSOS",
        "child_protection",
        (
            (
                "assessment",
                {"concern": "separated", "risk_level": "high", "caregiver_present": False},
            ),
            (
                "service_plan",
                {"goals": "Family tracing and interim care", "best_interests_determination": True},
            ),
        ),
    ),
)
LEGAL_CASES = 4


def cases_load(
    rng: random.Random,
    users: dict[str, User],
    organisations: dict[str, Organisation],
    now: datetime,
    referrer: Referrer,
) -> list[Case]:
    """The protection cases, opened on their days, with their entries and the referrals made
    from them; INTERSOS's legal documentation cases of people of its registry missing a
    document, the document obtained recorded on their registry record."""
    made = []
    for plan in CASES:
        worker = users[plan.worker]
        organisation = organisations[plan.organisation]
        opened = _moment(rng, (now - timedelta(days=rng.randint(60, DAYS))).date())
        if plan.type == "gbv":
            person = PersonIn(
                sex="f",
                age=rng.randint(16, 45),
                place=rng.choice(("Jeddah 1 camp", "Chamishku camp", "Mosul")),
            )
        elif plan.type == "child_protection":
            person = _typed(rng, rng.choice("fm"), rng.randint(8, 16), "Zakho")
        else:
            person = _typed(rng, rng.choice("fm"), rng.randint(20, 60), "Mosul")
        with _at(opened):
            case = case_services.case_open(
                actor=worker, organisation=organisation, case_type=plan.type, person=person
            )
        moment = opened
        for kind, answers in plan.entries:
            moment += timedelta(days=rng.randint(2, 14))
            if moment >= now:
                break
            with _at(moment):
                case_services.case_entry_add(actor=worker, case=case, kind=kind, answers=answers)
            if plan.referral is not None and kind == "service_plan":
                point_key, service = plan.referral
                referrer.make(
                    Planned(
                        worker,
                        organisation,
                        point_key,
                        service,
                        rng.choice(("accepted", "provided", "closed", "appointment")),
                        _before(moment + timedelta(hours=2), now, rng),
                        person=PersonIn(
                            name=case.name,
                            sex=case.sex,
                            age=case.age,
                            phone=case.phone,
                            place=case.place,
                        ),
                        case=case,
                    )
                )
        made.append(case)
    intersos = organisations["INTERSOS"]
    missing = list(
        Individual.objects.filter(
            organisation=intersos,
            status=MemberStatus.ACTIVE,
            documents__held=False,
            documents__kind="civil_id",
        )
        .select_related("household")
        .order_by("pk")[:50]
    )
    rng.shuffle(missing)
    worker = users["shilan.case"]
    for individual in missing[:LEGAL_CASES]:
        opened = _moment(rng, (now - timedelta(days=rng.randint(90, DAYS))).date())
        with _at(opened):
            case = case_services.case_open(
                actor=worker,
                organisation=intersos,
                case_type="legal_documentation",
                individual=individual,
                person=PersonIn(
                    sex=individual.sex, age=_age(individual, opened.date()), place="Sumel"
                ),
            )
        entries: list[tuple[str, dict[str, Any]]] = [
            (
                "assessment",
                {"documents_missing": ["civil_id"], "obstacles": "Fees and travel to Duhok"},
            ),
            ("service_plan", {"goals": "Civil ID renewed", "court_needed": False}),
            ("follow_up", {"progress": "Application filed at the civil status office"}),
            ("document_obtained", {"document": "civil_id"}),
            ("closure", {"closure_reason": "documents_obtained"}),
        ]
        moment = opened
        for kind, answers in entries[: rng.randint(3, len(entries))]:
            moment += timedelta(days=rng.randint(5, 20))
            if moment >= now:
                break
            with _at(moment):
                case_services.case_entry_add(actor=worker, case=case, kind=kind, answers=answers)
        made.append(case)
    return made


# --- loading ----------------------------------------------------------------------------------


def _users() -> dict[str, User]:
    names = set(MAPPERS.values()) | {u for u, *_rest in MET} | {p.worker for p in CASES}
    names |= {u for u, *_rest in REGISTRY_SENDERS} | {"rania.reg", "shilan.case"}
    return {u.username: u for u in User.objects.filter(username__in=names)}


def _receivers(users: dict[str, User]) -> dict[str, dict[str, User]]:
    """A member of each organisation holding each role that handles services, to take the
    receiving side's steps."""
    found: dict[str, dict[str, User]] = {}
    for user in sorted(users.values(), key=lambda u: u.username):
        for organisation in access.organisations_with(user, access.CASE_ROLES):
            for role in user_roles(user, organisation) & set(access.CASE_ROLES):
                found.setdefault(organisation.acronym, {}).setdefault(role, user)
    return found


def demo_load(demo: Demo) -> None:
    if ServicePoint.objects.filter(created_by__username__in=list(MAPPERS.values())).exists():
        demo.write("Referrals: already present, left alone.")
        return
    started = time.perf_counter()
    # Seeded for a reproducible demo, not for secrecy.
    rng = random.Random(f"{demo.options['seed']}:referrals")  # noqa: S311
    users = _users()
    organisations = {o.acronym: o for o in Organisation.objects.filter(acronym__in=MAPPERS)}
    now = timezone.now()
    # The steps happened in the past: nobody is told of them now.
    with transaction.atomic(), mock.patch.object(notify, "referral_changed", _told_nobody):
        with _at(now - timedelta(days=DAYS + 30)):
            directory = directory_load(users, organisations)
        referrer = Referrer(rng, directory, _receivers(users), now)
        planned = referrals_plan(rng, users, organisations, directory, now)
        planned.sort(key=lambda p: p.sent_at)
        for plan in planned:
            referrer.make(plan)
        cases = cases_load(rng, users, organisations, now, referrer)
    flow = referrer.flow
    by_status: dict[str, int] = {}
    for referral in Referral.objects.filter(pk__in=[r.pk for r in flow.referrals]):
        by_status[referral.status] = by_status.get(referral.status, 0) + 1
    statuses = ", ".join(f"{status} {n}" for status, n in sorted(by_status.items()))
    demo.write(
        f"Referrals: {len(directory.points)} service points published in Duhok, Ninewa and "
        f"Kirkuk; {len(flow.referrals)} referrals ({statuses}), {flow.steps} steps; "
        f"{len(cases)} protection cases ({time.perf_counter() - started:.1f} s)."
    )


def _told_nobody(referral: Referral, step: str) -> None:
    return None


# The organisations and users are core's; the people referred are the registry's; the camps the
# points stand in are the sites slice's.
SLICE = Slice(name="referrals", load=demo_load, after=("core", "geo", "sites", "registry"))
