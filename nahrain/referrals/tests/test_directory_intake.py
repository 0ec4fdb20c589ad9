"""Importing a service mapping sheet into an organisation's service directory, on the intake
pipeline (``referrals.service_points``): through the intake pages and the API as sara, IOM's
service mapper; an English CSV and an Arabic XLSX of a PHCC and a mobile team written as drafts
with their services and visits; a dry run writing nothing; one bad row refusing the file with
every problem named by row, column and rule; a second import updating the same points' drafts;
and nobody but the organisation's mappers importing into its directory."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook

from nahrain.core.models import AuditEvent, Organisation
from nahrain.geo.models import AdminUnit
from nahrain.intake.columns import header_key
from nahrain.intake.models import Job, Upload
from nahrain.intake.spec import spec_named
from nahrain.referrals import directory_intake, directory_services
from nahrain.referrals.models import ServicePoint, ServicePointVersion
from nahrain.referrals.tests import builders
from nahrain.sites import services as site_services
from nahrain.sites.models import Site, SiteType
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db

SPEC = "referrals.service_points"
PHCC = "Zakho PHCC"
TEAM = "IOM mobile medical team Zakho"

HEADER = [
    "Organisation",
    "Point name",
    "Point name (Arabic)",
    "Kind of point",
    "Governorate",
    "District",
    "Latitude",
    "Longitude",
    "Service",
    "Sexes served",
    "Age range",
    "Population groups",
    "Languages",
    "Opening hours",
    "Phone",
    "E-mail",
    "Capacity a week",
    "Waiting days",
    "Active from",
    "Active until",
    "Visited sites",
    "Visit days",
]
BLANK = [""] * len(HEADER)


def row(**cells: str) -> list[str]:
    """A row of the English sheet, by header (spaces for underscores)."""
    made = list(BLANK)
    for name, value in cells.items():
        made[HEADER.index(name.replace("_", " "))] = value
    return made


# IOM's Zakho PHCC with three services, and its mobile medical team going to two camps. The
# PHCC's own columns are given on its first row only; the team's district is its p-code and
# its governorate another spelling.
ROWS = [
    row(
        Organisation="IOM",
        Point_name=PHCC,
        **{"Point name (Arabic)": "مركز صحي زاخو"},
        Kind_of_point="Primary health care centre",
        Governorate="Dahuk",
        District="Zakho",
        Latitude="37.1437",
        Longitude="42.6819",
        Service="Primary health care",
        Sexes_served="Both",
        Age_range="All ages",
        Population_groups="IDPs; Host community",
        Languages="Arabic, Kurdish (Badini)",
        Opening_hours="Sunday to Thursday, 8:00 to 14:00",
        Phone="07501234567",
        **{"E-mail": "zakho.phcc@example.org"},
        Capacity_a_week="350",
        Waiting_days="0",
        Active_from="2024-01-01",
        Active_until="31/12/2025",
    ),
    row(
        Organisation="IOM",
        Point_name=PHCC,
        Kind_of_point="PHCC",
        Governorate="Dahuk",
        District="Zakho",
        Service="SRH",
        Sexes_served="Female",
        Age_range="15-49",
        Population_groups="IDPs",
    ),
    row(
        Organisation="IOM",
        Point_name=PHCC,
        Governorate="Dahuk",
        District="Zakho",
        Service="mhpss_counselling",
        Sexes_served="Male, Female",
        Age_range="18+",
    ),
    row(
        Organisation="IOM",
        Point_name=TEAM,
        Kind_of_point="Mobile team",
        Governorate="Duhok",
        District="IQG09Q04",
        Service="Primary health care",
        Population_groups="IDPs in camps",
        Languages="Arabic",
        Phone="07507654321",
        Visited_sites="Chameshku",
        Visit_days="Sun, Tue",
    ),
    row(
        Organisation="IOM",
        Point_name=TEAM,
        Governorate="Duhok",
        District="IQG09Q04",
        Service="Psychological first aid",
        Visited_sites="IQ-DHK-BR2",
        Visit_days="Mon-Wed",
    ),
]

# What the sheet says, as the directory keeps it: per point, its entry and its services
# (service -> sexes, youngest, oldest, groups) and visits (site code -> weekdays).
Offers = dict[str, tuple[list[str], int | None, int | None, list[str]]]
PHCC_OFFERS: Offers = {
    "phc": ([], None, None, ["host", "idp_in_camp", "idp_out_of_camp"]),
    "srh": (["f"], 15, 49, ["idp_in_camp", "idp_out_of_camp"]),
    "mhpss_counselling": ([], 18, None, []),
}
TEAM_OFFERS: Offers = {
    "phc": ([], None, None, ["idp_in_camp"]),
    "mhpss_pfa": ([], None, None, []),
}
TEAM_VISITS = {("IQ-DHK-CHM", (2, 7)), ("IQ-DHK-BR2", (1, 2, 3))}

ARABIC_HEADER = [
    "المنظمة",
    "اسم نقطة الخدمة (بالإنجليزية)",
    "اسم نقطة الخدمة",
    "نوع نقطة الخدمة",
    "المحافظة",
    "القضاء",
    "خط العرض",
    "خط الطول",
    "الخدمة",
    "الجنس المستهدف",
    "الفئة العمرية",
    "الفئات المستهدفة",
    "اللغات",
    "أوقات العمل",
    "رقم الهاتف",
    "البريد الإلكتروني",
    "السعة الأسبوعية",
    "مدة الانتظار",
    "تاريخ البدء",
    "تاريخ الانتهاء",
    "المواقع التي يزورها",
    "أيام الزيارة",
]
PHCC_PLACE = ["IOM", PHCC, "مركز صحي زاخو", None, "دهوك", "زاخو", None, None]
# The same points in Arabic (one service label in Kurdish), as Excel keeps them: numbers and
# dates as numbers and dates, the camps named in Arabic or by code.
ARABIC_ROWS: list[list[Any]] = [
    [
        "IOM",
        PHCC,
        "مركز صحي زاخو",
        "مركز رعاية صحية أولية",
        "دهوك",
        "زاخو",
        37.1437,
        42.6819,
        "الرعاية الصحية الأولية",
        "الكل",
        "جميع الأعمار",
        "النازحون؛ المجتمع المضيف".replace("؛", ";"),
        "العربية، الكردية (البادينية)",
        "Sunday to Thursday, 8:00 to 14:00",
        "07501234567",
        "zakho.phcc@example.org",
        350,
        0,
        datetime(2024, 1, 1),
        datetime(2025, 12, 31),
        None,
        None,
    ],
    [*PHCC_PLACE, "الصحة الجنسية والإنجابية", "إناث", "15-49", "النازحون"],
    [*PHCC_PLACE, "ڕاوێژی دەروونی کۆمەڵایەتی", "ذكور وإناث", "+18"],
    [
        "IOM",
        TEAM,
        "الفريق الطبي المتنقل في زاخو",
        "فريق متنقل",
        "IQG09",
        "زاخو",
        None,
        None,
        "الرعاية الصحية الأولية",
        None,
        None,
        "النازحون في المخيمات",
        "العربية",
        None,
        "07507654321",
        None,
        None,
        None,
        None,
        None,
        "جمشكو",
        "الأحد، الثلاثاء",
    ],
    [
        *["IOM", TEAM, None, None, "IQG09", "زاخو", None, None, "الإسعافات الأولية النفسية"],
        *[None] * 11,
        *["IQ-DHK-BR2", "من الاثنين إلى الأربعاء"],
    ],
]


def csv_bytes(rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: Sequence[Sequence[Any]], header: Sequence[str] = ARABIC_HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "خريطة الخدمات"
    sheet.sheet_view.rightToLeft = True
    for cells in (header, *rows):
        sheet.append(list(cells))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def camps(personas: Personas) -> dict[str, Site]:
    """Chameshku and Bersive 2, IOM's camps in Zakho district."""
    builders.gazetteer()
    zakho = AdminUnit.objects.get(pcode="IQG09Q04")
    return {
        code: site_services.site_create(
            actor=personas.omar.user,
            organisation=personas.iom,
            code=code,
            name_en=name_en,
            name_ar=name_ar,
            type=SiteType.CAMP,
            admin_unit=zakho,
        )
        for code, name_en, name_ar in (
            ("IQ-DHK-CHM", "Chameshku", "جمشكو"),
            ("IQ-DHK-BR2", "Bersive 2", "بيرسفي 2"),
        )
    }


