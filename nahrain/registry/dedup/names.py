"""One name of the chain, compared across scripts and spellings.

The registry's ``skeleton`` folds a name to its consonants so that محمد, Mohammed and Mhamad
meet. That is right for finding, wrong for deciding: حسن and حسين (Hassan, Hussein) share the
skeleton ``hsn`` and are the names of twin brothers. Deciding needs what a transliteration keeps
of the vowels, so a name is read here as its consonants with the vowel letters between each pair
(its *slots*), and two names agree only when their consonants agree and no slot contradicts:

- Arabic writes long vowels and nothing else: ا (a), و (u), ي (i) inside a slot, or an ع that a
  Latin spelling may write as a vowel, an apostrophe or nothing (Saad, Sa'ad, سعد).
- Latin writes short and long vowels alike, but some spellings can only be long: ee, ei, ai, ay,
  ey, ie (a long i: Hussein, Husain, Kareem), oo, ou, uu (a long u: Mahmoud), aa (a long a or an
  ع: Saad, Raad).
- A slot contradicts another when one is surely long and the other cannot be that vowel: the
  long i of Hussein against the a of Hassan, or against an Arabic slot with no ي. A single Latin
  vowel is ambiguous (Karim's i is كريم's ي, Jasim's i is nothing in جاسم) and contradicts only
  an Arabic long vowel of another colour (the a of Hassan against حسين's ي).
- The last slot is not compared: alef maqsura ends names written with a (مصطفى, Mustafa) and
  final vowels come and go (Huda, Hoda, هدى).

A name compares as ``SAME`` (agrees), ``TYPO`` (one consonant off, or a long vowel one spelling
left out), ``DIFFERENT`` or ``MISSING``. Arabic against Arabic and Latin against Latin use the
same reading, so a sound-alike letter (ض/ظ, ذ/ز, ث/س) is one consonant off, a typo.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA, Levenshtein

from nahrain.registry import names as registry_names

SAME, TYPO, DIFFERENT, MISSING = "same", "typo", "different", "missing"

# Kurdish (Sorani) spelling writes the vowel e as ە and a first vowel on a seat ئ; the project's
# Arabic fold reads ە as ta marbuta, which inside a Kurdish name (ئەحمەد) is a vowel.
_KURDISH_VOWELS = str.maketrans({"\u06d5": "\u0627", "\u06ce": "\u064a", "\u06c6": "\u0648"})
# Inside a word ە is the short vowel Arabic spelling leaves unwritten: کامەران is كامران, محەمەد
# is محمد, ئەحمەد (its seat read as alef) is احمد.
_KURDISH_SHORT_E = re.compile("\u06d5(?=[\u0600-\u06ff])")

_ARABIC_LONG = {"ا": "a", "و": "u", "ي": "i", "ع": "*"}
_LATIN_LONG_I = ("ee", "ei", "ai", "ay", "ey", "ie", "ii", "iy", "ea")
_LATIN_LONG_U = ("oo", "ou", "uu", "ow", "aw")
# French spellings write a short u as ou after a name's first consonant (Houssein, Moustafa,
# Mouhammad); later in the name ou is the long u it is in English spellings (Mahmoud, Dawoud).
_FIRST_SLOT_LONG_U = ("oo", "uu", "ow", "aw")
_LATIN_COLOUR = {"a": "a", "e": "ai", "i": "i", "y": "i", "o": "u", "u": "u", "w": "u", "'": "*"}

# Words typed before an elder's name that are not names: Haji, Hajia (pilgrim), Sheikh,
# Sayyid, Mulla, with or without the article, compared without hyphens and apostrophes. حجي is
# also a Yazidi given name: a word is taken as a title only when a name follows it.
_HONORIFICS = frozenset(
    {
        "haji", "hajji", "hajj", "haj", "hajia", "hajiya", "hajja", "haja", "hajjia", "hajie",
        "alhaj", "alhajj", "alhaji", "alhaja", "alhajja", "alhajia", "elhaj", "elhajj", "elhajja",
        "sheikh", "shaikh", "sheik", "shaykh", "alsheikh", "sayyid", "sayed", "sayid", "seyyed",
        "alsayyid", "alsayed", "mulla", "mullah", "mala", "الحاج", "الحاجه", "الحجي", "حاج",
        "حاجه", "حاجي", "حجي", "حجيه", "الحجيه", "الشيخ", "شيخ", "السيد", "سيد", "الملا", "ملا",
    }
)  # fmt: skip


# The pilgrim's titles, long enough to be recognised through a typo (االحاج, احلاجة, Hajis).
_MISTYPED_HONORIFICS = ("الحاج", "الحاجه", "alhajj", "alhaj", "hajji", "hajia", "alhajja")


def is_honorific(word: str) -> bool:
    bare = re.sub(r"[\s\-'`’]", "", registry_names.arabic_normal(word))
    return bare in _HONORIFICS or (
        len(bare) >= 4
        and any(OSA.distance(bare, title, score_cutoff=1) <= 1 for title in _MISTYPED_HONORIFICS)
    )


def without_honorifics(words: list[str]) -> list[str]:
    """The words of a name without the titles before it ("Al Hajj" written in two words too)."""
    while len(words) > 1:
        if len(words) > 2 and is_honorific(words[0] + words[1]):
            words = words[2:]
        elif is_honorific(words[0]):
            words = words[1:]
        else:
            break
    return words


@dataclass(frozen=True, slots=True, eq=False)
class Name:
    """One name as read for comparison: ``key`` is its consonant skeleton (script-free, the
    blocking and frequency key), ``slots`` the vowels written after each consonant, ``arabic``
    whether it was written in Arabic script, ``text`` its folded spelling. One spelling reads
    to one object (``read`` is cached), compared by identity: the comparisons are cached by it."""

    key: str
    slots: tuple[str, ...]
    arabic: bool
    text: str
    # A final h dropped from the key: ta marbuta, or the h of Abdullah, Fatimah (open), or ح,
    # a consonant Arabic always writes (صلاح, Salah): "ح" then, "h" for any h, "" for none.
    ends: str = ""


def _is_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


def _units_arabic(word: str) -> list[tuple[str, str]]:
    units: list[tuple[str, str]] = []
    for position, ch in enumerate(word):
        if position == 0 and ch in ("ا", "ع"):
            units.append(("a", ""))
        elif position > 0 and ch in _ARABIC_LONG:
            # The alef of an article inside a name (عبد الرحمن, Abdul Rahman) is no long a.
            article = ch == "ا" and word[position + 1 : position + 2] == "ل"
            long = "*" if article else _ARABIC_LONG[ch]
            if units:
                units[-1] = (units[-1][0], units[-1][1] + long)
        else:
            consonant = registry_names._ARABIC_SKELETON.get(ch, "")
            if ch in ("و", "ي"):
                consonant = "w" if ch == "و" else "y"
            if consonant:
                units.append((consonant, ""))
    return units


def _units_latin(word: str) -> list[tuple[str, str]]:
    for digraph, letter in registry_names._LATIN_DIGRAPHS:
        if digraph in ("ee", "oo", "ou"):
            continue  # long vowels: kept as written, read by the slot
        # French spellings write ش as ch (Aicha, Chaima, Hachim), as many partners' lists do;
        # the Iraqi چ that ch writes in English spellings is rarer in names.
        word = word.replace(digraph, "c" if digraph == "ch" else letter)
    units: list[tuple[str, str]] = []
    for position, ch in enumerate(word):
        if ch in registry_names._LATIN_VOWELS:
            if position == 0:
                # A first vowel is the name's "a" unit; its letter is kept as the unit's slot, so
                # that Umar is not عامر (Amer) while Omar is عمر.
                units.append(("y", "") if ch == "y" else ("w", "") if ch == "w" else ("a", ch))
            elif units:
                units[-1] = (units[-1][0], units[-1][1] + ch)
        else:
            consonant = registry_names._LATIN_SKELETON.get(ch, "")
            if consonant:
                units.append((consonant, ""))
    return units


# ظ, ذ and ض are written d, dh or z (Kadhim, Kazim; Dhiyab, Ziyab; Zafir for ظافر): in a
# comparison they meet z, which the registry's search skeleton keeps apart.
_MERGED = {"z": "d"}


def _squeezed(units: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], bool]:
    """Doubled consonants once when nothing is written between them (Mohammed, Abbas: no vowel,
    a doubling; Hanan keeps both n), and a final h dropped (فاطمة, Fatimah, Abdullah), as the
    registry's skeleton does; with whether an h was dropped."""
    out: list[tuple[str, str]] = []
    for letter, slot in units:
        consonant = _MERGED.get(letter, letter)
        if out and out[-1][0] == consonant and not out[-1][1]:
            out[-1] = (consonant, slot)
        else:
            out.append((consonant, slot))
    if len(out) > 1 and out[-1][0] == "h":
        out.pop()
        return out, True
    return out, False


