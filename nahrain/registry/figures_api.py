"""The registry's figures in the API at /api/v1/registry/figures: thin, over the same selector as
the page (exact for the holding organisation's members, small cells hidden for anyone else)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router, Schema

from nahrain.core.http import per_reader
from nahrain.registry import access, selectors
from nahrain.registry.figures_exports import within_unit

router = Router(tags=["registry"])


class FigurePlaceOut(Schema):
    governorate_pcode: str
    governorate: str
    district_pcode: str | None
    district: str | None
    site_code: str | None  # at site level: the site
    site: str | None
    admin_unit_pcode: str | None  # at site level, out of camp: the admin unit
    cells: dict[str, int | None]  # null: hidden by small-cell suppression


class FiguresOut(Schema):
    organisation: uuid.UUID
    level: str
    within: str | None
    suppressed: bool
    threshold: int
    as_of: date | None
    cells: list[str]
    places: list[FigurePlaceOut]
    totals: dict[str, int | None]


def _place(row: selectors.FigureRow) -> dict[str, Any]:
    return {
        "governorate_pcode": row.governorate.pcode,
        "governorate": row.governorate.name_en,
        "district_pcode": row.district.pcode if row.district else None,
        "district": row.district.name_en if row.district else None,
        "site_code": row.site.code if row.site else None,
        "site": row.site.name_en if row.site else None,
        "admin_unit_pcode": row.admin_unit.pcode if row.admin_unit else None,
        "cells": row.cells,
    }


@router.get("", response=FiguresOut)
def figures(
    request: HttpRequest,
    response: HttpResponse,
    organisation: uuid.UUID,
    level: Literal["site", "district", "governorate"] = "site",
    within: str = "",
) -> Any:
    """An organisation's registry figures by place: households, individuals by sex and age
    group, vulnerabilities and missing documents, with the totals. Cells are null where hidden
    (fewer than the threshold, or hidden so that such a cell cannot be worked out); exact for
    the organisation's own members."""
    found_organisation = access.access_organisation_figures(request.user, organisation)
    area = within_unit(within)
    if within and area is None:
        raise Http404
    found = selectors.figures(
        user=request.user, organisation=found_organisation, level=level, within=area
    )
    per_reader(response, exact=not found.suppressed)  # exact small counts: the holder's alone
    return {
        "organisation": found_organisation.pk,
        "level": found.level,
        "within": area.pcode if area else None,
        "suppressed": found.suppressed,
        "threshold": found.threshold,
        "as_of": found.as_of,
        "cells": selectors.figure_cells(),
        "places": [_place(row) for row in found.rows],
        "totals": found.totals,
    }
