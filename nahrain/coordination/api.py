"""The coordination API at /api/v1/coordination/: thin, over the same access rule, selectors
and services as the coordination pages (docs/COORDINATION.md). The plan, projects, funding and
figures are read by any signed-in user, each reader's figures from the rows they may see; an
organisation's monthly report is read by its members and the members of the clusters it
reports to (their cluster's rows), and written by its information managers and data entry. A
write the rules refuse is answered 422 with its problems; what is missing and what is not the
caller's are the same 404."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Status

from nahrain.coordination import access, codelists, exports, rules, selectors, services
from nahrain.coordination.forms import month_value
from nahrain.coordination.models import PlanFigure, Project, Report, ResponsePlan
from nahrain.coordination.schemas import (
    CoordinationDashboardOut,
    CoordinationDashboardQuery,
    CoordinationExportQuery,
    CoordinationFundingOut,
    CoordinationPlanDetailOut,
    CoordinationPlanListOut,
    CoordinationPresenceOut,
    CoordinationPresenceQuery,
    CoordinationProblemsOut,
    CoordinationProjectListOut,
    CoordinationReportDetailOut,
    CoordinationReportIn,
    CoordinationReportListOut,
    CoordinationReportOut,
    CoordinationTotalsOut,
    CoordinationTotalsQuery,
)
from nahrain.core.http import no_store, per_reader
from nahrain.core.models import Organisation
from nahrain.geo.models import AdminUnit

router = Router(tags=["coordination"])

V = TypeVar("V", bound=Callable[..., Any])
REFUSED = {404: None, 422: CoordinationProblemsOut}
CENTS = Decimal("0.01")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def problems_out(error: ValidationError) -> CoordinationProblemsOut:
    found = list(error.messages)
    return CoordinationProblemsOut(detail=" ".join(found), problems=found)


def rules_answered(view: V) -> V:
    """A write the coordination rules refuse is answered 422 with its problems."""

    @wraps(view)
    def answered(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except ValidationError as refused:
            return Status(422, problems_out(refused))
        except PermissionDenied:
            raise Http404 from None

    return answered  # type: ignore[return-value]


router.add_decorator(rules_answered, mode="operation")


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _plan(plan_uid: uuid.UUID) -> ResponsePlan:
    found = ResponsePlan.objects.filter(uid=plan_uid).first()
    if found is None:
        raise Http404
    return found


def _refused(message: str) -> ValidationError:
    return ValidationError(message)


def _cluster(code: str | None) -> str | None:
    if code and code not in codelists.codes("clusters"):
        raise _refused(
            f"{code!r} is not a cluster: one of {', '.join(codelists.codes('clusters'))}."
        )
    return code or None


def _governorate(pcode: str | None) -> AdminUnit | None:
    if not pcode:
        return None
    found = AdminUnit.objects.filter(pcode__iexact=pcode, level=1).first()
    if found is None:
        raise _refused(f"{pcode!r} is not the p-code of a governorate.")
    return found


def _month(value: str) -> date:
    """A month as the paths write it (2018-03); anything else is not found."""
    found = month_value(value)
    if found is None:
        raise Http404
    return found


def _usd(amount: Any) -> Decimal:
    """An amount in dollars and cents, however the database added it up."""
    return Decimal(amount or 0).quantize(CENTS)


def _plan_out(plan: ResponsePlan) -> dict[str, Any]:
    return {
        "uid": plan.uid,
        "year": plan.year,
        "code": plan.code,
        "name": plan.name,
        "requirements": plan.requirements,
        "source": plan.source,
    }


# --- plans ------------------------------------------------------------------------------------


@router.get("/plans", response=CoordinationPlanListOut)
def plan_list(request: HttpRequest) -> dict[str, Any]:
    """The response plans, the latest first."""
    return {"plans": [_plan_out(p) for p in ResponsePlan.objects.all()]}


@router.get("/plans/{plan_uid}", response={200: CoordinationPlanDetailOut, 404: None})
def plan_get(request: HttpRequest, plan_uid: uuid.UUID) -> dict[str, Any]:
    """A plan with its people in need and targeted, by cluster, governorate and group."""
    found = _plan(plan_uid)
    figures = PlanFigure.objects.filter(plan=found).select_related("governorate")
    return {
        **_plan_out(found),
        "figures": [
            {
                "cluster": f.cluster,
                "governorate_pcode": f.governorate.pcode if f.governorate else None,
                "population_group": f.population_group,
                "kind": f.kind,
                "people": f.people,
            }
            for f in figures
        ],
    }


@router.get("/plans/{plan_uid}/projects", response={200: CoordinationProjectListOut, 404: None})
def project_list(request: HttpRequest, plan_uid: uuid.UUID) -> dict[str, Any]:
    """The plan's HRP projects with what they requested and received."""
    found = _plan(plan_uid)
    projects = (
        Project.objects.filter(plan=found)
        .select_related("organisation")
        .prefetch_related("governorates")
        .annotate(received=Sum("funding__amount"))
    )
    return {
        "projects": [
            {
                "uid": p.uid,
                "code": p.code,
                "title": p.title,
                "organisation": p.organisation.acronym,
                "cluster": p.cluster,
                "requested": p.requested,
                "received": _usd(p.received),
                "targets": p.targets,
                "governorates": sorted(g.pcode for g in p.governorates.all()),
                "status": p.status,
            }
            for p in projects
        ]
    }


