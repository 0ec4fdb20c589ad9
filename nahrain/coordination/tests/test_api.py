"""The coordination API as clients use it, with API tokens: the plan, projects, funding, totals,
the cluster's dashboard, presence and the export for any signed-in caller (each reader's
figures); a month's report read by its organisation and the cluster, replaced (PUT) and
submitted by its information manager, refused with clear words (422) when a row is wrong or the
month closed; everyone else answered as for what does not exist."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from nahrain.coordination.models import Report, ReportingPeriod, ReportStatus, ResponsePlan
from nahrain.coordination.tests.conftest import ZAKHO, reopen
from nahrain.coordination.tests.test_pages import reported_plan  # noqa: F401 (the fixture)
from nahrain.core.models import AuditEvent
from nahrain.testing.personas import Persona, Personas

pytestmark = pytest.mark.django_db
A = "/api/v1/coordination"


def _as(persona: Persona) -> dict[str, str]:
    return {"Authorization": f"Bearer {persona.token()}"}


def _get(persona: Persona, url: str, **query: Any) -> Any:
    return Client().get(url, query, headers=_as(persona))


def _put(persona: Persona, url: str, body: dict[str, Any]) -> Any:
    return Client().put(url, body, content_type="application/json", headers=_as(persona))


ROW = {
    "cluster": "snfi",
    "activity": "snfi_nfi_distribution",
    "indicator": "snfi_nfi_kits",
    "pcode": ZAKHO,
    "value": 40,
    "population_group": "idp_out_of_camp",
}


def test_any_signed_in_caller_reads_the_plan_its_projects_and_the_funding_gap(
    reported: ResponsePlan, personas: Personas
) -> None:
    plans = _get(personas.outsider, f"{A}/plans").json()["plans"]
    assert [p["code"] for p in plans] == ["IRQ18"]
    detail = _get(personas.outsider, f"{A}/plans/{reported.uid}").json()
    assert {
        "cluster": "",
        "governorate_pcode": None,
        "population_group": "",
        "kind": "in_need",
        "people": 8_700_000,
    } in detail["figures"]
    projects = _get(personas.outsider, f"{A}/plans/{reported.uid}/projects").json()["projects"]
    assert projects[0]["code"] == "IRQ18/SNF/124350"
    assert float(projects[0]["received"]) == 7_000_000
    lines = _get(personas.outsider, f"{A}/plans/{reported.uid}/funding").json()["lines"]
    assert lines[0] == {
        "cluster": "snfi",
        "project": None,
        "requested": "14207374.00",
        "received": "7000000.00",
        "gap": "7207374.00",
        "coverage": pytest.approx(7000000 / 14207374),
    }
    assert Client().get(f"{A}/plans").status_code == 401


def test_totals_follow_each_indicators_rule_and_refuse_what_is_not_a_filter(
    reported: ResponsePlan, tariq: Persona
) -> None:
    url = f"{A}/plans/{reported.uid}/totals"
    totals = {t["indicator"]: t for t in _get(tariq, url, cluster="snfi").json()["totals"]}
    assert totals["snfi_houses_repaired"]["value"] == 30
    assert totals["snfi_houses_repaired"]["aggregation"] == "cumulative"
    january = _get(tariq, url, month_to="2018-01-31").json()["totals"]
    assert {t["indicator"]: t["value"] for t in january}["snfi_houses_repaired"] == 10
    refused = _get(tariq, url, cluster="nonsense")
    assert refused.status_code == 422 and "is not a cluster" in refused.json()["detail"]
    assert _get(tariq, url, governorate="IQG99").status_code == 422
    backwards = _get(tariq, url, month_from="2018-03-01", month_to="2018-01-01")
    assert backwards.status_code == 422


def test_the_dashboard_presence_and_export(reported: ResponsePlan, tariq: Persona) -> None:
    rows = _get(tariq, f"{A}/plans/{reported.uid}/dashboard/snfi").json()["rows"]
    duhok = next(r for r in rows if r["governorate_pcode"] == "IQG09" and r["month"] is None)
    assert (duhok["in_need"], duhok["targeted"]) == (300_000, 120_000)
    assert _get(tariq, f"{A}/plans/{reported.uid}/dashboard/nonsense").status_code == 404
    places = _get(tariq, f"{A}/plans/{reported.uid}/presence").json()["places"]
    assert {"IOM", "DAMA"} <= {o for p in places for o in p["organisations"]}
    exported = _get(tariq, f"{A}/plans/{reported.uid}/export", format="xlsx")
    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action="coordination.export", actor=tariq.user).exists()
    assert _get(tariq, f"{A}/plans/{reported.uid}/export", format="pdf").status_code == 422


def test_an_information_manager_replaces_and_submits_the_month(
    gazetteer: None, personas: Personas, tariq: Persona, django_capture_on_commit_callbacks: Any
) -> None:
    reopen(tariq, (2018, 4))
    url = f"{A}/reports/{personas.iom.pk}/2018-04"
    with django_capture_on_commit_callbacks(execute=True):
        saved = _put(personas.layla, url, {"rows": [ROW]})
    assert saved.status_code == 200, saved.json()
    body = saved.json()
    assert body["open"] is True and body["report"]["status"] == "draft"
    assert [(r["indicator"], r["value"], r["source"]) for r in body["rows"]] == [
        ("snfi_nfi_kits", 40, "entered")
    ]
    # Again, with another figure: replaced, not added.
    _put(personas.layla, url, {"rows": [{**ROW, "value": 45}]})
    assert [r["value"] for r in _get(personas.layla, url).json()["rows"]] == [45]
    submitted = Client().post(f"{url}/submit", headers=_as(personas.layla))
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert Report.objects.get(organisation=personas.iom).status == ReportStatus.SUBMITTED
    # The cluster reads it; DAMA's viewer and the outsider do not.
    assert _get(tariq, url).status_code == 200
    assert _get(personas.ahmed, url).status_code == 404
    assert _get(personas.outsider, url).status_code == 404
    reports = _get(tariq, f"{A}/reports").json()["reports"]
    assert [r["organisation"] for r in reports] == ["IOM"]


def test_a_wrong_row_or_a_closed_month_is_refused_in_words(
    gazetteer: None, personas: Personas, tariq: Persona
) -> None:
    reopen(tariq, (2018, 4))
    url = f"{A}/reports/{personas.iom.pk}/2018-04"
    unknown = _put(personas.layla, url, {"rows": [{**ROW, "pcode": "IQG99Q99"}]})
    assert unknown.status_code == 422
    assert "Row 1: 'IQG99Q99' is not a p-code Nahrain knows." in unknown.json()["problems"]
    elsewhere = _put(personas.layla, url, {"rows": [{**ROW, "indicator": "health_consultations"}]})
    assert elsewhere.status_code == 422
    assert "another cluster or activity" in elsewhere.json()["detail"]
    ReportingPeriod.objects.create(
        month=date(2018, 5, 1), deadline=date(2018, 6, 10), locked_at=timezone.now()
    )
    closed = _put(personas.layla, f"{A}/reports/{personas.iom.pk}/2018-05", {"rows": [ROW]})
    assert closed.status_code == 422 and "closed" in closed.json()["detail"]
    nothing = Client().post(f"{url}/submit", headers=_as(personas.layla))
    assert nothing.status_code == 422 and "save it first" in nothing.json()["detail"]
    # Not hers to write: the same 404 as a month that is not one.
    assert (
        _put(personas.ahmed, f"{A}/reports/{personas.dama.pk}/2018-04", {"rows": []}).status_code
        == 404
    )
    assert (
        _put(personas.layla, f"{A}/reports/{personas.iom.pk}/2018-13", {"rows": []}).status_code
        == 404
    )
