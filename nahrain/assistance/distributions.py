"""Distributions and what happened to each household there (docs/ASSISTANCE.md).

A distribution serves one cycle of an approved list at a place on a day. Each recording of a
household (``receipt_record``) comes from the distribution's page, from the field form a
monitor fills offline, or, for cash, from the payment provider's report; the same recording sent
again (the same ``key``: the form's instance id, the page's form key, the payment's reference)
records once.

A household is served at most once per programme and cycle. The database holds that rule
(``receipt_served_once``, a partial unique index), not a read before the write: two teams
syncing late at the same moment both try to write a served receipt, the index lets one in, and
the other is kept as a recording that did not serve (``duplicate_of`` the served one), so that
the item it may have handed out shows in the reconciliation. A recording that does not serve
(absent, refused) never touches what was served; a later "received" after an "absent" serves.

A list revised while a team was out: what its phones recorded on the replaced version still
syncs, resolved to the household's entry on the version that stands (``receipt_record``); what
that version does not serve is kept without serving, for the reconciliation's stock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nahrain.assistance import access, codelists, reach
from nahrain.assistance.models import (
    SERVED,
    Distribution,
    DistributionList,
    DistributionStatus,
    ListEntry,
    ListStatus,
    Outcome,
    Programme,
    ProgrammeStatus,
    Receipt,
)
from nahrain.core.services import audit_record
from nahrain.geo.models import AdminUnit
from nahrain.sites.models import Site

# What a recorder may give: the served outcomes at a distribution. "paid" comes from the
# payment provider's report alone (``payments``).
AT_DISTRIBUTION = (Outcome.RECEIVED, Outcome.PROXY, Outcome.ABSENT, Outcome.REFUSED)


def officer_required(actor: User | None, programme: Programme) -> None:
    """Distributions and what they record are personal data of the programme's organisation:
    its assistance officers alone work on them."""
    if actor is None or not access.runs_assistance(actor, programme.organisation):
        raise PermissionDenied("Only the organisation's assistance officers record its assistance.")


# --- entitlements -----------------------------------------------------------------------------


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as bad:
        raise ValidationError(_("%(value)r is not an amount.") % {"value": value}) from bad
    if not amount.is_finite() or amount < 0:
        raise ValidationError(_("%(value)r is not an amount.") % {"value": value})
    return amount.quantize(Decimal("0.01"))


def _items(document: Mapping[str, Any]) -> dict[str, int]:
    """An entitlement's or a recording's items as {item: quantity} (an item named twice adds)."""
    counted: Counter[str] = Counter()
    for line in document.get("items", []) or []:
        try:
            quantity = int(line.get("quantity", 0))
        except (TypeError, ValueError) as bad:
            raise ValidationError(_("A quantity is not a whole number.")) from bad
        if quantity < 0:
            raise ValidationError(_("A quantity is below zero."))
        counted[str(line.get("item", ""))] += quantity
    return {item: n for item, n in counted.items() if n}


def given_normal(document: Mapping[str, Any] | None) -> dict[str, Any]:
    """A recording's ``given`` in the one shape receipts keep: items sorted, amounts to the
    cent, so that a resend compares equal to the first sending."""
    if not document:
        return {}
    out: dict[str, Any] = {}
    items = _items(document)
    if items:
        out["items"] = [{"item": i, "quantity": items[i]} for i in sorted(items)]
    if document.get("amount") not in (None, ""):
        out["amount"] = str(_amount(document["amount"]))
        out["currency"] = str(document.get("currency", "") or "").upper()
    return out


def beyond_entitlement(given: Mapping[str, Any], entitlement: Mapping[str, Any]) -> str:
    """What in ``given`` lies outside the entitlement, in words; empty when nothing does."""
    entitled = _items(entitlement)
    for item, quantity in _items(given).items():
        if quantity > entitled.get(item, 0):
            return _("%(quantity)s %(item)s given, %(entitled)s entitled") % {
                "quantity": quantity,
                "item": item,
                "entitled": entitled.get(item, 0),
            }
    if given.get("amount") not in (None, ""):
        if entitlement.get("amount") in (None, ""):
            return _("an amount given where the entitlement is in kind")
        if str(given.get("currency", "")).upper() != str(entitlement.get("currency", "")).upper():
            return _("paid in %(given)s, entitled in %(entitled)s") % {
                "given": given.get("currency", ""),
                "entitled": entitlement.get("currency", ""),
            }
        if _amount(given["amount"]) > _amount(entitlement["amount"]):
            return _("%(given)s given, %(entitled)s entitled") % {
                "given": given["amount"],
                "entitled": entitlement["amount"],
            }
    return ""


def _stock(document: Mapping[str, Any] | None, what: str) -> dict[str, int]:
    """A stock ({item: quantity}) of known items and whole quantities of 0 or more."""
    known = set(codelists.codes("items"))
    out: dict[str, int] = {}
    for item, quantity in (document or {}).items():
        if item not in known:
            raise ValidationError(
                {what: _("%(item)r is not an item of the list.") % {"item": item}}
            )
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            raise ValidationError({what: _("A quantity is not a whole number of 0 or more.")})
        out[item] = quantity
    return out


# --- distributions ----------------------------------------------------------------------------


def cycle_checked(programme: Programme, cycle: int) -> None:
    if not 1 <= cycle <= programme.cycles:
        raise ValidationError(
            {
                "cycle": _("The programme has cycles 1 to %(cycles)s; %(cycle)s is not one.")
                % {"cycles": programme.cycles, "cycle": cycle}
            }
        )


def list_checked(programme: Programme, distribution_list: DistributionList) -> None:
    if distribution_list.programme_id != programme.pk:
        raise ValidationError({"list": _("The list is another programme's.")})
    if distribution_list.status != ListStatus.APPROVED:
        raise ValidationError(
            {
                "list": _("Only an approved list is distributed; this one is “%(status)s”.")
                % {"status": distribution_list.get_status_display()}
            }
        )


@transaction.atomic
def distribution_create(
    *,
    actor: User | None,
    programme: Programme,
    distribution_list: DistributionList,
    cycle: int,
    planned_on: Any,
    site: Site | None = None,
    admin_unit: AdminUnit | None = None,
    place: str = "",
    team: str = "",
    stock: Mapping[str, int] | None = None,
) -> Distribution:
    """Plan a distribution of one cycle of the programme's approved list."""
    officer_required(actor, programme)
    if programme.status == ProgrammeStatus.CLOSED:
        raise ValidationError(_("The programme is closed."))
    list_checked(programme, distribution_list)
    cycle_checked(programme, cycle)
    distribution = Distribution(
        programme=programme,
        list=distribution_list,
        cycle=cycle,
        planned_on=planned_on,
        site=site,
        admin_unit=admin_unit if admin_unit is not None else (site.admin_unit if site else None),
        place=place.strip(),
        team=team.strip(),
        stock=_stock(stock, "stock"),
        created_by=actor,
    )
    distribution.full_clean()
    distribution.save()
    audit_record(
        actor=actor,
        action="assistance.distribution_create",
        object_type="assistance.distribution",
        object_id=distribution.uid,
        organisation=programme.organisation,
        detail={"list": str(distribution_list.uid), "cycle": cycle},
    )
    return distribution


