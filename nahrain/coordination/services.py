"""Writes of coordination: the plan, projects and funding, cluster members, partner names,
reporting periods and the partners' monthly 4W (entered, imported, filled by the system).

Every write of report rows refreshes the rollup (``rollup``) for the months and organisations
it touched, once it commits. One figure is never reported twice: a row entered or imported for
an activity, indicator and place the system already filled from its own records is refused
("already reported by the system")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nahrain.coordination import access, autofill, bulk, codelists, rollup
from nahrain.coordination.models import (
    ClusterMember,
    Funding,
    PartnerName,
    PlanFigure,
    Project,
    Report,
    ReportingPeriod,
    ReportRow,
    ReportStatus,
    ResponsePlan,
    RowSource,
)
from nahrain.coordination.places import Tree
from nahrain.coordination.rules import (
    ALREADY_REPORTED,
    PERIOD_CLOSED,
    auto_places,
    check_cells,
    check_row,
    is_open,
    period_for,
    repeats_auto,
)
from nahrain.core.models import Organisation
from nahrain.core.services import audit_record
from nahrain.geo.models import AdminUnit
from nahrain.sites.models import Site

# --- the plan ---------------------------------------------------------------------------------


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@transaction.atomic
def plan_create(
    *, actor: User, year: int, code: str, name: str, requirements: Decimal, source: str
) -> ResponsePlan:
    _require(access.may_manage_plan(actor))
    plan = ResponsePlan(
        year=year, code=code, name=name, requirements=Decimal(requirements), source=source
    )
    plan.full_clean()
    plan.save()
    audit_record(
        actor=actor, action="coordination.plan_create", object_type="plan", object_id=plan.uid
    )
    return plan


@dataclass(frozen=True)
class FigureIn:
    kind: str  # "in_need" or "targeted"
    people: int
    cluster: str = ""
    governorate: AdminUnit | None = None
    population_group: str = ""
    cells: dict[str, int] = field(default_factory=dict)


@transaction.atomic
def plan_figures_set(*, actor: User, plan: ResponsePlan, rows: Sequence[FigureIn]) -> int:
    """Set people in need and targets: each row replaces the figure of its key."""
    _require(access.may_manage_plan(actor))
    for row in rows:
        if row.cluster and row.cluster not in codelists.codes("clusters"):
            raise ValidationError({"cluster": _("Not a cluster of the plan.")})
        if row.population_group and row.population_group not in codelists.codes(
            "population_groups"
        ):
            raise ValidationError({"population_group": _("Not a population group.")})
        check_cells(row.cells, row.people, exact=True)
        found = PlanFigure.objects.filter(
            plan=plan,
            cluster=row.cluster,
            governorate=row.governorate,
            population_group=row.population_group,
            kind=row.kind,
        ).first() or PlanFigure(
            plan=plan,
            cluster=row.cluster,
            governorate=row.governorate,
            population_group=row.population_group,
            kind=row.kind,
        )
        found.people, found.cells = row.people, dict(row.cells)
        found.full_clean(validate_constraints=False)
        found.save()
    audit_record(
        actor=actor,
        action="coordination.plan_figures_set",
        object_type="plan",
        object_id=plan.uid,
        detail={"rows": len(rows)},
    )
    return len(rows)


@transaction.atomic
def project_create(
    *,
    actor: User,
    plan: ResponsePlan,
    code: str,
    title: str,
    organisation: Organisation,
    cluster: str,
    requested: Decimal,
    targets: int,
    governorates: Iterable[AdminUnit],
) -> Project:
    _require(access.may_manage_project(actor, organisation=organisation, cluster=cluster))
    if cluster not in codelists.codes("clusters"):
        raise ValidationError({"cluster": _("Not a cluster of the plan.")})
    project = Project(
        plan=plan,
        code=code.strip(),
        title=title,
        organisation=organisation,
        cluster=cluster,
        requested=Decimal(requested),
        targets=targets,
    )
    project.full_clean()
    project.save()
    units = list(governorates)
    if any(unit.level != 1 for unit in units):
        raise ValidationError({"governorates": _("A project's places are governorates.")})
    project.governorates.set(units)
    audit_record(
        actor=actor,
        action="coordination.project_create",
        object_type="project",
        object_id=project.uid,
        organisation=organisation,
    )
    return project


@transaction.atomic
def funding_record(
    *,
    actor: User,
    project: Project,
    amount: Decimal,
    source: str,
    received_on: date,
    reference: str = "",
) -> Funding:
    _require(
        access.may_manage_project(actor, organisation=project.organisation, cluster=project.cluster)
    )
    funding = Funding(
        project=project,
        amount=Decimal(amount),
        source=source,
        received_on=received_on,
        reference=reference,
        recorded_by=actor,
    )
    funding.full_clean()
    funding.save()
    audit_record(
        actor=actor,
        action="coordination.funding_record",
        object_type="project",
        object_id=project.uid,
        organisation=project.organisation,
    )
    return funding


@transaction.atomic
def cluster_member_add(*, actor: User | None, user: User, cluster: str, role: str) -> ClusterMember:
    """Add a cluster member (``actor`` None: set up by the platform itself, as personas are)."""
    if actor is not None:
        _require(access.may_add_cluster_members(actor, cluster))
    if cluster not in codelists.codes("clusters"):
        raise ValidationError({"cluster": _("Not a cluster of the plan.")})
    member = ClusterMember(user=user, cluster=cluster, role=role)
    member.full_clean()
    member.save()
    audit_record(
        actor=actor,
        action="coordination.cluster_member_add",
        object_type="user",
        object_id=user.pk,
        detail={"cluster": cluster, "role": role},
    )
    return member


@transaction.atomic
def partner_name_teach(
    *, actor: User | None, spelling: str, organisation: Organisation
) -> PartnerName:
    """Map a spelling of a partner's name to its organisation, once: every import then uses
    it. Teaching the same spelling to another organisation is refused."""
    # The operator on the command line (no actor) teaches any spelling.
    _require(actor is None or access.may_teach_names(actor, organisation))
    key = codelists.name_key(spelling)
    if not key:
        raise ValidationError({"spelling": _("Write the name as the sheet spells it.")})
    found = PartnerName.objects.filter(key=key).first()
    if found is not None:
        if found.organisation_id != organisation.pk:
            raise ValidationError(
                {"spelling": _("This spelling is already mapped to another organisation.")}
            )
        return found
    name = PartnerName(
        key=key, spelling=spelling.strip(), organisation=organisation, taught_by=actor
    )
    name.full_clean()
    name.save()
    return name


# --- reporting periods ------------------------------------------------------------------------


@transaction.atomic
def period_lock(*, actor: User, month: date) -> ReportingPeriod:
    _require(access.may_lock_periods(actor))
    period = period_for(month)
    period.locked_at, period.locked_by = timezone.now(), actor
    period.save(update_fields=["locked_at", "locked_by"])
    audit_record(
        actor=actor,
        action="coordination.period_lock",
        object_type="period",
        object_id=period.month.isoformat(),
    )
    return period


@transaction.atomic
def period_reopen(*, actor: User, month: date) -> ReportingPeriod:
    _require(access.may_lock_periods(actor))
    period = period_for(month)
    period.locked_at, period.locked_by = None, None
    period.reopened_at, period.reopened_by = timezone.now(), actor
    period.save(update_fields=["locked_at", "locked_by", "reopened_at", "reopened_by"])
    audit_record(
        actor=actor,
        action="coordination.period_reopen",
        object_type="period",
        object_id=period.month.isoformat(),
    )
    return period


def _open_or_refuse(month: date) -> None:
    if not is_open(period_for(month)):
        raise ValidationError(
            _("The reporting period is closed: ask the cluster to reopen it."), code=PERIOD_CLOSED
        )


# --- rows -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowIn:
    """One row of a 4W as a page or the API gives it."""

    cluster: str
    activity: str
    indicator: str
    admin_unit: AdminUnit
    value: int
    population_group: str = ""
    cells: dict[str, int] = field(default_factory=dict)
    site: Site | None = None
    project: Project | None = None
    implementing_partner: Organisation | None = None


@transaction.atomic
def report_save(
    *, actor: User, organisation: Organisation, month: date, rows: Sequence[RowIn]
) -> Report:
    """Replace the entered rows of the organisation's report of the month (an open period
    only); a submitted report saved again is a draft again."""
    _require(access.may_report(actor, organisation))
    _open_or_refuse(month)
    report, _created = Report.objects.get_or_create(
        organisation=organisation, month=codelists.first_day(month)
    )
    auto = auto_places([report.pk])
    tree = Tree([*(row.admin_unit.pk for row in rows), *(u for us in auto.values() for u in us)])
    problems: list[ValidationError] = []
    new_rows = []
    for number, row in enumerate(rows, start=1):
        try:
            check_row(
                cluster=row.cluster,
                activity=row.activity,
                indicator=row.indicator,
                population_group=row.population_group,
                value=row.value,
                cells=row.cells,
                admin_level=row.admin_unit.level,
            )
            if repeats_auto(tree, auto, report.pk, row.activity, row.indicator, row.admin_unit.pk):
                raise ValidationError(_("Already reported by the system."), code=ALREADY_REPORTED)
        except ValidationError as error:
            problems.append(
                ValidationError(
                    _("Row %(row)s: %(problem)s") % {"row": number, "problem": error.messages[0]},
                    code=error.code,
                )
            )
            continue
        new_rows.append(
            ReportRow(
                report=report,
                project=row.project,
                cluster=row.cluster,
                activity=row.activity,
                indicator=row.indicator,
                admin_unit=row.admin_unit,
                governorate_id=tree.governorate(row.admin_unit.pk),
                site=row.site,
                population_group=row.population_group,
                cells=dict(row.cells),
                value=row.value,
                source=RowSource.ENTERED,
                implementing_partner=row.implementing_partner,
            )
        )
    if problems:
        raise ValidationError(problems)
    report.rows.filter(source=RowSource.ENTERED).delete()
    for new in new_rows:
        new.full_clean(exclude=["report"], validate_constraints=False)
    try:
        with transaction.atomic():
            ReportRow.objects.bulk_create(new_rows)
    except Exception as error:  # the database's uniqueness: one row per place and group
        from django.db import IntegrityError

        if isinstance(error, IntegrityError):
            raise ValidationError(
                _("Two rows give the same activity, indicator, place and population group."),
                code="row_repeated",
            ) from None
        raise
    report.status, report.submitted_at, report.submitted_by = ReportStatus.DRAFT, None, None
    report.save()
    rollup.refresh_on_commit([(report.month, organisation.pk)])
    audit_record(
        actor=actor,
        action="coordination.report_save",
        object_type="report",
        object_id=report.uid,
        organisation=organisation,
        detail={"rows": len(new_rows)},
    )
    return report


@transaction.atomic
def report_submit(*, actor: User, report: Report) -> Report:
    _require(access.may_report(actor, report.organisation))
    _open_or_refuse(report.month)
    report.status, report.submitted_by, report.submitted_at = (
        ReportStatus.SUBMITTED,
        actor,
        timezone.now(),
    )
    report.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
    audit_record(
        actor=actor,
        action="coordination.report_submit",
        object_type="report",
        object_id=report.uid,
        organisation=report.organisation,
    )
    return report


# --- filled by the system ---------------------------------------------------------------------


@transaction.atomic
def report_fill_from_system(*, actor: User, organisation: Organisation, month: date) -> Report:
    """Fill the organisation's report of the month with what the system already holds.
    Idempotent: a figure already filled is replaced (same ``source_key``), one no longer there
    is removed, nothing is added twice. The system's exact figure stands for the place: an
    entered or imported row of the same activity, indicator and place is removed (its count is
    in the audit event)."""
    _require(access.may_report(actor, organisation))
    _open_or_refuse(month)
    report, _created = Report.objects.get_or_create(
        organisation=organisation, month=codelists.first_day(month)
    )
    found = autofill.system_rows(actor, organisation, report.month)
    tree = Tree([a.admin_unit_id for a in found])
    report.rows.filter(source=RowSource.AUTO).exclude(
        source_key__in=[a.source_key for a in found]
    ).delete()
    for auto in found:
        ReportRow.objects.update_or_create(
            report=report,
            source_key=auto.source_key,
            defaults={
                "cluster": auto.cluster,
                "activity": auto.activity,
                "indicator": auto.indicator,
                "admin_unit_id": auto.admin_unit_id,
                "governorate_id": tree.governorate(auto.admin_unit_id),
                "population_group": "",
                "cells": auto.cells,
                "value": auto.value,
                "source": RowSource.AUTO,
                "project_id": auto.project_id,
            },
        )
    filled = auto_places([report.pk])
    others = report.rows.exclude(source=RowSource.AUTO)
    overlap_tree = Tree(
        [*others.values_list("admin_unit_id", flat=True), *(a.admin_unit_id for a in found)]
    )
    superseded = [
        pk
        for pk, activity, indicator, unit in others.values_list(
            "pk", "activity", "indicator", "admin_unit_id"
        )
        if repeats_auto(overlap_tree, filled, report.pk, activity, indicator, unit)
    ]
    ReportRow.objects.filter(pk__in=superseded).delete()
    rollup.refresh_on_commit([(report.month, organisation.pk)])
    audit_record(
        actor=actor,
        action="coordination.report_fill",
        object_type="report",
        object_id=report.uid,
        organisation=organisation,
        detail={"rows": len(found), "superseded": len(superseded)},
    )
    return report


# --- imported ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRow:
    """One row of a 4W sheet, resolved by the intake spec (organisation from the partner's
    name, place from its p-code, in either scheme); ``row`` is its line in the file."""

    row: int
    organisation_id: Any
    month: date
    cluster: str
    activity: str
    indicator: str
    admin_unit_id: Any
    value: int
    population_group: str = ""
    cells: dict[str, int] = field(default_factory=dict)
    site_id: Any = None
    project_id: Any = None
    implementing_partner_id: Any = None
    # The place's governorate when the spec knows it; worked out from the place otherwise.
    governorate_id: Any = None


@dataclass(frozen=True)
class ImportProblem:
    row: int
    column: str
    code: str
    message: str


@dataclass
class ImportOutcome:
    rows: int = 0
    reports: int = 0
    replaced: int = 0
    problems: list[ImportProblem] = field(default_factory=list)


_COLUMN_OF = {
    "indicator_unknown": "indicator",
    "indicator_elsewhere": "indicator",
    "population_group_unknown": "population_group",
    "value_negative": "value",
    "place_level": "admin_unit",
    "cells_unknown": "cells",
    "cells_negative": "cells",
    "cells_sum": "cells",
}


@transaction.atomic
def rows_import(*, actor: User | None, rows: Sequence[ImportRow], dry_run: bool) -> ImportOutcome:
    """Import a sheet's rows, all or nothing: each (report, cluster) in the file replaces its
    earlier imported rows. Refused rows come back as problems (row, column, code) and nothing
    is written: a row for an organisation the actor neither reports for nor coordinates, in a
    closed period, repeating a figure the system filled, or twice in the file. Set-based:
    reports are created in bulk and rows go in by COPY on PostgreSQL."""
    outcome = ImportOutcome()
    # The operator on the command line (no actor) imports any partner's rows.
    operator = actor is None
    own = set() if actor is None else access.reports_for(actor)
    coordinated = set() if actor is None else access.clusters_coordinated(actor)
    months = {codelists.first_day(r.month) for r in rows}
    open_months = {m for m in months if is_open(period_for(m))}
    pairs = {(r.organisation_id, codelists.first_day(r.month)) for r in rows}
    existing = _reports_of(pairs)
    auto = auto_places(existing.values())
    tree = Tree({*(r.admin_unit_id for r in rows), *(u for us in auto.values() for u in us)})
    seen: set[tuple[Any, ...]] = set()
    # What a row must be depends, but for its figures, on a few codes: checked once per
    # distinct combination (a sheet repeats a few hundred of them over tens of thousands of
    # rows), the figures row by row.
    rules: dict[tuple[Any, ...], tuple[ValidationError | None, bool]] = {}
    first_of = {m: codelists.first_day(m) for m in {r.month for r in rows}}
    first_days = [first_of[r.month] for r in rows]
    problems = outcome.problems
    level = tree.level
    for r, month in zip(rows, first_days, strict=True):
        if not operator and r.organisation_id not in own and r.cluster not in coordinated:
            problems.append(
                ImportProblem(
                    r.row, "organisation", "not_yours", _("You do not report for this partner.")
                )
            )
            continue
        if month not in open_months:
            problems.append(
                ImportProblem(r.row, "month", PERIOD_CLOSED, _("The reporting period is closed."))
            )
            continue
        try:
            _check_import_row(r, level.get(r.admin_unit_id), rules)
        except ValidationError as error:
            code = str(error.code)
            problems.append(
                ImportProblem(r.row, _COLUMN_OF.get(code, "indicator"), code, error.messages[0])
            )
            continue
        report_id = existing.get((r.organisation_id, month))
        if report_id is not None and repeats_auto(
            tree, auto, report_id, r.activity, r.indicator, r.admin_unit_id
        ):
            problems.append(
                ImportProblem(
                    r.row, "indicator", ALREADY_REPORTED, _("Already reported by the system.")
                )
            )
            continue
        key = (
            r.organisation_id,
            month,
            r.activity,
            r.indicator,
            r.admin_unit_id,
            r.site_id,
            r.population_group,
        )
        if key in seen:
            problems.append(
                ImportProblem(
                    r.row,
                    "indicator",
                    "row_repeated",
                    _("The same figure is given twice in the file."),
                )
            )
            continue
        seen.add(key)
    if outcome.problems:
        return outcome
    missing = pairs - set(existing)
    Report.objects.bulk_create(
        [Report(organisation_id=o, month=m) for o, m in missing], batch_size=2000
    )
    existing = _reports_of(pairs)
    outcome.reports = len(missing)
    row_reports = [
        existing[(r.organisation_id, month)] for r, month in zip(rows, first_days, strict=True)
    ]
    touched = {(report_id, r.cluster) for r, report_id in zip(rows, row_reports, strict=True)}
    by_report: dict[Any, set[str]] = {}
    for report_id, cluster in touched:
        by_report.setdefault(report_id, set()).add(cluster)
    replaced = 0
    for clusters, report_ids in _group(by_report).items():
        replaced += ReportRow.objects.filter(
            report_id__in=report_ids, cluster__in=clusters, source=RowSource.IMPORTED
        ).delete()[0]
    outcome.replaced = replaced
    outcome.rows = bulk.write_rows(
        [
            (
                report_id,
                r.project_id,
                r.cluster,
                r.activity,
                r.indicator,
                r.admin_unit_id,
                r.governorate_id or tree.governorate(r.admin_unit_id),
                r.site_id,
                r.population_group,
                dict(r.cells),
                r.value,
                RowSource.IMPORTED,
                "",
                r.implementing_partner_id,
            )
            for r, report_id in zip(rows, row_reports, strict=True)
        ]
    )
    if dry_run:
        transaction.set_rollback(True)
        return outcome
    rollup.refresh_on_commit([(m, o) for o, m in pairs])
    audit_record(
        actor=actor,
        action="coordination.rows_import",
        object_type="report",
        detail={"rows": outcome.rows, "reports": outcome.reports, "replaced": replaced},
    )
    return outcome


def _check_import_row(
    r: ImportRow,
    level: int | None,
    rules: dict[tuple[Any, ...], tuple[ValidationError | None, bool]],
) -> None:
    """``check_row`` of one imported row, its codes' part (and whether its cells must add up
    to its figure) remembered in ``rules``."""
    codes = (r.cluster, r.activity, r.indicator, r.population_group, level)
    known = rules.get(codes)
    if known is None:
        try:
            check_row(
                cluster=r.cluster,
                activity=r.activity,
                indicator=r.indicator,
                population_group=r.population_group,
                value=0,
                cells={},
                admin_level=level,
            )
            known = (None, codelists.indicators()[r.indicator].unit == "people")
        except ValidationError as error:
            known = (error, False)
        rules[codes] = known
    refused, exact = known
    # check_row names a negative figure before a place at the wrong level.
    if refused is not None and (refused.code != "place_level" or r.value >= 0):
        raise refused
    if r.value < 0:
        raise ValidationError(_("A figure is 0 or more."), code="value_negative")
    check_cells(r.cells, r.value, exact=exact)


def _reports_of(pairs: set[tuple[Any, date]]) -> dict[tuple[Any, date], Any]:
    by_month: dict[date, set[Any]] = {}
    for organisation_id, month in pairs:
        by_month.setdefault(month, set()).add(organisation_id)
    found: dict[tuple[Any, date], Any] = {}
    for month, organisations in by_month.items():
        for pk, organisation_id in Report.objects.filter(
            month=month, organisation_id__in=organisations
        ).values_list("pk", "organisation_id"):
            found[(organisation_id, month)] = pk
    return found


def _group(by_report: dict[Any, set[str]]) -> dict[frozenset[str], list[Any]]:
    grouped: dict[frozenset[str], list[Any]] = {}
    for report_id, clusters in by_report.items():
        grouped.setdefault(frozenset(clusters), []).append(report_id)
    return grouped
