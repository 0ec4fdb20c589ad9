"""Searching the service directory, through its page and its API: by place (a governorate finds
the points of its districts and sub-districts; a mobile team is found where it goes), by
service and who the person is (sex, age, population group), by language and by name in English,
Arabic and Kurdish. Only current entries open today are found: never a draft, not even by its
own mappers, never an archived point, never one closed or not yet open."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nahrain.geo.models import AdminUnit
from nahrain.referrals import directory_services
from nahrain.referrals.directory_services import OfferIn, PointIn, VisitIn
from nahrain.referrals.models import ServicePoint
from nahrain.referrals.tests import builders
from nahrain.referrals.tests.permissions_directory import redraft
from nahrain.sites import services as site_services
from nahrain.sites.models import Site, SiteType
from nahrain.testing.personas import Personas

API = "/api/v1/services/points"


def khanke(personas: Personas) -> Site:
    """IOM's Khanke camp, in Sumail district of Duhok."""
    builders.gazetteer()
    return site_services.site_create(
        actor=personas.omar.user,
        organisation=personas.iom,
        code="IQ-DHK-KHK",
        name_en="Khanke",
        name_ar="خانكي",
        type=SiteType.CAMP,
        admin_unit=AdminUnit.objects.get(pcode="IQG09Q03"),
        status_on=date(2014, 9, 1),
        capacity_people=16000,
    )


def mobile_team(personas: Personas, camp: Site) -> ServicePoint:
    """DAMA's mobile medical team, based in Duhok district, going to Khanke camp on Sundays and
    Tuesdays and to Al-Amadiya on Wednesdays."""
    return _point(
        personas.dama,
        kind="mobile_team",
        name_en="DAMA mobile medical team 3",
        pcode="IQG09Q02",
        offers=(OfferIn("phc"), OfferIn("srh", sexes=("f",))),
        visits=(
            VisitIn(weekdays=(7, 2), site=camp, hours="9:00 to 13:00"),
            VisitIn(weekdays=(3,), admin_unit=AdminUnit.objects.get(pcode="IQG09Q01")),
        ),
        latitude=None,
        longitude=None,
    )


def _point(organisation: Any, *, publish: bool = True, **fields: Any) -> ServicePoint:
    """A point of the organisation written as its mapper writes it, published unless asked."""
    builders.gazetteer()
    mapper = builders.mapper(organisation)
    fields["admin_unit"] = AdminUnit.objects.get(pcode=fields.pop("pcode", "IQG09Q04"))
    fields.setdefault("kind", "phcc")
    fields.setdefault("offers", (OfferIn("phc"),))
    fields.setdefault("latitude", 37.1)
    fields.setdefault("longitude", 42.7)
    fields.setdefault("languages", ("ar", "ckb"))
    created = directory_services.point_create(
        actor=mapper, organisation=organisation, point=PointIn(**fields)
    )
    if publish:
        directory_services.draft_publish(actor=mapper, point=created)
    return created


@pytest.fixture
def points(personas: Personas) -> dict[str, ServicePoint]:
    """The personas' standard points in Zakho, a PHCC in Aqra (Ninewa), a women's centre in a
    sub-district of Zakho and DAMA's mobile team."""
    found = builders.standard_points(personas)
    AdminUnit.objects.create(
        pcode="IQG09Q04N01",
        level=3,
        parent=AdminUnit.objects.get(pcode="IQG09Q04"),
        name_en="Zakho Centre",
        name_ar="مركز زاخو",
    )
    found["aqra"] = _point(
        personas.dama, name_en="Aqra PHCC", name_ar="مركز عقرة الصحي", pcode="IQG15Q01"
    )
    found["centre"] = _point(
        personas.intersos,
        kind="womens_centre",
        name_en="Zakho centre safe space",
        name_ckb="شوێنی سەلامەتی ناوەندی زاخۆ",
        pcode="IQG09Q04N01",
        offers=(OfferIn("mhpss_pfa", sexes=("f",), age_min=12),),
        languages=("kmr",),
    )
    found["mobile"] = mobile_team(personas, khanke(personas))
    return found


