# ruff: noqa: RUF001, RUF002
"""A labelled set of Iraqi registrations of the same people by several partners, for testing
de-duplication: who is the same person, a twin, a sibling or a paternal cousin of whom.

The population is a set of patrilines (clans): a great-grandfather (not registered) with 2 to 4
sons (grandfathers), each with 2 to 5 sons (fathers), each the head of a household with a wife
and up to 8 children (a draw around 4, fewer for couples too young or too old), births 1 to 4
years apart; the eldest son's household takes in his father in half of the cases where the
father was born in 1940 or later, with his wife in 60% of those. Births are
twins in 1.5% of cases; twin boys are named Hassan and Hussein in 50% of pairs. Brothers never
share a first name; the eldest son is named after his paternal grandfather in 30% of families.
Wives keep their own father's chain (a father, grandfather and family of their own). Clans are
Arab 80%, Kurdish 8%, Yazidi 8%, Turkmen 4%; each draws first names from its own pool and the
common pool (Zipf weights 1/(rank + 3)); Mohammed is 7.3% of the men's names drawn in
non-Yazidi clans (about 6% of all men). The pools hold 154 male and 87 female given names and 64
family and tribe names (47 Arab, 7 Kurdish, 6 Yazidi, 4 Turkmen), each with its Arabic spelling
and a vocalised romanisation.

Records. Each household is registered by 1 to 4 organisations (1: 45%, 2: 35%, 3: 15%, 4: 5%),
drawn by weight among MoMD, UNHCR, IOM, WFP, ACTED and two local NGOs (Harikar, Al-Mesalla);
a registration holds the members born by its year (2014 to 2024); the first, made after the
youngest birth, holds them all, the others leave out each member other than the head with
probability 7%; one registration in 25 is made again by the same organisation at another site
(a same-organisation duplicate). Members of
one household registration are always different people. Per record:

- script: Arabic or Latin by the organisation's habit (Arabic 80% MoMD, 70% Al-Mesalla, 45%
  Harikar, 45% IOM, 40% UNHCR, 35% WFP, 20% ACTED), so that about half of the true pairs cross
  scripts; Latin records are upper case with the organisation's probability (MoMD and WFP 90%,
  UNHCR 40%, others 15%);
- transliteration: rule-based, by the organisation's styles: ALA-LC-like ("Abd al-Rahman",
  "Muhammad", "al-Juburi"), English-popular ("Abdulrahman", "Mohammed", "Al-Jubouri"),
  French-ish ("Abdelrahman", "Mohamed", "El-Joubouri") and phonetic Iraqi ("Abdulrahman",
  "Mhamad", "Gasim", "Aljubori"); "Abdul" and "Rahman" are written joined, spaced or hyphenated
  (40% / 40% / 20% where the style splits them); the article is written in the style's way in
  70% of Latin family names, else "Al-", "Al ", "Al" joined, "El-", "al-" or dropped (equally);
- Arabic habits: hamza dropped (أ إ آ ئ ؤ -> ا ا ا ي و), ta marbuta as ha, final ya as alef
  maqsura or the reverse, each by the organisation's rate (30% to 60%); "عبد" joined to the next
  word in 30% of records; the article "ال" dropped in 10%; Kurdish and Yazidi names typed on a
  Sorani keyboard (ی ک ە) in 60% of Arabic records of Harikar, 25% of the others;
- honorific: Haji / Hajji / Al-Hajj / الحاج / حجي (women: Hajia / الحاجة) typed into the first
  name of people aged 55 and over in 30% of their records;
- chain: grandfather missing in 1/8 of records; family name missing in 1/4: left empty (50%),
  replaced by the tribe (20%), the great-grandfather's name (15%) or, for wives, the husband's
  family (15%, else empty); first and father name swapped in 2%; a typo in 4% of name fields
  (Arabic keyboard neighbours, Arabic sound-alikes ض/ظ ذ/ز ث/س ص/س ط/ت ح/ه, or QWERTY
  neighbours, a letter dropped, doubled or two swapped);
- full_name only (the chain in one field, in the record's script) in 10% of records of IOM,
  UNHCR and the NGOs, 5% of the others;
- date of birth: a person's documented date is a convention (1 January or 1 July of the true
  year) for 35% of people born before 1990; a record carries the documented date in 86.5% of
  cases, else (equally) none, a date derived from a stated age (heaped to a multiple of 5 when
  20 or over in 60% of cases; 1 July or 1 January of registration year minus age), a year off,
  or day and month swapped (a year off when that would not change the date); about three
  quarters of true pairs share the date;
- phone: the head's phone (88% of heads have one) on the head's record; members give their own
  phone (wives 30%, adult children 40%) in half of their records, else the head's in 60%, else
  none; households without a phone give their camp focal point's phone in 60% of records (one
  focal point per site, about 40 households a site); written 0770 123 4567, +964 770 123 4567,
  9647701234567, 7701234567 or 07701234567 by the organisation's habit;
- document number: 85% of adults and 50% of children hold one (12-digit unified card, or an
  8-digit civil ID for 30% of those born before 1980); organisations write it in 30% to 90% of
  records and copy the head's number onto members in 5% to 25% of members' records;
- governorates: origin (Ninewa 50%, Anbar 15%, Salah al-Din 12%, Kirkuk 6%, Diyala 6%, Baghdad
  5%, Babil 3%, Erbil 3%) and current (Duhok 30%, Ninewa 25%, Erbil 20%, Sulaymaniyah 8%,
  Kirkuk 5%, Anbar 5%, Baghdad 4%, Salah al-Din 3%), COD-AB 2019 p-codes; registration years
  2014 to 2024.

Labels give, per record, the person, the father and the paternal grandfather (ids), the true
date of birth, the script and the noise applied (``NOISE`` letters), so that ``relation`` can
classify any pair. Deterministic by seed.
"""

from __future__ import annotations

