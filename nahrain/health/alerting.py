"""The alert workflow: weekly and immediate reports evaluated by the alert rules (``rules``),
the signals they raise gathered in one open alert per disease and district, and the steps a
surveillance officer moves an alert along (new, verified or discarded, investigated, response,
closed), each with who, when and a note, audited and told to the people who act on it
(``notify``).

The reports' services call ``report_evaluated`` and ``immediate_received`` inside their own
transaction: a report and the alerts it raises are kept or lost together."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import numpy as np
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from nahrain.core.services import audit_record
from nahrain.geo.models import AdminUnit
from nahrain.health import codelists, notify, rules, selectors, weeks
from nahrain.health.models import (
    OPEN_ALERT,
    Alert,
    AlertEvent,
    AlertSignal,
    AlertStatus,
    EwarnCount,
    EwarnReport,
    Facility,
    ImmediateReport,
)

# The notes the system writes on an alert's events, kept in English in the database and
# translated when shown (``alert_selectors.event_note``).
NOTE_WITHDRAWN = gettext_noop(
    "The weekly report that raised this alert was sent again without the cases."
)
NOTE_RESENT = gettext_noop("A weekly report that fed this alert was sent again.")
SYSTEM_NOTES = (NOTE_WITHDRAWN, NOTE_RESENT)
# Steps that are not taken without saying why.
NOTE_REQUIRED = (AlertStatus.DISCARDED, AlertStatus.CLOSED)


# --- one facility's weekly series --------------------------------------------------------------


def weekly_series(report: EwarnReport, diseases: Sequence[str]) -> dict[str, rules.Series]:
    """Each disease's weekly cases at the report's facility, from its first report to the
    report's week: NaN for a week with no report, 0 for a disease a report left out."""
    reported = list(
        EwarnReport.objects.filter(facility_id=report.facility_id, start__lte=report.start)
        .order_by("start")
        .values_list("start", flat=True)
    )
    first = reported[0]
    length = (report.start - first).days // 7 + 1

    def index(start: date) -> int:
        return (start - first).days // 7

    empty = np.full(length, np.nan)
    empty[[index(s) for s in reported]] = 0.0
    series = {disease: empty.copy() for disease in diseases}
    counts = EwarnCount.objects.filter(
        report__facility_id=report.facility_id,
        report__start__lte=report.start,
        disease__in=diseases,
    ).values_list("disease", "report__start", "cases_under5", "cases_over5")
    for disease, start, under5, over5 in counts:
        series[disease][index(start)] = under5 + over5
    return series


# --- the open alert of a disease and district --------------------------------------------------


def _open_alert(
    *, disease: str, district: AdminUnit, year: int, week: int, raised_at: datetime
) -> tuple[Alert, bool]:
    """The open alert of the disease and district, locked; a new one where none is open.

    Two reports of one district sent at once both find none and both insert: the partial
    unique constraint ``alert_open_once`` lets one through and makes the other wait for its
    commit, then fail; that one rolls back to its savepoint and joins the alert now visible."""
    for _attempt in range(3):
        found = (
            Alert.objects.select_for_update()
            .filter(disease=disease, district=district, status__in=OPEN_ALERT)
            .first()
        )
        if found is not None:
            return found, False
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    disease=disease,
                    district=district,
                    status=AlertStatus.NEW,
                    raised_at=raised_at,
                    year=year,
                    week=week,
                    verify_by=raised_at + timedelta(hours=codelists.verify_hours()),
                )
        except IntegrityError:
            continue
        AlertEvent.objects.create(alert=alert, status=AlertStatus.NEW, actor=None, at=raised_at)
        audit_record(
            actor=None,
            action="health.alert_raise",
            object_type="health.alert",
            object_id=alert.uid,
            detail={"disease": disease, "district": district.pcode},
        )
        return alert, True
    # The constraint refused the insert three times and no open alert could be read: the
    # other writer's alert was closed each time in between, which a real district does not do.
    raise RuntimeError(f"no open alert of {disease} in {district.pcode} could be had")


# --- weekly reports -----------------------------------------------------------------------------


def _taken_back(report: EwarnReport) -> tuple[list[int], set[tuple[str, str]]]:
    """Take back what the earlier version of a report raised: its signals on alerts nobody has
    acted on yet are deleted (those alerts are withdrawn below if nothing else feeds them); its
    signals on alerts already verified, discarded or further stay, as their history. Returns the
    new alerts it fed and the (disease, rule) pairs already judged on an alert acted on, which
    the re-sent version does not raise again."""
    earlier = AlertSignal.objects.filter(report=report)
    fresh = earlier.filter(alert__status=AlertStatus.NEW)
    fed = sorted(set(fresh.values_list("alert_id", flat=True)))
    fresh.delete()
    judged = set(earlier.values_list("alert__disease", "rule"))
    acted_on = sorted(set(earlier.values_list("alert_id", flat=True)))
    at = timezone.now()
    for alert in Alert.objects.filter(pk__in=acted_on).order_by("pk"):
        AlertEvent.objects.create(
            alert=alert, status=alert.status, actor=None, at=at, note=NOTE_RESENT
        )
    return fed, judged


