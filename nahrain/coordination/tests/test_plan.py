"""The plan, its projects and funding, partner names, presence, and what another organisation
sees of the figures the system filled."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from nahrain.coordination import codelists, selectors, services
from nahrain.coordination.models import Report, ReportRow, ResponsePlan, RowSource
from nahrain.coordination.tests.conftest import DUHOK_DISTRICT, ZAKHO, reopen, row, unit
from nahrain.core.models import AuditEvent
from nahrain.testing.personas import Persona, Personas

pytestmark = pytest.mark.django_db


def test_the_funding_gap_is_requested_less_received_per_cluster_and_project(
    plan: ResponsePlan, personas: Personas, tariq: Persona
) -> None:
    shelter = services.project_create(
        actor=personas.layla.user,
        plan=plan,
        code="IRQ18/SNF/124350",
        title="Shelter and NFI support to IDPs and returnees",
        organisation=personas.iom,
        cluster="snfi",
        requested=Decimal("14207374"),
        targets=180000,
        governorates=[unit("IQG09"), unit("IQG15")],
    )
    dtm = services.project_create(
        actor=personas.layla.user,
        plan=plan,
        code="IRQ18/CSS/123876",
        title="Displacement Tracking Matrix",
        organisation=personas.iom,
        cluster="ccs",
        requested=Decimal("3000000"),
        targets=0,
        governorates=[],
    )
    services.funding_record(
        actor=tariq.user,
        project=shelter,
        amount=Decimal("9000000"),
        source="ECHO",
        received_on=date(2018, 3, 1),
    )
    services.funding_record(
        actor=personas.layla.user,
        project=shelter,
        amount=Decimal("1207374"),
        source="BPRM",
        received_on=date(2018, 6, 1),
    )

    lines = selectors.funding_gap(user=personas.ahmed.user, plan=plan)

    assert [(line.cluster, line.project, line.gap) for line in lines] == [
        ("snfi", None, Decimal("4000000")),
        ("snfi", shelter, Decimal("4000000")),
        ("ccs", None, Decimal("3000000")),
        ("ccs", dtm, Decimal("3000000")),
    ]
    with pytest.raises(PermissionDenied):
        services.funding_record(
            actor=personas.ahmed.user,
            project=dtm,
            amount=Decimal(1),
            source="x",
            received_on=date(2018, 1, 1),
        )


def test_a_partners_spelling_is_mapped_once_to_one_organisation(
    plan: ResponsePlan, personas: Personas, tariq: Persona
) -> None:
    taught = services.partner_name_teach(
        actor=tariq.user, spelling="I.O.M. Iraq", organisation=personas.iom
    )

    assert taught.key == codelists.name_key(" iom  IRAQ ")
    assert (
        services.partner_name_teach(
            actor=tariq.user, spelling="iom iraq", organisation=personas.iom
        )
        == taught
    )
    with pytest.raises(ValidationError):
        services.partner_name_teach(
            actor=tariq.user, spelling="IOM-Iraq", organisation=personas.dama
        )
    assert codelists.name_key("المنظمة الدولية للهجرة") == codelists.name_key(
        "المنظمه الدوليه للهجره"
    )


def test_the_catalogue_finds_activities_and_indicators_by_code_or_label() -> None:
    assert codelists.find_activity("snfi", "NFI distribution") == "snfi_nfi_distribution"
    assert codelists.find_activity("snfi", "توزيع المواد غير الغذائية") == "snfi_nfi_distribution"
    assert codelists.find_indicator("snfi", "NFI kits distributed") == "snfi_nfi_kits"
    assert codelists.find_indicator("wash", "NFI kits distributed") is None
    assert {i.aggregation for i in codelists.indicators().values()} == set(codelists.AGGREGATIONS)
    for item in codelists.indicators().values():
        assert item.unit in codelists.codes("units")
        assert item.cluster in codelists.codes("clusters")


@pytest.fixture
def filled(plan: ResponsePlan, personas: Personas) -> Report:
    """IOM's January with a small and a large figure from its records, and one it entered."""
    report = Report.objects.create(organisation=personas.iom, month=date(2018, 1, 1))
    for key, value, cells, place in (
        ("assistance:a:Z", 3, {"f_0_17": 1, "m_0_17": 2}, ZAKHO),
        ("assistance:b:D", 120, {"f_0_17": 60, "m_18_59": 57, "m_60": 3}, DUHOK_DISTRICT),
    ):
        ReportRow.objects.create(
            report=report,
            cluster="snfi",
            activity="snfi_nfi_distribution",
            indicator="snfi_people_nfi",
            admin_unit=unit(place),
            governorate=unit("IQG09"),
            value=value,
            cells=cells,
            source=RowSource.AUTO,
            source_key=key,
        )
    ReportRow.objects.create(
        report=report,
        cluster="snfi",
        activity="snfi_nfi_distribution",
        indicator="snfi_nfi_kits",
        admin_unit=unit(ZAKHO),
        governorate=unit("IQG09"),
        value=2,
        source=RowSource.ENTERED,
    )
    return report


