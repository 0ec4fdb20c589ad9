"""The page of the response-wide reports of referral pathways and cases: the same suppressed
figures for every signed-in reader (``reports``), so a reader's browser may keep them and no
shared cache (as the registry's suppressed figures)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from nahrain.core.http import AuthenticatedHttpRequest, per_reader
from nahrain.referrals import codelists, reports

# The status columns of the pathway table (on time is open less overdue, not shown apart).
SHOWN_STATUSES = ("open", "overdue", "closed", "declined", "lost", "withdrawn")


def _organisation(report: reports.Report, organisation_id: Any) -> str:
    found = report.organisations.get(organisation_id)
    return found.acronym if found is not None else ""


@login_required
@require_safe
def report(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Referral pathway performance, open and overdue referrals, cases by type and status."""
    found = reports.response_report()
    response = render(
        request,
        "referrals/report.html",
        {
            "report": found,
            "pathway": [
                {
                    "row": row,
                    "service": codelists.label("service_types", row.service),
                    "organisation": _organisation(found, row.organisation_id),
                    "statuses": [(name, row.statuses[name]) for name in SHOWN_STATUSES],
                }
                for row in found.pathway
            ],
            "sent_by_service": [
                (codelists.label("service_types", line.code), line)
                for line in found.sent_by_service
            ],
            "sent_by_organisation": [
                (_organisation(found, line.code), line) for line in found.sent_by_organisation
            ],
            "open_by_service": [
                (codelists.label("service_types", line.code), line)
                for line in found.open_by_service
            ],
            "cases_by_type": [
                (codelists.label("case_types", line.code), line) for line in found.cases_by_type
            ],
        },
    )
    # The same suppressed figures for everyone: kept by the reader's browser, no shared cache.
    return per_reader(response, exact=False)
