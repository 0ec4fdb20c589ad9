"""Who may read and change the directory, referrals and cases: the one rule the gates,
selectors and reports read (docs/SECURITY.md, "Referrals and cases").

- **Directory.** The current entry of a service point is read by every signed-in user (aid
  workers look services up); its drafts and archived entries by the service mappers of the
  organisation that runs it, who alone change it.
- **Cases.** A case is read by the case workers assigned to it who still hold the case type's
  role in its organisation. GBV and MHPSS cases by them alone: not by the organisation's other
  case workers, information managers or admins, not by a platform admin. Child-protection and
  legal-documentation cases also by the organisation's case workers (their supervisors).
- **Referrals.** A referral is read on two sides. The sending side: the worker who sent it
  (while they keep a referring role in their organisation), or, for a referral made from a case,
  whoever reads the case (and nobody else: a referral from a GBV case is as closed as the case).
  The receiving side: the members of the receiving organisation who hold the role that handles
  the service (GBV case workers for GBV case management, MHPSS workers for MHPSS, case workers
  for the rest). The receiving side reads of the person only the fields the consent allows
  today (``referral_fields_shown``), and never which case the referral came from.
- Nothing of a person here is read by a platform admin: they run the server, not the response.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from nahrain.core.access import AnyUser, user_roles
from nahrain.core.models import Membership, Organisation, Role
from nahrain.referrals import codelists
from nahrain.referrals.models import (
    Case,
    CaseAssignment,
    Referral,
    ServicePoint,
    ServicePointVersion,
    VersionStatus,
)

CASE_ROLES = (Role.CASE_WORKER, Role.GBV_CASE_WORKER, Role.MHPSS_WORKER)
# Who sends referrals: case workers, and the registration staff who meet people at registration.
REFERRING_ROLES = (*CASE_ROLES, Role.REGISTRATION_OFFICER, Role.SITE_MANAGER)
# The role that supervises the unrestricted case types (child protection, legal documentation).
SUPERVISING_ROLE = Role.CASE_WORKER

SENDER = "sender"
RECEIVER = "receiver"


def _uuid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def _memberships(user: AnyUser) -> list[tuple[Any, str]]:
    if not user.is_authenticated:
        return []
    return list(Membership.objects.filter(user_id=user.pk).values_list("organisation_id", "role"))


def organisations_with(user: AnyUser, roles: tuple[str, ...]) -> QuerySet[Organisation]:
    """The organisations in which the user holds one of the roles."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        memberships__user_id=user.pk, memberships__role__in=roles
    ).distinct()


# --- the directory ------------------------------------------------------------------------


def maps_services(user: AnyUser, organisation: Organisation) -> bool:
    """Whether the user keeps the organisation's entries in the service directory."""
    return Role.SERVICE_MAPPER in user_roles(user, organisation)


def versions_readable(user: AnyUser) -> QuerySet[ServicePointVersion]:
    """Every current entry for a signed-in user; drafts and archived entries for the service
    mappers of the organisation that runs the point."""
    if not user.is_authenticated:
        return ServicePointVersion.objects.none()
    mapped = organisations_with(user, (Role.SERVICE_MAPPER,)).values("pk")
    return ServicePointVersion.objects.filter(
        Q(status=VersionStatus.CURRENT) | Q(point__organisation_id__in=mapped)
    )


