"""Normalisation of place names and codes for alias matching.

Field spreadsheets spell the same place many ways (``Dahuk``, ``Duhok``, ``Al-Dahuk``, ``دهوك``,
``دهۆک``). Matching compares keys built here, never raw strings, so that every spelling that
differs only by case, spacing, hyphens, apostrophes, Latin diacritics, the article or Arabic
orthographic variants lands on the same key.

Codes are kept apart from names: ``IQ-G02`` (the 2014 OCHA code of another governorate) must not
collapse onto ``IQG02`` the way a hyphen in a name is ignored.
"""

from __future__ import annotations

import re
import unicodedata

# Arabic letters that are written several ways for the same sound, and Persian/Kurdish letters
# that Arabic keyboards replace with their Arabic look-alikes. The one table of the project:
# person names (``registry.names``) fold with it too, so that a place and a person typed on the
# same keyboard meet the same way.
ARABIC_FOLD = str.maketrans(
    {
        "\u0622": "\u0627",  # alef with madda -> alef
        "\u0623": "\u0627",  # alef with hamza above -> alef
        "\u0625": "\u0627",  # alef with hamza below -> alef
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u0672": "\u0627",
        "\u0673": "\u0627",
        "\u0624": "\u0648",  # waw with hamza -> waw
        "\u0626": "\u064a",  # yeh with hamza -> yeh
        "\u0649": "\u064a",  # alef maqsura -> yeh
        "\u06cc": "\u064a",  # Farsi/Kurdish yeh -> yeh
        "\u06ce": "\u064a",  # Kurdish yeh with small v -> yeh
        "\u06d0": "\u064a",  # yeh with two dots below (Kurdish and Uyghur keyboards) -> yeh
        "\u0629": "\u0647",  # ta marbuta -> heh
        "\u06d5": "\u0647",  # Kurdish ae -> heh
        "\u06be": "\u0647",  # heh doachashmee -> heh
        "\u06c1": "\u0647",
        "\u06c0": "\u0647",  # heh with yeh above -> heh
        "\u06a9": "\u0643",  # keheh -> kaf
        "\u06aa": "\u0643",  # swash kaf -> kaf
        "\u06af": "\u0643",  # gaf -> kaf (Kurdish g written as k in Arabic)
        "\u06c6": "\u0648",  # Kurdish o -> waw
        "\u06c7": "\u0648",
        "\u06ca": "\u0648",
        "\u06b5": "\u0644",  # Kurdish velarised lam -> lam
        "\u0695": "\u0631",  # Kurdish trilled reh -> reh
        "\u06a4": "\u0641",  # veh -> feh
        "\u067e": "\u0628",  # peh -> beh
        "\u0686": "\u062c",  # tcheh -> jeem
        "\u0698": "\u0632",  # jeh -> zain
        "\u0621": "",  # lone hamza carries no letter
        "\u0640": "",  # tatweel
        # Invisible marks Kurdish and Persian keyboards type inside words.
        "\u200c": "",  # zero-width non-joiner
        "\u200d": "",  # zero-width joiner
        "\u200e": "",  # left-to-right mark
        "\u200f": "",  # right-to-left mark
        "\u0131": "i",  # Turkish dotless i, as in Turkmen place names typed on Turkish keyboards
    }
)
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_APOSTROPHES = re.compile("['`\u2018\u2019\u02bb\u02bc\u02be\u02bf\u00b4]")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_.,/()]+")
_LATIN_ARTICLES = frozenset({"al", "el"})
_ARABIC_ARTICLE = "\u0627\u0644"  # "ال"


def name_key(name: str) -> str:
    """Return the matching key of a place name in any script.

    Words are split on spaces and hyphens; a Latin article word (``al``, ``el``) is dropped and
    the Arabic article (``ال``) is removed from the front of a word of three letters or more.
    """
    text = unicodedata.normalize("NFKC", name).translate(ARABIC_DIGITS)
    text = _ARABIC_MARKS.sub("", text).translate(ARABIC_FOLD)
    # Latin diacritics: decompose and drop the combining marks. Arabic letters have been folded
    # above and do not decompose into marks we would lose.
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    text = _APOSTROPHES.sub("", text).casefold()
    words = []
    for word in _SEPARATORS.split(text):
        if not word or word in _LATIN_ARTICLES:
            continue
        if (
            _ARABIC_LETTER.match(word)
            and word.startswith(_ARABIC_ARTICLE)
            and len(word) - len(_ARABIC_ARTICLE) >= 3
        ):
            word = word[len(_ARABIC_ARTICLE) :]
        words.append(word)
    return "".join(words)


def code_key(code: str) -> str:
    """Return the matching key of a code: case and surrounding space ignored, hyphens kept."""
    return "#" + unicodedata.normalize("NFKC", code).strip().upper()
