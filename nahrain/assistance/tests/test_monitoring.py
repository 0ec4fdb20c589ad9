"""Post-distribution monitoring: the sample size against published values, the allocation to the
strata by sex of the head (its invariants under Hypothesis), a draw reproduced from its seed,
the answers recorded once with their complaints handed on, and the results by sex and site."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given
from hypothesis import strategies as st

from nahrain.assistance import monitoring
from nahrain.assistance.models import MonitoringAnswer, SampledHousehold
from nahrain.assistance.tests import pdm_world
from nahrain.assistance.tests.pdm_world import World
from nahrain.core.models import AuditEvent
from nahrain.testing.personas import Persona, Personas

# --- sample size ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "expected"),
    [
        # The published tables for 95% confidence, 5% margin, p = 0.5 (Krejcie and Morgan 1970,
        # and every PDM sample-size calculator with the finite population correction).
        (100, 80),
        (500, 218),
        (1000, 278),
        (2000, 323),
        (10_000, 370),
        (100_000, 383),
        (10_000_000, 385),
    ],
)
def test_the_sample_size_is_cochrans_with_the_finite_population_correction(
    population: int, expected: int
) -> None:
    assert monitoring.sample_size(population) == expected


def test_a_tighter_margin_or_higher_confidence_asks_for_more() -> None:
    assert monitoring.sample_size(10_000_000, confidence=0.99, margin=0.05) == 664
    assert monitoring.sample_size(10_000_000, confidence=0.90, margin=0.05) == 271
    assert monitoring.sample_size(1000, margin=0.1) == 88
    assert monitoring.sample_size(3) == 3  # never more than there are
    assert monitoring.sample_size(0) == 0
    with pytest.raises(ValueError):
        monitoring.sample_size(100, margin=0)


# --- allocation -------------------------------------------------------------------------------


def test_proportional_allocation_with_two_at_least_in_every_stratum() -> None:
    assert monitoring.allocate({"f": 300, "m": 700}, 278) == {"f": 83, "m": 195}
    # Proportion would give the 3 female-headed households of 1000 one place (0.8): they get two.
    assert monitoring.allocate({"f": 3, "m": 997}, 278) == {"f": 2, "m": 276}
    assert monitoring.allocate({"f": 1, "m": 50}, 10) == {"f": 1, "m": 9}
    assert monitoring.allocate({"f": 0, "m": 50}, 10) == {"f": 0, "m": 10}
    # A sample too small for the minimums grows to them.
    assert monitoring.allocate({"f": 5, "m": 5, "u": 5}, 4) == {"f": 2, "m": 2, "u": 2}


@given(
    sizes=st.dictionaries(st.sampled_from(["f", "m", "u"]), st.integers(0, 400), min_size=1),
    n=st.integers(0, 500),
)
def test_the_allocation_sums_and_respects_every_stratum(sizes: dict[str, int], n: int) -> None:
    shares = monitoring.allocate(sizes, n)
    population = sum(sizes.values())
    floors = sum(min(2, s) for s in sizes.values())
    assert sum(shares.values()) == min(population, max(n, floors))
    for k, size in sizes.items():
        assert min(2, size) <= shares[k] <= size
    # Proportional: no stratum is more than one household from its quota, unless the minimum
    # of two lifted it (and then the others gave it way, each still within its quota + 1).
    total = sum(shares.values())
    if population:
        for k, size in sizes.items():
            quota = total * size / population
            if shares[k] > min(2, size):
                assert shares[k] < quota + 1 + 2 * len(sizes)
    reserves = monitoring.reserves(shares, sizes, 10)
    for k, size in sizes.items():
        assert 0 <= reserves[k] <= size - shares[k]


# --- the draw ---------------------------------------------------------------------------------


@pytest.fixture
def world(personas: Personas, huda: Persona) -> World:
    return pdm_world.build(personas, huda)


def test_a_draw_is_stratified_by_sex_of_the_head_with_reserves(world: World) -> None:
    found, _receipts = pdm_world.served_distribution(world, {"f": 30, "m": 70})
    sample = monitoring.sample_draw(actor=world.huda, distribution=found, seed="pdm-2026-11")
    # 100 served: 80 at 95% and 5%, 24 of the 30 female-headed and 56 of the 70 male-headed.
    assert sample.size == 80
    assert sample.strata == {
        "f": {"population": 30, "sample": 24, "reserve": 3},
        "m": {"population": 70, "sample": 56, "reserve": 6},
    }
    members = list(SampledHousehold.objects.filter(sample=sample).order_by("position"))
    assert [m.position for m in members] == list(range(1, 90))
    assert [m.reserve for m in members] == [False] * 80 + [True] * 9
    assert all(m.receipt.entry.head_sex == m.stratum for m in members)
    assert len({m.receipt_id for m in members}) == 89
    event = AuditEvent.objects.get(action="assistance.sample_draw")
    assert event.detail == {
        "distribution": str(found.uid),
        "population": 100,
        "size": 80,
        "reserves": 9,
    }


def test_the_same_seed_draws_the_same_households_in_the_same_order(world: World) -> None:
    found, _receipts = pdm_world.served_distribution(world, {"f": 12, "m": 40})

    def drawn(seed: str | None) -> list[tuple[int, bool]]:
        sample = monitoring.sample_draw(actor=world.huda, distribution=found, seed=seed)
        return list(
            SampledHousehold.objects.filter(sample=sample)
            .order_by("position")
            .values_list("receipt_id", "reserve")
        )

    assert drawn("a-seed") == drawn("a-seed")
    assert drawn("a-seed") != drawn("another-seed")
    unseeded = monitoring.sample_draw(actor=world.huda, distribution=found)
    assert len(unseeded.seed) == 32  # recorded, so that it too can be drawn again
    assert drawn(unseeded.seed) == list(
        SampledHousehold.objects.filter(sample=unseeded)
        .order_by("position")
        .values_list("receipt_id", "reserve")
    )


def test_only_served_households_are_drawn_and_only_by_the_programmes_officers(
    world: World,
) -> None:
    found, receipts = pdm_world.served_distribution(world, {"f": 2, "m": 3})
    absent = pdm_world.entry(
        world,
        found.list,
        pdm_world.household(world, [("m", date(1970, 1, 1))]),
    )
    pdm_world.serve(found, absent, served=False)
    sample = monitoring.sample_draw(actor=world.huda, distribution=found, seed="s")
    assert set(sample.members.values_list("receipt_id", flat=True)) == {r.pk for r in receipts}
    for outsider in (world.kawa, world.personas.layla.user, world.personas.root.user):
        with pytest.raises(PermissionDenied):
            monitoring.sample_draw(actor=outsider, distribution=found)


def test_a_distribution_nobody_was_served_at_has_no_sample(world: World) -> None:
    found = pdm_world.distribution(world, pdm_world.approved_list(world.programme))
    with pytest.raises(ValidationError):
        monitoring.sample_draw(actor=world.huda, distribution=found)


# --- answers, complaints and results ------------------------------------------------------------

GOOD = {
    "reached": "interviewed",
    "modality": "in_kind",
    "received_full": "all",
    "as_planned": "yes",
    "quality": "good",
    "safe": "yes",
    "waiting": "under_1h",
    "respect": "yes",
    "asked_to_pay": "no",
    "still_has": "all",
    "knows_complain": "yes",
    "wants_complain": "no",
}


def test_an_answer_is_recorded_once_and_a_complaint_is_handed_on(world: World) -> None:
    found, _receipts = pdm_world.served_distribution(world, {"f": 3, "m": 3})
    sample = monitoring.sample_draw(actor=world.huda, distribution=found, seed="s")
    first, second, third = sample.members.order_by("position")[:3]
    on = date(2026, 11, 20)
    answer = monitoring.answer_record(
        actor=world.huda, sampled=first, answers=GOOD, interviewed_on=on, key="uuid:1"
    )
    again = monitoring.answer_record(
        actor=world.huda, sampled=first, answers=GOOD, interviewed_on=on, key="uuid:1"
    )
    assert again.pk == answer.pk and not answer.complaint
    with pytest.raises(ValidationError):  # a household answers once
        monitoring.answer_record(
            actor=world.huda, sampled=first, answers=GOOD, interviewed_on=on, key="uuid:1b"
        )
    with pytest.raises(ValidationError):
        monitoring.answer_record(
            actor=world.huda,
            sampled=second,
            answers={**GOOD, "quality": "splendid"},
            interviewed_on=on,
            key="uuid:2",
        )
    paid = {**GOOD, "asked_to_pay": "yes", "complaint": "The guard took 5,000 dinars"}
    monitoring.answer_record(
        actor=world.huda, sampled=second, answers=paid, interviewed_on=on, key="uuid:2"
    )
    wants = {**GOOD, "wants_complain": "yes", "complaint": "The kit had no blanket"}
    monitoring.answer_record(
        actor=world.huda, sampled=third, answers=wants, interviewed_on=on, key="uuid:3"
    )
    pending = monitoring.complaints_pending(user=world.huda, programme=world.programme)
    # Asked to pay: the officers (maybe the team it is about) learn only that a sensitive
    # complaint waits for the focal points; a text sent anyway is not kept.
    assert [(p.token, p.site, p.reasons, p.text, p.sensitive) for p in pending] == [
        ("", None, ["sensitive"], "", True),
        (
            third.receipt.entry.token,
            world.chameshku,
            ["wants_to_complain"],
            "The kit had no blanket",
            False,
        ),
    ]
    assert pending[0].reason_labels == [
        "Sensitive: waiting for the feedback mechanism's focal points"
    ]
    kept = MonitoringAnswer.objects.get(sampled=second)
    assert "complaint" not in kept.answers and kept.complaint_reasons == ["asked_to_pay"]
    assert "5,000" not in str(list(MonitoringAnswer.objects.values_list("answers", flat=True)))
    # The results still count the answer, by site.
    shown = monitoring.results(user=world.huda, sample=sample)
    asked = next(q for q in shown.questions if q.code == "asked_to_pay")
    yes = next(c for c in asked.choices if c.code == "yes")
    assert (yes.total.count, yes.by_site[world.chameshku.pk].count) == (1, 1)
    assert shown.complaints == 2
    MonitoringAnswer.objects.filter(sampled=second).update(complaint_taken_at="2026-11-21T09:00Z")
    assert len(monitoring.complaints_pending(user=world.huda, programme=world.programme)) == 1
    with pytest.raises(PermissionDenied):
        monitoring.complaints_pending(user=world.kawa, programme=world.programme)


def test_a_household_not_interviewed_answers_nothing_else(world: World) -> None:
    found, _receipts = pdm_world.served_distribution(world, {"m": 2})
    sample = monitoring.sample_draw(actor=world.huda, distribution=found, seed="s")
    answer = monitoring.answer_record(
        actor=world.huda,
        sampled=sample.members.get(position=1),
        answers={**GOOD, "reached": "declined"},
        interviewed_on=date(2026, 11, 20),
        key="uuid:d",
    )
    assert answer.answers == {"reached": "declined"}


def test_results_by_sex_of_the_head_and_by_site_with_the_response_rate(world: World) -> None:
    camp, _r = pdm_world.served_distribution(world, {"f": 2, "m": 2})
    out = pdm_world.entry(
        world, camp.list, pdm_world.household(world, [("f", date(1990, 1, 1))], in_camp=False)
    )
    pdm_world.serve(camp, out)
    sample = monitoring.sample_draw(actor=world.huda, distribution=camp, seed="s")
    members = {m.receipt.entry.household_id: m for m in sample.members.all()}
    assert len(members) == 5  # all five
    on = date(2026, 11, 20)
    for n, member in enumerate(sorted(members.values(), key=lambda m: m.receipt.entry.pk)):
        answers = {**GOOD, "quality": "poor"} if member.stratum == "f" else GOOD
        if n == 1:
            answers = {"reached": "not_found"}
        monitoring.answer_record(
            actor=world.huda, sampled=member, answers=answers, interviewed_on=on, key=f"k{n}"
        )
    shown = monitoring.results(user=world.huda, sample=sample)
    assert (shown.size, shown.approached, shown.interviewed) == (5, 5, 4)
    assert (shown.response_rate, shown.completion) == (80.0, 80.0)
    assert [g.key for g in shown.sexes] == ["f", "m"]
    assert [g.label for g in shown.sites] == ["Chameshku (IQ-DHK-CHM)", "Out of camp"]
    quality = next(q for q in shown.questions if q.code == "quality")
    # The second entry (a female-headed household in the camp) was not found.
    assert quality.asked == 4 and quality.asked_by_sex == {"f": 2, "m": 2}
    poor = next(c for c in quality.choices if c.code == "poor")
    assert (poor.label, poor.total.count, poor.total.percent) == ("Poor", 2, 50.0)
    assert poor.by_sex["f"].percent == 100.0 and poor.by_sex["m"].percent == 0.0
    assert poor.by_site[None].count == 1  # the household out of camp
    assert not any(q.code == "complaint" for q in shown.questions)  # free text is not tabulated
    with pytest.raises(PermissionDenied):
        monitoring.results(user=world.personas.layla.user, sample=sample)


def test_the_results_speak_the_readers_language(world: World) -> None:
    from django.utils import translation

    found, _receipts = pdm_world.served_distribution(world, {"m": 2})
    sample = monitoring.sample_draw(actor=world.huda, distribution=found, seed="s")
    monitoring.answer_record(
        actor=world.huda,
        sampled=sample.members.get(position=1),
        answers=GOOD,
        interviewed_on=date(2026, 11, 20),
        key="k",
    )
    with translation.override("ar"):
        shown = monitoring.results(user=world.huda, sample=sample)
    safe = next(q for q in shown.questions if q.code == "safe")
    assert safe.choices[0].label == "نعم"
    assert shown.sites[0].label == "جمشكو (IQ-DHK-CHM)"
