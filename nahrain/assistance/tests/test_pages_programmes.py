"""The programme pages as their people use them: salam, IOM's assistance officer, adds the
winter NFI programme, writes its rules on the rules form (who is eligible, a kit by household
size, no household served a kit in the last 90 days), sees them read out on the programme's
page with every version and its source, and starts it. IOM's other members read the programme
but neither its lists nor its rules form; another organisation finds nothing."""

from __future__ import annotations

import html as html_module
import re
from typing import Any

from nahrain.assistance.forms import RulesForm
from nahrain.assistance.models import Programme, ProgrammeStatus, Rules
from nahrain.assistance.tests.dist_world import approved_list
from nahrain.testing.personas import Persona, Personas

PROGRAMME = {
    "organisation": "",
    "code": "NFI-W26",
    "name_en": "Winter NFI top-up",
    "name_ar": "تعزيز المواد غير الغذائية الشتوي",
    "name_ckb": "",
    "kind": "nfi_top_up",
    "modality": "in_kind",
    "cluster": "snfi",
    "hrp_project": "IRQ18/SNYS/123876",
    "cycles": "1",
    "cycle_days": "0",
    "currency": "USD",
    "budget": "120000",
    "target_households": "4000",
    "starts_on": "2026-12-01",
    "ends_on": "",
    "f_0_17": "3000",
}
RULES = {
    "source": "Shelter/NFI Cluster Iraq winterisation guidance 2026",
    "in_camp": "",
    "size_min": "1",
    "size_max": "",
    "from_1": "1",
    "to_1": "5",
    "item_1": "nfi_kit",
    "quantity_1": "1",
    "from_2": "6",
    "to_2": "",
    "item_2": "nfi_kit",
    "quantity_2": "2",
    "recent_kinds": ["nfi_top_up", "nfi_kit"],
    "recent_days": "90",
    "not_with_kinds": [],
}


def visible_text(html: str) -> str:
    """What a person reads of a page: no scripts, no tags, no attribute values."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    html = re.sub(r"<(select|datalist).*?</\1>", " ", html, flags=re.S)
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def add_programme(personas: Personas, persona: Persona, **changes: Any) -> Programme:
    client = persona.client()
    data = {**PROGRAMME, "organisation": str(personas.iom.pk), **changes}
    answer = client.post("/assistance/programmes/new/", data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    found = Programme.objects.get(code=data["code"])
    assert answer["Location"] == f"/assistance/programmes/{found.uid}/rules/"
    return found


def test_an_assistance_officer_adds_a_programme_and_writes_its_rules_on_the_form(
    personas: Personas, salam: Persona
) -> None:
    programme = add_programme(personas, salam)
    assert programme.target_people == {"f_0_17": 3000}
    client = salam.client()
    assert client.get(f"/assistance/programmes/{programme.uid}/rules/").status_code == 200
    answer = client.post(f"/assistance/programmes/{programme.uid}/rules/", RULES)
    assert answer.status_code == 302, visible_text(answer.content.decode())[:2000]
    rules = programme.rules.get()
    assert rules.document["entitlement"] == {
        "by_size": [
            {"size_min": 1, "size_max": 5, "items": [{"item": "nfi_kit", "quantity": 1}]},
            {"size_min": 6, "size_max": None, "items": [{"item": "nfi_kit", "quantity": 2}]},
        ]
    }
    assert rules.document["exclusions"] == [
        {"rule": "served_recently", "kinds": ["nfi_top_up", "nfi_kit"], "days": 90}
    ]
    assert rules.source.startswith("Shelter/NFI Cluster")

    page = client.get(f"/assistance/programmes/{programme.uid}/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]  # an officer's page lists the lists
    text = visible_text(page.content.decode())
    assert "Households of 1 to 5 people get 1 NFI kit." in text
    assert "Households of 6 people or more get 2 NFI kit." in text
    assert (
        "Not for a household that received Seasonal NFI top-up, NFI kit in the last 90 days."
        in text
    )
    assert "Build a list from the registry" in text
    assert "nfi_kit" not in text and "snfi" not in text  # no codes on screen

    # A second version: the form starts from the first; both versions stay, each with its source.
    form = client.get(f"/assistance/programmes/{programme.uid}/rules/").content.decode()
    assert 'name="recent_days" value="90"' in form
    client.post(
        f"/assistance/programmes/{programme.uid}/rules/",
        {**RULES, "source": "Donor agreement, amendment 1", "recent_days": "180"},
    )
    versions = visible_text(
        client.get(f"/assistance/programmes/{programme.uid}/rules/").content.decode()
    )
    assert "Version 2" in versions and "Version 1" in versions
    assert "Donor agreement, amendment 1" in versions and "180 days" in versions

    started = client.post(f"/assistance/programmes/{programme.uid}/status/", {"to": "active"})
    assert started.status_code == 302
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.ACTIVE


def test_rules_the_programme_cannot_hold_are_shown_on_the_form(
    personas: Personas, salam: Persona
) -> None:
    """A cash programme's rules give an amount: a kit on its form is refused there, in words."""
    programme = add_programme(
        personas, salam, code="RENT-26", kind="rental_subsidy", modality="cash", cluster="mpca"
    )
    answer = salam.client().post(
        f"/assistance/programmes/{programme.uid}/rules/", {**RULES, "amount": ""}
    )
    assert answer.status_code == 200
    assert not programme.rules.exists()
    assert "errorlist" in answer.content.decode()


