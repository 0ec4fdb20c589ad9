"""The facility pages as their people use them: everyone signed in finds the facilities by place,
kind, functionality and organisation, on a list and on a map; a facility's page says who runs and
supports it, where it is, how well it works and since when, whom it serves and how many people
that is, from which sources; its reports are shown only to those who read them. layla, IOM's
information manager, adds a facility, edits it and sets its catchment; nobody else may."""

from __future__ import annotations

import html as html_module
import json
import re
from typing import Any

from django.utils import timezone

from nahrain.core.models import AuditEvent
from nahrain.geo.models import AdminUnit
from nahrain.health import services
from nahrain.health.models import Facility
from nahrain.health.tests.builders import HealthWorld, facility
from nahrain.testing.personas import Personas

CODES = re.compile(r"\b(IQG\d\d\w*|phcc|mobile_unit|full|partial|u5|idp)\b")


def visible_text(html: str) -> str:
    """What a person reads of a page: no scripts, no tags, no attribute values."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    html = re.sub(r"<(select|datalist).*?</\1>", " ", html, flags=re.S)
    return html_module.unescape(re.sub(r"<[^>]+>", " ", html))


def map_points(html: str) -> list[dict[str, Any]]:
    found = re.search(r'id="health-map-config"[^>]*>(.*?)</script>', html, flags=re.S)
    assert found is not None
    features: list[dict[str, Any]] = json.loads(found.group(1))["points"]["features"]
    return [f["properties"] for f in features]


def test_everyone_signed_in_finds_the_facilities_by_place_kind_and_organisation(
    personas: Personas, health: HealthWorld
) -> None:
    client = personas.outsider.client()
    page = client.get("/health/facilities/")
    assert page.status_code == 200
    text = visible_text(page.content.decode())
    assert "Chameshku camp PHCC" in text and "Sinjar mobile medical unit" in text
    assert "Primary health care centre" in text and "Mobile medical unit" in text
    assert "Fully functioning" in text
    assert {p["name_en"] for p in map_points(page.content.decode())} == {
        "Chameshku camp PHCC",
        "Sinjar mobile medical unit",
    }

    for query, expected in (
        ("governorate=IQG09", {"Chameshku camp PHCC"}),
        ("district=IQG15Q07", {"Sinjar mobile medical unit"}),
        ("kind=mobile_unit", {"Sinjar mobile medical unit"}),
        (f"organisation={personas.dama.pk}", {"Sinjar mobile medical unit"}),
        (f"organisation={personas.iom.pk}", {"Chameshku camp PHCC"}),
        ("functionality=none", set()),
    ):
        html = client.get(f"/health/facilities/?{query}").content.decode()
        assert {p["name_en"] for p in map_points(html)} == expected, query
        for name in ("Chameshku camp PHCC", "Sinjar mobile medical unit"):
            assert (name in visible_text(html)) == (name in expected), query


def test_the_facility_list_and_its_top_bar_take_a_bounded_number_of_queries(
    personas: Personas, health: HealthWorld, django_assert_max_num_queries: Any
) -> None:
    for n in range(12):
        facility(
            personas.iom,
            health.duhok_doh,
            code=f"PHCC-{n}",
            name_en=f"Clinic {n}",
            district="IQG09Q04",
            supporters=(personas.dama,),
        )
    client = personas.layla.client()
    client.get("/health/facilities/")
    with django_assert_max_num_queries(16):
        page = client.get("/health/facilities/")
    assert page.status_code == 200
    assert len(map_points(page.content.decode())) == 14


def test_a_facility_page_says_who_runs_it_where_and_whom_it_serves(
    personas: Personas, health: HealthWorld
) -> None:
    page = personas.outsider.client().get(f"/health/facilities/{health.chameshku_phcc.uid}/")
    assert page.status_code == 200
    text = " ".join(visible_text(page.content.decode()).split())
    for words in (
        "Primary health care centre",
        "International Organization for Migration",
        "Duhok Directorate of Health",
        "Zakho",
        "Fully functioning",
        "Chameshku",
        "30,000 people on",
        "Site population: Chameshku",
    ):
        assert words in text, words
    assert f"since {timezone.localdate().day}" in text
    assert "Latest EWARN weeks" not in text and "Latest consultation reports" not in text
    assert not CODES.search(text), CODES.search(text)


def test_a_facility_page_shows_its_reports_to_those_who_read_them_only(
    personas: Personas, health: HealthWorld
) -> None:
    services.consultation_report_submit(
        actor=personas.hana.user,
        facility=health.chameshku_phcc,
        period="month",
        start=timezone.localdate().replace(day=1),
        cells=[services.Cell("general", "f", "18_59", "idp", 412)],
    )
    url = f"/health/facilities/{health.chameshku_phcc.uid}/"
    for reader in (personas.layla, personas.hana, health.faris):
        page = reader.client().get(url)
        text = visible_text(page.content.decode())
        assert "Latest consultation reports" in text and "412" in text, reader.user.username
        assert "no-store" in page["Cache-Control"]
    for other in (personas.ahmed, personas.outsider, health.muna):
        text = visible_text(other.client().get(url).content.decode())
        assert "Latest consultation reports" not in text and "412" not in text


def test_a_mobile_units_page_names_the_weekdays_of_its_visits(
    personas: Personas, health: HealthWorld
) -> None:
    services.catchment_set(
        actor=None,
        facility=health.sinjar_mmu,
        sites=[health.chameshku],
        weekdays={health.chameshku.code: [6, 2]},
    )
    text = visible_text(
        personas.ahmed.client().get(f"/health/facilities/{health.sinjar_mmu.uid}/").content.decode()
    )
    assert "visits on Sunday, Wednesday" in " ".join(text.split())


def test_a_missing_facility_is_a_404(personas: Personas, health: HealthWorld) -> None:
    client = personas.layla.client()
    assert client.get("/health/facilities/00000000-0000-0000-0000-000000000001/").status_code == 404


def _new_facility_form(health: HealthWorld, personas: Personas, **changes: Any) -> dict[str, Any]:
    form = {
        "organisation": personas.iom.pk,
        "directorate": health.duhok_doh.pk,
        "supporters": [personas.dama.pk],
        "code": "PHCC-DOM",
        "district": AdminUnit.objects.get(pcode="IQG09Q02").pk,
        "name_en": "Domiz 1 PHCC",
        "name_ar": "مركز دوميز",
        "kind": "phcc",
        "functionality": "partial",
        "latitude": "36.78",
        "longitude": "42.88",
        "ewarn_reporting": "on",
    }
    form.update(changes)
    return form


def test_an_information_manager_adds_a_facility_edits_it_and_sets_its_catchment(
    personas: Personas, health: HealthWorld
) -> None:
    layla = personas.layla.client()
    assert layla.get("/health/facilities/new/").status_code == 200
    response = layla.post("/health/facilities/new/", _new_facility_form(health, personas))
    assert response.status_code == 302, response.content.decode()[:3000]
    added = Facility.objects.get(code="PHCC-DOM")
    assert response["Location"] == f"/health/facilities/{added.uid}/catchment/"
    assert (added.organisation, added.directorate, added.functionality) == (
        personas.iom,
        health.duhok_doh,
        "partial",
    )
    assert list(added.supporters.all()) == [personas.dama]
    assert AuditEvent.objects.filter(action="health.facility_create").exists()

    response = layla.post(
        f"/health/facilities/{added.uid}/edit/",
        {"name_en": "Domiz 1 PHCC", "kind": "phcc", "functionality": "none", "active": "on"},
    )
    assert response.status_code == 302
    added.refresh_from_db()
    assert added.functionality == "none" and not added.ewarn_reporting

    # The catchment form offers the camps of the facility's own district (Zakho): Chameshku.
    phcc = health.chameshku_phcc
    form = layla.get(f"/health/facilities/{phcc.uid}/catchment/").content.decode()
    assert "Chameshku" in form
    response = layla.post(f"/health/facilities/{phcc.uid}/catchment/", {})
    assert response.status_code == 302
    assert phcc.populations.get(on=timezone.localdate()).individuals == 0
    response = layla.post(
        f"/health/facilities/{phcc.uid}/catchment/", {f"site-{health.chameshku.pk}": "on"}
    )
    assert response.status_code == 302
    assert [p.site for p in phcc.catchment.all()] == [health.chameshku]
    assert phcc.populations.get(on=timezone.localdate()).individuals == 30000


def test_a_facility_form_shows_its_errors_next_to_the_fields_in_the_readers_language(
    personas: Personas, health: HealthWorld
) -> None:
    layla = personas.layla.client()
    response = layla.post(
        "/health/facilities/new/",
        _new_facility_form(health, personas, latitude="12", directorate=personas.dama.pk),
        HTTP_ACCEPT_LANGUAGE="ar",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'name="latitude".*?class="errorlist', html, flags=re.S)
    assert 'dir="rtl"' in html
    assert not Facility.objects.filter(code="PHCC-DOM").exists()


def test_only_the_running_organisations_information_managers_change_a_facility(
    personas: Personas, health: HealthWorld
) -> None:
    phcc = health.chameshku_phcc
    for other in (personas.hana, personas.ahmed, personas.outsider, health.faris, personas.shilan):
        client = other.client()
        for url in (
            f"/health/facilities/{phcc.uid}/edit/",
            f"/health/facilities/{phcc.uid}/catchment/",
        ):
            assert client.get(url).status_code == 404, (other.user.username, url)
            assert client.post(url, {"name_en": "Taken"}).status_code == 404
        assert client.get("/health/facilities/new/").status_code == 404
    phcc.refresh_from_db()
    assert phcc.name_en == "Chameshku camp PHCC"


def test_the_facility_pages_are_read_in_arabic_without_codes(
    personas: Personas, health: HealthWorld
) -> None:
    client = personas.layla.client()
    client.cookies["django_language"] = "ar"
    for url in ("/health/facilities/", f"/health/facilities/{health.chameshku_phcc.uid}/"):
        html = client.get(url).content.decode()
        assert 'dir="rtl"' in html
        text = visible_text(html)
        assert "مركز رعاية صحية أولية" in text and "يعمل بالكامل" in text
        assert "مركز الرعاية الصحية الأولية في مخيم جمشكو" in text
        assert not CODES.search(text), (url, CODES.search(text))
