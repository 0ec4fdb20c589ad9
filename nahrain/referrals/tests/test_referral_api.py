"""The referral API: rania, IOM's registration officer, refers a woman of IOM's registry to
INTERSOS's legal aid through the API with her consent to share her sex, age and place; shilan,
INTERSOS's case worker, reads exactly those and takes the steps; rania closes. The receiving side
never learns the name, the phone, the reason, the case or registry record, nor who sent it; the
rules' refusals come back as problems (422) and a write sent again with its key counts once."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from nahrain.core.models import AuditEvent
from nahrain.referrals.models import Referral, ReferralConsent, ReferralEvent, ServicePoint
from nahrain.referrals.tests import builders
from nahrain.registry.models import Individual
from nahrain.testing.personas import Personas

API = "/api/v1/referrals/"
NAME = "سميرة"
PHONE = "07701234567"
REASON = "Needs a new national card after losing it in the move"


def _bearer(personas: Personas, name: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {getattr(personas, name).token()}"}


def _get(personas: Personas, name: str, path: str, **query: Any) -> Any:
    return getattr(personas, name).client().get(path, query, **_bearer(personas, name))


def _post(personas: Personas, name: str, path: str, body: dict[str, Any]) -> Any:
    client = getattr(personas, name).client()
    return client.post(path, body, content_type="application/json", **_bearer(personas, name))


def consent_body(
    fields: tuple[str, ...] = ("sex", "age", "place"), days: int = 90
) -> dict[str, Any]:
    return {
        "fields": list(fields),
        "until": (timezone.localdate() + timedelta(days=days)).isoformat(),
        "method": "verbal",
        "given_by": "person",
    }


def send_body(point: ServicePoint, service: str, **more: Any) -> dict[str, Any]:
    return {
        "point_uid": str(point.uid),
        "service": service,
        "urgency": "high",
        "reason": REASON,
        "consent": consent_body(),
        **more,
    }


@pytest.fixture
def points(personas: Personas) -> dict[str, ServicePoint]:
    return builders.standard_points(personas)


@pytest.fixture
def samira(personas: Personas) -> Individual:
    return builders.iom_person(personas, first_ar=NAME, phone=PHONE)


@pytest.fixture
def sent(personas: Personas, points: dict[str, ServicePoint], samira: Individual) -> dict[str, Any]:
    """Samira referred by rania to INTERSOS's legal aid, through the API."""
    body = send_body(points["legal"], "legal_aid", individual_uid=str(samira.uid), key="k-1")
    response = _post(personas, "rania", API, body)
    assert response.status_code == 201, response.content
    answer: dict[str, Any] = response.json()
    return answer


def test_rania_sends_a_registry_person_and_again_with_the_same_key_once(
    personas: Personas, points: dict[str, ServicePoint], samira: Individual, sent: dict[str, Any]
) -> None:
    assert sent["status"] == "sent" and sent["sides"] == ["sender"]
    assert (sent["organisation"], sent["to_organisation"]) == ("IOM", "INTERSOS")
    assert sent["point_name"] == "Zakho legal aid office"
    # The referral carries the consented fields alone (sex, age, place): the sending side reads
    # that copy, and where it came from; the name, phone and reason stay in IOM's registry.
    assert sent["person"]["name"] == "" and sent["person"]["phone"] == ""
    assert sent["person"]["reason"] == "" and sent["person"]["sex"] == "f"
    assert sent["individual_uid"] == str(samira.uid) and sent["referred_by"] == "rania"
    assert sent["consent"]["fields"] == ["age", "place", "sex"]
    assert [e["status"] for e in sent["events"]] == ["sent"]
    assert sent["steps"] == ["withdrawn"]
    again = _post(
        personas,
        "rania",
        API,
        send_body(points["legal"], "legal_aid", individual_uid=str(samira.uid), key="k-1"),
    )
    assert again.status_code == 201 and again.json()["uid"] == sent["uid"]
    assert "no-store" in again["Cache-Control"]
    assert Referral.objects.count() == 1 and ReferralEvent.objects.count() == 1
    # The same key for another service is refused, not taken for the first referral.
    other = _post(
        personas,
        "rania",
        API,
        send_body(points["legal"], "child_protection", individual_uid=str(samira.uid), key="k-1"),
    )
    assert other.status_code == 422 and other.json()["problems"][0]["rule"] == "key_used"


