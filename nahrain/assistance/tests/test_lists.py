"""Distribution lists: built from the registry by the rules, imported, checked, approved by a
second person, frozen, revised; each exclusion in words a hotline operator reads out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nahrain.assistance import services
from nahrain.assistance.exclusions import exclusion_words
from nahrain.assistance.models import ListStatus
from nahrain.assistance.tests.builders import TODAY, World
from nahrain.core.models import AuditEvent
from nahrain.registry.models import Consent, Household, HouseholdStatus


def test_a_list_built_from_the_registry_gives_each_household_its_kits_by_size(
    world: World,
) -> None:
    small = world.household(children=2)
    large = world.household(children=6)
    world.household(organisation=world.personas.intersos)  # another organisation's: never listed
    built = world.build()
    assert built.status == ListStatus.CHECKED
    assert (built.version, built.households, built.people, built.excluded) == (1, 2, 10, 0)
    assert world.entry(built, small).entitlement == {"items": [{"item": "nfi_kit", "quantity": 1}]}
    assert world.entry(built, large).entitlement == {"items": [{"item": "nfi_kit", "quantity": 2}]}
    entry = world.entry(built, small)
    assert (entry.people, entry.head_sex, entry.site, entry.admin_unit) == (
        3,
        "m",
        world.chameshku,
        world.zakho,
    )
    assert len(entry.token) == 9 and entry.token[4] == "-"
    assert AuditEvent.objects.filter(action="assistance.list_build").count() == 1


def test_a_household_without_consent_to_assistance_is_on_the_list_excluded_with_the_reason(
    world: World,
) -> None:
    refused = world.household(consents=("registration",))
    withdrawn = world.household()
    Consent.objects.filter(household=withdrawn, purpose="assistance").update(
        withdrawn_on=TODAY - timedelta(days=1)
    )
    built = world.build()
    for household in (refused, withdrawn):
        entry = world.entry(built, household)
        assert (entry.included, entry.excluded_by, entry.entitlement) == (False, "no_consent", {})
    assert "not agreed" in exclusion_words(world.entry(built, refused), language="en")


def test_a_household_served_a_kit_within_90_days_by_another_organisation_is_excluded_naming_it(
    world: World,
) -> None:
    recent = world.household()
    long_ago = world.household()
    world.served(recent, kind="sealing_off_kit", on=TODAY - timedelta(days=30))
    world.served(long_ago, kind="sealing_off_kit", on=TODAY - timedelta(days=120))
    built = world.build()
    entry = world.entry(built, recent)
    assert entry.excluded_by == "served_recently"
    assert exclusion_words(entry, language="en") == (
        f"Received Sealing-off kit from IOM on {(TODAY - timedelta(days=30)).isoformat()}, "
        "less than 90 days ago"
    )
    assert world.entry(built, long_ago).included


def test_a_later_household_whose_member_is_probably_one_on_the_list_is_excluded_naming_the_first(
    world: World,
) -> None:
    first = world.household()
    second = world.household()
    third = world.household()
    decided_apart = world.household()
    world.pair(first, second)
    world.pair(first, decided_apart, status="different")
    world.pair(first, third, probability=0.2)  # under the review floor
    built = world.build()
    entry = world.entry(built, second)
    assert entry.excluded_by == "duplicate_on_list"
    assert first.number in exclusion_words(entry, language="en")
    assert all(world.entry(built, h).included for h in (first, third, decided_apart))


def test_a_member_probably_served_in_another_organisations_household_excludes_without_naming_it(
    world: World,
) -> None:
    ours = world.household()
    theirs = world.household(organisation=world.personas.intersos)
    world.served(theirs, kind="nfi_kit", on=TODAY - timedelta(days=10))
    world.pair(ours, theirs, status="same")
    built = world.build()
    entry = world.entry(built, ours)
    assert entry.excluded_by == "served_as_duplicate"
    words = exclusion_words(entry, language="en")
    assert "INTERSOS" in words and theirs.number not in words
    assert set(entry.exclusion) == {"rule", "kind", "organisation", "date", "days"}


def test_a_rental_subsidy_excludes_and_a_camp_household_is_not_given_one(world: World) -> None:
    renting = world.household(in_camp=False)
    world.served(renting, kind="rental_subsidy", on=TODAY - timedelta(days=5))
    built = world.build()
    assert world.entry(built, renting).excluded_by == "not_with"
    assert "Rental subsidy" in exclusion_words(world.entry(built, renting), language="en")
    rent = services.programme_create(
        actor=world.personas.layla.user,
        organisation=world.personas.iom,
        code="RENT",
        name_en="Rental subsidy",
        kind="rental_subsidy",
        modality="cash",
        cluster="snfi",
        cycles=3,
        cycle_days=30,
        starts_on=TODAY,
    )
    services.rules_set(
        actor=world.personas.layla.user,
        programme=rent,
        document={
            "entitlement": {"amount": "220.00", "currency": "USD"},
            "exclusions": [{"rule": "not_with", "kinds": ["camp_shelter"]}],
        },
        source="IOM 2018 appeal",
    )
    in_camp = world.household()
    rent_list = world.build(rent)
    entry = world.entry(rent_list, in_camp)
    assert exclusion_words(entry, language="en") == (
        "Receives Camp shelter, which cannot be combined with Rental subsidy"
    )
    assert world.entry(rent_list, renting).entitlement == {"amount": "220.00", "currency": "USD"}


def test_an_imported_household_outside_the_rules_is_excluded_with_the_reasons(
    world: World,
) -> None:
    services.rules_set(
        actor=world.personas.layla.user,
        programme=world.nfi,
        document={
            **{k: v for k, v in world_rules(world).items() if k != "eligible"},
            "eligible": {"in_camp": True, "head_sex": "f", "size_max": 4},
        },
        source="",
    )
    fits = world.household(head_sex="f", children=1)
    outside = world.household(in_camp=False, children=5)
    departed = world.household(head_sex="f")
    Household.objects.filter(pk=departed.pk).update(status=HouseholdStatus.DEPARTED)
    rows = [(2, fits), (3, outside), (4, departed), (5, fits)]
    assert services.rows_listed_twice(rows) == {5: 2}
    imported = services.list_from_households(
        actor=world.salam.user, programme=world.nfi, rows=rows, today=TODAY
    )
    assert imported.source == "import" and imported.households == 1
    entry = world.entry(imported, outside)
    assert entry.excluded_by == "not_eligible" and entry.row == 3
    assert exclusion_words(entry, language="en") == (
        "Does not meet the programme's rules: it has 6 members, and the programme serves "
        "households of 1-4 members; the programme serves households in camps, and it does not "
        "live in a camp; the programme serves households headed by a woman"
    )
    assert world.entry(imported, departed).excluded_by == "household_inactive"
    assert "Departed" in exclusion_words(world.entry(imported, departed), language="en")


def world_rules(world: World) -> dict[str, object]:
    found = services.current_rules(world.nfi)
    assert found is not None
    return dict(found.document)


def test_another_organisations_households_are_not_imported(world: World) -> None:
    theirs = world.household(organisation=world.personas.intersos)
    with pytest.raises(ValidationError):
        services.list_from_households(
            actor=world.salam.user, programme=world.nfi, rows=[(2, theirs)], today=TODAY
        )


def test_a_list_is_approved_by_a_second_officer_and_is_frozen_afterwards(world: World) -> None:
    household = world.household()
    built = world.build()
    with pytest.raises(PermissionDenied):
        services.list_approve(actor=world.salam.user, distribution_list=built)
    with pytest.raises(PermissionDenied):
        services.list_approve(actor=world.personas.layla.user, distribution_list=built)
    approved = services.list_approve(actor=world.huda.user, distribution_list=built)
    assert (approved.status, approved.approved_by) == (ListStatus.APPROVED, world.huda.user)
    for write in (services.list_check, services.list_discard, services.list_approve):
        with pytest.raises(ValidationError):
            write(actor=world.huda.user, distribution_list=approved)
    revised = services.list_revise(actor=world.salam.user, distribution_list=approved, today=TODAY)
    assert (revised.version, revised.supersedes, revised.status) == (2, approved, "checked")
    assert world.entry(revised, household).token == world.entry(approved, household).token
    services.list_approve(actor=world.huda.user, distribution_list=revised)
    approved.refresh_from_db()
    assert approved.status == ListStatus.SUPERSEDED


def test_a_household_on_an_approved_list_is_excluded_from_an_imported_second_list(
    world: World,
) -> None:
    household = world.household()
    services.list_approve(actor=world.huda.user, distribution_list=world.build())
    second = services.list_from_households(
        actor=world.salam.user, programme=world.nfi, rows=[(2, household)], today=TODAY
    )
    entry = world.entry(second, household)
    assert exclusion_words(entry, language="en") == "Already on version 1 of this programme's list"


def test_a_household_excluded_by_several_rules_keeps_the_first_and_the_others_too(
    world: World,
) -> None:
    household = world.household(consents=("registration",))
    world.served(household, kind="nfi_kit", on=TODAY - timedelta(days=3))
    entry = world.entry(world.build(), household)
    assert entry.excluded_by == "no_consent"
    assert [also["rule"] for also in entry.exclusion["also"]] == ["served_recently"]


def test_the_check_answers_in_a_few_queries_whatever_the_size_of_the_list(world: World) -> None:
    households = [world.household() for _ in range(12)]
    world.served(households[0], kind="nfi_kit", on=TODAY - timedelta(days=3))
    world.pair(households[1], households[2])
    built = world.build()
    with CaptureQueriesContext(connection) as few:
        services.list_check(actor=world.salam.user, distribution_list=built, today=TODAY)
    for _ in range(12):
        world.household()
    rebuilt = world.build()
    with CaptureQueriesContext(connection) as more:
        services.list_check(actor=world.salam.user, distribution_list=rebuilt, today=TODAY)
    assert len(more) == len(few) < 40


def test_a_list_checked_before_another_was_approved_is_checked_again_before_approval(
    world: World,
) -> None:
    household = world.household()
    imported = services.list_from_households(
        actor=world.salam.user, programme=world.nfi, rows=[(2, household)], today=TODAY
    )
    services.list_approve(actor=world.huda.user, distribution_list=world.build())
    with pytest.raises(ValidationError):
        services.list_approve(actor=world.huda.user, distribution_list=imported)
    checked = services.list_check(actor=world.salam.user, distribution_list=imported, today=TODAY)
    assert world.entry(checked, household).excluded_by == "on_another_list"
    assert services.list_approve(actor=world.huda.user, distribution_list=checked).households == 0


def test_checking_a_list_again_reads_the_registry_again(world: World) -> None:
    household = world.household(children=2)
    built = world.build()
    Household.objects.filter(pk=household.pk).update(size=7)
    Consent.objects.filter(household=household, purpose="assistance").update(withdrawn_on=TODAY)
    again = services.list_check(actor=world.huda.user, distribution_list=built, today=TODAY)
    entry = world.entry(again, household)
    assert (entry.people, entry.excluded_by, entry.entitlement) == (7, "no_consent", {})
    Consent.objects.filter(household=household, purpose="assistance").update(withdrawn_on=None)
    again = services.list_check(actor=world.huda.user, distribution_list=built, today=TODAY)
    entry = world.entry(again, household)
    assert entry.included
    assert entry.entitlement == {"items": [{"item": "nfi_kit", "quantity": 2}]}


def test_tokens_are_random_unambiguous_and_never_twice() -> None:
    taken = {"AAAA-AAAA"}
    drawn = services.tokens(5000, taken)
    assert len(set(drawn)) == 5000 and not set(drawn) & taken
    assert all(set(t.replace("-", "")) <= set(services.TOKEN_ALPHABET) for t in drawn)
    assert not set("015822OIBSZL") & set("".join(drawn))