import csv
import functools
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple

from nahrain.registry.dedup.records import FIELDS

# The dedupe-file columns (``nahrain registry dedupe-file``): the generator writes the list the
# command reads.
COLUMNS = FIELDS
LABEL_COLUMNS = (
    "record_id",
    "person_id",
    "father_person_id",
    "grandfather_person_id",
    "birth_date",
    "script",
    "noise",
)
# The letters of Label.noise: what the generator did to a record (for reading a matcher's misses).
NOISE = {
    "g": "grandfather missing",
    "f": "family name missing or replaced",
    "s": "first and father name swapped",
    "t": "typo in a name",
    "h": "honorific in the first name",
    "n": "full_name only",
    "d": "date of birth other than the documented one",
    "c": "head's document number copied",
    "p": "focal point's phone",
}

GRANDFATHER_MISSING = 1 / 8
FAMILY_MISSING = 1 / 4
SWAP = 0.02
TYPO = 0.04
HONORIFIC = 0.30
DOCUMENTED_DATE_KEPT = 0.865
CONVENTION_DOB = 0.35
TWIN_BIRTHS = 0.015
HASSAN_HUSSEIN = 0.5
MOHAMMED = 0.073
DUPLICATE_REGISTRATION = 1 / 25
MEMBER_LEFT_OUT = 0.07
ORG_COUNTS = ((1, 0.45), (2, 0.35), (3, 0.15), (4, 0.05))
NOW = date(2024, 1, 1)

# A name: Arabic spelling, vocalised romanisation (long vowels doubled, "3" ayn, "'" hamza, final
# "ah" ta marbuta) and group: "a" common, "k" Kurdish, "y" Yazidi, "t" Turkmen.
Name = tuple[str, str, str]


def _pool(blocks: Sequence[tuple[str, str]]) -> tuple[Name, ...]:
    """Names of "arabic romanisation|..." blocks by group; "_" joins the words of a compound."""
    return tuple(
        (ar.replace("_", " "), ro.replace("_", " "), group)
        for group, block in blocks
        for ar, ro in (item.split(" ") for item in block.split("|"))
    )


MALE = _pool(
    (
        (
            "a",
            "محمد muhammad|أحمد ahmad|علي 3alii|حسين husayn|حسن hasan|عمر 3umar|خالد khaalid|"
            "إبراهيم ibraahiim|يوسف yuusuf|عبد_الله 3abd_allaah|عبد_الرحمن 3abd_al-rahmaan|"
            "عبد_الكريم 3abd_al-kariim|عبد_الرزاق 3abd_al-razzaaq|عبد_الستار 3abd_al-sattaar|"
            "عبد_الجبار 3abd_al-jabbaar|عبد_الأمير 3abd_al-amiir|عبد_العزيز 3abd_al-3aziiz|"
            "عبد_الحميد 3abd_al-hamiid|عبد_الوهاب 3abd_al-wahhaab|عبد_القادر 3abd_al-qaadir|"
            "مصطفى mustafaa|جاسم jaasim|سعد sa3d|قاسم qaasim|صالح saalih|محمود mahmuud|"
            "عباس 3abbaas|حمد hamad|فيصل faysal|رعد ra3d|ياسر yaasir|زياد ziyaad|عادل 3aadil|"
            "كريم kariim|حيدر haydar|جعفر ja3far|كاظم kaazim|مهدي mahdii|رضا ridaa|"
            "مرتضى murtadaa|منتظر muntazar|سجاد sajjaad|مؤمل mu'ammal|ضياء diyaa'|ظافر zaafir|"
            "ذياب dhiyaab|ثامر thaamir|سالم saalim|سلمان salmaan|سليمان sulaymaan|سامي saamii|"
            "سمير samiir|صباح sabaah|صدام saddaam|طه taahaa|طارق taariq|عامر 3aamir|عماد 3imaad|"
            "عدنان 3adnaan|عصام 3isaam|غازي ghaazii|فاضل faadil|فلاح falaah|فارس faaris|"
            "فراس firaas|قحطان qahtaan|ماجد maajid|مازن maazin|مجيد majiid|ناصر naasir|"
            "نبيل nabiil|نجم najm|نوري nuurii|هاشم haashim|هادي haadii|وليد waliid|وسام wisaam|"
            "يونس yuunus|يحيى yahyaa|إسماعيل ismaa3iil|إياد iyaad|أيوب ayyuub|أنور anwar|"
            "بشير bashiir|بكر bakr|ثائر thaa'ir|جمال jamaal|جبار jabbaar|حامد haamid|"
            "حميد hamiid|حازم haazim|خليل khaliil|خلف khalaf|رشيد rashiid|رياض riyaad|زيد zayd|"
            "سعيد sa3iid|شاكر shaakir|شهاب shihaab|صلاح salaah|ضاري daarii|عثمان 3uthmaan|"
            "عزيز 3aziiz|عواد 3awwaad|فرحان farhaan|لؤي lu'ayy|مالك maalik|مثنى muthannaa|"
            "مروان marwaan|مشعان mish3aan|نايف naayif|هيثم haytham|ياسين yaasiin|يعقوب ya3quub|"
            "أكرم akram|عرفان 3irfaan|أرشد arshad|نهاد nihaad|ذنون dhanuun|زهير zuhayr",
        ),
        (
            "k",
            "دلشاد dilshaad|ئازاد aazaad|هيمن heemin|ئاراس aaraas|كاوه kaawa|ريبوار reebwaar|"
            "شوان shwaan|سيروان seerwaan|بختيار bakhtiyaar|هوشيار hooshyaar|نوزاد nawzaad|"
            "جوتيار jootyaar|كاروان kaarwaan|سردار sardaar|شيرزاد sheerzaad|بارزان baarzaan",
        ),
        (
            "y",
            "خضر khidir|شيخو sheekhoo|داخل daakhil|حسو hassoo|مراد muraad|كجو kachoo|"
            "الياس ilyaas|خيري khayrii|برجس barjas|حجي hajjii|بركات barakaat|عيدو 3iidoo|"
            "دخيل dakhiil",
        ),
        ("t", "أيدن aydin|أورهان oorhaan|توران tooraan|أرسلان arslaan|أوزدمير oozdamiir"),
    )
)

