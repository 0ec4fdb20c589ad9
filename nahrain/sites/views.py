"""The sites pages."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from nahrain.core.http import AuthenticatedHttpRequest, personal_data
from nahrain.sites import access, selectors, services
from nahrain.sites.forms import ClosureForm, MovementForm, PopulationForm, TransferForm, UnitsForm
from nahrain.sites.models import MovementPlace

# --- sites: list, dashboard, site page ----------------------------------------------------------


# --- exports and the reconciliation with DTM ---------------------------------------------------


# --- shelters, movements, closures --------------------------------------------------------------

GET_POST = require_http_methods(["GET", "POST"])


def _moves_form(
    request: AuthenticatedHttpRequest, site: Any, form: Any, title: str, **extra: Any
) -> HttpResponse:
    return render(
        request, "sites/moves_form.html", {"site": site, "form": form, "title": title, **extra}
    )


def _refused(form: Any, exc: ValidationError) -> None:
    """A rule of the site the form cannot check by itself: shown on the form, nothing saved."""
    form.add_error(None, " ".join(exc.messages))


@login_required
@GET_POST
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
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The movement is recorded."))
            return redirect("sites:movement_new", site_uid=site.uid)
    return _moves_form(request, site, form, _("Record an arrival or departure"))


@login_required
@GET_POST
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
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The transfer is recorded at both sites."))
            return redirect("sites:transfer_new", site_uid=site.uid)
    return _moves_form(request, site, form, _("Record a transfer to another site"))


@login_required
@GET_POST
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
            _refused(form, exc)
        else:
            messages.success(request, _("The population figure is recorded."))
            return redirect("sites:units", site_uid=site.uid)
    return _moves_form(request, site, form, _("Record a headcount or estimate"))


@login_required
@GET_POST
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
            _refused(form, exc)
        else:
            messages.success(request, _("%(count)d units added.") % {"count": len(created)})
            return redirect("sites:units", site_uid=site.uid)
    units = selectors.site_units(user=request.user, site=site)
    allocations = selectors.site_allocations(user=request.user, site=site)
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
@GET_POST
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
            _refused(form, exc)
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
