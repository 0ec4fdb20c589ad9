"""Health figures as files: HXL-tagged CSV of consultations and of EWARN weekly counts (for HDX
and the Health Cluster), and DHIS2 data value sets (the JSON a Directorate of Health's DHIS2
imports through /api/dataValueSets). Each holds only the facilities whose reports the caller
reads (``figures.facilities_in``) and each is written to the audit log.

The DHIS2 mapping of facilities, data elements and category option combos is data
(data/dhis2_mapping.json, versioned, with its source). A facility or value the mapping does not
cover is not dropped in silence: it is listed in ``left_out`` with the reason, and the page
shows that list beside the download.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Sum
from django.db.models.functions import TruncMonth

from nahrain.core.services import audit_record
from nahrain.health import codelists, figures
from nahrain.health.models import ConsultationCount, EwarnCount, EwarnReport
from nahrain.sites.exports import table_csv

MAPPING_PATH = Path(__file__).resolve().parent / "data" / "dhis2_mapping.json"


@cache
def mapping() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(MAPPING_PATH.read_text(encoding="utf-8"))
    return data


@dataclass
class Export:
    data: bytes
    filename: str
    rows: int
    left_out: list[dict[str, Any]] = field(default_factory=list)


def _audited(actor: User, kind: str, export: Export, **detail: Any) -> Export:
    audit_record(
        actor=actor,
        action="health.export",
        object_type="health.figures",
        detail={"kind": kind, "rows": export.rows, "left_out": len(export.left_out), **detail},
    )
    return export


def week_name(week: figures.Week) -> str:
    return f"{week[0]}-W{week[1]:02d}"


def _place_columns(facility: Any) -> dict[str, Any]:
    district = facility.district
    return {
        "organisation": facility.organisation.acronym,
        "adm1_pcode": district.parent.pcode if district.parent else "",
        "adm1_name": district.parent.name_en if district.parent else "",
        "adm2_pcode": district.pcode,
        "adm2_name": district.name_en,
        "facility_code": facility.code,
        "facility_name": facility.name_en,
    }


# (column, HXL hashtag) per the HXL hashtag dictionary: #org, #adm1/#adm2 with +code/+name,
# #loc for the facility; #affected+infected for cases and #affected+killed for deaths with the
# HXL age convention (+age0_4, +age5plus), +f/+m for sex.
PLACE_COLUMNS = (
    ("organisation", "#org+acronym"),
    ("adm1_pcode", "#adm1+code"),
    ("adm1_name", "#adm1+name"),
    ("adm2_pcode", "#adm2+code"),
    ("adm2_name", "#adm2+name"),
    ("facility_code", "#loc+code"),
    ("facility_name", "#loc+name"),
)
EWARN_COLUMNS = (
    *PLACE_COLUMNS,
    ("epi_week", "#date+epiweek"),
    ("week_start", "#date+start"),
    ("week_end", "#date+end"),
    ("disease_code", "#event+disease+code"),
    ("disease", "#event+disease+name"),
    ("cases_under5", "#affected+infected+age0_4"),
    ("cases_over5", "#affected+infected+age5plus"),
    ("deaths_under5", "#affected+killed+age0_4"),
    ("deaths_over5", "#affected+killed+age5plus"),
    ("on_time", "#status+on_time"),
)


def ewarn_hxl(*, actor: User, area: figures.Area, span: list[figures.Week]) -> Export:
    """One row per facility, week received and disease of the list (zero where the week's
    report saw none: a report is zero reporting); a week without a report has no rows."""
    reports = list(
        EwarnReport.objects.filter(
            figures.span_filter(span), facility__in=figures.facilities_in(actor, area)
        )
        .select_related("facility__organisation", "facility__district__parent")
        .order_by("facility__code", "facility_id", "year", "week")
    )
    counts: dict[tuple[int, str], EwarnCount] = {
        (c.report_id, c.disease): c for c in EwarnCount.objects.filter(report__in=reports)
    }
    diseases = codelists.codes("diseases")
    rows = []
    for report in reports:
        place = _place_columns(report.facility)
        for disease in diseases:
            count = counts.get((report.pk, disease))
            rows.append(
                {
                    **place,
                    "epi_week": week_name((report.year, report.week)),
                    "week_start": report.start.isoformat(),
                    "week_end": date.fromordinal(report.start.toordinal() + 6).isoformat(),
                    "disease_code": disease,
                    "disease": codelists.label("diseases", disease, "en"),
                    "cases_under5": count.cases_under5 if count else 0,
                    "cases_over5": count.cases_over5 if count else 0,
                    "deaths_under5": count.deaths_under5 if count else 0,
                    "deaths_over5": count.deaths_over5 if count else 0,
                    "on_time": report.on_time,
                }
            )
    name = f"ewarn-{week_name(span[0])}-{week_name(span[-1])}-hxl.csv"
    export = Export(data=table_csv(rows, EWARN_COLUMNS, hxl=True), filename=name, rows=len(rows))
    return _audited(actor, "ewarn_hxl", export, reports=len(reports))


def _cell_columns() -> list[tuple[str, str]]:
    ages = {"u5": "age0_4", "5_17": "age5_17", "18_59": "age18_59", "60p": "age60plus"}
    return [
        (f"{sex}_{age}", f"#indicator+consultations+num+{sex}+{ages.get(age, 'age' + age)}")
        for sex in ("f", "m")
        for age in codelists.codes("age_groups")
    ]


def consultation_columns() -> tuple[tuple[str, str], ...]:
    return (
        *PLACE_COLUMNS,
        ("period", "#date+period"),
        ("start", "#date+start"),
        ("end", "#date+end"),
        ("service_code", "#activity+code"),
        ("service", "#activity+name"),
        ("population_group", "#group+population+code"),
        *_cell_columns(),
        ("total", "#indicator+consultations+num+total"),
    )


def consultations_hxl(*, actor: User, area: figures.Area, start: date, end: date) -> Export:
    """One row per facility, report period, service and population group, with the counts by
    sex and age group in columns (the reports counted on the dashboard: a month's report wins
    over the weekly ones of that month)."""
    reports = figures.consultation_reports_in(actor, area, start, end)
    cells = (
        ConsultationCount.objects.filter(report__in=reports.values("pk"))
        .select_related("report__facility__organisation", "report__facility__district__parent")
        .order_by("report__facility__code", "report__facility_id", "report__start", "pk")
    )
    grouped: dict[tuple[int, str, str], dict[str, Any]] = {}
    for cell in cells:
        report = cell.report
        key = (report.pk, cell.service, cell.population_group)
        row = grouped.get(key)
        if row is None:
            row = grouped[key] = {
                **_place_columns(report.facility),
                "period": report.period,
                "start": report.start.isoformat(),
                "end": report.end.isoformat(),
                "service_code": cell.service,
                "service": codelists.label("consultation_services", cell.service, "en"),
                "population_group": cell.population_group,
                "total": 0,
                **{name: 0 for name, _ in _cell_columns()},
            }
        row[f"{cell.sex}_{cell.age_group}"] += cell.count
        row["total"] += cell.count
    rows = list(grouped.values())
    name = f"consultations-{start:%Y%m%d}-{end:%Y%m%d}-hxl.csv"
    data = table_csv(rows, consultation_columns(), hxl=True)
    return _audited(actor, "consultations_hxl", Export(data=data, filename=name, rows=len(rows)))


# --- DHIS2 data value sets ----------------------------------------------------------------------


def week_period(year: int, week: int, convention: str | None = None) -> str:
    """A week as DHIS2 names it in the period type the week convention needs: ``2026W48`` for
    ISO weeks (Monday), ``2026SunW48`` for WHO epidemiological weeks (Sunday)."""
    pattern: str = mapping()["week_periods"][convention or codelists.week_convention()]
    return pattern.format(year=year, week=week)


def month_period(day: date) -> str:
    pattern: str = mapping()["month_period"]
    return pattern.format(year=day.year, month=day.month)


class _LeftOut:
    """What the mapping does not cover, counted per facility, what and why."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str, str], int] = defaultdict(int)

    def add(self, facility: str, what: str, why: str, values: int = 1) -> None:
        self.seen[(facility, what, why)] += values

    def listed(self) -> list[dict[str, Any]]:
        return [
            {"facility": facility, "what": what, "why": why, "values": values}
            for (facility, what, why), values in sorted(self.seen.items())
        ]


