"""Importing a site master list through ``nahrain sites import``: the 49 camps of DTM round
109's in-camp frame, another CCCM list with other headers, and a list with mistakes.

The frame's README does not say which year its ``Population (July CCCM)`` and ``Population
(Jan CCCM)`` columns are of. Its camps are those of DTM round 109 (April 2019), and Qayyarah
Jad'ah 5 grows from 2,756 households in July to 4,526 in January, as the late-2019 consolidation
of the Ninewa camps into Jad'ah did: July 2019 and January 2020 are the dates taken here. The
figures are households (Chamishku's 5,041 households are the 27,400 people MdM's PHCC serves).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from nahrain.core.models import AuditEvent
from nahrain.sites.models import Site, SitePopulation, SiteStatusChange
from nahrain.testing.personas import Personas

JULY, JANUARY = date(2019, 7, 31), date(2020, 1, 31)
FRAME_MAP = [
    "--map",
    "camp=code",
    "--map",
    f"Population (July CCCM)=households@{JULY.isoformat()}",
    "--map",
    f"Population (Jan CCCM)=households@{JANUARY.isoformat()}",
]


def frame_path(shared: Path) -> Path:
    return shared / "data" / "iraq-round109-frames" / "sampling_frame_in_camp.csv"


def frame_rows(shared: Path) -> list[dict[str, str]]:
    with frame_path(shared).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def sites_import(*args: str) -> str:
    out = io.StringIO()
    call_command("sites", "import", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def state() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], int]:
    """Everything an import writes, to compare before and after a second import."""
    return (
        list(Site.objects.order_by("code").values_list("code", "name_en", "admin_unit__pcode")),
        list(
            SitePopulation.objects.order_by("site__code", "on").values_list(
                "site__code", "on", "source", "individuals", "households"
            )
        ),
        SiteStatusChange.objects.count(),
    )


@pytest.mark.shared_data
def test_the_49_camps_of_the_round_109_frame_import_with_their_july_and_january_households(
    personas: Personas, gazetteer: None, shared: Path
) -> None:
    output = sites_import(
        str(frame_path(shared)), "--organisation", "IOM", "--user", "omar", *FRAME_MAP
    )
    assert "Sites in the file: 49" in output
    assert "New sites: 49" in output
    rows = frame_rows(shared)
    assert Site.objects.filter(organisation=personas.iom).count() == len(rows) == 49
    for row in rows:
        site = Site.objects.get(organisation=personas.iom, code=row["camp"])
        assert site.name_en == row["Camp long name"]
        figures = {
            f.on: f.households
            for f in SitePopulation.objects.filter(site=site, source="cccm_estimate")
        }
        assert figures == {
            JULY: int(row["Population (July CCCM)"]),
            JANUARY: int(row["Population (Jan CCCM)"]),
        }
        # The newest figure is the site's population; people were not counted, only households.
        site.refresh_from_db()
        assert (site.population_households, site.population_date) == (
            int(row["Population (Jan CCCM)"]),
            JANUARY,
        )
        assert site.population_individuals is None
    # Districts spelt as the frame spells them resolve: al.falluja, al.kadhmiyah, sumail.
    chamishku = Site.objects.get(code="chamishku")
    assert (chamishku.governorate.pcode, chamishku.admin_unit.level) == ("IQG09", 2)
    assert Site.objects.get(code="aaf").admin_unit.name_en.endswith("Falluja")
    assert Site.objects.get(code="shooting.camp").admin_unit.name_en == "Al-Kadhmiyah"
    assert AuditEvent.objects.filter(action="sites.import").count() == 1

    before = state()
    again = sites_import(
        str(frame_path(shared)), "--organisation", "IOM", "--user", "omar", *FRAME_MAP
    )
    assert "New sites: 0" in again and "Sites changed: 0" in again
    assert "New or changed population figures: 0" in again
    assert state() == before


def write_csv(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


# A CCCM-style camp list as the cluster's partners keep them: their own headers, one
# population date per row, sites of several types and statuses; Chameshku already there.
CCCM_LIST = [
    [
        "Site ID",
        "Site Name",
        "Gov",
        "Dist",
        "Site Type",
        "CCCM Agency",
        "Status",
        "# HH",
        "# Ind",
        "Last update",
        "Lat",
        "Long",
    ],
    [
        "IQ-DHK-CHM",
        "Chameshku",
        "Dahuk",
        "Zakho",
        "Camp",
        "IOM",
        "Open",
        "5039",
        "27400",
        "2020-01-31",
        "37.1170",
        "42.6340",
    ],
    [
        "IQ-NIN-HAJ",
        "Haj Ali",
        "Ninewa",
        "Al-Mosul",
        "Emergency site",
        "IOM",
        "Open",
        "2,722",
        "14,310",
        "2020-01-31",
        "35.9790",
        "43.2410",
    ],
    [
        "IQ-NIN-J5",
        "Qayyarah Jad'ah 5",
        "Ninewa",
        "Mosul",
        "Camp",
        "IOM",
        "Closed",
        "0",
        "0",
        "2020-01-31",
        "",
        "",
    ],
    [
        "IQ-ANB-IS1",
        "Al-Nuaimiya informal site",
        "Anbar",
        "Falluja",
        "Informal settlement",
        "",
        "Open",
        "64",
        "371",
        "2020-01-15",
        "",
        "",
    ],
]


def test_a_cccm_list_with_other_headers_imports_with_a_mapping_and_updates_the_camp_already_there(
    personas: Personas, chameshku: Site, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "cccm-camps-2020-01.csv", CCCM_LIST)
    with pytest.raises(CommandError):  # "Last update" says nothing the list declares
        sites_import(str(path), "--organisation", "IOM")
    output = sites_import(
        str(path),
        "--organisation",
        "IOM",
        "--user",
        "layla",
        "--map",
        "Last update=population_date",
    )
    assert "Sites in the file: 4" in output and "New sites: 3" in output
    # No DTM round names these places yet: each site is a warning, and the import goes on.
    assert output.count("warning [not_linked]") == 4
    assert Site.objects.count() == 4
    chameshku.refresh_from_db()
    assert (chameshku.population_individuals, chameshku.population_households) == (27400, 5039)
    assert (chameshku.latitude, chameshku.managing_agency) == (37.117, "IOM")
    haj_ali = Site.objects.get(code="IQ-NIN-HAJ")
    assert (haj_ali.type, haj_ali.population_individuals, haj_ali.population_households) == (
        "emergency_site",
        14310,
        2722,
    )
    assert haj_ali.admin_unit.name_en == "Al-Mosul"
    assert Site.objects.get(code="IQ-NIN-J5").status == "closed"
    informal = Site.objects.get(code="IQ-ANB-IS1")
    assert (informal.type, informal.population_date) == ("informal_settlement", date(2020, 1, 15))


def test_an_arabic_list_and_an_hxl_tagged_list_import_by_their_headers_and_tags(
    personas: Personas, gazetteer: None, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["رمز الموقع", "اسم الموقع", "المحافظة", "القضاء", "عدد العوائل", "تاريخ السكان"])
    sheet.append(["KRD-ERB-BAH", "Baharka", "أربيل", "أربيل", 923, "2020-01-31"])
    sheet.append(["KRD-ERB-HAR", "Harshm", "أربيل", "أربيل", 302, "2020-01-31"])
    workbook.save(tmp_path / "camps-ar.xlsx")
    sites_import(str(tmp_path / "camps-ar.xlsx"), "--organisation", "IOM")
    write_csv(
        tmp_path / "camps-hxl.csv",
        [
            ["Camp", "Code", "Province", "Area", "Families", "Persons"],
            ["#loc+name", "#loc+code", "#adm1+name", "#adm2+name", "#affected+hh", "#affected+ind"],
            ["Debaga 1", "KRD-ERB-DEB1", "Erbil", "Makhmour", "1883", "9410"],
        ],
    )
    sites_import(
        str(tmp_path / "camps-hxl.csv"),
        "--organisation",
        "IOM",
        "--population-date",
        "2020-01-31",
        "--population-source",
        "registration",
    )
    figures = dict(
        SitePopulation.objects.values_list("site__code", "households").order_by("site__code")
    )
    assert figures == {"KRD-ERB-BAH": 923, "KRD-ERB-DEB1": 1883, "KRD-ERB-HAR": 302}
    debaga = SitePopulation.objects.get(site__code="KRD-ERB-DEB1")
    assert (debaga.source, debaga.on, debaga.individuals) == (
        "registration",
        date(2020, 1, 31),
        9410,
    )
    assert Site.objects.get(code="KRD-ERB-BAH").governorate.name_en == "Erbil"


def test_a_list_with_mistakes_names_each_by_row_column_and_rule_and_writes_nothing(
    personas: Personas, gazetteer: None, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        [
            [
                "Site code",
                "Site name",
                "Governorate",
                "District",
                "Site type",
                "Households",
                "Population date",
                "Latitude",
            ],
            ["S-1", "Good camp", "Duhok", "Zakho", "Camp", "100", "2020-01-31", "37.1"],
            ["", "No code", "Duhok", "Zakho", "Camp", "100", "2020-01-31", ""],
            ["S-3", "Nowhere", "Atlantis", "Zakho", "Camp", "100", "2020-01-31", ""],
            ["S-4", "Minus", "Duhok", "Zakho", "Camp", "-5", "2020-01-31", ""],
            ["S-5", "When", "Duhok", "Zakho", "Camp", "100", "last spring", ""],
            ["S-1", "Twice", "Duhok", "Zakho", "Camp", "100", "2020-01-31", ""],
            ["S-7", "Odd type", "Duhok", "Zakho", "Caravan park", "100", "2020-01-31", "137"],
            ["S-8", "Undated", "Duhok", "Zakho", "Camp", "100", "", ""],
            ["S-9", "Not a number", "Duhok", "Zakho", "Camp", "nan", "2020-01-31", ""],
            ["S" * 41, "Long code", "Duhok", "Zakho", "Camp", "", "", ""],
        ],
    )
    errors = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("sites", "import", str(path), "--organisation", "IOM", stderr=errors)
    said = errors.getvalue()
    for expected in (
        "bad.csv, row 3, column A: error [required]",
        "bad.csv, row 4, column C: error [unknown_governorate]",
        "bad.csv, row 5, column F: error [not_a_count]",
        "bad.csv, row 6, column G: error [not_a_date]",
        "bad.csv, row 7, column A: error [duplicate_code]",
        "bad.csv, row 8, column E: error [unknown_type]",
        "bad.csv, row 8, column H: error [not_a_coordinate]",
        "bad.csv, row 9, column F: error [no_population_date]",
        "bad.csv, row 10, column F: error [not_a_count]",
        "bad.csv, row 11, column A: error [too_long]",
    ):
        assert expected in said
    assert "Atlantis" in said and "--alias" in said
    assert not Site.objects.exists() and not SitePopulation.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="site").exists()
    # A dry run of a good list says what it would do and writes nothing either.
    good = write_csv(
        tmp_path / "good.csv", [["Site code", "Site name", "Governorate"], ["S-1", "Good", "Duhok"]]
    )
    assert "New sites: 1" in sites_import(str(good), "--organisation", "IOM", "--dry-run")
    assert not Site.objects.exists()


def test_a_spelling_no_unit_has_is_taught_once_and_read_in_later_lists(
    personas: Personas, gazetteer: None, tmp_path: Path
) -> None:
    from nahrain.geo.models import Alias

    path = write_csv(
        tmp_path / "camps.csv",
        [["Site code", "Site name", "Governorate", "District"], ["S-1", "Darkar", "Dohuk", "Zaxo"]],
    )
    errors = io.StringIO()
    with pytest.raises(CommandError):
        call_command("sites", "import", str(path), "--organisation", "IOM", stderr=errors)
    assert "[unknown_district]" in errors.getvalue()
    assert '--alias "Zaxo=PCODE"' in errors.getvalue()
    sites_import(str(path), "--organisation", "IOM", "--alias", "Zaxo=IQG09Q04")
    assert Site.objects.get(code="S-1").admin_unit.pcode == "IQG09Q04"
    assert Alias.objects.filter(name="Zaxo", unit__pcode="IQG09Q04").exists()
    later = write_csv(
        tmp_path / "later.csv",
        [
            ["Site code", "Site name", "Governorate", "District"],
            ["S-2", "Bersive", "Dohuk", "Zaxo"],
        ],
    )
    sites_import(str(later), "--organisation", "IOM")
    assert Site.objects.get(code="S-2").admin_unit.pcode == "IQG09Q04"