def _after_taking_back(alert_ids: Sequence[int], report: EwarnReport) -> None:
    """A new alert the re-sent report no longer feeds, and nothing else does, is withdrawn. The
    events are dated when the report was taken back, after any step already taken."""
    at = timezone.now()
    for alert in Alert.objects.select_for_update().filter(pk__in=alert_ids).order_by("pk"):
        if alert.status != AlertStatus.NEW or alert.signals.exists():
            continue
        alert.status = AlertStatus.WITHDRAWN
        alert.save(update_fields=["status", "updated_at"])
        AlertEvent.objects.create(
            alert=alert, status=alert.status, actor=None, at=at, note=NOTE_WITHDRAWN
        )
        audit_record(
            actor=None,
            action="health.alert_withdraw",
            object_type="health.alert",
            object_id=alert.uid,
        )
        notify.alert_changed(alert, fed_by=[report.facility.organisation_id])


def report_evaluated(*, report: EwarnReport, resent: bool) -> None:
    """Evaluate a weekly report's week by the rules of its facility's district, after taking
    back what its earlier version raised."""
    facility: Facility = report.facility
    district = facility.district
    fed, judged = _taken_back(report) if resent else ([], set())
    # Each rule in force here with the diseases it watches: one evaluation of each rule on the
    # series of all its diseases at once.
    watching = [
        (rule, [d for d in rule.diseases if rule.holds_for(d, district.pcode)])
        for rule in rules.ruleset().rules
    ]
    watching = [(rule, diseases) for rule, diseases in watching if diseases]
    series = weekly_series(report, sorted({d for _rule, diseases in watching for d in diseases}))
    population = selectors.catchment_population_on(facility, report.start)
    fired: dict[str, list[rules.Finding]] = {}
    for rule, diseases in watching:
        counts = np.vstack([series[d] for d in diseases])
        for disease, finding in zip(
            diseases, rules.evaluate(rule, counts, population=population), strict=True
        ):
            if finding.fired and (disease, rule.id) not in judged:
                fired.setdefault(disease, []).append(finding)
    version = rules.version()
    # Diseases in one order for every writer: two reports locking the same alerts lock them in
    # the same order, and do not deadlock.
    for disease in sorted(fired):
        alert, created = _open_alert(
            disease=disease,
            district=district,
            year=report.year,
            week=report.week,
            raised_at=report.submitted_at,
        )
        AlertSignal.objects.bulk_create(
            AlertSignal(
                alert=alert,
                facility=facility,
                report=report,
                year=report.year,
                week=report.week,
                rule=finding.rule.id,
                rules_version=version,
                cases=finding.cases,
                threshold=finding.threshold,
            )
            for finding in fired[disease]
        )
        if created:
            notify.alert_changed(alert)
    if fed:
        _after_taking_back(fed, report)


def immediate_received(*, immediate: ImmediateReport) -> None:
    """A case reported at once raises the alert of its disease and district, or joins the open
    one."""
    facility = immediate.facility
    year, week = weeks.week_of(immediate.seen_on)
    alert, created = _open_alert(
        disease=immediate.disease,
        district=facility.district,
        year=year,
        week=week,
        raised_at=immediate.submitted_at,
    )
    AlertSignal.objects.create(
        alert=alert,
        facility=facility,
        immediate=immediate,
        year=year,
        week=week,
        rule=rules.IMMEDIATE,
        rules_version=rules.version(),
        cases=immediate.cases,
    )
    if created:
        notify.alert_changed(alert)


# --- the steps of an alert ----------------------------------------------------------------------


@transaction.atomic
def alert_step(*, actor: User, alert: Alert, to: str, note: str = "") -> Alert:
    """Move an alert one step along ``codelists.next_steps``; discarding and closing say why."""
    locked = Alert.objects.select_for_update().select_related("district").get(pk=alert.pk)
    allowed = codelists.next_steps(locked.status)
    if to not in allowed:
        if not allowed:
            message = _("An alert that is %(status)s takes no further step.") % {
                "status": AlertStatus(locked.status).label
            }
        else:
            message = _("From %(status)s an alert goes to: %(steps)s.") % {
                "status": AlertStatus(locked.status).label,
                "steps": ", ".join(str(AlertStatus(s).label) for s in allowed),
            }
        raise ValidationError({"to": message})
    note = note.strip()
    if to in NOTE_REQUIRED and not note:
        raise ValidationError({"note": _("Say why the alert is discarded or closed.")})
    previous = locked.status
    locked.status = to
    locked.save(update_fields=["status", "updated_at"])
    AlertEvent.objects.create(alert=locked, status=to, actor=actor, at=timezone.now(), note=note)
    audit_record(
        actor=actor,
        action="health.alert_step",
        object_type="health.alert",
        object_id=locked.uid,
        detail={"from": previous, "to": to, "note": bool(note)},
    )
    notify.alert_changed(locked)
    return locked


# --- weekly reports that have not come ---------------------------------------------------------


def chase_missing(*, year: int, week: int) -> int:
    """Tell the reporting staff of every active EWARN-reporting facility with no report of the
    week that it has not come; the number of facilities chased."""
    missing = (
        Facility.objects.filter(ewarn_reporting=True, active=True)
        .exclude(ewarn_reports__year=year, ewarn_reports__week=week)
        .select_related("organisation")
        .order_by("pk")
    )
    chased = 0
    for facility in missing:
        notify.report_missing(facility, year, week)
        chased += 1
    audit_record(
        actor=None,
        action="health.reports_chase",
        detail={"year": year, "week": week, "facilities": chased},
    )
    return chased
