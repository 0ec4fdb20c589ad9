"""The review queue of possible duplicates: IOM registered a man at its camp, INTERSOS the same
man out of camp (his first name spelt another way, no document number). Each organisation's
registry staff see the pair in their queue, the other's record as "held by" it alone unless the
household shares it by consent, and decide once, with a reason; the reason stays with the
deciding organisation. The same through the API."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from nahrain.core.models import AuditEvent, Organisation
from nahrain.geo.models import AdminUnit
from nahrain.registry import services
from nahrain.registry.models import (
    DuplicateDecision,
    DuplicateStatus,
    Household,
    Individual,
    PossibleDuplicate,
)
from nahrain.registry.rules import DocumentIn, MemberIn
from nahrain.registry.services import RegistryRuleBroken
from nahrain.registry.tests.conftest import family
from nahrain.sites.models import Site
from nahrain.testing.personas import Personas

# first, father, grandfather, family names; date of birth; phone; document; origin
PATTERN = [1, 0, 0, 0, 0, 0, 2, 0]


def intersos_family(
    personas: Personas, head: MemberIn | None = None, **household: Any
) -> Household:
    """The family INTERSOS registered out of camp in Zakho (karim, its registration officer)."""
    head = head or MemberIn(
        sex="m",
        relationship="head",
        first_ar="محمّد",
        father_ar="أحمد",
        grandfather_ar="حسن",
        family_ar="الجبوري",
        first_lat="Muhammad",
        father_lat="Ahmed",
        grandfather_lat="Hassan",
        family_lat="Al-Jubouri",
        born_on=date(1980, 3, 14),
        documents=[DocumentIn("national_card", False)],
    )
    return services.household_register(
        actor=personas.karim.user,
        organisation=personas.intersos,
        registered_on=date(2024, 5, 2),
        members=[head],
        admin_unit=AdminUnit.objects.get(pcode="IQG09Q04"),
        origin=AdminUnit.objects.get(pcode="IQG15"),
        **household,
    )


def iom_family(personas: Personas, site: Site) -> Household:
    return services.household_register(
        actor=personas.rania.user,
        organisation=personas.iom,
        registered_on=date(2024, 3, 1),
        members=family(children=0),
        site=site,
        origin=AdminUnit.objects.get(pcode="IQG15"),
        phone="07501234567",
    )


def head(household: Household) -> Individual:
    return household.members.get(relationship="head")


def pair_of(a: Individual, b: Individual, probability: float = 0.93) -> PossibleDuplicate:
    first, second = sorted((a, b), key=lambda m: m.pk)
    # The registration check may have found the pair already: the test sets what it reviews.
    pair, _ = PossibleDuplicate.objects.update_or_create(
        first=first,
        second=second,
        defaults={"probability": probability, "pattern": PATTERN, "found_by": "batch"},
    )
    return pair


@pytest.fixture
def across(personas: Personas, chameshku: Site) -> tuple[PossibleDuplicate, Household, Household]:
    iom = iom_family(personas, chameshku)
    intersos = intersos_family(personas)
    return pair_of(head(iom), head(intersos)), iom, intersos


def _text(response: Any) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def _page(personas: Personas, name: str, pair: PossibleDuplicate) -> Any:
    url = reverse("registry:duplicate", kwargs={"pair_id": pair.pk})
    return getattr(personas, name).client().get(url)


def _api(personas: Personas, name: str, method: str, path: str, body: Any = None) -> Any:
    persona = getattr(personas, name)
    auth = {"Authorization": f"Bearer {persona.token()}"}
    client: Client = persona.client()
    if method == "get":
        return client.get(path, body or {}, headers=auth)
    return client.post(path, body, content_type="application/json", headers=auth)


# --- the queue ---------------------------------------------------------------------------------


def test_each_organisation_sees_the_pair_in_its_queue_and_the_other_only_as_who_holds_it(
    personas: Personas, across: tuple[PossibleDuplicate, Household, Household]
) -> None:
    _, iom, intersos = across
    response = personas.rania.client().get(reverse("registry:duplicates"))
    text = _text(response)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Mohammed" in text and iom.number in text
    assert "held by INTERSOS" in text
    assert "Muhammad" not in text and intersos.number not in text
    karim = _text(personas.karim.client().get(reverse("registry:duplicates")))
    assert "Muhammad" in karim and "held by IOM" in karim and "Mohammed" not in karim


def shared(personas: Personas, household: Household, reader: Organisation) -> None:
    """The household agrees to share its record with the reader's organisation."""
    holder = personas.karim if household.organisation == personas.intersos else personas.rania
    services.consent_record(
        actor=holder.user,
        household=household,
        purpose="sharing",
        on=date(2025, 1, 1),
        shared_with=reader,
    )


def test_the_registry_page_links_the_queue_with_its_open_count(
    personas: Personas, across: tuple[PossibleDuplicate, Household, Household]
) -> None:
    text = _text(personas.rania.client().get(reverse("registry:home")))
    assert "Possible duplicates 1 open" in text
    pair = across[0]
    shared(personas, across[2], personas.iom)
    services.duplicate_decide(
        actor=personas.rania.user,
        pair=pair,
        organisation=personas.iom,
        decision="different",
        reason="Another man",
    )
    after = _text(personas.rania.client().get(reverse("registry:home")))
    assert "Possible duplicates 0 open" in after


