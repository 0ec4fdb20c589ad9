"""The rules every way into a 4W follows (the page, the API, the import, the automatic
filling): when a reporting period is open, what a row must be, and whether it repeats a figure
the system already filled."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from itertools import repeat
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from nahrain.coordination import codelists
from nahrain.coordination.models import ReportingPeriod, ReportRow, RowSource
from nahrain.coordination.places import Tree

ALREADY_REPORTED = "already_reported_by_system"
PERIOD_CLOSED = "period_closed"


def period_for(month: date) -> ReportingPeriod:
    first = codelists.first_day(month)
    period, _created = ReportingPeriod.objects.get_or_create(
        month=first, defaults={"deadline": codelists.deadline(first)}
    )
    return period


def is_open(period: ReportingPeriod, today: date | None = None) -> bool:
    """Open to partners: not locked, and before the deadline or reopened since."""
    if period.locked_at is not None:
        return False
    today = today or timezone.localdate()
    return today <= period.deadline or period.reopened_at is not None


def period_open(month: date) -> bool:
    """Whether partners may still write the month's reports (any day of the month)."""
    return is_open(period_for(month))


def check_cells(cells: dict[str, Any], value: int, *, exact: bool) -> None:
    if not cells:
        return
    # Set and map operations rather than a Python loop per cell: the import checks every
    # row of a 50,000-row sheet here.
    if not cells.keys() <= codelists.cell_set():
        raise ValidationError(_("Unknown sex and age group."), code="cells_unknown")
    counts = cells.values()
    if not all(map(isinstance, counts, repeat(int))) or min(counts) < 0:
        raise ValidationError(_("Counts are whole numbers, 0 or more."), code="cells_negative")
    if exact and sum(counts) != value:
        raise ValidationError(
            _("The sex and age groups add up to %(sum)s, not %(value)s.")
            % {"sum": sum(cells.values()), "value": value},
            code="cells_sum",
        )


def check_row(
    *,
    cluster: str,
    activity: str,
    indicator: str,
    population_group: str,
    value: int,
    cells: dict[str, Any],
    admin_level: int | None,
) -> None:
    """The rules of one row: an indicator of the catalogue under its cluster and activity, a
    known population group, a figure and its cells (which add up to it for people)."""
    known = codelists.indicators().get(indicator)
    if known is None:
        raise ValidationError(_("Not an indicator of the catalogue."), code="indicator_unknown")
    if known.cluster != cluster or known.activity != activity:
        raise ValidationError(
            _("This indicator belongs to another cluster or activity."), code="indicator_elsewhere"
        )
    if population_group and population_group not in codelists.codes("population_groups"):
        raise ValidationError(_("Not a population group."), code="population_group_unknown")
    if value < 0:
        raise ValidationError(_("A figure is 0 or more."), code="value_negative")
    if admin_level is None or not 1 <= admin_level <= 3:
        raise ValidationError(
            _("Say where: a governorate, district or subdistrict."), code="place_level"
        )
    check_cells(cells, value, exact=known.unit == "people")


def auto_places(report_ids: Iterable[Any]) -> dict[tuple[Any, str, str], list[Any]]:
    """The places the system filled, per report, activity and indicator."""
    found: dict[tuple[Any, str, str], list[Any]] = {}
    for report_id, activity, indicator, unit in ReportRow.objects.filter(
        report_id__in=list(report_ids), source=RowSource.AUTO
    ).values_list("report_id", "activity", "indicator", "admin_unit_id"):
        found.setdefault((report_id, activity, indicator), []).append(unit)
    return found


def repeats_auto(
    tree: Tree,
    auto: dict[tuple[Any, str, str], list[Any]],
    report_id: Any,
    activity: str,
    indicator: str,
    unit_id: Any,
) -> bool:
    return any(
        tree.overlap(unit_id, other) for other in auto.get((report_id, activity, indicator), [])
    )
