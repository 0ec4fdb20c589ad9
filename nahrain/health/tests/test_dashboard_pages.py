"""The health figures through their pages, as each persona sees them: the epidemic curve, the
completeness table, the consultation dashboard and their downloads hold only the facilities the
reader reads (distinctive counts prove it), cost a fixed few queries, and read right to left in
Arabic."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nahrain.core.models import AuditEvent
from nahrain.health.tests.builders import HealthWorld, facility, week_report
from nahrain.health.tests.figures_world import (
    ADDED,
    added_on,
    consultation_history,
    ewarn_history,
)
from nahrain.testing.personas import Personas

SPAN = {"weeks": "8", "last": "2025-W17"}
MONTHS = {"start": "2025-01", "end": "2025-02"}


def _reader(personas: Personas, health: HealthWorld, name: str) -> Client:
    persona = getattr(health, name, None) or getattr(personas, name)
    client: Client = persona.client()
    return client


def _text(response: Any) -> str:
    assert response.status_code == 200
    return str(response.content.decode())


def _has(page: str, number: str) -> bool:
    """A count as a page writes it (1,111), not inside a longer number or a token."""
    grouped = re.escape(f"{int(number):,}")
    return bool(re.search(rf"(?<![\w,]){grouped}(?![\w,])", page))


def _cells(data: bytes) -> set[str]:
    """Every value of a CSV file."""
    return {cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row}


@pytest.mark.parametrize(
    ("reader", "theirs", "not_theirs"),
    [
        ("hana", ["2727", "1111", "101"], ["4001", "4003", "8004"]),
        ("faris", ["2727", "1111"], ["4001", "4003", "8004"]),
        ("muna", ["8004", "4001"], ["2727", "1111", "707"]),
        ("shilan", ["8004", "4003"], ["2727", "1111", "707"]),
        ("ahmed", ["8004", "4003"], ["2727", "1111", "707"]),
    ],
)
def test_the_epidemic_curve_shows_each_reader_their_facilities_and_no_other(
    personas: Personas, health: HealthWorld, reader: str, theirs: list[str], not_theirs: list[str]
) -> None:
    ewarn_history(health)
    client = _reader(personas, health, reader)

    page = _text(client.get(reverse("health:epicurve"), {"disease": "awd", **SPAN}))
    download = client.get(reverse("health:export_ewarn_hxl"), SPAN)

    assert "<svg" in page and 'id="curve-table"' in page
    assert download["Content-Disposition"].startswith("attachment")
    cells = _cells(download.content)
    for number in theirs:
        assert _has(page, number), number
    for number in not_theirs:
        assert not _has(page, number), number
        assert number not in cells, number
    assert any(number in cells for number in theirs)


def test_weeks_without_a_report_are_shown_as_missing_in_the_chart_and_the_table(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)

    page = _text(personas.hana.client().get(reverse("health:epicurve"), {"disease": "awd", **SPAN}))

    assert page.count('class="no-report"') == 2
    assert page.count('class="alert-mark"') == 1  # week 14, raised by the alert rules
    missing = re.findall(r'<tr data-week="(2025-W\d\d)" class="missing">', page)
    assert sorted(missing) == ["2025-W13", "2025-W15"]
    zero_week = re.search(r'<tr data-week="2025-W12">(.*?)</tr>', page, re.S)
    assert zero_week is not None and "No report" not in zero_week[1]
    assert re.search(r'data-figure="missing">2<', page)


def test_the_outsider_sees_the_pages_empty_and_downloads_files_without_figures(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)
    consultation_history(health)
    client = personas.outsider.client()

    curve = _text(client.get(reverse("health:epicurve"), SPAN))
    table = _text(client.get(reverse("health:completeness"), SPAN))
    board = _text(client.get(reverse("health:dashboard_consultations"), MONTHS))
    hxl = client.get(reverse("health:export_ewarn_hxl"), SPAN).content

    assert "You read the reports of no health facility." in curve
    assert "No reporting facility whose reports you read." in table
    assert re.search(r'data-figure="consultations">0<', board)
    assert len(hxl.decode("utf-8-sig").strip().splitlines()) == 2
    for number in ("707", "1111", "4001", "5005"):
        assert not any(_has(text, number) for text in (curve, table, board))
        assert number not in _cells(hxl)


def test_the_completeness_page_lists_each_facility_against_the_target_with_missing_weeks(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)

    page = _text(health.faris.client().get(reverse("health:completeness"), SPAN))

    row = re.search(r'<tr data-facility="PHCC-CHM">(.*?)</tr>', page, re.S)
    assert row is not None
    assert "75.0%" in row[1] and "62.5%" in row[1]
    assert row[1].count('class="n below"') == 2  # both under the 80% target
    assert re.findall(r'<span class="week" dir="ltr">([^<]+)</span>', row[1]) == [
        "2025-W13",
        "2025-W15",
    ]
    assert "MMU-SIN-1" not in page


def test_the_consultation_dashboard_gives_the_hand_computed_figures_and_shares(
    personas: Personas, health: HealthWorld
) -> None:
    consultation_history(health)

    page = _text(personas.hana.client().get(reverse("health:dashboard_consultations"), MONTHS))

    assert re.search(r'data-figure="consultations">48<', page)
    assert re.search(r'data-figure="under5">27.1%<', page)  # 13 of 48
    assert re.search(r'data-figure="women-girls">45.8%<', page)  # 22 of 48
    assert re.search(r'data-figure="referrals">2<', page)
    assert re.search(r'<tr data-month="2025-01"><th scope="row">[^<]+</th><td class="n">42<', page)
    assert "5,005" not in page and "Sinjar" not in page


def test_the_dhis2_page_lists_what_was_left_out_and_downloads_the_value_set(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)
    consultation_history(health)
    client = health.muna.client()

    page = _text(client.get(reverse("health:export_ewarn_dhis2"), SPAN))
    download = client.get(reverse("health:export_ewarn_dhis2"), {**SPAN, "download": "1"})
    consultations = client.get(
        reverse("health:export_consultations_dhis2"), {**MONTHS, "download": "1"}
    )

    assert 'id="left-out"' in page and "MMU-SIN-1" in page
    assert "no DHIS2 organisation unit for this facility code" in page
    assert download["Content-Type"] == "application/json"
    assert json.loads(download.content) == {"dataValues": []}
    assert json.loads(consultations.content) == {"dataValues": []}
    faris = health.faris.client().get(
        reverse("health:export_ewarn_dhis2"), {**SPAN, "download": "1"}
    )
    periods = {v["period"] for v in json.loads(faris.content)["dataValues"]}
    assert periods == {f"2025SunW{w}" for w in (10, 11, 12, 14, 16, 17)}
    # The two downloads; the page is a look, not an export.
    assert AuditEvent.objects.filter(action="health.export", actor=health.muna.user).count() == 2


def test_looking_at_a_dhis2_page_is_not_an_export_and_downloading_its_set_is(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)
    consultation_history(health)
    client = health.faris.client()
    exported = AuditEvent.objects.filter(action="health.export", actor=health.faris.user)

    # The audit log is append-only (on PostgreSQL a trigger refuses deletes): each page's rows
    # are told apart by their kind.
    for name, query in (("export_ewarn_dhis2", SPAN), ("export_consultations_dhis2", MONTHS)):
        kind = exported.filter(detail__kind=name.removeprefix("export_"))
        for _look in range(2):
            page = _text(client.get(reverse(f"health:{name}"), query))
            assert re.search(r"Download [1-9][0-9]* values?", page)  # still counted
        assert not kind.exists()
        download = client.get(reverse(f"health:{name}"), {**query, "download": "1"})
        assert download["Content-Type"] == "application/json"
        assert kind.count() == 1
    assert exported.count() == 2


def test_the_figures_are_for_signed_in_readers_and_kept_by_no_cache(
    personas: Personas, health: HealthWorld
) -> None:
    anonymous = Client().get(reverse("health:epicurve"))
    page = personas.hana.client().get(reverse("health:completeness"))
    download = personas.hana.client().get(reverse("health:export_consultations_hxl"))

    assert anonymous.status_code == 302
    assert "no-store" in page["Cache-Control"] and "no-store" in download["Cache-Control"]


def test_a_week_written_wrongly_is_refused_on_the_form_and_the_default_span_shown(
    personas: Personas, health: HealthWorld
) -> None:
    page = _text(personas.hana.client().get(reverse("health:epicurve"), {"last": "week 48"}))

    assert "Write a week as 2026-W48." in page
    assert page.count("<tr data-week=") == 26


def test_the_curve_reads_right_to_left_in_arabic_with_the_weeks_running_left_to_right(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)
    client = personas.hana.client()
    client.cookies["django_language"] = "ar"

    page = _text(client.get(reverse("health:epicurve"), {"disease": "awd", **SPAN}))

    assert '<html lang="ar" dir="rtl">' in page
    assert re.search(r'<svg [^>]*dir="ltr"', page)
    assert "الإسهال المائي الحاد" in page  # the disease's label in Arabic, not its code


def _counted(client: Client, url: str, query: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, query).status_code == 200
    return len(queries)


def test_each_page_costs_the_same_queries_for_one_facility_and_for_many(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)
    consultation_history(health)
    client = health.faris.client()
    pages = [
        (reverse("health:epicurve"), SPAN),
        (reverse("health:completeness"), SPAN),
        (reverse("health:dashboard_consultations"), MONTHS),
        (reverse("health:export_ewarn_hxl"), SPAN),
        (reverse("health:export_consultations_hxl"), MONTHS),
        (reverse("health:export_ewarn_dhis2"), {**SPAN, "download": "1"}),
        (reverse("health:export_consultations_dhis2"), {**MONTHS, "download": "1"}),
    ]
    few = [_counted(client, url, query) for url, query in pages]
    for number in range(6):
        more = facility(
            personas.iom,
            health.duhok_doh,
            code=f"PHCC-Q-{number}",
            name_en=f"PHCC {number}",
            district="IQG09Q04",
        )
        added_on(more, ADDED)
        for week in range(10, 18):
            week_report(more, 2025, week, awd=number + week)

    many = [_counted(client, url, query) for url, query in pages]

    assert many == few
    assert max(many) <= 12  # the session and user are 4 of them


# The first elements reaching past the window's edge, to name what makes a page overflow.
WIDER_THAN_THE_WINDOW = (
    "[...document.querySelectorAll('body *')]"
    ".filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
    ".slice(0, 5).map(e => e.tagName + '.' + e.className).join(' ')"
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_figures_fit_a_phone_and_read_right_to_left_in_arabic_in_a_real_browser(
    personas: Personas, health: HealthWorld, live_server: Any, page: Any
) -> None:
    from nahrain.core.tests.test_browser import sign_in
    from nahrain.displacement.tests.test_dashboard_browser import accessibility_violations
    from nahrain.testing.browser import screenshot

    ewarn_history(health)
    consultation_history(health)
    base = live_server.url
    sign_in(page, base, "faris")
    views = {
        "epicurve": "/health/figures/epicurve/?disease=awd&weeks=8&last=2025-W17",
        "completeness": "/health/figures/completeness/?weeks=8&last=2025-W17",
        "consultations": "/health/figures/consultations/?start=2025-01&end=2025-02",
    }
    for language in ("en", "ar"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        for name, url in views.items():
            for width in (1366, 390):
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(base + url)
                assert page.evaluate("document.documentElement.dir") == (
                    "rtl" if language == "ar" else "ltr"
                )
                screenshot(page, f"health-{name}-{language}-{width}")
                overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
                wide = page.evaluate(WIDER_THAN_THE_WINDOW)
                assert overflow <= 0, f"{name} {language} {width}px overflows: {wide}"
            assert accessibility_violations(page) == []
    # The chart keeps its weeks left to right in Arabic and is as wide as its card on a phone.
    page.goto(base + views["epicurve"])
    box = page.locator("figure.epicurve svg").bounding_box()
    assert box is not None and 300 <= box["width"] <= 390
    assert page.record.console_errors == []
    assert page.record.outside_requests == []