def api_post(
    client: Client,
    organisation: Organisation,
    data: bytes,
    *,
    name: str = "service-mapping.csv",
    **form: Any,
) -> Any:
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(f"/api/v1/intake/{SPEC}/{organisation.pk}", {"file": upload, **form})


def page_import(client: Client, organisation: Organisation, data: bytes, name: str) -> Job:
    """Upload, preview, confirm: the job the confirmation ran."""
    upload = io.BytesIO(data)
    upload.name = name
    kept = client.post(f"/intake/{SPEC}/{organisation.pk}/", {"file": upload})
    assert kept.status_code == 302, kept.content.decode()[:2000]
    preview = client.get(kept["Location"])
    assert preview.status_code == 200 and "Confirm the import" in preview.content.decode()
    confirmed = client.post(f"{kept['Location']}confirm/")
    assert confirmed.status_code == 302
    return Job.objects.order_by("-pk").first() or pytest.fail("no job")


def directory(organisation: Organisation) -> dict[str, dict[str, Any]]:
    """The organisation's points as the directory keeps them, by English name: every version's
    number and status, and what the newest says."""
    found = {}
    for point in ServicePoint.objects.filter(organisation=organisation):
        versions = list(point.versions.order_by("number"))
        newest = versions[-1]
        found[newest.name_en] = {
            "versions": [(v.number, v.status) for v in versions],
            "version": newest,
            "offers": {
                o.service: (o.sexes, o.age_min, o.age_max, o.groups) for o in newest.offers.all()
            },
            "visits": {
                (v.site.code if v.site else v.admin_unit.pcode, tuple(v.weekdays))  # type: ignore[union-attr]
                for v in newest.visits.select_related("site", "admin_unit")
            },
        }
    return found


