"""Consultation reports and EWARN weekly reports from spreadsheets, as import specs on the intake
pipeline (``health.consultations``, ``health.ewarn``).

- **Target.** A file goes into an organisation: its data entry clerks and information managers
  import it (anyone else: the same 404 as no organisation). Facilities are named by their code,
  among the facilities the importer reports for that the organisation runs or supports.
- **Consultations** come one count a row (facility code, period start, service, sex, age group,
  population group, count; a period column says week or month, month when absent), or in the
  Health Cluster's template, one column per sex and age group ("Female under 5", "ذكور ١٨-5٩")
  beside the facility, period, service and population group.
- **EWARN** rows are one disease of one facility's week: facility code, year, week, disease,
  cases and deaths under five and five and over (empty cells count zero).
- **Values.** Codes of the lists (services, sexes, age groups, population groups, diseases) are
  read from their codes or their labels in English, Arabic or Kurdish. Every problem names the
  file, row, column and rule; one problem refuses the whole file, and a dry run writes nothing.
- **Writing.** The rows of each facility's period (or week) are one report, sent through the
  services (``consultation_report_submit``, ``ewarn_report_submit``, source "import"):
  importing a file again replaces those reports, never adds to them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from nahrain.core.access import AnyUser
from nahrain.core.models import Organisation
from nahrain.core.problems import ImportRejected, Problem, rule_words_add
from nahrain.core.services import audit_record
from nahrain.geo.normalize import ARABIC_DIGITS
from nahrain.health import access, codelists, services, weeks
from nahrain.health.models import Facility
from nahrain.health.services import Cell, DiseaseCount
from nahrain.intake.columns import (
    Column,
    Field,
    apply_column_map,
    check_mapping,
    column_letter,
    header_key,
    is_hxl_row,
    mapping_summary,
    match_headers,
)
from nahrain.intake.readers import read_table
from nahrain.intake.spec import Intake, Outcome, Spec, register

CONSULTATIONS = "health.consultations"
EWARN = "health.ewarn"
MAX_COUNT = 2_147_483_647

FACILITY = Field(
    "facility_code",
    gettext_noop("Facility code"),
    (
        "Facility code",
        "Facility ID",
        "Health facility code",
        "Facility",
        "Site code",
        "Reporting site code",
        "رمز المرفق",
        "رمز المؤسسة الصحية",
        "رمز المركز الصحي",
    ),
    ("#loc+code", "#loc+id"),
    required=True,
)


def _counted(name: str, label: str, *headers: str, hxl: str = "") -> Field:
    return Field(name, label, headers, (hxl,) if hxl else ())


CONSULTATION_FIELDS = (
    FACILITY,
    Field(
        "period",
        gettext_noop("Period (week or month)"),
        ("Period", "Reporting period", "Frequency", "الفترة", "فترة التقرير"),
        ("#date+period",),
    ),
    Field(
        "period_start",
        gettext_noop("Period start (first day of the week or month)"),
        (
            "Period start",
            "Start date",
            "Month",
            "Reporting month",
            "Week start",
            "Date",
            "بداية الفترة",
            "تاريخ البدء",
            "الشهر",
            "التاريخ",
        ),
        ("#date+start", "#date"),
        required=True,
    ),
    Field(
        "service",
        gettext_noop("Service"),
        (
            "Service",
            "Service type",
            "Type of consultation",
            "Consultation type",
            "الخدمة",
            "نوع الخدمة",
        ),
        ("#service",),
        required=True,
    ),
    Field("sex", gettext_noop("Sex"), ("Sex", "Gender", "الجنس"), ("#targeted+sex",)),
    Field(
        "age_group",
        gettext_noop("Age group"),
        ("Age group", "Age", "الفئة العمرية", "العمر"),
        ("#targeted+age",),
    ),
    Field(
        "population_group",
        gettext_noop("Population group"),
        (
            "Population group",
            "Population type",
            "Beneficiary type",
            "Status",
            "الفئة السكانية",
            "نوع المستفيدين",
        ),
        ("#population+type", "#targeted+type"),
        required=True,
    ),
    Field(
        "count",
        gettext_noop("Consultations"),
        ("Count", "Consultations", "Number of consultations", "Number", "العدد", "عدد الاستشارات"),
        ("#reached",),
    ),
)

EWARN_FIELDS = (
    FACILITY,
    Field(
        "year",
        gettext_noop("Epidemiological year"),
        ("Year", "Epi year", "السنة"),
        ("#date+year",),
        required=True,
    ),
    Field(
        "week",
        gettext_noop("Epidemiological week"),
        (
            "Week",
            "Epi week",
            "Epidemiological week",
            "Week number",
            "الأسبوع",
            "رقم الأسبوع",
            "الاسبوع الوبائي",
        ),
        ("#date+week",),
        required=True,
    ),
    Field(
        "disease",
        gettext_noop("Disease"),
        ("Disease", "Disease name", "Syndrome", "المرض", "اسم المرض"),
        ("#indicator+disease", "#disease"),
        required=True,
    ),
    _counted(
        "cases_under5",
        gettext_noop("Cases under 5"),
        "Cases under 5",
        "Cases <5",
        "Cases U5",
        "الحالات دون 5 سنوات",
        "حالات اقل من 5",
        hxl="#affected+cases+u5",
    ),
    _counted(
        "cases_over5",
        gettext_noop("Cases 5 and over"),
        "Cases 5 and over",
        "Cases over 5",
        "Cases >5",
        "Cases 5+",
        "الحالات 5 سنوات فأكثر",
        "حالات اكثر من 5",
        hxl="#affected+cases+o5",
    ),
    _counted(
        "deaths_under5",
        gettext_noop("Deaths under 5"),
        "Deaths under 5",
        "Deaths <5",
        "Deaths U5",
        "الوفيات دون 5 سنوات",
        "وفيات اقل من 5",
        hxl="#affected+killed+u5",
    ),
    _counted(
        "deaths_over5",
        gettext_noop("Deaths 5 and over"),
        "Deaths 5 and over",
        "Deaths over 5",
        "Deaths >5",
        "Deaths 5+",
        "الوفيات 5 سنوات فأكثر",
        "وفيات اكثر من 5",
        hxl="#affected+killed+o5",
    ),
)
EWARN_COUNTS = ("cases_under5", "cases_over5", "deaths_under5", "deaths_over5")

WORDS = {
    "unknown_facility": gettext_lazy("Not a facility you report for"),
    "ambiguous_facility": gettext_lazy("The code of more than one facility you report for"),
    "unknown_code": gettext_lazy("Not a code of the list"),
    "not_a_count": gettext_lazy("Not a whole number of 0 or more"),
    "not_a_week": gettext_lazy("Not an epidemiological week"),
    "not_a_period": gettext_lazy("Not the start of a week or month"),
    "refused": gettext_lazy("Refused by the reporting rules"),
    "missing_counts": gettext_lazy("No count for the row"),
}

# --- code lists: codes and labels in every language, as a cell may write them ------------------

# Words partners' sheets use beyond the lists' labels.
MORE_WORDS = {
    "sexes": {
        "female": "f",
        "women": "f",
        "girls": "f",
        "انثى": "f",
        "male": "m",
        "men": "m",
        "boys": "m",
        "ذكر": "m",
    },
    "age_groups": {"<5": "u5", "0-4": "u5", "under five": "u5", "60+": "60p", "over 60": "60p"},
    "population_groups": {
        "idp": "idp",
        "host": "host",
        "نازح": "idp",
        "عائد": "returnee",
        "مضيف": "host",
    },
    "periods": {
        "week": "week",
        "weekly": "week",
        "month": "month",
        "monthly": "month",
        "اسبوعي": "week",
        "شهري": "month",
    },
}


def _fold(text: str) -> str:
    """A cell or header as codes are looked up: folded as headers are, Arabic-Indic digits as
    Western ones (as a sheet typed on an Arabic keyboard writes them)."""
    return header_key(text.translate(ARABIC_DIGITS))


@cache
def _keys(kind: str) -> dict[str, str]:
    """What a cell may say for a code of the list (folded as headers are) -> the code."""
    found: dict[str, str] = {}
    for entry in codelists.LISTS.entries(kind):
        for text in (
            entry["code"],
            entry.get("label_en"),
            entry.get("label_ar"),
            entry.get("label_ckb"),
        ):
            if text:
                found.setdefault(_fold(str(text)), entry["code"])
    for word, code in MORE_WORDS.get(kind, {}).items():
        found.setdefault(_fold(word), code)
    found.pop("", None)
    return found


def _wide_target(header: str) -> tuple[str, str] | None:
    """A column of the Health Cluster's template: one sex and one age group ("Female under 5",
    "M 18-59", "ذكور ٦٠ فأكثر") -> ("cell:<sex>:<age group>", "")."""
    key = _fold(header)
    if not key:
        return None
    for sex_key, sex in _keys("sexes").items():
        for age_key, age in _keys("age_groups").items():
            if key in (sex_key + age_key, age_key + sex_key):
                return (f"cell:{sex}:{age}", "")
    return None


def _cell_target(wanted: str) -> tuple[str, str] | None:
    """A mapping's own target: ``cell:<sex>:<age group>`` by their codes."""
    cells = {
        f"cell:{sex}:{age}"
        for sex in codelists.codes("sexes")
        for age in codelists.codes("age_groups")
    }
    return (wanted, "") if wanted in cells else None


