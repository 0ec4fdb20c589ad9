"""Totals per indicator follow its aggregation rule over several months and partners."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from nahrain.coordination import selectors, services
from nahrain.coordination.models import ResponsePlan
from nahrain.coordination.tests.conftest import DUHOK_DISTRICT, ZAKHO, reopen, row, unit
from nahrain.testing.personas import Persona, Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(
    plan: ResponsePlan, personas: Personas, tariq: Persona, django_capture_on_commit_callbacks: Any
) -> ResponsePlan:
    """IOM and DAMA's Shelter/NFI figures of January to March 2018, imported by the cluster."""
    iom, dama = personas.iom, personas.dama
    reopen(tariq, (2018, 1), (2018, 2), (2018, 3))
    rows = [
        # Houses repaired, cumulative: IOM's running count in Zakho, DAMA's with February
        # missing.
        row(iom, (2018, 1), "snfi_houses_repaired", 10),
        row(iom, (2018, 2), "snfi_houses_repaired", 25),
        row(iom, (2018, 3), "snfi_houses_repaired", 40),
        row(dama, (2018, 1), "snfi_houses_repaired", 5),
        row(dama, (2018, 3), "snfi_houses_repaired", 12),
        # Sites maintained, maximum: the highest month per partner and place.
        row(iom, (2018, 1), "snfi_sites_maintained", 3, DUHOK_DISTRICT),
        row(iom, (2018, 2), "snfi_sites_maintained", 7, DUHOK_DISTRICT),
        row(iom, (2018, 3), "snfi_sites_maintained", 5, DUHOK_DISTRICT),
        row(iom, (2018, 1), "snfi_sites_maintained", 2, ZAKHO),
        row(dama, (2018, 2), "snfi_sites_maintained", 4, DUHOK_DISTRICT),
        # People given NFI, unique: new people each month, in two population groups.
        row(
            iom,
            (2018, 1),
            "snfi_people_nfi",
            60,
            cells={"f_0_17": 30, "m_0_17": 30},
            population_group="idp_in_camp",
        ),
        row(
            iom,
            (2018, 1),
            "snfi_people_nfi",
            40,
            cells={"f_18_59": 40},
            population_group="returnee",
        ),
        row(
            iom,
            (2018, 2),
            "snfi_people_nfi",
            50,
            cells={"m_18_59": 50},
            population_group="idp_in_camp",
        ),
        row(
            dama,
            (2018, 3),
            "snfi_people_nfi",
            30,
            cells={"f_60": 30},
            population_group="idp_in_camp",
        ),
        # NFI kits, sum.
        row(iom, (2018, 1), "snfi_nfi_kits", 20),
        row(iom, (2018, 2), "snfi_nfi_kits", 10),
        row(dama, (2018, 3), "snfi_nfi_kits", 6),
    ]
    rows = [replace(r, row=n) for n, r in enumerate(rows, start=2)]
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.rows_import(actor=tariq.user, rows=rows, dry_run=False)
    assert outcome.problems == [] and outcome.rows == len(rows)
    return plan


def _by_code(found: list[selectors.IndicatorTotal]) -> dict[str, selectors.IndicatorTotal]:
    return {total.indicator: total for total in found}


def test_each_indicator_adds_up_by_its_own_rule_over_months_and_partners(
    reported: ResponsePlan, tariq: Persona
) -> None:
    totals = _by_code(selectors.totals(user=tariq.user, plan=reported, cluster="snfi"))

    # Cumulative: IOM's latest (March, 40) and DAMA's latest (March, 12).
    assert totals["snfi_houses_repaired"].value == 52
    # Maximum: IOM's best month in Duhok (7) and in Zakho (2), DAMA's in Duhok (4).
    assert totals["snfi_sites_maintained"].value == 13
    # Unique: every month's new people of every partner, cells added likewise.
    assert totals["snfi_people_nfi"].value == 180
    assert totals["snfi_people_nfi"].cells == {
        "f_0_17": 30,
        "m_0_17": 30,
        "f_18_59": 40,
        "m_18_59": 50,
        "f_60": 30,
    }
    assert totals["snfi_people_nfi"].possibly_overlapping
    # Sum: everything added.
    assert totals["snfi_nfi_kits"].value == 36


def test_the_span_of_months_changes_what_latest_and_highest_mean(
    reported: ResponsePlan, tariq: Persona
) -> None:
    totals = _by_code(
        selectors.totals(
            user=tariq.user, plan=reported, month_from=date(2018, 1, 1), month_to=date(2018, 2, 1)
        )
    )

    assert totals["snfi_houses_repaired"].value == 25 + 5
    assert totals["snfi_sites_maintained"].value == 7 + 2 + 4
    assert totals["snfi_people_nfi"].value == 150
    assert not totals["snfi_people_nfi"].possibly_overlapping
    assert totals["snfi_nfi_kits"].value == 30


def test_a_partner_totals_its_own_figures_alone(reported: ResponsePlan, personas: Personas) -> None:
    totals = _by_code(selectors.totals(user=personas.layla.user, plan=reported))

    assert totals["snfi_houses_repaired"].value == 40
    assert totals["snfi_sites_maintained"].value == 9
    assert totals["snfi_people_nfi"].value == 150
    assert totals["snfi_nfi_kits"].value == 30
    assert {t.partners for t in totals.values()} == {1}


def test_the_dashboard_reads_reach_by_governorate_and_month_against_the_plan(
    reported: ResponsePlan, tariq: Persona
) -> None:
    duhok = unit("IQG09")
    services.plan_figures_set(
        actor=tariq.user,
        plan=reported,
        rows=[
            services.FigureIn(kind="in_need", people=900, cluster="snfi", governorate=duhok),
            services.FigureIn(kind="targeted", people=400, cluster="snfi", governorate=duhok),
        ],
    )

    rows = selectors.dashboard(user=tariq.user, plan=reported, cluster="snfi")

    by_month = {r.month: r for r in rows if r.pcode == "IQG09"}
    assert by_month[None].in_need == 900 and by_month[None].targeted == 400
    assert by_month[None].reached_to_date == 180
    assert [by_month[date(2018, m, 1)].reached for m in (1, 2, 3)] == [100, 50, 30]
    assert [by_month[date(2018, m, 1)].reached_to_date for m in (1, 2, 3)] == [100, 150, 180]
