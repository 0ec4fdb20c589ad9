"""Pages: browse the admin-unit tree and search any spelling; a location with its history."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from nahrain.core.http import AuthenticatedHttpRequest
from nahrain.geo import access, selectors, services
from nahrain.geo.forms import LocationForm
from nahrain.geo.models import AdminUnit, Location


@login_required
@require_safe
def unit_browser(request: AuthenticatedHttpRequest, pcode: str | None = None) -> HttpResponse:
    unit = None
    if pcode:
        unit = selectors.admin_unit_list(user=request.user).filter(pcode=pcode).first()
        if unit is None:
            raise Http404
    query = request.GET.get("q", "").strip()[:200]
    return render(
        request,
        "geo/browser.html",
        {
            "unit": unit,
            "ancestors": selectors.admin_unit_ancestors(unit)[:-1] if unit else [],
            "children": selectors.admin_unit_list(
                user=request.user, level=None if unit else 0, parent=unit
            ),
            "query": query,
            "results": selectors.admin_unit_search(user=request.user, query=query) if query else [],
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def location_detail(request: AuthenticatedHttpRequest, location_uid: uuid.UUID) -> HttpResponse:
    """A location: who keeps it, whether it is in the master list, its history; its owner's
    information managers correct it here."""
    location = access.access_location_by_uid(request.user, location_uid)
    may_edit = _may_edit(request, location)
    if request.method == "POST":
        location = access.access_location_for_change(request.user, location_uid)
        form = LocationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            services.location_update(
                actor=request.user,
                location=location,
                name_en=data["name_en"],
                name_ar=data["name_ar"],
                admin_unit=data["admin_unit"],
                latitude=data["latitude"],
                longitude=data["longitude"],
            )
            messages.success(request, _("The location is corrected; its history keeps the change."))
            return redirect("geo:location", location_uid=location.uid)
    else:
        form = LocationForm(
            initial={
                "name_en": location.name_en,
                "name_ar": location.name_ar,
                "admin_unit": location.admin_unit.pcode if location.admin_unit else "",
                "latitude": location.latitude,
                "longitude": location.longitude,
            }
        )
    return render(
        request,
        "geo/location.html",
        {
            "location": location,
            "canonical": selectors.location_is_canonical(location),
            "ancestors": selectors.admin_unit_ancestors(location.admin_unit)
            if location.admin_unit
            else [],
            "history": _history(location),
            "form": form if may_edit else None,
        },
    )


def _may_edit(request: AuthenticatedHttpRequest, location: Location) -> bool:
    try:
        access.access_location_for_change(request.user, location.uid)
    except Http404:
        return False
    return True


FIELD_LABELS = {
    "name_en": gettext_lazy("Name in English"),
    "name_ar": gettext_lazy("Name in Arabic"),
    "admin_unit": gettext_lazy("District or subdistrict"),
    "latitude": gettext_lazy("Latitude"),
    "longitude": gettext_lazy("Longitude"),
}


def _history(location: Location) -> list[dict[str, Any]]:
    """Each change with its fields in words: units by name, not by internal id."""
    changes = list(location.changes.select_related("actor"))
    unit_ids = {
        value
        for change in changes
        for side in (change.before, change.after)
        for key, value in side.items()
        if key == "admin_unit" and value is not None
    }
    units = AdminUnit.objects.defer("geometry").in_bulk(list(unit_ids))

    def shown(key: str, value: Any) -> Any:
        if key == "admin_unit":
            return units.get(value, "—")
        return "—" if value in (None, "") else value

    return [
        {
            "change": change,
            "fields": [
                (FIELD_LABELS[key], shown(key, change.before.get(key)), shown(key, value))
                for key, value in change.after.items()
            ],
        }
        for change in changes
    ]
