"""Dashboard pages: the overview of a round, drill-down to a governorate, district and place,
the sortable table (htmx), the map's data, and the comparison of two rounds."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from nahrain.core.http import AuthenticatedHttpRequest
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.displacement import access, dashboard, selectors, services
from nahrain.displacement.exports import COMPARE_FORMATS, CONTENT_TYPES, FORMATS
from nahrain.displacement.models import AssessmentRound, LocationAssessment
from nahrain.geo import selectors as geo_selectors
from nahrain.geo.models import AdminUnit, Location

EXPORT_LEVELS = {1: "adm1", 2: "adm2", 4: "location"}


def _round(request: AuthenticatedHttpRequest, parameter: str = "round") -> AssessmentRound | None:
    """The round named in the query string (through its gate), else the latest published."""
    uid = request.GET.get(parameter)
    if uid:
        try:
            return access.access_round_by_uid(request.user, uuid.UUID(uid))
        except ValueError:
            raise Http404 from None
    return selectors.round_latest_published(user=request.user)


def _unit(pcode: str | None) -> AdminUnit | None:
    if pcode is None:
        return None
    unit = dashboard.drillable(pcode)
    if unit is None:
        raise Http404
    return unit


def _table_context(
    request: AuthenticatedHttpRequest,
    assessment_round: AssessmentRound,
    unit: AdminUnit | None,
    rows: list[dict[str, Any]],
) -> dict[str, Any]:
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    table = dashboard.table_page(
        rows,
        sort=request.GET.get("sort", "idp"),
        descending=request.GET.get("order", "desc") != "asc",
        query=request.GET.get("q", "")[:100],
        page=page,
    )
    base = {"round": str(assessment_round.uid)}
    if unit is not None:
        base["within"] = unit.pcode

    def link(**changes: Any) -> str:
        state = {
            **base,
            "q": table.query,
            "sort": table.sort,
            "order": "desc" if table.descending else "asc",
            "page": table.page,
        }
        state.update(changes)
        return urlencode({k: v for k, v in state.items() if v not in ("", None)})

    return {
        "table": table,
        "child_level": dashboard.child_level(unit),
        "table_base": urlencode(base),
        "table_columns": [
            (
                column,
                label,
                column != "name",
                link(
                    sort=column,
                    order="asc" if table.sort == column and table.descending else "desc",
                    page=1,
                ),
            )
            for column, label in _column_labels(dashboard.child_level(unit))
        ],
        "previous_link": link(page=table.page - 1) if table.page > 1 else None,
        "next_link": link(page=table.page + 1) if table.page < table.pages else None,
    }


def _column_labels(level: int) -> list[tuple[str, str]]:
    names = {1: _("Governorate"), 2: _("District"), 4: _("Location")}
    return [
        ("name", names[level]),
        ("idp", _("IDPs")),
        ("idp_households", _("IDP households")),
        ("returnee", _("Returnees")),
        ("returnee_households", _("Returnee households")),
        ("locations", _("Locations")),
    ]


def _map_context(
    assessment_round: AssessmentRound, unit: AdminUnit | None, rows: list[dict[str, Any]]
) -> dict[str, Any]:
    level = dashboard.child_level(unit)
    within = {"within": unit.pcode} if unit is not None else {}
    figures: dict[str, dict[str, Any]] = {}
    if level < 4:
        for row in rows:
            figures[row["key"]] = {
                "name": local_name(row),
                "idp": row["idp_individuals"],
                "returnee": row["returnee_individuals"],
                "href": reverse("displacement:overview_unit", args=[row["key"]])
                + "?"
                + urlencode({"round": str(assessment_round.uid)}),
            }
    return {
        "map_config": {
            "level": level,
            "shapes": reverse("displacement:map_shapes", args=[level]) + "?" + urlencode(within)
            if level < 4
            else None,
            "outline": reverse("displacement:map_shapes", args=[unit.level])
            + "?"
            + urlencode({"within": unit.pcode})
            if unit is not None
            else None,
            # The data version in the address: a re-imported draft is not served from cache.
            "points": reverse("displacement:map_points")
            + "?"
            + urlencode(
                {
                    "round": str(assessment_round.uid),
                    "v": str(assessment_round.data_version),
                    **within,
                }
            ),
            "place": reverse("displacement:overview_location", args=["PLACE"])
            + "?"
            + urlencode({"round": str(assessment_round.uid)}),
            "figures": figures,
        }
    }


def _exports(
    assessment_round: AssessmentRound, unit: AdminUnit | None, level: int
) -> list[dict[str, str]]:
    query = {"level": EXPORT_LEVELS[level]}
    if unit is not None:
        query["within"] = unit.pcode
    base = reverse("displacement:export", args=[assessment_round.uid])
    return [{"format": f, "href": f"{base}?{urlencode({**query, 'format': f})}"} for f in FORMATS]


def _panels(
    request: AuthenticatedHttpRequest, assessment_round: AssessmentRound, unit: AdminUnit | None
) -> dict[str, Any]:
    headlines, previous = dashboard.headlines(
        user=request.user, assessment_round=assessment_round, within=unit
    )
    rows = dashboard.table_rows(assessment_round=assessment_round, within=unit)
    return {
        "round": assessment_round,
        "rounds": selectors.round_choices(user=request.user, picked=assessment_round),
        "unit": unit,
        "crumbs": dashboard.breadcrumb(unit),
        "headlines": headlines,
        "previous": previous,
        "chart": dashboard.trend_chart(
            selectors.series(
                user=request.user,
                within=unit,
                organisation_id=assessment_round.organisation_id,
                picked=assessment_round,
            ),
            current=assessment_round.reference_date,
        ),
        "shelter": dashboard.bars(
            assessment_round=assessment_round,
            dimension="shelter_group",
            population="idp",
            within=unit,
        ),
        "periods": dashboard.bars(
            assessment_round=assessment_round, dimension="period", population="idp", within=unit
        ),
        "exports": _exports(assessment_round, unit, dashboard.child_level(unit)),
        **_table_context(request, assessment_round, unit, rows),
        **_map_context(assessment_round, unit, rows),
    }


@login_required
@require_GET
def overview(request: AuthenticatedHttpRequest, pcode: str | None = None) -> HttpResponse:
    """The latest published round (or the one chosen) for the country or one unit."""
    unit = _unit(pcode)
    assessment_round = _round(request)
    if assessment_round is None:
        return render(request, "displacement/overview_empty.html", {"unit": unit})
    return render(request, "displacement/overview.html", _panels(request, assessment_round, unit))


@login_required
@require_GET
def overview_table(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The table of the next level down, sorted, filtered and paged (an htmx fragment)."""
    assessment_round = _round(request)
    if assessment_round is None:
        raise Http404
    unit = _unit(request.GET.get("within") or None)
    context = {"round": assessment_round, "unit": unit}
    rows = dashboard.table_rows(assessment_round=assessment_round, within=unit)
    context.update(_table_context(request, assessment_round, unit, rows))
    return render(request, "displacement/_table.html", context)


