"""Pages of the sites app, over the same services and selectors as the API."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from nahrain.core.http import AuthenticatedHttpRequest
from nahrain.sites import access, selectors, services
from nahrain.sites.codelists import rasp_formula
from nahrain.sites.forms import GapForm, GapUpdateForm, MonitoringForm, RiskForm
from nahrain.sites.models import MonitoringValue, Rating, Site

# --- sites: list, dashboard, site page ----------------------------------------------------------


# --- exports and the reconciliation with DTM ---------------------------------------------------


# --- shelters, movements, closures --------------------------------------------------------------


# --- monitoring, gaps, risk ----------------------------------------------------------------------


def _refusal(form: Any, exc: ValidationError) -> None:
    form.add_error(None, " ".join(exc.messages))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
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
            _refusal(form, exc)
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
@require_http_methods(["GET", "HEAD", "POST"])
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
            _refusal(form, exc)
        else:
            return redirect("sites:gap", gap_uid=gap.uid)
    return render(
        request, "sites/monitor_gap_new.html", {"site": site, "form": form, "value": suggested}
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
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
            _refusal(form, exc)
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
@require_http_methods(["GET", "HEAD", "POST"])
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
            _refusal(form, exc)
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