# The article written apart (Al-Jubouri, Al Jubouri), or joined to a name long enough that it
# cannot be part of it (Aljubouri, الجبوري; not Alwan, Allawi or Elias).
_ARTICLE = re.compile(
    r"^(?:(?:al|el|ul)(?:[\s\-]+|(?=[a-z]{5,}))|ال(?:\s+|(?=\S{3,})))", re.IGNORECASE
)
_APOSTROPHE = re.compile("['`\u2018\u2019\u02bb\u02bc]")


@lru_cache(maxsize=200_000)
def read(raw: str, *, family: bool = False) -> Name | None:
    """A name as compared, or None for an empty one. A family name loses its article (Al-Jubouri,
    Al Jubouri, Jubouri, الجبوري meet); a given name loses an honorific typed before it."""
    text = raw.strip()
    if not text:
        return None
    if family:
        text = _ARTICLE.sub("", text)
    text = " ".join(without_honorifics(text.split()))
    arabic = _is_arabic(text)
    if arabic:
        normal = registry_names.arabic_normal(
            registry_names._seated(_KURDISH_SHORT_E.sub("", text).translate(_KURDISH_VOWELS))
        )
        joined = normal.replace(" ", "")
        units = _units_arabic(joined)
    else:
        normal = registry_names.arabic_normal(text)
        ascii_only = unicodedata.normalize("NFKD", normal).encode("ascii", "ignore").decode()
        joined = re.sub(r"[^a-z']", "", ascii_only)
        units = _units_latin(joined)
        joined = joined.replace("'", "")
    units, dropped = _squeezed(units)
    if not units:
        return None
    key = "".join(consonant for consonant, _ in units)
    ends = ("ح" if arabic and joined.endswith("ح") else "h") if dropped else ""
    return Name(
        key=key, slots=tuple(slot for _, slot in units), arabic=arabic, text=joined, ends=ends
    )


