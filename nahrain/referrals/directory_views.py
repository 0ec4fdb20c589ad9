"""Pages of the service directory: the search with its map, a point's page (with the button that
refers someone there, and for its mappers the draft, its history and what they may do with it),
a mapper's forms to add a point and to edit its draft, publishing and archiving, and the
directory's files (Open Referral HSDS, HXL). Thin, over the same selectors and services as the
API. The directory holds no personal data; what only a point's mappers see (drafts, history) is
kept by no cache (``no_store``)."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dates import WEEKDAYS
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from nahrain.core.http import AuthenticatedHttpRequest, no_store
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.geo.models import AdminUnit
from nahrain.referrals import (
    access,
    codelists,
    directory_exports,
    directory_selectors,
    directory_services,
)
from nahrain.referrals.directory_forms import (
    MAX_ROWS,
    OFFER_PREFIX,
    VISIT_PREFIX,
    WEEK_ORDER,
    DirectoryFilterForm,
    OfferFormSet,
    PointForm,
    VisitFormSet,
    entry_initial,
    offers_initial,
    place_choices,
    point_in,
    problems_of,
    visits_initial,
)
from nahrain.referrals.models import ServiceOffer, ServicePoint, ServicePointVersion
from nahrain.sites.access import sites_visible

GET_OR_POST = ["GET", "HEAD", "POST"]
POINTS_PER_PAGE = 25
PLACEHOLDER = uuid.UUID(int=0)


def _places() -> list[Any]:
    """The search's places: every governorate, district and sub-district loaded (no shapes)."""
    units: list[dict[str, Any]] = [
        dict(unit)
        for unit in AdminUnit.objects.filter(level__in=(1, 2, 3)).values(
            "pcode", "level", "name_en", "name_ar", "name_ckb"
        )
    ]
    return place_choices(units)


def _map_config(collection: dict[str, Any], *, focus: str | None = None) -> dict[str, Any]:
    """Where the map script finds the points, the outlines drawn under them, and a point's page."""
    return {
        "points": collection,
        "outlines": reverse("displacement:map_shapes", kwargs={"level": 1}),
        "point": reverse("referrals:point", kwargs={"point_uid": PLACEHOLDER}),
        "placeholder": str(PLACEHOLDER),
        "focus": focus,
    }


def _map_labels() -> dict[str, dict[str, str]]:
    """The labels the map's tooltips name kinds and services with, in the reader's language."""
    return {kind: dict(codelists.choices(kind)) for kind in ("point_kinds", "service_types")}


def _query(request: AuthenticatedHttpRequest) -> str:
    """The search's query string, without its page."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- the directory ------------------------------------------------------------------------------


def _referring_for(request: AuthenticatedHttpRequest) -> dict[str, str]:
    """Whom the reader came to refer (``?individual=`` from a registry household's page,
    ``?case=`` from a case): carried from the search to a point and on to the referral form,
    which checks the reader may refer them."""
    for name in ("individual", "case"):
        value = request.GET.get(name, "")
        try:
            return {name: str(uuid.UUID(value))}
        except ValueError:
            continue
    return {}


@login_required
@require_safe
def directory(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Search the current entries by service, place, who the person is, language and name; the
    results as a list and on a map. A mapper also sees their organisations' waiting drafts."""
    form = DirectoryFilterForm(request.GET or None, places=_places())
    filters = form.filters() if request.GET else directory_selectors.DirectoryFilters()
    found = directory_selectors.directory_search(user=request.user, filters=filters)
    page = Paginator(found, POINTS_PER_PAGE).get_page(request.GET.get("page"))
    mapping = list(directory_selectors.mapping_organisations(user=request.user))
    collection = directory_selectors.directory_map(user=request.user, filters=filters)
    response = render(
        request,
        "referrals/directory.html",
        {
            "form": form,
            "page": page,
            "query": _query(request),
            "searched": bool(filters.codes() or filters.q),
            "more_open": any(
                request.GET.get(name) for name in ("sex", "age", "group", "language", "kind")
            ),
            "map_config": _map_config(collection),
            "labels": _map_labels(),
            "mapped": len(collection["features"]),
            "mapping": mapping,
            "drafts": directory_selectors.drafts_waiting(user=request.user) if mapping else [],
            "sends": access.organisations_with(request.user, access.REFERRING_ROLES).exists(),
            "referring_for": _referring_for(request),
            "referring_query": urlencode(_referring_for(request)),
        },
    )
    # A mapper's page lists their organisations' drafts: no cache may hand it on.
    return no_store(response) if mapping else response