def _locked(actor: User | None, distribution: Distribution) -> Distribution:
    locked = (
        Distribution.objects.select_for_update()
        .select_related("programme__organisation", "list")
        .get(pk=distribution.pk)
    )
    officer_required(actor, locked.programme)
    return locked


@transaction.atomic
def distribution_open(*, actor: User | None, distribution: Distribution) -> Distribution:
    """Start recording: the team is at the distribution point."""
    locked = _locked(actor, distribution)
    if locked.status != DistributionStatus.PLANNED:
        raise ValidationError(_("Only a planned distribution is opened."))
    list_checked(locked.programme, locked.list)
    locked.status = DistributionStatus.OPEN
    locked.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="assistance.distribution_open",
        object_type="assistance.distribution",
        object_id=locked.uid,
        organisation=locked.programme.organisation,
    )
    return locked


@transaction.atomic
def distribution_close(
    *, actor: User | None, distribution: Distribution, returned: Mapping[str, int]
) -> Distribution:
    """End the day with what came back to the warehouse. Recordings made on the day that sync
    later are still taken: the reconciliation follows them."""
    locked = _locked(actor, distribution)
    if locked.status != DistributionStatus.OPEN:
        raise ValidationError(_("Only a distribution under way is closed."))
    locked.returned = _stock(returned, "returned")
    for item, quantity in locked.returned.items():
        if quantity > locked.stock.get(item, 0):
            raise ValidationError(
                {"returned": _("More %(item)s returned than brought.") % {"item": item}}
            )
    locked.status = DistributionStatus.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "returned", "closed_at"])
    audit_record(
        actor=actor,
        action="assistance.distribution_close",
        object_type="assistance.distribution",
        object_id=locked.uid,
        organisation=locked.programme.organisation,
    )
    return locked


