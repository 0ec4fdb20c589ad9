"""The sites API at /api/v1/sites/: thin, over the same services and selectors as the pages."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from nahrain.core.models import Organisation
from nahrain.displacement import access as displacement_access
from nahrain.geo.models import AdminUnit
from nahrain.sites import access, exports, selectors, services
from nahrain.sites.models import Site, SiteStatus
from nahrain.sites.schemas import (
    DashboardOut,
    DetailOut,
    PopulationFigureOut,
    SiteDetailOut,
    SiteIn,
    SiteOut,
    SiteProfileIn,
    SiteStatusIn,
    StatusChangeOut,
)

router = Router(tags=["sites"])

# --- sites: list, dashboard, site page ----------------------------------------------------------

UNPROCESSABLE = {422: DetailOut}


class SiteQuery(Schema):
    type: str = ""
    status: str = ""
    governorate: str = Field("", description="a governorate's p-code")
    q: str = Field("", description="part of a name in any language, or of the site code")
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0)


def site_out(site: Site) -> dict[str, Any]:
    """A site as the API gives it; ``site`` has its organisation and units selected."""
    fields = {name: getattr(site, name) for name in SiteOut.model_fields}
    fields["organisation"] = site.organisation.acronym
    fields["admin_unit"] = site.admin_unit.pcode
    fields["governorate"] = site.governorate.pcode
    fields["partners"] = list(site.partners or [])
    return fields


def _admin_unit(pcode: str) -> AdminUnit:
    unit = AdminUnit.objects.filter(pcode=pcode.strip().upper(), level__gte=1).first()
    if unit is None:
        raise ValidationError(
            f"{pcode!r} is not the p-code of a governorate, district or sub-district"
        )
    return unit


def _refused(error: ValidationError) -> Status[Any]:
    return Status(422, DetailOut(detail="; ".join(error.messages)))


@router.get("", response=list[SiteOut])
def site_list(request: HttpRequest, filters: Query[SiteQuery]) -> list[dict[str, Any]]:
    """Sites, narrowed by type, status, governorate and name, in governorate and name order."""
    sites = selectors.site_list(
        user=request.user,
        filters=selectors.SiteFilters(
            type=filters.type, status=filters.status, governorate=filters.governorate, q=filters.q
        ),
    )
    return [site_out(s) for s in sites[filters.offset : filters.offset + filters.limit]]


@router.post("", response={201: SiteOut, 404: DetailOut, **UNPROCESSABLE})
def site_create(request: HttpRequest, payload: SiteIn) -> Status[Any]:
    """A new site, held by an organisation whose sites the caller writes (their own when they
    write one organisation's sites only)."""
    writable = Organisation.objects.filter(pk__in=access.writing_organisations(request.user))
    if payload.organisation_id is not None:
        writable = writable.filter(pk=payload.organisation_id)
    organisations = list(writable[:2])
    if not organisations:
        raise Http404
    if len(organisations) > 1:
        return Status(422, DetailOut(detail="Say which organisation holds the site."))
    fields = payload.dict(exclude_unset=True)
    for name in ("organisation_id", "code", "name_en", "type", "admin_unit", "status"):
        fields.pop(name, None)
    status_on = fields.pop("status_on", None)
    try:
        created = services.site_create(
            actor=request.user,  # type: ignore[arg-type]
            organisation=organisations[0],
            code=payload.code,
            name_en=payload.name_en,
            type=payload.type,
            admin_unit=_admin_unit(payload.admin_unit),
            status=payload.status,
            status_on=status_on,
            **fields,
        )
    except ValidationError as error:
        return _refused(error)
    return Status(201, site_out(created))


@router.get("/dashboard", response=DashboardOut)
def dashboard(request: HttpRequest) -> dict[str, Any]:
    """The national CCCM figures, as on the dashboard page."""
    board = selectors.cccm_dashboard(user=request.user)
    return {
        **{name: getattr(board, name) for name in DashboardOut.model_fields},
        "by_type": [
            {
                "type": row["type"],
                "total": row["total"],
                "by_status": dict(zip(SiteStatus.values, row["counts"], strict=True)),
            }
            for row in board.by_type
        ],
        "gaps_by_sector": [
            {"sector": row["code"], "gaps": row["gaps"], "sites": row["sites"]}
            for row in board.gaps_by_sector
        ],
        "red_sites": [
            {
                "uid": row["uid"],
                "code": row["code"],
                "name_en": row["name_en"],
                "red": row["latest_red"],
                "monitored_on": row["monitored_on"],
            }
            for row in board.red_sites
        ],
    }


@router.get("/{uuid:site_uid}", response=SiteDetailOut)
def site_detail(request: HttpRequest, site_uid: uuid.UUID) -> dict[str, Any]:
    """A site's profile, status history, population figures, monthly movements and latest
    monitoring counts."""
    site = access.access_site_by_uid(request.user, site_uid)
    profile = selectors.site_profile(user=request.user, site=site)
    latest = profile.latest_round
    return {
        **site_out(site),
        "status_history": [StatusChangeOut.from_orm(c) for c in profile.history],
        "population_figures": [PopulationFigureOut.from_orm(f) for f in profile.figures],
        "months": profile.months,
        "monitored_on": latest.on if latest else None,
        "red": latest.red if latest else None,
        "amber": latest.amber if latest else None,
        "green": latest.green if latest else None,
    }


@router.patch("/{uuid:site_uid}", response={200: SiteOut, **UNPROCESSABLE})
def site_update(request: HttpRequest, site_uid: uuid.UUID, payload: SiteProfileIn) -> Status[Any]:
    """Change the fields given of a site's profile (its status has its own operation)."""
    site = access.access_site_for_change(request.user, site_uid)
    fields = payload.dict(exclude_unset=True)
    pcode = fields.pop("admin_unit", None)
    try:
        updated = services.site_update(
            actor=request.user,  # type: ignore[arg-type]
            site=site,
            admin_unit=_admin_unit(pcode) if pcode else None,
            **fields,
        )
    except ValidationError as error:
        return _refused(error)
    return Status(200, site_out(access.access_site_by_uid(request.user, updated.uid)))


@router.post("/{uuid:site_uid}/status", response={200: SiteOut, **UNPROCESSABLE})
def site_status(request: HttpRequest, site_uid: uuid.UUID, payload: SiteStatusIn) -> Status[Any]:
    """Record a status on a date with its reason; the newest dated one is the site's."""
    site = access.access_site_for_change(request.user, site_uid)
    try:
        services.site_status_set(
            actor=request.user,  # type: ignore[arg-type]
            site=site,
            status=payload.status,
            on=payload.on,
            reason=payload.reason,
        )
    except ValidationError as error:
        return _refused(error)
    return Status(200, site_out(access.access_site_by_uid(request.user, site.uid)))


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
