"""The current service directory as files, narrowed by a search as the page narrows it:

- **Open Referral HSDS 3.0** (JSON): one list per HSDS table, named as the data package names
  its resources (``organizations``, ``services``, ``locations``, ``service_at_locations``,
  ``addresses``, ``phones``, ``schedules``, ``languages``, ``taxonomies``,
  ``taxonomy_terms``, ``attributes``), each object with the HSDS 3.0 field names
  (openreferral/specification, tag v3.0, ``schema/*.json``). A point is an HSDS *location*
  run by its *organization*; each service it offers is an HSDS *service* of that
  organisation, linked to the point (and, for a mobile team, to each place it visits) by a
  *service_at_location*. Identifiers are UUIDs, stable from one export to the next (the
  point's own, or derived from it). Empty fields are left out (HSDS types them as strings).
- **HXL-tagged CSV in the 3W shape** (who does what where, for HDX and the clusters): one row per
  service a point offers where it offers it (a mobile team: each place it visits), with
  ``#org``, ``#sector``, ``#adm1``/``#adm2``/``#adm3`` names and p-codes, ``#loc``,
  ``#geo+lat``/``#geo+lon``, ``#service``, who is eligible (``#beneficiary``) and ``#status``.

Only current entries active today are exported: never a draft, never an archived entry. Every
export is audited (its format, how many points, the search's criteria).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import override

from nahrain.core.access import AnyUser
from nahrain.core.services import audit_record
from nahrain.geo.models import AdminUnit
from nahrain.referrals import codelists
from nahrain.referrals.directory_selectors import DirectoryFilters, directory_search
from nahrain.referrals.models import MobileVisit, ServiceOffer, ServicePointVersion
from nahrain.sites.exports import table_csv

FORMATS = ("hsds", "hxl")
CONTENT_TYPES = {"hsds": "application/json", "hxl": "text/csv; charset=utf-8"}
HSDS_VERSION = "3.0"
# Derived identifiers (a service of a point, an address...) are UUIDv5 in this namespace.
NAMESPACE = uuid.UUID("99570077-e97f-5d12-8015-aba038df4770")
COUNTRY = "IQ"

# The cluster (and area of responsibility) of each service type, as the Iraq Humanitarian
# Response Plan's 3W reports them (Health, Protection with its GBV and Child Protection areas of
# responsibility, Shelter and NFI, Education, Emergency Livelihoods, Multi-Purpose Cash).
ISO_DAYS = {1: "MO", 2: "TU", 3: "WE", 4: "TH", 5: "FR", 6: "SA", 7: "SU"}

# (column, HXL tag): the 3W columns.
HXL_COLUMNS = (
    ("organisation", "#org+name"),
    ("organisation_acronym", "#org+acronym"),
    ("organisation_type", "#org+type"),
    ("sector", "#sector"),
    ("subsector", "#subsector"),
    ("service_code", "#service+code"),
    ("service", "#service+name"),
    ("adm1_name", "#adm1+name"),
    ("adm1_pcode", "#adm1+code"),
    ("adm2_name", "#adm2+name"),
    ("adm2_pcode", "#adm2+code"),
    ("adm3_name", "#adm3+name"),
    ("adm3_pcode", "#adm3+code"),
    ("point_id", "#loc+code"),
    ("point_name", "#loc+name"),
    ("point_name_ar", "#loc+name+i_ar"),
    ("point_name_ckb", "#loc+name+i_ckb"),
    ("point_kind", "#loc+type"),
    ("site_code", "#loc+code+site"),
    ("site_name", "#loc+name+site"),
    ("visit_days", "#date+days"),
    ("latitude", "#geo+lat"),
    ("longitude", "#geo+lon"),
    ("sexes", "#beneficiary+sex"),
    ("age_min", "#beneficiary+age+min"),
    ("age_max", "#beneficiary+age+max"),
    ("groups", "#beneficiary+group"),
    ("languages", "#meta+languages"),
    ("hours", "#meta+hours"),
    ("phone", "#contact+phone"),
    ("email", "#contact+email"),
    ("capacity_per_week", "#capacity+week"),
    ("waiting_days", "#meta+waiting+days"),
    ("status", "#status"),
    ("active_from", "#date+start"),
    ("active_until", "#date+end"),
    ("updated", "#date+updated"),
)


def _id(*parts: Any) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def _en(kind: str, code: str) -> str:
    return codelists.label(kind, code, "en")


def _kept(**fields: Any) -> dict[str, Any]:
    """An HSDS object: its fields without the empty ones."""
    return {name: value for name, value in fields.items() if value not in (None, "", [])}


# --- places ---------------------------------------------------------------------------------------


def _chain(unit: AdminUnit | None) -> dict[int, AdminUnit]:
    """The unit and those above it, by level (1 governorate, 2 district, 3 sub-district)."""
    levels: dict[int, AdminUnit] = {}
    while unit is not None:
        levels[unit.level] = unit
        unit = unit.parent
    return levels


class Places:
    """The admin units of the places the entries' mobile teams visit, with their parents, read in
    one query (the entries' own units came with them)."""

    def __init__(self, entries: Sequence[ServicePointVersion]) -> None:
        ids = set()
        for entry in entries:
            for visit in entry.visits.all():
                if visit.admin_unit_id is not None:
                    ids.add(visit.admin_unit_id)
                if visit.site is not None:
                    ids.add(visit.site.admin_unit_id)
        self.units = {
            unit.pk: unit
            for unit in AdminUnit.objects.filter(pk__in=ids)
            .select_related("parent", "parent__parent")
            .defer("geometry", "parent__geometry", "parent__parent__geometry")
        }

    def of_visit(self, visit: MobileVisit) -> dict[int, AdminUnit]:
        unit_id = visit.admin_unit_id if visit.site is None else visit.site.admin_unit_id
        return _chain(self.units.get(unit_id)) if unit_id is not None else {}


def _visit_place(visit: MobileVisit, places: Places) -> dict[str, Any]:
    """Where a visit goes: its site, or its area (at the area's centre)."""
    levels = places.of_visit(visit)
    lowest = levels[max(levels)] if levels else None
    if visit.site is not None:
        site = visit.site
        return {
            "key": f"site:{site.uid}",
            "name": site.name_en,
            "name_ar": site.name_ar,
            "levels": levels,
            "latitude": site.latitude,
            "longitude": site.longitude,
            "identifier": site.code,
            "identifier_type": "site code",
            "site": site,
        }
    return {
        "key": f"unit:{lowest.pcode if lowest else ''}",
        "name": lowest.name_en if lowest else "",
        "name_ar": lowest.name_ar if lowest else "",
        "levels": levels,
        "latitude": lowest.lat if lowest else None,
        "longitude": lowest.lon if lowest else None,
        "identifier": lowest.pcode if lowest else "",
        "identifier_type": "OCHA COD-AB p-code",
        "site": None,
    }


# --- who is eligible ------------------------------------------------------------------------------


def eligibility_words(offer: ServiceOffer) -> str:
    """Who an offer is for, in English words (HSDS ``eligibility_description``)."""
    parts = []
    if set(offer.sexes) == {"f"}:
        parts.append("Women and girls")
    elif set(offer.sexes) == {"m"}:
        parts.append("Men and boys")
    if offer.age_min is not None and offer.age_max is not None:
        parts.append(f"aged {offer.age_min} to {offer.age_max}")
    elif offer.age_min is not None:
        parts.append(f"aged {offer.age_min} and over")
    elif offer.age_max is not None:
        parts.append(f"aged up to {offer.age_max}")
    if offer.groups:
        parts.append(", ".join(_en("population_groups", g) for g in offer.groups))
    return "; ".join(parts) or "Anyone"


# --- Open Referral HSDS 3.0 -----------------------------------------------------------------------


def hsds(entries: Sequence[ServicePointVersion]) -> dict[str, Any]:
    """The entries as HSDS 3.0 tables (see the module's docstring)."""
    places = Places(entries)
    tables: dict[str, list[dict[str, Any]]] = {
        name: []
        for name in (
            "organizations",
            "services",
            "locations",
            "service_at_locations",
            "addresses",
            "phones",
            "schedules",
            "languages",
            "taxonomies",
            "taxonomy_terms",
            "attributes",
        )
    }
    taxonomy_id = _id("taxonomy", "service_types")
    tables["taxonomies"].append(
        _kept(
            id=taxonomy_id,
            name="Nahrain service types",
            description=str(codelists.codelists()["service_types"]["source"]),
            version=str(codelists.codelists()["version"]),
        )
    )
    terms_used: dict[str, str] = {}
    organisations: dict[str, dict[str, Any]] = {}
    for entry in entries:
        point = entry.point
        organisation = point.organisation
        organisation_id = str(organisation.pk)
        organisations.setdefault(
            organisation_id,
            _kept(
                id=organisation_id,
                name=organisation.name,
                alternate_name=organisation.acronym,
                description=f"{organisation.get_type_display()} ({organisation.acronym})",
            ),
        )
        location_id = str(point.uid)
        levels = _chain(entry.admin_unit)
        lowest = levels.get(max(levels)) if levels else entry.admin_unit
        tables["locations"].append(
            _kept(
                id=location_id,
                location_type="physical",
                organization_id=organisation_id,
                name=entry.name_en or entry.name_ar,
                alternate_name=entry.name_ar if entry.name_en else entry.name_ckb,
                description=" ".join(
                    p for p in (_en("point_kinds", entry.kind) + ".", entry.note) if p
                ),
                latitude=entry.latitude,
                longitude=entry.longitude,
                external_identifier=lowest.pcode if lowest else "",
                external_identifier_type="OCHA COD-AB p-code",
            )
        )
        tables["addresses"].append(_address(location_id, entry.address or entry.name_en, levels))
        if entry.phone:
            tables["phones"].append(
                _kept(
                    id=_id(location_id, "phone"),
                    location_id=location_id,
                    number=entry.phone,
                    type="voice",
                )
            )
        if entry.hours or entry.active_from or entry.active_until:
            tables["schedules"].append(
                _kept(
                    id=_id(location_id, "schedule"),
                    location_id=location_id,
                    valid_from=entry.active_from.isoformat() if entry.active_from else "",
                    valid_to=entry.active_until.isoformat() if entry.active_until else "",
                    description=entry.hours,
                )
            )
        for language in entry.languages:
            tables["languages"].append(
                _kept(
                    id=_id(location_id, "language", language),
                    location_id=location_id,
                    name=_en("languages", language),
                    code=language,
                )
            )
        visited = []
        for visit in entry.visits.all():
            place = _visit_place(visit, places)
            visit_location = _id(location_id, "visit", place["key"])
            visited.append(visit_location)
            tables["locations"].append(
                _kept(
                    id=visit_location,
                    location_type="physical",
                    organization_id=organisation_id,
                    name=place["name"],
                    alternate_name=place["name_ar"],
                    description=f"Visited by the mobile team {entry.name_en}.",
                    latitude=place["latitude"],
                    longitude=place["longitude"],
                    external_identifier=place["identifier"],
                    external_identifier_type=place["identifier_type"],
                )
            )
            tables["addresses"].append(_address(visit_location, place["name"], place["levels"]))
            tables["schedules"].append(
                _kept(
                    id=_id(visit_location, "schedule"),
                    location_id=visit_location,
                    freq="WEEKLY",
                    byday=",".join(ISO_DAYS[d] for d in visit.weekdays if d in ISO_DAYS),
                    wkst="SU",
                    valid_from=entry.active_from.isoformat() if entry.active_from else "",
                    valid_to=entry.active_until.isoformat() if entry.active_until else "",
                    description=visit.hours,
                )
            )
        for offer in entry.offers.all():
            service_id = _id(location_id, "service", offer.service)
            label = _en("service_types", offer.service)
            tables["services"].append(
                _kept(
                    id=service_id,
                    organization_id=organisation_id,
                    name=f"{label}: {entry.name_en or entry.name_ar}",
                    description=label,
                    email=entry.email,
                    status="active",
                    eligibility_description=eligibility_words(offer),
                    minimum_age=offer.age_min,
                    maximum_age=offer.age_max,
                    assured_date=entry.published_at.date().isoformat()
                    if entry.published_at
                    else "",
                    last_modified=entry.edited_at.isoformat() if entry.edited_at else "",
                )
            )
            for where in (location_id, *visited):
                tables["service_at_locations"].append(
                    _kept(
                        id=_id(service_id, "at", where),
                        service_id=service_id,
                        location_id=where,
                    )
                )
            term_id = terms_used.setdefault(offer.service, _id("term", offer.service))
            tables["attributes"].append(
                _kept(
                    id=_id(service_id, "attribute", offer.service),
                    link_id=service_id,
                    link_type="service_type",
                    link_entity="service",
                    taxonomy_term_id=term_id,
                )
            )
    tables["organizations"] = list(organisations.values())
    tables["taxonomy_terms"] = [
        _kept(
            id=term_id,
            code=code,
            name=_en("service_types", code),
            description=_en("service_types", code),
            taxonomy=tables["taxonomies"][0]["name"],
            taxonomy_id=taxonomy_id,
            language="en",
        )
        for code, term_id in terms_used.items()
    ]
    return {"version": HSDS_VERSION, **tables}


def _address(location_id: str, line: str, levels: dict[int, AdminUnit]) -> dict[str, Any]:
    """An HSDS address: the governorate as state or province, the district as the city (Iraq's
    districts are named after their towns), the sub-district as the region."""
    return {
        "id": _id(location_id, "address"),
        "location_id": location_id,
        "address_1": line,
        "city": levels[2].name_en if 2 in levels else "",
        **({"region": levels[3].name_en} if 3 in levels else {}),
        "state_province": levels[1].name_en if 1 in levels else "",
        "postal_code": "",
        "country": COUNTRY,
        "address_type": "physical",
    }


# --- HXL, 3W --------------------------------------------------------------------------------------


def _where(levels: dict[int, AdminUnit]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for level in (1, 2, 3):
        unit = levels.get(level)
        row[f"adm{level}_name"] = unit.name_en if unit else ""
        row[f"adm{level}_pcode"] = unit.pcode if unit else ""
    return row


def hxl_rows(entries: Sequence[ServicePointVersion]) -> list[dict[str, Any]]:
    """The 3W rows of the entries (see the module's docstring)."""
    places = Places(entries)
    rows = []
    for entry in entries:
        organisation = entry.point.organisation
        common = {
            "organisation": organisation.name,
            "organisation_acronym": organisation.acronym,
            "organisation_type": organisation.type,
            "point_id": str(entry.point.uid),
            "point_name": entry.name_en,
            "point_name_ar": entry.name_ar,
            "point_name_ckb": entry.name_ckb,
            "point_kind": entry.kind,
            "languages": " ".join(entry.languages),
            "hours": entry.hours,
            "phone": entry.phone,
            "email": entry.email,
            "capacity_per_week": entry.capacity_per_week,
            "waiting_days": entry.waiting_days,
            "status": "active",
            "active_from": entry.active_from,
            "active_until": entry.active_until,
            "updated": entry.published_at.date() if entry.published_at else None,
        }
        wheres: list[dict[str, Any]] = []
        for visit in entry.visits.all():
            place = _visit_place(visit, places)
            site = place["site"]
            wheres.append(
                {
                    **_where(place["levels"]),
                    "site_code": site.code if site else "",
                    "site_name": site.name_en if site else "",
                    "visit_days": " ".join(ISO_DAYS[d] for d in visit.weekdays if d in ISO_DAYS),
                    "latitude": place["latitude"],
                    "longitude": place["longitude"],
                }
            )
        if not wheres:
            site = entry.site
            wheres.append(
                {
                    **_where(_chain(entry.admin_unit)),
                    "site_code": site.code if site else "",
                    "site_name": site.name_en if site else "",
                    "latitude": entry.latitude,
                    "longitude": entry.longitude,
                }
            )
        for offer in entry.offers.all():
            sector, subsector = codelists.sector(offer.service)
            for where in wheres:
                rows.append(
                    {
                        **common,
                        **where,
                        "sector": sector,
                        "subsector": subsector,
                        "service_code": offer.service,
                        "service": _en("service_types", offer.service),
                        "sexes": " ".join(offer.sexes),
                        "age_min": offer.age_min,
                        "age_max": offer.age_max,
                        "groups": " ".join(offer.groups),
                    }
                )
    return rows


# --- the files, audited ---------------------------------------------------------------------------


def export_entries(
    *, actor: AnyUser, filters: DirectoryFilters | None
) -> list[ServicePointVersion]:
    """The current entries the export holds: the search's, all of them."""
    return list(directory_search(user=actor, filters=filters))


def _audited(
    actor: AnyUser, format: str, entries: Iterable[ServicePointVersion], filters: Any, via: str
) -> None:
    audit_record(
        actor=actor if isinstance(actor, User) else None,
        action="directory.export",
        object_type="service_point",
        detail={
            "format": format,
            "points": len(list(entries)),
            "filters": filters.codes() if filters is not None else {},
            "via": via,
        },
    )


def hsds_export(
    *, actor: AnyUser, filters: DirectoryFilters | None = None, via: str = "api"
) -> dict[str, Any]:
    """The directory as an HSDS document (audited)."""
    entries = export_entries(actor=actor, filters=filters)
    _audited(actor, "hsds", entries, filters, via)
    with override("en"):
        return hsds(entries)


def directory_export(
    *, actor: AnyUser, format: str, filters: DirectoryFilters | None = None, via: str = "page"
) -> tuple[bytes, str, str]:
    """The directory as a file (its bytes, its name and its content type), audited."""
    if format not in FORMATS:
        raise ValueError(f"{format!r} is not one of {FORMATS}")
    entries = export_entries(actor=actor, filters=filters)
    _audited(actor, format, entries, filters, via)
    day = timezone.localdate()
    # HSDS and HDX read English; the Arabic and Kurdish names travel in their own fields.
    with override("en"):
        if format == "hsds":
            data = json.dumps(hsds(entries), ensure_ascii=False, indent=1).encode("utf-8")
            return data, _name(day, "hsds", "json"), CONTENT_TYPES[format]
        data = table_csv(hxl_rows(entries), HXL_COLUMNS, hxl=True)
        return data, _name(day, "3w-hxl", "csv"), CONTENT_TYPES[format]


def _name(day: date, what: str, extension: str) -> str:
    return f"service-directory-{what}-{day:%Y%m%d}.{extension}"
