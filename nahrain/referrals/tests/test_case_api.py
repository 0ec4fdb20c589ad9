"""The case API: the same rules as the pages. Zainab opens a GBV case (a name is refused), reads
it (audited, no cache), assigns nour; nobody else reads it; entries that do not fit the form are
answered 422 naming the question; the closure closes the case; a case sent again with its key
is opened once."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from nahrain.core.models import AuditEvent
from nahrain.referrals.models import Case, CaseEntry
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db

API = "/api/v1/cases/"


def _bearer(personas: Personas, name: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {getattr(personas, name).token()}"}


def get(personas: Personas, name: str, path: str, **query: Any) -> Any:
    return getattr(personas, name).client().get(path, query, **_bearer(personas, name))


def post(personas: Personas, name: str, path: str, body: dict[str, Any]) -> Any:
    client = getattr(personas, name).client()
    return client.post(path, body, content_type="application/json", **_bearer(personas, name))


def problems(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {p["field"]: p["rule"] for p in response.json()["problems"]}


def test_a_gbv_case_through_the_api(personas: Personas) -> None:
    named = post(personas, "zainab", API, {"type": "gbv", "name": "Amina", "sex": "f"})
    assert problems(named) == {"name": "no_name"}
    assert "no-store" in named["Cache-Control"]
    body = {"type": "gbv", "sex": "f", "age": 27, "place": "Zakho", "key": "api:gbv-1"}
    opened = post(personas, "zainab", API, body)
    assert opened.status_code == 201, opened.content
    case = opened.json()
    assert (case["type"], case["name"], case["organisation"], case["status"]) == (
        "gbv",
        "",
        "INTERSOS",
        "open",
    )
    assert case["forms"] == ["assessment", "service_plan", "follow_up", "closure"]
    assert [a["user"] for a in case["assignments"]] == ["zainab"]
    assert case["assignable"] == ["nour"]
    # Sent again with its key: the same case.
    assert post(personas, "zainab", API, body).json()["uid"] == case["uid"]
    assert Case.objects.count() == 1

    url = f"{API}{case['uid']}"
    read = get(personas, "zainab", url)
    assert read.status_code == 200 and "no-store" in read["Cache-Control"]
    audit = AuditEvent.objects.get(action="cases.read")
    assert (audit.object_id, audit.detail) == (case["uid"], {"via": "api"})
    for name in ("nour", "shilan", "intersos_admin", "root", "dilan", "karim"):
        refused = get(personas, name, url)
        assert refused.status_code == 404, name
        assert "no-store" in refused["Cache-Control"]
        assert post(personas, name, f"{url}/entries", {"kind": "follow_up"}).status_code == 404
    assert get(personas, "zainab", f"{API}{uuid.uuid4()}").status_code == 404

    # Shilan holds no GBV case-worker role: she cannot be assigned. Nour can.
    assert problems(post(personas, "zainab", f"{url}/assign", {"user": "shilan"})) == {
        "user": "not_eligible"
    }
    assigned = post(personas, "zainab", f"{url}/assign", {"user": "nour"})
    assert assigned.status_code == 200
    assert [a["user"] for a in assigned.json()] == ["zainab", "nour"]
    assert get(personas, "nour", url).status_code == 200
    ended = post(personas, "nour", f"{url}/unassign", {"user": "zainab"})
    assert [a["user"] for a in ended.json()] == ["nour"]
    assert get(personas, "zainab", url).status_code == 404
    assert problems(post(personas, "nour", f"{url}/unassign", {"user": "nour"})) == {
        "user": "last_worker"
    }

    listed = get(personas, "nour", API)
    assert [row["code"] for row in listed.json()] == [case["code"]]
    assert "name" not in listed.json()[0]
    assert get(personas, "zainab", API).json() == []
    assert get(personas, "layla", API).status_code == 404


def test_entries_through_the_api_are_held_to_the_form(personas: Personas) -> None:
    case = post(personas, "dilan", API, {"type": "mhpss", "name": "Hawre Aziz", "age": 41}).json()
    assert case["name"] == "Hawre Aziz"
    entries = f"{API}{case['uid']}/entries"
    wrong = post(
        personas,
        "dilan",
        entries,
        {
            "kind": "assessment",
            "answers": {"level": "hypnosis", "distress_score": 11, "mood": "low"},
        },
    )
    assert problems(wrong) == {
        "level": "choice",
        "distress_score": "number",
        "presenting_problem": "required",
        "mood": "unknown",
    }
    assert problems(post(personas, "dilan", entries, {"kind": "document_obtained"})) == {
        "kind": "no_form"
    }
    # A list of objects where codes are asked is refused, not a server error.
    plan = {"kind": "service_plan", "answers": {"goals": "x", "sessions_planned": True}}
    assert problems(post(personas, "dilan", entries, plan)) == {"sessions_planned": "number"}
    right = {
        "kind": "assessment",
        "answers": {"level": "pfa", "distress_score": 0, "presenting_problem": "Grief"},
        "key": "api:entry-1",
    }
    made = post(personas, "dilan", entries, right)
    assert made.status_code == 201
    assert made.json()["answers"] == right["answers"]
    assert post(personas, "dilan", entries, right).json()["uid"] == made.json()["uid"]
    closure = {"kind": "closure", "answers": {"closure_reason": "referred_on"}}
    assert post(personas, "dilan", entries, closure).status_code == 201
    detail = get(personas, "dilan", f"{API}{case['uid']}").json()
    assert (detail["status"], detail["forms"]) == ("closed", [])
    assert [e["kind"] for e in detail["entries"]] == ["assessment", "closure"]
    follow = {"kind": "follow_up", "answers": {"progress": "x"}}
    assert problems(post(personas, "dilan", entries, follow)) == {"": "refused"}
    assert CaseEntry.objects.count() == 2


def test_list_answers_of_objects_are_refused_not_a_server_error(personas: Personas) -> None:
    case = post(personas, "zainab", API, {"type": "gbv", "sex": "f"}).json()
    plan = {"kind": "service_plan", "answers": {"goals": "x", "services": [{"code": "phc"}]}}
    assert problems(post(personas, "zainab", f"{API}{case['uid']}/entries", plan)) == {
        "services": "services"
    }


def test_a_case_linked_to_a_record_the_caller_does_not_read_is_not_opened(
    personas: Personas,
) -> None:
    from nahrain.referrals.tests import builders

    person = builders.iom_person(personas)
    body = {"type": "legal_documentation", "individual_uid": str(person.uid)}
    assert post(personas, "shilan", API, body).status_code == 404
    assert not Case.objects.exists()
