"""Telling the people who act on an alert that it was raised or moved, and a facility's
reporting staff that its weekly report has not come: an e-mail through Django's mail backend
(the console in the demo) and any further channel named in ``NAHRAIN_HEALTH_NOTIFIERS`` (an SMS
gateway, say: a dotted path to a callable taking a ``Notice``).

An alert's notice carries the disease, the district and the link to the alert's page, behind
sign-in: never a count, nor the facilities that fed it (a reader may not read them all). It is
sent once the write is committed, so a refused write tells nobody."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from nahrain.core.models import Membership, Role
from nahrain.health import access, codelists
from nahrain.health.models import Alert, AlertSignal, AlertStatus, Facility

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    user: User
    subject: str
    body: str
    link: str


def email(notice: Notice) -> None:
    if notice.user.email:
        send_mail(notice.subject, notice.body, None, [notice.user.email], fail_silently=False)


def _channels() -> list[Callable[[Notice], None]]:
    names = getattr(settings, "NAHRAIN_HEALTH_NOTIFIERS", ["nahrain.health.notify.email"])
    return [import_string(name) for name in names]


def _link(name: str, uid: object, path: str) -> str:
    """A page's address; the path it is served at where the pages are not (yet) routed."""
    try:
        found = reverse(name, args=[uid])
    except NoReverseMatch:
        found = path
    return settings.NAHRAIN_BASE_URL.rstrip("/") + found


def alert_link(alert: Alert) -> str:
    return _link("health:alert", alert.uid, f"/health/alerts/{alert.uid}/")


def ewarn_link(facility: Facility, week: str) -> str:
    """The facility's EWARN form, opened on the week (``2026-W47``)."""
    path = f"/health/facilities/{facility.uid}/ewarn/"
    return f"{_link('health:ewarn', facility.uid, path)}?week={week}"


def facility_names(facility: Facility) -> str:
    """The facility's English and Arabic names, for a notice read by staff who may know it by
    either; one where it has one."""
    return " / ".join(dict.fromkeys(n for n in (facility.name_en, facility.name_ar) if n))


def _members(organisations: object, roles: Sequence[str]) -> list[User]:
    return list(
        User.objects.filter(
            pk__in=Membership.objects.filter(organisation__in=organisations, role__in=roles).values(
                "user_id"
            ),
            is_active=True,
        ).order_by("username")
    )


def alert_recipients(alert: Alert, fed_by: Sequence[uuid.UUID] = ()) -> list[User]:
    """The surveillance officers of the directorates with a facility in the alert's district,
    and the information managers of the organisations whose facilities fed it (``fed_by``:
    organisations whose signals were taken back, and are told so)."""
    officers = _members(
        Facility.objects.filter(district_id=alert.district_id).values("directorate_id"),
        access.SURVEILLANCE_ROLES,
    )
    feeding = set(
        AlertSignal.objects.filter(alert=alert).values_list("facility__organisation_id", flat=True)
    )
    managers = _members(feeding | set(fed_by), (Role.INFORMATION_MANAGER,))
    return list({u.pk: u for u in officers + managers}.values())


def facility_reporters(facility: Facility) -> list[User]:
    """Who sends the facility's weekly reports: the data entry staff and information managers of
    the organisation that runs it and of those that support it (an NGO often sends the weeks of
    a PHCC the Directorate runs)."""
    organisations = [facility.organisation_id, *facility.supporters.values_list("pk", flat=True)]
    return _members(organisations, access.REPORTING_ROLES)


def _send_on_commit(users: Sequence[User], subject: str, body: str, link: str) -> None:
    def send() -> None:
        channels = _channels()
        for user in users:
            notice = Notice(user=user, subject=subject, body=body, link=link)
            for channel in channels:
                # The write is recorded: a channel that fails (a mail server down) is logged,
                # and neither undoes it nor keeps the other notices from going out.
                try:
                    channel(notice)
                except Exception:
                    logger.exception(
                        "health notice not sent",
                        extra={"channel": getattr(channel, "__name__", "")},
                    )

    transaction.on_commit(send)


def alert_changed(alert: Alert, fed_by: Sequence[uuid.UUID] = ()) -> None:
    """Queue the notices of an alert raised or moved to its present status."""
    link = alert_link(alert)
    words = {
        "disease": codelists.label("diseases", alert.disease),
        "district": alert.district.name,
        "status": AlertStatus(alert.status).label,
        "link": link,
    }
    if alert.status == AlertStatus.NEW:
        subject = _("Nahrain: new alert of %(disease)s in %(district)s") % words
        body = _("A new alert of %(disease)s in %(district)s.\nSign in to read it:\n%(link)s\n")
    else:
        subject = _("Nahrain: alert of %(disease)s in %(district)s: %(status)s") % words
        body = _(
            "The alert of %(disease)s in %(district)s is now: %(status)s.\n"
            "Sign in to read it:\n%(link)s\n"
        )
    _send_on_commit(alert_recipients(alert, fed_by), subject, body % words, link)


def report_missing(facility: Facility, year: int, week: int) -> int:
    """Queue the notices that a facility's weekly report of a week has not come, linking to its
    form for that week; the number of people told."""
    asked = f"{year}-W{week:02d}"
    link = ewarn_link(facility, asked)
    words = {"facility": facility_names(facility), "week": asked, "link": link}
    subject = _("Nahrain: the EWARN report of %(facility)s for %(week)s is missing") % words
    body = (
        _(
            "The weekly EWARN report of %(facility)s for %(week)s has not been received.\n"
            "A week without cases is reported too.\nSend it at:\n%(link)s\n"
        )
        % words
    )
    users = facility_reporters(facility)
    _send_on_commit(users, subject, body, link)
    return len(users)