FEMALE = _pool(
    (
        (
            "a",
            "فاطمة faatimah|زينب zaynab|مريم maryam|عائشة 3aa'ishah|نور nuur|هدى hudaa|"
            "سارة saarah|رقية ruqayyah|أمل amal|خديجة khadiijah|شيماء shaymaa'|إسراء israa'|"
            "سعاد su3aad|وفاء wafaa'|هناء hanaa'|سميرة samiirah|ليلى laylaa|رنا ranaa|"
            "غادة ghaadah|جميلة jamiilah|نادية naadiyah|كوثر kawthar|بشرى bushraa|آمنة aaminah|"
            "زهراء zahraa'|حوراء hawraa'|بتول batuul|دعاء du3aa'|آيات aayaat|أسماء asmaa'|"
            "سهى suhaa|منى munaa|رحاب rihaab|سناء sanaa'|صبا sabaa|ضحى duhaa|عبير 3abiir|"
            "علياء 3alyaa'|فرح farah|لمياء lamyaa'|مها mahaa|ندى nadaa|نجلاء najlaa'|"
            "هيفاء hayfaa'|وداد widaad|يسرى yusraa|انتصار intisaar|ابتسام ibtisaam|إيمان iimaan|"
            "بسمة basmah|تغريد taghriid|حنان hanaan|حليمة haliimah|رباب rabaab|رشا rashaa|"
            "زهرة zahrah|سلمى salmaa|شهد shahad|صفاء safaa'|عذراء 3adhraa'|غفران ghufraan|"
            "قمر qamar|كريمة kariimah|مروة marwah|نسرين nasriin|هالة haalah|ياسمين yaasmiin|"
            "سكينة sakiinah|ظمياء zamyaa'|ثريا thurayyaa",
        ),
        (
            "k",
            "شيرين shiiriin|نازدار naazdaar|بيمان peemaan|روناك roonaak|كلستان gulistaan|"
            "هيرو heeroo|شيلان sheelaan|دلبر dilbar|ئاواز aawaaz",
        ),
        ("y", "خاتون khaatuun|جيهان jiihaan|برفين barfiin|كولي goolii|نسيمة nasiimah"),
        ("t", "نرمين nirmiin|آيتن aaytan|كلشن gulshan"),
    )
)

# Family and tribe names; those with the article are written "ال" + stem, "al-" + stem.
FAMILY = _pool(
    (
        (
            "a",
            "الجبوري al-jubuurii|الدليمي al-dulaymii|العبيدي al-3ubaydii|الشمري al-shammarii|"
            "الجميلي al-jumaylii|العاني al-3aanii|الحديثي al-hadiithii|الطائي al-taa'ii|"
            "الزوبعي al-zawba3ii|السامرائي al-saamarraa'ii|التكريتي al-tikriitii|"
            "الكرطاني al-kartaanii|العزاوي al-3azzaawii|الحمداني al-hamdaanii|"
            "اللهيبي al-luhaybii|الموصلي al-mawsilii|الخاتوني al-khaatuunii|العكيدي al-3ukaydii|"
            "الحيالي al-hayyaalii|النعيمي al-nu3aymii|الراوي al-raawii|الكبيسي al-kubaysii|"
            "الفهداوي al-fahdaawii|المحمدي al-muhammadii|العيساوي al-3iisaawii|"
            "الجنابي al-janaabii|الكربولي al-karbuulii|الحلبوسي al-halbuusii|الدوري al-duurii|"
            "السبعاوي al-sab3aawii|المشهداني al-mashhadaanii|الساعدي al-saa3idii|"
            "الربيعي al-rubay3ii|الخزرجي al-khazrajii|التميمي al-tamiimii|الزبيدي al-zubaydii|"
            "الكعبي al-ka3bii|الحسيني al-husaynii|البدراني al-badraanii|الحديدي al-hadiidii|"
            "العلاف al-3allaaf|الصفار al-saffaar|الدباغ al-dabbaagh|الشرابي al-sharaabii|"
            "الطحان al-tahhaan|خلف khalaf|الحسن al-hasan",
        ),
        (
            "k",
            "البرزنجي al-barzanjii|الدوسكي al-duuskii|الزيباري al-ziibaarii|"
            "البرواري al-barwaarii|الهركي al-harkii|الجاف al-jaaf|السورجي al-suurchii",
        ),
        ("y", "حسو hassoo|مراد muraad|كجو kachoo|شنكالي shingaalii|ميرزا meerzaa|داود daawuud"),
        ("t", "البياتي al-bayaatii|الصالحي al-saalihii|النفطجي al-naftachii|قصاب qassaab"),
    )
)

HASSAN = next(n for n in MALE if n[1] == "hasan")
HUSSEIN = next(n for n in MALE if n[1] == "husayn")
MOHAMMED_NAME = MALE[0]

ETHNICITY = (("a", 0.80), ("k", 0.08), ("y", 0.08), ("t", 0.04))
ORIGIN = (
    ("IQG15", 0.50),
    ("IQG01", 0.15),
    ("IQG16", 0.12),
    ("IQG13", 0.06),
    ("IQG10", 0.06),
    ("IQG08", 0.05),
    ("IQG07", 0.03),
    ("IQG11", 0.03),
)
CURRENT = (
    ("IQG09", 0.30),
    ("IQG15", 0.25),
    ("IQG11", 0.20),
    ("IQG06", 0.08),
    ("IQG13", 0.05),
    ("IQG01", 0.05),
    ("IQG08", 0.04),
    ("IQG16", 0.03),
)
HOUSEHOLDS_PER_SITE = 40
PHONE_PREFIXES = ("770", "771", "772", "773", "774", "780", "781", "782", "750", "751")


