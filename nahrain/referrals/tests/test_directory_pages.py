"""The service directory's pages as its people use them: sara, IOM's service mapper, adds a point
(its first draft), publishes it, edits it (a new draft: everyone else still reads the published
entry until she publishes again) and archives it; another organisation's mapper changes none of
it; a case worker finds the point and the button that refers someone there. The pages name
services, kinds and places in the reader's language and show no internal code."""

from __future__ import annotations

import html as html_module
import re
from typing import Any

import pytest
from django.test import Client

from nahrain.core.models import AuditEvent
from nahrain.referrals.models import ServicePoint, ServicePointVersion, VersionStatus
from nahrain.referrals.tests import builders
from nahrain.referrals.tests.permissions_directory import entry_form
from nahrain.testing.personas import Personas

CODES = re.compile(r"\b(IQG\d\d\w*|gbv_case_management|legal_aid|womens_centre|idp_in_camp)\b")


def visible_text(html: str) -> str:
    """What a person reads of a page: no scripts, no tags, no attribute values."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    html = re.sub(r"<datalist.*?</datalist>", " ", html, flags=re.S)
    return html_module.unescape(re.sub(r"<[^>]+>", " ", html))


def _form(**changes: Any) -> dict[str, Any]:
    form = entry_form()
    form.update(changes)
    return form


def _created(client: Client, form: dict[str, Any]) -> ServicePoint:
    response = client.post("/services/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    uid = response["Location"].rstrip("/").split("/")[-1]
    return ServicePoint.objects.get(uid=uid)


@pytest.fixture
def sara(personas: Personas) -> Client:
    builders.gazetteer()
    return personas.sara.client()


def test_a_mapper_adds_publishes_edits_and_archives_a_point(
    personas: Personas, sara: Client
) -> None:
    assert sara.get("/services/new/").status_code == 200
    point = _created(
        sara,
        _form(
            name_ar="عيادة زاخو القانونية",
            **{
                "offer-TOTAL_FORMS": "2",
                "offer-1-service": "child_protection",
                "offer-1-age_max": "17",
                "offer-1-groups": ["idp_in_camp", "returnee"],
            },
        ),
    )
    assert point.organisation == personas.iom
    draft = point.versions.get()
    assert draft.status == VersionStatus.DRAFT
    assert {(o.service, o.age_max, tuple(o.groups)) for o in draft.offers.all()} == {
        ("legal_aid", None, ()),
        ("child_protection", 17, ("idp_in_camp", "returnee")),
    }
    assert AuditEvent.objects.filter(action="directory.point_created", actor=personas.sara.user)
    shilan = personas.shilan.client()
    # A draft is its organisation's own: another organisation does not learn it exists.
    assert shilan.get(f"/services/{point.uid}/").status_code == 404
    mine = sara.get(f"/services/{point.uid}/")
    assert mine.status_code == 200
    assert "no-store" in mine["Cache-Control"]
    assert 'id="publish"' in mine.content.decode()

    assert sara.post(f"/services/{point.uid}/publish/").status_code == 302
    read = shilan.get(f"/services/{point.uid}/")
    assert read.status_code == 200
    assert "Zakho legal clinic" in read.content.decode()

    # An edit is a draft: the response reads the published entry until it is published.
    response = sara.post(f"/services/{point.uid}/edit/", _form(name_en="Zakho legal centre"))
    assert response.status_code == 302
    assert {v.status: v.name_en for v in point.versions.all()} == {
        "current": "Zakho legal clinic",
        "draft": "Zakho legal centre",
    }
    page = shilan.get(f"/services/{point.uid}/").content.decode()
    assert "Zakho legal clinic" in page and "Zakho legal centre" not in page
    assert "Zakho legal centre" not in shilan.get("/services/").content.decode()
    mapper_page = sara.get(f"/services/{point.uid}/").content.decode()
    assert 'id="draft"' in mapper_page and "Zakho legal centre" in mapper_page

    assert sara.post(f"/services/{point.uid}/publish/").status_code == 302
    assert "Zakho legal centre" in shilan.get(f"/services/{point.uid}/").content.decode()
    history = sara.get(f"/services/{point.uid}/").context["shown"].history
    assert [(v.number, v.status) for v in history] == [(2, "current"), (1, "archived")]

    assert sara.post(f"/services/{point.uid}/archive/").status_code == 302
    assert shilan.get(f"/services/{point.uid}/").status_code == 404
    assert "Zakho legal centre" not in shilan.get("/services/").content.decode()
    archived = sara.get(f"/services/{point.uid}/")
    assert archived.status_code == 200
    assert archived.context["shown"].archived


def test_the_same_form_sent_twice_adds_one_point(personas: Personas, sara: Client) -> None:
    form = _form()
    first = _created(sara, form)
    assert _created(sara, form) == first
    assert ServicePoint.objects.count() == 1


def test_another_organisations_mapper_changes_nothing(personas: Personas, sara: Client) -> None:
    point = builders.point(
        personas.iom, kind="crc", name_en="Zakho CRC", services_offered=("cash",)
    )
    other = Client()
    other.force_login(builders.mapper(personas.intersos))
    assert other.get(f"/services/{point.uid}/").status_code == 200  # published: anyone reads
    assert other.get(f"/services/{point.uid}/edit/").status_code == 404
    assert other.post(f"/services/{point.uid}/edit/", _form()).status_code == 404
    assert other.post(f"/services/{point.uid}/publish/").status_code == 404
    assert other.post(f"/services/{point.uid}/archive/").status_code == 404
    assert list(point.versions.values_list("status", flat=True)) == ["current"]
    # Their own points go into their own organisation.
    mine = _created(other, _form())
    assert mine.organisation == personas.intersos
    # Someone who maps no organisation adds nothing.
    assert personas.shilan.client().get("/services/new/").status_code == 404


def test_a_refused_entry_comes_back_with_its_problems(personas: Personas, sara: Client) -> None:
    response = sara.post(
        "/services/new/",
        _form(
            **{"offer-0-age_min": "60", "offer-0-age_max": "18", "email": "not an address"},
        ),
    )
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    response = sara.post(
        "/services/new/", _form(**{"offer-0-age_min": "60", "offer-0-age_max": "18"})
    )
    assert response.status_code == 200
    assert "The youngest age is above the oldest." in response.content.decode()
    response = sara.post(
        "/services/new/",
        _form(**{"visit-TOTAL_FORMS": "1", "visit-0-place": "IQG09Q01", "visit-0-weekdays": "1"}),
    )
    assert "Only a mobile team has a visit schedule." in response.content.decode()
    response = sara.post("/services/new/", _form(admin_unit="Nowhere at all"))
    assert response.context["form"].errors["admin_unit"]
    assert not ServicePoint.objects.exists()


def test_rows_are_added_without_saving(personas: Personas, sara: Client) -> None:
    response = sara.post("/services/new/", _form(add_offer="1"))
    assert response.status_code == 200
    assert len(response.context["offers"].forms) == 2
    response = sara.post("/services/new/", _form(add_visit="1"))
    assert len(response.context["visits"].forms) == 1
    assert not ServicePoint.objects.exists()


def test_a_mobile_team_keeps_where_it_goes(personas: Personas, sara: Client) -> None:
    point = _created(
        sara,
        _form(
            kind="mobile_team",
            name_en="IOM mobile protection team",
            latitude="",
            longitude="",
            **{
                "visit-TOTAL_FORMS": "2",
                "visit-0-place": "IQG09Q01",
                "visit-0-weekdays": ["7", "2"],
                "visit-0-hours": "9:00 to 12:00",
                "visit-1-place": "",
            },
        ),
    )
    visit = point.versions.get().visits.get()
    assert visit.admin_unit is not None
    assert (visit.admin_unit.pcode, visit.weekdays, visit.hours) == (
        "IQG09Q01",
        [2, 7],
        "9:00 to 12:00",
    )
    sara.post(f"/services/{point.uid}/publish/")
    page = personas.ahmed.client().get(f"/services/{point.uid}/")
    text = visible_text(page.content.decode())
    assert "Al-Amadiya" in text and "Sunday, Tuesday" in text
    # The edit form starts from the entry, its visits included.
    form = sara.get(f"/services/{point.uid}/edit/")
    assert form.context["visits"].forms[0].initial["place"] == "IQG09Q01"


def test_a_case_worker_finds_a_service_and_the_button_to_refer(
    personas: Personas, sara: Client
) -> None:
    points = builders.standard_points(personas)
    wgss = points["wgss"]
    page = personas.shilan.client().get(f"/services/{wgss.uid}/")
    html = page.content.decode()
    assert f'href="/referrals/to/{wgss.uid}/"' in html
    assert f"/referrals/to/{wgss.uid}/?service=gbv_case_management" in html
    assert "no-store" not in page.get("Cache-Control", "")
    # A viewer, and a mapper, send no referrals: no button.
    for who in ("ahmed", "sara"):
        html = getattr(personas, who).client().get(f"/services/{wgss.uid}/").content.decode()
        assert "/referrals/to/" not in html


def test_a_registry_person_is_carried_from_the_household_page_to_the_referral(
    personas: Personas,
) -> None:
    points = builders.standard_points(personas)
    woman = builders.iom_person(personas)
    rania = personas.rania.client()
    household = rania.get(f"/registry/h/{woman.household.uid}/").content.decode()
    assert f"/services/?individual={woman.uid}" in household
    found = rania.get("/services/", {"individual": str(woman.uid), "service": "legal_aid"})
    legal = points["legal"].uid
    assert f"/services/{legal}/?individual={woman.uid}" in found.content.decode()
    point = rania.get(f"/services/{legal}/", {"individual": str(woman.uid)}).content.decode()
    assert f"/referrals/to/{legal}/?individual={woman.uid}" in point
    assert f"?service=legal_aid&amp;individual={woman.uid}" in point
    # A value that is not an id is not carried.
    point = rania.get(f"/services/{legal}/", {"individual": "<b>"}).content.decode()
    assert f'href="/referrals/to/{legal}/"' in point


@pytest.mark.parametrize("language", ["en", "ar", "ckb"])
def test_the_pages_speak_the_readers_language_and_show_no_code(
    personas: Personas, sara: Client, language: str
) -> None:
    points = builders.standard_points(personas)
    client = personas.shilan.client()
    client.cookies["django_language"] = language
    search = client.get("/services/", {"place": "IQG09", "service": "gbv_case_management"})
    point = client.get(f"/services/{points['wgss'].uid}/")
    sara.cookies["django_language"] = language
    new = sara.get("/services/new/")
    for response in (search, point, new):
        assert response.status_code == 200
        text = visible_text(response.content.decode())
        assert not CODES.findall(text), CODES.findall(text)
    shown = visible_text(point.content.decode())
    if language == "ar":
        assert "المساحة الآمنة للنساء والفتيات في زاخو" in shown
        assert "إدارة حالات العنف القائم على النوع الاجتماعي" in shown
        assert "زاخو" in shown
    elif language == "en":
        assert "Zakho women and girls' safe space" in shown
        assert "GBV case management" in shown
        assert "Women and girls" in shown


def test_a_mappers_directory_lists_their_drafts_and_is_not_cached(
    personas: Personas, sara: Client
) -> None:
    builders.point(
        personas.iom,
        kind="crc",
        name_en="IOM waiting CRC",
        services_offered=("cash",),
        publish=False,
    )
    builders.point(
        personas.dama,
        kind="phcc",
        name_en="DAMA waiting PHCC",
        services_offered=("phc",),
        publish=False,
    )
    mine = sara.get("/services/")
    assert "no-store" in mine["Cache-Control"]
    assert [d.name_en for d in mine.context["drafts"]] == ["IOM waiting CRC"]
    theirs = personas.ahmed.client().get("/services/")
    assert theirs.context["drafts"] == []
    assert "IOM waiting CRC" not in theirs.content.decode()
    assert ServicePointVersion.objects.filter(status="draft").count() == 2


def test_the_directory_is_for_signed_in_users() -> None:
    response = Client().get("/services/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
