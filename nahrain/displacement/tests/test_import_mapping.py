"""Headers the mapping cannot guess are mapped by the person importing (``--map``), and a list
tagged with HXL hashtags needs no mapping at all: our own HXL export imports back as it was."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from nahrain.displacement import services
from nahrain.displacement.models import LocationAssessment
from nahrain.displacement.tests.builders import PLACES, csv_from_rows, round_imported, round_open
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db


def dtm(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("dtm", "--user", "layla", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def odd_headers(tmp_path: Path) -> Path:
    """A partner's list whose households and camp columns no spelling list knows."""
    rows: list[list[Any]] = [
        ["Place ID", "Governorate", "District", "Location name", "Fam. (total)", "Tents"]
    ]
    rows += [
        [p.place_id, p.governorate, p.district, p.name, p.households, p.households] for p in PLACES
    ]
    path = tmp_path / "partner.csv"
    path.write_bytes(csv_from_rows(rows))
    return path


def test_a_header_the_mapping_cannot_guess_is_refused_then_mapped_with_map(
    personas: Personas, gazetteer: None, tmp_path: Path
) -> None:
    path = odd_headers(tmp_path)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "dtm", "import", str(path), "--round", "90", "--date", "2017-01-07", stderr=err
        )
    assert "[missing_column] no column for households" in err.getvalue()
    out, _ = dtm(
        "import",
        str(path),
        "--round",
        "90",
        "--date",
        "2017-01-07",
        "--map",
        "Fam. (total)=households",
        "--map",
        "Tents=shelter:camp",
    )
    assert "'Fam. (total)' -> field:households" in out and "'Tents' -> shelter:camp" in out
    facts = LocationAssessment.objects.all()
    assert facts.aggregate(s=Sum("households"))["s"] == sum(p.households for p in PLACES)


def test_a_map_naming_nothing_is_an_error_naming_the_choices(
    personas: Personas, gazetteer: None, tmp_path: Path
) -> None:
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "dtm",
            "import",
            str(odd_headers(tmp_path)),
            "--round",
            "90",
            "--date",
            "2017-01-07",
            "--map",
            "Fam. (total)=familes",
            "--map",
            "Nothing=households",
            stderr=err,
        )
    assert (
        "[map] the mapping gives 'Fam. (total)' the meaning 'familes', which is none of"
        in err.getvalue()
    )
    assert "[map] the mapping names 'Nothing', which no header is" in err.getvalue()


def test_our_own_hxl_export_imports_back_with_no_mapping(
    personas: Personas, gazetteer: None
) -> None:
    published = round_imported(personas, publish=True)
    data, _name = services.round_export(
        actor=personas.layla.user, assessment_round=published, level="location", format="hxl"
    )
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][0].startswith("#")
    again = round_open(personas, 91)
    report = services.round_import(
        actor=personas.layla.user,
        assessment_round=again,
        data=data,
        file="export.csv",
        population="idp",
    )
    assert (report.locations, report.households) == (len(PLACES), sum(p.households for p in PLACES))
    mapped = {m["header"]: m["mapped_to"] for m in report.mapping}
    assert mapped["place_id"] == "field:place_id"
    assert mapped["idp_households"] == "field:households"
    assert mapped["returnee_households"] == "(ignored)"
    before = {
        f.location.external_id: f.adm2_id
        for f in LocationAssessment.objects.filter(round=published).select_related("location")
    }
    after = {
        f.location.external_id: f.adm2_id
        for f in LocationAssessment.objects.filter(round=again).select_related("location")
    }
    assert after == before


def test_a_part_of_a_count_is_never_read_as_the_whole() -> None:
    from nahrain.displacement.dtm_format import wide_fields
    from nahrain.intake.columns import hxl_field

    fields = wide_fields("idp")
    assert hxl_field("#affected+ind+idps", fields) == "individuals"
    assert hxl_field("#affected+ind+idps+f", fields) == ""  # women and girls only
    assert hxl_field("#affected+hh+idps+children", fields) == ""
    assert hxl_field("#affected+ind+returnees", fields) == ""