@dataclass(frozen=True)
class Org:
    name: str
    weight: float
    arabic: float  # share of records in Arabic script
    styles: tuple[tuple[str, float], ...]  # transliteration styles of its Latin records
    upper: float
    full_only: float
    phones: tuple[str, ...]  # phone formats, see _phone
    document: float
    copy_head_document: float
    hamza_dropped: float
    sorani: float  # Kurdish and Yazidi names on a Sorani keyboard, Arabic records


ORGS = (
    Org("MoMD", 0.55, 0.80, (("alalc", 1.0),), 0.9, 0.05, ("local",), 0.9, 0.05, 0.3, 0.25),
    Org(
        "UNHCR",
        0.40,
        0.40,
        (("english", 0.7), ("alalc", 0.3)),
        0.4,
        0.10,
        ("intl", "spaced"),
        0.7,
        0.10,
        0.4,
        0.25,
    ),
    Org(
        "IOM",
        0.45,
        0.45,
        (("english", 0.6), ("iraqi", 0.4)),
        0.15,
        0.10,
        ("spaced", "local"),
        0.5,
        0.15,
        0.5,
        0.25,
    ),
    Org(
        "WFP",
        0.35,
        0.35,
        (("iraqi", 0.7), ("english", 0.3)),
        0.9,
        0.05,
        ("e164",),
        0.6,
        0.25,
        0.5,
        0.25,
    ),
    Org(
        "ACTED", 0.10, 0.20, (("french", 1.0),), 0.15, 0.10, ("intl", "bare"), 0.4, 0.20, 0.5, 0.25
    ),
    Org(
        "Harikar",
        0.10,
        0.45,
        (("iraqi", 0.6), ("english", 0.4)),
        0.15,
        0.10,
        ("bare", "local"),
        0.3,
        0.20,
        0.6,
        0.6,
    ),
    Org(
        "Al-Mesalla", 0.10, 0.70, (("english", 1.0),), 0.15, 0.10, ("local",), 0.3, 0.20, 0.6, 0.25
    ),
)


class Person(NamedTuple):
    pid: str
    sex: str
    first: Name
    father: Name
    grandfather: Name
    family: Name
    tribe: Name
    great_grandfather: Name
    husband_family: Name | None
    birth: date
    documented_birth: date
    father_pid: str
    grandfather_pid: str
    phone: str  # 10 digits, "" when none
    document: str


class Household(NamedTuple):
    members: tuple[Person, ...]  # the head first
    origin: str
    site: int
    phone: str


@dataclass(frozen=True)
class Label:
    person_id: str
    father_person_id: str
    grandfather_person_id: str
    birth_date: str
    script: str  # "ar" or "la"
    noise: str  # letters of NOISE


@dataclass(frozen=True)
class LabelledSet:
    records: list[dict[str, str]]
    labels: dict[str, Label]


def _weighted(rng: random.Random, table: Sequence[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in table], [w for _, w in table])[0]


def _zipf(names: Sequence[Name]) -> list[float]:
    return list(accumulate(1 / (rank + 3) for rank in range(len(names))))


def _given_pool(names: Sequence[Name], group: str) -> tuple[list[Name], list[float]]:
    pool = [n for n in names if n[2] in {"a", group}]
    return pool, _zipf(pool)


_MALE_POOLS = {g: _given_pool(MALE, g) for g in "akyt"}
_FEMALE_POOLS = {g: _given_pool(FEMALE, g) for g in "akyt"}
_FAMILY_POOLS = {g: [n for n in FAMILY if n[2] == g] for g in "akyt"}


def _given(rng: random.Random, sex: str, group: str) -> Name:
    if sex == "m" and group != "y" and rng.random() < MOHAMMED:
        return MOHAMMED_NAME
    # Mohammed is drawn above; in the pools he would come at his Zipf rank again (Yazidis alike).
    pool, cum = (_MALE_POOLS if sex == "m" else _FEMALE_POOLS)[group]
    while True:
        name = rng.choices(pool, cum_weights=cum)[0]
        if name is not MOHAMMED_NAME:
            return name


def _family(rng: random.Random, group: str) -> Name:
    # Kurds, Yazidis and Turkmen also carry Arab tribal names now and then.
    pool = _FAMILY_POOLS[group] if rng.random() < 0.8 else _FAMILY_POOLS["a"]
    return rng.choice(pool)


# --- transliteration ------------------------------------------------------------------------