def access_point_by_uid(user: AnyUser, point_uid: Any) -> ServicePoint:
    """A service point the user may look at: one with a current entry, or one of their own
    organisation's they map."""
    found = (
        ServicePoint.objects.select_related("organisation")
        .filter(uid=_uuid(point_uid), versions__in=versions_readable(user))
        .distinct()
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_point_for_mapping(user: AnyUser, point_uid: Any) -> ServicePoint:
    """A service point whose entry the user changes: their organisation's, as its mapper."""
    found = (
        ServicePoint.objects.select_related("organisation")
        .filter(
            uid=_uuid(point_uid),
            organisation__in=organisations_with(user, (Role.SERVICE_MAPPER,)),
        )
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_point_for_referral(user: AnyUser, point_uid: Any) -> ServicePoint:
    """A service point a referral can be sent to: one with a current entry."""
    found = (
        ServicePoint.objects.select_related("organisation")
        .filter(uid=_uuid(point_uid), versions__status=VersionStatus.CURRENT)
        .first()
    )
    if found is None or not user.is_authenticated:
        raise Http404
    return found


# --- cases --------------------------------------------------------------------------------


def cases_readable(user: AnyUser) -> QuerySet[Case]:
    """The cases whose details the user reads (the rule of the module's docstring)."""
    memberships = _memberships(user)
    if not memberships or user.pk is None:
        return Case.objects.none()
    assigned = CaseAssignment.objects.filter(
        case=OuterRef("pk"), user_id=user.pk, ended_at__isnull=True
    )
    rule = Q(pk__in=[])
    for organisation_id, role in memberships:
        types = codelists.case_types_opened_by(role)
        if types:
            # Assigned, and still holding the role the case type asks for.
            rule |= Q(organisation_id=organisation_id, type__in=types, assigned=True)
        if role == SUPERVISING_ROLE:
            unrestricted = [
                t
                for t in codelists.codes("case_types")
                if t not in codelists.restricted_case_types()
            ]
            rule |= Q(organisation_id=organisation_id, type__in=unrestricted)
    return Case.objects.annotate(assigned=Exists(assigned)).filter(rule)


def access_case_by_uid(user: AnyUser, case_uid: Any) -> Case:
    """A case the user reads and works on; 404 alike for missing and not-yours."""
    found = (
        cases_readable(user)
        .select_related("organisation", "individual")
        .filter(uid=_uuid(case_uid))
        .first()
    )
    if found is None:
        raise Http404
    return found


def opens_cases(user: AnyUser, organisation: Organisation) -> list[str]:
    """The case types the user opens in the organisation."""
    return [
        code
        for role in sorted(user_roles(user, organisation))
        for code in codelists.case_types_opened_by(role)
    ]


def assignable(organisation: Organisation, case_type: str) -> QuerySet[Membership]:
    """The members a case of this type can be assigned to: those holding its role."""
    role = codelists.case_type(case_type)["opened_by"]
    return Membership.objects.filter(organisation=organisation, role=role).select_related("user")


# --- referrals ----------------------------------------------------------------------------


def sends_referrals(user: AnyUser, organisation: Organisation) -> bool:
    return bool(set(REFERRING_ROLES) & user_roles(user, organisation))


def _sent_rule(user: AnyUser, memberships: list[tuple[Any, str]]) -> Q:
    referring = [org for org, role in memberships if role in REFERRING_ROLES]
    return Q(case__isnull=True, referred_by_id=user.pk, organisation_id__in=referring) | Q(
        case__in=cases_readable(user)
    )


def _received_rule(memberships: list[tuple[Any, str]]) -> Q:
    rule = Q(pk__in=[])
    for organisation_id, role in memberships:
        services = codelists.services_handled_by(role)
        if services:
            rule |= Q(to_organisation_id=organisation_id, service__in=services)
    return rule


def referrals_sent(user: AnyUser) -> QuerySet[Referral]:
    memberships = _memberships(user)
    if not memberships:
        return Referral.objects.none()
    return Referral.objects.filter(_sent_rule(user, memberships))


def referrals_received(user: AnyUser) -> QuerySet[Referral]:
    memberships = _memberships(user)
    if not memberships:
        return Referral.objects.none()
    return Referral.objects.filter(_received_rule(memberships))


def referrals_readable(user: AnyUser) -> QuerySet[Referral]:
    memberships = _memberships(user)
    if not memberships:
        return Referral.objects.none()
    return Referral.objects.filter(_sent_rule(user, memberships) | _received_rule(memberships))


def referral_sides(user: AnyUser, referral: Referral) -> set[str]:
    """On which sides of the referral the user stands (both, when sender and receiver are one
    organisation's workers)."""
    sides = set()
    if referrals_sent(user).filter(pk=referral.pk).exists():
        sides.add(SENDER)
    if referrals_received(user).filter(pk=referral.pk).exists():
        sides.add(RECEIVER)
    return sides


def access_referral_by_uid(user: AnyUser, referral_uid: Any) -> tuple[Referral, set[str]]:
    """A referral the user reads, and on which sides; 404 alike for missing and not-yours."""
    found = (
        referrals_readable(user)
        .select_related("organisation", "to_organisation", "point", "consent", "referred_by")
        .filter(uid=_uuid(referral_uid))
        .first()
    )
    if found is None:
        raise Http404
    return found, referral_sides(user, found)


def consent_in_force(referral: Referral, today: date) -> bool:
    consent = getattr(referral, "consent", None)
    return bool(
        consent is not None
        and consent.withdrawn_on is None
        and consent.given_on <= today <= consent.until
    )


PERSON_FIELDS = ("name", "sex", "age", "phone", "place", "reason")
# A service that declined the person, or a referral withdrawn, keeps nothing of them to read.
CLOSED_TO_RECEIVER = ("declined", "withdrawn")


def referral_fields_shown(referral: Referral, sides: set[str], today: date) -> dict[str, Any]:
    """The person's fields a reader of the referral sees: all it holds on the sending side (it
    holds only the consented ones); on the receiving side those the consent allows today, until
    the service declines the person or the referral is withdrawn."""
    held = {name: getattr(referral, name) for name in PERSON_FIELDS}
    if SENDER in sides:
        return held
    if (
        RECEIVER not in sides
        or referral.status in CLOSED_TO_RECEIVER
        # Declined once, closed to the service for good (the sender closing it changes nothing).
        or referral.decline_reason
        or not consent_in_force(referral, today)
    ):
        return {}
    allowed = set(referral.consent.fields)
    return {name: value for name, value in held.items() if name in allowed}