SHARED_CODE = (
    "another exported facility has the same code: DHIS2 would take both as one organisation unit"
)


def _shared_codes(facilities: Iterable[tuple[Any, str]]) -> set[str]:
    """The codes more than one of the exported facilities (pk, code) has: codes are unique
    within an organisation only, and the mapping knows a code, not whose it is."""
    seen: dict[str, set[Any]] = defaultdict(set)
    for pk, code in facilities:
        seen[code].add(pk)
    return {code for code, pks in seen.items() if len(pks) > 1}


def _value(
    element: str, period: str, unit: str, combo: str, value: int, attribute: str | None
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "dataElement": element,
        "period": period,
        "orgUnit": unit,
        "categoryOptionCombo": combo,
        "value": str(value),
    }
    if attribute:
        found["attributeOptionCombo"] = attribute
    return found


def _value_set(values: list[dict[str, Any]]) -> bytes:
    return json.dumps({"dataValues": values}, ensure_ascii=False, indent=1).encode("utf-8")


def ewarn_dhis2(
    *,
    actor: User,
    area: figures.Area,
    span: list[figures.Week],
    plan: dict[str, Any] | None = None,
    preview: bool = False,
) -> Export:
    """The EWARN weeks received as a DHIS2 data value set: cases and deaths per disease, under
    five and five and over, every disease of a received report (zeros too: zero reporting is
    data). ``plan`` replaces the shipped mapping (a Directorate's own). A ``preview`` (the page
    saying what the set holds) is not an export: it is not audited."""
    plan = plan or mapping()
    units: dict[str, str] = plan["org_units"]["units"]
    elements: dict[str, dict[str, str]] = plan["ewarn"]["data_elements"]
    combos: dict[str, str] = plan["ewarn"]["category_option_combos"]
    attribute = plan.get("attribute_option_combo")
    reports = list(
        EwarnReport.objects.filter(
            figures.span_filter(span), facility__in=figures.facilities_in(actor, area)
        )
        .select_related("facility__organisation")
        .order_by("facility__code", "year", "week")
    )
    counts = {(c.report_id, c.disease): c for c in EwarnCount.objects.filter(report__in=reports)}
    left_out = _LeftOut()
    values: list[dict[str, Any]] = []
    diseases = codelists.codes("diseases")
    shared = _shared_codes((r.facility_id, r.facility.code) for r in reports)
    for report in reports:
        code = report.facility.code
        unit = units.get(code)
        if code in shared:
            owner = f"{code} ({report.facility.organisation.acronym})"
            left_out.add(owner, "facility", SHARED_CODE, len(diseases) * 4)
            continue
        if unit is None:
            left_out.add(
                code,
                "facility",
                "no DHIS2 organisation unit for this facility code",
                len(diseases) * 4,
            )
            continue
        period = week_period(report.year, report.week, report.convention)
        for disease in diseases:
            count = counts.get((report.pk, disease))
            numbers = {
                ("cases", "under5"): count.cases_under5 if count else 0,
                ("cases", "over5"): count.cases_over5 if count else 0,
                ("deaths", "under5"): count.deaths_under5 if count else 0,
                ("deaths", "over5"): count.deaths_over5 if count else 0,
            }
            element = elements.get(disease)
            if element is None:
                left_out.add(
                    code,
                    f"disease {disease}",
                    "no DHIS2 data element for this disease",
                    len(numbers),
                )
                continue
            for (measure, age), number in numbers.items():
                if measure not in element or age not in combos:
                    left_out.add(
                        code,
                        f"disease {disease} {measure} {age}",
                        "no DHIS2 data element or category option combo",
                    )
                    continue
                values.append(
                    _value(element[measure], period, unit, combos[age], number, attribute)
                )
    name = f"ewarn-{week_name(span[0])}-{week_name(span[-1])}-dhis2.json"
    export = Export(
        data=_value_set(values), filename=name, rows=len(values), left_out=left_out.listed()
    )
    if preview:
        return export
    return _audited(actor, "ewarn_dhis2", export, mapping=plan.get("version", ""))


