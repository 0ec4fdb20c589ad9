"""Pages of the health figures: the epidemic curve, completeness and timeliness of the weekly
reports, the consultation dashboard, and their downloads (HXL and DHIS2). Thin: the figures are
``figures``'s and the files ``exports``'s, scoped to the reader there. The figures are exact for
the organisations whose facilities they are, so no cache keeps them (``no_store``)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from nahrain.core.http import AuthenticatedHttpRequest, no_store
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.health import access, codelists, exports, figures, weeks
from nahrain.health.models import Facility

WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class AreaForm(forms.Form):
    """Where and when a figure looks; every field may be left empty."""

    governorate = forms.ChoiceField(label=_("Governorate"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    facility = forms.ChoiceField(label=_("Facility"), required=False)

    def __init__(self, data: Any, *, facilities: list[Facility], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        governorates = {
            f.district.parent.pcode: f.district.parent for f in facilities if f.district.parent
        }
        districts = {f.district.pcode: f.district for f in facilities}
        everywhere: list[tuple[str, Any]] = [("", _("All"))]
        self._choices("governorate").choices = everywhere + sorted(
            ((code, local_name(unit)) for code, unit in governorates.items()), key=lambda c: c[1]
        )
        self._choices("district").choices = everywhere + sorted(
            ((code, local_name(unit)) for code, unit in districts.items()), key=lambda c: c[1]
        )
        self._choices("facility").choices = everywhere + [
            (str(f.uid), local_name(f)) for f in facilities
        ]

    def _choices(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def area(self) -> figures.Area:
        if not self.is_valid():
            return figures.Area()
        return figures.Area(
            **{k: self.cleaned_data[k] or "" for k in ("governorate", "district", "facility")}
        )


class WeeksForm(AreaForm):
    weeks = forms.IntegerField(
        label=_("Weeks"), required=False, min_value=1, max_value=figures.MOST_WEEKS
    )
    last = forms.CharField(
        label=_("Last week (year-Wweek)"), required=False, help_text=_("For example 2026-W48")
    )

    def clean_last(self) -> tuple[int, int] | None:
        text = (self.cleaned_data.get("last") or "").strip().upper()
        if not text:
            return None
        found = WEEK.match(text)
        if not found or not 1 <= int(found[2]) <= weeks.weeks_in(int(found[1])):
            raise forms.ValidationError(_("Write a week as 2026-W48."))
        return int(found[1]), int(found[2])

    def span(self) -> list[figures.Week]:
        if not self.is_valid():
            return figures.week_span()
        return figures.week_span(
            last=self.cleaned_data["last"],
            count=self.cleaned_data["weeks"] or figures.DEFAULT_WEEKS,
        )


class CurveForm(WeeksForm):
    disease = forms.ChoiceField(label=_("Disease"), required=False)

    def __init__(self, data: Any, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self._choices("disease").choices = codelists.choices("diseases")

    def picked_disease(self) -> str:
        picked = self.cleaned_data.get("disease") if self.is_valid() else ""
        return picked or codelists.codes("diseases")[0]


def _month(text: str) -> date | None:
    found = MONTH.match(text.strip())
    if not found or not 1 <= int(found[2]) <= 12:
        return None
    return date(int(found[1]), int(found[2]), 1)


class MonthsForm(AreaForm):
    start = forms.CharField(label=_("From (month)"), required=False)
    end = forms.CharField(label=_("To (month)"), required=False)

    def _clean_month(self, name: str) -> date | None:
        text = self.cleaned_data.get(name) or ""
        if not text:
            return None
        found = _month(text)
        if found is None:
            raise forms.ValidationError(_("Write a month as 2026-11."))
        return found

    def clean_start(self) -> date | None:
        return self._clean_month("start")

    def clean_end(self) -> date | None:
        return self._clean_month("end")

    def months(self) -> tuple[date, date]:
        """The first day of the first month and the last day of the last; by default the last
        twelve months, this one included."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        last = data.get("end") or today.replace(day=1)
        first = data.get("start") or date(last.year - 1, last.month, 1) + timedelta(days=31)
        first = first.replace(day=1)
        after = (last.replace(day=28) + timedelta(days=4)).replace(day=1)
        return min(first, last), after - timedelta(days=1)


def _facilities(request: AuthenticatedHttpRequest) -> list[Facility]:
    return list(
        access.facilities_reported(request.user)
        .select_related("district__parent")
        .order_by("code", "pk")
    )


def _download(export: exports.Export, content_type: str) -> HttpResponse:
    response = HttpResponse(export.data, content_type=content_type)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=export.filename) or "attachment"
    )
    return no_store(response)


