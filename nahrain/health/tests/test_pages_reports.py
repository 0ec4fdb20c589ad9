"""Report entry as hana, IOM's data entry clerk at Chameshku camp PHCC, does it: the EWARN week
(the week just ended unless she picks another; one row per disease, blank is 0, the case
definition at hand; a zero report in one click; a week sent again shows its earlier counts and
replaces them), the immediate alert, and the consultation report. Errors are shown next to the
boxes in her language. Those who do not report for the facility get the same 404 as for a
facility that does not exist."""

from __future__ import annotations

import re

from django.utils import timezone

from nahrain.health import weeks
from nahrain.health.forms import week_ended, week_value
from nahrain.health.models import Alert, ConsultationReport, EwarnReport, ImmediateReport
from nahrain.health.tests.builders import HealthWorld
from nahrain.health.tests.test_pages_facilities import CODES, visible_text
from nahrain.testing.personas import Personas


def _url(health: HealthWorld, form: str) -> str:
    return f"/health/facilities/{health.chameshku_phcc.uid}/{form}/"


def test_a_clerk_finds_her_facilitys_forms(personas: Personas, health: HealthWorld) -> None:
    page = personas.hana.client().get("/health/report/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Chameshku camp PHCC" in html and "Sinjar" not in html
    for form in ("ewarn", "immediate", "consultations"):
        assert _url(health, form) in html
    assert personas.outsider.client().get("/health/report/").status_code == 404


def test_the_ewarn_form_opens_on_the_week_just_ended_with_every_disease_and_its_definition(
    personas: Personas, health: HealthWorld
) -> None:
    page = personas.hana.client().get(_url(health, "ewarn"))
    assert page.status_code == 200
    html = page.content.decode()
    year, week = week_ended()
    assert f'name="week" value="{week_value(year, week)}"' in html
    text = visible_text(html)
    assert f"Week {week} of {year}" in text
    assert "Suspected measles" in text and "Acute watery diarrhoea" in text
    assert "Fever and a generalised maculopapular rash" in text
    assert "No cases this week" in text
    assert "no-store" in page["Cache-Control"]


def test_a_week_the_year_does_not_have_opens_the_week_just_ended(
    personas: Personas, health: HealthWorld
) -> None:
    year, week = week_ended()
    for asked in ("2026-W60", "2026-W00", "2026-W-1"):
        page = personas.hana.client().get(_url(health, "ewarn"), {"week": asked})
        assert page.status_code == 200
        assert f'name="week" value="{week_value(year, week)}"' in page.content.decode()


def test_a_week_with_a_measles_case_is_sent_and_raises_an_alert(
    personas: Personas, health: HealthWorld
) -> None:
    year, week = week_ended()
    response = personas.hana.client().post(
        _url(health, "ewarn"),
        {"week": week_value(year, week), "measles-cases_under5": "1", "awd-cases_over5": "4"},
    )
    assert response.status_code == 302
    report = EwarnReport.objects.get(facility=health.chameshku_phcc, year=year, week=week)
    assert report.submitted_by == personas.hana.user
    assert {(c.disease, c.cases_under5, c.cases_over5) for c in report.counts.all()} == {
        ("measles", 1, 0),
        ("awd", 0, 4),
    }
    assert Alert.objects.filter(disease="measles", district__pcode="IQG09Q04").exists()


def test_a_zero_report_is_one_click(personas: Personas, health: HealthWorld) -> None:
    year, week = week_ended()
    response = personas.hana.client().post(
        _url(health, "ewarn"), {"week": week_value(year, week), "zero": "1"}
    )
    assert response.status_code == 302
    report = EwarnReport.objects.get(facility=health.chameshku_phcc, year=year, week=week)
    assert report.total_cases == 0 and not report.counts.exists()


def test_a_week_sent_again_shows_its_earlier_counts_and_replaces_them(
    personas: Personas, health: HealthWorld
) -> None:
    hana = personas.hana.client()
    year, week = weeks.shift(*week_ended(), -1)
    value = week_value(year, week)
    hana.post(_url(health, "ewarn"), {"week": value, "ili-cases_over5": "7"})
    page = hana.get(_url(health, "ewarn"), {"week": value})
    html = page.content.decode()
    assert re.search(r'name="ili-cases_over5"[^>]*value="7"', html)
    assert "sending it again replaces them" in visible_text(html)
    hana.post(_url(health, "ewarn"), {"week": value, "ili-cases_over5": "3"})
    report = EwarnReport.objects.get(facility=health.chameshku_phcc, year=year, week=week)
    assert report.revision == 2
    assert [(c.disease, c.cases_over5) for c in report.counts.all()] == [("ili", 3)]


def test_ewarn_errors_are_shown_next_to_the_boxes_in_the_readers_language(
    personas: Personas, health: HealthWorld
) -> None:
    hana = personas.hana.client()
    hana.cookies["django_language"] = "ar"
    year, week = week_ended()
    response = hana.post(
        _url(health, "ewarn"),
        {
            "week": week_value(year, week),
            "awd-cases_over5": "1",
            "awd-deaths_over5": "2",
            "ili-cases_under5": "-3",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'name="awd-deaths_over5".*?class="errorlist', html, flags=re.S)
    assert re.search(r'name="ili-cases_under5".*?class="errorlist', html, flags=re.S)
    assert 'dir="rtl"' in html and "الحصبة المشتبه بها" in html
    assert not CODES.search(visible_text(html))
    assert not EwarnReport.objects.exists()


def test_an_immediate_alert_sent_twice_from_one_page_is_one_report_and_one_signal(
    personas: Personas, health: HealthWorld
) -> None:
    hana = personas.hana.client()
    html = hana.get(_url(health, "immediate")).content.decode()
    found = re.search(r'<input type="hidden" name="uid" value="([0-9a-f-]{36})"', html)
    assert found is not None
    case = {
        "disease": "measles",
        "seen_on": timezone.localdate().isoformat(),
        "cases": "1",
        "deaths": "0",
        "uid": found.group(1),
    }
    # The first answer was lost on a poor connection; she sends the same page again.
    assert hana.post(_url(health, "immediate"), case).status_code == 302
    assert hana.post(_url(health, "immediate"), case).status_code == 302
    assert str(ImmediateReport.objects.get().uid) == found.group(1)
    assert Alert.objects.get().signals.count() == 1
    # A page opened again is a new case.
    again = hana.get(_url(health, "immediate")).content.decode()
    assert found.group(1) not in again


def test_an_immediate_alert_is_sent_for_a_disease_notifiable_at_once(
    personas: Personas, health: HealthWorld
) -> None:
    hana = personas.hana.client()
    html = hana.get(_url(health, "immediate")).content.decode()
    assert "Suspected measles" in html and "Acute watery diarrhoea" not in html
    today = timezone.localdate()
    response = hana.post(
        _url(health, "immediate"),
        {"disease": "measles", "seen_on": today.isoformat(), "cases": "2", "deaths": "3"},
    )
    assert response.status_code == 200
    assert re.search(r'name="deaths".*?class="errorlist', response.content.decode(), flags=re.S)
    response = hana.post(
        _url(health, "immediate"),
        {
            "disease": "measles",
            "seen_on": today.isoformat(),
            "cases": "2",
            "deaths": "0",
            "note": "Two children, block C",
        },
    )
    assert response.status_code == 302
    sent = ImmediateReport.objects.get()
    assert (sent.facility, sent.cases, sent.submitted_by) == (
        health.chameshku_phcc,
        2,
        personas.hana.user,
    )


def test_a_consultation_report_is_sent_by_group_and_sent_again_with_its_counts_shown(
    personas: Personas, health: HealthWorld
) -> None:
    hana = personas.hana.client()
    page = hana.get(_url(health, "consultations"))
    text = visible_text(page.content.decode())
    for words in ("IDPs", "Host community", "General consultations", "Under 5", "Female"):
        assert words in text
    month = timezone.localdate().replace(day=1).isoformat()
    sent = {
        "period": "month",
        "week": "",
        "month": month,
        "c-idp-general-u5-f": "12",
        "c-host-antenatal-18_59-f": "3",
    }
    assert hana.post(_url(health, "consultations"), sent).status_code == 302
    report = ConsultationReport.objects.get()
    assert report.total == 15 and report.period == "month"
    page = hana.get(_url(health, "consultations"), {"period": "month", "month": month})
    html = page.content.decode()
    assert re.search(r'name="c-idp-general-u5-f"[^>]*value="12"', html)
    assert "sending it again replaces them" in visible_text(html)
    hana.post(_url(health, "consultations"), {**sent, "c-idp-general-u5-f": "10"})
    report.refresh_from_db()
    assert (report.revision, report.total) == (2, 13)


def test_those_who_do_not_report_for_a_facility_get_the_404_of_a_missing_one(
    personas: Personas, health: HealthWorld
) -> None:
    missing = "/health/facilities/00000000-0000-0000-0000-000000000001/ewarn/"
    for other in (personas.ahmed, personas.outsider, health.faris, personas.shilan):
        client = other.client()
        assert client.get(missing).status_code == 404
        for form in ("ewarn", "immediate", "consultations"):
            assert client.get(_url(health, form)).status_code == 404, other.user.username
            assert client.post(_url(health, form), {"zero": "1"}).status_code == 404
    assert not EwarnReport.objects.exists()
