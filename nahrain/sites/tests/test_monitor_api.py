"""Monitoring rounds, gaps and informal-site risk through the API: ratings stored with the
denominator used, a form sent twice counted once, Site.open_gaps kept through a gap's life, the
risk ranking's order, and writes refused to a reader."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest
from django.test import Client

from nahrain.geo.models import AdminUnit
from nahrain.sites import selectors, services
from nahrain.sites.models import MonitoringRound, Rating, Sector, Site, SiteType
from nahrain.sites.tests.test_monitor_rules import EXAMPLE
from nahrain.testing.personas import Personas

COUNTS = {
    "water_litres_per_day": 60000,  # 20 l/p/d for 3 000 people: green
    "latrines_female": 45,
    "latrines_male": 15,  # 50 people per latrine: amber; 75 % for women: green
    "taps": 10,  # 300 per tap: amber
    "showers": 20,  # 150 per shower: red
    "complaints_mechanism": False,  # red
    "health_facility_within_reach": True,  # green
}


def api(persona: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {persona.token()}"})


@pytest.fixture
def counted(personas: Personas, chameshku: Site) -> Site:
    services.population_record(
        actor=personas.omar.user,
        site=chameshku,
        on=date(2026, 10, 1),
        source="headcount",
        individuals=3000,
        households=600,
    )
    chameshku.refresh_from_db()
    return chameshku


def test_a_round_posted_is_rated_against_the_site_population(
    personas: Personas, counted: Site
) -> None:
    answer = api(personas.omar).post(
        f"/api/v1/sites/{counted.uid}/monitoring",
        {"on": "2026-11-02", "counts": COUNTS, "key": "form-1"},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    ratings = {v["indicator"]: (v["value"], v["rating"]) for v in body["values"]}
    assert body["population"] == 3000
    assert ratings["water_lpd"] == (20, Rating.GREEN)
    assert ratings["people_per_latrine"] == (50, Rating.AMBER)
    assert ratings["female_latrine_share"] == (75, Rating.GREEN)
    assert ratings["people_per_tap"] == (300, Rating.AMBER)
    assert ratings["people_per_shower"] == (150, Rating.RED)
    assert ratings["complaints_mechanism"] == (0, Rating.RED)
    assert ratings["health_access"] == (1, Rating.GREEN)
    assert (body["red"], body["amber"], body["green"]) == (2, 2, 3)
    # Sent again (the same form instance): counted once.
    again = api(personas.omar).post(
        f"/api/v1/sites/{counted.uid}/monitoring",
        {"on": "2026-11-02", "counts": COUNTS, "key": "form-1"},
        content_type="application/json",
    )
    assert again.json()["uid"] == body["uid"]
    assert MonitoringRound.objects.filter(site=counted).count() == 1
    # Readers see it; a reader cannot write one.
    listed = api(personas.ahmed).get(f"/api/v1/sites/{counted.uid}/monitoring")
    assert [r["uid"] for r in listed.json()] == [body["uid"]]
    refused = api(personas.ahmed).post(
        f"/api/v1/sites/{counted.uid}/monitoring",
        {"on": "2026-11-02", "counts": COUNTS},
        content_type="application/json",
    )
    assert refused.status_code == 404


def test_a_population_counted_by_the_team_is_the_denominator(
    personas: Personas, counted: Site
) -> None:
    monitoring = services.monitoring_record(
        actor=personas.omar.user,
        site=counted,
        on=date(2026, 11, 2),
        raw={"water_litres_per_day": 15000, "showers": 0},
        population=2000,
    )
    assert monitoring.population == 2000
    assert monitoring.values.get(indicator__code="water_lpd").value == 7.5
    # No shower at all: stored as infinitely many people per shower, critical; the API says
    # null rather than a number JSON cannot carry.
    showers = monitoring.values.get(indicator__code="people_per_shower")
    assert (math.isinf(showers.value), showers.rating) == (True, Rating.RED)
    listed = api(personas.ahmed).get(f"/api/v1/sites/{counted.uid}/monitoring").json()
    values = {v["indicator"]: (v["value"], v["rating"]) for v in listed[0]["values"]}
    assert values["people_per_shower"] == (None, Rating.RED)


def test_bad_counts_are_refused(personas: Personas, counted: Site) -> None:
    for counts in ({"taps": -1}, {"tents": 5, "tents_to_replace": 6}, {"cows": 3}):
        answer = api(personas.omar).post(
            f"/api/v1/sites/{counted.uid}/monitoring",
            {"on": "2026-11-02", "counts": counts},
            content_type="application/json",
        )
        assert answer.status_code == 422, counts
    assert not MonitoringRound.objects.exists()


def test_a_gap_lifecycle_keeps_open_gaps(personas: Personas, counted: Site) -> None:
    omar = api(personas.omar)
    monitoring = services.monitoring_record(
        actor=personas.omar.user, site=counted, on=date(2026, 11, 2), raw=COUNTS
    )
    raised = omar.post(
        f"/api/v1/sites/{counted.uid}/gaps",
        {
            "sector": "wash",
            "description": "Not enough showers",
            "raised_on": "2026-11-02",
            "due_on": "2026-11-20",
            "monitoring_round": str(monitoring.uid),
            "indicator": "people_per_shower",
        },
        content_type="application/json",
    )
    assert raised.status_code == 201, raised.content
    gap = raised.json()
    assert (gap["status"], gap["cluster"], gap["indicator"]) == (
        "open",
        "WASH Cluster",
        "people_per_shower",
    )
    by_hand = services.gap_raise(
        actor=personas.omar.user,
        site=counted,
        sector=Sector.objects.get(code="education"),
        description="No teacher for grade 5",
        raised_on=date(2026, 11, 3),
        partner="Save the Children",
    )
    assert by_hand.status == "taken"
    counted.refresh_from_db()
    assert counted.open_gaps == 2

    def follow(status: str, **extra: Any) -> Any:
        return omar.post(
            f"/api/v1/sites/gaps/{gap['uid']}/updates",
            {"on": "2026-11-10", "status": status, **extra},
            content_type="application/json",
        )

    assert follow("taken").status_code == 422  # taken on by whom?
    assert follow("taken", partner="NRC", due_on="2026-11-01").status_code == 422  # before raised
    assert follow("taken", partner="NRC", note="Six showers by the 20th").json()["open_gaps"] == 2
    assert follow("closed", note="Showers built").json()["open_gaps"] == 1
    counted.refresh_from_db()
    assert counted.open_gaps == 1
    assert follow("open", note="Two broke again").json()["open_gaps"] == 2
    listed = api(personas.ahmed).get(f"/api/v1/sites/{counted.uid}/gaps").json()
    assert {g["sector"] for g in listed} == {"wash", "education"}
    overdue = api(personas.ahmed).get("/api/v1/sites/gaps", {"overdue": "true"}).json()
    assert [g["uid"] for g in overdue] == [gap["uid"]]  # due 20 November 2026: past
    sectors = {
        row["sector"].code: row
        for row in selectors.gaps_by_sector(user=personas.ahmed.user, today=date(2026, 12, 1))
    }
    assert (sectors["wash"]["open"], sectors["wash"]["overdue"]) == (1, 1)
    assert sectors["education"]["taken"] == 1
    assert follow("closed").status_code == 201
    refused = api(personas.ahmed).post(
        f"/api/v1/sites/gaps/{gap['uid']}/updates",
        {"on": "2026-11-10", "status": "open"},
        content_type="application/json",
    )
    assert refused.status_code == 404


def informal(personas: Personas, code: str, name: str) -> Site:
    return services.site_create(
        actor=personas.omar.user,
        organisation=personas.iom,
        code=code,
        name_en=name,
        type=SiteType.INFORMAL_SETTLEMENT,
        admin_unit=AdminUnit.objects.get(pcode="IQG09"),
    )


# The worked example of test_monitor_rules (49.5).
ANSWERS = EXAMPLE


def test_informal_sites_are_ranked_by_their_latest_score(
    personas: Personas, gazetteer: None, chameshku: Site
) -> None:
    """A scored 49.5 (the worked example of test_monitor_rules), then was reassessed with no
    eviction risk: 49.5 - 15 = 34.5, its latest. B scored 49.5 with 60 families; C 49.5 with 190
    families (the same band from 50, so the same score). B and C tie: C, with more families,
    comes first; then B; then A."""
    omar = api(personas.omar)
    a, b, c = (informal(personas, f"IS-{n}", f"Site {n}") for n in "ABC")
    for site, answers, on in (
        (a, ANSWERS, "2026-10-01"),
        (a, {**ANSWERS, "eviction_risk": "none"}, "2026-11-01"),
        (b, ANSWERS, "2026-11-01"),
        (c, {**ANSWERS, "families": 190}, "2026-11-01"),
    ):
        answer = omar.post(
            f"/api/v1/sites/{site.uid}/risk",
            {"on": on, "answers": answers},
            content_type="application/json",
        )
        assert answer.status_code == 201, answer.content
    ranked = api(personas.ahmed).get("/api/v1/sites/risk").json()
    assert [(r["site_name"], r["score"]) for r in ranked] == [
        ("Site C", 49.5),
        ("Site B", 49.5),
        ("Site A", 34.5),
    ]
    camp = omar.post(
        f"/api/v1/sites/{chameshku.uid}/risk",
        {"on": "2026-11-01", "answers": ANSWERS},
        content_type="application/json",
    )
    assert camp.status_code == 422  # a formal camp is not scored with the informal-site formula
    refused = api(personas.ahmed).post(
        f"/api/v1/sites/{a.uid}/risk",
        {"on": "2026-11-01", "answers": ANSWERS},
        content_type="application/json",
    )
    assert refused.status_code == 404


def test_indicators_are_listed_with_their_sources(personas: Personas, db: None) -> None:
    listed = api(personas.ahmed).get("/api/v1/sites/indicators").json()
    water = next(i for i in listed if i["code"] == "water_lpd")
    assert (water["green"], water["red"], water["cluster"]) == (15, 7.5, "WASH Cluster")
    assert "Sphere Handbook 2018" in water["source"]
