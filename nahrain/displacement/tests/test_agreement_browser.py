"""One figure everywhere: with a correction open and a draft waiting, the headline, the round
picker, the trend, the table and the download of the overview agree, in real headless Chromium;
a draft enters a view only when picked, and never a viewer's."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from nahrain.core.tests.test_browser import sign_in
from nahrain.displacement import services
from nahrain.displacement.models import AssessmentRound
from nahrain.displacement.tests.builders import (
    NEXT_ROUND,
    PLACES,
    national_individuals,
    round_imported,
    round_open,
    wide_csv,
    with_households,
)
from nahrain.geo import services as geo_services
from nahrain.testing.personas import Personas

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _figure(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _overview(page: Any, base: str, picked: AssessmentRound | None = None) -> dict[str, Any]:
    """What the overview shows: headline, the round picked, the trend's rows, the table's sum
    and the download's sum of IDPs."""
    page.goto(f"{base}/dtm/overview/" + (f"?round={picked.uid}" if picked else ""))
    headline = _figure(page.locator('[data-figure="idp-individuals"]').first.inner_text())
    chosen = page.locator("#round-select option:checked").inner_text()
    trend = {
        cells[0].strip(): _figure(cells[2])
        for cells in (
            row.locator("td").all_text_contents()
            for row in page.locator("figure.trend tbody tr").all()
        )
    }
    table = sum(
        _figure(cell)
        for cell in page.locator("#table tbody tr").evaluate_all(
            "rows => rows.map(r => r.querySelector('td.n').textContent)"
        )
    )
    href = page.locator(".downloads a", has_text="CSV").get_attribute("href")
    download = page.request.get(base + href).text()
    exported = sum(
        int(row["idp_individuals"] or 0)
        for row in csv.DictReader(io.StringIO(download.lstrip("\ufeff")))
    )
    options = page.locator("#round-select option").all_inner_texts()
    return {
        "headline": headline,
        "chosen": chosen,
        "trend": trend,
        "table": table,
        "export": exported,
        "options": options,
    }


def test_headline_picker_trend_table_and_export_agree_with_a_correction_and_a_draft_open(
    personas: Personas, live_server: Any, page: Any
) -> None:
    geo_services.gazetteer_load()
    layla = personas.layla.user
    round_imported(personas, publish=True)
    published = round_imported(
        personas, with_households(PLACES, {"7001": 150}), number=NEXT_ROUND, publish=True
    )
    corrected_places = with_households(PLACES, {"7001": 150, "7004": 300})
    correction = services.round_correct(actor=layla, assessment_round=published)
    services.round_import(
        actor=layla,
        assessment_round=correction,
        data=wide_csv(corrected_places),
        file="correction.csv",
        population="idp",
    )
    draft = round_open(personas, NEXT_ROUND + 1)
    draft_places = with_households(PLACES, {"7001": 10})
    services.round_import(
        actor=layla, assessment_round=draft, data=wide_csv(draft_places), file="d.csv"
    )
    first_total = national_individuals(PLACES)
    published_total = national_individuals(with_households(PLACES, {"7001": 150}))
    corrected_total = national_individuals(corrected_places)
    draft_total = national_individuals(draft_places)
    assert len({first_total, published_total, corrected_total, draft_total}) == 4
    base = live_server.url

    sign_in(page, base, "layla")
    # Nothing picked: the published figures, everywhere; the drafts wait in the picker.
    shown = _overview(page, base)
    assert shown["headline"] == shown["table"] == shown["export"] == published_total
    assert f"Round {NEXT_ROUND}," in shown["chosen"] and "v2" not in shown["chosen"]
    assert list(shown["trend"].values()) == [published_total, first_total]
    assert any("v2" in o for o in shown["options"]) and any("Draft" in o for o in shown["options"])

    # The correction picked: it takes the place of the version it corrects, and only it.
    shown = _overview(page, base, correction)
    assert shown["headline"] == shown["table"] == shown["export"] == corrected_total
    assert "v2" in shown["chosen"]
    assert list(shown["trend"].values()) == [corrected_total, first_total]

    # The draft of a new round picked: it joins the trend; the published rounds stay as they are.
    shown = _overview(page, base, draft)
    assert shown["headline"] == shown["table"] == shown["export"] == draft_total
    assert list(shown["trend"].values()) == [draft_total, published_total, first_total]

    # A viewer never meets a draft: not in the picker, the trend or the figures.
    page.context.clear_cookies()
    sign_in(page, base, "ahmed")
    shown = _overview(page, base)
    assert shown["headline"] == shown["table"] == shown["export"] == published_total
    assert list(shown["trend"].values()) == [published_total, first_total]
    assert not any("v2" in o or "Draft" in o for o in shown["options"])
    assert page.goto(f"{base}/dtm/overview/?round={draft.uid}").status == 404
    assert page.record.console_errors == [] or all(
        "404" in error for error in page.record.console_errors
    )