@login_required
@require_GET
def overview_location(request: AuthenticatedHttpRequest, place_id: str) -> HttpResponse:
    """One place: its figures in the round, by shelter and period, and across rounds."""
    assessment_round = _round(request)
    if assessment_round is None:
        raise Http404
    # A place id names the location counted in this round: ids are each organisation's own.
    location = get_object_or_404(
        Location,
        pk__in=LocationAssessment.objects.filter(
            round=assessment_round, location__external_id=place_id
        ).values("location_id")[:1],
    )
    facts = selectors.location_facts(assessment_round=assessment_round, location_id=location.pk)
    if not facts:
        raise Http404
    district = dashboard.location_unit(location, assessment_round)
    breakdowns = dashboard.location_bars(facts)
    return render(
        request,
        "displacement/location.html",
        {
            "round": assessment_round,
            "rounds": selectors.round_choices(user=request.user, picked=assessment_round),
            "location": location,
            "crumbs": dashboard.breadcrumb(district),
            "facts": facts,
            "breakdowns": breakdowns,
            "chart": dashboard.trend_chart(
                selectors.location_series(
                    user=request.user,
                    location_id=location.pk,
                    organisation_id=assessment_round.organisation_id,
                    picked=assessment_round,
                ),
                current=assessment_round.reference_date,
            ),
            "map_config": {
                "level": 4,
                "shapes": None,
                "outline": None,
                "points": None,
                "place": None,
                "figures": {},
                "marker": [location.latitude, location.longitude]
                if location.latitude is not None
                else None,
            },
        },
    )


