"""The sites API at /api/v1/sites/: thin, over the same services and selectors as the pages."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router, Status

from nahrain.core.http import no_store
from nahrain.geo.models import AdminUnit
from nahrain.sites import access, selectors, services
from nahrain.sites.models import Allocation, Movement, ShelterUnit
from nahrain.sites.schemas import (
    AllocationIn,
    AllocationOut,
    CancelIn,
    ClosureIn,
    ClosureOut,
    RefusedOut,
    SiteMovementIn,
    SiteMovementOut,
    SitePopulationIn,
    SitePopulationOut,
    SiteTransferIn,
    SiteWeekOut,
    UnitOut,
    UnitsIn,
    VacateIn,
)

router = Router(tags=["sites"])

# --- sites: list, dashboard, site page ----------------------------------------------------------


# --- exports and the reconciliation with DTM ---------------------------------------------------


# --- shelters, movements, closures --------------------------------------------------------------


def refused(exc: ValidationError) -> Status[Any]:
    """A write that breaks a rule of the site: 400 with the reason, for the person sending it."""
    return Status(400, RefusedOut(detail=" ".join(exc.messages)))


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
    "/{site_uid}/movements", response={201: SiteMovementOut, 400: RefusedOut, 404: RefusedOut}
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


@router.post("/transfers", response={201: list[SiteMovementOut], 400: RefusedOut})
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


@router.post("/{site_uid}/population", response={201: SitePopulationOut, 400: RefusedOut})
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


@router.post("/{site_uid}/units", response={201: list[UnitOut], 400: RefusedOut})
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


@router.post("/units/{unit_uid}/allocations", response={201: AllocationOut, 400: RefusedOut})
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


@router.post("/allocations/{allocation_uid}/vacate", response={200: AllocationOut, 400: RefusedOut})
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


@router.post("/{site_uid}/closures", response={201: ClosureOut, 400: RefusedOut})
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


@router.post("/closures/{closure_uid}/cancel", response={200: ClosureOut, 400: RefusedOut})
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
