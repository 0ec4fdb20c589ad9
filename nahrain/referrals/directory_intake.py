"""A service mapping sheet as an import spec on the intake pipeline (``referrals.service_points``).

Service mappers keep their organisation's services in sheets of the Iraq Service Advisor and
protection cluster service mapping kind: one row per service offered at a point, the point's
own columns (name, kind, place, coordinates, hours, contacts, capacity, dates) repeated on each
of its rows, and, for a mobile team, the sites or places it visits and on which days.

- **Target.** The file goes into an organisation's directory; its service mappers import it
  (anyone else: the same 404 as no organisation at all). Rows naming another organisation (a
  cluster-wide sheet) are left out, with a warning saying how many.
- **Points.** Rows are grouped into points by the point id column when the row has one, else by
  the point's name and place. A point id that is a Nahrain point's id (as the directory shows
  it) names that point; any other id only groups the file's rows. A point already in the
  organisation's directory, with the same id or else the same name (English or Arabic) and
  place, is updated; the others are added.
- **Drafts.** Every point is written as a draft through ``directory_services`` (``point_create``
  for a new point, ``draft_save`` for one already there), never published: a service mapper
  checks each draft and publishes it. A point whose draft (or, without one, whose current entry)
  already says what the file says is left as it is, so importing a sheet again changes nothing.
- **Columns the file lacks** keep what the point's entry says (an address added on the page
  stays when a sheet without an address column comes in); a column the file has but leaves empty
  on all of a point's rows empties the value.
- **Values.** Codes of the directory's lists (kinds of points, services, population groups,
  languages) are read from their codes or their labels in English, Arabic or Kurdish; places
  through the gazetteer and the aliases, as the other importers read them. Every value is checked
  with the directory's own rules (``point_problems``); each problem names the row, the column and
  the rule. One problem refuses the whole file; a dry run writes nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from nahrain.core.access import AnyUser
from nahrain.core.models import Organisation, Role
from nahrain.core.problems import ImportRejected, Problem, Severity, rule_words_add
from nahrain.core.services import audit_record
from nahrain.displacement.validation import PlaceResolver
from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit
from nahrain.geo.normalize import ARABIC_DIGITS, code_key, name_key
from nahrain.intake.columns import (
    Column,
    Field,
    apply_column_map,
    check_mapping,
    column_letter,
    is_hxl_row,
    mapping_summary,
    match_headers,
)
from nahrain.intake.readers import read_table
from nahrain.intake.spec import Intake, Outcome, Spec, register
from nahrain.referrals import access, codelists, directory_services
from nahrain.referrals.directory_services import OfferIn, PointIn, VisitIn
from nahrain.referrals.models import (
    MobileVisit,
    ServiceOffer,
    ServicePoint,
    ServicePointVersion,
    VersionStatus,
)
from nahrain.referrals.services import Problem as RuleProblem
from nahrain.sites.models import Site

SERVICE_POINTS = "referrals.service_points"

FIELDS = (
    Field(
        "point_id",
        gettext_noop("Point id"),
        (
            "Point ID",
            "Service point ID",
            "Point code",
            "Service point code",
            "Facility ID",
            "Facility code",
            "رقم نقطة الخدمة",
            "رمز نقطة الخدمة",
            "رمز المرفق",
        ),
        ("#loc+code", "#loc+id"),
    ),
    Field(
        "organisation",
        gettext_noop("Organisation (acronym or name)"),
        (
            "Organisation",
            "Organization",
            "Organisation acronym",
            "Organization acronym",
            "Agency",
            "Partner",
            "Partner name",
            "Implementing partner",
            "Service provider",
            "Org",
            "المنظمة",
            "اسم المنظمة",
            "الجهة",
            "الجهة المقدمة للخدمة",
            "الشريك",
        ),
        ("#org",),
    ),
    Field(
        "name_en",
        gettext_noop("Point name (English)"),
        (
            "Point name",
            "Point name (English)",
            "Service point",
            "Service point name",
            "Name of service point",
            "Facility",
            "Facility name",
            "Facility name (English)",
            "Name",
            "Name (English)",
            "English name",
            "اسم نقطة الخدمة (بالإنجليزية)",
            "الاسم بالإنجليزية",
            "الاسم بالانكليزي",
        ),
        ("#loc+name",),
    ),
    Field(
        "name_ar",
        gettext_noop("Point name (Arabic)"),
        (
            "Point name (Arabic)",
            "Service point name (Arabic)",
            "Facility name (Arabic)",
            "Name (Arabic)",
            "Arabic name",
            "اسم نقطة الخدمة",
            "اسم المرفق",
            "اسم المركز",
            "الاسم بالعربية",
            "الاسم بالعربي",
        ),
        ("#loc+name+i_ar",),
    ),
    Field(
        "name_ckb",
        gettext_noop("Point name (Kurdish)"),
        (
            "Point name (Kurdish)",
            "Name (Kurdish)",
            "Kurdish name",
            "اسم نقطة الخدمة (بالكردية)",
            "الاسم بالكردية",
            "ناوی خاڵی خزمەتگوزاری",
        ),
        ("#loc+name+i_ckb",),
    ),
    Field(
        "kind",
        gettext_noop("Kind of point"),
        (
            "Kind of point",
            "Point kind",
            "Point type",
            "Type of point",
            "Service point type",
            "Facility type",
            "Type of facility",
            "Type",
            "نوع نقطة الخدمة",
            "نوع المرفق",
            "النوع",
        ),
        ("#loc+type",),
        required=True,
    ),
    Field(
        "governorate",
        gettext_noop("Governorate"),
        ("Governorate", "Gov", "Governorate name", "Governorate p-code", "المحافظة"),
        ("#adm1+name", "#adm1+code"),
        required=True,
    ),
    Field(
        "district",
        gettext_noop("District"),
        ("District", "Dist", "District name", "District p-code", "القضاء"),
        ("#adm2+name", "#adm2+code"),
    ),
    Field(
        "subdistrict",
        gettext_noop("Sub-district"),
        ("Sub-district", "Subdistrict", "Sub district", "Sub-district p-code", "الناحية"),
        ("#adm3+name", "#adm3+code"),
    ),
    Field(
        "site",
        gettext_noop("Site the point is in (code or name)"),
        (
            "Site",
            "Site code",
            "Site name",
            "Camp",
            "Camp code",
            "Camp name",
            "In camp",
            "الموقع",
            "رمز الموقع",
            "المخيم",
        ),
        ("#loc+site", "#loc+site+code", "#loc+site+name"),
    ),
    Field("latitude", gettext_noop("Latitude"), ("Latitude", "Lat", "خط العرض"), ("#geo+lat",)),
    Field(
        "longitude",
        gettext_noop("Longitude"),
        ("Longitude", "Long", "Lon", "Lng", "خط الطول"),
        ("#geo+lon",),
    ),
    Field(
        "address",
        gettext_noop("Address"),
        ("Address", "Location description", "Directions", "العنوان", "وصف الموقع"),
        ("#loc+address",),
    ),
    Field(
        "service",
        gettext_noop("Service (label or code)"),
        (
            "Service",
            "Services",
            "Service type",
            "Type of service",
            "Service provided",
            "Service category",
            "الخدمة",
            "نوع الخدمة",
            "الخدمة المقدمة",
            "الخدمات",
        ),
        ("#service",),
        required=True,
    ),
    Field(
        "sexes",
        gettext_noop("Sexes served"),
        (
            "Sexes served",
            "Sex served",
            "Sex",
            "Sexes",
            "Gender",
            "Target sex",
            "Sex of beneficiaries",
            "الجنس",
            "الجنس المستهدف",
            "الجنس المخدوم",
        ),
        ("#targeted+sex",),
    ),
    Field(
        "age_range",
        gettext_noop("Age range (0-17, 18+, under 5, all)"),
        (
            "Age range",
            "Age group",
            "Ages",
            "Ages served",
            "Target age",
            "Age",
            "الفئة العمرية",
            "الاعمار",
            "العمر",
        ),
        ("#targeted+age",),
    ),
    Field(
        "age_min",
        gettext_noop("Youngest age served"),
        ("Age from", "Minimum age", "Min age", "From age", "العمر من", "الحد الادنى للعمر"),
        ("#targeted+age+min",),
    ),
    Field(
        "age_max",
        gettext_noop("Oldest age served"),
        ("Age to", "Maximum age", "Max age", "To age", "العمر الى", "الحد الاعلى للعمر"),
        ("#targeted+age+max",),
    ),
    Field(
        "groups",
        gettext_noop("Population groups"),
        (
            "Population groups",
            "Population group",
            "Population type",
            "Target population",
            "Target groups",
            "Beneficiary groups",
            "الفئات المستهدفة",
            "الفئة السكانية",
            "الفئات السكانية",
        ),
        ("#targeted+type",),
    ),
    Field(
        "languages",
        gettext_noop("Languages spoken"),
        (
            "Languages",
            "Language",
            "Languages spoken",
            "Staff languages",
            "اللغات",
            "اللغة",
            "اللغات المحكية",
        ),
        ("#meta+language",),
    ),
    Field(
        "hours",
        gettext_noop("Opening hours"),
        (
            "Opening hours",
            "Working hours",
            "Hours",
            "Days and hours",
            "Opening times",
            "أوقات العمل",
            "ساعات العمل",
            "الدوام",
        ),
        ("#meta+hours",),
    ),
    Field(
        "phone",
        gettext_noop("Phone"),
        (
            "Phone",
            "Phone number",
            "Telephone",
            "Contact phone",
            "Contact number",
            "Hotline number",
            "رقم الهاتف",
            "الهاتف",
            "رقم التواصل",
        ),
        ("#contact+phone",),
    ),
    Field(
        "email",
        gettext_noop("E-mail"),
        (
            "E-mail",
            "Email",
            "Email address",
            "Contact email",
            "البريد الإلكتروني",
            "الايميل",
        ),
        ("#contact+email",),
    ),
    Field(
        "capacity_per_week",
        gettext_noop("Capacity a week"),
        (
            "Capacity a week",
            "Capacity per week",
            "Weekly capacity",
            "Capacity",
            "Cases per week",
            "القدرة الأسبوعية",
            "السعة الأسبوعية",
        ),
        ("#capacity",),
    ),
    Field(
        "waiting_days",
        gettext_noop("Waiting time (days)"),
        (
            "Waiting days",
            "Waiting time (days)",
            "Waiting time",
            "Days of waiting",
            "مدة الانتظار",
            "مدة الانتظار (أيام)",
            "أيام الانتظار",
        ),
        ("#meta+waiting",),
    ),
    Field(
        "active_from",
        gettext_noop("Active from"),
        ("Active from", "Start date", "Service start", "From", "تاريخ البدء", "فعال من"),
        ("#date+start",),
    ),
    Field(
        "active_until",
        gettext_noop("Active until"),
        (
            "Active until",
            "End date",
            "Service end",
            "Until",
            "تاريخ الانتهاء",
            "فعال حتى",
            "فعال لغاية",
        ),
        ("#date+end",),
    ),
    Field(
        "note",
        gettext_noop("Note"),
        ("Note", "Notes", "Remarks", "Comments", "ملاحظات", "ملاحظة"),
        ("#meta+note",),
    ),
    Field(
        "visit_places",
        gettext_noop("Sites or places a mobile team visits"),
        (
            "Visited sites",
            "Sites visited",
            "Visited places",
            "Places visited",
            "Locations covered",
            "Visit place",
            "Visit places",
            "Mobile team locations",
            "المواقع التي يزورها",
            "الأماكن التي يزورها",
            "المواقع المشمولة",
            "مواقع الفريق المتنقل",
        ),
        ("#loc+visited",),
    ),
    Field(
        "visit_days",
        gettext_noop("Days of the week visited"),
        (
            "Visit days",
            "Days visited",
            "Visiting days",
            "Weekdays",
            "Days",
            "Mobile team days",
            "أيام الزيارة",
            "الأيام",
        ),
        ("#date+weekday",),
    ),
    Field(
        "visit_hours",
        gettext_noop("Hours of the visits"),
        ("Visit hours", "Hours of visit", "ساعات الزيارة"),
        ("#meta+visit_hours",),
    ),
)

# The fields that say what the point is (one value a point, repeated on its rows), as opposed
# to what one row says of one service (``OFFER_FIELDS``) or of one visit (``VISIT_FIELDS``).
TEXTS = ("name_en", "name_ar", "name_ckb", "address", "hours", "phone", "note")
OFFER_FIELDS = ("service", "sexes", "age_range", "age_min", "age_max", "groups")
VISIT_FIELDS = ("visit_places", "visit_days", "visit_hours")
AGE_FIELDS = ("age_range", "age_min", "age_max")
MAX_COUNT = 2_147_483_647  # PositiveIntegerField
MAX_DAYS = 32_767  # PositiveSmallIntegerField
MAX_AGE = 120
VISIT_HOURS_LONGEST = 100  # MobileVisit.hours
# A cell listing several values: semicolons, commas (Latin and Arabic), slashes, bars, lines.
_LIST_SPLIT = re.compile(r"[;,،|/\n]+")
_RANGE_SPLIT = re.compile(
    r"\s*(?:-|\u2013|\u2014|~|\bto\b|\bthrough\b|\btill\b|\buntil\b|إلى|الى|لغاية|حتى)\s*",
    re.IGNORECASE,
)
_WORDS_SPLIT = re.compile(r"[\s&]+")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_AGES_BETWEEN = re.compile(r"^(\d{1,3})\s*(?:-|\u2013|\u2014|~|to|الى|إلى)\s*(\d{1,3})$")
_AGES_FROM = re.compile(
    r"^(?:\+\s*(\d{1,3})|(\d{1,3})\s*\+|(\d{1,3})\s*(?:and|or)\s*(?:above|over|older)"
    r"|(\d{1,3})\s*(?:فما|وما)\s*فوق|over\s*(\d{1,3})|above\s*(\d{1,3}))$"
)
_AGES_UNDER = re.compile(
    r"^(?:<\s*|under\s*|below\s*|less\s*than\s*|أقل\s*من\s*|اقل\s*من\s*)(\d{1,3})$"
)
_AGES_UP_TO = re.compile(r"^(?:<=\s*|≤\s*|up\s*to\s*|حتى\s*)(\d{1,3})$")
_AGES_ALL = frozenset(
    name_key(w)
    for w in ("all", "all ages", "any", "any age", "everyone", "الكل", "جميع الأعمار", "كل الأعمار")
)

# Warnings do not refuse the file; everything else does.
WARNING_RULES = ("other_organisation",)

WORDS = {
    "unknown_kind": gettext_lazy("Not a kind of service point"),
    "unknown_service": gettext_lazy("Not a service of the directory"),
    "unknown_sexes": gettext_lazy("Not a sex a service is for"),
    "unknown_group": gettext_lazy("Not a population group"),
    "unknown_language": gettext_lazy("Not a language of the directory"),
    "not_an_age_range": gettext_lazy("Not an age range"),
    "age_range_inverted": gettext_lazy("The youngest age is above the oldest"),
    "not_an_email": gettext_lazy("Not an e-mail address"),
    "unknown_weekday": gettext_lazy("Not a day of the week"),
    "no_weekdays": gettext_lazy("A visit without its days of the week"),
    "no_visit_place": gettext_lazy("Days of a visit without the place visited"),
    "unknown_visit_place": gettext_lazy("Not a known site or place for the team to visit"),
    "unknown_point_site": gettext_lazy("Not a known site"),
    "visits_not_mobile": gettext_lazy("Only a mobile team has a visit schedule"),
    "service_twice": gettext_lazy("A service given twice for one point"),
    "point_differs": gettext_lazy("Rows of one point disagree"),
    "point_ambiguous": gettext_lazy("Several points have this name and place: give a point id"),
    "point_twice": gettext_lazy("Two points of the file are one point of the directory"),
    "unknown_point": gettext_lazy("Not a service point of this organisation"),
    "no_place": gettext_lazy("A point without its governorate"),
    "no_name": gettext_lazy("A point without a name"),
    "coordinates_incomplete": gettext_lazy("Give both coordinates, in degrees"),
    "dates_inverted": gettext_lazy("The end is before the start"),
    "point_refused": gettext_lazy("Refused by a rule of the service directory"),
    "other_organisation": gettext_lazy("Rows of another organisation, left out"),
    "unknown_governorate": gettext_lazy("Not a known governorate"),
    "unknown_district": gettext_lazy("Not a known district"),
    "unknown_subdistrict": gettext_lazy("Not a known subdistrict"),
    "unknown_pcode": gettext_lazy("Not a known p-code"),
    "not_a_count": gettext_lazy("Not a whole number of zero or more"),
    "not_a_coordinate": gettext_lazy("Not a valid coordinate"),
    "not_a_date": gettext_lazy("Not a date"),
    "too_long": gettext_lazy("The text is too long"),
}

# What the directory's own rules (``directory_services.point_problems``) are called here, and
# the column each is about: (the file's rule, the field whose column it names, the message).
POINT_RULES: dict[str, tuple[str, str, str]] = {
    "kind": ("unknown_kind", "kind", "the kind of point is not one of the directory's"),
    "name": ("no_name", "name_en", "the point has neither an English nor an Arabic name"),
    "languages": ("unknown_language", "languages", "a language is not one of the directory's"),
    "coordinates": (
        "coordinates_incomplete",
        "latitude",
        "give both the latitude and the longitude, in degrees",
    ),
    "dates": ("dates_inverted", "active_until", "the point stops before it starts"),
    "visits": (
        "visits_not_mobile",
        "visit_places",
        "only a mobile team has visits: the kind of this point is not mobile_team",
    ),
}
OFFER_RULES: dict[str, tuple[str, str, str]] = {
    "service": ("unknown_service", "service", "not a service of the directory"),
    "sexes": ("unknown_sexes", "sexes", "not a sex a service is for"),
    "groups": ("unknown_group", "groups", "not a population group of the directory"),
    "ages": ("age_range_inverted", "age_range", "the youngest age is above the oldest"),
}
VISIT_RULES: dict[str, tuple[str, str, str]] = {
    "weekdays": ("no_weekdays", "visit_days", "give the days of the week the team visits"),
    "visit_place": ("no_visit_place", "visit_places", "say where the team goes"),
}


# --- what a cell may say --------------------------------------------------------------------


def _key(text: str) -> str:
    """How values are compared: as place names are (case, spacing, punctuation, Arabic and
    Kurdish letter forms and digits do not count)."""
    return name_key(text)


def _code_words(kind: str, *more: tuple[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """What a cell may say for a code of one of the directory's lists: the code, its labels in
    English, Arabic and Kurdish, and the words sheets use beyond them -> the codes it means."""
    words: dict[str, tuple[str, ...]] = {}
    for entry in codelists.entries(kind):
        for text in (
            entry["code"],
            entry["label_en"],
            entry.get("label_ar"),
            entry.get("label_ckb"),
        ):
            if text:
                words[_key(str(text))] = (str(entry["code"]),)
    for word, codes in more:
        words[_key(word)] = codes
    return words


@cache
def kinds() -> dict[str, tuple[str, ...]]:
    return _code_words(
        "point_kinds",
        ("PHC", ("phcc",)),
        ("PHC centre", ("phcc",)),
        ("PHC center", ("phcc",)),
        ("Primary health care center", ("phcc",)),
        ("Health centre", ("phcc",)),
        ("Health center", ("phcc",)),
        ("مركز صحي", ("phcc",)),
        ("MMU", ("mobile_team",)),
        ("Mobile", ("mobile_team",)),
        ("Mobile medical unit", ("mobile_team",)),
        ("Mobile medical team", ("mobile_team",)),
        ("Mobile clinic", ("mobile_team",)),
        ("فريق جوال", ("mobile_team",)),
        ("عيادة متنقلة", ("mobile_team",)),
        ("Community center", ("crc",)),
        ("Community resource center", ("crc",)),
        ("WGSS", ("womens_centre",)),
        ("Women's centre", ("womens_centre",)),
        ("Women's center", ("womens_centre",)),
        ("Women and girls safe space", ("womens_centre",)),
        ("Safe space", ("womens_centre",)),
        ("Legal aid office", ("legal_aid_office",)),
        ("Call centre", ("hotline",)),
        ("Call center", ("hotline",)),
    )


@cache
def services() -> dict[str, tuple[str, ...]]:
    return _code_words(
        "service_types",
        ("PHC", ("phc",)),
        ("Secondary health care", ("secondary_health",)),
        ("Hospital care", ("secondary_health",)),
        ("SRH", ("srh",)),
        ("Reproductive health", ("srh",)),
        ("PFA", ("mhpss_pfa",)),
        ("Counselling", ("mhpss_counselling",)),
        ("Counseling", ("mhpss_counselling",)),
        ("Psychosocial counseling", ("mhpss_counselling",)),
        ("Psychiatry", ("mhpss_psychiatric",)),
        ("GBV CM", ("gbv_case_management",)),
        ("CP", ("child_protection",)),
        ("Legal aid", ("legal_aid",)),
        ("Civil documentation", ("legal_aid",)),
        ("Cash", ("cash",)),
        ("MPCA", ("cash",)),
        ("Multi-purpose cash", ("cash",)),
        ("Livelihood", ("livelihoods",)),
    )


@cache
def groups() -> dict[str, tuple[str, ...]]:
    idps = ("idp_in_camp", "idp_out_of_camp")
    return _code_words(
        "population_groups",
        ("IDPs", idps),
        ("IDP", idps),
        ("النازحون", idps),
        ("نازحين", idps),
        ("In-camp IDPs", ("idp_in_camp",)),
        ("Out-of-camp IDPs", ("idp_out_of_camp",)),
        ("Returnee", ("returnee",)),
        ("Host", ("host",)),
        ("Host communities", ("host",)),
        ("Refugee", ("refugee",)),
        ("All", ()),
        ("Everyone", ()),
        ("الكل", ()),
        ("الجميع", ()),
        ("هەموو", ()),
    )


@cache
def languages() -> dict[str, tuple[str, ...]]:
    return _code_words(
        "languages",
        ("Sorani", ("ckb",)),
        ("Badini", ("kmr",)),
        ("Bahdini", ("kmr",)),
        ("Behdini", ("kmr",)),
        ("Kurmanji", ("kmr",)),
        ("سوراني", ("ckb",)),
        ("سۆرانی", ("ckb",)),
        ("باديني", ("kmr",)),
        ("بهديني", ("kmr",)),
        ("بادینی", ("kmr",)),
        ("عربي", ("ar",)),
        ("انكليزي", ("en",)),
        ("Turkmani", ("tr",)),
    )


# Said of a language, "Kurdish" alone does not say which: Sorani (Erbil, Sulaymaniyah) or Badini
# (Duhok).
KURDISH = {_key(w) for w in ("Kurdish", "Kurdi", "الكردية", "كردي", "كوردي", "کوردی")}


@cache
def sexes() -> dict[str, tuple[str, ...]]:
    male, female, anyone = ("m",), ("f",), ()
    pairs = {
        male: ("m", "male", "males", "man", "men", "boy", "boys", "men and boys", "ذكر", "ذكور",
               "رجال", "رجال وفتيان", "نێر", "پیاو"),
        female: ("f", "female", "females", "woman", "women", "girl", "girls", "women and girls",
                 "انثى", "إناث", "اناث", "نساء", "نساء وفتيات", "مێ", "ژن", "ئافرەت"),
        anyone: ("both", "all", "any", "anyone", "everyone", "mixed", "male and female",
                 "female and male", "men and women", "women and men", "كلاهما", "الكل", "الجميع",
                 "ذكور وإناث", "ذكور واناث", "هەردووک", "هەموو"),
    }  # fmt: skip
    return {_key(word): codes for codes, words in pairs.items() for word in words}


# ISO weekdays (1 = Monday), in English, Arabic and Kurdish (Sorani).
@cache
def weekdays() -> dict[str, int]:
    names = {
        1: ("mon", "monday", "الاثنين", "الإثنين", "اثنين", "دووشەممە"),
        2: ("tue", "tues", "tuesday", "الثلاثاء", "ثلاثاء", "سێشەممە"),
        3: ("wed", "wednesday", "الأربعاء", "الاربعاء", "اربعاء", "چوارشەممە"),
        4: ("thu", "thur", "thurs", "thursday", "الخميس", "خميس", "پێنجشەممە"),
        5: ("fri", "friday", "الجمعة", "جمعة", "هەینی"),
        6: ("sat", "saturday", "السبت", "سبت", "شەممە"),
        7: ("sun", "sunday", "الأحد", "الاحد", "احد", "یەکشەممە"),
    }
    return {_key(word): day for day, words in names.items() for word in words}


EVERY_DAY = {_key(w) for w in ("daily", "every day", "everyday", "يوميا", "يومياً", "كل يوم")}


def _digits(text: str) -> str:
    """Arabic-Indic digits and separators as Latin ones (37.1 written in Arabic digits with
    the Arabic decimal separator is 37.1)."""
    return text.translate(ARABIC_DIGITS).replace("\u066b", ".").replace("\u066c", ",")


def _parse_day(text: str) -> date | None:
    value = _digits(text).strip()[:10]
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    found = _DAY_FIRST.match(value)
    if found is None:
        return None
    try:
        return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
    except ValueError:
        return None


def _day_of(word: str) -> int | None:
    table = weekdays()
    key = _key(word)
    if key not in table and word.strip().startswith("و"):
        key = _key(word.strip()[1:])  # "والثلاثاء": "and Tuesday"
    return table.get(key)


def _parse_weekdays(text: str) -> tuple[int, ...]:
    """The ISO weekdays a cell names (Sun, Tue; Sunday to Thursday; من الأحد إلى الخميس; daily);
    ValueError with the part that names none."""
    if _key(text) in EVERY_DAY:
        return (1, 2, 3, 4, 5, 6, 7)
    found: set[int] = set()
    for part in _LIST_SPLIT.split(text):
        part = part.strip()
        if not part:
            continue
        ends = [e for e in _RANGE_SPLIT.split(part.removeprefix("من ")) if e.strip()]
        ranged = len(ends) == 2
        if len(ends) == 1:  # days one after another: "Sunday and Tuesday", "الأحد والثلاثاء"
            ends = [w for w in _WORDS_SPLIT.split(part) if w and w.casefold() != "and"]
        days = [_day_of(e) for e in ends]
        if not ends or None in days:
            raise ValueError(part)
        if not ranged:
            found.update(d for d in days if d is not None)
            continue
        first, last = days[0] or 0, days[-1] or 0
        day = first
        found.add(day)
        while day != last:  # round the week's end: Sun-Thu is 7, 1, 2, 3, 4
            day = day % 7 + 1
            found.add(day)
    if not found:
        raise ValueError(text)
    return tuple(sorted(found))


def _parse_ages(text: str) -> tuple[int | None, int | None]:
    """(youngest, oldest) of an age range as sheets write it, None for no bound; ValueError
    when the text is not one."""
    value = " ".join(_digits(text).casefold().split())
    if name_key(value) in _AGES_ALL:
        return None, None
    found = _AGES_BETWEEN.match(value)
    if found:
        return int(found.group(1)), int(found.group(2))
    found = _AGES_FROM.match(value)
    if found:
        return int(next(g for g in found.groups() if g is not None)), None
    found = _AGES_UNDER.match(value)
    if found:
        return None, max(int(found.group(1)) - 1, 0)
    found = _AGES_UP_TO.match(value)
    if found:
        return None, int(found.group(1))
    raise ValueError(text)


def _longest(name: str) -> int:
    return int(getattr(ServicePointVersion._meta.get_field(name), "max_length", 0) or 0)


# --- the gate ---------------------------------------------------------------------------------


def _organisation(user: AnyUser, uid: str) -> Organisation:
    """An organisation's directory is imported into by its service mappers alone."""
    try:
        key = uuid.UUID(str(uid))
    except ValueError:
        raise Http404 from None
    found = access.organisations_with(user, (Role.SERVICE_MAPPER,)).filter(pk=key).first()
    if found is None:
        raise Http404
    return found


