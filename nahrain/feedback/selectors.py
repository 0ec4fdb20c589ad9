"""Reads of the feedback mechanism: each takes the caller and returns only what the one rule
(``feedback.access``) lets them see; reading an item, its contact or an export is audited.

Trends are read from the rollup (``rollup.py``), never item by item; only what is open past its
deadline now is counted from the items, grouped, when the trends are read. Inside the organisation
(its feedback officers, information managers and admins) they are exact; anyone else reads them
with small cells hidden (``core.suppression``): per breakdown, a table of feedback closed in
time and the rest, whose row totals are the feedback received. What is not drawn from that
table (answered, overdue) is not shown outside the organisation. Sensitive feedback is in no
trend and no export.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from nahrain.assistance.models import MonitoringAnswer, Programme
from nahrain.core.access import AnyUser
from nahrain.core.models import Membership, Organisation
from nahrain.core.services import audit_record
from nahrain.core.suppression import suppress
from nahrain.feedback import access, rollup
from nahrain.feedback.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Feedback,
    FeedbackContact,
    FeedbackEvent,
    FeedbackRollup,
    FocalPoint,
)
from nahrain.feedback.rollup import month_bounds, month_of
from nahrain.sites.models import Site

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SUPPRESSION_THRESHOLD = 5
TOP_TOPICS = 3


def _actor(user: AnyUser) -> User | None:
    return user if user.is_authenticated else None


# --- items ------------------------------------------------------------------------------------


def feedback_list(
    *,
    user: AnyUser,
    status: str | None = None,
    category: str | None = None,
    channel: str | None = None,
    site: Site | None = None,
    overdue: bool = False,
    mine: bool = False,
) -> QuerySet[Feedback]:
    """The items the user reads, newest first."""
    found = access.feedback_readable_by(user).select_related(
        "organisation", "concerned", "site", "assigned_to"
    )
    if status:
        found = found.filter(status=status)
    if category:
        found = found.filter(category=category)
    if channel:
        found = found.filter(channel=channel)
    if site is not None:
        found = found.filter(site=site)
    if overdue:
        found = found.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    if mine:
        found = found.filter(assigned_to_id=user.pk)
    return found.order_by("-received_at", "pk")


def feedback_detail(*, user: AnyUser, feedback: Feedback) -> Feedback:
    """The item, if the user reads it (Http404 otherwise); the read is audited."""
    if not access.can_read_feedback(user, feedback):
        raise Http404
    audit_record(
        actor=_actor(user),
        action="feedback.read",
        object_type="feedback",
        object_id=feedback.uid,
        organisation=feedback.concerned,
    )
    return feedback


def feedback_contact(*, user: AnyUser, feedback: Feedback) -> FeedbackContact | None:
    """How to call the person back, for those it goes to (the receiver; the organisation
    concerned with the person's consent); None for anyone else, or when there is none. A
    contact read is audited."""
    if not access.can_read_feedback(user, feedback):
        raise Http404
    contact = FeedbackContact.objects.filter(feedback=feedback).first()
    if contact is None or not access.can_read_contact(user, feedback):
        return None
    audit_record(
        actor=_actor(user),
        action="feedback.contact_read",
        object_type="feedback",
        object_id=feedback.uid,
        organisation=feedback.organisation,
    )
    return contact


def feedback_history(*, user: AnyUser, feedback: Feedback) -> list[FeedbackEvent]:
    if not access.can_read_feedback(user, feedback):
        raise Http404
    return list(
        FeedbackEvent.objects.filter(feedback=feedback)
        .select_related("actor", "organisation")
        .order_by("at", "pk")
    )


def linked_items(*, user: AnyUser, feedback: Feedback) -> list[Feedback]:
    """The items grouped under this one that the user reads."""
    return list(feedback_list(user=user).filter(linked_to=feedback))


def sensitive_waiting(*, user: AnyUser, organisation: Organisation) -> int:
    """For the organisation's admins: how many open sensitive items wait for a focal point
    (none is named, or still a member, for their category). A count, nothing else."""
    if not access.names_focal_points(user, organisation):
        raise PermissionDenied
    named = FocalPoint.objects.filter(
        organisation=organisation,
        category=OuterRef("category"),
        user__in=Membership.objects.filter(organisation=organisation).values("user_id"),
    )
    return (
        Feedback.objects.filter(concerned=organisation, sensitive=True)
        .exclude(status__in=CLOSED_STATUSES)
        .exclude(Exists(named))
        .count()
    )


def focal_points(*, user: AnyUser, organisation: Organisation) -> list[FocalPoint]:
    """The organisation's focal points, for its admins and members."""
    if not (
        user.is_authenticated
        and Membership.objects.filter(user_id=user.pk, organisation=organisation).exists()
    ):
        raise PermissionDenied
    return list(
        FocalPoint.objects.filter(organisation=organisation).select_related("user", "named_by")
    )


def pdm_complaints_waiting(*, user: AnyUser) -> list[tuple[Programme, int]]:
    """For feedback officers: how many complaints PDM interviews raised in each programme of
    their organisations that no one has taken over into feedback yet (counts, nothing of the
    complaints), programmes with none left out."""
    counts = (
        MonitoringAnswer.objects.filter(
            complaint=True,
            complaint_taken_at__isnull=True,
            sampled__sample__distribution__programme__organisation__in=(
                access.organisations_recording(user)
            ),
        )
        .values("sampled__sample__distribution__programme")
        .annotate(n=Count("pk"))
        .order_by()
    )
    waiting = {c["sampled__sample__distribution__programme"]: c["n"] for c in counts}
    programmes = Programme.objects.filter(pk__in=waiting).select_related("organisation")
    return [(p, waiting[p.pk]) for p in programmes.order_by("code", "pk")]


# --- trends -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendRow:
    """One line of a breakdown; ``None`` where a figure is hidden (or not shown outside the
    organisation)."""

    key: Any
    received: int | None
    answered: int | None
    answered_in_time: int | None
    closed: int | None
    closed_in_time: int | None
    open_overdue: int | None

    @property
    def share_answered_in_time(self) -> float | None:
        return _share(self.answered_in_time, self.received)

    @property
    def share_closed_in_time(self) -> float | None:
        return _share(self.closed_in_time, self.received)


def _share(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100 * part / whole, 1)


@dataclass(frozen=True)
class Trends:
    exact: bool  # the reader is inside the organisation
    organisation: Organisation | None
    months: list[date]
    total: TrendRow
    by_month: list[TrendRow]
    by_site: list[TrendRow]  # key: site id, None out of sites
    by_category: list[TrendRow]
    by_channel: list[TrendRow]
    by_topic: list[TrendRow]
    by_organisation: list[TrendRow]  # key: organisation id
    # The topics a site's community raises most: site id -> [(topic, received)].
    top_topics: dict[Any, list[tuple[str, int]]] = field(default_factory=dict)


_COUNTS = ("received", "answered", "answered_in_time", "closed", "closed_in_time", "open_overdue")


@dataclass(frozen=True)
class _Counted:
    """A rollup row, or the items open past their deadline now under the same keys."""

    organisation_id: Any
    month: date
    site_id: Any
    category: str
    channel: str
    topic: str
    received: int = 0
    answered: int = 0
    answered_in_time: int = 0
    closed: int = 0
    closed_in_time: int = 0
    open_overdue: int = 0


def _months(months: int) -> list[date]:
    current = month_of(timezone.now())
    found = []
    year, month = current.year, current.month
    for _n in range(max(1, months)):
        found.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(found)


def _breakdown(
    rows: Sequence[_Counted], key: Callable[[_Counted], Any], exact: bool
) -> list[TrendRow]:
    sums: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_COUNTS, 0))
    for row in rows:
        line = sums[key(row)]
        for name in _COUNTS:
            line[name] += getattr(row, name)
    keys = sorted(sums, key=lambda k: (k is None, str(k)))
    if exact:
        return [TrendRow(key=k, **sums[k]) for k in keys]
    # Outside the organisation: closed in time and the rest, received as the row totals.
    table = [
        [sums[k]["closed_in_time"], sums[k]["received"] - sums[k]["closed_in_time"]] for k in keys
    ]
    if not table:
        return []
    shown = suppress(table, threshold=SUPPRESSION_THRESHOLD)
    return [
        TrendRow(
            key=k,
            received=shown.row_totals[n],
            answered=None,
            answered_in_time=None,
            closed=None,
            closed_in_time=shown.cells[n][0],
            open_overdue=None,
        )
        for n, k in enumerate(keys)
    ]


