"""Pages of the sites app: thin, over the same services and selectors as the API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from nahrain.core.http import AuthenticatedHttpRequest
from nahrain.displacement import access as displacement_access
from nahrain.displacement import selectors as displacement_selectors
from nahrain.displacement.models import AssessmentRound
from nahrain.sites import exports, selectors, services

# --- sites: list, dashboard, site page ----------------------------------------------------------


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
        rows = selectors.reconciliation_rows(report)
        columns = [(name, "") for name in selectors.RECONCILIATION_COLUMNS]
        name = f"sites-dtm-round{report.assessment_round.number}-reconciliation.csv"
        return _download(exports.table_file(rows, columns, "csv"), name, "csv")
    context = {
        "report": report,
        "assessment_round": assessment_round,
        "rounds": displacement_selectors.round_choices(user=request.user, picked=assessment_round),
    }
    return render(request, "sites/intake_reconciliation.html", context)


# --- shelters, movements, closures --------------------------------------------------------------


# --- monitoring, gaps, risk ----------------------------------------------------------------------
