"""Pages of coordination: the response plan (people in need, targeted and reached by governorate
and cluster, month by month), a cluster's dashboard, projects and their funding gap, the partner
presence map, the partners' monthly 4W reports (entered, filled from the system, imported through
the intake pages, submitted), the partner names import has learnt and the exports. Thin, over
``access``, the selectors and the services: the plan, projects and funding are public to any
signed-in user; reports to their organisation and to the members of their clusters."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from nahrain.coordination import access, codelists, exports, rules, selectors, services
from nahrain.coordination.forms import (
    DashboardFilterForm,
    FundingForm,
    PartnerNameForm,
    ProjectForm,
    ReportRowFormSet,
    initial_rows,
    month_value,
    unit_name,
)
from nahrain.coordination.models import (
    FigureKind,
    Funding,
    PartnerName,
    PlanFigure,
    Project,
    Report,
    ResponsePlan,
    RowSource,
)
from nahrain.core.access import is_platform_admin
from nahrain.core.http import AuthenticatedHttpRequest, per_reader
from nahrain.core.models import Organisation, Role
from nahrain.geo.models import AdminUnit

GET_OR_POST = ["GET", "HEAD", "POST"]
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plan(plan_uid: uuid.UUID) -> ResponsePlan:
    """A plan: public to any signed-in user (the pages are behind the sign-in)."""
    found = ResponsePlan.objects.filter(uid=plan_uid).first()
    if found is None:
        raise Http404
    return found


def _month(value: str) -> date:
    found = month_value(value)
    if found is None:
        raise Http404
    return found


def _clusters(language: str | None = None) -> list[tuple[str, str]]:
    return [
        (code, codelists.label("clusters", code, language)) for code in codelists.codes("clusters")
    ]


def _plan_context(plan: ResponsePlan, current: str) -> dict[str, Any]:
    return {"plan": plan, "clusters": _clusters(get_language()), "current": current}


@login_required
@require_safe
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The latest plan, or a page saying none is loaded yet."""
    latest = ResponsePlan.objects.first()
    if latest is not None:
        return redirect("coordination:plan", latest.uid)
    return render(
        request, "coordination/no_plan.html", {"reports_for": access.reports_for(request.user)}
    )


def _units(ids: Any) -> dict[Any, AdminUnit]:
    return AdminUnit.objects.defer("geometry").in_bulk([i for i in ids if i is not None])


def _country_figures(found: ResponsePlan) -> dict[tuple[str, str], int]:
    """People in need and targeted in the whole country, per cluster ("" for the response)."""
    return {
        (cluster, kind): people
        for cluster, kind, people in PlanFigure.objects.filter(
            plan=found, governorate__isnull=True, population_group=""
        ).values_list("cluster", "kind", "people")
    }


@dataclass
class ClusterLine:
    cluster: str
    in_need: int | None
    targeted: int | None
    reached: int

    @property
    def share(self) -> int | None:
        return round(100 * self.reached / self.targeted) if self.targeted else None


@dataclass
class PlaceLine:
    unit: AdminUnit
    in_need: int | None
    targeted: int | None
    reached: int
    cluster: str = ""