def _cached_json(request: AuthenticatedHttpRequest, payload: Any, *, max_age: int) -> HttpResponse:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    # Compression turns the tag weak (W/"..."); the content it names is the same.
    sent = [
        tag.strip().removeprefix("W/")
        for tag in request.headers.get("If-None-Match", "").split(",")
    ]
    if etag in sent:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = f"private, max-age={max_age}"
    return response


@login_required
@require_GET
@gzip_page
def map_shapes(request: AuthenticatedHttpRequest, level: int) -> HttpResponse:
    """Simplified outlines of one level's units (reference data, the same for every round)."""
    if level not in (1, 2, 3):
        raise Http404
    unit = _unit(request.GET.get("within") or None)
    shapes = geo_selectors.admin_unit_shapes(user=request.user, level=level, within=unit)
    return _cached_json(request, shapes, max_age=3600)


@login_required
@require_GET
@gzip_page
def map_points(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The round's located places with IDP and returnee individuals."""
    assessment_round = _round(request)
    if assessment_round is None:
        raise Http404
    unit = _unit(request.GET.get("within") or None)
    points = selectors.map_points(assessment_round=assessment_round, within=unit)
    return _cached_json(request, points, max_age=300)


@login_required
@require_GET
def compare(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Two rounds side by side: each unit before and after, and a map of the change."""
    other = _round(request, "other")
    if other is None:
        return render(request, "displacement/overview_empty.html", {"unit": None})
    rounds = selectors.round_choices(user=request.user, picked=other)
    base = _round(request, "base") if request.GET.get("base") else None
    if base is None:
        base = selectors.round_previous(user=request.user, assessment_round=other) or other
    unit = _unit(request.GET.get("within") or None)
    level = dashboard.child_level(unit)
    level = 3 if level == 4 else level
    population = request.GET.get("population", "idp")
    if population not in dashboard.POPULATIONS:
        population = "idp"
    comparison = selectors.round_compare(base=base, other=other, level=level, population=population)
    names = {
        u.pcode: u
        for u in AdminUnit.objects.filter(
            pcode__in=[row["pcode"] for row in comparison["units"]]
        ).only("pcode", "name_en", "name_ar", "name_ckb")
    }
    if unit is not None:
        inside = _inside(unit, level)
        comparison["units"] = [row for row in comparison["units"] if row["pcode"] in inside]
    units = sorted(comparison["units"], key=lambda row: row["individuals_change"])
    # A round that did not count the population has no "before" to compare with: not zero.
    measured = population in base.populations and population in other.populations
    for row in units:
        row["unit"] = names.get(row["pcode"])
        before_here = row["individuals_before"]
        row["share"] = row["individuals_change"] / before_here if before_here else None
    within = {"within": unit.pcode} if unit is not None else {}
    download = request.GET.get("format")
    if download is not None:
        if download not in COMPARE_FORMATS:
            raise Http404
        data, name = services.compare_export(
            actor=request.user,
            base=base,
            other=other,
            population=population,
            units=units,
            measured=measured,
            within=unit,
            format=download,
        )
        response = HttpResponse(data, content_type=CONTENT_TYPES[download])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    query = {"base": str(base.uid), "other": str(other.uid), "population": population, **within}
    before = sum(r["individuals_before"] for r in units)
    after = sum(r["individuals_after"] for r in units)
    return render(
        request,
        "displacement/compare.html",
        {
            "rounds": rounds,
            "base": base,
            "other": other,
            "unit": unit,
            "population": population,
            "units": units,
            "appeared": len(comparison["appeared"]),
            "emptied": len(comparison["emptied"]),
            "total_before": before,
            "total_after": after,
            "total_change": after - before,
            "total_share": (after - before) / before if before else None,
            "measured": measured,
            "downloads": [
                {"format": f, "href": "?" + urlencode({**query, "format": f})}
                for f in COMPARE_FORMATS
            ],
            "map_config": {
                "level": level,
                "mode": "change",
                "shapes": reverse("displacement:map_shapes", args=[level])
                + "?"
                + urlencode(within),
                "outline": None,
                "points": None,
                "place": None,
                "figures": {
                    row["pcode"]: {
                        "name": local_name(
                            {
                                "name_en": row["unit"].name_en if row["unit"] else row["pcode"],
                                "name_ar": row["unit"].name_ar if row["unit"] else "",
                                "name_ckb": row["unit"].name_ckb if row["unit"] else "",
                            }
                        ),
                        "change": row["individuals_change"],
                    }
                    for row in units
                },
            },
        },
    )


@login_required
@require_GET
def origins(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where the displaced come from: governorate of origin (of last displacement, for
    returnees) against the governorate they are counted in, as a table and a map of origins."""
    assessment_round = _round(request)
    if assessment_round is None:
        return render(request, "displacement/overview_empty.html", {"unit": None})
    population = request.GET.get("population", "idp")
    if population not in dashboard.POPULATIONS:
        population = "idp"
    matrix = selectors.flow_matrix(assessment_round=assessment_round, population=population)
    flows = dashboard.flow_table(matrix)
    figures = {
        row["unit"].pcode: {
            "name": local_name(row["unit"]),
            "idp": row["total"] if population == "idp" else 0,
            "returnee": row["total"] if population == "returnee" else 0,
        }
        for row in flows.rows
        if row["unit"] is not None
    }
    return render(
        request,
        "displacement/origins.html",
        {
            "round": assessment_round,
            "rounds": selectors.round_choices(user=request.user, picked=assessment_round),
            "population": population,
            "measured": population in assessment_round.populations,
            "flows": flows,
            "map_config": {
                "level": 1,
                "shapes": reverse("displacement:map_shapes", args=[1]),
                "outline": None,
                "points": None,
                "place": None,
                "fixed_population": population,
                "figures": figures,
            },
        },
    )


@require_GET
def public(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The published figures for anyone, signed in or not, to read and link to: a round's
    national figures, its governorates, the trend across published rounds and downloads.
    Drafts never appear: the one rule gives a caller who is not signed in published rounds
    alone, whoever asks: a draft named in the address is not found."""
    uid = request.GET.get("round")
    try:
        assessment_round = (
            access.access_round_by_uid(AnonymousUser(), uuid.UUID(uid))
            if uid
            else selectors.round_latest_published(user=AnonymousUser())
        )
    except ValueError:
        raise Http404 from None
    if assessment_round is None:
        return render(request, "displacement/public.html", {"round": None})
    headlines, previous = dashboard.headlines(
        user=AnonymousUser(), assessment_round=assessment_round, within=None
    )
    # An older published version named in the address takes its newer one's place here too.
    rounds = selectors.round_current_list(user=AnonymousUser(), picked=assessment_round)
    response = render(
        request,
        "displacement/public.html",
        {
            "round": assessment_round,
            "rounds": rounds,
            "headlines": headlines,
            "previous": previous,
            "rows": dashboard.table_rows(assessment_round=assessment_round, within=None),
            "chart": dashboard.trend_chart(
                selectors.series(
                    user=AnonymousUser(),
                    organisation_id=assessment_round.organisation_id,
                    picked=assessment_round,
                ),
                current=assessment_round.reference_date,
            ),
            "downloads": [
                {
                    "format": format,
                    "href": reverse("displacement:public_export")
                    + "?"
                    + urlencode({"round": str(assessment_round.uid), "format": format}),
                }
                for format in ("csv", "hxl", "xlsx")
            ],
        },
    )
    return response


@require_GET
def public_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A published round's governorate figures as a file, for anyone (audited, with no actor
    when nobody is signed in)."""
    format = request.GET.get("format", "csv")
    try:
        assessment_round = access.access_round_by_uid(
            AnonymousUser(), uuid.UUID(request.GET.get("round", ""))
        )
    except ValueError:
        raise Http404 from None
    if format not in FORMATS:
        raise Http404
    data, name = services.round_export(
        actor=request.user if request.user.is_authenticated else None,
        assessment_round=assessment_round,
        level="adm1",
        format=format,
    )
    response = HttpResponse(data, content_type=CONTENT_TYPES[format])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _inside(unit: AdminUnit, level: int) -> set[str]:
    """The p-codes of the units of ``level`` inside ``unit``."""
    if level <= unit.level:
        return {unit.pcode}
    path = "__".join(["parent"] * (level - unit.level))
    return set(
        AdminUnit.objects.filter(level=level, **{path: unit}).values_list("pcode", flat=True)
    )
