"""An alert walked from new to closed in real headless Chromium, in English and in Arabic, on a
laptop and a phone: hana sends Chameshku camp PHCC's EWARN week with a case of measles; the alert
appears on faris's list for Zakho; he verifies it, records the investigation and the response,
and closes it, each with a note. Arabic reads right to left and shows no code; nothing is wider
than a 390 px screen; no console error; no request leaves the server. Screenshots are written to
a temporary folder for a person to look at."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from nahrain.core.tests.test_browser import sign_in
from nahrain.health.forms import week_ended, week_value
from nahrain.health.models import Alert
from nahrain.health.tests.builders import HealthWorld

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = (1366, 390)
# Codes, never words: untranslated English sentences wait for the translators.
CODES = re.compile(r"\b(measles|one-case|IQG\d\w*|cases_under5|mobile_unit|phcc)\b")


def _as(page: Any, base: str, username: str, language: str) -> None:
    page.context.clear_cookies()
    sign_in(page, base, username)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])


def _look(page: Any, folder: Path, name: str, language: str) -> None:
    """The page as it is at each width: the script's direction, no sideways scrolling, no code
    on an Arabic page."""
    url = page.url
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        assert page.evaluate("document.documentElement.dir") == (
            "ltr" if language == "en" else "rtl"
        )
        page.screenshot(path=str(folder / f"alert-{name}-{language}-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} {language} {width}px overflows by {overflow}px"
    if language == "ar":
        text = page.locator("main").inner_text()
        assert not CODES.search(text), (name, CODES.search(text))
    page.set_viewport_size({"width": 1366, "height": 900})


def _step(page: Any, to: str, note: str) -> None:
    form = page.locator(f"form[data-step={to}]")
    form.locator("textarea").fill(note)
    form.locator("button").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_an_alert_walked_from_a_measles_case_to_closed(
    health: HealthWorld,
    live_server: Any,
    page: Any,
    language: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    folder = tmp_path_factory.mktemp(f"health-screenshots-{language}")
    base = live_server.url
    phcc = health.chameshku_phcc

    _as(page, base, "hana", language)
    page.goto(f"{base}/health/facilities/{phcc.uid}/ewarn/")
    assert page.locator("#ewarn input[name=week]").input_value() == week_value(*week_ended())
    page.locator("#disease-measles summary").click()
    assert page.locator("#disease-measles details p").is_visible()
    _look(page, folder, "ewarn", language)
    page.locator("[name=measles-cases_under5]").fill("1")
    page.locator("#send-week").click()
    page.wait_for_load_state()
    assert page.locator("#earlier").is_visible()
    alert = Alert.objects.get(disease="measles")
    assert alert.status == "new"

    _as(page, base, "faris", language)
    page.goto(f"{base}/health/alerts/")
    page.wait_for_selector("#health-map.map-ready")
    assert page.locator("#health-map").get_attribute("data-points") == "1"
    _look(page, folder, "list", language)
    page.locator(f'#alerts a[href="/health/alerts/{alert.uid}/"]').click()
    page.wait_for_url(f"{base}/health/alerts/{alert.uid}/")
    _look(page, folder, "new", language)

    _step(page, "verified", "Called the PHCC: fever and rash in a child of four")
    _step(page, "investigated", "Team visited block C; two contacts with fever")
    _look(page, folder, "investigated", language)
    _step(page, "response", "Vaccination of contacts under 15 started")
    # Closing says why: sent without a note, it is refused next to the note.
    page.locator("form[data-step=closed] button").click()
    page.wait_for_load_state()
    assert page.locator("form[data-step=closed] .errorlist").is_visible()
    _step(page, "closed", "No new case in 21 days")
    alert.refresh_from_db()
    assert alert.status == "closed"
    assert page.locator("#steps").count() == 0
    assert page.locator("#events li").count() >= 5
    _look(page, folder, "closed", language)

    print(f"screenshots in {folder}")
    assert page.record.console_errors == []
    assert page.record.outside_requests == []
