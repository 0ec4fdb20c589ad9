"""A programme's rules document: who is eligible, what each household gets, what excludes it.
The document is data (``Rules.document``, versioned); this module reads it, says what is wrong
with it (which key, which rule), and turns it into the two forms the lists need: a filter over
the registry's households (set-based, for a list built from the registry) and the reasons one
household falls outside it (for an imported or revised list, in words).

    {"eligible": {"places": ["IQG09Q04"], "sites": ["<site uid>"], "in_camp": true,
                  "statuses": ["active"], "vulnerabilities_any": ["female_headed"],
                  "head_sex": "f", "size_min": 1, "size_max": null},
     "entitlement": {"amount": "440.00", "currency": "USD"}          per household per cycle
                  | {"items": [{"item": "nfi_kit", "quantity": 1}]}
                  | {"by_size": [{"size_min": 1, "size_max": 5, "items": [...]},
                                 {"size_min": 6, "size_max": null, "items": [...]}]},
     "exclusions": [{"rule": "served_recently", "kinds": ["sealing_off_kit"], "days": 90},
                    {"rule": "not_with", "kinds": ["camp_shelter"]}]}

- ``places`` are p-codes of admin units of any level: a household whose place (its camp's unit
  in a camp) lies in one of them. ``sites`` are site uids. ``in_camp`` true: living in a formal
  camp; false: not in one; null: either.
- ``statuses`` are the registry statuses served (``active`` unless a return package serves
  ``returned`` households); a deceased or merged household is never served. A household of
  another status is excluded as ``household_inactive``, not ``not_eligible``.
- Size brackets of ``by_size`` are ascending and do not overlap; a household whose size is in
  no bracket is not eligible. A cash or voucher programme gives an amount in its currency, an
  in-kind one items.
- ``served_recently`` excludes a household served a programme of one of the kinds (any
  organisation's, not this programme's own) within ``days``, and a household a member of which
  is probably the same person as a member of such a served household (``served_as_duplicate``).
  ``not_with`` excludes a household that receives one of the kinds now: ``camp_shelter`` is
  living in a formal camp; another kind is a served receipt of a running programme of that kind
  within its cycles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet

from nahrain.assistance import codelists
from nahrain.geo.models import AdminUnit
from nahrain.registry import codelists as registry_codelists
from nahrain.registry.models import HouseholdStatus, Individual, MemberStatus
from nahrain.sites.models import Site, SiteType

SERVED_STATUSES = (HouseholdStatus.ACTIVE, HouseholdStatus.DEPARTED, HouseholdStatus.RETURNED)
EXCLUSION_RULES = ("served_recently", "not_with")
CAMP_SHELTER = "camp_shelter"
ELIGIBLE_KEYS = (
    "places",
    "sites",
    "in_camp",
    "statuses",
    "vulnerabilities_any",
    "head_sex",
    "size_min",
    "size_max",
)
MAX_DAYS = 3650


@dataclass(frozen=True)
class Bracket:
    size_min: int
    size_max: int | None
    entitlement: dict[str, Any]

    def holds(self, size: int) -> bool:
        return size >= self.size_min and (self.size_max is None or size <= self.size_max)


@dataclass(frozen=True)
class Eligibility:
    places: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    in_camp: bool | None = None
    statuses: tuple[str, ...] = (HouseholdStatus.ACTIVE,)
    vulnerabilities_any: tuple[str, ...] = ()
    head_sex: str | None = None
    size_min: int = 1
    size_max: int | None = None


@dataclass(frozen=True)
class ExclusionRule:
    rule: str
    kinds: tuple[str, ...]
    days: int | None = None


@dataclass(frozen=True)
class Rulebook:
    eligible: Eligibility
    brackets: tuple[Bracket, ...]
    exclusions: tuple[ExclusionRule, ...]

    def entitlement(self, size: int) -> dict[str, Any] | None:
        """What a household of ``size`` members gets per cycle; None when no bracket holds it
        or the size is outside the eligible sizes."""
        if size < self.eligible.size_min:
            return None
        if self.eligible.size_max is not None and size > self.eligible.size_max:
            return None
        for bracket in self.brackets:
            if bracket.holds(size):
                return dict(bracket.entitlement)
        return None

    def sizes(self) -> list[tuple[int, int | None]]:
        """The household sizes entitled, as ranges (the brackets cut by size_min/size_max)."""
        low, high = self.eligible.size_min, self.eligible.size_max
        found = []
        for bracket in self.brackets:
            start = max(low, bracket.size_min)
            ends = [e for e in (high, bracket.size_max) if e is not None]
            end = min(ends) if ends else None
            if end is None or start <= end:
                found.append((start, end))
        return found

    def rules_of(self, rule: str) -> list[ExclusionRule]:
        return [e for e in self.exclusions if e.rule == rule]


class RulesInvalid(ValidationError):
    """The document breaks the rules of rules: ``message_dict`` maps each key (a path such as
    ``entitlement.by_size[1].size_min``) to what is wrong with it."""


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _codes(
    value: Any, key: str, known: Iterable[str], what: str, problems: dict[str, str]
) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems[key] = f"give a list of {what} codes"
        return ()
    unknown = sorted(set(value) - set(known))
    if unknown:
        problems[key] = f"not {what} codes: {', '.join(unknown)}"
    return tuple(dict.fromkeys(value))


def _amount(value: Any, key: str, problems: dict[str, str]) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool):
        problems[key] = 'give the amount as text, e.g. "440.00"'
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        problems[key] = f"{value!r} is not an amount"
        return ""
    if not amount.is_finite() or amount <= 0:
        problems[key] = "the amount must be more than zero"
        return ""
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        problems[key] = "the amount has at most two decimals"
        return ""
    return f"{amount:.2f}"


def _entitlement(
    value: Any, key: str, currency: str | None, modality: str | None, problems: dict[str, str]
) -> dict[str, Any]:
    """One household's entitlement per cycle: an amount in a currency, or items."""
    if not isinstance(value, Mapping):
        problems[key] = "give an amount and currency, or items"
        return {}
    given = {k for k in ("amount", "items") if k in value}
    extra = set(value) - {"amount", "currency", "items"}
    if extra:
        problems[key] = f"unknown keys: {', '.join(sorted(extra))}"
        return {}
    if len(given) != 1:
        problems[key] = "give either an amount (with its currency) or items, not both"
        return {}
    if "amount" in given:
        if modality == "in_kind":
            problems[key] = "an in-kind programme gives items, not an amount"
        amount = _amount(value["amount"], f"{key}.amount", problems)
        found = value.get("currency")
        if not isinstance(found, str) or len(found) != 3 or not found.isalpha():
            problems[f"{key}.currency"] = 'give the currency as three letters, e.g. "USD"'
            return {}
        if currency is not None and found.upper() != currency.upper():
            problems[f"{key}.currency"] = f"the programme pays in {currency}"
        return {"amount": amount, "currency": found.upper()}
    if modality in ("cash", "voucher"):
        problems[key] = "a cash or voucher programme gives an amount, not items"
    if "currency" in value:
        problems[f"{key}.currency"] = "items have no currency"
    items = value["items"]
    if not isinstance(items, list) or not items:
        problems[f"{key}.items"] = "give at least one item"
        return {}
    known = set(codelists.codes("items"))
    found_items: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        at = f"{key}.items[{n}]"
        if not isinstance(item, Mapping) or set(item) != {"item", "quantity"}:
            problems[at] = 'give {"item": code, "quantity": number}'
            continue
        if item["item"] not in known:
            problems[f"{at}.item"] = f"{item['item']!r} is not an item code"
        if not _whole(item["quantity"]) or item["quantity"] < 1:
            problems[f"{at}.quantity"] = "the quantity is a whole number of 1 or more"
        found_items.append({"item": item["item"], "quantity": item["quantity"]})
    if len({i["item"] for i in found_items}) != len(found_items):
        problems[f"{key}.items"] = "each item once"
    return {"items": found_items}


