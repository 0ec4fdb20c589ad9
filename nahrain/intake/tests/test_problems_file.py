"""The problems file: the rows marked where they are wrong, and the list, safe to open."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from nahrain.core.problems import Problem, Severity
from nahrain.intake.problems_file import problems_csv, problems_xlsx

DATA = b"Place ID,Families,Note\n1,=1+1,\n\n2,-5,x\n"
PROBLEMS = [
    Problem("f.csv", None, "", "missing_column", "no column for district"),
    Problem("f.csv", 4, "B", "negative", "-5 is negative"),
    Problem("f.csv", 4, "B-C", "large_change", "+300%", Severity.WARNING),
    Problem("f.csv", 2, "", "required", '=HYPERLINK("x")'),
]


def test_the_rows_keep_their_numbers_and_the_cells_at_fault_carry_the_problems() -> None:
    workbook = load_workbook(io.BytesIO(problems_xlsx(data=DATA, file="f.csv", problems=PROBLEMS)))
    data, listing = workbook.worksheets
    assert workbook.worksheets[0].title == "Data"  # the sheet an upload is read from
    assert data["A4"].value == "2" and data["A3"].value is None  # the blank row stays blank
    assert data["B2"].value == "=1+1" and data["B2"].data_type == "s"  # text, not a formula
    note = data["B4"].comment.text
    assert "error [negative]" in note and "warning [large_change]" in note
    assert data["B4"].fill.fgColor.rgb.endswith("F4C7C3")  # the worst of them: an error
    assert data["A2"].comment is not None  # a row's problem without a column: its first cell
    assert listing.max_row == 1 + len(PROBLEMS)
    assert listing["F5"].value == '\'=HYPERLINK("x")'


def test_a_file_that_could_not_be_read_still_gets_its_list() -> None:
    workbook = load_workbook(
        io.BytesIO(problems_xlsx(data=b"\x00\x01", file="f.xlsx", problems=PROBLEMS[:1]))
    )
    assert workbook.worksheets[1].max_row == 2


def test_the_list_opens_in_excel_as_utf8_and_runs_no_formula() -> None:
    text = problems_csv(PROBLEMS).decode("utf-8")
    assert text.startswith("\ufefffile,row,column,severity,rule,message")
    assert "f.csv,4,B,error,negative,-5 is negative" not in text  # "-5..." would be a formula
    assert "f.csv,4,B,error,negative,'-5 is negative" in text


def test_characters_a_spreadsheet_cannot_hold_are_left_out_not_a_server_error() -> None:
    data = b"Place ID,Name\n1,Zakho\x07\n"
    problems = [Problem("f.csv", 2, "B", "odd", "Zakho\x07 \x1b[0m")]
    workbook = load_workbook(io.BytesIO(problems_xlsx(data=data, file="f.csv", problems=problems)))
    assert workbook.worksheets[0]["B2"].value == "Zakho"
    assert workbook.worksheets[1]["F2"].value == "Zakho [0m"
    assert "\x07" not in problems_csv(problems).decode("utf-8")