def _latin_long(slot: str, *, first: bool = False) -> str:
    """The long vowel a Latin slot surely writes: "i", "u", "a", or "" when it may be short."""
    if any(long in slot for long in _LATIN_LONG_I):
        return "i"
    if any(long in slot for long in (_FIRST_SLOT_LONG_U if first else _LATIN_LONG_U)):
        return "u"
    if "aa" in slot or "'" in slot:
        return "*"
    return ""


def _colours(slot: str) -> set[str]:
    out: set[str] = set()
    for ch in slot:
        out.update(_LATIN_COLOUR.get(ch, ""))
    return out


def _slot_agrees(a: str, a_arabic: bool, b: str, b_arabic: bool, first: bool) -> str:
    """SAME, TYPO (a long vowel one side left out) or DIFFERENT for one pair of slots; ``first``
    for the slot after the name's first consonant."""
    if a_arabic and b_arabic:
        return SAME if set(a) - {"*"} == set(b) - {"*"} else DIFFERENT
    if a_arabic or b_arabic:
        arabic, latin = (a, b) if a_arabic else (b, a)
        long, ayn = set(arabic) - {"*"}, "*" in arabic
        surely = _latin_long(latin, first=first)
        if not long:
            # An ع is written as a vowel, an apostrophe or nothing (Saad, Sa'ad, سعد); with no
            # ع, a surely long Latin vowel has no letter to write it (Hussein against حسن).
            if ayn or not surely:
                return SAME
            return TYPO if surely == "*" else DIFFERENT
        if surely in ("i", "u") and surely not in long:
            return DIFFERENT
        if not latin:
            return SAME if ayn else TYPO
        if not (long & _colours(latin)) and "*" not in _colours(latin):
            return DIFFERENT
        return SAME
    long_a, long_b = _latin_long(a, first=first), _latin_long(b, first=first)
    if long_a and long_b and "*" not in (long_a, long_b) and long_a != long_b:
        return DIFFERENT
    for surely, other in ((long_a, b), (long_b, a)):
        if surely in ("i", "u") and other and not (_colours(other) & {surely, "*"}):
            return DIFFERENT
    return SAME


