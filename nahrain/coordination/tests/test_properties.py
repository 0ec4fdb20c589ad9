"""Invariants under random writes: who sees which rows, and the rollup being what the rows
say."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nahrain.coordination import access, rollup, selectors, services
from nahrain.coordination.models import FigureRollup, Report, ReportRow, ResponsePlan, RowSource
from nahrain.coordination.tests.conftest import DUHOK_DISTRICT, MOSUL, ZAKHO, reopen, row, unit
from nahrain.testing.personas import Persona, Personas

pytestmark = pytest.mark.django_db

INDICATORS = ("snfi_nfi_kits", "snfi_houses_repaired", "wash_people_water", "cp_children_pss")
PLACES = (ZAKHO, DUHOK_DISTRICT, MOSUL, "IQG09")

facts = st.lists(
    st.tuples(
        st.sampled_from(("iom", "dama", "intersos")),
        st.integers(1, 3),  # month of 2018
        st.sampled_from(INDICATORS),
        st.sampled_from(PLACES),
        st.integers(0, 60),
        st.sampled_from(("", "idp_in_camp", "returnee")),
        st.booleans(),  # from the system's records
    ),
    max_size=14,
)

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _write(personas: Personas, found: list[tuple[Any, ...]]) -> None:
    """Rows written straight, as any way in leaves them (the property is about the reads)."""
    ReportRow.objects.all().delete()
    Report.objects.all().delete()
    seen = set()
    for org, month, indicator, place, value, group, auto in found:
        organisation = getattr(personas, org)
        r = row(organisation, (2018, month), indicator, value, place, population_group=group)
        key = (org, month, indicator, place, group, auto)
        if key in seen:
            continue
        seen.add(key)
        report, _ = Report.objects.get_or_create(organisation=organisation, month=r.month)
        ReportRow.objects.create(
            report=report,
            cluster=r.cluster,
            activity=r.activity,
            indicator=indicator,
            admin_unit_id=r.admin_unit_id,
            governorate=unit(place[:5]),
            population_group=group,
            value=value,
            source=RowSource.AUTO if auto else RowSource.IMPORTED,
            source_key=f"test:{len(seen)}" if auto else "",
        )


@SETTINGS
@given(found=facts)
def test_a_partner_sees_its_own_rows_and_a_cluster_all_of_its_clusters(
    found: list[tuple[Any, ...]], plan: ResponsePlan, personas: Personas, tariq: Persona
) -> None:
    _write(personas, found)
    for persona in (personas.layla, personas.ahmed, tariq, personas.outsider):
        scope = access.visible(persona.user)
        expected = {
            pk
            for pk, organisation_id, cluster in ReportRow.objects.values_list(
                "pk", "report__organisation_id", "cluster"
            )
            if organisation_id in scope.organisations or (cluster == "snfi" and persona is tariq)
        }
        shown = {
            shown.row.pk
            for report in selectors.reports_visible(user=persona.user)
            for shown in selectors.report_rows(user=persona.user, report=report)
        }
        assert shown == expected
        exported = selectors.export_rows(user=persona.user, plan=plan, format="hxl")
        assert len(exported.rows) == len(expected)


@SETTINGS
@given(
    writes=st.lists(
        st.tuples(
            st.sampled_from(("iom", "dama")),
            st.integers(1, 2),
            st.lists(
                st.tuples(
                    st.sampled_from(("snfi_nfi_kits", "snfi_houses_repaired")),
                    st.sampled_from(PLACES),
                    st.integers(0, 40),
                ),
                max_size=4,
                unique_by=lambda t: (t[0], t[1]),
            ),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_the_rollup_is_what_the_rows_say_after_any_writes(
    writes: list[tuple[Any, ...]],
    plan: ResponsePlan,
    personas: Personas,
    tariq: Persona,
    django_capture_on_commit_callbacks: Any,
) -> None:
    reopen(tariq, (2018, 1), (2018, 2))
    ReportRow.objects.all().delete()
    rollup.refresh(
        {(date(2018, m, 1), getattr(personas, o).pk) for o in ("iom", "dama") for m in (1, 2)}
    )
    for org, month, given_rows in writes:
        organisation = getattr(personas, org)
        sheet = [
            row(organisation, (2018, month), indicator, value, place, number=n)
            for n, (indicator, place, value) in enumerate(given_rows, start=2)
        ]
        with django_capture_on_commit_callbacks(execute=True):
            outcome = services.rows_import(actor=tariq.user, rows=sheet, dry_run=False)
        assert outcome.problems == []

    def facts_of(found: list[FigureRollup]) -> set[tuple[Any, ...]]:
        return {
            (
                f.month,
                f.cluster,
                f.indicator,
                f.organisation_id,
                f.place_id,
                f.governorate_id,
                f.from_records,
                f.rows,
                f.value,
                f.value_max,
                tuple(sorted(f.cells.items())),
            )
            for f in found
        }

    assert facts_of(list(FigureRollup.objects.all())) == facts_of(rollup.recompute())


@SETTINGS
@given(
    found=st.lists(
        st.tuples(
            st.sampled_from(("iom", "dama")),
            st.integers(1, 4),
            st.sampled_from(
                (
                    "wash_people_water",
                    "wash_people_hygiene",
                    "edu_children_enrolled",
                    "edu_teachers_trained",
                )
            ),
            st.sampled_from(PLACES),
            st.integers(0, 60),
            st.sampled_from(("", "returnee")),
            st.booleans(),
        ),
        max_size=16,
    )
)
def test_the_dashboards_reach_to_date_is_the_largest_total_by_each_rule(
    found: list[tuple[Any, ...]], plan: ResponsePlan, personas: Personas
) -> None:
    _write(personas, found)
    rollup.refresh(
        {(date(2018, m, 1), getattr(personas, o).pk) for o in ("iom", "dama") for m in range(1, 5)}
    )
    user = personas.layla.user
    for cluster in ("wash", "education"):
        for line in selectors.dashboard(user=user, plan=plan, cluster=cluster):
            totals = selectors.totals(
                user=user,
                plan=plan,
                cluster=cluster,
                governorate=unit(line.pcode),
                month_to=line.month,
            )
            assert line.reached_to_date == max((t.value for t in totals), default=0)
