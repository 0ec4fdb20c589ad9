"""Pages of the sites app: thin, over the same services and selectors as the API."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_http_methods, require_safe

from nahrain.core.forms import refusal_onto
from nahrain.core.http import AuthenticatedHttpRequest, personal_data
from nahrain.core.models import Organisation
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.displacement import access as displacement_access
from nahrain.displacement import selectors as displacement_selectors
from nahrain.displacement.models import AssessmentRound
from nahrain.geo.models import AdminUnit
from nahrain.sites import access, exports, selectors, services
from nahrain.sites.charts import movement_chart
from nahrain.sites.codelists import rasp_formula
from nahrain.sites.forms import (
    ClosureForm,
    GapForm,
    GapUpdateForm,
    MonitoringForm,
    MovementForm,
    PopulationForm,
    RiskForm,
    SiteCreateForm,
    SiteFilterForm,
    SiteForm,
    SiteStatusForm,
    TransferForm,
    UnitsForm,
)
from nahrain.sites.models import MonitoringValue, MovementPlace, Rating, Site, SiteStatus, SiteType

# --- sites: list, dashboard, site page ----------------------------------------------------------

SITES_PER_PAGE = 50
GET_OR_POST = ["GET", "HEAD", "POST"]


def _governorates() -> list[dict[str, Any]]:
    return list(
        AdminUnit.objects.filter(level=1).order_by("pcode").values("pcode", *selectors.UNIT_NAMES)
    )


PLACEHOLDER = uuid.UUID(int=0)


def _map_config(focus: Site | None = None) -> dict[str, Any]:
    """Where the map script reads the sites and the outlines, and how it links to a site."""
    return {
        "data": reverse("sites:map_data"),
        "site": reverse("sites:site", kwargs={"site_uid": PLACEHOLDER}),
        "placeholder": str(PLACEHOLDER),
        "outlines": reverse("displacement:map_shapes", kwargs={"level": 1}),
        "focus": str(focus.uid) if focus else None,
    }


@login_required
@require_safe
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The national CCCM dashboard."""
    board = selectors.cccm_dashboard(user=request.user)
    return render(
        request,
        "sites/dashboard.html",
        {
            "board": board,
            "chart": movement_chart(board.months),
            "statuses": SiteStatus.choices,
            "types": SiteType.choices,
            "map_config": _map_config(),
            "can_create": access.writing_organisations(request.user).exists(),
        },
    )


@login_required
@require_safe
@gzip_page
def map_data(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every visible site as GeoJSON points, for the dashboard's map."""
    response = JsonResponse(selectors.site_points(user=request.user))
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_safe
def site_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    governorates = _governorates()
    form = SiteFilterForm(
        request.GET or None,
        governorates=[(g["pcode"], local_name(g)) for g in governorates],
    )
    filters = selectors.SiteFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.SiteFilters(**form.cleaned_data)
    sites = selectors.site_list(user=request.user, filters=filters)
    page = Paginator(sites, SITES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "sites/site_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_create": access.writing_organisations(request.user).exists(),
        },
    )


@login_required
@require_safe
def site_detail(request: AuthenticatedHttpRequest, site_uid: uuid.UUID) -> HttpResponse:
    site = access.access_site_by_uid(request.user, site_uid)
    profile = selectors.site_profile(user=request.user, site=site)
    return render(
        request,
        "sites/site.html",
        {
            "profile": profile,
            "site": site,
            "chart": movement_chart(profile.months),
            "map_config": _map_config(site),
            "types": SiteType.choices,
            "can_change": access.writes_site(request.user, site),
        },
    )


def _written(
    request: AuthenticatedHttpRequest, form: Any, write: Callable[[], Site], done: str
) -> HttpResponse | None:
    """On a valid POST, make the write and go to the site's page with ``done`` said; on a
    refusal, put it on the form (None: show the form again)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        site = write()
    except ValidationError as error:
        refusal_onto(form, error)
        return None
    messages.success(request, done)
    return redirect("sites:site", site_uid=site.uid)


def _admin_units() -> list[dict[str, Any]]:
    """The choices of the place field's list: governorates, districts and sub-districts."""
    return list(
        AdminUnit.objects.filter(level__gte=1)
        .order_by("pcode")
        .values("pcode", *selectors.UNIT_NAMES)
    )


