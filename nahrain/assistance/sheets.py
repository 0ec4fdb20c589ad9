"""The printable household list of a distribution: each included household with its token, as
text and as a QR code a monitor's phone scans into the distribution field form, what it is
entitled to, and whether it was already served in the cycle.

The QR code holds the token alone: a code read by anyone's phone gives away nothing about the
household. The names and numbers on the sheet are what the team checks at the gate: personal
data of the programme's organisation, read by its assistance officers alone, each read audited.
"""

from __future__ import annotations

from dataclasses import dataclass

import segno
from django.db.models import Prefetch
from django.http import Http404

from nahrain.assistance import access, codelists
from nahrain.assistance.distributions import given_normal, planned_entries
from nahrain.assistance.models import Distribution, Receipt
from nahrain.core.access import AnyUser
from nahrain.core.services import audit_record
from nahrain.registry.models import Individual, MemberStatus


def qr_svg(text: str) -> str:
    """The QR code of ``text`` as an inline SVG element (no XML declaration), scaled for a
    printed A4 list; medium error correction survives a creased or smudged sheet."""
    return str(segno.make(text, micro=False, error="m").svg_inline(scale=3))


def entitlement_words(entitlement: dict[str, object], language: str | None = None) -> str:
    """An entitlement as the sheet reads it: "1 NFI kit, 2 Blanket" or "220.00 USD"."""
    normal = given_normal(entitlement)
    parts = [
        f"{line['quantity']} {codelists.label('items', str(line['item']), language)}"
        for line in normal.get("items", [])
    ]
    if normal.get("amount"):
        parts.append(f"{normal['amount']} {normal.get('currency', '')}".strip())
    return ", ".join(parts)


@dataclass(frozen=True)
class SheetRow:
    position: int
    number: str  # the household's registration number
    head_ar: str  # the head's name chain in Arabic script
    head_lat: str  # and in Latin script, where known
    people: int
    token: str
    qr: str  # inline SVG of the token
    entitlement: str
    outcome: str  # the last recording of the household here ("" when none), a code of outcomes
    served: bool  # served in the cycle, here or elsewhere


# Households on one printed page of the sheet: a list of 100,000 households is printed, and
# rendered, a part at a time.
PAGE_ROWS = 500


@dataclass(frozen=True)
class Sheet:
    distribution: Distribution
    rows: list[SheetRow]
    page: int  # from 1
    pages: int  # at least 1
    households: int  # on the whole sheet


def _chain(head: Individual | None, script: str) -> str:
    if head is None:
        return ""
    parts = ("first", "father", "grandfather", "family")
    return " ".join(n for n in (getattr(head, f"{p}_{script}") for p in parts) if n)


def distribution_sheet(*, user: AnyUser, distribution: Distribution, page: int = 1) -> Sheet:
    """One page (``PAGE_ROWS`` households) of the distribution's printable list: the households
    it serves (at its site or in its area, ``distributions.planned_entries``) ordered by
    registration number (the order the gate calls households in); a page past the last is the
    last. 404 for anyone but the organisation's assistance officers."""
    if not access.runs_assistance(user, distribution.programme.organisation):
        raise Http404
    planned = planned_entries(distribution)
    households = planned.count()
    pages = max(1, -(-households // PAGE_ROWS))
    page = min(max(1, page), pages)
    start = (page - 1) * PAGE_ROWS
    heads = Individual.objects.filter(relationship="head", status=MemberStatus.ACTIVE)
    entries = list(
        planned.select_related("household")
        .prefetch_related(Prefetch("household__members", queryset=heads, to_attr="heads"))
        .order_by("household__number", "pk")[start : start + PAGE_ROWS]
    )
    on_page = [entry.household_id for entry in entries]
    served = set(
        Receipt.objects.filter(
            programme_id=distribution.programme_id,
            cycle=distribution.cycle,
            served=True,
            household_id__in=on_page,
        ).values_list("household_id", flat=True)
    )
    last: dict[int, str] = {}
    for household, outcome in (
        Receipt.objects.filter(
            distribution=distribution, duplicate_of__isnull=True, household_id__in=on_page
        )
        .order_by("recorded_at", "pk")
        .values_list("household_id", "outcome")
    ):
        last[household] = outcome
    rows = []
    for position, entry in enumerate(entries, start=start + 1):
        head = entry.household.heads[0] if entry.household.heads else None  # type: ignore[attr-defined]
        rows.append(
            SheetRow(
                position=position,
                number=entry.household.number,
                head_ar=_chain(head, "ar"),
                head_lat=_chain(head, "lat"),
                people=entry.people,
                token=entry.token,
                qr=qr_svg(entry.token),
                entitlement=entitlement_words(entry.entitlement),
                outcome=last.get(entry.household_id, ""),
                served=entry.household_id in served,
            )
        )
    audit_record(
        actor=user if user.is_authenticated else None,
        action="assistance.sheet_read",
        object_type="assistance.distribution",
        object_id=distribution.uid,
        organisation=distribution.programme.organisation,
        detail={"households": len(rows), "page": page},
    )
    return Sheet(
        distribution=distribution, rows=rows, page=page, pages=pages, households=households
    )