# --- reading ----------------------------------------------------------------------------------


def _number(text: str) -> float:
    value = float(text.replace(",", "").replace(" ", ""))
    if not math.isfinite(value):
        raise ValueError(text)
    return value


class _Reader:
    """Reads a file's cells, gathering every problem with its file, row, column and rule."""

    def __init__(
        self, intake: Intake, columns: dict[str, Column], facilities: dict[str, list[Facility]]
    ) -> None:
        self.file = intake.file
        self.columns = columns
        self.facilities = facilities
        self.problems: list[Problem] = []

    def letter(self, target: str) -> str:
        column = self.columns.get(target)
        return column_letter(column.index) if column else ""

    def cell(self, row: list[str], target: str) -> str:
        column = self.columns.get(target)
        return " ".join(row[column.index].split()) if column and column.index < len(row) else ""

    def error(self, number: int, target: str, rule: str, message: str) -> None:
        self.problems.append(Problem(self.file, number, self.letter(target), rule, message))

    def count(self, number: int, row: list[str], target: str) -> int | None:
        """A count, None where the cell is empty."""
        text = self.cell(row, target)
        if not text:
            return None
        try:
            value = _number(text)
        except ValueError:
            value = -1.0
        if value < 0 or value > MAX_COUNT or value != int(value):
            self.error(number, target, "not_a_count", f"{text!r} is not a whole number ≥ 0")
            return None
        return int(value)

    def code(
        self, number: int, row: list[str], target: str, kind: str, default: str = ""
    ) -> str | None:
        text = self.cell(row, target)
        if not text:
            if default:
                return default
            self.error(
                number, target, "required", f"no {target.removeprefix('field:').replace('_', ' ')}"
            )
            return None
        found = _keys(kind).get(_fold(text))
        if found is None:
            known = "week, month" if kind == "periods" else ", ".join(codelists.codes(kind))
            listed = kind.replace("_", " ")
            self.error(number, target, "unknown_code", f"{text!r} is not one of {listed}: {known}")
        return found

    def facility(self, number: int, row: list[str]) -> Facility | None:
        text = self.cell(row, "field:facility_code")
        found = self.facilities.get(text.casefold(), [])
        if not found:
            rule = "required" if not text else "unknown_facility"
            self.error(
                number,
                "field:facility_code",
                rule,
                f"{text!r} is not the code of a facility you report for",
            )
            return None
        if len(found) > 1:
            # Codes are unique within an organisation only: guessing would write one
            # organisation's counts into another's facility.
            owners = ", ".join(sorted(f.organisation.acronym for f in found))
            self.error(
                number,
                "field:facility_code",
                "ambiguous_facility",
                f"{text!r} is the code of several facilities you report for (run by "
                f"{owners}): which one this row reports cannot be told",
            )
            return None
        return found[0]