@router.get("/plans/{plan_uid}/funding", response={200: CoordinationFundingOut, 404: None})
def funding_get(request: HttpRequest, plan_uid: uuid.UUID) -> dict[str, Any]:
    """Requested, received and the gap per cluster, each followed by its projects."""
    lines = selectors.funding_gap(user=request.user, plan=_plan(plan_uid))
    return {
        "lines": [
            {
                "cluster": line.cluster,
                "project": line.project.code if line.project else None,
                "requested": _usd(line.requested),
                "received": _usd(line.received),
                "gap": _usd(line.gap),
                "coverage": line.coverage,
            }
            for line in lines
        ]
    }


@router.get("/plans/{plan_uid}/totals", response={200: CoordinationTotalsOut, **REFUSED})
def totals_get(
    request: HttpRequest,
    response: HttpResponse,
    plan_uid: uuid.UUID,
    query: Query[CoordinationTotalsQuery],
) -> dict[str, Any]:
    """Each indicator's total over the months asked, added up by its own rule (sum, maximum,
    cumulative, unique people), from the rows the caller may see."""
    found = _plan(plan_uid)
    if query.month_from and query.month_to and query.month_from > query.month_to:
        raise _refused("month_from comes after month_to.")
    totals = selectors.totals(
        user=request.user,
        plan=found,
        cluster=_cluster(query.cluster),
        governorate=_governorate(query.governorate),
        month_from=query.month_from.replace(day=1) if query.month_from else None,
        month_to=query.month_to.replace(day=1) if query.month_to else None,
    )
    per_reader(response, exact=False)
    return {"totals": [vars(t) for t in totals]}


@router.get(
    "/plans/{plan_uid}/dashboard/{cluster}", response={200: CoordinationDashboardOut, **REFUSED}
)
def dashboard_get(
    request: HttpRequest,
    response: HttpResponse,
    plan_uid: uuid.UUID,
    cluster: str,
    query: Query[CoordinationDashboardQuery],
) -> dict[str, Any]:
    """A cluster's people in need, targeted and reached by governorate and month (read from
    the rollup alone)."""
    found = _plan(plan_uid)
    if cluster not in codelists.codes("clusters"):
        raise Http404
    rows = selectors.dashboard(
        user=request.user, plan=found, cluster=cluster, governorate=_governorate(query.governorate)
    )
    per_reader(response, exact=False)
    return {
        "cluster": cluster,
        "rows": [
            {
                "governorate_pcode": r.pcode,
                "governorate": r.name,
                "month": r.month,
                "in_need": r.in_need,
                "targeted": r.targeted,
                "reached": r.reached,
                "reached_to_date": r.reached_to_date,
            }
            for r in rows
        ],
    }


@router.get("/plans/{plan_uid}/presence", response={200: CoordinationPresenceOut, **REFUSED})
def presence_get(
    request: HttpRequest,
    response: HttpResponse,
    plan_uid: uuid.UUID,
    query: Query[CoordinationPresenceQuery],
) -> dict[str, Any]:
    """Who reported where: partners and clusters per governorate and district."""
    found = _plan(plan_uid)
    lines = selectors.presence(
        user=request.user, plan=found, cluster=_cluster(query.cluster), month=query.month
    )
    pcodes = dict(
        AdminUnit.objects.filter(
            pk__in={x.governorate_id for x in lines} | {x.district_id for x in lines}
        ).values_list("pk", "pcode")
    )
    per_reader(response, exact=False)
    return {
        "places": [
            {
                "governorate_pcode": pcodes[x.governorate_id],
                "district_pcode": pcodes.get(x.district_id) if x.district_id else None,
                "organisations": list(x.organisations),
                "clusters": list(x.clusters),
            }
            for x in lines
        ]
    }


@router.get("/plans/{plan_uid}/export", response={200: None, **REFUSED})
def export_get(
    request: HttpRequest, plan_uid: uuid.UUID, query: Query[CoordinationExportQuery]
) -> HttpResponse:
    """The 4W rows the caller may see as CSV, XLSX or HXL-tagged CSV (audited)."""
    found = _plan(plan_uid)
    data, name = exports.export(
        actor=_actor(request), plan=found, cluster=_cluster(query.cluster), format=query.format
    )
    answer = HttpResponse(
        data, content_type=XLSX if query.format == "xlsx" else "text/csv; charset=utf-8"
    )
    answer["Content-Disposition"] = f'attachment; filename="{name}"'
    return no_store(answer)


