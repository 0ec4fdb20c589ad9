"""Review: submissions checked by the import's validation, accepted into a round's figures or
rejected, both audited; key informants for the collecting organisation's IMs only."""

from __future__ import annotations

from typing import Any

from django.test import Client

from nahrain.collect.models import Submission, SubmissionStatus
from nahrain.collect.tests.conftest import ROUND, Field, assessment_values
from nahrain.collect.tests.odk import fill_instance
from nahrain.core.models import AuditEvent
from nahrain.displacement import services as displacement_services
from nahrain.testing.personas import Personas


def _api(client: Client, method: str, path: str, **kwargs: Any) -> Any:
    return getattr(client, method)(f"/api/v1{path}", content_type="application/json", **kwargs)


def _receive(field: Field, instance_id: str, **overrides: object) -> Submission:
    xml = fill_instance(
        field.assessment.xml, assessment_values(**overrides), instance_id=instance_id
    )
    assert field.phone.post(xml).status_code == 201
    return Submission.objects.get(instance_id=instance_id)


def test_accepted_submissions_change_the_round_totals(field: Field, personas: Personas) -> None:
    layla = personas.layla.client()
    zakho = _receive(field, "uuid:z")
    sumail = _receive(
        field,
        "uuid:s",
        district="IQG09Q03",
        location="7002",
        households=10,
        individuals=55,
        shelter_camp=10,
        shelter_host_families="",
        period_aug_2014=10,
        period_y2024="",
        origin=[{"origin_governorate": "IQG15", "origin_households": 10}],
    )
    queue = _api(layla, "get", f"/collect/submissions?batch={ROUND}").json()
    assert {s["instance_id"] for s in queue} == {"uuid:z", "uuid:s"}
    totals_path = f"/dtm/rounds/{field.round.uid}/totals"
    assert _api(layla, "get", totals_path).json() == {}
    accepted = _api(layla, "post", f"/collect/submissions/{zakho.uid}/accept")
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["accepted"] == {"round": str(field.round.uid)}
    assert _api(layla, "get", totals_path).json() == {
        "idp": {"households": 40, "individuals": 240, "locations": 1}
    }
    assert _api(layla, "post", f"/collect/submissions/{sumail.uid}/accept").status_code == 200
    assert _api(layla, "get", totals_path).json() == {
        "idp": {"households": 50, "individuals": 295, "locations": 2}
    }
    by_shelter = _api(
        layla, "get", f"/dtm/rounds/{field.round.uid}/figures?level=1&dimension=shelter"
    ).json()
    camp = sum(row["households"] for row in by_shelter if row["category"] == "camp")
    assert camp == 35
    # Accepting twice is refused; the figures stay as they are.
    again = _api(layla, "post", f"/collect/submissions/{zakho.uid}/accept")
    assert again.status_code == 422
    assert _api(layla, "get", totals_path).json()["idp"]["households"] == 50
    assert AuditEvent.objects.filter(action="submission.accept").count() == 2
    # The figures pass the round's own check (rollups agree with facts): it can be validated.
    displacement_services.round_validate(actor=personas.layla.user, assessment_round=field.round)


def test_an_edit_replaces_the_location_figures(field: Field, personas: Personas) -> None:
    layla = personas.layla.client()
    original = _receive(field, "uuid:v1")
    assert _api(layla, "post", f"/collect/submissions/{original.uid}/accept").status_code == 200
    xml = fill_instance(
        field.assessment.xml,
        assessment_values(
            households=30,
            shelter_camp=20,
            shelter_host_families=10,
            period_aug_2014=20,
            origin=[{"origin_governorate": "IQG15", "origin_households": 30}],
        ),
        instance_id="uuid:v2",
        deprecated_id="uuid:v1",
    )
    assert field.phone.post(xml).status_code == 201
    edit = Submission.objects.get(instance_id="uuid:v2")
    assert _api(layla, "post", f"/collect/submissions/{edit.uid}/accept").status_code == 200
    totals = _api(layla, "get", f"/dtm/rounds/{field.round.uid}/totals").json()
    assert totals == {"idp": {"households": 30, "individuals": 180, "locations": 1}}


def test_problems_found_by_the_import_validation(field: Field, personas: Personas) -> None:
    wrong = _receive(field, "uuid:bad", shelter_camp=26)
    rules = {p["rule"] for p in wrong.problems}
    assert rules == {"breakdown_sum"}
    assert wrong.problems[0]["column"] == "shelter"
    layla = personas.layla.client()
    refused = _api(layla, "post", f"/collect/submissions/{wrong.uid}/accept")
    assert refused.status_code == 422
    assert [e["rule"] for e in refused.json()["errors"]] == ["breakdown_sum"]
    assert _api(layla, "get", f"/dtm/rounds/{field.round.uid}/totals").json() == {}
    outside = _receive(field, "uuid:outside", location="7002")
    assert {p["rule"] for p in outside.problems} == {"outside_district"}
    unknown = _receive(field, "uuid:nogov", governorate="Atlantis")
    assert "unknown_governorate" in {p["rule"] for p in unknown.problems}