# --- reading rows -----------------------------------------------------------------------------


@dataclass
class _Row:
    """What one row says: of its point (the fields given on it) and of its services and visits."""

    number: int
    point_id: str
    values: dict[str, Any]  # point field -> value, for the cells the row fills
    place: AdminUnit | None  # the lowest unit its place columns name (None: not given or unknown)
    place_column: str  # the field of the lowest place column filled, for problems
    offers: list[OfferIn]
    visits: list[VisitIn]
    filled: set[str]  # the fields whose cells the row fills, read or not


@dataclass
class _Point:
    """The rows of one point, brought together."""

    row: int  # the first
    point_id: str
    values: dict[str, Any] = field(default_factory=dict)
    given_in: dict[str, int] = field(default_factory=dict)  # field -> the row that gave it
    place: AdminUnit | None = None
    offers: list[tuple[OfferIn, int]] = field(default_factory=list)
    visits: list[tuple[VisitIn, int]] = field(default_factory=list)
    filled: set[str] = field(default_factory=set)
    existing: ServicePoint | None = None
    draft: ServicePointVersion | None = None
    current: ServicePointVersion | None = None
    entry: PointIn | None = None
    status: str = ""  # "new", "changed" or "unchanged"

    @property
    def base(self) -> ServicePointVersion | None:
        """The entry the file changes: the draft being edited, else the current one."""
        return self.draft or self.current


