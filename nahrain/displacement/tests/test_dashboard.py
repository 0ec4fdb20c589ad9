"""The dashboard pages through HTTP: every figure a page shows equals the API's for the same
round and unit; drill-down, the table's sorting, filtering and paging, exports of the view on
screen, the comparison of two rounds, the map's data, languages, and who may see what."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from typing import Any

import pytest
from django.test import Client

from nahrain.core.models import AuditEvent
from nahrain.displacement import services
from nahrain.displacement.models import AssessmentRound, RoundStatus
from nahrain.displacement.tests.builders import (
    NEXT_ROUND,
    many_places,
    round_imported,
    round_open,
    two_published_rounds,
)
from nahrain.geo.models import AdminUnit
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db

FIGURE = re.compile(r'data-figure="([a-z]+-[a-z]+)">([^<]+)<')


def text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return bytes(response.content).decode()


def number(shown: str) -> int:
    """A figure as the page prints it (any grouping, a true minus sign) back to an int."""
    digits = re.sub(r"[^\d]", "", shown)
    sign = -1 if shown.strip().startswith(("\u2212", "-")) else 1
    return sign * int(digits)


def headline_figures(html: str) -> dict[str, int]:
    """The headline panel's figures by name (the first occurrence of each)."""
    figures: dict[str, int] = {}
    for name, shown in FIGURE.findall(html.split('class="grid"')[0]):
        figures.setdefault(name, number(shown))
    return figures


def table_rows(html: str) -> dict[str, dict[str, int]]:
    """Row key -> the table's figures."""
    rows: dict[str, dict[str, int]] = {}
    for key, body in re.findall(r'<tr data-key="([^"]+)">(.*?)</tr>', html, re.S):
        rows[key] = {name: number(shown) for name, shown in FIGURE.findall(body)}
    return rows


