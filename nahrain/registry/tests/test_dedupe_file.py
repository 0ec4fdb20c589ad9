"""``nahrain registry dedupe-file``: a partner's list in, clusters out, nothing stored."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from nahrain.registry.dedup.records import FIELDS
from nahrain.registry.models import Individual
from nahrain.testing import people


def _pairs(counts: Counter[object]) -> int:
    return sum(n * (n - 1) // 2 for n in counts.values())


def _run(source: Path, output: Path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "registry", "dedupe-file", str(source), "--output", str(output), stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_a_generated_list_is_clustered_into_its_people_and_nothing_is_stored(
    tmp_path: Path,
) -> None:
    labelled = people.generate(1500, seed=7)
    source, output = tmp_path / "list.csv", tmp_path / "clusters.csv"
    people.write_csv(labelled, source, tmp_path / "labels.csv")

    said, progress = _run(source, output)

    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert list(rows[0]) == ["record_id", "cluster_id"]
    assert {row["record_id"] for row in rows} == {r["record_id"] for r in labelled.records}
    person = {rid: label.person_id for rid, label in labelled.labels.items()}
    both = _pairs(Counter((row["cluster_id"], person[row["record_id"]]) for row in rows))
    predicted = _pairs(Counter(row["cluster_id"] for row in rows))
    true = _pairs(Counter(person.values()))
    assert both / predicted >= 0.98 and both / true >= 0.9
    assert f"{len(rows)} records" in said and "pairs compared" in progress
    assert not Individual.objects.exists()


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)


def _blank(**values: str) -> list[str]:
    return [values.get(name, "") for name in FIELDS]


@pytest.mark.django_db
def test_a_list_without_a_column_is_refused_naming_the_column(tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    _write(source, [f for f in FIELDS if f != "father_name"], [["1"] + [""] * 12])
    with pytest.raises(CommandError, match="nothing was written"):
        _run(source, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.django_db
def test_a_repeated_record_id_is_refused_naming_both_rows(tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    _write(source, list(FIELDS), [_blank(record_id="A1"), _blank(record_id="A1")])
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "registry", "dedupe-file", str(source), "--output", str(tmp_path / "o.csv"), stderr=err
        )
    assert (
        "list.csv, row 3, column A: error [duplicate] record_id A1 is also on row 2"
        in err.getvalue()
    )


@pytest.mark.django_db
def test_an_unreadable_date_is_a_warning_and_left_out(tmp_path: Path) -> None:
    source, output = tmp_path / "list.csv", tmp_path / "clusters.csv"
    rows = [
        _blank(record_id="1", first_name="علي", father_name="حسن", date_of_birth="31/31/1990"),
        _blank(record_id="2", first_name="Ali", father_name="Hassan", date_of_birth="1990-05-02"),
    ]
    _write(source, list(FIELDS), rows)
    _, progress = _run(source, output)
    assert "row 2, column I: warning [date] '31/31/1990' is not a date" in progress
    assert len(output.read_text(encoding="utf-8").splitlines()) == 3
