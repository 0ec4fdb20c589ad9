"""The DTM pages through HTTP: the round list, a round's page and the export link (importing a
master list through the pages: test_import_pages.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from nahrain.core.models import AuditEvent
from nahrain.displacement.models import (
    AssessmentRound,
    RoundStatus,
)
from nahrain.displacement.tests.builders import (
    NEXT_ROUND,
    PLACES,
    RANDOM_UID,
    by_governorate,
    national_households,
    national_individuals,
    round_imported,
    round_open,
)
from nahrain.testing.personas import Persona, Personas

pytestmark = pytest.mark.django_db


def text(response: Any) -> str:
    content = response.content
    assert isinstance(content, bytes)
    return content.decode()


@pytest.fixture
def published(personas: Personas, gazetteer: None) -> AssessmentRound:
    return round_imported(personas, publish=True)


@pytest.fixture
def draft(personas: Personas, gazetteer: None) -> AssessmentRound:
    return round_imported(personas, number=NEXT_ROUND)


# --- the round list -----------------------------------------------------------------------------


def test_the_round_list_shows_drafts_to_the_information_manager_only(
    personas: Personas, published: AssessmentRound, draft: AssessmentRound
) -> None:
    mine = text(personas.layla.client().get("/dtm/"))
    assert f'href="/dtm/rounds/{published.uid}/"' in mine
    assert f'href="/dtm/rounds/{draft.uid}/"' in mine
    assert "Open a new round" in mine
    for persona in (personas.ahmed, personas.omar, personas.outsider):
        theirs = persona.client().get("/dtm/")
        assert theirs.status_code == 200
        assert f'href="/dtm/rounds/{published.uid}/"' in text(theirs)
        assert str(draft.uid) not in text(theirs)
        assert "Open a new round" not in text(theirs)


def test_anonymous_visitors_are_sent_to_sign_in(published: AssessmentRound) -> None:
    for path in ("/dtm/", f"/dtm/rounds/{published.uid}/", f"/dtm/rounds/{published.uid}/export/"):
        response = Client().get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/?next="), path
    assert not AuditEvent.objects.filter(action="round.export").exists()


def test_the_information_manager_opens_a_round_from_the_list(
    personas: Personas, gazetteer: None
) -> None:
    form = {"number": "93", "reference_date": "2017-06-30"}
    for persona in (personas.omar, personas.ahmed, personas.outsider):
        assert persona.client().post("/dtm/", form).status_code == 403
    assert not AssessmentRound.objects.exists()
    response = personas.layla.client().post("/dtm/", form)
    created = AssessmentRound.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/dtm/rounds/{created.uid}/")
    assert (created.number, created.organisation, created.status) == (
        93,
        personas.iom,
        RoundStatus.DRAFT,
    )


# --- a round's page -----------------------------------------------------------------------------


def governorate_rows(html: str) -> dict[str, tuple[str, int, int]]:
    """p-code -> (population, households, individuals) from the governorate table."""
    pattern = re.compile(
        r'<tr><td><code dir="ltr">(IQG\d\d)</code></td><td>[^<]*</td><td>(\w+)</td>'
        r'<td class="n">([\d,]+)</td><td class="n">([\d,]+)</td></tr>'
    )
    return {
        pcode: (population, int(hh.replace(",", "")), int(ind.replace(",", "")))
        for pcode, population, hh, ind in pattern.findall(html)
    }


def test_the_round_page_shows_the_totals_and_the_governorate_table(
    personas: Personas, published: AssessmentRound
) -> None:
    response = personas.ahmed.client().get(f"/dtm/rounds/{published.uid}/")
    assert response.status_code == 200
    html = text(response)
    assert f"Round {published.number}" in html and "Published" in html
    totals = re.search(
        r'<td>IDPs</td><td class="n">([\d,]+)</td><td class="n">([\d,]+)</td>'
        r'<td class="n">([\d,]+)</td>',
        html,
    )
    assert totals is not None
    assert [int(v.replace(",", "")) for v in totals.groups()] == [
        national_households(PLACES),
        national_individuals(PLACES),
        len(PLACES),
    ]
    rows = governorate_rows(html)
    assert {pcode: ind for pcode, (_pop, _hh, ind) in rows.items()} == by_governorate(PLACES)
    assert {pop for pop, _hh, _ind in rows.values()} == {"IDPs"}  # words, not codes
    # A viewer gets the figures and the download, not the import form.
    assert f'action="/dtm/rounds/{published.uid}/export/"' in html
    assert "Check the file" not in html and "Open a correction" not in html


def test_an_empty_draft_says_it_has_no_figures_and_offers_the_import_form(
    personas: Personas, gazetteer: None
) -> None:
    empty = round_open(personas)
    html = text(personas.layla.client().get(f"/dtm/rounds/{empty.uid}/"))
    assert "No figures yet." in html
    assert f'action="/intake/displacement.master_list/{empty.uid}/"' in html
    assert 'enctype="multipart/form-data"' in html


def without_csrf(content: bytes) -> bytes:
    """A page without its CSRF token, which is masked anew in every answer and tells nothing."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


def test_a_draft_page_is_404_for_everyone_but_the_information_manager(
    personas: Personas, draft: AssessmentRound
) -> None:
    assert personas.layla.client().get(f"/dtm/rounds/{draft.uid}/").status_code == 200
    others: list[Persona] = [personas.omar, personas.shilan, personas.ahmed, personas.outsider]
    for persona in others:
        client = persona.client()
        for suffix in ("", "export/"):
            hidden = client.get(f"/dtm/rounds/{draft.uid}/{suffix}")
            missing = client.get(f"/dtm/rounds/{RANDOM_UID}/{suffix}")
            assert hidden.status_code == missing.status_code == 404, suffix
            assert without_csrf(hidden.content) == without_csrf(missing.content), suffix
    assert not AuditEvent.objects.filter(action="round.export").exists()


