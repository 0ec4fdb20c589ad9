"""The matcher's rules, one sentence a test: names across scripts, refusals, clusters."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nahrain.registry.dedup import link, model, names
from nahrain.registry.dedup.records import record_of, split_full_name

SPELLINGS_OF_ONE_NAME = [
    ("محمد", "Mohammed"),
    ("محمد", "MHAMAD"),
    ("Muhammad", "Mohamed"),
    ("حسين", "Hussein"),
    ("حسين", "Husayn"),
    ("Hussain", "Husein"),
    ("عبد الرحمن", "Abdul Rahman"),
    ("Abd al-Rahman", "Abdulrahman"),
    ("سعد", "Sa'ad"),
    ("جاسم", "Jassim"),
    ("كريم", "Kareem"),
    ("مصطفى", "Mustafa"),
    ("ئەحمەد", "Ahmed"),
    # Sorani spelling writes the short e Arabic spelling leaves out.
    ("کامەران", "كامران"),
    ("محەمەد", "محمد"),
    ("ئەحمەد", "احمد"),
    ("کامەران", "Kamaran"),
    ("فاطمة", "Fatimah"),
    ("فاطمه", "فاطمة"),
    ("يوسف", "Yousef"),
    ("قاسم", "Gasim"),
    ("الحاج محمد", "Mohammed"),
    ("Haji Mohammed", "محمد"),
]

DIFFERENT_NAMES_WITH_ONE_SKELETON = [
    ("حسن", "حسين"),
    ("Hassan", "Hussein"),
    ("Hasan", "Husain"),
    ("حسن", "Hussein"),
    ("Hassan", "حسين"),
    ("سعيد", "Saad"),
    ("Saad", "Saeed"),
    ("عمر", "عامر"),
    ("عامر", "Umar"),
    ("صلاح", "SALIH"),
]


@pytest.mark.parametrize(("a", "b"), SPELLINGS_OF_ONE_NAME)
def test_spellings_of_one_name_agree_across_scripts(a: str, b: str) -> None:
    assert names.compare(names.read(a), names.read(b)) == names.SAME


@pytest.mark.parametrize(("a", "b"), DIFFERENT_NAMES_WITH_ONE_SKELETON)
def test_names_of_twins_differ_though_their_consonants_agree(a: str, b: str) -> None:
    assert names.compare(names.read(a), names.read(b)) == names.DIFFERENT


def test_family_names_meet_with_or_without_the_article() -> None:
    forms = ["الجبوري", "Al-Jubouri", "AL JUBOORI", "Jubouri", "El-Jubouri", "aljubouri"]
    read = [names.read(form, family=True) for form in forms]
    assert {names.compare(read[0], other) for other in read[1:]} == {names.SAME}


def test_a_sound_alike_letter_is_a_typo_in_a_long_name_and_a_difference_in_a_short_one() -> None:
    assert names.compare(names.read("عبدالرزاق"), names.read("عبدالرذاق")) == names.SAME
    assert names.compare(names.read("ظافر"), names.read("Zafir")) == names.SAME
    assert names.compare(names.read("عثمان"), names.read("عسمان")) == names.TYPO
    assert names.compare(names.read("علي"), names.read("عمر")) == names.DIFFERENT
    assert names.compare(names.read("محمد"), names.read("Ahmed")) == names.DIFFERENT


def test_a_missing_name_says_nothing() -> None:
    assert names.compare(names.read(""), names.read("محمد")) == names.MISSING


@given(st.text(max_size=30))
def test_any_text_reads_and_compares_to_itself_as_the_same_or_as_missing(text: str) -> None:
    name = names.read(text)
    assert names.compare(name, name) == (names.MISSING if name is None else names.SAME)


def test_a_full_name_is_split_into_the_chain_with_compound_names_kept_whole() -> None:
    assert split_full_name("Abdul Rahman Mohammed Hassan Al-Jubouri") == (
        "Abdul Rahman",
        "Mohammed",
        "Hassan",
        "Al Jubouri",
    )
    assert split_full_name("الحاج محمد احمد الجبوري") == ("محمد", "احمد", "", "الجبوري")
    assert split_full_name("Nour al-Din Ali Hussein") == ("Nour al Din", "Ali", "Hussein", "")


def _row(record_id: str, **values: str) -> dict[str, str]:
    row = {
        "record_id": record_id,
        "org": "IOM",
        "first_name": "",
        "father_name": "",
        "grandfather_name": "",
        "family_name": "",
        "full_name": "",
        "sex": "m",
        "date_of_birth": "",
        "phone": "",
        "document_number": "",
        "household_id_in_org": "",
        "admin1_origin": "",
        "admin1_current": "",
    }
    row.update(values)
    return row


def test_brothers_are_refused_whatever_else_they_share() -> None:
    shared = {
        "father_name": "Ahmed",
        "grandfather_name": "Khalaf",
        "family_name": "Al-Jubouri",
        "phone": "0770 123 4567",
        "date_of_birth": "2001-07-01",
        "document_number": "00123456",
    }
    hassan = record_of(_row("1", first_name="Hassan", **shared), 0)
    hussein = record_of(_row("2", first_name="حسين", org="UNHCR", **shared), 1)
    assert model.compare(hassan, hussein) is None


def test_first_and_father_names_swapped_by_one_partner_still_compare() -> None:
    a = record_of(_row("1", first_name="Mohammed", father_name="Ahmed", date_of_birth="1980"), 0)
    b = record_of(_row("2", first_name="أحمد", father_name="محمد", date_of_birth="1980"), 1)
    pattern = model.compare(a, b)
    assert pattern is not None and pattern[:2] == (0, 0)


def test_a_father_and_the_son_named_after_his_own_father_are_refused() -> None:
    father = record_of(
        _row("1", first_name="Dhiyab", father_name="Yunus", grandfather_name="Salim"), 0
    )
    son = record_of(_row("2", first_name="يونس", father_name="ذياب", date_of_birth="1978"), 1)
    dated = record_of(
        _row("3", first_name="Dhiyab", father_name="Yunus", date_of_birth="1954-03-02"), 2
    )
    grandson = record_of(
        _row("4", first_name="يونس", father_name="ذياب", grandfather_name="يونس"), 3
    )
    assert model.compare(dated, son) is None, "born years apart"
    assert model.compare(father, grandson) is None, "their grandfathers differ"


def test_salah_is_not_salih_nor_hana_hanan() -> None:
    assert names.compare(names.read("صلاح"), names.read("SALIH")) == names.DIFFERENT
    assert names.compare(names.read("صالح"), names.read("Saleh")) == names.SAME
    assert names.compare(names.read("هناء"), names.read("Hanan")) == names.DIFFERENT


def test_a_person_and_another_sex_are_refused() -> None:
    a = record_of(_row("1", first_name="Noor", father_name="Ali", sex="f"), 0)
    b = record_of(_row("2", first_name="Noor", father_name="Ali", sex="m"), 1)
    assert model.compare(a, b) is None


def test_a_date_of_birth_by_convention_agrees_with_a_date_in_its_year() -> None:
    a = record_of(_row("1", date_of_birth="1985-07-01"), 0)
    b = record_of(_row("2", date_of_birth="1985-03-12"), 1)
    c = record_of(_row("3", date_of_birth="1985-12-03"), 2)
    assert model.DATE_LEVELS[model._date_level(a, b)] == "same year, one a convention"
    assert model.DATE_LEVELS[model._date_level(b, c)] == "day and month swapped"


def test_a_date_of_birth_typed_in_arabic_indic_or_eastern_digits_is_read() -> None:
    for typed in ("١٩٨٧-٠٦-٢٩", "۱۹۸۷-۰۶-۲۹", "٢٩/٠٦/١٩٨٧"):
        assert record_of(_row("1", date_of_birth=typed), 0).born == dt.date(1987, 6, 29)


def test_two_members_of_one_registration_never_join_one_cluster() -> None:
    rows = [
        _row("a1", first_name="Ali", father_name="Hassan", household_id_in_org="H1"),
        _row("a2", first_name="Ali", father_name="Hassan", household_id_in_org="H1"),
        _row("b1", first_name="علي", father_name="حسن", org="WFP", household_id_in_org="W9"),
    ]
    records = [record_of(row, i) for i, row in enumerate(rows)]
    links = [link.Link(0, 2, 20.0, (0,) * 8), link.Link(1, 2, 19.0, (0,) * 8)]
    found = link.clusters(records, links, [])
    assert found[0] == found[2] and found[1] != found[0]


def test_a_chain_of_links_through_a_record_without_first_name_does_not_join_brothers() -> None:
    firsts = ["Hassan", "", "حسين"]
    rows = [_row(str(i), first_name=first, father_name="Ahmed") for i, first in enumerate(firsts)]
    records = [record_of(row, i) for i, row in enumerate(rows)]
    links = [link.Link(0, 1, 20.0, (0,) * 8), link.Link(1, 2, 19.0, (0,) * 8)]
    found = link.clusters(records, links, [0, 2])
    assert found[0] == found[1] and found[2] != found[0]


def test_a_name_cut_short_is_rescued_when_the_dates_agree_and_never_between_brothers() -> None:
    shared = {"father_name": "Ibrahim", "grandfather_name": "Khalaf", "sex": "m"}
    khalid = record_of(_row("1", first_name="خالد", date_of_birth="1990-03-04", **shared), 0)
    cut = record_of(_row("2", first_name="KHALI", date_of_birth="1990-03-04", **shared), 1)
    brother = record_of(_row("3", first_name="Kamal", date_of_birth="1990-03-04", **shared), 2)
    assert model.compare(khalid, cut) is None
    rescued = model.rescued(khalid, cut)
    assert rescued is not None and model.NAME_LEVELS[rescued[0]] == "typo"
    assert model.certainly_two(khalid, brother) and model.rescued(khalid, brother) is None
