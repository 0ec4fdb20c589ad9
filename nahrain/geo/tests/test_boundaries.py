"""Importing OCHA COD-AB boundaries through the command, as an information manager does."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nahrain.geo.models import AdminUnit
from nahrain.geo.tests.conftest import cod_ab_files

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("geo", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.shared_data
def test_importing_iraq_gives_every_unit_with_its_parent_and_again_changes_nothing(
    shared: Path,
) -> None:
    for level, path in cod_ab_files(shared):
        assert f"{ {0: 1, 1: 18, 2: 101, 3: 294}[level] } created" in run(
            "import-boundaries", str(path), "--level", str(level)
        )
    counts = {level: AdminUnit.objects.filter(level=level).count() for level in range(4)}
    assert counts == {0: 1, 1: 18, 2: 101, 3: 294}
    # Every parent is the unit the file names, one level up.
    for level, path in cod_ab_files(shared)[1:]:
        features = json.loads(path.read_text())["features"]
        expected = {
            f["properties"][f"ADM{level}_PCODE"]: f["properties"][f"ADM{level - 1}_PCODE"]
            for f in features
        }
        actual = dict(AdminUnit.objects.filter(level=level).values_list("pcode", "parent__pcode"))
        assert actual == expected
    mosul = AdminUnit.objects.get(pcode="IQG15Q05")
    assert (mosul.name_en, mosul.name_ar, mosul.parent.pcode) == ("Al-Mosul", "الموصل", "IQG15")  # type: ignore[union-attr]
    assert mosul.geometry is not None and mosul.min_lon is not None

    snapshot = list(AdminUnit.objects.values_list("pcode", "updated_at"))
    for level, path in cod_ab_files(shared):
        assert "0 created, 0 updated" in run("import-boundaries", str(path), "--level", str(level))
    assert list(AdminUnit.objects.values_list("pcode", "updated_at")) == snapshot


@pytest.mark.shared_data
def test_a_level_whose_parents_are_missing_is_rejected_whole(shared: Path) -> None:
    districts = cod_ab_files(shared)[2][1]
    with pytest.raises(CommandError, match="rejected, nothing written"):
        run("import-boundaries", str(districts), "--level", "2")
    assert AdminUnit.objects.count() == 0


def test_a_bad_feature_is_named_by_number_and_property(tmp_path: Path) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"ADM0_PCODE": "XX", "ADM0_EN": "Somewhere"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]],
                        },
                    },
                    {"type": "Feature", "properties": {"ADM0_EN": "No code"}, "geometry": None},
                ],
            }
        )
    )
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("geo", "import-boundaries", str(path), "--level", "0", stderr=out)
    assert "bad.geojson, row 2, column ADM0_PCODE: error [required]" in out.getvalue()
    assert AdminUnit.objects.count() == 0


def test_a_file_that_is_not_geojson_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "notes.geojson"
    path.write_text("this is not json")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("geo", "import-boundaries", str(path), "--level", "1", stderr=out)
    assert "notes.geojson: error [malformed]" in out.getvalue()


def test_a_dry_run_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "country.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"ADM0_PCODE": "XX", "ADM0_EN": "Somewhere"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]],
                        },
                    }
                ],
            }
        )
    )
    assert "dry run, nothing written" in run(
        "import-boundaries", str(path), "--level", "0", "--dry-run"
    )
    assert AdminUnit.objects.count() == 0
