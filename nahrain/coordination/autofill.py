"""What the system already holds of an organisation's month, as 4W rows: first reach of its
assistance programmes, referrals it provided, consultations in its facilities (the mapping is
data: ``catalogue.json`` "auto_fill")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import User

from nahrain.assistance.models import Programme
from nahrain.assistance.reach import age_groups, reach_rows_for_4w
from nahrain.coordination import codelists
from nahrain.coordination.models import Project
from nahrain.core.models import Organisation
from nahrain.geo.models import AdminUnit
from nahrain.health.selectors import consultations_monthly
from nahrain.referrals.selectors import referrals_provided_monthly


@dataclass(frozen=True)
class AutoRow:
    source_key: str
    cluster: str
    activity: str
    indicator: str
    admin_unit_id: Any
    value: int
    cells: dict[str, int]
    project_id: Any = None


def system_rows(actor: User, organisation: Organisation, month: date) -> list[AutoRow]:
    """What the system holds of the organisation's month: first reach of its assistance
    programmes, referrals it provided, consultations in its facilities."""
    mapping = codelists.auto_fill()
    found: list[AutoRow] = []
    reach = reach_rows_for_4w(organisation=organisation, month=month)
    pcodes = {row.admin2_pcode or row.admin1_pcode for row in reach}
    units = dict(AdminUnit.objects.filter(pcode__in=pcodes).values_list("pcode", "pk"))
    programmes = dict(
        Programme.objects.filter(organisation=organisation).values_list("code", "uid")
    )
    projects = dict(
        Project.objects.filter(
            code__in={r.hrp_project for r in reach if r.hrp_project}
        ).values_list("code", "pk")
    )
    for row in reach:
        target = mapping["assistance"].get(row.kind)
        pcode = row.admin2_pcode or row.admin1_pcode
        if target is None or pcode not in units:
            continue
        cluster, activity, indicator = target
        found.append(
            AutoRow(
                source_key=f"assistance:{programmes[row.programme]}:{pcode}",
                cluster=cluster,
                activity=activity,
                indicator=indicator,
                admin_unit_id=units[pcode],
                value=row.people,
                cells={k: v for k, v in row.cells.items() if v},
                project_id=projects.get(row.hrp_project),
            )
        )
    cluster, activity, indicator = mapping["consultations"]
    for consulted in consultations_monthly(user=actor, organisation=organisation, month=month):
        found.append(
            AutoRow(
                source_key=f"health:consultations:{consulted.district_id}",
                cluster=cluster,
                activity=activity,
                indicator=indicator,
                admin_unit_id=consulted.district_id,
                value=consulted.consultations,
                cells=consulted.cells,
            )
        )
    cluster, activity, indicator = mapping["referrals_provided"]
    for provided in referrals_provided_monthly(
        user=actor, organisation=organisation, month=month, age_bands=age_groups()
    ):
        found.append(
            AutoRow(
                source_key=f"referrals:provided:{provided.district_id}",
                cluster=cluster,
                activity=activity,
                indicator=indicator,
                admin_unit_id=provided.district_id,
                value=provided.people,
                cells=provided.cells,
            )
        )
    return found
