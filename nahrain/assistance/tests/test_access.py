"""The one rule: programmes to their organisation's members; lists and entries (personal data)
to its assistance officers alone, never a platform admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404

from nahrain.assistance import access, selectors
from nahrain.assistance.tests.builders import TODAY, World


def test_programmes_are_read_by_the_organisation_and_lists_by_its_assistance_officers(
    world: World,
) -> None:
    household = world.household(consents=("registration",))
    served = world.household()
    world.served(served, kind="nfi_kit", on=TODAY - timedelta(days=4))
    world.household(children=6)
    built = world.build()
    p = world.personas
    for persona in (p.hana, p.layla, p.omar, world.salam):
        assert access.access_programme_by_uid(persona.user, world.nfi.uid) == world.nfi
    for persona in (p.shilan, p.outsider, p.root):
        with pytest.raises(Http404):
            access.access_programme_by_uid(persona.user, world.nfi.uid)
    with pytest.raises(Http404):
        access.access_programme_by_uid(p.hana.user, world.nfi.uid, write=True)
    for persona in (world.salam, world.huda):
        assert access.access_list_by_uid(persona.user, built.uid) == built
    for persona in (p.layla, p.rania, p.omar, p.iom_admin, p.root, p.shilan):
        with pytest.raises(Http404):
            access.access_list_by_uid(persona.user, built.uid)
        assert selectors.entries(persona.user, built) == []
    with pytest.raises(Http404):
        access.access_list_by_uid(world.salam.user, "not-a-uid")

    rows = {r.household_number: r for r in selectors.entries(world.huda.user, built, language="ar")}
    assert rows[household.number].words.startswith("لم توافق الأسرة")
    assert rows[served.number].rule == "served_recently"
    summary = selectors.summary(world.salam.user, built)
    assert summary.by_rule == {"no_consent": 1, "served_recently": 1}
    assert summary.items == {"nfi_kit": 2} and summary.households == 1
    assert [r.rule for r in selectors.entries(world.salam.user, built, rule="no_consent")] == [
        "no_consent"
    ]
    assert selectors.entitlement_words({"amount": "440.00", "currency": "USD"}) == "440.00 USD"
