"""The figures of health reporting: epidemic curves, completeness and timeliness of the EWARN
weekly reports, and the consultation dashboard. Each reads only the facilities whose reports the
caller reads (``access.facilities_reported``): these figures go to the organisations running
or supporting the facilities and to their Directorate's surveillance officers, exact, with no
small-cell suppression, and never across organisations to anyone else.

Weeks are epidemiological weeks in the configured convention (``weeks``); a week without any
report is missing, never zero. Each figure costs a fixed few queries, whatever the number of
facilities and weeks: the sums are grouped in the database.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from nahrain.core.access import AnyUser
from nahrain.displacement.dashboard import _nice_ceiling
from nahrain.health import access, codelists, weeks
from nahrain.health.models import (
    AlertSignal,
    ConsultationCount,
    ConsultationReport,
    EwarnCount,
    EwarnReport,
    Facility,
)

DEFAULT_WEEKS = 26
MOST_WEEKS = 156  # three years: the longest span a page draws or a file holds

Week = tuple[int, int]  # (epidemiological year, week)


# --- the area and the span --------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """Where a figure looks: a governorate or a district (p-codes), or one facility (uid); the
    narrowest given wins. Empty: every facility the caller reads."""

    governorate: str = ""
    district: str = ""
    facility: str = ""


def facilities_in(user: AnyUser, area: Area) -> QuerySet[Facility]:
    """The facilities in the area whose reports the user reads."""
    found = access.facilities_reported(user)
    if area.facility:
        try:
            return found.filter(uid=uuid.UUID(area.facility))
        except ValueError:
            return found.none()
    if area.district:
        return found.filter(district__pcode=area.district)
    if area.governorate:
        return found.filter(district__parent__pcode=area.governorate)
    return found


def last_ended_week(today: date | None = None) -> Week:
    """The newest epidemiological week that has ended."""
    today = today or timezone.localdate()
    return weeks.week_of(today - timedelta(days=7))


def week_span(*, last: Week | None = None, count: int = DEFAULT_WEEKS) -> list[Week]:
    """``count`` weeks ending with ``last`` (by default the newest week that has ended), oldest
    first."""
    count = max(1, min(count, MOST_WEEKS))
    last = last or last_ended_week()
    return [weeks.shift(*last, by=-back) for back in range(count - 1, -1, -1)]


def span_filter(span: list[Week], prefix: str = "") -> Q:
    """Weeks of a span as a filter on (year, week) columns: whole years in between, the edges
    by week."""
    (first_year, first_week), (last_year, last_week) = span[0], span[-1]
    year, week = f"{prefix}year", f"{prefix}week"
    if first_year == last_year:
        return Q(**{year: first_year, f"{week}__gte": first_week, f"{week}__lte": last_week})
    return (
        Q(**{year: first_year, f"{week}__gte": first_week})
        | Q(**{f"{year}__gt": first_year, f"{year}__lt": last_year})
        | Q(**{year: last_year, f"{week}__lte": last_week})
    )


def _first_week(facility_created: Any) -> Week:
    """The week a facility was created in: the first week it is expected to report."""
    return weeks.week_of(timezone.localdate(facility_created))


# --- epidemic curves --------------------------------------------------------------------------


@dataclass
class CurveWeek:
    year: int
    week: int
    start: date
    expected: int  # reporting facilities in the area that existed that week
    received: int  # of them, those whose report of the week came in
    cases_under5: int = 0
    cases_over5: int = 0
    deaths: int = 0
    alert: bool = False

    @property
    def missing(self) -> bool:
        """No report at all: the week's count is unknown, not zero."""
        return self.received == 0

    @property
    def cases(self) -> int:
        return self.cases_under5 + self.cases_over5


@dataclass
class EpiCurve:
    disease: str
    weeks: list[CurveWeek]
    facilities: int

    @property
    def cases(self) -> int:
        return sum(w.cases for w in self.weeks)

    @property
    def deaths(self) -> int:
        return sum(w.deaths for w in self.weeks)

    @property
    def missing(self) -> list[CurveWeek]:
        return [w for w in self.weeks if w.missing]