_C = "[bcdfghjklmnpqrstvwxyz]"
# Rules in order, on one lower-case word of the vocalised romanisation.
_STYLE_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    # ALA-LC without diacritics: ayn and hamza as an apostrophe inside a word, long vowels short.
    "alalc": (
        (r"ee", "e"),
        (r"oo", "o"),
        (r"aa", "a"),
        (r"ii", "i"),
        (r"uu", "u"),
        (r"^3", ""),
        (r"3", "'"),
        (r"'$", ""),
    ),
    # English as Iraqi partners write it: Mohammed, Ahmed, Hussein, Kareem, Mahmoud, Saad, Fatima.
    "english": (
        (r"ee", "e"),
        (r"oo", "o"),
        (r"^muh", "moh"),
        (r"(mm|hm)ad$", r"\1ed"),
        (r"usayn", "ussein"),
        (r"(?<=[aeiou])s(?=[aeiou])", "ss"),
        (r"aa", "a"),
        (r"a3(?=" + _C + ")", "aa"),
        (r"3", ""),
        (r"'", ""),
        (r"uu", "ou"),
        (r"ii(?=" + _C + "$)", "ee"),
        (r"ii", "i"),
        (r"ay", "ai"),
        (r"ah$", "a"),
    ),
    # French-ish: Mohamed, Moustafa, Youssouf, Houssein, Chaker, Fatima, El-Joubouri.
    "french": (
        (r"ee", "é"),
        (r"oo", "o"),
        (r"^mu", "mo"),
        (r"mm", "m"),
        (r"mad$", "med"),
        (r"(?<=[aeiou])s(?=[aeiou])", "ss"),
        (r"aa", "a"),
        (r"a3(?=" + _C + ")", "aa"),
        (r"3", ""),
        (r"'", ""),
        (r"uu", "ou"),
        (r"(?<!o)u", "ou"),
        (r"sh", "ch"),
        (r"ii", "i"),
        (r"ay(?=n$)", "ei"),
        (r"ay", "ai"),
        (r"ah$", "a"),
    ),
    # Phonetic Iraqi: the unstressed first vowel dropped, doubled letters single, qaf as g.
    "iraqi": (
        (r"ee", "e"),
        (r"oo", "o"),
        (r"^(" + _C + ")[ui](?=" + _C + ")", r"\1"),
        (r"aa", "a"),
        (r"^3", ""),
        (r"a3", "aa"),
        (r"3", "a"),
        (r"'", ""),
        (r"uu", "o"),
        (r"ii", "i"),
        (r"(" + _C + r")\1", r"\1"),
        (r"q", "g"),
        (r"ay", "ei"),
        (r"ah$", "a"),
    ),
}
_COMPILED = {
    style: tuple((re.compile(pattern), repl) for pattern, repl in rules)
    for style, rules in _STYLE_RULES.items()
}
# How each style writes "Abd" before the article and the article of a family name.
_ABD = {
    "alalc": ("Abd al-", "Abd "),
    "english": ("Abdul", "Abdu"),
    "french": ("Abdel", "Abda"),
    "iraqi": ("Abdul", "Abdu"),
}
_ARTICLE = {"alalc": "al-", "english": "Al-", "french": "El-", "iraqi": "Al"}
_ARTICLE_VARIANTS = ("Al-", "Al ", "Al", "El-", "al-", "")


@functools.lru_cache(maxsize=8192)
def _word(word: str, style: str) -> str:
    for pattern, repl in _COMPILED[style]:
        word = pattern.sub(repl, word)
    return word[:1].upper() + word[1:]


def romanised(roman: str, style: str, rng: random.Random) -> str:
    """A name's vocalised romanisation as written in a transliteration ``style``."""
    if roman.startswith("3abd "):
        rest = roman[5:]
        joined, before_allah = _ABD[style]
        if rest == "allaah":
            return before_allah + "llah" if style != "alalc" else "Abd Allah"
        stem = _word(rest.removeprefix("al-"), style)
        if style == "alalc":
            return joined + stem
        spacing = rng.random()
        if spacing < 0.4:
            return joined + stem.lower()
        return joined + (" " if spacing < 0.8 else "-") + stem
    if roman.startswith("al-"):
        stem = _word(roman[3:], style)
        article = _ARTICLE[style] if rng.random() < 0.7 else rng.choice(_ARTICLE_VARIANTS)
        return article + (stem.lower() if article == "Al" and style == "iraqi" else stem)
    return _word(roman, style)


# --- Arabic habits --------------------------------------------------------------------------

_HAMZA = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ئ": "ي", "ؤ": "و"})
_SORANI = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})
_SOUND_ALIKE = {
    "ض": "ظ",
    "ظ": "ض",
    "ذ": "ز",
    "ز": "ذ",
    "ث": "س",
    "س": "ث",
    "ص": "س",
    "ط": "ت",
    "ت": "ط",
    "ح": "ه",
    "ه": "ح",
}
_ARABIC_ROWS = ("ضصثقفغعهخحجد", "شسيبلاتنمكط", "ئءؤرىةوزظ")
_QWERTY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _neighbours(rows: Sequence[str]) -> dict[str, str]:
    near: dict[str, str] = {}
    for row in rows:
        for i, ch in enumerate(row):
            near[ch] = row[max(i - 1, 0) : i] + row[i + 1 : i + 2]
    return near


_ARABIC_NEAR = _neighbours(_ARABIC_ROWS)
_QWERTY_NEAR = _neighbours(_QWERTY_ROWS)


def arabic_written(
    arabic: str, rng: random.Random, *, hamza_dropped: float, sorani: bool, article: bool = True
) -> str:
    """An Arabic name as a typist writes it: hamza, ta marbuta and alef maqsura habits, "عبد"
    joined, the article dropped, or a Sorani keyboard."""
    text = arabic
    if rng.random() < hamza_dropped:
        text = text.translate(_HAMZA)
    if text.endswith("ة") and rng.random() < hamza_dropped:
        text = text[:-1] + "ه"
    if text.endswith("ى") and rng.random() < hamza_dropped:
        text = text[:-1] + "ي"
    elif text.endswith("ي") and rng.random() < hamza_dropped / 3:
        text = text[:-1] + "ى"
    if text.startswith("عبد ") and rng.random() < 0.3:
        text = "عبد" + text[4:]
    if article and text.startswith("ال") and len(text) > 4 and rng.random() < 0.1:
        text = text[2:]
    if sorani:
        text = text.translate(_SORANI)
        if text[-1] in "هة":
            text = text[:-1] + "ە"
    return text


