"""The dashboards in real headless Chromium: sign in, the overview and its map, Arabic, drill-down
to a district and a place, a download, the comparison, an import preview with errors; no console
error, no request leaving the server, no accessibility violation, and a light first load."""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import expect

from nahrain.core.tests.test_browser import sign_in
from nahrain.displacement.tests.builders import (
    NEXT_ROUND,
    csv_from_rows,
    round_open,
    two_published_rounds,
    wide_rows,
)
from nahrain.geo import services as geo_services
from nahrain.geo.tests.conftest import cod_ab_files
from nahrain.testing.browser import screenshot
from nahrain.testing.personas import Personas

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FIRST_LOAD_BUDGET = 500 * 1024  # bytes, compressed, boundary outlines aside


def accessibility_violations(page: Any) -> list[str]:
    """axe-core's WCAG A/AA violations on the page as it is, one line each."""
    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}
    )
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def test_an_information_manager_reads_the_dashboards_in_english_and_arabic(
    personas: Personas, live_server: Any, page: Any, shared: Path, tmp_path: Path
) -> None:
    geo_services.gazetteer_load()
    for level, path in cod_ab_files(shared):
        if level in (1, 2):
            geo_services.boundaries_import(file=path, level=level)
    first, second = two_published_rounds(personas)
    base = live_server.url
    weights: dict[str, int] = {}

    def weigh(response: Any) -> None:
        if "/map/shapes/" in response.url or response.status >= 300:
            return
        try:
            weights[response.url] = len(gzip.compress(response.body()))
        except Exception:
            return

    sign_in(page, base, "layla")
    page.on("response", weigh)
    page.goto(f"{base}/dtm/overview/")
    page.wait_for_selector("#map path.leaflet-interactive")
    page.wait_for_load_state("networkidle")
    page.remove_listener("response", weigh)
    first_load = sum(weights.values())
    print(f"\noverview first load: {first_load:,} bytes gzip over {len(weights)} responses")
    assert first_load <= FIRST_LOAD_BUDGET, weights
    assert (
        page.locator('[data-figure="idp-individuals"]').first.inner_text()
        == f"{(150 + 60 + 90 + 180 + 30) * 6:,}"
    )
    assert page.locator("#map path.leaflet-interactive").count() >= 18
    assert page.locator(".legend").is_visible()
    assert accessibility_violations(page) == []

    # The keyboard reaches the content first, then every control in order.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"

    # Sort the table by name without leaving the page (htmx), then filter it.
    page.get_by_role("link", name="Governorate").click()
    page.wait_for_selector('th[aria-sort="descending"] >> text=Governorate')
    assert "sort=name" in page.url
    names = page.locator("#table tbody th a").all_inner_texts()
    assert names == sorted(names, reverse=True)
    page.get_by_label("Filter by name or code").fill("erb")
    expect(page.locator("#table tbody tr")).to_have_count(1)
    assert page.locator("#table tbody th a").inner_text() == "Erbil"

    # Drill down from the map: a shaded governorate leads to its page.
    page.goto(f"{base}/dtm/overview/")
    page.wait_for_selector("#map path.leaflet-interactive")
    with page.expect_navigation():
        page.locator('#map path.leaflet-interactive:not([fill="#e3e6e8"])').first.click(force=True)
    assert "/dtm/overview/IQG" in page.url

    page.goto(f"{base}/dtm/overview/IQG09/?round={second.uid}")
    page.wait_for_selector("#map path.leaflet-interactive")
    page.locator("#table").get_by_role("link", name="Zakho").click()
    page.wait_for_url("**/dtm/overview/IQG09Q**")
    page.wait_for_selector("#map path.leaflet-interactive")
    assert page.locator('[data-figure="idp-individuals"]').first.inner_text() == "900"
    assert accessibility_violations(page) == []
    screenshot(page, "district-en")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))
    assert [row["place_id"] for row in rows] == ["7001"]
    assert rows[0]["idp_individuals"] == "900"

    page.locator("#table").get_by_role("link", name="Zakho centre").click()
    page.wait_for_url("**/dtm/overview/place/7001/**")
    assert accessibility_violations(page) == []
    screenshot(page, "location-en")

    page.goto(f"{base}/dtm/overview/")
    page.get_by_role("link", name=f"Compare with round {first.number}").click()
    page.wait_for_selector("#map path.leaflet-interactive")
    assert page.locator('[data-figure="change"]').inner_text() == f"+{(30 - 20) * 6:,}"
    assert accessibility_violations(page) == []

    # An import preview that shows errors, row by row.
    draft = round_open(personas, number=NEXT_ROUND + 1)
    rows_with_errors = wide_rows()
    rows_with_errors[2][6] = -5
    rows_with_errors[4][0] = ""
    bad = tmp_path / "round-92.csv"
    bad.write_bytes(csv_from_rows(rows_with_errors))
    page.goto(f"{base}/dtm/rounds/{draft.uid}/")
    page.get_by_label("File (CSV or XLSX)").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    problems = page.locator("table.problems").first.inner_text()
    assert "3\tG\tA count below zero" in problems and "5\tA\tA value is missing" in problems
    assert accessibility_violations(page) == []
    screenshot(page, "import-errors-en")

    # Arabic: right to left, Arabic names, the same figures.
    page.goto(f"{base}/dtm/overview/")
    with page.expect_navigation():
        page.select_option("#language-select", "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.wait_for_selector("#map path.leaflet-interactive")
    assert "دهوك" in page.locator("#table").inner_text()
    assert page.locator('[data-figure="idp-individuals"]').first.inner_text() == "3,060"
    assert accessibility_violations(page) == []
    for name, address in (
        ("flow-governorate", f"/dtm/overview/IQG09/?round={second.uid}"),
        ("location", f"/dtm/overview/place/7001/?round={second.uid}"),
        ("flow-compare", f"/dtm/compare/?base={first.uid}&other={second.uid}"),
        ("import-errors", f"/dtm/rounds/{draft.uid}/"),
    ):
        page.goto(base + address)
        if name == "import-errors":
            page.locator("input[type=file]").set_input_files(str(bad))
            page.locator("form[enctype] button[type=submit]").click()
            page.wait_for_selector("table.problems")
        elif name != "location":
            page.wait_for_selector("#map path.leaflet-interactive")
        assert page.locator("html").get_attribute("dir") == "rtl"
        if not name.startswith("flow-"):  # the generated history's test draws those
            screenshot(page, f"{name}-ar")
    page.goto(f"{base}/dtm/overview/IQG09/?round={second.uid}")
    page.locator("#table tbody a").first.click()
    page.wait_for_url("**/dtm/overview/IQG09Q**")
    page.wait_for_selector("#map path.leaflet-interactive")
    screenshot(page, "district-ar")

    assert page.record.console_errors == []
    assert page.record.outside_requests == []


def test_the_pages_of_a_generated_iraq_history_read_well_in_english_and_arabic(
    personas: Personas, live_server: Any, page: Any, shared: Path
) -> None:
    """The screenshots docs/ shows: the small generated history (12 rounds, 2014 to 2024, on
    the real round-109 locations and the real 2014 master list) over COD-AB boundaries."""
    from nahrain.displacement import generator, selectors

    geo_services.gazetteer_load()
    for level, path in cod_ab_files(shared):
        if level in (1, 2):
            geo_services.boundaries_import(file=path, level=level)
    generator.history_generate(
        actor=personas.layla.user,
        organisation=personas.iom,
        scale=generator.SCALES["small"],
        seed=1,
        shared=shared,
    )
    latest = selectors.round_latest_published(user=personas.ahmed.user)
    assert latest is not None
    previous = selectors.round_previous(user=personas.ahmed.user, assessment_round=latest)
    assert previous is not None
    totals = selectors.totals(assessment_round=latest)
    base = live_server.url
    sign_in(page, base, "ahmed")
    overflowing: dict[str, list[str]] = {}
    for language in ("en", "ar", "ckb"):
        if language != "en":
            with page.expect_navigation():
                page.select_option("#language-select", language)
        for name, address in (
            ("overview", "/dtm/overview/"),
            ("governorate", f"/dtm/overview/IQG15/?round={latest.uid}"),
            ("place", f"/dtm/overview/place/{_busiest_place(latest)}/?round={latest.uid}"),
            ("compare", f"/dtm/compare/?base={previous.uid}&other={latest.uid}"),
            ("origins", f"/dtm/origins/?round={latest.uid}"),
            ("round", f"/dtm/rounds/{latest.uid}/"),
        ):
            for width in (1366, 390):
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(base + address)
                if name not in ("round", "place"):
                    page.wait_for_selector("#map path.leaflet-interactive")
                page.wait_for_load_state("networkidle")
                found = page.evaluate(OVERFLOWING)
                if found:
                    overflowing[f"{name} {language} {width}px"] = found
                if width == 1366 and name != "place" and language != "ckb":
                    assert accessibility_violations(page) == []
                    if name != "round":
                        screenshot(page, f"{name}-{language}")
                if width == 390 and name == "origins" and language == "ar":
                    screenshot(page, "origins-ar-390")
                if width == 390 and name == "overview":
                    screenshot(page, f"{name}-{language}-390")
                    shelter = screenshot(page, f"{name}-{language}-390-shelter")
                    page.locator("table.bars").first.screenshot(path=str(shelter))
        page.set_viewport_size({"width": 1366, "height": 900})
        page.goto(base + "/dtm/overview/")
        shown = page.locator('[data-figure="idp-individuals"]').first.inner_text()
        assert int(re.sub(r"\D", "", shown)) == totals["idp"]["individuals"]
    assert overflowing == {}
    assert page.record.console_errors == []
    assert page.record.outside_requests == []


# Elements whose content is wider than their box and is cut or spills out (a box that scrolls
# its content, the map's own panes and drawings aside), and the page wider than the screen.
OVERFLOWING = """() => {
  const found = [];
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width + 1) {
    found.push(`page ${document.documentElement.scrollWidth}px wide`);
  }
  for (const element of document.querySelectorAll("main *")) {
    if (element.closest("#map, svg, .leaflet-container, .visually-hidden")) continue;
    const style = getComputedStyle(element);
    if (["auto", "scroll"].includes(style.overflowX) || style.display === "inline") continue;
    if (element.clientWidth > 0 && element.scrollWidth > element.clientWidth + 1) {
      const name = element.id ? `#${element.id}` : `.${[...element.classList].join(".")}`;
      const tag = element.tagName.toLowerCase();
      found.push(`${tag}${name} ${element.scrollWidth}>${element.clientWidth}`);
    }
  }
  return found.slice(0, 12);
}"""


def _busiest_place(assessment_round: Any) -> str:
    from nahrain.displacement.models import LocationAssessment

    busiest = (
        LocationAssessment.objects.filter(round=assessment_round)
        .order_by("-individuals")
        .select_related("location")
        .first()
    )
    assert busiest is not None
    return str(busiest.location.external_id)
