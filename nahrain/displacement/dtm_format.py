"""Reading DTM master lists: the 2014 long format and the wide format of later rounds.

The wide format's headers drift from round to round (``Place ID``/``Place id``,
``Families``/``Households``, ``Pre-June14``/``Pre-June14 Wave``...). The drift is handled by a
declarative mapping: each field lists the headers that name it, shelter and period columns come
from the round's code lists (each item lists its headers), and governorate-of-origin columns are
recognised by resolving the header as a governorate name. No code is written per round.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from nahrain.core.problems import ImportRejected, Problem, Severity
from nahrain.displacement.codelists import RoundCodes, header_key
from nahrain.displacement.models import Population
from nahrain.geo.models import AdminUnit
from nahrain.intake.readers import Table

LONG_2014_COLUMNS = 41
# 1-based column numbers of the 2014 long format (see label.csv of the 2014 dataset).
L14_FAMILIES, L14_ORIGIN, L14_GOVERNORATE, L14_DISTRICT, L14_SUBDISTRICT = 4, 5, 7, 8, 9
L14_PLACE, L14_PLACE_AR, L14_PLACE_ID, L14_LON, L14_LAT = 11, 12, 13, 14, 15
L14_SHELTER_FIRST, L14_DATE = 19, 41

# Household size DTM Iraq used to turn households into individuals.
HOUSEHOLD_SIZE = Decimal(6)
HOUSEHOLD_SIZE_IN_CAMP_FROM_117 = Decimal(5)
# From this round, DTM gave governorate-of-origin figures in individuals, before in households.
ORIGIN_IN_INDIVIDUALS_FROM_ROUND = 119


@dataclass(frozen=True)
class FieldSpec:
    name: str
    headers: tuple[str, ...]
    required: bool = False


WIDE_FIELDS = (
    FieldSpec(
        "place_id",
        ("Place ID", "Place id", "PlaceID", "Location ID", "Loc ID", "DTM ID"),
        required=True,
    ),
    FieldSpec("governorate", ("Governorate", "Governorate name", "Gov", "Province"), required=True),
    FieldSpec("district", ("District", "District name", "Qadaa"), required=True),
    FieldSpec("subdistrict", ("Sub District", "Subdistrict", "Nahya", "Sub-district name")),
    FieldSpec(
        "name_en",
        (
            "Location name",
            "Location",
            "Place",
            "Place name",
            "Location name (English)",
            "Location name EN",
        ),
    ),
    FieldSpec(
        "name_ar",
        (
            "Location name (Arabic)",
            "Arabic name",
            "Place (Arabic)",
            "Location name AR",
            "Location name in Arabic",
        ),
    ),
    FieldSpec("latitude", ("Latitude", "Lat", "Y")),
    FieldSpec("longitude", ("Longitude", "Long", "Lon", "Lng", "X")),
    FieldSpec(
        "households",
        (
            "Households",
            "Families",
            "HH",
            "Number of families",
            "IDP families",
            "Returnee families",
            "Total families",
            "Total households",
        ),
        required=True,
    ),
    FieldSpec(
        "individuals",
        ("Individuals", "Ind", "IDP individuals", "Returnee individuals", "Total individuals"),
    ),
)

_ORIGIN_PREFIX = re.compile(
    r"^(origin|from|gov(ernorate)? of origin|origin gov(ernorate)?|last displacement|"
    r"displaced from|returned from)\s*[:\-\u2013]?\s*",
    re.IGNORECASE,
)
_UNIT_SUFFIX = re.compile(
    r"\s*[\(\[]?\s*(hh|households|families|ind|individuals)\s*[\)\]]?\s*$", re.IGNORECASE
)


@dataclass
class Column:
    """Where a header of the file went: a field, a code-list item, an origin, or nowhere."""

    index: int
    header: str
    target: str  # "field:households", "shelter:camp", "period:aug_2014", "origin:IQG01", ""
    unit: str = ""  # for origin columns: "households" or "individuals"


@dataclass
class LocationRecord:
    """One location's figures for one population, as read from the file (not yet checked)."""

    row: int
    place_id: str
    name_en: str = ""
    name_ar: str = ""
    governorate: str = ""
    district: str = ""
    subdistrict: str = ""
    latitude: float | None = None
    longitude: float | None = None
    households: int = 0
    individuals: int | None = None
    shelter: dict[str, int] = field(default_factory=dict)
    period: dict[str, int] = field(default_factory=dict)
    origin: dict[str, int] = field(default_factory=dict)
    origin_unit: str = "households"
    # A count on this row could not be read (already reported): sums over it mean nothing.
    unreadable: bool = False


