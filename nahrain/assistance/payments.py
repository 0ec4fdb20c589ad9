"""Cash transfers: a cycle's payment list exported in a payment provider's format and reconciled
from the provider's report (docs/ASSISTANCE.md, "Cash").

- **Export** (``payments_export``): one payment per household included on an approved list and
  not yet served in the cycle, nor waiting on a payment already sent for it; each with a random
  reference the provider quotes back. The file (``payments_file``) is written in the provider's
  columns (``data/payment_formats.json``), with the head's name and the household's phone from
  the registry: an export of personal data, audited.
- **Reconciliation** (``payments_reconcile``, through the intake spec ``assistance.payments``):
  each reference's status (paid, failed, returned). Paid, the payment is the household's
  served receipt of the cycle (outcome "paid", recorded through ``distributions.receipt_write``
  under the payment's reference), so that the database's one-served-receipt rule holds for cash
  too: a household is never paid twice in a cycle by this system. A failed or returned payment
  leaves the household unserved; the next export of the cycle sends it again.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook

from nahrain.assistance.distributions import (
    cycle_checked,
    given_normal,
    list_checked,
    officer_required,
    receipt_write,
)
from nahrain.assistance.models import (
    DistributionList,
    ListEntry,
    Outcome,
    Payment,
    PaymentBatch,
    PaymentStatus,
    Programme,
    ProgrammeStatus,
    Receipt,
)
from nahrain.core.services import audit_record
from nahrain.intake.readers import neutralise
from nahrain.registry.models import Individual, MemberStatus

FORMATS_FILE = Path(__file__).resolve().parent / "data" / "payment_formats.json"
# References the provider quotes back: random, unambiguous when read over the phone.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@cache
def _formats() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FORMATS_FILE.read_text(encoding="utf-8"))
    return data


def payment_formats() -> list[dict[str, Any]]:
    """The providers' formats, in the file's order."""
    return list(_formats()["formats"])


def payment_format(code: str) -> dict[str, Any]:
    for found in payment_formats():
        if found["code"] == code:
            return found
    raise ValidationError({"provider": _("%(code)r is not a payment format.") % {"code": code}})


def format_label(found: dict[str, Any], language: str | None = None) -> str:
    language = (language or get_language() or "en").split("-")[0]
    return str(found.get(f"label_{language}") or found["label_en"])


def status_of(word: str) -> str | None:
    """A provider's word for a payment's status as paid, failed or returned; None when it says
    none of them."""
    folded = " ".join(word.casefold().split())
    for status, words in _formats()["statuses"].items():
        if folded in words:
            return str(status)
    return None


def _reference() -> str:
    return "NP" + "".join(secrets.choice(ALPHABET) for _ in range(10))


# --- export -----------------------------------------------------------------------------------


@transaction.atomic
def payments_export(
    *,
    actor: User | None,
    programme: Programme,
    distribution_list: DistributionList,
    cycle: int,
    provider: str,
) -> PaymentBatch:
    """The cycle's payments of the list's households not yet paid (see the module)."""
    officer_required(actor, programme)
    found = payment_format(provider)
    # Exports of one programme are made one after the other: two at once would each see the
    # other's households as unpaid.
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if programme.status == ProgrammeStatus.CLOSED:
        raise ValidationError(_("The programme is closed."))
    if programme.modality != "cash":
        raise ValidationError(_("Only a cash programme's list is exported for payment."))
    list_checked(programme, distribution_list)
    cycle_checked(programme, cycle)
    if programme.currency not in found["currencies"]:
        raise ValidationError(
            {
                "provider": _("%(provider)s pays in %(currencies)s, the programme in %(currency)s.")
                % {
                    "provider": format_label(found),
                    "currencies": ", ".join(found["currencies"]),
                    "currency": programme.currency,
                }
            }
        )
    served = Receipt.objects.filter(programme=programme, cycle=cycle, served=True)
    waiting = Payment.objects.filter(
        batch__programme=programme, batch__cycle=cycle, status=PaymentStatus.PENDING
    )
    entries = list(
        ListEntry.objects.filter(list=distribution_list, included=True)
        .exclude(household_id__in=served.values("household_id"))
        .exclude(household_id__in=waiting.values("entry__household_id"))
        .order_by("pk")
    )
    if not entries:
        raise ValidationError(
            _("Every household of the list is paid or waiting for payment in cycle %(cycle)s.")
            % {"cycle": cycle}
        )
    payments = []
    for entry in entries:
        entitled = given_normal(entry.entitlement)
        if not entitled.get("amount") or entitled.get("currency") != programme.currency:
            raise ValidationError(
                _("A household's entitlement is not an amount in %(currency)s.")
                % {"currency": programme.currency}
            )
        payments.append((entry, Decimal(entitled["amount"])))
    batch = PaymentBatch.objects.create(
        programme=programme,
        list=distribution_list,
        cycle=cycle,
        provider=provider,
        exported_by=actor,
    )
    Payment.objects.bulk_create(
        Payment(
            batch=batch,
            entry=entry,
            amount=amount,
            currency=programme.currency,
            reference=_reference(),
        )
        for entry, amount in payments
    )
    audit_record(
        actor=actor,
        action="assistance.payments_export",
        object_type="assistance.payment_batch",
        object_id=batch.uid,
        organisation=programme.organisation,
        detail={
            "list": str(distribution_list.uid),
            "cycle": cycle,
            "provider": provider,
            "payments": len(payments),
        },
    )
    return batch


@dataclass(frozen=True)
class PaymentFile:
    name: str
    content_type: str
    data: bytes


def _chain(head: Individual | None, script: str) -> str:
    if head is None:
        return ""
    parts = ("first", "father", "grandfather", "family")
    return " ".join(n for n in (getattr(head, f"{p}_{script}") for p in parts) if n)


def _phone_international(phone: str) -> str:
    """An Iraqi mobile number as a wallet is named: 9647XXXXXXXXX."""
    digits = "".join(c for c in phone if c.isdigit())
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("0"):
        digits = "964" + digits[1:]
    return digits


def _phone_local(phone: str) -> str:
    digits = _phone_international(phone)
    return "0" + digits[3:] if digits.startswith("964") else digits


def payments_file(*, actor: User | None, batch: PaymentBatch) -> PaymentFile:
    """The batch's payments waiting for the provider, in its columns (CSV in UTF-8 with a BOM,
    which Excel opens with the Arabic names right; or XLSX). Audited: the file holds names and
    phone numbers."""
    officer_required(actor, batch.programme)
    found = payment_format(batch.provider)
    heads = Individual.objects.filter(relationship="head", status=MemberStatus.ACTIVE)
    payments = (
        batch.payments.filter(status=PaymentStatus.PENDING)
        .select_related("entry__household")
        .prefetch_related(Prefetch("entry__household__members", queryset=heads, to_attr="heads"))
        .order_by("pk")
    )
    rows = []
    for payment in payments:
        household = payment.entry.household
        head = household.heads[0] if household.heads else None  # type: ignore[attr-defined]
        values = {
            "reference": payment.reference,
            "amount": str(payment.amount),
            "currency": payment.currency,
            "head_name_ar": _chain(head, "ar"),
            "head_name_lat": _chain(head, "lat"),
            "phone_local": _phone_local(household.phone),
            "phone_international": _phone_international(household.phone),
            "household": household.number,
            "programme": batch.programme.code,
            "cycle": str(batch.cycle),
        }
        rows.append([neutralise(values[c["value"]]) for c in found["columns"]])
    headers = [c["header"] for c in found["columns"]]
    stem = f"{batch.programme.code}-cycle{batch.cycle}-{found['code']}-{str(batch.uid)[:8]}"
    if found["file"] == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("payments")
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        made = PaymentFile(
            f"{stem}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            buffer.getvalue(),
        )
    else:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(rows)
        made = PaymentFile(f"{stem}.csv", "text/csv", text.getvalue().encode("utf-8-sig"))
    audit_record(
        actor=actor,
        action="assistance.payments_file",
        object_type="assistance.payment_batch",
        object_id=batch.uid,
        organisation=batch.programme.organisation,
        detail={"provider": batch.provider, "payments": len(rows)},
    )
    return made


# --- reconciliation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentReport:
    """One row of the provider's report, as the intake spec read it."""

    row: int
    reference: str
    status: str  # paid, failed or returned
    provider_reference: str = ""
    reason: str = ""
    paid_at: datetime | None = None


