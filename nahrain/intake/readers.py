"""Reading the spreadsheets information managers upload (CSV and XLSX), safely.

Uploads come from Excel in English and Arabic locales, from Kobo and DTM exports, and from
hand-edited files: UTF-8 with or without a byte-order mark, Windows Arabic (cp1256), commas,
semicolons or tabs, and sometimes a file cut off in transit or a workbook that is really a zip
bomb. Everything here turns such a file into rows of text cells, or refuses it with
``ImportRejected`` whose problems name the file, row, column and rule, so that the person who made
the file can find and fix it. No database or Django model is needed.

Row numbers are the ones a spreadsheet shows: CSV records (a quoted cell may span several physical
lines), blank rows counted but dropped. Columns are named by letter (A, B, ... AA).
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from nahrain.core.problems import ImportRejected, Problem

MB = 1024 * 1024
MAX_BYTES = 50 * MB
MAX_ROWS = 500_000
MAX_COLUMNS = 500
# Zip-bomb guards, checked on the archive's directory before openpyxl opens anything.
MAX_UNZIPPED_BYTES = 200 * MB
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 10 * MB  # small members compress well legitimately
MAX_ZIP_MEMBERS = 10_000
# How much text the delimiter detection looks at.
SAMPLE_CHARS = 64 * 1024

ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # old binary Office files: .xls, and encrypted .xlsx
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
DELIMITERS = (",", ";", "\t")  # in order of preference when the evidence is equal
EXCEL_FORMATS = (".xlsx", ".xlsm")
SAVE_AS_UTF8 = "save it again as “CSV UTF-8 (Comma delimited)”"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UNDECODED = re.compile(r"[\udc80-\udcff]")  # bytes kept by errors="surrogateescape"
_SEP_LINE = re.compile(r"sep=([,;\t|])(?:\r\n|\r|\n|$)")
# Possessive, so that it fails (as the csv module does) instead of backtracking to a shorter cell.
_QUOTED_CELL = re.compile(r'"(?:[^"]|"")*+"')
_NEGATIVE_NUMBER = re.compile(r"-(?:[0-9]+(?:[.,][0-9]+)*|[0-9]*\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_FORMULA_START = ("=", "+", "-", "@")
# A UTF-8 file with this many non-ASCII characters before a bad byte is taken as UTF-8 with a
# foreign byte (mixed encodings), not as cp1256: cp1256 Arabic text is not valid UTF-8 for long.
_UTF8_EVIDENCE = 4


@dataclass(frozen=True)
class Table:
    """A spreadsheet read as text: the non-blank rows and the row number of each."""

    file: str  # the file's name as the user knows it (no directory)
    rows: list[list[str]]  # text cells, stripped; trailing empty cells kept as ""
    encoding: str  # "utf-8", "utf-8-sig", "cp1256" or "xlsx"
    sheet: str | None  # the XLSX sheet read, None for CSV
    first_row_number: int  # the spreadsheet row number of rows[0]
    row_numbers: list[int]  # the spreadsheet row number of each row, parallel to rows


def read_table(
    data: bytes,
    *,
    file: str,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    max_unzipped_bytes: int = MAX_UNZIPPED_BYTES,
    max_compression_ratio: float = MAX_COMPRESSION_RATIO,
    max_zip_members: int = MAX_ZIP_MEMBERS,
) -> Table:
    """Read an uploaded CSV or XLSX file into text rows.

    Raises ImportRejected (with Problems naming file, row, column and rule) if the file cannot be
    read: too large, empty, the wrong format, an unreadable encoding, cut off, or a zip bomb.
    ``max_rows`` counts non-blank rows; ``max_columns`` counts columns up to the last one with a
    value, so that trailing empty columns Excel keeps in a CSV do not count.
    """
    file = _base_name(file)
    if len(data) > max_bytes:
        raise too_large(file, len(data), max_bytes)
    if not data:
        raise _rejected(file, None, "", "empty", "the file is empty")
    excel_name = file.lower().endswith(EXCEL_FORMATS)
    if data.startswith(OLE_SIGNATURE):
        if excel_name:
            # Excel saves a password-protected workbook in the old container, even as .xlsx.
            message = "the workbook is password-protected: remove the password and save it again"
        else:
            message = "old Excel .xls format: save as .xlsx or CSV"
        raise _rejected(file, None, "", "format", message)
    if data.startswith(ZIP_SIGNATURE):
        _check_zip(
            data,
            file,
            max_unzipped_bytes=max_unzipped_bytes,
            max_compression_ratio=max_compression_ratio,
            max_zip_members=max_zip_members,
        )
        return _read_xlsx(data, file, max_rows=max_rows, max_columns=max_columns)
    if excel_name:
        raise _rejected(
            file,
            None,
            "",
            "malformed",
            "the file is named .xlsx but is not an Excel workbook: open it in Excel and save it "
            "again as .xlsx or CSV",
        )
    return _read_csv(data, file, max_rows=max_rows, max_columns=max_columns)


def formula_like(value: str) -> bool:
    """Whether a spreadsheet program would run the cell as a formula (CSV/formula injection).

    True when the cell starts with =, +, -, @ (after stripping) or with a tab or carriage return,
    as OWASP lists; a plain negative number such as "-5" is data, not a formula.
    """
    if value[:1] in ("\t", "\r"):
        return True
    stripped = value.strip()
    return stripped[:1] in _FORMULA_START and not _NEGATIVE_NUMBER.fullmatch(stripped)


def neutralise(value: str) -> str:
    """The cell made safe to export: a formula-like cell gets a leading ' so it stays text."""
    return "'" + value if formula_like(value) else value


