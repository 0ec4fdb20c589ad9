"""Done when: over any sequence of recordings from several teams (synced late and out of order,
sent again), proxies, revisions of the list (a new approved version superseding the one a
distribution serves) and a second cycle, no household is ever served twice in a cycle, nothing
is given outside the household's entitlement, and nothing is recorded on a list that no longer
stands. The teams' phones are modelled as the order their recordings reach the server in; the
PostgreSQL test (test_receipts_concurrency) races them for real."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nahrain.assistance import distributions
from nahrain.assistance.models import (
    Distribution,
    DistributionList,
    ListEntry,
    ListStatus,
    Outcome,
    Receipt,
)
from nahrain.assistance.tests.dist_world import approved_list, at, world
from nahrain.testing.personas import Personas

HOUSEHOLDS = 3
GIVEN: dict[str, dict[str, Any] | None] = {
    "entitlement": None,
    "less": {"items": []},
    "more": {"items": [{"item": "nfi_kit", "quantity": 3}]},
    "other": {"items": [{"item": "blanket", "quantity": 1}]},
}

record = st.tuples(
    st.just("record"),
    st.integers(0, 5),  # which distribution so far (the newest when beyond)
    st.integers(0, HOUSEHOLDS - 1),
    st.sampled_from([Outcome.RECEIVED, Outcome.PROXY, Outcome.ABSENT, Outcome.REFUSED]),
    st.integers(0, 600),  # minutes into the day on the phone: late syncs come out of order
    st.booleans(),  # the proxy named
    st.sampled_from(sorted(GIVEN)),
)
step = st.one_of(
    record,
    st.tuples(st.just("resend"), st.integers(0, 40)),
    st.tuples(st.just("revise"), st.sampled_from([1, 2])),  # the new version's kits
    st.tuples(st.just("next_cycle")),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_no_household_served_twice_nor_beyond_its_entitlement(
    personas: Personas, steps: list[tuple[Any, ...]]
) -> None:
    with transaction.atomic():
        w = world(personas.iom, households=HOUSEHOLDS, cycles=2, prefix="prop")
        households = [e.household for e in w.entries]
        served_outcomes: set[tuple[int, int]] = set()  # (cycle, household) an accepted serving
        sent: list[dict[str, Any]] = []
        accepted: dict[str, int] = {}  # key -> receipt
        current = w.approved
        live = [w.distribution]
        for n, op in enumerate(steps):
            if op[0] == "record":
                _, pick, hh, outcome, minute, named, giving = op
                distribution = live[min(pick, len(live) - 1)]
                entry = ListEntry.objects.get(
                    list_id=distribution.list_id, household=households[hh]
                )
                sent.append(
                    {
                        "actor": w.officer,
                        "distribution": distribution,
                        "token": entry.token,
                        "outcome": outcome,
                        "key": f"k{n}",
                        "recorded_at": at(8) + timedelta(minutes=minute),
                        "proxy_name": "Ali Hassan" if named else "",
                        "given": GIVEN[giving],
                    }
                )
                kwargs = sent[-1]
            elif op[0] == "resend":
                if not sent:
                    continue
                kwargs = sent[op[1] % len(sent)]
            elif op[0] == "revise":
                # A change to the approved list is a new version; the distributions of the old
                # one take no new recording, a new distribution serves the new version.
                DistributionList.objects.filter(pk=current.pk).update(status=ListStatus.SUPERSEDED)
                current, _entries = approved_list(
                    w.programme,
                    w.rules,
                    households,
                    builder=w.officer,
                    approver=w.approver,
                    entitlement={"items": [{"item": "nfi_kit", "quantity": op[1]}]},
                    version=current.version + 1,
                    supersedes=current,
                )
                live.append(_opened(w, current, cycle=live[-1].cycle))
                continue
            else:
                if live[-1].cycle < 2:
                    live.append(_opened(w, current, cycle=2))
                continue
            list_now = DistributionList.objects.get(pk=kwargs["distribution"].list_id)
            try:
                receipt = distributions.receipt_record(**kwargs)
            except ValidationError:
                assert kwargs["key"] not in accepted
                continue
            if kwargs["key"] in accepted:
                assert receipt.pk == accepted[kwargs["key"]]  # a resend records once
                continue
            assert list_now.status == ListStatus.APPROVED  # a new recording on a standing list
            accepted[kwargs["key"]] = receipt.pk
            if kwargs["outcome"] in (Outcome.RECEIVED, Outcome.PROXY):
                served_outcomes.add((kwargs["distribution"].cycle, receipt.household_id))

        receipts = list(Receipt.objects.filter(programme=w.programme).select_related("entry"))
        assert sorted(r.pk for r in receipts) == sorted(accepted.values())
        served = Counter((r.cycle, r.household_id) for r in receipts if r.served)
        assert all(times == 1 for times in served.values())
        assert set(served) == served_outcomes
        for receipt in receipts:
            assert receipt.entry.included
            assert not distributions.beyond_entitlement(receipt.given, receipt.entry.entitlement)
            if receipt.outcome == Outcome.PROXY:
                assert receipt.proxy_name
            if receipt.duplicate_of_id is not None:
                first = next(r for r in receipts if r.pk == receipt.duplicate_of_id)
                assert first.served and not receipt.served
                assert (first.cycle, first.household_id) == (receipt.cycle, receipt.household_id)
        transaction.set_rollback(True)


def _opened(w: Any, distribution_list: DistributionList, *, cycle: int) -> Distribution:
    made = distributions.distribution_create(
        actor=w.officer,
        programme=w.programme,
        distribution_list=distribution_list,
        cycle=cycle,
        planned_on=date(2026, 12, cycle),
        stock={"nfi_kit": 10},
    )
    return distributions.distribution_open(actor=w.officer, distribution=made)