@login_required
@require_http_methods(GET_OR_POST)
def site_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new site, held by one of the organisations whose sites the user writes."""
    organisations = Organisation.objects.filter(
        pk__in=access.writing_organisations(request.user)
    ).order_by("acronym")
    if not organisations.exists():
        raise Http404
    form = SiteCreateForm(
        request.POST or None,
        organisations=organisations,
        initial={"organisation": organisations.first(), "status_on": date.today()},
    )
    written = _written(
        request,
        form,
        lambda: services.site_create(
            actor=request.user,
            organisation=form.cleaned_data["organisation"],
            code=form.cleaned_data["code"],
            admin_unit=form.cleaned_data["admin_unit"],
            status=form.cleaned_data["status"],
            status_on=form.cleaned_data["status_on"],
            **form.attributes(),
        ),
        _("The site was created."),
    )
    if written:
        return written
    return render(
        request,
        "sites/site_form.html",
        {"form": form, "site": None, "admin_units": _admin_units()},
    )


def _profile_initial(site: Site) -> dict[str, Any]:
    initial = {name: getattr(site, name) for name in services.SITE_FIELDS if name != "location"}
    initial["partners"] = "\n".join(site.partners or [])
    initial["admin_unit"] = site.admin_unit.pcode
    return initial


@login_required
@require_http_methods(GET_OR_POST)
def site_edit(request: AuthenticatedHttpRequest, site_uid: uuid.UUID) -> HttpResponse:
    site = access.access_site_for_change(request.user, site_uid)
    form = SiteForm(request.POST or None, initial=_profile_initial(site))
    written = _written(
        request,
        form,
        lambda: services.site_update(
            actor=request.user,
            site=site,
            admin_unit=form.cleaned_data["admin_unit"],
            **form.attributes(),
        ),
        _("The site's profile was saved."),
    )
    if written:
        return written
    return render(
        request,
        "sites/site_form.html",
        {"form": form, "site": site, "admin_units": _admin_units()},
    )


@login_required
@require_http_methods(GET_OR_POST)
def site_status(request: AuthenticatedHttpRequest, site_uid: uuid.UUID) -> HttpResponse:
    site = access.access_site_for_change(request.user, site_uid)
    form = SiteStatusForm(request.POST or None, initial={"status": site.status, "on": date.today()})
    written = _written(
        request,
        form,
        lambda: services.site_status_set(actor=request.user, site=site, **form.cleaned_data),
        _("The site's status was recorded."),
    )
    if written:
        return written
    return render(
        request,
        "sites/site_status.html",
        {"form": form, "site": site, "history": site.status_changes.order_by("-on", "-at")},
    )


# --- exports and the reconciliation with DTM ---------------------------------------------------


def _download(data: bytes, name: str, format: str) -> HttpResponse:
    response = HttpResponse(data, content_type=exports.CONTENT_TYPES[format])
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=name) or "attachment"
    )
    return response


@login_required
@require_safe
def export(request: AuthenticatedHttpRequest, format: str) -> HttpResponse:
    """The site table as CSV, XLSX or HXL-tagged CSV."""
    if format not in exports.FORMATS:
        raise Http404
    data, name = services.site_export(actor=request.user, format=format)
    return _download(data, name, format)


@login_required
@require_safe
def reconciliation(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each site's population against the in-camp figure of a DTM round (the newest published
    one unless ``?round=`` picks another), per site and governorate; ``?format=csv`` downloads
    the per-site table."""
    picked = request.GET.get("round")
    assessment_round: AssessmentRound | None
    if picked:
        assessment_round = displacement_access.access_round_by_uid(request.user, picked)
    else:
        assessment_round = displacement_selectors.round_latest_published(user=request.user)
    report = (
        selectors.reconciliation(user=request.user, assessment_round=assessment_round)
        if assessment_round is not None
        else None
    )
    if request.GET.get("format") == "csv":
        if report is None:
            raise Http404
        data, name = services.reconciliation_export(actor=request.user, report=report)
        return _download(data, name, "csv")
    context = {
        "report": report,
        "assessment_round": assessment_round,
        "rounds": displacement_selectors.round_choices(user=request.user, picked=assessment_round),
    }
    return render(request, "sites/intake_reconciliation.html", context)


