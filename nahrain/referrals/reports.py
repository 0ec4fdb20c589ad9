"""The response-wide reports of referral pathways and protection cases: how referrals fare by
service and receiving organisation (sent, and their status now; median hours to acknowledge,
accept and provide; shares closed, declined and lost to follow-up), the open and overdue
referrals by service, and the cases by type and status.

Nothing here is of a person: the counts are made in SQL (aggregates and window functions, never
a loop over referrals or cases), then published with small cells suppressed for every reader
alike: GBV figures leave nobody's hands unsuppressed, not even the holding organisation's.

Suppression (``core.suppression``). A count is hidden below the threshold of what it counts: a
case type's ``suppress_below`` (GBV and MHPSS 10, the others 5), and for referrals the highest
threshold of the case types opened by the role that handles the service (a referral to GBV case
management or to an MHPSS service: 10). The referrals are one grid for each threshold (service
and receiving organisation by status now, the open ones split into overdue and on time),
suppressed as a whole with the sums drawn from it (``_pathway_sums``): the pathway table and
the open and overdue table are both read from it, so one cannot be subtracted from the other
(12 sent and 10 open, suppressed apart, gave 2 others away). The cases are a table of their
own for each threshold. Every figure across them (an organisation's referrals of every
service, the grand totals) is a sum of published figures, hidden when any part is
(``derived_total``). A pair is listed only where its referrals sent are shown. A median is shown
only where the count of referrals behind it reaches the threshold and the pair is listed; a
share only where the referrals it counts are shown and they and those it does not count are
each none or at least the threshold (a share of a published count would otherwise give a small
count away).

What it does not do: the reports change as referrals are sent, so two readings a day apart
differ by that day's referrals; they are therefore given for all time and never for a period a
reader chooses (two such periods would differ by a few referrals on purpose)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from nahrain.core.models import Organisation
from nahrain.core.suppression import derived_total, suppress
from nahrain.referrals import codelists
from nahrain.referrals.models import (
    OPEN_STATUSES,
    Case,
    CaseStatus,
    Referral,
    ReferralEvent,
    ReferralStatus,
)

# How long the receiving service took, from the sending: to its first answer (acknowledged,
# accepted or declined), to accepting, to providing the service.
MEDIANS = ("acknowledge", "accept", "provide")
SHARES = ("closed", "declined", "lost")
CASE_COLUMNS = (CaseStatus.OPEN.value, CaseStatus.CLOSED.value)
# The columns of the pathway grid: the statuses of a referral now, which partition those sent,
# the open ones split into overdue and on time.
OPEN_COLUMNS = ("overdue", "on_time")
CLOSED_COLUMNS = ("closed", "declined", "lost", "withdrawn")
STATUS_COLUMNS = OPEN_COLUMNS + CLOSED_COLUMNS

R = TypeVar("R", bound=Hashable)
C = TypeVar("C", bound=Hashable)


# --- thresholds ---------------------------------------------------------------------------------


def floor_threshold() -> int:
    """The smallest count any report shows: the lowest ``suppress_below`` of the case types."""
    return min(int(e["suppress_below"]) for e in codelists.entries("case_types"))


def case_type_threshold(case_type: str) -> int:
    return int(codelists.case_type(case_type)["suppress_below"])


def service_threshold(service: str) -> int:
    """A referral to a service is counted under the threshold of the case types opened by the
    role that handles it: GBV case management and MHPSS services under 10, the rest under 5."""
    role = codelists.handled_by(service)
    found = [
        int(e["suppress_below"]) for e in codelists.entries("case_types") if e["opened_by"] == role
    ]
    return max(found, default=floor_threshold())


def _by_threshold(codes: Sequence[str], threshold: Any) -> dict[int, list[str]]:
    groups: dict[int, list[str]] = defaultdict(list)
    for code in codes:
        groups[threshold(code)].append(code)
    return dict(sorted(groups.items()))


# --- the counts, in SQL ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PathwayCounts:
    """The referrals of one service to one receiving organisation, by their status now: the
    open ones overdue (sent and not answered in their urgency's time) or on time, and the
    closed, declined, lost to follow-up and withdrawn ones. They partition those sent."""

    overdue: int = 0
    on_time: int = 0
    closed: int = 0
    declined: int = 0
    lost: int = 0
    withdrawn: int = 0

    @property
    def sent(self) -> int:
        return sum(getattr(self, column) for column in STATUS_COLUMNS)


def pathway_counts(now: datetime | None = None) -> dict[tuple[str, Any], PathwayCounts]:
    """By service and receiving organisation, the referrals by their status now."""
    now = now or timezone.now()
    rows = (
        Referral.objects.order_by()
        .values("service", "to_organisation_id")
        .annotate(
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count("pk", filter=Q(status=ReferralStatus.SENT, respond_by__lt=now)),
            closed=Count("pk", filter=Q(status=ReferralStatus.CLOSED)),
            declined=Count("pk", filter=Q(status=ReferralStatus.DECLINED)),
            lost=Count("pk", filter=Q(status=ReferralStatus.LOST)),
            withdrawn=Count("pk", filter=Q(status=ReferralStatus.WITHDRAWN)),
        )
    )
    return {
        (row["service"], row["to_organisation_id"]): PathwayCounts(
            overdue=row["overdue"],
            on_time=row["open"] - row["overdue"],
            closed=row["closed"],
            declined=row["declined"],
            lost=row["lost"],
            withdrawn=row["withdrawn"],
        )
        for row in rows
    }


@dataclass(frozen=True)
class Median:
    hours: float
    count: int  # the referrals it is the median of


def _durations(metric: str) -> QuerySet[Any]:
    """Each referral's time to the step, with its rank among those of its service and receiving
    organisation and how many they are: a window over the referrals, in the database."""
    if metric == "acknowledge":
        end: Any = F("responded_at")
    else:
        status = {"accept": ReferralStatus.ACCEPTED, "provide": ReferralStatus.PROVIDED}[metric]
        end = Subquery(
            ReferralEvent.objects.filter(referral=OuterRef("pk"), status=status)
            .order_by("at")
            .values("at")[:1],
            output_field=DateTimeField(),
        )
    partition = [F("service"), F("to_organisation_id")]
    return (
        Referral.objects.order_by()
        .annotate(ended=end)
        .filter(ended__isnull=False)
        .annotate(took=ExpressionWrapper(F("ended") - F("sent_at"), output_field=DurationField()))
        .annotate(
            position=Window(RowNumber(), partition_by=partition, order_by=F("took").asc()),
            counted=Window(Count("pk"), partition_by=partition),
        )
    )


def pathway_medians() -> dict[tuple[str, Any], dict[str, Median]]:
    """By service and receiving organisation, the median hours to each step, with the count of
    referrals behind it. The database ranks the times; only the one or two middle times of each
    group come back, and their mean is the median."""
    medians: dict[tuple[str, Any], dict[str, Median]] = defaultdict(dict)
    for metric in MEDIANS:
        middle = (
            _durations(metric)
            .filter(position__gte=(F("counted") + 1) / 2, position__lte=(F("counted") + 2) / 2)
            .values_list("service", "to_organisation_id", "took", "counted")
        )
        found: dict[tuple[str, Any], tuple[list[timedelta], int]] = {}
        for service, organisation_id, took, counted in middle:
            found.setdefault((service, organisation_id), ([], counted))[0].append(took)
        for key, (times, counted) in found.items():
            middle_time = sum(times, timedelta()) / len(times)
            medians[key][metric] = Median(round(middle_time.total_seconds() / 3600, 1), counted)
    return dict(medians)


def case_counts() -> dict[str, dict[str, int]]:
    """By case type, the cases open and closed."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in Case.objects.order_by().values("type", "status").annotate(n=Count("pk")):
        counts[row["type"]][row["status"]] = row["n"]
    return dict(counts)


# --- publishing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """A table of counts as published: ``None`` where hidden."""

    cells: dict[tuple[Any, Any], int | None]
    row_totals: dict[Any, int | None]
    column_totals: dict[Any, int | None]
    total: int | None


def published_grid(
    rows: Sequence[R],
    columns: Sequence[C],
    counts: Mapping[tuple[R, C], int],
    threshold: int,
) -> Grid:
    """A table of counts with its row, column and grand totals, suppressed (a count from 1 to
    ``threshold - 1`` hidden, and what would give it away)."""
    if not rows or not columns:
        return Grid({}, {r: 0 for r in rows}, {c: 0 for c in columns}, 0)
    table = [[counts.get((r, c), 0) for c in columns] for r in rows]
    result = suppress(table, threshold=threshold)
    return Grid(
        cells={
            (r, c): result.cells[i][j] for i, r in enumerate(rows) for j, c in enumerate(columns)
        },
        row_totals={r: result.row_totals[i] for i, r in enumerate(rows)},
        column_totals={c: result.column_totals[j] for j, c in enumerate(columns)},
        total=result.total,
    )


def _share(part: int | None, whole: int | None, threshold: int) -> float | None:
    """``part`` of a published ``whole``, both shown, when neither the part nor the rest is a
    small count."""
    if not whole or part is None:
        return None
    rest = whole - part
    if 0 < part < threshold or 0 < rest < threshold:
        return None
    return round(part / whole, 3)


@dataclass(frozen=True)
class PathwayRow:
    service: str
    organisation_id: Any
    threshold: int
    sent: int | None
    statuses: dict[str, int | None]  # open, then each of STATUS_COLUMNS
    hours: dict[str, float | None]  # median hours to acknowledge, accept, provide
    shares: dict[str, float | None]  # closed, declined, lost


@dataclass(frozen=True)
class Line:
    """A line of a table: its code (a service, an organisation's id, a case type), its figures
    by column and its total, and the threshold they were suppressed under (the highest, for a
    line summed across thresholds)."""

    code: Any
    threshold: int
    values: dict[str, int | None]
    total: int | None


@dataclass(frozen=True)
class Report:
    pathway: list[PathwayRow]
    sent_by_service: list[Line]
    sent_by_organisation: list[Line]
    sent_total: int | None
    open_by_service: list[Line]
    open_totals: dict[str, int | None]  # open, overdue
    cases_by_type: list[Line]
    case_totals: dict[str, int | None]  # open, closed, all
    as_of: datetime
    organisations: dict[Any, Organisation] = field(default_factory=dict)
    suppressed: bool = True


def _pathway_sums(
    pairs: Sequence[tuple[str, Any]],
) -> list[set[tuple[int, int]]]:
    """The sums of the grid's cells published beside it or worked out from it, protected as
    its entries are: each pair's open and not open referrals; each service's referrals sent,
    open, overdue, on time and not open; each organisation's referrals sent; and the open and
    not open referrals of all the pairs."""
    columns = {name: n for n, name in enumerate(STATUS_COLUMNS)}
    opened = [columns[c] for c in OPEN_COLUMNS]
    not_open = [columns[c] for c in CLOSED_COLUMNS]
    everything = list(columns.values())

    def cells(rows: Sequence[int], of: Sequence[int]) -> set[tuple[int, int]]:
        return {(r, c) for r in rows for c in of}

    sums = []
    for r in range(len(pairs)):
        sums += [cells([r], opened), cells([r], not_open)]
    for service in dict.fromkeys(s for s, _o in pairs):
        rows = [r for r, (s, _o) in enumerate(pairs) if s == service]
        sums += [cells(rows, of) for of in (everything, opened, not_open)]
        sums += [cells(rows, [columns[c]]) for c in OPEN_COLUMNS]
    for organisation in dict.fromkeys(o for _s, o in pairs):
        rows = [r for r, (_s, o) in enumerate(pairs) if o == organisation]
        sums.append(cells(rows, everything))
    everyone = list(range(len(pairs)))
    sums += [cells(everyone, opened), cells(everyone, not_open)]
    return sums


def _pathway(
    counts: Mapping[tuple[str, Any], PathwayCounts],
    medians: Mapping[tuple[str, Any], Mapping[str, Median]],
    organisation_order: Sequence[Any],
) -> tuple[list[PathwayRow], list[Line], list[Line], int | None, list[Line], dict[str, Any]]:
    """One grid for each threshold: a row for each service and receiving organisation with
    referrals, a column for each status now (open overdue, open on time, closed, declined, lost,
    withdrawn), suppressed as a whole with the sums drawn from it (``_pathway_sums``); every
    figure of the pathway and open tables is a published entry of it or a ``derived_total`` of
    them, so the two tables cannot be set against each other."""
    services = codelists.codes("service_types")
    rows: list[PathwayRow] = []
    by_service: list[Line] = []
    open_lines: list[Line] = []
    by_organisation: dict[Any, list[tuple[int, int | None]]] = defaultdict(list)
    totals: list[int | None] = []
    open_parts: dict[str, list[int | None]] = {"open": [], "overdue": []}
    for threshold, group in _by_threshold(services, service_threshold).items():
        pairs = [
            (s, o)
            for s in group
            for o in organisation_order
            if (s, o) in counts and counts[(s, o)].sent
        ]
        if pairs:
            table = [[getattr(counts[pair], c) for c in STATUS_COLUMNS] for pair in pairs]
            result = suppress(table, threshold=threshold, sums=_pathway_sums(pairs))
            cells = {
                pair: dict(zip(STATUS_COLUMNS, result.cells[n], strict=True))
                for n, pair in enumerate(pairs)
            }
            sent = {pair: result.row_totals[n] for n, pair in enumerate(pairs)}
            group_total = result.total
            column_totals = dict(zip(STATUS_COLUMNS, result.column_totals, strict=True))
        else:
            cells, sent, group_total = {}, {}, 0
            column_totals = dict.fromkeys(STATUS_COLUMNS, 0)
        totals.append(group_total)
        open_parts["open"].append(derived_total(column_totals[c] for c in OPEN_COLUMNS))
        open_parts["overdue"].append(column_totals["overdue"])
        for service in group:
            mine = [pair for pair in pairs if pair[0] == service]
            service_sent = derived_total(sent[pair] for pair in mine)
            overdue = derived_total(cells[pair]["overdue"] for pair in mine)
            on_time = derived_total(cells[pair]["on_time"] for pair in mine)
            open_lines.append(
                Line(
                    service,
                    threshold,
                    {"overdue": overdue, "on_time": on_time},
                    derived_total([overdue, on_time]),
                )
            )
            if not mine:
                continue
            by_service.append(Line(service, threshold, {}, service_sent))
            for pair in mine:
                published = sent[pair]
                by_organisation[pair[1]].append((threshold, published))
                # A pair is listed only where its referrals sent are shown (never a hidden
                # one, nor one with none). Listing every pair of the directory instead would
                # set a 0 beside a hidden count and so tell that the organisation received at
                # least one referral of the service; listed this way, a pair not listed has
                # none or a hidden number, and which of the two is not said.
                if published is None:
                    continue
                found = cells[pair]
                times = medians.get(pair, {})
                rows.append(
                    PathwayRow(
                        service=service,
                        organisation_id=pair[1],
                        threshold=threshold,
                        sent=published,
                        statuses={
                            "open": derived_total(found[c] for c in OPEN_COLUMNS),
                            **found,
                        },
                        hours={
                            metric: times[metric].hours
                            if metric in times and times[metric].count >= threshold
                            else None
                            for metric in MEDIANS
                        },
                        shares={name: _share(found[name], published, threshold) for name in SHARES},
                    )
                )
    organisations = [
        Line(
            organisation,
            max(t for t, _v in parts),
            {},
            derived_total(v for _t, v in parts),
        )
        for organisation in organisation_order
        if (parts := by_organisation.get(organisation))
    ]
    order = {code: n for n, code in enumerate(services)}
    open_lines.sort(key=lambda line: order[line.code])
    by_service.sort(key=lambda line: order[line.code])
    open_totals = {name: derived_total(parts) for name, parts in open_parts.items()}
    return rows, by_service, organisations, derived_total(totals), open_lines, open_totals


def _two_columns(
    codes: Sequence[str],
    threshold: Any,
    counts: Mapping[str, Mapping[str, int]],
    columns: Sequence[str],
) -> tuple[list[Line], dict[str, int | None]]:
    """A table of codes by two columns (open and closed cases, overdue and on-time referrals),
    suppressed per threshold, with the column and grand totals derived across thresholds."""
    lines: list[Line] = []
    column_parts: dict[str, list[int | None]] = {c: [] for c in columns}
    grand: list[int | None] = []
    for found_threshold, group in _by_threshold(codes, threshold).items():
        grid = published_grid(
            group,
            columns,
            {(code, c): counts.get(code, {}).get(c, 0) for code in group for c in columns},
            found_threshold,
        )
        for code in group:
            lines.append(
                Line(
                    code,
                    found_threshold,
                    {c: grid.cells[(code, c)] for c in columns},
                    grid.row_totals[code],
                )
            )
        for c in columns:
            column_parts[c].append(grid.column_totals[c])
        grand.append(grid.total)
    order = {code: n for n, code in enumerate(codes)}
    lines.sort(key=lambda line: order[line.code])
    totals = {c: derived_total(parts) for c, parts in column_parts.items()}
    totals["all"] = derived_total(grand)
    return lines, totals


def report_from_counts(
    *,
    pathway: Mapping[tuple[str, Any], PathwayCounts],
    medians: Mapping[tuple[str, Any], Mapping[str, Median]],
    cases: Mapping[str, Mapping[str, int]],
    organisation_order: Sequence[Any],
    as_of: datetime,
) -> Report:
    """The published report from the counts: every figure suppressed (a pure function, so that
    what it publishes can be held to the promise that no hidden count can be worked out)."""
    rows, by_service, by_organisation, sent_total, open_lines, open_totals = _pathway(
        pathway, medians, organisation_order
    )
    case_lines, case_totals = _two_columns(
        codelists.codes("case_types"), case_type_threshold, cases, CASE_COLUMNS
    )
    return Report(
        pathway=rows,
        sent_by_service=by_service,
        sent_by_organisation=by_organisation,
        sent_total=sent_total,
        open_by_service=open_lines,
        open_totals=open_totals,
        cases_by_type=case_lines,
        case_totals=case_totals,
        as_of=as_of,
    )


def response_report() -> Report:
    """The response-wide report, suppressed for every reader."""
    now = timezone.now()
    pathway = pathway_counts(now)
    receivers = {organisation_id for _service, organisation_id in pathway}
    organisations = {o.pk: o for o in Organisation.objects.filter(pk__in=receivers)}
    order = sorted(organisations, key=lambda pk: organisations[pk].acronym)
    report = report_from_counts(
        pathway=pathway,
        medians=pathway_medians(),
        cases=case_counts(),
        organisation_order=order,
        as_of=now,
    )
    return Report(**{**report.__dict__, "organisations": organisations})
