"""Cash: a cycle's payment list exported in a provider's format and reconciled from the
provider's report through the intake pipeline (``assistance.payments``). A household is never
paid twice in a cycle: an export leaves out the households served or waiting for a payment, and
a payment reported paid is the household's served receipt."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from openpyxl import load_workbook

from nahrain.assistance import distributions, payments
from nahrain.assistance.models import Outcome, Payment, PaymentBatch, PaymentStatus, Receipt
from nahrain.assistance.tests.dist_world import World, at, world
from nahrain.core.models import AuditEvent
from nahrain.testing.personas import Persona, Personas


@pytest.fixture
def w(personas: Personas, salam: Persona, huda: Persona) -> World:
    return world(
        personas.iom,
        modality="cash",
        households=4,
        cycles=3,
        prefix="cash",
        builder=salam.user,
        approver=huda.user,
    )


def export(w: World, cycle: int = 1, provider: str = "generic_csv") -> PaymentBatch:
    return payments.payments_export(
        actor=w.officer,
        programme=w.programme,
        distribution_list=w.approved,
        cycle=cycle,
        provider=provider,
    )


def report(rows: Sequence[Sequence[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(
        [["Reference", "Status", "Transaction ID", "Reason", "Paid on"], *rows]
    )
    return out.getvalue().encode("utf-8")


def upload(client: Client, batch: PaymentBatch, data: bytes, *, dry_run: str = "true") -> Any:
    file = io.BytesIO(data)
    file.name = "zaincash-report.csv"
    return client.post(
        f"/api/v1/intake/assistance.payments/{batch.uid}", {"file": file, "dry_run": dry_run}
    )


def imported(client: Client, batch: PaymentBatch, data: bytes) -> Any:
    queued = upload(client, batch, data, dry_run="false")
    assert queued.status_code == 202, queued.content
    job = client.get(f"/api/v1/intake/jobs/{queued.json()['uid']}").json()
    assert job["status"] == "done", job
    return job


def test_export_one_payment_per_household_with_random_references(w: World) -> None:
    batch = export(w)
    made = list(batch.payments.order_by("pk"))
    assert [p.entry for p in made] == w.entries
    assert {(p.amount, p.currency, p.status) for p in made} == {(Decimal(220), "USD", "pending")}
    assert len({p.reference for p in made}) == 4
    assert all(p.reference.startswith("NP") and len(p.reference) == 12 for p in made)
    assert AuditEvent.objects.filter(action="assistance.payments_export").count() == 1
    # Exported again in the cycle, the households waiting for their payment are left out.
    with pytest.raises(ValidationError, match="paid or waiting"):
        export(w)


def test_the_generic_file_names_the_head_and_phone(w: World) -> None:
    batch = export(w)
    made = payments.payments_file(actor=w.officer, batch=batch)
    assert made.name.endswith(".csv") and made.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(made.data.decode("utf-8-sig"))))
    assert len(rows) == 4
    first = rows[0]
    assert first["name_ar"] == "محمد أحمد الجبوري"
    assert first["phone"].startswith("0750") and first["amount"] == "220.00"
    assert AuditEvent.objects.filter(action="assistance.payments_file").count() == 1


def test_zain_cash_is_a_workbook_of_wallet_numbers(w: World) -> None:
    batch = export(w, provider="zain_cash")
    made = payments.payments_file(actor=w.officer, batch=batch)
    sheet = load_workbook(io.BytesIO(made.data)).active
    assert sheet is not None
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header == ["MSISDN", "Amount", "Currency", "Name", "Reference"]
    assert len(rows) == 4 and str(rows[0][0]).startswith("964750")


def test_a_provider_that_does_not_pay_the_programmes_currency_is_refused(w: World) -> None:
    with pytest.raises(ValidationError, match="pays in IQD"):
        export(w, provider="qi_card")


def test_the_report_reconciles_paid_failed_and_returned(w: World, salam: Persona) -> None:
    batch = export(w)
    p = list(batch.payments.order_by("pk"))
    data = report(
        [
            [p[0].reference, "Success", "ZC-1", "", "2026-12-03"],
            [p[1].reference.lower(), "فشل", "", "wallet not active", ""],
            [p[2].reference, "returned", "ZC-3", "not collected in 30 days", ""],
        ]
    )
    client = salam.client()
    checked = upload(client, batch, data)
    assert checked.status_code == 200, checked.content
    assert not Receipt.objects.exists()  # a dry run writes nothing
    imported(client, batch, data)
    statuses = dict(Payment.objects.values_list("reference", "status"))
    assert [statuses[x.reference] for x in p] == ["paid", "failed", "returned", "pending"]
    receipt = Receipt.objects.get()
    assert (receipt.outcome, receipt.served, receipt.key, receipt.household_id) == (
        Outcome.PAID,
        True,
        p[0].reference,
        p[0].entry.household_id,
    )
    assert receipt.given == {"amount": "220.00", "currency": "USD"}
    assert Payment.objects.get(pk=p[0].pk).receipt == receipt
    # The same report again changes nothing; the failed and returned are sent again.
    imported(client, batch, data)
    assert Receipt.objects.count() == 1
    again = export(w)
    assert sorted(x.entry_id for x in again.payments.all()) == sorted(x.entry_id for x in p[1:3])


def test_report_problems_name_row_column_and_rule(w: World, salam: Persona) -> None:
    batch = export(w)
    p = list(batch.payments.order_by("pk"))
    data = report(
        [
            [p[0].reference, "paid", "", "", ""],
            [p[0].reference, "paid", "", "", ""],
            ["NPXXXXXXXXXX", "paid", "", "", ""],
            [p[1].reference, "maybe", "", "", ""],
            [p[2].reference, "paid", "", "", "yesterday"],
        ]
    )
    refused = upload(salam.client(), batch, data)
    assert refused.status_code == 422
    found = {(e["row"], e["column"], e["rule"]) for e in refused.json()["errors"]}
    assert found == {
        (3, "A", "reference_twice"),
        (4, "A", "unknown_reference"),
        (5, "B", "unknown_status"),
        (6, "E", "not_a_day"),
    }
    assert not Receipt.objects.exists()


def test_a_payment_reconciled_before_is_not_changed(w: World, salam: Persona) -> None:
    batch = export(w)
    p = list(batch.payments.order_by("pk"))
    imported(salam.client(), batch, report([[p[0].reference, "paid", "", "", ""]]))
    refused = upload(salam.client(), batch, report([[p[0].reference, "failed", "", "", ""]]))
    assert refused.status_code == 422
    assert [e["rule"] for e in refused.json()["errors"]] == ["reconciled_before"]


def test_a_household_served_at_a_distribution_is_not_exported_and_never_paid_twice(
    w: World, salam: Persona
) -> None:
    batch = export(w)
    p = list(batch.payments.order_by("pk"))
    # Cash handed over at a distribution while the transfer was on its way.
    distributions.receipt_record(
        actor=w.officer,
        distribution=w.distribution,
        entry=w.entries[0],
        outcome=Outcome.RECEIVED,
        key="hand-1",
        recorded_at=at(9),
    )
    job = imported(salam.client(), batch, report([[p[0].reference, "paid", "", "", ""]]))
    assert [w_["rule"] for w_ in job["warnings"]] == ["paid_twice"]
    assert Receipt.objects.filter(household=w.entries[0].household, served=True).count() == 1
    paid = Receipt.objects.get(outcome=Outcome.PAID)
    assert not paid.served and paid.duplicate_of.key == "hand-1"  # type: ignore[union-attr]
    assert Payment.objects.get(pk=p[0].pk).status == PaymentStatus.PAID


@pytest.mark.parametrize("who", ["layla", "iom_admin", "root", "outsider"])
def test_nobody_else_reconciles(w: World, personas: Personas, who: str) -> None:
    batch = export(w)
    data = report([[batch.payments.get(entry=w.entries[0]).reference, "paid", "", "", ""]])
    assert upload(getattr(personas, who).client(), batch, data).status_code == 404


def test_a_reconciliation_refreshes_reach_once_per_programme_not_once_per_payment(
    w: World, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    from nahrain.assistance import reach

    calls: list[tuple[list[Any], Any]] = []
    counted = reach.refresh

    def refresh(*, programme_ids: Any, admin_unit_ids: Any = None) -> int:
        calls.append((list(programme_ids), admin_unit_ids))
        return counted(programme_ids=programme_ids, admin_unit_ids=admin_unit_ids)

    monkeypatch.setattr(reach, "refresh", refresh)
    batch = export(w)
    reports = [
        payments.PaymentReport(row=n, reference=p.reference, status=PaymentStatus.PAID)
        for n, p in enumerate(batch.payments.order_by("pk"), start=2)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        done = payments.payments_reconcile(actor=w.officer, batch=batch, reports=reports)
    assert done.paid == 4 and Receipt.objects.filter(served=True).count() == 4
    # The list places none of these households: the programme is recounted once, as a whole.
    assert calls == [([w.programme.pk], None)]