def _feature(version: ServicePointVersion) -> dict[str, Any]:
    """One entry as a map feature (at its area's centre when it has no coordinates)."""
    approximate = version.latitude is None or version.longitude is None
    lat = version.admin_unit.lat if approximate else version.latitude
    lon = version.admin_unit.lon if approximate else version.longitude
    if lat is None or lon is None:
        return {"type": "FeatureCollection", "features": []}
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "uid": str(version.point.uid),
                    "name_en": version.name_en,
                    "name_ar": version.name_ar,
                    "name_ckb": version.name_ckb,
                    "kind": version.kind,
                    "organisation": version.point.organisation.acronym,
                    "services": [o.service for o in version.offers.all()],
                    "approximate": approximate,
                },
            }
        ],
    }


def eligibility_words(offer: ServiceOffer) -> str:
    """Who an offer is for, in the reader's language: "Women and girls · aged 12 to 59"."""
    parts = []
    if set(offer.sexes) == {"f"}:
        parts.append(_("Women and girls"))
    elif set(offer.sexes) == {"m"}:
        parts.append(_("Men and boys"))
    ages = {"youngest": offer.age_min, "oldest": offer.age_max}
    if offer.age_min is not None and offer.age_max is not None:
        parts.append(_("aged %(youngest)s to %(oldest)s") % ages)
    elif offer.age_min is not None:
        parts.append(_("aged %(youngest)s and over") % ages)
    elif offer.age_max is not None:
        parts.append(_("aged up to %(oldest)s") % ages)
    if offer.groups:
        parts.append(", ".join(codelists.label("population_groups", g) for g in offer.groups))
    return " · ".join(parts) or _("Anyone")


def _days(weekdays: list[int]) -> str:
    return ", ".join(str(WEEKDAYS[d - 1]) for d in WEEK_ORDER if d in weekdays)


def _entry_shown(version: ServicePointVersion | None) -> dict[str, Any] | None:
    """An entry as its page shows it: its offers with who each is for, the places its team
    visits, and its area from the governorate down."""
    if version is None:
        return None
    places: list[str] = []
    unit: AdminUnit | None = version.admin_unit
    while unit is not None and unit.level > 0:
        places.append(local_name(unit))
        unit = unit.parent
    return {
        "entry": version,
        "offers": [(offer, eligibility_words(offer)) for offer in version.offers.all()],
        "visits": [
            (
                local_name(visit.site) if visit.site else local_name(visit.admin_unit),
                _days(visit.weekdays),
                visit.hours,
            )
            for visit in version.visits.all()
        ],
        # From the lowest up, as an address reads: "Zakho, Duhok".
        "area": ("\u060c " if get_language_bidi() else ", ").join(places),
    }


@login_required
@require_safe
def point(request: AuthenticatedHttpRequest, point_uid: uuid.UUID) -> HttpResponse:
    """A point's entry: what it offers and to whom, where, when, how to reach it, and a button
    to refer someone there. Its mappers also see its draft and every version, and edit, publish
    or archive it."""
    shown = directory_selectors.point_page(user=request.user, point_uid=point_uid)
    entry = shown.shown
    response = render(
        request,
        "referrals/point.html",
        {
            "shown": shown,
            "point": shown.point,
            "entry": entry,
            "current": _entry_shown(shown.current),
            "draft": _entry_shown(shown.draft) if shown.maps else None,
            "archived_entry": _entry_shown(entry) if shown.archived else None,
            "labels": _map_labels(),
            "sends": shown.current is not None
            and shown.active_today
            and access.organisations_with(request.user, access.REFERRING_ROLES).exists(),
            "map_config": _map_config(_feature(entry), focus=str(shown.point.uid))
            if entry is not None
            else None,
            "referring_for": _referring_for(request),
            "referring_query": urlencode(_referring_for(request)),
        },
    )
    return no_store(response) if shown.maps else response


# --- a mapper's forms -----------------------------------------------------------------------------


def _rows_added(data: QueryDict) -> QueryDict | None:
    """The forms after an "add a service" or "add a visit" button (None: sent to be saved).
    Works without JavaScript: the page comes back with one row more."""
    for prefix in (OFFER_PREFIX, VISIT_PREFIX):
        if f"add_{prefix}" in data:
            data = data.copy()
            try:
                total = int(data.get(f"{prefix}-TOTAL_FORMS") or 0)
            except ValueError:
                total = 0
            data[f"{prefix}-TOTAL_FORMS"] = str(max(0, min(total + 1, MAX_ROWS)))
            return data
    return None


def _problems_shown(form: PointForm, error: ValidationError) -> dict[str, list[str]]:
    """Put a refused entry's problems beside the fields they are about; those about its offers
    or its visits are returned, for their sections."""
    sections: dict[str, list[str]] = {"offers": [], "visits": []}
    for problem in problems_of(error):
        message = str(problem.message)
        if problem.field in sections:
            if message not in sections[problem.field]:
                sections[problem.field].append(message)
        elif problem.field in form.fields:
            form.add_error(problem.field, message)
        else:
            form.add_error(None, message)
    return sections


def _sites(request: AuthenticatedHttpRequest) -> Any:
    return sites_visible(request.user).order_by("name_en")