def written() -> tuple[int, int, int, int]:
    """Everything an import writes, to tell a dry run wrote nothing."""
    return (
        ServicePoint.objects.count(),
        ServicePointVersion.objects.count(),
        AuditEvent.objects.filter(action__startswith="directory.").count(),
        Job.objects.count(),
    )


def assert_imported(organisation: Organisation, *, team_name_ar: str = "") -> None:
    points = directory(organisation)
    assert set(points) == {PHCC, TEAM}
    phcc, team = points[PHCC], points[TEAM]
    # Drafts, never published by the import.
    assert phcc["versions"] == team["versions"] == [(1, "draft")]
    assert phcc["offers"] == PHCC_OFFERS and team["offers"] == TEAM_OFFERS
    assert team["visits"] == TEAM_VISITS and phcc["visits"] == set()
    entry: ServicePointVersion = phcc["version"]
    assert (entry.kind, entry.name_ar, entry.admin_unit.pcode) == (
        "phcc",
        "مركز صحي زاخو",
        "IQG09Q04",
    )
    assert (entry.latitude, entry.longitude, entry.languages) == (37.1437, 42.6819, ["ar", "kmr"])
    assert (entry.phone, entry.email, entry.hours) == (
        "07501234567",
        "zakho.phcc@example.org",
        "Sunday to Thursday, 8:00 to 14:00",
    )
    assert (entry.capacity_per_week, entry.waiting_days) == (350, 0)
    assert (entry.active_from, entry.active_until) == (date(2024, 1, 1), date(2025, 12, 31))
    mobile: ServicePointVersion = team["version"]
    assert (mobile.kind, mobile.name_ar, mobile.admin_unit.pcode, mobile.languages) == (
        "mobile_team",
        team_name_ar,
        "IQG09Q04",
        ["ar"],
    )
    assert mobile.latitude is None and mobile.site is None


