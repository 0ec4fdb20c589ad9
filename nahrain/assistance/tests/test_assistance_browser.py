"""A programme walked from its rules to a PDM sample in real headless Chromium, in English and in
Arabic, on a laptop and a phone: salam saves a new version of the winter NFI rules and builds
the list from the registry (a household without consent is left out, with the words the hotline
reads); huda, the second officer, approves it, plans and opens the distribution; at the desk a
household receives its kit and another's is collected by a named proxy; the reconciliation says
so; huda draws the PDM sample, the interviews come back and the results show by sex of the head
and site. Arabic reads right to left and shows no code; nothing is wider than a 390 px screen;
no console error; no request leaves the server. Screenshots go to a temporary folder."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from nahrain.assistance import monitoring
from nahrain.assistance.models import (
    Distribution,
    DistributionList,
    ListStatus,
    MonitoringSample,
    Receipt,
)
from nahrain.assistance.tests.builders import World
from nahrain.core.tests.test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = (1366, 390)
CODES = re.compile(
    r"\b(nfi_kit|nfi_top_up|sealing_off_kit|rental_subsidy|snfi|in_kind|served_recently|"
    r"no_consent|not_with|received_full|under_1h|IQG\d\w*)\b"
)
ANSWERS = {
    "reached": "interviewed",
    "modality": "in_kind",
    "received_full": "all",
    "as_planned": "yes",
    "quality": "good",
    "safe": "yes",
    "waiting": "under_1h",
    "respect": "yes",
    "asked_to_pay": "no",
    "still_has": "all",
    "knows_complain": "yes",
    "wants_complain": "no",
}


def _as(page: Any, base: str, username: str, language: str) -> None:
    page.context.clear_cookies()
    sign_in(page, base, username)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])


def _look(page: Any, folder: Path, name: str, language: str) -> None:
    """The page at each width: the script's direction, no sideways scrolling, no code on an
    Arabic page."""
    url = page.url
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        assert page.evaluate("document.documentElement.dir") == (
            "ltr" if language == "en" else "rtl"
        )
        page.screenshot(path=str(folder / f"{name}-{language}-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} {language} {width}px overflows by {overflow}px"
    if language == "ar":
        text = page.locator("main").inner_text()
        assert not CODES.search(text), (name, CODES.search(text))
    page.set_viewport_size({"width": 1366, "height": 900})


def _submit(page: Any, selector: str) -> None:
    page.locator(selector).click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_programme_walked_from_its_rules_to_the_monitoring_results(
    world: World,
    live_server: Any,
    page: Any,
    language: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    folder = tmp_path_factory.mktemp(f"assistance-screenshots-{language}")
    base = live_server.url
    nfi = world.nfi
    households = [world.household(head_sex="f" if n % 2 else "m") for n in range(4)]
    world.household(consents=("registration",))

    # salam: a new version of the rules, then the list from the registry.
    _as(page, base, "salam", language)
    page.goto(f"{base}/assistance/programmes/{nfi.uid}/rules/")
    _look(page, folder, "rules", language)
    page.locator("[name=source]").fill("Shelter/NFI Cluster Iraq, winter 2026")
    page.locator("[name=recent_days]").fill("60")
    _submit(page, "#save-rules")
    assert page.url == f"{base}/assistance/programmes/{nfi.uid}/"
    assert nfi.rules.count() == 2
    _look(page, folder, "programme", language)
    _submit(page, "#build-list")
    built = DistributionList.objects.get(programme=nfi)
    assert page.url == f"{base}/assistance/lists/{built.uid}/"
    assert (built.households, built.excluded) == (4, 1)
    assert page.locator("#approve").count() == 0  # not by its builder
    assert page.locator("#entries td.exclusion").count() == 1
    _look(page, folder, "list-built", language)

    # huda: approves, plans and opens the distribution.
    _as(page, base, "huda", language)
    page.goto(f"{base}/assistance/lists/{built.uid}/")
    _submit(page, "#approve")
    built.refresh_from_db()
    assert built.status == ListStatus.APPROVED and built.approved_by == world.huda.user
    assert page.locator("#approved-by").is_visible()
    _look(page, folder, "list-approved", language)
    page.goto(f"{base}/assistance/programmes/{nfi.uid}/")
    _submit(page, "#plan-distribution")
    _look(page, folder, "distribution-new", language)
    page.locator("[name=planned_on]").fill("2026-12-03")
    page.locator("[name=place]").fill("Chameshku camp, gate 2")
    page.locator("[name=team]").fill("IOM team A")
    page.locator("[name=stock_nfi_kit]").fill("6")
    _submit(page, "#save-distribution")
    distribution = Distribution.objects.get(programme=nfi)
    assert page.url == f"{base}/assistance/distributions/{distribution.uid}/"
    _submit(page, "#open-distribution")
    _submit(page, "#record-desk")

    # At the desk: one household receives its kit, another's is collected by a proxy.
    tokens = [built.entries.get(household=h).token for h in households[:2]]
    for token, outcome in zip(tokens, ("received", "proxy"), strict=True):
        page.locator("[name=token]").fill(token)
        _submit(page, "#find")
        page.locator(f"[name=outcome][value={outcome}]").check()
        if outcome == "proxy":
            page.locator("[name=proxy_name]").fill("Khalid Ahmed")
            page.locator("[name=proxy_relation]").fill("brother")
            _look(page, folder, "record", language)
            page.locator(f"[name=outcome][value={outcome}]").check()
            page.locator("[name=proxy_name]").fill("Khalid Ahmed")
        _submit(page, "#record")
    assert Receipt.objects.filter(distribution=distribution, served=True).count() == 2
    page.goto(f"{base}/assistance/distributions/{distribution.uid}/sheet/")
    assert page.locator("#sheet svg").count() == 4
    _look(page, folder, "sheet", language)
    page.goto(f"{base}/assistance/distributions/{distribution.uid}/")
    assert "2" in page.locator("#reconciliation").inner_text()
    _look(page, folder, "distribution", language)

    # PDM: a sample of the served households; the interviews come back from the field form.
    _submit(page, "#draw-sample")
    sample = MonitoringSample.objects.get(distribution=distribution)
    assert page.url == f"{base}/assistance/samples/{sample.uid}/"
    for n, member in enumerate(sample.members.filter(reserve=False)):
        monitoring.answer_record(
            actor=world.huda.user,
            sampled=member,
            answers=ANSWERS,
            interviewed_on=date(2026, 12, 10),
            key=f"uuid:browser-{n}",
        )
    page.reload()
    assert page.locator("table.results").count() >= 1
    _look(page, folder, "sample", language)

    print(f"screenshots in {folder}")
    assert page.record.console_errors == []
    assert page.record.outside_requests == []