def _organisation(user: AnyUser, uid: str) -> Organisation:
    return access.access_organisation_for_reporting(user, uid)


def _facilities(intake: Intake) -> dict[str, list[Facility]]:
    """The facilities the importer reports for that the target organisation runs or supports,
    by code (case does not count); a code can name several, each of another organisation."""
    organisation: Organisation = intake.target
    if intake.actor is None:
        return {}
    found = access.facilities_reporting(intake.actor).filter(
        Q(organisation=organisation) | Q(supporters=organisation)
    )
    by_code: dict[str, list[Facility]] = {}
    for facility in found.distinct().select_related("organisation"):
        by_code.setdefault(facility.code.casefold(), []).append(facility)
    return by_code


@dataclass
class _Group:
    """The rows of one report: a facility's period (consultations) or week (EWARN)."""

    facility: Facility
    first_row: int
    key: tuple[Any, ...]  # (period, start) or (year, week)
    items: list[Any] = field(default_factory=list)
    keys: set[Any] = field(default_factory=set)


def _header(
    intake: Intake,
    fields: tuple[Field, ...],
    extra: Callable[[str], tuple[str, str] | None] | None = None,
) -> tuple[Any, dict[str, Column], list[dict[str, str]], bool]:
    table = read_table(intake.data, file=intake.file)
    header, header_row = table.rows[0], table.row_numbers[0]
    hxl = table.rows[1] if len(table.rows) > 1 and is_hxl_row(table.rows[1]) else None
    columns = match_headers(header, fields, hxl=hxl, extra=extra)
    problems = apply_column_map(
        columns,
        intake.column_map,
        file=intake.file,
        row=header_row,
        fields=fields,
        target_of=_cell_target if extra else None,
        others="cell:<sex>:<age group>" if extra else "",
    )
    targets, header_problems = check_mapping(columns, fields, file=intake.file, row=header_row)
    problems += header_problems
    mapping = mapping_summary(columns)
    if problems:
        raise ImportRejected(problems, mapping=mapping)
    return table, targets, mapping, hxl is not None