def typo(text: str, rng: random.Random) -> str:
    """One slip of the hand: a neighbouring key, a sound-alike letter (Arabic), a letter dropped,
    doubled, or two swapped."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 3:
        return text
    i = rng.choice(letters)
    ch = text[i]
    kind = rng.random()
    if kind < 0.4:
        lower = ch.lower()
        near = _SOUND_ALIKE.get(ch, "") if rng.random() < 0.5 else ""
        near = near or _ARABIC_NEAR.get(ch, "") or _QWERTY_NEAR.get(lower, "")
        if not near:
            return text[:i] + text[i + 1 :]
        new = rng.choice(near)
        return text[:i] + (new.upper() if ch.isupper() else new) + text[i + 1 :]
    # Swapping two equal letters would change nothing, nor can the first be swapped: drop one.
    if kind < 0.6 or (kind >= 0.8 and (i == 0 or text[i - 1] == ch)):
        return text[:i] + text[i + 1 :]
    if kind < 0.8:
        return text[:i] + ch + text[i:]
    return text[: i - 1] + ch + text[i - 1] + text[i + 1 :]


# --- population -----------------------------------------------------------------------------


class _Ids:
    def __init__(self) -> None:
        self.next = 0

    def __call__(self, prefix: str = "P") -> str:
        self.next += 1
        return f"{prefix}{self.next:07d}"


def _birth(rng: random.Random, year_from: int, year_to: int) -> date:
    return date(year_from, 1, 1) + timedelta(days=rng.randrange((year_to - year_from + 1) * 365))


def _documented(rng: random.Random, birth: date) -> date:
    if birth.year < 1990 and rng.random() < CONVENTION_DOB:
        return date(birth.year, 7, 1) if rng.random() < 0.6 else date(birth.year, 1, 1)
    return birth


def _phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10_000_000):07d}"


def _document(rng: random.Random, birth: date) -> str:
    adult = NOW.year - birth.year >= 18
    if rng.random() >= (0.85 if adult else 0.5):
        return ""
    if birth.year < 1980 and rng.random() < 0.3:
        return f"{rng.randrange(10**8):08d}"
    return f"{rng.choice('12')}{birth.year % 100:02d}{rng.randrange(10**9):09d}"


def _births(rng: random.Random, count: int, first_year: int, last_year: int) -> list[date]:
    """Birth dates of ``count`` children of one father, spaced 1 to 4 years, twins included."""
    dates: list[date] = []
    when = _birth(rng, first_year, first_year + 2)
    while len(dates) < count and when.year <= last_year:
        dates.append(when)
        if len(dates) < count and rng.random() < TWIN_BIRTHS:
            dates.append(when)
        when += timedelta(days=rng.randrange(365, 4 * 365))
    return dates[:count]


def _children_names(
    rng: random.Random, sexes: list[str], births: list[date], group: str, grandfather: Name
) -> list[Name]:
    names: list[Name] = []
    for i, sex in enumerate(sexes):
        twin_boys = i > 0 and births[i] == births[i - 1] and sex == sexes[i - 1] == "m"
        if twin_boys and names[i - 1] is HASSAN:
            names.append(HUSSEIN)
            continue
        twins_ahead = i + 1 < len(sexes) and births[i] == births[i + 1] and sex == sexes[i + 1]
        unnamed = HASSAN not in names and HUSSEIN not in names
        if twins_ahead and sex == "m" and unnamed and rng.random() < HASSAN_HUSSEIN:
            names.append(HASSAN)
            continue
        first_son = sex == "m" and "m" not in sexes[:i]
        if first_son and rng.random() < 0.3 and grandfather not in names:
            names.append(grandfather)
            continue
        name = _given(rng, sex, group)
        while name in names:
            name = _given(rng, sex, group)
        names.append(name)
    return names


class _Clan(NamedTuple):
    group: str
    family: Name
    tribe: Name
    great_grandfather: Name
    ggf_father: Name
    origin: str


def _wife(rng: random.Random, ids: _Ids, group: str, husband: Person, birth: date) -> Person:
    return Person(
        pid=ids(),
        sex="f",
        first=_given(rng, "f", group),
        father=_given(rng, "m", group),
        grandfather=_given(rng, "m", group),
        family=_family(rng, group),
        tribe=_family(rng, group),
        great_grandfather=_given(rng, "m", group),
        husband_family=husband.family,
        birth=birth,
        documented_birth=_documented(rng, birth),
        father_pid=ids("F"),
        grandfather_pid=ids("G"),
        phone=_phone(rng) if rng.random() < 0.3 else "",
        document=_document(rng, birth),
    )


def _son(
    rng: random.Random, ids: _Ids, clan: _Clan, name: Name, father: Person, sex: str, birth: date
) -> Person:
    adult = NOW.year - birth.year >= 18
    return Person(
        pid=ids(),
        sex=sex,
        first=name,
        father=father.first,
        grandfather=father.father,
        family=clan.family,
        tribe=clan.tribe,
        great_grandfather=clan.great_grandfather,
        husband_family=None,
        birth=birth,
        documented_birth=_documented(rng, birth),
        father_pid=father.pid,
        grandfather_pid=father.father_pid,
        phone=_phone(rng) if adult and rng.random() < 0.4 else "",
        document=_document(rng, birth),
    )


def _as_twin(person: Person, elder: Person | None) -> Person:
    """A twin carries the documented date of birth of the twin born before."""
    if elder is None or (elder.father_pid, elder.birth) != (person.father_pid, person.birth):
        return person
    return person._replace(documented_birth=elder.documented_birth)


def _clan(rng: random.Random, ids: _Ids, sites: int) -> list[Household]:
    group = _weighted(rng, ETHNICITY)
    origin = "IQG15" if group in "ky" and rng.random() < 0.8 else _weighted(rng, ORIGIN)
    clan = _Clan(
        group,
        _family(rng, group),
        _family(rng, group),
        _given(rng, "m", group),
        _given(rng, "m", group),
        origin,
    )
    great = Person(
        ids(),
        "m",
        clan.great_grandfather,
        clan.ggf_father,
        _given(rng, "m", group),
        clan.family,
        clan.tribe,
        clan.great_grandfather,
        None,
        NOW,
        NOW,
        ids("F"),
        ids("G"),
        "",
        "",
    )
    households: list[Household] = []
    gf_first = rng.randrange(1925, 1956)
    gf_count = rng.randint(2, 4)
    gf_births = _births(rng, gf_count, gf_first, gf_first + 20)
    gf_names = _children_names(rng, ["m"] * len(gf_births), gf_births, group, great.father)
    gf: Person | None = None
    for gf_name, gf_birth in zip(gf_names, gf_births, strict=True):
        gf = _as_twin(_son(rng, ids, clan, gf_name, great, "m", gf_birth), gf)
        f_count = rng.randint(2, 5)
        f_births = _births(rng, f_count, gf_birth.year + 20, min(gf_birth.year + 45, 2000))
        f_names = _children_names(rng, ["m"] * len(f_births), f_births, group, gf.father)
        elders: list[Person] = []
        if gf_birth.year >= 1940 and rng.random() < 0.5:
            elders.append(gf)
            if rng.random() < 0.6:
                elders.append(
                    _wife(rng, ids, group, gf, _birth(rng, gf_birth.year + 2, gf_birth.year + 8))
                )
        brother: Person | None = None
        for f_name, f_birth in zip(f_names, f_births, strict=True):
            brother = _as_twin(_son(rng, ids, clan, f_name, gf, "m", f_birth), brother)
            head = brother._replace(phone=_phone(rng) if rng.random() < 0.88 else "")
            wife_birth = _birth(rng, f_birth.year + 2, f_birth.year + 8)
            wife = _wife(rng, ids, group, head, wife_birth)
            count = max(1, min(8, round(rng.gauss(4, 1.8))))
            births = _births(rng, count, wife_birth.year + 18, min(wife_birth.year + 45, 2023))
            births = [b for b in births if b < NOW]
            sexes = ["m" if rng.random() < 0.51 else "f" for _ in births]
            names = _children_names(rng, sexes, births, group, head.father)
            children: list[Person] = []
            for n, s, b in zip(names, sexes, births, strict=True):
                child = _son(rng, ids, clan, n, head, s, b)
                children.append(_as_twin(child, children[-1] if children else None))
            members = (head, wife, *children, *elders)
            elders = []
            households.append(Household(members, origin, rng.randrange(sites), head.phone))
    return households


def population(people: int, rng: random.Random) -> list[Household]:
    """Households of clans until ``people`` people are drawn (the last household trimmed)."""
    ids = _Ids()
    sites = max(3, people // (6 * HOUSEHOLDS_PER_SITE))
    households: list[Household] = []
    total = 0
    while total < people:
        for household in _clan(rng, ids, sites):
            if total >= people:
                break
            members = household.members[: people - total]
            households.append(household._replace(members=members))
            total += len(members)
    return households


# --- records --------------------------------------------------------------------------------


def _dob(rng: random.Random, person: Person, year: int) -> tuple[str, bool]:
    """The date of birth a record carries and whether it departs from the documented date."""
    documented = person.documented_birth
    if rng.random() < DOCUMENTED_DATE_KEPT:
        return documented.isoformat(), False
    kind = rng.randrange(4)
    if kind == 0:
        return "", True
    if kind == 1:
        age = max(0, year - person.birth.year)
        if age >= 20 and rng.random() < 0.6:
            age = 5 * round(age / 5)
        return date(year - age, 7 if rng.random() < 0.6 else 1, 1).isoformat(), True
    if kind == 2 or documented.day > 12 or documented.day == documented.month:
        shifted = documented.year + rng.choice((-1, 1))
        return documented.replace(year=shifted, day=min(documented.day, 28)).isoformat(), True
    return documented.replace(month=documented.day, day=documented.month).isoformat(), True


def _format_phone(digits: str, style: str) -> str:
    if style == "local":
        return f"0{digits}"
    if style == "spaced":
        return f"0{digits[:3]} {digits[3:6]} {digits[6:]}"
    if style == "intl":
        return f"+964 {digits[:3]} {digits[3:6]} {digits[6:]}"
    if style == "e164":
        return f"964{digits}"
    return digits


class _Registration(NamedTuple):
    org: Org
    household_id: str
    year: int
    site: int
    current: str


def _names(
    rng: random.Random, org: Org, person: Person, latin: bool, noise: list[str]
) -> tuple[str, str, str, str]:
    style = _weighted(rng, org.styles)
    kurdish = person.first[2] in {"k", "y"} or person.family[2] in {"k", "y"}
    sorani = not latin and kurdish and rng.random() < org.sorani

    def written(name: Name) -> str:
        if latin:
            return romanised(name[1], style, rng)
        return arabic_written(name[0], rng, hamza_dropped=org.hamza_dropped, sorani=sorani)

    family = ""
    if rng.random() < FAMILY_MISSING:
        noise.append("f")
        what = rng.random()
        if what < 0.5:
            family = ""
        elif what < 0.7:
            family = written(person.tribe)
        elif what < 0.85:
            family = written(person.great_grandfather)
        elif person.husband_family is not None:
            family = written(person.husband_family)
    else:
        family = written(person.family)
    grandfather = ""
    if rng.random() < GRANDFATHER_MISSING:
        noise.append("g")
    else:
        grandfather = written(person.grandfather)
    first, father = written(person.first), written(person.father)
    if rng.random() < SWAP:
        noise.append("s")
        first, father = father, first
    if NOW.year - person.birth.year >= 55 and rng.random() < HONORIFIC:
        noise.append("h")
        if latin:
            title = rng.choice(("Haji", "Hajji", "Al-Hajj")) if person.sex == "m" else "Hajia"
        else:
            title = rng.choice(("الحاج", "حجي")) if person.sex == "m" else "الحاجة"
        first = f"{title} {first}"
    parts = [first, father, grandfather, family]
    for i, part in enumerate(parts):
        if part and rng.random() < TYPO:
            parts[i] = typo(part, rng)
            if "t" not in noise:
                noise.append("t")
    if latin and rng.random() < org.upper:
        parts = [p.upper().replace("-", " ").replace("'", "") for p in parts]
    return parts[0], parts[1], parts[2], parts[3]


def _record(
    rng: random.Random, reg: _Registration, household: Household, person: Person, focal: str
) -> tuple[dict[str, str], str, str]:
    org = reg.org
    noise: list[str] = []
    latin = rng.random() >= org.arabic
    first, father, grandfather, family = _names(rng, org, person, latin, noise)
    full = ""
    if rng.random() < org.full_only:
        noise.append("n")
        full = " ".join(p for p in (first, father, grandfather, family) if p)
        first = father = grandfather = family = ""
    dob, moved = _dob(rng, person, reg.year)
    if moved:
        noise.append("d")
    head = household.members[0]
    phone = ""
    if person is head:
        phone = household.phone
    elif person.phone and rng.random() < 0.5:
        phone = person.phone
    elif rng.random() < 0.6:
        phone = household.phone
    if not household.phone and not phone and rng.random() < 0.6:
        phone = focal
        noise.append("p")
    document = person.document if rng.random() < org.document else ""
    if person is not head and head.document and rng.random() < org.copy_head_document:
        document = head.document
        noise.append("c")
    record = {
        "record_id": "",
        "org": org.name,
        "first_name": first,
        "father_name": father,
        "grandfather_name": grandfather,
        "family_name": family,
        "full_name": full,
        "sex": person.sex,
        "date_of_birth": dob,
        "phone": _format_phone(phone, rng.choice(org.phones)) if phone else "",
        "document_number": document,
        "household_id_in_org": reg.household_id,
        "admin1_origin": household.origin,
        "admin1_current": reg.current,
    }
    return record, "la" if latin else "ar", "".join(noise)


def _org_count(rng: random.Random) -> int:
    return rng.choices([n for n, _ in ORG_COUNTS], [w for _, w in ORG_COUNTS])[0]


def _registrations(
    rng: random.Random,
    household: Household,
    serial: dict[str, int],
    site_current: list[str],
    sites: int,
) -> list[_Registration]:
    count = _org_count(rng)
    orgs: list[Org] = []
    while len(orgs) < count:
        org = rng.choices(ORGS, [o.weight for o in ORGS])[0]
        if org not in orgs:
            orgs.append(org)
    youngest = max(m.birth.year for m in household.members)
    regs: list[_Registration] = []
    for i, org in enumerate(orgs):
        low = max(2014, youngest) if i == 0 else 2014
        site = household.site
        repeats = 2 if rng.random() < DUPLICATE_REGISTRATION else 1
        for _ in range(repeats):
            serial[org.name] += 1
            regs.append(
                _Registration(
                    org,
                    f"{org.name[:3].upper()}-{serial[org.name]:07d}",
                    rng.randint(min(low, 2024), 2024),
                    site,
                    site_current[site],
                )
            )
            site = rng.randrange(sites)
    return regs


def generate(people: int, *, seed: int = 1) -> LabelledSet:
    """``people`` people of Iraqi families and their registrations by several partners."""
    # Seeded on purpose: the same seed gives the same set, nothing here is a secret.
    rng = random.Random(seed)  # noqa: S311
    households = population(people, rng)
    sites = max(3, people // (6 * HOUSEHOLDS_PER_SITE))
    site_current = [_weighted(rng, CURRENT) for _ in range(sites)]
    focal = [_phone(rng) for _ in range(sites)]
    serial = dict.fromkeys((o.name for o in ORGS), 0)
    rows: list[tuple[dict[str, str], Label]] = []
    for household in households:
        for i, reg in enumerate(_registrations(rng, household, serial, site_current, sites)):
            for j, person in enumerate(household.members):
                if person.birth.year > reg.year:
                    continue
                if i > 0 and j > 0 and rng.random() < MEMBER_LEFT_OUT:
                    continue
                record, script, noise = _record(rng, reg, household, person, focal[reg.site])
                label = Label(
                    person.pid,
                    person.father_pid,
                    person.grandfather_pid,
                    person.birth.isoformat(),
                    script,
                    noise,
                )
                rows.append((record, label))
    rng.shuffle(rows)
    labels: dict[str, Label] = {}
    for n, (record, label) in enumerate(rows, start=1):
        record["record_id"] = f"R{n:08d}"
        labels[record["record_id"]] = label
    return LabelledSet([record for record, _ in rows], labels)


def relation(labels: dict[str, Label], record_a: str, record_b: str) -> str | None:
    """What the people of two records are to each other: "same", "twin", "sibling" (same father),
    "cousin" (fathers are brothers) or None."""
    a, b = labels[record_a], labels[record_b]
    if a.person_id == b.person_id:
        return "same"
    if a.father_person_id == b.father_person_id:
        return "twin" if a.birth_date == b.birth_date else "sibling"
    if a.grandfather_person_id == b.grandfather_person_id:
        return "cousin"
    return None


def write_csv(labelled: LabelledSet, records_path: Path | str, labels_path: Path | str) -> None:
    with open(records_path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows([record[c] for c in COLUMNS] for record in labelled.records)
    with open(labels_path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(LABEL_COLUMNS)
        writer.writerows(
            (
                record_id,
                label.person_id,
                label.father_person_id,
                label.grandfather_person_id,
                label.birth_date,
                label.script,
                label.noise,
            )
            for record_id, label in labelled.labels.items()
        )


def read_csv(records_path: Path | str, labels_path: Path | str) -> LabelledSet:
    with open(records_path, encoding="utf-8", newline="") as source:
        records = [dict(row) for row in csv.DictReader(source)]
    with open(labels_path, encoding="utf-8", newline="") as source:
        labels = {
            row["record_id"]: Label(
                row["person_id"],
                row["father_person_id"],
                row["grandfather_person_id"],
                row["birth_date"],
                row["script"],
                row["noise"],
            )
            for row in csv.DictReader(source)
        }
    return LabelledSet(records, labels)