def test_shilan_reads_only_the_consented_fields_and_the_read_is_audited_without_values(
    personas: Personas, sent: dict[str, Any]
) -> None:
    listed = _get(personas, "shilan", f"{API}received")
    assert listed.status_code == 200 and "no-store" in listed["Cache-Control"]
    assert [r["uid"] for r in listed.json()] == [sent["uid"]]
    assert "person" not in listed.json()[0]
    response = _get(personas, "shilan", f"{API}{sent['uid']}")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    shown = response.json()
    assert shown["sides"] == ["receiver"]
    assert shown["person"] == {"sex": "f", "age": shown["person"]["age"], "place": "Zakho, Nizarke"}
    assert shown["person"]["age"] >= 30
    assert shown["individual_uid"] is None and shown["case_uid"] is None
    assert shown["referred_by"] is None and shown["consent"]["caregiver_relationship"] == ""
    assert shown["steps"] == ["acknowledged", "accepted", "declined"]
    text = response.content.decode()
    for secret in (NAME, PHONE, REASON, "rania", sent["individual_uid"]):
        assert secret not in text
    read = AuditEvent.objects.get(action="referrals.read", actor=personas.shilan.user)
    assert read.object_id == sent["uid"] and read.organisation == personas.intersos
    assert read.detail == {"fields": ["age", "place", "sex"], "via": "api"}
    logged = json.dumps(
        [[e.action, e.object_id, e.detail] for e in AuditEvent.objects.all()], ensure_ascii=False
    )
    for secret in (NAME, PHONE, REASON):
        assert secret not in logged


def test_nobody_else_reads_the_referral_nor_finds_it_in_a_list(
    personas: Personas, sent: dict[str, Any]
) -> None:
    for name in ("zainab", "karim", "layla", "omar", "iom_admin", "intersos_admin", "root"):
        assert _get(personas, name, f"{API}{sent['uid']}").status_code == 404, name
        assert _get(personas, name, f"{API}received").json() == [], name
        assert _get(personas, name, f"{API}sent").json() == [], name
        step = _post(personas, name, f"{API}{sent['uid']}/steps", {"status": "acknowledged"})
        assert step.status_code == 404, name
    assert _get(personas, "rania", f"{API}sent").json()[0]["uid"] == sent["uid"]
    # Only rania, who sent it, was shown it (the answer to her sending is a read too).
    readers = set(
        AuditEvent.objects.filter(action="referrals.read").values_list("actor", flat=True)
    )
    assert readers == {personas.rania.user.pk}


