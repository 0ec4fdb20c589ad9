"""Importing a cluster's 4W sheet: the command, the upload page, and what each row becomes.

The sheets are written here as clusters write them: 2014-scheme district codes (IQ-D002) beside
the 2019 p-codes (IQG01Q01), partners spelled several ways, Arabic and HXL-tagged headers, CSV
and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from nahrain.coordination import services
from nahrain.coordination.fourw import month_of, population_group_of
from nahrain.coordination.models import PartnerName, Report, ReportRow, RowSource
from nahrain.core import services as core_services
from nahrain.core.models import Organisation, OrganisationType
from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit
from nahrain.intake.models import Job
from nahrain.testing.personas import Personas

ENGLISH = [
    "Partner",
    "Implementing partner",
    "Cluster",
    "Activity",
    "Indicator",
    "Governorate",
    "District p-code",
    "Month",
    "Population group",
    "# individuals reached",
    "Girls",
    "Boys",
    "Women",
    "Men",
    "Elderly women",
    "Elderly men",
]


def this_month() -> date:
    return timezone.localdate().replace(day=1)


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append([int(c) if c.isdigit() else c for c in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def english_sheet(month: date) -> list[list[str]]:
    """IOM spelled four ways, 2014 district codes and 2019 p-codes, three spellings of a month."""
    return [
        ENGLISH,
        [
            "IOM",
            "",
            "Shelter/NFI",
            "NFI distribution",
            "",
            "Anbar",
            "IQ-D002",
            month.strftime("%B %Y"),
            "IDPs out of camp",
            "120",
            "30",
            "30",
            "25",
            "25",
            "5",
            "5",
        ],
        [
            "I.O.M",
            "",
            "SNFI",
            "snfi_nfi_distribution",
            "snfi_nfi_kits",
            "Al-Anbar",
            "IQ-D005",
            month.strftime("%Y-%m"),
            "Returnees",
            "40",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "International Organization for Migration",
            "",
            "CCCM",
            "Camp management and site coordination",
            "IDPs living in sites with camp management",
            "",
            "IQG01Q01",
            month.strftime("%b-%y"),
            "IDPs in camps",
            "900",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "المنظمة الدولية للهجرة",
            "",
            "Shelter/NFI",
            "NFI distribution",
            "",
            "Anbar",
            "IQG01Q02",
            month.strftime("%Y-%m"),
            "Host community",
            "10",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]


@pytest.fixture
def world(personas: Personas) -> Personas:
    geo_services.gazetteer_load()
    return personas


def import_file(tmp_path: Path, name: str, data: bytes, *args: str, user: str = "") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    out = io.StringIO()
    who = ["--user", user] if user else []
    call_command("coordination", *who, "import", str(path), *args, stdout=out, stderr=out)
    return out.getvalue()


def refused(tmp_path: Path, name: str, data: bytes, *args: str, user: str = "") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    err = io.StringIO()
    who = ["--user", user] if user else []
    with pytest.raises(CommandError, match="nothing was written"):
        call_command(
            "coordination", *who, "import", str(path), *args, stdout=io.StringIO(), stderr=err
        )
    return err.getvalue()


def test_an_unknown_spelling_of_a_partner_is_named_with_its_row_and_column(
    world: Personas, tmp_path: Path
) -> None:
    told = refused(tmp_path, "4w.csv", csv_bytes(english_sheet(this_month())))
    assert "4w.csv, row 5, column A" in told
    assert "[unknown_partner]" in told
    assert "المنظمة الدولية للهجرة" in told
    # IOM, I.O.M and the full name are the organisation's own acronym and name.
    assert "row 2, column A" not in told and "row 4, column A" not in told
    assert not Report.objects.exists()


def test_every_row_of_a_sheet_with_old_and_new_codes_maps_once_the_arabic_name_is_taught(
    world: Personas, tmp_path: Path
) -> None:
    out = io.StringIO()
    call_command("coordination", "partner-name", "المنظمة الدولية للهجرة", "IOM", stdout=out)
    import_file(tmp_path, "4w.csv", csv_bytes(english_sheet(this_month())))
    rows = ReportRow.objects.filter(report__organisation=world.iom).select_related("admin_unit")
    assert rows.count() == 4
    assert {r.admin_unit.pcode for r in rows} == {"IQG01Q01", "IQG01Q02"}
    assert all(r.source == RowSource.IMPORTED for r in rows)
    assert all(r.governorate.pcode == "IQG01" for r in rows)
    nfi = rows.get(population_group="idp_out_of_camp")
    assert nfi.indicator == "snfi_people_nfi"  # the activity's one people indicator
    assert nfi.cells == {
        "f_0_17": 30,
        "m_0_17": 30,
        "f_18_59": 25,
        "m_18_59": 25,
        "f_60": 5,
        "m_60": 5,
    }
    assert nfi.value == 120
    assert Report.objects.get(organisation=world.iom).month == this_month()


def test_a_spelling_taught_with_the_import_is_remembered_for_the_next(
    world: Personas, tmp_path: Path
) -> None:
    import_file(
        tmp_path,
        "4w.xlsx",
        xlsx_bytes(english_sheet(this_month())),
        "--partner",
        "المنظمة الدولية للهجرة=IOM",
    )
    assert PartnerName.objects.get(spelling="المنظمة الدولية للهجرة").organisation == world.iom
    assert ReportRow.objects.count() == 4


def test_a_dry_run_checks_everything_and_writes_nothing(world: Personas, tmp_path: Path) -> None:
    said = import_file(
        tmp_path,
        "4w.csv",
        csv_bytes(english_sheet(this_month())),
        "--dry-run",
        "--partner",
        "المنظمة الدولية للهجرة=IOM",
    )
    assert "dry run, nothing written" in said
    assert "Rows: 4" in said
    assert not ReportRow.objects.exists()
    assert not PartnerName.objects.exists()


def test_one_bad_row_refuses_the_whole_sheet(world: Personas, tmp_path: Path) -> None:
    sheet = english_sheet(this_month())
    sheet[3][6] = "IQ-D999"  # no such district
    told = refused(tmp_path, "4w.csv", csv_bytes(sheet), "--partner", "المنظمة الدولية للهجرة=IOM")
    assert "4w.csv, row 4, column G" in told
    assert "[unknown_place]" in told
    assert not ReportRow.objects.exists()
    assert not PartnerName.objects.exists()


def test_each_cell_a_row_gets_wrong_is_named_by_its_column(world: Personas, tmp_path: Path) -> None:
    sheet = english_sheet(this_month())
    sheet[1][2] = "Nutrition"  # no such cluster in Iraq's response
    sheet[2][3] = "Winterisation"  # not an SNFI activity of the catalogue
    sheet[2][7] = "sometime"
    sheet[2][8] = "Nomads"
    sheet[4][9] = "12"
    sheet[4][10] = "20"  # the breakdown says more than the total
    told = refused(tmp_path, "4w.csv", csv_bytes(sheet), "--partner", "المنظمة الدولية للهجرة=IOM")
    for where, rule in (
        ("row 2, column C", "unknown_cluster"),
        ("row 3, column D", "unknown_activity"),
        ("row 3, column H", "unknown_month"),
        ("row 3, column I", "unknown_population_group"),
        ("row 5, column J", "cells_sum"),
    ):
        assert f"{where}: error [{rule}]" in told


def test_a_district_outside_the_governorate_named_is_refused(
    world: Personas, tmp_path: Path
) -> None:
    sheet = english_sheet(this_month())
    sheet[1][5] = "Basrah"
    told = refused(tmp_path, "4w.csv", csv_bytes(sheet), "--partner", "المنظمة الدولية للهجرة=IOM")
    assert "row 2, column F: error [place_mismatch]" in told


def test_arabic_headers_and_district_names_are_read(world: Personas, tmp_path: Path) -> None:
    month = this_month()
    sheet = [
        ["المنظمة", "القطاع", "النشاط", "المحافظة", "القضاء", "الشهر", "الفئة السكانية", "المجموع"],
        [
            "IOM",
            "المأوى والمواد غير الغذائية",
            "NFI distribution",
            "الانبار",
            "الفلوجة",
            month.strftime("%Y-%m"),
            "العائدون",
            "75",
        ],
    ]
    import_file(tmp_path, "4w-ar.csv", csv_bytes(sheet))
    row = ReportRow.objects.get()
    assert (row.admin_unit.pcode, row.population_group, row.value) == ("IQG01Q01", "returnee", 75)


def test_an_hxl_tagged_sheet_is_read_by_its_tags_whatever_its_headers(
    world: Personas, tmp_path: Path
) -> None:
    month = this_month()
    sheet = [
        ["Org", "Impl.", "Sect.", "What", "Gov code", "Dist code", "When", "Girls u18", "Boys u18"],
        [
            "#org+name",
            "#org+impl+name",
            "#sector",
            "#activity+code",
            "#adm1+code",
            "#adm2+code",
            "#date+month",
            "#reached+f+children",
            "#reached+m+children",
        ],
        [
            "IOM",
            "DAMA Organization",
            "snfi",
            "snfi_nfi_distribution",
            "IQ-G01",
            "IQ-D002",
            month.isoformat(),
            "14",
            "16",
        ],
    ]
    import_file(tmp_path, "4w-hxl.csv", csv_bytes(sheet))
    row = ReportRow.objects.get()
    assert row.implementing_partner == world.dama
    assert (row.value, row.cells) == (30, {"f_0_17": 14, "m_0_17": 16})


def test_a_header_the_guess_misses_is_mapped_on_the_command_line(
    world: Personas, tmp_path: Path
) -> None:
    month = this_month()
    sheet = [
        ["Agency", "Cluster", "Activity", "Qada code", "Month", "Beneficiaries (ind.)"],
        ["IOM", "snfi", "snfi_nfi_distribution", "IQ-D002", month.strftime("%Y-%m"), "60"],
    ]
    told = refused(tmp_path, "4w.csv", csv_bytes(sheet))
    assert "[missing_column]" in told
    import_file(
        tmp_path,
        "4w.csv",
        csv_bytes(sheet),
        "--map",
        "Qada code=district_code",
        "--map",
        "Beneficiaries (ind.)=value",
    )
    assert ReportRow.objects.get().value == 60


def test_a_locked_period_refuses_its_rows(world: Personas, tmp_path: Path) -> None:
    ReportRowMonth = this_month()
    period = services.period_for(ReportRowMonth)
    period.locked_at = timezone.now()
    period.save(update_fields=["locked_at"])
    told = refused(
        tmp_path,
        "4w.csv",
        csv_bytes(english_sheet(ReportRowMonth)),
        "--partner",
        "المنظمة الدولية للهجرة=IOM",
    )
    assert "row 2, column H: error [period_locked]" in told


def test_a_row_repeating_what_the_system_filled_is_refused(world: Personas, tmp_path: Path) -> None:
    month = this_month()
    report = Report.objects.create(organisation=world.iom, month=month)
    falluja = AdminUnit.objects.get(pcode="IQG01Q01")
    assert falluja.parent is not None
    ReportRow.objects.create(
        report=report,
        cluster="snfi",
        activity="snfi_nfi_distribution",
        indicator="snfi_people_nfi",
        admin_unit=falluja,
        governorate=falluja.parent,
        value=300,
        source=RowSource.AUTO,
        source_key="assistance:programme:IQG01Q01",
    )
    told = refused(
        tmp_path,
        "4w.csv",
        csv_bytes(english_sheet(month)),
        "--partner",
        "المنظمة الدولية للهجرة=IOM",
    )
    assert "row 2, column E: error [reported_by_system]" in told
    assert "already reported by the system" in told


def test_a_partner_imports_its_own_rows_and_not_another_partners(
    world: Personas, tmp_path: Path
) -> None:
    sheet = english_sheet(this_month())[:2]
    sheet[1][0] = "INTERSOS"
    told = refused(tmp_path, "4w.csv", csv_bytes(sheet), user="layla")
    assert "row 2, column A: error [not_your_partner]" in told


def test_a_cluster_information_manager_imports_every_partners_rows_of_the_cluster(
    world: Personas, tmp_path: Path
) -> None:
    services.cluster_member_add(
        actor=None, user=world.layla.user, cluster="snfi", role="information_manager"
    )
    sheet = english_sheet(this_month())[:3]
    sheet[1][0] = "INTERSOS"
    import_file(tmp_path, "4w.csv", csv_bytes(sheet), user="layla")
    assert {
        r.report.organisation.acronym
        for r in ReportRow.objects.select_related("report__organisation")
    } == {"INTERSOS", "IOM"}


def test_the_upload_page_imports_a_sheet_into_the_partners_reports(world: Personas) -> None:
    client = world.layla.client()
    url = reverse("intake:upload", args=["coordination.4w", world.iom.pk])
    upload = io.BytesIO(xlsx_bytes(english_sheet(this_month())[:4]))
    upload.name = "4w.xlsx"
    previewed = client.post(url, {"file": upload}, follow=True)
    assert previewed.status_code == 200
    assert "unknown_partner" not in previewed.content.decode()
    confirm = previewed.redirect_chain[-1][0].rstrip("/") + "/confirm/"
    assert client.post(confirm, follow=True).status_code == 200
    assert Job.objects.get().status == "done"
    assert ReportRow.objects.filter(report__organisation=world.iom).count() == 3


@pytest.mark.parametrize("persona", ["outsider", "ahmed", "shilan", "omar"])
def test_someone_who_does_not_report_for_the_organisation_gets_the_same_404_as_for_nothing(
    world: Personas, persona: str
) -> None:
    url = reverse("intake:upload", args=["coordination.4w", world.iom.pk])
    upload = io.BytesIO(csv_bytes(english_sheet(this_month())[:2]))
    upload.name = "4w.csv"
    client = getattr(world, persona).client()
    assert client.post(url, {"file": upload}).status_code == 404


@pytest.mark.parametrize("format", ["csv", "hxl", "xlsx"])
def test_the_export_comes_back_in_unchanged(world: Personas, tmp_path: Path, format: str) -> None:
    services.plan_create(
        actor=world.root.user,
        year=this_month().year,
        code=f"IRQ{this_month().year % 100}",
        name="Humanitarian Response Plan",
        requirements=Decimal("569000000"),
        source="OCHA",
    )
    sheet = english_sheet(this_month())
    import_file(tmp_path, "4w.csv", csv_bytes(sheet), "--partner", "المنظمة الدولية للهجرة=IOM")
    output = tmp_path / f"export.{format}"
    call_command(
        "coordination",
        "--user",
        "layla",
        "export",
        "--format",
        format,
        "--output",
        str(output),
        stderr=io.StringIO(),
    )
    again = "again.xlsx" if format == "xlsx" else "again.csv"
    said = import_file(tmp_path, again, output.read_bytes(), "--dry-run")
    assert "Rows: 4" in said
    assert "People reached (sum of the rows): 1070" in said


@pytest.mark.parametrize(
    ("text", "year", "expected"),
    [
        ("2018-03", "", date(2018, 3, 1)),
        ("2018-03-01 00:00:00", "", date(2018, 3, 1)),
        ("03/2018", "", date(2018, 3, 1)),
        ("Mar-18", "", date(2018, 3, 1)),
        ("March 2018", "", date(2018, 3, 1)),
        ("آذار 2018", "", date(2018, 3, 1)),
        ("مارس", "2018", date(2018, 3, 1)),
        ("March", "", None),
        ("sometime", "", None),
    ],
)
def test_months_are_read_as_clusters_write_them(
    text: str, year: str, expected: date | None
) -> None:
    assert month_of(text, year) == expected


def test_population_groups_are_read_in_english_arabic_and_as_codes() -> None:
    assert population_group_of("IDPs in camps") == "idp_in_camp"
    assert population_group_of("نازحون خارج المخيمات") == "idp_out_of_camp"
    assert population_group_of("host_community") == "host_community"
    assert population_group_of("") == ""
    assert population_group_of("Nomads") is None


def test_no_two_fields_claim_one_header() -> None:
    from nahrain.coordination.fourw import FIELDS
    from nahrain.intake.columns import header_key

    seen: dict[str, str] = {}
    for spec_field in FIELDS:
        for header in (spec_field.name, *spec_field.headers):
            assert seen.setdefault(header_key(header), spec_field.name) == spec_field.name


def test_an_organisation_made_later_is_known_by_its_acronym(
    world: Personas, tmp_path: Path
) -> None:
    core_services.organisation_create(
        actor=None, name="Norwegian Refugee Council", acronym="NRC", type=OrganisationType.INGO
    )
    sheet = english_sheet(this_month())[:2]
    sheet[1][0] = "Norwegian Refugee Council"
    import_file(tmp_path, "4w.csv", csv_bytes(sheet))
    assert Report.objects.get().organisation == Organisation.objects.get(acronym="NRC")
