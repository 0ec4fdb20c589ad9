"""Wide master lists of later rounds, whose headers drift from round to round."""

from __future__ import annotations

import csv
import gc
import io
from datetime import date
from typing import Any

import pytest
from openpyxl import Workbook

from nahrain.core.problems import ImportRejected
from nahrain.displacement import bulk, selectors, services
from nahrain.displacement.models import AssessmentRound, Breakdown, LocationAssessment
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db

PLACES = [
    # place id, governorate, district, name, name (Arabic), latitude, longitude
    ("5001", "Dahuk", "Zakho", "Zakho centre", "مركز زاخو", 37.1436, 42.6818),
    ("5002", "Erbil", "Erbil", "Ankawa", "عنكاوا", 36.2297, 43.9931),
    ("5003", "Ninewa", "Mosul", "Al-Zuhoor", "الزهور", 36.3690, 43.1650),
    ("5004", "Anbar", "Falluja", "Al-Nuaimiya", "النعيمية", 33.3000, 43.7800),
]


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_round(personas: Personas, number: int) -> AssessmentRound:
    return services.round_create(
        actor=personas.layla.user,
        organisation=personas.iom,
        number=number,
        reference_date=date(2015 + number // 25, 1, 31),
    )


def mapped(report: services.ImportReport) -> dict[str, str]:
    return {m["header"]: m["mapped_to"] for m in report.mapping}


def round_60_idps() -> list[list[Any]]:
    """2016 shape: 'Place ID', 'Families', four-group-era shelter columns, households by origin."""
    header = [
        "Place ID",
        "Governorate",
        "District",
        "Location name",
        "Latitude",
        "Longitude",
        "Families",
        "Individuals",
        "Camp",
        "Host families",
        "Rented houses",
        "Hotel/Motel",
        "Informal settlements",
        "Religious building",
        "School building",
        "Unfinished/Abandoned building",
        "Other formal settlements/Collective centers",
        "Unknown/Other",
        "Pre-June14",
        "June-July14",
        "August14",
        "Post September14",
        "Post April15",
        "Post March16",
        "Anbar",
        "Ninewa",
        "Salah al-Din",
        "Remarks",
    ]
    rows: list[list[Any]] = [header]
    for i, (pid, gov, dist, name, _ar, lat, lon) in enumerate(PLACES):
        families = 100 * (i + 1)
        shelters = [families - 10, 4, 3, 1, 1, 0, 0, 1, 0, 0]
        periods = [0, families - 20, 10, 5, 5, 0]
        origins = [families // 2, families - families // 2 - 1, 1]
        rows.append(
            [
                pid,
                gov,
                dist,
                name,
                lat,
                lon,
                families,
                families * 6,
                *shelters,
                *periods,
                *origins,
                "",
            ]
        )
    return rows


def test_a_2016_csv_with_families_and_plain_period_headers_imports(
    personas: Personas, gazetteer: None
) -> None:
    assessment_round = make_round(personas, 60)
    report = services.round_import(
        actor=personas.layla.user,
        assessment_round=assessment_round,
        data=csv_bytes(round_60_idps()),
        file="r60.csv",
        population="idp",
    )
    columns = mapped(report)
    assert columns["Place ID"] == "field:place_id"
    assert columns["Families"] == "field:households"
    assert columns["Rented houses"] == "shelter:rented_housing"
    assert columns["Pre-June14"] == "period:pre_jun_2014"
    assert columns["Post March16"] == "period:post_mar_2016"
    assert columns["Anbar"] == "origin:IQG01"
    assert columns["Salah al-Din"] == "origin:IQG16"
    assert columns["Remarks"] == "(ignored)"
    assert report.households == 1000 and report.locations == 4
    zakho = LocationAssessment.objects.get(round=assessment_round, location__external_id="5001")
    assert zakho.adm1.pcode == "IQG09" and zakho.adm2 is not None
    assert zakho.adm2.pcode == "IQG09Q04"
    origins = dict(
        Breakdown.objects.filter(assessment=zakho, dimension="origin").values_list(
            "category", "households"
        )
    )
    assert origins == {"IQG01": 50, "IQG15": 49, "IQG16": 1}
    groups = {
        f.category: f.households
        for f in selectors.figures(assessment_round=assessment_round, dimension="shelter_group")
    }
    assert groups == {"camp": 960, "private_settings": 32, "critical_shelter": 8}


def round_120_idps() -> list[list[Any]]:
    """2020 shape: 'Place id', 'Households', rentals split, '... Period' headers, origins in
    individuals (from round 119)."""
    header = [
        "Place id",
        "Governorate",
        "District",
        "Households",
        "Individuals",
        "Camp",
        "Host families",
        "Rented (habitable)",
        "Rented (uninhabitable)",
        "Hotel/Motel",
        "Informal settlements",
        "Religious building",
        "School building",
        "Unfinished/Abandoned building",
        "Other formal settlements/Collective centers",
        "Unknown/Other",
        "Pre-June14 Period",
        "June-July14 Period",
        "August14 Period",
        "Post September14 Period",
        "Post April15 Period",
        "Post March16 Period",
        "Post 17 October16 Period",
        "Post July17 Period",
        "Origin: Ninewa",
        "Origin: Kirkuk",
    ]
    rows: list[list[Any]] = [header]
    for i, (pid, gov, dist, *_rest) in enumerate(PLACES):
        households = 50 + i
        individuals = households * 6
        rows.append(
            [
                pid,
                gov,
                dist,
                households,
                individuals,
                0,
                households - 2,
                1,
                1,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                households - 1,
                1,
                0,
                individuals - 6,
                6,
            ]
        )
    return rows


def test_a_2020_xlsx_with_rental_split_and_origins_in_individuals_imports(
    personas: Personas, gazetteer: None
) -> None:
    assessment_round = make_round(personas, 120)
    report = services.round_import(
        actor=personas.layla.user,
        assessment_round=assessment_round,
        data=xlsx_bytes(round_120_idps()),
        file="r120.xlsx",
        population="idp",
    )
    columns = {m["header"]: (m["mapped_to"], m["unit"]) for m in report.mapping}
    assert columns["Place id"] == ("field:place_id", "")
    assert columns["Households"] == ("field:households", "")
    assert columns["Rented (uninhabitable)"] == ("shelter:rented_uninhabitable", "")
    assert columns["Post 17 October16 Period"] == ("period:post_oct_2016", "")
    assert columns["Origin: Ninewa"] == ("origin:IQG15", "individuals")
    assert report.individuals == sum(6 * (50 + i) for i in range(4))
    groups = {
        f.category: f.households
        for f in selectors.figures(assessment_round=assessment_round, dimension="shelter_group")
    }
    # Uninhabitable rentals count as critical shelter from round 109.
    assert groups["critical_shelter"] == 4 and groups["private_settings"] == 4 * 1 + sum(
        50 + i - 2 for i in range(4)
    )


def returnees_cp1256() -> bytes:
    """Returnees, Windows-1256 CSV with Arabic names, 'Families', governorates of last
    displacement."""
    header = [
        "Place ID",
        "Governorate",
        "District",
        "Location name (Arabic)",
        "Families",
        "Individuals",
        "Last displacement: Dahuk",
        "Last displacement: Erbil",
    ]
    rows: list[list[Any]] = [header]
    for i, (pid, gov, dist, _name, name_ar, *_rest) in enumerate(PLACES):
        families = 20 + i
        rows.append([pid, gov, dist, name_ar, families, families * 6, families - 1, 1])
    return csv_bytes(rows, encoding="cp1256")


def test_returnees_in_windows_1256_with_arabic_names_import(
    personas: Personas, gazetteer: None
) -> None:
    assessment_round = make_round(personas, 110)
    report = services.round_import(
        actor=personas.layla.user,
        assessment_round=assessment_round,
        data=returnees_cp1256(),
        file="returnees.csv",
        population="returnee",
    )
    assert report.population == "returnee"
    assert mapped(report)["Last displacement: Erbil"] == "origin:IQG11"
    totals = selectors.totals(assessment_round=assessment_round)
    assert totals["returnee"]["households"] == 20 + 21 + 22 + 23
    mosul = LocationAssessment.objects.get(round=assessment_round, location__external_id="5003")
    assert mosul.location.name_ar == "الزهور"


def test_idps_and_returnees_of_one_round_live_side_by_side(
    personas: Personas, gazetteer: None
) -> None:
    assessment_round = make_round(personas, 110)
    services.round_import(
        actor=personas.layla.user,
        assessment_round=assessment_round,
        data=returnees_cp1256(),
        file="r.csv",
        population="returnee",
    )
    rows = round_60_idps()
    rows[0] = [h.replace("Rented houses", "Rented (habitable)") for h in rows[0]]
    rows[0].insert(11, "Rented (uninhabitable)")
    for row in rows[1:]:
        row.insert(11, 0)
    services.round_import(
        actor=personas.layla.user,
        assessment_round=assessment_round,
        data=csv_bytes(rows),
        file="i.csv",
        population="idp",
    )
    totals = selectors.totals(assessment_round=assessment_round)
    assert set(totals) == {"idp", "returnee"}
    assert totals["idp"]["households"] == 1000


def test_a_header_the_mapping_does_not_know_for_a_required_field_is_named(
    personas: Personas, gazetteer: None
) -> None:
    rows = round_60_idps()
    rows[0][6] = "Fams"
    with pytest.raises(ImportRejected) as rejected:
        services.round_import(
            actor=personas.layla.user,
            assessment_round=make_round(personas, 60),
            data=csv_bytes(rows),
            file="r60.csv",
            population="idp",
        )
    problem = rejected.value.problems[0]
    assert (problem.file, problem.row, problem.rule) == ("r60.csv", 1, "missing_column")
    assert "Families" in problem.message


def test_breakdowns_that_do_not_add_up_name_the_row_and_the_first_column(
    personas: Personas, gazetteer: None
) -> None:
    rows = round_60_idps()
    rows[3][8] += 1  # one more household in camps at the third place (row 4)
    with pytest.raises(ImportRejected) as rejected:
        services.round_import(
            actor=personas.layla.user,
            assessment_round=make_round(personas, 60),
            data=csv_bytes(rows),
            file="r60.csv",
            population="idp",
        )
    assert [(p.row, p.column, p.rule) for p in rejected.value.errors] == [(4, "I", "breakdown_sum")]
    assert not LocationAssessment.objects.exists()


def test_the_collector_is_held_off_while_an_import_writes_and_back_on_after(
    personas: Personas, gazetteer: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    write = services._facts_write

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return write(*args, **kwargs)

    monkeypatch.setattr(services, "_facts_write", watched)
    assert gc.isenabled()
    services.round_import(
        actor=personas.layla.user,
        assessment_round=make_round(personas, 60),
        data=csv_bytes(round_60_idps()),
        file="r60.csv",
        population="idp",
    )
    assert seen == [False] and gc.isenabled()
    # Nested and failing loads share one pause; a collector that was off stays off.
    with pytest.raises(RuntimeError), bulk.collector_paused():
        with bulk.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with bulk.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
