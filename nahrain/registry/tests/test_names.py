"""Names as partners write them meet on one key: the rules the registry search stands on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nahrain.geo.normalize import name_key as place_key
from nahrain.registry.names import (
    arabic_normal,
    document_key,
    family_key,
    name_key,
    phone_key,
    query_key,
    skeleton,
)


@pytest.mark.parametrize(
    "spellings",
    [
        ("محمد", "Mohammed", "Muhammad", "Mohamad", "Mohamed", "مُحَمَّد"),
        ("عبد الرحمن", "Abdul Rahman", "Abdulrahman", "Abd al-Rahman", "عبدالرحمن"),
        ("أحمد", "احمد", "Ahmed", "Ahmad"),
        ("فاطمة", "فاطمه", "Fatima", "Fatimah"),
        ("عبد الله", "Abdullah", "Abdallah", "Abd Allah"),
        ("حسين", "Hussein", "Hussain", "Husain"),
        ("قاسم", "Qasim", "Kassim", "Gasim"),
        ("غادة", "Ghada"),
        ("عائشة", "Aisha", "Aysha"),
        ("ئازاد", "Azad"),
        ("يوسف", "Yousef", "Yusuf", "Youssef"),
        ("الجبوري", "Al-Jubouri", "Al Jubouri", "Aljuboori"),
    ],
)
def test_the_spellings_of_one_name_share_a_skeleton(spellings: tuple[str, ...]) -> None:
    assert len({skeleton(spelling) for spelling in spellings}) == 1


def test_hamza_and_alef_forms_become_a_bare_alef() -> None:
    assert arabic_normal("أحمد") == arabic_normal("إحمد") == arabic_normal("آحمد") == "احمد"


def test_ta_marbuta_becomes_ha_and_alef_maqsura_becomes_ya() -> None:
    assert arabic_normal("فاطمة") == "فاطمه"
    assert arabic_normal("هدى") == "هدي"


def test_tatweel_and_harakat_are_taken_away() -> None:
    assert arabic_normal("مـــحـمـد") == "محمد"
    assert arabic_normal("مُحَمَّدٌ") == "محمد"


def test_kurdish_letters_become_the_arabic_letters_partners_type_for_them() -> None:
    assert arabic_normal("کریم") == arabic_normal("كريم")
    assert arabic_normal("شیرین") == arabic_normal("شيرين")
    assert arabic_normal("زارە") == arabic_normal("زاره")
    assert skeleton("گوڵستان") == skeleton("كولستان")


def test_invisible_marks_of_kurdish_keyboards_are_taken_away() -> None:
    assert arabic_normal("نازدار\u200c") == "نازدار"


def test_places_and_people_fold_arabic_letters_by_the_same_table() -> None:
    for one, other in (("دهۆک", "دهوك"), ("کەرکوک", "كهركوك"), ("إسراء", "اسرا")):
        assert arabic_normal(one) == arabic_normal(other)
        assert place_key(one) == place_key(other)


def test_a_name_chain_is_the_skeletons_of_its_names_in_order() -> None:
    assert name_key("محمد", "أحمد", "حسن", "الجبوري") == "mhmd ahmd hsn aljbr"
    assert name_key("Mohammed", "Ahmed", "Hassan", "Al-Jubouri") == "mhmd ahmd hsn aljbr"


def test_an_unknown_name_keeps_its_place_in_the_chain() -> None:
    assert name_key("أحمد", "", "حسن") == "ahmd _ hsn"
    assert not name_key("أحمد", "", "حسن").startswith(query_key("Ahmed Hassan"))
    assert name_key("أحمد", "", "", "") == "ahmd"


def test_a_query_written_in_words_meets_the_names_written_as_one() -> None:
    stored = name_key("عبد الرحمن", "نور الدين", "أحمد")
    assert stored.startswith(query_key("Abdul Rahman Nour al-Din"))
    assert stored.startswith(query_key("عبد الرحمن نورالدين احمد"))
    assert name_key("محمد", "أحمد", "", "الجبوري").startswith(query_key("Mohammed Ahmad"))
    assert name_key("سعد", "رعد").startswith(query_key("Sa'ad Ra\u2019ad"))


def test_a_family_name_is_found_without_its_article() -> None:
    assert family_key("الجبوري") == family_key("Al-Jubouri") == family_key("Jubouri") == "jbr"
    # A name too short to hold an article keeps it: Ali is not "i".
    assert family_key("Ali") == "al"


@pytest.mark.parametrize(
    "typed",
    ["+964 750 123 4567", "00964 750 123 4567", "0750 123 4567", "750-123-4567", "٠٧٥٠١٢٣٤٥٦٧"],
)
def test_an_iraqi_mobile_number_has_one_form_however_it_is_typed(typed: str) -> None:
    assert phone_key(typed) == "07501234567"


def test_a_document_number_keeps_its_digits_and_letters_only() -> None:
    assert document_key("a-123 456\u0667") == "A1234567"
    assert document_key("١٩٩٠ ١٢٣٤ ٥٦٧٨") == "199012345678"


# --- invariants --------------------------------------------------------------------------------

arabic_letters = st.characters(min_codepoint=0x0600, max_codepoint=0x06FF)
name_words = st.text(
    alphabet=arabic_letters | st.characters(categories=("Ll", "Lu")), min_size=1, max_size=10
)


@given(st.text())
def test_a_normal_spelling_is_its_own_normal_spelling(text: str) -> None:
    assert arabic_normal(arabic_normal(text)) == arabic_normal(text)


@given(st.text())
def test_a_skeleton_is_the_skeleton_of_the_normal_spelling(text: str) -> None:
    # Skeleton letters are not a spelling of a name (kh would read as one letter), so the
    # invariant is on the spelling it is drawn from.
    assert skeleton(arabic_normal(text)) == skeleton(text)


@given(st.text())
def test_no_text_breaks_the_keys(text: str) -> None:
    for key in (skeleton, name_key, query_key, family_key):
        assert key(text).isascii()
    assert phone_key(text).isdigit() or phone_key(text) == ""
    document_key(text)


@given(st.lists(name_words, min_size=1, max_size=4))
def test_the_key_of_a_chain_is_the_keys_of_its_names(parts: list[str]) -> None:
    skeletons = [skeleton(part) for part in parts]
    expected = " ".join(s or "_" for s in skeletons).rstrip(" _").strip()
    assert name_key(*parts) == expected
