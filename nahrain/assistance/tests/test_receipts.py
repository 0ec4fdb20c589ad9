"""Recording households at a distribution (``receipt_record``): served once per programme and
cycle, a resend records once, proxies are named, an absent household served later, a late
duplicate kept for the reconciliation, and the list states that refuse a recording."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from nahrain.assistance import distributions, services
from nahrain.assistance.models import (
    DistributionList,
    ListEntry,
    ListStatus,
    Outcome,
    Receipt,
)
from nahrain.assistance.tests.dist_world import World, approved_list, at, world
from nahrain.core.models import AuditEvent
from nahrain.testing.personas import Personas


@pytest.fixture
def w(personas: Personas) -> World:
    return world(personas.iom)


def record(w: World, n: int, outcome: str, key: str, **more: object) -> Receipt:
    return distributions.receipt_record(
        actor=w.officer,
        distribution=w.distribution,
        entry=w.entries[n],
        outcome=outcome,
        key=key,
        recorded_at=more.pop("recorded_at", at(10)),  # type: ignore[arg-type]
        **more,  # type: ignore[arg-type]
    )


def test_received_serves_with_the_entitlement(w: World) -> None:
    receipt = record(w, 0, Outcome.RECEIVED, "k1")
    assert receipt.served and receipt.duplicate_of is None
    assert receipt.given == {"items": [{"item": "nfi_kit", "quantity": 1}]}
    assert (receipt.programme, receipt.cycle, receipt.household_id) == (
        w.programme,
        1,
        w.entries[0].household_id,
    )
    assert AuditEvent.objects.filter(action="assistance.receipt_record").count() == 1


def test_by_token(w: World) -> None:
    receipt = distributions.receipt_record(
        actor=w.officer,
        distribution=w.distribution,
        token=w.entries[1].token.lower(),
        outcome=Outcome.RECEIVED,
        key="t1",
        recorded_at=at(10),
    )
    assert receipt.entry == w.entries[1]
    with pytest.raises(ValidationError, match="not on this distribution"):
        distributions.receipt_record(
            actor=w.officer,
            distribution=w.distribution,
            token="NOPE1234",
            outcome=Outcome.RECEIVED,
            key="t2",
            recorded_at=at(10),
        )


@pytest.mark.parametrize(
    "typed",
    [
        lambda t: t.replace("-", ""),  # without the dash
        lambda t: f" {t[:2]} {t[2:4]} {t[5:7]} {t[7:]} ".replace("-", ""),  # with spaces
        lambda t: t.lower(),
        lambda t: t.replace("-", " - ").lower(),
    ],
)
def test_a_token_is_found_however_it_is_typed(w: World, typed: Any) -> None:
    token = w.entries[2].token
    receipt = distributions.receipt_record(
        actor=w.officer,
        distribution=w.distribution,
        token=typed(token),
        outcome=Outcome.RECEIVED,
        key="typed",
        recorded_at=at(10),
    )
    assert receipt.entry == w.entries[2]


def test_the_token_normal_form_keeps_its_alphabet_and_puts_the_dash_back() -> None:
    assert services.token_normal("xk4m7qrt") == "XK4M-7QRT"
    assert services.token_normal(" XK4M 7QRT\n") == "XK4M-7QRT"
    assert services.token_normal("xk4m\u20137qrt") == "XK4M-7QRT"  # an en dash from a phone
    assert services.token_normal("XK4M-7QR") == "XK4M7QR"  # too short: matches no token
    assert services.token_normal("") == ""
    drawn = services.tokens(50)
    assert [services.token_normal(t) for t in drawn] == drawn


def test_resend_records_once_and_another_recording_under_the_key_is_refused(w: World) -> None:
    first = record(w, 0, Outcome.RECEIVED, "k1")
    again = record(w, 0, Outcome.RECEIVED, "k1")
    assert again.pk == first.pk
    assert Receipt.objects.count() == 1
    with pytest.raises(ValidationError, match="already records another"):
        record(w, 0, Outcome.ABSENT, "k1")
    with pytest.raises(ValidationError, match="already records another"):
        record(w, 1, Outcome.RECEIVED, "k1")
    assert Receipt.objects.count() == 1


def test_a_second_served_recording_is_kept_as_a_duplicate(w: World) -> None:
    first = record(w, 0, Outcome.RECEIVED, "team-a", recorded_at=at(11))
    late = record(w, 0, Outcome.PROXY, "team-b", recorded_at=at(9), proxy_name="Ali Hassan")
    assert not late.served and late.duplicate_of == first
    assert Receipt.objects.filter(served=True).count() == 1
    report = distributions.reconciliation(w.distribution)
    assert (report.served, report.duplicates) == (1, 1)
    assert report.handed_out == {"nfi_kit": 1}
    assert report.handed_to_duplicates == {"nfi_kit": 1}
    assert report.unaccounted == {"nfi_kit": 3 - 1 - 1}


def test_absent_then_received_serves_and_absent_after_served_changes_nothing(w: World) -> None:
    absent = record(w, 0, Outcome.ABSENT, "a1", recorded_at=at(9))
    assert not absent.served
    received = record(w, 0, Outcome.RECEIVED, "a2", recorded_at=at(15))
    assert received.served and received.duplicate_of is None
    after = record(w, 0, Outcome.REFUSED, "a3", recorded_at=at(16))
    assert not after.served and after.duplicate_of is None
    assert list(Receipt.objects.filter(served=True)) == [received]


def test_proxy_must_be_named(w: World) -> None:
    with pytest.raises(ValidationError, match="Name the proxy"):
        record(w, 0, Outcome.PROXY, "p1", proxy_name="  ")
    receipt = record(w, 0, Outcome.PROXY, "p1", proxy_name="Zainab", proxy_relation="sister")
    assert receipt.served and receipt.proxy_name == "Zainab"
    # Named for another outcome, the proxy is not kept.
    other = record(w, 1, Outcome.ABSENT, "p2", proxy_name="Omar")
    assert other.proxy_name == ""


def test_given_beyond_the_entitlement_or_to_an_absent_household_is_refused(w: World) -> None:
    with pytest.raises(ValidationError, match="Beyond"):
        record(w, 0, Outcome.RECEIVED, "g1", given={"items": [{"item": "nfi_kit", "quantity": 2}]})
    with pytest.raises(ValidationError, match="Beyond"):
        record(w, 0, Outcome.RECEIVED, "g1", given={"items": [{"item": "blanket", "quantity": 1}]})
    with pytest.raises(ValidationError, match="Nothing is handed out"):
        record(w, 0, Outcome.ABSENT, "g1", given={"items": [{"item": "nfi_kit", "quantity": 1}]})
    with pytest.raises(ValidationError, match="not recorded at a distribution"):
        record(w, 0, Outcome.PAID, "g1")
    less = record(w, 0, Outcome.RECEIVED, "g2", given={"items": []})
    assert less.served and less.given == {}


def test_an_excluded_household_is_not_recorded(personas: Personas) -> None:
    w = world(personas.iom, prefix="x")
    w.entries[2].included = False
    w.entries[2].excluded_by = "listed_twice"
    w.entries[2].save()
    with pytest.raises(ValidationError, match="excluded"):
        record(w, 2, Outcome.RECEIVED, "x1")


def test_an_entry_of_another_list_is_refused(w: World) -> None:
    _, entries = approved_list(
        w.programme,
        w.rules,
        [w.entries[0].household],
        builder=w.officer,
        approver=w.approver,
        entitlement={},
        version=2,
    )
    with pytest.raises(ValidationError, match="not on this distribution"):
        distributions.receipt_record(
            actor=w.officer,
            distribution=w.distribution,
            entry=entries[0],
            outcome=Outcome.RECEIVED,
            key="o1",
            recorded_at=at(10),
        )


def test_a_discarded_list_takes_no_new_recording(w: World) -> None:
    first = record(w, 0, Outcome.RECEIVED, "s1")
    DistributionList.objects.filter(pk=w.approved.pk).update(status=ListStatus.DISCARDED)
    with pytest.raises(ValidationError, match="record on the approved list"):
        record(w, 1, Outcome.RECEIVED, "s2")
    # A resend of what was recorded before still answers.
    assert record(w, 0, Outcome.RECEIVED, "s1").pk == first.pk


def revised(
    w: World, *, kits: int = 1, excluded: frozenset[int] = frozenset(), dropped: int | None = None
) -> tuple[DistributionList, list[ListEntry]]:
    """A new approved version of the world's list, replacing it, tokens kept (as
    ``services.list_revise`` keeps them): ``excluded`` and ``dropped`` are entry numbers."""
    DistributionList.objects.filter(pk=w.approved.pk).update(status=ListStatus.SUPERSEDED)
    keep = [e for n, e in enumerate(w.entries) if n != dropped]
    made, entries = approved_list(
        w.programme,
        w.rules,
        [e.household for e in keep],
        builder=w.officer,
        approver=w.approver,
        entitlement={"items": [{"item": "nfi_kit", "quantity": kits}]},
        version=2,
        supersedes=w.approved,
        excluded={w.entries[n].household_id for n in excluded},
    )
    for old, new in zip(keep, entries, strict=True):
        ListEntry.objects.filter(pk=new.pk).update(token=old.token)
    return made, [ListEntry.objects.get(pk=e.pk) for e in entries]


def test_a_late_sync_after_a_revision_serves_on_the_list_that_stands(w: World) -> None:
    served_before = record(w, 0, Outcome.RECEIVED, "before", recorded_at=at(9))
    _made, entries = revised(w)
    # The phone recorded these on version 1 before the revision reached it.
    late = distributions.receipt_record(
        actor=w.officer,
        distribution=w.distribution,
        token=w.entries[1].token,
        outcome=Outcome.PROXY,
        proxy_name="Ali Hassan",
        key="late",
        recorded_at=at(10),
    )
    assert late.served and late.duplicate_of is None
    assert late.entry == entries[1]
    assert late.given == {"items": [{"item": "nfi_kit", "quantity": 1}]}
    absent = record(w, 2, Outcome.ABSENT, "late-absent")
    assert absent.entry == entries[2] and not absent.served
    # Sent again, each answers with its receipt; served once still holds.
    assert record(w, 1, Outcome.PROXY, "late", proxy_name="Ali Hassan").pk == late.pk
    again = record(w, 0, Outcome.RECEIVED, "again")
    assert not again.served and again.duplicate_of == served_before
    report = distributions.reconciliation(w.distribution)
    assert (report.served, report.absent, report.on_replaced_list, report.duplicates) == (
        2,
        1,
        0,
        1,
    )


def test_a_late_sync_for_a_household_the_revision_left_out_is_kept_not_served(w: World) -> None:
    # Version 2 excludes household 0, drops household 1 and gives one kit where version 1 gave
    # two (household 2, handed two by the phone).
    ListEntry.objects.filter(pk=w.entries[2].pk).update(
        entitlement={"items": [{"item": "nfi_kit", "quantity": 2}]}
    )
    _made, entries = revised(w, excluded=frozenset({0}), dropped=1)
    kept = [
        record(w, 0, Outcome.RECEIVED, "excluded"),
        record(w, 1, Outcome.PROXY, "dropped", proxy_name="Zainab"),
        record(w, 2, Outcome.RECEIVED, "more-than-now"),
    ]
    for receipt, listed in zip(kept, w.entries, strict=True):
        assert (receipt.served, receipt.duplicate_of_id, receipt.entry_id) == (
            False,
            None,
            listed.pk,
        )
    assert not Receipt.objects.filter(served=True).exists()
    assert kept[2].given == {"items": [{"item": "nfi_kit", "quantity": 2}]}
    # Beyond what even the phone's list gave: a mistake, refused as on any list.
    with pytest.raises(ValidationError, match="Beyond"):
        record(w, 0, Outcome.RECEIVED, "x", given={"items": [{"item": "nfi_kit", "quantity": 5}]})
    # Household 2 is served on the list that stands when given what it allows.
    one_kit = {"items": [{"item": "nfi_kit", "quantity": 1}]}
    served = record(w, 2, Outcome.RECEIVED, "now", recorded_at=at(12), given=one_kit)
    assert served.served and served.entry == entries[1]
    distributions.distribution_close(
        actor=w.officer, distribution=w.distribution, returned={"nfi_kit": 0}
    )
    report = distributions.reconciliation(w.distribution)
    assert (report.served, report.on_replaced_list, report.not_seen) == (1, 2, 0)
    assert report.handed_out == {"nfi_kit": 1}
    assert report.handed_on_replaced_list == {"nfi_kit": 4}
    assert report.unaccounted == {"nfi_kit": 3 - 1 - 4}
    events = AuditEvent.objects.filter(action="assistance.receipt_record")
    assert [e.detail["on_replaced_list"] for e in events.order_by("pk")] == [True] * 3 + [False]


def test_the_cycle_and_the_list_are_checked_when_planning(w: World) -> None:
    with pytest.raises(ValidationError, match="cycles 1 to 2"):
        distributions.distribution_create(
            actor=w.officer,
            programme=w.programme,
            distribution_list=w.approved,
            cycle=3,
            planned_on=date(2026, 12, 2),
        )
    DistributionList.objects.filter(pk=w.approved.pk).update(status=ListStatus.CHECKED)
    w.approved.refresh_from_db()
    with pytest.raises(ValidationError, match="Only an approved list"):
        distributions.distribution_create(
            actor=w.officer,
            programme=w.programme,
            distribution_list=w.approved,
            cycle=1,
            planned_on=date(2026, 12, 2),
        )


def test_a_planned_distribution_takes_no_recording(w: World) -> None:
    planned = distributions.distribution_create(
        actor=w.officer,
        programme=w.programme,
        distribution_list=w.approved,
        cycle=2,
        planned_on=date(2027, 1, 1),
    )
    with pytest.raises(ValidationError, match="not been opened"):
        distributions.receipt_record(
            actor=w.officer,
            distribution=planned,
            entry=w.entries[0],
            outcome=Outcome.RECEIVED,
            key="c2",
            recorded_at=at(10),
        )


def test_the_next_cycle_serves_again(w: World) -> None:
    record(w, 0, Outcome.RECEIVED, "c1")
    second = distributions.distribution_create(
        actor=w.officer,
        programme=w.programme,
        distribution_list=w.approved,
        cycle=2,
        planned_on=date(2027, 1, 1),
    )
    distributions.distribution_open(actor=w.officer, distribution=second)
    receipt = distributions.receipt_record(
        actor=w.officer,
        distribution=second,
        entry=w.entries[0],
        outcome=Outcome.RECEIVED,
        key="c2",
        recorded_at=at(10, day=2),
    )
    assert receipt.served and receipt.cycle == 2


def test_reconciliation_of_a_closed_day(w: World) -> None:
    record(w, 0, Outcome.RECEIVED, "r1")
    record(w, 1, Outcome.ABSENT, "r2")
    with pytest.raises(ValidationError, match="More nfi_kit returned"):
        distributions.distribution_close(
            actor=w.officer, distribution=w.distribution, returned={"nfi_kit": 9}
        )
    closed = distributions.distribution_close(
        actor=w.officer, distribution=w.distribution, returned={"nfi_kit": 2}
    )
    report = distributions.reconciliation(closed)
    assert (report.planned, report.served, report.absent, report.refused, report.not_seen) == (
        3,
        1,
        1,
        0,
        1,
    )
    assert report.handed_out == {"nfi_kit": 1}
    assert report.returned == {"nfi_kit": 2}
    assert report.unaccounted == {"nfi_kit": 0}
    # A late sync of the day still counts once the day is closed.
    record(w, 2, Outcome.RECEIVED, "r3")
    assert distributions.reconciliation(closed).unaccounted == {"nfi_kit": -1}


@pytest.mark.parametrize("who", ["layla", "iom_admin", "root", "karim"])
def test_only_the_organisations_assistance_officers_record(
    personas: Personas, w: World, who: str
) -> None:
    with pytest.raises(PermissionDenied):
        distributions.receipt_record(
            actor=getattr(personas, who).user,
            distribution=w.distribution,
            entry=w.entries[0],
            outcome=Outcome.RECEIVED,
            key="perm",
            recorded_at=at(10),
        )
    with pytest.raises(PermissionDenied):
        distributions.distribution_open(
            actor=getattr(personas, who).user, distribution=w.distribution
        )
    assert not Receipt.objects.exists()


@pytest.mark.parametrize(
    "wrong",
    [
        lambda now: datetime(2019, 1, 1, 9, 0, tzinfo=UTC),  # a phone reset to its factory date
        lambda now: now + timedelta(days=400),  # a phone a year ahead
        lambda now: now + timedelta(minutes=6),
    ],
    ids=["factory date", "a year ahead", "six minutes ahead"],
)
def test_a_wrong_phone_clock_is_replaced_by_the_time_received(
    w: World, wrong: Callable[[datetime], datetime]
) -> None:
    # The clock is set from the moment the test runs, not when the tests were collected: a
    # phone six minutes ahead of a collection long past would be right by now.
    before = timezone.now()
    clock = wrong(before)
    receipt = distributions.receipt_record(
        actor=w.officer,
        distribution=w.distribution,
        entry=w.entries[0],
        outcome=Outcome.RECEIVED,
        key="clock",
        recorded_at=clock,
    )
    assert before <= receipt.recorded_at <= timezone.now()
    again = distributions.receipt_record(
        actor=w.officer,
        distribution=w.distribution,
        entry=w.entries[0],
        outcome=Outcome.RECEIVED,
        key="clock",
        recorded_at=clock,
    )  # sent again: the same recording
    assert again.pk == receipt.pk


def test_a_believable_phone_clock_is_kept(w: World) -> None:
    # Two days before the planned day, and a clock a few minutes ahead of the server's.
    early = datetime.combine(w.distribution.planned_on - timedelta(days=2), datetime.min.time())
    for n, clock in enumerate((timezone.make_aware(early), timezone.now() + timedelta(minutes=4))):
        receipt = distributions.receipt_record(
            actor=w.officer,
            distribution=w.distribution,
            entry=w.entries[n],
            outcome=Outcome.RECEIVED,
            key=f"kept-{n}",
            recorded_at=clock,
        )
        assert receipt.recorded_at == clock
