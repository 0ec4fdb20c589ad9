"""``selectors.location_figures`` reads one hand-written statement into tuples (for speed, see
docs/PERFORMANCE.md); on a generated history it answers exactly what the ORM query it replaced
answered, for every round, population and kind of area, and its pages never overlap."""

from __future__ import annotations

import gc
from typing import Any

from nahrain.displacement import generator, selectors
from nahrain.displacement.models import AssessmentRound, LocationAssessment
from nahrain.geo.models import AdminUnit
from nahrain.testing.personas import Personas


def through_the_orm(
    assessment_round: AssessmentRound, population: str | None, within: AdminUnit | None
) -> list[tuple[Any, ...]]:
    """The previous implementation: model instances with their place and units, read back into
    the new rows' fields (ordered as before, with the ties broken as the new query breaks them)."""
    rows = LocationAssessment.objects.filter(round=assessment_round).select_related(
        "location", "adm1", "adm2", "adm3"
    )
    if population:
        rows = rows.filter(population=population)
    if within is not None:
        rows = rows.filter(**{f"adm{within.level}": within})
    result = []
    for r in rows.order_by("-individuals", "location__external_id", "population", "id"):
        units: list[Any] = []
        for unit in (r.adm1, r.adm2, r.adm3):
            units += (
                [None, None, None] if unit is None else [unit.pcode, unit.name_en, unit.name_ar]
            )
        location = r.location
        result.append(
            (
                r.pk,
                location.pk,
                location.external_id,
                location.name_en,
                location.name_ar,
                location.latitude,
                location.longitude,
                r.population,
                r.households,
                r.individuals,
                *units,
            )
        )
    return result


def test_location_figures_answer_what_the_orm_answered_on_a_generated_history(
    personas: Personas, gazetteer: None
) -> None:
    generator.history_generate(
        actor=personas.layla.user,
        organisation=personas.iom,
        scale=generator.SCALES["small"],
        seed=5,
    )
    rounds = list(AssessmentRound.objects.filter(organisation=personas.iom).order_by("number"))
    assert len(rounds) > 5
    compared = 0
    for assessment_round in (rounds[0], rounds[len(rounds) // 2], rounds[-1]):
        # A place with a subdistrict where the generated places have one (the frames do not
        # always say).
        facts = LocationAssessment.objects.filter(
            round=assessment_round, adm2__isnull=False
        ).select_related("adm1", "adm2", "adm3")
        fact = facts.filter(adm3__isnull=False).first() or facts.first()
        assert fact is not None
        for within in (None, fact.adm1, fact.adm2, *([fact.adm3] if fact.adm3 else [])):
            for population in (None, "idp", "returnee"):
                got = selectors.location_figures(
                    assessment_round=assessment_round, population=population, within=within
                )
                assert [tuple(r) for r in got] == through_the_orm(
                    assessment_round, population, within
                )
                compared += len(got)
        whole = selectors.location_figures(assessment_round=assessment_round)
        pages = [
            row
            for offset in range(0, len(whole), 37)
            for row in selectors.location_figures(
                assessment_round=assessment_round, limit=37, offset=offset
            )
        ]
        assert pages == whole
    # Both populations, several hundred places a round, names and units all compared.
    assert compared > 2000
    assert any(r.population == "returnee" for r in whole)


def test_the_rows_are_kept_plain_and_named_as_they_are_read() -> None:
    """The answer keeps the driver's plain tuples, which the collector stops tracking (a tuple
    subclass it would track for as long as the answer lives), and gives named rows to every
    way of reading it."""
    units = ("IQG01", "Duhok", "دهوك", "IQG01Q01", "Zakho", "زاخو", None, None, None)
    plain = [
        (7, 70, "P7", "Camp", "مخيم", 37.1, 42.7, "idp", 50, 210, *units),
        (3, 30, "P3", "Town", "بلدة", None, None, "returnee", 4, 19, *units),
    ]
    rows = selectors.LocationFigures(list(plain))
    assert len(rows) == 2
    assert [tuple(r) for r in rows] == plain
    assert all(isinstance(r, selectors.LocationFigure) for r in rows)
    assert rows[0].place_id == "P7" and rows[-1].individuals == 19
    assert rows[0].adm2_name_ar == "زاخو" and rows[1].adm3_pcode is None
    assert isinstance(rows[1:], selectors.LocationFigures) and rows[1:] == plain[1:]
    assert rows == plain and list(rows) == rows and rows == selectors.LocationFigures(plain)
    assert rows != plain[:1] and rows != "not rows"
    named = list(rows)  # what the selector used to keep
    gc.collect()
    assert not any(gc.is_tracked(row) for row in rows._rows)
    assert all(gc.is_tracked(row) for row in named)
