"""The registry's duplicate check: the same family registered by IOM and then by INTERSOS gives
INTERSOS a notice that IOM holds a possible duplicate and nothing else of IOM's record; a
duplicate within one organisation links to the other household; brothers (twins too) are never
flagged; a decided pair stays decided; the blocking keys follow deaths, departures and merges;
the batch run learns a model and stores pairs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.test import Client

from nahrain.geo.models import AdminUnit
from nahrain.registry import matching, services
from nahrain.registry.dedup import link
from nahrain.registry.dedup.records import record_of
from nahrain.registry.models import (
    Document,
    DuplicateStatus,
    Household,
    Individual,
    MatchKey,
    MatchModel,
    PossibleDuplicate,
)
from nahrain.registry.rules import DocumentIn, MemberIn
from nahrain.sites.models import ShelterUnit, Site
from nahrain.testing.personas import Personas

API = "/api/v1/registry/"
IOM_PHONE = "+964 750 123 4567"


def _post(personas: Personas, name: str, body: dict[str, Any]) -> Any:
    client: Client = getattr(personas, name).client()
    token = getattr(personas, name).token()
    response = client.post(
        f"{API}households",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    return response


def iom_family(site: Site, unit: str = "1") -> dict[str, Any]:
    """The Al-Jubouri family as IOM registers it in Chameshku, in both scripts."""
    return {
        "registered_on": "2024-03-01",
        "site_uid": str(site.uid),
        "unit_uid": str(ShelterUnit.objects.get(site=site, code=unit).uid),
        "origin": "IQG15",
        "phone": IOM_PHONE,
        "members": [
            {
                "sex": "m",
                "relationship": "head",
                "first_ar": "محمد",
                "father_ar": "أحمد",
                "grandfather_ar": "حسن",
                "family_ar": "الجبوري",
                "first_lat": "Mohammed",
                "father_lat": "Ahmed",
                "grandfather_lat": "Hassan",
                "family_lat": "Al-Jubouri",
                "born_on": "1980-03-14",
                "documents": [{"kind": "national_card", "held": True, "number": "199012345678"}],
            },
            {
                "sex": "f",
                "relationship": "spouse",
                "first_ar": "فاطمة",
                "father_ar": "علي",
                "grandfather_ar": "حسين",
                "family_ar": "العبيدي",
                "born_on": "1985-07-01",
                "birth_date": "july_1",
            },
        ],
    }


def intersos_family() -> dict[str, Any]:
    """The same family as INTERSOS registers it out of camp in Zakho: Latin script in its own
    spelling, the phone written another way, no document number."""
    return {
        "registered_on": "2024-05-10",
        "admin_unit": "IQG09Q04",
        "origin": "IQG15",
        "phone": "07501234567",
        "members": [
            {
                "sex": "m",
                "relationship": "head",
                "first_lat": "Mohamed",
                "father_lat": "Ahmad",
                "grandfather_lat": "Hasan",
                "family_lat": "Al-Joubouri",
                "born_on": "1980-03-14",
            },
            {
                "sex": "f",
                "relationship": "spouse",
                "first_lat": "Fatima",
                "father_lat": "Ali",
                "grandfather_lat": "Hussein",
                "family_lat": "Al-Obaidi",
                "born_on": "1985-07-01",
                "birth_date": "july_1",
            },
        ],
    }


def test_intersos_is_told_iom_holds_a_possible_duplicate_and_nothing_else_of_iom_s_record(
    personas: Personas, chameshku: Site
) -> None:
    iom = _post(personas, "rania", iom_family(chameshku)).json()
    answer = _post(personas, "karim", intersos_family())
    body = answer.json()
    head = next(m for m in body["members"] if m["relationship"] == "head")
    assert head["possible_duplicates"] == [
        {
            "same_organisation": False,
            "household_uid": None,
            "organisation": personas.iom.name,
            "message": f"A possible duplicate is held by {personas.iom.name}",
        }
    ]
    page = personas.karim.client().get(f"/registry/h/{body['uid']}/")
    assert page.status_code == 200
    shown = page.content.decode()
    assert f"A possible duplicate is held by {personas.iom.name}" in shown
    iom_values = (iom["number"], iom["uid"], IOM_PHONE, "محمد", "الجبوري", "199012345678")
    for text in (answer.content.decode(), shown):
        for value in iom_values:
            assert value not in text


def test_a_duplicate_in_the_same_organisation_links_to_the_other_household(
    personas: Personas, chameshku: Site
) -> None:
    first = _post(personas, "rania", iom_family(chameshku, unit="1")).json()
    again = _post(personas, "rania", iom_family(chameshku, unit="2")).json()
    head = next(m for m in again["members"] if m["relationship"] == "head")
    assert [(n["same_organisation"], n["household_uid"]) for n in head["possible_duplicates"]] == [
        (True, first["uid"])
    ]
    page = personas.rania.client().get(f"/registry/h/{again['uid']}/").content.decode()
    assert f'<a href="/registry/h/{first["uid"]}/">Possible duplicate in this organisation</a>' in (
        page
    )


def _son(first_ar: str, first_lat: str, born: date) -> MemberIn:
    return MemberIn(
        sex="m",
        relationship="head",
        first_ar=first_ar,
        father_ar="علي",
        grandfather_ar="جاسم",
        family_ar="الدليمي",
        first_lat=first_lat,
        father_lat="Ali",
        grandfather_lat="Jasim",
        family_lat="Al-Dulaimi",
        born_on=born,
    )


def test_brothers_and_twins_are_not_flagged(personas: Personas, chameshku: Site) -> None:
    for first_ar, first_lat, born in (
        ("حسن", "Hassan", date(1995, 4, 2)),
        ("حسين", "Hussein", date(1995, 4, 2)),
        ("عمر", "Omar", date(1991, 1, 20)),
    ):
        services.household_register(
            actor=personas.rania.user,
            organisation=personas.iom,
            registered_on=date(2024, 3, 1),
            members=[_son(first_ar, first_lat, born)],
            site=chameshku,
            phone="0770 111 2233",
            origin=None,
        )
    assert MatchKey.objects.count() > 0
    assert not PossibleDuplicate.objects.exists()


def test_a_decided_pair_is_not_reopened_by_a_new_check(personas: Personas, chameshku: Site) -> None:
    _post(personas, "rania", iom_family(chameshku, unit="1"))
    again = _post(personas, "rania", iom_family(chameshku, unit="2")).json()
    head = Individual.objects.get(household__uid=again["uid"], relationship="head")
    pair = PossibleDuplicate.objects.get(second=head)
    PossibleDuplicate.objects.filter(pk=pair.pk).update(status=DuplicateStatus.DIFFERENT)
    services.member_update(
        actor=personas.rania.user, individual=head, on=date(2024, 3, 2), father_lat="Ahmad"
    )
    assert matching.check(individuals=[head], actor=personas.rania.user) == []
    assert PossibleDuplicate.objects.get(pk=pair.pk).status == DuplicateStatus.DIFFERENT
    assert PossibleDuplicate.objects.filter(second=head).count() == 1


def test_a_pair_two_checks_store_at_once_is_kept_once(personas: Personas, chameshku: Site) -> None:
    _post(personas, "rania", iom_family(chameshku, unit="1"))
    again = _post(personas, "rania", iom_family(chameshku, unit="2")).json()
    head = Individual.objects.get(household__uid=again["uid"], relationship="head")
    pair = PossibleDuplicate.objects.get(second=head)
    found = [(pair.first_id, pair.second_id, 0.9, tuple(pair.pattern))]
    # The other check read no pair before this one stored it: it stores the same pair again.
    stored = matching.pairs_stored(found, "batch", among=PossibleDuplicate.objects.none())
    assert stored == {(pair.first_id, pair.second_id): pair.pk}
    assert PossibleDuplicate.objects.filter(second=head).count() == 1


def _keys_follow_the_registry() -> None:
    """Every active individual has exactly its blocking keys; nobody else has any."""
    expected = set()
    for individual in Individual.objects.select_related("household"):
        active = individual.status == "active" and individual.household.status == "active"
        if active:
            record = record_of(row_of(individual), 0)
            for rule, key in enumerate(link.blocking_keys(record)):
                if key:
                    expected.add((individual.pk, rule, matching.stored_key(key)))
    assert set(MatchKey.objects.values_list("individual_id", "rule", "key")) == expected


def _household(personas: Personas, site: Site, first: str, unit: ShelterUnit | None) -> Household:
    return services.household_register(
        actor=personas.rania.user,
        organisation=personas.iom,
        registered_on=date(2024, 3, 1),
        members=[
            MemberIn(
                sex="m",
                relationship="head",
                first_lat=first,
                father_lat="Khalaf",
                grandfather_lat="Murad",
                family_lat="Al-Shammari",
                born_on=date(1970, 2, 2),
                documents=[DocumentIn("national_card", True, f"19901234{len(first):04d}")],
            ),
            MemberIn(
                sex="f",
                relationship="spouse",
                first_lat="Zainab",
                father_lat="Saad",
                born_on=date(1975, 5, 5),
            ),
            MemberIn(
                sex="m",
                relationship="son",
                first_lat="Yusuf",
                father_lat=first,
                born_on=date(2001, 9, 9),
            ),
        ],
        site=site,
        unit=unit,
        phone="07701234567",
    )


def test_match_keys_follow_deaths_departures_and_merges(
    personas: Personas, chameshku: Site
) -> None:
    units = ShelterUnit.objects.filter(site=chameshku).order_by("code")
    one = _household(personas, chameshku, "Ibrahim", units[0])
    two = _household(personas, chameshku, "Ismail", units[1])
    three = _household(personas, chameshku, "Idris", units[2])
    _keys_follow_the_registry()
    son = one.members.get(relationship="son")
    services.member_death(actor=personas.rania.user, individual=son, on=date(2024, 4, 1))
    assert not MatchKey.objects.filter(individual=son).exists()
    services.household_depart(
        actor=personas.rania.user, household=two, on=date(2024, 4, 2), returned=True
    )
    assert not MatchKey.objects.filter(individual__household=two).exists()
    services.household_merge(
        actor=personas.rania.user, household=three, into=one, on=date(2024, 4, 3)
    )
    _keys_follow_the_registry()
    moved = Individual.objects.filter(household=one, first_lat="Idris")
    assert MatchKey.objects.filter(individual__in=moved).count() >= 5


def test_a_bulk_import_writes_the_keys_the_services_would(
    personas: Personas, chameshku: Site
) -> None:
    from nahrain.geo.models import AdminUnit
    from nahrain.registry import bulk

    written = bulk.households_write(
        actor=personas.rania.user,
        organisation=personas.iom,
        households=[
            bulk.HouseholdIn(
                key=f"list-{n}",
                registered_on=date(2024, 3, 1),
                members=[_son(first_ar, first_lat, date(1990, 1, n + 1))],
                site=chameshku if n else None,
                admin_unit_id=None if n else AdminUnit.objects.get(pcode="IQG09Q04").pk,
                origin_id=AdminUnit.objects.get(pcode="IQG15").pk,
                phone="0770 111 2233",
            )
            for n, (first_ar, first_lat) in enumerate((("حسن", "Hassan"), ("عمر", "Omar")))
        ],
        batch="list",
    )
    assert written.individuals == 2
    assert MatchKey.objects.count() > 2
    _keys_follow_the_registry()


def test_the_batch_run_stores_a_model_and_pairs_learning_from_decisions(
    personas: Personas, chameshku: Site
) -> None:
    _post(personas, "rania", iom_family(chameshku))
    _post(personas, "karim", intersos_family())
    found = PossibleDuplicate.objects.get(first__relationship="head")
    PossibleDuplicate.objects.filter(pk=found.pk).update(status=DuplicateStatus.SAME)
    out, progress = StringIO(), StringIO()
    call_command("registry", "dedupe", stdout=out, stderr=progress)
    stored = MatchModel.objects.get()
    assert (stored.records, stored.decisions) == (4, 1)
    assert "4 individuals read" in progress.getvalue()
    assert "1 reviewers' decisions learnt from" in out.getvalue()
    assert PossibleDuplicate.objects.get(pk=found.pk).status == DuplicateStatus.SAME
    # Undecided pairs of the review band are stored by the batch run.
    PossibleDuplicate.objects.all().delete()
    call_command("registry", "dedupe", stdout=StringIO(), stderr=StringIO())
    assert MatchModel.objects.count() == 2
    batch = PossibleDuplicate.objects.filter(found_by="batch")
    assert batch.exists()
    assert matching.current_model() is not None


# The oracle of the keys test: an individual read object by object, as the set-based
# ``matching.rows_of`` must read it.


def governorates(unit_ids: Iterable[int]) -> dict[int, str]:
    """The governorate p-code of each admin unit, in one query."""
    units = AdminUnit.objects.filter(pk__in=set(unit_ids)).values_list("pk", *matching._UNIT)
    return {pk: matching.governorate(*parts) for pk, *parts in units}


def _held_number(documents: Iterable[Document]) -> str:
    numbers = sorted((d.kind, d.number) for d in documents if d.held and d.number)
    return numbers[0][1] if numbers else ""


def row_of(individual: Individual) -> dict[str, str]:
    """An individual (with its household, documents, origin and place) as a matcher row."""
    household = individual.household
    values: dict[str, Any] = {
        "pk": individual.pk,
        "organisation_id": individual.organisation_id,
        "name_written": individual.name_written,
        "sex": individual.sex,
        "born_on": individual.born_on,
        "household__number": household.number,
        "household__phone": household.phone,
    }
    for part in ("first", "father", "grandfather", "family"):
        for script in ("ar", "lat"):
            values[f"{part}_{script}"] = getattr(individual, f"{part}_{script}")
    units = governorates(u for u in (household.origin_id, household.admin_unit_id) if u is not None)
    return matching.matcher_row(
        values,
        _held_number(individual.documents.all()),
        origin=units.get(household.origin_id or 0, ""),
        current=units.get(household.admin_unit_id or 0, ""),
    )
