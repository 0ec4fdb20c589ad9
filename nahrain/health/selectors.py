"""Reads of the health app, scoped to the caller by ``access``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Sum

from nahrain.core.access import AnyUser
from nahrain.core.models import Membership, Organisation
from nahrain.health import access
from nahrain.health.models import ConsultationCount, ConsultationReport, Facility


def catchment_population_on(facility: Facility, on: date) -> int | None:
    """The newest denominator taken on or before a date; None where none was taken, or where
    none of the catchment's places had a figure (no denominator is not a population of 0)."""
    found = facility.populations.filter(on__lte=on).order_by("-on").first()
    return found.individuals if found is not None and found.sources else None


# --- the organisation's monthly 4W ------------------------------------------------------------

# The health age groups folded into the 4W's (children 0-17, adults 18-59, elderly 60+).
_FOUR_W_AGE = {"u5": "0_17", "5_17": "0_17", "18_59": "18_59", "60p": "60"}
# Not a consultation: the count of patients sent on to another service.
_NOT_CONSULTATIONS = ("referral_out",)


@dataclass(frozen=True)
class ConsultationMonth:
    """Consultations of one month in the facilities one organisation runs in one district, by
    sex and the 4W's age groups: exact, for the organisation's own report."""

    district_id: int
    month: date
    consultations: int
    cells: dict[str, int]


def consultations_monthly(
    *, user: AnyUser, organisation: Organisation, month: date
) -> list[ConsultationMonth]:
    """Per district, the month's consultations in the organisation's facilities: its monthly
    reports, and the weeks starting in the month of a facility without a monthly report. Only
    for the organisation's own members (it is their report); anyone else is refused."""
    if (
        not user.is_authenticated
        or not Membership.objects.filter(user_id=user.pk, organisation=organisation).exists()
    ):
        raise PermissionDenied
    first = month.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    reports = access.consultation_reports_readable(user).filter(
        facility__organisation=organisation, start__gte=first, start__lt=following
    )
    monthly = set(
        reports.filter(period=ConsultationReport.Period.MONTH).values_list("facility_id", flat=True)
    )
    counts = (
        ConsultationCount.objects.filter(report__in=reports)
        .exclude(service__in=_NOT_CONSULTATIONS)
        .exclude(report__period=ConsultationReport.Period.WEEK, report__facility_id__in=monthly)
        .values("report__facility__district_id", "sex", "age_group")
        .annotate(total=Sum("count"))
    )
    districts: dict[int, dict[str, int]] = {}
    for found in counts:
        cells = districts.setdefault(found["report__facility__district_id"], {})
        cell = f"{found['sex']}_{_FOUR_W_AGE.get(found['age_group'], 'unknown')}"
        cells[cell] = cells.get(cell, 0) + int(found["total"])
    return [
        ConsultationMonth(
            district_id=district, month=first, consultations=sum(cells.values()), cells=cells
        )
        for district, cells in sorted(districts.items())
    ]
