"""Reading uploaded CSV and XLSX files: what is read, and how each bad file is refused."""

from __future__ import annotations

import csv
import io
import time
import zipfile
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from nahrain.core.problems import ImportRejected, Problem
from nahrain.intake.readers import Table, formula_like, neutralise, read_table


def rejection(data: bytes, file: str = "list.csv", **limits: int) -> Problem:
    """The single problem a file is refused with."""
    with pytest.raises(ImportRejected) as caught:
        read_table(data, file=file, **limits)
    [problem] = caught.value.problems
    return problem


def xlsx(*rows: list[object], title: str = "Sheet1") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- CSV: encodings -----------------------------------------------------------------------


def test_a_utf8_csv_is_read_as_text_cells_numbered_from_one() -> None:
    table = read_table("place,families\nنينوى,12\n".encode(), file="list.csv")

    assert table == Table(
        file="list.csv",
        rows=[["place", "families"], ["نينوى", "12"]],
        encoding="utf-8",
        sheet=None,
        first_row_number=1,
        row_numbers=[1, 2],
    )


def test_a_byte_order_mark_is_dropped_and_the_encoding_is_utf8_sig() -> None:
    table = read_table("\ufeffplace,families\nنينوى,12\n".encode(), file="list.csv")

    assert table.encoding == "utf-8-sig"
    assert table.rows[0] == ["place", "families"]


def test_windows_arabic_text_is_read_as_cp1256() -> None:
    table = read_table("دهوك,نينوى\r\n".encode("cp1256"), file="list.csv")

    assert table.encoding == "cp1256"
    assert table.rows == [["دهوك", "نينوى"]]


def test_a_byte_that_is_neither_utf8_nor_cp1256_is_reported_at_its_row_and_column() -> None:
    problem = rejection(b'a,b\n1,"two\nlines"\n3,x\x01\xff\n')

    assert (problem.row, problem.column, problem.rule) == (3, "B", "encoding")
    assert "0xFF" in problem.message


def test_a_file_that_is_utf8_at_first_and_then_something_else_is_refused() -> None:
    data = "place,governorate\nمخيم,دهوك\n".encode() + "مخيم,نينوى\n".encode("cp1256")

    problem = rejection(data)

    assert (problem.row, problem.column, problem.rule) == (3, "A", "encoding")
    assert "mixes encodings" in problem.message


def test_a_byte_order_mark_followed_by_bytes_that_are_not_utf8_is_refused() -> None:
    problem = rejection(b"\xef\xbb\xbfa,b\n1,\xe5\n")

    assert (problem.row, problem.column, problem.rule) == (2, "B", "encoding")


def test_utf16_text_is_refused_with_advice_to_save_as_utf8() -> None:
    problem = rejection("a,b\n".encode("utf-16"))

    assert problem.rule == "encoding"
    assert "CSV UTF-8" in problem.message


def test_nul_bytes_are_refused_as_binary_naming_the_line() -> None:
    problem = rejection(b"a,b\n1,2\n3,\x00\n")

    assert (problem.row, problem.rule) == (3, "binary")


# --- CSV: delimiters and rows ---------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolons_and_tabs_are_recognised_as_delimiters(delimiter: str) -> None:
    data = f"place{delimiter}families\nCamp, east{delimiter}12\n".encode()

    assert read_table(data, file="list.csv").rows == [["place", "families"], ["Camp, east", "12"]]


def test_semicolons_inside_quoted_cells_do_not_make_a_comma_file_look_semicolon_separated() -> None:
    data = b'"a;b;c",x\n"d;e;f",y\n"g;h;i",z\n'

    assert read_table(data, file="list.csv").rows == [
        ["a;b;c", "x"],
        ["d;e;f", "y"],
        ["g;h;i", "z"],
    ]


def test_a_file_without_any_delimiter_is_one_column() -> None:
    assert read_table(b"place\nCamp A\n", file="list.csv").rows == [["place"], ["Camp A"]]


def test_an_excel_sep_line_sets_the_delimiter_and_is_not_counted_as_a_row() -> None:
    table = read_table(b"sep=;\nplace;families\nCamp, A;12\n", file="list.csv")

    assert table.rows == [["place", "families"], ["Camp, A", "12"]]
    assert table.row_numbers == [1, 2]


def test_a_quoted_cell_may_hold_newlines_and_is_still_one_row() -> None:
    table = read_table(b'place,note\r\nA,"first\r\nsecond"\r\nB,ok\r\n', file="list.csv")

    assert table.rows == [["place", "note"], ["A", "first\r\nsecond"], ["B", "ok"]]
    assert table.row_numbers == [1, 2, 3]


def test_blank_rows_are_dropped_but_the_other_rows_keep_their_numbers() -> None:
    table = read_table(b"\nplace,families\n\n , \nA,1\n,,\nB,2\n", file="list.csv")

    assert table.rows == [["place", "families"], ["A", "1"], ["B", "2"]]
    assert table.row_numbers == [2, 5, 7]
    assert table.first_row_number == 2


