"""Reads of alerts and of the weekly reports to chase, scoped to the caller by ``access``: an
alert is read by whoever reads a facility that fed it and by the surveillance officers of its
district; within it, only the facilities whose reports the reader reads are named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from nahrain.core.access import AnyUser
from nahrain.health import access, codelists, rules, weeks
from nahrain.health.alerting import SYSTEM_NOTES
from nahrain.health.models import (
    OPEN_ALERT,
    Alert,
    AlertEvent,
    AlertStatus,
    EwarnReport,
    Facility,
)


def alerts_for(
    user: AnyUser,
    *,
    status: str | None = None,
    disease: str | None = None,
    governorate: str | None = None,
    open_only: bool = False,
) -> QuerySet[Alert]:
    """The alerts the user reads, newest first; ``governorate`` a governorate's p-code."""
    found = access.alerts_readable(user).select_related("district", "district__parent")
    if status:
        found = found.filter(status=status)
    if disease:
        found = found.filter(disease=disease)
    if governorate:
        found = found.filter(district__parent__pcode=governorate)
    if open_only:
        found = found.filter(status__in=OPEN_ALERT)
    return found.order_by("-raised_at", "-pk")


def overdue_verification(user: AnyUser) -> QuerySet[Alert]:
    """New alerts the user reads that are past their time to be verified, oldest first."""
    return (
        access.alerts_readable(user)
        .filter(status=AlertStatus.NEW, verify_by__lt=timezone.now())
        .select_related("district")
        .order_by("verify_by", "pk")
    )


@dataclass(frozen=True)
class SignalRow:
    facility: Facility
    rule: str  # what the rule means, in the reader's language
    year: int
    week: int
    cases: int
    threshold: float | None
    at: datetime


@dataclass(frozen=True)
class EventRow:
    status: str
    status_label: str
    actor: User | None
    at: datetime
    note: str


@dataclass(frozen=True)
class AlertDetail:
    alert: Alert
    disease_label: str
    status_label: str
    # The signals of the facilities the reader reads, oldest first.
    signals: list[SignalRow]
    # Signals of the facilities the reader does not read: how many facilities, no count.
    other_facilities: int
    events: list[EventRow]
    # The steps the reader may take now: empty unless they work the alert.
    next_steps: list[str]
    overdue: bool


def event_note(event: AlertEvent) -> str:
    """An event's note: a person's as they wrote it, the system's in the reader's language."""
    if event.actor_id is None and event.note in SYSTEM_NOTES:
        return _(event.note)
    return event.note


def alert_detail(user: AnyUser, uid: Any) -> AlertDetail:
    """An alert with its signals and events; 404 where the user does not read it."""
    alert = access.access_alert_by_uid(user, uid)
    named = set(access.facilities_reported(user).values_list("pk", flat=True))
    signals = []
    others: set[int] = set()
    for signal in alert.signals.select_related("facility").order_by("created_at", "pk"):
        if signal.facility_id not in named:
            others.add(signal.facility_id)
            continue
        signals.append(
            SignalRow(
                facility=signal.facility,
                rule=rules.signal_label(signal.rule),
                year=signal.year,
                week=signal.week,
                cases=signal.cases,
                threshold=signal.threshold,
                at=signal.created_at,
            )
        )
    events = [
        EventRow(
            status=e.status,
            status_label=str(AlertStatus(e.status).label),
            actor=e.actor,
            at=e.at,
            note=event_note(e),
        )
        for e in alert.events.select_related("actor")
    ]
    works = access.alerts_worked(user).filter(pk=alert.pk).exists()
    return AlertDetail(
        alert=alert,
        disease_label=codelists.label("diseases", alert.disease),
        status_label=str(AlertStatus(alert.status).label),
        signals=signals,
        other_facilities=len(others),
        events=events,
        next_steps=codelists.next_steps(alert.status) if works else [],
        overdue=alert.status == AlertStatus.NEW and alert.verify_by < timezone.now(),
    )


# --- weekly reports to chase ------------------------------------------------------------------


@dataclass(frozen=True)
class ReportsToChase:
    year: int
    week: int
    due: date
    # EWARN-reporting facilities with no report of the week.
    missing: list[Facility]
    # Reports of the week that came after it was due.
    late: list[EwarnReport]


def missing_reports(user: AnyUser, *, year: int, week: int) -> ReportsToChase:
    """Of the active EWARN-reporting facilities whose reports the user reads: those with no
    report of the week, and the reports of it that came late."""
    facilities = access.facilities_reported(user).filter(ewarn_reporting=True, active=True)
    reports = EwarnReport.objects.filter(facility__in=facilities, year=year, week=week)
    return ReportsToChase(
        year=year,
        week=week,
        due=weeks.due(year, week),
        missing=list(
            facilities.exclude(pk__in=reports.values("facility_id")).order_by("code", "pk")
        ),
        late=list(reports.filter(on_time=False).select_related("facility").order_by("start")),
    )