class _Sites:
    """Every site, read once, found by code or by name (all sites are public: any point may be
    in, or visit, any camp)."""

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation
        self.by_code: dict[str, list[Site]] = {}
        self.by_name: dict[str, list[Site]] = {}
        for site in Site.objects.only(
            "id", "organisation_id", "code", "name_en", "name_ar", "name_ckb", "governorate_id"
        ):
            self.by_code.setdefault(code_key(site.code), []).append(site)
            for name in {_key(site.name_en), _key(site.name_ar), _key(site.name_ckb)} - {""}:
                self.by_name.setdefault(name, []).append(site)

    def find(self, text: str, governorate: AdminUnit | None) -> list[Site]:
        """The sites ``text`` may name: one, none, or several (ambiguous)."""
        coded = self.by_code.get(code_key(text), [])
        own = [s for s in coded if s.organisation_id == self.organisation.pk]
        if own or coded:
            return own or coded
        named = self.by_name.get(_key(text), [])
        if governorate is not None:
            inside = [s for s in named if s.governorate_id == governorate.pk]
            if inside:
                return inside
        return named


class _Reader:
    """Reads one file's rows into points, gathering every problem."""

    def __init__(self, intake: Intake, targets: dict[str, Column]) -> None:
        self.intake = intake
        self.file = intake.file
        self.organisation: Organisation = intake.target
        self.at = {t[6:]: c.index for t, c in targets.items() if t.startswith("field:")}
        self.letters = {name: column_letter(index) for name, index in self.at.items()}
        self.problems: list[Problem] = []
        self.resolver = PlaceResolver(intake.aliases, organisation_id=self.organisation.pk)
        self.unresolved_rows: dict[tuple[str, int], int] = {}
        self._sites: _Sites | None = None
        self._places: dict[tuple[str, str, str], tuple[AdminUnit | None, list[Problem]]] = {}
        self._visit_places: dict[tuple[str, int | None], AdminUnit | Site | str] = {}
        self.ours = {_key(self.organisation.acronym), _key(self.organisation.name)}
        self.others: dict[str, list[int]] = {}  # another organisation's name -> its rows

    @property
    def sites(self) -> _Sites:
        if self._sites is None:
            self._sites = _Sites(self.organisation)
        return self._sites

    def has(self, name: str) -> bool:
        return name in self.at

    def cell(self, row: list[str], name: str) -> str:
        index = self.at.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    def error(self, row: int, name: str, rule: str, message: str) -> None:
        severity = Severity.WARNING if rule in WARNING_RULES else Severity.ERROR
        self.problems.append(
            Problem(self.file, row, self.letters.get(name, ""), rule, message, severity)
        )

    # --- values ---------------------------------------------------------------------------

    def text(self, number: int, row: list[str], name: str, longest: int) -> str | None:
        value = " ".join(self.cell(row, name).split())
        if not value:
            return None
        if len(value) > longest:
            self.error(number, name, "too_long", f"longer than {longest} characters")
            return None
        return value

    def count(self, number: int, row: list[str], name: str, largest: int) -> int | None:
        text = self.cell(row, name)
        if not text:
            return None
        try:
            value = float(_digits(text).replace(",", "").replace(" ", ""))
        except ValueError:
            value = -1.0
        if not (0 <= value <= largest) or value != int(value):
            self.error(number, name, "not_a_count", f"{text!r} is not a whole number ≥ 0")
            return None
        return int(value)

    def coordinate(self, number: int, row: list[str], name: str, limit: float) -> float | None:
        text = self.cell(row, name)
        if not text:
            return None
        value = _digits(text).replace(" ", "")
        if "," in value and "." not in value:
            value = value.replace(",", ".")  # a decimal comma (European Excel)
        try:
            parsed = float(value)
        except ValueError:
            parsed = 1000.0
        if not abs(parsed) <= limit:  # NaN is no coordinate either
            self.error(number, name, "not_a_coordinate", f"{text!r} is not a {name}")
            return None
        return parsed

    def day(self, number: int, row: list[str], name: str) -> date | None:
        text = self.cell(row, name)
        if not text:
            return None
        found = _parse_day(text)
        if found is None:
            self.error(number, name, "not_a_date", f"{text!r} is not a date (YYYY-MM-DD)")
        return found

    def codes(
        self,
        number: int,
        row: list[str],
        name: str,
        words: dict[str, tuple[str, ...]],
        rule: str,
        what: str,
    ) -> tuple[str, ...] | None:
        """The codes a cell lists, in their lists' order; None when it says nothing or a part
        of it is no code (a problem then)."""
        text = self.cell(row, name)
        if not text:
            return None
        whole = words.get(_key(text))
        if whole is not None:
            return whole
        found: list[str] = []
        failed = False
        for part in _LIST_SPLIT.split(text):
            part = part.strip()
            if not part:
                continue
            codes = words.get(_key(part))
            if codes is None:
                failed = True
                hint = ""
                if name == "languages" and _key(part) in KURDISH:
                    hint = ": say which, Kurdish (Sorani) or Kurdish (Badini)"
                self.error(number, name, rule, f"{part!r} is not a {what}{hint}")
                continue
            found.extend(c for c in codes if c not in found)
        return None if failed else tuple(found)

    def kind(self, number: int, row: list[str]) -> str | None:
        text = self.cell(row, "kind")
        if not text:
            return None
        found = kinds().get(_key(text))
        if found is None:
            known = ", ".join(codelists.codes("point_kinds"))
            self.error(number, "kind", "unknown_kind", f"{text!r} is not a kind of point ({known})")
            return None
        return found[0]

    def email(self, number: int, row: list[str]) -> str | None:
        text = self.cell(row, "email")
        if not text:
            return None
        try:
            if len(text) > _longest("email"):
                raise ValidationError("too long")
            validate_email(text)
        except ValidationError:
            self.error(number, "email", "not_an_email", f"{text!r} is not an e-mail address")
            return None
        return text

    def ages(self, number: int, row: list[str]) -> tuple[int | None, int | None] | None:
        """(youngest, oldest) from the age-from and age-to cells, else from the age range;
        None when the row says nothing of ages."""
        low = self.cell(row, "age_min")
        high = self.cell(row, "age_max")
        if low or high:
            young = self.count(number, row, "age_min", MAX_AGE)
            old = self.count(number, row, "age_max", MAX_AGE)
            return young, old
        text = self.cell(row, "age_range")
        if not text:
            return None
        try:
            young, old = _parse_ages(text)
        except ValueError:
            self.error(
                number,
                "age_range",
                "not_an_age_range",
                f"{text!r} is not an age range (0-17, 18+, under 5, all)",
            )
            return None
        if (young is not None and young > MAX_AGE) or (old is not None and old > MAX_AGE):
            self.error(
                number, "age_range", "not_an_age_range", f"{text!r} is above {MAX_AGE} years"
            )
            return None
        return young, old

    def days(self, number: int, row: list[str]) -> tuple[int, ...] | None:
        text = self.cell(row, "visit_days")
        if not text:
            return None
        try:
            return _parse_weekdays(text)
        except ValueError as wrong:
            self.error(
                number,
                "visit_days",
                "unknown_weekday",
                f"{wrong.args[0]!r} is not a day of the week (Sun, Monday, الأحد, Sun-Thu...)",
            )
            return None

    def place(self, number: int, row: list[str]) -> tuple[AdminUnit | None, str]:
        """The lowest admin unit the row's place columns name, and the field of that column."""
        texts = (
            self.cell(row, "governorate"),
            self.cell(row, "district"),
            self.cell(row, "subdistrict"),
        )
        deepest = next(
            (
                n
                for n, t in zip(
                    ("subdistrict", "district", "governorate"), texts[::-1], strict=True
                )
                if t
            ),
            "governorate",
        )
        if not any(texts):
            return None, deepest
        if texts not in self._places:
            before = len(self.problems)
            unit = self._resolve_place(number, *texts)
            self._places[texts] = (unit, self.problems[before:])
        else:
            unit, problems = self._places[texts]
            # The same unknown spelling again: the problem is said for this row too.
            self.problems.extend(replace(p, row=number) for p in problems)
        return unit, deepest

    def _resolve_place(
        self, number: int, governorate_text: str, district_text: str, subdistrict_text: str
    ) -> AdminUnit | None:
        governorate = self.resolver.governorate(governorate_text)
        if governorate is None:
            self.unresolved_rows.setdefault((governorate_text, 1), number)
            rule = "required" if not governorate_text else "unknown_governorate"
            self.error(
                number,
                "governorate",
                rule,
                f"{governorate_text!r} is not a known governorate name or code"
                + self.resolver.hint(governorate_text, 1),
            )
            return None
        unit = governorate
        if district_text:
            district = self.resolver.district(governorate, district_text)
            if district is None:
                self.unresolved_rows.setdefault((district_text, 2), number)
                self.error(
                    number,
                    "district",
                    "unknown_district",
                    f"{district_text!r} is not a district of {governorate.name_en}"
                    + self.resolver.hint(district_text, 2, governorate),
                )
                return None
            unit = district
        if subdistrict_text:
            subdistrict = self.resolver.index.resolve(subdistrict_text, level=3, within=unit)
            if subdistrict is None:
                self.error(
                    number,
                    "subdistrict",
                    "unknown_subdistrict",
                    f"{subdistrict_text!r} is not a sub-district of {unit.name_en}",
                )
                return None
            unit = subdistrict
        return unit

    def governorate_of(self, unit: AdminUnit | None) -> AdminUnit | None:
        units = self.resolver.index.units
        while unit is not None and unit.level > 1:
            unit = units.get(unit.parent_id) if unit.parent_id is not None else None
        return unit

    def district_of(self, unit: AdminUnit) -> int | None:
        units = self.resolver.index.units
        current: AdminUnit | None = unit
        while current is not None and current.level > 2:
            current = units.get(current.parent_id) if current.parent_id is not None else None
        return current.pk if current is not None and current.level == 2 else None

    def site(self, number: int, row: list[str], unit: AdminUnit | None) -> Site | None:
        text = " ".join(self.cell(row, "site").split())
        if not text:
            return None
        found = self.sites.find(text, self.governorate_of(unit))
        if len(found) != 1:
            why = "several sites have" if found else "no site has"
            self.error(number, "site", "unknown_point_site", f"{why} the code or name {text!r}")
            return None
        return found[0]

    def visit_place(self, text: str, governorate: AdminUnit | None) -> AdminUnit | Site | str:
        """The site or the admin unit a visit goes to, or why none."""
        key = (text, governorate.pk if governorate is not None else None)
        if key not in self._visit_places:
            self._visit_places[key] = self._find_visit_place(text, governorate)
        return self._visit_places[key]

    def _find_visit_place(self, text: str, governorate: AdminUnit | None) -> AdminUnit | Site | str:
        sites = self.sites.find(text, governorate)
        if len(sites) == 1:
            return sites[0]
        if len(sites) > 1:
            return f"several sites have the code or name {text!r}"
        index = self.resolver.index
        units = [u for u in index.candidates(text, within=governorate) if u.level >= 2]
        if not units:
            units = [u for u in index.candidates(text) if u.level >= 2]
        if len(units) == 1:
            return units[0]
        if units:
            return f"{text!r} names several places: " + ", ".join(u.pcode for u in units[:5])
        where = f" in {governorate.name_en}" if governorate is not None else ""
        return f"{text!r} is no site (code or name) nor district or sub-district{where}"

    def visits(self, number: int, row: list[str], unit: AdminUnit | None) -> list[VisitIn]:
        text = self.cell(row, "visit_places")
        days = self.days(number, row)
        hours = self.text(number, row, "visit_hours", VISIT_HOURS_LONGEST) or ""
        if not text:
            if days:
                self.error(
                    number,
                    "visit_places",
                    "no_visit_place",
                    "the row gives days of a visit but not the site or place visited",
                )
            return []
        if days == () or (days is None and not self.cell(row, "visit_days")):
            self.error(
                number,
                "visit_days" if self.has("visit_days") else "visit_places",
                "no_weekdays",
                "give the days of the week the team visits (Sun, Tue...)",
            )
        governorate = self.governorate_of(unit)
        found: list[VisitIn] = []
        for part in _LIST_SPLIT.split(text):
            part = " ".join(part.split())
            if not part:
                continue
            place = self.visit_place(part, governorate)
            if isinstance(place, str):
                self.error(number, "visit_places", "unknown_visit_place", place)
                continue
            if days:
                found.append(
                    VisitIn(
                        weekdays=days,
                        site=place if isinstance(place, Site) else None,
                        admin_unit=place if isinstance(place, AdminUnit) else None,
                        hours=hours,
                    )
                )
        return found

    # --- rows -----------------------------------------------------------------------------

    def read(self, number: int, row: list[str]) -> _Row | None:
        """One row of the organisation's (None for another organisation's, counted apart)."""
        organisation = " ".join(self.cell(row, "organisation").split())
        if organisation and _key(organisation) not in self.ours:
            self.others.setdefault(organisation, []).append(number)
            return None
        values: dict[str, Any] = {}
        for name in TEXTS:
            value = self.text(number, row, name, _longest(name))
            if value is not None:
                values[name] = value
        kind = self.kind(number, row)
        if kind is not None:
            values["kind"] = kind
        unit, place_column = self.place(number, row)
        site = self.site(number, row, unit)
        if site is not None:
            values["site"] = site
        for name, limit in (("latitude", 90.0), ("longitude", 180.0)):
            coordinate = self.coordinate(number, row, name, limit)
            if coordinate is not None:
                values[name] = coordinate
        spoken = self.codes(
            number, row, "languages", languages(), "unknown_language", "language of the directory"
        )
        if spoken is not None:
            values["languages"] = spoken
        email = self.email(number, row)
        if email is not None:
            values["email"] = email
        capacity = self.count(number, row, "capacity_per_week", MAX_COUNT)
        if capacity is not None:
            values["capacity_per_week"] = capacity
        waiting = self.count(number, row, "waiting_days", MAX_DAYS)
        if waiting is not None:
            values["waiting_days"] = waiting
        for name in ("active_from", "active_until"):
            day = self.day(number, row, name)
            if day is not None:
                values[name] = day
        return _Row(
            number=number,
            point_id=" ".join(self.cell(row, "point_id").split()),
            values=values,
            place=unit,
            place_column=place_column,
            offers=self.offers(number, row),
            visits=self.visits(number, row, unit),
            filled={name for name in self.at if self.cell(row, name)},
        )

    def offers(self, number: int, row: list[str]) -> list[OfferIn]:
        served = self.codes(
            number, row, "service", services(), "unknown_service", "service of the directory"
        )
        if served is None:
            if not self.cell(row, "service"):
                self.error(number, "service", "required", "no service")
            return []
        sexes_served = self.codes(number, row, "sexes", sexes(), "unknown_sexes", "sex")
        if sexes_served is not None and set(sexes_served) == {"m", "f"}:
            sexes_served = ()  # both: anyone
        ages = self.ages(number, row)
        groups_served = self.codes(
            number, row, "groups", groups(), "unknown_group", "population group of the directory"
        )
        return [
            OfferIn(
                service=service,
                sexes=tuple(sorted(sexes_served or ())),
                age_min=ages[0] if ages else None,
                age_max=ages[1] if ages else None,
                groups=groups_served or (),
            )
            for service in served
        ]


