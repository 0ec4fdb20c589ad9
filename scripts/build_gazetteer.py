"""Build ``nahrain/geo/data/iraq_gazetteer.json``, the gazetteer of Iraq's admin units.

Reads (third-party data, never copied into the repository; the folder is the optional argument,
``../shared`` relative to the repository root by default):

- ``reference/iraq/cod-ab/irq_admbnda_adm{0,1,2}_*.geojson``: OCHA COD-AB Iraq (CSO, valid on
  2019-06-03): the country, its 18 governorates and 101 districts, with English and Arabic names,
  p-codes and parent p-codes; the polygons give each unit a point guaranteed to lie inside it.
  Its README names the governorates whose 2014 OCHA code (``IQ-Gnn``) kept its number.
- ``data/dtm-iraq-2014/DTM_Dataset_26102014.csv`` (columns named by ``label.csv``) and
  ``data/iraq-round109-frames/*.csv``: how IOM DTM files of 2014 and 2019 actually spell
  governorates and districts, with coordinates, and (returnee frame) the 2014 OCHA codes.

Writes one JSON file: every unit with its names (English, Arabic, Central Kurdish), a
representative point and its aliases, i.e. the other spellings and codes under which field
spreadsheets name it, so that the application can resolve them to p-codes with
``nahrain.geo.normalize``. The spellings found in the shared files are mapped to units by hand
below; the script checks each mapping against the coordinates of the rows that use it, refuses
an alias that would name two units of the same level, and exits non-zero unless every spelling
of the shared files resolves to a unit of the right level.

Run: ``.venv/bin/python scripts/build_gazetteer.py [SHARED_DIR] [--output PATH]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from nahrain.geo.normalize import code_key, name_key  # noqa: E402

DEFAULT_SHARED = REPO_ROOT.parent / "shared"
DEFAULT_OUTPUT = REPO_ROOT / "nahrain" / "geo" / "data" / "iraq_gazetteer.json"

COD_DIR = Path("reference/iraq/cod-ab")
COD_FILES = {
    0: "irq_admbnda_adm0_cso_itos_20190603.geojson",
    1: "irq_admbnda_adm1_cso_20190603.geojson",
    2: "irq_admbnda_adm2_cso_20190603.geojson",
}
DTM_DIR = Path("data/dtm-iraq-2014")
FRAMES_DIR = Path("data/iraq-round109-frames")

SOURCE = (
    "OCHA COD-AB Iraq (CSO) 2019-06-03, CC BY-IGO; aliases from IOM DTM 2014 and round 109 files"
)
VALID_ON = "2019-06-03"

# --------------------------------------------------------------------------------------------
# Names in Central Kurdish (Sorani, Arabic script). Districts are filled only where the Sorani
# form is well established; the application falls back to Arabic for the others.
# --------------------------------------------------------------------------------------------
COUNTRY_CKB = "عێراق"

GOVERNORATE_CKB = {
    "IQG01": "ئەنبار",
    "IQG02": "بەسرە",
    "IQG03": "موسەننا",
    "IQG04": "نەجەف",
    "IQG05": "قادسیە",
    "IQG06": "سلێمانی",
    "IQG07": "بابل",
    "IQG08": "بەغدا",
    "IQG09": "دهۆک",
    "IQG10": "دیالە",
    "IQG11": "هەولێر",
    "IQG12": "کەربەلا",
    "IQG13": "کەرکووک",
    "IQG14": "مەیسان",
    "IQG15": "نەینەوا",
    "IQG16": "سەلاحەددین",
    "IQG17": "زیقار",
    "IQG18": "واسیت",
}

DISTRICT_CKB = {
    # Duhok
    "IQG09Q01": "ئامێدی",
    "IQG09Q02": "دهۆک",
    "IQG09Q03": "سێمێل",
    "IQG09Q04": "زاخۆ",
    # Erbil
    "IQG11Q01": "زێبار",
    "IQG11Q02": "هەولێر",
    "IQG11Q03": "کۆیە",
    "IQG11Q04": "مەخموور",
    "IQG11Q05": "ڕەواندز",
    "IQG11Q06": "شەقڵاوە",
    # Sulaymaniyah (Halabja included: the COD-AB still counts it as a district of Sulaymaniyah)
    "IQG06Q01": "سلێمانی",
    "IQG06Q02": "چەمچەماڵ",
    "IQG06Q03": "دەربەندیخان",
    "IQG06Q04": "دووکان",
    "IQG06Q05": "هەڵەبجە",
    "IQG06Q06": "کەلار",
    "IQG06Q07": "پێنجوێن",
    "IQG06Q08": "پشدەر",
    "IQG06Q09": "ڕانیە",
    "IQG06Q10": "شارباژێڕ",
    # Kirkuk
    "IQG13Q01": "حەویجە",
    "IQG13Q02": "داقووق",
    "IQG13Q03": "دوبز",
    "IQG13Q04": "کەرکووک",
    # Ninewa
    "IQG15Q01": "ئاکرێ",
    "IQG15Q05": "مووسڵ",
    "IQG15Q06": "شێخان",
    "IQG15Q07": "شنگال",
    "IQG15Q08": "تەلەعفەر",
    "IQG15Q09": "تلکێف",
    # Diyala
    "IQG10Q04": "بەعقووبە",
    "IQG10Q05": "خانەقین",
    "IQG10Q06": "کفری",
    # Salah al-Din
    "IQG16Q07": "دووزخورماتوو",
    # Capitals of governorates named as in Kurdish for the governorate itself
    "IQG02Q02": "بەسرە",
    "IQG04Q03": "نەجەف",
    "IQG12Q03": "کەربەلا",
}

# Corrections of the COD-AB Arabic names. IQG10Q03 (Baladruz) carries "مندلي", the name of one
# of its subdistricts (IQG10Q03N01 Mandali); the district itself is بلدروز.
NAME_AR_FIXES = {"IQG10Q03": "بلدروز"}

# --------------------------------------------------------------------------------------------
# Spellings used by the shared files, mapped by hand. Districts that the CSO 2019 scheme merged
# into a neighbour are mapped to the district that now holds them as a subdistrict (COD-AB
# admin 3): Ra'ua (Rawa) -> Ana, Abu Ghraib and Tarmia -> Al-Kadhmiyah, Al-Azezia -> Al-Suwaira,
# Soran -> Rawanduz, Al-Fares -> Balad. main() checks each against the rows' coordinates.
# --------------------------------------------------------------------------------------------
DATA_GOVERNORATES = {
    "Anbar": "IQG01",
    "Babylon": "IQG07",
    "Baghdad": "IQG08",
    "Basrah": "IQG02",
    "Dahuk": "IQG09",
    "Dohuk": "IQG09",
    "Diyala": "IQG10",
    "Erbil": "IQG11",
    "Kerbala": "IQG12",
    "Kirkuk": "IQG13",
    "Missan": "IQG14",
    "Najaf": "IQG04",
    "Ninewa": "IQG15",
    "Qadissiya": "IQG05",
    "Salah al-Din": "IQG16",
    "Sulaymaniyah": "IQG06",
    "Thi-Qar": "IQG17",
    "Wassit": "IQG18",
}

DATA_DISTRICTS = {
    # Anbar
    "Al-Ka'im": "IQG01Q02",
    "Al-Rutba": "IQG01Q04",
    "Ana": "IQG01Q05",
    "Falluja": "IQG01Q01",
    "Haditha": "IQG01Q06",
    "Heet": "IQG01Q07",
    "Ra'ua": "IQG01Q05",
    "Ramadi": "IQG01Q03",
    # Babil
    "Al-Mahawil": "IQG07Q03",
    "Al-Musayab": "IQG07Q04",
    "Hashimiya": "IQG07Q01",
    "Hilla": "IQG07Q02",
    # Baghdad
    "Abu Ghraib": "IQG08Q02",
    "Adhamia": "IQG08Q01",
    "Al Resafa": "IQG08Q06",
    "Kadhimia": "IQG08Q02",
    "Karkh": "IQG08Q03",
    "Mada'in": "IQG08Q04",
    "Mahmoudiya": "IQG08Q05",
    "Tarmia": "IQG08Q02",
    "Thawra2": "IQG08Q07",
    # Basrah
    "Abu Al-Khaseeb": "IQG02Q01",
    "Al-Midaina": "IQG02Q04",
    "Al-Qurna": "IQG02Q05",
    "Al-Zubair": "IQG02Q06",
    "Basrah": "IQG02Q02",
    "Fao": "IQG02Q03",
    "Shatt Al-Arab": "IQG02Q07",
    # Duhok
    "Amedi": "IQG09Q01",
    "Dahuk": "IQG09Q02",
    "Sumel": "IQG09Q03",
    "Zakho": "IQG09Q04",
    # Diyala
    "Al-Khalis": "IQG10Q01",
    "Al-Muqdadiya": "IQG10Q02",
    "Ba'quba": "IQG10Q04",
    "Baladrooz": "IQG10Q03",
    "Khanaqin": "IQG10Q05",
    "Kifri": "IQG10Q06",
    # Erbil
    "Erbil": "IQG11Q02",
    "Koisnjaq": "IQG11Q03",
    "Makhmur": "IQG11Q04",
    "Shaqlawa": "IQG11Q06",
    "Soran": "IQG11Q05",
    # Kerbala
    "Ain Al-Tamur": "IQG12Q01",
    "Al-Hindiya": "IQG12Q02",
    "Kerbala": "IQG12Q03",
    # Kirkuk
    "Al-Hawiga": "IQG13Q01",
    "Dabes": "IQG13Q03",
    "Daquq": "IQG13Q02",
    "Kirkuk": "IQG13Q04",
    # Maysan
    "Al-Kahla": "IQG14Q03",
    "Al-Maimouna": "IQG14Q04",
    "Al-Mejar Al-Kabir": "IQG14Q05",
    "Ali Al-Gharbi": "IQG14Q02",
    "Amara": "IQG14Q01",
    "Qal'at Saleh": "IQG14Q06",
    # Najaf
    "Al-Manathera": "IQG04Q02",
    "Kufa": "IQG04Q01",
    "Najaf": "IQG04Q03",
    # Ninewa
    "Akre": "IQG15Q01",
    "Al-Ba'aj": "IQG15Q02",
    "Al-Hamdaniya": "IQG15Q03",
    "Al-Shikhan": "IQG15Q06",
    "Hatra": "IQG15Q04",
    "Mosul": "IQG15Q05",
    "Sinjar": "IQG15Q07",
    "Telafar": "IQG15Q08",
    "Tilkaif": "IQG15Q09",
    # Qadissiya
    "Afaq": "IQG05Q01",
    "Al-Shamiya": "IQG05Q04",
    "Diwaniya": "IQG05Q02",
    "Hamza": "IQG05Q03",
    # Salah al-Din
    "Al-Daur": "IQG16Q01",
    "Al-Fares": "IQG16Q04",
    "Al-Shirqat": "IQG16Q02",
    "Baiji": "IQG16Q03",
    "Balad": "IQG16Q04",
    "Samarra": "IQG16Q05",
    "Tikrit": "IQG16Q06",
    "Tooz": "IQG16Q07",
    # Sulaymaniyah
    "Chamchamal": "IQG06Q02",
    "Darbandihkan": "IQG06Q03",
    "Darbandikhan": "IQG06Q03",
    "Dokan": "IQG06Q04",
    "Halabja": "IQG06Q05",
    "Kalar": "IQG06Q06",
    "Penjwin": "IQG06Q07",
    "Pshdar": "IQG06Q08",
    "Rania": "IQG06Q09",
    "Sharbazher": "IQG06Q10",
    "Sulaymaniya": "IQG06Q01",
    # Thi Qar
    "Al-Chibayish": "IQG17Q01",
    "Al-Rifa'i": "IQG17Q02",
    "Al-Shatra": "IQG17Q03",
    "Nassriya": "IQG17Q04",
    "Suq Al-Shoyokh": "IQG17Q05",
    # Wassit
    "Al-Azezia": "IQG18Q04",
    "Al-Hai": "IQG18Q01",
    "Al-Na'maniya": "IQG18Q03",
    "Al-Suwaira": "IQG18Q04",
    "Badra": "IQG18Q05",
    "Kut": "IQG18Q02",
}

# --------------------------------------------------------------------------------------------
# Other common spellings. A governorate never gets the name of one of its districts (Hilla,
# Diwaniya, Amara, Nasiriya, Kut, Samawa, Ramadi, Baquba, Mosul...), except where the
# governorate and the district really share a name (Erbil, Duhok, Sulaymaniyah, Kirkuk, Kerbala,
# Najaf, Basrah: same Arabic name); those spellings go on both.
# --------------------------------------------------------------------------------------------
COUNTRY_VARIANTS = ("Republic of Iraq", "Irak", "جمهورية العراق")

_SHARED_CITY_VARIANTS = {
    "IQG02": ("Basra", "Al-Basra"),
    "IQG04": ("An-Najaf", "Najaf al-Ashraf", "النجف الأشرف"),
    "IQG06": (
        "Sulaymaniya",
        "Sulaimaniya",
        "Sulaimaniyah",
        "Suleimaniyah",
        "Sulaimani",
        "As-Sulaymaniyah",
        "Slemani",
        "Slemany",
        "Silemani",
    ),
    "IQG09": ("Dahuk", "Dohuk", "Dihok", "Dahok"),
    "IQG11": ("Arbil", "Irbil", "Hawler", "Hewler", "هولير"),
    "IQG12": ("Karbala", "Kerbela", "Karbalaa"),
    "IQG13": ("Kerkuk", "Karkuk"),
}

GOVERNORATE_VARIANTS = {
    "IQG01": ("Al Anbar",),
    "IQG03": ("Muthanna", "Muthana", "Al-Muthana"),
    "IQG05": (
        "Qadisiya",
        "Qadisiyah",
        "Al-Qadisiyah",
        "Al-Qadisiyyah",
        "Qadissiyah",
        "Al-Qadissiyah",
    ),
    "IQG07": ("Babel",),
    "IQG08": ("Bagdad",),
    "IQG10": ("Diala", "Diyalah", "Dyala"),
    "IQG14": ("Misan", "Maisan"),
    "IQG15": ("Nineveh", "Ninevah", "Ninawa", "Ninewah", "Nainawa", "نينوا"),
    "IQG16": (
        "Salahuddin",
        "Salah ad-Din",
        "Salahaddin",
        "Salah el-Din",
        "Saladin",
    ),
    "IQG17": ("Dhi Qar", "Dhiqar", "Zi Qar"),
    "IQG18": ("Wasit",),
}

DISTRICT_VARIANTS = {
    # Anbar
    "IQG01Q01": ("Fallujah",),
    "IQG01Q02": ("Al-Qaim", "Qaim", "Al-Qa'im"),
    "IQG01Q04": ("Rutbah", "Ar-Rutba"),
    "IQG01Q05": ("Anah", "عانة", "Rawa", "Rawah", "راوة"),
    "IQG01Q06": ("Hadithah",),
    "IQG01Q07": ("Hit",),
    # Babil
    "IQG07Q01": ("Hashimiyah",),
    "IQG07Q02": ("Hillah",),
    "IQG07Q04": ("Musayyib", "Al-Musayyib"),
    # Baghdad
    "IQG08Q01": ("Adhamiya", "Adhamiyah"),
    "IQG08Q02": ("Kadhimiya", "Kadhimiyah", "Kadhmiya", "Kazimiyah", "Tarmiya", "أبو غريب"),
    "IQG08Q04": ("Madain", "Salman Pak"),
    "IQG08Q05": ("Mahmudiya", "Mahmudiyah"),
    "IQG08Q06": ("Rusafa", "Rasafa", "Resafa"),
    "IQG08Q07": ("Thawra", "Sadr City", "مدينة الصدر"),
    # Basrah
    "IQG02Q01": ("Abu al-Khasib", "Abu Al Khaseeb"),
    "IQG02Q02": _SHARED_CITY_VARIANTS["IQG02"],
    "IQG02Q03": ("Faw",),
    "IQG02Q04": ("Midaina", "Al-Madina"),
    "IQG02Q05": ("Qurna", "Qurnah"),
    "IQG02Q06": ("Zubair", "Zubayr"),
    # Muthanna
    "IQG03Q01": ("Khidhir", "Al-Khidr"),
    "IQG03Q02": ("Rumaitha", "Rumaytha", "Rumaythah"),
    "IQG03Q04": ("Samawah",),
    # Najaf
    "IQG04Q01": ("Kufah",),
    "IQG04Q02": ("Manathera", "Al-Manadhira", "Manadhirah"),
    "IQG04Q03": _SHARED_CITY_VARIANTS["IQG04"],
    # Qadissiya
    "IQG05Q01": ("Afak",),
    "IQG05Q02": ("Diwaniyah",),
    "IQG05Q03": ("Hamzah",),
    "IQG05Q04": ("Shamiyah",),
    # Sulaymaniyah
    "IQG06Q01": _SHARED_CITY_VARIANTS["IQG06"],
    "IQG06Q02": ("Chemchemal",),
    "IQG06Q03": ("Darbandikhan", "Derbendikhan", "Darbandixan"),
    "IQG06Q04": ("Dukan",),
    "IQG06Q05": ("Halabjah",),
    "IQG06Q07": ("Penjween", "Panjwen"),
    "IQG06Q08": ("Pishdar",),
    "IQG06Q09": ("Ranya", "Raniyah"),
    "IQG06Q10": ("Sharbazhar",),
    # Duhok
    "IQG09Q01": ("Amadiya", "Amadiyah", "Amedi"),
    "IQG09Q02": _SHARED_CITY_VARIANTS["IQG09"],
    "IQG09Q03": ("Semel", "Simele"),
    # Diyala
    "IQG10Q01": ("Khalis",),
    "IQG10Q02": ("Muqdadiyah",),
    "IQG10Q03": ("Balad Ruz", "Baladrooz"),
    "IQG10Q04": ("Baqubah",),
    "IQG10Q05": ("Khanaqeen",),
    # Erbil
    "IQG11Q01": ("Zibar", "Zebar"),
    "IQG11Q02": _SHARED_CITY_VARIANTS["IQG11"],
    "IQG11Q03": ("Koya", "Koye", "Koisanjaq", "Koysanjaq", "Koi Sanjaq", "كويه"),
    "IQG11Q04": ("Makhmur", "Makhmoor"),
    "IQG11Q05": ("Rewanduz", "Rowanduz", "Soran", "سوران"),
    "IQG11Q06": ("Shaqlawah",),
    # Kerbala
    "IQG12Q01": ("Ain al-Tamr", "Ayn al-Tamr"),
    "IQG12Q02": ("Hindiyah",),
    "IQG12Q03": _SHARED_CITY_VARIANTS["IQG12"],
    # Kirkuk
    "IQG13Q01": ("Hawija", "Hawijah"),
    "IQG13Q03": ("Debis",),
    "IQG13Q04": _SHARED_CITY_VARIANTS["IQG13"],
    # Maysan
    "IQG14Q01": ("Amarah",),
    "IQG14Q04": ("Maimuna",),
    "IQG14Q05": ("Majar al-Kabir", "Al-Majar Al-Kabir"),
    "IQG14Q06": ("Qalat Salih",),
    # Ninewa
    "IQG15Q01": ("Akre", "Akra", "Aqrah"),
    "IQG15Q02": ("Baaj",),
    "IQG15Q04": ("Hatra", "Al-Hadr"),
    "IQG15Q05": ("Mawsil",),
    "IQG15Q06": ("Shekhan", "Sheikhan", "Shikhan"),
    "IQG15Q07": ("Shingal", "Shengal"),
    "IQG15Q08": ("Tal Afar", "Tel Afar", "Tall Afar"),
    "IQG15Q09": ("Telkaif", "Tel Kaif", "Tel Keppe", "Tilkaif"),
    # Salah al-Din
    "IQG16Q01": ("Dour", "Ad-Dawr"),
    "IQG16Q02": ("Shirqat", "Sharqat"),
    "IQG16Q03": ("Baiji", "Bayji", "Beiji"),
    "IQG16Q04": ("Dujail", "الدجيل", "الفارس"),
    "IQG16Q07": ("Tuz Khurmatu", "Tuz Khurmato", "Tooz Khormato", "Tuz"),
    # Thi Qar
    "IQG17Q01": ("Chibayish", "Al-Jibayish"),
    "IQG17Q02": ("Rifai",),
    "IQG17Q03": ("Shatrah",),
    "IQG17Q04": ("Nasiriyah", "Nasiriya", "Nassiriya"),
    "IQG17Q05": ("Suq al-Shuyukh", "Souq Al-Shuyoukh"),
    # Wassit
    "IQG18Q01": ("Al-Hay", "Hay"),
    "IQG18Q03": ("Numaniyah", "Al-Numaniya"),
    "IQG18Q04": ("Suwayrah", "Aziziya", "Al-Aziziyah", "العزيزية"),
    "IQG18Q05": ("Badrah",),
}

# ISO 3166-2 subdivision codes of Iraq's governorates.
ISO_CODES = {
    "IQ-AN": "IQG01",
    "IQ-BA": "IQG02",
    "IQ-MU": "IQG03",
    "IQ-NA": "IQG04",
    "IQ-QA": "IQG05",
    "IQ-SU": "IQG06",
    "IQ-BB": "IQG07",
    "IQ-BG": "IQG08",
    "IQ-DA": "IQG09",
    "IQ-DI": "IQG10",
    "IQ-AR": "IQG11",
    "IQ-KA": "IQG12",
    "IQ-KI": "IQG13",
    "IQ-MA": "IQG14",
    "IQ-NI": "IQG15",
    "IQ-SD": "IQG16",
    "IQ-DQ": "IQG17",
    "IQ-WA": "IQG18",
}
COUNTRY_CODES = ("IRQ",)

# District spellings most of whose located rows fall outside the district they name. The name
# leaves no doubt, so the mapping stands; the rows are few or the COD-AB polygon is at fault.
ACCEPTED_POINT_MISMATCHES = {
    # The COD-AB polygon of Al-Kahla (subdistrict Al-Msharah) covers Al-Amara city itself.
    "Amara": "Al-Amara city lies inside the COD-AB polygon of Al-Kahla",
    "Qal'at Saleh": "1 row of R109, next to Al-Kahla; 14/18 DTM 2014 rows inside",
    "Al-Hamdaniya": "1 DTM 2014 row, on the Mosul side of the boundary",
    "Al-Muqdadiya": "1 of 2 DTM 2014 rows, in Baquba; R109 rows 13/14 inside",
    "Al-Na'maniya": "2 of 3 DTM 2014 rows, in Al-Suwaira",
    "Sharbazher": "4 of 6 DTM 2014 rows, near the Sulaymaniyah and Derbendikhan boundaries",
    # Abu Ghraib (old district) is split by the CSO 2019 scheme; its subdistrict of that name
    # is in Al-Kadhmiyah, where all 41 DTM 2014 and 6 R109 IDP rows fall.
    "Abu Ghraib": "3 of 6 R109 returnee rows, in Al-Mahmoudiya",
}

OLD_GOVERNORATE_CODE = re.compile(r"IQ-G\d{2}")
OLD_DISTRICT_CODE = re.compile(r"IQ-D\d{3}")


class GazetteerError(Exception):
    """Raised when the gazetteer would be inconsistent."""


@dataclass
class Unit:
    """An admin unit of the COD-AB with the spellings and codes gathered for it."""

    pcode: str
    level: int
    parent: str | None
    name_en: str
    name_ar: str
    name_ckb: str
    lat: float
    lon: float
    geometry: BaseGeometry
    names: set[str] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)

    def own_keys(self) -> set[str]:
        return {name_key(n) for n in (self.name_en, self.name_ar, self.name_ckb) if n}

    def alias_items(self) -> list[dict[str, str]]:
        """Aliases without duplicates: one spelling per key, own names and p-code left out."""
        own = self.own_keys()
        by_key: dict[str, str] = {}
        for name in sorted(self.names, key=lambda n: (n.casefold(), n)):
            key = name_key(name)
            if key and key not in own:
                by_key.setdefault(key, name)
        codes: dict[str, str] = {}
        for code in sorted(self.codes):
            if code_key(code) != code_key(self.pcode):
                codes.setdefault(code_key(code), code)
        items = [{"name": n, "kind": "name"} for n in by_key.values()]
        items += [{"name": c, "kind": "code"} for c in codes.values()]
        return sorted(items, key=lambda a: (a["kind"] != "name", a["name"].casefold(), a["name"]))

    def to_json(self) -> dict[str, Any]:
        return {
            "pcode": self.pcode,
            "level": self.level,
            "parent": self.parent,
            "name_en": self.name_en,
            "name_ar": self.name_ar,
            "name_ckb": self.name_ckb,
            "lat": self.lat,
            "lon": self.lon,
            "aliases": self.alias_items(),
        }


def clean(text: str) -> str:
    """Collapse runs of whitespace (the COD-AB has stray no-break spaces) and trim."""
    return " ".join(text.split())


# --------------------------------------------------------------------------------------------
# Reading the shared files
# --------------------------------------------------------------------------------------------
def load_units(shared: Path) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for level, filename in COD_FILES.items():
        with (shared / COD_DIR / filename).open(encoding="utf-8") as fh:
            collection = json.load(fh)
        for feature in collection["features"]:
            props = feature["properties"]
            pcode = props[f"ADM{level}_PCODE"]
            geometry = shape(feature["geometry"])
            point = geometry.representative_point()
            if level == 0:
                ckb = COUNTRY_CKB
            elif level == 1:
                ckb = GOVERNORATE_CKB[pcode]
            else:
                ckb = DISTRICT_CKB.get(pcode, "")
            units[pcode] = Unit(
                pcode=pcode,
                level=level,
                parent=props[f"ADM{level - 1}_PCODE"] if level else None,
                name_en=clean(props[f"ADM{level}_EN"]),
                name_ar=NAME_AR_FIXES.get(pcode, clean(props[f"ADM{level}_AR"])),
                name_ckb=ckb,
                lat=round(point.y, 5),
                lon=round(point.x, 5),
                geometry=geometry,
            )
    counts = Counter(u.level for u in units.values())
    if counts != Counter({0: 1, 1: 18, 2: 101}):
        raise GazetteerError(f"unexpected COD-AB unit counts: {dict(counts)}")
    for unit in units.values():
        if unit.parent is not None and unit.parent not in units:
            raise GazetteerError(f"{unit.pcode}: unknown parent {unit.parent}")
    return units


@dataclass(frozen=True)
class Row:
    """One place of a shared file: its governorate and district spellings and its point."""

    source: str
    governorate: str
    district: str
    lon: float | None
    lat: float | None
    old_governorate_code: str = ""
    old_district_code: str = ""


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value else None


def read_dtm(shared: Path) -> tuple[list[Row], set[str]]:
    """Rows of the DTM 2014 master list and its 'Origin Governorate' spellings."""
    with (shared / DTM_DIR / "label.csv").open(encoding="utf-8") as fh:
        labels = [r["label_en"].strip() for r in csv.DictReader(fh)]
    col = {label: i for i, label in enumerate(labels)}
    rows: list[Row] = []
    origins: set[str] = set()
    with (shared / DTM_DIR / "DTM_Dataset_26102014.csv").open(encoding="utf-8") as fh:
        for record in csv.reader(fh):
            if not record:
                continue
            origins.add(record[col["Origin Governorate"]].strip())
            rows.append(
                Row(
                    source="DTM 2014",
                    governorate=record[col["Governorate"]].strip(),
                    district=record[col["District"]].strip(),
                    lon=_float(record[col["Longitude"]]),
                    lat=_float(record[col["Latitude"]]),
                )
            )
    return rows, origins


def read_frames(shared: Path) -> tuple[list[Row], dict[str, set[str]]]:
    """Rows of the round 109 location frames, and further spellings by level.

    Returns the located rows (IDP out of camp, returnees) and the spellings that come without
    coordinates: COD_Governorate values, the in-camp frame and the strata file.
    """
    rows: list[Row] = []
    extra: dict[str, set[str]] = {"governorate": set(), "district": set()}
    for filename, source in (
        ("sampling_frame_script_IDP_out_of_camp.csv", "R109 IDP out of camp"),
        ("sampling_frame_script_Returnee.csv", "R109 returnees"),
    ):
        with (shared / FRAMES_DIR / filename).open(encoding="utf-8") as fh:
            for record in csv.DictReader(fh):
                extra["governorate"].add(record["COD_Governorate"].strip())
                extra["district"].add(record["strata"].strip())
                rows.append(
                    Row(
                        source=source,
                        governorate=record["Governorate"].strip(),
                        district=record["District"].strip(),
                        lon=_float(record["Longitude"]),
                        lat=_float(record["Latitude"]),
                        old_governorate_code=record.get("OCHA_admin_1", "").strip(),
                        old_district_code=record.get("OCHA_admin_2", "").strip(),
                    )
                )
    with (shared / FRAMES_DIR / "sampling_frame_in_camp.csv").open(encoding="utf-8") as fh:
        for record in csv.DictReader(fh):
            extra["governorate"].add(record["Governorate"].strip())
            extra["district"].add(record["District"].strip())
            extra["district"].add(record["district.new"].strip())
    with (shared / FRAMES_DIR / "Strata_clusters_population.csv").open(encoding="utf-8") as fh:
        for record in csv.DictReader(fh):
            extra["district"].add(record["District"].strip())
            extra["district"].add(record["Stratum"].strip())
    extra = {level: {s for s in spellings if s} for level, spellings in extra.items()}
    return rows, extra


def readme_kept_codes(shared: Path) -> list[str]:
    """Governorate names that the COD-AB README says kept their 2014 OCHA number."""
    text = " ".join((shared / COD_DIR / "README.md").read_text(encoding="utf-8").split())
    match = re.search(r"only ([^.;]+?) keep their number", text)
    if not match:
        raise GazetteerError("COD-AB README: sentence on kept IQ-G numbers not found")
    return [n.strip() for n in re.split(r",| and ", match.group(1)) if n.strip()]


# --------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------
class Index:
    """Key -> p-code at one level, built from the units' own names and aliases."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self.by_key: dict[str, set[str]] = defaultdict(set)
        for unit in units:
            for key in unit.own_keys() | {name_key(n) for n in unit.names}:
                self.by_key[key].add(unit.pcode)
            for code in unit.codes:
                self.by_key[code_key(code)].add(unit.pcode)

    def resolve(self, spelling: str) -> str | None:
        hits = self.by_key.get(name_key(spelling), set()) | self.by_key.get(
            code_key(spelling), set()
        )
        return next(iter(hits)) if len(hits) == 1 else None

    def ambiguous(self) -> dict[str, set[str]]:
        return {k: v for k, v in self.by_key.items() if len(v) > 1}


