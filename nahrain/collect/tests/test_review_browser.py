"""The review screen in real headless Chromium, at 1366 and 390 px, in English, Sorani and
Arabic: the form's groups with nothing overflowing, no accessibility violation, "accept"
disabled while errors remain; the reviewer corrects the households and accepts."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from nahrain.collect.models import Submission, SubmissionStatus
from nahrain.collect.tests.conftest import Field, assessment_values
from nahrain.collect.tests.odk import fill_instance
from nahrain.core.tests.test_browser import sign_in
from nahrain.displacement.tests.test_dashboard_browser import (
    OVERFLOWING,
    accessibility_violations,
)
from nahrain.geo.models import Location
from nahrain.testing.browser import screenshot
from nahrain.testing.personas import Personas

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_reviewer_reads_corrects_and_accepts_in_english_and_arabic(
    field: Field, personas: Personas, live_server: Any, page: Any
) -> None:
    Location.objects.filter(external_id="7001").update(name_ar="مركز زاخو")
    # Households say 45 where every breakdown adds up to 40: three errors.
    xml = fill_instance(
        field.assessment.xml, assessment_values(households=45), instance_id="uuid:browser"
    )
    assert field.phone.post(xml).status_code == 201
    submission = Submission.objects.get(instance_id="uuid:browser")
    base = live_server.url
    address = f"{base}/collect/submissions/{submission.uid}/"
    sign_in(page, base, "layla")
    overflowing: dict[str, list[str]] = {}
    accept = page.locator(".review-decision form").first.locator("button")
    for language in ("en", "ckb", "ar"):  # Arabic last: the correction below reads it
        if language != "en":
            with page.expect_navigation():
                page.select_option("#language-select", language)
            assert page.locator("html").get_attribute("dir") == "rtl"
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(address)
            found = page.evaluate(OVERFLOWING)
            if found:
                overflowing[f"review {language} {width}px"] = found
            assert page.locator("#block-shelter .error").count() == 1
            expect(accept).to_be_disabled()
            if width == 1366:
                assert accessibility_violations(page) == []
            screenshot(page, f"review-{language}" + ("-390" if width == 390 else ""))
    assert overflowing == {}

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(address)
    # The households' own label (the origins' households share its words).
    expect(page.locator("label[for=id_households]")).to_have_text("الأسر")
    page.locator("#id_households").fill("40")
    page.locator(".review-form button[type=submit]").click()
    page.wait_for_url(address)
    assert page.locator("#block-shelter .error").count() == 0
    expect(page.locator("#households-sent")).to_contain_text("45")
    expect(accept).to_be_enabled()
    accept.click()
    page.wait_for_url(f"{base}/collect/**")
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ACCEPTED
    assert submission.data["households"] == "40"
    assert page.record.console_errors == []
    assert page.record.outside_requests == []