def epicurve(*, user: AnyUser, disease: str, area: Area, span: list[Week]) -> EpiCurve:
    """Weekly cases (under five, five and over) and deaths of a disease over the reporting
    facilities in the area, with the weeks an alert the user reads was fed by one of them."""
    if disease not in codelists.codes("diseases"):
        raise ValueError(f"{disease!r} is not a disease of the list")
    facilities = list(
        facilities_in(user, area).filter(ewarn_reporting=True).values_list("pk", "created_at")
    )
    ids = [pk for pk, _ in facilities]
    starts = sorted(_first_week(created) for _, created in facilities)
    received: dict[Week, int] = {
        (r["year"], r["week"]): r["n"]
        for r in EwarnReport.objects.filter(span_filter(span), facility_id__in=ids)
        .values("year", "week")
        .annotate(n=Count("pk"))
    }
    counts = {
        (r["report__year"], r["report__week"]): r
        for r in EwarnCount.objects.filter(
            span_filter(span, "report__"), report__facility_id__in=ids, disease=disease
        )
        .values("report__year", "report__week")
        .annotate(
            u5=Sum("cases_under5"),
            o5=Sum("cases_over5"),
            du5=Sum("deaths_under5"),
            do5=Sum("deaths_over5"),
        )
    }
    alerted = set(
        AlertSignal.objects.filter(
            span_filter(span),
            facility_id__in=ids,
            alert__in=access.alerts_readable(user).filter(disease=disease),
        ).values_list("year", "week")
    )
    curve = EpiCurve(disease=disease, weeks=[], facilities=len(ids))
    for year, week in span:
        row = counts.get((year, week))
        curve.weeks.append(
            CurveWeek(
                year=year,
                week=week,
                start=weeks.week_start(year, week),
                expected=sum(1 for s in starts if s <= (year, week)),
                received=received.get((year, week), 0),
                cases_under5=int(row["u5"]) if row else 0,
                cases_over5=int(row["o5"]) if row else 0,
                deaths=int(row["du5"] + row["do5"]) if row else 0,
                alert=(year, week) in alerted,
            )
        )
    return curve


# The chart's box (SVG user units); the page scales it to the card, readable at 390 px.
WIDTH, HEIGHT, LEFT, TOP, BOTTOM = 640, 240, 44, 16, 26


@dataclass
class Bar:
    week: CurveWeek
    x: float
    width: float
    under5_y: float
    under5_height: float
    over5_y: float
    over5_height: float
    label: bool  # the week's number is written under it

    @property
    def alert_path(self) -> str:
        """A triangle pointing down at the column, above the chart's top."""
        return f"M{self.x} 1 h{self.width} l{-self.width / 2:.1f} {TOP - 4} z"


@dataclass
class CurveChart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    base: float = HEIGHT - BOTTOM
    room: float = HEIGHT - BOTTOM - TOP
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, int]] = field(default_factory=list)  # (y, cases)


def curve_chart(curve: EpiCurve) -> CurveChart:
    """Stacked columns per week (five and over on top of under five); a missing week is drawn
    as an outlined empty slot the page marks, an alert week gets a marker above its column."""
    chart = CurveChart()
    if not curve.weeks:
        return chart
    top = _nice_ceiling(max(w.cases for w in curve.weeks))
    room = chart.base - TOP
    slot = (WIDTH - LEFT - 4) / len(curve.weeks)
    every = max(1, round(len(curve.weeks) / 13))  # about thirteen week numbers on the axis
    for index, week in enumerate(curve.weeks):
        under = round(room * week.cases_under5 / top, 1)
        over = round(room * week.cases_over5 / top, 1)
        chart.bars.append(
            Bar(
                week=week,
                x=round(LEFT + index * slot + slot * 0.1, 1),
                width=round(slot * 0.8, 1),
                under5_y=round(chart.base - under, 1),
                under5_height=under,
                over5_y=round(chart.base - under - over, 1),
                over5_height=over,
                label=index % every == 0 or index == len(curve.weeks) - 1,
            )
        )
    chart.ticks = [(round(chart.base - room * share, 1), int(top * share)) for share in (1, 0.5, 0)]
    return chart


# --- completeness and timeliness --------------------------------------------------------------


@dataclass
class FacilityReporting:
    facility: Facility
    expected: int
    received: int
    on_time: int
    missing: list[Week]

    @property
    def completeness(self) -> float | None:
        return self.received / self.expected if self.expected else None

    @property
    def timeliness(self) -> float | None:
        return self.on_time / self.expected if self.expected else None


@dataclass
class Reporting:
    span: list[Week]
    target: float  # a share: 0.8
    facilities: list[FacilityReporting]

    @property
    def expected(self) -> int:
        return sum(f.expected for f in self.facilities)

    @property
    def received(self) -> int:
        return sum(f.received for f in self.facilities)

    @property
    def on_time(self) -> int:
        return sum(f.on_time for f in self.facilities)

    @property
    def completeness(self) -> float | None:
        return self.received / self.expected if self.expected else None

    @property
    def timeliness(self) -> float | None:
        return self.on_time / self.expected if self.expected else None