def api(client: Client, path: str, **params: Any) -> Any:
    response = client.get(f"/api/v1/dtm{path}", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_overview_without_a_published_round_says_so(personas: Personas) -> None:
    html = text(personas.ahmed.client().get("/dtm/overview/"))
    assert "No round has been published yet" in html


def test_the_overview_shows_the_latest_published_round_with_the_apis_figures(
    personas: Personas, gazetteer: None
) -> None:
    first, second = two_published_rounds(personas)
    client = personas.ahmed.client()
    html = text(client.get("/dtm/overview/"))
    assert f"Round {second.number}" in html
    totals = api(client, f"/rounds/{second.uid}/totals")
    shown = headline_figures(html)
    assert shown["idp-individuals"] == totals["idp"]["individuals"]
    assert shown["idp-households"] == totals["idp"]["households"]
    assert shown["idp-locations"] == totals["idp"]["locations"]
    before = api(client, f"/rounds/{first.uid}/totals")["idp"]["individuals"]
    change = totals["idp"]["individuals"] - before
    assert f"+{change:,} since round {first.number}" in html.replace("\u2212", "-")

    governorates = api(client, f"/rounds/{second.uid}/figures", level=1, population="idp")
    rows = table_rows(html)
    assert set(rows) == {g["pcode"] for g in governorates}
    for g in governorates:
        assert rows[g["pcode"]]["idp-individuals"] == g["individuals"]
        assert rows[g["pcode"]]["idp-households"] == g["households"]
    ranked = list(rows)
    assert ranked == sorted(ranked, key=lambda p: -rows[p]["idp-individuals"])


def test_the_trend_and_breakdowns_come_from_the_rollups(
    personas: Personas, gazetteer: None
) -> None:
    _first, second = two_published_rounds(personas)
    client = personas.ahmed.client()
    html = text(client.get("/dtm/overview/"))
    series = api(client, "/series")
    assert "Individuals, 2 rounds" in html
    for point in series:
        assert f"{point['individuals']:,}" in html
    shelter = api(client, f"/rounds/{second.uid}/figures", dimension="shelter_group")
    for figure in shelter:
        assert f"{figure['individuals']:,}" in html
    assert "Camps" in html and "Private settings" in html
    periods = api(client, f"/rounds/{second.uid}/figures", dimension="period")
    for figure in periods:
        assert f"{figure['individuals']:,}" in html


def test_drilling_down_to_a_governorate_then_a_district_then_a_place(
    personas: Personas, gazetteer: None
) -> None:
    _first, second = two_published_rounds(personas)
    client = personas.ahmed.client()
    query: dict[str, str] = {"round": str(second.uid)}

    governorate = text(client.get("/dtm/overview/IQG09/", query))
    totals = api(client, f"/rounds/{second.uid}/totals", within="IQG09")
    assert headline_figures(governorate)["idp-individuals"] == totals["idp"]["individuals"]
    districts = api(
        client, f"/rounds/{second.uid}/figures", level=2, within="IQG09", population="idp"
    )
    rows = table_rows(governorate)
    assert {d["pcode"]: d["individuals"] for d in districts} == {
        k: v["idp-individuals"] for k, v in rows.items()
    }
    zakho = next(d for d in districts if d["name_en"] == "Zakho")

    district = text(client.get(f"/dtm/overview/{zakho['pcode']}/", query))
    assert headline_figures(district)["idp-individuals"] == zakho["individuals"]
    places = api(client, f"/rounds/{second.uid}/locations", within=zakho["pcode"])
    assert set(table_rows(district)) == {p["place_id"] for p in places} == {"7001"}
    assert 'aria-current="page">Zakho' in district

    place = text(client.get("/dtm/overview/place/7001/", query))
    assert headline_figures(place)["idp-individuals"] == places[0]["individuals"] == 150 * 6
    # The place's own breakdown: half its 150 households in camps, a third displaced before
    # June 2014 (six people a household).
    assert re.search(r">Camps</th>.*?<td class=\"n\">450</td>", place, re.S)
    assert re.search(r"<td class=\"n\">300</td>", place)
    assert "Trend across rounds" in place


def test_a_unit_or_place_that_does_not_exist_is_not_found(
    personas: Personas, gazetteer: None
) -> None:
    two_published_rounds(personas)
    client = personas.ahmed.client()
    assert client.get("/dtm/overview/IQG99/").status_code == 404
    assert client.get("/dtm/overview/place/nowhere/").status_code == 404
    assert client.get("/dtm/overview/", {"round": "not-a-uid"}).status_code == 404


def test_a_draft_round_stays_hidden_from_a_viewer_and_shown_to_its_manager(
    personas: Personas, gazetteer: None
) -> None:
    draft = round_imported(personas)
    assert (
        personas.ahmed.client().get("/dtm/overview/", {"round": str(draft.uid)}).status_code == 404
    )
    html = text(personas.layla.client().get("/dtm/overview/", {"round": str(draft.uid)}))
    assert "Draft" in html
    # Without a published round, the viewer sees the empty overview, not the draft.
    assert "No round has been published yet" in text(personas.ahmed.client().get("/dtm/overview/"))


def test_the_table_sorts_filters_and_pages_as_an_htmx_fragment(
    personas: Personas, gazetteer: None
) -> None:
    places = many_places(60)
    assessment_round = round_imported(personas, places, publish=True)
    client = personas.ahmed.client()
    zakho = AdminUnit.objects.get(level=2, name_en="Zakho")
    base = {"round": str(assessment_round.uid), "within": zakho.pcode}
    in_zakho = [p for p in places if p.district == "Zakho"]
    assert len(in_zakho) == 12

    fragment = text(
        client.get(
            "/dtm/overview/table/", {**base, "sort": "idp", "order": "asc"}, HTTP_HX_REQUEST="true"
        )
    )
    assert "<html" not in fragment
    rows = table_rows(fragment)
    assert [r["idp-individuals"] for r in rows.values()] == sorted(p.individuals for p in in_zakho)

    filtered = table_rows(text(client.get("/dtm/overview/table/", {**base, "q": "place 5"})))
    assert set(filtered) == {p.place_id for p in in_zakho if p.name.lower().startswith("place 5")}

    dahuk_places = [p for p in places if p.governorate == "Dahuk"]
    assert len(dahuk_places) == 24
    many = round_imported(personas, many_places(140), number=NEXT_ROUND, publish=True)
    first_page = text(
        client.get("/dtm/overview/table/", {"round": str(many.uid), "within": zakho.pcode})
    )
    assert len(table_rows(first_page)) == 25
    assert "Page 2 of 2" not in first_page and "Page 1 of 2" in first_page
    second_page = text(
        client.get(
            "/dtm/overview/table/", {"round": str(many.uid), "within": zakho.pcode, "page": "2"}
        )
    )
    assert len(table_rows(second_page)) == 28 - 25
    assert not set(table_rows(first_page)) & set(table_rows(second_page))


def test_the_download_buttons_export_the_view_on_screen_and_are_audited(
    personas: Personas, gazetteer: None
) -> None:
    _first, second = two_published_rounds(personas)
    client = personas.ahmed.client()
    html = text(client.get("/dtm/overview/IQG09/", {"round": str(second.uid)}))
    links = re.findall(r'href="(/dtm/rounds/[^"]+/export/\?[^"]+)"', html)
    formats = {re.search(r"format=(\w+)", link).group(1) for link in links}  # type: ignore[union-attr]
    assert formats == {"csv", "hxl", "xlsx", "geojson"}
    csv_link = next(link for link in links if "format=csv" in link).replace("&amp;", "&")
    response = client.get(csv_link)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row["adm1_pcode"] for row in rows} == {"IQG09"}
    assert sum(int(row["idp_individuals"]) for row in rows) == (150 + 60) * 6
    event = AuditEvent.objects.filter(action="round.export").latest("pk")
    assert event.detail["within"] == "IQG09" and event.detail["level"] == "adm2"