@dataclass
class ParsedFile:
    format: str  # "dtm-2014-long" or "dtm-wide"
    population: str
    columns: list[Column]
    records: list[LocationRecord]
    problems: list[Problem]


Resolver = Callable[[str], AdminUnit | None]


class _Cells:
    """Turns cells into numbers, recording a problem (file, row, column, rule) when it cannot."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems

    def count(self, value: str, *, row: int, column: str, blank_is_zero: bool = True) -> int:
        text = value.strip().replace(",", "")
        if text.isascii() and text.isdigit():
            # Nearly every cell of a master list is a plain count: skip Decimal for those.
            return int(text)
        if text == "":
            if blank_is_zero:
                return 0
            self.problems.append(Problem(self.file, row, column, "required", "no value"))
            return 0
        try:
            number = Decimal(text)
        except ArithmeticError:
            self.problems.append(
                Problem(self.file, row, column, "non_integer", f"{value!r} is not a whole number")
            )
            return 0
        if number != number.to_integral_value():
            self.problems.append(
                Problem(self.file, row, column, "non_integer", f"{value!r} is not a whole number")
            )
            return 0
        if number < 0:
            self.problems.append(
                Problem(self.file, row, column, "negative", f"{value} is negative")
            )
            return 0
        return int(number)

    def coordinate(self, value: str, *, row: int, column: str, limit: float) -> float | None:
        text = value.strip()
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            self.problems.append(
                Problem(self.file, row, column, "coordinate", f"{value!r} is not a number")
            )
            return None
        if not -limit <= number <= limit:
            self.problems.append(
                Problem(self.file, row, column, "coordinate", f"{value} is out of range")
            )
            return None
        return number


def column_letter(index: int) -> str:
    """Spreadsheet column name of a 0-based index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def is_long_2014(table: Table) -> bool:
    """The 2014 long format has no header row: 41 columns, the first a sequence number."""
    first = table.rows[0]
    return len(first) == LONG_2014_COLUMNS and first[0].strip().isdigit()


def parse(
    table: Table,
    *,
    codes: RoundCodes,
    round_number: int,
    population: str,
    resolve_governorate: Resolver,
    column_map: dict[str, str] | None = None,
) -> ParsedFile:
    """Read a master list into location records, with every problem of form found on the way.

    ``column_map`` maps headers the mapping cannot guess to what they hold (``--map``).
    """
    if is_long_2014(table):
        return _parse_long_2014(table, codes=codes)
    return _parse_wide(
        table,
        codes=codes,
        round_number=round_number,
        population=population,
        resolve_governorate=resolve_governorate,
        column_map=column_map or {},
    )


# HXL hashtags a wide master list may carry in the row under its headers (hxlstandard.org), and
# the field each means. A file tagged so needs no mapping at all. ``+code`` columns of admin
# units are p-codes; names and p-codes both resolve through the aliases.
HXL_FIELDS: tuple[tuple[str, frozenset[str], str], ...] = (
    ("#loc", frozenset({"code"}), "place_id"),
    ("#loc", frozenset({"id"}), "place_id"),
    ("#loc", frozenset({"name", "i_ar"}), "name_ar"),
    ("#loc", frozenset({"name"}), "name_en"),
    ("#adm1", frozenset({"code"}), "governorate"),
    ("#adm1", frozenset({"name"}), "governorate"),
    ("#adm2", frozenset({"code"}), "district"),
    ("#adm2", frozenset({"name"}), "district"),
    ("#adm3", frozenset({"code"}), "subdistrict"),
    ("#adm3", frozenset({"name"}), "subdistrict"),
    ("#geo", frozenset({"lat"}), "latitude"),
    ("#geo", frozenset({"lon"}), "longitude"),
)
HXL_POPULATION = {"idp": "idps", "returnee": "returnees"}
_HXL_CELL = re.compile(r"^\s*#[a-z][a-z0-9_]*(\s*\+\s*[a-z][a-z0-9_]*)*\s*$", re.IGNORECASE)