def test_cells_are_stripped_and_trailing_empty_cells_kept() -> None:
    table = read_table(b" place , families ,\n A ,1,\n", file="list.csv")

    assert table.rows == [["place", "families", ""], ["A", "1", ""]]


def test_the_file_name_is_given_without_its_directory() -> None:
    assert read_table(b"a\n", file="C:\\Users\\im\\lists\\round 12.csv").file == "round 12.csv"


def test_a_last_row_cut_short_without_a_final_newline_is_refused_as_truncated() -> None:
    problem = rejection(b"place,families,individuals\nA,1,6\nB,2,12\nC,3")

    assert (problem.row, problem.column, problem.rule) == (4, "C", "truncated")
    assert problem.message == "row 4 has 2 cells, the other rows have 3; the file looks cut off"


def test_a_short_last_row_that_ends_with_a_newline_is_accepted() -> None:
    table = read_table(b"place,families,individuals\nA,1,6\nB,2\n", file="list.csv")

    assert table.rows[-1] == ["B", "2"]


def test_a_complete_last_row_without_a_final_newline_is_accepted() -> None:
    assert read_table(b"a,b\n1,2", file="list.csv").rows == [["a", "b"], ["1", "2"]]


def test_a_quote_that_never_closes_is_refused_where_it_opens() -> None:
    problem = rejection(b'place,note\nA,"never closed\nB,2\nC,3\n')

    assert (problem.row, problem.column, problem.rule) == (2, "B", "unclosed_quote")


def test_escaped_quotes_inside_a_quoted_cell_are_read() -> None:
    table = read_table(b'a,b\n1,"say ""hi"""\n', file="list.csv")

    assert table.rows[1] == ["1", 'say "hi"']


# --- limits and formats ---------------------------------------------------------------------


def test_a_file_over_the_byte_limit_is_refused_before_it_is_parsed() -> None:
    problem = rejection(b"\xd0\xcf\x11\xe0" + b"x" * 100, max_bytes=50)

    assert (problem.row, problem.rule) == (None, "too_large")


def test_a_file_with_too_many_rows_is_refused() -> None:
    problem = rejection(b"a\n1\n\n2\n3\n", max_rows=3)

    assert (problem.row, problem.rule) == (5, "too_large")


def test_a_row_with_too_many_columns_is_refused_naming_the_first_column_over() -> None:
    problem = rejection(b"a,b\n1,2,3,4\n", max_columns=3)

    assert (problem.row, problem.column, problem.rule) == (2, "D", "too_large")


def test_trailing_empty_columns_do_not_count_against_the_column_limit() -> None:
    table = read_table(b"a,b" + b"," * 20 + b"\n", file="list.csv", max_columns=3)

    assert len(table.rows[0]) == 22


@pytest.mark.parametrize("data", [b"", b"\n\n", b" , \n,,\r\n", b"\xef\xbb\xbf"])
def test_an_empty_file_or_one_without_a_value_is_refused_as_empty(data: bytes) -> None:
    assert rejection(data).rule == "empty"


def test_an_old_excel_xls_file_is_refused_with_advice() -> None:
    problem = rejection(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, file="list.xls")

    assert problem.rule == "format"
    assert problem.message == "old Excel .xls format: save as .xlsx or CSV"


def test_a_password_protected_xlsx_is_refused_with_advice() -> None:
    problem = rejection(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, file="list.xlsx")

    assert problem.rule == "format"
    assert "password" in problem.message


def test_a_csv_named_xlsx_is_refused() -> None:
    assert rejection(b"a,b\n1,2\n", file="list.xlsx").rule == "malformed"


# --- XLSX -----------------------------------------------------------------------------------


def test_an_xlsx_sheet_is_read_as_the_text_a_user_would_type() -> None:
    data = xlsx(
        ["place", "families", "share", "date", "surveyed", "note"],
        ["مخيم دهوك", 120, 41.18, date(2024, 3, 5), True, "  padded  "],
        ["Camp B", 3.0, 0.1 + 0.2, datetime(2024, 3, 6, 14, 30), False, None],
        ["Camp C", -7, 0.00001, None, None, None],
        title="Master list",
    )

    table = read_table(data, file="list.xlsx")

    assert table.encoding == "xlsx"
    assert table.sheet == "Master list"
    assert table.rows == [
        ["place", "families", "share", "date", "surveyed", "note"],
        ["مخيم دهوك", "120", "41.18", "2024-03-05", "TRUE", "padded"],
        ["Camp B", "3", "0.3", "2024-03-06 14:30:00", "FALSE", ""],
        ["Camp C", "-7", "0.00001", "", "", ""],
    ]