def _total(rows: Sequence[_Counted], exact: bool) -> TrendRow:
    whole = _breakdown(rows, lambda _r: "all", exact)
    if whole:
        return whole[0]
    return TrendRow("all", 0, *(0 if exact else None for _n in range(5)))


def _top_topics(rows: Sequence[_Counted], exact: bool) -> dict[Any, list[tuple[str, int]]]:
    counts: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        if row.site_id is not None and row.topic:
            counts[row.site_id][row.topic] += row.received
    sites = sorted(counts, key=str)
    topics = sorted({t for by_topic in counts.values() for t in by_topic})
    if not sites:
        return {}
    table = [[counts[s].get(t, 0) for t in topics] for s in sites]
    cells = table if exact else suppress(table, threshold=SUPPRESSION_THRESHOLD).cells
    top: dict[Any, list[tuple[str, int]]] = {}
    for n, site in enumerate(sites):
        shown = [(t, c) for t, c in zip(topics, cells[n], strict=True) if c]
        top[site] = sorted(shown, key=lambda tc: (-tc[1], tc[0]))[:TOP_TOPICS]
    return top


def trends(
    *,
    user: AnyUser,
    organisation: Organisation | None = None,
    months: int = 12,
    site: Site | None = None,
) -> Trends:
    """Feedback received, answered and closed (in time or not) and open past the deadline, by
    month, site, category, channel, topic and organisation, over the last ``months`` months;
    the topics each site raises most. Exact for readers inside ``organisation``; suppressed
    otherwise (and always when all organisations are read together)."""
    if not user.is_authenticated:
        raise PermissionDenied
    exact = organisation is not None and access.reads_trends(user, organisation)
    span = _months(months)
    found = FeedbackRollup.objects.filter(month__gte=span[0], month__lte=span[-1])
    if organisation is not None:
        found = found.filter(organisation=organisation)
    if site is not None:
        found = found.filter(site=site)
    rows = [
        _Counted(
            organisation_id=r.organisation_id,
            month=r.month,
            site_id=r.site_id,
            category=r.category,
            channel=r.channel,
            topic=r.topic,
            received=r.received,
            answered=r.answered,
            answered_in_time=r.answered_in_time,
            closed=r.closed,
            closed_in_time=r.closed_in_time,
        )
        for r in found.order_by("pk")
    ]
    # Overdue is a matter of the clock, not of writes: counted from the items, now.
    rows += [
        _Counted(
            organisation_id=g["concerned_id"],
            month=g["month"],
            site_id=g["site_id"],
            category=g["category"],
            channel=g["channel"],
            topic=g["topic"],
            open_overdue=g["open_overdue"],
        )
        for g in rollup.open_overdue(
            start=span[0],
            end=span[-1],
            organisation_id=organisation.pk if organisation is not None else None,
            site_id=site.pk if site is not None else None,
        )
    ]
    return Trends(
        exact=exact,
        organisation=organisation,
        months=span,
        total=_total(rows, exact),
        by_month=_breakdown(rows, lambda r: r.month, exact),
        by_site=_breakdown(rows, lambda r: r.site_id, exact),
        by_category=_breakdown(rows, lambda r: r.category, exact),
        by_channel=_breakdown(rows, lambda r: r.channel, exact),
        by_topic=_breakdown(rows, lambda r: r.topic, exact),
        by_organisation=_breakdown(rows, lambda r: r.organisation_id, exact),
        top_topics=_top_topics(rows, exact),
    )


