"""The real 2014 DTM master list, imported and read back through the CLI and the API."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from nahrain.core.models import AuditEvent
from nahrain.displacement.models import (
    AssessmentRound,
    Breakdown,
    LocationAssessment,
    Rollup,
    RoundImport,
)
from nahrain.geo.models import Location
from nahrain.testing.personas import Personas

pytestmark = [pytest.mark.django_db, pytest.mark.shared_data]

PUBLISHED_FAMILIES = 316_474
PUBLISHED_INDIVIDUALS = 1_898_844
PUBLISHED_PLACES = 1_928


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("dtm", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def file_sums_by_governorate(path: Path) -> dict[str, int]:
    """Individuals per current governorate, summed straight from the file (families x 6)."""
    sums: Counter[str] = Counter()
    with path.open(encoding="utf-8") as handle:
        for row in csv.reader(handle):
            if row:
                sums[row[6].strip()] += int(row[3]) * 6
    return dict(sums)


def database_snapshot() -> tuple[int, ...]:
    return (
        AssessmentRound.objects.count(),
        LocationAssessment.objects.count(),
        Breakdown.objects.count(),
        Rollup.objects.count(),
        Location.objects.count(),
        RoundImport.objects.count(),
    )


@pytest.fixture
def imported(personas: Personas, gazetteer: None, shared: Path) -> Path:
    path = shared / "data" / "dtm-iraq-2014" / "DTM_Dataset_26102014.csv"
    out, _ = run("import", str(path), "--round", "7", "--date", "2014-10-26")
    assert "1928 locations" in out
    return path


def test_the_2014_master_list_gives_the_published_national_figures(imported: Path) -> None:
    facts = LocationAssessment.objects.filter(population="idp")
    assert facts.count() == PUBLISHED_PLACES
    assert facts.aggregate(s=Sum("households"))["s"] == PUBLISHED_FAMILIES
    assert facts.aggregate(s=Sum("individuals"))["s"] == PUBLISHED_INDIVIDUALS
    national = Rollup.objects.get(level=0, dimension="total", population="idp")
    assert (national.households, national.individuals, national.locations) == (
        PUBLISHED_FAMILIES,
        PUBLISHED_INDIVIDUALS,
        PUBLISHED_PLACES,
    )
    # Every breakdown adds up to the national total.
    for dimension in ("shelter", "shelter_group", "period", "origin"):
        rows = Rollup.objects.filter(level=0, dimension=dimension, population="idp")
        assert rows.aggregate(s=Sum("households"))["s"] == PUBLISHED_FAMILIES, dimension


def test_governorate_totals_read_back_through_the_cli_export_equal_the_files_sums(
    imported: Path, tmp_path: Path
) -> None:
    output = tmp_path / "adm1.csv"
    run("export", "--round", "7", "--level", "adm1", "--format", "csv", "--output", str(output))
    with output.open(encoding="utf-8-sig") as handle:
        exported = {row["adm1_name"]: int(row["idp_individuals"]) for row in csv.DictReader(handle)}
    expected = file_sums_by_governorate(imported)
    assert expected["Dahuk"] == 452_004
    assert expected["Anbar"] == 362_238
    assert expected["Kirkuk"] == 171_204
    spelled = {
        "Dahuk": "Duhok",
        "Anbar": "Al-Anbar",
        "Babylon": "Babil",
        "Basrah": "Al-Basrah",
        "Missan": "Maysan",
        "Najaf": "Al-Najaf",
        "Qadissiya": "Al-Qadissiya",
        "Salah al-Din": "Salah Al-Din",
        "Sulaymaniyah": "Al-Sulaymaniyah",
        "Thi-Qar": "Thi Qar",
    }
    assert exported == {spelled.get(name, name): value for name, value in expected.items()}
    assert sum(exported.values()) == PUBLISHED_INDIVIDUALS


def test_the_api_gives_the_same_figures_once_published(imported: Path, personas: Personas) -> None:
    run("validate", "--round", "7")
    run("publish", "--round", "7")
    assessment_round = AssessmentRound.objects.get(number=7)
    client = personas.ahmed.client()  # a partner viewer: published rounds are open to all
    totals = client.get(f"/api/v1/dtm/rounds/{assessment_round.uid}/totals").json()
    assert totals["idp"] == {
        "households": PUBLISHED_FAMILIES,
        "individuals": PUBLISHED_INDIVIDUALS,
        "locations": PUBLISHED_PLACES,
    }
    governorates = client.get(
        f"/api/v1/dtm/rounds/{assessment_round.uid}/figures", {"level": "1"}
    ).json()
    by_pcode = {g["pcode"]: g["individuals"] for g in governorates}
    assert by_pcode["IQG09"] == 452_004  # Dahuk
    assert by_pcode["IQG01"] == 362_238  # Anbar
    assert by_pcode["IQG13"] == 171_204  # Kirkuk
    hxl = client.get(
        f"/api/v1/dtm/rounds/{assessment_round.uid}/export", {"level": "adm1", "format": "hxl"}
    )
    lines = hxl.content.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("#adm1+code,#adm1+name")
    assert "#affected+idps+ind" in lines[1]
    assert AuditEvent.objects.filter(action="round.export").count() == 1


def test_importing_the_same_file_again_replaces_and_never_doubles(
    imported: Path,
) -> None:
    before = database_snapshot()
    run("import", str(imported), "--round", "7", "--date", "2014-10-26")
    after = database_snapshot()
    assert after[:5] == before[:5]
    assert after[5] == before[5] + 1  # the second import is recorded
    assert LocationAssessment.objects.aggregate(s=Sum("individuals"))["s"] == (
        PUBLISHED_INDIVIDUALS
    )


def test_a_dry_run_reports_and_writes_nothing(
    personas: Personas, gazetteer: None, shared: Path
) -> None:
    path = shared / "data" / "dtm-iraq-2014" / "DTM_Dataset_26102014.csv"
    before = database_snapshot()
    out, _ = run("import", str(path), "--round", "7", "--date", "2014-10-26", "--dry-run")
    assert "dry run, nothing written" in out
    assert "316474 households, 1898844 individuals" in out
    assert database_snapshot() == before


def mutate(data: bytes, row: int, column: int, value: str) -> bytes:
    """The file with one cell (1-based row and column) replaced."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    rows[row - 1][column - 1] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def defects(original: bytes) -> dict[str, tuple[bytes, int, str, str]]:
    """name -> (file bytes, row, column, rule) expected in the error."""
    lines = original.decode("utf-8").splitlines(keepends=True)
    shelter_changed = mutate(original, 10, 21, str(int(next(csv.reader([lines[9]]))[20]) + 1))
    negative = mutate(original, 20, 4, "-5")
    unknown = mutate(original, 30, 7, "Atlantis")
    duplicated = "".join([*lines[:40], lines[39], *lines[40:]]).encode("utf-8")
    cp1256_row = (
        "".join(lines[:49]).encode("utf-8")
        + lines[49].encode("cp1256")
        + "".join(lines[50:]).encode("utf-8")
    )
    truncated = original.rstrip(b"\n")[:-60]
    # Spreadsheet rows are records: a few quoted cells of this file hold line breaks.
    last_row = len([r for r in csv.reader(io.StringIO(original.decode("utf-8"))) if r])
    return {
        "shelter cell changed": (shelter_changed, 10, "S", "breakdown_sum"),
        "negative count": (negative, 20, "D", "negative"),
        "unknown governorate": (unknown, 30, "G", "unknown_governorate"),
        "duplicated row": (duplicated, 41, "M", "duplicate"),
        "Windows-1256 text": (cp1256_row, 50, "L", "encoding"),
        "truncated last line": (truncated, last_row, "", "truncated"),
    }


@pytest.mark.parametrize(
    "defect",
    [
        "shelter cell changed",
        "negative count",
        "unknown governorate",
        "duplicated row",
        "Windows-1256 text",
        "truncated last line",
    ],
)
def test_a_copy_with_one_defect_is_rejected_naming_row_and_column_and_nothing_changes(
    imported: Path, tmp_path: Path, defect: str
) -> None:
    data, row, column, rule = defects(imported.read_bytes())[defect]
    path = tmp_path / "defective.csv"
    path.write_bytes(data)
    before = database_snapshot()
    with pytest.raises(CommandError, match="nothing was written"):
        run("import", str(path), "--round", "7", "--date", "2014-10-26")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("dtm", "import", str(path), "--round", "7", "--date", "2014-10-26", stderr=err)
    expected = f"defective.csv, row {row}"
    lines = [line for line in err.getvalue().splitlines() if f"[{rule}]" in line]
    assert lines, err.getvalue()
    assert any(line.startswith(expected) for line in lines), lines
    if column:
        assert any(f"column {column}" in line for line in lines), lines
    assert database_snapshot() == before