def test_comparing_two_rounds_shows_each_units_change(personas: Personas, gazetteer: None) -> None:
    first, second = two_published_rounds(personas)
    client = personas.ahmed.client()
    html = text(client.get("/dtm/compare/", {"base": str(first.uid), "other": str(second.uid)}))
    compared = api(client, f"/rounds/{first.uid}/compare/{second.uid}", level=1, population="idp")
    rows = re.findall(r'<tr data-key="([^"]+)">(.*?)</tr>', html, re.S)
    shown = {key: re.findall(r'class="n[^"]*">([^<]+)<', body) for key, body in rows}
    for unit in compared["units"]:
        before, after, change = (number(v) for v in shown[unit["pcode"]][:3])
        assert (before, after, change) == (
            unit["individuals_before"],
            unit["individuals_after"],
            unit["individuals_change"],
        )
        # The change in %, of the figure before; and each area leads to its own page.
        if unit["individuals_before"]:
            share = 100 * unit["individuals_change"] / unit["individuals_before"]
            assert shown[unit["pcode"]][3].replace("\u2212", "-") == f"{share:+.1f}%".replace(
                "+0.0%", "0.0%"
            )
        assert f'href="/dtm/overview/{unit["pcode"]}/?round={second.uid}"' in html
    assert number(re.search(r'data-figure="change">([^<]+)<', html).group(1)) == (  # type: ignore[union-attr]
        sum(u["individuals_change"] for u in compared["units"])
    )
    # Rounds that never counted returnees have no change of returnees to show: not zero.
    returnees = text(
        client.get(
            "/dtm/compare/",
            {"base": str(first.uid), "other": str(second.uid), "population": "returnee"},
        )
    )
    assert 'data-figure="change">not measured<' in returnees and "change-share" not in returnees
    # With no rounds chosen, the newest is compared with the one before it.
    default = text(client.get("/dtm/compare/"))
    assert (
        f'value="{first.uid}" selected' in default and f'value="{second.uid}" selected' in default
    )