# --- receipts ---------------------------------------------------------------------------------


def _refuse(message: str, what: str = "entry") -> ValidationError:
    return ValidationError({what: message})


def _entry_of(distribution: Distribution, entry: ListEntry | None, token: str | None) -> ListEntry:
    """The household's entry on the distribution's list, by itself or by its token."""
    if entry is None and not (token or "").strip():
        raise _refuse(_("Name the household by its entry or its token."))
    found = ListEntry.objects.filter(list_id=distribution.list_id)
    if entry is not None:
        found = found.filter(pk=entry.pk)
    else:
        found = found.filter(token=(token or "").strip().upper())
    one = found.select_related("household", "site").first()
    if one is None:
        raise _refuse(_("The household is not on this distribution's list."), "token")
    if not one.included:
        raise _refuse(_("The household was excluded from the list; it is not served."))
    return one


@dataclass(frozen=True)
class _Recording:
    """One recording as asked, in the shape a receipt keeps it: two sendings compare equal
    exactly when they record the same thing. The household, not its entry: a recording made on
    a list since replaced is kept against the entry of the list that stands (``receipt_record``),
    and its resend still names the entry the phone had."""

    distribution_id: int | None
    household_id: int
    outcome: str
    recorded_at: datetime
    proxy_name: str
    proxy_relation: str
    given: dict[str, Any]

    @classmethod
    def of(cls, receipt: Receipt) -> _Recording:
        return cls(
            receipt.distribution_id,
            receipt.household_id,
            receipt.outcome,
            receipt.recorded_at,
            receipt.proxy_name,
            receipt.proxy_relation,
            given_normal(receipt.given),
        )


def _resent(found: Receipt, asked: _Recording) -> Receipt:
    """A key already used: the same recording sent again answers with the first receipt; the
    key of another recording is a mistake the sender must hear about."""
    if _Recording.of(found) != asked:
        raise _refuse(
            _("This key already records another recording; a new recording needs a new key."),
            "key",
        )
    return found


def _written(receipt: Receipt) -> bool:
    """Insert the receipt inside a savepoint; false when a unique constraint refused it (the
    transaction around it goes on)."""
    try:
        with transaction.atomic():
            receipt.save(force_insert=True)
    except IntegrityError:
        receipt.pk = None
        return False
    return True


def _placed_in(entry: ListEntry) -> Any:
    """The admin unit reach counts the entry's household in: the entry's own, else its site's
    (``reach``); none when the list knows neither."""
    if entry.admin_unit_id is not None:
        return entry.admin_unit_id
    return entry.site.admin_unit_id if entry.site is not None else None


