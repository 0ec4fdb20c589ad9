"""Who may read and change assistance programmes and their lists: the one rule the gates,
selectors, exports and pages read (docs/ASSISTANCE.md, "Who sees what").

- A **programme** (what it gives, to how many, with which rules) is not personal data: every
  member of the programme's organisation reads it. It is written (created, changed, its rules
  set, started, closed) by the organisation's assistance officers and information managers.
- **Lists and their entries, receipts, payments, monitoring samples and answers** are personal
  data of the programme's organisation: read and written by its assistance officers alone. Not
  its other members, not another organisation, not a platform admin (they run the server, not
  the response).
- A list is approved by an assistance officer other than the one who built it (the model's
  check constraint backs it).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from nahrain.assistance.models import (
    Distribution,
    DistributionList,
    ListEntry,
    MonitoringSample,
    PaymentBatch,
    Programme,
)
from nahrain.core.access import AnyUser, user_roles
from nahrain.core.models import Membership, Organisation, Role

ASSISTANCE_ROLES = (Role.ASSISTANCE_OFFICER,)
PROGRAMME_WRITING_ROLES = (Role.ASSISTANCE_OFFICER, Role.INFORMATION_MANAGER)


def _uuid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def _organisation_ids(user: AnyUser, roles: tuple[str, ...] | None = None) -> QuerySet[Any, Any]:
    """The ids of the user's organisations (in those roles): a subquery, never evaluated."""
    if not user.is_authenticated:
        return Membership.objects.none().values("organisation_id")
    members = Membership.objects.filter(user_id=user.pk)
    if roles is not None:
        members = members.filter(role__in=roles)
    return members.values("organisation_id")


def runs_assistance(user: AnyUser, organisation: Organisation) -> bool:
    """Whether the user is one of the organisation's assistance officers: reads and writes its
    lists, distributions and monitoring."""
    return bool(set(ASSISTANCE_ROLES) & user_roles(user, organisation))


def writes_programmes(user: AnyUser, organisation: Organisation) -> bool:
    return bool(set(PROGRAMME_WRITING_ROLES) & user_roles(user, organisation))


def organisations_writing_programmes(user: AnyUser) -> QuerySet[Organisation]:
    """The organisations in which the user creates programmes."""
    return Organisation.objects.filter(pk__in=_organisation_ids(user, PROGRAMME_WRITING_ROLES))


def programmes_readable(user: AnyUser) -> QuerySet[Programme]:
    """Every programme of one of the user's organisations."""
    return Programme.objects.filter(organisation_id__in=_organisation_ids(user))


def programmes_writable(user: AnyUser) -> QuerySet[Programme]:
    return Programme.objects.filter(
        organisation_id__in=_organisation_ids(user, PROGRAMME_WRITING_ROLES)
    )


def programmes_assisted(user: AnyUser) -> QuerySet[Programme]:
    """The programmes whose lists, distributions and monitoring the user reads and writes."""
    return Programme.objects.filter(organisation_id__in=_organisation_ids(user, ASSISTANCE_ROLES))


def lists_readable(user: AnyUser) -> QuerySet[DistributionList]:
    return DistributionList.objects.filter(programme__in=programmes_assisted(user))


def entries_readable(user: AnyUser) -> QuerySet[ListEntry]:
    return ListEntry.objects.filter(list__programme__in=programmes_assisted(user))


def distributions_readable(user: AnyUser) -> QuerySet[Distribution]:
    return Distribution.objects.filter(programme__in=programmes_assisted(user))


def samples_readable(user: AnyUser) -> QuerySet[MonitoringSample]:
    return MonitoringSample.objects.filter(distribution__programme__in=programmes_assisted(user))


# --- gates: the same 404 for "does not exist" and "not yours" --------------------------------


def access_organisation_for_programmes(user: AnyUser, uid: Any) -> Organisation:
    """An organisation in which the user creates programmes."""
    try:
        return organisations_writing_programmes(user).get(pk=_uuid(uid))
    except Organisation.DoesNotExist:
        raise Http404 from None


def access_programme_by_uid(user: AnyUser, uid: Any, *, write: bool = False) -> Programme:
    """A programme the user reads (``write``: one they change)."""
    found = (
        (programmes_writable(user) if write else programmes_readable(user))
        .select_related("organisation")
        .filter(uid=_uuid(uid))
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_programme_for_lists(user: AnyUser, uid: Any) -> Programme:
    """A programme whose lists the user builds, imports and approves."""
    found = programmes_assisted(user).select_related("organisation").filter(uid=_uuid(uid)).first()
    if found is None:
        raise Http404
    return found


def access_list_by_uid(user: AnyUser, uid: Any) -> DistributionList:
    found = (
        lists_readable(user)
        .select_related("programme__organisation", "rules", "built_by", "approved_by")
        .filter(uid=_uuid(uid))
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_distribution_by_uid(user: AnyUser, uid: Any) -> Distribution:
    found = (
        distributions_readable(user)
        .select_related("programme__organisation", "list", "site", "admin_unit")
        .filter(uid=_uuid(uid))
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_sample_by_uid(user: AnyUser, uid: Any) -> MonitoringSample:
    found = (
        samples_readable(user)
        .select_related("distribution__programme__organisation")
        .filter(uid=_uuid(uid))
        .first()
    )
    if found is None:
        raise Http404
    return found


def batches_readable(user: AnyUser) -> QuerySet[PaymentBatch]:
    return PaymentBatch.objects.filter(programme__in=programmes_assisted(user))


def access_batch_by_uid(user: AnyUser, uid: Any) -> PaymentBatch:
    """A payment batch: personal data (names, phones, amounts) of its programme's officers."""
    found = (
        batches_readable(user)
        .select_related("programme__organisation", "list")
        .filter(uid=_uuid(uid))
        .first()
    )
    if found is None:
        raise Http404
    return found
