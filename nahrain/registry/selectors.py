"""Reads of the registry: each takes the caller and returns only what the caller may see (the
households of the organisations whose registry they read, ``access.households_readable``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q

from nahrain.core.access import AnyUser
from nahrain.registry import access, names, services
from nahrain.registry.models import (
    Consent,
    Household,
    HouseholdEvent,
    Individual,
    MemberStatus,
    Stay,
    Visit,
)

# --- api ---------------------------------------------------------------------------------------

ROW_RELATED = ("organisation", "site", "unit", "admin_unit")
ROW_UNREAD = ("admin_unit__geometry",)


def _with_heads(households: Any) -> Any:
    """Households with their head in the household (``heads``: a list of none or one)."""
    heads = Individual.objects.filter(relationship="head", status=MemberStatus.ACTIVE)
    return households.prefetch_related(Prefetch("members", queryset=heads, to_attr="heads"))


def household_page(
    *,
    user: AnyUser,
    organisation_id: Any = None,
    site_uid: Any = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[Household]:
    """One page of the households the user reads, narrowed by organisation, site and status, in
    the organisation's registration number order, each with its head."""
    households = access.households_readable(user)
    if organisation_id is not None:
        households = households.filter(organisation_id=organisation_id)
    if site_uid is not None:
        households = households.filter(site__uid=site_uid)
    if status:
        households = households.filter(status=status)
    households = households.select_related(*ROW_RELATED).defer(*ROW_UNREAD)
    return list(_with_heads(households).order_by("organisation", "number")[offset : offset + limit])


def households_in_order(*, user: AnyUser, uids: Sequence[Any]) -> list[Household]:
    """The households of these uids that the user reads, in the order given (a search's rank),
    each with its head."""
    households = access.households_readable(user).filter(uid__in=list(uids))
    found = {
        h.uid: h for h in _with_heads(households.select_related(*ROW_RELATED).defer(*ROW_UNREAD))
    }
    return [found[uid] for uid in uids if uid in found]


@dataclass
class HouseholdRecord:
    """A household with everything the registry holds on it."""

    household: Household
    merged_into_uid: Any
    split_from_uid: Any
    members: list[Individual]
    consents: list[Consent]
    stays: list[Stay]
    visits: list[Visit]
    events: list[HouseholdEvent]


def household_record(*, user: AnyUser, household: Household) -> HouseholdRecord:
    """A household the user reads (passed through its gate), with its members (those who left
    or died too) and their documents, consents, stays, visits and history."""
    readable = access.households_readable(user).filter(pk=household.pk)
    members = Individual.objects.filter(household__in=readable).prefetch_related("documents")
    # The households it merged into or split from are the same organisation's.
    links: dict[int | None, Any] = dict(
        access.households_readable(user)
        .filter(pk__in=[household.merged_into_id, household.split_from_id])
        .values_list("pk", "uid")
    )
    return HouseholdRecord(
        household=household,
        merged_into_uid=links.get(household.merged_into_id),
        split_from_uid=links.get(household.split_from_id),
        members=list(members.select_related("household").order_by("pk")),
        consents=list(Consent.objects.filter(household__in=readable).select_related("shared_with")),
        stays=list(
            Stay.objects.filter(household__in=readable)
            .select_related("site", "unit", "admin_unit")
            .defer("admin_unit__geometry")
        ),
        visits=list(Visit.objects.filter(household__in=readable)),
        events=list(HouseholdEvent.objects.filter(household__in=readable)),
    )


# --- search ------------------------------------------------------------------------------------


def household_search(*, user: AnyUser, q: str, limit: int = 50) -> list[Household]:
    """The households the user reads whose registration number or phone is the query, or one of
    whose members' name chain starts with it (search keys: ``names.query_key``), audited by
    the number found (never the query)."""
    households = access.households_readable(user)
    phone, key = names.phone_key(q), names.query_key(q)
    matches = Q(number__iexact=q.strip())
    if len(phone) >= 7:
        matches |= Q(phone_key=phone)
    if key:
        members = access.individuals_readable(user).filter(name_key__startswith=key)
        matches |= Q(pk__in=members.values("household_id"))
    found = list(households.filter(matches).order_by("organisation", "number")[:limit])
    services.search_made(
        actor=user,  # type: ignore[arg-type]
        organisation_ids=sorted({h.organisation_id for h in found}),
        results=len(found),
        via="api",
    )
    return found
