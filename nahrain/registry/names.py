"""Names as partners write them, made comparable.

Two steps, both pure functions (units in tests/test_names.py, Hypothesis for their invariants):

- ``arabic_normal``: one spelling of an Arabic-script name: hamza and alef forms to bare alef,
  ta marbuta to ha, alef maqsura to ya, tatweel and diacritics (harakat, shadda, sukun, dagger
  alef) removed, Kurdish and Persian letters to the Arabic letters partners type for them
  (ک to ك, ی to ي, ە to ه), Arabic-Indic digits to Western digits, spaces collapsed.
- ``skeleton``: a script-free key of one name: its consonants in a Latin alphabet, the way
  transliterations of the same name still agree (محمد, Mohammed, Muhammad, Mohamad all give
  ``mhmd``; عبد الرحمن, Abdul Rahman, Abdulrahman give ``abdlrhmn``). Vowels are dropped but a
  first one, which is kept as ``a`` (أحمد, Ahmed, Ahmad: ``ahmd``); letters transliterated in
  several ways meet (ق/q/k/g, ث/ت/ط/th/t, ذ/ض/ظ/د/dh/d, ح/ه/h, ص/س/s, ع dropped), doubled
  letters are one.

``name_key`` joins the skeletons of the chain (first, father, grandfather, family) with spaces:
the search matches a query's skeletons against it from the start, so "Mohammed Ahmed" finds
every محمد أحمد ... in either script. It finds more than the exact name (Hassan and Hussein
share ``hsn``); the search ranks exact spellings first and shows the whole chain to choose from.
"""

from __future__ import annotations

import re
import unicodedata

# Arabic-script letters partners type for one another (Kurdish and Persian keyboards), and the
# hamza and alef forms, ta marbuta and alef maqsura, folded to one letter each.
_ARABIC_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ٲ": "ا",
        "ٳ": "ا",
        "ؤ": "و",
        "ئ": "ي",
        "ء": "",
        "ة": "ه",
        "ى": "ي",
        "ی": "ي",
        "ې": "ي",
        "ێ": "ي",
        "ک": "ك",
        "ڪ": "ك",
        "ە": "ه",
        "ھ": "ه",
        "ۀ": "ه",
        "ۆ": "و",
        "ۇ": "و",
        "ۊ": "و",
        "ڵ": "ل",
        "ڕ": "ر",
        "ـ": "",  # tatweel
        "\u200c": "",  # zero-width non-joiner (Kurdish and Persian typing)
        "\u200d": "",
        "\u200f": "",  # right-to-left mark
        "\u200e": "",
    }
)
# Arabic-Indic and Extended Arabic-Indic digits to Western digits.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_SPACES = re.compile(r"[\s\-_.,'\"`’‘/]+")


def arabic_normal(name: str) -> str:
    """One spelling of an Arabic-script name (Latin letters in it are lowered, left otherwise)."""
    # Diacritics are combining marks (category Mn) once decomposed: harakat, shadda, sukun,
    # the dagger alef, and Latin accents alike.
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    # NFKD split a hamza above (أ = ا + ٔ) and the mark went with the Mn filter; recompose what
    # is left so that letters like ى stay single code points.
    folded = unicodedata.normalize("NFC", bare).translate(_ARABIC_FOLD).translate(_DIGITS)
    return _SPACES.sub(" ", folded).strip().lower()


# Each Arabic letter's consonant in the skeleton alphabet ("" drops it; vowels letters are
# handled apart, being consonants only at the start of a name).
_ARABIC_SKELETON = {
    "ب": "b",
    "پ": "b",
    "ت": "t",
    "ث": "t",
    "ط": "t",
    "ج": "j",
    "چ": "j",
    "ح": "h",
    "ه": "h",
    "خ": "x",
    "د": "d",
    "ذ": "d",
    "ض": "d",
    "ظ": "d",
    "ر": "r",
    "ز": "z",
    "ژ": "z",
    "س": "s",
    "ص": "s",
    "ش": "c",
    "ع": "",
    "غ": "g",
    "ف": "f",
    "ڤ": "f",
    "ق": "k",
    "ك": "k",
    "گ": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
}
_ARABIC_VOWELS = {"ا": "a", "و": "w", "ي": "y"}