def test_a_published_round_page_is_open_to_every_signed_in_persona(
    personas: Personas, published: AssessmentRound
) -> None:
    for persona in (
        personas.layla,
        personas.omar,
        personas.shilan,
        personas.ahmed,
        personas.outsider,
        personas.iom_admin,
        personas.root,
    ):
        response = persona.client().get(f"/dtm/rounds/{published.uid}/")
        assert response.status_code == 200, persona.user.username


# --- the export link ----------------------------------------------------------------------------


def test_the_export_link_downloads_and_is_audited(
    personas: Personas, published: AssessmentRound
) -> None:
    client = personas.ahmed.client()
    html = text(client.get(f"/dtm/rounds/{published.uid}/"))
    action = re.search(r'<form method="get" action="([^"]+)">', html)
    assert action is not None and action.group(1) == f"/dtm/rounds/{published.uid}/export/"
    assert '<option value="adm1" selected>' in html
    response = client.get(action.group(1), {"level": "adm1", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    day = published.reference_date.strftime("%Y%m%d")
    assert response["Content-Disposition"] == (
        f'attachment; filename="dtm-round{published.number}-adm1-{day}.csv"'
    )
    body = response.content.decode("utf-8-sig").splitlines()
    assert body[0].startswith("adm1_pcode,adm1_name")
    assert len(body) == 1 + len(by_governorate(PLACES))
    event = AuditEvent.objects.get(action="round.export")
    assert event.actor == personas.ahmed.user
    assert event.detail == {"level": "adm1", "format": "csv", "bytes": len(response.content)}
    default = client.get(action.group(1))
    assert default.status_code == 200 and "-adm1-" in default["Content-Disposition"]


LEVEL_WORDS = {
    "en": ("Country", "Governorates", "Districts", "Sub-districts", "Locations"),
    "ar": ("البلد", "المحافظات", "الأقضية", "النواحي", "المواقع"),
    "ckb": ("وڵات", "پارێزگاکان", "قەزاکان", "ناحیەکان", "شوێنەکان"),
}


@pytest.mark.parametrize("language", sorted(LEVEL_WORDS))
def test_the_export_levels_are_named_in_words_and_sent_as_codes(
    personas: Personas, published: AssessmentRound, language: str
) -> None:
    client = personas.ahmed.client()
    client.cookies["django_language"] = language
    html = client.get(f"/dtm/rounds/{published.uid}/").content.decode()
    select = re.search(r'<select id="export-level" name="level">(.*?)</select>', html)
    assert select is not None
    options = re.findall(r'<option value="([^"]+)"( selected)?>([^<]+)</option>', select.group(1))
    assert [(value, name) for value, _selected, name in options] == list(
        zip(("adm0", "adm1", "adm2", "adm3", "location"), LEVEL_WORDS[language], strict=True)
    )
    assert [value for value, selected, _name in options if selected] == ["adm1"]


def test_the_export_page_refuses_unknown_levels_and_formats(
    personas: Personas, published: AssessmentRound
) -> None:
    client = personas.ahmed.client()
    url = f"/dtm/rounds/{published.uid}/export/"
    assert client.get(url, {"level": "adm7", "format": "csv"}).status_code == 404
    assert client.get(url, {"level": "adm1", "format": "exe"}).status_code == 404
    assert not AuditEvent.objects.filter(action="round.export").exists()


def test_within_is_read_in_any_case_on_the_page_export_as_on_the_api(
    personas: Personas, published: AssessmentRound
) -> None:
    client = personas.ahmed.client()
    query = {"level": "adm2", "format": "csv"}
    page = f"/dtm/rounds/{published.uid}/export/"
    api = f"/api/v1/dtm/rounds/{published.uid}/export"
    for pcode in ("iqg09", "IQG09", " Iqg09 "):
        assert client.get(page, {**query, "within": pcode}).status_code == 200, pcode
        assert client.get(api, {**query, "within": pcode}).status_code == 200, pcode
    assert client.get(page, {**query, "within": "iqg99"}).status_code == 404
    assert client.get(api, {**query, "within": "iqg99"}).status_code == 404


def test_anyone_reads_the_published_figures_on_the_public_page_and_never_a_draft(
    personas: Personas, gazetteer: None
) -> None:
    published = round_imported(personas, publish=True)
    draft = round_imported(personas, number=NEXT_ROUND)
    visitor = Client()
    html = visitor.get("/dtm/public/").content.decode()
    assert f"round {published.number}" in html
    figure = re.search(r'data-figure="idp-individuals">([^<]+)<', html)
    assert figure is not None
    shown = int(re.sub(r"\D", "", figure.group(1)))
    assert shown == national_individuals(PLACES)
    # A draft named in the address is not found, as if it did not exist, nor downloaded.
    assert visitor.get("/dtm/public/", {"round": str(draft.uid)}).status_code == 404
    assert f'value="{draft.uid}"' not in html
    assert visitor.get("/dtm/public/export/", {"round": str(draft.uid)}).status_code == 404
    download = visitor.get("/dtm/public/export/", {"round": str(published.uid), "format": "hxl"})
    assert download.status_code == 200 and b"#affected+idps+ind" in download.content
    event = AuditEvent.objects.filter(action="round.export").latest("pk")
    assert event.actor is None and event.detail["level"] == "adm1"
