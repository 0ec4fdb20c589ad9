"""A list of spellings taught in one go, on the intake pipeline: what ``alias export`` writes
reads back, all or nothing, through the command line and the pages."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from nahrain.core.models import AuditEvent, Organisation
from nahrain.geo import services
from nahrain.geo.models import LEARNT, AdminUnit, Alias
from nahrain.intake.models import Job
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db


def geo(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("geo", *args, stdout=out, stderr=err)
    except CommandError as failed:
        return out.getvalue(), err.getvalue() + str(failed)
    return out.getvalue(), err.getvalue()


def learnt(organisation: Organisation) -> set[tuple[str, str]]:
    return {
        (a.name, a.unit.pcode)
        for a in Alias.objects.filter(source=LEARNT, organisation=organisation).select_related(
            "unit"
        )
    }


def test_what_one_organisation_exported_another_imports(
    personas: Personas, gazetteer: None, tmp_path: Path
) -> None:
    services.alias_learn(
        actor=personas.layla.user,
        name="Al-Mejar Al-Kabi",
        unit=AdminUnit.objects.get(pcode="IQG14Q05"),
        organisation=personas.iom,
    )
    exported = tmp_path / "aliases.csv"
    geo("alias", "export", "--output", str(exported))
    # Every alias is listed: the gazetteer's reference names and codes, and the one learnt.
    rows = exported.read_text().splitlines()
    assert len(rows) > 100

    checked, _ = geo("alias", "import", str(exported), "--organisation", "INTERSOS", "--dry-run")
    assert "New aliases: 1" in checked and "dry run: nothing was written" in checked
    assert learnt(personas.intersos) == set()
    assert not AuditEvent.objects.filter(
        action__startswith="alias.", organisation=personas.intersos
    ).exists()

    out, err = geo(
        "alias", "import", str(exported), "--organisation", "INTERSOS", "--user", "layla"
    )
    assert "New aliases: 1" in out and err == ""
    assert learnt(personas.intersos) == {("Al-Mejar Al-Kabi", "IQG14Q05")}
    assert "Rows of p-codes skipped: 0" not in out  # the gazetteer's codes are skipped
    audit = AuditEvent.objects.get(action="alias.import")
    assert (audit.organisation, audit.detail["new"]) == (personas.intersos, 1)
    # Again: nothing new, nothing counted twice.
    again, _ = geo("alias", "import", str(exported), "--organisation", "INTERSOS")
    assert "New aliases: 0" in again


def test_a_file_in_arabic_or_tagged_with_hxl_needs_no_mapping(
    personas: Personas, gazetteer: None, tmp_path: Path
) -> None:
    arabic = tmp_path / "arabic.csv"
    rows = [("التهجئة", "الرمز"), ("المجر الكبي", "IQG14Q05")]
    arabic.write_text("".join(f"{a},{b}\n" for a, b in rows), encoding="utf-8")
    out, err = geo("alias", "import", str(arabic), "--organisation", "IOM")
    assert "New aliases: 1" in out, err
    tagged = tmp_path / "tagged.csv"
    tagged.write_text("Written,Unit\n#adm2+name,#adm2+code\nMejar Kabi,IQG14Q05\n")
    out, err = geo("alias", "import", str(tagged), "--organisation", "IOM")
    assert "New aliases: 1" in out, err
    assert learnt(personas.iom) == {("المجر الكبي", "IQG14Q05"), ("Mejar Kabi", "IQG14Q05")}


def test_one_bad_row_refuses_the_whole_file_naming_its_row_and_column(
    personas: Personas, gazetteer: None, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Spelling,P-code\n"
        "Mejar Kabi,IQG14Q05\n"
        ",IQG14Q05\n"
        "Somewhere,IQG99Q99\n"
        "Al-Amara,IQG14Q05\n"  # another district of Maysan already: never made ambiguous
        "Mejar Kabi,IQG14Q01\n"  # the file itself gives it two districts
    )
    _, err = geo("alias", "import", str(bad), "--organisation", "IOM")
    assert "bad.csv, row 3, column A: error [required]" in err
    assert "bad.csv, row 4, column B: error [unknown_pcode]" in err
    assert "bad.csv, row 5, column A: error [alias_clash] 'Al-Amara' already names" in err
    assert "row 6, column A: error [alias_clash] 'Mejar Kabi' is IQG14Q05 in row 2" in err
    assert "rejected with" in err and "nothing was written" in err
    assert learnt(personas.iom) == set()
    unmapped = tmp_path / "unmapped.csv"
    unmapped.write_text("Written as,Unit\nMejar Kabi,IQG14Q05\n")
    _, err = geo("alias", "import", str(unmapped), "--organisation", "IOM")
    assert "[missing_column] no column for name" in err
    out, _ = geo(
        "alias",
        "import",
        str(unmapped),
        "--organisation",
        "IOM",
        "--map",
        "Written as=name",
        "--map",
        "Unit=pcode",
    )
    assert "New aliases: 1" in out


def test_an_information_manager_imports_spellings_through_the_pages(
    personas: Personas, gazetteer: None
) -> None:
    client = personas.layla.client()
    url = f"/intake/geo.aliases/{personas.iom.pk}/"
    upload = io.BytesIO(b"Spelling,P-code\nMejar Kabi,IQG14Q05\n")
    upload.name = "spellings.csv"
    preview = client.post(url, {"file": upload})
    assert preview.status_code == 302
    page = client.get(preview["Location"]).content.decode()
    assert 'data-figure="new-aliases">1<' in page and "Confirm the import" in page
    assert learnt(personas.iom) == set()
    client.post(f"{preview['Location']}confirm/")
    assert Job.objects.get().status == "done"
    assert learnt(personas.iom) == {("Mejar Kabi", "IQG14Q05")}
    # Not an information manager of that organisation: the same 404 as no organisation at all.
    for persona in (personas.omar, personas.ahmed):
        assert persona.client().post(url, {"file": io.BytesIO(b"x")}).status_code == 404
    assert client.post(f"/intake/geo.aliases/{personas.intersos.pk}/").status_code == 404