def is_hxl_row(row: list[str]) -> bool:
    """A row of HXL hashtags: every filled cell a hashtag, at least one filled."""
    filled = [cell for cell in row if cell.strip()]
    return bool(filled) and all(_HXL_CELL.match(cell) for cell in filled)


def _hxl_target(tag: str, population: str) -> str:
    """The field a hashtag means for this population's master list, or "" (ignored)."""
    parts = [p.strip().lower() for p in tag.split("+")]
    hashtag, attributes = parts[0], set(parts[1:])
    if hashtag == "#affected":
        others = set(HXL_POPULATION.values()) - {HXL_POPULATION.get(population, "")}
        if attributes & others:
            return ""
        if "hh" in attributes:
            return "field:households"
        if "ind" in attributes:
            return "field:individuals"
        return ""
    for name, wanted, field_name in HXL_FIELDS:
        if hashtag == name and wanted <= attributes:
            return f"field:{field_name}"
    return ""


def _parse_date(value: str) -> date | None:
    for pattern in ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _parse_long_2014(table: Table, *, codes: RoundCodes) -> ParsedFile:
    """One row per place, governorate of origin and date of displacement; families by the 13
    shelter columns of 2014."""
    file = table.file
    problems: list[Problem] = []
    cells = _Cells(file, problems)
    shelter_codes = [item.code for item in codes.shelter]
    columns = [
        Column(L14_FAMILIES - 1, "Master Families", "field:households"),
        Column(L14_ORIGIN - 1, "Origin Governorate", "origin"),
        Column(L14_GOVERNORATE - 1, "Governorate", "field:governorate"),
        Column(L14_DISTRICT - 1, "District", "field:district"),
        Column(L14_PLACE_ID - 1, "Place ID", "field:place_id"),
        Column(L14_LAT - 1, "Latitude", "field:latitude"),
        Column(L14_LON - 1, "Longitude", "field:longitude"),
        Column(L14_DATE - 1, "Date of Displacement", "period (from the date)"),
    ] + [
        Column(L14_SHELTER_FIRST - 1 + i, item.label_en, f"shelter:{item.code}")
        for i, item in enumerate(codes.shelter)
    ]
    if len(shelter_codes) != 13:
        problems.append(
            Problem(
                file,
                None,
                "",
                "code_list",
                "the 2014 format needs the 2014 shelter list "
                "(13 categories): import it into a round of 2014 (round 13 or earlier)",
            )
        )
        raise ImportRejected(problems)
    records: dict[str, LocationRecord] = {}
    seen: dict[tuple[str, str, str], int] = {}
    for row_number, row in zip(table.row_numbers, table.rows, strict=True):
        if len(row) != LONG_2014_COLUMNS:
            problems.append(
                Problem(
                    file,
                    row_number,
                    "",
                    "columns",
                    f"{len(row)} columns, the 2014 format has {LONG_2014_COLUMNS}",
                )
            )
            continue

        def cell(number: int, row: list[str] = row) -> str:
            return row[number - 1].strip()

        place_id = cell(L14_PLACE_ID)
        if not place_id:
            problems.append(
                Problem(
                    file, row_number, column_letter(L14_PLACE_ID - 1), "required", "no Place ID"
                )
            )
            continue
        origin = cell(L14_ORIGIN)
        key = (place_id, origin.casefold(), cell(L14_DATE))
        if key in seen:
            problems.append(
                Problem(
                    file,
                    row_number,
                    column_letter(L14_PLACE_ID - 1),
                    "duplicate",
                    f"place {place_id} with origin {origin} displaced on {cell(L14_DATE)} "
                    f"is already in row {seen[key]}",
                )
            )
            continue
        seen[key] = row_number
        reported = len(problems)
        families = cells.count(
            cell(L14_FAMILIES),
            row=row_number,
            column=column_letter(L14_FAMILIES - 1),
            blank_is_zero=False,
        )
        shelter = {
            code: cells.count(
                cell(L14_SHELTER_FIRST + i),
                row=row_number,
                column=column_letter(L14_SHELTER_FIRST - 1 + i),
            )
            for i, code in enumerate(shelter_codes)
        }
        if len(problems) == reported and sum(shelter.values()) != families:
            problems.append(
                Problem(
                    file,
                    row_number,
                    column_letter(L14_SHELTER_FIRST - 1)
                    + "-"
                    + column_letter(L14_SHELTER_FIRST + 11),
                    "breakdown_sum",
                    f"shelter columns add up to {sum(shelter.values())}, "
                    f"Master Families is {families}",
                )
            )
        displaced_on = _parse_date(cell(L14_DATE))
        period = codes.period_for(displaced_on) if displaced_on else None
        if period is None:
            problems.append(
                Problem(
                    file,
                    row_number,
                    column_letter(L14_DATE - 1),
                    "date",
                    f"{cell(L14_DATE)!r} is not a date of displacement (dd-mm-yyyy)",
                )
            )
        row_failed = len(problems) > reported
        record = records.get(place_id)
        if record is None:
            record = records[place_id] = LocationRecord(
                row=row_number,
                place_id=place_id,
                name_en=cell(L14_PLACE),
                name_ar=cell(L14_PLACE_AR),
                governorate=cell(L14_GOVERNORATE),
                district=cell(L14_DISTRICT),
                subdistrict=cell(L14_SUBDISTRICT),
                latitude=cells.coordinate(
                    cell(L14_LAT), row=row_number, column=column_letter(L14_LAT - 1), limit=90
                ),
                longitude=cells.coordinate(
                    cell(L14_LON), row=row_number, column=column_letter(L14_LON - 1), limit=180
                ),
            )
        elif (record.governorate, record.district) != (cell(L14_GOVERNORATE), cell(L14_DISTRICT)):
            problems.append(
                Problem(
                    file,
                    row_number,
                    column_letter(L14_GOVERNORATE - 1),
                    "inconsistent",
                    f"place {place_id} is in {record.governorate}/{record.district} in row "
                    f"{record.row}, here in {cell(L14_GOVERNORATE)}/{cell(L14_DISTRICT)}",
                )
            )
        # A row's own defect is reported at that row; the place's sums over it would repeat it
        # at the place's first row, where nothing is wrong.
        record.unreadable = record.unreadable or row_failed
        record.households += families
        for code, value in shelter.items():
            if value:
                record.shelter[code] = record.shelter.get(code, 0) + value
        if period is not None:
            record.period[period.code] = record.period.get(period.code, 0) + families
        record.origin[origin] = record.origin.get(origin, 0) + families
    return ParsedFile("dtm-2014-long", Population.IDP, columns, list(records.values()), problems)


