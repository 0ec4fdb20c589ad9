"""Pages of coordination: the response plan (people in need, targeted and reached by governorate
and cluster, month by month), a cluster's dashboard, projects and their funding gap, the partner
presence map, the partners' monthly 4W reports (entered, filled from the system, imported through
the intake pages, submitted), the partner names import has learnt and the exports. Thin, over
``access``, the selectors and the services: the plan, projects and funding are public to any
signed-in user; reports to their organisation and to the members of their clusters."""

from __future__ import annotations

import uuid
from datetime import date
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

from nahrain.coordination import access, codelists, selectors, services
from nahrain.coordination.forms import (
    DashboardFilterForm,
    PartnerNameForm,
    ReportRowFormSet,
    initial_rows,
    month_value,
    unit_name,
)
from nahrain.coordination.models import (
    PartnerName,
    Report,
    ReportRow,
    ResponsePlan,
    RowSource,
)
from nahrain.core.http import AuthenticatedHttpRequest, per_reader
from nahrain.core.models import Organisation

GET_OR_POST = ["GET", "HEAD", "POST"]
FORMATS = {"csv": "text/csv; charset=utf-8", "xlsx": None, "hxl": "text/csv; charset=utf-8"}
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
    return [(code, codelists.label("clusters", code, language)) for code in codelists.codes("clusters")]


def _plan_context(plan: ResponsePlan, current: str) -> dict[str, Any]:
    return {
        "plan": plan,
        "plans": ResponsePlan.objects.all(),
        "clusters": _clusters(get_language()),
        "current": current,
    }


@login_required
@require_safe
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The latest plan, or a page saying none is loaded yet."""
    latest = ResponsePlan.objects.first()
    if latest is not None:
        return redirect("coordination:plan", latest.uid)
    return render(request, "coordination/no_plan.html", {"reports_for": access.reports_for(request.user)})


@login_required
@require_safe
def plan(request: AuthenticatedHttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    """People in need, targeted and reached, by governorate and cluster, month by month."""
    found = _plan(plan_uid)
    form = DashboardFilterForm(request.GET or None)
    figures = selectors.dashboard(user=request.user, plan=found, cluster=None, **form.filters())
    response = render(
        request,
        "coordination/plan.html",
        {**_plan_context(found, "plan"), "form": form, "figures": figures},
    )
    return per_reader(response, exact=False)


@login_required
@require_safe
def cluster(request: AuthenticatedHttpRequest, plan_uid: uuid.UUID, cluster: str) -> HttpResponse:
    """A cluster's dashboard: read from the rollup alone, each indicator added up its own way."""
    found = _plan(plan_uid)
    if cluster not in codelists.codes("clusters"):
        raise Http404
    form = DashboardFilterForm(request.GET or None)
    filters = form.filters()
    figures = selectors.dashboard(user=request.user, plan=found, cluster=cluster, **filters)
    response = render(
        request,
        "coordination/cluster.html",
        {
            **_plan_context(found, cluster),
            "cluster": cluster,
            "cluster_label": codelists.label("clusters", cluster),
            "form": form,
            "figures": figures,
            "query": request.GET.urlencode(),
        },
    )
    return per_reader(response, exact=False)


@login_required
@require_safe
def projects(request: AuthenticatedHttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    """The plan's projects and the funding gap per cluster and project."""
    found = _plan(plan_uid)
    gap = selectors.funding_gap(user=request.user, plan=found)
    return render(
        request, "coordination/projects.html", {**_plan_context(found, "projects"), "gap": gap}
    )


def _presence_map(places: Any, language: str) -> dict[str, Any]:
    features = []
    for place in places:
        unit = place.unit
        if unit.lat is None or unit.lon is None:
            continue
        names = sorted(place.organisations)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [unit.lon, unit.lat]},
                "properties": {
                    **{f"name_{lang}": unit_name(unit, lang) for lang in ("en", "ar", "ckb")},
                    "partners": len(names),
                    "lines": [", ".join(names)],
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
    if cluster_code and cluster_code not in codelists.codes("clusters"):
        cluster_code = ""
    month = month_value(request.GET.get("month", ""))
    places = selectors.presence(
        user=request.user, plan=found, cluster=cluster_code or None, month=month
    )
    return render(
        request,
        "coordination/presence.html",
        {
            **_plan_context(found, "presence"),
            "places": places,
            "chosen_cluster": cluster_code,
            "month": request.GET.get("month", "") if month else "",
            "map_config": _presence_map(places, get_language() or "en"),
        },
    )


@login_required
@require_safe
def export(request: AuthenticatedHttpRequest, plan_uid: uuid.UUID, format: str) -> HttpResponse:
    """The 4W rows the user reads, as CSV, XLSX or HXL-tagged CSV (audited where they are made)."""
    found = _plan(plan_uid)
    if format not in FORMATS:
        raise Http404
    content = selectors.export_rows(user=request.user, plan=found, format=format)
    extension = "xlsx" if format == "xlsx" else "csv"
    suffix = "-hxl" if format == "hxl" else ""
    response = HttpResponse(content, content_type=FORMATS[format] or XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="{found.code.lower()}-4w{suffix}.{extension}"'
    )
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
    last_month = (this_month.replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
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
    if services.is_open(period):
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
    rows = (
        selectors.report_rows(user=request.user, report=found)
        .select_related("admin_unit", "governorate", "site")
        if found is not None
        else ReportRow.objects.none()
    )
    period = services.period_for(first) if writer else None
    closed = _period_words(period) if period is not None else ""
    entered = [r for r in rows if r.source == RowSource.ENTERED]
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
            formset._non_form_errors = formset.error_class(refused.messages)  # noqa: SLF001
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
            "auto_rows": [r for r in rows if r.source == RowSource.AUTO],
            "imported_rows": [r for r in rows if r.source == RowSource.IMPORTED],
            "entered_rows": entered,
            "formset": formset,
            "writer": writer,
            "closed": closed,
            "period": period,
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
    organisations = Organisation.objects.filter(pk__in=access.reports_for(request.user))
    if not (access.clusters_coordinated(request.user) or organisations.exists()):
        raise Http404
    form = PartnerNameForm(request.POST or None)
    if not access.clusters_coordinated(request.user):
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