def receipt_write(
    *,
    actor: User | None,
    programme: Programme,
    cycle: int,
    entry: ListEntry,
    distribution: Distribution | None,
    outcome: str,
    key: str,
    recorded_at: datetime,
    proxy_name: str = "",
    proxy_relation: str = "",
    given: Mapping[str, Any] | None = None,
    on_replaced_list: bool = False,
) -> Receipt:
    """Write one recording (the one path for distributions and payments; see the module).
    ``on_replaced_list``: a recording made on a list since replaced, for a household the list
    that stands does not serve so (``receipt_record``): kept, never serving."""
    officer_required(actor, programme)
    key = key.strip()
    if not key or len(key) > Receipt._meta.get_field("key").max_length:  # type: ignore[operator]
        raise _refuse(_("A recording needs a key of 1 to 120 characters."), "key")
    if outcome not in Outcome.values:
        raise _refuse(_("%(outcome)r is not an outcome.") % {"outcome": outcome}, "outcome")
    if timezone.is_naive(recorded_at):
        raise _refuse(_("The time of the recording has no time zone."), "recorded_at")
    serves = outcome in SERVED and not on_replaced_list
    proxy_name = proxy_name.strip() if outcome == Outcome.PROXY else ""
    proxy_relation = proxy_relation.strip() if outcome == Outcome.PROXY else ""
    if outcome == Outcome.PROXY and not proxy_name:
        raise _refuse(_("Name the proxy who collected for the household."), "proxy_name")
    if outcome in SERVED:
        given_now = given_normal(entry.entitlement if given is None else given)
    else:
        given_now = given_normal(given)
        if given_now:
            raise _refuse(_("Nothing is handed out to an absent or refusing household."), "given")
    asked = _Recording(
        distribution.pk if distribution else None,
        entry.household_id,
        outcome,
        recorded_at,
        proxy_name,
        proxy_relation,
        given_now,
    )
    found = Receipt.objects.filter(programme=programme, key=key).first()
    if found is not None:
        return _resent(found, asked)
    cycle_checked(programme, cycle)
    beyond = beyond_entitlement(given_now, entry.entitlement)
    if beyond:
        raise _refuse(
            _("Beyond the household's entitlement: %(beyond)s.") % {"beyond": beyond}, "given"
        )
    receipt = Receipt(
        distribution=distribution,
        programme=programme,
        cycle=cycle,
        entry=entry,
        household_id=entry.household_id,
        outcome=outcome,
        served=serves,
        proxy_name=proxy_name,
        proxy_relation=proxy_relation,
        given=given_now,
        recorded_at=recorded_at,
        recorded_by=actor,
        key=key,
    )
    if not _written(receipt):
        # Refused by a unique constraint: the key (the same recording sent twice at once) or,
        # for a served outcome, the household's served receipt of the cycle that another
        # recording committed first. Read after the refusal, both are committed and visible.
        found = Receipt.objects.filter(programme=programme, key=key).first()
        if found is not None:
            return _resent(found, asked)
        receipt.served = False
        receipt.duplicate_of = Receipt.objects.get(
            programme=programme, cycle=cycle, household_id=entry.household_id, served=True
        )
        if not _written(receipt):
            found = Receipt.objects.get(programme=programme, key=key)
            return _resent(found, asked)
    audit_record(
        actor=actor,
        action="assistance.receipt_record",
        object_type="assistance.receipt",
        object_id=receipt.uid,
        organisation=programme.organisation,
        detail={
            "distribution": str(distribution.uid) if distribution else "",
            "outcome": outcome,
            "served": receipt.served,
            "duplicate": receipt.duplicate_of_id is not None,
            "on_replaced_list": on_replaced_list,
        },
    )
    if receipt.served:
        # Where reach counts the household (never the distribution's place: a camp's household
        # served at a point in the next district counts in its camp's), refreshed once per
        # programme and district after the transaction commits, however many receipts it
        # wrote. Robust: the receipt is committed whatever the rollup does; a failed refresh
        # is logged and made good by the next one, never reported as a lost recording.
        reach.refresh_on_commit(programme_id=programme.pk, admin_unit_id=_placed_in(entry))
    return receipt


def _standing(replaced: DistributionList) -> DistributionList | None:
    """The approved list that replaced this one, through the versions since; none if nothing
    stands in its line (never the case once a revision is approved: approving it is what
    replaced the list)."""
    seen = {replaced.pk}
    found = replaced
    while found.status == ListStatus.SUPERSEDED:
        following = DistributionList.objects.filter(
            supersedes=found, status__in=[ListStatus.APPROVED, ListStatus.SUPERSEDED]
        ).first()
        if following is None or following.pk in seen:
            return None
        seen.add(following.pk)
        found = following
    return found if found.status == ListStatus.APPROVED else None


