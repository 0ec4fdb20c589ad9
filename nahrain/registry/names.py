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
  letters are one, and a final h (ta marbuta, Fatimah) is dropped.

``name_key`` joins the skeletons of the chain (first, father, grandfather, family) with spaces:
the search matches a query's skeletons against it from the start, so "Mohammed Ahmed" finds
every محمد أحمد ... in either script. It finds more than the exact name (Hassan and Hussein
share ``hsn``); the search ranks exact spellings first and shows the whole chain to choose from.
``family_key`` is the key a family or tribe name is found by alone, without its article.

The letters of Arabic script fold by the project's one table, ``geo.normalize.ARABIC_FOLD``,
which place names use too.
"""

from __future__ import annotations

import re
import unicodedata

from nahrain.geo.normalize import ARABIC_DIGITS, ARABIC_FOLD

_SPACES = re.compile(r"[\s\-_.,'\"`’‘/]+")


def arabic_normal(name: str) -> str:
    """One spelling of an Arabic-script name (Latin letters in it are lowered, left otherwise)."""
    # Diacritics are combining marks (category Mn) once decomposed: harakat, shadda, sukun,
    # the dagger alef, and Latin accents alike. Case is folded between two decompositions:
    # lowering can itself leave a mark (İ gives i and a dot above), and a compatibility form
    # can decompose to a capital (ℌ to H); either way a second pass finds nothing more to do.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", name).casefold())
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    # NFKD split a hamza above (أ = ا + ٔ) and the mark went with the Mn filter; recompose what
    # is left so that letters like ى stay single code points. The letters themselves fold by
    # the project's one table (``geo.normalize``): hamza and alef forms, ta marbuta, alef
    # maqsura, tatweel, Kurdish and Persian letters.
    folded = unicodedata.normalize("NFC", bare).translate(ARABIC_FOLD).translate(ARABIC_DIGITS)
    return _SPACES.sub(" ", folded).strip()


# Each Arabic letter's consonant in the skeleton alphabet ("" drops it; vowels letters are
# handled apart, being consonants only at the start of a name). Kurdish and Persian letters
# (پ, چ, ژ, ڤ, گ) were folded to their Arabic look-alikes by ``arabic_normal`` already.
_ARABIC_SKELETON = {
    "ب": "b",
    "ت": "t",
    "ث": "t",
    "ط": "t",
    "ج": "j",
    "ح": "h",
    "ه": "h",
    "خ": "x",
    "د": "d",
    "ذ": "d",
    "ض": "d",
    "ظ": "d",
    "ر": "r",
    "ز": "z",
    "س": "s",
    "ص": "s",
    "ش": "c",
    "ع": "",
    "غ": "g",
    "ف": "f",
    "ق": "k",
    "ك": "k",
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
    ("gh", "G"),  # غ, apart from the g that meets k below
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
    "G": "g",
    "g": "k",  # Iraqi g is written ك, گ or ق (Gasim, قاسم): all meet at k
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


# A word-initial ئ is the seat of a first vowel in Kurdish spelling (ئازاد, Azad), not a ya;
# it is read before ``arabic_normal`` folds it to ي. NFKD input writes it as ي and a hamza.
_INITIAL_SEAT = re.compile(r"(^|\s)(?:\u0626|\u064a\u0654)")


def _seated(text: str) -> str:
    return _INITIAL_SEAT.sub("\\g<1>\u0627", text)


def skeleton(name: str) -> str:
    """The script-free key of one name (a first name, a father's name...); words joined."""
    normal = arabic_normal(_seated(name))
    words = normal.split()
    # "Abd al-Rahman", "Abdul Rahman", "عبد الرحمن": one name written in one or more words.
    joined = "".join(words)
    if any("\u0600" <= ch <= "\u06ff" for ch in joined):
        key = _skeleton_arabic(joined)
    else:
        ascii_only = unicodedata.normalize("NFKD", joined).encode("ascii", "ignore").decode()
        key = _skeleton_latin(ascii_only)
    # A final h is a vowel's spelling more often than a consonant (فاطمة and فاطمه, Fatima and
    # Fatimah; Abdullah and Abdulla): both scripts drop it.
    key = _squeeze(key)
    return key[:-1] if len(key) > 1 and key.endswith("h") else key


def name_key(*parts: str) -> str:
    """The search key of a name chain: each name's skeleton, in order, joined with spaces (an
    unknown name keeps its place as ``_``, so that the key of "Ahmed, father unknown, Hassan"
    does not match "Ahmed Hassan" as father Hassan; unknown names at the end are left out)."""
    return " ".join(skeleton(part) or "_" for part in parts).rstrip(" _").strip()


# Words a query writes apart that a name's key holds as one name: "Abdul Rahman", "Abu Bakr",
# "Al Jubouri" (joined with the next word), "Nour al-Din", "Fadl Allah" (joined with the word
# before). A stored name part is one skeleton whatever its spaces; a query's words must meet it.
_JOINS_NEXT = frozenset(
    {"abd", "abdul", "abdel", "abdol", "abdal", "abu", "abou", "al", "el", "ul", "عبد", "ابو", "ال"}
)
_JOINS_PREVIOUS = frozenset(
    {"aldin", "aldeen", "eldin", "uddin", "addin", "allah", "ullah", "الدين", "الله"}
)


def _query_names(words: list[str]) -> list[str]:
    forward: list[str] = []
    for word in words:
        if forward and forward[-1] in _JOINS_NEXT:
            forward[-1] += word
        else:
            forward.append(word)
    joined: list[str] = []
    for name in forward:
        if joined and name in _JOINS_PREVIOUS:
            joined[-1] += name
        else:
            joined.append(name)
    return joined


_APOSTROPHES = re.compile("['`\u2018\u2019\u02bb\u02bc]")


def query_key(query: str) -> str:
    """A typed query's key: the skeleton of each name in it, joined with spaces (the words of
    one name, as in "Abdul Rahman", taken together)."""
    # An apostrophe is inside a word (Sa'ad, Ra'ad): taken away, not a space between two words.
    names = _query_names(arabic_normal(_APOSTROPHES.sub("", _seated(query))).split())
    return " ".join(s for s in (skeleton(name) for name in names) if s)


def family_key(family: str) -> str:
    """The key a family or tribe name is searched by alone: its skeleton without the article
    (Al-Jubouri, الجبوري and Jubouri give ``jbr``), where a name is left after it."""
    key = skeleton(family)
    return key[2:] if key.startswith("al") and len(key) >= 4 else key


def phone_key(phone: str) -> str:
    """An Iraqi mobile number in one form, 07xxxxxxxxx: +964 and 00964 prefixes, spaces and
    Arabic-Indic digits taken away. Other numbers keep their digits."""
    digits = re.sub(r"\D", "", phone.translate(ARABIC_DIGITS))
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
    return re.sub(r"[^0-9A-Za-z\u0600-\u06ff]", "", number.translate(ARABIC_DIGITS)).upper()