@lru_cache(maxsize=1_000_000)
def compare(a: Name | None, b: Name | None) -> str:
    """How two names of one place in the chain compare: SAME, TYPO, DIFFERENT or MISSING."""
    if a is None or b is None:
        return MISSING
    if a.arabic == b.arabic and a.text == b.text:
        return SAME
    if a.key == b.key:
        worst = SAME
        # The last slot is not read (below).
        first_consonant = 1 if a.key[0] == "a" else 0
        # A name spelt the French way from its first vowel on writes every u as ou (Youssouf).
        french = any(
            not name.arabic and "ou" in name.slots[first_consonant]
            for name in (a, b)
            if len(name.slots) > first_consonant
        )
        # A ح ends the name as a consonant: Latin writes it (Salah, Salih), and the vowel before
        # it is read (صلاح is not صالح). A name ending in a vowel leaves its last slot unread.
        if "ح" in (a.ends, b.ends) and not (a.ends and b.ends):
            return DIFFERENT
        read = len(a.slots) if (a.ends and b.ends) else len(a.slots) - 1
        for position, (slot_a, slot_b) in enumerate(
            zip(a.slots[:read], b.slots[:read], strict=True)
        ):
            first = position == first_consonant or french
            verdict = _slot_agrees(slot_a, a.arabic, slot_b, b.arabic, first)
            if verdict == DIFFERENT:
                # Two letters swapped in one script (عبد الجبرا, نزواد) is a typo.
                same_script = a.arabic == b.arabic and len(a.text) >= 4
                return TYPO if same_script and _transposed(a.text, b.text) else DIFFERENT
            if verdict == TYPO:
                worst = TYPO
        return worst
    return TYPO if _typo(a, b) else DIFFERENT


def _typo(a: Name, b: Name) -> bool:
    """Whether two names with other consonants are one name mistyped: one consonant off in names
    of four consonants or more (in shorter ones a consonant is too much of the name: علي and
    عمر, Ali and Amir), or keeping the first letter (محمد and أحمد, Mohammed and Ahmed, are two
    names one consonant apart) but for the sound-alike letters partners confuse (ذ/ز, ث/س); two
    neighbouring consonants swapped; one dropped (Mohaed); or, in one script, a letter dropped
    or struck for its neighbour on the keyboard or a sound-alike one (زينب typed زيمب)."""
    short, long = (a.key, b.key) if len(a.key) <= len(b.key) else (b.key, a.key)
    same_script = a.arabic == b.arabic and max(len(a.text), len(b.text)) >= 3
    if len(long) - len(short) > 1 and not same_script:
        return False
    # In a long name (عبد الكريم typed هبد الكريم) the first letter is one letter of many.
    first_kept = a.key[0] == b.key[0] or {a.key[0], b.key[0]} in _SOUND_ALIKE or len(short) >= 6
    one_off = Levenshtein.distance(a.key, b.key, score_cutoff=1) <= 1
    if first_kept and len(short) >= 4 and one_off:
        return True
    if len(short) >= 3 and len(short) == len(long) and _transposed(a.key, b.key):
        return True
    if len(short) >= 3 and one_off and len(long) == len(short) + 1:
        # A consonant dropped (Mohaed), or a first vowel left out (بدالوهاب, Abdul Wahab).
        if first_kept and any(long[:i] + long[i + 1 :] == short for i in range(1, len(long))):
            return True
        if long[0] == "a" and long[1:] == short:
            return True
    if same_script and Levenshtein.distance(a.text, b.text, score_cutoff=1) <= 1:
        ops = list(Levenshtein.editops(a.text, b.text))
        op = ops[0]
        if op.tag == "replace":
            return {a.text[op.src_pos], b.text[op.dest_pos]} in _NEIGHBOURS
        return op.src_pos > 0 and min(len(a.text), len(b.text)) >= 3 and len(long) >= 4
    return False


def _neighbours(rows: tuple[str, ...]) -> list[set[str]]:
    return [{row[i], row[i + 1]} for row in rows for i in range(len(row) - 1)]


# Keys side by side on the Arabic (101) and QWERTY keyboards, and the Arabic letters of one
# sound that partners write for each other.
_KEY_ROWS = ("ضصثقفغعهخحجد", "شسيبلاتنمكط", "ءؤرىةوزظ", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_SOUND_ALIKE_LETTERS = [{"ض", "ظ"}, {"ذ", "ز"}, {"ث", "س"}, {"ص", "س"}, {"ت", "ط"}, {"ذ", "د"}]
_NEIGHBOURS = [*_neighbours(_KEY_ROWS), *_SOUND_ALIKE_LETTERS]


_SOUND_ALIKE = ({"d", "z"}, {"t", "s"})


def _transposed(a: str, b: str) -> bool:
    if len(a) != len(b):
        return False
    differ = [i for i in range(len(a)) if a[i] != b[i]]
    return len(differ) == 2 and differ[1] == differ[0] + 1 and a[differ[0]] == b[differ[1]]