def _on_standing_list(
    listed: ListEntry, outcome: str, given: Mapping[str, Any] | None
) -> ListEntry | None:
    """The household's entry on the list that replaced ``listed``'s, when that entry serves
    this recording: the household included there and, for a served outcome, what was given
    within its entitlement there. None: the recording is kept without serving."""
    standing = _standing(listed.list)
    if standing is None:
        return None
    entry = (
        ListEntry.objects.filter(list=standing, household_id=listed.household_id, included=True)
        .select_related("household", "site")
        .first()
    )
    if entry is None:
        return None
    if outcome in SERVED and beyond_entitlement(given_normal(given), entry.entitlement):
        return None
    return entry


@transaction.atomic
def receipt_record(
    *,
    actor: User | None,
    distribution: Distribution,
    entry: ListEntry | None = None,
    token: str | None = None,
    outcome: str,
    key: str,
    recorded_at: datetime,
    proxy_name: str = "",
    proxy_relation: str = "",
    given: Mapping[str, Any] | None = None,
) -> Receipt:
    """Record what happened to a household (by its entry or its token) at the distribution.

    Idempotent by ``key``. Refused: a household not included on the distribution's list, a
    discarded list, a distribution not yet opened, a cycle outside the programme's, a proxy
    without a name, anything given beyond the household's entitlement (``given`` defaults to
    the entitlement when the household is served). A recording that would serve a household
    already served in the cycle is kept, not served, with ``duplicate_of`` the served receipt.

    A list revised since the phone took it: what the team did is not lost. The recording is
    resolved to the household's entry on the approved list that replaced it (tokens are kept
    across versions) and serves there as on any list, when the household is included there and
    what was given lies within its entitlement there. Otherwise (excluded or gone from the list
    that stands, or given more than it now allows) it is kept without serving, on the entry the
    phone had: a served outcome with ``served`` false and no ``duplicate_of``, which the
    reconciliation shows as recorded on a list since replaced, its items accounted for."""
    current = Distribution.objects.select_related("programme__organisation", "list").get(
        pk=distribution.pk
    )
    # Before anything is looked up: whether a token is on the list is personal data too.
    officer_required(actor, current.programme)
    if outcome not in AT_DISTRIBUTION:
        raise _refuse(
            _("“%(outcome)s” is not recorded at a distribution.") % {"outcome": outcome},
            "outcome",
        )
    listed = _entry_of(current, entry, token)
    # What the phone's list entitled the household to, unless the recorder said otherwise: a
    # resend and a recording resolved to the list that stands compare it alike.
    if given is None and outcome in SERVED:
        given = listed.entitlement
    written_on, on_replaced_list = listed, False
    found = Receipt.objects.filter(programme_id=current.programme_id, key=key.strip()).first()
    if found is None:
        # A resend is answered whatever the list has become since; a new recording is checked.
        if current.status == DistributionStatus.PLANNED:
            raise _refuse(_("The distribution has not been opened."), "distribution")
        if current.list.status == ListStatus.SUPERSEDED:
            standing = _on_standing_list(listed, outcome, given)
            written_on = standing or listed
            on_replaced_list = standing is None
        elif current.list.status != ListStatus.APPROVED:
            raise _refuse(
                _("The distribution's list is “%(status)s”: record on the approved list.")
                % {"status": current.list.get_status_display()},
                "list",
            )
    return receipt_write(
        actor=actor,
        programme=current.programme,
        cycle=current.cycle,
        entry=written_on,
        distribution=current,
        outcome=outcome,
        key=key,
        recorded_at=recorded_at,
        proxy_name=proxy_name,
        proxy_relation=proxy_relation,
        given=given,
        on_replaced_list=on_replaced_list,
    )