# --- points -----------------------------------------------------------------------------------


def _point_key(row: _Row) -> tuple[Any, ...]:
    """Which point a row is of: its id, else its name and place."""
    if row.point_id:
        return ("id", code_key(row.point_id))
    name = row.values.get("name_en") or row.values.get("name_ar") or ""
    return ("name", _key(name), row.place.pk if row.place is not None else None)


def _gather(reader: _Reader, rows: list[_Row]) -> list[_Point]:
    points: dict[tuple[Any, ...], _Point] = {}
    for row in rows:
        point = points.get(_point_key(row))
        if point is None:
            point = points[_point_key(row)] = _Point(row=row.number, point_id=row.point_id)
        point.filled |= row.filled
        for name, value in row.values.items():
            _agree(reader, point, row.number, name, value)
        if row.place is not None:
            if point.place is None:
                point.place = row.place
                point.given_in["place"] = row.number
            elif point.place.pk != row.place.pk:
                reader.error(
                    row.number,
                    row.place_column,
                    "point_differs",
                    f"this row places the point in {row.place.name_en} ({row.place.pcode}), "
                    f"row {point.given_in['place']} in {point.place.name_en} "
                    f"({point.place.pcode})",
                )
        for offer in row.offers:
            earlier = next((r for o, r in point.offers if o.service == offer.service), None)
            if earlier is not None:
                reader.error(
                    row.number,
                    "service",
                    "service_twice",
                    f"{offer.service!r} is offered at this point in row {earlier} too",
                )
                continue
            point.offers.append((offer, row.number))
        for visit in row.visits:
            if all(v != visit for v, _ in point.visits):
                point.visits.append((visit, row.number))
    return list(points.values())


