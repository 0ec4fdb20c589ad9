"""Telling the other side of a referral that it changed: an e-mail through Django's mail backend
(the console in the demo) and any further channel named in ``NAHRAIN_REFERRAL_NOTIFIERS`` (an
SMS gateway, say: a dotted path to a callable taking a ``Notice``).

A notice never carries anything of the person, nor the service (a GBV service named in an SMS
on a shared phone can endanger someone): only that a referral changed and the link to open it,
behind sign-in. It is sent once the write is committed, so a refused write tells nobody."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from nahrain.core.models import Membership
from nahrain.referrals import codelists

if TYPE_CHECKING:
    from nahrain.referrals.models import Referral

logger = logging.getLogger(__name__)

# Steps the receiving side is told of (the sender's: sending, closing, withdrawing, consent
# changes); the sender is told of every other step (the receiving side's).
TO_RECEIVER = ("sent", "closed", "withdrawn", "consent_narrowed", "consent_withdrawn")


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
    names = getattr(settings, "NAHRAIN_REFERRAL_NOTIFIERS", ["nahrain.referrals.notify.email"])
    return [import_string(name) for name in names]


def recipients(referral: Referral, step: str) -> list[User]:
    """Who is told: the receiving organisation's members who handle the service, or the
    worker who sent it (and, for a referral made from a case, the case's assigned workers)."""
    if step in TO_RECEIVER:
        role = codelists.handled_by(referral.service)
        return [
            m.user
            for m in Membership.objects.filter(
                organisation_id=referral.to_organisation_id, role=role, user__is_active=True
            ).select_related("user")
        ]
    told = Q(pk=referral.referred_by_id)
    if referral.case is not None:
        told |= Q(pk__in=referral.case.assignments.filter(ended_at__isnull=True).values("user_id"))
    return list(User.objects.filter(told, is_active=True).distinct())


def referral_changed(referral: Referral, step: str) -> None:
    """Queue the notices of one step, to be sent when the transaction commits."""
    link = settings.NAHRAIN_BASE_URL.rstrip("/") + reverse(
        "referrals:referral", args=[referral.uid]
    )
    users = recipients(referral, step)

    def send() -> None:
        subject = _("Nahrain: a referral needs your attention")
        body = _(
            "A referral you follow in Nahrain has changed.\nSign in to read it:\n%(link)s\n"
        ) % {"link": link}
        channels = _channels()
        for user in users:
            notice = Notice(user=user, subject=subject, body=body, link=link)
            for channel in channels:
                # The step is recorded: a channel that fails (a mail server down) is logged,
                # and neither undoes it nor keeps the other notices from going out.
                try:
                    channel(notice)
                except Exception:
                    logger.exception(
                        "referral notice not sent",
                        extra={"channel": getattr(channel, "__name__", "")},
                    )

    transaction.on_commit(send)