# --- CSV -------------------------------------------------------------------------------------


def _read_csv(data: bytes, file: str, *, max_rows: int, max_columns: int) -> Table:
    if data.startswith(UTF16_BOMS):
        raise _rejected(
            file,
            None,
            "",
            "encoding",
            f"the file is UTF-16 text (Excel's “Unicode Text”): {SAVE_AS_UTF8}",
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _rejected(
            file,
            _line_of(data, nul),
            "",
            "binary",
            "the file contains NUL bytes, so it is not a CSV text file: save it as .xlsx or as "
            "“CSV UTF-8 (Comma delimited)”",
        )
    text, encoding = _decode(data, file)
    delimiter, body = _dialect(text)
    lines = _lines(body)
    rows: list[list[str]] = []
    numbers: list[int] = []
    last: tuple[int, int, list[str]] | None = None
    for number, start, raw in _records(lines, delimiter, file):
        last = (number, start, raw)
        cells = [cell.strip() for cell in raw]
        used = _used_width(cells)
        if not used:
            continue
        if used > max_columns:
            raise _too_many_columns(file, number, max_columns)
        if len(rows) == max_rows:
            raise _too_many_rows(file, number, max_rows)
        rows.append(cells)
        numbers.append(number)
    if last is None or not rows:
        raise _rejected(file, None, "", "empty", "the file has no row with a value")
    _check_end(text, lines, last, rows, numbers, delimiter, file)
    return Table(
        file=file,
        rows=rows,
        encoding=encoding,
        sheet=None,
        first_row_number=numbers[0],
        row_numbers=numbers,
    )


def _decode(data: bytes, file: str) -> tuple[str, str]:
    """The text and its encoding: UTF-8 (with or without BOM), else Windows Arabic (cp1256)."""
    if data.startswith(codecs.BOM_UTF8):
        body, encoding = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    else:
        body, encoding = data, "utf-8"
    try:
        return body.decode("utf-8"), encoding
    except UnicodeDecodeError as error:
        bad = error
    if encoding == "utf-8-sig":
        why = ", although the file starts with a UTF-8 byte-order mark"
        raise _undecodable(body, bad, file, why)
    if _non_ascii(body[: bad.start]) >= _UTF8_EVIDENCE:
        why = ", although the rows before it are (the file mixes encodings)"
        raise _undecodable(body, bad, file, why)
    text = body.decode("cp1256")  # cp1256 maps every byte, so this cannot fail
    if _CONTROL.search(text):
        why = ", and the file does not read as Windows Arabic (cp1256) either"
        raise _undecodable(body, bad, file, why)
    return text, "cp1256"


def _non_ascii(valid_utf8: bytes) -> int:
    return sum(1 for char in valid_utf8.decode("utf-8") if ord(char) > 127)


def _undecodable(body: bytes, error: UnicodeDecodeError, file: str, why: str) -> ImportRejected:
    """The rejection naming the row and column of the first byte that is not UTF-8."""
    byte = body[error.start]
    row: int | None = _line_of(body, error.start)
    column = ""
    text = body.decode("utf-8", errors="surrogateescape")
    delimiter, text = _dialect(text)
    try:
        for number, _, raw in _records(_lines(text), delimiter, file):
            index = next((i for i, cell in enumerate(raw) if _UNDECODED.search(cell)), None)
            if index is not None:
                row, column = number, _column_letter(index + 1)
                break
    except ImportRejected:
        pass  # unparsable as CSV: the physical line number found above will do
    message = f"byte 0x{byte:02X} is not UTF-8{why}: {SAVE_AS_UTF8}"
    return _rejected(file, row, column, "encoding", message)


def _dialect(text: str) -> tuple[str, str]:
    """The delimiter and the text to parse.

    Excel writes and honours a first line ``sep=;``, and does not show it: the next line is row 1.
    """
    match = _SEP_LINE.match(text)
    if match:
        return match.group(1), text[match.end() :]
    return _detect_delimiter(text[:SAMPLE_CHARS]), text


def _detect_delimiter(sample: str) -> str:
    """The delimiter that splits the sample's rows most consistently into several cells.

    csv.Sniffer is not used: it counts delimiters inside quoted cells (so it picks ";" for a comma
    file whose quoted cells hold semicolons) and its regular expressions take quadratic time on
    crafted input (18 s for 64 KB of ``,"``). Parsing the sample with each candidate is linear
    and respects quotes. Comma is the fallback.
    """
    cut = max(sample.rfind("\n"), sample.rfind("\r"))
    if cut > 0:
        sample = sample[:cut]  # a row cut by the sample's end would count as inconsistent
    best, best_share = ",", 0.0
    for delimiter in DELIMITERS:
        try:
            widths = [
                len(row)
                for row in csv.reader(_lines(sample), delimiter=delimiter)
                if row  # not an empty line
            ]
        except csv.Error:
            continue
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        share = count / len(widths)
        if width > 1 and share > best_share:
            best, best_share = delimiter, share
    return best


def _lines(text: str) -> list[str]:
    # Split only at \r, \n and \r\n (str.splitlines also splits at \u2028, \x1c...), keeping the
    # line ends, which the csv module needs to keep newlines inside quoted cells.
    return list(io.StringIO(text, newline=""))


def _records(lines: list[str], delimiter: str, file: str) -> Iterator[tuple[int, int, list[str]]]:
    """Each record's row number, index of its first line, and raw cells."""
    reader = csv.reader(lines, delimiter=delimiter)
    number = 0
    while True:
        start = reader.line_num
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _rejected(
                file,
                number + 1,
                "",
                "malformed",
                f"the row cannot be read as CSV ({error}); a cell this long usually means a "
                "quote that opens and never closes",
            ) from error
        number += 1
        yield number, start, raw


def _check_end(
    text: str,
    lines: list[str],
    last: tuple[int, int, list[str]],
    rows: list[list[str]],
    numbers: list[int],
    delimiter: str,
    file: str,
) -> None:
    """Refuse a file whose end shows it was cut off or has an unclosed quote."""
    number, start, raw = last
    open_column = _unclosed_quote_column("".join(lines[start:]), delimiter)
    if open_column is not None:
        raise _rejected(
            file,
            number,
            _column_letter(open_column + 1),
            "unclosed_quote",
            "a quoted cell opens here and never closes, so the rest of the file was read into it: "
            "a quote is missing or the file is cut off",
        )
    if text.endswith(("\r", "\n")) or numbers[-1] != number or len(rows) < 2:
        return
    width, _ = Counter(len(row) for row in rows[:-1]).most_common(1)[0]
    if len(raw) < width:
        raise _rejected(
            file,
            number,
            _column_letter(len(raw) + 1),
            "truncated",
            f"row {number} has {len(raw)} cells, the other rows have {width}; "
            "the file looks cut off",
        )


def _unclosed_quote_column(record: str, delimiter: str) -> int | None:
    """The 0-based column of a quoted cell that never closes in this text, as csv would read it.

    The csv module, not being strict, silently takes everything up to the end of the file into
    such a cell.
    """
    cell_end = re.compile(f"[{re.escape(delimiter)}\r\n]")
    column = position = 0
    while position < len(record):
        if record[position] == '"':
            quoted = _QUOTED_CELL.match(record, position)
            if quoted is None:
                return column
            position = quoted.end()
        # After a closing quote, as in an unquoted cell, the csv module takes the rest literally.
        end = cell_end.search(record, position)
        if end is None:
            return None
        column = column + 1 if end.group() == delimiter else 0
        position = end.end()
    return None


# --- XLSX ------------------------------------------------------------------------------------


def _check_zip(
    data: bytes,
    file: str,
    *,
    max_unzipped_bytes: int,
    max_compression_ratio: float,
    max_zip_members: int,
) -> None:
    """Refuse a damaged archive or a zip bomb from its directory, before anything is inflated.

    The sizes in the directory could lie, but zipfile (which openpyxl reads through) stops each
    member at its declared size, so checking them bounds what will be inflated.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            mimetype = archive.read("mimetype")[:100] if _small_member(archive, "mimetype") else b""
    except Exception as error:  # a damaged archive fails in many ways, all meaning the same
        raise _rejected(
            file,
            None,
            "",
            "malformed",
            f"the workbook is damaged or incomplete ({error}): open it in Excel and save it again",
        ) from error
    bomb = ""
    if len(members) > max_zip_members:
        bomb = f"it holds {len(members)} files, more than {max_zip_members}"
    elif (total := sum(member.file_size for member in members)) > max_unzipped_bytes:
        bomb = f"it unpacks to {_size(total)}, more than {_size(max_unzipped_bytes)}"
    else:
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > RATIO_CHECKED_FROM_BYTES and ratio > max_compression_ratio:
                bomb = f"{member.filename} is compressed {ratio:.0f} times, suspiciously much"
                break
    if bomb:
        raise _rejected(file, None, "", "zip_bomb", f"the workbook is not safe to open: {bomb}")
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        raise _rejected(
            file,
            None,
            "",
            "format",
            "an OpenDocument spreadsheet (.ods): save it as .xlsx or CSV",
        )


def _small_member(archive: zipfile.ZipFile, name: str) -> bool:
    try:
        return archive.getinfo(name).file_size <= 1024
    except KeyError:
        return False


def _read_xlsx(data: bytes, file: str, *, max_rows: int, max_columns: int) -> Table:
    """The first visible worksheet as text rows, all as wide as the widest row with a value."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds of error on a damaged workbook
        raise _unreadable_workbook(file, error) from error
    rows: list[list[str]] = []
    numbers: list[int] = []
    try:
        sheet = next((ws for ws in workbook.worksheets if ws.sheet_state == "visible"), None)
        if sheet is None:
            raise _rejected(file, None, "", "empty", "the workbook has no visible worksheet")
        title = sheet.title
        if isinstance(sheet, ReadOnlyWorksheet):
            # The stored dimensions can claim A1:XFD1048576; ignore them, read the cells there are.
            sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(value) for value in values]
            used = _used_width(cells)
            if not used:
                continue
            if used > max_columns:
                raise _too_many_columns(file, number, max_columns)
            if len(rows) == max_rows:
                raise _too_many_rows(file, number, max_rows)
            rows.append(cells[:used])
            numbers.append(number)
    except ImportRejected:
        raise
    except Exception as error:  # damaged sheet XML, discovered while reading
        raise _unreadable_workbook(file, error) from error
    finally:
        workbook.close()
    if not rows:
        raise _rejected(file, None, "", "empty", f"the sheet “{title}” has no row with a value")
    width = max(len(row) for row in rows)
    return Table(
        file=file,
        rows=[row + [""] * (width - len(row)) for row in rows],
        encoding="xlsx",
        sheet=title,
        first_row_number=numbers[0],
        row_numbers=numbers,
    )