def _agree(reader: _Reader, point: _Point, number: int, name: str, value: Any) -> None:
    """The point takes a value from the first row that gives it; a later row of the same point
    giving another is a problem (which of the two is right, only the mapper knows)."""
    if name not in point.values:
        point.values[name] = value
        point.given_in[name] = number
        return
    if point.values[name] != value:
        words: dict[str, Callable[[Any], str]] = {
            "site": lambda site: str(site.code),
            "languages": lambda codes: ", ".join(codes),
        }
        shown = words.get(name, str)
        reader.error(
            number,
            name,
            "point_differs",
            f"{shown(value)!r} here, {shown(point.values[name])!r} in row "
            f"{point.given_in[name]} of the same point",
        )


class _Directory:
    """The organisation's points as the directory has them (their draft and current entries),
    found by id and by name and place."""

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        live = (
            ServicePointVersion.objects.filter(
                point__organisation=reader.organisation,
                status__in=(VersionStatus.DRAFT, VersionStatus.CURRENT),
            )
            .select_related("point")
            .prefetch_related(
                Prefetch("offers", queryset=ServiceOffer.objects.order_by("pk")),
                Prefetch(
                    "visits",
                    queryset=MobileVisit.objects.select_related("site", "admin_unit")
                    .defer("admin_unit__geometry")
                    .order_by("pk"),
                ),
            )
        )
        self.versions: dict[int, dict[str, ServicePointVersion]] = {}
        self.by_uid: dict[str, ServicePoint] = {}
        self.by_name: dict[tuple[str, int], set[int]] = {}
        self.by_district: dict[tuple[str, int], set[int]] = {}
        self.points: dict[int, ServicePoint] = {}
        for version in live:
            point = version.point
            self.points[point.pk] = point
            self.versions.setdefault(point.pk, {})[version.status] = version
            self.by_uid[str(point.uid)] = point
            unit = reader.resolver.index.units.get(version.admin_unit_id)
            district = reader.district_of(unit) if unit is not None else None
            for name in {_key(version.name_en), _key(version.name_ar)} - {""}:
                self.by_name.setdefault((name, version.admin_unit_id), set()).add(point.pk)
                if district is not None:
                    self.by_district.setdefault((name, district), set()).add(point.pk)

    def match(self, point: _Point) -> None:
        """Find the point in the directory: by its id, else by its name and place."""
        found: set[int] = set()
        if point.point_id:
            try:
                uid = str(uuid.UUID(point.point_id))
            except ValueError:
                uid = ""
            if uid:
                existing = self.by_uid.get(uid)
                if existing is None:
                    self.reader.error(
                        point.given_in.get("point_id", point.row),
                        "point_id",
                        "unknown_point",
                        f"{point.point_id!r} is the id of no service point of "
                        f"{self.reader.organisation} (in draft or in the directory)",
                    )
                    return
                found = {existing.pk}
        if not found and point.place is not None:
            names = {
                _key(point.values.get("name_en", "")),
                _key(point.values.get("name_ar", "")),
            } - {""}
            for name in names:
                found |= self.by_name.get((name, point.place.pk), set())
            district = self.reader.district_of(point.place)
            if not found and district is not None:
                for name in names:
                    found |= self.by_district.get((name, district), set())
        if len(found) > 1:
            self.reader.error(
                point.row,
                "name_en" if point.values.get("name_en") else "name_ar",
                "point_ambiguous",
                f"{len(found)} service points of {self.reader.organisation} have this name in "
                "this place: give the id of the one meant in a point id column",
            )
            return
        if found:
            (pk,) = found
            point.existing = self.points[pk]
            point.draft = self.versions[pk].get(VersionStatus.DRAFT)
            point.current = self.versions[pk].get(VersionStatus.CURRENT)


