"""``selectors.location_figures`` reads one hand-written statement into tuples (for speed, see
docs/PERFORMANCE.md); on a generated history it answers exactly what the ORM query it replaced
answered, for every round, population and kind of area, and its pages never overlap."""

from __future__ import annotations

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