def test_the_comparison_downloads_as_shown_and_is_audited(
    personas: Personas, gazetteer: None
) -> None:
    first, second = two_published_rounds(personas)
    client = personas.ahmed.client()
    query = {"base": str(first.uid), "other": str(second.uid), "within": "IQG09"}
    html = text(client.get("/dtm/compare/", query))
    links = re.findall(r'href="(\?[^"]*format=[^"]+)"', html)
    assert len(links) == 2
    response = client.get(
        "/dtm/compare/" + next(x for x in links if "csv" in x).replace("&amp;", "&")
    )
    assert response.status_code == 200
    name = f"dtm-compare-round{first.number}-round{second.number}-idp-IQG09.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    compared = api(client, f"/rounds/{first.uid}/compare/{second.uid}", level=2, population="idp")
    inside = {u["pcode"]: u for u in compared["units"] if u["pcode"] in {r["pcode"] for r in rows}}
    assert {r["pcode"] for r in rows} == set(inside) and rows
    for row in rows:
        unit = inside[row["pcode"]]
        assert int(row["individuals_change"]) == unit["individuals_change"]
        assert int(row["individuals_before"]) == unit["individuals_before"]
    event = AuditEvent.objects.filter(action="round.compare_export").latest("pk")
    assert event.actor == personas.ahmed.user and event.detail["within"] == "IQG09"
    # Returnees were never counted: the change is left empty, not written as zero.
    returnees = client.get("/dtm/compare/", {**query, "population": "returnee", "format": "csv"})
    table = list(csv.DictReader(io.StringIO(returnees.content.decode("utf-8-sig"))))
    assert all(r["individuals_change"] == "" for r in table)
    assert all(r["individuals_before"] == r["individuals_after"] == "" for r in table)
    assert client.get("/dtm/compare/", {**query, "format": "pdf"}).status_code == 404