def _offer_in(offer: ServiceOffer) -> OfferIn:
    return OfferIn(
        service=offer.service,
        sexes=tuple(offer.sexes),
        age_min=offer.age_min,
        age_max=offer.age_max,
        groups=tuple(offer.groups),
    )


def _visit_in(visit: MobileVisit) -> VisitIn:
    return VisitIn(
        weekdays=tuple(visit.weekdays),
        site=visit.site,
        admin_unit=visit.admin_unit,
        hours=visit.hours,
    )


def _entry(reader: _Reader, point: _Point) -> PointIn | None:
    """What the point's entry becomes: the file's values, and the entry's own for the columns
    the file does not have."""
    base = point.base
    values = point.values

    def kept(name: str, default: Any) -> Any:
        if name in values:
            return values[name]
        if base is not None and not reader.has(name):
            return getattr(base, name)
        return default

    name_en = kept("name_en", "")
    name_ar = kept("name_ar", "")
    if not name_en and not name_ar:
        reader.error(point.row, "name_en", "no_name", "the point has no name, English or Arabic")
        return None
    # A kind or a place given but not understood is a problem of its row already.
    kind = kept("kind", "")
    if not kind:
        if "kind" not in point.filled:
            reader.error(point.row, "kind", "required", "no kind of point on any row of the point")
        return None
    unit = point.place
    if unit is None:
        if not point.filled & {"governorate", "district", "subdistrict"}:
            reader.error(
                point.row, "governorate", "no_place", "no row of the point gives its place"
            )
        return None
    base_offers = {o.service: o for o in base.offers.all()} if base is not None else {}
    offers = []
    for offer, _row in point.offers:
        earlier = base_offers.get(offer.service)
        if earlier is not None:
            if not reader.has("sexes"):
                offer = replace(offer, sexes=tuple(earlier.sexes))
            if not any(reader.has(n) for n in AGE_FIELDS):
                offer = replace(offer, age_min=earlier.age_min, age_max=earlier.age_max)
            if not reader.has("groups"):
                offer = replace(offer, groups=tuple(earlier.groups))
        offers.append(offer)
    if reader.has("visit_places") or base is None:
        visits = tuple(v for v, _row in point.visits)
    else:
        visits = tuple(_visit_in(v) for v in base.visits.all())
    return PointIn(
        kind=kind,
        name_en=name_en,
        name_ar=name_ar,
        name_ckb=kept("name_ckb", ""),
        admin_unit=unit,
        offers=tuple(offers),
        site=kept("site", None),
        latitude=kept("latitude", None),
        longitude=kept("longitude", None),
        address=kept("address", ""),
        hours=kept("hours", ""),
        languages=tuple(kept("languages", ())),
        phone=kept("phone", ""),
        email=kept("email", ""),
        capacity_per_week=kept("capacity_per_week", None),
        waiting_days=kept("waiting_days", None),
        active_from=kept("active_from", None),
        active_until=kept("active_until", None),
        note=kept("note", ""),
        visits=visits,
    )