# --- through the pages and the API ------------------------------------------------------------


def test_an_english_sheet_imports_through_the_pages_as_drafts_with_their_services_and_visits(
    personas: Personas, camps: dict[str, Site]
) -> None:
    client = personas.sara.client()
    upload = io.BytesIO(csv_bytes(ROWS))
    upload.name = "iom-service-mapping.csv"
    kept = client.post(f"/intake/{SPEC}/{personas.iom.pk}/", {"file": upload})
    assert kept.status_code == 302
    page = client.get(kept["Location"]).content.decode()
    # The preview is a dry run: its figures, nothing written yet.
    assert 'data-figure="service-points-in-the-file">2<' in page
    assert 'data-figure="new-service-points">2<' in page
    assert 'data-figure="services-offered">5<' in page
    assert 'data-figure="mobile-team-visits">2<' in page
    assert "until a service mapper checks and publishes" in page
    assert not ServicePoint.objects.exists()
    client.post(f"{kept['Location']}confirm/")
    job = Job.objects.get()
    assert job.status == "done", job.problems
    assert ["New service points", 2] in job.summary
    assert_imported(personas.iom)
    # Each point's creation is audited, and the file's import once.
    audit = AuditEvent.objects.get(action="directory.import")
    assert audit == job.audit and audit.actor == personas.sara.user
    assert audit.detail == {
        "file": "iom-service-mapping.csv",
        "points": 2,
        "new": 2,
        "changed": 0,
        "unchanged": 0,
    }
    assert AuditEvent.objects.filter(action="directory.point_created").count() == 2
    # The job's page says what was written, and that it waits for a mapper to publish it.
    shown = client.get(f"/intake/jobs/{job.uid}/").content.decode()
    assert 'data-figure="job-new-service-points">2<' in shown
    assert "until a service mapper checks and publishes each point" in shown


def test_an_arabic_workbook_imports_through_the_api_with_labels_in_arabic_and_kurdish(
    personas: Personas, camps: dict[str, Site]
) -> None:
    client = personas.sara.client()
    data = xlsx_bytes(ARABIC_ROWS)
    checked = api_post(client, personas.iom, data, name="خريطة الخدمات.xlsx")
    assert checked.status_code == 200, checked.json()
    body = checked.json()
    assert body["summary"]["New service points"] == 2
    assert body["summary"]["Services offered"] == 5 and body["warnings"] == []
    mapped = {m["header"]: m["mapped_to"] for m in body["mapping"]}
    assert mapped["اسم نقطة الخدمة"] == "field:name_ar"
    assert mapped["اسم نقطة الخدمة (بالإنجليزية)"] == "field:name_en"
    assert mapped["أيام الزيارة"] == "field:visit_days"
    assert "(ignored)" not in mapped.values()
    assert not ServicePoint.objects.exists() and not Upload.objects.exists()
    queued = api_post(client, personas.iom, data, name="خريطة الخدمات.xlsx", dry_run="false")
    assert queued.status_code == 202
    job = client.get(f"/api/v1/intake/jobs/{queued.json()['uid']}").json()
    assert job["status"] == "done", job
    assert job["summary"]["Service points unchanged"] == 0
    assert_imported(personas.iom, team_name_ar="الفريق الطبي المتنقل في زاخو")


def test_a_dry_run_writes_nothing(personas: Personas, camps: dict[str, Site]) -> None:
    client = personas.sara.client()
    before = written()
    checked = api_post(client, personas.iom, csv_bytes(ROWS))
    assert checked.status_code == 200
    assert checked.json()["summary"]["New service points"] == 2
    spec = spec_named(SPEC)
    assert spec is not None
    from nahrain.intake.spec import Intake

    outcome = spec.check(
        Intake(actor=personas.sara.user, target=personas.iom, data=csv_bytes(ROWS), file="a.csv")
    )
    assert outcome.audit is None and dict(outcome.summary)["Services offered"] == 5
    assert written() == before and not Upload.objects.exists()