# Latin digraphs first (kh before k...), then single letters.
_LATIN_DIGRAPHS = (
    ("kh", "x"),
    ("sh", "c"),
    ("ch", "j"),
    ("th", "t"),
    ("dh", "d"),
    ("gh", "g"),
    ("ph", "f"),
    ("ou", "u"),
    ("ee", "i"),
    ("oo", "u"),
)
_LATIN_SKELETON = {
    "b": "b",
    "p": "b",
    "t": "t",
    "j": "j",
    "h": "h",
    "x": "x",
    "d": "d",
    "r": "r",
    "z": "z",
    "s": "s",
    "c": "c",
    "g": "g",
    "f": "f",
    "v": "f",
    "q": "k",
    "k": "k",
    "l": "l",
    "m": "m",
    "n": "n",
}
_LATIN_VOWELS = set("aeiouy'w")


def _skeleton_arabic(word: str) -> str:
    out = []
    for position, ch in enumerate(word):
        if ch in _ARABIC_VOWELS:
            # A first alef is the name's first vowel; a first waw or ya is a consonant.
            if position == 0:
                out.append(_ARABIC_VOWELS[ch])
            continue
        if ch == "ع" and position == 0:
            out.append("a")  # عباس, Abbas
            continue
        out.append(_ARABIC_SKELETON.get(ch, ""))
    return "".join(out)


def _skeleton_latin(word: str) -> str:
    for digraph, letter in _LATIN_DIGRAPHS:
        word = word.replace(digraph, letter)
    out = []
    for position, ch in enumerate(word):
        if ch in _LATIN_VOWELS:
            if position == 0:
                # Yousef, Walid: a first y or w is a consonant; any other first vowel is "a"
                # (Ibrahim, Omar, Ali; ابراهيم, عمر, علي).
                out.append(ch if ch in "yw" else "a")
            continue
        out.append(_LATIN_SKELETON.get(ch, ""))
    return "".join(out)


def _squeeze(text: str) -> str:
    """Doubled letters once (Mohammed, Abbas; a shadda is gone already)."""
    return re.sub(r"(.)\1+", r"\1", text)


def skeleton(name: str) -> str:
    """The script-free key of one name (a first name, a father's name...); words joined."""
    normal = arabic_normal(name)
    words = normal.split()
    # "Abd al-Rahman", "Abdul Rahman", "عبد الرحمن": one name written in one or more words.
    joined = "".join(words)
    if any("\u0600" <= ch <= "\u06ff" for ch in joined):
        key = _skeleton_arabic(joined)
    else:
        ascii_only = unicodedata.normalize("NFKD", joined).encode("ascii", "ignore").decode()
        key = _skeleton_latin(ascii_only)
    return _squeeze(key)


def name_key(*parts: str) -> str:
    """The search key of a name chain: each name's skeleton, in order, joined with spaces (an
    unknown name keeps its place as an empty skeleton would not: it is left out, so that the
    key of "Ahmed, father unknown, Hassan" does not match "Ahmed Hassan" as father Hassan)."""
    return " ".join(skeleton(part) or "_" for part in parts).rstrip(" _").strip()


def query_key(query: str) -> str:
    """A typed query's key: each word's skeleton, joined with spaces."""
    return " ".join(s for s in (skeleton(word) for word in arabic_normal(query).split()) if s)


def phone_key(phone: str) -> str:
    """An Iraqi mobile number in one form, 07xxxxxxxxx: +964 and 00964 prefixes, spaces and
    Arabic-Indic digits taken away. Other numbers keep their digits."""
    digits = re.sub(r"\D", "", phone.translate(_DIGITS))
    for prefix in ("00964", "964"):
        if digits.startswith(prefix):
            digits = "0" + digits[len(prefix) :]
            break
    if len(digits) == 10 and digits.startswith("7"):
        digits = "0" + digits
    return digits


def document_key(number: str) -> str:
    """A document number in one form: digits and letters only, Arabic-Indic digits made Western,
    letters upper-case."""
    return re.sub(r"[^0-9A-Za-z\u0600-\u06ff]", "", number.translate(_DIGITS)).upper()
