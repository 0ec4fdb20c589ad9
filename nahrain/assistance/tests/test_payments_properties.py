"""Done when, for cash: over any sequence of payment exports, provider reports (paid, failed,
returned, reported again or changed), cash handed over at a distribution while a transfer is on
its way, and revisions of the list, no household is paid twice by the system in a cycle (one
payment reported paid at most, one served receipt at most) and nothing is paid beyond the
household's entitlement."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nahrain.assistance import distributions, payments
from nahrain.assistance.models import (
    Distribution,
    DistributionList,
    ListEntry,
    ListStatus,
    Outcome,
    Payment,
    PaymentBatch,
    PaymentStatus,
    Receipt,
)
from nahrain.assistance.tests.dist_world import approved_list, at, world
from nahrain.testing.personas import Personas

HOUSEHOLDS = 3

step = st.one_of(
    st.tuples(st.just("export"), st.integers(1, 2)),
    st.tuples(
        st.just("report"),
        st.integers(0, 5),  # which batch so far
        st.integers(0, HOUSEHOLDS - 1),  # which of its payments
        st.sampled_from(["paid", "failed", "returned"]),
    ),
    st.tuples(st.just("hand"), st.integers(0, HOUSEHOLDS - 1), st.integers(1, 2)),
    st.tuples(st.just("revise"), st.sampled_from(["220.00", "440.00"])),
)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=20))
def test_no_household_paid_twice_in_a_cycle_nor_beyond_its_entitlement(
    personas: Personas, steps: list[tuple[Any, ...]]
) -> None:
    with transaction.atomic():
        w = world(personas.iom, modality="cash", households=HOUSEHOLDS, cycles=2, prefix="pay")
        households = [e.household for e in w.entries]
        current = w.approved
        days: dict[tuple[int, int], Distribution] = {(current.pk, 1): w.distribution}
        batches: list[PaymentBatch] = []
        for n, op in enumerate(steps):
            try:
                if op[0] == "export":
                    batches.append(
                        payments.payments_export(
                            actor=w.officer,
                            programme=w.programme,
                            distribution_list=current,
                            cycle=op[1],
                            provider="generic_csv",
                        )
                    )
                elif op[0] == "report":
                    if not batches:
                        continue
                    batch = batches[op[1] % len(batches)]
                    made = list(batch.payments.order_by("pk"))
                    payment = made[op[2] % len(made)]
                    payments.payments_reconcile(
                        actor=w.officer,
                        batch=batch,
                        reports=[payments.PaymentReport(n, payment.reference, op[3])],
                    )
                elif op[0] == "hand":
                    cycle = op[2]
                    if (current.pk, cycle) not in days:
                        made_day = distributions.distribution_create(
                            actor=w.officer,
                            programme=w.programme,
                            distribution_list=current,
                            cycle=cycle,
                            planned_on=date(2026, 12, cycle),
                        )
                        days[(current.pk, cycle)] = distributions.distribution_open(
                            actor=w.officer, distribution=made_day
                        )
                    distributions.receipt_record(
                        actor=w.officer,
                        distribution=days[(current.pk, cycle)],
                        entry=ListEntry.objects.get(list=current, household=households[op[1]]),
                        outcome=Outcome.RECEIVED,
                        key=f"hand-{n}",
                        recorded_at=at(10),
                    )
                else:
                    DistributionList.objects.filter(pk=current.pk).update(
                        status=ListStatus.SUPERSEDED
                    )
                    current, _entries = approved_list(
                        w.programme,
                        w.rules,
                        households,
                        builder=w.officer,
                        approver=w.approver,
                        entitlement={"amount": op[1], "currency": "USD"},
                        version=current.version + 1,
                        supersedes=current,
                    )
            except ValidationError:
                continue

        receipts = list(Receipt.objects.filter(programme=w.programme).select_related("entry"))
        served = Counter((r.cycle, r.household_id) for r in receipts if r.served)
        assert all(times == 1 for times in served.values())
        for receipt in receipts:
            assert not distributions.beyond_entitlement(receipt.given, receipt.entry.entitlement)
        made_payments = list(
            Payment.objects.filter(batch__programme=w.programme).select_related(
                "batch", "entry", "receipt"
            )
        )
        paid = Counter(
            (p.batch.cycle, p.entry.household_id)
            for p in made_payments
            if p.status == PaymentStatus.PAID
        )
        assert all(times == 1 for times in paid.values())
        # Never two payments on their way to one household in a cycle.
        waiting = Counter(
            (p.batch.cycle, p.entry.household_id)
            for p in made_payments
            if p.status == PaymentStatus.PENDING
        )
        assert all(times == 1 for times in waiting.values())
        for payment in made_payments:
            assert payment.amount <= Decimal(payment.entry.entitlement["amount"])
            if payment.status == PaymentStatus.PAID:
                assert payment.receipt is not None and payment.receipt.outcome == Outcome.PAID
                assert payment.receipt.served or payment.receipt.duplicate_of_id is not None
            else:
                assert payment.receipt is None
        transaction.set_rollback(True)