# --- reconciliation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reconciliation:
    """What a distribution planned, what its recordings say happened, and what its stock says.

    Households: ``planned`` (included on the list) = ``served`` (here) + ``served_elsewhere``
    (in the same cycle, at another distribution or by payment) + ``absent`` + ``refused`` +
    ``on_replaced_list`` (the last recording here, not served: for the last, handed out but
    recorded on a list since replaced that does not serve the household so, see
    ``receipt_record``) + ``not_seen`` (no recording). ``duplicates`` counts the recordings kept
    because the household was already served in the cycle. Items: ``handed_out`` to served
    households, ``handed_to_duplicates`` and ``handed_on_replaced_list`` beside them, ``stock``
    brought, ``returned``, and ``unaccounted`` = stock - handed out (all three) - returned
    (negative: more went out than came)."""

    planned: int
    served: int
    served_by_proxy: int
    served_elsewhere: int
    absent: int
    refused: int
    not_seen: int
    duplicates: int
    on_replaced_list: int
    handed_out: dict[str, int]
    handed_to_duplicates: dict[str, int]
    handed_on_replaced_list: dict[str, int]
    stock: dict[str, int]
    returned: dict[str, int]
    unaccounted: dict[str, int]
    paid: Decimal
    currency: str


def reconciliation(distribution: Distribution) -> Reconciliation:
    included = ListEntry.objects.filter(list_id=distribution.list_id, included=True)
    planned = set(included.values_list("household_id", flat=True))
    here = list(Receipt.objects.filter(distribution=distribution).order_by("recorded_at", "pk"))
    served_here = {r.household_id: r for r in here if r.served}
    served_elsewhere = set(
        Receipt.objects.filter(
            programme_id=distribution.programme_id,
            cycle=distribution.cycle,
            served=True,
            household_id__in=planned,
        )
        .exclude(distribution=distribution)
        .values_list("household_id", flat=True)
    )
    last: dict[int, str] = {}
    for receipt in here:
        if not receipt.served and receipt.duplicate_of_id is None:
            # A served outcome that does not serve, and is no duplicate: recorded on a list
            # since replaced (``receipt_record``).
            last[receipt.household_id] = (
                "replaced" if receipt.outcome in SERVED else receipt.outcome
            )
    absent = refused = replaced = 0
    for household, outcome in last.items():
        if household in served_here or household in served_elsewhere:
            continue
        absent += outcome == Outcome.ABSENT
        refused += outcome == Outcome.REFUSED
        replaced += outcome == "replaced"
    handed: Counter[str] = Counter()
    to_duplicates: Counter[str] = Counter()
    on_replaced: Counter[str] = Counter()
    paid = Decimal("0")
    currency = distribution.programme.currency
    duplicates = 0
    for receipt in here:
        if receipt.duplicate_of_id is not None:
            duplicates += 1
            to_duplicates.update(_items(receipt.given))
        elif not receipt.served and receipt.outcome in SERVED:
            on_replaced.update(_items(receipt.given))
        elif receipt.served:
            handed.update(_items(receipt.given))
            if receipt.given.get("amount"):
                paid += _amount(receipt.given["amount"])
                currency = receipt.given.get("currency") or currency
    stock = dict(distribution.stock)
    returned = dict(distribution.returned)
    items = set(stock) | set(returned) | set(handed) | set(to_duplicates) | set(on_replaced)
    unaccounted = {
        item: stock.get(item, 0)
        - handed[item]
        - to_duplicates[item]
        - on_replaced[item]
        - returned.get(item, 0)
        for item in sorted(items)
    }
    served_count = len(served_here.keys() & planned)
    elsewhere = len(served_elsewhere - served_here.keys())
    return Reconciliation(
        planned=len(planned),
        served=served_count,
        served_by_proxy=sum(1 for r in served_here.values() if r.outcome == Outcome.PROXY),
        served_elsewhere=elsewhere,
        absent=absent,
        refused=refused,
        not_seen=len(planned) - served_count - elsewhere - absent - refused - replaced,
        duplicates=duplicates,
        on_replaced_list=replaced,
        handed_out=dict(sorted(handed.items())),
        handed_to_duplicates=dict(sorted(to_duplicates.items())),
        handed_on_replaced_list=dict(sorted(on_replaced.items())),
        stock=stock,
        returned=returned,
        unaccounted=unaccounted,
        paid=paid,
        currency=currency,
    )
