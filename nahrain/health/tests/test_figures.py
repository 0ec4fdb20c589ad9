"""The figures behind the health pages, checked against counts worked out by hand from the
history in ``figures_world``: epidemic curves, completeness and timeliness, consultations."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from nahrain.health import figures, weeks
from nahrain.health.tests.builders import HealthWorld, facility, week_report
from nahrain.health.tests.figures_world import (
    SPAN,
    added_on,
    consultation_history,
    ewarn_history,
)
from nahrain.testing.personas import Personas

EVERYWHERE = figures.Area()


def _curve(user: User, area: figures.Area = EVERYWHERE, disease: str = "awd") -> figures.EpiCurve:
    return figures.epicurve(user=user, disease=disease, area=area, span=SPAN)


def test_the_curve_counts_cases_under_and_over_five_and_deaths_as_the_facility_reported_them(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)

    curve = _curve(personas.hana.user)

    by_week = {w.week: w for w in curve.weeks}
    assert [w.week for w in curve.weeks] == list(range(10, 18))
    assert (by_week[10].cases_under5, by_week[10].cases_over5, by_week[10].deaths) == (0, 707, 0)
    assert (by_week[11].cases_under5, by_week[11].cases_over5, by_week[11].deaths) == (
        303,
        404,
        101,
    )
    assert by_week[14].cases == 1111
    assert by_week[16].cases == 202
    assert curve.cases == 2727 and curve.deaths == 101
    assert curve.facilities == 1


def test_a_week_without_any_report_is_missing_and_a_report_of_zero_is_zero(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)

    curve = _curve(personas.hana.user)

    assert [(w.week, w.received, w.expected) for w in curve.missing] == [(13, 0, 1), (15, 0, 1)]
    zero = next(w for w in curve.weeks if w.week == 12)
    assert not zero.missing and zero.cases == 0
    scabies_only = next(w for w in curve.weeks if w.week == 17)
    assert not scabies_only.missing and scabies_only.cases == 0


def test_each_reader_draws_the_curve_of_the_facilities_they_read_and_no_other(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)

    assert _curve(personas.layla.user).cases == 2727
    assert _curve(health.faris.user).cases == 2727
    assert _curve(health.muna.user).cases == 8004
    assert _curve(personas.shilan.user).cases == 8004
    assert _curve(personas.ahmed.user).cases == 8004
    outsider = _curve(personas.outsider.user)
    assert outsider.facilities == 0 and outsider.cases == 0
    assert len(outsider.missing) == len(SPAN)


def test_an_alert_week_is_marked_where_the_reader_reads_the_alert(
    personas: Personas, health: HealthWorld
) -> None:
    # The alert rules (data/alert_rules.json) raise AWD alerts on a doubling over two weeks:
    # the PHCC's week 14 (1,111 after 0), the MMU's weeks 12 and 16 (4,001 and 4,003 after 0).
    ewarn_history(health)

    assert [w.week for w in _curve(health.faris.user).weeks if w.alert] == [14]
    assert [w.week for w in _curve(personas.hana.user).weeks if w.alert] == [14]
    assert [w.week for w in _curve(health.muna.user).weeks if w.alert] == [12, 16]
    assert not any(w.alert for w in _curve(personas.hana.user, disease="scabies").weeks)
    assert not any(w.alert for w in _curve(personas.outsider.user).weeks)


def test_the_area_narrows_the_curve_to_a_governorate_district_or_facility(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)
    sinjar_phcc = facility(
        personas.iom,
        health.ninewa_doh,
        code="PHCC-SIN",
        name_en="Sinjar PHCC",
        district="IQG15Q07",
    )
    added_on(sinjar_phcc, timezone.make_aware(datetime(2025, 1, 1)))
    week_report(sinjar_phcc, 2025, 10, awd=909)
    hana = personas.hana.user

    assert _curve(hana).cases == 2727 + 909
    assert _curve(hana, figures.Area(governorate="IQG15")).cases == 909
    assert _curve(hana, figures.Area(district="IQG09Q04")).cases == 2727
    assert _curve(hana, figures.Area(facility=str(sinjar_phcc.uid))).cases == 909
    # Another organisation's facility named in the area is not read.
    assert _curve(hana, figures.Area(facility=str(health.sinjar_mmu.uid))).facilities == 0
    assert _curve(hana, figures.Area(facility="not-a-uid")).facilities == 0


def test_completeness_and_timeliness_per_facility_are_the_hand_counts(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)

    found = figures.reporting(user=personas.hana.user, area=EVERYWHERE, span=SPAN)

    [phcc] = found.facilities
    assert (phcc.expected, phcc.received, phcc.on_time) == (8, 6, 5)
    assert phcc.missing == [(2025, 13), (2025, 15)]
    assert phcc.completeness == pytest.approx(0.75)
    assert phcc.timeliness == pytest.approx(0.625)
    assert found.target == pytest.approx(0.8)
    mmu = figures.reporting(user=health.muna.user, area=EVERYWHERE, span=SPAN)
    assert (mmu.expected, mmu.received, mmu.on_time, mmu.completeness) == (8, 8, 8, 1.0)
    assert [row.facility.code for row in mmu.facilities] == ["MMU-SIN-1"]


def test_a_facility_is_expected_from_the_week_it_was_added(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)
    # Added on the Tuesday of week 14: weeks 14 to 17 are expected, W10-W13 are not.
    added_on(health.chameshku_phcc, timezone.make_aware(datetime(2025, 4, 1, 12)))

    [phcc] = figures.reporting(user=health.faris.user, area=EVERYWHERE, span=SPAN).facilities

    assert (phcc.expected, phcc.received, phcc.on_time) == (4, 3, 2)
    assert phcc.missing == [(2025, 15)]
    assert next(w for w in _curve(health.faris.user).weeks if w.week == 12).expected == 0


def test_a_week_not_yet_due_is_expected_only_once_its_report_is_in(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)
    # On the Monday after week 17 its report may still come on time (due on the Tuesday).
    due = weeks.due(2025, 17)
    found = figures.reporting(
        user=health.muna.user, area=EVERYWHERE, span=[*SPAN, (2025, 18)], today=due
    )

    [mmu] = found.facilities
    assert (mmu.expected, mmu.received, mmu.missing) == (8, 8, [])
    later = figures.reporting(
        user=health.muna.user, area=EVERYWHERE, span=[*SPAN, (2025, 18)], today=date(2025, 5, 20)
    )
    assert later.facilities[0].missing == [(2025, 18)]


def test_the_default_span_is_the_last_26_weeks_that_have_ended() -> None:
    today = timezone.localdate()

    span = figures.week_span()

    assert len(span) == 26
    assert span[-1] == weeks.shift(*weeks.week_of(today), by=-1)
    assert weeks.week_start(*span[-1]) + timedelta(days=6) < today
    assert weeks.shift(*span[0], by=25) == span[-1]


def test_the_consultation_board_counts_a_month_once_and_shares_of_under_fives_and_women(
    personas: Personas, health: HealthWorld
) -> None:
    consultation_history(health)

    board = figures.consultation_board(
        user=personas.hana.user, area=EVERYWHERE, start=date(2025, 1, 1), end=date(2025, 2, 28)
    )

    assert board.total == 48
    assert board.referrals_out == 2
    assert board.under5 == 13 and board.under5_share == pytest.approx(13 / 48)
    assert board.women_girls == 22 and board.women_girls_share == pytest.approx(22 / 48)
    assert board.months == [(date(2025, 1, 1), 42), (date(2025, 2, 1), 6)]
    services = {line.code: (line.female, line.male) for line in board.by_service}
    assert services["general"] == (13, 26) and services["antenatal"] == (9, 0)
    assert services["referral_out"] == (2, 0)
    groups = {line.code: line.total for line in board.by_population}
    assert groups == {"idp": 22, "returnee": 6, "host": 20}
    assert (board.facilities, board.reports) == (1, 2)


def test_the_consultation_board_of_each_reader_holds_only_their_facilities(
    personas: Personas, health: HealthWorld
) -> None:
    consultation_history(health)
    start, end = date(2025, 1, 1), date(2025, 1, 31)

    assert (
        figures.consultation_board(
            user=health.faris.user, area=EVERYWHERE, start=start, end=end
        ).total
        == 42
    )
    assert (
        figures.consultation_board(
            user=health.muna.user, area=EVERYWHERE, start=start, end=end
        ).total
        == 5005
    )
    assert (
        figures.consultation_board(
            user=personas.ahmed.user, area=EVERYWHERE, start=start, end=end
        ).total
        == 5005
    )
    assert (
        figures.consultation_board(
            user=personas.outsider.user, area=EVERYWHERE, start=start, end=end
        ).total
        == 0
    )


def test_the_chart_draws_missing_weeks_as_empty_slots_and_scales_to_the_highest_week(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)

    chart = figures.curve_chart(_curve(personas.hana.user))

    assert chart.ticks[0][1] == 2000  # the nice ceiling above 1,111
    tallest = next(b for b in chart.bars if b.week.week == 14)
    assert tallest.over5_height == pytest.approx(chart.room * 1111 / 2000, abs=0.1)
    assert [b.week.week for b in chart.bars if b.week.missing] == [13, 15]
    assert all(b.under5_height == b.over5_height == 0 for b in chart.bars if b.week.missing)
