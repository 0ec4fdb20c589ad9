"""The CCCM dashboard and a site page in real headless Chromium, in English and Arabic, on a
laptop (1366 px) and a phone (390 px): the map draws every site, nothing is wider than the
screen, Arabic reads right to left, no console error, no request leaves the server, no
accessibility violation. Screenshots land in var/screenshots for a person to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nahrain.core.tests.test_browser import sign_in
from nahrain.displacement.tests.test_dashboard_browser import accessibility_violations
from nahrain.geo import services as geo_services
from nahrain.geo.tests.conftest import cod_ab_files
from nahrain.sites.models import Site
from nahrain.sites.tests.pages_data import camps_build
from nahrain.testing.browser import screenshot
from nahrain.testing.personas import Personas

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = (1366, 390)


def _overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scrolling)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def _look(page: Any, url: str, name: str, language: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        page.wait_for_selector("#sites-map.map-ready")
        # Both sites are drawn: Haj Ali, without coordinates, at Ninewa's centre.
        assert page.locator("#sites-map").get_attribute("data-sites") == "2"
        assert page.locator("#sites-map path.leaflet-interactive").count() == 2
        assert page.evaluate("document.documentElement.dir") == (
            "rtl" if language == "ar" else "ltr"
        )
        assert _overflow(page) <= 0, f"{name} {language} {width}px overflows"
        screenshot(page, f"sites-{name}-{language}-{width}")
    assert accessibility_violations(page) == []


def test_the_cccm_dashboard_and_a_site_page_in_english_and_arabic(
    personas: Personas, chameshku: Site, live_server: Any, page: Any, shared: Path
) -> None:
    for level, path in cod_ab_files(shared):
        if level == 1:
            geo_services.boundaries_import(file=path, level=level)
    camps = camps_build(personas, chameshku)
    base = live_server.url
    sign_in(page, base, "omar")
    for language in ("en", "ar"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        _look(page, f"{base}/sites/", "dashboard", language)
        figure = page.locator('[data-figure="individuals"]').inner_text()
        assert figure == "27,401"  # one digit convention in every language (the glossary)
        _look(page, f"{base}/sites/{camps.chameshku.uid}/", "site", language)
        heading = page.locator("h1").inner_text()
        assert heading == ("Chameshku" if language == "en" else "جمشكو")
    # The list leads to a site; the forms fit a phone.
    page.goto(f"{base}/sites/list/?q=Haj")
    page.get_by_role("link", name="حاج علي").click()
    page.wait_for_url(f"**/sites/{camps.emergency.uid}/")
    for form in ("new/", f"{camps.emergency.uid}/status/"):
        page.goto(f"{base}/sites/{form}")
        assert _overflow(page) <= 0, form
        assert accessibility_violations(page) == []
    screenshot(page, "sites-status-ar-390")
    assert page.record.console_errors == []
    assert page.record.outside_requests == []
