"""The cluster 4W sheet as partners and clusters write it: its columns and the words in its cells.

Iraq's clusters collect the monthly 4W (who, what, where, when, for whom) in ActivityInfo and in
Excel matrices; the exports and matrices agree on the columns if not on their spelling: the
reporting partner and the implementing partner, the cluster (and the area of responsibility),
the activity and indicator, the governorate, district and subdistrict by name or p-code (of the
2019 COD-AB or the 2014 OCHA scheme, IQ-G01 and IQ-D002), the location or camp, the month, the
status, the population group (IDPs in camps, out of camps, returnees, host community), the HRP
project code, the figure reached and its breakdown into girls, boys, women, men, elderly women and
elderly men. English and Arabic headers are both declared here, and the HXL hashtags of the 3W/4W
(``#org``, ``#org+impl``, ``#sector``, ``#activity``, ``#adm1+code``, ``#reached+f+children``...)
so that a tagged sheet is read by its tags whatever its headers say.

What the cells' words mean (population groups, months, statuses) is data:
``data/fourw.json``.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_noop

from nahrain.intake.columns import Field, header_key

VOCABULARY_PATH = Path(__file__).resolve().parent / "data" / "fourw.json"

# The breakdown columns and the cells they fill (``assistance.reach.cells``: sex, then age
# group 0-17, 18-59, 60 and over).
CELL_FIELDS: dict[str, str] = {
    "girls": "f_0_17",
    "women": "f_18_59",
    "elderly_women": "f_60",
    "boys": "m_0_17",
    "men": "m_18_59",
    "elderly_men": "m_60",
    "female_age_unknown": "f_unknown",
    "male_age_unknown": "m_unknown",
}

FIELDS: tuple[Field, ...] = (
    Field(
        "partner",
        gettext_noop("Reporting organisation (partner)"),
        (
            "Partner",
            "Partner name",
            "Organization",
            "Organisation",
            "Organization name",
            "Reporting organization",
            "Reporting organisation",
            "Reporting partner",
            "Lead organization",
            "Appealing organization",
            "Agency",
            "Who",
            "الشريك",
            "اسم الشريك",
            "المنظمة",
            "اسم المنظمة",
            "المنظمة المبلغة",
            "الجهة",
        ),
        ("#org-impl", "#org+name-impl", "#org+acronym-impl", "#org+reporting", "#org+lead"),
        required=True,
    ),
    Field(
        "implementing_partner",
        gettext_noop("Implementing partner"),
        (
            "Implementing partner",
            "Implementing partners",
            "Implementing organization",
            "Implementing organisation",
            "Implementing agency",
            "IP",
            "الشريك المنفذ",
            "الجهة المنفذة",
            "المنظمة المنفذة",
        ),
        ("#org+impl", "#org+impl+name", "#org+impl+acronym"),
    ),
    Field(
        "cluster",
        gettext_noop("Cluster"),
        ("Cluster", "Sector", "Cluster/Sector", "Cluster / Sector", "What", "القطاع", "الكتلة"),
        ("#sector", "#sector+cluster", "#sector+name", "#sector+code"),
        required=True,
    ),
    Field(
        "aor",
        gettext_noop("Area of responsibility"),
        ("AoR", "Area of responsibility", "Sub-cluster", "Subcluster", "Sub-sector", "Subsector"),
        ("#subsector",),
    ),
    Field(
        "activity",
        gettext_noop("Activity (its label or code)"),
        ("Activity", "Activity name", "Activity code", "Activity type", "النشاط", "اسم النشاط"),
        ("#activity", "#activity+name", "#activity+code"),
        required=True,
    ),
    Field(
        "indicator",
        gettext_noop("Indicator (its label or code)"),
        ("Indicator", "Indicator name", "Indicator code", "HRP indicator", "المؤشر", "اسم المؤشر"),
        ("#indicator", "#indicator+name", "#indicator+code"),
    ),
    Field(
        "governorate",
        gettext_noop("Governorate"),
        ("Governorate", "Governorate name", "Admin 1", "Admin1", "ADM1_EN", "Province", "المحافظة"),
        ("#adm1", "#adm1+name"),
    ),
    Field(
        "governorate_code",
        gettext_noop("Governorate p-code"),
        (
            "Governorate p-code",
            "Governorate pcode",
            "Governorate code",
            "Gov pcode",
            "Admin 1 p-code",
            "Admin1 pcode",
            "ADM1_PCODE",
            "رمز المحافظة",
        ),
        ("#adm1+code",),
    ),
    Field(
        "district",
        gettext_noop("District"),
        ("District", "District name", "Admin 2", "Admin2", "ADM2_EN", "Qada", "Qadaa", "القضاء"),
        ("#adm2", "#adm2+name"),
    ),
    Field(
        "district_code",
        gettext_noop("District p-code"),
        (
            "District p-code",
            "District pcode",
            "District code",
            "Admin 2 p-code",
            "Admin2 pcode",
            "ADM2_PCODE",
            "رمز القضاء",
        ),
        ("#adm2+code",),
    ),
    Field(
        "subdistrict",
        gettext_noop("Subdistrict"),
        (
            "Sub-district",
            "Subdistrict",
            "Sub district",
            "Sub-district name",
            "Admin 3",
            "Admin3",
            "ADM3_EN",
            "Nahiya",
            "Nahia",
            "الناحية",
        ),
        ("#adm3", "#adm3+name"),
    ),
    Field(
        "subdistrict_code",
        gettext_noop("Subdistrict p-code"),
        (
            "Sub-district p-code",
            "Sub-district pcode",
            "Subdistrict p-code",
            "Subdistrict pcode",
            "Admin 3 p-code",
            "Admin3 pcode",
            "ADM3_PCODE",
            "رمز الناحية",
        ),
        ("#adm3+code",),
    ),
    Field(
        "pcode",
        gettext_noop("P-code of the place (any level, either scheme)"),
        ("P-code", "Pcode", "P code", "Location p-code", "Admin p-code", "الرمز الجغرافي"),
        ("#geo+code",),
    ),
    Field(
        "site",
        gettext_noop("Location, camp or site"),
        (
            "Location",
            "Location name",
            "Location/Camp",
            "Location / Camp",
            "Camp",
            "Camp name",
            "Site",
            "Site name",
            "Where",
            "الموقع",
            "المخيم",
            "اسم الموقع",
        ),
        ("#loc", "#loc+name"),
    ),
    Field(
        "site_code",
        gettext_noop("Site or camp code"),
        ("Site code", "Camp code", "Site ID", "Location code", "Location ID", "رمز الموقع"),
        ("#loc+code",),
    ),
    Field(
        "month",
        gettext_noop("Month reported (e.g. 2018-03, March 2018)"),
        (
            "Month",
            "Reporting month",
            "Month of reporting",
            "Reporting period",
            "Report month",
            "When",
            "Date",
            "الشهر",
            "شهر التقرير",
            "الفترة",
        ),
        ("#date+month", "#date+reported", "#date"),
        required=True,
    ),
    Field("year", gettext_noop("Year"), ("Year", "Reporting year", "السنة"), ("#date+year",)),
    Field(
        "status",
        gettext_noop("Status (planned, ongoing, completed)"),
        ("Status", "Activity status", "Project status", "الحالة", "حالة النشاط"),
        ("#status",),
    ),
    Field(
        "population_group",
        gettext_noop("Population group"),
        (
            "Population group",
            "Population type",
            "Population category",
            "Beneficiary type",
            "Beneficiary group",
            "Target group",
            "Displacement status",
            "For whom",
            "الفئة السكانية",
            "فئة المستفيدين",
            "نوع المستفيدين",
        ),
        ("#population+type", "#beneficiary+type", "#group"),
    ),
    Field(
        "project_code",
        gettext_noop("HRP project code"),
        (
            "HRP project code",
            "HRP code",
            "Project code",
            "OPS code",
            "OPS project code",
            "FTS project code",
            "HRP project",
            "رمز المشروع",
            "رمز مشروع خطة الاستجابة",
        ),
        ("#activity+project+code", "#activity+project", "#project+code"),
    ),
    Field(
        "value",
        gettext_noop("Figure reached (people, or the indicator's unit)"),
        (
            "# individuals reached",
            "# of individuals reached",
            "Individuals reached",
            "Number of individuals reached",
            "People reached",
            "# reached",
            "Reached",
            "Total reached",
            "Total",
            "Beneficiaries reached",
            "Achieved",
            "Value",
            "Quantity",
            "عدد الأفراد المستفيدين",
            "عدد المستفيدين",
            "الذين تم الوصول إليهم",
            "عدد الافراد",
            "المجموع",
            "العدد",
            "الكمية",
        ),
        ("#reached", "#reached+ind", "#reached+total", "#indicator+value", "#output+value"),
    ),
    Field(
        "girls",
        gettext_noop("Girls (0-17)"),
        (
            "f_0_17",
            "Girls",
            "Girls (0-17)",
            "Girls <18",
            "Girls under 18",
            "الفتيات",
            "بنات",
            "إناث أطفال",
        ),
        ("#reached+f+children", "#reached+f+child", "#reached+f+girls"),
    ),
    Field(
        "boys",
        gettext_noop("Boys (0-17)"),
        (
            "m_0_17",
            "Boys",
            "Boys (0-17)",
            "Boys <18",
            "Boys under 18",
            "الفتيان",
            "أولاد",
            "ذكور أطفال",
        ),
        ("#reached+m+children", "#reached+m+child", "#reached+m+boys"),
    ),
    Field(
        "women",
        gettext_noop("Women (18-59)"),
        ("f_18_59", "Women", "Women (18-59)", "Adult women", "Women 18-59", "النساء", "نساء"),
        ("#reached+f+adults", "#reached+f+adult", "#reached+f+women"),
    ),
    Field(
        "men",
        gettext_noop("Men (18-59)"),
        ("m_18_59", "Men", "Men (18-59)", "Adult men", "Men 18-59", "الرجال", "رجال"),
        ("#reached+m+adults", "#reached+m+adult", "#reached+m+men"),
    ),
    Field(
        "elderly_women",
        gettext_noop("Elderly women (60+)"),
        (
            "f_60",
            "Elderly women",
            "Elderly women (60+)",
            "Women 60+",
            "Older women",
            "المسنات",
            "نساء مسنات",
        ),
        ("#reached+f+elderly", "#reached+f+older"),
    ),
    Field(
        "elderly_men",
        gettext_noop("Elderly men (60+)"),
        (
            "m_60",
            "Elderly men",
            "Elderly men (60+)",
            "Men 60+",
            "Older men",
            "المسنون",
            "رجال مسنون",
        ),
        ("#reached+m+elderly", "#reached+m+older"),
    ),
    Field(
        "female_age_unknown",
        gettext_noop("Women and girls, age unknown"),
        (
            "f_unknown",
            "Female, age unknown",
            "Women and girls, age unknown",
            "إناث، العمر غير معروف",
        ),
        ("#reached+f+age_unknown",),
    ),
    Field(
        "male_age_unknown",
        gettext_noop("Men and boys, age unknown"),
        ("m_unknown", "Male, age unknown", "Men and boys, age unknown", "ذكور، العمر غير معروف"),
        ("#reached+m+age_unknown",),
    ),
)

FIELD_NAMES = frozenset(f.name for f in FIELDS)


@cache
def vocabulary() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VOCABULARY_PATH.read_text(encoding="utf-8"))
    return data


def _table(section: str) -> dict[str, str]:
    """Spelling key -> code, for one section of the vocabulary (its codes are spellings too)."""
    return _tables()[section]


@cache
def _tables() -> dict[str, dict[str, str]]:
    data = vocabulary()
    tables: dict[str, dict[str, str]] = {}
    for section in ("population_groups", "months", "status"):
        table: dict[str, str] = {}
        for code, spellings in data[section].items():
            for spelling in (code, *spellings):
                table[header_key(spelling)] = code
        tables[section] = table
    return tables


@cache
def population_group_of(text: str) -> str | None:
    """The population group a cell names (``idp_in_camp`` ...), "" for an empty cell, None when
    the words are not known."""
    if not text.strip():
        return ""
    return _table("population_groups").get(header_key(text))


@cache
def status_of(text: str) -> str | None:
    """planned, ongoing or completed; "" for an empty cell; None when not known."""
    if not text.strip():
        return ""
    return _table("status").get(header_key(text))


_ISO_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?:[ T].*)?$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_WORDS_YEAR = re.compile(r"^(.*?)[\s\-/.,]*(\d{4}|\d{2})$")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def _year(text: str) -> int | None:
    text = text.strip().translate(_DIGITS)
    if not text.isdigit():
        return None
    number = int(text)
    if len(text) == 2:
        number += 2000
    return number if 2000 <= number <= 2099 else None


@cache
def month_of(text: str, year_text: str = "") -> date | None:
    """The first day of the month a cell names: 2018-03, 2018-03-01, 03/2018, Mar-18, March 2018,
    آذار 2018; or a month's name or number with the year in its own column. None otherwise."""
    text = " ".join(text.translate(_DIGITS).split())
    if not text:
        return None
    found = _ISO_MONTH.match(text)
    if found:
        year, month = int(found.group(1)), int(found.group(2))
    elif found := _MONTH_YEAR.match(text):
        month, year = int(found.group(1)), int(found.group(2))
    else:
        words, year_part = text, year_text
        found = _WORDS_YEAR.match(text)
        if found and found.group(1):
            words, year_part = found.group(1), found.group(2)
        named = _table("months").get(header_key(words))
        if named is None:
            return None
        month = int(named)
        parsed_year = _year(year_part)
        if parsed_year is None:
            return None
        year = parsed_year
    if not 1 <= month <= 12 or not 2000 <= year <= 2099:
        return None
    return date(year, month, 1)


def count_of(text: str) -> int | None:
    """A whole number as a spreadsheet writes it (1,250; ١٢٥٠; 12.0), or None."""
    text = text.strip().translate(_DIGITS).replace(",", "").replace("\u066c", "")
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if text.isdigit() else None
