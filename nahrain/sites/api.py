"""The sites API at /api/v1/sites/: thin, over the same services and selectors as the pages."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, Literal, TypeVar

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from nahrain.core.http import no_store
from nahrain.core.models import Organisation
from nahrain.displacement import access as displacement_access
from nahrain.geo.models import AdminUnit
from nahrain.sites import access, exports, selectors, services
from nahrain.sites.models import (
    Allocation,
    Indicator,
    MonitoringRound,
    MonitoringValue,
    Movement,
    RiskAssessment,
    Sector,
    ServiceGap,
    ShelterUnit,
    Site,
    SiteStatus,
)
from nahrain.sites.schemas import (
    AllocationIn,
    AllocationOut,
    CancelIn,
    ClosureIn,
    ClosureOut,
    DashboardOut,
    DetailOut,
    GapIn,
    GapOut,
    GapUpdateIn,
    GapUpdateOut,
    IndicatorOut,
    MonitoringIn,
    MonitoringOut,
    PopulationFigureOut,
    RiskIn,
    RiskOut,
    SiteDetailOut,
    SiteIn,
    SiteMovementIn,
    SiteMovementOut,
    SiteOut,
    SitePopulationIn,
    SitePopulationOut,
    SiteProfileIn,
    SiteStatusIn,
    SiteTransferIn,
    SiteWeekOut,
    StatusChangeOut,
    UnitOut,
    UnitsIn,
    VacateIn,
    ValueOut,
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


def refused(exc: ValidationError) -> Status[Any]:
    """A write that breaks a rule of the site: 400 with the reason, for the person sending it."""
    return Status(400, DetailOut(detail=" ".join(exc.messages)))


V = TypeVar("V", bound=Callable[..., Any])


def rules_answered(view: V) -> V:
    """A write that breaks a rule of the site (``SiteRuleBroken``, or a field the model
    refuses) is answered 400 with the reason, as every write endpoint here answers it."""

    @wraps(view)
    def answered(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except ValidationError as exc:
            return refused(exc)

    return answered  # type: ignore[return-value]


def movement_out(m: Movement) -> SiteMovementOut:
    return SiteMovementOut(
        uid=m.uid,
        site_uid=m.site.uid,
        kind=m.kind,
        on=m.on,
        households=m.households,
        individuals=m.individuals,
        place=m.place,
        reason=m.reason,
        transfer=m.transfer,
    )


def allocation_out(a: Allocation) -> AllocationOut:
    return AllocationOut(
        uid=a.uid,
        unit_uid=a.unit.uid,
        household=a.household,
        individuals=a.individuals,
        start=a.start,
        end=a.end,
        ended_by=a.ended_by,
    )


def unit_out(u: ShelterUnit) -> UnitOut:
    return UnitOut(
        uid=u.uid,
        block=u.block,
        code=u.code,
        kind=u.kind,
        condition=u.condition,
        accessible=u.accessible,
        occupied=u.occupied,
    )


@router.post(
    "/{site_uid}/movements", response={201: SiteMovementOut, 400: DetailOut, 404: DetailOut}
)
@rules_answered
def site_movement_create(
    request: HttpRequest, site_uid: uuid.UUID, payload: SiteMovementIn
) -> Status[Any]:
    """Record an arrival or a departure (the site's staff). The same ``key`` sent again returns
    the movement first recorded, counted once."""
    site = access.access_site_for_change(request.user, site_uid)
    other = (
        access.access_site_by_uid(request.user, payload.other_site_uid)
        if payload.other_site_uid
        else None
    )
    closure = (
        access.access_closure_for_change(request.user, payload.closure_uid)
        if payload.closure_uid
        else None
    )
    unit = None
    if payload.admin_unit:
        unit = AdminUnit.objects.defer("geometry").filter(pcode=payload.admin_unit).first()
        if unit is None:
            raise Http404
    movement = services.movement_record(
        actor=request.user,  # type: ignore[arg-type]
        site=site,
        kind=payload.kind,
        on=payload.on,
        households=payload.households,
        individuals=payload.individuals,
        place=payload.place,
        other_site=other,
        admin_unit=unit,
        reason=payload.reason,
        key=payload.key,
        closure=closure,
    )
    return Status(201, movement_out(movement))


@router.post("/transfers", response={201: list[SiteMovementOut], 400: DetailOut})
@rules_answered
def site_transfer_create(request: HttpRequest, payload: SiteTransferIn) -> Status[Any]:
    """Households moving from one site to another: the staff of both sites (a transfer changes
    both populations); to another agency's site, each records its own departure or arrival."""
    from_site = access.access_site_for_change(request.user, payload.from_site_uid)
    to_site = access.access_site_for_change(request.user, payload.to_site_uid)
    moves = services.transfer_record(
        actor=request.user,  # type: ignore[arg-type]
        from_site=from_site,
        to_site=to_site,
        on=payload.on,
        households=payload.households,
        individuals=payload.individuals,
        reason=payload.reason,
        key=payload.key,
    )
    return Status(201, [movement_out(m) for m in moves])


@router.post("/{site_uid}/population", response={201: SitePopulationOut, 400: DetailOut})
@rules_answered
def site_population_create(
    request: HttpRequest, site_uid: uuid.UUID, payload: SitePopulationIn
) -> Status[Any]:
    """A dated headcount or estimate; the site's population is recomputed from it."""
    site = access.access_site_for_change(request.user, site_uid)
    services.population_record(
        actor=request.user,  # type: ignore[arg-type]
        site=site,
        **payload.dict(),  # the figure's fields are the service's
    )
    site.refresh_from_db()
    return Status(
        201,
        SitePopulationOut(
            site_uid=site.uid,
            individuals=site.population_individuals,
            households=site.population_households,
            source=site.population_source,
            date=site.population_date,
        ),
    )


@router.get("/{site_uid}/weeks", response=list[SiteWeekOut])
def site_week_list(
    request: HttpRequest, site_uid: uuid.UUID, since: date | None = None
) -> list[SiteWeekOut]:
    """Weekly arrivals and departures of a site (weeks starting on Monday)."""
    site = access.access_site_by_uid(request.user, site_uid)
    return [
        SiteWeekOut(
            week=w.week,
            arrivals_households=w.arrivals_households,
            arrivals_individuals=w.arrivals_individuals,
            departures_households=w.departures_households,
            departures_individuals=w.departures_individuals,
        )
        for w in selectors.site_weeks(user=request.user, site=site, since=since)
    ]


@router.get("/{site_uid}/units", response=list[UnitOut])
def site_unit_list(request: HttpRequest, site_uid: uuid.UUID) -> list[UnitOut]:
    """A site's shelter units and whether each is lived in (no household: personal data)."""
    site = access.access_site_by_uid(request.user, site_uid)
    return [unit_out(u) for u in selectors.site_units(user=request.user, site=site)]


@router.post("/{site_uid}/units", response={201: list[UnitOut], 400: DetailOut})
@rules_answered
def site_unit_create(request: HttpRequest, site_uid: uuid.UUID, payload: UnitsIn) -> Status[Any]:
    """One unit (``code``) or a block's run (``first`` to ``last``, with a ``prefix``)."""
    site = access.access_site_for_change(request.user, site_uid)
    if payload.first is not None and payload.last is not None:
        codes = services.unit_codes(payload.first, payload.last, payload.prefix)
    else:
        codes = [payload.code] if payload.code.strip() else []
    units = services.units_create(
        actor=request.user,  # type: ignore[arg-type]
        site=site,
        kind=payload.kind,
        codes=codes,
        block=payload.block,
        condition=payload.condition,
        accessible=payload.accessible,
    )
    return Status(201, [unit_out(u) for u in units])


@router.post("/units/{unit_uid}/allocations", response={201: AllocationOut, 400: DetailOut})
@rules_answered
def unit_allocation_create(
    request: HttpRequest, unit_uid: uuid.UUID, payload: AllocationIn, response: HttpResponse
) -> Status[Any]:
    """Allocate a unit to a household (the site's staff); 400 when it is occupied."""
    unit = access.access_unit_for_change(request.user, unit_uid)
    no_store(response)  # the household's registration number
    allocation = services.allocation_create(
        actor=request.user,  # type: ignore[arg-type]
        unit=unit,
        **payload.dict(),
    )
    return Status(201, allocation_out(allocation))


@router.post("/allocations/{allocation_uid}/vacate", response={200: AllocationOut, 400: DetailOut})
@rules_answered
def allocation_vacate(
    request: HttpRequest, allocation_uid: uuid.UUID, payload: VacateIn, response: HttpResponse
) -> Status[Any]:
    """A household leaving its unit (departure or closure), with the date."""
    allocation = access.access_allocation_for_change(request.user, allocation_uid)
    no_store(response)  # the household's registration number
    ended = services.allocation_end(
        actor=request.user,  # type: ignore[arg-type]
        allocation=allocation,
        **payload.dict(),
    )
    return Status(200, allocation_out(ended))


def closure_out(request: HttpRequest, closure_uid: uuid.UUID) -> ClosureOut:
    closure = access.access_closure_by_uid(request.user, closure_uid)
    outcome = selectors.closure_outcome(user=request.user, closure=closure, today=date.today())
    return ClosureOut(
        uid=closure.uid,
        site_uid=closure.site.uid,
        announced_on=closure.announced_on,
        planned_on=closure.planned_on,
        cancelled_on=closure.cancelled_on,
        households=closure.households,
        intentions=outcome.planned,
        departed=outcome.departed,
        departed_households=outcome.departed_households,
        departed_individuals=outcome.departed_individuals,
        still_on_site=outcome.still_on_site,
        closed_on=outcome.closed_on,
        days_late=outcome.days_late,
    )


@router.post("/{site_uid}/closures", response={201: ClosureOut, 400: DetailOut})
@rules_answered
def site_closure_create(
    request: HttpRequest, site_uid: uuid.UUID, payload: ClosureIn
) -> Status[Any]:
    """A closure plan: dates, households to move and their stated intentions by destination."""
    site = access.access_site_for_change(request.user, site_uid)
    closure = services.closure_create(
        actor=request.user,  # type: ignore[arg-type]
        site=site,
        **payload.dict(),  # the plan's fields are the service's
    )
    return Status(201, closure_out(request, closure.uid))


@router.post("/closures/{closure_uid}/cancel", response={200: ClosureOut, 400: DetailOut})
@rules_answered
def site_closure_cancel(
    request: HttpRequest, closure_uid: uuid.UUID, payload: CancelIn
) -> Status[Any]:
    """Cancel a closure plan (the site's staff); departures counted against it stay linked."""
    closure = access.access_closure_for_change(request.user, closure_uid)
    services.closure_cancel(
        actor=request.user,  # type: ignore[arg-type]
        closure=closure,
        **payload.dict(),
    )
    return Status(200, closure_out(request, closure.uid))


@router.get("/closures/{closure_uid}", response=ClosureOut)
def site_closure_detail(request: HttpRequest, closure_uid: uuid.UUID) -> ClosureOut:
    """A closure as planned and as it happened (aggregate figures: anyone signed in)."""
    return closure_out(request, closure_uid)


# --- monitoring, gaps, risk ----------------------------------------------------------------------


def _indicator_out(i: Indicator) -> IndicatorOut:
    return IndicatorOut(
        code=i.code,
        version=i.version,
        sector=i.sector.code,
        cluster=i.sector.cluster_en,
        label=i.label_en,
        unit=i.unit_en,
        better=i.better,
        green=i.green,
        red=i.red,
        source=i.source,
        valid_from=i.valid_from,
        valid_to=i.valid_to,
    )


def _monitoring_out(m: MonitoringRound) -> MonitoringOut:
    return MonitoringOut(
        uid=m.uid,
        site=m.site.uid,
        on=m.on,
        population=m.population,
        counts=m.raw,
        red=m.red,
        amber=m.amber,
        green=m.green,
        values=[
            ValueOut(
                indicator=v.indicator.code,
                version=v.indicator.version,
                sector=v.indicator.sector.code,
                value=None if math.isinf(v.value) else v.value,
                rating=v.rating,
            )
            for v in selectors.monitoring_values(m)
        ],
    )


def _gap_out(g: ServiceGap) -> GapOut:
    return GapOut(
        uid=g.uid,
        site=g.site.uid,
        sector=g.sector.code,
        cluster=g.sector.cluster_en,
        description=g.description,
        raised_on=g.raised_on,
        partner=g.partner,
        due_on=g.due_on,
        status=g.status,
        closed_on=g.closed_on,
        indicator=g.indicator.code if g.indicator else None,
    )


def _risk_out(a: RiskAssessment) -> RiskOut:
    return RiskOut(
        uid=a.uid,
        site=a.site.uid,
        site_name=a.site.name_en,
        on=a.on,
        score=a.score,
        formula=a.formula,
        families=int(a.answers.get("families") or 0),
        answers=a.answers,
    )


@router.get("/indicators", response=list[IndicatorOut])
def indicator_list(request: HttpRequest, on: date | None = None) -> list[IndicatorOut]:
    """The monitoring thresholds in force on a day (default today), with their sources."""
    return [_indicator_out(i) for i in selectors.indicators_current(on=on or date.today())]


@router.post("/{site_uid}/monitoring", response={201: MonitoringOut, 404: None, 422: DetailOut})
def monitoring_create(
    request: HttpRequest, site_uid: uuid.UUID, payload: MonitoringIn
) -> Status[Any]:
    """Record a monitoring round's raw counts: each indicator is computed and rated."""
    site = access.access_site_for_change(request.user, site_uid)
    try:
        monitoring = services.monitoring_record(
            actor=request.user,  # type: ignore[arg-type]
            site=site,
            on=payload.on,
            raw=payload.counts,
            population=payload.population,
            key=payload.key,
        )
    except ValidationError as exc:
        return _refused(exc)
    return Status(201, _monitoring_out(monitoring))


@router.get("/{site_uid}/monitoring", response=list[MonitoringOut])
def monitoring_list(request: HttpRequest, site_uid: uuid.UUID) -> list[MonitoringOut]:
    """A site's monitoring rounds, newest first."""
    site = access.access_site_by_uid(request.user, site_uid)
    return [_monitoring_out(m) for m in selectors.monitoring_history(user=request.user, site=site)]


@router.get("/gaps", response=list[GapOut])
def gap_list(
    request: HttpRequest, sector: str = "", governorate: str = "", overdue: bool = False
) -> list[GapOut]:
    """Open gaps across sites (open or taken on), soonest due first."""
    gaps = selectors.gaps_open(
        user=request.user,
        today=date.today(),
        sector=sector,
        governorate=governorate,
        overdue=overdue,
    )
    return [_gap_out(g) for g in gaps]


@router.get("/{site_uid}/gaps", response=list[GapOut])
def site_gap_list(request: HttpRequest, site_uid: uuid.UUID, closed: bool = False) -> list[GapOut]:
    """A site's gaps: the open ones, or all with ``closed=true``."""
    site = access.access_site_by_uid(request.user, site_uid)
    gaps = selectors.gaps_of_site(user=request.user, site=site, open_only=not closed)
    return [_gap_out(g) for g in gaps]


@router.post("/{site_uid}/gaps", response={201: GapOut, 404: None, 422: DetailOut})
def gap_create(request: HttpRequest, site_uid: uuid.UUID, payload: GapIn) -> Status[Any]:
    """Raise a service gap, by hand or from a monitoring round's indicator."""
    site = access.access_site_for_change(request.user, site_uid)
    sector = Sector.objects.filter(code=payload.sector).first()
    if sector is None:
        return Status(422, DetailOut(detail=f"Unknown sector {payload.sector!r}."))
    value = None
    if payload.monitoring_round is not None:
        value = MonitoringValue.objects.filter(
            round__uid=payload.monitoring_round, round__site=site, indicator__code=payload.indicator
        ).first()
        if value is None:
            return Status(422, DetailOut(detail="No such value in that round."))
    try:
        gap = services.gap_raise(
            actor=request.user,  # type: ignore[arg-type]
            site=site,
            sector=sector,
            description=payload.description,
            raised_on=payload.raised_on,
            partner=payload.partner,
            due_on=payload.due_on,
            monitoring_value=value,
        )
    except ValidationError as exc:
        return _refused(exc)
    return Status(201, _gap_out(gap))


@router.post("/gaps/{gap_uid}/updates", response={201: GapUpdateOut, 404: None, 422: DetailOut})
def gap_update_create(
    request: HttpRequest, gap_uid: uuid.UUID, payload: GapUpdateIn
) -> Status[Any]:
    """A follow-up on a gap: a note and the status it leaves (open, taken, closed)."""
    gap = access.access_gap_for_change(request.user, gap_uid)
    try:
        update = services.gap_update(
            actor=request.user,  # type: ignore[arg-type]
            gap=gap,
            on=payload.on,
            status=payload.status,
            note=payload.note,
            partner=payload.partner,
            due_on=payload.due_on,
        )
    except ValidationError as exc:
        return _refused(exc)
    gap.site.refresh_from_db(fields=["open_gaps"])
    return Status(
        201,
        GapUpdateOut(
            gap=gap.uid,
            on=update.on,
            status=update.status,
            note=update.note,
            open_gaps=gap.site.open_gaps,
        ),
    )


@router.post("/{site_uid}/risk", response={201: RiskOut, 404: None, 422: DetailOut})
def risk_create(request: HttpRequest, site_uid: uuid.UUID, payload: RiskIn) -> Status[Any]:
    """Assess an informal site's risk: the answers are scored with the formula in force."""
    site = access.access_site_for_change(request.user, site_uid)
    try:
        assessment = services.risk_assess(
            actor=request.user,  # type: ignore[arg-type]
            site=site,
            on=payload.on,
            answers=payload.answers,
            key=payload.key,
        )
    except ValidationError as exc:
        return _refused(exc)
    return Status(201, _risk_out(assessment))


@router.get("/risk", response=list[RiskOut])
def risk_list(request: HttpRequest, governorate: str = "") -> list[RiskOut]:
    """Informal sites ranked by their latest risk score (ties: more families first)."""
    rows = selectors.risk_ranking(user=request.user, governorate=governorate)
    return [_risk_out(row.assessment) for row in rows]


# --- a site by its address: last, since a path such as /gaps would otherwise be read as one ---


@router.get("/{site_uid}", response=SiteDetailOut)
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


@router.patch("/{site_uid}", response={200: SiteOut, **UNPROCESSABLE})
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


@router.post("/{site_uid}/status", response={200: SiteOut, **UNPROCESSABLE})
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