def test_one_bad_row_refuses_the_whole_file_naming_each_row_column_and_rule(
    personas: Personas, camps: dict[str, Site]
) -> None:
    rows = [list(r) for r in ROWS]
    service, ages, district = (HEADER.index(h) for h in ("Service", "Age range", "District"))
    rows[1][service] = "Dental care"  # row 3
    rows[2][ages] = "49-15"  # row 4
    rows[3][district] = "Zakhoo City"  # row 5: the mobile team's place
    rows[4][district] = "Zakhoo City"  # row 6
    client = personas.sara.client()
    for dry_run in ("true", "false"):
        refused = api_post(client, personas.iom, csv_bytes(rows), dry_run=dry_run)
        assert refused.status_code == 422
        errors = {(e["row"], e["column"], e["rule"]) for e in refused.json()["errors"]}
        assert errors == {
            (3, "I", "unknown_service"),
            (4, "K", "age_range_inverted"),
            (5, "F", "unknown_district"),
            (6, "F", "unknown_district"),
        }, refused.json()["errors"]
        [unknown] = refused.json()["unresolved"]
        assert (unknown["text"], unknown["level"], unknown["row"]) == ("Zakhoo City", 2, 5)
    assert not ServicePoint.objects.exists() and not Job.objects.exists()
    # Through the pages: every problem listed, the spelling offered to teach, nothing to confirm.
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "bad.csv"
    kept = client.post(f"/intake/{SPEC}/{personas.iom.pk}/", {"file": upload})
    page = client.get(kept["Location"]).content.decode()
    assert "4 errors: nothing will be imported" in page and "Confirm the import" not in page
    assert "Not a service of the directory" in page and "Zakhoo City" in page
    problems = client.get(f"{kept['Location']}problems.csv").content.decode()
    assert "bad.csv,4,K,error,age_range_inverted" in problems
    assert not ServicePoint.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="directory.").exists()


def test_importing_again_updates_the_same_points_drafts_instead_of_adding_points(
    personas: Personas, camps: dict[str, Site]
) -> None:
    client = personas.sara.client()
    page_import(client, personas.iom, csv_bytes(ROWS), "first.csv")
    # The mapper checks the PHCC and publishes it; the team stays a draft.
    phcc = ServicePoint.objects.get(versions__name_en=PHCC)
    directory_services.draft_publish(actor=personas.sara.user, point=phcc)

    # The same sheet again: nothing changes, no draft is made.
    again = api_post(client, personas.iom, csv_bytes(ROWS), dry_run="false")
    summary = client.get(f"/api/v1/intake/jobs/{again.json()['uid']}").json()["summary"]
    assert (summary["New service points"], summary["Service points unchanged"]) == (0, 2)
    assert [(n, p["versions"]) for n, p in sorted(directory(personas.iom).items())] == [
        (TEAM, [(1, "draft")]),
        (PHCC, [(1, "current")]),
    ]
    assert not AuditEvent.objects.filter(action="directory.draft_saved").exists()

    # A new phone and a fourth service at the PHCC, the team no longer at Bersive 2.
    changed = [list(r) for r in ROWS[:4]]
    changed[0][HEADER.index("Phone")] = "07501111111"
    changed.append(
        row(
            Organisation="IOM",
            Point_name=PHCC,
            Governorate="Dahuk",
            District="Zakho",
            Service="Child protection",
            Age_range="under 18",
        )
    )
    updated = api_post(client, personas.iom, csv_bytes(changed), dry_run="false")
    summary = client.get(f"/api/v1/intake/jobs/{updated.json()['uid']}").json()["summary"]
    assert summary["New service points"] == 0
    assert summary["Service points with a new or changed draft"] == 2
    points = directory(personas.iom)
    assert ServicePoint.objects.count() == 2
    # The published PHCC keeps its current entry; the change waits in a draft after it.
    assert points[PHCC]["versions"] == [(1, "current"), (2, "draft")]
    assert points[PHCC]["version"].phone == "07501111111"
    assert points[PHCC]["offers"]["child_protection"] == ([], None, 17, [])
    assert set(points[PHCC]["offers"]) == {*PHCC_OFFERS, "child_protection"}
    # The team's draft is the one rewritten.
    assert points[TEAM]["versions"] == [(1, "draft")]
    assert points[TEAM]["visits"] == {("IQ-DHK-CHM", (2, 7))}
    assert ServicePointVersion.objects.get(point=phcc, number=1).phone == "07501234567"

    # The Arabic workbook names the same points (by name and place): no point is added, and its
    # columns say what the drafts already say, but the child protection service it lacks.
    arabic = api_post(client, personas.iom, xlsx_bytes(ARABIC_ROWS), name="ar.xlsx")
    assert arabic.json()["summary"]["New service points"] == 0
    assert arabic.json()["summary"]["Service points with a new or changed draft"] == 2