def test_other_members_read_the_programme_and_nobody_else_does(
    personas: Personas, salam: Persona
) -> None:
    programme = add_programme(personas, salam)
    hana = personas.hana.client()  # IOM's data entry clerk
    page = hana.get(f"/assistance/programmes/{programme.uid}/")
    assert page.status_code == 200
    assert "Build a list" not in page.content.decode()
    assert hana.get(f"/assistance/programmes/{programme.uid}/rules/").status_code == 404
    assert hana.get("/assistance/programmes/new/").status_code == 404
    # layla, IOM's information manager, writes programmes but reads no list.
    layla = personas.layla.client()
    assert layla.get(f"/assistance/programmes/{programme.uid}/rules/").status_code == 200
    assert (
        "Build a list" not in layla.get(f"/assistance/programmes/{programme.uid}/").content.decode()
    )
    for persona in (personas.ahmed, personas.root, personas.shilan):
        assert persona.client().get(f"/assistance/programmes/{programme.uid}/").status_code == 404
    listing = visible_text(personas.ahmed.client().get("/assistance/").content.decode())
    assert "Winter NFI top-up" not in listing


def test_the_rules_form_reads_back_the_document_it_writes(db: None) -> None:
    form = RulesForm(RULES)
    assert form.is_valid(), form.errors
    document = form.document(currency="USD")
    again = RulesForm(
        {
            k: v
            for k, v in RulesForm.initial_for(document, str(RULES["source"])).items()
            if v is not None
        }
    )
    assert again.is_valid(), again.errors
    assert again.document(currency="USD") == document


def test_the_form_says_why_an_approved_programmes_cycles_stay(
    personas: Personas, salam: Persona, huda: Persona
) -> None:
    programme = add_programme(personas, salam)
    rules = Rules.objects.create(programme=programme, version=1, document={}, source="test")
    approved_list(programme, rules, [], builder=salam.user, approver=huda.user, entitlement={})
    client = salam.client()
    edit = f"/assistance/programmes/{programme.uid}/edit/"
    answer = client.post(edit, {**PROGRAMME, "cycles": "10", "cycle_days": "30"})
    assert answer.status_code == 200  # the form again, with the refusal on the field
    assert "has been approved" in visible_text(answer.content.decode())
    programme.refresh_from_db()
    assert programme.cycles == 1
