"""Lists of facilities and of their reports, scoped to the caller by ``access``: what the API's
lists (and any page listing the same) read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from nahrain.core.access import AnyUser
from nahrain.health import access
from nahrain.health.models import ConsultationReport, EwarnReport, Facility


@dataclass(frozen=True)
class FacilityFilters:
    kind: str = ""
    functionality: str = ""
    governorate: str = ""  # p-code
    district: str = ""  # p-code
    organisation: uuid.UUID | None = None
    directorate: uuid.UUID | None = None
    reporting: bool = False  # only those the caller reports for
    q: str = ""


def facilities_found(user: AnyUser, filters: FacilityFilters) -> QuerySet[Facility]:
    """The facilities the user may read that the filters keep, by code."""
    found = (
        access.facilities_reporting(user) if filters.reporting else access.facilities_readable(user)
    )
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.functionality:
        found = found.filter(functionality=filters.functionality)
    if filters.district:
        found = found.filter(district__pcode=filters.district.upper())
    if filters.governorate:
        found = found.filter(district__parent__pcode=filters.governorate.upper())
    if filters.organisation is not None:
        found = found.filter(organisation_id=filters.organisation)
    if filters.directorate is not None:
        found = found.filter(directorate_id=filters.directorate)
    for word in filters.q.split():
        found = found.filter(
            Q(code__icontains=word)
            | Q(name_en__icontains=word)
            | Q(name_ar__icontains=word)
            | Q(name_ckb__icontains=word)
        )
    return found.select_related("organisation", "directorate", "district").order_by("code", "pk")


def consultation_reports_found(
    user: AnyUser,
    *,
    facility: uuid.UUID | None = None,
    period: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[ConsultationReport]:
    """The consultation reports the user reads, newest period first."""
    found = access.consultation_reports_readable(user)
    if facility is not None:
        found = found.filter(facility__uid=facility)
    if period:
        found = found.filter(period=period)
    if since is not None:
        found = found.filter(start__gte=since)
    if until is not None:
        found = found.filter(start__lte=until)
    return found.select_related("facility").order_by("-start", "facility__code", "period")


def ewarn_reports_found(
    user: AnyUser,
    *,
    facility: uuid.UUID | None = None,
    year: int | None = None,
    week_from: int | None = None,
    week_to: int | None = None,
) -> QuerySet[EwarnReport]:
    """The EWARN weekly reports the user reads, newest week first."""
    found = access.ewarn_reports_readable(user)
    if facility is not None:
        found = found.filter(facility__uid=facility)
    if year is not None:
        found = found.filter(year=year)
    if week_from is not None:
        found = found.filter(week__gte=week_from)
    if week_to is not None:
        found = found.filter(week__lte=week_to)
    return found.select_related("facility").order_by("-year", "-week", "facility__code")