def test_a_point_id_names_the_point_to_update_even_under_a_new_name(
    personas: Personas, camps: dict[str, Site]
) -> None:
    client = personas.sara.client()
    page_import(client, personas.iom, csv_bytes(ROWS[:3]), "phcc.csv")
    phcc = ServicePoint.objects.get()
    renamed = [["Point ID", *r] for r in (HEADER, *ROWS[:3])]
    for cells in renamed[1:]:
        cells[0] = str(phcc.uid)
        cells[HEADER.index("Point name") + 1] = "Zakho primary health care centre"
    data = csv_bytes(renamed[1:], header=renamed[0])
    checked = api_post(client, personas.iom, data)
    assert checked.json()["summary"]["Service points with a new or changed draft"] == 1
    api_post(client, personas.iom, data, dry_run="false")
    assert list(ServicePoint.objects.all()) == [phcc]
    assert phcc.versions.get().name_en == "Zakho primary health care centre"
    # An id that is no point of IOM's refuses the file.
    renamed[1][0] = renamed[2][0] = renamed[3][0] = "8f9f5bde-4a37-4c3c-8b52-1d3c2d7a5f10"
    refused = api_post(client, personas.iom, csv_bytes(renamed[1:], header=renamed[0]))
    assert [(e["row"], e["column"], e["rule"]) for e in refused.json()["errors"]] == [
        (2, "A", "unknown_point")
    ]


def test_only_the_organisations_service_mappers_import_into_its_directory(
    personas: Personas, camps: dict[str, Site]
) -> None:
    data = csv_bytes(ROWS)
    intersos_mapper = builders.mapper(personas.intersos)
    # layla is IOM's information manager, not one of its service mappers; INTERSOS's mapper
    # maps INTERSOS; sara maps IOM alone: the same 404 as an organisation that does not exist.
    for user, organisation in (
        (personas.layla.user, personas.iom),
        (intersos_mapper, personas.iom),
        (personas.sara.user, personas.intersos),
    ):
        client = Client()
        client.force_login(user)
        upload = io.BytesIO(data)
        upload.name = "sheet.csv"
        assert client.post(f"/intake/{SPEC}/{organisation.pk}/", {"file": upload}).status_code == (
            404
        )
        assert api_post(client, organisation, data).status_code == 404
    assert not ServicePoint.objects.exists() and not Upload.objects.exists()
    # A cluster sheet with IOM's rows and INTERSOS's: INTERSOS's mapper imports INTERSOS's rows
    # alone; IOM's are left out, with a warning saying how many.
    cluster = [
        *ROWS,
        row(
            Organisation="INTERSOS",
            Point_name="Zakho legal aid office",
            Kind_of_point="Legal aid office",
            Governorate="Duhok",
            District="Zakho",
            Service="Legal aid and civil documentation",
        ),
    ]
    client = Client()
    client.force_login(intersos_mapper)
    queued = api_post(client, personas.intersos, csv_bytes(cluster), dry_run="false")
    job = client.get(f"/api/v1/intake/jobs/{queued.json()['uid']}").json()
    assert job["summary"]["Rows of other organisations left out"] == 5
    [warning] = job["warnings"]
    assert (warning["row"], warning["column"], warning["rule"]) == (2, "A", "other_organisation")
    assert set(directory(personas.intersos)) == {"Zakho legal aid office"}
    assert not ServicePoint.objects.filter(organisation=personas.iom).exists()


