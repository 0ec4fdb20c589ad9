"""A partner's month walked from its 4W sheet to the cluster's dashboard in real headless
Chromium: tariq, the Shelter/NFI cluster coordinator, has reopened March 2018; layla, IOM's
information manager, uploads IOM's monthly 4W sheet on the reports page, sees the dry run (what
the file would write, nothing written yet), commits it, opens the month and submits it; tariq
then finds IOM's figures on the Shelter/NFI dashboard, the people reached in Anbar and the NFI
kits added up by their rule. Arabic reads right to left with no code on screen; nothing is wider
than a 390 px phone; no console error; no request leaves the server. Screenshots go to
var/screenshots (coordination-*.png)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from nahrain.coordination import services
from nahrain.coordination.models import Report, ReportRow, ReportStatus, ResponsePlan, RowSource
from nahrain.coordination.tests.conftest import reopen, unit
from nahrain.core.tests.test_browser import sign_in
from nahrain.testing.browser import screenshot
from nahrain.testing.personas import Persona, Personas

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CODES = re.compile(r"\b(snfi_[a-z_]+|idp_[a-z_]+|returnee|in_need|IQG\d\w*)\b")
SHEET = [
    [
        "Partner",
        "Implementing partner",
        "Cluster",
        "Activity",
        "Indicator",
        "Governorate",
        "District p-code",
        "Month",
        "Population group",
        "# individuals reached",
        "Girls",
        "Boys",
        "Women",
        "Men",
        "Elderly women",
        "Elderly men",
    ],
    # 2014-scheme district code, the activity's name as the cluster writes it.
    [
        "IOM",
        "",
        "Shelter/NFI",
        "NFI distribution",
        "",
        "Anbar",
        "IQ-D002",
        "March 2018",
        "IDPs out of camp",
        "120",
        "30",
        "30",
        "25",
        "25",
        "5",
        "5",
    ],
    # The partner's name spelled otherwise, codes for activity and indicator.
    [
        "I.O.M",
        "",
        "SNFI",
        "snfi_nfi_distribution",
        "snfi_nfi_kits",
        "Al-Anbar",
        "IQ-D005",
        "2018-03",
        "Returnees",
        "40",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
]


def _sheet(folder: Path) -> Path:
    out = io.StringIO()
    csv.writer(out).writerows(SHEET)
    path = folder / "iom-4w-2018-03.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _as(page: Any, base: str, username: str, language: str = "en") -> None:
    page.context.clear_cookies()
    sign_in(page, base, username)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])


def _look(page: Any, name: str, language: str) -> None:
    """The page on a laptop and on a phone: the script's direction, no sideways scrolling, no
    code on an Arabic page; a screenshot of each."""
    url = page.url
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        assert page.evaluate("document.documentElement.dir") == (
            "rtl" if language == "ar" else "ltr"
        )
        screenshot(page, f"coordination-{name}-{language}-{width}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} {language} {width}px overflows by {overflow}px"
    if language == "ar":
        text = page.locator("main").inner_text()
        assert not CODES.search(text), (name, CODES.search(text))
    page.set_viewport_size({"width": 1366, "height": 900})


def test_a_partners_month_goes_from_its_4w_sheet_to_the_cluster_dashboard(
    plan: ResponsePlan,
    personas: Personas,
    tariq: Persona,
    live_server: Any,
    page: Any,
    tmp_path: Path,
) -> None:
    base = live_server.url
    services.plan_figures_set(
        actor=tariq.user,
        plan=plan,
        rows=[
            services.FigureIn(kind="in_need", people=8_700_000),
            services.FigureIn(kind="targeted", people=3_400_000),
            services.FigureIn(
                kind="in_need", people=250_000, cluster="snfi", governorate=unit("IQG01")
            ),
            services.FigureIn(
                kind="targeted", people=90_000, cluster="snfi", governorate=unit("IQG01")
            ),
        ],
    )
    services.project_create(
        actor=tariq.user,
        plan=plan,
        code="IRQ18/SNF/124350",
        title="Shelter and NFI assistance to IDPs and returnees",
        organisation=personas.iom,
        cluster="snfi",
        requested=Decimal("14207374"),
        targets=90_000,
        governorates=[unit("IQG01")],
    )
    reopen(tariq, (2018, 3))

    # layla: the sheet through the import pages, checked first, then committed.
    _as(page, base, "layla")
    page.goto(f"{base}/coordination/reports/")
    _look(page, "reports", "en")
    page.locator("#upload-4w-iom").set_input_files(str(_sheet(tmp_path)))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Confirm the import").wait_for()
    assert "Ready to import" in page.locator("main").inner_text()
    assert not ReportRow.objects.exists()  # the dry run wrote nothing
    _look(page, "import-dry-run", "en")
    page.get_by_role("button", name="Confirm the import").click()
    page.wait_for_url(f"{base}/intake/jobs/**")
    page.get_by_text("Done", exact=True).wait_for()
    screenshot(page, "coordination-import-done-en")
    report = Report.objects.get(organisation=personas.iom)
    assert set(report.rows.values_list("source", flat=True)) == {RowSource.IMPORTED}
    assert report.rows.count() == 2
    page.get_by_role("link", name="Back", exact=True).first.click()
    page.wait_for_url(f"{base}/coordination/reports/")

    # The month: its imported rows, then submitted to the cluster.
    page.goto(f"{base}/coordination/reports/{personas.iom.pk}/2018-03/")
    assert page.locator("#imported-rows tbody tr").count() == 2
    _look(page, "report", "en")
    page.locator("#submit-report").click()
    page.wait_for_load_state()
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.submitted_by == personas.layla.user
    assert page.locator("#report-status").inner_text() == "Submitted"

    # tariq: IOM's month on the Shelter/NFI dashboard.
    _as(page, base, "tariq")
    page.goto(f"{base}/coordination/plans/{plan.uid}/clusters/snfi/")
    governorates = page.locator("#governorates").inner_text()
    assert "Anbar" in governorates and "120" in governorates
    assert page.locator('[data-indicator="snfi_nfi_kits"]').inner_text() == "40"
    assert page.locator('[data-indicator="snfi_people_nfi"]').inner_text() == "120"
    _look(page, "cluster-dashboard", "en")
    page.goto(f"{base}/coordination/reports/")
    assert "Submitted" in page.locator("#reports").inner_text()

    # In Arabic, on a phone too: the dashboard, the plan, the projects and who is where.
    _as(page, base, "tariq", "ar")
    page.goto(f"{base}/coordination/plans/{plan.uid}/clusters/snfi/")
    _look(page, "cluster-dashboard", "ar")
    page.goto(f"{base}/coordination/plans/{plan.uid}/")
    _look(page, "plan", "ar")
    page.goto(f"{base}/coordination/plans/{plan.uid}/projects/")
    _look(page, "projects", "ar")
    page.goto(f"{base}/coordination/plans/{plan.uid}/presence/")
    page.locator("#presence-map.map-ready").wait_for()
    assert page.locator("#presence-map").get_attribute("data-points") == "2"
    _look(page, "presence", "ar")
    page.goto(f"{base}/coordination/reports/{personas.iom.pk}/2018-03/")
    _look(page, "report", "ar")

    assert page.record.console_errors == []
    assert page.record.outside_requests == []
