"""The monitoring pages in headless Chromium at a phone's width (390 px): a site manager records
a visit and raises a gap from a critical value in one click; the round page in Arabic, right to
left; no console error, no request leaving the server, no accessibility violation, no page
wider than the screen."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from nahrain.core.tests.test_browser import sign_in
from nahrain.displacement.tests.test_dashboard_browser import accessibility_violations
from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit
from nahrain.sites import services
from nahrain.sites.models import ServiceGap
from nahrain.testing.browser import screenshot
from nahrain.testing.personas import Personas

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_a_site_manager_records_a_visit_and_raises_a_gap_on_a_phone(
    personas: Personas, live_server: Any, page: Any
) -> None:
    geo_services.gazetteer_load()
    camp = services.site_create(
        actor=personas.omar.user,
        organisation=personas.iom,
        code="IQ-DHK-CHM",
        name_en="Chameshku",
        name_ar="جمشكو",
        type="camp",
        admin_unit=AdminUnit.objects.get(pcode="IQG09"),
    )
    services.population_record(
        actor=personas.omar.user,
        site=camp,
        on=date(2026, 10, 1),
        source="headcount",
        individuals=1000,
    )
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "omar")
    page.goto(f"{base}/sites/{camp.uid}/monitoring/new/")
    assert fits_the_screen(page)
    page.get_by_label("Water delivered to the site per day (litres)").fill("5000")
    page.get_by_label("Functioning latrines for women").fill("30")
    page.get_by_label("Functioning latrines for men").fill("10")
    page.get_by_label("Complaints and feedback mechanism in place").select_option("1")
    page.get_by_role("button", name="Record the monitoring").click()
    page.wait_for_url(f"{base}/sites/monitoring/**")
    screenshot(page, "sites-monitoring-round-390")
    assert fits_the_screen(page)
    assert page.get_by_text("✖ Critical").count() == 1  # 5 l/p/d, in words and a symbol
    assert accessibility_violations(page) == []
    page.get_by_role("link", name="Raise a gap").first.click()
    page.get_by_label("Due date").fill("2026-12-15")
    page.get_by_role("button", name="Raise the gap").click()
    page.wait_for_url(f"{base}/sites/gaps/**")
    gap = ServiceGap.objects.get()
    assert (gap.sector.code, gap.indicator.code if gap.indicator else "") == ("wash", "water_lpd")
    assert accessibility_violations(page) == []
    round_url = f"{base}/sites/monitoring/{gap.monitoring_round.uid}/"  # type: ignore[union-attr]
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": base}])
    page.goto(round_url)
    assert page.locator("html").get_attribute("dir") == "rtl"
    screenshot(page, "sites-monitoring-round-390-ar")
    assert fits_the_screen(page)
    assert page.record.console_errors == []
    assert page.record.outside_requests == []