def test_the_steps_go_from_acknowledging_to_closing_each_once(
    personas: Personas, sent: dict[str, Any]
) -> None:
    path = f"{API}{sent['uid']}/steps"
    acknowledged = _post(personas, "shilan", path, {"status": "acknowledged", "key": "s-1"})
    assert acknowledged.status_code == 200 and acknowledged.json()["status"] == "acknowledged"
    assert _post(personas, "shilan", path, {"status": "accepted"}).json()["status"] == "accepted"
    # The acknowledgement sent again with its key answers with the referral, and counts once.
    again = _post(personas, "shilan", path, {"status": "acknowledged", "key": "s-1"})
    assert again.status_code == 200 and again.json()["status"] == "accepted"
    used = _post(personas, "shilan", path, {"status": "accepted", "key": "s-1"})
    assert used.status_code == 422 and used.json()["problems"][0]["rule"] == "key_used"
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    refused = _post(personas, "shilan", path, {"status": "appointment", "appointment_on": past})
    assert refused.status_code == 422
    assert refused.json()["problems"] == [
        {"rule": "date", "field": "appointment_on", "message": refused.json()["detail"]}
    ]
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    set_on = _post(personas, "shilan", path, {"status": "appointment", "appointment_on": day})
    assert set_on.json()["appointment_on"] == day
    # The receiving side cannot close, the sender cannot take the receiving side's steps.
    assert _post(personas, "shilan", path, {"status": "closed"}).status_code == 422
    assert _post(personas, "rania", path, {"status": "provided"}).status_code == 422
    assert _post(personas, "shilan", path, {"status": "provided"}).json()["status"] == "provided"
    closed = _post(personas, "rania", path, {"status": "closed"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert [e["status"] for e in closed.json()["events"]] == [
        "sent",
        "acknowledged",
        "accepted",
        "appointment",
        "provided",
        "closed",
    ]
    assert closed.json()["events"][3]["detail"] == {"on": day}
    assert [e["organisation"] for e in closed.json()["events"]] == ["IOM"] + ["INTERSOS"] * 4 + [
        "IOM"
    ]
    wrong = _post(personas, "shilan", path, {"status": "acknowledged"})
    assert wrong.status_code == 422 and wrong.json()["problems"][0]["rule"] == "wrong_step"
    assert _get(personas, "shilan", f"{API}received", open="true").json() == []
    assert len(_get(personas, "shilan", f"{API}received").json()) == 1


def test_a_decline_names_its_reason(personas: Personas, sent: dict[str, Any]) -> None:
    path = f"{API}{sent['uid']}/steps"
    assert _post(personas, "shilan", path, {"status": "declined"}).status_code == 422
    declined = _post(
        personas, "shilan", path, {"status": "declined", "decline_reason": "no_capacity"}
    )
    assert declined.status_code == 200
    assert (declined.json()["status"], declined.json()["decline_reason"]) == (
        "declined",
        "no_capacity",
    )
    assert declined.json()["events"][-1]["detail"] == {"reason": "no_capacity"}


def test_sending_is_refused_with_problems(
    personas: Personas, points: dict[str, ServicePoint], samira: Individual, sent: dict[str, Any]
) -> None:
    legal = points["legal"]
    # Already open: the same person to the same service of the same point.
    twice = _post(
        personas, "rania", API, send_body(legal, "legal_aid", individual_uid=str(samira.uid))
    )
    assert twice.status_code == 422 and twice.json()["problems"][0]["rule"] == "already_open"
    # An ended consent, a service the point does not offer, an unknown field.
    ended = send_body(legal, "shelter", name="Amina", sex="f", age=30)
    ended["consent"] = {**consent_body(("sex", "colour")), "until": "2020-01-01"}
    refused = _post(personas, "rania", API, ended)
    assert refused.status_code == 422
    assert {p["rule"] for p in refused.json()["problems"]} == {
        "expired",
        "unknown_field",
        "not_offered",
    }
    # A person given twice over.
    both = send_body(legal, "child_protection", individual_uid=str(samira.uid), name="Amina")
    assert _post(personas, "rania", API, both).json()["problems"][0]["rule"] == "one_person"
    # A child without a caregiver's consent and her assent.
    child = _post(personas, "rania", API, send_body(legal, "child_protection", name="Ali", age=9))
    assert {p["rule"] for p in child.json()["problems"]} == {"caregiver_consent", "child_assent"}
    assert Referral.objects.count() == 1


def test_only_the_people_and_places_the_caller_may_use(
    personas: Personas, points: dict[str, ServicePoint], samira: Individual
) -> None:
    legal = points["legal"]
    # Another organisation's registry record, a case the caller does not hold, a point with no
    # published entry, a caller who refers for no organisation.
    body = send_body(legal, "legal_aid", individual_uid=str(samira.uid))
    assert _post(personas, "shilan", API, body).status_code == 404
    case = builders.gbv_case(personas)
    body = send_body(points["phcc"], "mhpss_counselling", case_uid=str(case.uid))
    assert _post(personas, "nour", API, body).status_code == 404
    draft = builders.point(
        personas.dama,
        kind="phcc",
        name_en="Draft PHCC",
        services_offered=("phc",),
        publish=False,
    )
    typed = send_body(draft, "phc", name="Amina", sex="f", age=30)
    assert _post(personas, "shilan", API, typed).status_code == 404
    for name in ("layla", "ahmed", "sara"):
        typed = send_body(points["phcc"], "phc", name="Amina", sex="f", age=30)
        assert _post(personas, name, API, typed).status_code == 404, name
    assert not Referral.objects.exists()


def test_a_referral_from_a_gbv_case_reaches_dama_mhpss_without_the_case(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    case = builders.gbv_case(personas)
    body = send_body(points["phcc"], "mhpss_counselling", case_uid=str(case.uid))
    body["consent"] = consent_body(("sex", "age"))
    response = _post(personas, "zainab", API, body)
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["case_uid"] == str(case.uid) and made["organisation"] == "INTERSOS"
    # DAMA's MHPSS worker reads it, without the case; DAMA's viewer and INTERSOS's other GBV
    # case worker do not (a referral from a GBV case is as closed as the case).
    shown = _get(personas, "dilan", f"{API}{made['uid']}").json()
    assert shown["person"] == {"sex": "f", "age": 27} and shown["case_uid"] is None
    assert str(case.uid) not in json.dumps(shown) and case.code not in json.dumps(shown)
    for name in ("nour", "shilan", "ahmed", "intersos_admin"):
        assert _get(personas, name, f"{API}{made['uid']}").status_code == 404, name


def test_a_typed_person_is_referred_for_the_callers_organisation(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    body = send_body(
        points["phcc"], "phc", name="Amina Hassan", sex="f", age=34, phone="07509876543"
    )
    body["consent"] = consent_body(("name", "sex", "age", "phone"))
    response = _post(personas, "shilan", API, body)
    assert response.status_code == 201, response.content
    assert response.json()["organisation"] == "INTERSOS"
    # DAMA handles PHC with case workers: it has none among the personas, so nobody receives.
    assert _get(personas, "dilan", f"{API}{response.json()['uid']}").status_code == 404
    # Naming an organisation the caller does not refer for is refused.
    body["organisation_id"] = str(personas.iom.pk)
    body["name"] = "Another person"
    assert _post(personas, "shilan", API, body).status_code == 404


def test_the_sender_narrows_and_withdraws_consent_and_the_receiver_sees_less_then_nothing(
    personas: Personas, sent: dict[str, Any]
) -> None:
    uid = sent["uid"]
    # Only the sending side changes the consent.
    assert _post(personas, "shilan", f"{API}{uid}/consent/narrow", {"fields": []}).status_code == (
        404
    )
    wider = _post(personas, "rania", f"{API}{uid}/consent/narrow", {"fields": ["sex", "name"]})
    assert wider.status_code == 422 and wider.json()["problems"][0]["rule"] == "wider"
    narrowed = _post(
        personas, "rania", f"{API}{uid}/consent/narrow", {"fields": ["sex", "age"], "key": "n-1"}
    )
    assert narrowed.status_code == 200 and narrowed.json()["consent"]["fields"] == ["age", "sex"]
    assert narrowed.json()["events"][-1]["detail"]["dropped"] == ["place"]
    shown = _get(personas, "shilan", f"{API}{uid}").json()
    assert set(shown["person"]) == {"sex", "age"}
    withdrawn = _post(personas, "rania", f"{API}{uid}/consent/withdraw", {"key": "w-1"})
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["consent"]["withdrawn_on"] == timezone.localdate().isoformat()
    again = _post(personas, "rania", f"{API}{uid}/consent/withdraw", {"key": "w-1"})
    assert again.status_code == 200
    assert ReferralEvent.objects.filter(status="consent_withdrawn").count() == 1
    shown = _get(personas, "shilan", f"{API}{uid}").json()
    assert shown["person"] == {} and shown["consent"]["in_force"] is False
    assert shown["steps"] == []


def test_an_ended_consent_blocks_the_hand_offs_but_not_a_decline(
    personas: Personas, sent: dict[str, Any]
) -> None:
    ReferralConsent.objects.filter(referral__uid=sent["uid"]).update(
        until=timezone.localdate() - timedelta(days=1)
    )
    path = f"{API}{sent['uid']}/steps"
    shown = _get(personas, "shilan", f"{API}{sent['uid']}").json()
    assert shown["person"] == {} and shown["steps"] == ["declined"]
    refused = _post(personas, "shilan", path, {"status": "accepted"})
    assert refused.status_code == 422 and refused.json()["problems"][0]["rule"] == "no_consent"
    declined = _post(
        personas, "shilan", path, {"status": "declined", "decline_reason": "person_declined"}
    )
    assert declined.status_code == 200


def test_the_lists_filter_open_and_overdue_referrals(
    personas: Personas, points: dict[str, ServicePoint], sent: dict[str, Any]
) -> None:
    assert _get(personas, "shilan", f"{API}received", overdue="true").json() == []
    Referral.objects.filter(uid=sent["uid"]).update(respond_by=timezone.now() - timedelta(hours=1))
    overdue = _get(personas, "shilan", f"{API}received", overdue="true").json()
    assert [(r["uid"], r["overdue"]) for r in overdue] == [(sent["uid"], True)]
    assert _get(personas, "rania", f"{API}sent", overdue="true").json()[0]["overdue"] is True
    # Answered, it is no longer overdue.
    _post(personas, "shilan", f"{API}{sent['uid']}/steps", {"status": "acknowledged"})
    assert _get(personas, "shilan", f"{API}received", overdue="true").json() == []
    assert _get(personas, "shilan", f"{API}received", open="true").json()[0]["overdue"] is False
