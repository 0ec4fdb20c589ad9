"""Who may read and change which households: the one rule the registry's gates, selectors and
statements read (docs/REGISTRY.md, "Who sees what").

- A household and its members are personal data of the organisation that registered them. Its
  registration officers and site managers read and change them (``households_readable``);
  nobody else does: not its information managers, viewers or admins, not another
  organisation, not a platform admin. (Referrals will add the consented fields a receiving
  organisation reads; they will do it here.)
- Downloading personal data is a permission of its own, given apart (``exports_personal``).
- Figures drawn from the registry (counts by sex, age, vulnerability) are read unsuppressed by the
  holding organisation's members; any other signed-in reader gets them with small cells
  suppressed (``figures_unsuppressed``).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from nahrain.core.access import AnyUser, access_organisation_by_id, user_roles
from nahrain.core.models import Membership, Organisation, Role
from nahrain.registry.models import Consent, Household, Individual, PossibleDuplicate, Visit
from nahrain.sites.models import Site

REGISTRY_ROLES = (Role.REGISTRATION_OFFICER, Role.SITE_MANAGER)


def registry_organisations(user: AnyUser) -> QuerySet[Membership, Any]:
    """The ids of the organisations whose registry the user reads (a subquery, never
    evaluated)."""
    if not user.is_authenticated:
        return Membership.objects.none().values("organisation_id")
    return Membership.objects.filter(user_id=user.pk, role__in=REGISTRY_ROLES).values(
        "organisation_id"
    )


def households_readable(user: AnyUser) -> QuerySet[Household]:
    """The households whose personal data the user reads (and changes)."""
    return Household.objects.filter(organisation_id__in=registry_organisations(user))


def individuals_readable(user: AnyUser) -> QuerySet[Individual]:
    return Individual.objects.filter(organisation_id__in=registry_organisations(user))


def reads_registry(user: AnyUser, organisation: Organisation) -> bool:
    return bool(set(REGISTRY_ROLES) & user_roles(user, organisation))


def exports_personal(user: AnyUser, organisation: Organisation) -> bool:
    """Whether the user may download the organisation's personal data: the export permission on
    top of a registry role."""
    roles = user_roles(user, organisation)
    return Role.PERSONAL_DATA_EXPORT in roles and bool(set(REGISTRY_ROLES) & roles)


def figures_unsuppressed(user: AnyUser, organisation: Organisation) -> bool:
    """Whether the user reads the organisation's registry figures without suppression: its own
    members (the figures have not left the organisation)."""
    return bool(user_roles(user, organisation))


def _uuid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


HOUSEHOLD_RELATED = ("organisation", "site", "unit", "admin_unit", "location", "origin")
HOUSEHOLD_UNREAD = ("admin_unit__geometry", "origin__geometry")


def access_household_by_uid(user: AnyUser, household_uid: Any) -> Household:
    """A household the user may read and change; 404 alike for missing and not-yours."""
    found = (
        households_readable(user)
        .select_related(*HOUSEHOLD_RELATED)
        .defer(*HOUSEHOLD_UNREAD)
        .filter(uid=_uuid(household_uid))
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_individual_by_uid(user: AnyUser, individual_uid: Any) -> Individual:
    found = (
        individuals_readable(user)
        .select_related("household")
        .filter(uid=_uuid(individual_uid))
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_consent_by_uid(user: AnyUser, consent_uid: Any) -> Consent:
    found = (
        Consent.objects.select_related("household")
        .filter(household__in=households_readable(user), uid=_uuid(consent_uid))
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_visit_by_uid(user: AnyUser, visit_uid: Any) -> Visit:
    found = (
        Visit.objects.select_related("household")
        .filter(household__in=households_readable(user), uid=_uuid(visit_uid))
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_site_for_registry(user: AnyUser, site_uid: Any) -> Site:
    """A site whose holding organisation's registry the user works in (its registration officers
    and site managers decide whether the site counts its population by registration)."""
    found = (
        Site.objects.select_related("organisation")
        .filter(organisation_id__in=registry_organisations(user), uid=_uuid(site_uid))
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_organisation_for_registry(user: AnyUser, organisation_id: Any) -> Organisation:
    """An organisation whose registry the user writes into (a registration, an import)."""
    organisation = access_organisation_by_id(user, organisation_id)
    if not reads_registry(user, organisation):
        raise Http404
    return organisation


def access_organisation_figures(user: AnyUser, organisation_id: Any) -> Organisation:
    """An organisation's registry figures: any signed-in user (suppressed outside it)."""
    return access_organisation_by_id(user, organisation_id)


def duplicates_readable(user: AnyUser) -> QuerySet[PossibleDuplicate]:
    """The possible duplicates one of whose records the user's registry holds: each holding
    organisation sees the pair (the other's values only as consent allows:
    ``duplicates_selectors``)."""
    organisations = registry_organisations(user)
    return PossibleDuplicate.objects.filter(
        Q(first__organisation_id__in=organisations) | Q(second__organisation_id__in=organisations)
    )


def access_duplicate_by_id(user: AnyUser, pair_id: Any) -> PossibleDuplicate:
    """A possible duplicate the user reviews; 404 alike for missing and not-yours."""
    try:
        pk = int(pair_id)
    except (TypeError, ValueError):
        raise Http404 from None
    found = (
        duplicates_readable(user)
        .select_related(
            "first__household__organisation",
            "second__household__organisation",
            "first__organisation",
            "second__organisation",
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


SHARING = "sharing"  # the consent purpose that shares a household with a named organisation


def purpose_in_force(household: Household, purpose: str, today: date) -> bool:
    """Whether the household agreed to its record's use for a purpose ("referral", "assistance"),
    and the agreement holds today (given, not yet withdrawn): asked before another app uses the
    record for it."""
    return (
        Consent.objects.filter(
            household=household, purpose=purpose, shared_with__isnull=True, given_on__lte=today
        )
        .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=today))
        .exists()
    )


def sharing_in_force(household: Household, organisation: Organisation, today: date) -> bool:
    """Whether the household agreed to share its record with the organisation, and the
    agreement holds today (given, not yet withdrawn)."""
    return (
        Consent.objects.filter(
            household=household,
            purpose=SHARING,
            shared_with=organisation,
            given_on__lte=today,
        )
        .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=today))
        .exists()
    )