def _names(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["entry"]["name_en"] for row in response.json()["items"]}


def _search(personas: Personas, who: str = "ahmed", **query: Any) -> set[str]:
    client = getattr(personas, who).client()
    return _names(client.get(API, query))


ZAKHO = {
    "Zakho women and girls' safe space",
    "Zakho legal aid office",
    "Chameshku PHCC",
    "Zakho community resource centre",
}


def test_a_place_finds_the_points_below_it_and_the_mobile_teams_that_go_there(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    everything = ZAKHO | {"Aqra PHCC", "Zakho centre safe space", "DAMA mobile medical team 3"}
    assert _search(personas) == everything
    duhok = _search(personas, place="IQG09")
    assert duhok == everything - {"Aqra PHCC"}
    assert _search(personas, place="IQG09Q04") == ZAKHO | {"Zakho centre safe space"}
    assert _search(personas, place="iqg09q04n01") == {"Zakho centre safe space"}
    assert _search(personas, place="IQG15") == {"Aqra PHCC"}
    # The mobile team is based in Duhok district, and goes to Khanke (Sumail) and Al-Amadiya.
    assert _search(personas, place="IQG09Q02") == {"DAMA mobile medical team 3"}
    assert _search(personas, place="IQG09Q03") == {"DAMA mobile medical team 3"}
    assert _search(personas, place="IQG09Q01") == {"DAMA mobile medical team 3"}
    camp = Site.objects.get(code="IQ-DHK-KHK")
    assert _search(personas, site_uid=str(camp.uid)) == {"DAMA mobile medical team 3"}
    # A p-code that names no unit finds nothing, not everything that begins with it.
    assert _search(personas, place="IQG0") == set()


def test_a_service_and_the_person_it_is_for_find_the_offers_that_fit(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    assert _search(personas, service="gbv_case_management") == {"Zakho women and girls' safe space"}
    pfa = {"Zakho women and girls' safe space", "Zakho centre safe space"}
    assert _search(personas, service="mhpss_pfa", sex="f") == pfa
    # Both are for women and girls: a man finds neither.
    assert _search(personas, service="mhpss_pfa", sex="m") == set()
    # The centre's is from the age of 12.
    assert _search(personas, service="mhpss_pfa", sex="f", age=9) == {
        "Zakho women and girls' safe space"
    }
    assert _search(personas, service="srh", sex="m") == {"Chameshku PHCC"}
    assert _search(personas, service="srh", sex="f") == {
        "Chameshku PHCC",
        "DAMA mobile medical team 3",
    }
    # Without a service: any offer the person is eligible for.
    assert "Zakho centre safe space" not in _search(personas, sex="m")


def test_a_population_group_and_an_age_range_narrow_an_offer(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    _point(
        personas.intersos,
        name_en="Khanke child-friendly space",
        pcode="IQG09Q03",
        offers=(OfferIn("child_protection", age_max=17, groups=("idp_in_camp", "refugee")),),
    )
    found = _search(personas, service="child_protection", place="IQG09Q03", age=10)
    assert found == {"Khanke child-friendly space"}
    assert _search(personas, service="child_protection", place="IQG09Q03", age=30) == set()
    assert _search(personas, service="child_protection", place="IQG09Q03", group="refugee") == {
        "Khanke child-friendly space"
    }
    assert _search(personas, service="child_protection", place="IQG09Q03", group="host") == set()
    # An offer that names no group is for every group.
    assert "Zakho legal aid office" in _search(personas, service="child_protection", group="host")


def test_language_and_names_in_three_languages(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    assert _search(personas, language="kmr") == {"Zakho centre safe space"}
    assert _search(personas, q="جمشكو") == {"Chameshku PHCC"}
    assert _search(personas, q="سەلامەتی") == {"Zakho centre safe space"}
    assert _search(personas, q="legal ZAKHO") == {"Zakho legal aid office"}
    assert _search(personas, q="INTERSOS", place="IQG09Q04") == {
        "Zakho women and girls' safe space",
        "Zakho legal aid office",
        "Zakho centre safe space",
    }


def test_only_entries_open_today_are_found(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    today = timezone.localdate()
    _point(personas.dama, name_en="Closed PHCC", active_until=today - timedelta(days=1))
    _point(personas.dama, name_en="Future PHCC", active_from=today + timedelta(days=1))
    _point(personas.dama, name_en="Open PHCC", active_from=today, active_until=today)
    found = _search(personas, place="IQG09Q04", service="phc")
    assert found == {"Chameshku PHCC", "Open PHCC"}


def test_no_search_finds_a_draft_even_its_own_mappers(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    _point(personas.iom, name_en="IOM draft point", publish=False)
    redraft(points["crc"], name_en="IOM renamed resource centre")
    for who in ("ahmed", "sara", "shilan"):
        found = _search(personas, who, place="IQG09Q04")
        assert "IOM draft point" not in found
        assert "IOM renamed resource centre" not in found
        assert "Zakho community resource centre" in found


def test_an_archived_point_leaves_the_directory(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    legal = points["legal"]
    directory_services.point_archive(actor=builders.mapper(personas.intersos), point=legal)
    assert "Zakho legal aid office" not in _search(personas, place="IQG09Q04")
    response = personas.ahmed.client().get("/services/?place=IQG09Q04&service=legal_aid")
    assert "Zakho legal aid office" not in response.content.decode()


def test_the_search_page_lists_and_maps_what_it_finds(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    client = personas.ahmed.client()
    response = client.get("/services/", {"place": "IQG09", "service": "phc"})
    assert response.status_code == 200
    listed = response.context["page"].object_list
    assert {v.name_en for v in listed} == {"Chameshku PHCC", "DAMA mobile medical team 3"}
    features = response.context["map_config"]["points"]["features"]
    assert {f["properties"]["uid"] for f in features} == {
        str(points["phcc"].uid),
        str(points["mobile"].uid),
    }
    # The mobile team has no coordinates of its own: it stands at its district's centre.
    mobile = next(f for f in features if f["properties"]["uid"] == str(points["mobile"].uid))
    assert mobile["properties"]["approximate"] is True
    # A wrong criterion is said, and left out of the search.
    response = client.get("/services/", {"service": "nonsense", "place": "IQG15"})
    assert {v.name_en for v in response.context["page"].object_list} == {"Aqra PHCC"}
    assert response.context["form"].errors["service"]


def test_the_search_reads_a_bounded_number_of_queries(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    client = personas.ahmed.client()
    client.get("/services/")  # sessions, language, caches

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/services/").status_code == 200
            assert client.get(API).status_code == 200
        return len(captured)

    before = queries()
    for n in range(6):
        _point(
            personas.dama,
            kind="mobile_team",
            name_en=f"Extra mobile team {n}",
            offers=(OfferIn("phc"), OfferIn("srh")),
            visits=(VisitIn(weekdays=(1,), admin_unit=AdminUnit.objects.get(pcode="IQG09Q01")),),
        )
    assert queries() == before


def test_the_api_pages_its_answer(personas: Personas, points: dict[str, ServicePoint]) -> None:
    client = personas.ahmed.client()
    first = client.get(API, {"limit": 2}).json()
    second = client.get(API, {"limit": 2, "offset": 2}).json()
    assert first["count"] == second["count"] == 7
    assert len(first["items"]) == len(second["items"]) == 2
    assert not {r["uid"] for r in first["items"]} & {r["uid"] for r in second["items"]}
    row = next(r for r in first["items"] + second["items"])
    assert set(row["entry"]) >= {"offers", "visits", "admin_unit", "languages", "hours"}
    # Criteria outside the code lists are refused with the field named.
    refused = client.get(API, {"service": "nonsense"})
    assert refused.status_code == 422
    assert client.get(API, {"place": "IQG 09"}).status_code == 422
    assert client.get(API, {"sex": "x"}).status_code == 422
