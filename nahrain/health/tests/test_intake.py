"""Consultation and EWARN spreadsheets imported through the intake API as hana, IOM's data entry
clerk, into IOM's reports: an English EWARN CSV written as one report per facility and week, a
dry run writing nothing, a bad cell refusing the whole file with its file, row, column and rule,
a second import replacing the reports instead of adding to them; consultations one count a row
in English, and in the Health Cluster's wide template with Arabic headers and labels; and
nobody but the organisation's reporting staff importing into it."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook

from nahrain.core.models import Organisation
from nahrain.health.models import ConsultationCount, ConsultationReport, EwarnCount, EwarnReport
from nahrain.health.tests import builders
from nahrain.health.tests.builders import HealthWorld
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db

EWARN = "health.ewarn"
CONSULTATIONS = "health.consultations"
EWARN_HEADER = [
    "Facility code",
    "Year",
    "Week",
    "Disease",
    "Cases under 5",
    "Cases 5 and over",
    "Deaths under 5",
    "Deaths 5 and over",
]
EWARN_ROWS = [
    ["PHCC-CHM", "2026", "5", "Acute watery diarrhoea", "4", "9", "", ""],
    ["PHCC-CHM", "2026", "5", "scabies", "", "2", "", ""],
    ["phcc-chm", "2026", "6", "الحصبة المشتبه بها", "0", "0", "0", "0"],  # Arabic label
]


def csv_bytes(rows: Sequence[Sequence[str]], header: Sequence[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [header, *rows]:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(
    client: Client,
    spec: str,
    organisation: Organisation,
    data: bytes,
    *,
    name: str = "ewarn.csv",
    dry_run: str = "true",
) -> Any:
    file = io.BytesIO(data)
    file.name = name
    return client.post(
        f"/api/v1/intake/{spec}/{organisation.pk}", {"file": file, "dry_run": dry_run}
    )


def imported(client: Client, spec: str, organisation: Organisation, data: bytes, name: str) -> Any:
    queued = upload(client, spec, organisation, data, name=name, dry_run="false")
    assert queued.status_code == 202, queued.content
    job = client.get(f"/api/v1/intake/jobs/{queued.json()['uid']}").json()
    assert job["status"] == "done", job
    return job


def test_an_ewarn_sheet_is_checked_then_written_one_report_a_facility_and_week(
    personas: Personas, health: HealthWorld
) -> None:
    client = personas.hana.client()
    data = csv_bytes(EWARN_ROWS, EWARN_HEADER)
    checked = upload(client, EWARN, personas.iom, data)
    assert checked.status_code == 200, checked.content
    assert checked.json()["summary"]["EWARN weekly reports in the file"] == 2
    assert not EwarnReport.objects.exists()  # a dry run writes nothing
    imported(client, EWARN, personas.iom, data, "ewarn.csv")
    week5, week6 = EwarnReport.objects.order_by("week")
    assert (week5.total_cases, week5.source, week5.submitted_by) == (
        15,
        "import",
        personas.hana.user,
    )
    assert (week6.total_cases, list(week6.counts.all())) == (0, [])  # zero reporting
    assert sorted(EwarnCount.objects.values_list("disease", "cases_under5", "cases_over5")) == [
        ("awd", 4, 9),
        ("scabies", 0, 2),
    ]


def test_importing_the_sheet_again_replaces_the_weeks_instead_of_adding_to_them(
    personas: Personas, health: HealthWorld
) -> None:
    client = personas.hana.client()
    imported(client, EWARN, personas.iom, csv_bytes(EWARN_ROWS, EWARN_HEADER), "ewarn.csv")
    corrected = [["PHCC-CHM", "2026", "5", "awd", "1", "1", "", ""]]
    imported(client, EWARN, personas.iom, csv_bytes(corrected, EWARN_HEADER), "ewarn.csv")
    week5 = EwarnReport.objects.get(week=5)
    assert (EwarnReport.objects.count(), week5.revision, week5.total_cases) == (2, 2, 2)
    assert list(week5.counts.values_list("disease", flat=True)) == ["awd"]


def test_one_bad_cell_refuses_the_whole_file_naming_its_file_row_column_and_rule(
    personas: Personas, health: HealthWorld
) -> None:
    rows = [
        *EWARN_ROWS,
        ["PHCC-CHM", "2026", "7", "plague", "1", "", "", ""],
        ["MMU-SIN-1", "2026", "7", "awd", "1", "", "", ""],  # INTERSOS's unit, not IOM's
        ["PHCC-CHM", "2026", "60", "awd", "-1", "", "2", ""],
    ]
    for dry_run in ("true", "false"):
        refused = upload(
            personas.hana.client(),
            EWARN,
            personas.iom,
            csv_bytes(rows, EWARN_HEADER),
            dry_run=dry_run,
        )
        assert refused.status_code == 422
        errors = [(e["file"], e["row"], e["column"], e["rule"]) for e in refused.json()["errors"]]
        assert errors == [
            ("ewarn.csv", 5, "D", "unknown_code"),
            ("ewarn.csv", 6, "A", "unknown_facility"),
            ("ewarn.csv", 7, "C", "not_a_week"),
            ("ewarn.csv", 7, "E", "not_a_count"),
            ("ewarn.csv", 7, "G", "invalid"),
        ]
    assert not EwarnReport.objects.exists()


def test_a_code_shared_by_two_facilities_iom_reports_for_is_refused_not_guessed(
    personas: Personas, health: HealthWorld
) -> None:
    builders.same_code_town_phcc(health, personas)
    refused = upload(
        personas.hana.client(), EWARN, personas.iom, csv_bytes(EWARN_ROWS[:1], EWARN_HEADER)
    )
    assert refused.status_code == 422
    (error,) = refused.json()["errors"]
    assert (error["file"], error["row"], error["column"], error["rule"]) == (
        "ewarn.csv",
        2,
        "A",
        "ambiguous_facility",
    )
    assert "DoH Duhok" in error["message"] and "IOM" in error["message"]
    assert not EwarnReport.objects.exists()


def test_a_disease_counted_twice_in_a_week_is_refused(
    personas: Personas, health: HealthWorld
) -> None:
    rows = [EWARN_ROWS[0], ["PHCC-CHM", "2026", "5", "awd", "1", "1", "", ""]]
    refused = upload(personas.hana.client(), EWARN, personas.iom, csv_bytes(rows, EWARN_HEADER))
    assert [(e["row"], e["column"], e["rule"]) for e in refused.json()["errors"]] == [
        (3, "D", "duplicate")
    ]


CONSULTATION_HEADER = [
    "Facility code",
    "Period start",
    "Service",
    "Sex",
    "Age group",
    "Population group",
    "Count",
]


def test_consultations_one_count_a_row_are_written_as_the_facilitys_month(
    personas: Personas, health: HealthWorld
) -> None:
    rows = [
        ["PHCC-CHM", "2026-01-01", "General consultations", "Female", "Under 5", "IDPs", "40"],
        ["PHCC-CHM", "2026-01-01", "general", "m", "u5", "idp", "35"],
        ["PHCC-CHM", "2026-02-01", "antenatal", "f", "18-59", "Host community", "12"],
    ]
    client = personas.hana.client()
    imported(client, CONSULTATIONS, personas.iom, csv_bytes(rows, CONSULTATION_HEADER), "c.csv")
    january, february = ConsultationReport.objects.order_by("start")
    assert (january.period, january.total, january.source) == ("month", 75, "import")
    assert list(february.counts.values_list("service", "age_group", "population_group")) == [
        ("antenatal", "18_59", "host")
    ]
    # A day that is not the 1st is not a month.
    bad = [["PHCC-CHM", "2026-01-05", "general", "f", "u5", "idp", "1"]]
    refused = upload(
        client, CONSULTATIONS, personas.iom, csv_bytes(bad, CONSULTATION_HEADER), name="c.csv"
    )
    assert [(e["row"], e["column"], e["rule"]) for e in refused.json()["errors"]] == [
        (2, "B", "not_a_period")
    ]


def test_the_clusters_wide_template_in_arabic_is_read_and_read_again_replaces(
    personas: Personas, health: HealthWorld
) -> None:
    header = [
        "رمز المرفق",
        "بداية الفترة",
        "الخدمة",
        "الفئة السكانية",
        "إناث دون 5 سنوات",
        "ذكور دون 5 سنوات",
        "إناث 18-59",
        "ذكور 60 فأكثر",
    ]
    rows = [
        ["PHCC-CHM", "2026-01-01", "الاستشارات العامة", "النازحون", 10, 12, 30, 4],
        [
            "PHCC-CHM",
            "2026-01-01",
            "الصحة النفسية والدعم النفسي الاجتماعي",
            "المجتمع المضيف",
            0,
            0,
            3,
            "",
        ],
    ]
    client = personas.hana.client()
    checked = upload(
        client, CONSULTATIONS, personas.iom, xlsx_bytes(rows, header), name="قالب.xlsx"
    )
    assert checked.status_code == 200, checked.content
    mapped = {m["header"]: m["mapped_to"] for m in checked.json()["mapping"]}
    assert (mapped["إناث دون 5 سنوات"], mapped["ذكور 60 فأكثر"]) == ("cell:f:u5", "cell:m:60p")
    imported(client, CONSULTATIONS, personas.iom, xlsx_bytes(rows, header), "قالب.xlsx")
    report = ConsultationReport.objects.get()
    assert report.total == 59
    assert set(ConsultationCount.objects.values_list("service", "sex", "age_group", "count")) == {
        ("general", "f", "u5", 10),
        ("general", "m", "u5", 12),
        ("general", "f", "18_59", 30),
        ("general", "m", "60p", 4),
        ("mhpss", "f", "18_59", 3),
    }
    imported(client, CONSULTATIONS, personas.iom, xlsx_bytes(rows[:1], header), "قالب.xlsx")
    report.refresh_from_db()
    assert (ConsultationReport.objects.count(), report.revision, report.total) == (1, 2, 56)


def test_only_the_organisations_reporting_staff_import_its_reports(
    personas: Personas, health: HealthWorld
) -> None:
    data = csv_bytes(EWARN_ROWS, EWARN_HEADER)
    for persona in (personas.outsider, personas.omar, personas.ahmed, health.faris):
        assert upload(persona.client(), EWARN, personas.iom, data).status_code == 404
    assert upload(personas.layla.client(), EWARN, personas.iom, data).status_code == 200
    # Into their own organisation, the outsider names no facility of theirs.
    refused = upload(personas.outsider.client(), EWARN, personas.outside_org, data)
    assert refused.status_code == 422
    assert {e["rule"] for e in refused.json()["errors"]} == {"unknown_facility"}