# --- anonymised export ------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "month",
    "organisation",
    "received_by",
    "site",
    "governorate",
    "channel",
    "category",
    "topic",
    "priority",
    "status",
    "person_sex",
    "person_age_group",
    "population_group",
    "answered_in_time",
    "closed_in_time",
    "answered_how",
    "satisfaction",
)


def _in_time(done: Any, due: Any) -> str:
    if done is None:
        return ""
    return "yes" if done <= due else "no"


def _governorate(feedback: Feedback) -> str:
    """The p-code of the item's governorate (its site's, else its admin unit's ancestor)."""
    if feedback.site is not None:
        return feedback.site.governorate.pcode
    unit = feedback.admin_unit
    while unit is not None and unit.level > 1:
        unit = unit.parent
    return unit.pcode if unit is not None and unit.level == 1 else ""


def export_rows(
    *,
    user: AnyUser,
    organisation: Organisation,
    months: int = 12,
    site: Site | None = None,
) -> list[dict[str, Any]]:
    """The organisation's non-sensitive feedback, one row per item, anonymised: no contact, no
    words (description, answer, notes), no reference, the month and not the day. For the
    readers of its trends; the export is audited."""
    if not access.reads_trends(user, organisation):
        raise PermissionDenied
    span = _months(months)
    start, _end = month_bounds(span[0])
    found = (
        Feedback.objects.filter(concerned=organisation, sensitive=False, received_at__gte=start)
        .select_related("organisation", "concerned", "site", "admin_unit")
        .order_by("received_at", "pk")
    )
    if site is not None:
        found = found.filter(site=site)
    rows = [
        {
            "month": month_of(f.received_at).strftime("%Y-%m"),
            "organisation": f.concerned.acronym,
            "received_by": f.organisation.acronym,
            "site": f.site.code if f.site is not None else "",
            "governorate": _governorate(f),
            "channel": f.channel,
            "category": f.category,
            "topic": f.topic,
            "priority": f.priority,
            "status": f.status,
            "person_sex": f.person_sex,
            "person_age_group": f.person_age_group,
            "population_group": f.population_group,
            "answered_in_time": _in_time(f.answered_at, f.due_at),
            "closed_in_time": _in_time(f.closed_at, f.due_at),
            "answered_how": f.answered_how,
            "satisfaction": f.satisfaction,
        }
        for f in found.select_related("site__governorate", "admin_unit__parent__parent")
    ]
    audit_record(
        actor=_actor(user),
        action="feedback.export",
        object_type="organisation",
        object_id=organisation.pk,
        organisation=organisation,
        detail={"rows": len(rows), "months": len(span)},
    )
    return rows
