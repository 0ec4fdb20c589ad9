"""Any spelling of a place resolves to its p-code; any point to the unit that contains it."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from django.test import Client

from nahrain.geo import selectors
from nahrain.geo.models import AdminUnit
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db

# The governorate spellings of the 2014 DTM master list and the p-codes they mean.
DTM_2014_GOVERNORATES = {
    "Anbar": "IQG01",
    "Babylon": "IQG07",
    "Baghdad": "IQG08",
    "Basrah": "IQG02",
    "Dahuk": "IQG09",
    "Diyala": "IQG10",
    "Erbil": "IQG11",
    "Kerbala": "IQG12",
    "Kirkuk": "IQG13",
    "Missan": "IQG14",
    "Najaf": "IQG04",
    "Ninewa": "IQG15",
    "Qadissiya": "IQG05",
    "Salah al-Din": "IQG16",
    "Sulaymaniyah": "IQG06",
    "Thi-Qar": "IQG17",
    "Wassit": "IQG18",
}


def test_the_gazetteer_holds_18_governorates_and_101_districts(gazetteer: None) -> None:
    assert AdminUnit.objects.filter(level=1).count() == 18
    assert AdminUnit.objects.filter(level=2).count() == 101
    assert not AdminUnit.objects.filter(level__gt=0, parent__isnull=True).exists()
    assert not AdminUnit.objects.filter(lat__isnull=True).exists()
    assert AdminUnit.objects.filter(level=1).exclude(name_ckb="").count() == 18


@pytest.mark.parametrize(("spelling", "pcode"), DTM_2014_GOVERNORATES.items())
def test_each_2014_dtm_governorate_spelling_resolves(
    gazetteer: None, spelling: str, pcode: str
) -> None:
    unit = selectors.admin_unit_resolve(spelling, level=1)
    assert unit is not None and unit.pcode == pcode


@pytest.mark.shared_data
def test_every_governorate_spelling_in_the_2014_master_list_resolves(
    gazetteer: None, shared: Path
) -> None:
    path = shared / "data" / "dtm-iraq-2014" / "DTM_Dataset_26102014.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    # Columns 5 and 7: governorate of origin and current governorate.
    spellings = {row[i].strip() for row in rows if row for i in (4, 6) if row[i].strip()}
    assert spellings <= set(DTM_2014_GOVERNORATES), spellings - set(DTM_2014_GOVERNORATES)
    for spelling in spellings:
        unit = selectors.admin_unit_resolve(spelling, level=1)
        assert unit is not None and unit.pcode == DTM_2014_GOVERNORATES[spelling], spelling


@pytest.mark.parametrize(
    ("text", "pcode"),
    [
        ("IQ-G01", "IQG01"),  # 2014 OCHA code, same number
        ("IQ-G07", "IQG08"),  # 2014 OCHA code of Baghdad; IQG07 is Babil
        ("iqg07", "IQG07"),
        ("دهوك", "IQG09"),
        ("دهۆک", "IQG09"),
        ("Duhok", "IQG09"),
        ("الأنبار", "IQG01"),
        ("Al Anbar", "IQG01"),
        ("Salah Al-Din", "IQG16"),
        ("Thi Qar", "IQG17"),
    ],
)
def test_codes_and_spellings_in_any_script_resolve(gazetteer: None, text: str, pcode: str) -> None:
    unit = selectors.admin_unit_resolve(text, level=1)
    assert unit is not None and unit.pcode == pcode


def test_a_district_resolves_within_its_governorate(gazetteer: None) -> None:
    ninewa = AdminUnit.objects.get(pcode="IQG15")
    unit = selectors.admin_unit_resolve("Mosul", level=2, within=ninewa)
    assert unit is not None and unit.pcode == "IQG15Q05"
    assert (
        selectors.admin_unit_resolve("Mosul", level=2, within=AdminUnit.objects.get(pcode="IQG01"))
        is None
    )


def test_an_unknown_name_resolves_to_nothing(gazetteer: None) -> None:
    assert selectors.admin_unit_resolve("Atlantis") is None


@pytest.mark.shared_data
def test_round_109_locations_fall_in_the_governorate_their_frame_names(
    boundaries: None, shared: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = shared / "data" / "iraq-round109-frames" / "sampling_frame_script_IDP_out_of_camp.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 565
    points = [(float(r["Latitude"]), float(r["Longitude"])) for r in rows]
    unit_ids = selectors.admin_units_at_points(points)
    units = AdminUnit.objects.in_bulk([u for u in unit_ids if u is not None])
    governorate_of = {
        u.pk: (u.parent.parent.pcode if u.level == 3 else u.pcode)  # type: ignore[union-attr]
        for u in AdminUnit.objects.filter(level=3).select_related("parent__parent")
    }
    misses = []
    for row, unit_id in zip(rows, unit_ids, strict=True):
        expected = selectors.admin_unit_resolve(row["COD_Governorate"], level=1)
        assert expected is not None, row["COD_Governorate"]
        found = (
            governorate_of.get(unit_id)
            if unit_id in governorate_of
            else (units[unit_id].pcode if unit_id else None)
        )
        if found != expected.pcode:
            misses.append((row["Place.ID"], row["Location.Name"], expected.pcode, found))
    share = 1 - len(misses) / len(rows)
    with capsys.disabled():
        print(
            f"\npoint lookup: {len(rows) - len(misses)}/{len(rows)} ({share:.2%}) in the "
            "governorate the frame names; exceptions:"
        )
        for miss in misses:
            print("  place {} {!r}: frame says {}, boundaries say {}".format(*miss))
    assert share >= 0.99


@pytest.mark.shared_data
def test_the_lookup_api_gives_the_deepest_unit_and_its_ancestors(
    boundaries: None, personas: Personas
) -> None:
    response = personas.ahmed.client().get("/api/v1/geo/lookup", {"lat": "36.34", "lon": "43.13"})
    assert response.status_code == 200
    body = response.json()
    assert body["unit"]["level"] == 3
    assert [a["pcode"] for a in body["ancestors"]] == ["IQ", "IQG15", "IQG15Q05"]
    outside = personas.ahmed.client().get("/api/v1/geo/lookup", {"lat": "0", "lon": "0"})
    assert outside.json()["unit"] is None


def test_search_finds_a_unit_by_arabic_name_and_old_code(
    gazetteer: None, personas: Personas
) -> None:
    client = personas.outsider.client()
    arabic = client.get("/api/v1/geo/search", {"q": "نينوى"}).json()
    assert arabic[0]["pcode"] == "IQG15"
    old = client.get("/api/v1/geo/search", {"q": "IQ-G18"}).json()
    assert [u["pcode"] for u in old] == ["IQG16"]
    prefix = client.get("/api/v1/geo/search", {"q": "Sulay", "level": "1"}).json()
    assert [u["pcode"] for u in prefix] == ["IQG06"]


def test_the_unit_tree_walks_down_from_the_country(gazetteer: None, personas: Personas) -> None:
    client = personas.ahmed.client()
    top = client.get("/api/v1/geo/units").json()
    assert [u["pcode"] for u in top] == ["IQ"]
    governorates = client.get("/api/v1/geo/units", {"parent": "IQ"}).json()
    assert len(governorates) == 18
    detail = client.get("/api/v1/geo/units/IQG09").json()
    assert detail["name_ar"] == "دهوك"
    assert [a["pcode"] for a in detail["ancestors"]] == ["IQ"]
    assert len(detail["children"]) >= 3
    assert client.get("/api/v1/geo/units/NOPE").status_code == 404


def test_geography_needs_signing_in(gazetteer: None) -> None:
    assert Client().get("/api/v1/geo/search", {"q": "Dahuk"}).status_code == 401


def test_the_places_page_searches_in_arabic(gazetteer: None, personas: Personas) -> None:
    page = personas.ahmed.client().get("/geo/", {"q": "دهوك"})
    assert page.status_code == 200
    assert "IQG09" in page.content.decode()


@pytest.mark.parametrize("pcode", ["IQG15", "IQG15Q05"])
def test_a_unit_page_shows_its_names(gazetteer: None, personas: Personas, pcode: str) -> None:
    page = personas.ahmed.client().get(f"/geo/units/{pcode}/")
    assert page.status_code == 200
    assert AdminUnit.objects.get(pcode=pcode).name_ar in page.content.decode()


def test_unit_names_follow_the_language(gazetteer: None) -> None:
    from django.utils import translation

    erbil = AdminUnit.objects.get(pcode="IQG11")
    names: Counter[str] = Counter()
    for language in ("en", "ar", "ckb"):
        with translation.override(language):
            names[erbil.name] += 1
    assert set(names) == {erbil.name_en, erbil.name_ar, erbil.name_ckb}
