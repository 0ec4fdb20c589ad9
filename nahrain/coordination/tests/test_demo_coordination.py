"""The coordination slice of ``nahrain demo``: the 2018 plan with its 8.7 million people in need
and 3.4 million targeted, IOM's six projects at the plan's amounts and other partners' with
their funding, cluster members, and monthly 4W reports entered, imported and filled from the
demo's distributions and consultations."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command

from nahrain.coordination import selectors
from nahrain.coordination.models import (
    ClusterMember,
    FigureKind,
    PlanFigure,
    Project,
    ReportRow,
    ReportStatus,
    ResponsePlan,
    RowSource,
)
from nahrain.displacement import generator
from nahrain.registry import demo as registry_demo

IOM_PROJECTS = {
    "IRQ18/CSS/123876": Decimal("3000000"),
    "IRQ18/CCCM/124317": Decimal("6774966"),
    "IRQ18/H/124072": Decimal("1800000"),
    "IRQ18/SNF/124350": Decimal("14207374"),
    "IRQ18/PHRRL/124383": Decimal("700000"),
    "IRQ18/ER/124084": Decimal("300000"),
}


@pytest.mark.shared_data
def test_the_slice_loads_the_2018_plan_its_projects_and_the_partners_reports(
    db: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # The rollup is refreshed once the writes commit, as in a real run of the command.
    with (
        django_capture_on_commit_callbacks(execute=True),
        mock.patch.object(generator, "history_generate", return_value=generator.HistoryReport()),
        mock.patch.object(registry_demo, "CAMPS", registry_demo.CAMPS[:1]),
    ):
        call_command("demo", "setup", "--boundaries", str(tmp_path))
    printed = capsys.readouterr().out
    assert "Coordination: the IRQ18 plan with 10 projects" in printed
    assert "tariq.snfi" in printed
    plan = ResponsePlan.objects.get(year=2018)
    country = PlanFigure.objects.filter(plan=plan, cluster="", governorate__isnull=True)
    assert country.get(kind=FigureKind.IN_NEED).people == 8_700_000
    assert country.get(kind=FigureKind.TARGETED).people == 3_400_000
    iom = dict(Project.objects.filter(organisation__acronym="IOM").values_list("code", "requested"))
    assert iom == IOM_PROJECTS
    assert Project.objects.exclude(organisation__acronym="IOM").exists()
    gap = selectors.funding_gap(user=ClusterMember.objects.first().user, plan=plan)  # type: ignore[union-attr]
    assert all(line.received <= line.requested for line in gap)
    assert any(0 < line.received < line.requested for line in gap if line.project)
    rows = ReportRow.objects.all()
    assert set(rows.values_list("source", flat=True)) == {
        RowSource.ENTERED,
        RowSource.IMPORTED,
        RowSource.AUTO,
    }
    # Filled from the demo's distributions: IOM's shelter/NFI reach.
    assert rows.filter(
        source=RowSource.AUTO, report__organisation__acronym="IOM", cluster="snfi"
    ).exists()
    assert rows.filter(report__status=ReportStatus.SUBMITTED).exists()
    # The Shelter/NFI coordinator reads every partner's figures of 2018 on the dashboard.
    tariq = ClusterMember.objects.get(cluster="snfi").user
    totals = {t.indicator: t for t in selectors.totals(user=tariq, plan=plan, cluster="snfi")}
    assert totals["snfi_houses_repaired"].value > 0
