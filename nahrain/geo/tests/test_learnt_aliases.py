"""Spellings people teach: candidates for an unknown spelling, the alias commands, and the rule
that a learnt alias never makes a known name ambiguous."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from nahrain.core.models import AuditEvent
from nahrain.geo import selectors, services
from nahrain.geo.models import LEARNT, AdminUnit, Alias
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db


def geo(*args: str) -> str:
    out = io.StringIO()
    call_command("geo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("spelling", "level", "within", "first"),
    [
        ("Al-Mejar Al-Kabi", 2, "IQG14", "IQG14Q05"),  # cut short by a narrow column
        ("Al Mejar Al Kabeer", 2, "IQG14", "IQG14Q05"),  # a few letters off
        ("Al-Sulaymani", 1, None, "IQG06"),
        ("Salah Aldeen", 1, None, "IQG16"),
        ("الموصلل", 2, "IQG15", "IQG15Q05"),  # Arabic script, a letter doubled
    ],
)
def test_an_unknown_spelling_gets_the_closest_units_as_candidates(
    gazetteer: None, spelling: str, level: int, within: str | None, first: str
) -> None:
    index = selectors.AdminUnitIndex()
    parent = AdminUnit.objects.get(pcode=within) if within else None
    assert index.resolve(spelling, level=level, within=parent) is None
    suggested = index.suggestions(spelling, level=level, within=parent)
    assert suggested and suggested[0].pcode == first


def test_nothing_alike_gets_no_candidate(gazetteer: None) -> None:
    assert selectors.AdminUnitIndex().suggestions("Xyzzy", level=2) == []


def test_an_alias_is_taught_listed_exported_and_removed_with_its_provenance(
    personas: Personas, gazetteer: None
) -> None:
    out = geo("alias", "add", "Al-Mejar Al-Kabi", "iqg14q05", "--user", "layla")
    assert out == "Al-Mejar Al-Kabi\tIQG14Q05\tAl-Mejar Al-Kabir\n"
    learnt = selectors.AdminUnitIndex().resolve("AL MEJAR AL KABI", level=2)
    assert learnt is not None and learnt.pcode == "IQG14Q05"
    [row] = geo("alias", "list", "--learnt").splitlines()
    assert row.split("\t")[:7] == [
        "Al-Mejar Al-Kabi",
        "IQG14Q05",
        "Al-Mejar Al-Kabir",
        "name",
        "learnt",
        "nahrain geo alias add",
        "layla",
    ]
    exported = geo("alias", "export").splitlines()
    assert exported[0] == "name,pcode,unit,kind,source,file,taught_by,taught_at,organisation"
    assert len(exported) - 1 == Alias.objects.count()
    assert AuditEvent.objects.filter(action="alias.learn", object_id="IQG14Q05").exists()
    geo("alias", "remove", "Al-Mejar Al-Kabi", "IQG14Q05")
    assert not Alias.objects.filter(source=LEARNT).exists()
    with pytest.raises(CommandError, match="comes with the"):
        geo("alias", "remove", "Zakho", "IQG09Q04")


def test_a_spelling_that_names_another_unit_is_not_taught(gazetteer: None) -> None:
    zakho = AdminUnit.objects.get(pcode="IQG09Q04")
    with pytest.raises(services.AliasRefused, match="Sumail"):
        services.alias_learn(actor=None, name="Sumail", unit=zakho)
    with pytest.raises(CommandError, match="already names"):
        geo("alias", "add", "Sumail", "IQG09Q04")
    # The same spelling in another governorate is no clash: districts are found within one.
    services.alias_learn(actor=None, name="Markaz", unit=zakho)
    services.alias_learn(actor=None, name="Markaz", unit=AdminUnit.objects.get(pcode="IQG14Q05"))


def test_a_spelling_one_organisation_taught_reads_its_files_alone(
    personas: Personas, gazetteer: None
) -> None:
    maysan = AdminUnit.objects.get(pcode="IQG14")
    services.alias_learn(
        actor=personas.layla.user,
        name="Al-Mejar Al-Kabi",
        unit=AdminUnit.objects.get(pcode="IQG14Q05"),
        organisation=personas.iom,
    )
    mine = selectors.AdminUnitIndex(organisation_id=personas.iom.pk)
    theirs = selectors.AdminUnitIndex(organisation_id=personas.intersos.pk)
    assert mine.resolve("Al-Mejar Al-Kabi", level=2, within=maysan) is not None
    assert theirs.resolve("Al-Mejar Al-Kabi", level=2, within=maysan) is None
    assert selectors.admin_unit_candidates("Al-Mejar Al-Kabi", level=2) == []
    # Another organisation may teach the same spelling otherwise, for its own files.
    services.alias_learn(
        actor=None,
        name="Al-Mejar Al-Kabi",
        unit=AdminUnit.objects.get(pcode="IQG14Q01"),
        organisation=personas.intersos,
    )
    learnt = [line.split("\t") for line in geo("alias", "list", "--learnt").splitlines()]
    assert sorted((row[1], row[-1]) for row in learnt) == [
        ("IQG14Q01", "INTERSOS"),
        ("IQG14Q05", "IOM"),
    ]
