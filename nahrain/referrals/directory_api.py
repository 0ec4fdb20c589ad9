"""The service directory API at /api/v1/services/: thin, over the same selectors and services as
the pages. Searching and reading a point's current entry is open to every signed-in caller;
writing (a new point, its draft, publishing, archiving) to the service mappers of the
organisation that runs it, whose drafts no cache keeps. A write the directory's rules refuse is
answered 422 with its problems; the directory as Open Referral HSDS 3.0 or HXL (audited)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from nahrain.core.http import no_store
from nahrain.geo.models import AdminUnit
from nahrain.referrals import access, codelists, directory_exports, directory_selectors
from nahrain.referrals import directory_services as services
from nahrain.referrals.directory_forms import problems_of
from nahrain.referrals.directory_schemas import (
    DirectoryDraftIn,
    DirectoryEntryFields,
    DirectoryExportQuery,
    DirectoryHsdsOut,
    DirectoryPointIn,
    DirectoryPointOut,
    DirectoryPointPageOut,
    DirectoryPointQuery,
    DirectoryProblemOut,
    DirectoryProblemsOut,
)
from nahrain.referrals.models import ServicePoint, ServicePointVersion
from nahrain.referrals.services import Problem, ReferralRuleBroken
from nahrain.sites.access import sites_visible
from nahrain.sites.models import Site

router = Router(tags=["directory"])

V = TypeVar("V", bound=Callable[..., Any])


def problems_out(error: ValidationError) -> DirectoryProblemsOut:
    problems = problems_of(error)
    return DirectoryProblemsOut(
        detail=" ".join(str(p.message) for p in problems),
        problems=[
            DirectoryProblemOut(rule=p.rule, field=p.field, message=str(p.message))
            for p in problems
        ],
    )


def rules_answered(view: V) -> V:
    """A write the directory's rules (or the entry's own checks) refuse is answered 422."""

    @wraps(view)
    def answered(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except ValidationError as refused:
            return Status(422, problems_out(refused))

    return answered  # type: ignore[return-value]


router.add_decorator(rules_answered, mode="operation")

REFUSED = {404: None, 422: DirectoryProblemsOut}


def _actor(request: HttpRequest) -> User:
    """The signed-in user (the API's authentication lets no one else through)."""
    user = request.user
    assert isinstance(user, User)
    return user


# --- what the API gives -----------------------------------------------------------------------


def entry_out(version: ServicePointVersion) -> dict[str, Any]:
    """An entry with its offers and visits (``version`` came through ``with_details``)."""
    return {
        **{
            name: getattr(version, name)
            for name in (
                "number",
                "status",
                "kind",
                "name_en",
                "name_ar",
                "name_ckb",
                "latitude",
                "longitude",
                "address",
                "hours",
                "phone",
                "email",
                "capacity_per_week",
                "waiting_days",
                "active_from",
                "active_until",
                "note",
                "edited_at",
                "published_at",
            )
        },
        "admin_unit": version.admin_unit.pcode,
        "admin_unit_name": version.admin_unit.name_en,
        "site_uid": version.site.uid if version.site else None,
        "languages": list(version.languages),
        "offers": [
            {
                "service": o.service,
                "service_label": codelists.label("service_types", o.service),
                "sexes": list(o.sexes),
                "age_min": o.age_min,
                "age_max": o.age_max,
                "groups": list(o.groups),
            }
            for o in version.offers.all()
        ],
        "visits": [
            {
                "site_uid": v.site.uid if v.site else None,
                "site_name": v.site.name_en if v.site else "",
                "admin_unit": v.admin_unit.pcode if v.admin_unit else None,
                "admin_unit_name": v.admin_unit.name_en if v.admin_unit else "",
                "weekdays": list(v.weekdays),
                "hours": v.hours,
            }
            for v in version.visits.all()
        ],
    }


def _organisation_out(point: ServicePoint) -> dict[str, Any]:
    organisation = point.organisation
    return {"id": organisation.pk, "name": organisation.name, "acronym": organisation.acronym}


def point_out(request: HttpRequest, response: HttpResponse, point_uid: Any) -> dict[str, Any]:
    """A point as the caller sees it, read through its gate; what only its mappers see is kept
    by no cache."""
    page = directory_selectors.point_page(user=request.user, point_uid=point_uid)
    if page.maps:
        no_store(response)
    return {
        "uid": page.point.uid,
        "organisation": _organisation_out(page.point),
        "maps": page.maps,
        "current": entry_out(page.current) if page.current else None,
        "draft": entry_out(page.draft) if page.draft else None,
        "history": [
            {
                "number": v.number,
                "status": v.status,
                "edited_at": v.edited_at,
                "published_at": v.published_at,
            }
            for v in page.history
        ],
    }


# --- what a mapper writes ---------------------------------------------------------------------


def _unit(pcode: str | None, field: str, problems: list[Problem]) -> AdminUnit | None:
    if not pcode:
        return None
    unit = AdminUnit.objects.defer("geometry").filter(pcode=pcode.strip().upper()).first()
    if unit is None:
        problems.append(Problem("unknown_pcode", field, _("Not a known p-code.")))
    return unit


def _site(request: HttpRequest, site_uid: uuid.UUID | None, problems: list[Problem]) -> Site | None:
    if site_uid is None:
        return None
    site = sites_visible(request.user).filter(uid=site_uid).first()
    if site is None:
        problems.append(Problem("unknown_site", "site_uid", _("Not a site you can see.")))
    return site


def point_in(request: HttpRequest, payload: DirectoryEntryFields) -> services.PointIn:
    """The entry the payload writes, its p-codes and sites found; refused whole (422) when one
    is unknown."""
    problems: list[Problem] = []
    admin_unit = _unit(payload.admin_unit, "admin_unit", problems)
    site = _site(request, payload.site_uid, problems)
    visits = tuple(
        services.VisitIn(
            weekdays=tuple(v.weekdays),
            site=_site(request, v.site_uid, problems),
            admin_unit=_unit(v.admin_unit, "visits", problems),
            hours=v.hours,
        )
        for v in payload.visits
    )
    if problems or admin_unit is None:
        raise ReferralRuleBroken(problems)
    return services.PointIn(
        kind=payload.kind,
        name_en=payload.name_en,
        name_ar=payload.name_ar,
        name_ckb=payload.name_ckb,
        admin_unit=admin_unit,
        site=site,
        latitude=payload.latitude,
        longitude=payload.longitude,
        address=payload.address,
        hours=payload.hours,
        languages=tuple(payload.languages),
        phone=payload.phone,
        email=payload.email,
        capacity_per_week=payload.capacity_per_week,
        waiting_days=payload.waiting_days,
        active_from=payload.active_from,
        active_until=payload.active_until,
        note=payload.note,
        offers=services.offers_from([o.dict() for o in payload.offers]),
        visits=visits,
    )


def _mapping_organisation(request: HttpRequest, organisation_id: uuid.UUID | None) -> Any:
    """The organisation a new point goes into: the one named, or the caller's only one among
    those they map (404 for a caller who maps none, or names one they do not map)."""
    organisations = directory_selectors.mapping_organisations(user=request.user)
    if organisation_id is not None:
        found = organisations.filter(pk=organisation_id).first()
        if found is None:
            raise Http404
        return found
    listed = list(organisations[:2])
    if not listed:
        raise Http404
    if len(listed) > 1:
        raise ReferralRuleBroken(
            [
                Problem(
                    "organisation_missing",
                    "organisation_id",
                    _("Say which organisation runs the point."),
                )
            ]
        )
    return listed[0]


# --- the operations ---------------------------------------------------------------------------


@router.get("/points", response=DirectoryPointPageOut)
def point_list(request: HttpRequest, filters: Query[DirectoryPointQuery]) -> dict[str, Any]:
    """Search the current entries open today, by name; ``count`` is how many the search finds
    in all, ``items`` the page of them from ``offset``."""
    found = directory_selectors.directory_search(user=request.user, filters=filters.filters())
    items = list(found[filters.offset : filters.offset + filters.limit])
    return {
        "count": found.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [
            {
                "uid": v.point.uid,
                "organisation": _organisation_out(v.point),
                "entry": entry_out(v),
            }
            for v in items
        ],
    }


@router.post("/points", response={201: DirectoryPointOut, **REFUSED})
def point_create(
    request: HttpRequest, response: HttpResponse, payload: DirectoryPointIn
) -> Status[Any]:
    """A new point of an organisation the caller maps, as its first draft: the directory shows
    it once it is published. The same ``key`` sent again answers with the point it made."""
    organisation = _mapping_organisation(request, payload.organisation_id)
    created = services.point_create(
        actor=_actor(request),
        organisation=organisation,
        point=point_in(request, payload),
        key=payload.key,
    )
    return Status(201, point_out(request, no_store(response), created.uid))


@router.get("/points/{point_uid}", response={200: DirectoryPointOut, 404: None})
def point_detail(
    request: HttpRequest, response: HttpResponse, point_uid: uuid.UUID
) -> dict[str, Any]:
    """A point: its current entry; for its mappers also its draft and its versions."""
    return point_out(request, response, point_uid)


@router.put("/points/{point_uid}/draft", response={200: DirectoryPointOut, **REFUSED})
def draft_save(
    request: HttpRequest, response: HttpResponse, point_uid: uuid.UUID, payload: DirectoryDraftIn
) -> Status[Any]:
    """Write the point's draft whole (its mappers): the current entry stays what the response
    reads until the draft is published."""
    point = access.access_point_for_mapping(request.user, point_uid)
    services.draft_save(actor=_actor(request), point=point, entry=point_in(request, payload))
    return Status(200, point_out(request, no_store(response), point.uid))


@router.post("/points/{point_uid}/publish", response={200: DirectoryPointOut, **REFUSED})
def draft_publish(
    request: HttpRequest, response: HttpResponse, point_uid: uuid.UUID
) -> Status[Any]:
    """The draft becomes the current entry; the one before it is archived."""
    point = access.access_point_for_mapping(request.user, point_uid)
    services.draft_publish(actor=_actor(request), point=point)
    return Status(200, point_out(request, no_store(response), point.uid))


@router.post("/points/{point_uid}/archive", response={200: DirectoryPointOut, **REFUSED})
def point_archive(
    request: HttpRequest, response: HttpResponse, point_uid: uuid.UUID
) -> Status[Any]:
    """The point no longer serves: it leaves the directory, its draft dropped."""
    point = access.access_point_for_mapping(request.user, point_uid)
    services.point_archive(actor=_actor(request), point=point)
    return Status(200, point_out(request, no_store(response), point.uid))


@router.get("/export/hsds", response=DirectoryHsdsOut, exclude_none=True)
def export_hsds(request: HttpRequest, filters: Query[DirectoryExportQuery]) -> dict[str, Any]:
    """The current directory (narrowed by the search) as Open Referral HSDS 3.0 tables
    (audited)."""
    return directory_exports.hsds_export(actor=request.user, filters=filters.filters(), via="api")


@router.get("/export/hxl", response={200: None})
def export_hxl(request: HttpRequest, filters: Query[DirectoryExportQuery]) -> HttpResponse:
    """The current directory (narrowed by the search) as an HXL-tagged CSV in the 3W shape
    (audited)."""
    data, name, content_type = directory_exports.directory_export(
        actor=request.user, format="hxl", filters=filters.filters(), via="api"
    )
    answer = HttpResponse(data, content_type=content_type)
    answer["Content-Disposition"] = f'attachment; filename="{name}"'
    return answer