# --- the rules, row by row --------------------------------------------------------------------


def check(personas: Personas, rows: Sequence[Sequence[str]]) -> list[tuple[Any, ...]]:
    """The errors of a sheet checked through the API, as (row, column, rule)."""
    refused = api_post(personas.sara.client(), personas.iom, csv_bytes(rows))
    if refused.status_code == 200:
        return []
    return [(e["row"], e["column"], e["rule"]) for e in refused.json()["errors"]]


def test_rows_of_one_point_must_agree_and_name_each_service_once(
    personas: Personas, camps: dict[str, Site]
) -> None:
    rows = [list(r) for r in ROWS[:3]]
    rows[1][HEADER.index("Phone")] = "07509999999"  # another phone for the PHCC, row 3
    rows[2][HEADER.index("Service")] = "SRH"  # SRH again, row 4
    assert check(personas, rows) == [(3, "O", "point_differs"), (4, "I", "service_twice")]


def test_what_a_mobile_team_visits_and_when(personas: Personas, camps: dict[str, Site]) -> None:
    rows = [list(r) for r in ROWS[3:]]
    visited, days = HEADER.index("Visited sites"), HEADER.index("Visit days")
    rows[0][days] = "Someday"
    rows[1][visited] = "Nowhere camp"
    assert check(personas, rows) == [(2, "V", "unknown_weekday"), (3, "U", "unknown_visit_place")]
    rows = [list(r) for r in ROWS[3:]]
    rows[0][days] = ""
    assert check(personas, rows) == [(2, "V", "no_weekdays")]
    # A PHCC has no visits; a team may visit a district; "daily" is every day.
    rows = [list(r) for r in ROWS[:1]]
    rows[0][visited], rows[0][days] = "Chameshku", "Sun"
    assert check(personas, rows) == [(2, "U", "visits_not_mobile")]
    rows = [list(r) for r in ROWS[3:]]
    rows[0][visited], rows[0][days] = "Sumail; Al-Amadiya", "daily"
    assert check(personas, rows) == []


def test_values_the_directory_refuses(personas: Personas, camps: dict[str, Site]) -> None:
    cells = {
        "Kind of point": "Clinic",
        "Latitude": "",
        "Languages": "Kurdish",
        "E-mail": "zakho.phcc(at)example.org",
        "Active until": "2023-12-31",
        "Capacity a week": "-3",
        "Sexes served": "Adults",
        "Population groups": "Nomads",
    }
    rows = [list(r) for r in ROWS[:1]]
    for header, value in cells.items():
        rows[0][HEADER.index(header)] = value
    assert check(personas, rows) == [
        (2, "D", "unknown_kind"),
        (2, "J", "unknown_sexes"),
        (2, "L", "unknown_group"),
        (2, "M", "unknown_language"),
        (2, "P", "not_an_email"),
        (2, "Q", "not_a_count"),
    ]
    rows = [list(r) for r in ROWS[:1]]
    rows[0][HEADER.index("Latitude")] = ""
    rows[0][HEADER.index("Active until")] = "2023-12-31"
    assert check(personas, rows) == [(2, "G", "coordinates_incomplete"), (2, "T", "dates_inverted")]


def test_a_header_the_spec_does_not_know_is_mapped_by_the_user(
    personas: Personas, camps: dict[str, Site]
) -> None:
    header = [("Svc" if h == "Service" else h) for h in HEADER]
    data = csv_bytes(ROWS, header=header)
    client = personas.sara.client()
    refused = api_post(client, personas.iom, data)
    assert [e["rule"] for e in refused.json()["errors"]] == ["missing_column"]
    assert api_post(client, personas.iom, data, map="Svc=service").status_code == 200


