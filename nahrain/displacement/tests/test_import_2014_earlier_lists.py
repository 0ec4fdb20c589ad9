"""The two earlier 2014 master lists, which spell a Maysan district as no gazetteer does: the
importer names the spelling with its closest district, learns it once, and then imports the 1 Sep
list to its own sum and refuses the 18 Aug list at its one real defect."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nahrain.displacement.models import AssessmentRound
from nahrain.geo.models import LEARNT, Alias
from nahrain.testing.personas import Personas

pytestmark = [pytest.mark.django_db, pytest.mark.shared_data]

SEP_1 = "DTM_Dataset_-_01092014_final_0.csv"
AUG_18 = "final_18082014_dtm_master.csv"
CUT_SHORT = "Al-Mejar Al-Kabi"
SEP_1_INDIVIDUALS = 1_709_178


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("dtm", "--user", "layla", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rejected(*args: str) -> str:
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("dtm", "--user", "layla", *args, stdout=io.StringIO(), stderr=err)
    return err.getvalue()


@pytest.fixture
def lists(personas: Personas, gazetteer: None, shared: Path) -> Path:
    return shared / "data" / "dtm-iraq-2014"


def test_an_unknown_spelling_is_named_with_its_closest_district_and_no_round_is_left(
    lists: Path,
) -> None:
    err = rejected("import", str(lists / SEP_1), "--round", "5", "--date", "2014-09-01")
    assert f"“{CUT_SHORT}” is not a known district of Maysan; closest: Al-Mejar Al-Kabir" in err
    assert f"unknown district {CUT_SHORT!r}" in err and f'--alias "{CUT_SHORT}=PCODE"' in err
    assert not AssessmentRound.objects.exists()


def test_with_the_spelling_learnt_the_1_sep_list_gives_its_own_sum_through_the_hxl_export(
    lists: Path, tmp_path: Path
) -> None:
    out, _ = run(
        "import",
        str(lists / SEP_1),
        "--round",
        "5",
        "--date",
        "2014-09-01",
        "--alias",
        f"{CUT_SHORT}=IQG14Q05",
    )
    assert "1759 locations" in out
    learnt = Alias.objects.get(source=LEARNT)
    assert (learnt.name, learnt.unit.pcode, learnt.file) == (CUT_SHORT, "IQG14Q05", SEP_1)
    assert learnt.created_by is not None and learnt.created_by.username == "layla"
    output = tmp_path / "national.csv"
    run("export", "--round", "5", "--level", "adm0", "--format", "hxl", "--output", str(output))
    rows = list(csv.reader(output.open(encoding="utf-8-sig")))
    tags, values = rows[1], rows[2]
    assert int(values[tags.index("#affected+idps+ind")]) == SEP_1_INDIVIDUALS


def test_the_18_aug_list_is_refused_at_row_542_alone_once_the_spelling_is_known(
    lists: Path,
) -> None:
    call_command("geo", "alias", "add", CUT_SHORT, "IQG14Q05", stdout=io.StringIO())
    err = rejected("import", str(lists / AUG_18), "--round", "4", "--date", "2014-08-18")
    errors = [line for line in err.splitlines() if ": error [" in line]
    assert errors == [
        f"{AUG_18}, row 542, column S-AE: error [breakdown_sum] shelter columns add up to 40, "
        "Master Families is 41"
    ]