def test_the_queue_filters_by_site_and_status(
    personas: Personas, across: tuple[PossibleDuplicate, Household, Household], chameshku: Site
) -> None:
    pair, _, _ = across
    url = reverse("registry:duplicates")
    client = personas.rania.client()
    link = f'href="/registry/duplicates/{pair.pk}/"'
    assert link in client.get(url, {"site": str(chameshku.uid)}).content.decode()
    assert link not in client.get(url, {"status": "same"}).content.decode()
    assert link in client.get(url, {"status": "all"}).content.decode()


def test_the_queue_is_newest_first_and_hides_the_probability_beside_a_hidden_record(
    personas: Personas, chameshku: Site
) -> None:
    iom = iom_family(personas, chameshku)
    weak = pair_of(head(iom), head(intersos_family(personas)), 0.6)
    widow = MemberIn(sex="f", relationship="head", first_ar="فاطمة", age=39)
    strong = pair_of(
        iom.members.get(relationship="spouse"), head(intersos_family(personas, widow)), 0.97
    )
    page = personas.rania.client().get(reverse("registry:duplicates")).content.decode()
    assert page.index(f"/duplicates/{strong.pk}/") < page.index(f"/duplicates/{weak.pk}/")
    assert "0.97" not in page and "0.60" not in page


# --- the pair page -----------------------------------------------------------------------------


def test_the_pair_page_says_field_by_field_what_agrees_in_words(
    personas: Personas, across: tuple[PossibleDuplicate, Household, Household]
) -> None:
    pair, iom, intersos = across
    response = _page(personas, "rania", pair)
    text = _text(response)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "Muhammad" not in text and intersos.number not in text
    assert "held by INTERSOS" in text
    # Without the other record, what agrees would tell its values: no field is marked.
    assert re.search(r"Father's name أحمد Ahmed — Grandfather's", text)
    assert "spelt differently" not in text
    # The reader's own record is read, and audited as such; the other, not shown, is not.
    reads = AuditEvent.objects.filter(action="registry.read", actor=personas.rania.user)
    assert list(reads.values_list("object_id", flat=True)) == [str(iom.uid)]
    services.consent_record(
        actor=personas.karim.user,
        household=intersos,
        purpose="sharing",
        on=date(2025, 1, 1),
        shared_with=personas.iom,
    )
    text = _text(_page(personas, "rania", pair))
    assert re.search(
        r"First name (محمد Mohammed محمّد Muhammad|محمّد Muhammad محمد Mohammed) spelt differently",
        text,
    )
    assert re.search(r"Father's name أحمد Ahmed أحمد Ahmed same", text)
    assert re.search(r"Documents .* missing Household", text)


def test_a_sharing_consent_in_force_shows_the_other_record_and_audits_its_read(
    personas: Personas, across: tuple[PossibleDuplicate, Household, Household]
) -> None:
    pair, _, intersos = across
    consent = services.consent_record(
        actor=personas.karim.user,
        household=intersos,
        purpose="sharing",
        on=date(2025, 1, 1),
        shared_with=personas.iom,
    )
    text = _text(_page(personas, "rania", pair))
    assert "Muhammad" in text and "محمّد" in text and intersos.number in text
    assert "shared with your organisation" in text
    read = AuditEvent.objects.filter(
        action="registry.read", actor=personas.rania.user, object_id=str(intersos.uid)
    ).get()
    assert read.organisation_id == personas.intersos.pk
    services.consent_withdraw(actor=personas.karim.user, consent=consent, on=date(2025, 2, 1))
    assert "Muhammad" not in _text(_page(personas, "rania", pair))


def test_a_consent_for_another_purpose_or_organisation_shows_nothing(
    personas: Personas, across: tuple[PossibleDuplicate, Household, Household]
) -> None:
    pair, _, intersos = across
    services.consent_record(
        actor=personas.karim.user,
        household=intersos,
        purpose="sharing",
        on=date(2025, 1, 1),
        shared_with=personas.dama,
    )
    services.consent_record(
        actor=personas.karim.user, household=intersos, purpose="assistance", on=date(2025, 1, 1)
    )
    assert "Muhammad" not in _text(_page(personas, "rania", pair))


def test_nobody_else_reaches_the_pair(
    personas: Personas, across: tuple[PossibleDuplicate, Household, Household]
) -> None:
    pair = across[0]
    for name in ("layla", "hana", "shilan", "ahmed", "iom_admin", "root"):
        assert _page(personas, name, pair).status_code == 404, name
    missing = reverse("registry:duplicate", kwargs={"pair_id": pair.pk + 1000})
    assert personas.rania.client().get(missing).status_code == 404