def _size(value: Any, key: str, problems: dict[str, str], *, open_ended: bool) -> int | None:
    if value is None and open_ended:
        return None
    if not _whole(value) or value < 1:
        problems[key] = "a whole number of 1 or more" + (" (or null)" if open_ended else "")
        return None
    return int(value)


def _brackets(
    value: Any, currency: str | None, modality: str | None, problems: dict[str, str]
) -> tuple[Bracket, ...]:
    if not isinstance(value, Mapping):
        problems["entitlement"] = "give the entitlement: an amount, items or brackets by size"
        return ()
    if "by_size" not in value:
        entitled = _entitlement(value, "entitlement", currency, modality, problems)
        return (Bracket(1, None, entitled),)
    if set(value) != {"by_size"}:
        problems["entitlement"] = "brackets by size stand alone (by_size only)"
        return ()
    rows = value["by_size"]
    if not isinstance(rows, list) or not rows:
        problems["entitlement.by_size"] = "give at least one bracket"
        return ()
    brackets: list[Bracket] = []
    for n, row in enumerate(rows):
        at = f"entitlement.by_size[{n}]"
        if not isinstance(row, Mapping):
            problems[at] = "give size_min, size_max and an amount or items"
            continue
        low = _size(row.get("size_min"), f"{at}.size_min", problems, open_ended=False)
        high = _size(row.get("size_max"), f"{at}.size_max", problems, open_ended=True)
        given = {k: v for k, v in row.items() if k not in ("size_min", "size_max")}
        entitled = _entitlement(given, at, currency, modality, problems)
        if low is None:
            continue
        if high is not None and high < low:
            problems[f"{at}.size_max"] = "size_max is below size_min"
            continue
        if brackets:
            before = brackets[-1]
            if before.size_max is None or before.size_max >= low:
                problems[f"{at}.size_min"] = (
                    "brackets go up by size and do not overlap: this one starts inside the one "
                    "before"
                )
        brackets.append(Bracket(low, high, entitled))
    return tuple(brackets)


