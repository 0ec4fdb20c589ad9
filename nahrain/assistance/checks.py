"""The check every distribution list goes through before approval: within itself, against the
registry's possible duplicates, against every organisation's recent distributions. Set-based:
each rule is one or two SQL queries over the list's entries joined to the registry and the
receipts, whatever the size of the list (a list of 100,000 households against a registry of a
million people and a year of distributions: docs/PERFORMANCE.md).

The rules, in the order that decides which one an entry is excluded by (the others are kept in
``exclusion["also"]``):

1. ``household_inactive``: the household's status is not one the rules serve (closed: departed,
   returned, deceased, merged; ``active`` unless the rules say otherwise).
2. ``no_consent``: no consent "assistance" in force today (the semantics of
   ``registry.access.purpose_in_force``, as a subquery).
3. ``not_eligible``: outside the rules (place, site, camp, vulnerabilities, head's sex, size),
   with each reason.
4. ``on_another_list``: included on another approved list of the programme (not the one this
   version replaces).
5. ``duplicate_on_list``: a member is probably the same person as a member of a household
   earlier on the list (a ``PossibleDuplicate`` open at the review floor or more, or decided
   "same"): the earlier entry stays, the later is excluded naming the earlier's registration
   number (the programme's own organisation's).
6. ``served_recently``: served a programme of one of the rule's kinds, of any organisation
   (this programme's own cycles aside), within the rule's days before today: names the
   organisation, the kind and the day.
7. ``served_as_duplicate``: a member is probably the same person as a member of another
   household (of any organisation) served as in 6: names the organisation, and the kind and
   the day only when it is the programme's own organisation; never the other household.
8. ``not_with``: receives now what this programme is not given with: ``camp_shelter`` is living
   in a formal camp; another kind, a served receipt of a running programme of that kind within
   its cycles (a single-cycle programme's within 30 days).

A household given twice in an imported file is entered once, at its first row: the later rows
are the import's problems (``listed_twice``, ``services.rows_listed_twice``); the list's
uniqueness constraint keeps a household on a list once.

The registry's possible duplicates are what the check reads: the registry keeps them current on
every registration, member added and correction (``registry.matching.check``), and a bulk
import is followed by ``nahrain registry dedupe``. The check does not run the matcher itself:
scoring a list's members against the whole registry is the registry's work, done when the
records change, not at each list's check; a list checked before the registry's de-duplication
ran is checked again (``list_check``) after it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils import timezone

from nahrain.assistance import rules
from nahrain.assistance.models import (
    DistributionList,
    ListEntry,
    ListStatus,
    Programme,
    ProgrammeStatus,
    Receipt,
)
from nahrain.displacement.bulk import copy_rows
from nahrain.registry.dedup import link
from nahrain.registry.models import (
    Consent,
    DuplicateStatus,
    Household,
    Individual,
    MemberStatus,
    PossibleDuplicate,
)
from nahrain.sites.models import SiteType

ORDER = (
    "household_inactive",
    "no_consent",
    "not_eligible",
    "on_another_list",
    "duplicate_on_list",
    "served_recently",
    "served_as_duplicate",
    "not_with",
)
ASSISTANCE = "assistance"  # the consent purpose
SINGLE_CYCLE_DAYS = 30

Findings = dict[int, dict[str, dict[str, Any]]]  # household id -> rule -> facts


@dataclass(frozen=True)
class Counts:
    households: int
    people: int
    excluded: int


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _day(moment: datetime) -> str:
    return timezone.localdate(moment).isoformat()


def duplicates_q() -> Q:
    """The possible duplicates a list is checked against: open at the review floor or more,
    or decided the same person."""
    return Q(status=DuplicateStatus.SAME) | Q(
        status=DuplicateStatus.OPEN, probability__gte=link.REVIEW_FLOOR
    )


def consent_in_force(today: date, household: str = "household_id") -> Exists:
    """``registry.access.purpose_in_force(household, "assistance", today)`` as a subquery."""
    return Exists(
        Consent.objects.filter(
            household_id=OuterRef(household),
            purpose=ASSISTANCE,
            shared_with__isnull=True,
            given_on__lte=today,
        ).filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=today))
    )


def head_sex(household: str = "pk") -> Subquery:
    """The sex of the household's head (its first active member recorded as the head)."""
    return Subquery(
        Individual.objects.filter(
            household_id=OuterRef(household), relationship="head", status=MemberStatus.ACTIVE
        )
        .order_by("pk")
        .values("sex")[:1]
    )


