"""Protection cases through their pages: zainab, INTERSOS's GBV case worker, opens a GBV case
that nobody else reads (not nour, her colleague, until she assigns her; not INTERSOS's case
worker, admin or information staff; not the platform admin); a child-protection case is read by
INTERSOS's case workers who supervise it; entries answer the case type's forms and are refused,
beside the question, when they do not fit; the closure closes the case; a document obtained in
a legal-documentation case reaches the person's registry record only where the case's
organisation holds it."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nahrain.core import services as core_services
from nahrain.core.models import AuditEvent, Role
from nahrain.geo.models import AdminUnit
from nahrain.referrals import case_services
from nahrain.referrals.models import Case, CaseAssignment, CaseEntry
from nahrain.referrals.services import PersonIn, ReferralRuleBroken
from nahrain.referrals.tests import builders
from nahrain.registry import services as registry_services
from nahrain.registry.models import Document, Individual
from nahrain.registry.rules import DocumentIn, MemberIn
from nahrain.testing.personas import Persona, Personas

pytestmark = pytest.mark.django_db


def _key() -> str:
    return f"page:{uuid.uuid4()}"


def client(personas: Personas, name: str, language: str = "en") -> Client:
    persona: Persona = getattr(personas, name)
    found = persona.client()
    found.cookies["django_language"] = language
    return found


def open_page(c: Client, query: str = "", **form: Any) -> Any:
    data = {"key": _key(), "opened_on": timezone.localdate().isoformat(), **form}
    return c.post(f"/cases/new/{query}", data)


def case_url(case: Case, tail: str = "") -> str:
    return f"/cases/{case.uid}/{tail}"


def case_worker(personas: Personas, username: str, *, role: str = Role.CASE_WORKER) -> User:
    """Another worker of INTERSOS."""
    user = core_services.user_create(username=username, password=None)
    core_services.membership_add(actor=None, user=user, organisation=personas.intersos, role=role)
    return user


# --- GBV: the assigned case workers alone -------------------------------------------------------


def test_zainab_opens_a_gbv_case_that_only_the_workers_she_assigns_read(
    personas: Personas,
) -> None:
    zainab = client(personas, "zainab")
    form = zainab.get("/cases/new/")
    assert form.status_code == 200
    assert "no-store" in form["Cache-Control"]
    html = form.content.decode()
    # She opens GBV cases only: the form is GBV's, and asks neither a name nor a phone.
    assert 'name="type" value="gbv"' in html
    assert 'name="name"' not in html and 'name="phone"' not in html

    # A name sent all the same is not kept: the code stands for the survivor.
    response = open_page(zainab, sex="f", age="27", place="Zakho", name="Amina Hassan")
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == case_url(case)
    assert (case.type, case.organisation, case.name, case.phone) == (
        "gbv",
        personas.intersos,
        "",
        "",
    )
    assert re.fullmatch(r"GBV-[0-9A-Z]{7}", case.code)
    assert list(case.assignments.values_list("user__username", flat=True)) == ["zainab"]

    page = zainab.get(case_url(case))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert case.code in page.content.decode()
    read = AuditEvent.objects.get(action="cases.read", actor=personas.zainab.user)
    assert (read.object_type, read.object_id, read.organisation) == (
        "case",
        str(case.uid),
        personas.intersos,
    )
    assert read.detail == {"via": "page"}

    # Nobody else reads it, whatever their role in INTERSOS or on the platform: the same 404
    # as for a case that does not exist.
    missing = client(personas, "nour").get("/cases/00000000-0000-4000-8000-000000000000/")
    assert missing.status_code == 404
    for name in ("nour", "shilan", "intersos_admin", "karim", "root", "dilan", "layla"):
        assert client(personas, name).get(case_url(case)).status_code == 404, name
        assert client(personas, name).get(case_url(case, "entry/follow_up/")).status_code == 404
    assert (
        client(personas, "nour")
        .post(
            case_url(case, "assign/"),
            {"key": _key(), "action": "assign", "user": personas.nour.user.pk},
        )
        .status_code
        == 404
    )
    assert (
        not AuditEvent.objects.filter(action="cases.read")
        .exclude(actor=personas.zainab.user)
        .exists()
    )

    # Zainab assigns nour: she reads it now; shilan (not a GBV case worker) cannot be assigned.
    html = zainab.get(case_url(case)).content.decode()
    assert f'<option value="{personas.nour.user.pk}">nour</option>' in html
    assert f'value="{personas.shilan.user.pk}"' not in html
    assigned = zainab.post(
        case_url(case, "assign/"),
        {"key": _key(), "action": "assign", "user": personas.nour.user.pk},
    )
    assert assigned.status_code == 302
    assert client(personas, "nour").get(case_url(case)).status_code == 200
    refused = zainab.post(
        case_url(case, "assign/"),
        {"key": _key(), "action": "assign", "user": personas.shilan.user.pk},
    )
    assert refused.status_code == 302
    assert not CaseAssignment.objects.filter(case=case, user=personas.shilan.user).exists()
    assert client(personas, "shilan").get(case_url(case)).status_code == 404

    # Nour ends zainab's assignment: zainab no longer reads the case. Nour, left alone on it,
    # cannot end her own.
    nour = client(personas, "nour")
    ended = nour.post(
        case_url(case, "assign/"),
        {"key": _key(), "action": "unassign", "user": personas.zainab.user.pk},
    )
    assert ended.status_code == 302
    assert zainab.get(case_url(case)).status_code == 404
    nour.post(
        case_url(case, "assign/"),
        {"key": _key(), "action": "unassign", "user": personas.nour.user.pk},
    )
    assert nour.get(case_url(case)).status_code == 200
    assert CaseAssignment.objects.filter(case=case, ended_at__isnull=True).count() == 1


def test_the_case_list_names_nobody_and_shows_the_readers_cases_alone(
    personas: Personas,
) -> None:
    gbv = builders.gbv_case(personas)
    cp = case_services.case_open(
        actor=personas.shilan.user,
        organisation=personas.intersos,
        case_type="child_protection",
        person=PersonIn(name="Ali Hassan", sex="m", age=12),
    )
    case_services.case_entry_add(
        actor=personas.shilan.user,
        case=cp,
        kind="follow_up",
        answers={"progress": "Back at school", "risk_level": "low"},
    )
    zainab = client(personas, "zainab").get("/cases/")
    assert zainab.status_code == 200 and "no-store" in zainab["Cache-Control"]
    html = zainab.content.decode()
    assert gbv.code in html and cp.code not in html
    shilan = client(personas, "shilan").get("/cases/").content.decode()
    assert cp.code in shilan and gbv.code not in shilan
    assert "Ali Hassan" not in shilan  # the list names nobody, whatever the type
    assert "Back at school" not in shilan
    filtered = client(personas, "shilan").get("/cases/?type=gbv").content.decode()
    assert cp.code not in filtered
    closed = client(personas, "shilan").get("/cases/?status=closed").content.decode()
    assert cp.code not in closed
    listed = AuditEvent.objects.filter(action="cases.list", actor=personas.shilan.user)
    assert [e.detail["count"] for e in listed.order_by("at")] == [1, 0, 0]
    # The case pages are the case workers': others are answered 404.
    for name in ("layla", "karim", "intersos_admin", "root"):
        assert client(personas, name).get("/cases/").status_code == 404
        assert client(personas, name).get("/cases/new/").status_code == 404


# --- child protection: the supervisors read it too ----------------------------------------------


def test_a_child_protection_case_is_read_by_the_organisations_case_workers(
    personas: Personas,
) -> None:
    hevi = case_worker(personas, "hevi")
    hevi_client = Client()
    hevi_client.force_login(hevi)
    response = open_page(
        hevi_client,
        "?type=child_protection",
        name="Ali Hassan",
        sex="m",
        age="12",
        phone="0750 111 2233",
        place="Zakho, Darkar",
    )
    assert response.status_code == 302
    case = Case.objects.get(type="child_protection")
    assert (case.name, case.phone, case.code[:3]) == ("Ali Hassan", "0750 111 2233", "CP-")

    # Shilan is not assigned, but supervises INTERSOS's child-protection cases.
    page = client(personas, "shilan").get(case_url(case))
    assert page.status_code == 200
    assert "Ali Hassan" in page.content.decode()
    for name in ("zainab", "nour", "intersos_admin", "karim", "dilan", "root"):
        assert client(personas, name).get(case_url(case)).status_code == 404, name

    # Shilan's case-worker role ends: she no longer reads it.
    personas.shilan.user.memberships.all().delete()
    assert client(personas, "shilan").get(case_url(case)).status_code == 404


def test_a_case_worker_who_opens_several_types_chooses_one_first(personas: Personas) -> None:
    shilan = client(personas, "shilan")
    choice = shilan.get("/cases/new/").content.decode()
    assert "?type=child_protection" in choice and "?type=legal_documentation" in choice
    assert "?type=gbv" not in choice  # shilan opens no GBV case
    assert 'name="opened_on"' not in choice
    form = shilan.get("/cases/new/?type=child_protection").content.decode()
    assert 'name="name"' in form and 'name="phone"' in form
    # A type she does not open brings the choice back, and opening it is refused.
    assert 'name="opened_on"' not in shilan.get("/cases/new/?type=gbv").content.decode()
    with pytest.raises(ReferralRuleBroken):
        case_services.case_open(
            actor=personas.shilan.user, organisation=personas.intersos, case_type="gbv"
        )


# --- entries ---------------------------------------------------------------------------------


def mhpss_case(personas: Personas) -> Case:
    return case_services.case_open(
        actor=personas.dilan.user,
        organisation=personas.dama,
        case_type="mhpss",
        person=PersonIn(name="Hawre Aziz", sex="m", age=41),
    )


def test_an_entry_answers_the_form_and_is_refused_beside_the_question(personas: Personas) -> None:
    case = mhpss_case(personas)
    dilan = client(personas, "dilan")
    url = case_url(case, "entry/assessment/")
    form = dilan.get(url)
    assert form.status_code == 200 and "no-store" in form["Cache-Control"]
    html = form.content.decode()
    # The form is built from the data: a choice as a select, a number with its range, a text.
    assert re.search(r'<select name="level"[^>]*required', html)
    assert '<option value="counselling">Psychosocial counselling</option>' in html
    assert re.search(r'<input type="number" name="distress_score"[^>]*min="0"[^>]*max="10"', html)
    assert re.search(r'<textarea name="presenting_problem"', html)
    assert "Distress score (0 none, 10 extreme)" in html
    assert AuditEvent.objects.filter(action="cases.read", detail={"via": "form"}).count() == 1

    sent = {
        "key": _key(),
        "on": timezone.localdate().isoformat(),
        "level": "counselling",
        "distress_score": "11",
        "presenting_problem": "",
    }
    refused = dilan.post(url, sent)
    assert refused.status_code == 200
    errors = _errors(refused.content.decode())
    assert set(errors) == {"distress_score", "presenting_problem"}
    assert not CaseEntry.objects.exists()

    answered = dilan.post(url, {**sent, "distress_score": "6", "presenting_problem": "Sleepless"})
    assert answered.status_code == 302
    entry = CaseEntry.objects.get()
    assert entry.answers == {
        "level": "counselling",
        "distress_score": 6,
        "presenting_problem": "Sleepless",
    }
    assert (entry.kind, entry.author) == ("assessment", personas.dilan.user)

    # The case's page writes the answers with their labels, in the reader's language.
    page = dilan.get(case_url(case)).content.decode()
    assert "Psychosocial counselling" in page and "Level of care" in page
    arabic = client(personas, "dilan", "ar").get(case_url(case)).content.decode()
    assert "الإرشاد النفسي الاجتماعي" in arabic and "مستوى الرعاية" in arabic
    sorani = client(personas, "dilan", "ckb").get(case_url(case)).content.decode()
    assert "ڕاوێژی دەروونی کۆمەڵایەتی" in sorani and "ئاستی چاودێری" in sorani

    # A form the case type does not have is no page.
    assert dilan.get(case_url(case, "entry/document_obtained/")).status_code == 404


def _errors(html: str) -> dict[str, str]:
    """The errors of a form, by the field they stand beside."""
    found = {}
    for field in re.finditer(r'<div class="field[^"]*">(.*?)</div>', html, re.S):
        error = re.search(r'<span class="error" role="alert">(.*?)</span>', field.group(1), re.S)
        name = re.search(r'name="(\w+)"', field.group(1))
        if error and name:
            found[name.group(1)] = error.group(1)
    return found


def test_yes_no_services_and_documents_become_the_answers_the_form_asks(
    personas: Personas,
) -> None:
    case = builders.gbv_case(personas)
    zainab = client(personas, "zainab")
    html = zainab.get(case_url(case, "entry/assessment/")).content.decode()
    assert re.search(r'<input type="radio" name="immediate_safety_risk" value="yes"', html)
    assert "The survivor is at immediate risk" in html
    response = zainab.post(
        case_url(case, "entry/assessment/"),
        {
            "key": _key(),
            "incident_type": "physical_assault",
            "incident_period": "within_a_month",
            "immediate_safety_risk": "no",
        },
    )
    assert response.status_code == 302
    plan = zainab.get(case_url(case, "entry/service_plan/")).content.decode()
    assert re.search(r'<input type="checkbox" name="services" value="mhpss_pfa"', plan)
    zainab.post(
        case_url(case, "entry/service_plan/"),
        {"key": _key(), "goals": "Safety and support", "services": ["mhpss_pfa", "legal_aid"]},
    )
    assert [e.answers for e in CaseEntry.objects.order_by("at")] == [
        {
            "incident_type": "physical_assault",
            "incident_period": "within_a_month",
            "immediate_safety_risk": False,
        },
        {"goals": "Safety and support", "services": ["mhpss_pfa", "legal_aid"]},
    ]
    page = zainab.get(case_url(case)).content.decode()
    assert "Physical assault" in page and "Psychological first aid, Legal aid" in page
    assert re.search(r'data-question="immediate_safety_risk"><bdi>No</bdi>', page)


def test_the_closure_closes_the_case(personas: Personas) -> None:
    case = builders.gbv_case(personas)
    zainab = client(personas, "zainab")
    closed = zainab.post(
        case_url(case, "entry/closure/"),
        {"key": _key(), "closure_reason": "survivor_request"},
    )
    assert closed.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.closed_on) == ("closed", timezone.localdate())
    page = zainab.get(case_url(case)).content.decode()
    assert 'id="case-tools"' not in page  # no more entries, no referral
    assert "The survivor asked to close the case" in page
    again = zainab.get(case_url(case, "entry/follow_up/"))
    assert again.status_code == 302 and again["Location"] == case_url(case)
    refused = zainab.post(
        case_url(case, "entry/follow_up/"),
        {"key": _key(), "progress": "More", "safety_reviewed": "yes"},
    )
    assert refused.status_code == 200 and "The case is closed." in refused.content.decode()
    assert CaseEntry.objects.count() == 1
    listed = zainab.get("/cases/?status=closed").content.decode()
    assert case.code in listed


def test_a_resent_entry_is_recorded_once(personas: Personas) -> None:
    case = builders.gbv_case(personas)
    zainab = client(personas, "zainab")
    sent = {"key": _key(), "progress": "Met at the safe space", "safety_reviewed": "yes"}
    for _ in range(2):
        assert zainab.post(case_url(case, "entry/follow_up/"), sent).status_code == 302
    assert CaseEntry.objects.count() == 1


# --- legal documentation and the registry -------------------------------------------------------


def intersos_person(personas: Personas) -> Individual:
    """A man INTERSOS registered (karim, its registration officer), without a birth
    certificate."""
    builders.gazetteer()
    household = registry_services.household_register(
        actor=personas.karim.user,
        organisation=personas.intersos,
        registered_on=date(2024, 5, 1),
        admin_unit=AdminUnit.objects.get(pcode="IQG09Q04"),
        address="Zakho",
        members=[
            MemberIn(
                sex="m",
                relationship="head",
                first_ar="ياسين",
                family_ar="العبيدي",
                born_on=date(1988, 1, 9),
                documents=[DocumentIn("birth_certificate", False, "")],
            )
        ],
    )
    return household.members.get()


def test_a_document_obtained_reaches_the_registry_record_of_the_cases_organisation(
    personas: Personas,
) -> None:
    person = intersos_person(personas)
    # Karim registers and also works INTERSOS's legal-documentation cases.
    core_services.membership_add(
        actor=None, user=personas.karim.user, organisation=personas.intersos, role=Role.CASE_WORKER
    )
    karim = client(personas, "karim")
    query = f"?type=legal_documentation&individual={person.uid}"
    assert "linked to the registry record" in karim.get(f"/cases/new/{query}").content.decode()
    assert open_page(karim, query, name="Yaseen Al-Obaidi", sex="m").status_code == 302
    case = Case.objects.get()
    assert case.individual == person
    # Shilan, who supervises the case but does not read the registry, is not given a link to it.
    shilan = client(personas, "shilan")
    record = reverse("registry:household", args=[person.household.uid])
    assert record not in shilan.get(case_url(case)).content.decode()
    assert record in karim.get(case_url(case)).content.decode()

    html = shilan.get(case_url(case, "entry/document_obtained/")).content.decode()
    assert '<option value="birth_certificate">Birth certificate</option>' in html
    recorded = shilan.post(
        case_url(case, "entry/document_obtained/"),
        {"key": _key(), "document": "birth_certificate", "number": "BC-2231"},
    )
    assert recorded.status_code == 302
    document = Document.objects.get(individual=person, kind="birth_certificate")
    assert (document.held, document.number) == (True, "BC-2231")


def test_a_document_obtained_leaves_another_organisations_record_alone(
    personas: Personas,
) -> None:
    iom_person = builders.iom_person(personas)
    shilan = client(personas, "shilan")
    # Shilan cannot link IOM's record (she does not read it), nor can INTERSOS's case.
    assert shilan.get(f"/cases/new/?individual={iom_person.uid}").status_code == 404
    with pytest.raises(ReferralRuleBroken):
        case_services.case_open(
            actor=personas.shilan.user,
            organisation=personas.intersos,
            case_type="legal_documentation",
            individual=iom_person,
        )
    open_page(shilan, "?type=legal_documentation", name="Samira", sex="f")
    case = Case.objects.get()
    shilan.post(
        case_url(case, "entry/document_obtained/"),
        {"key": _key(), "document": "national_card", "number": "1990"},
    )
    assert CaseEntry.objects.filter(case=case, kind="document_obtained").exists()
    assert list(iom_person.documents.values_list("kind", "held")) == [("national_card", False)]


# --- referrals from the case --------------------------------------------------------------------


def test_the_case_lists_the_referrals_made_from_it(personas: Personas) -> None:
    points = builders.standard_points(personas)
    case = builders.gbv_case(personas)
    referral = builders.refer(
        personas.zainab.user,
        personas.intersos,
        points["phcc"],
        "phc",
        case=case,
        person=PersonIn(sex="f", age=27),
        consent=builders.consent(("sex", "age")),
    )
    page = client(personas, "zainab").get(case_url(case)).content.decode()
    assert f"/referrals/{referral.uid}/" in page
    assert re.search(rf'id="refer" href="/services/\?case={case.uid}"', page)
    # The receiving organisation reads the referral, never the case it came from.
    assert client(personas, "dilan").get(case_url(case)).status_code == 404


def test_a_gbv_case_is_never_linked_to_a_registry_record(personas: Personas) -> None:
    person = intersos_person(personas)
    # Karim registers for INTERSOS and also works its GBV cases.
    core_services.membership_add(
        actor=None,
        user=personas.karim.user,
        organisation=personas.intersos,
        role=Role.GBV_CASE_WORKER,
    )
    karim = client(personas, "karim")
    assert karim.get(f"/cases/new/?individual={person.uid}").status_code == 404
    assert karim.get("/cases/new/").status_code == 200
    with pytest.raises(ReferralRuleBroken) as refused:
        case_services.case_open(
            actor=personas.karim.user,
            organisation=personas.intersos,
            case_type="gbv",
            individual=person,
        )
    assert [p.rule for p in refused.value.problems] == ["no_record"]
    assert not Case.objects.exists()
