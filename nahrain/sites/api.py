"""The sites API at /api/v1/sites/: thin, over the same services and selectors as the pages."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from nahrain.displacement import access as displacement_access
from nahrain.sites import exports, selectors, services

router = Router(tags=["sites"])

# --- sites: list, dashboard, site page ----------------------------------------------------------


# --- exports and the reconciliation with DTM ---------------------------------------------------


@router.get("/export", response={200: None})
def site_export(request: HttpRequest, format: Literal["csv", "xlsx", "hxl"] = "csv") -> Any:
    """Every site's public profile and figures as CSV, XLSX or HXL-tagged CSV (audited)."""
    data, name = services.site_export(actor=request.user, format=format)  # type: ignore[arg-type]
    response = HttpResponse(data, content_type=exports.CONTENT_TYPES[format])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class ReconciledSiteOut(Schema):
    site_code: str
    site_name: str
    governorate_pcode: str
    governorate: str
    dtm_place_id: str
    site_households: int | None
    site_individuals: int | None
    site_figure_date: date | None
    site_figure_source: str
    dtm_households: int | None
    dtm_individuals: int | None
    difference_households: int | None
    difference_individuals: int | None
    flagged: bool


class ReconciledGovernorateOut(Schema):
    pcode: str
    name: str
    sites: int
    site_households: int
    site_individuals: int
    dtm_households: int
    dtm_individuals: int


class UnmatchedOut(Schema):
    place_id: str
    name: str
    households: int
    individuals: int


class ToleranceOut(Schema):
    version: str
    share: float
    households: int
    individuals: int
    reasoning: str
    source: str


class ReconciliationOut(Schema):
    round: uuid.UUID
    round_number: int
    reference_date: date
    tolerance: ToleranceOut
    sites: list[ReconciledSiteOut]
    governorates: list[ReconciledGovernorateOut]
    unmatched: list[UnmatchedOut]


@router.get("/reconciliation", response=ReconciliationOut)
def site_reconciliation(request: HttpRequest, round: uuid.UUID) -> ReconciliationOut:
    """Each site's population on the round's reference date against DTM's in-camp figure at
    its location, per site and governorate, and the round's camp locations with no site."""
    assessment_round = displacement_access.access_round_by_uid(request.user, round)
    report = selectors.reconciliation(user=request.user, assessment_round=assessment_round)
    tolerance = report.tolerance
    return ReconciliationOut(
        round=assessment_round.uid,
        round_number=assessment_round.number,
        reference_date=assessment_round.reference_date,
        tolerance=ToleranceOut(
            version=tolerance.version,
            share=tolerance.share,
            households=tolerance.households,
            individuals=tolerance.individuals,
            reasoning=tolerance.reasoning,
            source=tolerance.source,
        ),
        sites=[ReconciledSiteOut(**row) for row in selectors.reconciliation_rows(report)],
        governorates=[
            ReconciledGovernorateOut(
                pcode=g.governorate.pcode,
                name=g.governorate.name_en,
                sites=g.sites,
                site_households=g.site_households,
                site_individuals=g.site_individuals,
                dtm_households=g.dtm_households,
                dtm_individuals=g.dtm_individuals,
            )
            for g in report.governorates
        ],
        unmatched=[
            UnmatchedOut(
                place_id=location.external_id,
                name=location.name_en,
                households=households,
                individuals=individuals,
            )
            for location, households, individuals in report.unmatched
        ],
    )


# --- shelters, movements, closures --------------------------------------------------------------


# --- monitoring, gaps, risk ----------------------------------------------------------------------