def _rule_problems(
    reader: _Reader,
    found: Iterable[RuleProblem],
    rules: dict[str, tuple[str, str, str]],
    row: int,
    given_in: dict[str, int] | None = None,
) -> None:
    """The directory's rules broken, each said of the row and column it is about."""
    for problem in found:
        rule, name, message = rules.get(problem.rule, ("", "", ""))
        if not rule:
            with translation.override("en"):
                rule, name, message = "point_refused", "", str(problem.message)
        if name == "age_range" and not reader.has("age_range"):
            name = "age_min"
        reader.error((given_in or {}).get(name, row), name, rule, message)


def _check_point(reader: _Reader, point: _Point, entry: PointIn) -> None:
    """``point_problems`` of the whole point, then of each offer and visit on its own row."""
    # "offers" (none, or one twice) is said of the rows already: every row needs a known
    # service, and a service given twice for a point is found as the rows are gathered.
    whole = [
        p
        for p in directory_services.point_problems(entry)
        if p.rule not in OFFER_RULES and p.rule not in VISIT_RULES and p.rule != "offers"
    ]
    visits_row = point.visits[0][1] if point.visits else point.row
    given_in = {**point.given_in, "visit_places": visits_row}
    given_in.setdefault("latitude", given_in.get("longitude", point.row))
    _rule_problems(reader, whole, POINT_RULES, point.row, given_in)
    bare = replace(entry, offers=entry.offers[:1], visits=())
    for offer, row in point.offers:
        alone = directory_services.point_problems(replace(bare, offers=(offer,)))
        _rule_problems(reader, [p for p in alone if p.rule in OFFER_RULES], OFFER_RULES, row)
    if entry.kind == "mobile_team":
        for visit, row in point.visits:
            alone = directory_services.point_problems(replace(bare, visits=(visit,)))
            _rule_problems(reader, [p for p in alone if p.rule in VISIT_RULES], VISIT_RULES, row)


def _offer_key(
    service: str,
    sexes: Iterable[str],
    age_min: int | None,
    age_max: int | None,
    groups: Iterable[str],
) -> str:
    return repr((service, sorted(set(sexes)), age_min, age_max, sorted(set(groups))))


def _visit_key(site: int | None, unit: int | None, weekdays: Iterable[int], hours: str) -> str:
    return repr((site, unit, sorted(set(weekdays)), hours.strip()[:VISIT_HOURS_LONGEST]))


def _entry_key(entry: PointIn) -> tuple[Any, ...]:
    """What an entry says, to tell whether the file changes it (as ``_version_key``)."""
    return (
        entry.kind,
        *(text.strip() for text in (entry.name_en, entry.name_ar, entry.name_ckb)),
        entry.admin_unit.pk,
        entry.site.pk if entry.site is not None else None,
        entry.latitude,
        entry.longitude,
        *(text.strip() for text in (entry.address, entry.hours, entry.phone, entry.email)),
        tuple(entry.languages),
        entry.capacity_per_week,
        entry.waiting_days,
        entry.active_from,
        entry.active_until,
        entry.note.strip(),
        tuple(
            sorted(
                _offer_key(o.service, o.sexes, o.age_min, o.age_max, o.groups) for o in entry.offers
            )
        ),
        tuple(
            sorted(
                _visit_key(
                    v.site.pk if v.site is not None else None,
                    v.admin_unit.pk if v.admin_unit is not None else None,
                    v.weekdays,
                    v.hours,
                )
                for v in entry.visits
            )
        ),
    )


