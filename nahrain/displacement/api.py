"""The DTM API: rounds, imports, lifecycle, figures, exports, movements."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from nahrain.core.access import access_organisation_by_id
from nahrain.core.problems import ImportRejected, Problem, Severity
from nahrain.core.schemas import ProblemOut
from nahrain.displacement import access, selectors, services
from nahrain.displacement.exports import FORMATS, LEVELS
from nahrain.displacement.models import AssessmentRound, Population
from nahrain.displacement.schemas import (
    JSON,
    DetailOut,
    FigureOut,
    ImportReportOut,
    LocationFigureOut,
    MovementIn,
    MovementOut,
    PublishRefusedOut,
    RejectedOut,
    RoundIn,
    RoundOut,
)
from nahrain.geo import selectors as geo_selectors
from nahrain.geo.models import AdminUnit, LocationKind
from nahrain.intake.readers import MAX_BYTES

router = Router(tags=["displacement"])

MAX_UPLOAD_BYTES = MAX_BYTES


def round_out(r: AssessmentRound) -> RoundOut:
    return RoundOut(
        uid=r.uid,
        organisation=r.organisation.acronym,
        number=r.number,
        version=r.version,
        reference_date=r.reference_date,
        status=r.status,
        populations=r.populations,
        published_at=r.published_at,
        replaces=r.replaces.uid if r.replaces_id and r.replaces else None,
    )


def problem_out(p: Problem) -> ProblemOut:
    return ProblemOut(**p.as_dict())


def rejected(exc: ImportRejected) -> RejectedOut:
    return RejectedOut(
        detail=str(exc),
        errors=[problem_out(p) for p in exc.problems if p.severity is Severity.ERROR],
        warnings=[problem_out(p) for p in exc.problems if p.severity is Severity.WARNING],
    )


def _within(pcode: str | None) -> AdminUnit | None:
    if not pcode:
        return None
    unit = selectors.unit_by_pcode(pcode)
    if unit is None:
        raise Http404
    return unit


@router.get("/rounds", response=list[RoundOut])
def round_list(request: HttpRequest) -> list[RoundOut]:
    return [round_out(r) for r in selectors.round_list(user=request.user)]


@router.post("/rounds", response={201: RoundOut, 404: DetailOut, 409: DetailOut})
def round_create(request: HttpRequest, payload: RoundIn) -> Status[Any]:
    """Open a draft round; 409 if the organisation has a round of that number (a published
    round is changed through ``/correct``)."""
    organisation = access_organisation_by_id(request.user, payload.organisation_id)
    if not access.is_information_manager(request.user, organisation.pk):
        raise Http404
    try:
        created = services.round_create(
            actor=request.user,  # type: ignore[arg-type]
            organisation=organisation,
            number=payload.number,
            reference_date=payload.reference_date,
        )
    except services.RoundExists as exc:
        return Status(409, DetailOut(detail=str(exc)))
    return Status(201, round_out(created))


@router.get("/rounds/{round_uid}", response=RoundOut)
def round_detail(request: HttpRequest, round_uid: uuid.UUID) -> RoundOut:
    return round_out(access.access_round_by_uid(request.user, round_uid))


@router.delete("/rounds/{round_uid}", response={204: None, 409: DetailOut})
def round_delete(request: HttpRequest, round_uid: uuid.UUID) -> Status[Any]:
    """Delete a round never published (a draft, or a correction: the published version stays),
    with its figures and imports; 409 for a published round."""
    assessment_round = access.access_round_for_change(request.user, round_uid)
    try:
        services.round_delete(
            actor=request.user,  # type: ignore[arg-type]
            assessment_round=assessment_round,
        )
    except services.RoundLocked as exc:
        return Status(409, DetailOut(detail=str(exc)))
    return Status(204, None)


@router.post(
    "/rounds/{round_uid}/imports",
    response={
        200: ImportReportOut,
        201: ImportReportOut,
        409: DetailOut,
        413: DetailOut,
        422: RejectedOut,
    },
)
def round_import(
    request: HttpRequest,
    round_uid: uuid.UUID,
    file: File[UploadedFile],
    population: Form[Literal["idp", "returnee"] | None] = None,
    dry_run: Form[bool] = False,
) -> Status[Any]:
    """Upload a master list (CSV or XLSX). ``dry_run`` checks it and writes nothing."""
    assessment_round = access.access_round_for_change(request.user, round_uid)
    if (file.size or 0) > MAX_UPLOAD_BYTES:
        return Status(413, DetailOut(detail=f"files are limited to {MAX_UPLOAD_BYTES} bytes"))
    try:
        report = services.round_import(
            actor=request.user,  # type: ignore[arg-type]
            assessment_round=assessment_round,
            data=file.read(),
            file=file.name or "upload",
            population=population,
            dry_run=dry_run,
        )
    except ImportRejected as exc:
        return Status(422, rejected(exc))
    except services.RoundLocked as exc:
        return Status(409, DetailOut(detail=str(exc)))
    out = ImportReportOut(
        file=report.file,
        format=report.format,
        population=report.population,
        dry_run=report.dry_run,
        locations=report.locations,
        new_locations=report.new_locations,
        households=report.households,
        individuals=report.individuals,
        mapping=report.mapping,
        errors=[],
        warnings=[problem_out(p) for p in report.warnings],
    )
    return Status(200 if dry_run else 201, out)


def _lifecycle(request: HttpRequest, round_uid: uuid.UUID, action: str) -> Status[Any]:
    assessment_round = access.access_round_for_change(request.user, round_uid)
    try:
        changed = getattr(services, f"round_{action}")(
            actor=request.user, assessment_round=assessment_round
        )
    except ImportRejected as exc:
        return Status(422, rejected(exc))
    except services.RoundLocked as exc:
        return Status(409, DetailOut(detail=str(exc)))
    return Status(201 if action == "correct" else 200, round_out(changed))


LIFECYCLE_RESPONSES = {200: RoundOut, 201: RoundOut, 409: DetailOut, 422: RejectedOut}


@router.post("/rounds/{round_uid}/validate", response=LIFECYCLE_RESPONSES)
def round_validate(request: HttpRequest, round_uid: uuid.UUID) -> Status[Any]:
    return _lifecycle(request, round_uid, "validate")


@router.post(
    "/rounds/{round_uid}/publish",
    response={200: RoundOut, 409: PublishRefusedOut, 422: RejectedOut},
)
def round_publish(
    request: HttpRequest, round_uid: uuid.UUID, confirm_duplicate: bool = False
) -> Status[Any]:
    """Publish a validated round. 409, with the reasons as warnings, when another round of the
    organisation has its reference date or its national totals, unless ``confirm_duplicate``."""
    assessment_round = access.access_round_for_change(request.user, round_uid)
    try:
        published = services.round_publish(
            actor=request.user,  # type: ignore[arg-type]
            assessment_round=assessment_round,
            confirm_duplicate=confirm_duplicate,
        )
    except ImportRejected as exc:
        return Status(422, rejected(exc))
    except services.PublishUnconfirmed as exc:
        detail = f"{exc}; publish with confirm_duplicate=true if it is not a duplicate"
        return Status(
            409,
            PublishRefusedOut(detail=detail, warnings=[problem_out(p) for p in exc.problems]),
        )
    return Status(200, round_out(published))


@router.post("/rounds/{round_uid}/correct", response=LIFECYCLE_RESPONSES)
def round_correct(request: HttpRequest, round_uid: uuid.UUID) -> Status[Any]:
    """Open a correction of a published round (a new draft version with a copy of its figures)."""
    return _lifecycle(request, round_uid, "correct")


class FigureQuery(Schema):
    level: int = Field(0, ge=0, le=3)
    dimension: Literal["total", "shelter", "shelter_group", "period", "origin"] = "total"
    population: Literal["idp", "returnee"] | None = None
    within: str | None = Field(None, max_length=32, description="p-code of a unit to look inside")


@router.get("/rounds/{round_uid}/figures", response=list[FigureOut])
def round_figures(
    request: HttpRequest, round_uid: uuid.UUID, query: Query[FigureQuery]
) -> list[FigureOut]:
    """Households, individuals and locations per unit, as totals or by a breakdown."""
    assessment_round = access.access_round_by_uid(request.user, round_uid)
    return [
        FigureOut(**f.as_dict())
        for f in selectors.figures(
            assessment_round=assessment_round,
            level=query.level,
            dimension=query.dimension,
            population=query.population,
            within=_within(query.within),
        )
    ]


@router.get("/rounds/{round_uid}/totals", response=dict[str, dict[str, int]])
def round_totals(
    request: HttpRequest, round_uid: uuid.UUID, within: str | None = None
) -> dict[str, dict[str, int]]:
    assessment_round = access.access_round_by_uid(request.user, round_uid)
    return selectors.totals(assessment_round=assessment_round, within=_within(within))


class LocationQuery(Schema):
    population: Literal["idp", "returnee"] | None = None
    within: str | None = Field(None, max_length=32)
    limit: int = Field(100, ge=1, le=5000)
    offset: int = Field(0, ge=0)


@router.get("/rounds/{round_uid}/locations", response=list[LocationFigureOut])
def round_locations(
    request: HttpRequest, round_uid: uuid.UUID, query: Query[LocationQuery]
) -> list[LocationFigureOut]:
    assessment_round = access.access_round_by_uid(request.user, round_uid)
    rows = selectors.location_figures(
        assessment_round=assessment_round,
        population=query.population,
        within=_within(query.within),
        limit=query.limit,
        offset=query.offset,
    )
    return [
        LocationFigureOut(
            place_id=r.place_id,
            name_en=r.name_en,
            name_ar=r.name_ar,
            adm1=r.adm1_pcode,
            adm2=r.adm2_pcode,
            adm3=r.adm3_pcode,
            latitude=r.latitude,
            longitude=r.longitude,
            population=r.population,
            households=r.households,
            individuals=r.individuals,
        )
        for r in rows
    ]


class ExportQuery(Schema):
    level: Literal["adm0", "adm1", "adm2", "adm3", "location"] = "adm1"
    format: Literal["csv", "hxl", "xlsx", "geojson"] = "csv"
    within: str | None = Field(None, max_length=32, description="p-code of a unit to export")


@router.get("/rounds/{round_uid}/export", response={200: None})
def round_export(request: HttpRequest, round_uid: uuid.UUID, query: Query[ExportQuery]) -> Any:
    """The round's figures as CSV, HXL-tagged CSV, XLSX or GeoJSON (audited)."""
    assert query.level in LEVELS and query.format in FORMATS
    from nahrain.displacement.exports import CONTENT_TYPES

    assessment_round = access.access_round_by_uid(request.user, round_uid)
    data, name = services.round_export(
        actor=request.user if request.user.is_authenticated else None,
        assessment_round=assessment_round,
        level=query.level,
        format=query.format,
        within=_within(query.within),
    )
    response = HttpResponse(data, content_type=CONTENT_TYPES[query.format])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get("/rounds/{round_uid}/compare/{other_uid}", response=JSON)
