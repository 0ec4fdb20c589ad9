"""Pages of health facilities, report entry and alerts: the facility list with its map, a
facility's page, adding and editing a facility and its catchment; the EWARN weekly report, the
immediate alert and the consultation report of a facility; the alert list with its map, an
alert's page and its next steps. Thin, over ``access``, the page selectors and the services.
Reports are an organisation's own: a page that shows them is kept by no cache."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, Q, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from nahrain.core.forms import refusal_onto
from nahrain.core.http import AuthenticatedHttpRequest, no_store, personal_data
from nahrain.core.models import Organisation
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.health import (
    access,
    alert_selectors,
    alerting,
    codelists,
    page_selectors,
    services,
    weeks,
)
from nahrain.health.forms import (
    AlertFilterForm,
    AlertStepForm,
    CatchmentForm,
    ConsultationForm,
    EwarnForm,
    FacilityFilterForm,
    FacilityForm,
    ImmediateForm,
    governorate_choices,
    week_ended,
    week_value,
    weekday_choices,
)
from nahrain.health.models import OPEN_ALERT, Alert, AlertStatus, Facility

GET_OR_POST = ["GET", "HEAD", "POST"]
FACILITIES_PER_PAGE = 25
PLACEHOLDER = uuid.UUID(int=0)


def _map_config(collection: dict[str, Any], *, focus: str | None = None) -> dict[str, Any]:
    """Where the map script finds the points, the outlines drawn under them, and a point's page."""
    return {
        "points": collection,
        "outlines": reverse("displacement:map_shapes", kwargs={"level": 1}),
        "point": reverse("health:facility", kwargs={"facility_uid": PLACEHOLDER}),
        "placeholder": str(PLACEHOLDER),
        "focus": focus,
    }


# --- facilities ---------------------------------------------------------------------------------


