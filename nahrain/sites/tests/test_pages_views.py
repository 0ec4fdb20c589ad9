"""The CCCM dashboard, the site list and the site page, and creating, editing and changing the
status of a site through the pages: what each persona sees and may do."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from nahrain.core.models import AuditEvent
from nahrain.sites.models import Site, SiteStatusChange
from nahrain.sites.tests.pages_data import Camps, camps_build
from nahrain.testing.personas import Personas


@pytest.fixture
def camps(personas: Personas, chameshku: Site) -> Camps:
    return camps_build(personas, chameshku)


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_dashboard_shows_the_national_figures_to_any_reader(
    personas: Personas, camps: Camps
) -> None:
    response = personas.ahmed.client().get(reverse("sites:dashboard"))
    assert response.status_code == 200
    board = response.context["board"]
    # Haj Ali is closed: listed, but its people are no longer counted.
    assert (board.sites, board.lived_in) == (2, 1)
    assert board.individuals == 27400 + 52 - 20 + 30 - 61
    assert (board.capacity, board.over_capacity) == (30000, 0)
    assert [row["gaps"] for row in board.gaps_by_sector] == [2]
    assert [row["code"] for row in board.red_sites] == ["IQ-DHK-CHM"]
    months = {row["month"].isoformat(): row for row in board.months}
    assert months["2023-01-01"]["arrivals_individuals"] == 52
    assert months["2023-03-01"]["departures_individuals"] == 61
    text = _text(response)
    assert "27,401" in text and "Water, sanitation and hygiene" in text
    assert [g["pcode"] for g in board.governorates] == ["IQG09", "IQG15"]
    # The type and status table: one emergency site, closed.
    emergency = next(row for row in board.by_type if row["type"] == "emergency_site")
    assert emergency["total"] == 1 and sum(emergency["counts"]) == 1


def test_the_map_places_a_site_without_coordinates_at_its_area_centre(
    personas: Personas, camps: Camps
) -> None:
    data = personas.ahmed.client().get(reverse("sites:map_data")).json()
    by_code = {f["properties"]["code"]: f for f in data["features"]}
    chameshku, haj_ali = by_code["IQ-DHK-CHM"], by_code["IQ-NIN-HAJ"]
    assert chameshku["geometry"]["coordinates"] == [42.68, 37.05]
    assert not chameshku["properties"]["approximate"]
    ninewa = camps.emergency.governorate
    assert ninewa.lon is not None and ninewa.lat is not None
    assert haj_ali["geometry"]["coordinates"] == [round(ninewa.lon, 5), round(ninewa.lat, 5)]
    assert haj_ali["properties"]["approximate"]
    assert haj_ali["properties"]["status_label"] == "Closed"
    assert not haj_ali["properties"]["lived_in"]


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ({}, ["IQ-DHK-CHM", "IQ-NIN-HAJ"]),
        ({"type": "emergency_site"}, ["IQ-NIN-HAJ"]),
        ({"status": "consolidating"}, ["IQ-DHK-CHM"]),
        ({"governorate": "IQG15"}, ["IQ-NIN-HAJ"]),
        ({"q": "علي"}, ["IQ-NIN-HAJ"]),
        ({"q": "chamesh"}, ["IQ-DHK-CHM"]),
        ({"q": "dhk"}, ["IQ-DHK-CHM"]),
    ],
)
def test_the_site_list_filters_by_type_status_governorate_and_name(
    personas: Personas, camps: Camps, query: dict[str, str], codes: list[str]
) -> None:
    response = personas.ahmed.client().get(reverse("sites:list"), query)
    assert response.status_code == 200
    assert [site.code for site in response.context["page"]] == codes


def test_the_site_page_shows_the_profile_history_figures_and_movements(
    personas: Personas, camps: Camps
) -> None:
    url = reverse("sites:site", kwargs={"site_uid": camps.chameshku.uid})
    response = personas.ahmed.client().get(url)
    assert response.status_code == 200
    text = _text(response)
    for shown in ("Chameshku", "Consolidating", "Merging", "Headcount", "27,400", "MdM, UNICEF"):
        assert shown in text
    profile = response.context["profile"]
    assert [step.status for step in profile.history] == ["consolidating", "open"]
    assert [m["month"].month for m in profile.months] == [1, 2, 3]
    assert (profile.latest_round.red, profile.latest_round.amber) == (2, 1)
    assert len(profile.gaps) == 2
    # A reader from another organisation reads; only the holding organisation's staff change.
    assert not response.context["can_change"]
    assert reverse("sites:site_edit", kwargs={"site_uid": camps.chameshku.uid}) not in text
    mine = personas.omar.client().get(url)
    assert mine.context["can_change"]
    assert reverse("sites:site_status", kwargs={"site_uid": camps.chameshku.uid}).encode() in (
        mine.content
    )


def test_the_site_page_names_the_site_in_the_readers_language(
    personas: Personas, camps: Camps
) -> None:
    client = personas.ahmed.client()
    client.cookies["django_language"] = "ar"
    response = client.get(reverse("sites:site", kwargs={"site_uid": camps.emergency.uid}))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'dir="rtl"' in page and "<h1>حاج علي</h1>" in page


def test_a_site_manager_creates_a_site_picking_its_place_by_name(
    personas: Personas, gazetteer: None
) -> None:
    form = {
        "organisation": str(personas.iom.pk),
        "code": "IQ-DHK-KBT",
        "name_en": "Khanke",
        "name_ar": "خانكي",
        "type": "camp",
        "admin_unit": "Zakho",
        "status": "open",
        "status_on": "2014-10-01",
        "capacity_people": "18000",
        "partners": "MdM\nUNICEF\nMdM",
    }
    response = personas.omar.client().post(reverse("sites:site_new"), form)
    assert response.status_code == 302, response.context["form"].errors
    site = Site.objects.get(code="IQ-DHK-KBT")
    assert response["Location"] == reverse("sites:site", kwargs={"site_uid": site.uid})
    assert site.admin_unit.name_en == "Zakho" and site.governorate.pcode == "IQG09"
    assert site.partners == ["MdM", "UNICEF"]
    assert SiteStatusChange.objects.filter(site=site, status="open").exists()
    assert AuditEvent.objects.filter(action="site.create", object_id=str(site.uid)).exists()


def test_the_new_site_form_says_what_is_wrong(personas: Personas, chameshku: Site) -> None:
    form = {
        "organisation": str(personas.iom.pk),
        "code": chameshku.code,  # taken in IOM
        "name_en": "Another",
        "type": "camp",
        "admin_unit": "Duhok",  # a governorate and a district
        "status": "open",
        "status_on": "2014-10-01",
        "latitude": "36.9",
    }
    response = personas.omar.client().post(reverse("sites:site_new"), form)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "IQG09" in str(errors["admin_unit"]) and "IQG09Q02" in str(errors["admin_unit"])
    assert "longitude" in str(errors["__all__"])
    form.update(admin_unit="IQG09Q02", longitude="42.9")
    response = personas.omar.client().post(reverse("sites:site_new"), form)
    assert response.status_code == 200
    assert "code" in str(response.context["form"].errors).lower()
    assert Site.objects.count() == 1


@pytest.mark.parametrize("persona", ["ahmed", "shilan", "outsider", "hana"])
def test_only_site_staff_open_the_new_site_form(
    personas: Personas, gazetteer: None, persona: str
) -> None:
    client: Client = getattr(personas, persona).client()
    assert client.get(reverse("sites:site_new")).status_code == 404


def test_the_holding_organisation_edits_a_site_and_the_change_is_audited(
    personas: Personas, camps: Camps
) -> None:
    site = camps.chameshku
    url = reverse("sites:site_edit", kwargs={"site_uid": site.uid})
    assert personas.ahmed.client().get(url).status_code == 404
    form = personas.layla.client().get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(capacity_people="32000", managing_agency="IOM Iraq")
    response = personas.layla.client().post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    site.refresh_from_db()
    assert (site.capacity_people, site.managing_agency) == (32000, "IOM Iraq")
    event = AuditEvent.objects.filter(action="site.update", object_id=str(site.uid)).latest("at")
    assert event.detail["fields"] == ["capacity_people", "managing_agency"]
    assert personas.ahmed.client().post(url, data).status_code == 404


def test_a_status_change_enters_the_history_with_its_reason(
    personas: Personas, camps: Camps
) -> None:
    site = camps.chameshku
    url = reverse("sites:site_status", kwargs={"site_uid": site.uid})
    form = {"status": "closing", "on": "2023-06-01", "reason": "Closure announced by MoMD"}
    assert personas.ahmed.client().post(url, form).status_code == 404
    response = personas.omar.client().post(url, form)
    assert response.status_code == 302
    page = _text(personas.ahmed.client().get(reverse("sites:site", kwargs={"site_uid": site.uid})))
    assert "Closure announced by MoMD" in page and "Closing" in page
    site.refresh_from_db()
    assert (site.status, str(site.status_since)) == ("closing", "2023-06-01")
    assert AuditEvent.objects.filter(action="site.status", object_id=str(site.uid)).exists()


def test_a_site_that_does_not_exist_is_not_found(personas: Personas, gazetteer: None) -> None:
    missing = "00000000-0000-0000-0000-00000000abcd"
    for name in ("sites:site", "sites:site_edit", "sites:site_status"):
        url = reverse(name, kwargs={"site_uid": missing})
        assert personas.omar.client().get(url).status_code == 404
