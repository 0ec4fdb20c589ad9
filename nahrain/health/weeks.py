"""Epidemiological weeks in the convention the EWARN counts in (data/codelists.json,
``week_convention``): "who" for WHO/MMWR weeks (Sunday to Saturday), "iso" for ISO 8601 weeks
(Monday to Sunday). The arithmetic is the epiweeks library's (CDC and ISO week systems)."""

from __future__ import annotations

from datetime import date, timedelta

from epiweeks import Week, Year

from nahrain.health import codelists

SYSTEMS = {"who": "cdc", "iso": "iso"}


def _system(convention: str | None) -> str:
    return SYSTEMS[convention or codelists.week_convention()]


def week_of(day: date, convention: str | None = None) -> tuple[int, int]:
    """The (epidemiological year, week) a day falls in."""
    week = Week.fromdate(day, system=_system(convention))
    return week.year, week.week


def week_start(year: int, week: int, convention: str | None = None) -> date:
    """The first day of a week; ValueError for a week the year does not have."""
    start: date = Week(year, week, system=_system(convention)).startdate()
    return start


def weeks_in(year: int, convention: str | None = None) -> int:
    """52 or 53."""
    return int(Year(year, system=_system(convention)).totalweeks())


def shift(year: int, week: int, by: int, convention: str | None = None) -> tuple[int, int]:
    """The week ``by`` weeks after (or before, if negative) the given one."""
    moved = Week(year, week, system=_system(convention)) + by
    return moved.year, moved.week


def due(year: int, week: int, convention: str | None = None) -> date:
    """The last day a weekly report of that week is on time."""
    end = week_start(year, week, convention) + timedelta(days=6)
    return end + timedelta(days=codelists.due_days_after_week())
