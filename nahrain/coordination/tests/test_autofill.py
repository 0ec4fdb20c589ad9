"""The 4W filled from the assistance the system recorded: a served distribution becomes the
month's rows of first reach per district, once however often the filling runs, and the same
figure typed by hand is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from nahrain.assistance.reach import reach_rows_for_4w
from nahrain.assistance.tests import pdm_world
from nahrain.coordination import rules, services
from nahrain.coordination.models import RowSource
from nahrain.coordination.services import RowIn
from nahrain.coordination.tests.conftest import reopen
from nahrain.testing.personas import Persona, Personas

pytestmark = pytest.mark.django_db


def test_a_served_distribution_fills_the_4w_once_and_an_entered_repeat_is_refused(
    personas: Personas, huda: Persona, tariq: Persona, django_capture_on_commit_callbacks: Any
) -> None:
    world = pdm_world.build(personas, huda)
    served, _receipts = pdm_world.served_distribution(world, {"f": 4, "m": 3})
    month = served.planned_on.replace(day=1)
    (reached,) = reach_rows_for_4w(organisation=personas.iom, month=month)
    reopen(tariq, (month.year, month.month))

    with django_capture_on_commit_callbacks(execute=True):
        services.report_fill_from_system(
            actor=personas.layla.user, organisation=personas.iom, month=month
        )
        report = services.report_fill_from_system(
            actor=personas.layla.user, organisation=personas.iom, month=month
        )

    (auto,) = report.rows.all()
    assert (auto.source, auto.cluster, auto.activity, auto.indicator) == (
        RowSource.AUTO,
        "snfi",
        "snfi_nfi_distribution",
        "snfi_people_nfi",
    )
    # Seven households of three people each, first reached this month in Zakho.
    assert auto.value == reached.people == 21
    assert auto.cells == {k: v for k, v in reached.cells.items() if v}
    assert sum(auto.cells.values()) == 21
    assert auto.admin_unit.pcode == reached.admin2_pcode == world.zakho.pcode
    assert auto.source_key == f"assistance:{world.programme.uid}:{world.zakho.pcode}"

    with pytest.raises(ValidationError) as refused:
        services.report_save(
            actor=personas.layla.user,
            organisation=personas.iom,
            month=month,
            rows=[
                RowIn(
                    cluster="snfi",
                    activity="snfi_nfi_distribution",
                    indicator="snfi_people_nfi",
                    admin_unit=world.zakho,
                    value=21,
                    cells=dict(auto.cells),
                )
            ],
        )
    assert refused.value.error_list[0].code == rules.ALREADY_REPORTED
    assert list(report.rows.values_list("source", flat=True)) == [RowSource.AUTO]
