"""Reads of the service directory, always for a reader and through ``access``: the search of the
current entries (by service, place, who is eligible, language and name), a point's page (its
current entry; for its mappers also its draft and the history of its versions), the points of
a search on a map, and the drafts a mapper's organisations have waiting.

Every query is bounded: a list selects the point, its organisation and its places in one join
and prefetches the offers and visits of the entries it returns (never one query a row), and
the admin units' boundaries are never read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from nahrain.core.access import AnyUser
from nahrain.core.models import Role
from nahrain.geo.models import AdminUnit
from nahrain.referrals import access
from nahrain.referrals.models import (
    MobileVisit,
    ServiceOffer,
    ServicePoint,
    ServicePointVersion,
    VersionStatus,
)

# The places an entry names, with their parents up to the governorate; never their boundaries.
_UNIT_PATHS = ("admin_unit", "admin_unit__parent", "admin_unit__parent__parent")
MAP_POINTS = 1000  # the most points a search draws on its map


@dataclass(frozen=True)
class DirectoryFilters:
    """What a search asks for; every criterion may be left empty.

    ``place`` is an admin unit's p-code: a governorate finds every point in its districts and
    sub-districts (p-codes are prefixes of those below them), and a mobile team is found in the
    places and sites it visits. ``sex``, ``age`` and ``group`` describe the person: an offer is
    for them when it names no sex (or theirs), no ages (or theirs fall inside) and no
    population groups (or theirs). With ``service``, that same offer must be of the service.
    """

    service: str = ""
    place: str = ""
    site: uuid.UUID | None = None
    sex: str = ""
    age: int | None = None
    group: str = ""
    language: str = ""
    kind: str = ""
    organisation: uuid.UUID | None = None
    q: str = ""
    on: date | None = None  # active on this day; today by default

    def codes(self) -> dict[str, Any]:
        """The criteria given, as codes and identifiers (for an audit row or a link)."""
        given = {
            "service": self.service,
            "place": self.place,
            "site": str(self.site) if self.site else "",
            "sex": self.sex,
            "age": self.age,
            "group": self.group,
            "language": self.language,
            "kind": self.kind,
            "organisation": str(self.organisation) if self.organisation else "",
        }
        return {name: value for name, value in given.items() if value not in ("", None)}


def _json_holds(code: str) -> str:
    """What a JSON list of codes holds as text when it names ``code`` (``"f"``): the portable
    way to ask SQLite and PostgreSQL alike whether a list names a code."""
    return f'"{code}"'


def _active_on(day: date) -> Q:
    return (Q(active_from__isnull=True) | Q(active_from__lte=day)) & (
        Q(active_until__isnull=True) | Q(active_until__gte=day)
    )


def _offer_rule(filters: DirectoryFilters) -> Q | None:
    """What one offer of an entry must be for the search (None: any entry will do)."""
    rule = Q()
    given = False
    if filters.service:
        rule &= Q(service=filters.service)
        given = True
    if filters.sex:
        rule &= Q(sexes=[]) | Q(sexes__icontains=_json_holds(filters.sex))
        given = True
    if filters.age is not None:
        rule &= (Q(age_min__isnull=True) | Q(age_min__lte=filters.age)) & (
            Q(age_max__isnull=True) | Q(age_max__gte=filters.age)
        )
        given = True
    if filters.group:
        rule &= Q(groups=[]) | Q(groups__icontains=_json_holds(filters.group))
        given = True
    return rule if given else None


def _place_rule(pcode: str) -> Q:
    """An entry in the unit or below it, or a mobile team visiting a place or site there."""
    unit = AdminUnit.objects.filter(pcode=pcode.strip().upper()).values_list("pcode", flat=True)
    found = unit.first()
    if found is None:
        return Q(pk__in=[])
    visits = MobileVisit.objects.filter(version=OuterRef("pk")).filter(
        Q(admin_unit__pcode__startswith=found) | Q(site__admin_unit__pcode__startswith=found)
    )
    return (
        Q(admin_unit__pcode__startswith=found)
        | Q(site__admin_unit__pcode__startswith=found)
        | Q(Exists(visits))
    )


def _site_rule(site_uid: uuid.UUID) -> Q:
    visits = MobileVisit.objects.filter(version=OuterRef("pk"), site__uid=site_uid)
    return Q(site__uid=site_uid) | Q(Exists(visits))


def _text_rule(q: str) -> Q:
    rule = Q()
    for word in q.split()[:5]:
        rule &= (
            Q(name_en__icontains=word)
            | Q(name_ar__icontains=word)
            | Q(name_ckb__icontains=word)
            | Q(point__organisation__acronym__icontains=word)
            | Q(point__organisation__name__icontains=word)
        )
    return rule


def with_details(versions: QuerySet[ServicePointVersion]) -> QuerySet[ServicePointVersion]:
    """Entries with what a list or a page shows of them, in a bounded number of queries: the
    point, its organisation and places joined; the offers and visits prefetched."""
    visits = MobileVisit.objects.select_related("site", "admin_unit").defer("admin_unit__geometry")
    return (
        versions.select_related("point", "point__organisation", *_UNIT_PATHS, "site")
        .defer(*(f"{path}__geometry" for path in _UNIT_PATHS))
        .prefetch_related(
            Prefetch("offers", queryset=ServiceOffer.objects.order_by("id")),
            Prefetch("visits", queryset=visits.order_by("id")),
        )
    )


def _found(user: AnyUser, filters: DirectoryFilters | None) -> QuerySet[ServicePointVersion]:
    filters = filters or DirectoryFilters()
    day = filters.on or timezone.localdate()
    found = (
        access.versions_readable(user).filter(status=VersionStatus.CURRENT).filter(_active_on(day))
    )
    offer = _offer_rule(filters)
    if offer is not None:
        found = found.filter(Exists(ServiceOffer.objects.filter(offer, version=OuterRef("pk"))))
    if filters.place:
        found = found.filter(_place_rule(filters.place))
    if filters.site is not None:
        found = found.filter(_site_rule(filters.site))
    if filters.language:
        found = found.filter(languages__icontains=_json_holds(filters.language))
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.organisation is not None:
        found = found.filter(point__organisation_id=filters.organisation)
    if filters.q.strip():
        found = found.filter(_text_rule(filters.q.strip()))
    return found.order_by("name_en", "point__uid")


def directory_search(
    *, user: AnyUser, filters: DirectoryFilters | None = None
) -> QuerySet[ServicePointVersion]:
    """The current entries a search finds, active on the day (today by default), by name; what
    each shows is selected with it (``with_details``). Drafts are never found, not even by
    their own mappers: the directory is what the response reads."""
    return with_details(_found(user, filters))


# --- the map ----------------------------------------------------------------------------------


def directory_map(
    *, user: AnyUser, filters: DirectoryFilters | None = None, limit: int = MAP_POINTS
) -> dict[str, Any]:
    """The points a search finds as GeoJSON, in two queries: each at its coordinates, or at
    its area's centre when it has none (``approximate``). Names in the three languages and the
    services as codes: the page labels them in the reader's language."""
    found = _found(user, filters)
    rows = list(
        found.values(
            "pk",
            "point__uid",
            "name_en",
            "name_ar",
            "name_ckb",
            "kind",
            "latitude",
            "longitude",
            "admin_unit__lat",
            "admin_unit__lon",
            "point__organisation__acronym",
        )[:limit]
    )
    services: dict[int, list[str]] = {}
    for version_id, service in ServiceOffer.objects.filter(
        version_id__in=[r["pk"] for r in rows]
    ).values_list("version_id", "service"):
        services.setdefault(version_id, []).append(service)
    features = []
    for row in rows:
        approximate = row["latitude"] is None or row["longitude"] is None
        lat = row["admin_unit__lat"] if approximate else row["latitude"]
        lon = row["admin_unit__lon"] if approximate else row["longitude"]
        if lat is None or lon is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "uid": str(row["point__uid"]),
                    "name_en": row["name_en"],
                    "name_ar": row["name_ar"],
                    "name_ckb": row["name_ckb"],
                    "kind": row["kind"],
                    "organisation": row["point__organisation__acronym"],
                    "services": sorted(services.get(row["pk"], [])),
                    "approximate": approximate,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


