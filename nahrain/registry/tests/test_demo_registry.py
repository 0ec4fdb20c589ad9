"""The registry slice of ``nahrain demo``: five camps counting their population by registration,
each site's figure the sum of its registered households and members, families of Iraqi IDP size
and age structure, and names written the way each organisation writes them."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import QuerySet
from django.utils import timezone

from nahrain.core.models import Organisation
from nahrain.displacement import generator
from nahrain.registry import access, codelists, demo, names
from nahrain.registry.models import Household, HouseholdEvent, Individual, Visit
from nahrain.sites.models import Site


def _demo_setup(folder: Path) -> None:
    # The DTM history is displacement's slice, with tests of its own.
    with mock.patch.object(generator, "history_generate", return_value=generator.HistoryReport()):
        call_command("demo", "setup", "--boundaries", str(folder))


@pytest.mark.shared_data
def test_camps_counting_by_registration_count_their_registered_people(
    db: None, shared: Path, tmp_path: Path
) -> None:
    _demo_setup(tmp_path)
    counting = Site.objects.filter(counts_by_registration=True)
    assert counting.count() == len(demo.CAMPS)
    for site in counting:
        households = Household.objects.filter(
            site=site, organisation=site.organisation, status="active"
        )
        people = Individual.objects.filter(household__in=households, status="active")
        assert site.population_households == households.count() > 100, site.code
        assert site.population_individuals == people.count(), site.code
        assert site.population_source == "registration"
        assert {h.size for h in households[:50]} == {
            people.filter(household=h).count() for h in households[:50]
        }

    # Families of about six, close to half of them children, one in eight headed by a woman.
    today = timezone.localdate()
    iom = Household.objects.filter(organisation__acronym="IOM", status="active")
    members = Individual.objects.filter(household__in=iom, status="active")
    sizes = [h.size for h in iom]
    assert 5.5 < sum(sizes) / len(sizes) < 6.7
    children = sum(
        1 for m in members.only("born_on") if m.born_on and codelists.age_on(m.born_on, today) < 18
    )
    assert 0.38 < children / members.count() < 0.52
    female_headed = members.filter(relationship="head", sex="f").count()
    assert 0.08 < female_headed / iom.count() < 0.2
    found = {code for h in iom.only("vulnerabilities") for code in h.vulnerabilities}
    assert {"missing_documents", "disability", "female_headed", "pregnant_lactating"} <= found

    # What happened after the registration exercise went through the services.
    events = set(HouseholdEvent.objects.values_list("kind", flat=True))
    assert {"birth", "death", "departure", "split", "merge", "visit", "consent"} <= events
    assert Household.objects.filter(status="merged").count() == 1
    assert Household.objects.filter(split_from__isnull=False).count() == 2
    assert Visit.objects.filter(outcome="not_found").exists()

    # IOM writes names in full (hamza, ta marbuta), DAMA without: one name, spelled apart.
    full = Individual.objects.filter(organisation__acronym="IOM", first_ar__regex="[أإآة]")
    plain = Individual.objects.filter(organisation__acronym="DAMA")
    assert full.exists()
    assert _spelled_apart(full, plain, "first_ar", "first_ar")


def test_each_organisation_writes_the_same_names_its_own_way(db: None, tmp_path: Path) -> None:
    with mock.patch.object(demo, "CAMPS", ("no.such.camp",)):
        _demo_setup(tmp_path)
    # Out of camp alone here: DAMA in Arabic script without hamza, INTERSOS in Latin letters.
    dama = Individual.objects.filter(organisation__acronym="DAMA")
    intersos = Individual.objects.filter(organisation__acronym="INTERSOS")
    assert dama.count() > 100 and intersos.count() > 100
    assert not dama.filter(first_ar__regex="[أإآة]").exists()
    assert not dama.exclude(first_lat="").exists()
    assert not intersos.exclude(first_ar="").exists()

    # The same names, spelled apart: DAMA's Arabic script and INTERSOS's Latin letters meet in
    # one search key.
    assert _spelled_apart(dama, intersos, "first_ar", "first_lat")

    # The demo's registration officers read their own organisation's registry, nobody else's.
    rania = User.objects.get(username="rania.reg")
    karim = User.objects.get(username="karim.reg")
    iom = Organisation.objects.get(acronym="IOM")
    assert access.reads_registry(rania, iom) and access.exports_personal(rania, iom)
    assert set(
        access.households_readable(karim).values_list("organisation__acronym", flat=True)
    ) == {"INTERSOS"}
    assert not access.households_readable(User.objects.get(username="layla.im")).exists()
    assert not Household.objects.filter(registered_on__gt=timezone.localdate()).exists()


def _spelled_apart(
    one: QuerySet[Individual], other: QuerySet[Individual], field: str, other_field: str
) -> set[str]:
    """The search keys of first names that two organisations both wrote, each its own way."""
    keys: dict[str, set[str]] = {}
    for name in set(one.values_list(field, flat=True)):
        keys.setdefault(names.skeleton(name), set()).add(name)
    return {
        key
        for name in set(other.values_list(other_field, flat=True))
        if (key := names.skeleton(name)) in keys and name not in keys[key]
    }
