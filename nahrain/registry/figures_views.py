"""The registry's figures pages: the table by place with a sex and age pyramid, and its files.
Thin, over ``selectors.figures`` and ``figures_exports``, as the API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from nahrain.core.http import AuthenticatedHttpRequest, per_reader
from nahrain.core.models import Organisation
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.geo.models import AdminUnit
from nahrain.registry import access, codelists, selectors
from nahrain.registry.figures_exports import (
    CONTENT_TYPES,
    FORMATS,
    figures_export,
    within_unit,
)
from nahrain.registry.models import RegistryFigure
from nahrain.registry.rollups import AGE_UNKNOWN


def _asked(request: AuthenticatedHttpRequest) -> tuple[Organisation, str, AdminUnit | None]:
    """The organisation, level and area the address asks for; 404 for a level or area that
    does not exist, as for an organisation."""
    organisation = access.access_organisation_figures(
        request.user, request.GET.get("organisation", "")
    )
    level = request.GET.get("level") or "site"
    if level not in selectors.FIGURE_LEVELS:
        raise Http404
    pcode = request.GET.get("within", "")
    within = within_unit(pcode)
    if pcode and within is None:
        raise Http404
    return organisation, level, within


def pyramid(figures: selectors.Figures) -> list[dict[str, Any]]:
    """One line per age group, oldest first: women's and men's counts and bar widths (0-100,
    the largest count of either sex filling its half; the women's half drawn from the right).
    A hidden count draws no bar."""
    totals = figures.totals
    groups = codelists.age_groups()
    largest = max([totals.get(f"{sex}_{group}") or 0 for sex in "fm" for group in groups] + [1])
    lines = []
    for group in reversed(groups):
        female, male = totals.get(f"f_{group}"), totals.get(f"m_{group}")
        female_width = round(100 * (female or 0) / largest, 1)
        lines.append(
            {
                "group": age_group_label(group),
                "female": female,
                "male": male,
                "female_x": 100 - female_width,
                "female_width": female_width,
                "male_width": round(100 * (male or 0) / largest, 1),
            }
        )
    return lines


def age_group_label(group: str) -> str:
    if group == AGE_UNKNOWN:
        return _("age unknown")
    if "_" in group:
        return group.replace("_", "\u2013")  # an en dash between the ages
    return f"{group}+"


def place_label(row: selectors.FigureRow, level: str) -> str:
    if level == "governorate":
        return local_name(row.governorate)
    if level == "district":
        if row.district is None:
            return _("%(governorate)s, district not recorded") % {
                "governorate": local_name(row.governorate)
            }
        return f"{local_name(row.district)}, {local_name(row.governorate)}"
    if row.site is not None:
        return f"{local_name(row.site)} ({row.site.code})"
    assert row.admin_unit is not None
    return _("Out of camp: %(place)s") % {"place": local_name(row.admin_unit)}


def _line(cells: dict[str, int | None]) -> dict[str, Any]:
    """A row of the tables: its cells in the order of the columns."""
    groups = [*codelists.age_groups(), AGE_UNKNOWN]
    return {
        "households": cells.get("households"),
        "individuals": cells.get("individuals"),
        "female": [cells.get(f"f_{group}") for group in groups],
        "male": [cells.get(f"m_{group}") for group in groups],
        "needs": [
            cells.get(cell)
            for cell in [*selectors.vulnerability_cells(), *selectors.document_cells()]
        ],
    }


@login_required
@require_safe
def figures(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The organisation's registry figures by place: exact for its members, small cells hidden
    for anyone else. Without an organisation in the address, a choice of those with figures."""
    if not request.GET.get("organisation"):
        holding = RegistryFigure.objects.values("organisation_id")
        return render(
            request,
            "registry/figures_choose.html",
            {"organisations": Organisation.objects.filter(pk__in=holding)},
        )
    organisation, level, within = _asked(request)
    found = selectors.figures(
        user=request.user, organisation=organisation, level=level, within=within
    )
    response = render(
        request,
        "registry/figures.html",
        {
            "figures": found,
            "levels": selectors.FIGURE_LEVELS,
            "governorates": AdminUnit.objects.filter(level=1).defer("geometry"),
            "pyramid": pyramid(found),
            "groups": [age_group_label(g) for g in [*codelists.age_groups(), AGE_UNKNOWN]],
            "needs": [
                codelists.label("vulnerabilities", code) for code in selectors.vulnerability_cells()
            ]
            + [
                _("No %(document)s") % {"document": codelists.label("documents", kind)}
                for kind in codelists.codes("documents")
            ],
            "rows": [
                {"place": place_label(row, found.level), **_line(row.cells)} for row in found.rows
            ],
            "total": _line(found.totals),
            "formats": FORMATS,
        },
    )
    # Exact small counts are for the holding organisation alone: no cache keeps them.
    return per_reader(response, exact=not found.suppressed)


@login_required
@require_safe
def figures_file(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The same figures as CSV, XLSX or HXL-tagged CSV, the download audited."""
    organisation, level, within = _asked(request)
    format = request.GET.get("format", "csv")
    if format not in FORMATS:
        raise Http404
    found = selectors.figures(
        user=request.user, organisation=organisation, level=level, within=within
    )
    data, name = figures_export(actor=request.user, figures=found, format=format)
    response = HttpResponse(data, content_type=CONTENT_TYPES[format])
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=name) or "attachment"
    )
    return per_reader(response, exact=not found.suppressed)
