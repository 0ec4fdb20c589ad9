"""Reach: each household counted once per programme however many times it was served (two
cycles, two distributions, two versions of the list; under Hypothesis too), in the district of
its first served receipt, its people as they were that day; exact for the programme's
organisation, suppressed for anyone else and in the HXL export; and the 4W's month of new
people reached."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nahrain.assistance import reach
from nahrain.assistance.models import Distribution, ListEntry, ReachFigure, Receipt
from nahrain.assistance.tests import pdm_world
from nahrain.assistance.tests.pdm_world import World
from nahrain.core.models import AuditEvent
from nahrain.registry.models import Individual
from nahrain.testing.personas import Persona, Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas: Personas, huda: Persona) -> World:
    return pdm_world.build(personas, huda)


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=11))


def figure(world: World, pcode: str) -> ReachFigure:
    return ReachFigure.objects.get(programme=world.programme, admin_unit__pcode=pcode)


FAMILY: list[tuple[str, date | None]] = [
    ("f", date(1985, 2, 1)),
    ("m", date(1950, 1, 1)),
    ("m", date(2010, 9, 9)),
]
MAN: list[tuple[str, date | None]] = [("m", date(1990, 1, 1))]


def test_a_household_served_in_two_cycles_and_by_two_distributions_counts_once(
    world: World,
) -> None:
    world.programme.cycles = 2
    world.programme.save()
    first = pdm_world.approved_list(world.programme)
    second = pdm_world.approved_list(world.programme)  # a new version of the list
    served = pdm_world.household(world, FAMILY)
    once = pdm_world.household(world, [("m", date(1990, 1, 1))])
    one = pdm_world.distribution(world, first, cycle=1, planned_on=date(2026, 11, 5))
    two = pdm_world.distribution(world, second, cycle=2, planned_on=date(2026, 12, 5))
    pdm_world.serve(one, pdm_world.entry(world, first, served))
    pdm_world.serve(one, pdm_world.entry(world, first, once))
    pdm_world.serve(two, pdm_world.entry(world, second, served))
    absent = pdm_world.household(world, [("f", date(1970, 1, 1))])
    pdm_world.serve(two, pdm_world.entry(world, second, absent), served=False)
    assert reach.refresh(programme_ids=[world.programme.pk]) == 1
    zakho = figure(world, "IQG09Q04")
    assert (zakho.households, zakho.people) == (2, 4)
    assert (zakho.f_18_59, zakho.m_60, zakho.m_0_17, zakho.m_18_59) == (1, 1, 1, 1)
    # Recounted, nothing doubles.
    reach.refresh(programme_ids=[world.programme.pk])
    assert ReachFigure.objects.get().people == 4


def test_the_district_is_the_entrys_resolved_to_admin_level_2(world: World) -> None:
    the_list = pdm_world.approved_list(world.programme)
    found = pdm_world.distribution(world, the_list)
    in_camp = pdm_world.household(world, FAMILY)
    out = pdm_world.household(world, FAMILY, in_camp=False)  # in a subdistrict of Sumail
    vague = pdm_world.household(world, FAMILY, in_camp=False)
    pdm_world.serve(found, pdm_world.entry(world, the_list, in_camp))
    pdm_world.serve(found, pdm_world.entry(world, the_list, out))
    known_to_governorate = pdm_world.entry(world, the_list, vague)
    ListEntry.objects.filter(pk=known_to_governorate.pk).update(admin_unit=world.duhok)
    pdm_world.serve(found, known_to_governorate)
    reach.refresh(programme_ids=[world.programme.pk])
    assert sorted(ReachFigure.objects.values_list("admin_unit__pcode", "households", "people")) == [
        ("IQG09", 1, 3),
        ("IQG09Q03", 1, 3),
        ("IQG09Q04", 1, 3),
    ]


def test_the_people_are_those_in_the_household_on_the_day_it_was_first_served(
    world: World,
) -> None:
    the_list = pdm_world.approved_list(world.programme)
    found = pdm_world.distribution(world, the_list, planned_on=date(2026, 11, 5))
    served = pdm_world.household(
        world,
        [
            ("f", date(1990, 4, 4)),  # the head
            ("m", date(2008, 11, 6)),  # 18 the day after: a child when served
            ("f", date(1966, 11, 5)),  # 60 that very day
            ("f", None),  # no date of birth
            ("m", date(2026, 11, 20)),  # born afterwards: not reached
            ("m", date(1940, 1, 1)),  # died before: not reached
            ("f", date(1995, 1, 1)),  # left afterwards: reached
        ],
    )
    members = list(Individual.objects.filter(household=served).order_by("pk"))
    Individual.objects.filter(pk=members[5].pk).update(status="deceased", died_on=date(2026, 6, 1))
    Individual.objects.filter(pk=members[6].pk).update(status="left", left_on=date(2026, 11, 30))
    pdm_world.serve(found, pdm_world.entry(world, the_list, served), at=at(date(2026, 11, 5)))
    reach.refresh(programme_ids=[world.programme.pk])
    zakho = figure(world, "IQG09Q04")
    assert (zakho.households, zakho.people) == (1, 5)
    assert (zakho.f_18_59, zakho.m_0_17, zakho.f_60, zakho.f_unknown) == (2, 1, 1, 1)
    assert zakho.people == sum(getattr(zakho, cell) for cell in reach.cells())


def test_a_refresh_of_some_districts_leaves_the_others(world: World) -> None:
    the_list = pdm_world.approved_list(world.programme)
    found = pdm_world.distribution(world, the_list)
    pdm_world.serve(found, pdm_world.entry(world, the_list, pdm_world.household(world, FAMILY)))
    out = pdm_world.household(world, FAMILY, in_camp=False)
    pdm_world.serve(found, pdm_world.entry(world, the_list, out))
    reach.refresh(programme_ids=[world.programme.pk])
    ReachFigure.objects.update(households=99)
    # A subdistrict's refresh rewrites its district.
    reach.refresh(programme_ids=[world.programme.pk], admin_unit_ids=[world.sumail_sub.pk])
    assert figure(world, "IQG09Q03").households == 1
    assert figure(world, "IQG09Q04").households == 99


# --- who sees what ----------------------------------------------------------------------------


def served_in(
    world: World, count: int, *, in_camp: bool, members: list[tuple[str, date | None]] = FAMILY
) -> None:
    the_list = pdm_world.approved_list(world.programme)
    found = pdm_world.distribution(world, the_list)
    for _ in range(count):
        made = pdm_world.household(world, members, in_camp=in_camp)
        pdm_world.serve(found, pdm_world.entry(world, the_list, made))


def test_the_programmes_organisation_sees_exact_figures_and_others_suppressed(
    world: World,
) -> None:
    served_in(world, 10, in_camp=True)  # Zakho: 10 households, 30 people
    served_in(world, 2, in_camp=False, members=MAN)  # Sumail: 2 households of a man
    reach.refresh(programme_ids=[world.programme.pk])
    own = reach.reach_figures(user=world.personas.layla.user)  # any member of IOM
    assert [
        (r.district.pcode if r.district else None, r.households, r.people) for r in own.rows
    ] == [
        ("IQG09Q03", 2, 2),
        ("IQG09Q04", 10, 30),
    ]
    assert all(r.exact for r in own.rows) and own.totals["people"] == 32
    other = reach.reach_figures(user=world.kawa)
    sumail, zakho = other.rows
    assert not sumail.exact and sumail.households is None  # 2 households: hidden
    assert (sumail.cells["m_18_59"], sumail.people) == (None, None)  # 2 men: hidden
    assert sumail.cells["f_18_59"] == 0  # nobody is no one
    assert zakho.households is None  # hidden with it, or 2 could be worked out from the total
    assert (zakho.cells["f_18_59"], zakho.people) == (10, 30)
    assert other.totals["households"] is None and other.totals["people"] is None
    for cell, value in zakho.cells.items():
        assert value is None or value == 0 or value >= 5, cell
    assert reach.reach_figures(user=world.personas.root.user).rows[0].exact is False
    # Filters pick rows out of the one suppressed table.
    (only,) = reach.reach_figures(user=world.kawa, governorate=world.duhok).rows[:1]
    assert only.households is None
    assert reach.reach_figures(user=world.kawa, cluster="wash").rows == []


def test_a_draft_programme_is_seen_by_its_organisation_alone(world: World) -> None:
    served_in(world, 6, in_camp=True)
    world.programme.status = "draft"
    world.programme.save()
    reach.refresh(programme_ids=[world.programme.pk])
    assert len(reach.reach_figures(user=world.huda).rows) == 1
    assert reach.reach_figures(user=world.kawa).rows == []


def test_the_hxl_export_is_tagged_suppressed_and_audited(world: World) -> None:
    served_in(world, 10, in_camp=True)
    served_in(world, 2, in_camp=False, members=MAN)
    reach.refresh(programme_ids=[world.programme.pk])
    text = reach.hxl_csv(user=world.huda, programme=world.programme)
    header, tags, *rows = list(csv.reader(io.StringIO(text)))
    assert tags[:11] == [
        "#org+name",
        "#sector+code",
        "#activity+hrp+code",
        "#activity+code",
        "#activity+type",
        "#adm1+name",
        "#adm1+code",
        "#adm2+name",
        "#adm2+code",
        "#reached+hh",
        "#reached+ind",
    ]
    assert "#reached+f+children+age0_17" in tags and "#reached+m+elderly+age60_" in tags
    assert len(header) == len(tags)
    by_district = {row[8]: dict(zip(tags, row, strict=True)) for row in rows}
    # Suppressed even for IOM's own officer: the file leaves the organisation.
    assert by_district["IQG09Q03"]["#reached+hh"] == ""
    assert by_district["IQG09Q04"]["#reached+f+adults+age18_59"] == "10"
    assert by_district["IQG09Q04"]["#org+name"] == "IOM"
    assert by_district["IQG09Q04"]["#adm1+code"] == "IQG09"
    event = AuditEvent.objects.get(action="assistance.reach_export")
    assert event.detail == {"rows": 2, "format": "hxl"}


# --- the 4W -----------------------------------------------------------------------------------


def test_the_4w_month_counts_the_people_first_reached_that_month(world: World) -> None:
    world.programme.cycles = 2
    world.programme.save()
    the_list = pdm_world.approved_list(world.programme)
    november = pdm_world.distribution(world, the_list, cycle=1, planned_on=date(2026, 11, 5))
    december = pdm_world.distribution(world, the_list, cycle=2, planned_on=date(2026, 12, 5))
    early = pdm_world.entry(world, the_list, pdm_world.household(world, FAMILY))
    late = pdm_world.entry(world, the_list, pdm_world.household(world, [("f", date(1999, 1, 1))]))
    pdm_world.serve(november, early)
    pdm_world.serve(december, early)
    pdm_world.serve(december, late)
    (nov,) = reach.reach_rows_for_4w(organisation=world.personas.iom, month=date(2026, 11, 17))
    assert (nov.month, nov.households, nov.people, nov.admin2_pcode) == (
        date(2026, 11, 1),
        1,
        3,
        "IQG09Q04",
    )
    assert (nov.organisation, nov.cluster, nov.hrp_project, nov.kind, nov.admin1_pcode) == (
        "IOM",
        "snfi",
        "IRQ18/SNYS/123876",
        "nfi_top_up",
        "IQG09",
    )
    (dec,) = reach.reach_rows_for_4w(organisation=world.personas.iom, month=date(2026, 12, 1))
    assert (dec.households, dec.people, dec.cells["f_18_59"]) == (1, 1, 1)
    assert (
        reach.reach_rows_for_4w(organisation=world.personas.intersos, month=date(2026, 12, 1)) == []
    )


# --- unique reach, whatever happens -------------------------------------------------------------


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    events=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 2), st.booleans()), min_size=0, max_size=25
    )
)
def test_reach_counts_each_served_household_once(
    world: World, events: list[tuple[int, int, bool]]
) -> None:
    """Any sequence of recordings (a household at one of three distributions: cycle 1 and 2 of
    one list, cycle 1 again from a newer version; served or absent; a second service in a
    cycle kept unserved, as the receipts keep it) gives one count per household served."""
    Receipt.objects.filter(programme=world.programme).delete()
    world.programme.cycles = 2
    world.programme.save()
    if not Distribution.objects.filter(programme=world.programme).exists():
        first = pdm_world.approved_list(world.programme)
        second = pdm_world.approved_list(world.programme)
        pdm_world.distribution(world, first, cycle=1)
        pdm_world.distribution(world, first, cycle=2, planned_on=date(2026, 12, 5))
        pdm_world.distribution(world, second, cycle=1, planned_on=date(2026, 11, 20))
        for n in range(6):
            made = pdm_world.household(world, FAMILY[: 1 + n % 3], in_camp=n % 2 == 0)
            pdm_world.entry(world, first, made)
            pdm_world.entry(world, second, made)
    distributions = list(Distribution.objects.filter(programme=world.programme).order_by("pk"))
    households = sorted(
        {e.household_id for e in ListEntry.objects.filter(list__programme=world.programme)}
    )
    served: set[int] = set()
    cycles: set[tuple[int, int]] = set()
    for n, (which, where, present) in enumerate(events):
        found = distributions[where]
        on_entry = ListEntry.objects.get(list=found.list, household_id=households[which])
        first_in_cycle = (found.cycle, households[which]) not in cycles
        pdm_world.serve(found, on_entry, served=present and first_in_cycle, key=f"e{n}")
        if present and first_in_cycle:
            served.add(households[which])
            cycles.add((found.cycle, households[which]))
    reach.refresh(programme_ids=[world.programme.pk])
    rows = ReachFigure.objects.filter(programme=world.programme)
    assert sum(r.households for r in rows) == len(served)
    people = Individual.objects.filter(household_id__in=served).count()
    assert sum(r.people for r in rows) == people
    assert all(r.people == sum(getattr(r, c) for c in reach.cells()) for r in rows)


def test_recording_receipts_keeps_reach_current_and_counts_a_second_cycle_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from nahrain.assistance import distributions

    world.programme.cycles = 2
    world.programme.save()
    the_list = pdm_world.approved_list(world.programme)
    on_entry = pdm_world.entry(world, the_list, pdm_world.household(world, FAMILY))
    for cycle, day in ((1, date(2026, 11, 5)), (2, date(2026, 12, 5))):
        found = pdm_world.distribution(world, the_list, cycle=cycle, planned_on=day)
        Distribution.objects.filter(pk=found.pk).update(status="open")
        found.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            distributions.receipt_record(
                actor=world.huda,
                distribution=found,
                entry=on_entry,
                outcome="received",
                key=f"uuid:r{cycle}",
                recorded_at=at(day),
            )
        zakho = figure(world, "IQG09Q04")
        assert (zakho.households, zakho.people) == (1, 3)


def test_the_refreshes_a_transaction_asks_for_run_once_after_it_commits(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    the_list = pdm_world.approved_list(world.programme)
    found = pdm_world.distribution(world, the_list)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for _ in range(3):
            made = pdm_world.household(world, FAMILY)
            receipt = pdm_world.serve(found, pdm_world.entry(world, the_list, made))
            reach.refresh_on_commit(programme_id=world.programme.pk, admin_unit_id=world.zakho.pk)
        out = pdm_world.household(world, FAMILY, in_camp=False)
        pdm_world.serve(found, pdm_world.entry(world, the_list, out))
        reach.refresh_on_commit(programme_id=world.programme.pk, admin_unit_id=world.sumail_sub.pk)
    assert len(callbacks) == 1
    assert receipt.served
    assert sorted(ReachFigure.objects.values_list("admin_unit__pcode", "households")) == [
        ("IQG09Q03", 1),
        ("IQG09Q04", 3),
    ]


def test_a_receipt_refreshes_the_district_of_the_households_camp_not_the_distributions(
    world: World, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    from nahrain.assistance import distributions

    calls: list[Any] = []
    counted = reach.refresh

    def refresh(*, programme_ids: Any, admin_unit_ids: Any = None) -> int:
        calls.append(set(admin_unit_ids) if admin_unit_ids is not None else None)
        return counted(programme_ids=programme_ids, admin_unit_ids=admin_unit_ids)

    monkeypatch.setattr(reach, "refresh", refresh)
    the_list = pdm_world.approved_list(world.programme)
    # Chameshku camp's households (their entries name the camp, no admin unit) served at a
    # point in Sumail, with one household out of camp in a subdistrict of Sumail.
    found = pdm_world.distribution(world, the_list)
    Distribution.objects.filter(pk=found.pk).update(status="open", admin_unit=world.sumail)
    found.refresh_from_db()
    in_camp = [pdm_world.entry(world, the_list, pdm_world.household(world, FAMILY)) for _ in "ab"]
    out = pdm_world.entry(world, the_list, pdm_world.household(world, MAN, in_camp=False))
    assert in_camp[0].admin_unit_id is None and in_camp[0].site_id == world.chameshku.pk
    with django_capture_on_commit_callbacks(execute=True):
        for n, on_entry in enumerate([*in_camp, out]):
            distributions.receipt_record(
                actor=world.huda,
                distribution=found,
                entry=on_entry,
                outcome="received",
                key=f"uuid:camp{n}",
                recorded_at=at(found.planned_on),
            )
    # One refresh for the transaction, of the districts the households are counted in.
    assert calls == [{world.chameshku.admin_unit_id, world.sumail_sub.pk}]
    assert sorted(ReachFigure.objects.values_list("admin_unit__pcode", "households")) == [
        ("IQG09Q03", 1),
        ("IQG09Q04", 2),
    ]


def test_a_failing_refresh_is_logged_and_the_receipt_stays(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from nahrain.assistance import distributions

    def refresh(**_kwargs: Any) -> int:
        raise RuntimeError("the rollup broke")

    monkeypatch.setattr(reach, "refresh", refresh)
    the_list = pdm_world.approved_list(world.programme)
    found = pdm_world.distribution(world, the_list)
    Distribution.objects.filter(pk=found.pk).update(status="open")
    found.refresh_from_db()
    on_entry = pdm_world.entry(world, the_list, pdm_world.household(world, FAMILY))
    with django_capture_on_commit_callbacks(execute=True):
        receipt = distributions.receipt_record(
            actor=world.huda,
            distribution=found,
            entry=on_entry,
            outcome="received",
            key="uuid:broken-rollup",
            recorded_at=at(found.planned_on),
        )
    assert Receipt.objects.get(pk=receipt.pk).served
    assert "the rollup broke" in caplog.text
