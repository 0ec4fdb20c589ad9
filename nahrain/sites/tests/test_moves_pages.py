"""The shelters, movements and closure pages and their API: omar (IOM's site manager) reads and
writes IOM's camp; ahmed (DAMA viewer) reads its counts, never its households, and his writes
are answered as if the site did not exist."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from nahrain.sites import services
from nahrain.sites.models import Movement, Site
from nahrain.testing.personas import Personas


@pytest.fixture
def camp(personas: Personas, chameshku: Site) -> Site:
    omar = personas.omar.user
    services.population_record(
        actor=omar,
        site=chameshku,
        on=date(2024, 1, 1),
        source="headcount",
        individuals=27400,
        households=5200,
    )
    [tent] = services.units_create(actor=omar, site=chameshku, kind="tent", block="B", codes=["1"])
    services.allocation_create(
        actor=omar, unit=tent, start=date(2024, 1, 2), individuals=6, household="CHM-0042"
    )
    services.closure_create(
        actor=omar,
        site=chameshku,
        announced_on=date(2024, 2, 1),
        planned_on=date(2024, 3, 1),
        households=5200,
        intentions={"area_of_origin": 4000},
    )
    return chameshku


def _pages(site: Site) -> list[str]:
    closure = site.closures.get()
    return [
        reverse("sites:units", args=[site.uid]),
        reverse("sites:closure", args=[closure.uid]),
        *(
            reverse(f"sites:{name}", args=[site.uid])
            for name in ("movement_new", "transfer_new", "population_new", "closure_new")
        ),
    ]


def test_the_pages_render_for_the_sites_manager(personas: Personas, camp: Site) -> None:
    client = personas.omar.client()
    for url in _pages(camp):
        response = client.get(url)
        assert response.status_code == 200, url
    shelters = client.get(reverse("sites:units", args=[camp.uid])).content.decode()
    assert "CHM-0042" in shelters and "27,400" in shelters


def test_a_reader_sees_counts_not_households_and_cannot_write(
    personas: Personas, camp: Site
) -> None:
    client = personas.ahmed.client()
    units, closure, *forms = _pages(camp)
    shelters = client.get(units)
    assert shelters.status_code == 200
    assert "CHM-0042" not in shelters.content.decode()
    assert "no-store" in shelters["Cache-Control"]
    assert client.get(closure).status_code == 200
    for url in forms:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"on": "2024-01-05"}).status_code == 404, url
    assert client.post(units, {"kind": "tent", "first": 1, "last": 2}).status_code == 404
    camp.refresh_from_db()
    assert camp.units_total == 1


def _depart(personas: Personas, site: Site, households: int, **fields: object) -> Any:
    """omar posts a departure of ``households`` (five and a half people each) on 10 February."""
    return personas.omar.client().post(
        reverse("sites:movement_new", args=[site.uid]),
        {
            "kind": "departure",
            "on": "2024-02-10",
            "households": households,
            "individuals": households * 11 // 2,
            "key": f"page:{households}",
            **fields,
        },
    )


def test_a_departure_is_recorded_from_the_page_against_the_closure(
    personas: Personas, camp: Site
) -> None:
    closure = camp.closures.get()
    response = _depart(personas, camp, 20, place="area_of_origin", closure=closure.pk)
    assert response.status_code == 302
    camp.refresh_from_db()
    assert (camp.population_individuals, camp.population_households) == (27290, 5180)
    assert Movement.objects.get().closure == closure


def test_a_departure_form_sent_twice_counts_once(personas: Personas, camp: Site) -> None:
    for _ in range(2):
        assert _depart(personas, camp, 20, place="area_of_origin").status_code == 302
    camp.refresh_from_db()
    assert camp.population_households == 5180 and Movement.objects.count() == 1


def test_too_many_leaving_is_shown_on_the_form(personas: Personas, camp: Site) -> None:
    response = _depart(personas, camp, 6000, place="unknown")
    assert response.status_code == 200
    assert "More people would leave" in response.content.decode()
    assert not Movement.objects.exists()


def test_the_api_counts_a_key_once_and_answers_the_closure(personas: Personas, camp: Site) -> None:
    client = personas.omar.client()
    body = {
        "kind": "arrival",
        "on": "2024-01-08",
        "households": 2,
        "individuals": 9,
        "place": "out_of_camp",
        "admin_unit": "IQG15",
        "key": "uuid:api-1",
    }
    first = client.post(
        f"/api/v1/sites/{camp.uid}/movements", body, content_type="application/json"
    )
    again = client.post(
        f"/api/v1/sites/{camp.uid}/movements", body, content_type="application/json"
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["uid"] == again.json()["uid"]
    camp.refresh_from_db()
    assert camp.population_individuals == 27409
    weeks = client.get(f"/api/v1/sites/{camp.uid}/weeks").json()
    assert weeks == [
        {
            "week": "2024-01-08",
            "arrivals_households": 2,
            "arrivals_individuals": 9,
            "departures_households": 0,
            "departures_individuals": 0,
        }
    ]
    closure = camp.closures.get()
    answer = personas.ahmed.client().get(f"/api/v1/sites/closures/{closure.uid}").json()
    assert (answer["households"], answer["intentions"], answer["departed_households"]) == (
        5200,
        {"area_of_origin": 4000},
        0,
    )
    refused = client.post(
        f"/api/v1/sites/{camp.uid}/movements",
        {**body, "key": None, "kind": "departure", "households": 9000, "individuals": 9000},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "More people" in refused.json()["detail"]


@pytest.mark.parametrize("language", ["ar", "ckb"])
def test_the_pages_read_right_to_left_with_local_names(
    personas: Personas, camp: Site, language: str
) -> None:
    client = personas.omar.client()
    client.cookies["django_language"] = language
    for url in _pages(camp):
        page = client.get(url).content.decode()
        assert 'dir="rtl"' in page, url
    assert "جمشكو" in client.get(reverse("sites:units", args=[camp.uid])).content.decode()
