"""A referral walked from sending to closing in real headless Chromium, in English and in Arabic,
on a laptop and a phone: IOM's registration officer refers a woman of IOM's registry to
INTERSOS's legal aid office with her consent to share her sex, age and where she lives; INTERSOS's
case worker sees exactly that, acknowledges, accepts, sets an appointment and records the service
provided; the registration officer closes it. Arabic reads right to left, nothing is wider than
the screen, no console error, no request leaves the server, no accessibility violation.
Screenshots land in var/screenshots for a person to look at."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from nahrain.core.tests.test_browser import sign_in
from nahrain.displacement.tests.test_dashboard_browser import accessibility_violations
from nahrain.referrals.models import Referral
from nahrain.referrals.tests import builders
from nahrain.testing.browser import screenshot
from nahrain.testing.personas import Personas

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = (1366, 390)


def _as(page: Any, base: str, username: str, language: str) -> None:
    page.context.clear_cookies()
    sign_in(page, base, username)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])


def _look(page: Any, name: str, language: str) -> None:
    """The page as it is, at each width: the script's direction, no sideways scrolling."""
    url = page.url
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        assert page.evaluate("document.documentElement.dir") == (
            "ltr" if language == "en" else "rtl"
        )
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} {language} {width}px overflows by {overflow}px"
        screenshot(page, f"referral-{name}-{language}-{width}")
    page.set_viewport_size({"width": 1366, "height": 900})


def _step(page: Any, status: str) -> None:
    form = page.locator(f"form:has(input[name=status][value={status}])")
    form.locator("button").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_referral_walked_from_sending_to_closing(
    personas: Personas, live_server: Any, page: Any, language: str
) -> None:
    base = live_server.url
    points = builders.standard_points(personas)
    woman = builders.iom_person(personas, first_ar="سميرة")

    _as(page, base, "rania", language)
    page.goto(f"{base}/referrals/to/{points['legal'].uid}/?individual={woman.uid}")
    _look(page, "send", language)
    page.locator("[name=service]").select_option("legal_aid")
    page.locator("[name=urgency]").select_option("high")
    page.locator("[name=reason]").fill("Needs a new civil ID for her children's school")
    for code in ("sex", "age", "place"):
        page.locator(f"[name=fields_shared][value={code}]").check()
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(f"{base}/referrals/*-*/")
    referral = Referral.objects.get()
    assert referral.status == "sent"
    _look(page, "sent", language)

    _as(page, base, "shilan", language)
    page.goto(f"{base}/referrals/")
    page.locator(f"a[href='/referrals/{referral.uid}/']").click()
    person = page.locator("#person").inner_text()
    assert "Zakho, Nizarke" in person
    assert "سميرة" not in person and "07701234567" not in person
    assert "civil ID" not in page.content()  # the reason was not shared
    for status in ("acknowledged", "accepted"):
        _step(page, status)
    page.locator("form:has(input[name=status][value=appointment]) [name=appointment_on]").fill(
        (timezone.localdate() + timedelta(days=3)).isoformat()
    )
    _step(page, "appointment")
    _look(page, "received", language)
    _step(page, "provided")
    referral.refresh_from_db()
    assert referral.status == "provided"

    _as(page, base, "rania", language)
    page.goto(f"{base}/referrals/{referral.uid}/")
    _step(page, "closed")
    referral.refresh_from_db()
    assert referral.status == "closed"
    history = page.locator("#history li")
    assert history.count() == 6  # sent, acknowledged, accepted, appointment, provided, closed
    _look(page, "closed", language)
    assert accessibility_violations(page) == []
    assert page.record.console_errors == []
    assert page.record.outside_requests == []
