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

from django.utils.translation import gettext_noop

from nahrain.core.problems import ImportRejected, Problem, Severity
from nahrain.displacement.codelists import RoundCodes
from nahrain.displacement.models import Population
from nahrain.geo.models import AdminUnit
from nahrain.intake.columns import (
    Column,
    Extra,
    Field,
    apply_column_map,
    check_mapping,
    column_letter,
    header_key,
    is_hxl_row,
    mapping_summary,
    match_headers,
)
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


# HXL attributes that make a count a part of the whole (women, children...; a shelter type, a
# period or a governorate of origin, as Nahrain's own exports tag their breakdowns): such a
# column is not the total.
PART_OF_A_COUNT = "".join(
    f"-{a}"
    for a in (
        "f",
        "m",
        "children",
        "adults",
        "elderly",
        "infants",
        "adolescents",
        "shelter",
        "period",
        "origin",
    )
)


def wide_fields(population: str = Population.IDP) -> tuple[Field, ...]:
    """The fields of a wide master list, with the headers and HXL hashtags that name each; a
    count tagged for the other population (``#affected+hh+returnees`` in an IDP list) is not
    read."""
    other = "returnees" if population == Population.IDP else "idps"
    return (
        Field(
            "place_id",
            gettext_noop("DTM location ID"),
            (
                "Place ID",
                "Place id",
                "PlaceID",
                "Location ID",
                "Loc ID",
                "DTM ID",
                "رقم الموقع",
                "معرف الموقع",
                "رمز الموقع",
            ),
            ("#loc+code", "#loc+id"),
            required=True,
        ),
        Field(
            "governorate",
            gettext_noop("Governorate (name or p-code)"),
            ("Governorate", "Governorate name", "Gov", "Province", "المحافظة", "اسم المحافظة"),
            ("#adm1+code", "#adm1+name"),
            required=True,
        ),
        Field(
            "district",
            gettext_noop("District (name or p-code)"),
            ("District", "District name", "Qadaa", "القضاء", "اسم القضاء"),
            ("#adm2+code", "#adm2+name"),
            required=True,
        ),
        Field(
            "subdistrict",
            gettext_noop("Sub-district (name or p-code)"),
            ("Sub District", "Subdistrict", "Nahya", "Sub-district name", "الناحية", "اسم الناحية"),
            ("#adm3+code", "#adm3+name"),
        ),
        Field(
            "name_en",
            gettext_noop("Location name in English"),
            (
                "Location name",
                "Location",
                "Place",
                "Place name",
                "Location name (English)",
                "Location name EN",
            ),
            ("#loc+name",),
        ),
        Field(
            "name_ar",
            gettext_noop("Location name in Arabic"),
            (
                "Location name (Arabic)",
                "Arabic name",
                "Place (Arabic)",
                "Location name AR",
                "Location name in Arabic",
                "اسم الموقع",
                "الموقع",
            ),
            ("#loc+name+i_ar",),
        ),
        Field(
            "latitude",
            gettext_noop("Latitude"),
            ("Latitude", "Lat", "Y", "خط العرض"),
            ("#geo+lat",),
        ),
        Field(
            "longitude",
            gettext_noop("Longitude"),
            ("Longitude", "Long", "Lon", "Lng", "X", "خط الطول"),
            ("#geo+lon",),
        ),
        Field(
            "households",
            gettext_noop("Households (families)"),
            (
                "Households",
                "Families",
                "HH",
                "Number of families",
                "IDP families",
                "Returnee families",
                "Total families",
                "Total households",
                "عدد العوائل",
                "العوائل",
                "عدد الأسر",
                "الأسر",
            ),
            (f"#affected+hh-{other}{PART_OF_A_COUNT}",),
            required=True,
        ),
        Field(
            "individuals",
            gettext_noop("Individuals"),
            (
                "Individuals",
                "Ind",
                "IDP individuals",
                "Returnee individuals",
                "Total individuals",
                "عدد الأفراد",
                "الأفراد",
            ),
            (f"#affected+ind-{other}{PART_OF_A_COUNT}",),
        ),
    )


WIDE_FIELDS = wide_fields()

_ORIGIN_PREFIX = re.compile(
    r"^(origin|from|gov(ernorate)? of origin|origin gov(ernorate)?|last displacement|"
    r"displaced from|returned from)\s*[:\-\u2013]?\s*",
    re.IGNORECASE,
)
_UNIT_SUFFIX = re.compile(
    r"\s*[\(\[]?\s*(hh|households|families|ind|individuals)\s*[\)\]]?\s*$", re.IGNORECASE
)


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


def _extra_columns(
    *, codes: RoundCodes, round_number: int, resolve_governorate: Resolver
) -> tuple[Extra, Extra]:
    """DTM's own columns, beyond the declared fields: shelter and period categories named by
    the round's code lists, and governorates of origin named by the gazetteer.

    Returns how a header is guessed and how a ``--map`` value is read: ``shelter:CODE``,
    ``period:CODE``, ``origin:GOVERNORATE`` (a name or p-code)."""
    item_keys: dict[str, str] = {}
    for kind, items in (("shelter", codes.shelter), ("period", codes.period)):
        for item in items:
            for h in [item.label_en, *item.headers]:
                item_keys.setdefault(header_key(h), f"{kind}:{item.code}")
    default_unit = (
        "individuals" if round_number >= ORIGIN_IN_INDIVIDUALS_FROM_ROUND else "households"
    )

    def guess(text: str) -> tuple[str, str] | None:
        target = item_keys.get(header_key(text))
        if target:
            return target, ""
        # Governorate-of-origin columns: "Anbar", "Origin: Anbar", "From Ninewa (HH)".
        name = _ORIGIN_PREFIX.sub("", text.strip())
        unit_match = _UNIT_SUFFIX.search(name)
        unit = default_unit
        if unit_match:
            unit = "individuals" if unit_match.group(1).lower().startswith("ind") else "households"
            name = name[: unit_match.start()]
        governorate = resolve_governorate(name) if name else None
        return (f"origin:{governorate.pcode}", unit) if governorate is not None else None

    def mapped(wanted: str) -> tuple[str, str] | None:
        kind, _, code = wanted.partition(":")
        if kind in ("shelter", "period"):
            items = codes.shelter if kind == "shelter" else codes.period
            return (f"{kind}:{code}", "") if code in {item.code for item in items} else None
        if kind == "origin" and code:
            unit = resolve_governorate(code)
            return (f"origin:{unit.pcode}", default_unit) if unit is not None else None
        return None

    return guess, mapped


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
    fields = wide_fields(population)
    guess, mapped = _extra_columns(
        codes=codes, round_number=round_number, resolve_governorate=resolve_governorate
    )
    columns = match_headers(header, fields, hxl=hxl, extra=guess)
    problems += apply_column_map(
        columns,
        column_map,
        file=file,
        row=header_row,
        fields=fields,
        target_of=mapped,
        others="shelter:CODE, period:CODE, origin:GOVERNORATE",
    )
    targets, mapping_problems = check_mapping(columns, fields, file=file, row=header_row)
    problems += mapping_problems
    origin_units = {c.unit for c in columns if c.target.startswith("origin:")}
    if len(origin_units) > 1:
        problems.append(
            Problem(
                file, header_row, "", "origin_unit", "origin columns mix households and individuals"
            )
        )
    if problems:
        raise ImportRejected(problems, mapping=mapping_summary(columns))

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


def error_count(problems: list[Problem]) -> int:
    return sum(1 for p in problems if p.severity is Severity.ERROR)
