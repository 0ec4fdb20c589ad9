"""The site table as CSV, XLSX and HXL-tagged CSV, on the page, the API and the command line;
and the site master list import on the intake pipeline's page and API, for those who may."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from nahrain.core.models import AuditEvent
from nahrain.displacement.tests.builders import bearer_client
from nahrain.geo.models import AdminUnit
from nahrain.intake.models import Job
from nahrain.sites import services
from nahrain.sites.models import Site, SitePopulation
from nahrain.testing.personas import Personas


@pytest.fixture
def two_sites(personas: Personas, chameshku: Site) -> list[Site]:
    """Chameshku with its January 2020 figure, and an informal site whose agency's name a
    spreadsheet would run as a formula."""
    omar = personas.omar.user
    services.population_record(
        actor=omar,
        site=chameshku,
        on=date(2020, 1, 31),
        source="cccm_estimate",
        individuals=27400,
        households=5039,
    )
    informal = services.site_create(
        actor=omar,
        organisation=personas.iom,
        code="IQ-ANB-IS1",
        name_en="Al-Nuaimiya",
        name_ar="النعيمية",
        type="informal_settlement",
        admin_unit=AdminUnit.objects.get(pcode="IQG01"),
        managing_agency='=HYPERLINK("http://evil")',
    )
    return [chameshku, informal]


def rows_of(data: bytes, *, hxl: bool = False) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    header = next(reader)
    tags = next(reader) if hxl else []
    return tags, [dict(zip(header, row, strict=True)) for row in reader]


def test_the_site_table_downloads_as_csv_xlsx_and_hxl_with_its_tags(
    personas: Personas, two_sites: list[Site], tmp_path: Path
) -> None:
    client = personas.ahmed.client()  # DAMA's viewer: sites' profiles are everyone's
    answer = client.get("/sites/export.csv/")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    _tags, rows = rows_of(answer.content)
    by_code = {r["code"]: r for r in rows}
    assert set(by_code) == {"IQ-DHK-CHM", "IQ-ANB-IS1"}
    chameshku = by_code["IQ-DHK-CHM"]
    assert (chameshku["households"], chameshku["individuals"]) == ("5039", "27400")
    assert (chameshku["population_date"], chameshku["population_source"]) == (
        "2020-01-31",
        "CCCM estimate",
    )
    assert (chameshku["adm1_pcode"], chameshku["adm2_pcode"]) == ("IQG09", "IQG09Q04")
    assert (chameshku["type"], chameshku["status"]) == ("Formal camp", "Open")
    assert by_code["IQ-ANB-IS1"]["managing_agency"] == '\'=HYPERLINK("http://evil")'
    assert by_code["IQ-ANB-IS1"]["adm2_pcode"] == ""

    hxl = client.get("/sites/export.hxl/")
    tags, hxl_rows = rows_of(hxl.content, hxl=True)
    for tag in (
        "#loc+name",
        "#loc+code",
        "#adm1+name",
        "#adm1+code",
        "#adm2+code",
        "#loc+type",
        "#status",
        "#org+name",
        "#affected+ind",
        "#affected+hh",
        "#capacity+ind",
        "#date+reported",
    ):
        assert tag in tags
    assert hxl_rows == rows

    workbook = load_workbook(io.BytesIO(client.get("/sites/export.xlsx/").content))
    sheet = workbook.active
    assert sheet is not None
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = table[0]
    xlsx = {r[header.index("code")]: r for r in table[1:]}
    assert xlsx["IQ-DHK-CHM"][header.index("households")] == 5039
    assert str(xlsx["IQ-ANB-IS1"][header.index("managing_agency")]).startswith("'=")

    api = bearer_client(personas.ahmed.token()).get("/api/v1/sites/export", {"format": "hxl"})
    assert api.status_code == 200 and rows_of(api.content, hxl=True) == (tags, rows)
    assert AuditEvent.objects.filter(action="sites.export").count() == 4
    assert client.get("/sites/export.pdf/").status_code == 404

    call_command("sites", "export", "--format", "hxl", "--output", str(tmp_path / "sites.csv"))
    assert rows_of((tmp_path / "sites.csv").read_bytes(), hxl=True) == (tags, rows)


FRAME_LIKE = (
    b"Governorate,District,Camp long name,camp,Population (July CCCM),Population (Jan CCCM)\n"
    b"Dohuk,zakho,Chamishku,chamishku,5041,5039\n"
    b"Dohuk,sumail,Khanke,khanke,2836,2831\n"
)


def upload(name: str = "camps.csv") -> io.BytesIO:
    file = io.BytesIO(FRAME_LIKE)
    file.name = name
    return file


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("omar", True), ("layla", True), ("ahmed", False), ("shilan", False), ("outsider", False)],
)
def test_only_the_organisations_site_managers_and_information_managers_import_its_sites(
    personas: Personas, gazetteer: None, who: str, allowed: bool
) -> None:
    persona = getattr(personas, who)
    path = f"/intake/sites.master_list/{personas.iom.pk}/"
    answer = persona.client().post(path, {"file": upload(), "population_date": "2020-01-31"})
    assert answer.status_code == (302 if allowed else 404)
    api = bearer_client(persona.token()).post(
        f"/api/v1/intake/sites.master_list/{personas.iom.pk}",
        {
            "file": upload(),
            "map": [
                "camp=code",
                "Population (Jan CCCM)=households@2020-01-31",
                "Population (July CCCM)=households@2019-07-31",
            ],
        },
    )
    assert api.status_code == (200 if allowed else 404)
    assert not Site.objects.exists()  # a check (dry run) writes nothing


def test_the_page_and_the_api_both_map_dated_population_columns(
    personas: Personas, gazetteer: None
) -> None:
    client = personas.layla.client()
    answer = client.post(
        f"/intake/sites.master_list/{personas.iom.pk}/",
        {"file": upload(), "type": "camp", "population_source": "cccm_estimate"},
    )
    preview = client.get(answer["Location"])
    assert preview.status_code == 200
    # No code column until "camp" is mapped.
    assert "A column the file needs is missing" in preview.content.decode()
    upload_uid = answer["Location"].rstrip("/").rsplit("/", 1)[-1]
    # A dated column without its date is refused with a word; then each gets its date.
    client.post(
        f"/intake/uploads/{upload_uid}/map/",
        {"column": ["D", "E"], "target": ["code", "households@"], "target_date": ["", ""]},
    )
    refused = client.get(answer["Location"]).content.decode()
    assert "Give the date of the figures in column E." in refused
    client.post(
        f"/intake/uploads/{upload_uid}/map/",
        {
            "column": ["D", "E", "F"],
            "target": ["code", "households@", "households@"],
            "target_date": ["", "2019-07-31", "2020-01-31"],
        },
    )
    mapped = client.get(answer["Location"]).content.decode()
    assert "Sites in the file" in mapped
    assert "Households on a date 31 July 2019" in mapped
    assert 'value="2020-01-31"' in mapped
    client.post(f"/intake/uploads/{upload_uid}/confirm/")
    assert Site.objects.count() == 2  # the job ran (tasks run at once in tests)
    figures = dict(
        SitePopulation.objects.filter(site__code="chamishku").values_list("on", "households")
    )
    assert figures == {date(2019, 7, 31): 5041, date(2020, 1, 31): 5039}

    written = bearer_client(personas.omar.token()).post(
        f"/api/v1/intake/sites.master_list/{personas.iom.pk}",
        {
            "file": upload(),
            "dry_run": "false",
            "map": [
                "camp=code",
                "Population (Jan CCCM)=households@2020-01-31",
                "Population (July CCCM)=households@2019-07-31",
            ],
        },
    )
    assert written.status_code == 202
    job = Job.objects.get(uid=written.json()["uid"])
    assert job.status == "done"
    figures = dict(
        SitePopulation.objects.filter(site__code="khanke").values_list("on", "households")
    )
    assert figures == {date(2019, 7, 31): 2836, date(2020, 1, 31): 2831}
    assert Site.objects.count() == 2


def test_the_import_form_is_offered_to_those_who_may_import_in_each_language(
    personas: Personas, two_sites: list[Site]
) -> None:
    action = f'action="/intake/sites.master_list/{personas.iom.pk}/"'
    for language in ("en", "ar", "ckb"):
        client = personas.omar.client()
        client.cookies["django_language"] = language
        page = client.get("/sites/reconciliation/")
        assert page.status_code == 200
        assert action in page.content.decode()
        assert ('dir="rtl"' in page.content.decode()) is (language != "en")
    assert action not in personas.ahmed.client().get("/sites/reconciliation/").content.decode()
