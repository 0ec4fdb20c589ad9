"""Done when: over any sequence of recordings from several teams (synced late and out of order,
sent again), proxies, revisions of the list (a new approved version superseding the one a
distribution serves, excluding or dropping a household, changing the kits) and a second cycle,
no household is ever served twice in a cycle, nothing is served outside the household's
entitlement on the list that stands, and nothing a team recorded is lost: a recording made on a
list since replaced serves on the list that stands or is kept without serving. The teams'
phones are modelled as the order their recordings reach the server in; the PostgreSQL test
(test_receipts_concurrency) races them for real."""

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
    st.integers(0, 3),  # which distribution so far (the newest when beyond)
    st.integers(0, HOUSEHOLDS - 1),
    st.sampled_from([Outcome.RECEIVED, Outcome.PROXY, Outcome.ABSENT, Outcome.REFUSED]),
    st.integers(0, 600),  # minutes into the day on the phone: late syncs come out of order
    st.booleans(),  # the proxy named
    st.sampled_from(sorted(GIVEN)),
)
step = st.one_of(
    record,
    st.tuples(st.just("resend"), st.integers(0, 40)),
    st.tuples(
        st.just("revise"),
        st.sampled_from([1, 2]),  # the new version's kits
        st.sampled_from([None, *range(HOUSEHOLDS)]),  # a household excluded by it
        st.sampled_from([None, *range(HOUSEHOLDS)]),  # a household no longer on it
    ),
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
        # key -> the standing list's entry that serves the recording, or None when it is kept
        # without serving (recorded on a list since replaced)
        standing_entry: dict[str, ListEntry | None] = {}
        current = w.approved
        live = [w.distribution]
        for n, op in enumerate(steps):
            if op[0] == "record":
                _, pick, hh, outcome, minute, named, giving = op
                distribution = live[min(pick, len(live) - 1)]
                entry = ListEntry.objects.filter(
                    list_id=distribution.list_id, household=households[hh], included=True
                ).first()
                if entry is None:
                    continue  # not on the phone's list: nothing to record
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
                # A change to the approved list is a new version (tokens kept); a new
                # distribution serves it, and the phones of the old one still sync.
                _, kits, excluded, dropped = op
                DistributionList.objects.filter(pk=current.pk).update(status=ListStatus.SUPERSEDED)
                tokens = dict(
                    ListEntry.objects.filter(list=current).values_list("household_id", "token")
                )
                kept = [h for n, h in enumerate(households) if n != dropped]
                current, made = approved_list(
                    w.programme,
                    w.rules,
                    kept,
                    builder=w.officer,
                    approver=w.approver,
                    entitlement={"items": [{"item": "nfi_kit", "quantity": kits}]},
                    version=current.version + 1,
                    supersedes=current,
                    excluded={households[excluded].pk} if excluded is not None else set(),
                )
                for new in made:
                    if new.household_id in tokens:
                        ListEntry.objects.filter(pk=new.pk).update(token=tokens[new.household_id])
                live.append(_opened(w, current, cycle=live[-1].cycle))
                continue
            else:
                if live[-1].cycle < 2:
                    live.append(_opened(w, current, cycle=2))
                continue
            phones = ListEntry.objects.get(
                list_id=kwargs["distribution"].list_id, token=kwargs["token"]
            )
            serves = kwargs["outcome"] in (Outcome.RECEIVED, Outcome.PROXY)
            given_now = distributions.given_normal(
                phones.entitlement if kwargs["given"] is None and serves else kwargs["given"]
            )
            mistake = (kwargs["outcome"] == Outcome.PROXY and not kwargs["proxy_name"]) or (
                not serves and bool(given_now)
            )
            on_current = ListEntry.objects.filter(
                list=current, household_id=phones.household_id, included=True
            ).first()
            if phones.list_id == current.pk:
                standing: ListEntry | None = phones
                mistake = mistake or bool(
                    serves and distributions.beyond_entitlement(given_now, phones.entitlement)
                )
            else:
                fits = on_current is not None and not (
                    serves and distributions.beyond_entitlement(given_now, on_current.entitlement)
                )
                standing = on_current if fits else None
                # Beyond what the phone's list gave as well: a mistake on any list.
                mistake = mistake or bool(
                    standing is None
                    and serves
                    and distributions.beyond_entitlement(given_now, phones.entitlement)
                )
            try:
                receipt = distributions.receipt_record(**kwargs)
            except ValidationError:
                assert kwargs["key"] not in accepted
                assert mistake  # nothing a team recorded rightly is lost
                continue
            if kwargs["key"] in accepted:
                assert receipt.pk == accepted[kwargs["key"]]  # a resend records once
                continue
            assert not mistake
            accepted[kwargs["key"]] = receipt.pk
            standing_entry[kwargs["key"]] = standing
            if serves and standing is not None:
                served_outcomes.add((kwargs["distribution"].cycle, receipt.household_id))

        receipts = list(
            Receipt.objects.filter(programme=w.programme).select_related("entry", "distribution")
        )
        assert sorted(r.pk for r in receipts) == sorted(accepted.values())
        served = Counter((r.cycle, r.household_id) for r in receipts if r.served)
        assert all(times == 1 for times in served.values())
        assert set(served) == served_outcomes
        for receipt in receipts:
            assert receipt.entry.included
            assert not distributions.beyond_entitlement(receipt.given, receipt.entry.entitlement)
            standing = standing_entry[receipt.key]
            if standing is None:
                # Kept without serving, on the entry the phone had.
                assert not receipt.served and receipt.duplicate_of_id is None
                assert receipt.distribution is not None
                assert receipt.entry.list_id == receipt.distribution.list_id
            else:
                # On the list that stood when it synced.
                assert receipt.entry_id == standing.pk
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
