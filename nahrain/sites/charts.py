"""The arrivals and departures chart of the CCCM pages: one column per month, arrivals above the
axis and departures below it, so that the direction, not a colour alone, tells them apart; the
same figures are in a table beside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nahrain.displacement.dashboard import _nice_ceiling

WIDTH, HEIGHT, LEFT, TOP, BOTTOM = 640, 240, 56, 10, 22


@dataclass
class Column:
    month: Any
    arrivals: int
    departures: int
    x: float
    width: float
    up_y: float
    up_height: float
    down_height: float


@dataclass
class MovementChart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    axis: float = 0
    columns: list[Column] = field(default_factory=list)
    ticks: list[tuple[float, int]] = field(default_factory=list)  # (y, individuals; signed)
    years: list[tuple[float, int]] = field(default_factory=list)  # (x, year) under January


def movement_chart(months: list[dict[str, Any]]) -> MovementChart:
    """Individuals arriving and leaving per month (rows of ``_month_series``)."""
    chart = MovementChart()
    if not months:
        return chart
    top = _nice_ceiling(
        max(max(m["arrivals_individuals"], m["departures_individuals"]) for m in months)
    )
    half = (HEIGHT - TOP - BOTTOM) / 2
    chart.axis = TOP + half
    slot = (WIDTH - LEFT - 4) / len(months)
    for index, month in enumerate(months):
        arrivals, departures = month["arrivals_individuals"], month["departures_individuals"]
        up = round(half * arrivals / top, 1)
        x = round(LEFT + index * slot + slot * 0.15, 1)
        chart.columns.append(
            Column(
                month=month["month"],
                arrivals=arrivals,
                departures=departures,
                x=x,
                width=round(slot * 0.7, 1),
                up_y=round(chart.axis - up, 1),
                up_height=up,
                down_height=round(half * departures / top, 1),
            )
        )
        # A year is named under its January (and under the first month, unless January is near).
        if month["month"].month == 1 or (index == 0 and month["month"].month <= 9):
            chart.years.append((round(x + slot * 0.35, 1), month["month"].year))
    chart.ticks = [
        (round(chart.axis - half * share, 1), int(top * share)) for share in (1, 0.5, 0, -0.5, -1)
    ]
    return chart