def _organisation_name(acronym: str, name: str) -> str:
    return acronym or name


class _Check:
    def __init__(self, distribution_list: DistributionList, rulebook: rules.Rulebook, today: date):
        self.list = distribution_list
        self.programme: Programme = distribution_list.programme
        self.rulebook = rulebook
        self.today = today
        self.entries = ListEntry.objects.filter(list=distribution_list)
        self.households = self.entries.values("household_id")
        self.found: Findings = defaultdict(dict)

    def add(self, household_id: int, rule: str, facts: dict[str, Any]) -> None:
        self.found[household_id].setdefault(rule, facts)

    # 1 -----------------------------------------------------------------------------------------
    def household_inactive(self) -> None:
        closed = self.entries.exclude(household__status__in=self.rulebook.eligible.statuses)
        for pk, status in closed.values_list("household_id", "household__status"):
            self.add(pk, "household_inactive", {"status": status})

    # 2 -----------------------------------------------------------------------------------------
    def no_consent(self) -> None:
        refused = self.entries.exclude(consent_in_force(self.today))
        for pk in refused.values_list("household_id", flat=True):
            self.add(pk, "no_consent", {})

    # 3 -----------------------------------------------------------------------------------------
    def not_eligible(self) -> None:
        households = Household.objects.filter(
            pk__in=self.households, status__in=self.rulebook.eligible.statuses
        ).order_by()
        for pk, reasons in rules.reasons_by_household(self.rulebook, households).items():
            self.add(pk, "not_eligible", {"reasons": reasons})

    # 4 -----------------------------------------------------------------------------------------
    def on_another_list(self) -> None:
        others = ListEntry.objects.filter(
            list__programme=self.programme,
            list__status=ListStatus.APPROVED,
            included=True,
            household_id__in=self.households,
        ).exclude(list=self.list)
        if self.list.supersedes_id is not None:
            others = others.exclude(list_id=self.list.supersedes_id)
        for pk, version in others.order_by("list__version").values_list(
            "household_id", "list__version"
        ):
            self.add(pk, "on_another_list", {"version": version})

    # 5 -----------------------------------------------------------------------------------------
    def duplicate_on_list(self) -> None:
        pairs = (
            PossibleDuplicate.objects.filter(duplicates_q())
            .filter(
                first__household_id__in=self.households, second__household_id__in=self.households
            )
            .exclude(first__household_id=F("second__household_id"))
            .order_by()
            .values_list("first__household_id", "second__household_id")
        )
        partners: dict[int, set[int]] = defaultdict(set)
        for a, b in pairs:
            partners[a].add(b)
            partners[b].add(a)
        if not partners:
            return
        order = dict(
            self.entries.filter(household_id__in=list(partners)).values_list("household_id", "pk")
        )
        kept: set[int] = set()
        named: dict[int, int] = {}
        for household in sorted(partners, key=order.__getitem__):
            if household in self.found:
                continue  # excluded already: it keeps nobody else off the list
            earlier = [p for p in partners[household] if p in kept and order[p] < order[household]]
            if earlier:
                named[household] = min(earlier, key=order.__getitem__)
            else:
                kept.add(household)
        numbers = dict(
            Household.objects.filter(pk__in=set(named.values())).values_list("pk", "number")
        )
        for household, first in named.items():
            self.add(household, "duplicate_on_list", {"number": numbers[first]})

    # 6 and 7 -----------------------------------------------------------------------------------
    def _served(self, kinds: Iterable[str], days: int) -> QuerySet[Receipt]:
        return Receipt.objects.filter(
            served=True,
            programme__kind__in=list(kinds),
            recorded_at__gte=_start_of(self.today - timedelta(days=days)),
        ).exclude(programme=self.programme)

    def _facts(self, receipt: dict[str, Any], days: int) -> dict[str, Any]:
        return {
            "kind": receipt["programme__kind"],
            "organisation": _organisation_name(
                receipt["programme__organisation__acronym"],
                receipt["programme__organisation__name"],
            ),
            "date": _day(receipt["recorded_at"]),
            "days": days,
        }

    _RECEIPT = (
        "household_id",
        "pk",
        "programme__kind",
        "programme__organisation_id",
        "programme__organisation__acronym",
        "programme__organisation__name",
        "recorded_at",
    )

    def served_recently(self) -> None:
        for rule in self.rulebook.rules_of("served_recently"):
            days = rule.days or 0
            served = self._served(rule.kinds, days).filter(household_id__in=self.households)
            for receipt in served.order_by("-recorded_at", "-pk").values(*self._RECEIPT):
                self.add(receipt["household_id"], "served_recently", self._facts(receipt, days))

    def served_as_duplicate(self) -> None:
        for rule in self.rulebook.rules_of("served_recently"):
            days = rule.days or 0
            served = self._served(rule.kinds, days)
            found: dict[int, set[int]] = defaultdict(set)  # receipt -> list households
            for mine, other in (("first", "second"), ("second", "first")):
                newest = served.filter(household_id=OuterRef(f"{other}__household_id")).order_by(
                    "-recorded_at", "-pk"
                )
                pairs = (
                    PossibleDuplicate.objects.filter(duplicates_q())
                    .filter(**{f"{mine}__household_id__in": self.households})
                    .exclude(first__household_id=F("second__household_id"))
                    .annotate(receipt=Subquery(newest.values("pk")[:1]))
                    .filter(receipt__isnull=False)
                    .order_by()
                    .values_list(f"{mine}__household_id", "receipt")
                )
                for household, receipt in pairs:
                    found[receipt].add(household)
            if not found:
                continue
            receipts = Receipt.objects.filter(pk__in=list(found)).values(*self._RECEIPT)
            for receipt in sorted(
                receipts, key=lambda r: (r["recorded_at"], r["pk"]), reverse=True
            ):
                facts = self._facts(receipt, days)
                if receipt["programme__organisation_id"] != self.programme.organisation_id:
                    # Another organisation's household: that it exists and who holds it, never
                    # what it received or when (DESIGN §2a).
                    facts = {"organisation": facts["organisation"]}
                for household in found[receipt["pk"]]:
                    self.add(household, "served_as_duplicate", facts)

    # 8 -----------------------------------------------------------------------------------------
    def not_with(self) -> None:
        for rule in self.rulebook.rules_of("not_with"):
            facts = {"programme_kind": self.programme.kind}
            if rules.CAMP_SHELTER in rule.kinds:
                camp = self.entries.filter(household__site__type=SiteType.CAMP)
                for pk in camp.values_list("household_id", flat=True):
                    self.add(pk, "not_with", {"kind": rules.CAMP_SHELTER, **facts})
            running = Programme.objects.filter(
                kind__in=[k for k in rule.kinds if k != rules.CAMP_SHELTER],
                status=ProgrammeStatus.ACTIVE,
            ).exclude(pk=self.programme.pk)
            within = Q(pk__in=[])
            for pk, cycles, cycle_days in running.values_list("pk", "cycles", "cycle_days"):
                span = cycles * cycle_days or SINGLE_CYCLE_DAYS
                since = _start_of(self.today - timedelta(days=span))
                within |= Q(programme_id=pk, recorded_at__gte=since)
            receiving = Receipt.objects.filter(
                within, served=True, household_id__in=self.households
            )
            for pk, kind in receiving.order_by("-recorded_at").values_list(
                "household_id", "programme__kind"
            ):
                self.add(pk, "not_with", {"kind": kind, **facts})

    def run(self) -> Findings:
        self.household_inactive()
        self.no_consent()
        self.not_eligible()
        self.on_another_list()
        self.duplicate_on_list()
        self.served_recently()
        self.served_as_duplicate()
        self.not_with()
        return self.found