def test_one_organisations_two_households_link_the_household_merge(
    personas: Personas, chameshku: Site
) -> None:
    first = iom_family(personas, chameshku)
    second = services.household_register(
        actor=personas.rania.user,
        organisation=personas.iom,
        registered_on=date(2024, 6, 1),
        members=family(children=0),
        site=chameshku,
    )
    pair = pair_of(head(first), head(second))
    page = _page(personas, "rania", pair).content.decode()
    assert reverse("registry:merge", kwargs={"household_uid": second.uid}) in page
    assert first.number in page and second.number in page


# --- decisions ---------------------------------------------------------------------------------


def test_same_and_different_need_a_reason_and_a_pair_is_decided_once(
    personas: Personas, across: tuple[PossibleDuplicate, Household, Household]
) -> None:
    pair = across[0]
    url = reverse("registry:duplicate", kwargs={"pair_id": pair.pk})
    client = personas.rania.client()
    unseen = client.post(url, {"decision": "same", "reason": "Looks like him"})
    assert unseen.status_code == 200 and not DuplicateDecision.objects.exists()
    shared(personas, across[2], personas.iom)
    refused = client.post(url, {"decision": "same", "reason": " "})
    assert refused.status_code == 200 and "a reason is required" in _text(refused)
    assert not DuplicateDecision.objects.exists()
    assert client.post(url, {"decision": "same", "reason": "Same card, seen"}).status_code == 302
    pair.refresh_from_db()
    assert pair.status == DuplicateStatus.SAME
    made = DuplicateDecision.objects.get()
    assert (made.organisation, made.decided_by) == (personas.iom, personas.rania.user)
    with pytest.raises(RegistryRuleBroken):
        services.duplicate_decide(
            actor=personas.karim.user,
            pair=pair,
            organisation=personas.intersos,
            decision="different",
            reason="Another man",
        )
    assert DuplicateDecision.objects.count() == 1
    audit = AuditEvent.objects.get(action="registry.duplicate_decision")
    assert audit.detail == {"decision": "same"} and audit.organisation_id == personas.iom.pk


def test_an_unsure_pair_is_decided_later_and_the_reason_stays_with_its_organisation(
    personas: Personas, across: tuple[PossibleDuplicate, Household, Household]
) -> None:
    pair = across[0]
    services.duplicate_decide(
        actor=personas.rania.user, pair=pair, organisation=personas.iom, decision="unsure"
    )
    shared(personas, across[1], personas.intersos)
    services.duplicate_decide(
        actor=personas.karim.user,
        pair=pair,
        organisation=personas.intersos,
        decision="different",
        reason="Karim met both brothers",
    )
    pair.refresh_from_db()
    assert pair.status == DuplicateStatus.DIFFERENT
    iom_sees = _text(_page(personas, "rania", pair))
    assert "different people" in iom_sees and "Karim met both brothers" not in iom_sees
    assert "Karim met both brothers" in _text(_page(personas, "karim", pair))


def test_an_organisation_not_holding_either_record_cannot_decide(
    personas: Personas, across: tuple[PossibleDuplicate, Household, Household]
) -> None:
    with pytest.raises(RegistryRuleBroken):
        services.duplicate_decide(
            actor=personas.rania.user,
            pair=across[0],
            organisation=personas.dama,
            decision="unsure",
        )


# --- the API -----------------------------------------------------------------------------------


def test_the_api_lists_shows_and_decides_under_the_same_rules(
    personas: Personas, across: tuple[PossibleDuplicate, Household, Household]
) -> None:
    pair, _, intersos = across
    listed = _api(personas, "rania", "get", "/api/v1/registry/duplicates")
    assert listed.status_code == 200 and "no-store" in listed["Cache-Control"]
    [row] = listed.json()
    assert row["id"] == pair.pk and row["probability"] is None
    assert {s["organisation"]: s["shown"] for s in row["sides"]} == {"IOM": True, "INTERSOS": False}
    assert intersos.number not in listed.content.decode()
    detail = _api(personas, "rania", "get", f"/api/v1/registry/duplicates/{pair.pk}")
    body = detail.json()
    first = {f["field"]: f for f in body["fields"]}["first"]
    assert first["mark"] == ""
    hidden = "second" if pair.first.organisation_id == personas.iom.pk else "first"
    assert first[hidden] is None and "Muhammad" not in detail.content.decode()
    path = f"/api/v1/registry/duplicates/{pair.pk}/decision"
    blind = _api(personas, "rania", "post", path, {"decision": "different", "reason": "Twins"})
    assert blind.status_code == 422
    shared(personas, intersos, personas.iom)
    assert _api(personas, "rania", "post", path, {"decision": "different"}).status_code == 422
    made = _api(personas, "rania", "post", path, {"decision": "different", "reason": "Twins"})
    assert made.status_code == 201 and made.json()["status"] == "different"
    again = _api(personas, "karim", "post", path, {"decision": "same", "reason": "Same man"})
    assert again.status_code == 422
    outside = _api(personas, "shilan", "get", f"/api/v1/registry/duplicates/{pair.pk}")
    assert outside.status_code == 404
    assert _api(personas, "layla", "get", "/api/v1/registry/duplicates").status_code == 404
