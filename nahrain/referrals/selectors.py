"""Reads of referrals, always for a reader: what they may see of each (``access``), the lists of
sent and received referrals, the steps the reader may take next, what is overdue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Case, QuerySet, When
from django.utils import timezone

from nahrain.core.access import AnyUser
from nahrain.core.models import Organisation
from nahrain.referrals import access, services
from nahrain.referrals.models import (
    OPEN_STATUSES,
    Referral,
    ReferralEvent,
    ReferralStatus,
    ServicePoint,
    ServicePointVersion,
    VersionStatus,
)


@dataclass(frozen=True)
class ReferralShown:
    """A referral as one reader sees it: the person's fields they may read, never the case it
    came from nor the registry record on the receiving side."""

    referral: Referral
    sides: frozenset[str]
    person: dict[str, Any]
    consent_in_force: bool
    overdue: bool
    events: list[ReferralEvent] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    @property
    def sender(self) -> bool:
        return access.SENDER in self.sides

    @property
    def receiver(self) -> bool:
        return access.RECEIVER in self.sides


def point_entry_shown(point: ServicePoint) -> ServicePointVersion | None:
    """The entry of a point a referral names: the current one, or the last published (a point
    archived since); never a draft, which only its mappers read."""
    return (
        point.versions.exclude(status=VersionStatus.DRAFT)
        .order_by(Case(When(status=VersionStatus.CURRENT, then=0), default=1), "-number")
        .first()
    )


def is_overdue(referral: Referral, now: Any = None) -> bool:
    """A referral the receiving service has not answered (acknowledged, accepted or declined)
    within its urgency's time."""
    now = now or timezone.now()
    return referral.status == ReferralStatus.SENT and referral.respond_by < now


def steps_open(referral: Referral, sides: set[str] | frozenset[str], today: date) -> list[str]:
    """The steps this reader may take next (those needing consent only while it holds)."""
    steps = []
    in_force = access.consent_in_force(referral, today)
    if access.RECEIVER in sides:
        steps += [
            step
            for step, before in services.RECEIVER_STEPS.items()
            if referral.status in before and (step not in services.HAND_OFFS or in_force)
        ]
    if access.SENDER in sides:
        steps += [s for s, before in services.SENDER_STEPS.items() if referral.status in before]
    return steps


def referral_shown(*, user: AnyUser, referral: Referral, sides: set[str]) -> ReferralShown:
    today = timezone.localdate()
    return ReferralShown(
        referral=referral,
        sides=frozenset(sides),
        person=access.referral_fields_shown(referral, sides, today),
        consent_in_force=access.consent_in_force(referral, today),
        overdue=is_overdue(referral),
        events=list(referral.events.select_related("actor", "organisation")),
        steps=steps_open(referral, sides, today),
    )


def _listed(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    return referrals.select_related("organisation", "to_organisation", "point", "consent").order_by(
        "-sent_at"
    )


def referrals_received(
    *, user: AnyUser, organisation: Organisation | None = None, open_only: bool = False
) -> QuerySet[Referral]:
    """The referrals the reader's organisations received for the services they handle."""
    found = access.referrals_received(user)
    if organisation is not None:
        found = found.filter(to_organisation=organisation)
    if open_only:
        found = found.filter(status__in=OPEN_STATUSES)
    return _listed(found)


def referrals_sent(
    *, user: AnyUser, organisation: Organisation | None = None, open_only: bool = False
) -> QuerySet[Referral]:
    """The referrals the reader sent (or that were sent from cases they hold)."""
    found = access.referrals_sent(user)
    if organisation is not None:
        found = found.filter(organisation=organisation)
    if open_only:
        found = found.filter(status__in=OPEN_STATUSES)
    return _listed(found)


def overdue_received(*, user: AnyUser) -> QuerySet[Referral]:
    """Received referrals not answered within their urgency's time."""
    return _listed(
        access.referrals_received(user).filter(
            status=ReferralStatus.SENT, respond_by__lt=timezone.now()
        )
    )
