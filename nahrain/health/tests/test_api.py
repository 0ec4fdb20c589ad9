"""The health API through HTTP as the personas: hana sends Chameshku PHCC's consultations and
EWARN weeks (sent again, they replace); an immediate report retried on a poor connection counts
once and raises one alert; faris (Duhok's surveillance officer) reads Duhok's reports and steps
its alerts, while muna (Ninewa's) and the outsider are answered 404 for them as for what does not
exist; information managers add and change their organisation's facilities and set their
catchments."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from django.test import Client

from nahrain.core.models import AuditEvent
from nahrain.health import weeks
from nahrain.health.models import (
    Alert,
    AlertEvent,
    ConsultationCount,
    ConsultationReport,
    EwarnReport,
    Facility,
    ImmediateReport,
)
from nahrain.health.tests.builders import HealthWorld, week_report
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db

API = "/api/v1/health"


def put(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.put(url, body, content_type="application/json")


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def patch(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.patch(url, body, content_type="application/json")


JANUARY = date(2026, 1, 1)
CELLS = [
    {"service": "general", "sex": "f", "age_group": "u5", "population_group": "idp", "count": 40},
    {"service": "general", "sex": "m", "age_group": "u5", "population_group": "idp", "count": 35},
    {
        "service": "antenatal",
        "sex": "f",
        "age_group": "18_59",
        "population_group": "idp",
        "count": 12,
    },
    {
        "service": "referral_out",
        "sex": "m",
        "age_group": "60p",
        "population_group": "host",
        "count": 3,
    },
]


def consultations_url(facility: Facility, period: str = "month", start: date = JANUARY) -> str:
    return f"{API}/facilities/{facility.uid}/consultation-reports/{period}/{start.isoformat()}"


def test_hana_sends_chameshkus_month_and_sending_it_again_replaces_it(
    personas: Personas, health: HealthWorld
) -> None:
    client = personas.hana.client()
    url = consultations_url(health.chameshku_phcc)
    sent = put(client, url, {"cells": CELLS})
    assert sent.status_code == 200, sent.content
    first = sent.json()
    assert (first["revision"], first["total"], first["end"], first["source"]) == (
        1,
        87,  # referrals out are not consultations
        "2026-01-31",
        "api",
    )
    again = put(client, url, {"cells": CELLS[:1]})
    assert again.status_code == 200
    assert (again.json()["uid"], again.json()["revision"], again.json()["total"]) == (
        first["uid"],
        2,
        40,
    )
    report = ConsultationReport.objects.get()
    assert list(
        ConsultationCount.objects.filter(report=report).values_list("count", flat=True)
    ) == [40]
    assert report.submitted_by == personas.hana.user
    detail = client.get(f"{API}/consultation-reports/{report.uid}").json()
    assert detail["cells"] == [CELLS[0]]
    assert AuditEvent.objects.filter(action="health.consultation_report_submit").count() == 2


def test_a_weekly_report_starts_on_the_first_day_of_a_week(
    personas: Personas, health: HealthWorld
) -> None:
    start = weeks.week_start(2026, 3)
    client = personas.hana.client()
    url = consultations_url(health.chameshku_phcc, "week", start)
    assert put(client, url, {"cells": CELLS}).json()["end"] == (
        date.fromordinal(start.toordinal() + 6).isoformat()
    )
    refused = put(client, consultations_url(health.chameshku_phcc, "week", JANUARY), {"cells": []})
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["field"] == "start"


def test_a_cell_of_no_code_is_refused_with_its_problem(
    personas: Personas, health: HealthWorld
) -> None:
    cell = {**CELLS[0], "age_group": "adult"}
    refused = put(
        personas.hana.client(), consultations_url(health.chameshku_phcc), {"cells": [cell]}
    )
    assert refused.status_code == 422
    assert refused.json()["problems"] == [
        {
            "rule": "invalid",
            "field": "age_group",
            "message": "line 1: 'adult' is not a code of age_group",
        }
    ]
    assert not ConsultationReport.objects.exists()


def test_nobody_but_the_facilitys_reporters_sends_its_reports(
    personas: Personas, health: HealthWorld
) -> None:
    url = consultations_url(health.chameshku_phcc)
    for persona in (
        personas.outsider,
        personas.ahmed,
        personas.omar,
        health.faris,
        personas.shilan,
    ):
        assert put(persona.client(), url, {"cells": CELLS}).status_code == 404
    missing = f"{API}/facilities/{uuid.uuid4()}/consultation-reports/month/2026-01-01"
    assert put(personas.hana.client(), missing, {"cells": CELLS}).status_code == 404
    assert put(personas.layla.client(), url, {"cells": CELLS}).status_code == 200
    # A supporting organisation's data entry reports for the unit it supports: DAMA's viewer
    # does not (a viewer sends nothing), INTERSOS's case worker neither.
    assert not ConsultationReport.objects.filter(facility=health.sinjar_mmu).exists()


def test_an_ewarn_week_with_zero_cases_is_a_report_and_sending_it_again_replaces_it(
    personas: Personas, health: HealthWorld
) -> None:
    client = personas.hana.client()
    url = f"{API}/facilities/{health.chameshku_phcc.uid}/ewarn-reports/2026-W05"
    zero = put(client, url, {"counts": []})
    assert zero.status_code == 200, zero.content
    assert (zero.json()["week"], zero.json()["total_cases"], zero.json()["counts"]) == (
        "2026-W05",
        0,
        [],
    )
    counts = [
        {"disease": "awd", "cases_under5": 4, "cases_over5": 9},
        {"disease": "scabies", "cases_over5": 2},
    ]
    again = put(client, url, {"counts": counts})
    assert (again.json()["revision"], again.json()["total_cases"]) == (2, 15)
    assert [c["disease"] for c in again.json()["counts"]] == ["awd", "scabies"]
    assert again.json()["counts"][0]["disease_label"] == "Acute watery diarrhoea"
    report = EwarnReport.objects.get()
    assert (report.year, report.week, report.source, report.total_cases) == (2026, 5, "api", 15)


def test_a_week_is_written_as_iso_writes_it_and_must_exist(
    personas: Personas, health: HealthWorld
) -> None:
    client = personas.hana.client()
    base = f"{API}/facilities/{health.chameshku_phcc.uid}/ewarn-reports"
    assert put(client, f"{base}/2026-5", {"counts": []}).status_code == 422
    assert put(client, f"{base}/2026-W60", {"counts": []}).json()["problems"][0]["field"] == "week"
    more_deaths = [{"disease": "measles", "cases_over5": 1, "deaths_over5": 2}]
    refused = put(client, f"{base}/2026-W05", {"counts": more_deaths})
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["message"] == "more deaths than cases"
    assert not EwarnReport.objects.exists()


def test_faris_reads_duhoks_reports_and_muna_and_the_outsider_are_answered_404(
    personas: Personas, health: HealthWorld
) -> None:
    hana = personas.hana.client()
    put(hana, consultations_url(health.chameshku_phcc), {"cells": CELLS})
    put(
        hana, f"{API}/facilities/{health.chameshku_phcc.uid}/ewarn-reports/2026-W05", {"counts": []}
    )
    consultation = ConsultationReport.objects.get()
    week = EwarnReport.objects.get()
    faris = health.faris.client()
    assert faris.get(f"{API}/consultation-reports/{consultation.uid}").status_code == 200
    assert faris.get(f"{API}/ewarn-reports/{week.uid}").status_code == 200
    assert faris.get(f"{API}/ewarn-reports").json()["count"] == 1
    assert faris.get(f"{API}/consultation-reports?period=month").json()["count"] == 1
    for persona in (health.muna, personas.outsider, personas.ahmed):
        client = persona.client()
        assert client.get(f"{API}/consultation-reports/{consultation.uid}").status_code == 404
        assert client.get(f"{API}/ewarn-reports/{week.uid}").status_code == 404
        assert client.get(f"{API}/consultation-reports").json()["count"] == 0
        assert client.get(f"{API}/ewarn-reports").json()["count"] == 0
    missing = faris.get(f"{API}/ewarn-reports/{uuid.uuid4()}")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not found"})


def test_reports_and_alerts_are_read_with_no_store_as_their_pages_are(
    personas: Personas, health: HealthWorld
) -> None:
    hana = personas.hana.client()
    put(hana, consultations_url(health.chameshku_phcc), {"cells": CELLS})
    week = f"{API}/facilities/{health.chameshku_phcc.uid}/ewarn-reports/2026-W30"
    put(hana, week, {"counts": [{"disease": "measles", "cases_under5": 1}]})
    consultation, report, alert = (
        ConsultationReport.objects.get(),
        EwarnReport.objects.get(),
        Alert.objects.get(),
    )
    faris = health.faris.client()
    for url in (
        f"{API}/consultation-reports",
        f"{API}/consultation-reports/{consultation.uid}",
        f"{API}/ewarn-reports",
        f"{API}/ewarn-reports/{report.uid}",
        f"{API}/alerts",
        f"{API}/alerts/{alert.uid}",
    ):
        answer = faris.get(url)
        assert answer.status_code == 200, url
        assert "no-store" in answer["Cache-Control"], url


def test_the_supporting_organisation_reads_the_units_reports(
    personas: Personas, health: HealthWorld
) -> None:
    put(
        personas.shilan.client(),
        f"{API}/facilities/{health.sinjar_mmu.uid}/ewarn-reports/2026-W05",
        {"counts": []},
    )  # a case worker sends nothing
    assert not EwarnReport.objects.exists()
    report = week_report(health.sinjar_mmu, 2026, 5, ili=3)
    for persona in (personas.ahmed, personas.shilan, health.muna):
        assert persona.client().get(f"{API}/ewarn-reports/{report.uid}").status_code == 200
    assert health.faris.client().get(f"{API}/ewarn-reports/{report.uid}").status_code == 404


def test_an_immediate_report_retried_with_its_uid_counts_once(
    personas: Personas, health: HealthWorld
) -> None:
    client = personas.hana.client()
    url = f"{API}/facilities/{health.chameshku_phcc.uid}/immediate-reports"
    body = {"uid": str(uuid.uuid4()), "disease": "measles", "seen_on": "2026-11-30", "cases": 1}
    first = post(client, url, body)
    assert first.status_code == 201, first.content
    retried = post(client, url, body)
    assert (retried.status_code, retried.json()["uid"]) == (200, body["uid"])
    assert ImmediateReport.objects.count() == 1
    assert Alert.objects.get().signals.count() == 1
    without = post(client, url, {**body, "uid": None})
    assert without.status_code == 201
    assert ImmediateReport.objects.count() == 2
    weekly = post(client, url, {**body, "disease": "awd", "uid": str(uuid.uuid4())})
    assert weekly.status_code == 422  # diarrhoea is reported in the weekly report
    assert post(personas.outsider.client(), url, body).status_code == 404


def test_facilities_are_listed_and_filtered_for_every_signed_in_user(
    personas: Personas, health: HealthWorld
) -> None:
    client = personas.outsider.client()
    listed = client.get(f"{API}/facilities").json()
    assert [f["code"] for f in listed["items"]] == ["MMU-SIN-1", "PHCC-CHM"]
    assert (
        client.get(f"{API}/facilities?governorate=IQG09").json()["items"][0]["code"] == "PHCC-CHM"
    )
    assert client.get(f"{API}/facilities?kind=mobile_unit").json()["count"] == 1
    assert client.get(f"{API}/facilities?q=sinjar").json()["count"] == 1
    assert client.get(f"{API}/facilities?reporting=true").json()["count"] == 0
    assert personas.hana.client().get(f"{API}/facilities?reporting=true").json()["count"] == 1
    detail = client.get(f"{API}/facilities/{health.chameshku_phcc.uid}").json()
    assert (detail["reads_reports"], detail["reports_for"], detail["manages"]) == (
        False,
        False,
        False,
    )
    assert detail["population"]["individuals"] == 30000
    assert detail["catchment"][0]["code"] == "IQ-DHK-CHM"
    assert Client().get(f"{API}/facilities").status_code == 401


def test_an_information_manager_adds_and_changes_a_facility_of_her_organisation(
    personas: Personas, health: HealthWorld
) -> None:
    layla = personas.layla.client()
    body = {
        "directorate_id": str(health.duhok_doh.pk),
        "code": "MMU-ZAK-2",
        "name_en": "Zakho mobile medical unit",
        "kind": "mobile_unit",
        "district": "IQG09Q04",
    }
    made = post(layla, f"{API}/facilities", body)
    assert made.status_code == 201, made.content
    assert made.json()["organisation"]["acronym"] == "IOM"
    assert post(layla, f"{API}/facilities", body).status_code == 422  # the same code twice
    assert (
        post(layla, f"{API}/facilities", {**body, "code": "X", "district": "IQG09"}).json()[
            "problems"
        ][0]["field"]
        == "district"
    )
    assert post(personas.hana.client(), f"{API}/facilities", body).status_code == 404
    uid = made.json()["uid"]
    changed = patch(layla, f"{API}/facilities/{uid}", {"functionality": "partial"})
    assert changed.json()["functionality"] == "partial"
    assert patch(layla, f"{API}/facilities/{uid}", {"functionality": "broken"}).status_code == 422
    for persona in (personas.hana, health.faris, personas.shilan):
        assert (
            patch(persona.client(), f"{API}/facilities/{uid}", {"active": False}).status_code == 404
        )


def test_a_catchment_set_takes_the_population_anew(personas: Personas, health: HealthWorld) -> None:
    url = f"{API}/facilities/{health.chameshku_phcc.uid}/catchment"
    layla = personas.layla.client()
    emptied = put(layla, url, {"site_uids": []})
    assert emptied.status_code == 200
    assert (emptied.json()["catchment"], emptied.json()["population"]["individuals"]) == ([], 0)
    back = put(
        layla, url, {"site_uids": [str(health.chameshku.uid)], "weekdays": {"IQ-DHK-CHM": [0, 3]}}
    )
    assert back.json()["catchment"][0]["weekdays"] == [0, 3]
    assert back.json()["population"]["individuals"] == 30000
    assert put(layla, url, {"site_uids": [str(uuid.uuid4())]}).status_code == 422
    assert put(health.faris.client(), url, {"site_uids": []}).status_code == 404


def test_faris_steps_a_duhok_alert_and_muna_and_the_outsider_are_answered_404(
    personas: Personas, health: HealthWorld
) -> None:
    put(
        personas.hana.client(),
        f"{API}/facilities/{health.chameshku_phcc.uid}/ewarn-reports/2026-W30",
        {"counts": [{"disease": "measles", "cases_under5": 1}]},
    )
    alert = Alert.objects.get()
    faris = health.faris.client()
    listed = faris.get(f"{API}/alerts?open_only=true&governorate=iqg09").json()
    assert [a["uid"] for a in listed["items"]] == [str(alert.uid)]
    detail = faris.get(f"{API}/alerts/{alert.uid}").json()
    assert (detail["status"], detail["works"], detail["next_steps"]) == (
        "new",
        True,
        ["verified", "discarded"],
    )
    assert detail["signals"][0]["facility_code"] == "PHCC-CHM"
    url = f"{API}/alerts/{alert.uid}/steps"
    verified = post(faris, url, {"to": "verified", "note": "Confirmed by the PHCC doctor"})
    assert verified.status_code == 200, verified.content
    assert [(e["status"], e["by"]) for e in verified.json()["events"]] == [
        ("new", ""),
        ("verified", "faris"),
    ]
    skipped = post(faris, url, {"to": "response"})
    assert (skipped.status_code, skipped.json()["problems"][0]["field"]) == (422, "to")
    assert post(faris, url, {"to": "closed"}).status_code == 422  # closing says why
    assert post(faris, url, {"to": "closed", "note": "No further case"}).json()["status"] == (
        "closed"
    )
    # IOM's staff read the alert their PHCC raised but do not work it.
    hana = personas.hana.client()
    assert hana.get(f"{API}/alerts/{alert.uid}").json()["works"] is False
    assert post(hana, url, {"to": "verified"}).status_code == 404
    for persona in (health.muna, personas.outsider):
        client = persona.client()
        assert client.get(f"{API}/alerts").json()["count"] == 0
        assert client.get(f"{API}/alerts/{alert.uid}").status_code == 404
        assert post(client, url, {"to": "verified"}).status_code == 404
    assert AlertEvent.objects.filter(alert=alert).count() == 3