def test_xlsx_blank_rows_are_dropped_but_the_other_rows_keep_their_numbers() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["A3"] = "place"
    sheet["A5"] = "Camp A"
    sheet["C5"] = 4
    sheet["B6"] = "   "
    buffer = io.BytesIO()
    workbook.save(buffer)

    table = read_table(buffer.getvalue(), file="list.xlsx")

    assert table.rows == [["place", "", ""], ["Camp A", "", "4"]]
    assert table.row_numbers == [3, 5]
    assert table.first_row_number == 3


def test_the_first_visible_sheet_is_read() -> None:
    workbook = Workbook()
    hidden = workbook.active
    assert hidden is not None
    hidden.title = "notes"
    hidden.append(["not this"])
    hidden.sheet_state = "hidden"
    workbook.create_sheet("data").append(["this"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    table = read_table(buffer.getvalue(), file="list.xlsx")

    assert (table.sheet, table.rows) == ("data", [["this"]])


def test_a_formula_without_a_cached_value_reads_as_empty() -> None:
    table = read_table(xlsx(["a", "=1+1", "b"]), file="list.xlsx")

    assert table.rows == [["a", "", "b"]]


def test_an_xlsx_is_recognised_by_its_signature_whatever_its_name() -> None:
    assert read_table(xlsx(["a"]), file="upload").encoding == "xlsx"


def test_an_xlsx_sheet_without_a_value_is_refused_as_empty() -> None:
    assert rejection(xlsx([None, " "]), file="list.xlsx").rule == "empty"


def test_an_xlsx_row_with_too_many_columns_is_refused() -> None:
    problem = rejection(xlsx(["a"], [1, 2, 3, 4]), file="list.xlsx", max_columns=3)

    assert (problem.row, problem.column, problem.rule) == (2, "D", "too_large")


def test_an_xlsx_with_too_many_rows_is_refused() -> None:
    problem = rejection(xlsx(["a"], [1], [2]), file="list.xlsx", max_rows=2)

    assert (problem.row, problem.rule) == (3, "too_large")


def test_a_zip_whose_member_unpacks_far_beyond_its_size_is_refused_as_a_zip_bomb() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    started = time.perf_counter()

    problem = rejection(buffer.getvalue(), file="list.xlsx")

    assert problem.rule == "zip_bomb"
    assert time.perf_counter() - started < 1


def test_a_workbook_unpacking_beyond_the_size_limit_is_refused_as_a_zip_bomb() -> None:
    problem = rejection(xlsx(["a"]), file="list.xlsx", max_unzipped_bytes=1000)

    assert problem.rule == "zip_bomb"


def test_a_workbook_with_too_many_files_inside_is_refused_as_a_zip_bomb() -> None:
    problem = rejection(xlsx(["a"]), file="list.xlsx", max_zip_members=3)

    assert problem.rule == "zip_bomb"


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04" + b"\x00garbage" * 20, xlsx(["a"] * 50)[:-200]],
    ids=["garbage", "cut off"],
)
def test_a_corrupt_zip_is_refused_as_malformed(data: bytes) -> None:
    assert rejection(data, file="list.xlsx").rule == "malformed"


def test_a_zip_that_is_not_a_workbook_is_refused_as_malformed() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("list.csv", "a,b\n")

    assert rejection(buffer.getvalue(), file="list.zip").rule == "malformed"


def test_an_opendocument_spreadsheet_is_refused_with_advice() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")

    problem = rejection(buffer.getvalue(), file="list.ods")

    assert problem.rule == "format"
    assert ".ods" in problem.message


# --- formula injection ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("x")', "@SUM(A1)", "+1+1", "-1+1", " =1", "\tdata", "\rdata", "-", "+964 750"],
)
def test_formula_like_cells_are_neutralised_with_a_leading_quote(value: str) -> None:
    assert formula_like(value)
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["-5", "-3.2", "-.5", "-1,234.5", "-2e3", "", "Duhok", "5-6"])
def test_plain_values_and_negative_numbers_are_left_as_they_are(value: str) -> None:
    assert not formula_like(value)
    assert neutralise(value) == value


# --- property -------------------------------------------------------------------------------

# Tables of two columns or more, as spreadsheets are: a single column whose cells all hold ";"
# reads as well as a semicolon file with two columns, and no reader can tell which it is.
cell_text = st.text(
    alphabet=st.characters(categories=["L", "M", "N", "P", "S"], include_characters=' ,;\t"\n'),
    max_size=12,
)


@settings(deadline=None)
@given(
    st.integers(min_value=2, max_value=5).flatmap(
        lambda width: st.lists(st.lists(cell_text, min_size=width, max_size=width), max_size=8)
    )
)
def test_any_table_written_by_csv_writer_in_utf8_reads_back_the_same(
    rows: list[list[str]],
) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    expected = [[cell.strip() for cell in row] for row in rows]
    expected = [row for row in expected if any(row)]

    if not expected:
        assert rejection(buffer.getvalue().encode()).rule == "empty"
        return
    assert read_table(buffer.getvalue().encode(), file="list.csv").rows == expected
