"""The sites API: listing and reading sites and the national figures, creating a site,
changing its profile and its status; the holding organisation writes, everyone signed in reads."""

from __future__ import annotations

from typing import Any

import pytest

from nahrain.core.models import AuditEvent
from nahrain.sites.models import Site, SiteStatusChange
from nahrain.sites.tests.pages_data import Camps, camps_build
from nahrain.testing.personas import Personas

API = "/api/v1/sites/"


@pytest.fixture
def camps(personas: Personas, chameshku: Site) -> Camps:
    return camps_build(personas, chameshku)


def _bearer(personas: Personas, name: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {getattr(personas, name).token()}"}


def _get(personas: Personas, name: str, path: str, **query: Any) -> Any:
    return getattr(personas, name).client().get(path, query, **_bearer(personas, name))


def _send(personas: Personas, name: str, method: str, path: str, body: dict[str, Any]) -> Any:
    client = getattr(personas, name).client()
    return getattr(client, method)(
        path, body, content_type="application/json", **_bearer(personas, name)
    )


def test_the_list_filters_like_the_page(personas: Personas, camps: Camps) -> None:
    every = _get(personas, "ahmed", API).json()
    assert [s["code"] for s in every] == ["IQ-DHK-CHM", "IQ-NIN-HAJ"]
    assert every[0]["governorate"] == "IQG09" and every[0]["population_individuals"] == 27401
    closed = _get(personas, "ahmed", API, status="closed").json()
    assert [s["code"] for s in closed] == ["IQ-NIN-HAJ"]
    assert [s["code"] for s in _get(personas, "ahmed", API, q="حاج").json()] == ["IQ-NIN-HAJ"]
    assert [s["code"] for s in _get(personas, "ahmed", API, limit=1, offset=1).json()] == [
        "IQ-NIN-HAJ"
    ]


def test_a_site_reads_with_its_history_figures_movements_and_monitoring(
    personas: Personas, camps: Camps
) -> None:
    body = _get(personas, "ahmed", f"{API}{camps.chameshku.uid}").json()
    assert [c["status"] for c in body["status_history"]] == ["consolidating", "open"]
    assert body["population_figures"][0] == {
        "on": "2022-12-31",
        "source": "headcount",
        "individuals": 27400,
        "households": 5200,
    }
    assert [m["month"] for m in body["months"]] == ["2023-01-01", "2023-02-01", "2023-03-01"]
    assert (body["red"], body["amber"], body["green"]) == (2, 1, 5)
    assert body["partners"] == ["MdM", "UNICEF"] and body["open_gaps"] == 2
    assert _get(personas, "ahmed", f"{API}00000000-0000-0000-0000-000000000001").status_code == 404


def test_the_dashboard_gives_the_national_figures(personas: Personas, camps: Camps) -> None:
    body = _get(personas, "ahmed", f"{API}dashboard").json()
    assert (body["sites"], body["lived_in"], body["individuals"]) == (2, 1, 27401)
    assert body["gaps_by_sector"] == [{"sector": "wash", "gaps": 2, "sites": 1}]
    assert [r["code"] for r in body["red_sites"]] == ["IQ-DHK-CHM"]
    emergency = next(row for row in body["by_type"] if row["type"] == "emergency_site")
    assert emergency["by_status"]["closed"] == 1
    assert [g["pcode"] for g in body["governorates"]] == ["IQG09", "IQG15"]


def test_site_staff_create_a_site_of_their_organisation(
    personas: Personas, gazetteer: None
) -> None:
    payload = {
        "code": "IQ-DHK-KHN",
        "name_en": "Khanke",
        "type": "camp",
        "admin_unit": "iqg09q02",
        "status_on": "2014-10-01",
        "capacity_people": 18000,
        "partners": ["MdM"],
    }
    assert _send(personas, "ahmed", "post", API, payload).status_code == 404
    response = _send(personas, "omar", "post", API, payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["organisation"], body["admin_unit"], body["governorate"]) == (
        "IOM",
        "IQG09Q02",
        "IQG09",
    )
    site = Site.objects.get(uid=body["uid"])
    assert SiteStatusChange.objects.filter(site=site, status="open").count() == 1
    again = _send(personas, "omar", "post", API, payload)
    assert again.status_code == 422  # the code is IOM's already
    unknown = _send(personas, "omar", "post", API, {**payload, "code": "X", "admin_unit": "IQX"})
    assert unknown.status_code == 422 and "IQX" in unknown.json()["detail"]


def test_the_holding_organisation_changes_the_profile_and_the_status(
    personas: Personas, camps: Camps
) -> None:
    url = f"{API}{camps.chameshku.uid}"
    change = {"capacity_people": 31000, "admin_unit": "IQG09Q04"}
    assert _send(personas, "ahmed", "patch", url, change).status_code == 404
    response = _send(personas, "layla", "patch", url, change)
    assert response.status_code == 200
    assert (response.json()["capacity_people"], response.json()["admin_unit"]) == (
        31000,
        "IQG09Q04",
    )
    status = {"status": "closing", "on": "2023-06-01", "reason": "Announced"}
    assert _send(personas, "shilan", "post", f"{url}/status", status).status_code == 404
    response = _send(personas, "omar", "post", f"{url}/status", status)
    assert response.status_code == 200 and response.json()["status"] == "closing"
    wrong = _send(personas, "omar", "post", f"{url}/status", {**status, "status": "gone"})
    assert wrong.status_code == 422
    actions = set(
        AuditEvent.objects.filter(object_id=str(camps.chameshku.uid)).values_list(
            "action", flat=True
        )
    )
    assert {"site.update", "site.status"} <= actions
