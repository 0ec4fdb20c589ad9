"""A complaint taken from the help desk's form to the person told, in real headless Chromium, in
English and in Kurdish (Sorani, right to left), on a laptop and a phone: rawa records what a
woman at the Chameshku help desk says about the kerosene distribution, assigns it to herself,
starts on it, writes the answer and records that the woman was told by phone and was satisfied;
the trends count it.
Kurdish reads right to left and shows no code; nothing is wider than a 390 px screen; no
console error; no request leaves the server. Screenshots go to var/screenshots."""

from __future__ import annotations

import re
from typing import Any

import pytest

from nahrain.core.tests.test_browser import sign_in
from nahrain.feedback.models import Feedback, Status
from nahrain.feedback.tests.desk import Desk, desk_fixture  # noqa: F401
from nahrain.testing.browser import screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = (1366, 390)
CODES = re.compile(
    r"\b(help_desk|service_quality|distribution_cash|idp_in_camp|phone_call|18_59|"
    r"in_progress|callback_gender|IQG\d\w*)\b"
)


def _as(page: Any, base: str, username: str, language: str) -> None:
    page.context.clear_cookies()
    sign_in(page, base, username)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])


def _look(page: Any, name: str, language: str) -> None:
    """The page at each width: the script's direction, no sideways scrolling, no code on a
    Kurdish page."""
    url = page.url
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        assert page.evaluate("document.documentElement.dir") == (
            "ltr" if language == "en" else "rtl"
        )
        screenshot(page, f"feedback-{name}-{language}-{width}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} {language} {width}px overflows by {overflow}px"
    if language == "ckb":
        text = page.locator("main").inner_text()
        assert not CODES.search(text), (name, CODES.search(text))
    page.set_viewport_size({"width": 1366, "height": 900})


def _submit(page: Any, selector: str) -> None:
    page.locator(selector).click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["en", "ckb"])
def test_a_complaint_goes_from_the_help_desk_to_the_person_told(
    desk: Desk, live_server: Any, page: Any, language: str
) -> None:
    base = live_server.url
    _as(page, base, "rawa", language)
    page.goto(f"{base}/feedback/new/")
    _look(page, "new", language)
    page.locator("[name=channel]").select_option("help_desk")
    page.locator("[name=site]").select_option(str(desk.chameshku.pk))
    page.locator("[name=category]").select_option("service_quality")
    page.locator("[name=topic]").select_option("distribution_cash")
    page.locator("[name=description]").fill(
        "The kerosene ran out before block C was served; we waited four hours."
    )
    page.locator("[name=name]").fill("Nasreen Ali")
    page.locator("[name=phone]").fill("07509876543")
    page.locator("[name=preferred_language]").select_option("ckb")
    page.locator("[name=callback_gender]").select_option("female")
    page.locator("[name=person_sex]").select_option("f")
    page.locator("[name=person_age_group]").select_option("18_59")
    page.locator("[name=population_group]").select_option("idp_in_camp")
    _submit(page, "#save-feedback")
    item = Feedback.objects.get()
    assert page.url == f"{base}/feedback/items/{item.uid}/"
    assert item.contact.callback_gender == "female"
    _look(page, "item-new", language)

    page.locator("#assign-form [name=assignee]").select_option(str(desk.rawa.user.pk))
    _submit(page, "#assign")
    _submit(page, "#start")
    page.locator("#resolve-form [name=answer]").fill(
        "A second kerosene delivery reaches block C on Sunday; bring your card."
    )
    _submit(page, "#resolve")
    item.refresh_from_db()
    assert item.status == Status.RESOLVED and item.assigned_to == desk.rawa.user
    _look(page, "item-answered", language)
    page.locator("#tell-form [name=how]").select_option("phone_call")
    page.locator("#tell-form [name=satisfaction]").select_option("satisfied")
    _submit(page, "#tell")
    item.refresh_from_db()
    assert item.status == Status.TOLD and item.satisfaction == "satisfied"
    assert page.locator("#told").is_visible()
    _look(page, "item-told", language)

    page.goto(f"{base}/feedback/")
    assert page.locator(f"text={item.reference}").count() >= 1
    _look(page, "queue", language)
    page.goto(f"{base}/feedback/trends/")
    assert page.locator("#received").inner_text() == "1"
    _look(page, "trends", language)
    assert page.record.console_errors == []
    assert page.record.outside_requests == []