def _eligibility(value: Any, problems: dict[str, str]) -> Eligibility:
    if value is None:
        return Eligibility()
    if not isinstance(value, Mapping):
        problems["eligible"] = "give the conditions as an object"
        return Eligibility()
    extra = set(value) - set(ELIGIBLE_KEYS)
    if extra:
        problems["eligible"] = f"unknown conditions: {', '.join(sorted(extra))}"
    places: tuple[str, ...] = ()
    if value.get("places"):
        raw = value["places"]
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            problems["eligible.places"] = "give a list of p-codes"
        else:
            places = tuple(dict.fromkeys(raw))
            known = set(AdminUnit.objects.filter(pcode__in=places).values_list("pcode", flat=True))
            unknown = [p for p in places if p not in known]
            if unknown:
                problems["eligible.places"] = f"no admin unit has the p-code {', '.join(unknown)}"
    sites: tuple[str, ...] = ()
    if value.get("sites"):
        raw = value["sites"]
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            problems["eligible.sites"] = "give a list of site identifiers"
        else:
            sites = tuple(dict.fromkeys(raw))
            try:
                known = {
                    str(u) for u in Site.objects.filter(uid__in=sites).values_list("uid", flat=True)
                }
            except ValidationError:
                known = set()
            unknown = [s for s in sites if s not in known]
            if unknown:
                problems["eligible.sites"] = f"no site has the identifier {', '.join(unknown)}"
    in_camp = value.get("in_camp")
    if in_camp is not None and not isinstance(in_camp, bool):
        problems["eligible.in_camp"] = "true, false or null"
        in_camp = None
    statuses: tuple[str, ...] = (HouseholdStatus.ACTIVE,)
    if "statuses" in value:
        statuses = _codes(
            value["statuses"], "eligible.statuses", SERVED_STATUSES, "served status", problems
        )
        if not statuses:
            problems.setdefault("eligible.statuses", "give at least one status")
    vulnerabilities: tuple[str, ...] = ()
    if value.get("vulnerabilities_any"):
        vulnerabilities = _codes(
            value["vulnerabilities_any"],
            "eligible.vulnerabilities_any",
            registry_codelists.codes("vulnerabilities"),
            "vulnerability",
            problems,
        )
    head_sex = value.get("head_sex")
    if head_sex not in (None, "f", "m"):
        problems["eligible.head_sex"] = '"f", "m" or null'
        head_sex = None
    size_min = value.get("size_min", 1)
    size_min = _size(size_min, "eligible.size_min", problems, open_ended=False) or 1
    size_max = _size(value.get("size_max"), "eligible.size_max", problems, open_ended=True)
    if size_max is not None and size_max < size_min:
        problems["eligible.size_max"] = "size_max is below size_min"
    return Eligibility(
        places=places,
        sites=sites,
        in_camp=in_camp,
        statuses=statuses,
        vulnerabilities_any=vulnerabilities,
        head_sex=head_sex,
        size_min=size_min,
        size_max=size_max,
    )