# --- shelters, movements, closures --------------------------------------------------------------


def _moves_form(
    request: AuthenticatedHttpRequest, site: Any, form: Any, title: str, **extra: Any
) -> HttpResponse:
    return render(
        request, "sites/moves_form.html", {"site": site, "form": form, "title": title, **extra}
    )


@login_required
@require_http_methods(GET_OR_POST)
def movement_new(request: AuthenticatedHttpRequest, site_uid: uuid.UUID) -> HttpResponse:
    """Record an arrival or a departure (the site's staff; 404 for anyone else)."""
    site = access.access_site_for_change(request.user, site_uid)
    form = MovementForm(request.POST or None, site=site, sites=access.sites_visible(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.movement_record(
                actor=request.user,
                site=site,
                kind=data["kind"],
                on=data["on"],
                households=data["households"],
                individuals=data["individuals"],
                place=data["place"],
                other_site=data["other_site"],
                admin_unit=data["governorate"],
                reason=data["reason"],
                closure=data["closure"],
                key=data["key"],
            )
        except ValidationError as exc:
            refusal_onto(form, exc)
        else:
            messages.success(request, _("The movement is recorded."))
            return redirect("sites:movement_new", site_uid=site.uid)
    return _moves_form(request, site, form, _("Record an arrival or departure"))


@login_required
@require_http_methods(GET_OR_POST)
def transfer_new(request: AuthenticatedHttpRequest, site_uid: uuid.UUID) -> HttpResponse:
    """Households moved to another site the same staff run (a transfer writes both sites)."""
    site = access.access_site_for_change(request.user, site_uid)
    form = TransferForm(request.POST or None, site=site, sites=access.sites_writable(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.transfer_record(
                actor=request.user,
                from_site=site,
                to_site=data["to_site"],
                on=data["on"],
                households=data["households"],
                individuals=data["individuals"],
                reason=data["reason"],
                key=data["key"],
            )
        except ValidationError as exc:
            refusal_onto(form, exc)
        else:
            messages.success(request, _("The transfer is recorded at both sites."))
            return redirect("sites:transfer_new", site_uid=site.uid)
    return _moves_form(request, site, form, _("Record a transfer to another site"))


@login_required
@require_http_methods(GET_OR_POST)
def population_new(request: AuthenticatedHttpRequest, site_uid: uuid.UUID) -> HttpResponse:
    """A dated headcount or estimate, the new base of the site's population."""
    site = access.access_site_for_change(request.user, site_uid)
    form = PopulationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.population_record(
                actor=request.user,
                site=site,
                on=data["on"],
                source=data["source"],
                individuals=data["individuals"],
                households=data["households"],
                note=data["note"],
            )
        except ValidationError as exc:
            refusal_onto(form, exc)
        else:
            messages.success(request, _("The population figure is recorded."))
            return redirect("sites:units", site_uid=site.uid)
    return _moves_form(request, site, form, _("Record a headcount or estimate"))


@login_required
@require_http_methods(GET_OR_POST)
@personal_data  # the site's own staff see household numbers here
def units(request: AuthenticatedHttpRequest, site_uid: uuid.UUID) -> HttpResponse:
    """Vacancy at a glance, the unit table and, for the site's staff, the form adding a block's
    units and the household of each occupied unit. Others read the counts and the table without
    households (household numbers are personal data); a write from them is answered 404."""
    site = access.access_site_by_uid(request.user, site_uid)
    writer = access.writes_site(request.user, site)
    if request.method == "POST" and not writer:
        raise Http404
    form = UnitsForm(request.POST or None) if writer else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.units_create(
                actor=request.user,
                site=site,
                kind=data["kind"],
                codes=services.unit_codes(data["first"], data["last"], data["code_prefix"]),
                block=data["block"],
                condition=data["condition"],
                accessible=data["accessible"],
            )
        except ValidationError as exc:
            refusal_onto(form, exc)
        else:
            messages.success(request, _("%(count)d units added.") % {"count": len(created)})
            return redirect("sites:units", site_uid=site.uid)
    units = selectors.site_units(user=request.user, site=site)
    allocations = selectors.site_allocations(user=request.user, site=site)
    if allocations:
        services.households_read(actor=request.user, site=site, households=len(allocations))
    return render(
        request,
        "sites/moves_units.html",
        {
            "site": site,
            "summary": selectors.site_units_summary(user=request.user, site=site),
            "units": [(unit, allocations.get(unit.pk)) for unit in units],
            "writer": writer,
            "form": form,
            "closures": selectors.site_closures(user=request.user, site=site),
            "weeks": list(selectors.site_weeks(user=request.user, site=site))[-12:],
        },
    )


@login_required
@require_http_methods(GET_OR_POST)
def closure_new(request: AuthenticatedHttpRequest, site_uid: uuid.UUID) -> HttpResponse:
    """A closure plan for the site (its staff)."""
    site = access.access_site_for_change(request.user, site_uid)
    form = ClosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            closure = services.closure_create(
                actor=request.user,
                site=site,
                announced_on=data["announced_on"],
                planned_on=data["planned_on"],
                households=data["households"],
                intentions=form.intentions(),
                note=data["note"],
            )
        except ValidationError as exc:
            refusal_onto(form, exc)
        else:
            return redirect("sites:closure", closure_uid=closure.uid)
    return _moves_form(request, site, form, _("Plan a closure"))


@login_required
@require_safe
def closure(request: AuthenticatedHttpRequest, closure_uid: uuid.UUID) -> HttpResponse:
    """A closure as planned beside what happened (aggregate figures: anyone signed in)."""
    plan = access.access_closure_by_uid(request.user, closure_uid)
    outcome = selectors.closure_outcome(user=request.user, closure=plan, today=date.today())
    return render(
        request,
        "sites/moves_closure.html",
        {
            "site": plan.site,
            "outcome": outcome,
            "writer": access.writes_site(request.user, plan.site),
            "places": MovementPlace,
        },
    )


# --- monitoring, gaps, risk ----------------------------------------------------------------------


@login_required
@require_http_methods(GET_OR_POST)
def monitoring_new(request: AuthenticatedHttpRequest, site_uid: uuid.UUID) -> HttpResponse:
    site = access.access_site_for_change(request.user, site_uid)
    form = MonitoringForm(
        request.POST or None,
        raw_fields=services.RAW_FIELDS,
        initial={"on": date.today(), "key": f"page:{uuid.uuid4()}", "site_area_m2": site.area_m2},
    )
    if request.method == "POST" and form.is_valid():
        try:
            monitoring = services.monitoring_record(
                actor=request.user,
                site=site,
                on=form.cleaned_data["on"],
                raw=form.raw(),
                population=form.cleaned_data["population"],
                key=form.cleaned_data["key"],
            )
        except ValidationError as exc:
            refusal_onto(form, exc)
        else:
            return redirect("sites:monitoring", round_uid=monitoring.uid)
    return render(
        request,
        "sites/monitor_new.html",
        {
            "site": site,
            "form": form,
            "latest": selectors.monitoring_latest(user=request.user, site=site),
        },
    )


@login_required
@require_safe
def monitoring_detail(request: AuthenticatedHttpRequest, round_uid: uuid.UUID) -> HttpResponse:
    monitoring = access.access_monitoring_by_uid(request.user, round_uid)
    site = monitoring.site
    return render(
        request,
        "sites/monitor_round.html",
        {
            "site": site,
            "round": monitoring,
            "values": selectors.monitoring_values(monitoring),
            "history": selectors.monitoring_history(user=request.user, site=site, limit=12),
            "can_change": access.writes_site(request.user, site),
            "raisable": (Rating.RED, Rating.AMBER),
        },
    )


def _gap_value(site: Site, round_uid: Any, indicator: str) -> MonitoringValue | None:
    if not round_uid or not indicator:
        return None
    return (
        MonitoringValue.objects.select_related("indicator__sector", "round")
        .filter(round__uid=round_uid, round__site=site, indicator__code=indicator)
        .first()
    )


@login_required
@require_http_methods(GET_OR_POST)
def gap_new(request: AuthenticatedHttpRequest, site_uid: uuid.UUID) -> HttpResponse:
    """Raise a gap by hand, or in one click from a monitoring value (``?round=&indicator=``):
    the sector and a description quoting the figure are filled in."""
    site = access.access_site_for_change(request.user, site_uid)
    initial: dict[str, Any] = {"raised_on": date.today()}
    try:
        suggested = _gap_value(site, request.GET.get("round"), request.GET.get("indicator", ""))
    except ValidationError:  # not a uuid
        suggested = None
    if suggested is not None:
        initial |= selectors.gap_suggested(suggested)
        initial |= {"monitoring_round": suggested.round.uid, "indicator": suggested.indicator.code}
    form = GapForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            gap = services.gap_raise(
                actor=request.user,
                site=site,
                sector=data["sector"],
                description=data["description"],
                raised_on=data["raised_on"],
                partner=data["partner"],
                due_on=data["due_on"],
                monitoring_value=_gap_value(site, data["monitoring_round"], data["indicator"]),
            )
        except ValidationError as exc:
            refusal_onto(form, exc)
        else:
            return redirect("sites:gap", gap_uid=gap.uid)
    return render(
        request, "sites/monitor_gap_new.html", {"site": site, "form": form, "value": suggested}
    )


@login_required
@require_http_methods(GET_OR_POST)
def gap_detail(request: AuthenticatedHttpRequest, gap_uid: uuid.UUID) -> HttpResponse:
    if request.method == "POST":
        gap = access.access_gap_for_change(request.user, gap_uid)
    else:
        gap = access.access_gap_by_uid(request.user, gap_uid)
    can_change = access.writes_site(request.user, gap.site)
    form = GapUpdateForm(
        request.POST or None,
        initial={"on": date.today(), "status": gap.status, "partner": gap.partner},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.gap_update(
                actor=request.user,
                gap=gap,
                on=data["on"],
                status=data["status"],
                note=data["note"],
                partner=data["partner"],
                due_on=data["due_on"],
            )
        except ValidationError as exc:
            refusal_onto(form, exc)
        else:
            return redirect("sites:gap", gap_uid=gap.uid)
    return render(
        request,
        "sites/monitor_gap.html",
        {
            "gap": gap,
            "site": gap.site,
            "updates": selectors.gap_updates(gap),
            "form": form if can_change else None,
            "overdue": gap.status != "closed" and gap.due_on and gap.due_on < date.today(),
        },
    )


@login_required
@require_safe
def gap_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open gaps across the sites, filtered by sector, governorate or overdue."""
    today = date.today()
    sector = request.GET.get("sector", "")
    governorate = request.GET.get("governorate", "")
    overdue = request.GET.get("overdue") == "1"
    return render(
        request,
        "sites/monitor_gaps.html",
        {
            "gaps": selectors.gaps_open(
                user=request.user,
                today=today,
                sector=sector,
                governorate=governorate,
                overdue=overdue,
            ),
            "by_sector": selectors.gaps_by_sector(user=request.user, today=today),
            "sectors": selectors.sectors_all(),
            "governorates": selectors.governorates_with_sites(user=request.user),
            "chosen": {"sector": sector, "governorate": governorate, "overdue": overdue},
            "today": today,
        },
    )


@login_required
@require_http_methods(GET_OR_POST)
def risk_new(request: AuthenticatedHttpRequest, site_uid: uuid.UUID) -> HttpResponse:
    site = access.access_site_for_change(request.user, site_uid)
    formula = rasp_formula()
    form = RiskForm(request.POST or None, formula=formula, initial={"on": date.today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_assess(
                actor=request.user, site=site, on=form.cleaned_data["on"], answers=form.answers()
            )
        except ValidationError as exc:
            refusal_onto(form, exc)
        else:
            return redirect("sites:risk_ranking")
    return render(
        request,
        "sites/monitor_risk_new.html",
        {
            "site": site,
            "form": form,
            "formula": formula,
            "informal": site.type in services.INFORMAL_TYPES,
            "previous": selectors.risk_latest(user=request.user, site=site),
        },
    )


@login_required
@require_safe
def risk_ranking(request: AuthenticatedHttpRequest) -> HttpResponse:
    governorate = request.GET.get("governorate", "")
    return render(
        request,
        "sites/monitor_risk.html",
        {
            "rows": selectors.risk_ranking(user=request.user, governorate=governorate),
            "formula": rasp_formula(),
            "governorates": selectors.governorates_with_sites(user=request.user),
            "chosen": governorate,
        },
    )