@login_required
@require_safe
def plan(request: AuthenticatedHttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    """People in need, targeted and reached, by cluster, by governorate and month by month."""
    found = _plan(plan_uid)
    country = _country_figures(found)
    by_cluster: list[ClusterLine] = []
    by_governorate: dict[Any, dict[str, int]] = defaultdict(dict)
    by_month: list[tuple[date, str, int, int]] = []
    for code in codelists.codes("clusters"):
        rows = selectors.dashboard(user=request.user, plan=found, cluster=code)
        whole = [r for r in rows if r.month is None]
        reached = sum(r.reached_to_date for r in whole)
        if not (reached or (code, FigureKind.IN_NEED) in country):
            continue
        by_cluster.append(
            ClusterLine(
                code,
                country.get((code, FigureKind.IN_NEED)),
                country.get((code, FigureKind.TARGETED)),
                reached,
            )
        )
        for r in whole:
            by_governorate[r.governorate_id][code] = r.reached_to_date
        months: dict[date, list[int]] = defaultdict(lambda: [0, 0])
        for r in rows:
            if r.month is not None:
                months[r.month][0] += r.reached
                months[r.month][1] += r.reached_to_date
        by_month += [(m, code, v[0], v[1]) for m, v in months.items()]
    in_need = _plan_people_by_governorate(found, FigureKind.IN_NEED)
    targeted = _plan_people_by_governorate(found, FigureKind.TARGETED)
    units = _units(set(by_governorate) | set(in_need) | set(targeted))
    places = []
    for unit in sorted(units.values(), key=lambda u: u.pcode):
        per_cluster = by_governorate.get(unit.pk, {})
        top = max(per_cluster, key=lambda c: per_cluster[c], default="")
        places.append(
            PlaceLine(
                unit, in_need.get(unit.pk), targeted.get(unit.pk), per_cluster.get(top, 0), top
            )
        )
    response = render(
        request,
        "coordination/plan.html",
        {
            **_plan_context(found, "plan"),
            "in_need": country.get(("", FigureKind.IN_NEED)),
            "targeted": country.get(("", FigureKind.TARGETED)),
            "funding": _funding_totals(selectors.funding_gap(user=request.user, plan=found)),
            "by_cluster": by_cluster,
            "by_governorate": places,
            "by_month": sorted(by_month, key=lambda line: (line[0], line[1])),
        },
    )
    return per_reader(response, exact=False)


def _plan_people_by_governorate(found: ResponsePlan, kind: str) -> dict[Any, int]:
    """The response's people in need or targeted per governorate (all clusters)."""
    totals: dict[Any, int] = defaultdict(int)
    for governorate_id, people in PlanFigure.objects.filter(
        plan=found, cluster="", kind=kind, governorate__isnull=False
    ).values_list("governorate_id", "people"):
        totals[governorate_id] += people
    return dict(totals)


def _funding_totals(lines: list[selectors.FundingLine]) -> dict[str, Any]:
    clusters = [line for line in lines if line.project is None]
    requested = sum((line.requested for line in clusters), Decimal(0))
    received = sum((line.received for line in clusters), Decimal(0))
    return {
        "requested": requested,
        "received": received,
        "gap": max(requested - received, Decimal(0)),
    }


def _whole(country: int | None, rows: list[selectors.DashboardRow], field: str) -> int | None:
    """The country's figure where the plan gives it, else its governorates' added up."""
    if country is not None:
        return country
    given = [getattr(r, field) for r in rows if r.month is None and getattr(r, field)]
    return sum(given) if given else None


@login_required
@require_safe
def cluster(request: AuthenticatedHttpRequest, plan_uid: uuid.UUID, cluster: str) -> HttpResponse:
    """A cluster's dashboard: read from the rollup alone, each indicator added up its own way."""
    found = _plan(plan_uid)
    if cluster not in codelists.codes("clusters"):
        raise Http404
    form = DashboardFilterForm(request.GET or None)
    filters = form.filters()
    rows = selectors.dashboard(
        user=request.user, plan=found, cluster=cluster, governorate=filters["governorate"]
    )
    first, last = filters["month_from"], filters["month_to"]
    months = [
        r
        for r in rows
        if r.month is not None
        and (first is None or r.month >= first)
        and (last is None or r.month <= last)
    ]
    units = _units({r.governorate_id for r in rows})
    country = _country_figures(found)
    response = render(
        request,
        "coordination/cluster.html",
        {
            **_plan_context(found, cluster),
            "cluster": cluster,
            "form": form,
            "in_need": _whole(country.get((cluster, FigureKind.IN_NEED)), rows, "in_need"),
            "targeted": _whole(country.get((cluster, FigureKind.TARGETED)), rows, "targeted"),
            "governorates": [(units[r.governorate_id], r) for r in rows if r.month is None],
            "months": [(units[r.governorate_id], r) for r in months],
            "indicators": selectors.totals(
                user=request.user, plan=found, cluster=cluster, **filters
            ),
            "projects": [
                line
                for line in selectors.funding_gap(user=request.user, plan=found)
                if line.cluster == cluster and line.project is not None
            ],
        },
    )
    return per_reader(response, exact=False)


@login_required
@require_http_methods(GET_OR_POST)
def projects(request: AuthenticatedHttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    """The plan's projects and the funding gap per cluster and project, with the donors; for
    the information managers of the partners and the clusters' members, a new project and the
    funding a project received (the services decide again who writes what)."""
    found = _plan(plan_uid)
    writer = access.may_manage_projects(request.user)
    if request.method == "POST" and not writer:
        raise Http404
    posted = request.POST if request.method == "POST" else None
    action = request.POST.get("action", "project") if posted is not None else ""
    project_form = funding_form = None
    if writer:
        project_form = ProjectForm(
            posted if action == "project" else None, organisations=_project_organisations(request)
        )
        funding_form = FundingForm(
            posted if action == "funding" else None,
            projects=access.projects_managed(
                request.user, Project.objects.filter(plan=found).select_related("organisation")
            ),
        )
    if posted is not None and project_form is not None and funding_form is not None:
        saved = (
            _project_save(request, found, project_form)
            if action == "project"
            else _funding_save(request, funding_form)
        )
        if saved:
            return redirect("coordination:projects", found.uid)
    lines = selectors.funding_gap(user=request.user, plan=found)
    donors: dict[Any, list[str]] = defaultdict(list)
    for project_id, source in (
        Funding.objects.filter(project__plan=found)
        .order_by("received_on")
        .values_list("project_id", "source")
    ):
        if source not in donors[project_id]:
            donors[project_id].append(source)
    return render(
        request,
        "coordination/projects.html",
        {
            **_plan_context(found, "projects"),
            "lines": [
                (line, donors.get(line.project.pk, []) if line.project else []) for line in lines
            ],
            "funding": _funding_totals(lines),
            "project_form": project_form,
            "funding_form": funding_form,
        },
    )


def _project_organisations(request: AuthenticatedHttpRequest) -> Any:
    """The organisations offered for a new project: any for a cluster member or a platform
    admin (a cluster's project of any partner), else the user's own."""
    everyone = Organisation.objects.order_by("acronym")
    if is_platform_admin(request.user) or access.clusters_coordinated(request.user):
        return everyone
    return everyone.filter(pk__in=access.project_organisations(request.user))


def _refused(form: Any, refused: ValidationError | PermissionDenied) -> None:
    if isinstance(refused, PermissionDenied):
        form.add_error(None, _("You may not write this organisation's projects in this cluster."))
    elif hasattr(refused, "error_dict"):
        for name, errors in refused.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, refused.messages)


def _project_save(request: AuthenticatedHttpRequest, plan: ResponsePlan, form: ProjectForm) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        services.project_create(
            actor=request.user,
            plan=plan,
            code=data["code"],
            title=data["title"],
            organisation=data["organisation"],
            cluster=data["cluster"],
            requested=data["requested"],
            targets=data["targets"],
            governorates=data["governorates"],
        )
    except (ValidationError, PermissionDenied) as refused:
        _refused(form, refused)
        return False
    messages.success(request, _("The project was added to the plan."))
    return True


def _funding_save(request: AuthenticatedHttpRequest, form: FundingForm) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        services.funding_record(
            actor=request.user,
            project=data["project"],
            amount=data["amount"],
            source=data["source"],
            received_on=data["received_on"],
            reference=data["reference"],
        )
    except (ValidationError, PermissionDenied) as refused:
        _refused(form, refused)
        return False
    messages.success(request, _("The funding was recorded."))
    return True


@dataclass
class PresenceLine:
    governorate: AdminUnit
    district: AdminUnit | None
    organisations: tuple[str, ...]
    clusters: tuple[str, ...]

    @property
    def unit(self) -> AdminUnit:
        return self.district or self.governorate


def _presence_map(lines: list[PresenceLine]) -> dict[str, Any]:
    features = []
    for line in lines:
        unit = line.unit
        if unit.lat is None or unit.lon is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [unit.lon, unit.lat]},
                "properties": {
                    **{
                        f"name_{lang}": (
                            f"{unit_name(unit, lang)}, {unit_name(line.governorate, lang)}"
                            if line.district
                            else unit_name(unit, lang)
                        )
                        for lang in ("en", "ar", "ckb")
                    },
                    "partners": len(line.organisations),
                    "lines": [", ".join(line.organisations)],
                },
            }
        )
    return {
        "points": {"type": "FeatureCollection", "features": features},
        "outlines": reverse("displacement:map_shapes", kwargs={"level": 1}),
    }