def _exclusions(value: Any, problems: dict[str, str]) -> tuple[ExclusionRule, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems["exclusions"] = "give a list of exclusion rules"
        return ()
    kinds = codelists.codes("assistance_kinds")
    found: list[ExclusionRule] = []
    for n, row in enumerate(value):
        at = f"exclusions[{n}]"
        if not isinstance(row, Mapping) or row.get("rule") not in EXCLUSION_RULES:
            problems[f"{at}.rule"] = f"the rule is one of {', '.join(EXCLUSION_RULES)}"
            continue
        allowed = {"rule", "kinds"} | ({"days"} if row["rule"] == "served_recently" else set())
        extra = set(row) - allowed
        if extra:
            problems[at] = f"unknown keys: {', '.join(sorted(extra))}"
        listed = _codes(row.get("kinds"), f"{at}.kinds", kinds, "assistance kind", problems)
        if not listed:
            problems.setdefault(f"{at}.kinds", "give at least one kind of assistance")
        days = None
        if row["rule"] == "served_recently":
            given = row.get("days")
            if isinstance(given, int) and not isinstance(given, bool) and 1 <= given <= MAX_DAYS:
                days = given
            else:
                problems[f"{at}.days"] = f"a whole number of days from 1 to {MAX_DAYS}"
        found.append(ExclusionRule(row["rule"], listed, days))
    return tuple(found)


def parse(document: Any, *, currency: str | None = None, modality: str | None = None) -> Rulebook:
    """The rules a document says, or ``RulesInvalid`` naming every key that is wrong.
    ``currency`` and ``modality`` are the programme's: an amount is in its currency, a cash or
    voucher programme gives amounts and an in-kind one items."""
    problems: dict[str, str] = {}
    if not isinstance(document, Mapping):
        raise RulesInvalid({"document": "the rules are an object"})
    extra = set(document) - {"eligible", "entitlement", "exclusions"}
    if extra:
        problems["document"] = f"unknown keys: {', '.join(sorted(extra))}"
    eligible = _eligibility(document.get("eligible"), problems)
    if "entitlement" not in document:
        problems["entitlement"] = "give the entitlement: an amount, items or brackets by size"
        brackets: tuple[Bracket, ...] = ()
    else:
        brackets = _brackets(document["entitlement"], currency, modality, problems)
    exclusions = _exclusions(document.get("exclusions"), problems)
    if problems:
        raise RulesInvalid(problems)
    return Rulebook(eligible=eligible, brackets=brackets, exclusions=exclusions)


# --- the filter over the registry and the reasons for one household --------------------------


def units_within(pcodes: Iterable[str]) -> list[int]:
    """The ids of the admin units with these p-codes and every unit below them (three levels
    at most: one query per level)."""
    ids = list(AdminUnit.objects.filter(pcode__in=list(pcodes)).values_list("pk", flat=True))
    found, level = list(ids), ids
    while level:
        level = list(AdminUnit.objects.filter(parent_id__in=level).values_list("pk", flat=True))
        found += level
    return found


def _head_is(sex: str) -> Exists:
    return Exists(
        Individual.objects.filter(
            household=OuterRef("pk"), relationship="head", status=MemberStatus.ACTIVE, sex=sex
        )
    )


def condition_q(eligible: Eligibility, condition: str) -> Q:
    """The filter of one condition over registry households (``reasons`` codes)."""
    if condition == "place":
        return Q(admin_unit_id__in=units_within(eligible.places))
    if condition == "site":
        return Q(site__uid__in=list(eligible.sites))
    if condition == "in_camp":
        return Q(site__type=SiteType.CAMP)
    if condition == "out_of_camp":
        return Q(site__isnull=True) | ~Q(site__type=SiteType.CAMP)
    if condition == "vulnerability":
        # The codes are words of their own, stored quoted in a JSON list: a text match finds
        # them alike on PostgreSQL and SQLite (whose JSON has no "contains").
        found = Q()
        for code in eligible.vulnerabilities_any:
            found |= Q(vulnerabilities__icontains=f'"{code}"')
        return found
    if condition in ("head_sex_f", "head_sex_m"):
        return Q(_head_is(condition[-1]))
    raise KeyError(condition)


def conditions(eligible: Eligibility) -> list[str]:
    """The conditions a document sets, in the order their reasons are given."""
    found = []
    if eligible.places:
        found.append("place")
    if eligible.sites:
        found.append("site")
    if eligible.in_camp is True:
        found.append("in_camp")
    if eligible.in_camp is False:
        found.append("out_of_camp")
    if eligible.vulnerabilities_any:
        found.append("vulnerability")
    if eligible.head_sex:
        found.append(f"head_sex_{eligible.head_sex}")
    return found


def size_q(rulebook: Rulebook) -> Q:
    found = Q(pk__in=[])
    for low, high in rulebook.sizes():
        found |= Q(size__gte=low) if high is None else Q(size__gte=low, size__lte=high)
    return found


def eligible_q(rulebook: Rulebook) -> Q:
    """The rules' eligibility as one filter over registry households (statuses included)."""
    found = Q(status__in=list(rulebook.eligible.statuses)) & size_q(rulebook)
    for condition in conditions(rulebook.eligible):
        found &= condition_q(rulebook.eligible, condition)
    return found


def sizes_text(rulebook: Rulebook) -> str:
    """The entitled sizes as digits the three languages read alike: "1-5, 7+"."""
    return ", ".join(
        f"{low}+" if high is None else (str(low) if low == high else f"{low}-{high}")
        for low, high in rulebook.sizes()
    )


def reasons_by_household(
    rulebook: Rulebook, households: QuerySet[Any, Any]
) -> dict[int, list[dict[str, Any]]]:
    """Why each of these households is not eligible (households of a status the rules do not
    serve are left to ``household_inactive``): ``{household id: [{"code": ..., facts}]}``, one
    query per condition the rules set, whatever the number of households. Eligible households
    are absent."""
    found: dict[int, list[dict[str, Any]]] = {}
    sizes = size_q(rulebook)
    outside = households.exclude(sizes).values_list("pk", "size")
    for pk, size in outside:
        found.setdefault(pk, []).append(
            {"code": "size", "size": size, "sizes": sizes_text(rulebook)}
        )
    for condition in conditions(rulebook.eligible):
        unmet = households.exclude(condition_q(rulebook.eligible, condition))
        for pk in unmet.values_list("pk", flat=True):
            found.setdefault(pk, []).append({"code": condition})
    order = ["size", *conditions(rulebook.eligible)]
    return {
        pk: sorted(reasons, key=lambda r: order.index(r["code"])) for pk, reasons in found.items()
    }