def _entry_page(
    request: AuthenticatedHttpRequest,
    *,
    point: ServicePoint | None,
    organisations: Any,
    version: ServicePointVersion | None,
) -> HttpResponse:
    """The entry's form, and its saving: a new point (``point`` None) or the draft of one."""
    data = request.POST if request.method == "POST" else None
    added = _rows_added(data) if data is not None else None
    sites: Any = _sites(request)
    form = PointForm(
        added or data,
        initial=entry_initial(version),
        organisations=organisations if point is None and len(organisations) > 1 else None,
        sites=sites,
    )
    # A sent row that repeats its initial values would count as untouched, and be left out:
    # the rows start from the entry only when the form is first shown.
    bound = added or data
    offers = OfferFormSet(
        bound, prefix=OFFER_PREFIX, initial=None if bound else offers_initial(version)
    )
    visits = VisitFormSet(
        bound,
        prefix=VISIT_PREFIX,
        initial=None if bound else visits_initial(version) or [{}],
        form_kwargs={"sites": sites},
    )
    problems: dict[str, list[str]] = {"offers": [], "visits": []}
    if (
        data is not None
        and added is None
        and form.is_valid() & offers.is_valid() & visits.is_valid()
    ):
        entry = point_in(form, offers, visits)
        try:
            if point is None:
                organisation = form.cleaned_data.get("organisation") or organisations[0]
                point = directory_services.point_create(
                    actor=request.user,
                    organisation=organisation,
                    point=entry,
                    key=form.cleaned_data["key"],
                )
            else:
                directory_services.draft_save(actor=request.user, point=point, entry=entry)
        except ValidationError as error:
            problems = _problems_shown(form, error)
        else:
            messages.success(
                request,
                _("The draft is saved. It reaches the directory once you publish it."),
            )
            return redirect("referrals:point", point_uid=point.uid)
    return no_store(
        render(
            request,
            "referrals/point_form.html",
            {
                "form": form,
                "offers": offers,
                "visits": visits,
                "point": point,
                "version": version,
                "organisation": point.organisation if point is not None else None,
                "organisations": organisations,
                "show_errors": added is None,
                "problems": problems,
                "admin_units": list(
                    AdminUnit.objects.filter(level__gte=1)
                    .order_by("pcode")
                    .values("pcode", "name_en", "name_ar", "name_ckb")
                ),
            },
        )
    )


@login_required
@require_http_methods(GET_OR_POST)
def point_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A mapper adds a point of their organisation, as a first draft."""
    organisations = list(directory_selectors.mapping_organisations(user=request.user))
    if not organisations:
        raise Http404
    return _entry_page(request, point=None, organisations=organisations, version=None)


@login_required
@require_http_methods(GET_OR_POST)
def point_edit(request: AuthenticatedHttpRequest, point_uid: uuid.UUID) -> HttpResponse:
    """A mapper edits the point's draft (made from its current entry when there is none)."""
    found = access.access_point_for_mapping(request.user, point_uid)
    version = directory_selectors.entry_to_edit(user=request.user, point=found)
    return _entry_page(request, point=found, organisations=[found.organisation], version=version)


@login_required
@require_POST
def point_publish(request: AuthenticatedHttpRequest, point_uid: uuid.UUID) -> HttpResponse:
    """The draft becomes the entry the response reads."""
    found = access.access_point_for_mapping(request.user, point_uid)
    try:
        directory_services.draft_publish(actor=request.user, point=found)
    except ValidationError as error:
        for problem in problems_of(error):
            messages.error(request, str(problem.message))
    else:
        messages.success(request, _("The entry is published: the directory shows it now."))
    return no_store(redirect("referrals:point", point_uid=found.uid))


@login_required
@require_POST
def point_archive(request: AuthenticatedHttpRequest, point_uid: uuid.UUID) -> HttpResponse:
    """The point no longer serves: it leaves the directory (its draft is dropped)."""
    found = access.access_point_for_mapping(request.user, point_uid)
    try:
        directory_services.point_archive(actor=request.user, point=found)
    except ValidationError as error:
        for problem in problems_of(error):
            messages.error(request, str(problem.message))
    else:
        messages.success(request, _("The point is archived: it is no longer in the directory."))
    return no_store(redirect("referrals:point", point_uid=found.uid))


# --- the files ----------------------------------------------------------------------------------


@login_required
@require_safe
def directory_export(request: AuthenticatedHttpRequest, format: str) -> HttpResponse:
    """The current directory, as the search narrows it, as Open Referral HSDS 3.0 (JSON) or as
    an HXL-tagged CSV in the 3W shape. Audited."""
    if format not in directory_exports.FORMATS:
        raise Http404
    form = DirectoryFilterForm(request.GET or None, places=_places())
    filters = form.filters() if request.GET else directory_selectors.DirectoryFilters()
    data, name, content_type = directory_exports.directory_export(
        actor=request.user, format=format, filters=filters, via="page"
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