def test_the_origins_page_shows_the_flow_matrix_as_the_api_gives_it(
    personas: Personas, gazetteer: None
) -> None:
    _first, second = two_published_rounds(personas)
    client = personas.ahmed.client()
    flows = api(client, f"/rounds/{second.uid}/flows", population="idp")
    html = text(client.get("/dtm/origins/", {"round": str(second.uid)}))
    rows = re.findall(r'<tr data-key="([^"]+)">(.*?)</tr>', html, re.S)
    totals = {key: number(re.findall(r"<strong>([^<]+)</strong>", body)[-1]) for key, body in rows}
    assert totals == {origin: sum(cells.values()) for origin, cells in flows.items()}
    total = number(re.search(r'data-figure="total"><strong>([^<]+)<', html).group(1))  # type: ignore[union-attr]
    assert total == sum(sum(cells.values()) for cells in flows.values())
    assert len(re.findall(r"<li>", html.split("data-flows")[1].split("</ol>")[0])) == min(
        10, sum(1 for cells in flows.values() for v in cells.values() if v)
    )
    config = json.loads(re.search(r'id="map-config"[^>]*>(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert {pcode: f["idp"] for pcode, f in config["figures"].items()} == totals
    # The overview leads here; a round that never counted returnees says so.
    overview = text(client.get("/dtm/overview/", {"round": str(second.uid)}))
    assert f'href="/dtm/origins/?round={second.uid}"' in overview
    returnees = text(
        client.get("/dtm/origins/", {"round": str(second.uid), "population": "returnee"})
    )
    assert "did not count this population" in returnees


def test_the_map_reads_points_and_simplified_outlines(personas: Personas, gazetteer: None) -> None:
    _first, second = two_published_rounds(personas)
    client = personas.ahmed.client()
    points = client.get("/dtm/map/points.json", {"round": str(second.uid), "within": "IQG09"})
    assert points.status_code == 200
    assert {(p["id"], p["idp"]) for p in points.json()} == {("7001", 900), ("7002", 360)}
    assert (
        client.get(
            "/dtm/map/points.json", {"round": str(second.uid)}, HTTP_IF_NONE_MATCH=points["ETag"]
        ).status_code
        == 200
    )  # another query, another tag

    assert client.get("/dtm/map/shapes/1.json").json()["features"] == []
    dahuk = AdminUnit.objects.get(pcode="IQG09")
    ring = [[42.0 + i / 1000, 37.0 + (i % 2) / 1000] for i in range(200)]
    dahuk.geometry = {
        "type": "Polygon",
        "coordinates": [[[42.0, 36.5], *ring, [43.0, 37.5], [42.0, 37.5], [42.0, 36.5]]],
    }
    dahuk.save()
    shapes = client.get("/dtm/map/shapes/1.json")
    (feature,) = shapes.json()["features"]
    assert feature["properties"] == {"pcode": "IQG09"}
    assert len(feature["geometry"]["coordinates"][0]) < 20  # simplified
    again = client.get("/dtm/map/shapes/1.json", HTTP_IF_NONE_MATCH=shapes["ETag"])
    assert again.status_code == 304
    assert client.get("/dtm/map/shapes/7.json").status_code == 404


def test_the_overview_reads_right_to_left_in_arabic_with_arabic_names(
    personas: Personas, gazetteer: None
) -> None:
    two_published_rounds(personas)
    client = personas.ahmed.client()
    client.cookies["django_language"] = "ar"
    html = text(client.get("/dtm/overview/"))
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    assert "دهوك" in html
    # Iraqi Arabic month names; Western digits and separators (test_conventions.py).
    assert "حزيران" in html or "تموز" in html or "كانون" in html or "شباط" in html
    assert "3,060" in html and "\u066c" not in html
    client.cookies["django_language"] = "ckb"
    kurdish = text(client.get("/dtm/overview/"))
    assert 'dir="rtl"' in kurdish and 'lang="ckb"' in kurdish


def test_signed_out_readers_are_sent_to_sign_in(personas: Personas, gazetteer: None) -> None:
    round_imported(personas, publish=True)
    for path in ("/dtm/overview/", "/dtm/overview/IQG09/", "/dtm/compare/", "/dtm/map/points.json"):
        response = Client().get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_round_from_another_date_is_the_previous_one(personas: Personas, gazetteer: None) -> None:
    first = round_open(personas, number=80)
    later = services.round_create(
        actor=personas.layla.user,
        organisation=personas.iom,
        number=81,
        reference_date=date(2018, 1, 1),
    )
    from nahrain.displacement import selectors

    # A draft is never the previous round, not even to its information manager.
    assert selectors.round_previous(user=personas.layla.user, assessment_round=later) is None
    # (Published by hand: this is about order, not about what publishing checks.)
    AssessmentRound.objects.filter(pk=first.pk).update(status=RoundStatus.PUBLISHED)
    assert selectors.round_previous(user=personas.layla.user, assessment_round=later) == first
    assert selectors.round_previous(user=personas.layla.user, assessment_round=first) is None


def test_a_change_of_figures_and_the_language_button_are_two_words(
    personas: Personas, gazetteer: None
) -> None:
    """One English word, two meanings: a difference between rounds and the button that applies
    the language chosen. Each has its own Arabic and Sorani word."""
    first, second = two_published_rounds(personas)
    client = personas.ahmed.client()
    for language, difference, button in (("ar", "التغيّر", "تغيير"), ("ckb", "گۆڕان", "گۆڕین")):
        client.cookies["django_language"] = language
        html = text(client.get("/dtm/compare/", {"base": str(first.uid), "other": str(second.uid)}))
        assert f"<h2>{difference}</h2>" in html
        assert f'class="secondary">{button}</button>' in html
