"""The figures page in real headless Chromium, as karim (another organisation) reads IOM's
figures, on a laptop and a phone: hidden cells in words, the pyramid drawn, the wide table
scrolling inside its card rather than the page, no console error, no accessibility violation.
Screenshots land in var/screenshots for a person to look at."""

from __future__ import annotations

from typing import Any

import pytest

from nahrain.core.tests.test_browser import sign_in
from nahrain.displacement.tests.test_dashboard_browser import accessibility_violations
from nahrain.registry.tests.test_figures import iom_registry
from nahrain.testing.browser import screenshot
from nahrain.testing.personas import Personas

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

__all__ = ["iom_registry"]  # the fixture, used by name


def test_karim_reads_iom_figures_with_hidden_cells_on_a_laptop_and_a_phone(
    personas: Personas, iom_registry: dict[str, Any], live_server: Any, page: Any
) -> None:
    base = live_server.url
    sign_in(page, base, "karim")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{base}/registry/figures/?organisation={personas.iom.pk}")
        assert page.locator("[data-hidden]").count() > 10
        assert page.locator("[data-pyramid] rect").count() == 10
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{width}px overflows by {overflow}"
        screenshot(page, f"registry-figures-karim-{width}")
    assert accessibility_violations(page) == []
    assert page.record.console_errors == []
    assert page.record.outside_requests == []
