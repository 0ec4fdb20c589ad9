"""Pages: browse the admin-unit tree and search any spelling."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from nahrain.core.http import AuthenticatedHttpRequest
from nahrain.geo import selectors


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
