"""Iraqi names for the demo and the benchmarks, with the spellings partners use for them.

Each name is (Arabic, [Latin spellings]); each organisation's list writes a name in its own way:
one in Arabic script with hamza and ta marbuta, another without them, another in Latin letters
with its own transliteration (``spelled``). Common given names and tribal and family names of
Iraq's governorates of displacement (Ninewa, Anbar, Salah al-Din, Diyala, Kirkuk), Yazidi and
Kurdish names of Sinjar and Duhok among them."""

from __future__ import annotations

import random

MALE = [
    ("محمد", ["Mohammed", "Muhammad", "Mohamed", "Mohammad"]),
    ("أحمد", ["Ahmed", "Ahmad"]),
    ("علي", ["Ali", "Aly"]),
    ("حسين", ["Hussein", "Hussain", "Husain"]),
    ("حسن", ["Hassan", "Hasan"]),
    ("عمر", ["Omar", "Umar"]),
    ("خالد", ["Khalid", "Khaled"]),
    ("إبراهيم", ["Ibrahim", "Ebrahim"]),
    ("يوسف", ["Yousef", "Yusuf", "Youssef"]),
    ("عبد الله", ["Abdullah", "Abdallah", "Abd Allah"]),
    ("عبد الرحمن", ["Abdulrahman", "Abdul Rahman", "Abd al-Rahman"]),
    ("مصطفى", ["Mustafa", "Mostafa"]),
    ("جاسم", ["Jasim", "Jassim", "Jasem"]),
    ("سعد", ["Saad", "Sa'ad"]),
    ("قاسم", ["Qasim", "Kassim", "Qassem"]),
    ("صالح", ["Salih", "Saleh"]),
    ("محمود", ["Mahmoud", "Mahmood"]),
    ("عباس", ["Abbas"]),
    ("حمد", ["Hamad"]),
    ("فيصل", ["Faisal", "Faysal"]),
    ("رعد", ["Raad", "Ra'ad"]),
    ("ياسر", ["Yasir", "Yasser"]),
    ("زياد", ["Ziyad", "Ziad"]),
    ("عادل", ["Adil", "Adel"]),
    ("كريم", ["Karim", "Kareem"]),
    ("خضر", ["Khidir", "Khider"]),
    ("دلشاد", ["Dilshad"]),
    ("ئازاد", ["Azad"]),
    ("شيخو", ["Shekho", "Sheikho"]),
    ("حجي", ["Haji", "Hajji"]),
]

FEMALE = [
    ("فاطمة", ["Fatima", "Fatimah", "Fatma"]),
    ("زينب", ["Zainab", "Zaynab", "Zeinab"]),
    ("مريم", ["Maryam", "Mariam"]),
    ("عائشة", ["Aisha", "Aysha"]),
    ("نور", ["Noor", "Nour"]),
    ("هدى", ["Huda", "Hoda"]),
    ("سارة", ["Sara", "Sarah"]),
    ("رقية", ["Ruqaya", "Ruqayah"]),
    ("أمل", ["Amal"]),
    ("خديجة", ["Khadija", "Khadijah"]),
    ("شيماء", ["Shaima", "Shaymaa"]),
    ("إسراء", ["Israa", "Esraa"]),
    ("سعاد", ["Suad", "Souad"]),
    ("وفاء", ["Wafaa", "Wafa"]),
    ("هناء", ["Hanaa", "Hana"]),
    ("سميرة", ["Samira", "Sameera"]),
    ("ليلى", ["Layla", "Leila"]),
    ("رنا", ["Rana"]),
    ("غادة", ["Ghada"]),
    ("جميلة", ["Jamila", "Jameela"]),
    ("نادية", ["Nadia", "Nadiya"]),
    ("كوثر", ["Kawthar", "Kawther"]),
    ("بشرى", ["Bushra"]),
    ("آمنة", ["Amna", "Amina"]),
    ("شيرين", ["Shireen", "Shirin"]),
    ("نازدار", ["Nazdar"]),
    ("خاتون", ["Khatoon", "Khatun"]),
    ("بيمان", ["Peman", "Piman"]),
]

FAMILY = [
    ("الجبوري", ["Al-Jubouri", "Al Jubouri", "Aljuboori"]),
    ("الدليمي", ["Al-Dulaimi", "Al Dulaimi", "Aldulaymi"]),
    ("العبيدي", ["Al-Obaidi", "Al Obeidi", "Alubaydi"]),
    ("الشمري", ["Al-Shammari", "Al Shammari"]),
    ("الجميلي", ["Al-Jumaili", "Al Jumayli"]),
    ("العاني", ["Al-Ani", "Al Aani"]),
    ("الحديثي", ["Al-Hadithi", "Al Haditheh"]),
    ("الطائي", ["Al-Tai", "Al Taee"]),
    ("الزوبعي", ["Al-Zobaie", "Al Zubaie"]),
    ("السامرائي", ["Al-Samarrai", "Al Samarraie"]),
    ("التكريتي", ["Al-Tikriti"]),
    ("الكرطاني", ["Al-Kartani"]),
    ("العزاوي", ["Al-Azzawi", "Al Azawi"]),
    ("الحمداني", ["Al-Hamdani"]),
    ("اللهيبي", ["Al-Luhaibi", "Al Lhebi"]),
    ("البياتي", ["Al-Bayati"]),
    ("الموصلي", ["Al-Mosuli", "Al Mousili"]),
    ("الخاتوني", ["Al-Khatoni"]),
    ("حسو", ["Hasso", "Haso"]),
    ("خلف", ["Khalaf"]),
    ("مراد", ["Murad", "Mourad"]),
    ("كجو", ["Kojo", "Kocho"]),
]

# How organisations write Arabic names: in full (hamza, ta marbuta), or with the forms a hurried
# keyboard leaves out (bare alef, ha for ta marbuta, ya for alef maqsura).
_PLAIN = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي"})


def spelled(arabic: str, style: str) -> str:
    """An Arabic name as an organisation of a ``style`` writes it: "full" or "plain"."""
    return arabic.translate(_PLAIN) if style == "plain" else arabic


def pick(rng: random.Random, sex: str) -> tuple[str, list[str]]:
    return rng.choice(MALE if sex == "m" else FEMALE)


def family_pick(rng: random.Random) -> tuple[str, list[str]]:
    return rng.choice(FAMILY)
