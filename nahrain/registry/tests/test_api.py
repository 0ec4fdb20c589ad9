"""The registry API: rania, IOM's registration officer, registers a family in Chameshku and
records its life through the API (births, deaths, departures, splits, merges), the camp's
population following the registered individuals after each; nobody outside IOM's registry
learns the household exists; the rules' refusals come back as problems."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from nahrain.core.models import AuditEvent
from nahrain.registry.models import Household, HouseholdStatus, Individual
from nahrain.sites.models import ShelterUnit, Site
from nahrain.testing.personas import Personas

API = "/api/v1/registry/"


def _bearer(personas: Personas, name: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {getattr(personas, name).token()}"}


def _get(personas: Personas, name: str, path: str, **query: Any) -> Any:
    return getattr(personas, name).client().get(path, query, **_bearer(personas, name))


def _send(personas: Personas, name: str, method: str, path: str, body: dict[str, Any]) -> Any:
    client = getattr(personas, name).client()
    return getattr(client, method)(
        path, body, content_type="application/json", **_bearer(personas, name)
    )


def family_body(site: Site, *, key: str | None = None, unit: str = "1") -> dict[str, Any]:
    """The Al-Jubouri family: a head, his wife, a son and a daughter, in a tent of the camp."""
    return {
        "registered_on": "2024-03-01",
        "site_uid": str(site.uid),
        "unit_uid": str(ShelterUnit.objects.get(site=site, code=unit).uid),
        "origin": "IQG15",
        "displaced_on": "2014-08-03",
        "phone": "+964 750 123 4567",
        "key": key,
        "members": [
            {
                "sex": "m",
                "relationship": "head",
                "first_ar": "محمد",
                "father_ar": "أحمد",
                "grandfather_ar": "حسن",
                "family_ar": "الجبوري",
                "first_lat": "Mohammed",
                "family_lat": "Al-Jubouri",
                "born_on": "1980-03-14",
                "documents": [
                    {"kind": "national_card", "held": True, "number": "199012345678"},
                    {"kind": "pds_card", "held": False},
                ],
            },
            {
                "sex": "f",
                "relationship": "spouse",
                "first_ar": "فاطمة",
                "father_ar": "علي",
                "born_on": "1985-07-01",
                "birth_date": "july_1",
            },
            {"sex": "m", "relationship": "son", "first_ar": "علي", "born_on": "2012-05-20"},
            {"sex": "f", "relationship": "daughter", "first_ar": "زينب", "age": 10},
        ],
    }


def population(site: Site) -> tuple[int | None, int | None]:
    site.refresh_from_db()
    return site.population_households, site.population_individuals


def registered(site: Site) -> tuple[int, int]:
    """The households and individuals registered as living in the site now."""
    households = Household.objects.filter(site=site, status=HouseholdStatus.ACTIVE)
    individuals = Individual.objects.filter(household__in=households, status="active")
    return households.count(), individuals.count()


@pytest.fixture
def household(personas: Personas, chameshku: Site) -> dict[str, Any]:
    """The Al-Jubouri family as rania registered it through the API."""
    response = _send(personas, "rania", "post", f"{API}households", family_body(chameshku))
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def test_rania_registers_a_family_through_the_api_and_again_with_the_same_key_once(
    personas: Personas, chameshku: Site
) -> None:
    body = family_body(chameshku, key="kobo:uuid-1")
    first = _send(personas, "rania", "post", f"{API}households", body)
    assert first.status_code == 201, first.content
    again = _send(personas, "rania", "post", f"{API}households", body)
    assert again.status_code == 201 and again.json()["uid"] == first.json()["uid"]
    assert Household.objects.count() == 1
    family = first.json()
    assert family["number"].startswith("IOM-") and family["organisation"] == "IOM"
    assert (family["size"], family["site"], family["unit"], family["origin"]) == (
        4,
        "IQ-DHK-CHM",
        "1",
        "IQG15",
    )
    assert [m["relationship"] for m in family["members"]] == ["head", "spouse", "son", "daughter"]
    head = family["members"][0]
    assert head["documents"] == [
        {"kind": "national_card", "held": True, "number": "199012345678"},
        {"kind": "pds_card", "held": False, "number": ""},
    ]
    daughter = family["members"][3]
    assert (daughter["birth_date"], daughter["born_on"][5:]) == ("estimated", "07-01")
    assert "missing_documents" in family["vulnerabilities"]
    assert [c["purpose"] for c in family["consents"]] == ["registration"]
    assert family["events"][0]["kind"] == "registration"
    assert "no-store" in first["Cache-Control"]
    assert population(chameshku) == (1, 4) == registered(chameshku)


def test_rania_reads_the_family_and_the_read_is_audited_without_personal_values(
    personas: Personas, household: dict[str, Any]
) -> None:
    response = _get(personas, "rania", f"{API}households/{household['uid']}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response.json()["phone"] == "+964 750 123 4567"
    read = AuditEvent.objects.get(action="registry.read", object_id=household["uid"])
    assert read.actor == personas.rania.user and read.detail == {"via": "api"}
    logged = json.dumps(
        [[e.action, e.object_id, e.detail] for e in AuditEvent.objects.all()], ensure_ascii=False
    )
    for personal in (
        "محمد",
        "Mohammed",
        "7501234567",
        "199012345678",
        household["number"],
        household["phone"],
    ):
        assert personal not in logged


def test_the_camp_population_follows_births_deaths_departures_splits_and_merges(
    personas: Personas, chameshku: Site, household: dict[str, Any]
) -> None:
    url = f"{API}households/{household['uid']}"
    members = {m["first_ar"]: m["uid"] for m in household["members"]}

    def answered(method: str, path: str, body: dict[str, Any], status: int = 200) -> Any:
        response = _send(personas, "rania", method, path, body)
        assert response.status_code == status, response.content
        assert population(chameshku) == registered(chameshku)
        return response.json()

    birth = {"on": "2025-01-09", "birth": True, "born_on": "2025-01-09", "sex": "f"}
    baby = answered(
        "post", f"{url}/members", {**birth, "relationship": "daughter", "first_ar": "مريم"}, 201
    )
    assert (baby["born_on"], baby["birth_date"], baby["status"]) == (
        "2025-01-09",
        "exact",
        "active",
    )
    assert population(chameshku) == (1, 5)
    answered("post", f"{API}members/{baby['uid']}/death", {"on": "2025-02-01"})
    assert population(chameshku) == (1, 4)
    second = family_body(chameshku, unit="2")
    second["members"] = second["members"][:3]
    other = answered("post", f"{API}households", second, 201)
    assert population(chameshku) == (2, 7)
    merged = answered(
        "post",
        f"{API}households/{other['uid']}/merge",
        {"on": "2025-04-01", "into_uid": household["uid"]},
    )
    assert merged["size"] == 7 and population(chameshku) == (1, 7)
    split = {"on": "2025-05-01", "head_uid": members["علي"], "unit_uid": None}
    new = answered("post", f"{url}/split", split, 201)
    assert new["size"] == 1 and population(chameshku) == (2, 7)
    assert new["split_from_uid"] == household["uid"]
    closed = _get(personas, "rania", f"{API}households/{other['uid']}").json()
    assert (closed["status"], closed["merged_into_uid"]) == ("merged", household["uid"])
    answered(
        "post", f"{API}households/{new['uid']}/departure", {"on": "2025-06-01", "returned": True}
    )
    assert population(chameshku) == (1, 6)
    gone = _get(personas, "rania", f"{API}households/{new['uid']}").json()
    assert (gone["status"], gone["left_on"], gone["site"]) == ("returned", "2025-06-01", "")


def test_other_organisations_and_other_roles_neither_read_nor_change_iom_s_family(
    personas: Personas, household: dict[str, Any]
) -> None:
    url = f"{API}households/{household['uid']}"
    for name in ("karim", "layla", "ahmed", "outsider", "hana", "iom_admin", "root"):
        assert _get(personas, name, url).status_code == 404, name
        assert _send(personas, name, "patch", url, {"phone": "0"}).status_code == 404, name
        listed = _get(personas, name, f"{API}households")
        assert listed.status_code == 200 and listed.json() == [], name
        assert _get(personas, name, f"{API}households", q="محمد").json() == [], name
    missing = _get(personas, "rania", f"{API}households/00000000-0000-0000-0000-000000000001")
    assert missing.status_code == 404
    assert _get(personas, "omar", url).status_code == 200  # IOM's site manager
    assert Household.objects.get(uid=household["uid"]).phone == "+964 750 123 4567"


def test_rania_s_api_token_lists_and_finds_the_family_and_no_token_is_refused(
    personas: Personas, household: dict[str, Any]
) -> None:
    # A client holding no session: the token alone.
    listed = Client().get(
        f"{API}households", headers={"Authorization": f"Bearer {personas.rania.token()}"}
    )
    assert [h["number"] for h in listed.json()] == [household["number"]]
    assert listed.json()[0]["head"] == "محمد أحمد حسن الجبوري"
    assert "no-store" in listed["Cache-Control"]
    found = _get(personas, "rania", f"{API}households", q=household["number"])
    assert [h["uid"] for h in found.json()] == [household["uid"]]
    in_camp = _get(personas, "rania", f"{API}households", site_uid=household["site_uid"])
    assert [h["uid"] for h in in_camp.json()] == [household["uid"]]
    assert _get(personas, "rania", f"{API}households", status="departed").json() == []
    assert Client().get(f"{API}households").status_code == 401


def test_the_rules_refusals_come_back_as_problems(personas: Personas, chameshku: Site) -> None:
    body = family_body(chameshku)
    body["members"][1]["relationship"] = "head"  # two heads
    body["registered_on"] = (date.today() + timedelta(days=3)).isoformat()
    body["members"][3] = {"sex": "f", "relationship": "mother", "first_ar": "خديجة", "age": 120}
    response = _send(personas, "rania", "post", f"{API}households", body)
    assert response.status_code == 422
    assert "no-store" in response["Cache-Control"]
    problems = response.json()["problems"]
    assert {(p["rule"], p["field"]) for p in problems} >= {
        ("head_twice", "relationship"),
        ("date_future", "registered_on"),
        ("age_above_max", "member 4: age"),
    }
    assert not Household.objects.exists()


def test_rania_records_consent_a_visit_a_correction_and_a_move_out_of_camp(
    personas: Personas, chameshku: Site, household: dict[str, Any]
) -> None:
    url = f"{API}households/{household['uid']}"
    consent = _send(
        personas, "rania", "post", f"{url}/consents", {"purpose": "assistance", "on": "2024-03-02"}
    )
    assert consent.status_code == 201 and consent.json()["withdrawn_on"] is None
    withdrawn = _send(
        personas,
        "rania",
        "post",
        f"{API}consents/{consent.json()['uid']}/withdraw",
        {"on": "2024-06-01"},
    )
    assert withdrawn.json()["withdrawn_on"] == "2024-06-01"
    sharing = _send(
        personas, "rania", "post", f"{url}/consents", {"purpose": "sharing", "on": "2024-03-02"}
    )
    assert sharing.status_code == 422 and sharing.json()["problems"][0]["rule"] == "refused"
    visit = {"on": "2024-07-01", "outcome": "verified", "members_seen": 4}
    assert _send(personas, "rania", "post", f"{url}/visits", visit).status_code == 201
    spouse = household["members"][1]["uid"]
    corrected = _send(
        personas,
        "rania",
        "patch",
        f"{API}members/{spouse}",
        {"first_lat": "Fatima", "wg_walking": 3},
    )
    assert corrected.status_code == 200, corrected.content
    assert (corrected.json()["first_lat"], corrected.json()["wg"]) == ("Fatima", {"walking": 3})
    moved = _send(
        personas,
        "rania",
        "post",
        f"{url}/move",
        {"on": "2024-08-01", "admin_unit": "IQG09Q04", "address": "Zakho, Nohadra street"},
    )
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert (body["site"], body["admin_unit"], body["address"]) == (
        "",
        "IQG09Q04",
        "Zakho, Nohadra street",
    )
    assert [s["end"] for s in body["stays"]] == ["2024-08-01", None]
    assert "disability" in body["vulnerabilities"]
    assert [v["outcome"] for v in body["visits"]] == ["verified"]
    assert population(chameshku) == (0, 0) == registered(chameshku)
    # The rule is said in the language the request asks for.
    unknown = personas.rania.client().post(
        f"{url}/move",
        {"on": "2024-08-02", "admin_unit": "IQX"},
        content_type="application/json",
        headers={"Accept-Language": "ar"},
    )
    assert unknown.status_code == 422
    (problem,) = unknown.json()["problems"]
    assert (problem["rule"], problem["field"]) == ("unknown_pcode", "admin_unit")
    assert problem["words"] == "ليس رمزًا مكانيًا (p-code) معروفًا"


def test_the_list_and_the_record_cost_the_same_queries_for_many_households_as_for_few(
    personas: Personas, chameshku: Site, household: dict[str, Any]
) -> None:
    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert _get(personas, "rania", path).status_code == 200
        return len(captured)

    record = f"{API}households/{household['uid']}"
    few = queries(f"{API}households"), queries(record)
    for unit in range(2, 12):
        body = family_body(chameshku, unit=str(unit))
        assert _send(personas, "rania", "post", f"{API}households", body).status_code == 201
    baby = {"on": "2025-01-09", "birth": True, "born_on": "2025-01-09", "sex": "m"}
    for name in ("حسين", "حسن"):
        added = {**baby, "relationship": "son", "first_ar": name}
        assert _send(personas, "rania", "post", f"{record}/members", added).status_code == 201
    assert (queries(f"{API}households"), queries(record)) == few