# --- reports ----------------------------------------------------------------------------------


def _report_out(report: Report) -> dict[str, Any]:
    return {
        "uid": report.uid,
        "organisation_id": report.organisation_id,
        "organisation": report.organisation.acronym,
        "month": report.month,
        "status": report.status,
        "submitted_at": report.submitted_at,
    }


@router.get("/reports", response=CoordinationReportListOut)
def report_list(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    """The reports the caller reads: their organisations' own, their clusters' all."""
    found = selectors.reports_visible(user=request.user)[:500]
    per_reader(response, exact=True)
    return {"reports": [_report_out(r) for r in found]}


def _readable(request: HttpRequest, organisation_id: uuid.UUID) -> Organisation:
    found = Organisation.objects.filter(pk=organisation_id).first()
    scope = access.visible(request.user)
    if found is None or not (found.pk in scope.organisations or scope.clusters):
        raise Http404
    return found


def _writable(request: HttpRequest, organisation_id: uuid.UUID) -> Organisation:
    found = Organisation.objects.filter(pk=organisation_id).first()
    if found is None or not access.may_report(request.user, found):
        raise Http404
    return found


def _detail(request: HttpRequest, organisation: Organisation, month: date) -> dict[str, Any]:
    report = Report.objects.filter(organisation=organisation, month=month).first()
    rows = selectors.report_rows(user=request.user, report=report) if report else []
    return {
        "organisation_id": organisation.pk,
        "month": month,
        "report": _report_out(report) if report else None,
        "open": rules.is_open(rules.period_for(month)),
        "rows": [
            {
                "cluster": s.row.cluster,
                "activity": s.row.activity,
                "indicator": s.row.indicator,
                "pcode": s.row.admin_unit.pcode,
                "site": s.row.site.code if s.row.site else None,
                "population_group": s.row.population_group,
                "value": s.value,
                "cells": s.cells,
                "source": s.row.source,
            }
            for s in rows
        ],
    }


@router.get(
    "/reports/{organisation_id}/{month}", response={200: CoordinationReportDetailOut, 404: None}
)
def report_get(
    request: HttpRequest, response: HttpResponse, organisation_id: uuid.UUID, month: str
) -> dict[str, Any]:
    """An organisation's 4W of a month (``2018-03``): every row for its members, their
    cluster's rows for a cluster's members."""
    organisation = _readable(request, organisation_id)
    per_reader(response, exact=True)
    return _detail(request, organisation, _month(month))


@router.put(
    "/reports/{organisation_id}/{month}", response={200: CoordinationReportDetailOut, **REFUSED}
)
def report_put(
    request: HttpRequest,
    response: HttpResponse,
    organisation_id: uuid.UUID,
    month: str,
    payload: CoordinationReportIn,
) -> Any:
    """Replace the rows the organisation entered for the month (an open period only); the rows
    the system filled and those imported stay. A row repeating what the system filled, a code
    outside the catalogue or a place that is not a governorate, district or subdistrict is
    refused (422), naming the row."""
    organisation = _writable(request, organisation_id)
    first = _month(month)
    units = {
        u.pcode.upper(): u
        for u in AdminUnit.objects.filter(pcode__in=[r.pcode.upper() for r in payload.rows])
    }
    codes = [r.project for r in payload.rows if r.project]
    projects = {p.code: p for p in Project.objects.filter(code__in=codes)}
    problems = []
    rows = []
    for number, given in enumerate(payload.rows, start=1):
        unit = units.get(given.pcode.upper())
        if unit is None:
            problems.append(f"Row {number}: {given.pcode!r} is not a p-code Nahrain knows.")
            continue
        if given.project and given.project not in projects:
            problems.append(f"Row {number}: {given.project!r} is not an HRP project code.")
            continue
        rows.append(
            services.RowIn(
                cluster=given.cluster,
                activity=given.activity,
                indicator=given.indicator,
                admin_unit=unit,
                value=given.value,
                population_group=given.population_group,
                cells=dict(given.cells),
                project=projects.get(given.project) if given.project else None,
            )
        )
    if problems:
        raise ValidationError(problems)
    services.report_save(actor=_actor(request), organisation=organisation, month=first, rows=rows)
    no_store(response)
    return _detail(request, organisation, first)


@router.post(
    "/reports/{organisation_id}/{month}/submit", response={200: CoordinationReportOut, **REFUSED}
)
def report_submit(request: HttpRequest, organisation_id: uuid.UUID, month: str) -> dict[str, Any]:
    """Submit the month's report to the cluster (an open period only)."""
    organisation = _writable(request, organisation_id)
    found = Report.objects.filter(organisation=organisation, month=_month(month)).first()
    if found is None:
        raise ValidationError("There is no report of this month to submit: save it first.")
    return _report_out(services.report_submit(actor=_actor(request), report=found))