# --- one point --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PointPage:
    """A point as one reader sees it: its current entry, and for its mappers its draft and
    every version (newest first)."""

    point: ServicePoint
    current: ServicePointVersion | None
    maps: bool
    draft: ServicePointVersion | None = None
    history: list[ServicePointVersion] = field(default_factory=list)
    active_today: bool = False

    @property
    def shown(self) -> ServicePointVersion | None:
        """The entry the page is about: the current one, else (for its mappers) the draft,
        else the last archived."""
        if self.current is not None:
            return self.current
        if self.draft is not None:
            return self.draft
        return self.history[0] if self.history else None

    @property
    def archived(self) -> bool:
        return self.current is None and self.draft is None


def point_page(*, user: AnyUser, point_uid: Any) -> PointPage:
    """A point's page through its gate (404 alike for missing and not-yours)."""
    point = access.access_point_by_uid(user, point_uid)
    maps = access.maps_services(user, point.organisation)
    versions = (
        with_details(access.versions_readable(user).filter(point=point))
        .select_related("edited_by", "published_by")
        .order_by("-number")
    )
    if not maps:
        versions = versions.filter(status=VersionStatus.CURRENT)
    listed = list(versions)
    current = next((v for v in listed if v.status == VersionStatus.CURRENT), None)
    today = timezone.localdate()
    return PointPage(
        point=point,
        current=current,
        maps=maps,
        draft=next((v for v in listed if v.status == VersionStatus.DRAFT), None),
        history=listed if maps else [],
        active_today=bool(
            current is not None
            and (current.active_from is None or current.active_from <= today)
            and (current.active_until is None or current.active_until >= today)
        ),
    )


def entry_to_edit(*, user: AnyUser, point: ServicePoint) -> ServicePointVersion | None:
    """What a mapper's edit starts from: the draft, else the current entry, else the last
    archived one; ``point`` came through ``access.access_point_for_mapping``."""
    versions = with_details(access.versions_readable(user).filter(point=point))
    for status in (VersionStatus.DRAFT, VersionStatus.CURRENT):
        found = versions.filter(status=status).first()
        if found is not None:
            return found
    return versions.order_by("-number").first()


def mapping_organisations(*, user: AnyUser) -> Any:
    """The organisations whose entries the user keeps."""
    return access.organisations_with(user, (Role.SERVICE_MAPPER,)).order_by("acronym")


def drafts_waiting(*, user: AnyUser, limit: int = 50) -> list[ServicePointVersion]:
    """The drafts of the organisations the user maps, newest edit first (none for others)."""
    return list(
        access.versions_readable(user)
        .filter(
            status=VersionStatus.DRAFT,
            point__organisation__in=mapping_organisations(user=user),
        )
        .select_related("point", "point__organisation")
        .order_by("-edited_at")[:limit]
    )
