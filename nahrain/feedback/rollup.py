"""The trends rollup (``FeedbackRollup``): non-sensitive feedback counted by the organisation
responsible for it, month received, site, governorate, category, channel and topic, with how
many were answered and closed, in time or not.

Every write that changes an item asks for its organisation and month to be recounted once the
transaction commits (``refresh_on_commit``); one transaction (a hotline import of a thousand
calls) recounts each organisation and month once. The recount is one grouped query over the
items of that month, never a row at a time. Every figure here changes only with a write; what
is open past its deadline changes with the clock, so the trends count it from the items when
they are read (``open_overdue``), over the index on (concerned, status, due_at).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.db.models import Case, Count, DateField, F, IntegerField, Q, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from nahrain.core.models import Organisation
from nahrain.feedback.models import OPEN_STATUSES, Feedback, FeedbackRollup


def month_of(moment: datetime) -> date:
    """The first day of the month a moment falls in, in the response's time zone."""
    return timezone.localtime(moment).date().replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(month, time()), zone),
        timezone.make_aware(datetime.combine(following, time()), zone),
    )


# The governorate of an item's admin unit, whichever level the unit is (the site's governorate
# is the same unit: an item's admin unit comes from its site when it has one).
_GOVERNORATE = Case(
    When(admin_unit__level=1, then=F("admin_unit_id")),
    When(admin_unit__level=2, then=F("admin_unit__parent_id")),
    When(admin_unit__level=3, then=F("admin_unit__parent__parent_id")),
    default=None,
    output_field=IntegerField(),
)


def refresh(*, organisation_id: Any, month: date) -> int:
    """Rewrite the organisation's rollup rows of one month from its non-sensitive items;
    returns the rows written."""
    start, end = month_bounds(month)
    with transaction.atomic():
        # One recount of an organisation at a time: two commits recounting together would
        # both delete and both insert, doubling the month.
        list(
            Organisation.objects.select_for_update()
            .filter(pk=organisation_id)
            .values_list("pk", flat=True)
        )
        groups = (
            Feedback.objects.filter(
                concerned_id=organisation_id,
                sensitive=False,
                received_at__gte=start,
                received_at__lt=end,
            )
            .annotate(governorate_id=_GOVERNORATE)
            .values("site_id", "governorate_id", "category", "channel", "topic")
            .annotate(
                n_received=Count("pk"),
                n_answered=Count("pk", filter=Q(answered_at__isnull=False)),
                n_answered_in_time=Count("pk", filter=Q(answered_at__lte=F("due_at"))),
                n_closed=Count("pk", filter=Q(closed_at__isnull=False)),
                n_closed_in_time=Count("pk", filter=Q(closed_at__lte=F("due_at"))),
            )
            .order_by()
        )
        FeedbackRollup.objects.filter(organisation_id=organisation_id, month=month).delete()
        rows = FeedbackRollup.objects.bulk_create(
            FeedbackRollup(
                organisation_id=organisation_id,
                month=month,
                site_id=g["site_id"],
                governorate_id=g["governorate_id"],
                category=g["category"],
                channel=g["channel"],
                topic=g["topic"],
                received=g["n_received"],
                answered=g["n_answered"],
                answered_in_time=g["n_answered_in_time"],
                closed=g["n_closed"],
                closed_in_time=g["n_closed_in_time"],
            )
            for g in groups
        )
    return len(rows)


def open_overdue(
    *, start: date, end: date, organisation_id: Any = None, site_id: Any = None
) -> list[dict[str, Any]]:
    """The non-sensitive items open past their deadline now, received in the months from
    ``start`` to ``end`` (first days, both included), counted by organisation concerned, month,
    site, category, channel and topic: rows with the rollup's keys (the organisation as
    ``concerned_id``) and ``open_overdue``."""
    first, _end = month_bounds(start)
    _start, last = month_bounds(end)
    found = Feedback.objects.filter(
        sensitive=False,
        status__in=OPEN_STATUSES,
        due_at__lt=timezone.now(),
        received_at__gte=first,
        received_at__lt=last,
    )
    if organisation_id is not None:
        found = found.filter(concerned_id=organisation_id)
    if site_id is not None:
        found = found.filter(site_id=site_id)
    return list(
        found.annotate(
            month=TruncMonth(
                "received_at", output_field=DateField(), tzinfo=timezone.get_current_timezone()
            )
        )
        .values("concerned_id", "month", "site_id", "category", "channel", "topic")
        .annotate(open_overdue=Count("pk"))
        .order_by()
    )


class _Batch:
    """The recounts one transaction asks for, run once after it commits."""

    def __init__(self) -> None:
        self.keys: set[tuple[Any, date]] = set()

    def run(self) -> None:
        for organisation_id, month in sorted(self.keys, key=str):
            refresh(organisation_id=organisation_id, month=month)


def refresh_on_commit(feedback: Feedback, *, organisation_id: Any = None) -> None:
    """Recount the item's organisation and month (and ``organisation_id``'s, the one it was
    referred away from) once the current transaction commits."""
    keys = {(feedback.concerned_id, month_of(feedback.received_at))}
    if organisation_id is not None:
        keys.add((organisation_id, month_of(feedback.received_at)))
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _savepoints, queued, _robust in connection.run_on_commit:
            queued_batch = getattr(queued, "__self__", None)
            if isinstance(queued_batch, _Batch):
                queued_batch.keys |= keys
                return
    batch = _Batch()
    batch.keys |= keys
    # Robust: the feedback is committed whatever the rollup does; a failed recount is logged
    # and made good by the next one. A bound method, so that Django can log it by name.
    transaction.on_commit(batch.run, robust=True)
