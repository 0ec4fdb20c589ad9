"""Whatever the rules and the households, no entitlement on a list lies outside the rules, and
every exclusion names its rule in English, Arabic and Kurdish."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nahrain.assistance import codelists, services
from nahrain.assistance.exclusions import exclusion_words, explain_field
from nahrain.assistance.models import ListEntry
from nahrain.assistance.tests.builders import TODAY, World
from nahrain.registry.models import Household, HouseholdStatus

ITEMS = codelists.codes("items")


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    cuts = sorted(draw(st.sets(st.integers(2, 8), max_size=2)))
    starts = [1, *cuts]
    brackets = []
    for n, start in enumerate(starts):
        end = starts[n + 1] - 1 if n + 1 < len(starts) else draw(st.sampled_from([None, 9]))
        items = [{"item": draw(st.sampled_from(ITEMS)), "quantity": draw(st.integers(1, 3))}]
        brackets.append({"size_min": start, "size_max": end, "items": items})
    eligible: dict[str, Any] = {
        "in_camp": draw(st.sampled_from([None, True, False])),
        "head_sex": draw(st.sampled_from([None, "f", "m"])),
        "size_max": draw(st.sampled_from([None, 3, 5, 7])),
    }
    return {
        "eligible": eligible,
        "entitlement": {"by_size": brackets},
        "exclusions": [
            {"rule": "served_recently", "kinds": ["nfi_kit"], "days": draw(st.integers(1, 200))}
        ],
    }


households = st.lists(
    st.fixed_dictionaries(
        {
            "in_camp": st.booleans(),
            "head_sex": st.sampled_from(["f", "m"]),
            "children": st.integers(0, 8),
            "consent": st.booleans(),
            "departed": st.booleans(),
            "served_days_ago": st.one_of(st.none(), st.integers(0, 300)),
            "pairs_with_previous": st.booleans(),
        }
    ),
    min_size=1,
    max_size=5,
)


def expected(document: dict[str, Any], size: int) -> dict[str, Any] | None:
    """The entitlement the document gives a household of ``size``, read from it directly."""
    top = document["eligible"]["size_max"]
    if top is not None and size > top:
        return None
    for bracket in document["entitlement"]["by_size"]:
        end = bracket["size_max"]
        if bracket["size_min"] <= size and (end is None or size <= end):
            return {"items": bracket["items"]}
    return None


def fits(document: dict[str, Any], given: dict[str, Any], household: Household) -> bool:
    eligible = document["eligible"]
    return (
        household.status == HouseholdStatus.ACTIVE
        and given["consent"]
        and eligible["in_camp"] in (None, given["in_camp"])
        and eligible["head_sex"] in (None, given["head_sex"])
        and expected(document, household.size) is not None
    )


def assert_within_rules(
    entry: ListEntry, document: dict[str, Any], given: dict[str, Any], household: Household
) -> None:
    if entry.included:
        assert fits(document, given, household), entry.household_id
        assert entry.entitlement == expected(document, household.size)
        assert entry.people == household.size
        return
    assert entry.entitlement == {}
    label = codelists.entry("exclusion_rules", entry.excluded_by)
    for language in ("en", "ar", "ckb"):
        words = exclusion_words(entry, language=language)
        assert words and "{" not in words
        template = label[f"{explain_field(entry.excluded_by, entry.exclusion)}_{language}"]
        assert template.split("{")[0].strip() in words


@settings(
    max_examples=int(os.environ.get("NAHRAIN_ASSISTANCE_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=documents(), given_households=households)
def test_no_entitlement_on_a_list_lies_outside_its_rules(
    world: World, document: dict[str, Any], given_households: list[dict[str, Any]]
) -> None:
    with transaction.atomic():
        services.rules_set(
            actor=world.personas.layla.user, programme=world.nfi, document=document, source=""
        )
        made: list[Household] = []
        for given in given_households:
            household = world.household(
                in_camp=given["in_camp"],
                head_sex=given["head_sex"],
                children=given["children"],
                consents=("registration", "assistance") if given["consent"] else ("registration",),
            )
            if given["departed"]:
                Household.objects.filter(pk=household.pk).update(status=HouseholdStatus.DEPARTED)
            if given["served_days_ago"] is not None:
                world.served(
                    household,
                    kind="nfi_kit",
                    on=TODAY - timedelta(days=given["served_days_ago"]),
                    organisation=world.personas.intersos,
                )
            if given["pairs_with_previous"] and made:
                world.pair(made[-1], household)
            household.refresh_from_db()
            made.append(household)
        by_pk = {h.pk: (g, h) for g, h in zip(given_households, made, strict=True)}
        built = world.build()
        imported = services.list_from_households(
            actor=world.salam.user,
            programme=world.nfi,
            rows=[(n + 2, h) for n, h in enumerate(made)],
            today=TODAY,
        )
        for distribution_list in (built, imported):
            for entry in ListEntry.objects.filter(list=distribution_list):
                if entry.household_id in by_pk:
                    given, household = by_pk[entry.household_id]
                    assert_within_rules(entry, document, given, household)
        # A built list leaves out no household of the rules: the others are on it, excluded.
        on_built = set(ListEntry.objects.filter(list=built).values_list("household_id", flat=True))
        for given, household in by_pk.values():
            if fits(document, given, household):
                assert household.pk in on_built
        transaction.set_rollback(True)
