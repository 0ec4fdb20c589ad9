"""The rating rule at its edges, indicator values from raw counts and the population, the
versions in force by date, and the informal-site risk score on worked examples."""

from __future__ import annotations

import math
from datetime import date

import pytest

from nahrain.sites import services
from nahrain.sites.codelists import rasp_formula
from nahrain.sites.models import Indicator, MovementReason, Rating, Sector


def indicator(better: str, green: float | None, red: float | None) -> Indicator:
    return Indicator(code="x", version="t", better=better, green=green, red=red)


@pytest.mark.parametrize(
    ("value", "rating"),
    [
        (15.0, Rating.GREEN),  # exactly on the green threshold: meets it
        (14.99, Rating.AMBER),
        (7.5, Rating.AMBER),  # exactly on the red threshold: not worse than it
        (7.49, Rating.RED),
        (40.0, Rating.GREEN),
    ],
)
def test_higher_is_better(value: float, rating: str) -> None:
    assert services.rate(indicator("higher", 15, 7.5), value) == rating


@pytest.mark.parametrize(
    ("value", "rating"),
    [
        (20.0, Rating.GREEN),
        (20.5, Rating.AMBER),
        (50.0, Rating.AMBER),
        (50.01, Rating.RED),
        (math.inf, Rating.RED),  # no latrine works at all
    ],
)
def test_lower_is_better(value: float, rating: str) -> None:
    assert services.rate(indicator("lower", 20, 50), value) == rating


def test_yes_no_has_no_amber() -> None:
    yes_no = indicator("yes", 1, 0)
    assert services.rate(yes_no, 1.0) == Rating.GREEN
    assert services.rate(yes_no, 0.0) == Rating.RED


def test_without_thresholds_a_value_is_not_rated() -> None:
    assert services.rate(indicator("higher", None, None), 3.0) == Rating.UNRATED


def test_values_from_raw_counts_and_the_population() -> None:
    """A site of 1 000 people: 12 000 l a day is 12 l/p/d; 30 + 10 latrines is 25 people per
    latrine and 75 % for women; 3 taps is 333.3 per tap; 0 showers is infinite; 4 000 m² covered
    is 4 m² each; 36 000 m² of site is 36 m² each; 20 of 80 tents to replace is 25 %."""
    raw = {
        "water_litres_per_day": 12000.0,
        "latrines_female": 30.0,
        "latrines_male": 10.0,
        "taps": 3.0,
        "showers": 0.0,
        "covered_m2": 4000.0,
        "site_area_m2": 36000.0,
        "tents": 80.0,
        "tents_to_replace": 20.0,
        "safe_spaces": 2.0,
        "fire_breaks": 0.0,
    }
    values = services.indicator_values(raw, 1000)
    assert values["water_lpd"] == 12
    assert values["people_per_latrine"] == 25
    assert values["female_latrine_share"] == 75
    assert values["people_per_tap"] == pytest.approx(333.33, abs=0.01)
    assert math.isinf(values["people_per_shower"])
    assert values["covered_m2_pp"] == 4
    assert values["site_m2_pp"] == 36
    assert values["tents_replace_share"] == 25
    assert values["safe_space"] == 1
    assert values["fire_breaks"] == 0
    # Not given, not guessed.
    assert "school_attendance" not in values and "health_access" not in values
    # Without a population, no per-person ratio.
    assert "water_lpd" not in services.indicator_values(raw, None)
    assert "female_latrine_share" in services.indicator_values(raw, None)


def test_the_version_in_force_on_the_round_day(db: None) -> None:
    old = Indicator.objects.get(code="water_lpd", version="2026.1")
    Indicator.objects.filter(pk=old.pk).update(valid_to=date(2027, 1, 1))
    Indicator.objects.create(
        code="water_lpd",
        version="2027.1",
        sector=old.sector,
        position=old.position,
        label_en=old.label_en,
        better="higher",
        green=20,
        red=10,
        source="test: a stricter figure from 2027",
        valid_from=date(2027, 1, 1),
    )
    assert services.indicators_in_force(date(2026, 12, 31))["water_lpd"].version == "2026.1"
    assert services.indicators_in_force(date(2027, 1, 1))["water_lpd"].version == "2027.1"
    assert "water_lpd" not in services.indicators_in_force(date(2018, 10, 31))


def test_the_data_migration_loaded_the_code_lists(db: None) -> None:
    assert Sector.objects.get(code="wash").cluster_en == "WASH Cluster"
    latrine = Indicator.objects.get(code="people_per_latrine")
    assert (latrine.better, latrine.green, latrine.red) == ("lower", 20, 50)
    assert "Sphere" in latrine.source
    assert MovementReason.objects.get(code="ret_camp_closure").kind == "departure"
    assert MovementReason.objects.filter(kind="arrival").count() >= 5


EXAMPLE = {
    "makeshift_share": 50,
    "tent_share": 20,
    "unfinished_share": 0,
    "families": 60,
    "eviction_risk": "notice_given",
    "wash_access": "partial",
    "protection": "concerns",
    "services_access": "one",
    "female_headed_share": 30,
}


def test_risk_score_worked_example() -> None:
    """Weights 15, 10, 8, 10, 15, 12, 12, 8, 10 (sum 100):
    makeshift 50 % → 0.5 x 15 = 7.5; tents 20 % → 0.2 x 10 = 2; unfinished 0 → 0;
    60 families reach the band from 50 → 0.6 x 10 = 6; eviction notice given → 1 x 15 = 15;
    WASH partial → 0.5 x 12 = 6; protection concerns → 0.5 x 12 = 6; one service within reach
    → 0.5 x 8 = 4; female-headed 30 % → 0.3 x 10 = 3. Total 49.5."""
    assert services.risk_score(EXAMPLE, rasp_formula()) == 49.5


def test_risk_score_at_the_ends_and_a_band_edge() -> None:
    """Everything at its worst scores 100; at its best 0. 9 families stay in the lowest band
    (0), 10 reach the next (0.3 x 10 = 3)."""
    worst = {
        **EXAMPLE,
        "makeshift_share": 100,
        "tent_share": 100,
        "unfinished_share": 100,
        "families": 500,
        "wash_access": "none",
        "protection": "incidents",
        "services_access": "neither",
        "female_headed_share": 100,
    }
    best = {
        "makeshift_share": 0,
        "tent_share": 0,
        "unfinished_share": 0,
        "families": 9,
        "eviction_risk": "none",
        "wash_access": "adequate",
        "protection": "none",
        "services_access": "both",
        "female_headed_share": 0,
    }
    formula = rasp_formula()
    assert services.risk_score(worst, formula) == 100
    assert services.risk_score(best, formula) == 0
    assert services.risk_score({**best, "families": 10}, formula) == 3


@pytest.mark.parametrize(
    "change",
    [
        {"eviction_risk": "maybe"},
        {"eviction_risk": ["none"]},
        {"tent_share": 120},
        {"tent_share": {"a": 1}},
        {"families": -1},
        {"colour": "red"},
    ],
)
def test_risk_answers_out_of_scale_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(services.SiteRuleBroken):
        services.risk_score({**EXAMPLE, **change}, rasp_formula())


def test_a_missing_answer_is_refused() -> None:
    answers = {k: v for k, v in EXAMPLE.items() if k != "families"}
    with pytest.raises(services.SiteRuleBroken, match="families"):
        services.risk_score(answers, rasp_formula())