def test_the_cluster_sees_small_figures_from_personal_records_hidden_and_the_partner_exact(
    filled: Report, personas: Personas, tariq: Persona
) -> None:
    mine = [
        (s.row.indicator, s.value, s.cells)
        for s in selectors.report_rows(user=personas.layla.user, report=filled)
    ]
    theirs = [
        (s.row.indicator, s.value, s.cells)
        for s in selectors.report_rows(user=tariq.user, report=filled)
    ]

    assert (3, {"f_0_17": 1, "m_0_17": 2}) in [(v, c) for _i, v, c in mine]
    assert ("snfi_people_nfi", None, {"f_0_17": None, "m_0_17": None}) in theirs
    assert ("snfi_people_nfi", 120, {"f_0_17": None, "m_18_59": None, "m_60": None}) in theirs
    # A partner's own published figure is shown as it is, small or not.
    assert ("snfi_nfi_kits", 2, {}) in theirs


def test_totals_leave_out_anothers_small_figures_from_records_and_say_so(
    filled: Report, personas: Personas, tariq: Persona, django_capture_on_commit_callbacks: Any
) -> None:
    from nahrain.coordination import rollup

    rollup.refresh({(filled.month, personas.iom.pk)})
    plan = ResponsePlan.objects.get(year=2018)

    (people,) = [
        t for t in selectors.totals(user=tariq.user, plan=plan) if t.indicator == "snfi_people_nfi"
    ]
    (own,) = [
        t
        for t in selectors.totals(user=personas.layla.user, plan=plan)
        if t.indicator == "snfi_people_nfi"
    ]

    assert (people.value, people.hidden_parts, people.cells) == (120, 1, {})
    assert (own.value, own.hidden_parts) == (123, 0)


def test_the_hxl_export_tags_every_column_and_is_audited(
    plan: ResponsePlan, personas: Personas, tariq: Persona, django_capture_on_commit_callbacks: Any
) -> None:
    reopen(tariq, (2018, 2))
    services.plan_figures_set(
        actor=tariq.user,
        plan=plan,
        rows=[
            services.FigureIn(
                kind="in_need", people=5000, cluster="snfi", governorate=unit("IQG09")
            )
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.rows_import(
            actor=tariq.user,
            rows=[row(personas.dama, (2018, 2), "snfi_people_nfi", 25, cells={"f_18_59": 25})],
            dry_run=False,
        )

    table = selectors.export_rows(user=tariq.user, plan=plan, format="hxl")
    assert table.hxl is not None
    line = dict(zip(table.hxl, table.rows[0], strict=True))
    assert line["#org+acronym"] == "DAMA"
    assert line["#sector"] == "Shelter and NFI"
    assert line["#adm1+code"] == "IQG09" and line["#adm2+code"] == ZAKHO
    assert line["#reached+ind"] == 25 and line["#inneed"] == 5000
    assert line["#reached+f+adults+age18_59"] == 25
    assert {"#activity", "#targeted", "#date+month"} <= set(table.hxl)
    assert selectors.export_rows(user=tariq.user, plan=plan, format="ar").headers[0] == "المنظمة"
    assert AuditEvent.objects.filter(action="coordination.export").count() == 2
    presence = selectors.presence(user=tariq.user, plan=plan, cluster="snfi")
    assert [(p.district_id, p.organisations) for p in presence] == [(unit(ZAKHO).pk, ("DAMA",))]
