"""The health API at /api/v1/health/: thin, over the same services and selectors as the health
pages (docs/HEALTH.md). Facilities are read by every signed-in caller and changed by the
information managers of the organisation running them; reports are read by the organisations
running or supporting a facility and the surveillance officers of its Directorate of Health,
and sent by its data entry staff and information managers (``access``). A report is sent with
PUT to the facility's period or week: sent again, it replaces the one before. An immediate
report sent again with its ``uid`` counts once. A write the rules refuse is answered 422 with
its problems; what is missing and what is not the caller's are the same 404."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, Literal, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Status

from nahrain.core.http import no_store, refusal_detail, refusal_pairs
from nahrain.core.models import Organisation, OrganisationType
from nahrain.geo.models import AdminUnit, Location, LocationKind
from nahrain.geo.selectors import location_usable_q
from nahrain.health import access, alert_selectors, alerting, codelists, report_selectors, services
from nahrain.health.models import (
    Alert,
    ConsultationReport,
    EwarnReport,
    Facility,
    ImmediateReport,
)
from nahrain.health.schemas import (
    WEEK_PATTERN,
    HealthAlertOut,
    HealthAlertPageOut,
    HealthAlertQuery,
    HealthAlertStepIn,
    HealthCatchmentIn,
    HealthConsultationPageOut,
    HealthConsultationQuery,
    HealthConsultationReportIn,
    HealthConsultationReportOut,
    HealthEwarnPageOut,
    HealthEwarnQuery,
    HealthEwarnReportIn,
    HealthEwarnReportOut,
    HealthFacilityChangeIn,
    HealthFacilityIn,
    HealthFacilityOut,
    HealthFacilityPageOut,
    HealthFacilityQuery,
    HealthImmediateIn,
    HealthImmediateOut,
    HealthProblemOut,
    HealthProblemsOut,
)
from nahrain.health.services import Cell, DiseaseCount
from nahrain.sites.access import sites_visible

router = Router(tags=["health"])

V = TypeVar("V", bound=Callable[..., Any])


def problems_out(error: ValidationError) -> HealthProblemsOut:
    """A refusal of the services (``ValidationError``, by field where it says one)."""
    pairs = refusal_pairs(error)
    return HealthProblemsOut(
        detail=refusal_detail(pairs),
        problems=[HealthProblemOut(rule="invalid", field=n, message=m) for n, m in pairs],
    )


def rules_answered(view: V) -> V:
    """A write the health rules refuse is answered 422 with its problems."""

    @wraps(view)
    def answered(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except ValidationError as refused:
            return Status(422, problems_out(refused))

    return answered  # type: ignore[return-value]


router.add_decorator(rules_answered, mode="operation")

REFUSED = {404: None, 422: HealthProblemsOut}


def _actor(request: HttpRequest) -> User:
    """The signed-in user (the API's authentication lets no one else through)."""
    user = request.user
    assert isinstance(user, User)
    return user


def week_text(year: int, week: int) -> str:
    return f"{year}-W{week:02d}"


# --- what the API gives -----------------------------------------------------------------------


def _organisation_out(organisation: Organisation) -> dict[str, Any]:
    return {"id": organisation.pk, "name": organisation.name, "acronym": organisation.acronym}


def facility_row(facility: Facility) -> dict[str, Any]:
    """A facility as lists give it (organisation, directorate and district selected)."""
    return {
        **{
            name: getattr(facility, name)
            for name in (
                "uid",
                "code",
                "name_en",
                "name_ar",
                "name_ckb",
                "kind",
                "latitude",
                "longitude",
                "functionality",
                "ewarn_reporting",
                "active",
            )
        },
        "kind_label": codelists.label("facility_kinds", facility.kind),
        "organisation": _organisation_out(facility.organisation),
        "directorate": _organisation_out(facility.directorate),
        "district": facility.district.pcode,
        "district_name": facility.district.name_en,
    }


def facility_out(request: HttpRequest, facility: Facility) -> dict[str, Any]:
    places = facility.catchment.select_related("site", "location").order_by("pk")
    population = facility.populations.order_by("-on").first()
    user = request.user
    return {
        **facility_row(facility),
        "functionality_since": facility.functionality_since,
        "supporters": [_organisation_out(o) for o in facility.supporters.order_by("acronym")],
        "catchment": [
            {
                "site_uid": p.site.uid if p.site else None,
                "location_uid": p.location.uid if p.location else None,
                "code": p.site.code if p.site else p.location.external_id if p.location else "",
                "name": p.site.name_en if p.site else p.location.name_en if p.location else "",
                "weekdays": list(p.weekdays),
            }
            for p in places
        ],
        "population": (
            {
                "on": population.on,
                "individuals": population.individuals,
                "sources": population.sources,
            }
            if population is not None
            else None
        ),
        "reads_reports": access.reads_reports(user, facility),
        "reports_for": access.facilities_reporting(user).filter(pk=facility.pk).exists(),
        "manages": access.facilities_managed(user).filter(pk=facility.pk).exists(),
    }


def consultation_row(report: ConsultationReport) -> dict[str, Any]:
    return {
        **{
            name: getattr(report, name)
            for name in ("uid", "period", "start", "end", "revision", "source", "submitted_at")
        },
        "facility_uid": report.facility.uid,
        "facility_code": report.facility.code,
        "total": report.total,
    }


def consultation_out(report: ConsultationReport) -> dict[str, Any]:
    return {
        **consultation_row(report),
        "cells": [
            {
                "service": c.service,
                "sex": c.sex,
                "age_group": c.age_group,
                "population_group": c.population_group,
                "count": c.count,
            }
            for c in report.counts.order_by("service", "sex", "age_group", "population_group")
        ],
    }


def ewarn_row(report: EwarnReport) -> dict[str, Any]:
    return {
        **{
            name: getattr(report, name)
            for name in (
                "uid",
                "convention",
                "start",
                "revision",
                "source",
                "submitted_at",
                "on_time",
                "total_cases",
            )
        },
        "facility_uid": report.facility.uid,
        "facility_code": report.facility.code,
        "week": week_text(report.year, report.week),
    }


def ewarn_out(report: EwarnReport) -> dict[str, Any]:
    order = {code: n for n, code in enumerate(codelists.codes("diseases"))}
    counts = sorted(report.counts.all(), key=lambda c: order.get(c.disease, len(order)))
    return {
        **ewarn_row(report),
        "counts": [
            {
                "disease": c.disease,
                "disease_label": codelists.label("diseases", c.disease),
                "cases_under5": c.cases_under5,
                "cases_over5": c.cases_over5,
                "deaths_under5": c.deaths_under5,
                "deaths_over5": c.deaths_over5,
            }
            for c in counts
        ],
    }


def immediate_out(immediate: ImmediateReport) -> dict[str, Any]:
    return {
        **{
            name: getattr(immediate, name)
            for name in ("uid", "disease", "seen_on", "cases", "deaths", "note", "submitted_at")
        },
        "facility_uid": immediate.facility.uid,
    }


def _page(found: Any, limit: int, offset: int, row: Callable[[Any], Any]) -> dict[str, Any]:
    return {
        "count": found.count(),
        "limit": limit,
        "offset": offset,
        "items": [row(item) for item in found[offset : offset + limit]],
    }


# --- facilities -------------------------------------------------------------------------------


def _managing_organisation(request: HttpRequest, organisation_id: uuid.UUID | None) -> Any:
    """The organisation a new facility goes into: the one named, or the caller's only one among
    those they manage (404 for a caller who manages none, or names one they do not)."""
    organisations = access.organisations_managing(request.user)
    if organisation_id is not None:
        found = organisations.filter(pk=organisation_id).first()
        if found is None:
            raise Http404
        return found
    listed = list(organisations[:2])
    if not listed:
        raise Http404
    if len(listed) > 1:
        raise ValidationError({"organisation_id": "say which organisation runs the facility"})
    return listed[0]


@router.get("/facilities", response=HealthFacilityPageOut)
def facility_list(request: HttpRequest, filters: Query[HealthFacilityQuery]) -> dict[str, Any]:
    """The facilities, by code: ``count`` is how many the filters keep, ``items`` the page of
    them from ``offset``."""
    found = report_selectors.facilities_found(
        request.user,
        report_selectors.FacilityFilters(
            kind=filters.kind or "",
            functionality=filters.functionality or "",
            governorate=filters.governorate or "",
            district=filters.district or "",
            organisation=filters.organisation_id,
            directorate=filters.directorate_id,
            reporting=filters.reporting,
            q=filters.q,
        ),
    )
    return _page(found, filters.limit, filters.offset, facility_row)


@router.post("/facilities", response={201: HealthFacilityOut, **REFUSED})
def facility_create(request: HttpRequest, payload: HealthFacilityIn) -> Status[Any]:
    """A new facility of an organisation the caller is an information manager of."""
    organisation = _managing_organisation(request, payload.organisation_id)
    problems: dict[str, str] = {}
    directorate = Organisation.objects.filter(
        pk=payload.directorate_id, type=OrganisationType.GOVERNMENT
    ).first()
    if directorate is None:
        problems["directorate_id"] = "not a Directorate of Health (a government organisation)"
    district = AdminUnit.objects.defer("geometry").filter(pcode=payload.district.upper()).first()
    if district is None:
        problems["district"] = "not a known p-code"
    supporters = list(Organisation.objects.filter(pk__in=payload.supporter_ids))
    if len(supporters) != len(set(payload.supporter_ids)):
        problems["supporter_ids"] = "not a known organisation"
    if problems or directorate is None or district is None:
        raise ValidationError(problems)
    if Facility.objects.filter(organisation=organisation, code=payload.code.strip()).exists():
        raise ValidationError({"code": "the organisation has a facility with this code"})
    facility = services.facility_create(
        actor=_actor(request),
        organisation=organisation,
        directorate=directorate,
        code=payload.code,
        name_en=payload.name_en,
        name_ar=payload.name_ar,
        name_ckb=payload.name_ckb,
        kind=payload.kind,
        district=district,
        latitude=payload.latitude,
        longitude=payload.longitude,
        functionality=payload.functionality,
        ewarn_reporting=payload.ewarn_reporting,
        supporters=supporters,
    )
    return Status(201, facility_out(request, facility))


@router.get("/facilities/{facility_uid}", response={200: HealthFacilityOut, 404: None})
def facility_detail(request: HttpRequest, facility_uid: uuid.UUID) -> dict[str, Any]:
    """A facility: where it is, who runs it, its catchment and population denominator, and
    what the caller may do with it."""
    return facility_out(request, access.access_facility_by_uid(request.user, facility_uid))


@router.patch("/facilities/{facility_uid}", response={200: HealthFacilityOut, **REFUSED})
def facility_update(
    request: HttpRequest, facility_uid: uuid.UUID, payload: HealthFacilityChangeIn
) -> Status[Any]:
    """Change a facility's names, kind, place, functionality (dated today) or whether it
    reports to EWARN (the information managers of the organisation running it)."""
    facility = access.access_facility_for_change(request.user, facility_uid)
    changes = payload.dict(exclude_unset=True)
    for name in ("name_en", "name_ar", "name_ckb", "kind", "functionality", "ewarn_reporting"):
        if name in changes and changes[name] is None:
            raise ValidationError({name: "cannot be emptied"})
    updated = services.facility_update(actor=_actor(request), facility=facility, **changes)
    return Status(200, facility_out(request, updated))


@router.put("/facilities/{facility_uid}/catchment", response={200: HealthFacilityOut, **REFUSED})
def catchment_set(
    request: HttpRequest, facility_uid: uuid.UUID, payload: HealthCatchmentIn
) -> Status[Any]:
    """Replace the sites and DTM locations the facility serves; its population denominator is
    taken anew from them."""
    facility = access.access_facility_for_change(request.user, facility_uid)
    sites = list(sites_visible(request.user).filter(uid__in=payload.site_uids))
    locations = list(
        Location.objects.filter(
            location_usable_q(
                organisation_id=facility.organisation_id, kind=LocationKind.DTM_PLACE
            ),
            uid__in=payload.location_uids,
        )
    )
    problems = {}
    if len(sites) != len(set(payload.site_uids)):
        problems["site_uids"] = "not a site you can see"
    if len(locations) != len(set(payload.location_uids)):
        problems["location_uids"] = "not a DTM location the organisation may name"
    if problems:
        raise ValidationError(problems)
    services.catchment_set(
        actor=_actor(request),
        facility=facility,
        sites=sites,
        locations=locations,
        weekdays=payload.weekdays,
    )
    return Status(200, facility_out(request, facility))


# --- consultation reports ---------------------------------------------------------------------


@router.put(
    "/facilities/{facility_uid}/consultation-reports/{period}/{start}",
    response={200: HealthConsultationReportOut, **REFUSED},
)
def consultation_report_submit(
    request: HttpRequest,
    facility_uid: uuid.UUID,
    period: Literal["week", "month"],
    start: date,
    payload: HealthConsultationReportIn,
) -> Status[Any]:
    """Send the facility's consultations of one week (``start`` its first day) or month (the
    1st): sent again, the report is replaced whole (one revision higher), never added to."""
    facility = access.access_facility_for_reporting(request.user, facility_uid)
    report = services.consultation_report_submit(
        actor=_actor(request),
        facility=facility,
        period=period,
        start=start,
        cells=[Cell(**c.dict()) for c in payload.cells],
        source="api",
    )
    return Status(200, consultation_out(report))


@router.get("/consultation-reports", response=HealthConsultationPageOut)
def consultation_report_list(
    request: HttpRequest, filters: Query[HealthConsultationQuery], response: HttpResponse
) -> dict[str, Any]:
    """The consultation reports the caller reads, newest period first."""
    no_store(response)
    found = report_selectors.consultation_reports_found(
        request.user,
        facility=filters.facility_uid,
        period=filters.period or "",
        since=filters.since,
        until=filters.until,
    )
    return _page(found, filters.limit, filters.offset, consultation_row)


@router.get(
    "/consultation-reports/{consultation_report_uid}",
    response={200: HealthConsultationReportOut, 404: None},
)
def consultation_report_detail(
    request: HttpRequest, consultation_report_uid: uuid.UUID, response: HttpResponse
) -> dict[str, Any]:
    """A consultation report with its counts by service, sex, age and population group."""
    no_store(response)
    return consultation_out(
        access.access_consultation_report_by_uid(request.user, consultation_report_uid)
    )


# --- EWARN ------------------------------------------------------------------------------------


@router.put(
    "/facilities/{facility_uid}/ewarn-reports/{week}",
    response={200: HealthEwarnReportOut, **REFUSED},
)
def ewarn_report_submit(
    request: HttpRequest,
    facility_uid: uuid.UUID,
    week: str,
    payload: HealthEwarnReportIn,
) -> Status[Any]:
    """Send the facility's EWARN week (``2026-W05``, in the configured week convention): the
    cases and deaths per disease, under five and five and over; an empty list reports zero
    cases. Sent again, the week is replaced and the alert rules run on it again."""
    facility = access.access_facility_for_reporting(request.user, facility_uid)
    year, number = _week(week)
    report = services.ewarn_report_submit(
        actor=_actor(request),
        facility=facility,
        year=year,
        week=number,
        counts=[DiseaseCount(**c.dict()) for c in payload.counts],
        source="api",
    )
    return Status(200, ewarn_out(report))


def _week(text: str) -> tuple[int, int]:
    if not re.fullmatch(WEEK_PATTERN, text):
        raise ValidationError({"week": "an epidemiological week is written 2026-W05"})
    year, number = text.split("-W")
    return int(year), int(number)


@router.get("/ewarn-reports", response=HealthEwarnPageOut)
def ewarn_report_list(
    request: HttpRequest, filters: Query[HealthEwarnQuery], response: HttpResponse
) -> dict[str, Any]:
    """The EWARN weekly reports the caller reads, newest week first."""
    no_store(response)
    found = report_selectors.ewarn_reports_found(
        request.user,
        facility=filters.facility_uid,
        year=filters.year,
        week_from=filters.week_from,
        week_to=filters.week_to,
    )
    return _page(found, filters.limit, filters.offset, ewarn_row)


@router.get("/ewarn-reports/{ewarn_report_uid}", response={200: HealthEwarnReportOut, 404: None})
def ewarn_report_detail(
    request: HttpRequest, ewarn_report_uid: uuid.UUID, response: HttpResponse
) -> dict[str, Any]:
    """An EWARN week with the cases and deaths of each disease that had any."""
    no_store(response)
    return ewarn_out(access.access_ewarn_report_by_uid(request.user, ewarn_report_uid))


# --- immediate reports ------------------------------------------------------------------------


@router.post(
    "/facilities/{facility_uid}/immediate-reports",
    response={200: HealthImmediateOut, 201: HealthImmediateOut, **REFUSED},
)
def immediate_report_submit(
    request: HttpRequest, facility_uid: uuid.UUID, payload: HealthImmediateIn
) -> Status[Any]:
    """Report at once a case of a disease notifiable immediately (201). Sent again with the
    same ``uid`` (a retry on a poor connection), the report first made is answered (200) and
    counted once."""
    facility = access.access_facility_for_reporting(request.user, facility_uid)
    known = (
        payload.uid is not None
        and ImmediateReport.objects.filter(uid=payload.uid, facility=facility).exists()
    )
    immediate = services.immediate_report_submit(
        actor=_actor(request),
        facility=facility,
        disease=payload.disease,
        seen_on=payload.seen_on,
        cases=payload.cases,
        deaths=payload.deaths,
        note=payload.note,
        uid=payload.uid,
    )
    return Status(200 if known else 201, immediate_out(immediate))


# --- alerts -----------------------------------------------------------------------------------


def alert_row(alert: Alert) -> dict[str, Any]:
    """An alert as lists give it (its district selected)."""
    return {
        **{name: getattr(alert, name) for name in ("uid", "disease", "status", "raised_at")},
        "disease_label": codelists.label("diseases", alert.disease),
        "district": alert.district.pcode,
        "district_name": alert.district.name_en,
        "week": week_text(alert.year, alert.week),
        "verify_by": alert.verify_by,
    }


def alert_out(request: HttpRequest, uid: Any) -> dict[str, Any]:
    """An alert as ``alert_selectors.alert_detail`` gives it to its reader: the signals of the
    facilities whose reports the reader reads, and the steps they may take."""
    detail = alert_selectors.alert_detail(request.user, uid)
    return {
        **alert_row(detail.alert),
        "next_steps": detail.next_steps,
        "works": access.alerts_worked(request.user).filter(pk=detail.alert.pk).exists(),
        "signals": [
            {
                "facility_uid": s.facility.uid,
                "facility_code": s.facility.code,
                "week": week_text(s.year, s.week),
                "rule": s.rule,
                "cases": s.cases,
                "threshold": s.threshold,
            }
            for s in detail.signals
        ],
        "other_facilities": detail.other_facilities,
        "events": [
            {
                "status": e.status,
                "at": e.at,
                "by": e.actor.get_username() if e.actor is not None else "",
                "note": e.note,
            }
            for e in detail.events
        ],
    }


@router.get("/alerts", response=HealthAlertPageOut)
def alert_list(
    request: HttpRequest, filters: Query[HealthAlertQuery], response: HttpResponse
) -> dict[str, Any]:
    """The alerts the caller reads, newest first."""
    no_store(response)
    found = alert_selectors.alerts_for(
        request.user,
        status=filters.status,
        disease=filters.disease,
        governorate=(filters.governorate or "").upper() or None,
        open_only=filters.open_only,
    )
    return _page(found, filters.limit, filters.offset, alert_row)


@router.get("/alerts/{alert_uid}", response={200: HealthAlertOut, 404: None})
def alert_detail(
    request: HttpRequest, alert_uid: uuid.UUID, response: HttpResponse
) -> dict[str, Any]:
    """An alert with its signals, its steps so far, and the steps the caller may take."""
    no_store(response)
    return alert_out(request, alert_uid)


@router.post("/alerts/{alert_uid}/steps", response={200: HealthAlertOut, **REFUSED})
def alert_step(
    request: HttpRequest, alert_uid: uuid.UUID, payload: HealthAlertStepIn
) -> Status[Any]:
    """Move the alert one step (``to``: verified or discarded, then investigated, response,
    closed), with a note; discarding and closing say why (the surveillance officers of a
    directorate with a facility in the alert's district)."""
    alert = access.access_alert_for_work(request.user, alert_uid)
    alerting.alert_step(actor=_actor(request), alert=alert, to=payload.to, note=payload.note)
    return Status(200, alert_out(request, alert.uid))