def _body(table: Any, hxl: bool) -> list[tuple[int, list[str]]]:
    rows = list(zip(table.row_numbers, table.rows, strict=True))[2 if hxl else 1 :]
    return [(n, cells) for n, cells in rows if any(c.strip() for c in cells)]


def _write(
    intake: Intake,
    groups: list[_Group],
    send: Callable[[_Group], Any],
    action: str,
    detail: dict[str, Any],
) -> Any:
    """Send every report, all or nothing; a refusal of the services names the report's first
    row."""
    organisation: Organisation = intake.target
    with transaction.atomic():
        for done, group in enumerate(groups, start=1):
            intake.progress("writing", done, len(groups))
            try:
                send(group)
            except ValidationError as refused:
                transaction.set_rollback(True)
                raise ImportRejected(
                    [
                        Problem(
                            intake.file, group.first_row, "", "refused", " ".join(refused.messages)
                        )
                    ]
                ) from refused
        return audit_record(
            actor=intake.actor,
            action=action,
            object_type="organisation",
            object_id=organisation.pk,
            organisation=organisation,
            detail={"file": intake.file[:200], **detail},
        )


def _outcome(
    intake: Intake,
    reader: _Reader,
    mapping: list[dict[str, str]],
    reports: list[_Group],
    *,
    dry_run: bool,
    send: Callable[[_Group], Any],
    action: str,
    reports_are: str,
    counted: tuple[str, Callable[[_Group], int]],
    written_as: str,
) -> Outcome:
    """Refuse the file with every problem found, or else send its reports (unless a dry run)
    and say what it holds."""
    if reader.problems:
        raise ImportRejected(
            sorted(reader.problems, key=lambda p: (p.row or 0, p.column)), mapping=mapping
        )
    audit = None
    if not dry_run:
        audit = _write(intake, reports, send, action, {"reports": len(reports)})
    what, count = counted
    return Outcome(
        summary=[
            (reports_are, len(reports)),
            (gettext_noop("Facilities"), len({g.facility.pk for g in reports})),
            (what, sum(count(g) for g in reports)),
            (gettext_noop("Written as"), written_as),
        ],
        mapping=mapping,
        problems=[],
        audit=audit,
    )


