"""Reads of referrals, always for a reader: what they may see of each (``access``), the lists of
sent and received referrals, the steps the reader may take next, what is overdue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Min, Q, QuerySet, When
from django.utils import timezone

from nahrain.core.access import AnyUser
from nahrain.core.models import Membership, Organisation, Role
from nahrain.referrals import access, codelists, services
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


# --- the organisation's monthly 4W ------------------------------------------------------------

# Who of the receiving organisation reads its monthly figures (its 4W is theirs to send).
MONTHLY_READERS = (Role.INFORMATION_MANAGER, Role.DATA_ENTRY, Role.ORG_ADMIN)
# GBV and MHPSS referrals never leave their case workers, not even as the organisation's own
# monthly counts: the services they handle are left out.
_RESTRICTED_HANDLERS = (Role.GBV_CASE_WORKER, Role.MHPSS_WORKER)


@dataclass(frozen=True)
class ProvidedMonth:
    """The people an organisation provided a referred service to in one month and district,
    by sex and the 4W's age groups (``age_bands``): exact, for its own report."""

    district_id: int
    month: date
    people: int
    cells: dict[str, int]


def _cell(sex: str, age: int | None, bands: list[tuple[int, int | None]]) -> str | None:
    """The 4W cell of a person (None where the sex was not recorded: counted, in no cell)."""
    if sex not in ("f", "m"):
        return None
    for low, high in bands:
        if age is not None and age >= low and (high is None or age <= high):
            return f"{sex}_{low}" if high is None else f"{sex}_{low}_{high}"
    return f"{sex}_unknown"


def referrals_provided_monthly(
    *,
    user: AnyUser,
    organisation: Organisation,
    month: date,
    age_bands: list[tuple[int, int | None]],
) -> list[ProvidedMonth]:
    """Per district of the service point, the referrals the organisation marked provided in
    the month (the first time it did), GBV and MHPSS services left out. Only for the
    organisation's information managers, data entry and admins; anyone else is refused."""
    if (
        not user.is_authenticated
        or not Membership.objects.filter(
            user_id=user.pk, organisation=organisation, role__in=MONTHLY_READERS
        ).exists()
    ):
        raise PermissionDenied
    first = month.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    restricted = [
        e["code"]
        for e in codelists.entries("service_types")
        if e["handled_by"] in _RESTRICTED_HANDLERS
    ]
    provided = (
        Referral.objects.filter(to_organisation=organisation)
        .exclude(service__in=restricted)
        .annotate(provided_at=Min("events__at", filter=Q(events__status=ReferralStatus.PROVIDED)))
        .filter(provided_at__date__gte=first, provided_at__date__lt=following)
    )
    districts: dict[int, dict[str, int]] = {}
    people: dict[int, int] = {}
    for referral in provided.select_related("point"):
        entry = point_entry_shown(referral.point)
        if entry is None:
            continue
        unit = entry.admin_unit
        district = unit.parent_id if unit.level == 3 and unit.parent_id else unit.pk
        cells = districts.setdefault(district, {})
        people[district] = people.get(district, 0) + 1
        cell = _cell(referral.sex, referral.age, age_bands)
        if cell is not None:
            cells[cell] = cells.get(cell, 0) + 1
    return [
        ProvidedMonth(district_id=d, month=first, people=people[d], cells=c)
        for d, c in sorted(districts.items())
    ]
