"""The registry's pages through HTTP: a registration officer registers a family at a camp and
changes it from its page, a camp manager reads it, everyone else is answered as if it did not
exist, and the personal data downloads only with the export permission. Every read and download
leaves an audit row that holds no personal value."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from nahrain.core import services as core_services
from nahrain.core.models import AuditEvent, Role
from nahrain.registry.models import (
    Consent,
    Household,
    HouseholdEvent,
    HouseholdStatus,
    Individual,
    Visit,
)
from nahrain.sites.models import ShelterUnit, Site
from nahrain.testing.personas import Personas

# The personal values of the families registered here: none may reach the audit log.
PERSONAL = ("محمد", "Mohammed", "فاطمة", "Al-Jubouri", "750 123", "7501234567", "199012345678")


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _no_store(response: Any) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def _audit_is_clean() -> None:
    written = json.dumps(
        list(AuditEvent.objects.values("action", "object_id", "detail")), ensure_ascii=False
    )
    for value in PERSONAL:
        assert value not in written, value


def member(index: int, **fields: Any) -> dict[str, Any]:
    """One row of the registration roster as the page sends it."""
    return {f"member-{index}-{name}": value for name, value in fields.items()}


def roster(*members: dict[str, Any], **household: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": "page:test-registration",
        "registered_on": "2024-03-01",
        "member-TOTAL_FORMS": str(len(members)),
        "member-INITIAL_FORMS": "0",
        "member-MIN_NUM_FORMS": "1",
        "member-MAX_NUM_FORMS": "1000",
        "consents": ["registration"],
        "displaced_on": "2014-08-03",
        "origin": "IQG15",
        "phone": "+964 750 123 4567",
    }
    for row in members:
        data.update(row)
    data.update(household)
    return data


HEAD = {
    "first_ar": "محمد",
    "father_ar": "أحمد",
    "grandfather_ar": "حسن",
    "family_ar": "الجبوري",
    "first_lat": "Mohammed",
    "father_lat": "Ahmed",
    "grandfather_lat": "Hassan",
    "family_lat": "Al-Jubouri",
    "sex": "m",
    "relationship": "head",
    "born_on": "1980-03-14",
    "birth_date": "exact",
    "doc_national_card": "held",
    "docnum_national_card": "199012345678",
    "doc_pds_card": "missing",
}
WIFE = {
    "first_ar": "فاطمة",
    "father_ar": "علي",
    "family_ar": "العبيدي",
    "sex": "f",
    "relationship": "spouse",
    "born_on": "1985-07-01",
    "birth_date": "july_1",
    "wg_walking": "3",
}
SON = {"first_ar": "علي", "sex": "m", "relationship": "son", "age": "9", "birth_date": "exact"}


def _population(site: Site) -> tuple[int | None, int | None]:
    site.refresh_from_db()
    return site.population_households, site.population_individuals


# --- registration ------------------------------------------------------------------------------


def test_rania_registers_a_family_at_chameshku_and_the_site_population_follows(
    personas: Personas, chameshku: Site
) -> None:
    rania = personas.rania.client()
    url = reverse("registry:register") + f"?site={chameshku.uid}"
    shown = rania.get(url)
    assert shown.status_code == 200 and _no_store(shown)
    assert "Register a household at Chameshku" in _text(shown)
    assert len(shown.context["form"].fields["unit"].queryset) == 20
    tent = ShelterUnit.objects.get(site=chameshku, code="3")
    data = roster(member(0, **HEAD), member(1, **WIFE), member(2, **SON), unit=str(tent.pk))
    response = rania.post(url, data)
    household = Household.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household", args=[household.uid])
    assert (household.site, household.unit, household.size) == (chameshku, tent, 3)
    assert {"disability", "missing_documents"} <= set(household.vulnerabilities)
    son = household.members.get(first_ar="علي")
    assert (son.born_on, son.birth_date) == (date(2015, 7, 1), "estimated")
    assert household.members.get(first_ar="محمد").documents.count() == 2
    assert _population(chameshku) == (1, 3)
    tent.refresh_from_db()
    assert tent.occupied
    assert AuditEvent.objects.filter(action="registry.register").count() == 1
    _audit_is_clean()
    # The same form sent again (a double click) registers nobody new.
    assert rania.post(url, data).status_code == 302
    assert Household.objects.count() == 1 and _population(chameshku) == (1, 3)


def test_the_registration_says_what_is_wrong_beside_each_member(
    personas: Personas, chameshku: Site
) -> None:
    rania = personas.rania.client()
    url = reverse("registry:register") + f"?site={chameshku.uid}"
    son_as_girl = {**SON, "sex": "f"}
    nameless = {"sex": "f", "relationship": "daughter", "age": "4", "birth_date": "exact"}
    response = rania.post(
        url,
        roster(
            member(0, **HEAD),
            member(1, **{**WIFE, "relationship": "head"}),
            member(2, **son_as_girl),
            member(3, **nameless),
        ),
    )
    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.forms[2].errors["sex"] == [
        "The sex does not match the relationship to the head of household."
    ]
    assert formset.forms[3].errors["first_ar"] == [
        "Give at least a first name, in Arabic or Latin script."
    ]
    text = _text(response)
    assert "The household already has a head: only one member is the head." in text
    assert not Household.objects.exists()


def test_members_are_added_and_removed_without_javascript(
    personas: Personas, chameshku: Site
) -> None:
    rania = personas.rania.client()
    url = reverse("registry:register") + f"?site={chameshku.uid}"
    added = rania.post(url, {**roster(member(0, **HEAD)), "add_member": "1"})
    assert added.status_code == 200 and len(added.context["formset"].forms) == 2
    assert "error" not in _text(added).lower() or 'role="alert"' not in added.content.decode()
    removed = rania.post(
        url,
        {**roster(member(0, **HEAD), member(1, **WIFE), member(2, **SON)), "remove_member": "1"},
    )
    forms = removed.context["formset"].forms
    assert len(forms) == 2
    assert [f["first_ar"].value() for f in forms] == ["محمد", "علي"]
    assert not Household.objects.exists()


def test_a_household_registers_out_of_camp(personas: Personas, gazetteer: None) -> None:
    rania = personas.rania.client()
    response = rania.post(
        reverse("registry:register"),
        roster(member(0, **HEAD), admin_unit="IQG09Q04", address="Zakho, Nahrawan quarter"),
    )
    household = Household.objects.get()
    assert response.status_code == 302
    assert household.site is None and household.admin_unit is not None
    assert household.admin_unit.pcode == "IQG09Q04"
    assert household.address == "Zakho, Nahrawan quarter"


# --- the list and a household's page -----------------------------------------------------------


def test_the_list_shows_the_organisations_households_to_its_registry_staff(
    personas: Personas, registered: Household
) -> None:
    response = personas.omar.client().get(reverse("registry:home"))
    assert response.status_code == 200 and _no_store(response)
    text = _text(response)
    assert registered.number in text and "Mohammed Ahmed Hassan Al-Jubouri" in text
    assert "Missing civil documents" in text and "missing_documents" not in text
    assert AuditEvent.objects.filter(action="registry.search").count() == 1
    arabic = personas.omar.client()
    arabic.cookies["django_language"] = "ar"
    assert "محمد أحمد حسن الجبوري" in _text(arabic.get(reverse("registry:home")))
    # Another organisation's registration officer sees an empty list of their own.
    assert registered.number not in _text(personas.karim.client().get(reverse("registry:home")))


def test_someone_in_two_registries_chooses_the_organisation_first(
    personas: Personas, registered: Household
) -> None:
    core_services.membership_add(
        actor=None,
        user=personas.karim.user,
        organisation=personas.iom,
        role=Role.REGISTRATION_OFFICER,
    )
    karim = personas.karim.client()
    chooser = _text(karim.get(reverse("registry:home")))
    assert "Which one?" in chooser and "INTERSOS" in chooser and registered.number not in chooser
    iom = karim.get(reverse("registry:home"), {"organisation": str(personas.iom.pk)})
    assert registered.number in _text(iom)
    intersos = karim.get(reverse("registry:home"), {"organisation": str(personas.intersos.pk)})
    assert registered.number not in _text(intersos)


def test_omar_reads_the_household_and_the_read_is_audited(
    personas: Personas, registered: Household
) -> None:
    response = personas.omar.client().get(reverse("registry:household", args=[registered.uid]))
    assert response.status_code == 200 and _no_store(response)
    text = _text(response)
    assert "محمد أحمد حسن الجبوري" in text and "Mohammed Ahmed Hassan Al-Jubouri" in text
    assert "born 1985 (1 July by convention)" in text
    assert "born 14 March 1980" in text
    assert "Wife or husband" in text and "Unified national card" in text
    assert "Chameshku" in text and "Registered" in text
    read = AuditEvent.objects.get(action="registry.read")
    assert read.object_id == str(registered.uid) and read.detail == {"via": "page"}
    assert read.actor == personas.omar.user
    _audit_is_clean()


@pytest.mark.parametrize("name", ["layla", "karim", "ahmed", "outsider", "root", "shilan", "hana"])
def test_everyone_else_is_answered_as_if_the_household_did_not_exist(
    personas: Personas, registered: Household, name: str
) -> None:
    client = getattr(personas, name).client()
    assert client.get(reverse("registry:household", args=[registered.uid])).status_code == 404
    edit = reverse("registry:household_edit", args=[registered.uid])
    assert client.post(edit, {"key": "page:x", "phone": "1"}).status_code == 404
    assert not AuditEvent.objects.filter(action="registry.read").exists()


def test_anonymous_visitors_are_sent_to_sign_in(registered: Household) -> None:
    response = Client().get(reverse("registry:household", args=[registered.uid]))
    assert response.status_code == 302 and "login" in response["Location"]


# --- the forms of a household's page -----------------------------------------------------------


def _post(client: Client, name: str, obj: Any, data: dict[str, Any]) -> Any:
    data = {"key": f"page:{uuid.uuid4()}", **data}
    return client.post(reverse(f"registry:{name}", args=[obj.uid]), data)


def _refused(response: Any, words: str) -> None:
    assert response.status_code == 200, response.status_code
    assert words in _text(response), _text(response)[-2000:]


def test_the_details_change_and_a_future_displacement_is_refused(
    personas: Personas, registered: Household
) -> None:
    rania = personas.rania.client()
    assert rania.get(reverse("registry:household_edit", args=[registered.uid])).status_code == 200
    changed = _post(
        rania,
        "household_edit",
        registered,
        {"phone": "0770 111 2233", "origin": "IQG15", "vulnerabilities_recorded": ["disability"]},
    )
    assert changed.status_code == 302
    registered.refresh_from_db()
    assert registered.phone == "0770 111 2233" and "disability" in registered.vulnerabilities
    _refused(
        _post(rania, "household_edit", registered, {"displaced_on": "2099-01-01"}),
        "The date is in the future.",
    )


def test_a_birth_is_added_and_a_second_head_is_refused(
    personas: Personas, registered: Household, chameshku: Site
) -> None:
    rania = personas.rania.client()
    birth = {"birth": "1", "on": "2025-01-09", "first_ar": "مريم", "sex": "f"}
    born = _post(rania, "member_add", registered, {**birth, "relationship": "daughter"})
    assert born.status_code == 302
    baby = Individual.objects.get(first_ar="مريم")
    assert baby.born_on == date(2025, 1, 9) and _population(chameshku) == (1, 5)
    assert HouseholdEvent.objects.filter(household=registered, kind="birth").exists()
    joining = {"birth": "0", "on": "2025-01-10", "first_ar": "حسن", "sex": "m", "age": "40"}
    _refused(
        _post(rania, "member_add", registered, {**joining, "relationship": "head"}),
        "The household already has a head: only one member is the head.",
    )


def test_a_member_is_corrected_and_a_son_recorded_as_female_is_refused(
    personas: Personas, registered: Household
) -> None:
    rania = personas.rania.client()
    son = registered.members.get(first_ar="علي")
    url = reverse("registry:member_edit", args=[son.uid])
    form = rania.get(url).context["form"]
    data = {
        name: form[name].value()
        for name in form.fields
        if name != "key" and form[name].value() is not None
    }
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    data["born_on"] = "2012-05-20"
    corrected = _post(rania, "member_edit", son, {**data, "first_lat": "Ali"})
    assert corrected.status_code == 302
    son.refresh_from_db()
    assert son.first_lat == "Ali"
    _refused(
        _post(rania, "member_edit", son, {**data, "sex": "f"}),
        "The sex does not match the relationship to the head of household.",
    )


def test_a_death_is_recorded_and_a_future_one_is_refused(
    personas: Personas, registered: Household, chameshku: Site
) -> None:
    rania = personas.rania.client()
    daughter = registered.members.get(first_ar="زينب")
    _refused(
        _post(rania, "member_death", daughter, {"on": "2099-01-01"}), "The date is in the future."
    )
    assert _post(rania, "member_death", daughter, {"on": "2025-02-01"}).status_code == 302
    daughter.refresh_from_db()
    assert daughter.status == "deceased" and _population(chameshku) == (1, 3)


def test_a_return_is_recorded_and_a_departure_before_registration_is_refused(
    personas: Personas, registered: Household, chameshku: Site
) -> None:
    rania = personas.rania.client()
    _refused(
        _post(rania, "depart", registered, {"on": "2020-01-01", "returned": "1"}),
        "A household leaves after it was registered.",
    )
    assert (
        _post(rania, "depart", registered, {"on": "2025-06-01", "returned": "1"}).status_code == 302
    )
    registered.refresh_from_db()
    assert registered.status == HouseholdStatus.RETURNED and _population(chameshku) == (0, 0)


def test_a_move_to_another_tent_and_a_tent_of_no_site_refused(
    personas: Personas, registered: Household, chameshku: Site
) -> None:
    rania = personas.rania.client()
    tent = ShelterUnit.objects.get(site=chameshku, code="7")
    _refused(
        _post(rania, "move", registered, {"on": "2025-03-01", "unit": str(tent.pk)}),
        "The shelter unit is not in this site.",
    )
    moved = _post(
        rania,
        "move",
        registered,
        {"on": "2025-03-01", "site": str(chameshku.pk), "unit": str(tent.pk)},
    )
    assert moved.status_code == 302
    registered.refresh_from_db()
    assert registered.unit == tent


def test_a_split_and_a_split_taking_the_head_refused(
    personas: Personas, registered: Household, chameshku: Site
) -> None:
    rania = personas.rania.client()
    head = registered.members.get(relationship="head")
    _refused(
        _post(rania, "split", registered, {"on": "2025-05-01", "head": str(head.pk)}),
        "The head stays: choose a new head for the household first.",
    )
    son = registered.members.get(first_ar="علي")
    assert (
        _post(rania, "split", registered, {"on": "2025-05-01", "head": str(son.pk)}).status_code
        == 302
    )
    assert Household.objects.filter(split_from=registered).get().size == 1
    assert _population(chameshku) == (2, 4)


def test_a_merge_by_registration_number_and_an_unknown_number_refused(
    personas: Personas, registered: Household, chameshku: Site
) -> None:
    rania = personas.rania.client()
    other = rania.post(
        reverse("registry:register") + f"?site={chameshku.uid}",
        roster(member(0, **{**HEAD, "first_ar": "سعد"}), key="page:second"),
    )
    assert other.status_code == 302
    second = Household.objects.exclude(pk=registered.pk).get()
    _refused(
        _post(rania, "merge", second, {"on": "2025-04-01", "number": "IOM-0000-0000"}),
        "No household of your organisation has this number.",
    )
    typed = registered.number.lower().replace("-", "- ")
    assert _post(rania, "merge", second, {"on": "2025-04-01", "number": typed}).status_code == 302
    second.refresh_from_db()
    assert second.status == HouseholdStatus.MERGED and second.merged_into == registered
    assert _population(chameshku) == (1, 5)


def test_a_consent_is_recorded_and_withdrawn_and_sharing_without_an_organisation_refused(
    personas: Personas, registered: Household
) -> None:
    rania = personas.rania.client()
    _refused(
        _post(rania, "consent", registered, {"purpose": "sharing", "on": "2025-01-01"}),
        "Sharing is agreed with a named organisation, and only sharing.",
    )
    given = _post(rania, "consent", registered, {"purpose": "assistance", "on": "2025-01-01"})
    assert given.status_code == 302
    assistance = Consent.objects.get(household=registered, purpose="assistance")
    _refused(
        _post(rania, "consent_withdraw", assistance, {"on": "2024-12-01"}),
        "A consent is withdrawn after it was given.",
    )
    page = _text(rania.get(reverse("registry:household", args=[registered.uid])))
    assert "Withdraw" in page
    assert _post(rania, "consent_withdraw", assistance, {"on": "2025-02-01"}).status_code == 302
    assistance.refresh_from_db()
    assert assistance.withdrawn_on == date(2025, 2, 1) and assistance.withdrawn_by is not None


def test_a_visit_is_recorded_once_however_often_the_form_is_sent(
    personas: Personas, registered: Household
) -> None:
    rania = personas.rania.client()
    _refused(
        _post(rania, "visit", registered, {"on": "2099-01-01", "outcome": "verified"}),
        "The date is in the future.",
    )
    url = reverse("registry:visit", args=[registered.uid])
    sent = {"key": "page:one-visit", "on": "2025-01-05", "outcome": "verified", "members_seen": "4"}
    assert rania.post(url, sent).status_code == 302
    assert rania.post(url, sent).status_code == 302
    assert Visit.objects.filter(household=registered).count() == 1
    _audit_is_clean()


# --- exports -----------------------------------------------------------------------------------


def test_rania_downloads_the_personal_data_with_formulas_neutralised(
    personas: Personas, registered: Household
) -> None:
    Household.objects.filter(pk=registered.pk).update(origin_place='=HYPERLINK("x")')
    rania = personas.rania.client()
    page = rania.get(reverse("registry:export"))
    assert page.status_code == 200 and _no_store(page)
    response = rania.get(reverse("registry:export"), {"format": "csv"})
    assert response.status_code == 200 and _no_store(response)
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 4 and {r["household_number"] for r in rows} == {registered.number}
    assert rows[0]["first_ar"] == "محمد" and rows[0]["phone"] == "'+964 750 123 4567"
    assert rows[0]["origin_place"].startswith("'=")
    workbook = rania.get(reverse("registry:export"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None and sheet.max_row == 5
    events = AuditEvent.objects.filter(action="registry.export").order_by("pk")
    assert [e.detail for e in events] == [
        {"format": "csv", "rows": 4, "households": 1},
        {"format": "xlsx", "rows": 4, "households": 1},
    ]
    _audit_is_clean()


@pytest.mark.parametrize("name", ["omar", "karim", "layla", "root"])
def test_the_download_is_refused_without_the_export_permission(
    personas: Personas, registered: Household, name: str
) -> None:
    client = getattr(personas, name).client()
    assert client.get(reverse("registry:export"), {"format": "csv"}).status_code == 404
    assert not AuditEvent.objects.filter(action="registry.export").exists()
