"""The review screen is the form itself: its questions in the form's order and groups, labelled in
the reader's language, codes shown as names, problems beside the answers they concern; a
reviewer corrects an answer (kept beside what was sent, audited without values) and the
submission is checked again; "accept" is refused while an error remains."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from nahrain.collect import formview, services
from nahrain.collect.forms import CorrectionForm
from nahrain.collect.models import Submission, SubmissionStatus
from nahrain.collect.tests.conftest import Field, assessment_values
from nahrain.collect.tests.odk import fill_instance
from nahrain.core import services as core_services
from nahrain.core.models import AuditEvent, Role
from nahrain.geo.models import Location
from nahrain.testing.personas import Personas

# Households say 45 where the shelter types, the periods and the origins each add up to 40:
# three errors, as the issue saw them.
THREE_ERRORS = {"households": 45}


def _receive(field: Field, instance_id: str, **overrides: object) -> Submission:
    xml = fill_instance(
        field.assessment.xml, assessment_values(**overrides), instance_id=instance_id
    )
    assert field.phone.post(xml).status_code == 201
    return Submission.objects.get(instance_id=instance_id)


def _arabic(client: Client) -> Client:
    client.cookies["django_language"] = "ar"
    return client


def _as_posted(submission: Submission, **changes: str | list[str]) -> dict[str, Any]:
    """What the review form posts when the reviewer changes only ``changes`` (by field name)."""
    form = CorrectionForm(formview.review_sheet(submission))
    posted: dict[str, Any] = {name: field.initial for name, field in form.fields.items()}
    posted.update(changes, answered=" ".join(form.fields))
    return {name: value for name, value in posted.items() if value not in ("", [])}


def _fieldset(html: str, key: str) -> str:
    match = re.search(
        rf'<fieldset class="card review-block" id="block-{key}">(.*?)</fieldset>', html, re.S
    )
    assert match, key
    return match.group(1)


@pytest.fixture
def arabic_names(field: Field) -> None:
    Location.objects.filter(external_id="7001").update(name_ar="مركز زاخو")


def test_an_arabic_reviewer_reads_the_form_with_names_and_the_errors_beside_them(
    field: Field, personas: Personas, arabic_names: None
) -> None:
    submission = _receive(field, "uuid:ar", **THREE_ERRORS)
    page = _arabic(personas.layla.client()).get(f"/collect/submissions/{submission.uid}/")
    assert page.status_code == 200
    html = page.content.decode()
    # The form's labels in Arabic, in the form's order (not alphabetical).
    order = [
        html.index(label)
        for label in (
            "رقم جولة",
            "المحافظة",
            "القضاء",
            "الفئة السكانية",
            "الأسر حسب نوع المأوى",
            "الاحتياجات ذات الأولوية",
        )
    ]
    assert order == sorted(order)
    # Names, not codes: governorate, district and place from the gazetteer and master list,
    # the population and the needs from the form's choices.
    assert '<option value="IQG09" selected>دهوك</option>' in html
    assert '<option value="IQG09Q04" selected>زاخو</option>' in html
    assert '<option value="7001" selected>مركز زاخو (7001)</option>' in html
    assert '<option value="idp" selected>النازحون</option>' in html
    # No field name or code as the text a reader reads.
    assert "Zakho centre" not in html
    assert not re.search(r">\s*(shelter_camp|IQG09|idp|households)\s*<", html)
    # Labels tied to their inputs.
    assert '<label for="id_households">الأسر</label>' in html
    # The three errors beside the groups they concern, not in a list apart, in Arabic.
    assert "مجموع أنواع المأوى 40 أسرة، وليس 45." in _fieldset(html, "shelter")
    assert "مجموع فترات النزوح 40 أسرة، وليس 45." in _fieldset(html, "period")
    assert "مجموع مناطق الأصل 40 أسرة، وليس 45." in _fieldset(html, "origin-0")
    assert 'role="alert"' in html
    # Empty optional questions are collapsed out of the way.
    assert '<details class="review-empty">' in _fieldset(html, "shelter")
    # Accept is offered disabled.
    assert re.search(r'<button type="submit" disabled aria-describedby="accept-blocked">', html)
    # The key informant is not among the answers.
    assert "Khalid" not in html and 'name="ki_name"' not in html


def test_a_correction_is_stored_audited_and_checked_again_and_then_it_can_be_accepted(
    field: Field, personas: Personas
) -> None:
    submission = _receive(field, "uuid:fix", **THREE_ERRORS)
    layla = personas.layla.client()
    page = f"/collect/submissions/{submission.uid}/"
    # Accepting with errors is refused by the server, whatever the button says.
    refused = layla.post(f"{page}accept/")
    assert refused.status_code == 302
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.RECEIVED
    assert not AuditEvent.objects.filter(action="submission.accept").exists()

    # A value that is not a number is refused beside its field, nothing stored.
    bad = layla.post(f"{page}correct/", _as_posted(submission, households="forty"))
    assert bad.status_code == 400
    assert 'aria-invalid="true"' in bad.content.decode()
    submission.refresh_from_db()
    assert submission.data["households"] == "45"

    corrected = layla.post(f"{page}correct/", _as_posted(submission, households="40"))
    assert corrected.status_code == 302
    submission.refresh_from_db()
    assert submission.data["households"] == "40"
    assert [p for p in submission.problems if p["severity"] == "error"] == []
    # What the phone sent is kept and shown beside the correction.
    assert "<households>45</households>" in submission.xml
    html = layla.get(page).content.decode()
    assert "Corrected; sent as: 45" in html
    assert "disabled" not in html.split("review-decision")[1].split("</form>")[0]
    # Audited: which question, by whom; no value.
    audit = AuditEvent.objects.get(action="submission.correct")
    assert audit.detail["fields"] == ["households"] and audit.detail["errors"] == 0
    assert "45" not in json.dumps(audit.detail) and "40" not in json.dumps(audit.detail)

    accepted = layla.post(f"{page}accept/")
    assert accepted.status_code == 302
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ACCEPTED
    # Accepted: nothing more to correct.
    assert layla.post(f"{page}correct/", {"households": "41"}).status_code == 404


def test_a_correction_inside_a_repeat_and_to_a_choice(field: Field, personas: Personas) -> None:
    submission = _receive(field, "uuid:rep", households=40)
    layla = personas.layla.client()
    posted = _as_posted(submission, origin__1__origin_households="9", needs=["food", "health"])
    assert layla.post(f"/collect/submissions/{submission.uid}/correct/", posted).status_code == 302
    submission.refresh_from_db()
    assert submission.data["origin"][1]["origin_households"] == "9"
    assert submission.data["needs"] == "food health"
    # The origins now add up to 41: the check says so, beside the origins.
    assert [p["column"] for p in submission.problems if p["severity"] == "error"] == ["origin"]
    assert AuditEvent.objects.get(action="submission.correct").detail["fields"] == [
        "origin.1.origin_households",
        "needs",
    ]
    # A post that carries one answer changes that one: what it leaves out is not emptied.
    # Nor can a post put the key informant's name among the values: it is kept apart.
    one = layla.post(
        f"/collect/submissions/{submission.uid}/correct/",
        {"individuals": "250", "ki_name": "Khalid Hasan", "key_informant__0__ki_name": "K"},
    )
    assert one.status_code == 302
    submission.refresh_from_db()
    assert submission.data["individuals"] == "250" and submission.data["needs"] == "food health"
    assert "Khalid" not in json.dumps(submission.data) and "ki_name" not in submission.data
    assert (
        services.submission_correct(
            actor=personas.layla.user, submission=submission, values={"ki_name": "Khalid Hasan"}
        )
        == []
    )


def test_a_reviewer_of_another_organisation_finds_nothing(field: Field, personas: Personas) -> None:
    submission = _receive(field, "uuid:other", **THREE_ERRORS)
    core_services.membership_add(
        actor=None,
        user=personas.shilan.user,
        organisation=personas.intersos,
        role=Role.INFORMATION_MANAGER,
    )
    shilan = personas.shilan.client()
    page = f"/collect/submissions/{submission.uid}/"
    assert shilan.get(page).status_code == 404
    assert shilan.post(f"{page}correct/", {"households": "40"}).status_code == 404
    assert shilan.post(f"{page}accept/").status_code == 404
    submission.refresh_from_db()
    assert submission.data["households"] == "45"
    assert not AuditEvent.objects.filter(action="submission.correct").exists()


def test_any_form_reads_as_itself_the_emergency_tracking_event(
    field: Field, personas: Personas
) -> None:
    """The screen is the registered form's, whatever it is: another form, other questions."""
    values = {
        "event": "Sinjar 2024",
        "date": "2024-07-02",
        "governorate": "IQG09",
        "district": "IQG09Q04",
        "location": "7001",
        "population": "idp",
        "direction": "arrival",
        "households": 12,
        "cause": "Insecurity",
    }
    xml = fill_instance(field.tracking.xml, values, instance_id="uuid:event")
    assert field.phone.post(xml).status_code == 201
    event = Submission.objects.get(instance_id="uuid:event")
    layla = personas.layla.client()
    page = f"/collect/submissions/{event.uid}/"
    html = layla.get(page).content.decode()
    order = [
        html.index(label) for label in ("Emergency", "Date of the movement", "Movement", "Cause")
    ]
    assert order == sorted(order)
    assert '<option value="arrival" selected>Arrival</option>' in html
    assert 'type="date" name="date" value="2024-07-02"' in html
    # The one unanswered optional question, individuals, is folded away.
    assert html.count("<details") == 1 and 'id="id_individuals"' in html.split("<details")[1]
    posted = _as_posted(event, households="14")
    assert layla.post(f"{page}correct/", posted).status_code == 302
    event.refresh_from_db()
    assert event.data["households"] == "14" and event.data["date"] == "2024-07-02"
    assert layla.post(f"{page}accept/").status_code == 302
    event.refresh_from_db()
    assert event.status == SubmissionStatus.ACCEPTED