def reporting(
    *, user: AnyUser, area: Area, span: list[Week], today: date | None = None
) -> Reporting:
    """Reports received and on time against the weeks expected, per EWARN-reporting facility in
    the area: a facility is expected from the week it was created, and a week not yet due (its
    report may still come on time) is expected only once its report has come in."""
    today = today or timezone.localdate()
    facilities = list(
        facilities_in(user, area)
        .filter(ewarn_reporting=True, active=True)
        .select_related("district__parent")
        .order_by("district__parent__pcode", "district__pcode", "code", "pk")
    )
    sent: dict[int, dict[Week, bool]] = defaultdict(dict)
    for facility_id, year, week, on_time in EwarnReport.objects.filter(
        span_filter(span), facility__in=[f.pk for f in facilities]
    ).values_list("facility_id", "year", "week", "on_time"):
        sent[facility_id][(year, week)] = on_time
    due = {w: weeks.due(*w) for w in span}
    rows = []
    for facility in facilities:
        first = _first_week(facility.created_at)
        mine = sent[facility.pk]
        expected = [w for w in span if w >= first and (w in mine or due[w] < today)]
        rows.append(
            FacilityReporting(
                facility=facility,
                expected=len(expected),
                received=sum(1 for w in expected if w in mine),
                on_time=sum(1 for w in expected if mine.get(w)),
                missing=[w for w in expected if w not in mine],
            )
        )
    return Reporting(span=span, target=codelists.timeliness_target() / 100, facilities=rows)


# --- consultations ----------------------------------------------------------------------------

# Referrals out are counted apart: a referral is not a consultation (as report.total reads it).
NOT_CONSULTATIONS = ("referral_out",)


@dataclass
class Line:
    code: str
    female: int = 0
    male: int = 0

    @property
    def total(self) -> int:
        return self.female + self.male


@dataclass
class ConsultationBoard:
    start: date
    end: date
    facilities: int
    reports: int
    total: int
    referrals_out: int
    under5: int
    women_girls: int
    by_service: list[Line]
    by_age: list[Line]
    by_population: list[Line]
    months: list[tuple[date, int]]

    @property
    def under5_share(self) -> float | None:
        return self.under5 / self.total if self.total else None

    @property
    def women_girls_share(self) -> float | None:
        return self.women_girls / self.total if self.total else None


def consultation_reports_in(
    user: AnyUser, area: Area, start: date, end: date
) -> QuerySet[ConsultationReport]:
    """The consultation reports of the facilities in the area that begin between two days. A
    facility that sent a month's report and weekly ones for the same month is counted by the
    month alone, so no consultation counts twice; a week counts in the month of its first day."""
    monthly = ConsultationReport.objects.filter(
        facility=OuterRef("facility"),
        period=ConsultationReport.Period.MONTH,
        start=OuterRef("month"),
    )
    return (
        ConsultationReport.objects.filter(
            facility__in=facilities_in(user, area), start__gte=start, start__lte=end
        )
        .annotate(month=TruncMonth("start"))
        .annotate(has_month=Exists(monthly))
        .exclude(period=ConsultationReport.Period.WEEK, has_month=True)
    )


def _lines(rows: dict[tuple[str, str], int], codes: list[str]) -> list[Line]:
    return [Line(code=c, female=rows.get((c, "f"), 0), male=rows.get((c, "m"), 0)) for c in codes]


def consultation_board(*, user: AnyUser, area: Area, start: date, end: date) -> ConsultationBoard:
    """Consultations by service, sex, age group and population group, and per month, over the
    facilities in the area whose reports the user reads."""
    reports = consultation_reports_in(user, area, start, end)
    cells = list(
        ConsultationCount.objects.filter(report__in=reports.values("pk"))
        .values("service", "sex", "age_group", "population_group")
        .annotate(n=Sum("count"))
    )
    months = [
        (row["month"], int(row["n"]))
        for row in ConsultationCount.objects.filter(report__in=reports.values("pk"))
        .exclude(service__in=NOT_CONSULTATIONS)
        .annotate(month=TruncMonth("report__start"))
        .values("month")
        .annotate(n=Sum("count"))
        .order_by("month")
    ]
    service: dict[tuple[str, str], int] = defaultdict(int)
    age: dict[tuple[str, str], int] = defaultdict(int)
    population: dict[tuple[str, str], int] = defaultdict(int)
    referrals = 0
    for cell in cells:
        n = int(cell["n"])
        service[(cell["service"], cell["sex"])] += n
        if cell["service"] in NOT_CONSULTATIONS:
            referrals += n
            continue
        age[(cell["age_group"], cell["sex"])] += n
        population[(cell["population_group"], cell["sex"])] += n
    by_age = _lines(age, codelists.codes("age_groups"))
    counted = reports.aggregate(facilities=Count("facility", distinct=True), reports=Count("pk"))
    return ConsultationBoard(
        start=start,
        end=end,
        facilities=counted["facilities"],
        reports=counted["reports"],
        total=sum(line.total for line in by_age),
        referrals_out=referrals,
        under5=sum(line.total for line in by_age if line.code == "u5"),
        women_girls=sum(line.female for line in by_age),
        by_service=_lines(service, codelists.codes("consultation_services")),
        by_age=by_age,
        by_population=_lines(population, codelists.codes("population_groups")),
        months=months,
    )