# --- consultations ----------------------------------------------------------------------------


def _consultations(intake: Intake, *, dry_run: bool) -> Outcome:
    table, columns, mapping, hxl = _header(intake, CONSULTATION_FIELDS, _wide_target)
    wide = sorted(t for t in columns if t.startswith("cell:"))
    long_missing = [n for n in ("sex", "age_group", "count") if f"field:{n}" not in columns]
    if not wide and long_missing:
        raise ImportRejected(
            [
                Problem(
                    intake.file,
                    table.row_numbers[0],
                    "",
                    "missing_column",
                    f"no column for {', '.join(long_missing)}; or one column per sex and age "
                    "group, such as 'Female under 5'",
                )
            ],
            mapping=mapping,
        )
    reader = _Reader(intake, columns, _facilities(intake))
    groups: dict[tuple[int, str, date], _Group] = {}
    body = _body(table, hxl)
    today = timezone.localdate()
    for done, (number, row) in enumerate(body, start=1):
        intake.progress("checking", done, len(body))
        before = len(reader.problems)
        facility = reader.facility(number, row)
        period = reader.code(number, row, "field:period", "periods", default="month")
        start = _start(reader, number, row, period, today)
        service = reader.code(number, row, "field:service", "consultation_services")
        group_code = reader.code(number, row, "field:population_group", "population_groups")
        cells: list[tuple[str, str, int, str]] = []  # sex, age group, count, target
        if wide:
            for target in wide:
                value = reader.count(number, row, target)
                _, sex, age = target.split(":")
                cells.append((sex, age, value or 0, target))
        else:
            one_sex = reader.code(number, row, "field:sex", "sexes")
            one_age = reader.code(number, row, "field:age_group", "age_groups")
            value = reader.count(number, row, "field:count")
            if value is None and not reader.cell(row, "field:count"):
                reader.error(number, "field:count", "missing_counts", "no count")
            cells.append((one_sex or "", one_age or "", value or 0, "field:count"))
        if len(reader.problems) > before or facility is None or start is None or period is None:
            continue
        group = groups.setdefault(
            (facility.pk, period, start), _Group(facility, number, (period, start))
        )
        for sex, age, value, target in cells:
            key = (service, sex, age, group_code)
            if key in group.keys:
                reader.error(
                    number,
                    target,
                    "duplicate",
                    f"the same count as an earlier row of {facility.code}'s {period} of {start}",
                )
                continue
            group.keys.add(key)
            group.items.append(Cell(str(service), sex, age, str(group_code), value))
    return _outcome(
        intake,
        reader,
        mapping,
        list(groups.values()),
        dry_run=dry_run,
        send=lambda g: services.consultation_report_submit(
            actor=intake.actor,
            facility=g.facility,
            period=g.key[0],
            start=g.key[1],
            cells=g.items,
            source="import",
        ),
        action="health.consultations_import",
        reports_are=gettext_noop("Consultation reports in the file"),
        counted=(
            gettext_noop("Consultations"),
            lambda g: sum(c.count for c in g.items if c.service != "referral_out"),
        ),
        written_as=gettext_noop("Each facility's period replaces the report it had"),
    )


def _start(
    reader: _Reader, number: int, row: list[str], period: str | None, today: date
) -> date | None:
    text = reader.cell(row, "field:period_start")
    try:
        start = date.fromisoformat(text[:10])
    except ValueError:
        reader.error(number, "field:period_start", "date", f"{text!r} is not a date (YYYY-MM-DD)")
        return None
    if period == "month" and start.day != 1:
        reader.error(
            number, "field:period_start", "not_a_period", f"{text!r} is not the 1st of a month"
        )
        return None
    if period == "week" and weeks.week_start(*weeks.week_of(start)) != start:
        reader.error(
            number,
            "field:period_start",
            "not_a_period",
            f"{text!r} is not the first day of an epidemiological week",
        )
        return None
    if start > today:
        reader.error(number, "field:period_start", "not_a_period", f"{text!r} has not begun")
        return None
    return start