@login_required
@require_safe
def presence(request: AuthenticatedHttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    """Who is where: the partners reporting in each governorate and district, on a map and in a
    table holding the same."""
    found = _plan(plan_uid)
    cluster_code = request.GET.get("cluster", "")
    if cluster_code not in codelists.codes("clusters"):
        cluster_code = ""
    month = month_value(request.GET.get("month", ""))
    found_lines = selectors.presence(
        user=request.user, plan=found, cluster=cluster_code or None, month=month
    )
    units = _units({x.governorate_id for x in found_lines} | {x.district_id for x in found_lines})
    lines = [
        PresenceLine(
            units[x.governorate_id],
            units.get(x.district_id) if x.district_id else None,
            x.organisations,
            x.clusters,
        )
        for x in found_lines
    ]
    lines.sort(key=lambda line: (line.governorate.pcode, line.unit.pcode))
    response = render(
        request,
        "coordination/presence.html",
        {
            **_plan_context(found, "presence"),
            "lines": lines,
            "chosen_cluster": cluster_code,
            "month": request.GET.get("month", "") if month else "",
            "map_config": _presence_map(lines),
        },
    )
    return per_reader(response, exact=False)


@login_required
@require_safe
def export(request: AuthenticatedHttpRequest, plan_uid: uuid.UUID, format: str) -> HttpResponse:
    """The 4W rows the user reads, as CSV, XLSX or HXL-tagged CSV (audited where made)."""
    found = _plan(plan_uid)
    if format not in exports.FORMATS:
        raise Http404
    cluster_code = request.GET.get("cluster") or None
    if cluster_code not in (None, *codelists.codes("clusters")):
        raise Http404
    data, name = exports.export(actor=request.user, plan=found, cluster=cluster_code, format=format)
    response = HttpResponse(data, content_type=XLSX if format == "xlsx" else CSV)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return per_reader(response, exact=True)


# --- reports ----------------------------------------------------------------------------------


@login_required
@require_safe
def reports(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The reports the user reads: their organisations' own, and every report of their clusters;
    the months they may report for; the 4W sheet import."""
    found = selectors.reports_visible(user=request.user).select_related("organisation")
    writers = Organisation.objects.filter(pk__in=access.reports_for(request.user))
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    return render(
        request,
        "coordination/reports.html",
        {
            "reports": found[:200],
            "writers": writers,
            "months": [last_month, this_month],
            "plan": ResponsePlan.objects.first(),
        },
    )


def _report_readable(request: AuthenticatedHttpRequest, organisation: Organisation) -> bool:
    scope = access.visible(request.user)
    return organisation.pk in scope.organisations or bool(scope.clusters)


def _organisation(request: AuthenticatedHttpRequest, organisation_id: uuid.UUID) -> Organisation:
    found = Organisation.objects.filter(pk=organisation_id).first()
    if found is None or not _report_readable(request, found):
        raise Http404
    return found


def _period_words(period: Any) -> str:
    """Why a period is closed to partners, in words; "" when open."""
    if rules.is_open(period):
        return ""
    if period.locked_at is not None:
        return _("The cluster locked this month's reporting. Ask the cluster to reopen it.")
    return _("The deadline of this month's reports has passed. Ask the cluster to reopen it.")


@login_required
@require_http_methods(GET_OR_POST)
def report(
    request: AuthenticatedHttpRequest, organisation_id: uuid.UUID, month: str
) -> HttpResponse:
    """An organisation's 4W of one month: the rows the system filled, the rows imported, and the
    rows its people enter here; a cluster member reads the rows of their cluster."""
    organisation = _organisation(request, organisation_id)
    first = _month(month)
    writer = access.may_report(request.user, organisation)
    if request.method == "POST" and not writer:
        raise Http404
    found = Report.objects.filter(organisation=organisation, month=first).first()
    rows = selectors.report_rows(user=request.user, report=found) if found is not None else []
    period = rules.period_for(first) if writer else None
    closed = _period_words(period) if period is not None else ""
    entered = [r.row for r in rows if r.row.source == RowSource.ENTERED]
    refusals: list[str] = []
    formset = ReportRowFormSet(
        request.POST if request.method == "POST" else None,
        initial=initial_rows(entered),
        prefix="rows",
    )
    if request.method == "POST" and formset.is_valid():
        given = [row for row in (form.row() for form in formset.forms) if row is not None]
        try:
            services.report_save(
                actor=request.user,
                organisation=organisation,
                month=first,
                rows=[services.RowIn(**row) for row in given],
            )
        except ValidationError as refused:
            refusals = refused.messages
        else:
            messages.success(request, _("The report was saved as a draft."))
            return redirect("coordination:report", organisation.pk, month)
    return render(
        request,
        "coordination/report.html",
        {
            "organisation": organisation,
            "month": first,
            "month_value": month,
            "report": found,
            "auto_rows": [r for r in rows if r.row.source == RowSource.AUTO],
            "imported_rows": [r for r in rows if r.row.source == RowSource.IMPORTED],
            "entered_rows": [r for r in rows if r.row.source == RowSource.ENTERED],
            "formset": formset,
            "writer": writer,
            "closed": closed,
            "period": period,
            "refusals": refusals,
        },
    )


def _report_step(
    request: AuthenticatedHttpRequest, organisation_id: uuid.UUID, month: str
) -> tuple[Organisation, date]:
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None or not access.may_report(request.user, organisation):
        raise Http404
    return organisation, _month(month)


@login_required
@require_POST
def report_fill(
    request: AuthenticatedHttpRequest, organisation_id: uuid.UUID, month: str
) -> HttpResponse:
    """Fill the month from what the system already holds (distributions, referrals provided,
    consultations): filled again, the same rows are replaced, never added twice."""
    organisation, first = _report_step(request, organisation_id, month)
    try:
        services.report_fill_from_system(actor=request.user, organisation=organisation, month=first)
    except (ValidationError, PermissionDenied) as refused:
        messages.error(request, " ".join(getattr(refused, "messages", [str(refused)])))
    else:
        messages.success(request, _("The rows the system knows were filled in."))
    return redirect("coordination:report", organisation.pk, month)


@login_required
@require_POST
def report_submit(
    request: AuthenticatedHttpRequest, organisation_id: uuid.UUID, month: str
) -> HttpResponse:
    organisation, first = _report_step(request, organisation_id, month)
    found = Report.objects.filter(organisation=organisation, month=first).first()
    if found is None:
        messages.error(request, _("There is nothing to submit yet: save the report first."))
        return redirect("coordination:report", organisation.pk, month)
    try:
        services.report_submit(actor=request.user, report=found)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, _("The report was submitted to the cluster."))
    return redirect("coordination:report", organisation.pk, month)


# --- partner names ----------------------------------------------------------------------------


@login_required
@require_http_methods(GET_OR_POST)
def partner_names(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The spellings of organisations' names import has learnt, and a new one taught: for the
    information managers of the partners and the clusters."""
    organisations = Organisation.objects.filter(
        memberships__user=request.user, memberships__role=Role.INFORMATION_MANAGER
    ).distinct()
    cluster_member = bool(access.clusters_coordinated(request.user))
    if not (cluster_member or organisations.exists()):
        raise Http404
    form = PartnerNameForm(request.POST or None)
    if not cluster_member:
        # A partner's information manager teaches the names of their own organisation.
        form.fields["organisation"].queryset = organisations.order_by("acronym")  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_name_teach(
                actor=request.user,
                spelling=form.cleaned_data["spelling"],
                organisation=form.cleaned_data["organisation"],
            )
        except (ValidationError, PermissionDenied) as refused:
            form.add_error(None, " ".join(getattr(refused, "messages", [str(refused)])))
        else:
            messages.success(request, _("The name was taught: every import now reads it so."))
            return redirect("coordination:partner_names")
    return render(
        request,
        "coordination/partner_names.html",
        {
            "form": form,
            "names": PartnerName.objects.select_related("organisation", "taught_by"),
        },
    )
