"""The generated DTM history: published trajectory, shares, code lists, determinism."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest

from nahrain.displacement import bulk, generator, selectors
from nahrain.displacement.codelists import codes_for_round
from nahrain.displacement.models import AssessmentRound, Population, Rollup, RoundStatus
from nahrain.geo.models import AdminUnit
from nahrain.geo.selectors import AdminUnitIndex
from nahrain.testing.personas import Personas

SMALL = generator.SCALES["small"]


def files_digest(seed: int, frames: Path | None = None) -> str:
    digest = hashlib.sha256()
    for generated in generator.history_files(scale=SMALL, seed=seed, frames=frames):
        for population in sorted(generated.files):
            digest.update(generated.files[population])
    return digest.hexdigest()


def national(assessment_round: AssessmentRound, population: str) -> int:
    return (
        selectors.totals(assessment_round=assessment_round)
        .get(population, {})
        .get("individuals", 0)
    )


def assert_trajectory(personas: Personas) -> None:
    rounds = {
        r.reference_date: r for r in AssessmentRound.objects.filter(organisation=personas.iom)
    }
    for day, idps, returnees in generator.TRAJECTORY:
        assessment_round = rounds[day]
        assert assessment_round.status == RoundStatus.PUBLISHED
        assert abs(national(assessment_round, "idp") - idps) <= 0.005 * idps, day
        if returnees:
            got = national(assessment_round, "returnee")
            assert abs(got - returnees) <= 0.005 * returnees, day


def test_small_history_follows_the_published_trajectory(
    personas: Personas, gazetteer: None
) -> None:
    report = generator.history_generate(
        actor=personas.layla.user, organisation=personas.iom, scale=SMALL, seed=3
    )
    assert [p.number for p in report.rounds] == [n for n, _ in generator.ROUND_DATES]
    assert_trajectory(personas)
    # Governorate shares: Ninewa, Anbar and Salah al-Din take most returns once Mosul is retaken.
    r109 = AssessmentRound.objects.get(organisation=personas.iom, number=109)
    returns = {
        f.pcode: f.individuals
        for f in selectors.figures(assessment_round=r109, level=1, population="returnee")
    }
    pcodes = generator.governorate_pcodes()
    top = {pcodes[g] for g in (generator.NINEWA, generator.ANBAR, generator.SALAH_AL_DIN)}
    assert sum(returns.get(g, 0) for g in top) > 0.75 * sum(returns.values())
    # Displacement mainly from Anbar, Ninewa, Salah al-Din, Diyala and Kirkuk.
    origins = {
        f.category: f.individuals
        for f in selectors.figures(
            assessment_round=r109, level=0, dimension="origin", population="idp"
        )
    }
    main = {
        pcodes[g]
        for g in (
            generator.ANBAR,
            generator.NINEWA,
            generator.SALAH_AL_DIN,
            generator.DIYALA,
            generator.KIRKUK,
        )
    }
    assert sum(origins.get(g, 0) for g in main) > 0.85 * sum(origins.values())
    # Shelter and period breakdowns use the code lists valid in each round.
    assert_code_lists_in_force(personas)
    assert_generating_again_leaves_existing_rounds_alone(personas)
    assert_rollups_as_rebuilt_from_the_facts(r109)


def assert_rollups_as_rebuilt_from_the_facts(assessment_round: AssessmentRound) -> None:
    """The import sums the rollups while writing (IDPs, then returnees into the same round):
    they must equal a rebuild that reads every fact back."""
    columns = tuple(c for c in bulk.ROLLUP_COLUMNS if c != "round_id")
    rows = Rollup.objects.filter(round=assessment_round).values_list(*columns)
    imported = sorted(rows)
    assert {"idp", "returnee"} <= {row[0] for row in imported}
    bulk.rollups_refresh(
        round_id=assessment_round.pk,
        shelter_groups=codes_for_round(assessment_round.number).shelter_group_of(),
    )
    assert sorted(rows.all()) == imported


def assert_code_lists_in_force(personas: Personas) -> None:
    for assessment_round in AssessmentRound.objects.filter(organisation=personas.iom):
        codes = codes_for_round(assessment_round.number)
        rows = Rollup.objects.filter(round=assessment_round, level=0, population="idp")
        shelter = set(rows.filter(dimension="shelter").values_list("category", flat=True))
        assert shelter and shelter <= {item.code for item in codes.shelter}
        periods = set(rows.filter(dimension="period").values_list("category", flat=True))
        started = {
            item.code
            for item in codes.period
            if item.start is None or item.start < assessment_round.reference_date
        }
        assert periods and periods <= started
    r136 = AssessmentRound.objects.get(organisation=personas.iom, number=136)
    categories = set(Rollup.objects.filter(round=r136).values_list("category", flat=True))
    assert {"owned_habitable", "rented_uninhabitable", "y2024"} <= categories
    r40 = AssessmentRound.objects.get(organisation=personas.iom, number=40)
    categories = set(Rollup.objects.filter(round=r40).values_list("category", flat=True))
    assert "rented_housing" in categories and "y2018" not in categories


def test_same_seed_same_files_other_seed_other_files(gazetteer: None) -> None:
    first = files_digest(7)
    assert files_digest(7) == first
    assert files_digest(8) != first


@pytest.mark.shared_data
def test_same_seed_same_files_on_the_real_locations(gazetteer: None, shared: Path) -> None:
    assert files_digest(2, shared / generator.FRAMES) == files_digest(2, shared / generator.FRAMES)


def assert_generating_again_leaves_existing_rounds_alone(personas: Personas) -> None:
    again = generator.history_generate(
        actor=personas.layla.user, organisation=personas.iom, scale=SMALL, seed=1
    )
    assert again.rounds == [] and len(again.skipped) == len(generator.ROUND_DATES)
    assert AssessmentRound.objects.filter(organisation=personas.iom).count() == len(
        generator.ROUND_DATES
    )


def test_national_scale_plans_130_rounds_from_2014_to_2024() -> None:
    plans = generator.round_plans(generator.SCALES["national"])
    assert len(plans) == 130 and plans[0].number == 7 and plans[-1].number == 136
    assert plans[0].reference_date.year == 2014 and plans[-1].reference_date.year == 2024
    dates = [p.reference_date for p in plans]
    assert dates == sorted(dates) and len(set(dates)) == 130
    peak = max(plans, key=lambda p: p.idps)
    assert peak.reference_date.isoformat() == "2016-03-31" and peak.idps == 3_418_000


def test_each_governorate_of_the_shares_is_the_one_named(gazetteer: None) -> None:
    """Name -> p-code -> name: the shares reach the governorates they name. Hand-copied codes
    once sent Sulaymaniyah's IDPs to Thi Qar (IQG17) and Najaf's to Maysan (IQG14)."""
    pcodes = generator.governorate_pcodes()
    index = AdminUnitIndex()
    constants = {
        attribute: value
        for attribute, value in vars(generator).items()
        if attribute.isupper() and isinstance(value, str) and value in pcodes
    }
    assert set(constants.values()) == set(pcodes)
    for attribute, name in constants.items():
        # The constant's own name says the same governorate as its value...
        named = index.resolve(attribute.replace("_", " "), level=1)
        assert named is not None and named.pcode == pcodes[name], attribute
        # ...and the name the files print for the p-code leads back to it.
        printed = AdminUnit.objects.get(pcode=pcodes[name]).name_en
        back = index.resolve(printed, level=1)
        assert back is not None and back.pcode == pcodes[name], (name, printed)
    assert pcodes[generator.SULAYMANIYAH] == "IQG06" and pcodes[generator.NAJAF] == "IQG04"


def test_the_idps_sulaymaniyah_hosts_are_counted_there_not_in_thi_qar(gazetteer: None) -> None:
    r109 = next(
        r for r in generator.history_files(scale=SMALL, seed=1, frames=None) if r.plan.number == 109
    )
    hosted: dict[str, int] = {}
    for row in csv.DictReader(io.StringIO(r109.files[Population.IDP].decode())):
        hosted[row["Governorate"]] = hosted.get(row["Governorate"], 0) + int(row["Individuals"])
    total = sum(hosted.values())
    assert hosted["Al-Sulaymaniyah"] > 0.04 * total
    assert hosted.get("Thi Qar", 0) < 0.02 * total