def _target_of(wanted: str, *, codes: RoundCodes, resolve_governorate: Resolver) -> str | None:
    """What a ``--map`` value names: a field (``households``), a breakdown category
    (``shelter:camp``, ``period:pre_jun_2014``), a governorate of origin (``origin:Anbar`` or
    its p-code), or ``ignore``; None when it names nothing."""
    wanted = wanted.strip()
    if wanted.casefold() == "ignore":
        return ""
    if wanted in {spec.name for spec in WIDE_FIELDS}:
        return f"field:{wanted}"
    kind, _, code = wanted.partition(":")
    if kind in ("shelter", "period"):
        items = codes.shelter if kind == "shelter" else codes.period
        return f"{kind}:{code}" if code in {item.code for item in items} else None
    if kind == "origin" and code:
        unit = resolve_governorate(code)
        return f"origin:{unit.pcode}" if unit is not None else None
    return None


def _match_columns(
    header: list[str],
    *,
    codes: RoundCodes,
    round_number: int,
    resolve_governorate: Resolver,
    hxl: list[str] | None = None,
    population: str = "idp",
) -> list[Column]:
    field_keys = {header_key(h): f"field:{spec.name}" for spec in WIDE_FIELDS for h in spec.headers}
    item_keys: dict[str, str] = {}
    for kind, items in (("shelter", codes.shelter), ("period", codes.period)):
        for item in items:
            for h in [item.label_en, *item.headers]:
                item_keys.setdefault(header_key(h), f"{kind}:{item.code}")
    default_unit = (
        "individuals" if round_number >= ORIGIN_IN_INDIVIDUALS_FROM_ROUND else "households"
    )
    columns = []
    if hxl is not None:
        taken: set[str] = set()
        for index, text in enumerate(header):
            tag = hxl[index] if index < len(hxl) else ""
            tagged = _hxl_target(tag, population) if tag.strip() else ""
            # A p-code column and a name column of one unit: the first is read.
            if tagged in taken:
                tagged = ""
            taken.add(tagged)
            columns.append(Column(index, text, tagged))
        return columns
    for index, text in enumerate(header):
        key = header_key(text)
        if not key:
            columns.append(Column(index, text, ""))
            continue
        target = field_keys.get(key) or item_keys.get(key)
        if target:
            columns.append(Column(index, text, target))
            continue
        # Governorate-of-origin columns: "Anbar", "Origin: Anbar", "From Ninewa (HH)".
        has_prefix = bool(_ORIGIN_PREFIX.match(text.strip()))
        name = _ORIGIN_PREFIX.sub("", text.strip())
        unit_match = _UNIT_SUFFIX.search(name)
        unit = default_unit
        if unit_match:
            unit = "individuals" if unit_match.group(1).lower().startswith("ind") else "households"
            name = name[: unit_match.start()]
        governorate = resolve_governorate(name) if name else None
        if governorate is not None and (has_prefix or unit_match or governorate):
            columns.append(Column(index, text, f"origin:{governorate.pcode}", unit=unit))
        else:
            columns.append(Column(index, text, ""))
    return columns