def consultations_dhis2(
    *,
    actor: User,
    area: figures.Area,
    start: date,
    end: date,
    plan: dict[str, Any] | None = None,
    preview: bool = False,
) -> Export:
    """Consultations per month as a DHIS2 data value set: per service, by sex and age group
    (population groups summed, as the mapping's source says); a week's report counts in the
    month of its first day. A ``preview`` is not audited, as for the EWARN set."""
    plan = plan or mapping()
    units: dict[str, str] = plan["org_units"]["units"]
    elements: dict[str, str] = plan["consultations"]["data_elements"]
    combos: dict[str, str] = plan["consultations"]["category_option_combos"]
    attribute = plan.get("attribute_option_combo")
    reports = figures.consultation_reports_in(actor, area, start, end)
    sums = (
        ConsultationCount.objects.filter(report__in=reports.values("pk"))
        .annotate(month=TruncMonth("report__start"))
        .values(
            "report__facility_id",
            "report__facility__code",
            "report__facility__organisation__acronym",
            "month",
            "service",
            "sex",
            "age_group",
        )
        .annotate(n=Sum("count"))
        .order_by("report__facility__code", "month", "service", "sex", "age_group")
    )
    left_out = _LeftOut()
    values: list[dict[str, Any]] = []
    shared = _shared_codes((r["report__facility_id"], r["report__facility__code"]) for r in sums)
    for row in sums:
        code = row["report__facility__code"]
        unit = units.get(code)
        if code in shared:
            owner = f"{code} ({row['report__facility__organisation__acronym']})"
            left_out.add(owner, "facility", SHARED_CODE)
            continue
        if unit is None:
            left_out.add(code, "facility", "no DHIS2 organisation unit for this facility code")
            continue
        element = elements.get(row["service"])
        combo = combos.get(f"{row['sex']}_{row['age_group']}")
        if element is None or combo is None:
            left_out.add(
                code,
                f"service {row['service']} {row['sex']} {row['age_group']}",
                "no DHIS2 data element or category option combo",
            )
            continue
        values.append(
            _value(element, month_period(row["month"]), unit, combo, int(row["n"]), attribute)
        )
    name = f"consultations-{start:%Y%m}-{end:%Y%m}-dhis2.json"
    export = Export(
        data=_value_set(values), filename=name, rows=len(values), left_out=left_out.listed()
    )
    if preview:
        return export
    return _audited(actor, "consultations_dhis2", export, mapping=plan.get("version", ""))