@dataclass(frozen=True)
class Reconciled:
    paid: int
    failed: int
    returned: int
    unchanged: int  # reported again with the status they have
    paid_twice: list[int]  # rows of payments to a household served otherwise in the cycle


def reconcile_refusal(payment: Payment, status: str) -> str:
    """Why a payment cannot take the reported status, in words; empty when it can. A payment is
    reconciled once: a report that changes a reconciled status is settled with the provider."""
    if payment.status in (PaymentStatus.PENDING, status):
        return ""
    return _("Reconciled before as “%(status)s”.") % {"status": payment.get_status_display()}


@transaction.atomic
def payments_reconcile(
    *, actor: User | None, batch: PaymentBatch, reports: Sequence[PaymentReport]
) -> Reconciled:
    """Set each reported payment's status; a paid one becomes the household's receipt of the
    cycle. The intake spec has checked the rows (known references, once each, known statuses);
    a report that changes a reconciled payment is refused here too."""
    officer_required(actor, batch.programme)
    locked = PaymentBatch.objects.select_for_update().select_related("programme").get(pk=batch.pk)
    # The payments locked, not the entries and sites read with them (for where reach counts a
    # paid household; PostgreSQL locks no row on the outer-joined side of a nullable site).
    by_reference = {
        p.reference: p
        for p in locked.payments.select_for_update(of=("self",))
        .select_related("entry__site")
        .filter(reference__in=[r.reference for r in reports])
    }
    now = timezone.now()
    counted = {"paid": 0, "failed": 0, "returned": 0, "unchanged": 0}
    paid_twice = []
    for report in reports:
        payment = by_reference.get(report.reference)
        if payment is None:
            raise ValidationError(
                _("Row %(row)s: not a payment of the batch.") % {"row": report.row}
            )
        refusal = reconcile_refusal(payment, report.status)
        if refusal:
            raise ValidationError(_("Row %(row)s: %(why)s") % {"row": report.row, "why": refusal})
        if payment.status == report.status:
            counted["unchanged"] += 1
            continue
        payment.status = report.status
        payment.provider_reference = report.provider_reference[:60]
        payment.reason = report.reason[:200]
        payment.reconciled_at = now
        if report.status == PaymentStatus.PAID:
            receipt = receipt_write(
                actor=actor,
                programme=locked.programme,
                cycle=locked.cycle,
                entry=payment.entry,
                distribution=None,
                outcome=Outcome.PAID,
                key=payment.reference,
                recorded_at=report.paid_at or now,
                given={"amount": str(payment.amount), "currency": payment.currency},
            )
            payment.receipt = receipt
            if not receipt.served:
                paid_twice.append(report.row)
        payment.save(
            update_fields=["status", "provider_reference", "reason", "reconciled_at", "receipt"]
        )
        counted[report.status] += 1
    locked.reconciled_at = now
    locked.save(update_fields=["reconciled_at"])
    audit_record(
        actor=actor,
        action="assistance.payments_reconcile",
        object_type="assistance.payment_batch",
        object_id=locked.uid,
        organisation=locked.programme.organisation,
        detail={**counted, "paid_twice": len(paid_twice)},
    )
    return Reconciled(paid_twice=paid_twice, **counted)