def _parse_wide(
    table: Table,
    *,
    codes: RoundCodes,
    round_number: int,
    population: str,
    resolve_governorate: Resolver,
    column_map: dict[str, str],
) -> ParsedFile:
    file = table.file
    problems: list[Problem] = []
    cells = _Cells(file, problems)
    header, header_row = table.rows[0], table.row_numbers[0]
    hxl = table.rows[1] if len(table.rows) > 1 and is_hxl_row(table.rows[1]) else None
    first_data = 2 if hxl is not None else 1
    columns = _match_columns(
        header,
        codes=codes,
        round_number=round_number,
        resolve_governorate=resolve_governorate,
        hxl=hxl,
        population=population,
    )
    problems += _apply_column_map(
        columns,
        column_map,
        file=file,
        row=header_row,
        codes=codes,
        resolve=resolve_governorate,
        origin_unit=(
            "individuals" if round_number >= ORIGIN_IN_INDIVIDUALS_FROM_ROUND else "households"
        ),
    )
    targets: dict[str, Column] = {}
    for column in columns:
        if not column.target:
            continue
        if column.target in targets:
            problems.append(
                Problem(
                    file,
                    header_row,
                    column_letter(column.index),
                    "duplicate_column",
                    f"{column.header!r} means the same as column "
                    f"{column_letter(targets[column.target].index)} "
                    f"({targets[column.target].header!r})",
                )
            )
        targets[column.target] = column
    for spec in WIDE_FIELDS:
        if spec.required and f"field:{spec.name}" not in targets:
            problems.append(
                Problem(
                    file,
                    header_row,
                    "",
                    "missing_column",
                    f"no column for {spec.name}; expected one of: {', '.join(spec.headers)}",
                )
            )
    origin_units = {c.unit for c in columns if c.target.startswith("origin:")}
    if len(origin_units) > 1:
        problems.append(
            Problem(
                file, header_row, "", "origin_unit", "origin columns mix households and individuals"
            )
        )
    if problems:
        raise ImportRejected(problems)

    def get(row: list[str], name: str) -> str:
        column = targets.get(f"field:{name}")
        if column is None or column.index >= len(row):
            return ""
        return row[column.index].strip()

    # Column letters and breakdown targets worked out once, not once a cell.
    breakdown_columns = []
    origin_unit: str | None = None  # each row's: the unit of the last origin column
    for column in columns:
        kind, _, code = column.target.partition(":")
        if kind in ("shelter", "period", "origin"):
            breakdown_columns.append((column.index, kind, code, column_letter(column.index)))
            if kind == "origin":
                origin_unit = column.unit
    field_letters = {
        target: column_letter(column.index)
        for target, column in targets.items()
        if target.startswith("field:")
    }
    records = []
    seen: dict[str, int] = {}
    for row_number, row in zip(
        table.row_numbers[first_data:], table.rows[first_data:], strict=True
    ):
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
            problems.append(
                Problem(
                    file,
                    row_number,
                    column_letter(len(header)),
                    "columns",
                    f"{len(row)} cells, the header has {len(header)}",
                )
            )
            continue
        place_id = get(row, "place_id")
        if not place_id:
            problems.append(
                Problem(
                    file,
                    row_number,
                    column_letter(targets["field:place_id"].index),
                    "required",
                    "no place id",
                )
            )
            continue
        if place_id in seen:
            problems.append(
                Problem(
                    file,
                    row_number,
                    column_letter(targets["field:place_id"].index),
                    "duplicate",
                    f"place {place_id} is already in row {seen[place_id]}",
                )
            )
            continue
        seen[place_id] = row_number
        record = LocationRecord(
            row=row_number,
            place_id=place_id,
            name_en=get(row, "name_en"),
            name_ar=get(row, "name_ar"),
            governorate=get(row, "governorate"),
            district=get(row, "district"),
            subdistrict=get(row, "subdistrict"),
        )
        for name, limit in (("latitude", 90.0), ("longitude", 180.0)):
            coordinate_column = targets.get(f"field:{name}")
            if coordinate_column is not None:
                setattr(
                    record,
                    name,
                    cells.coordinate(
                        get(row, name),
                        row=row_number,
                        column=field_letters[f"field:{name}"],
                        limit=limit,
                    ),
                )
        reported = len(problems)
        record.households = cells.count(
            get(row, "households"),
            row=row_number,
            column=field_letters["field:households"],
            blank_is_zero=False,
        )
        if "field:individuals" in targets and get(row, "individuals"):
            record.individuals = cells.count(
                get(row, "individuals"),
                row=row_number,
                column=field_letters["field:individuals"],
            )
        parts = {"shelter": record.shelter, "period": record.period, "origin": record.origin}
        width = len(row)
        for index, kind, code, letter in breakdown_columns:
            text = row[index] if index < width else ""
            # A plain count (nearly every cell) is read here; _Cells.count reads the rest.
            value = (
                int(text)
                if text.isdigit() and text.isascii()
                else cells.count(text, row=row_number, column=letter)
            )
            if value:
                parts[kind][code] = value
        if origin_unit is not None:
            record.origin_unit = origin_unit
        record.unreadable = len(problems) > reported
        records.append(record)
    return ParsedFile("dtm-wide", population, columns, records, problems)


