"""The service directory's API: sara, IOM's service mapper, adds a point, writes its draft,
publishes and archives it, with a token; another organisation reads only the published entry
and changes nothing; what the rules refuse comes back 422 with its problems, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from nahrain.core import services as core_services
from nahrain.core.models import Role
from nahrain.referrals.models import ServicePoint, VersionStatus
from nahrain.referrals.tests import builders
from nahrain.referrals.tests.permissions_directory import entry_body
from nahrain.referrals.tests.test_directory_search import khanke
from nahrain.sites.models import Site
from nahrain.testing.personas import Personas

API = "/api/v1/services/points"


class Caller:
    """A persona calling the API with a token of their own."""

    def __init__(self, personas: Personas, name: str) -> None:
        persona = getattr(personas, name)
        self.client = persona.client()
        self.headers = {"Authorization": f"Bearer {persona.token()}"}

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get(path, query, headers=self.headers)

    def send(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return getattr(self.client, method)(
            path, body or {}, content_type="application/json", headers=self.headers
        )


@pytest.fixture
def sara(personas: Personas) -> Caller:
    builders.gazetteer()
    return Caller(personas, "sara")


def test_a_mapper_writes_a_point_through_the_api(personas: Personas, sara: Caller) -> None:
    created = sara.send("post", API, entry_body())
    assert created.status_code == 201, created.content
    point = created.json()
    assert "no-store" in created["Cache-Control"]
    assert point["maps"] is True and point["current"] is None
    assert point["draft"]["name_en"] == "Zakho legal clinic"
    assert point["organisation"]["acronym"] == "IOM"
    uid = point["uid"]
    ahmed = Caller(personas, "ahmed")
    assert ahmed.get(f"{API}/{uid}").status_code == 404

    published = sara.send("post", f"{API}/{uid}/publish")
    assert published.status_code == 200
    assert published.json()["current"]["number"] == 1
    read = ahmed.get(f"{API}/{uid}")
    assert read.status_code == 200
    assert read.json()["maps"] is False
    assert read.json()["draft"] is None and read.json()["history"] == []

    body = entry_body("Zakho legal centre")
    body["offers"].append({"service": "child_protection", "age_max": 17, "groups": ["returnee"]})
    saved = sara.send("put", f"{API}/{uid}/draft", body)
    assert saved.status_code == 200, saved.content
    assert saved.json()["draft"]["offers"][1] == {
        "service": "child_protection",
        "service_label": "Child protection",
        "sexes": [],
        "age_min": None,
        "age_max": 17,
        "groups": ["returnee"],
    }
    # The others read the published entry until the draft is published.
    assert ahmed.get(f"{API}/{uid}").json()["current"]["name_en"] == "Zakho legal clinic"
    sara.send("post", f"{API}/{uid}/publish")
    assert ahmed.get(f"{API}/{uid}").json()["current"]["name_en"] == "Zakho legal centre"
    history = sara.get(f"{API}/{uid}").json()["history"]
    assert [(v["number"], v["status"]) for v in history] == [(2, "current"), (1, "archived")]

    archived = sara.send("post", f"{API}/{uid}/archive")
    assert archived.status_code == 200
    assert archived.json()["current"] is None
    assert ahmed.get(f"{API}/{uid}").status_code == 404
    assert uid not in {r["uid"] for r in ahmed.get(API).json()["items"]}


def test_a_mobile_team_goes_to_sites_and_areas(personas: Personas, sara: Caller) -> None:
    camp = khanke(personas)
    body = {
        **entry_body("IOM mobile protection team"),
        "kind": "mobile_team",
        "visits": [
            {"site_uid": str(camp.uid), "weekdays": [7, 2], "hours": "9:00 to 13:00"},
            {"admin_unit": "IQG09Q01", "weekdays": [3]},
        ],
    }
    created = sara.send("post", API, body)
    assert created.status_code == 201, created.content
    visits = created.json()["draft"]["visits"]
    assert [(v["site_uid"], v["admin_unit"], v["weekdays"]) for v in visits] == [
        (str(camp.uid), None, [2, 7]),
        (None, "IQG09Q01", [3]),
    ]


@pytest.mark.parametrize(
    ("change", "rule", "field"),
    [
        ({"kind": "spaceship"}, "kind", "kind"),
        ({"offers": []}, "offers", "offers"),
        ({"offers": [{"service": "teleportation"}]}, "service", "offers"),
        ({"offers": [{"service": "phc"}, {"service": "phc"}]}, "offers", "offers"),
        ({"offers": [{"service": "phc", "age_min": 60, "age_max": 18}]}, "ages", "offers"),
        ({"offers": [{"service": "phc", "groups": ["martians"]}]}, "groups", "offers"),
        ({"languages": ["xx"]}, "languages", "languages"),
        ({"latitude": 37.1}, "coordinates", "latitude"),
        ({"latitude": 137.1, "longitude": 42.0}, "coordinates", "latitude"),
        ({"active_from": "2026-05-01", "active_until": "2026-01-01"}, "dates", "active_until"),
        ({"visits": [{"admin_unit": "IQG09Q01", "weekdays": [1]}]}, "visits", "visits"),
        ({"admin_unit": "IQG99"}, "unknown_pcode", "admin_unit"),
        ({"site_uid": "00000000-0000-0000-0000-000000000001"}, "unknown_site", "site_uid"),
        ({"email": "not an address"}, "invalid", "email"),
        ({"name_en": "", "name_ar": ""}, "name", "name_en"),
    ],
)
def test_what_the_rules_refuse_is_answered_422_with_its_problems(
    personas: Personas, sara: Caller, change: dict[str, Any], rule: str, field: str
) -> None:
    response = sara.send("post", API, {**entry_body(), **change})
    assert response.status_code == 422, response.content
    problems = response.json()["problems"]
    assert (rule, field) in {(p["rule"], p["field"]) for p in problems}, problems
    assert all(p["message"] for p in problems)
    assert not ServicePoint.objects.exists()


def test_a_body_outside_the_schema_is_refused_422(personas: Personas, sara: Caller) -> None:
    for change in (
        {"offers": [{"service": "phc", "sexes": ["x"]}]},
        {"capacity_per_week": 10**12},
        {"admin_unit": "not a p-code!"},
        {"name_en": "x" * 201},
    ):
        assert sara.send("post", API, {**entry_body(), **change}).status_code == 422
    assert not ServicePoint.objects.exists()


def test_only_the_points_mappers_change_it(personas: Personas, sara: Caller) -> None:
    point = builders.point(
        personas.iom, kind="crc", name_en="Zakho CRC", services_offered=("cash",)
    )
    uid = point.uid
    for name in ("shilan", "layla", "iom_admin", "root"):
        other = Caller(personas, name)
        assert other.send("put", f"{API}/{uid}/draft", entry_body()).status_code == 404
        assert other.send("post", f"{API}/{uid}/publish").status_code == 404
        assert other.send("post", f"{API}/{uid}/archive").status_code == 404
        assert other.send("post", API, entry_body()).status_code == 404
    # Another organisation's mapper: the same.
    mapper = builders.mapper(personas.intersos)
    token = core_services.api_token_create(user=mapper, name="test", with_second_factor=False)[1]
    headers = {"Authorization": f"Bearer {token}"}
    client = personas.ahmed.client()
    response = client.put(
        f"{API}/{uid}/draft", entry_body(), content_type="application/json", headers=headers
    )
    assert response.status_code == 404
    # ... who names IOM for a new point in vain.
    body = {**entry_body(), "organisation_id": str(personas.iom.pk)}
    answer = client.post(API, body, content_type="application/json", headers=headers)
    assert answer.status_code == 404
    assert list(point.versions.values_list("status", flat=True)) == [VersionStatus.CURRENT]
    # Publishing with no draft waiting is refused with the reason.
    refused = sara.send("post", f"{API}/{uid}/publish")
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["message"] == "There is no draft to publish."


def test_a_mapper_of_two_organisations_says_which(personas: Personas, sara: Caller) -> None:
    core_services.membership_add(
        actor=None, user=personas.sara.user, organisation=personas.dama, role=Role.SERVICE_MAPPER
    )
    refused = sara.send("post", API, entry_body())
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["field"] == "organisation_id"
    created = sara.send("post", API, {**entry_body(), "organisation_id": str(personas.dama.pk)})
    assert created.status_code == 201
    assert created.json()["organisation"]["acronym"] == "DAMA"
    assert Site.objects.count() == 0
