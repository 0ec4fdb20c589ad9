"""The registration page and a household's page in real headless Chromium, in English, Arabic
and Kurdish, on a laptop (1366 px) and a phone (390 px): a registration officer registers a
family with the roster (adding a member with the page's own button), nothing is wider than the
screen, Arabic and Kurdish read right to left, no console error, no request leaves the server,
no accessibility violation. Screenshots land in var/screenshots for a person to look at."""

from __future__ import annotations

from typing import Any

import pytest

from nahrain.core.tests.test_browser import sign_in
from nahrain.displacement.tests.test_dashboard_browser import accessibility_violations
from nahrain.registry.models import Household
from nahrain.sites.models import Site
from nahrain.testing.browser import screenshot
from nahrain.testing.personas import Personas

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = (1366, 390)
LANGUAGES = ("en", "ar", "ckb")


def _overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scrolling)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def _look(page: Any, url: str, name: str, language: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        assert page.evaluate("document.documentElement.dir") == (
            "ltr" if language == "en" else "rtl"
        )
        assert _overflow(page) <= 0, f"{name} {language} {width}px overflows"
        screenshot(page, f"registry-{name}-{language}-{width}")
    assert accessibility_violations(page) == []


def test_a_family_registered_through_the_page_and_read_in_three_languages(
    personas: Personas, chameshku: Site, live_server: Any, page: Any
) -> None:
    base = live_server.url
    sign_in(page, base, "rania")
    page.goto(f"{base}/registry/")
    page.get_by_role("link", name="Chameshku").click()
    page.get_by_label("Shelter unit").select_option(label="A/4")
    page.get_by_label("First name (Arabic)").fill("محمد")
    page.get_by_label("Family or tribe (Arabic)").fill("الجبوري")
    page.get_by_label("First name (Latin)").fill("Mohammed")
    page.get_by_label("Sex").select_option("m")
    page.get_by_label("Relationship to the head").select_option("head")
    page.locator("#id_member-0-born_on").fill("1980-03-14")
    page.get_by_role("button", name="Add a member").click()
    second = page.locator("#member-2")
    second.get_by_label("First name (Arabic)").fill("فاطمة")
    second.get_by_label("Sex").select_option("f")
    second.get_by_label("Relationship to the head").select_option("spouse")
    second.get_by_label("Age in years (when the date of birth is not known)").fill("39")
    page.get_by_role("button", name="Register the household").click()
    page.wait_for_url(f"{base}/registry/h/**")
    household = Household.objects.get()
    assert household.size == 2 and household.unit is not None and str(household.unit) == "A/4"
    assert "محمد الجبوري" in page.locator(".members").inner_text()
    for language in LANGUAGES:
        page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        _look(page, f"{base}/registry/register/?site={chameshku.uid}", "register", language)
        _look(page, f"{base}/registry/h/{household.uid}/", "household", language)
    assert page.record.console_errors == []
    assert page.record.outside_requests == []
