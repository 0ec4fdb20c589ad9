"""The sites API at /api/v1/sites/: thin, over the same services and selectors as the pages."""

from __future__ import annotations

import math
import uuid
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Status

from nahrain.sites import access, selectors, services
from nahrain.sites.models import (
    Indicator,
    MonitoringRound,
    MonitoringValue,
    RiskAssessment,
    Sector,
    ServiceGap,
)
from nahrain.sites.schemas import (
    GapIn,
    GapOut,
    GapUpdateIn,
    GapUpdateOut,
    IndicatorOut,
    MonitoringDetailOut,
    MonitoringIn,
    MonitoringOut,
    RiskIn,
    RiskOut,
    ValueOut,
)

router = Router(tags=["sites"])

# --- sites: list, dashboard, site page ----------------------------------------------------------


# --- exports and the reconciliation with DTM ---------------------------------------------------


# --- shelters, movements, closures --------------------------------------------------------------


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


def _refused(exc: ValidationError) -> Status[Any]:
    return Status(422, MonitoringDetailOut(detail=" ".join(exc.messages)))


@router.get("/indicators", response=list[IndicatorOut])
def indicator_list(request: HttpRequest, on: date | None = None) -> list[IndicatorOut]:
    """The monitoring thresholds in force on a day (default today), with their sources."""
    return [_indicator_out(i) for i in selectors.indicators_current(on=on or date.today())]


@router.post(
    "/{site_uid}/monitoring", response={201: MonitoringOut, 404: None, 422: MonitoringDetailOut}
)
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


@router.post("/{site_uid}/gaps", response={201: GapOut, 404: None, 422: MonitoringDetailOut})
def gap_create(request: HttpRequest, site_uid: uuid.UUID, payload: GapIn) -> Status[Any]:
    """Raise a service gap, by hand or from a monitoring round's indicator."""
    site = access.access_site_for_change(request.user, site_uid)
    sector = Sector.objects.filter(code=payload.sector).first()
    if sector is None:
        return Status(422, MonitoringDetailOut(detail=f"Unknown sector {payload.sector!r}."))
    value = None
    if payload.monitoring_round is not None:
        value = MonitoringValue.objects.filter(
            round__uid=payload.monitoring_round, round__site=site, indicator__code=payload.indicator
        ).first()
        if value is None:
            return Status(422, MonitoringDetailOut(detail="No such value in that round."))
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


@router.post(
    "/gaps/{gap_uid}/updates", response={201: GapUpdateOut, 404: None, 422: MonitoringDetailOut}
)
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


@router.post("/{site_uid}/risk", response={201: RiskOut, 404: None, 422: MonitoringDetailOut})
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
