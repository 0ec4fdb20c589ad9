"""The service directory in real headless Chromium, on a phone (390 px) and a laptop, in English
and Arabic: the map draws the points the search found with Leaflet served by the app, nothing
is wider than the screen, the point's page leads to the referral, no console error, no request
leaves the server, no accessibility violation."""

from __future__ import annotations

from typing import Any

import pytest

from nahrain.core.tests.test_browser import sign_in
from nahrain.displacement.tests.test_dashboard_browser import accessibility_violations
from nahrain.referrals.tests import builders
from nahrain.testing.browser import screenshot
from nahrain.testing.personas import Personas

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_a_case_worker_finds_a_service_on_a_phone_and_opens_it(
    personas: Personas, live_server: Any, page: Any
) -> None:
    points = builders.standard_points(personas)
    base = live_server.url
    sign_in(page, base, "shilan")
    for language in ("en", "ar"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        for width in (390, 1366):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{base}/services/?place=IQG09&service=mhpss_pfa")
            page.wait_for_selector("#directory-map.map-ready")
            assert page.locator("#directory-map").get_attribute("data-points") == "1"
            assert page.locator("#directory-map path.leaflet-interactive").count() == 1
            assert page.locator("#results > li").count() == 1
            assert _overflow(page) <= 0, f"directory {language} {width}px overflows"
            screenshot(page, f"directory-{language}-{width}")
        assert accessibility_violations(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="المساحة الآمنة للنساء والفتيات في زاخو").click()
    page.wait_for_url(f"**/services/{points['wgss'].uid}/")
    page.wait_for_selector("#directory-map.map-ready")
    assert _overflow(page) <= 0
    assert accessibility_violations(page) == []
    screenshot(page, "directory-point-ar-390")
    page.locator("#refer").click()
    page.wait_for_url(f"**/referrals/to/{points['wgss'].uid}/")
    assert page.record.console_errors == []
    assert page.record.outside_requests == []


def test_a_mapper_adds_a_point_on_a_phone(personas: Personas, live_server: Any, page: Any) -> None:
    builders.gazetteer()
    base = live_server.url
    sign_in(page, base, "sara")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/services/new/")
    assert _overflow(page) <= 0
    assert accessibility_violations(page) == []
    page.get_by_label("Kind of service point").select_option("phcc")
    page.get_by_label("Name in English").fill("Zakho PHCC 2")
    page.get_by_label("Governorate, district or sub-district").fill("Zakho")
    page.locator("#id_offer-0-service").select_option("phc")
    page.get_by_role("button", name="Add a service").click()
    page.locator("#id_offer-1-service").select_option("srh")
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_selector("#publish")
    screenshot(page, "directory-draft-en-390")
    assert _overflow(page) <= 0
    page.locator("#publish").click()
    page.wait_for_selector(".messages")
    assert page.locator("#publish").count() == 0
    assert page.record.console_errors == []
    assert page.record.outside_requests == []
