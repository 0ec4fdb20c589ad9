"""Reads of the health pages (facility list and page, report forms), scoped to the caller by
``access``: who reads what is decided there, never here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from nahrain.core.access import AnyUser
from nahrain.geo.models import AdminUnit, Location, LocationKind
from nahrain.health import access, codelists
from nahrain.health.models import (
    CatchmentPopulation,
    ConsultationReport,
    EwarnReport,
    Facility,
)
from nahrain.sites.access import sites_visible
from nahrain.sites.models import Site


@dataclass(frozen=True)
class FacilityFilters:
    governorate: str = ""
    district: str = ""
    kind: str = ""
    functionality: str = ""
    organisation: str = ""


def facility_list(*, user: AnyUser, filters: FacilityFilters) -> QuerySet[Facility]:
    found = access.facilities_readable(user).select_related(
        "organisation", "directorate", "district", "district__parent"
    )
    if filters.governorate:
        found = found.filter(district__parent__pcode=filters.governorate)
    if filters.district:
        found = found.filter(district__pcode=filters.district)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.functionality:
        found = found.filter(functionality=filters.functionality)
    if filters.organisation:
        found = found.filter(
            Q(organisation_id=filters.organisation) | Q(supporters__id=filters.organisation)
        ).distinct()
    return found.order_by("district__parent__name_en", "district__name_en", "code")


def facility_map(facilities: QuerySet[Facility]) -> dict[str, Any]:
    """The facilities as map features: at their coordinates, or at their district's label point
    (marked approximate) where they have none."""
    features = []
    for f in facilities:
        approximate = f.latitude is None or f.longitude is None
        lat = f.district.lat if approximate else f.latitude
        lon = f.district.lon if approximate else f.longitude
        if lat is None or lon is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "uid": str(f.uid),
                    "name_en": f.name_en,
                    "name_ar": f.name_ar,
                    "name_ckb": f.name_ckb,
                    # What the tooltip says under the name, in the reader's language.
                    "lines": [
                        f"{codelists.label('facility_kinds', f.kind)} · "
                        f"{f.organisation.acronym or f.organisation.name}",
                        codelists.label("functionality", f.functionality),
                    ],
                    "approximate": approximate,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def filter_units() -> list[dict[str, Any]]:
    """Governorates and districts for the filters (no shapes)."""
    return [
        dict(u)
        for u in AdminUnit.objects.filter(level__in=(1, 2))
        .order_by("level", "name_en")
        .values("pcode", "level", "name_en", "name_ar", "name_ckb", "parent__pcode")
    ]


@dataclass
class FacilityPage:
    facility: Facility
    places: list[tuple[Any, list[int]]]
    population: CatchmentPopulation | None
    reads_reports: bool
    manages: bool
    reports_for: bool
    consultation_reports: list[ConsultationReport] = field(default_factory=list)
    ewarn_reports: list[EwarnReport] = field(default_factory=list)


def facility_page(*, user: AnyUser, uid: Any) -> FacilityPage:
    facility = access.access_facility_by_uid(user, uid)
    facility = (
        Facility.objects.select_related("organisation", "directorate", "district__parent")
        .prefetch_related("supporters")
        .get(pk=facility.pk)
    )
    places = [
        (p.site or p.location, list(p.weekdays))
        for p in facility.catchment.select_related("site", "location").order_by("id")
    ]
    reads = access.reads_reports(user, facility)
    shown = FacilityPage(
        facility=facility,
        places=places,
        population=facility.populations.order_by("-on").first(),
        reads_reports=reads,
        manages=access.facilities_managed(user).filter(pk=facility.pk).exists(),
        reports_for=access.facilities_reporting(user).filter(pk=facility.pk).exists(),
    )
    if reads:
        shown.consultation_reports = list(
            access.consultation_reports_readable(user).filter(facility=facility)[:5]
        )
        shown.ewarn_reports = list(
            access.ewarn_reports_readable(user)
            .filter(facility=facility)
            .prefetch_related("counts")[:5]
        )
    return shown


def catchment_candidates(*, user: AnyUser, facility: Facility) -> tuple[list[Site], list[Location]]:
    """The places a facility may serve: the sites the user sees and the published DTM places in
    its district, with those it already serves."""
    district = facility.district
    units = AdminUnit.objects.filter(
        Q(pk=district.pk) | Q(parent=district) | Q(parent__parent=district)
    )
    served = facility.catchment.all()
    sites = list(
        sites_visible(user)
        .filter(Q(admin_unit__in=units) | Q(pk__in=served.values("site_id")))
        .order_by("name_en")
    )
    locations = list(
        Location.objects.filter(
            Q(kind=LocationKind.DTM_PLACE, published_at__isnull=False, admin_unit__in=units)
            | Q(pk__in=served.values("location_id"))
        ).order_by("name_en")
    )
    return sites, locations


def served_places(facility: Facility) -> dict[str, list[int]]:
    """The catchment as the catchment form keys it."""
    return {
        (f"site-{p.site_id}" if p.site_id else f"location-{p.location_id}"): list(p.weekdays)
        for p in facility.catchment.all()
    }


def ewarn_earlier(facility: Facility, year: int, week: int) -> EwarnReport | None:
    """The report already sent for the week, if any (shown when it is sent again)."""
    return (
        EwarnReport.objects.filter(facility=facility, year=year, week=week)
        .prefetch_related("counts")
        .first()
    )


def consultation_earlier(facility: Facility, period: str, start: Any) -> ConsultationReport | None:
    return (
        ConsultationReport.objects.filter(facility=facility, period=period, start=start)
        .prefetch_related("counts")
        .first()
    )