def of_level(units: dict[str, Unit], level: int) -> list[Unit]:
    return [u for u in units.values() if u.level == level]


def attach_names(units: dict[str, Unit]) -> None:
    """Attach the hand-mapped spellings and the ISO codes, checking each table's level."""
    units["IQ"].names.update(COUNTRY_VARIANTS)
    units["IQ"].codes.update(COUNTRY_CODES)
    tables: list[tuple[int, dict[str, tuple[str, ...]]]] = [
        (1, GOVERNORATE_VARIANTS),
        (1, _SHARED_CITY_VARIANTS),
        (2, DISTRICT_VARIANTS),
        (1, _by_pcode(DATA_GOVERNORATES)),
        (2, _by_pcode(DATA_DISTRICTS)),
        (1, _by_pcode(ISO_CODES)),
    ]
    for level, table in tables:
        for pcode, names in table.items():
            if units[pcode].level != level:
                raise GazetteerError(f"{pcode} given level-{level} spellings {names}")
            target = units[pcode].codes if table is tables[-1][1] else units[pcode].names
            target.update(names)


def _by_pcode(table: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """Invert a spelling -> p-code table."""
    inverted: dict[str, list[str]] = defaultdict(list)
    for spelling, pcode in table.items():
        inverted[pcode].append(spelling)
    return {pcode: tuple(spellings) for pcode, spellings in inverted.items()}


def majority(counter: Counter[str]) -> str | None:
    """The value holding a strict majority of the counts, if any."""
    if not counter:
        return None
    top, n = counter.most_common(1)[0]
    return top if n * 2 > counter.total() else None


def locate(units: dict[str, Unit], rows: list[Row]) -> list[str | None]:
    """The district p-code whose polygon contains each row's point (None if none)."""
    xs = np.array([r.lon if r.lon is not None else np.nan for r in rows])
    ys = np.array([r.lat if r.lat is not None else np.nan for r in rows])
    found: list[str | None] = [None] * len(rows)
    for unit in sorted(of_level(units, 2), key=lambda u: u.pcode):
        shapely.prepare(unit.geometry)
        for i in np.flatnonzero(shapely.contains_xy(unit.geometry, xs, ys)):
            found[i] = found[i] or unit.pcode
    return found


def attach_old_codes(
    units: dict[str, Unit], rows: list[Row], located: list[str | None], shared: Path
) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Attach the 2014 OCHA codes that the shared files prove; return them and notes.

    Governorates: the README's list of governorates that kept their number, and the majority
    governorate of each OCHA_admin_1 code in the returnee frame (the two must agree). Districts:
    the district named by a strict majority of each OCHA_admin_2 code's rows, kept only if a
    strict majority of those rows' points also lies in that district.
    """
    govs = Index(of_level(units, 1))
    dists = Index(of_level(units, 2))
    notes: list[str] = []
    gov_codes: dict[str, str] = {}
    for name in readme_kept_codes(shared):
        pcode = govs.resolve(name)
        if pcode is None:
            raise GazetteerError(f"COD-AB README names unknown governorate {name!r}")
        gov_codes["IQ-G" + pcode[-2:]] = pcode

    gov_named: dict[str, Counter[str]] = defaultdict(Counter)
    dist_named: dict[str, Counter[str]] = defaultdict(Counter)
    dist_found: dict[str, Counter[str]] = defaultdict(Counter)
    for row, inside in zip(rows, located, strict=True):
        if OLD_GOVERNORATE_CODE.fullmatch(row.old_governorate_code):
            gov_named[row.old_governorate_code][govs.resolve(row.governorate) or "?"] += 1
        if OLD_DISTRICT_CODE.fullmatch(row.old_district_code):
            dist_named[row.old_district_code][dists.resolve(row.district) or "?"] += 1
            dist_found[row.old_district_code][inside or "?"] += 1
    for code, counter in sorted(gov_named.items()):
        pcode = majority(counter)
        if pcode is None or pcode == "?":
            notes.append(f"{code}: no clear governorate {dict(counter)}, left out")
            continue
        if gov_codes.get(code, pcode) != pcode:
            raise GazetteerError(f"{code}: README says {gov_codes[code]}, returnees say {pcode}")
        gov_codes[code] = pcode
    dist_codes: dict[str, str] = {}
    for code, counter in sorted(dist_named.items()):
        pcode = majority(counter)
        found = dist_found[code]
        if pcode is None or pcode == "?" or found[pcode] * 2 <= found.total():
            notes.append(f"{code}: left out, named {dict(counter)}, points in {dict(found)}")
            continue
        if len(counter) > 1 or len(found) > 1:
            notes.append(f"{code} -> {pcode}: named {dict(counter)}, points in {dict(found)}")
        dist_codes[code] = pcode
    for code, pcode in (gov_codes | dist_codes).items():
        units[pcode].codes.add(code)
    return gov_codes, dist_codes, notes


def check_levels(units: dict[str, Unit]) -> list[str]:
    """Fail on an alias naming two units of a level; list the governorate/district overlaps.

    A governorate and a district may share a key only when the district lies in that
    governorate and both carry the same Arabic name (Erbil and Erbil, ...).
    """
    for level in (0, 1, 2):
        clashes = Index(of_level(units, level)).ambiguous()
        if clashes:
            raise GazetteerError(f"aliases naming several units of level {level}: {clashes}")
    gov_index = Index(of_level(units, 1)).by_key
    overlaps: dict[str, list[str]] = defaultdict(list)
    for key, dist_pcodes in sorted(Index(of_level(units, 2)).by_key.items()):
        if key not in gov_index:
            continue
        (gov,) = gov_index[key]
        (dist,) = dist_pcodes
        g, d = units[gov], units[dist]
        if d.parent != gov or name_key(g.name_ar) != name_key(d.name_ar):
            raise GazetteerError(f"key {key!r} names governorate {gov} and district {dist}")
        overlaps[f"{gov} {g.name_en} / {dist} {d.name_en}"].append(key)
    return [f"{pair}: {', '.join(keys)}" for pair, keys in sorted(overlaps.items())]


def check_pairs(units: dict[str, Unit], rows: list[Row]) -> list[str]:
    """(governorate, district) spellings of a row whose units are not parent and child."""
    govs = Index(of_level(units, 1))
    dists = Index(of_level(units, 2))
    bad: set[str] = set()
    for row in rows:
        gov, dist = govs.resolve(row.governorate), dists.resolve(row.district)
        if gov and dist and units[dist].parent != gov:
            bad.add(f"{row.source}: {row.governorate!r} / {row.district!r}")
    return sorted(bad)


def check_points(
    units: dict[str, Unit], rows: list[Row], located: list[str | None]
) -> tuple[list[str], list[str]]:
    """Compare each spelling's unit with the units its rows' points fall in.

    Returns (errors, disagreements): an error when most located rows of a spelling fall
    outside the unit it maps to (unless accepted in ACCEPTED_POINT_MISMATCHES); a disagreement
    line for every spelling with some rows outside.
    """
    tally: dict[tuple[int, str, str], Counter[str]] = defaultdict(Counter)
    for row, inside in zip(rows, located, strict=True):
        if row.lon is None or row.lat is None:
            continue
        parent = units[inside].parent if inside else None
        tally[(1, row.source, row.governorate)][parent or "outside"] += 1
        tally[(2, row.source, row.district)][inside or "outside"] += 1
    indexes = {level: Index(of_level(units, level)) for level in (1, 2)}
    errors: list[str] = []
    notes: list[str] = []
    for (level, source, spelling), counter in sorted(tally.items()):
        mapped = indexes[level].resolve(spelling) or "?"
        hits, total = counter[mapped], counter.total()
        if hits == total:
            continue
        others = ", ".join(
            f"{units[p].name_en if p in units else p} {n}"
            for p, n in counter.most_common()
            if p != mapped
        )
        kind = "governorate" if level == 1 else "district"
        line = f"{source} {kind} {spelling!r} -> {mapped}: {hits}/{total} inside; {others}"
        if hits * 2 <= total and spelling in ACCEPTED_POINT_MISMATCHES:
            line += f" [accepted: {ACCEPTED_POINT_MISMATCHES[spelling]}]"
        elif hits * 2 <= total:
            errors.append(line)
            continue
        notes.append(line)
    return errors, notes


def check_resolution(units: dict[str, Unit], spellings: dict[int, set[str]]) -> list[str]:
    """Spellings of the shared files that do not resolve to exactly one unit of their level."""
    failures: list[str] = []
    for level, names in sorted(spellings.items()):
        index = Index(of_level(units, level))
        for name in sorted(names):
            if len(index.by_key.get(name_key(name), set())) != 1:
                failures.append(f"level {level}: {name!r} (key {name_key(name)!r})")
    return failures


def render(units: dict[str, Unit]) -> str:
    ordered = sorted(units.values(), key=lambda u: (u.level, u.pcode))
    document = {
        "source": SOURCE,
        "valid_on": VALID_ON,
        "units": [u.to_json() for u in ordered],
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def report(title: str, lines: Iterable[str]) -> None:
    lines = list(lines)
    print(f"{title}: {len(lines)}")
    for line in lines:
        print(f"  {line}")


def iter_spellings(
    rows: list[Row], origins: set[str], extra: dict[str, set[str]]
) -> Iterator[tuple[int, str]]:
    for row in rows:
        yield 1, row.governorate
        yield 2, row.district
    for name in origins | extra["governorate"]:
        yield 1, name
    for name in extra["district"]:
        yield 2, name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("shared", nargs="?", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    shared: Path = args.shared

    units = load_units(shared)
    dtm_rows, origins = read_dtm(shared)
    frame_rows, extra = read_frames(shared)
    rows = dtm_rows + frame_rows
    located = locate(units, rows)
    attach_names(units)
    gov_codes, dist_codes, code_notes = attach_old_codes(units, rows, located, shared)
    overlaps = check_levels(units)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(units), encoding="utf-8")

    aliases = [a for u in units.values() for a in u.alias_items()]
    n_names = sum(a["kind"] == "name" for a in aliases)
    print(f"wrote {args.output}")
    print(f"units: {len(units)}; aliases: {len(aliases)} ({n_names} names)")
    report("old governorate codes", (f"{c} -> {p}" for c, p in sorted(gov_codes.items())))
    report(
        "governorates without a proven old code",
        (f"{u.pcode} {u.name_en}" for u in of_level(units, 1) if u.pcode not in gov_codes.values()),
    )
    report("old district codes", (f"{c} -> {p}" for c, p in sorted(dist_codes.items())))
    report("old code notes", code_notes)
    report("keys shared by a governorate and its district", overlaps)
    point_errors, point_notes = check_points(units, rows, located)
    report("rows outside the unit their spelling maps to", point_notes)

    spellings: dict[int, set[str]] = defaultdict(set)
    for level, name in iter_spellings(rows, origins, extra):
        if name:
            spellings[level].add(name)
    failures = check_resolution(units, spellings)
    failures += [f"district outside its governorate: {p}" for p in check_pairs(units, rows)]
    failures += [f"mapping contradicted by most points: {e}" for e in point_errors]
    report("FAILURES", failures)
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except GazetteerError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