@login_required
@require_safe
def facility_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every facility, filtered by place, kind, functionality and organisation; on a map."""
    units = page_selectors.filter_units()
    readable = access.facilities_readable(request.user)
    organisations = Organisation.objects.filter(
        Q(pk__in=readable.values("organisation")) | Q(pk__in=readable.values("supporters"))
    ).order_by("acronym", "name")
    form = FacilityFilterForm(request.GET or None, units=units, organisations=list(organisations))
    filters = page_selectors.FacilityFilters()
    if form.is_bound and form.is_valid():
        filters = page_selectors.FacilityFilters(**form.cleaned_data)
    found = page_selectors.facility_list(user=request.user, filters=filters)
    page = Paginator(found, FACILITIES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "health/facility_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "map_config": _map_config(page_selectors.facility_map(found)),
            "can_create": access.organisations_managing(request.user).exists(),
            "reports_for": access.facilities_reporting(request.user).exists(),
        },
    )


@login_required
@require_safe
def facility(request: AuthenticatedHttpRequest, facility_uid: uuid.UUID) -> HttpResponse:
    """A facility: who runs and supports it, where, how well it works, whom it serves; its
    latest reports for those who read them."""
    shown = page_selectors.facility_page(user=request.user, uid=facility_uid)
    single = page_selectors.facility_map(
        Facility.objects.filter(pk=shown.facility.pk).select_related("district", "organisation")
    )
    day_names = dict(weekday_choices())
    names = {
        (
            ("site", place.code) if hasattr(place, "code") else ("dtm", place.external_id)
        ): local_name(place)
        for place, _days in shown.places
    }
    sources = [
        {
            **source,
            "words": (
                _("Site population: %(place)s") if source["kind"] == "site" else _("DTM: %(place)s")
            )
            % {"place": names.get((source["kind"], source["place"]), source["place"])},
            "as_of": date.fromisoformat(source["as_of"]) if source.get("as_of") else None,
        }
        for source in (shown.population.sources if shown.population else [])
    ]
    response = render(
        request,
        "health/facility.html",
        {
            "shown": shown,
            "facility": shown.facility,
            "places": [
                (local_name(place), [str(name) for d, name in day_names.items() if d in days])
                for place, days in shown.places
            ],
            "population_sources": sources,
            "map_config": _map_config(single, focus=str(shown.facility.uid)),
        },
    )
    return no_store(response) if shown.reads_reports else response


def _facility_written(form: FacilityForm, write: Any) -> Facility | None:
    try:
        result: Facility = write()
    except ValidationError as error:
        refusal_onto(form, error)
        return None
    return result


@login_required
@require_http_methods(GET_OR_POST)
def facility_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = access.organisations_managing(request.user).order_by("acronym")
    if not organisations.exists():
        raise Http404
    form = FacilityForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = _facility_written(
            form,
            lambda: services.facility_create(
                actor=request.user,
                organisation=data["organisation"],
                directorate=data["directorate"],
                supporters=list(data["supporters"]),
                code=data["code"],
                name_en=data["name_en"],
                name_ar=data["name_ar"],
                name_ckb=data["name_ckb"],
                kind=data["kind"],
                district=data["district"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                functionality=data["functionality"],
                ewarn_reporting=data["ewarn_reporting"],
            ),
        )
        if created is not None:
            messages.success(request, _("The facility was added. Now set the places it serves."))
            return redirect("health:facility_catchment", created.uid)
    return render(request, "health/facility_form.html", {"form": form, "facility": None})


@login_required
@require_http_methods(GET_OR_POST)
def facility_edit(request: AuthenticatedHttpRequest, facility_uid: uuid.UUID) -> HttpResponse:
    found = access.access_facility_for_change(request.user, facility_uid)
    initial = {name: getattr(found, name) for name in services.FACILITY_FIELDS}
    form = FacilityForm(request.POST or None, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in services.FACILITY_FIELDS}
        updated = _facility_written(
            form,
            lambda: services.facility_update(actor=request.user, facility=found, **changes),
        )
        if updated is not None:
            messages.success(request, _("The facility was changed."))
            return redirect("health:facility", updated.uid)
    return render(request, "health/facility_form.html", {"form": form, "facility": found})


@login_required
@require_http_methods(GET_OR_POST)
def facility_catchment(request: AuthenticatedHttpRequest, facility_uid: uuid.UUID) -> HttpResponse:
    """The places a facility serves; saving takes its population denominator anew."""
    found = access.access_facility_for_change(request.user, facility_uid)
    sites, locations = page_selectors.catchment_candidates(user=request.user, facility=found)
    form = CatchmentForm(
        # Nothing checked is a catchment too: an empty POST is still a sent form.
        request.POST if request.method == "POST" else None,
        sites=sites,
        locations=locations,
        served=page_selectors.served_places(found),
        mobile=found.kind == "mobile_unit",
    )
    if request.method == "POST" and form.is_valid():
        chosen_sites, chosen_locations, days = form.chosen()
        try:
            population = services.catchment_set(
                actor=request.user,
                facility=found,
                sites=chosen_sites,
                locations=chosen_locations,
                weekdays=days,
            )
        except ValidationError as error:
            refusal_onto(form, error)
        else:
            messages.success(
                request,
                _("The catchment was saved: %(people)s people.")
                % {"people": f"{population.individuals:,}"},
            )
            return redirect("health:facility", found.uid)
    return render(request, "health/catchment_form.html", {"form": form, "facility": found})


# --- report entry -------------------------------------------------------------------------------


@login_required
@require_safe
def report_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The facilities the user reports for, each with its forms."""
    reporting = list(
        access.facilities_reporting(request.user)
        .select_related("district")
        .annotate(places=Count("catchment"))
        .order_by("code")
    )
    if not reporting:
        raise Http404
    return render(request, "health/report_home.html", {"facilities": reporting})


