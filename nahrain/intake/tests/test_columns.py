"""The declarative half of an import spec: headers, HXL hashtags and the user's mapping."""

from __future__ import annotations

from nahrain.intake.columns import (
    Field,
    apply_column_map,
    check_mapping,
    header_key,
    hxl_field,
    is_hxl_row,
    match_headers,
)

FIELDS = (
    Field("place_id", "Place", ("Place ID", "رقم الموقع"), ("#loc+code",), required=True),
    Field("name_en", "Name", ("Location name",), ("#loc+name",)),
    Field("name_ar", "Arabic name", ("Arabic name",), ("#loc+name+i_ar",)),
    Field("households", "Households", ("Families", "عدد العوائل"), ("#affected+hh-returnees",)),
)


def test_headers_match_whatever_their_case_spacing_and_arabic_letter_forms() -> None:
    assert header_key("  PLACE-id ") == header_key("Place ID")
    assert header_key("عدد العائلات") != header_key("عدد العوائل")
    assert header_key("رقم الموقع") == header_key("رقم  الموقع")
    assert header_key("إسم") == header_key("اسم")  # alef with hamza is alef
    assert header_key("Pre-June14 Wave") == header_key("Pre June14")
    # Typed on a Kurdish keyboard: Farsi yeh and keheh are the Arabic letters.
    assert header_key(
        "\u0639\u062f\u062f \u0627\u0644\u0623\u0641\u0631\u0627\u062f\u06cc"
    ) == header_key("\u0639\u062f\u062f \u0627\u0644\u0623\u0641\u0631\u0627\u062f\u064a")


def test_a_hashtag_means_the_field_whose_pattern_it_matches_most_closely() -> None:
    assert hxl_field("#loc+name+i_ar", FIELDS) == "name_ar"
    assert hxl_field("#loc +name", FIELDS) == "name_en"
    assert hxl_field("#affected+hh+idps", FIELDS) == "households"
    # "-returnees": the other population's count is not read as this one's.
    assert hxl_field("#affected+hh+returnees", FIELDS) == ""
    assert hxl_field("#org", FIELDS) == ""


def test_a_row_of_hashtags_is_told_from_a_row_of_data() -> None:
    assert is_hxl_row(["#loc+code", "", "#affected+hh"])
    assert not is_hxl_row(["#loc+code", "12"])
    assert not is_hxl_row(["", ""])


def test_a_tagged_file_is_read_by_its_hashtags_whatever_its_headers_say() -> None:
    columns = match_headers(
        ["Families", "Code", "Code again"],
        FIELDS,
        hxl=["#loc+name", "#loc+code", "#loc+code"],
    )
    assert [c.target for c in columns] == ["field:name_en", "field:place_id", ""]


def test_the_users_mapping_goes_over_the_guess_and_says_what_it_cannot_read() -> None:
    columns = match_headers(["Place ID", "Fam.", "Notes"], FIELDS)
    assert [c.target for c in columns] == ["field:place_id", "", ""]
    problems = apply_column_map(
        columns,
        {"fam.": "households", "Notes": "ignore", "Nothing": "households", "Place ID": "iban"},
        file="f.csv",
        row=1,
        fields=FIELDS,
    )
    assert [c.target for c in columns] == ["field:place_id", "field:households", ""]
    assert [(p.column, p.rule) for p in problems] == [("", "map"), ("A", "map")]
    assert "which no header is" in problems[0].message
    assert "none of: households, name_ar, name_en, place_id or ignore" in problems[1].message


def test_a_field_claimed_twice_or_a_required_field_missing_is_a_problem_of_the_header_row() -> None:
    columns = match_headers(["Families", "عدد العوائل"], FIELDS)
    targets, problems = check_mapping(columns, FIELDS, file="f.csv", row=1)
    assert set(targets) == {"field:households"}
    assert [(p.row, p.column, p.rule) for p in problems] == [
        (1, "B", "duplicate_column"),
        (1, "", "missing_column"),
    ]
    assert "Place ID" in problems[1].message and "#loc+code" in problems[1].message


def test_two_columns_under_one_header_are_mapped_by_their_letter() -> None:
    columns = match_headers(["Place ID", "HH", "HH"], FIELDS)
    problems = apply_column_map(columns, {"HH": "households"}, file="f.csv", row=1, fields=FIELDS)
    assert [(p.column, p.rule) for p in problems] == [("B, C", "map")]
    assert "column:C=households" in problems[0].message
    assert [c.target for c in columns] == ["field:place_id", "", ""]
    assert not apply_column_map(
        columns,
        {"column:b": "households", "column:C": "ignore"},
        file="f.csv",
        row=1,
        fields=FIELDS,
    )
    assert [c.target for c in columns] == ["field:place_id", "field:households", ""]
