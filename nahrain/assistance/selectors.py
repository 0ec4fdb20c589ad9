"""Reads of programmes and distribution lists, scoped to the caller by the one rule
(``access``): programmes to the members of their organisation, lists and entries (personal
data) to its assistance officers alone. Pages and the API read through these; they audit the
reads of entries (personal records) themselves, as the registry's pages do."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from nahrain.assistance import access, codelists
from nahrain.assistance.exclusions import exclusion_words, rule_label
from nahrain.assistance.models import DistributionList, ListEntry, Programme
from nahrain.core.access import AnyUser


def lists(user: AnyUser, programme: Programme) -> QuerySet[DistributionList]:
    """A programme's lists, newest version first: for its assistance officers alone."""
    return (
        access.lists_readable(user)
        .filter(programme=programme)
        .select_related("rules", "built_by", "approved_by", "supersedes")
        .order_by("-version")
    )


def entitlement_words(entitlement: dict[str, Any], language: str | None = None) -> str:
    """An entitlement in words: the amount and currency, or each item's quantity and name in
    the reader's language."""
    if "amount" in entitlement:
        return f"{entitlement['amount']} {entitlement.get('currency', '')}".strip()
    return ", ".join(
        f"{item['quantity']} × {codelists.label('items', item['item'], language)}"  # noqa: RUF001
        for item in entitlement.get("items", [])
    )


@dataclass(frozen=True)
class EntryRow:
    pk: int
    token: str
    household_uid: str
    household_number: str
    row: int | None
    people: int
    head_sex: str
    site: str
    place: str
    included: bool
    entitlement: dict[str, Any]
    entitlement_words: str
    rule: str
    rule_label: str
    words: str
    also: list[str]


def entries(
    user: AnyUser,
    distribution_list: DistributionList,
    *,
    included: bool | None = None,
    rule: str = "",
    language: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[EntryRow]:
    """A list's entries (its assistance officers alone; nobody else gets one), each excluded
    one with its rule and the words for the caller. ``rule`` keeps one rule's exclusions."""
    found = (
        access.entries_readable(user)
        .filter(list=distribution_list)
        .select_related("household", "site", "admin_unit")
        .only(
            "pk",
            "token",
            "row",
            "people",
            "head_sex",
            "included",
            "entitlement",
            "excluded_by",
            "exclusion",
            "household__uid",
            "household__number",
            "site__name_en",
            "site__name_ar",
            "site__name_ckb",
            "admin_unit__name_en",
            "admin_unit__name_ar",
            "admin_unit__name_ckb",
        )
        .order_by("pk")
    )
    if included is not None:
        found = found.filter(included=included)
    if rule:
        found = found.filter(excluded_by=rule)
    window = found[offset : offset + limit] if limit is not None else found[offset:]
    return [_row(entry, language) for entry in window]


def _name(obj: Any, language: str | None) -> str:
    if obj is None:
        return ""
    lang = (language or "en").split("-")[0]
    return str(getattr(obj, f"name_{lang}", "") or obj.name_en)


def _row(entry: ListEntry, language: str | None) -> EntryRow:
    return EntryRow(
        pk=entry.pk,
        token=entry.token,
        household_uid=str(entry.household.uid),
        household_number=entry.household.number,
        row=entry.row,
        people=entry.people,
        head_sex=entry.head_sex,
        site=_name(entry.site, language),
        place=_name(entry.admin_unit, language),
        included=entry.included,
        entitlement=entry.entitlement,
        entitlement_words=entitlement_words(entry.entitlement, language),
        rule=entry.excluded_by,
        rule_label=rule_label(entry.excluded_by, language) if entry.excluded_by else "",
        words=exclusion_words(entry, language=language),
        also=[
            exclusion_words(also["rule"], also, language)
            for also in entry.exclusion.get("also", [])
        ],
    )


@dataclass(frozen=True)
class ListSummary:
    households: int
    people: int
    excluded: int
    by_rule: dict[str, int]  # excluded households by the rule that excluded them
    items: dict[str, int]  # items per cycle, included households
    amount: Decimal  # cash per cycle, included households
    currency: str


def summary(user: AnyUser, distribution_list: DistributionList) -> ListSummary:
    """A list's counts: included households and people, exclusions by rule, what one cycle
    hands out. Counts, no personal values; still its officers'."""
    found = access.entries_readable(user).filter(list=distribution_list)
    totals = found.aggregate(
        households=Count("pk", filter=Q(included=True)),
        people=Coalesce(Sum("people", filter=Q(included=True)), 0),
        excluded=Count("pk", filter=Q(included=False)),
    )
    by_rule = dict(
        found.filter(included=False)
        .values_list("excluded_by")
        .annotate(n=Count("pk"))
        .values_list("excluded_by", "n")
    )
    items: Counter[str] = Counter()
    amount = Decimal(0)
    currency = distribution_list.programme.currency
    # Entitlements repeat (one per size bracket): counted by distinct value.
    for entitlement, n in (
        found.filter(included=True)
        .values_list("entitlement")
        .annotate(n=Count("pk"))
        .values_list("entitlement", "n")
    ):
        if "amount" in entitlement:
            amount += Decimal(entitlement["amount"]) * n
        for item in entitlement.get("items", []):
            items[item["item"]] += item["quantity"] * n
    return ListSummary(
        households=totals["households"],
        people=totals["people"],
        excluded=totals["excluded"],
        by_rule={
            code: by_rule[code] for code in codelists.codes("exclusion_rules") if code in by_rule
        },
        items=dict(items),
        amount=amount,
        currency=currency,
    )