def _week_asked(request: AuthenticatedHttpRequest) -> tuple[int, int]:
    """The week asked for, or the week just ended when none is asked or the year has no such
    week (``2026-W60`` would otherwise fail later, where the week is named)."""
    asked = request.POST.get("week") or request.GET.get("week") or ""
    try:
        year, week = (int(part) for part in asked.split("-W"))
        weeks.week_start(year, week)
    except ValueError:
        return week_ended()
    return year, week


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def ewarn_report(request: AuthenticatedHttpRequest, facility_uid: uuid.UUID) -> HttpResponse:
    """A facility's EWARN week: the week just ended unless another is chosen; a week sent
    before shows its counts and is replaced when sent again. "No cases this week" sends a zero
    report at once."""
    found = access.access_facility_for_reporting(request.user, facility_uid)
    year, week = _week_asked(request)
    earlier = page_selectors.ewarn_earlier(found, year, week)
    counts = {
        c.disease: {
            "cases_under5": c.cases_under5,
            "cases_over5": c.cases_over5,
            "deaths_under5": c.deaths_under5,
            "deaths_over5": c.deaths_over5,
        }
        for c in (earlier.counts.all() if earlier else [])
    }
    data = request.POST if request.method == "POST" else None
    form = EwarnForm(data, earlier=counts, initial={"week": week_value(year, week)})
    if request.method == "POST" and form.is_valid():
        year, week = form.cleaned_data["week"]
        zero = "zero" in request.POST
        try:
            report = services.ewarn_report_submit(
                actor=request.user,
                facility=found,
                year=year,
                week=week,
                counts=[] if zero else form.counts(),
            )
        except ValidationError as error:
            refusal_onto(form, error)
        else:
            if report.revision > 1:
                messages.success(
                    request, _("The week was sent again: it replaces the earlier counts.")
                )
            elif zero:
                messages.success(request, _("The week was sent: no cases."))
            else:
                messages.success(request, _("The week was sent."))
            return redirect(
                f"{reverse('health:ewarn', args=[found.uid])}?week={week_value(year, week)}"
            )
    return render(
        request,
        "health/ewarn_form.html",
        {"form": form, "facility": found, "earlier": earlier, "year": year, "week": week},
    )


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def immediate_report(request: AuthenticatedHttpRequest, facility_uid: uuid.UUID) -> HttpResponse:
    found = access.access_facility_for_reporting(request.user, facility_uid)
    form = ImmediateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.immediate_report_submit(
                actor=request.user,
                facility=found,
                disease=data["disease"],
                seen_on=data["seen_on"],
                cases=data["cases"],
                deaths=data["deaths"],
                note=data["note"],
                uid=data["uid"],
            )
        except ValidationError as error:
            refusal_onto(form, error)
        else:
            messages.success(
                request,
                _("The alert was sent to the Directorate of Health's surveillance officers."),
            )
            return redirect("health:report")
    return render(request, "health/immediate_form.html", {"form": form, "facility": found})


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def consultation_report(request: AuthenticatedHttpRequest, facility_uid: uuid.UUID) -> HttpResponse:
    """A week's or a month's consultations; a period sent before shows its counts and is replaced
    when sent again."""
    found = access.access_facility_for_reporting(request.user, facility_uid)
    asked = ConsultationForm(request.GET or None)
    period, start = "week", None
    if asked.is_bound and asked.is_valid():
        period, start = asked.cleaned_data["period"], asked.start()
    earlier = page_selectors.consultation_earlier(found, period, start) if start else None
    cells = {
        (c.service, c.sex, c.age_group, c.population_group): c.count
        for c in (earlier.counts.all() if earlier else [])
    }
    form = ConsultationForm(
        request.POST or None, earlier=cells, initial=dict(request.GET.items()) if start else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            report = services.consultation_report_submit(
                actor=request.user,
                facility=found,
                period=form.cleaned_data["period"],
                start=form.start(),
                cells=form.cells(),
            )
        except ValidationError as error:
            refusal_onto(form, error)
        else:
            if report.revision > 1:
                messages.success(
                    request, _("The report was sent again: it replaces the earlier counts.")
                )
            else:
                messages.success(request, _("The report was sent."))
            return redirect("health:report")
    return render(
        request,
        "health/consultation_form.html",
        {"form": form, "facility": found, "earlier": earlier},
    )


# --- alerts -------------------------------------------------------------------------------------

ALERTS_SHOWN = 200


def _unit_name(unit: Any, language: str) -> str:
    """A unit's name in a language, Arabic then English where it has none."""
    return str(getattr(unit, f"name_{language}", "") or unit.name_ar or unit.name_en)


def _alert_map(alerts: list[Alert]) -> dict[str, Any]:
    """Open alerts as map features at their district's label point."""
    features = []
    for alert in alerts:
        district = alert.district
        if district.lat is None or district.lon is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [district.lon, district.lat]},
                "properties": {
                    "uid": str(alert.uid),
                    **{
                        f"name_{lang}": f"{codelists.label('diseases', alert.disease, lang)} · "
                        f"{_unit_name(district, lang)}"
                        for lang in ("en", "ar", "ckb")
                    },
                    "lines": [str(alert.get_status_display())],
                    "warn": alert.status == AlertStatus.NEW,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


@login_required
@require_safe
@personal_data
def alert_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The alerts the user reads, open ones first, new ones past their time to be verified
    flagged; open alerts on a map at their districts."""
    units = page_selectors.filter_units()
    form = AlertFilterForm(
        request.GET or None,
        governorates=governorate_choices(units),
        statuses=list(AlertStatus.choices),
    )
    status, disease, governorate = "", "", ""
    if form.is_bound and form.is_valid():
        status = form.cleaned_data["status"]
        disease = form.cleaned_data["disease"]
        governorate = form.cleaned_data["governorate"]
    found = alert_selectors.alerts_for(
        request.user,
        status=status if status not in ("", "all") else None,
        disease=disease or None,
        governorate=governorate or None,
        open_only=status == "",
    ).order_by(
        # Open first (new, verified, investigated, response), then the rest; newest first.
        Case(When(status__in=OPEN_ALERT, then=Value(0)), default=Value(1)),
        "-raised_at",
        "-pk",
    )
    rows = list(found[:ALERTS_SHOWN])
    overdue = set(alert_selectors.overdue_verification(request.user).values_list("pk", flat=True))
    return render(
        request,
        "health/alert_list.html",
        {
            "form": form,
            "rows": [(alert, alert.pk in overdue) for alert in rows],
            "overdue_count": len(overdue),
            "map_config": {
                **_map_config(_alert_map([a for a in rows if a.status in OPEN_ALERT])),
                "point": reverse("health:alert", kwargs={"alert_uid": PLACEHOLDER}),
            },
        },
    )


def _alert_page(
    request: AuthenticatedHttpRequest, detail: Any, form: AlertStepForm | None = None
) -> HttpResponse:
    return render(
        request,
        "health/alert.html",
        {"shown": detail, "alert": detail.alert, "form": form or AlertStepForm()},
    )


@login_required
@require_safe
@personal_data
def alert(request: AuthenticatedHttpRequest, alert_uid: uuid.UUID) -> HttpResponse:
    """An alert: its disease, district, status and time to verify, the signals that raised and
    fed it (facilities the reader does not read are counted, not named), its history, and the
    next steps for those who work it."""
    return _alert_page(request, alert_selectors.alert_detail(request.user, alert_uid))


@login_required
@require_POST
@personal_data
def alert_step(request: AuthenticatedHttpRequest, alert_uid: uuid.UUID) -> HttpResponse:
    """Take the alert one step, with a note; a refusal is shown on the alert's page."""
    found = access.access_alert_for_work(request.user, alert_uid)
    form = AlertStepForm(request.POST)
    if form.is_valid():
        try:
            alerting.alert_step(
                actor=request.user,
                alert=found,
                to=form.cleaned_data["to"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            refusal_onto(form, error)
        else:
            messages.success(request, _("The alert was updated."))
            return redirect("health:alert", found.uid)
    return _alert_page(request, alert_selectors.alert_detail(request.user, alert_uid), form)
