"""Finding a household in the registry by a name in either script, a phone, a document number or
a registration number, within the registries the searcher reads, and leaving a trace of it."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from nahrain.core.models import AuditEvent
from nahrain.registry import services
from nahrain.registry.models import Household, Individual
from nahrain.registry.rules import MemberIn
from nahrain.registry.selectors import HouseholdFound, household_search
from nahrain.registry.tests.conftest import family
from nahrain.sites.models import Site
from nahrain.testing.personas import Personas


def numbers(found: list[HouseholdFound]) -> list[str]:
    return [household.number for household in found]


def register(personas: Personas, site: Site, *members: MemberIn, phone: str = "") -> Household:
    return services.household_register(
        actor=personas.rania.user,
        organisation=personas.iom,
        registered_on=date(2024, 3, 1),
        members=list(members),
        site=site,
        phone=phone,
    )


def head(first_ar: str, father_ar: str, family_ar: str = "", first_lat: str = "") -> MemberIn:
    return MemberIn(
        sex="m",
        relationship="head",
        first_ar=first_ar,
        father_ar=father_ar,
        family_ar=family_ar,
        first_lat=first_lat,
        born_on=date(1970, 1, 5),
    )


@pytest.mark.parametrize(
    "query",
    ["محمد أحمد", "محمد احمد حسن الجبوري", "Mohammed Ahmed", "Muhammad Ahmad Hasan", "mohamad ah"],
)
def test_rania_finds_a_family_by_the_head_s_name_in_either_script(
    personas: Personas, registered: Household, query: str
) -> None:
    found = household_search(user=personas.rania.user, q=query)
    assert numbers(found) == [registered.number]
    (household,) = found
    assert household.matched == "name"
    assert household.site == "Chameshku"
    assert [m.name_ar for m in household.members] == ["محمد أحمد حسن الجبوري"]
    assert household.members[0].name_lat == "Mohammed Ahmed Hassan Al-Jubouri"
    assert household.members[0].sex == "m" and household.members[0].age is not None


def test_a_single_word_finds_the_family_name_and_shows_every_member_bearing_it(
    personas: Personas, registered: Household
) -> None:
    (household,) = household_search(user=personas.rania.user, q="Jubouri")
    assert household.matched == "family"
    # The head and the two children carry the family name; the mother is an Obaidi.
    assert len(household.members) == 3
    assert household_search(user=personas.rania.user, q="العبيدي")[0].members[0].name_ar == (
        "فاطمة علي حسين العبيدي"
    )


@pytest.mark.parametrize("phone", ["+964 750 123 4567", "00964-750-123-4567", "٠٧٥٠١٢٣٤٥٦٧"])
def test_a_phone_number_typed_any_way_finds_the_household_with_its_head(
    personas: Personas, registered: Household, phone: str
) -> None:
    (household,) = household_search(user=personas.rania.user, q=phone)
    assert household.matched == "phone" and household.number == registered.number
    assert [m.relationship for m in household.members] == ["head"]


def test_a_document_number_finds_the_member_who_holds_it(
    personas: Personas, registered: Household
) -> None:
    (household,) = household_search(user=personas.rania.user, q="a 123 4567")
    assert household.matched == "document"
    assert [m.name_ar for m in household.members] == ["فاطمة علي حسين العبيدي"]


def test_a_registration_number_is_found_whole_in_either_case(
    personas: Personas, registered: Household
) -> None:
    for typed in (registered.number, f" {registered.number.lower()} "):
        (household,) = household_search(user=personas.rania.user, q=typed)
        assert household.matched == "number" and household.uid == registered.uid
    # One character changed (never to itself: the number is random) finds nothing.
    other = "3" if registered.number[-1] != "3" else "4"
    assert household_search(user=personas.rania.user, q=registered.number[:-1] + other) == []


def test_exact_spellings_come_before_names_that_only_sound_alike(
    personas: Personas, registered: Household, chameshku: Site
) -> None:
    # محمود and محمد share a skeleton (mhmd): both are found, the one typed comes first.
    mahmoud = register(personas, chameshku, head("محمود", "خالد"))
    found = household_search(user=personas.rania.user, q="محمود")
    assert numbers(found) == [mahmoud.number, registered.number]
    found = household_search(user=personas.rania.user, q="محمد")
    assert numbers(found) == [registered.number, mahmoud.number]


def test_omar_the_iom_site_manager_searches_iom_s_registry(
    personas: Personas, registered: Household
) -> None:
    assert numbers(household_search(user=personas.omar.user, q="Mohammed")) == [registered.number]


@pytest.mark.parametrize("persona", ["karim", "shilan", "layla", "ahmed", "outsider", "root"])
def test_nobody_outside_iom_s_registration_staff_finds_iom_s_households(
    personas: Personas, registered: Household, persona: str
) -> None:
    user = getattr(personas, persona).user
    for query in ("Mohammed", "+964 750 123 4567", "199012345678", registered.number):
        assert household_search(user=user, q=query) == []


def test_karim_finds_intersos_households_and_never_iom_s(
    personas: Personas, registered: Household
) -> None:
    theirs = services.household_register(
        actor=personas.karim.user,
        organisation=personas.intersos,
        registered_on=date(2024, 3, 1),
        members=family(surname_ar="الدليمي", surname_lat="Al-Dulaimi"),
        admin_unit=registered.origin,
        address="Hay al-Askari",
    )
    assert numbers(household_search(user=personas.karim.user, q="محمد")) == [theirs.number]
    assert numbers(household_search(user=personas.rania.user, q="محمد")) == [registered.number]


def test_a_search_is_audited_with_its_count_and_never_its_query(
    personas: Personas, registered: Household
) -> None:
    household_search(user=personas.rania.user, q="Mohammed Ahmed", via="api")
    event = AuditEvent.objects.get(action="registry.search")
    assert event.actor == personas.rania.user
    assert event.detail == {"results": 1, "via": "api", "organisations": [str(personas.iom.pk)]}
    assert "Mohammed" not in str(event.detail) and "mhmd" not in str(event.detail)


def test_an_empty_query_or_a_short_number_finds_nothing_and_reads_nothing(
    personas: Personas, registered: Household
) -> None:
    assert household_search(user=personas.rania.user, q="   ") == []
    assert household_search(user=personas.rania.user, q="12") == []


def test_the_limit_bounds_the_households_shown(
    personas: Personas, registered: Household, chameshku: Site
) -> None:
    for _ in range(3):
        register(personas, chameshku, head("محمد", "علي"))
    assert len(household_search(user=personas.rania.user, q="محمد", limit=2)) == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the operator class is PostgreSQL's")
def test_a_name_prefix_is_read_through_the_name_index_on_postgresql(
    personas: Personas, registered: Household
) -> None:
    # Enough other members for the planner to weigh the indexes as on a real registry.
    Individual.objects.bulk_create(
        Individual(
            household=registered,
            organisation=personas.iom,
            name_key=f"k{n:05d} ahmd",
            family_key=f"f{n:05d}",
            sex="m",
            relationship="son",
        )
        for n in range(5000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_individual")
        cursor.execute(
            "EXPLAIN SELECT id FROM registry_individual WHERE organisation_id = %s "
            "AND name_key LIKE %s",
            [personas.iom.pk, "mhmd ahm%"],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "registry_individual_name_search" in plan
    assert "Seq Scan" not in plan
