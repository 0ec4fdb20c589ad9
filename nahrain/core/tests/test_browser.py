"""Pages in real headless Chromium: sign in, switch language, browse places, set up accounts."""

from __future__ import annotations

from typing import Any

import pytest

from nahrain.core import services
from nahrain.core.models import Role
from nahrain.geo import services as geo_services
from nahrain.testing.browser import screenshot
from nahrain.testing.personas import PASSWORD, Personas

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def test_a_viewer_signs_in_switches_to_arabic_and_finds_a_place(
    personas: Personas, live_server: Any, page: Any
) -> None:
    geo_services.gazetteer_load()
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    screenshot(page, "login-en")
    sign_in(page, base, "ahmed")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.get_by_role("heading", name="Welcome, ahmed").is_visible()

    with page.expect_navigation():
        page.select_option("#language-select", "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    screenshot(page, "home-ar")

    page.goto(f"{base}/geo/?q=%D8%AF%D9%87%D9%88%D9%83")  # دهوك
    page.get_by_role("link", name="دهوك").first.click()
    page.wait_for_url(f"{base}/geo/units/IQG09/")
    assert page.locator("h1 code").inner_text() == "IQG09"
    screenshot(page, "unit-ar")

    with page.expect_navigation():
        page.select_option("#language-select", "ckb")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "دهۆک" in page.locator("h1").inner_text()
    screenshot(page, "unit-ckb")

    assert page.record.console_errors == []
    assert page.record.outside_requests == []


def test_a_platform_admin_is_asked_for_a_second_factor(
    personas: Personas, live_server: Any, page: Any
) -> None:
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/admin/")
    assert "/accounts/2fa/" in page.url
    assert page.get_by_label("Code from your authenticator app").is_visible()
    screenshot(page, "two-factor-en")
    assert page.record.console_errors == []


PHONE = {"width": 390, "height": 844}


def test_an_invited_person_chooses_a_password_on_a_phone(
    personas: Personas, live_server: Any, page: Any
) -> None:
    _user, token = services.user_invite(
        actor=personas.iom_admin.user,
        username="zeina",
        email="zeina@example.org",
        organisation=personas.iom,
        role=Role.VIEWER,
    )
    base = live_server.url
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/accounts/invitation/{token}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "invitation-en")
    page.get_by_label("New password", exact=True).fill("a long new passphrase 31")
    page.get_by_label("New password confirmation").fill("a long new passphrase 31")
    page.get_by_role("button", name="Save and sign in").click()
    page.wait_for_url(f"{base}/")
    assert page.get_by_role("heading", name="Welcome, zeina").is_visible()
    assert page.record.console_errors == []


def test_an_organisation_admin_invites_on_a_phone_in_arabic(
    personas: Personas, live_server: Any, page: Any
) -> None:
    base = live_server.url
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("iom_admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code from your authenticator app").fill(personas.iom_admin.totp_code())
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{base}/")
    with page.expect_navigation():
        page.select_option("#language-select", "ar")

    page.goto(f"{base}/organisations/{personas.iom.pk}/members/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "hana" in page.locator("table").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "members-ar")

    page.get_by_role("link", name="دعوة شخص").click()
    page.locator("#id_username").fill("zeina")
    page.locator("#id_email").fill("zeina@example.org")
    page.locator("#id_role").select_option("viewer")
    page.get_by_role("button", name="إنشاء رابط").click()
    assert "/accounts/invitation/" in page.locator("code.secret").inner_text()
    # Measured once the stylesheet applies: the link may be in the page before it is.
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "invite-ar")
    assert page.record.console_errors == []


def test_a_reader_opens_the_glossary_from_the_footer_on_a_phone_in_kurdish(
    live_server: Any, page: Any
) -> None:
    """No sign-in: the glossary explains figures to people without an account."""
    base = live_server.url
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/accounts/login/")
    with page.expect_navigation():
        page.select_option("#language-select", "ckb")
    with page.expect_navigation():
        page.locator("footer a[href='/glossary/']").click()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#critical_shelter").inner_text().startswith("شوێنی حەوانەوەی نالەبار")
    assert page.locator("#subdistrict").inner_text().startswith("ناحیە")
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "glossary-ckb")
    assert page.record.console_errors == []
