"""Monthly 4W reports through the services: periods closing after the deadline, the figures the
system fills (never twice, never repeated by hand), who may write."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from nahrain.coordination import codelists, rules, selectors, services
from nahrain.coordination.models import ReportRow, ReportStatus, ResponsePlan, RowSource
from nahrain.coordination.services import RowIn
from nahrain.coordination.tests.conftest import ZAKHO, reopen, row, unit
from nahrain.health import services as health_services
from nahrain.health.selectors import consultations_monthly
from nahrain.health.tests.builders import facility
from nahrain.testing.personas import Persona, Personas, duhok_directorate

pytestmark = pytest.mark.django_db

JANUARY = date(2018, 1, 1)


def kits(value: int, place: str = ZAKHO) -> RowIn:
    return RowIn(
        cluster="snfi",
        activity="snfi_nfi_distribution",
        indicator="snfi_nfi_kits",
        admin_unit=unit(place),
        value=value,
    )


def consultations(place: str = ZAKHO, value: int = 40) -> RowIn:
    return RowIn(
        cluster="health",
        activity="health_phc",
        indicator="health_consultations",
        admin_unit=unit(place),
        value=value,
    )


# --- periods ----------------------------------------------------------------------------------


def test_a_month_is_due_on_the_tenth_of_the_following_month() -> None:
    assert codelists.deadline(date(2018, 1, 17)) == date(2018, 2, 10)
    assert codelists.deadline(date(2018, 12, 1)) == date(2019, 1, 10)


def test_a_period_closes_to_partners_after_its_deadline(
    plan: ResponsePlan, personas: Personas
) -> None:
    period = rules.period_for(JANUARY)

    assert rules.is_open(period, today=date(2018, 2, 10))
    assert not rules.is_open(period, today=date(2018, 2, 11))
    with pytest.raises(ValidationError) as refused:
        services.report_save(
            actor=personas.layla.user, organisation=personas.iom, month=JANUARY, rows=[kits(5)]
        )
    assert refused.value.code == rules.PERIOD_CLOSED


def test_the_cluster_reopens_a_closed_period_and_locks_it_again(
    plan: ResponsePlan, personas: Personas, tariq: Persona
) -> None:
    reopen(tariq, (2018, 1))
    report = services.report_save(
        actor=personas.layla.user, organisation=personas.iom, month=JANUARY, rows=[kits(5)]
    )
    services.period_lock(actor=tariq.user, month=JANUARY)

    with pytest.raises(ValidationError):
        services.report_save(
            actor=personas.layla.user, organisation=personas.iom, month=JANUARY, rows=[kits(9)]
        )
    assert list(report.rows.values_list("value", flat=True)) == [5]
    outcome = services.rows_import(
        actor=tariq.user, rows=[row(personas.iom, (2018, 1), "snfi_nfi_kits", 9)], dry_run=False
    )
    assert [p.code for p in outcome.problems] == [rules.PERIOD_CLOSED]


def test_the_current_month_is_open_until_its_deadline(
    plan: ResponsePlan, personas: Personas
) -> None:
    this_month = date.today().replace(day=1)

    report = services.report_save(
        actor=personas.layla.user, organisation=personas.iom, month=this_month, rows=[kits(5)]
    )
    services.report_submit(actor=personas.layla.user, report=report)

    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_only_a_partners_reporters_or_the_cluster_may_lock_and_write(
    plan: ResponsePlan, personas: Personas
) -> None:
    this_month = date.today().replace(day=1)
    with pytest.raises(PermissionDenied):
        services.report_save(
            actor=personas.ahmed.user, organisation=personas.dama, month=this_month, rows=[]
        )
    with pytest.raises(PermissionDenied):
        services.report_save(
            actor=personas.layla.user, organisation=personas.dama, month=this_month, rows=[]
        )
    with pytest.raises(PermissionDenied):
        services.period_lock(actor=personas.layla.user, month=this_month)


def test_a_report_refuses_a_row_that_breaks_the_catalogue(
    plan: ResponsePlan, personas: Personas
) -> None:
    this_month = date.today().replace(day=1)
    wrong = RowIn(
        cluster="wash",
        activity="snfi_nfi_distribution",
        indicator="snfi_nfi_kits",
        admin_unit=unit(ZAKHO),
        value=3,
    )
    with pytest.raises(ValidationError) as refused:
        services.report_save(
            actor=personas.layla.user, organisation=personas.iom, month=this_month, rows=[wrong]
        )
    assert "Row 1" in refused.value.messages[0]


# --- filled by the system ---------------------------------------------------------------------


@pytest.fixture
def clinic(plan: ResponsePlan, personas: Personas) -> Any:
    """IOM's clinic in Zakho with January's consultations, monthly."""
    found = facility(
        personas.iom, duhok_directorate(), code="PHCC-ZK-1", name_en="Zakho PHCC", district=ZAKHO
    )
    cells = [
        health_services.Cell("general", "f", "u5", "idp", 12),
        health_services.Cell("general", "f", "18_59", "idp", 20),
        health_services.Cell("chronic", "m", "60p", "host", 8),
        health_services.Cell("referral_out", "m", "18_59", "idp", 3),
    ]
    health_services.consultation_report_submit(
        actor=None, facility=found, period="month", start=JANUARY, cells=cells
    )
    return found


def test_consultations_of_the_month_come_by_district_sex_and_age_for_the_organisation(
    clinic: Any, personas: Personas
) -> None:
    (found,) = consultations_monthly(
        user=personas.layla.user, organisation=personas.iom, month=JANUARY
    )

    assert found.district_id == unit(ZAKHO).pk
    assert found.consultations == 40
    assert found.cells == {"f_0_17": 12, "f_18_59": 20, "m_60": 8}
    with pytest.raises(PermissionDenied):
        consultations_monthly(user=personas.ahmed.user, organisation=personas.iom, month=JANUARY)


def test_filling_from_the_system_twice_gives_one_row_and_follows_the_records(
    clinic: Any, personas: Personas, tariq: Persona, django_capture_on_commit_callbacks: Any
) -> None:
    reopen(tariq, (2018, 1))
    with django_capture_on_commit_callbacks(execute=True):
        services.report_fill_from_system(
            actor=personas.layla.user, organisation=personas.iom, month=JANUARY
        )
        report = services.report_fill_from_system(
            actor=personas.layla.user, organisation=personas.iom, month=JANUARY
        )

    (auto,) = report.rows.all()
    assert (auto.source, auto.indicator, auto.value) == (RowSource.AUTO, "health_consultations", 40)
    assert auto.source_key == f"health:consultations:{unit(ZAKHO).pk}"

    health_services.consultation_report_submit(
        actor=None,
        facility=clinic,
        period="month",
        start=JANUARY,
        cells=[health_services.Cell("general", "m", "5_17", "idp", 15)],
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.report_fill_from_system(
            actor=personas.layla.user, organisation=personas.iom, month=JANUARY
        )
    assert list(report.rows.values_list("value", "cells")) == [(15, {"m_0_17": 15})]
    (total,) = selectors.totals(user=personas.layla.user, plan=rules_plan(), cluster="health")
    assert total.value == 15


def rules_plan() -> ResponsePlan:
    return ResponsePlan.objects.get(year=2018)


def test_a_figure_the_system_filled_is_not_reported_again_by_hand_or_by_sheet(
    clinic: Any, personas: Personas, tariq: Persona
) -> None:
    reopen(tariq, (2018, 1))
    services.report_fill_from_system(
        actor=personas.layla.user, organisation=personas.iom, month=JANUARY
    )

    with pytest.raises(ValidationError) as refused:
        services.report_save(
            actor=personas.layla.user,
            organisation=personas.iom,
            month=JANUARY,
            rows=[kits(4), consultations(ZAKHO)],
        )
    assert refused.value.error_list[0].code == rules.ALREADY_REPORTED
    assert "Row 2" in refused.value.messages[0]
    # The governorate holds Zakho: a figure for all of Duhok would count Zakho's again.
    with pytest.raises(ValidationError):
        services.report_save(
            actor=personas.layla.user,
            organisation=personas.iom,
            month=JANUARY,
            rows=[consultations("IQG09")],
        )
    outcome = services.rows_import(
        actor=personas.layla.user,
        rows=[row(personas.iom, (2018, 1), "health_consultations", 40)],
        dry_run=False,
    )
    assert [p.code for p in outcome.problems] == [rules.ALREADY_REPORTED]
    # Another district is another figure.
    services.report_save(
        actor=personas.layla.user,
        organisation=personas.iom,
        month=JANUARY,
        rows=[consultations("IQG09Q02")],
    )
    assert ReportRow.objects.filter(source=RowSource.ENTERED).count() == 1


def test_the_systems_figure_replaces_one_entered_before_it_was_filled(
    clinic: Any, personas: Personas, tariq: Persona
) -> None:
    reopen(tariq, (2018, 1))
    services.report_save(
        actor=personas.layla.user,
        organisation=personas.iom,
        month=JANUARY,
        rows=[consultations(ZAKHO, 38), kits(4)],
    )

    report = services.report_fill_from_system(
        actor=personas.layla.user, organisation=personas.iom, month=JANUARY
    )

    assert sorted(report.rows.values_list("indicator", "source", "value")) == [
        ("health_consultations", RowSource.AUTO, 40),
        ("snfi_nfi_kits", RowSource.ENTERED, 4),
    ]


def test_an_import_replaces_what_the_same_sheet_gave_before_and_a_dry_run_writes_nothing(
    plan: ResponsePlan, personas: Personas, tariq: Persona
) -> None:
    reopen(tariq, (2018, 1))
    first = [row(personas.dama, (2018, 1), "snfi_nfi_kits", 7)]
    services.rows_import(actor=tariq.user, rows=first, dry_run=False)
    again = [row(personas.dama, (2018, 1), "snfi_nfi_kits", 9)]

    dry = services.rows_import(actor=tariq.user, rows=again, dry_run=True)
    assert (dry.rows, dry.replaced) == (1, 1)
    assert list(ReportRow.objects.values_list("value", flat=True)) == [7]
    services.rows_import(actor=tariq.user, rows=again, dry_run=False)
    assert list(ReportRow.objects.values_list("value", flat=True)) == [9]
    # A cluster member imports no other cluster's rows.
    outcome = services.rows_import(
        actor=tariq.user,
        rows=[row(personas.dama, (2018, 1), "wash_people_water", 9)],
        dry_run=False,
    )
    assert [p.code for p in outcome.problems] == ["not_yours"]


def test_a_deadline_a_day_past_is_closed_today(plan: ResponsePlan) -> None:
    last_month = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    period = rules.period_for(last_month)
    assert rules.is_open(period) == (date.today() <= codelists.deadline(last_month))
