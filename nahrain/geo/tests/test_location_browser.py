"""A location's page in headless Chromium: reached from the place's figures, corrected by its
keeper's information manager, read in Arabic on a phone."""

from __future__ import annotations

from typing import Any

import pytest

from nahrain.core.tests.test_browser import sign_in
from nahrain.displacement.tests.builders import PLACES, round_imported
from nahrain.displacement.tests.test_dashboard_browser import accessibility_violations
from nahrain.geo import services as geo_services
from nahrain.testing.browser import screenshot
from nahrain.testing.personas import Personas

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_information_manager_corrects_a_place_and_reads_its_history_on_a_phone(
    personas: Personas, live_server: Any, page: Any
) -> None:
    geo_services.gazetteer_load()
    published = round_imported(personas, PLACES, publish=True)
    base = live_server.url
    sign_in(page, base, "layla")
    page.goto(f"{base}/dtm/overview/place/7001/?round={published.uid}")
    page.get_by_role("link", name="About this place and its history").click()
    page.wait_for_url("**/geo/locations/**")
    assert page.get_by_role("heading", name="Zakho centre").is_visible()
    page.get_by_label("Name in Arabic").fill("مركز زاخو")
    page.get_by_label("Latitude").fill("37.15")
    page.get_by_role("button", name="Save the correction").click()
    page.wait_for_selector("text=Corrected by an information manager")
    history = page.locator("#history-title + table").inner_text()
    assert "Latitude\t37.1436\t37.15" in history
    assert accessibility_violations(page) == []
    screenshot(page, "location-history-en")

    page.set_viewport_size({"width": 390, "height": 844})
    with page.expect_navigation():
        page.select_option("#language-select", "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.get_by_role("heading", name="مركز زاخو").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert accessibility_violations(page) == []
    screenshot(page, "location-history-ar-390")
    assert page.record.console_errors == []
    assert page.record.outside_requests == []
