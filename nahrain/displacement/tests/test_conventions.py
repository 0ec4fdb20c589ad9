"""One date and number convention per language on every page (nahrain_format's docstring):
the DTM pages (overview, governorate, place, round list and page, publishing, compare), the
review queue and a few core pages, rendered in English, Arabic and Sorani, hold dates only as
day, month name (the glossary's), year, and numbers only in Western digits with Western
separators."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation

from nahrain.collect.models import Submission
from nahrain.collect.tests.conftest import Field, assessment_values, field, locations  # noqa: F401
from nahrain.collect.tests.odk import fill_instance
from nahrain.core import services as core_services
from nahrain.core.glossary import glossary
from nahrain.core.templatetags.nahrain_format import (
    longdate,
    longdatetime,
    num,
    percent,
    signed,
)
from nahrain.displacement import services
from nahrain.displacement.models import AssessmentRound
from nahrain.displacement.tests.builders import NEXT_ROUND, round_imported, two_published_rounds
from nahrain.geo.models import Location
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "ar", "ckb")
EASTERN_DIGITS = re.compile("[\u0660-\u0669\u06f0-\u06f9]")
ARABIC_SEPARATORS = re.compile("[\u066a\u066b\u066c]")  # percent, decimal, thousands
NUMERIC_DATE = re.compile(r"(?<![\w/.])(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})(?![\w/])")
# Grouped any other way than 1,898,844: 1.898.844, 1 898 844, or 5+ digits not grouped.
FOREIGN_GROUPING = re.compile(r"\d{1,3}(?:[. \u00a0\u202f]\d{3}){2,}")
UNGROUPED = re.compile(r"(?<![\w,.\-/])\d{5,}(?![\w,.\-/])")
ENGLISH_MONTHS = glossary().months["en"]


def visible_text(html: str) -> str:
    """The text a reader sees: no scripts, styles, tags or attribute values."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    html = re.sub(r"<code\b.*?</code>", " ", html, flags=re.DOTALL)  # p-codes and ids
    return re.sub(r"<[^>]+>", " ", html)


def departures(text: str, language: str) -> list[str]:
    """Everything in the text written in another convention than the language's."""
    found = [f"Eastern digit {m.group()!r}" for m in EASTERN_DIGITS.finditer(text)]
    found += [f"Arabic separator {m.group()!r}" for m in ARABIC_SEPARATORS.finditer(text)]
    found += [f"numeric date {m.group()!r}" for m in NUMERIC_DATE.finditer(text)]
    found += [f"grouping {m.group()!r}" for m in FOREIGN_GROUPING.finditer(text)]
    found += [f"ungrouped {m.group()!r}" for m in UNGROUPED.finditer(text)]
    if language != "en":  # nor a date left in English
        # A Sorani month takes the izafe: ڕێبەندانی 2024.
        foreign = (*glossary().foreign_months[language], *ENGLISH_MONTHS)
        found += [
            f"month {name!r}" for name in foreign if re.search(rf"(?<!\w){name}\u06cc?(?!\w)", text)
        ]
    return found


