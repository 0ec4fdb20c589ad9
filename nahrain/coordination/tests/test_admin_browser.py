"""The cluster coordinator's own pages in headless Chromium, on a 390 px phone, in English and in
Arabic: the reporting periods with their lock buttons, the projects page with its two forms
open, and the cluster's members with the form that adds one; none scrolls sideways, and a month
is locked by its button. Screenshots go to var/screenshots/coordination-admin-*.png."""

from __future__ import annotations

from typing import Any

import pytest

from nahrain.coordination.models import ReportingPeriod, ResponsePlan
from nahrain.coordination.tests.test_coordination_browser import _as
from nahrain.testing.browser import screenshot
from nahrain.testing.personas import Persona

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _phone(page: Any, name: str, language: str) -> None:
    """Every section of the page open, at 390 px: the script's direction, nothing wider than
    the screen."""
    page.set_viewport_size({"width": 390, "height": 900})
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert page.evaluate("document.documentElement.dir") == ("rtl" if language == "ar" else "ltr")
    screenshot(page, f"coordination-admin-{name}-{language}-390")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} {language} overflows by {overflow}px"


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_coordinators_pages_fit_a_phone_and_a_month_is_locked_by_its_button(
    plan: ResponsePlan, tariq: Persona, live_server: Any, page: Any, language: str
) -> None:
    base = live_server.url
    _as(page, base, "tariq", language)
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{base}/coordination/periods/")
    _phone(page, "periods", language)
    page.locator("#periods tbody tr").first.locator("button").click()
    page.wait_for_url(f"{base}/coordination/periods/")
    assert ReportingPeriod.objects.filter(locked_at__isnull=False).count() == 1
    page.goto(f"{base}/coordination/plans/{plan.uid}/projects/")
    _phone(page, "projects", language)
    page.goto(f"{base}/coordination/clusters/snfi/members/")
    _phone(page, "members", language)