def test_no_draft_round_means_no_acceptance(field: Field, personas: Personas) -> None:
    # A round whose code lists the answers match, so that the draft is what is missing.
    other_round = _receive(field, "uuid:r9", round=ROUND + 1)
    refused = _api(
        personas.layla.client(), "post", f"/collect/submissions/{other_round.uid}/accept"
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["rule"] == "no_draft_round"


def test_reject_with_a_reason(field: Field, personas: Personas) -> None:
    submission = _receive(field, "uuid:r")
    layla = personas.layla.client()
    no_reason = _api(layla, "post", f"/collect/submissions/{submission.uid}/reject", data={})
    assert no_reason.status_code == 422
    rejected = _api(
        layla,
        "post",
        f"/collect/submissions/{submission.uid}/reject",
        data={"reason": "Duplicate visit"},
    )
    assert rejected.status_code == 200
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.REJECTED
    assert submission.reject_reason == "Duplicate visit"
    event = AuditEvent.objects.get(action="submission.reject")
    assert event.actor == personas.layla.user and "Duplicate" not in str(event.detail)
    assert _api(layla, "post", f"/collect/submissions/{submission.uid}/accept").status_code == 422


def test_only_the_collecting_organisation_ims_review(field: Field, personas: Personas) -> None:
    submission = _receive(field, "uuid:who")
    for persona in (personas.omar, personas.ahmed, personas.shilan, personas.outsider):
        client = persona.client()
        assert _api(client, "get", "/collect/submissions").json() == []
        assert _api(client, "get", f"/collect/submissions/{submission.uid}").status_code == 404
        accept = _api(client, "post", f"/collect/submissions/{submission.uid}/accept")
        assert accept.status_code == 404
        informant = _api(client, "get", f"/collect/submissions/{submission.uid}/key-informant")
        assert informant.status_code == 404
    root = personas.root.client()
    assert (
        _api(root, "get", f"/collect/submissions/{submission.uid}/key-informant").status_code == 404
    )
    assert Client().get("/api/v1/collect/submissions").status_code == 401


def test_key_informant_read_is_audited_and_never_exported(field: Field, personas: Personas) -> None:
    submission = _receive(field, "uuid:ki")
    layla = personas.layla.client()
    informant = _api(layla, "get", f"/collect/submissions/{submission.uid}/key-informant")
    assert informant.json() == {"name": "Khalid Hasan", "phone": "+964 750 123 4567"}
    event = AuditEvent.objects.get(action="key_informant.read")
    assert event.actor == personas.layla.user
    assert "Khalid" not in str(event.detail) and "750" not in str(event.detail)
    listed = _api(layla, "get", "/collect/submissions").content.decode()
    assert "Khalid" not in listed and "750 123" not in listed
    assert _api(layla, "post", f"/collect/submissions/{submission.uid}/accept").status_code == 200
    for fmt in ("csv", "hxl", "xlsx", "geojson"):
        for level in ("adm1", "location"):
            export = layla.get(
                f"/api/v1/dtm/rounds/{field.round.uid}/export?level={level}&format={fmt}"
            )
            assert export.status_code == 200
            assert b"Khalid" not in export.content and b"750 123" not in export.content


def test_emergency_tracking_event_becomes_a_movement(field: Field, personas: Personas) -> None:
    xml = fill_instance(
        field.tracking.xml,
        {
            "event": "Sinjar 2024",
            "date": "2024-07-02",
            "governorate": "IQG09",
            "district": "IQG09Q04",
            "location": "7001",
            "population": "idp",
            "direction": "arrival",
            "households": 12,
            "cause": "Insecurity",
        },
        instance_id="uuid:et",
    )
    assert field.phone.post(xml).status_code == 201
    submission = Submission.objects.get(instance_id="uuid:et")
    layla = personas.layla.client()
    assert _api(layla, "post", f"/collect/submissions/{submission.uid}/accept").status_code == 200
    totals = _api(layla, "get", "/dtm/movements/totals?event=Sinjar%202024").json()
    assert [(row["households"], row["individuals"]) for row in totals] == [(12, 72)]


def test_invalid_tracking_event_is_not_acceptable(field: Field, personas: Personas) -> None:
    xml = fill_instance(
        field.tracking.xml,
        {
            "event": "Sinjar 2024",
            "date": "2024-07-02",
            "governorate": "IQG09",
            "district": "IQG09Q04",
            "location": "7001",
            "population": "nomads",
            "direction": "arrival",
            "households": 12,
        },
        instance_id="uuid:et-bad",
    )
    assert field.phone.post(xml).status_code == 201
    submission = Submission.objects.get(instance_id="uuid:et-bad")
    refused = _api(personas.layla.client(), "post", f"/collect/submissions/{submission.uid}/accept")
    assert refused.status_code == 422
    assert [(e["column"], e["rule"]) for e in refused.json()["errors"]] == [
        ("population", "invalid")
    ]
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.RECEIVED