def _cell_text(value: object) -> str:
    """A cell's value as the text a spreadsheet user would type for it."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: bool is an int
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")  # keep a time rather than lose it
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip()


def _float_text(value: float) -> str:
    # Excel shows 15 significant digits, so 0.1+0.2 reads "0.3" as the user sees it; Decimal
    # formatting avoids scientific notation ("0.00001", not "1e-05").
    if not math.isfinite(value):
        return str(value)
    if value.is_integer():
        return str(int(value))
    return format(Decimal(format(value, ".15g")), "f")


# --- shared ----------------------------------------------------------------------------------


def _column_letter(number: int) -> str:
    """The spreadsheet name of a 1-based column number: 1 → A, 27 → AA (no upper limit)."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _used_width(cells: list[str]) -> int:
    """The number of cells up to the last one with a value (0 for a blank row)."""
    for index in range(len(cells) - 1, -1, -1):
        if cells[index]:
            return index + 1
    return 0


def _base_name(file: str) -> str:
    return file.replace("\\", "/").rsplit("/", 1)[-1] or file


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _size(count: int) -> str:
    return f"{count / MB:.1f} MB" if count >= MB else f"{count} bytes"


def _rejected(file: str, row: int | None, column: str, rule: str, message: str) -> ImportRejected:
    return ImportRejected([Problem(file, row, column, rule, message)])


def too_large(file: str, size: int, max_bytes: int = MAX_BYTES) -> ImportRejected:
    """The rejection of a file over the size limit, for callers that know the size before
    reading the file into memory."""
    return _rejected(
        _base_name(file),
        None,
        "",
        "too_large",
        f"the file is {_size(size)}, more than the limit of {_size(max_bytes)}",
    )


def _too_many_columns(file: str, row: int, max_columns: int) -> ImportRejected:
    return _rejected(
        file,
        row,
        _column_letter(max_columns + 1),
        "too_large",
        f"the row has values beyond column {_column_letter(max_columns)}; "
        f"the limit is {max_columns} columns",
    )


def _too_many_rows(file: str, row: int, max_rows: int) -> ImportRejected:
    return _rejected(
        file, row, "", "too_large", f"the file has more than {max_rows} rows: split it"
    )


def _unreadable_workbook(file: str, error: Exception) -> ImportRejected:
    return _rejected(
        file,
        None,
        "",
        "malformed",
        f"the workbook cannot be read ({type(error).__name__}: {error}): open it in Excel and "
        "save it again as .xlsx",
    )