def _apply_column_map(
    columns: list[Column],
    column_map: dict[str, str],
    *,
    file: str,
    row: int,
    codes: RoundCodes,
    resolve: Resolver,
    origin_unit: str,
) -> list[Problem]:
    """Put the user's ``--map "HEADER=target"`` over the guessed mapping, in place; an origin
    column so mapped counts in the round's unit (households before round 119)."""
    problems = []
    by_header = {header_key(c.header): c for c in columns}
    for header, wanted in column_map.items():
        column = by_header.get(header_key(header))
        if column is None:
            problems.append(
                Problem(file, row, "", "map", f"--map names {header!r}, which no header is")
            )
            continue
        target = _target_of(wanted, codes=codes, resolve_governorate=resolve)
        if target is None:
            problems.append(
                Problem(
                    file,
                    row,
                    column_letter(column.index),
                    "map",
                    f"--map gives {header!r} the meaning {wanted!r}, which is none of: a field "
                    f"({', '.join(s.name for s in WIDE_FIELDS)}), shelter:CODE, period:CODE, "
                    "origin:GOVERNORATE or ignore",
                )
            )
            continue
        column.target = target
        column.unit = origin_unit if target.startswith("origin:") else ""
    return problems


def mapping_summary(parsed: ParsedFile) -> list[dict[str, str]]:
    """The column mapping used, for the person importing to check."""
    return [
        {
            "column": column_letter(c.index),
            "header": c.header,
            "mapped_to": c.target or "(ignored)",
            "unit": c.unit,
        }
        for c in parsed.columns
    ]


def error_count(problems: list[Problem]) -> int:
    return sum(1 for p in problems if p.severity is Severity.ERROR)
