"""Files of assistance on the intake pipeline (docs/ASSISTANCE.md):

- ``assistance.list``: a partner's list for a programme. Each row names a household by the
  organisation's registration number (the registry's household number); other columns (names,
  phones, the partner's own codes) are left aside: the registry holds the household. A number
  the registry does not know is a problem (the household is registered first, through the
  beneficiary list import ``registry.beneficiaries``). The households go to
  ``services.list_from_households``, which makes a new draft version of the programme's list
  and checks it as a built one.
- ``assistance.payments``: a payment provider's report on a payment batch. Each row: the
  payment's reference, its status (paid, failed, returned, in the provider's words), and the
  provider's own reference, the reason of a failure and the day paid where given. A reference
  not in the batch, given twice, a status not known, a change to a payment reconciled before:
  problems. Written through ``payments.payments_reconcile``.

Both are files of personal data of the programme's organisation: its assistance officers import
them (anyone else: the same 404 as no target). Every problem names the file, row, column and
rule; one refuses the whole file, and a dry run writes nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from nahrain.assistance import access, payments, services
from nahrain.assistance.models import Payment, PaymentBatch, Programme
from nahrain.core.access import AnyUser
from nahrain.core.problems import ImportRejected, Problem, Severity, rule_words_add
from nahrain.intake.columns import (
    Column,
    Field,
    apply_column_map,
    check_mapping,
    column_letter,
    is_hxl_row,
    mapping_summary,
    match_headers,
)
from nahrain.intake.readers import Table, read_table
from nahrain.intake.spec import Intake, Outcome, Spec, register
from nahrain.registry.models import Household

LIST = "assistance.list"
PAYMENTS = "assistance.payments"

WORDS = {
    "not_registered": gettext_lazy(
        "Not registered: import the beneficiary list first (registry.beneficiaries)"
    ),
    "no_number": gettext_lazy("No household registration number"),
    "unknown_reference": gettext_lazy("Not a payment of this batch"),
    "reference_twice": gettext_lazy("The payment is reported on an earlier row too"),
    "unknown_status": gettext_lazy("Not a payment status (paid, failed or returned)"),
    "reconciled_before": gettext_lazy("The payment was reconciled before with another status"),
    "not_a_day": gettext_lazy("Not a date (YYYY-MM-DD)"),
    "list_refused": gettext_lazy("Refused by the list rules"),
    "payments_refused": gettext_lazy("Refused by the payment rules"),
    "paid_twice": gettext_lazy("Paid, though the household was served otherwise in the cycle"),
}

HOUSEHOLD_NUMBER = Field(
    "household_number",
    gettext_noop("Household registration number"),
    (
        "Household number",
        "Household registration number",
        "Registration number",
        "Household ID",
        "HH ID",
        "HH number",
        "Case number",
        "رقم الأسرة",
        "رقم الاسرة",
        "رقم العائلة",
        "رقم التسجيل",
    ),
    ("#beneficiary+hh+code", "#beneficiary+code"),
    required=True,
)
LIST_FIELDS = (HOUSEHOLD_NUMBER,)

PAYMENT_FIELDS = (
    Field(
        "reference",
        gettext_noop("Payment reference (as exported)"),
        (
            "Reference",
            "Payment reference",
            "Our reference",
            "Client reference",
            "Transaction reference",
            "External reference",
            "المرجع",
            "رقم المرجع",
        ),
        ("#x_payment+code",),
        required=True,
    ),
    Field(
        "status",
        gettext_noop("Status (paid, failed, returned)"),
        ("Status", "Payment status", "Transaction status", "Result", "الحالة", "حالة الدفع"),
        ("#status",),
        required=True,
    ),
    Field(
        "provider_reference",
        gettext_noop("Provider's reference"),
        (
            "Provider reference",
            "Transaction ID",
            "Transaction id",
            "Provider transaction ID",
            "رقم العملية",
        ),
    ),
    Field(
        "reason",
        gettext_noop("Reason (of a failure or return)"),
        ("Reason", "Failure reason", "Comment", "Remarks", "السبب", "ملاحظات"),
    ),
    Field(
        "paid_on",
        gettext_noop("Day paid"),
        ("Paid on", "Payment date", "Date paid", "Transaction date", "Date", "تاريخ الدفع"),
        ("#date",),
    ),
)


# --- reading ----------------------------------------------------------------------------------


def _table(intake: Intake, fields: tuple[Field, ...]) -> tuple[Table, dict[str, Column], Any, int]:
    """The file's table, the column of each field and the mapping, or the header's problems;
    and where the rows begin (after an HXL row)."""
    table = read_table(intake.data, file=intake.file)
    header, header_row = table.rows[0], table.row_numbers[0]
    hxl = table.rows[1] if len(table.rows) > 1 and is_hxl_row(table.rows[1]) else None
    columns = match_headers(header, fields, hxl=hxl)
    problems = apply_column_map(
        columns, intake.column_map, file=intake.file, row=header_row, fields=fields
    )
    targets, header_problems = check_mapping(columns, fields, file=intake.file, row=header_row)
    problems += header_problems
    mapping = mapping_summary(columns)
    if problems:
        raise ImportRejected(problems, mapping=mapping)
    return table, targets, mapping, 2 if hxl is not None else 1


def _cell(row: list[str], columns: dict[str, Column], name: str) -> str:
    column = columns.get(f"field:{name}")
    if column is None or column.index >= len(row):
        return ""
    return row[column.index].strip()


def _where(columns: dict[str, Column], name: str) -> str:
    column = columns.get(f"field:{name}")
    return column_letter(column.index) if column is not None else ""


def _body(table: Table, start: int) -> list[tuple[int, list[str]]]:
    rows = list(zip(table.row_numbers, table.rows, strict=True))[start:]
    return [(n, cells) for n, cells in rows if any(c.strip() for c in cells)]


def _refused(
    intake: Intake, rule: str, refused: ValidationError | PermissionDenied
) -> ImportRejected:
    words = " ".join(refused.messages) if isinstance(refused, ValidationError) else str(refused)
    return ImportRejected([Problem(intake.file, None, "", rule, words)])


# --- a partner's list -------------------------------------------------------------------------


def _list(intake: Intake, *, dry_run: bool) -> Outcome:
    programme: Programme = intake.target
    table, columns, mapping, start = _table(intake, LIST_FIELDS)
    body = _body(table, start)
    where = _where(columns, "household_number")
    # Numbers are compared without regard to case, as partners retype them.
    given = {_cell(row, columns, "household_number") for _, row in body}
    registered = Household.objects.filter(
        organisation_id=programme.organisation_id,
        number__in=given | {n.upper() for n in given},
    )
    known = {h.number.upper(): h for h in registered}
    problems: list[Problem] = []
    rows: list[tuple[int, Household]] = []
    for done, (number, row) in enumerate(body, start=1):
        intake.progress("checking", done, len(body))
        text = _cell(row, columns, "household_number")
        if not text:
            problems.append(
                Problem(intake.file, number, where, "no_number", str(WORDS["no_number"]))
            )
            continue
        household = known.get(text.upper())
        if household is None:
            problems.append(
                Problem(
                    intake.file,
                    number,
                    where,
                    "not_registered",
                    gettext("%(number)r is not registered: import the beneficiary list first")
                    % {"number": text},
                )
            )
            continue
        rows.append((number, household))
    if problems:
        raise ImportRejected(problems, mapping=mapping)
    version = "-"
    if not dry_run:
        try:
            made = services.list_from_households(actor=intake.actor, programme=programme, rows=rows)
        except (ValidationError, PermissionDenied) as refused:
            raise _refused(intake, "list_refused", refused) from refused
        version = str(made.version)
    return Outcome(
        summary=[
            (gettext_noop("Rows naming a household"), len(rows)),
            (gettext_noop("Households"), len({h.pk for _, h in rows})),
            (gettext_noop("New version of the list"), version),
            (gettext_noop("Written as"), gettext_noop("A draft list, checked before approval")),
        ],
        mapping=mapping,
        problems=[],
    )


# --- a provider's report ----------------------------------------------------------------------


def _day(text: str) -> datetime | None:
    """The day (or moment) paid as the provider writes it, in the server's time zone when it
    gives none; ValueError when it is neither."""
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("/", "-"))
    return moment if moment.tzinfo is not None else timezone.make_aware(moment)


def _report(intake: Intake, *, dry_run: bool) -> Outcome:
    batch: PaymentBatch = intake.target
    table, columns, mapping, start = _table(intake, PAYMENT_FIELDS)
    body = _body(table, start)
    at = {name: _where(columns, name) for name in ("reference", "status", "paid_on")}
    known = {p.reference: p for p in Payment.objects.filter(batch=batch)}
    problems: list[Problem] = []
    reports: list[payments.PaymentReport] = []
    first_row: dict[str, int] = {}
    for done, (number, row) in enumerate(body, start=1):
        intake.progress("checking", done, len(body))
        reference = _cell(row, columns, "reference").upper()
        status_word = _cell(row, columns, "status")
        payment = known.get(reference)
        status = payments.status_of(status_word)
        found: list[Problem] = []
        if payment is None:
            found.append(
                Problem(
                    intake.file,
                    number,
                    at["reference"],
                    "unknown_reference",
                    gettext("%(reference)r is not a payment of this batch")
                    % {"reference": reference},
                )
            )
        elif reference in first_row:
            found.append(
                Problem(
                    intake.file,
                    number,
                    at["reference"],
                    "reference_twice",
                    gettext("%(reference)r is reported on row %(row)s too")
                    % {"reference": reference, "row": first_row[reference]},
                )
            )
        if status is None:
            found.append(
                Problem(
                    intake.file,
                    number,
                    at["status"],
                    "unknown_status",
                    gettext("%(status)r is not paid, failed or returned") % {"status": status_word},
                )
            )
        elif payment is not None and payments.reconcile_refusal(payment, status):
            found.append(
                Problem(
                    intake.file,
                    number,
                    at["status"],
                    "reconciled_before",
                    payments.reconcile_refusal(payment, status),
                )
            )
        try:
            paid_at = _day(_cell(row, columns, "paid_on"))
        except ValueError:
            paid_at = None
            found.append(
                Problem(
                    intake.file,
                    number,
                    at["paid_on"],
                    "not_a_day",
                    gettext("%(day)r is not a date (YYYY-MM-DD)")
                    % {"day": _cell(row, columns, "paid_on")},
                )
            )
        first_row.setdefault(reference, number)
        if found or status is None:
            problems += found
            continue
        reports.append(
            payments.PaymentReport(
                row=number,
                reference=reference,
                status=status,
                provider_reference=_cell(row, columns, "provider_reference"),
                reason=_cell(row, columns, "reason"),
                paid_at=paid_at,
            )
        )
    if problems:
        raise ImportRejected(problems, mapping=mapping)
    counted = {s: sum(r.status == s for r in reports) for s in ("paid", "failed", "returned")}
    warnings: list[Problem] = []
    if not dry_run:
        try:
            done_ = payments.payments_reconcile(actor=intake.actor, batch=batch, reports=reports)
        except (ValidationError, PermissionDenied) as refused:
            raise _refused(intake, "payments_refused", refused) from refused
        warnings = [
            Problem(
                intake.file,
                row,
                at["reference"],
                "paid_twice",
                gettext("Paid, though the household was served otherwise in the cycle"),
                severity=Severity.WARNING,
            )
            for row in done_.paid_twice
        ]
    return Outcome(
        summary=[
            (gettext_noop("Payments reported"), len(reports)),
            (gettext_noop("Paid"), counted["paid"]),
            (gettext_noop("Failed"), counted["failed"]),
            (gettext_noop("Returned"), counted["returned"]),
            (gettext_noop("Payments of the batch not in the report"), len(known) - len(reports)),
        ],
        mapping=mapping,
        problems=warnings,
    )


# --- the specs --------------------------------------------------------------------------------


def _programme(user: AnyUser, uid: str) -> Programme:
    return access.access_programme_for_lists(user, uid)


def _batch(user: AnyUser, uid: str) -> PaymentBatch:
    try:
        key = uuid.UUID(str(uid))
    except ValueError:
        raise Http404 from None
    batch = PaymentBatch.objects.select_related("programme__organisation").filter(uid=key).first()
    if batch is None or not access.runs_assistance(user, batch.programme.organisation):
        raise Http404
    return batch


LIST_SPEC = Spec(
    name=LIST,
    title=gettext_lazy("Distribution list from a partner (households by registration number)"),
    fields=LIST_FIELDS,
    target_for_change=_programme,
    organisation_of=lambda programme: programme.organisation,
    target_url=lambda programme: reverse("intake:upload", args=[LIST, programme.uid]),
    target_label=lambda programme: gettext("Lists of %(programme)s") % {"programme": programme},
    check=lambda intake: _list(intake, dry_run=True),
    commit=lambda intake: _list(intake, dry_run=False),
    personal=True,
)
PAYMENTS_SPEC = Spec(
    name=PAYMENTS,
    title=gettext_lazy("Payment provider's report (paid, failed, returned)"),
    fields=PAYMENT_FIELDS,
    target_for_change=_batch,
    organisation_of=lambda batch: batch.programme.organisation,
    target_url=lambda batch: reverse("intake:upload", args=[PAYMENTS, batch.uid]),
    target_label=lambda batch: (
        gettext("Payments of %(programme)s, cycle %(cycle)s")
        % {"programme": batch.programme, "cycle": batch.cycle}
    ),
    check=lambda intake: _report(intake, dry_run=True),
    commit=lambda intake: _report(intake, dry_run=False),
    personal=True,
)


def register_specs() -> None:
    """Register the specs and say what their problems' rules mean."""
    rule_words_add(WORDS)
    register(LIST_SPEC)
    register(PAYMENTS_SPEC)