def _query(request: AuthenticatedHttpRequest) -> str:
    query = request.GET.copy()
    query.pop("download", None)
    return query.urlencode()


# --- epidemic curve ------------------------------------------------------------------------------


@login_required
@require_safe
def epicurve(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Weekly cases and deaths of a disease over the facilities the reader reads, with the weeks
    without any report shown as missing and the alert weeks marked."""
    facilities = _facilities(request)
    form = CurveForm(request.GET or None, facilities=facilities)
    area, span = form.area(), form.span()
    curve = figures.epicurve(user=request.user, disease=form.picked_disease(), area=area, span=span)
    return no_store(
        render(
            request,
            "health/epicurve.html",
            {
                "form": form,
                "curve": curve,
                "chart": figures.curve_chart(curve),
                "disease": codelists.label("diseases", curve.disease),
                "definition": codelists.definition(curve.disease),
                "span": span,
                "query": _query(request),
                "has_facilities": bool(facilities),
            },
        )
    )


# --- completeness and timeliness -----------------------------------------------------------------


@login_required
@require_safe
def completeness(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Weekly reports received and on time against those expected, per facility and in all."""
    facilities = _facilities(request)
    form = WeeksForm(request.GET or None, facilities=facilities)
    span = form.span()
    found = figures.reporting(user=request.user, area=form.area(), span=span)
    return no_store(
        render(
            request,
            "health/completeness.html",
            {
                "form": form,
                "reporting": found,
                # Isolated left to right, or Arabic would turn 2025-W10 into W10-2025.
                "first": f"\u2066{exports.week_name(span[0])}\u2069",
                "last": f"\u2066{exports.week_name(span[-1])}\u2069",
                "query": _query(request),
            },
        )
    )


# --- consultations -------------------------------------------------------------------------------


@login_required
@require_safe
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Consultations by service, sex, age group and population group over a period and area."""
    facilities = _facilities(request)
    form = MonthsForm(request.GET or None, facilities=facilities)
    start, end = form.months()
    board = figures.consultation_board(user=request.user, area=form.area(), start=start, end=end)
    return no_store(
        render(
            request,
            "health/dashboard.html",
            {
                "form": form,
                "board": board,
                "services": [
                    (codelists.label("consultation_services", line.code), line)
                    for line in board.by_service
                ],
                "ages": [(codelists.label("age_groups", line.code), line) for line in board.by_age],
                "populations": [
                    (codelists.label("population_groups", line.code), line)
                    for line in board.by_population
                ],
                "query": _query(request),
            },
        )
    )


# --- downloads -----------------------------------------------------------------------------------

CSV = "text/csv; charset=utf-8"
JSON = "application/json"


@login_required
@require_safe
def export_ewarn_hxl(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = WeeksForm(request.GET or None, facilities=_facilities(request))
    export = exports.ewarn_hxl(actor=request.user, area=form.area(), span=form.span())
    return _download(export, CSV)


@login_required
@require_safe
def export_consultations_hxl(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = MonthsForm(request.GET or None, facilities=_facilities(request))
    start, end = form.months()
    export = exports.consultations_hxl(actor=request.user, area=form.area(), start=start, end=end)
    return _download(export, CSV)


def _downloading(request: AuthenticatedHttpRequest) -> bool:
    return request.GET.get("download") == "1"


def _dhis2(request: AuthenticatedHttpRequest, export: exports.Export, what: str) -> HttpResponse:
    """The data value set to download (``?download=1``, the export, audited), or the page
    saying what it holds and what the mapping left out, with the download link (a look, built
    as a preview and not audited)."""
    if _downloading(request):
        return _download(export, JSON)
    return no_store(
        render(
            request,
            "health/dashboard_dhis2.html",
            {
                "export": export,
                "what": what,
                "query": _query(request),
                "mapping": exports.mapping(),
            },
        )
    )


@login_required
@require_safe
def export_ewarn_dhis2(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = WeeksForm(request.GET or None, facilities=_facilities(request))
    export = exports.ewarn_dhis2(
        actor=request.user,
        area=form.area(),
        span=form.span(),
        preview=not _downloading(request),
    )
    return _dhis2(request, export, "ewarn")


@login_required
@require_safe
def export_consultations_dhis2(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = MonthsForm(request.GET or None, facilities=_facilities(request))
    start, end = form.months()
    export = exports.consultations_dhis2(
        actor=request.user,
        area=form.area(),
        start=start,
        end=end,
        preview=not _downloading(request),
    )
    return _dhis2(request, export, "consultations")