def exclusion_of(found: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """The rule an entry is excluded by (the first in ``ORDER``) and what is stored: its facts,
    and the other rules that also exclude it with theirs."""
    codes = [code for code in ORDER if code in found]
    first, *others = codes
    stored: dict[str, Any] = {"rule": first, **found[first]}
    if others:
        stored["also"] = [{"rule": code, **found[code]} for code in others]
    return first, stored


def household_facts(households: QuerySet[Household]) -> dict[int, tuple[int, str, Any, Any]]:
    """What an entry keeps of each household at build time: ``{id: (size, head's sex, site id,
    admin unit id)}``, in one query."""
    return {
        pk: (size, sex or "", site, unit)
        for pk, size, sex, site, unit in households.order_by()
        .annotate(head=head_sex())
        .values_list("pk", "size", "head", "site_id", "admin_unit_id")
    }


def _entitled_by_size(rulebook: rules.Rulebook, size: Any, sizes: Iterable[int]) -> Case:
    return Case(
        *[
            When(Exact(size, n), then=Value(rulebook.entitlement(n) or {}, JSONField()))
            for n in sorted(set(sizes))
        ],
        default=Value({}, JSONField()),
        output_field=JSONField(),
    )


def facts_refresh(entries: QuerySet[ListEntry], rulebook: rules.Rulebook) -> None:
    """The entries' facts read again from the registry (the household's size, head's sex, site
    and place now), their entitlement by that size and their outcome cleared for the check:
    one statement, whatever the list's size."""
    household = Household.objects.filter(pk=OuterRef("household_id")).order_by()
    size = Subquery(household.values("size")[:1])
    sizes = (
        Household.objects.filter(pk__in=entries.values("household_id"))
        .order_by()
        .values_list("size", flat=True)
        .distinct()
    )
    entries.update(
        people=Coalesce(size, 0, output_field=IntegerField()),
        head_sex=Coalesce(head_sex("household_id"), Value("")),
        site=Subquery(household.values("site_id")[:1]),
        admin_unit=Subquery(household.values("admin_unit_id")[:1]),
        entitlement=_entitled_by_size(rulebook, size, sizes),
        included=True,
        excluded_by="",
        exclusion={},
    )


def exclusions_write(rows: Sequence[tuple[int, str, dict[str, Any]]]) -> None:
    """Mark entries excluded (``(entry id, rule, stored facts)``). On PostgreSQL the rows are
    copied into a temporary table and written by one UPDATE joined to it; elsewhere in
    batches."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        ListEntry.objects.bulk_update(
            [
                ListEntry(pk=pk, included=False, excluded_by=code, exclusion=stored, entitlement={})
                for pk, code, stored in rows
            ],
            ["included", "excluded_by", "exclusion", "entitlement"],
            batch_size=1000,
        )
        return
    table = ListEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE assistance_excluded (id bigint PRIMARY KEY, rule text, "
            "facts jsonb) ON COMMIT DROP"
        )
        copy_rows(
            "assistance_excluded",
            ("id", "rule", "facts"),
            ((pk, code, json.dumps(stored)) for pk, code, stored in rows),
        )
        cursor.execute(
            f"UPDATE {table} AS e SET included = false, excluded_by = x.rule, "  # noqa: S608
            "exclusion = x.facts, entitlement = '{}'::jsonb "
            "FROM assistance_excluded AS x WHERE e.id = x.id"
        )
        cursor.execute("DROP TABLE assistance_excluded")


def run(
    distribution_list: DistributionList,
    rulebook: rules.Rulebook,
    today: date,
    *,
    refresh: bool = True,
) -> Counts:
    """Check the list and store each entry's outcome: included with its entitlement by its size,
    or excluded with its rule and facts. Entries just made from the registry (``refresh``
    false) have their facts and entitlement already. The caller holds the list's lock."""
    entries = ListEntry.objects.filter(list=distribution_list)
    if refresh:
        facts_refresh(entries, rulebook)
    found = _Check(distribution_list, rulebook, today).run()
    ids = dict(entries.filter(household_id__in=list(found)).values_list("household_id", "pk"))
    exclusions_write(
        [(ids[household], *exclusion_of(findings)) for household, findings in found.items()]
    )
    totals = entries.aggregate(
        households=Count("pk", filter=Q(included=True)),
        people=Coalesce(Sum("people", filter=Q(included=True)), 0),
        excluded=Count("pk", filter=Q(included=False)),
    )
    return Counts(totals["households"], totals["people"], totals["excluded"])