def _version_key(version: ServicePointVersion) -> tuple[Any, ...]:
    """What a version says, by ids (no query for its unit, site or places)."""
    return (
        version.kind,
        *(text.strip() for text in (version.name_en, version.name_ar, version.name_ckb)),
        version.admin_unit_id,
        version.site_id,
        version.latitude,
        version.longitude,
        *(text.strip() for text in (version.address, version.hours, version.phone, version.email)),
        tuple(version.languages),
        version.capacity_per_week,
        version.waiting_days,
        version.active_from,
        version.active_until,
        version.note.strip(),
        tuple(
            sorted(
                _offer_key(o.service, o.sexes, o.age_min, o.age_max, o.groups)
                for o in version.offers.all()
            )
        ),
        tuple(
            sorted(
                _visit_key(v.site_id, v.admin_unit_id, v.weekdays, v.hours)
                for v in version.visits.all()
            )
        ),
    )


# --- the import -------------------------------------------------------------------------------


@dataclass
class Checked:
    """A sheet read and checked: its points, and what writing them changes."""

    points: list[_Point]
    left_out: int  # rows of other organisations
    mapping: list[dict[str, str]]
    warnings: list[Problem]


def points_checked(intake: Intake) -> Checked:
    """Read and check a sheet, writing nothing; refused (``ImportRejected``) with every
    problem."""
    file = intake.file
    table = read_table(intake.data, file=file)
    header, header_row = table.rows[0], table.row_numbers[0]
    hxl = table.rows[1] if len(table.rows) > 1 and is_hxl_row(table.rows[1]) else None
    columns = match_headers(header, FIELDS, hxl=hxl)
    problems = apply_column_map(
        columns, intake.column_map, file=file, row=header_row, fields=FIELDS
    )
    targets, header_problems = check_mapping(columns, FIELDS, file=file, row=header_row)
    problems += header_problems
    if "field:name_en" not in targets and "field:name_ar" not in targets:
        problems.append(
            Problem(
                file,
                header_row,
                "",
                "missing_column",
                "no column for name_en or name_ar (the point's name); expected one of: "
                "Point name, Facility name, Name, Point name (Arabic), اسم نقطة الخدمة",
            )
        )
    mapping = mapping_summary(columns)
    if problems:
        raise ImportRejected(problems, mapping=mapping)
    reader = _Reader(intake, targets)
    if reader.resolver.index.unknown_pcodes:
        raise ImportRejected(
            [
                Problem(file, None, "", "unknown_pcode", f"--alias names {pcode!r}: no unit has it")
                for pcode in reader.resolver.index.unknown_pcodes
            ],
            mapping=mapping,
        )
    body = list(zip(table.row_numbers, table.rows, strict=True))[2 if hxl else 1 :]
    rows: list[_Row] = []
    for done, (number, cells) in enumerate(body, start=1):
        if done % 200 == 0 or done == len(body):
            intake.progress("checking", done, len(body))
        read = reader.read(number, cells)
        if read is not None:
            rows.append(read)
    left_out = 0
    for name, numbers in reader.others.items():
        left_out += len(numbers)
        reader.error(
            numbers[0],
            "organisation",
            "other_organisation",
            f"{len(numbers)} row(s) of {name!r} (the first is row {numbers[0]}) are left out: "
            f"this file goes into the directory of {reader.organisation}",
        )
    if not rows:
        reader.error(
            header_row,
            "organisation",
            "empty",
            f"the file has no row of a service of {reader.organisation}",
        )
    points = _gather(reader, rows)
    directory = _Directory(reader)
    matched: dict[int, int] = {}
    for point in points:
        directory.match(point)
        if point.existing is not None:
            first = matched.setdefault(point.existing.pk, point.row)
            if first != point.row:
                reader.error(
                    point.row,
                    "point_id" if point.point_id else "name_en",
                    "point_twice",
                    f"this point and the one of row {first} are one point of the directory",
                )
        point.entry = _entry(reader, point)
        if point.entry is None:
            continue
        _check_point(reader, point, point.entry)
        if point.existing is None:
            point.status = "new"
        else:
            base = point.base
            same = base is not None and _version_key(base) == _entry_key(point.entry)
            point.status = "unchanged" if same else "changed"
    problems = sorted(reader.problems, key=lambda p: (p.row or 0, p.column, p.rule))
    if any(p.severity is Severity.ERROR for p in problems):
        unresolved = [
            replace(u, row=reader.unresolved_rows.get((u.text, u.level)))
            for u in reader.resolver.unresolved.values()
        ]
        raise ImportRejected(problems, unresolved=unresolved, mapping=mapping)
    return Checked(points, left_out, mapping, problems)


def _write(intake: Intake, actor: User, point: _Point) -> None:
    """Write one checked point as a draft; a rule the directory still finds broken (another
    mapper changed it meanwhile) refuses the whole file."""
    assert point.entry is not None
    try:
        if point.existing is None:
            directory_services.point_create(
                actor=actor, organisation=intake.target, point=point.entry
            )
        else:
            directory_services.draft_save(actor=actor, point=point.existing, entry=point.entry)
    except ValidationError as refused:
        raise ImportRejected(
            [Problem(intake.file, point.row, "", "point_refused", " ".join(refused.messages))]
        ) from None


def _import(intake: Intake, *, dry_run: bool) -> Outcome:
    organisation: Organisation = intake.target
    checked = points_checked(intake)
    points = checked.points
    written = [p for p in points if p.status in ("new", "changed")]
    new = sum(p.status == "new" for p in points)
    changed = sum(p.status == "changed" for p in points)
    audit = None
    if not dry_run:
        actor = intake.actor
        if actor is None:
            raise ImportRejected(
                [Problem(intake.file, None, "", "point_refused", "no service mapper importing")]
            )
        with transaction.atomic():
            for spelling, pcode in intake.aliases.items():
                geo_services.alias_learn(
                    actor=actor,
                    name=spelling,
                    unit=AdminUnit.objects.get(pcode=pcode),
                    file=intake.file,
                    organisation=organisation,
                )
            for done, point in enumerate(written, start=1):
                intake.progress("writing", done, len(written))
                _write(intake, actor, point)
            audit = audit_record(
                actor=actor,
                action="directory.import",
                object_type="organisation",
                object_id=organisation.pk,
                organisation=organisation,
                detail={
                    "file": intake.file[:200],
                    "points": len(points),
                    "new": new,
                    "changed": changed,
                    "unchanged": len(points) - new - changed,
                },
            )
    return Outcome(
        summary=[
            (gettext_noop("Service points in the file"), len(points)),
            (gettext_noop("New service points"), new),
            (gettext_noop("Service points with a new or changed draft"), changed),
            (gettext_noop("Service points unchanged"), len(points) - new - changed),
            (
                gettext_noop("Services offered"),
                sum(len(p.entry.offers) for p in points if p.entry is not None),
            ),
            (
                gettext_noop("Mobile team visits"),
                sum(len(p.entry.visits) for p in points if p.entry is not None),
            ),
            (gettext_noop("Rows of other organisations left out"), checked.left_out),
            (
                gettext_noop("Written as"),
                gettext_noop(
                    "Drafts: nothing is published until a service mapper checks and publishes "
                    "each point"
                ),
            ),
        ],
        mapping=checked.mapping,
        problems=checked.warnings,
        audit=audit,
    )


def _label(organisation: Any) -> str:
    return gettext("Service directory of %(organisation)s") % {"organisation": organisation}


def _url(organisation: Any) -> str:
    # The directory's pages are another change's: back to them once they are there, else home.
    try:
        return reverse("referrals:directory")
    except NoReverseMatch:
        return reverse("core:home")


SERVICE_POINTS_SPEC = Spec(
    name=SERVICE_POINTS,
    title=gettext_lazy("Service points"),
    fields=FIELDS,
    target_for_change=_organisation,
    organisation_of=lambda organisation: organisation,
    target_url=_url,
    target_label=_label,
    check=lambda intake: _import(intake, dry_run=True),
    commit=lambda intake: _import(intake, dry_run=False),
    learns_aliases=True,
)


def register_specs() -> None:
    """Register the spec and say what its problems' rules mean."""
    rule_words_add(WORDS)
    register(SERVICE_POINTS_SPEC)
