"""Importing a master list through the pages, in real headless Chromium."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from nahrain.core.tests.test_browser import sign_in
from nahrain.displacement import services
from nahrain.displacement.models import LocationAssessment
from nahrain.displacement.tests.test_import_wide import csv_bytes, round_60_idps
from nahrain.geo import services as geo_services
from nahrain.testing.browser import screenshot
from nahrain.testing.personas import PASSWORD, Personas

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_information_manager_previews_errors_then_imports_a_round(
    personas: Personas, live_server: Any, page: Any, tmp_path: Path
) -> None:
    geo_services.gazetteer_load()
    assessment_round = services.round_create(
        actor=personas.layla.user,
        organisation=personas.iom,
        number=60,
        reference_date=date(2016, 6, 30),
    )
    good = tmp_path / "round-60.csv"
    good.write_bytes(csv_bytes(round_60_idps()))
    rows = round_60_idps()
    rows[2][6] = -5  # a negative count of families in row 3
    bad = tmp_path / "round-60-bad.csv"
    bad.write_bytes(csv_bytes(rows))

    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("layla")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/dtm/rounds/{assessment_round.uid}/")

    page.get_by_label("File (CSV or XLSX)").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    errors = page.locator("table.problems").first
    assert "negative" in errors.inner_text()
    assert page.get_by_role("button", name="Confirm the import").count() == 0
    screenshot(page, "import-errors-en")
    assert not LocationAssessment.objects.exists()
    # On a phone, in Arabic: right to left, nothing wider than the screen (the mapping table
    # scrolls within itself), the problems file one tap away.
    preview = page.url
    with page.expect_navigation():
        page.select_option("#language-select", "ar")
    page.goto(preview)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with page.expect_download() as download:
        page.get_by_role("link", name="الملف مع تعليم المشاكل (XLSX)").click()
    assert download.value.suggested_filename == "round-60-bad-problems.xlsx"
    screenshot(page, "import-errors-ar-390")
    with page.expect_navigation():
        page.select_option("#language-select", "en")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto(f"{base}/dtm/rounds/{assessment_round.uid}/")
    page.get_by_label("File (CSV or XLSX)").set_input_files(str(good))
    page.get_by_role("button", name="Check the file").click()
    assert page.locator('[data-target="field:households"]').inner_text() == "Households (families)"
    screenshot(page, "import-preview-en")
    page.get_by_role("button", name="Confirm the import").click()
    page.wait_for_url(f"{base}/intake/jobs/**")
    page.get_by_text("Audit entry").wait_for()
    assert page.locator('[data-figure="job-locations"]').inner_text() == "4"
    screenshot(page, "import-done-en")
    page.get_by_role("link", name="Back", exact=True).click()
    page.wait_for_url(f"{base}/dtm/rounds/{assessment_round.uid}/")
    assert LocationAssessment.objects.filter(round=assessment_round).count() == 4
    screenshot(page, "round-en")

    assert page.record.console_errors == []
    assert page.record.outside_requests == []


@pytest.mark.shared_data
def test_an_information_manager_teaches_a_spelling_on_the_preview_and_imports_the_1_sep_list(
    personas: Personas, live_server: Any, page: Any, shared: Path
) -> None:
    from django.db.models import Sum

    from nahrain.geo.models import LEARNT, Alias

    geo_services.gazetteer_load()
    assessment_round = services.round_create(
        actor=personas.layla.user,
        organisation=personas.iom,
        number=5,
        reference_date=date(2014, 9, 1),
    )
    base = live_server.url
    sign_in(page, base, "layla")
    page.goto(f"{base}/dtm/rounds/{assessment_round.uid}/")
    page.get_by_label("File (CSV or XLSX)").set_input_files(
        str(shared / "data" / "dtm-iraq-2014" / "DTM_Dataset_-_01092014_final_0.csv")
    )
    page.get_by_role("button", name="Check the file").click()
    unknown = page.locator("form.alias")
    assert unknown.count() == 1
    assert "Al-Mejar Al-Kabi" in unknown.inner_text()
    assert unknown.get_by_role("radio", name="Al-Mejar Al-Kabir IQG14Q05").is_checked()
    screenshot(page, "import-unknown-name-en")
    unknown.get_by_role("button", name="Read it as this unit").click()
    page.get_by_role("button", name="Confirm the import").wait_for()
    assert page.locator("form.alias").count() == 0
    learnt = Alias.objects.get(source=LEARNT)
    assert (learnt.name, learnt.unit.pcode, learnt.created_by) == (
        "Al-Mejar Al-Kabi",
        "IQG14Q05",
        personas.layla.user,
    )
    page.get_by_role("button", name="Confirm the import").click()
    page.wait_for_url(f"{base}/intake/jobs/**")
    page.get_by_text("Audit entry").wait_for()
    facts = LocationAssessment.objects.filter(round=assessment_round)
    assert facts.aggregate(s=Sum("individuals"))["s"] == 1_709_178
    assert page.record.console_errors == []
    assert page.record.outside_requests == []