def test_the_spec_declares_each_header_once() -> None:
    seen: dict[str, str] = {}
    for spec_field in directory_intake.FIELDS:
        for text in (spec_field.name, *spec_field.headers):
            key = header_key(text)
            assert seen.setdefault(key, spec_field.name) == spec_field.name, text


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("0-17", (0, 17)),
        ("18+", (18, None)),
        ("+18", (18, None)),
        ("18 and above", (18, None)),
        ("١٨ فما فوق", (18, None)),
        ("under 5", (None, 4)),
        ("<18", (None, 17)),
        ("All ages", (None, None)),
        ("جميع الأعمار", (None, None)),
    ],
)
def test_age_ranges_as_sheets_write_them(text: str, ages: tuple[int | None, int | None]) -> None:
    assert directory_intake._parse_ages(text) == ages


def test_a_point_named_in_arabic_alone_is_written_so(
    personas: Personas, camps: dict[str, Site]
) -> None:
    header = [h for h in ARABIC_HEADER if h != "اسم نقطة الخدمة (بالإنجليزية)"]
    rows = [[c for i, c in enumerate(r) if i != 1] for r in ARABIC_ROWS[:3]]
    client = personas.sara.client()
    checked = api_post(client, personas.iom, xlsx_bytes(rows, header=header), name="ar.xlsx")
    assert checked.status_code == 200, checked.json()
    assert checked.json()["warnings"] == []
    api_post(client, personas.iom, xlsx_bytes(rows, header=header), name="ar.xlsx", dry_run="false")
    entry = ServicePointVersion.objects.get()
    assert (entry.name_en, entry.name_ar) == ("", "مركز صحي زاخو")
    # Given an English name later, the same point is renamed, not doubled.
    named = api_post(client, personas.iom, xlsx_bytes(ARABIC_ROWS[:3]), name="ar.xlsx")
    assert named.json()["summary"]["Service points with a new or changed draft"] == 1
    assert named.json()["summary"]["New service points"] == 0


def test_a_sheet_tagged_with_hxl_is_read_by_its_hashtags(
    personas: Personas, camps: dict[str, Site]
) -> None:
    tags = {
        "Organisation": "#org",
        "Point name": "#loc+name",
        "Point name (Arabic)": "#loc+name+i_ar",
        "Kind of point": "#loc+type",
        "Governorate": "#adm1+name",
        "District": "#adm2+code",
        "Latitude": "#geo+lat",
        "Longitude": "#geo+lon",
        "Service": "#service",
        "Phone": "#contact+phone",
    }
    header = [f"column {n}" for n in range(len(HEADER))]
    hxl = [tags.get(h, "") for h in HEADER]
    rows = [list(r) for r in ROWS[:3]]
    for cells in rows:
        cells[HEADER.index("District")] = "IQG09Q04"
    refused = api_post(personas.sara.client(), personas.iom, csv_bytes([hxl, *rows], header))
    assert refused.status_code == 200, refused.json()
    mapped = {m["header"]: m["mapped_to"] for m in refused.json()["mapping"]}
    assert mapped["column 2"] == "field:name_ar" and mapped["column 8"] == "field:service"
    assert refused.json()["summary"]["Services offered"] == 3


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Sun, Tue", (2, 7)),
        ("Sunday and Tuesday", (2, 7)),
        ("Sun-Thu", (1, 2, 3, 4, 7)),
        ("Sunday to Thursday", (1, 2, 3, 4, 7)),
        ("من الأحد إلى الخميس", (1, 2, 3, 4, 7)),
        ("الأحد والثلاثاء", (2, 7)),
        ("یەکشەممە، سێشەممە", (2, 7)),
        ("Fri - Sat", (5, 6)),
        ("daily", (1, 2, 3, 4, 5, 6, 7)),
    ],
)
def test_weekdays_as_sheets_write_them(text: str, days: tuple[int, ...]) -> None:
    assert directory_intake._parse_weekdays(text) == days


@pytest.mark.parametrize("text", ["Someday", "Sun-Someday", "3", "0-17"])
def test_what_names_no_weekday(text: str) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        directory_intake._parse_weekdays(text)