# --- EWARN ------------------------------------------------------------------------------------


def _ewarn(intake: Intake, *, dry_run: bool) -> Outcome:
    table, columns, mapping, hxl = _header(intake, EWARN_FIELDS)
    reader = _Reader(intake, columns, _facilities(intake))
    groups: dict[tuple[int, int, int], _Group] = {}
    body = _body(table, hxl)
    today = timezone.localdate()
    for done, (number, row) in enumerate(body, start=1):
        intake.progress("checking", done, len(body))
        before = len(reader.problems)
        facility = reader.facility(number, row)
        year = reader.count(number, row, "field:year")
        week = reader.count(number, row, "field:week")
        if year is not None and week is not None:
            try:
                begun = weeks.week_start(year, week) <= today
            except (ValueError, TypeError):
                reader.error(number, "field:week", "not_a_week", f"{year} has no week {week}")
            else:
                if not begun:
                    reader.error(
                        number, "field:week", "not_a_week", f"week {week} of {year} has not begun"
                    )
        elif year is None and not reader.cell(row, "field:year"):
            reader.error(number, "field:year", "required", "no year")
        elif week is None and not reader.cell(row, "field:week"):
            reader.error(number, "field:week", "required", "no week")
        disease = reader.code(number, row, "field:disease", "diseases")
        counts = {name: reader.count(number, row, f"field:{name}") or 0 for name in EWARN_COUNTS}
        for age in ("under5", "over5"):
            if counts[f"deaths_{age}"] > counts[f"cases_{age}"]:
                reader.error(number, f"field:deaths_{age}", "invalid", "more deaths than cases")
        if len(reader.problems) > before or facility is None or year is None or week is None:
            continue
        group = groups.setdefault((facility.pk, year, week), _Group(facility, number, (year, week)))
        if disease in group.keys:
            reader.error(
                number,
                "field:disease",
                "duplicate",
                f"{disease!r} is counted on an earlier row of {facility.code}'s week "
                f"{year}-W{week:02d}",
            )
            continue
        group.keys.add(disease)
        group.items.append(DiseaseCount(str(disease), **counts))
    return _outcome(
        intake,
        reader,
        mapping,
        list(groups.values()),
        dry_run=dry_run,
        send=lambda g: services.ewarn_report_submit(
            actor=intake.actor,
            facility=g.facility,
            year=g.key[0],
            week=g.key[1],
            counts=g.items,
            source="import",
        ),
        action="health.ewarn_import",
        reports_are=gettext_noop("EWARN weekly reports in the file"),
        counted=(
            gettext_noop("Cases"),
            lambda g: sum(c.cases_under5 + c.cases_over5 for c in g.items),
        ),
        written_as=gettext_noop("Each facility's week replaces the report it had"),
    )


# --- the specs --------------------------------------------------------------------------------


def _label(organisation: Any) -> str:
    return gettext("Health reports of %(organisation)s") % {"organisation": organisation}


def _url(organisation: Any) -> str:
    return reverse("health:report")


def _spec(name: str, title: Any, fields: tuple[Field, ...], read: Callable[..., Outcome]) -> Spec:
    return Spec(
        name=name,
        title=title,
        fields=fields,
        target_for_change=_organisation,
        organisation_of=lambda organisation: organisation,
        target_url=_url,
        target_label=_label,
        check=lambda intake: read(intake, dry_run=True),
        commit=lambda intake: read(intake, dry_run=False),
    )


CONSULTATIONS_SPEC = _spec(
    CONSULTATIONS,
    gettext_lazy("Consultation reports (by service, sex, age and population group)"),
    CONSULTATION_FIELDS,
    _consultations,
)
EWARN_SPEC = _spec(EWARN, gettext_lazy("EWARN weekly reports"), EWARN_FIELDS, _ewarn)


def register_specs() -> None:
    """Register the specs and say what their problems' rules mean."""
    rule_words_add(WORDS)
    register(CONSULTATIONS_SPEC)
    register(EWARN_SPEC)