def round_compare(
    request: HttpRequest,
    round_uid: uuid.UUID,
    other_uid: uuid.UUID,
    level: int = 1,
    population: Literal["idp", "returnee"] | None = None,
) -> JSON:
    """Change per unit from one round to another; locations that appeared or emptied."""
    base = access.access_round_by_uid(request.user, round_uid)
    other = access.access_round_by_uid(request.user, other_uid)
    return selectors.round_compare(
        base=base, other=other, level=max(0, min(level, 3)), population=population
    )


@router.get("/rounds/{round_uid}/flows", response=dict[str, dict[str, int]])
def round_flows(
    request: HttpRequest,
    round_uid: uuid.UUID,
    population: Literal["idp", "returnee"] = "idp",
) -> dict[str, dict[str, int]]:
    """Individuals by governorate of origin (outer key) and current governorate (inner key)."""
    assessment_round = access.access_round_by_uid(request.user, round_uid)
    return selectors.flow_matrix(assessment_round=assessment_round, population=population)


@router.get("/series", response=list[JSON])
def series(request: HttpRequest, within: str | None = None) -> list[JSON]:
    """IDPs and returnees across every round the caller may see, nationally or for one unit."""
    return selectors.series(user=request.user, within=_within(within))


@router.post("/movements", response={201: MovementOut, 404: DetailOut})
def movement_create(request: HttpRequest, payload: MovementIn) -> Status[Any]:
    """Record an emergency-tracking movement (information managers of the organisation)."""
    organisation = access_organisation_by_id(request.user, payload.organisation_id)
    if not access.is_information_manager(request.user, organisation.pk):
        raise Http404
    location = geo_selectors.locations_usable(
        organisation_id=organisation.pk,
        kind=LocationKind.DTM_PLACE,
        external_ids=[payload.place_id],
    ).get(payload.place_id)
    if (
        location is None
        or payload.population not in Population.values
        or (payload.direction not in ("arrival", "departure"))
    ):
        return Status(404, DetailOut(detail="unknown place id, population or direction"))
    movement = services.movement_record(
        actor=request.user,  # type: ignore[arg-type]
        organisation=organisation,
        event=payload.event,
        day=payload.date,
        location=location,
        population=payload.population,
        direction=payload.direction,
        households=payload.households,
        individuals=payload.individuals,
        cause=payload.cause,
    )
    return Status(
        201,
        MovementOut(
            uid=movement.uid,
            event=movement.event,
            date=movement.date,
            place_id=location.external_id,
            adm1=movement.adm1.pcode,
            population=movement.population,
            direction=movement.direction,
            households=movement.households,
            individuals=movement.individuals,
            cause=movement.cause,
        ),
    )


@router.get("/movements/totals", response=list[JSON])
def movement_totals(request: HttpRequest, event: str | None = None, level: int = 1) -> list[JSON]:
    """Households and individuals arriving and leaving, per event and governorate or district."""
    return selectors.movement_totals(user=request.user, event=event, level=2 if level == 2 else 1)