def pages_hold_the_convention(client: Client, paths: Iterable[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for language in LANGUAGES:
        client.cookies["django_language"] = language
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (language, path, response.status_code)
            content = response.content
            assert isinstance(content, bytes)
            if wrong := departures(visible_text(content.decode()), language):
                found[f"{language} {path}"] = wrong
    return found


# --- the filters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "day", "moment", "figures"),
    [
        ("en", "30 June 2024", "30 June 2024, 14:05", ("1,898,844", "12.5%", "+1,204")),
        ("ar", "30 حزيران 2024", "30 حزيران 2024\u060c 14:05", ("1,898,844", "12.5%", "+1,204")),
        (
            "ckb",
            "30ی حوزەیرانی 2024",
            "30ی حوزەیرانی 2024\u060c 14:05",
            ("1,898,844", "12.5%", "+1,204"),
        ),
    ],
)
def test_the_filters_write_one_convention_per_language(
    language: str, day: str, moment: str, figures: tuple[str, str, str]
) -> None:
    with translation.override(language):
        assert longdate(date(2024, 6, 30)) == day
        # A moment is dated and timed in Baghdad: 11:05 UTC is 14:05 there.
        assert longdatetime(datetime(2024, 6, 30, 11, 5, tzinfo=ZoneInfo("UTC"))) == moment
        assert longdate(datetime(2024, 6, 30, 22, 30, tzinfo=ZoneInfo("UTC"))) != day  # 1 July
        assert (num(1898844), percent(0.125), signed(1204).strip("\u2066\u2069")) == figures


def test_the_checker_catches_every_other_convention() -> None:
    for wrong in (
        "\u0661\u066c\u0668\u0669\u0668\u066c\u0668\u0664\u0664",  # Eastern digits
        "1\u066c898\u066c844",
        "12\u066b5%",
        "05/06/2024",
        "2024/6/5",
        "1.898.844",
        "1898844",
        "30 يونيو 2024",
    ):
        assert departures(wrong, "ar"), wrong
    assert departures("30ی ڕێبەندانی 2024", "ckb")
    assert departures("30 June 2024", "ckb")
    assert departures("30 حزيران 2024، 1,898,844 · 12.5%", "ar") == []


def test_no_template_formats_a_date_with_django() -> None:
    """Django's |date and |time write Egyptian Arabic and Sorani solar months and numeric short
    dates: every page dates with longdate / longdatetime, including pages no test renders."""
    package = Path(__file__).resolve().parents[2]
    templates = sorted(package.glob("**/templates/**/*.html"))
    assert len(templates) > 20
    django_dates = re.compile(r"\|\s*(date|time|naturaltime|naturalday|timesince|timeuntil)\b")
    found = {
        str(path.relative_to(package)): django_dates.findall(path.read_text(encoding="utf-8"))
        for path in templates
    }
    assert {path: uses for path, uses in found.items() if uses} == {}


# --- the pages --------------------------------------------------------------------------------


def _dtm_rounds(personas: Personas) -> tuple[AssessmentRound, AssessmentRound, AssessmentRound]:
    first, second = two_published_rounds(personas)
    draft = round_imported(personas, number=NEXT_ROUND + 1)
    services.round_validate(actor=personas.layla.user, assessment_round=draft)
    return first, second, draft


def test_the_dtm_pages_hold_one_convention_per_language(
    personas: Personas, gazetteer: None
) -> None:
    first, second, draft = _dtm_rounds(personas)
    place = Location.objects.get(external_id="7001")
    paths = [
        "/dtm/",
        "/dtm/overview/",
        "/dtm/overview/IQG09/",
        "/dtm/overview/place/7001/",
        f"/dtm/compare/?base={first.uid}&other={second.uid}",
        f"/dtm/rounds/{second.uid}/",
        f"/dtm/rounds/{draft.uid}/",
        f"/dtm/rounds/{draft.uid}/publish/",
        f"/geo/locations/{place.uid}/",
    ]
    assert pages_hold_the_convention(personas.layla.client(), paths) == {}


def test_the_dates_are_there_in_the_languages_style(personas: Personas, gazetteer: None) -> None:
    """The checks above are not passed by pages without dates: the round's date is written out
    in each language on its page."""
    _first, second, _draft = _dtm_rounds(personas)
    client = personas.layla.client()
    for language in LANGUAGES:
        client.cookies["django_language"] = language
        html = client.get(f"/dtm/rounds/{second.uid}/").content.decode()
        month = glossary().months[language][second.reference_date.month - 1]
        assert re.search(rf"\b{second.reference_date.day}\S* {month}\S* 2017\b", html), language


def test_the_review_queue_and_core_pages_hold_one_convention_per_language(
    field: Field,  # noqa: F811
    personas: Personas,
) -> None:
    xml = fill_instance(field.assessment.xml, assessment_values(), instance_id="uuid:dates")
    assert field.phone.post(xml).status_code == 201
    submission = Submission.objects.get(instance_id="uuid:dates")
    core_services.api_token_create(
        user=personas.layla.user, name="laptop", with_second_factor=False
    )
    paths = [
        "/collect/",
        f"/collect/submissions/{submission.uid}/",
        "/collect/collectors/",
        "/",
        "/glossary/",
        "/accounts/tokens/",
    ]
    assert pages_hold_the_convention(personas.layla.client(), paths) == {}


def test_the_glossary_page_is_public_and_in_the_readers_language(db: Any) -> None:
    client = Client()
    client.cookies["django_language"] = "ar"
    html = client.get("/glossary/").content.decode()
    assert "مصدر المعلومات الرئيسي" in html and "ناحية" in html
    assert 'id="critical_shelter"' in html
    client.cookies["django_language"] = "ckb"
    assert "شوێنی حەوانەوەی نالەبار" in client.get("/glossary/").content.decode()
