"""One rule decides which rounds a caller sees and which version a published view shows: every
path that reads rounds (the gate, the rounds list, the latest round, the current list, the
series' hand-written statement) is checked against it, for each persona, over published rounds,
drafts, a draft correction and another organisation's draft."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404

from nahrain.core.access import AnyUser
from nahrain.core.models import Membership, Role
from nahrain.displacement import access, selectors, services
from nahrain.displacement.models import AssessmentRound, Rollup, RoundStatus
from nahrain.displacement.tests.builders import NEXT_ROUND, round_imported
from nahrain.testing.personas import Personas


def expected_visible(user: AnyUser, rounds: list[AssessmentRound]) -> set[AssessmentRound]:
    """Published rounds are public; drafts are their organisation's information managers'."""
    if not user.is_authenticated:
        return {r for r in rounds if r.status == RoundStatus.PUBLISHED}
    managed = set(
        Membership.objects.filter(user_id=user.pk, role=Role.INFORMATION_MANAGER).values_list(
            "organisation_id", flat=True
        )
    )
    return {r for r in rounds if r.status == RoundStatus.PUBLISHED or r.organisation_id in managed}


def expected_current(user: AnyUser, rounds: list[AssessmentRound]) -> set[AssessmentRound]:
    """The rule as docs/DTM.md words it: published, and no published version replaces it."""
    published = [r for r in rounds if r.status == RoundStatus.PUBLISHED]
    return {r for r in published if not any(c.replaces_id == r.pk for c in published)}


@pytest.fixture
def rounds(personas: Personas, gazetteer: None) -> list[AssessmentRound]:
    first = round_imported(personas, publish=True)
    services.round_correct(actor=personas.layla.user, assessment_round=first)  # a draft v2
    round_imported(personas, number=NEXT_ROUND)  # a draft holding figures
    services.round_create(
        actor=None,
        organisation=personas.intersos,
        number=5,
        reference_date=date(2020, 1, 1),
    )  # another organisation's draft, the newest of all
    return list(AssessmentRound.objects.all())


@pytest.mark.parametrize(
    "persona", ["layla", "ahmed", "omar", "hana", "intersos_admin", "outsider", "anonymous"]
)
def test_every_path_agrees_with_the_one_rule(
    personas: Personas, rounds: list[AssessmentRound], persona: str
) -> None:
    user: AnyUser = AnonymousUser() if persona == "anonymous" else getattr(personas, persona).user
    visible, current = expected_visible(user, rounds), expected_current(user, rounds)
    assert len(rounds) == 4 and len(current) == 1

    for assessment_round in rounds:  # the gate
        if assessment_round in visible:
            assert access.access_round_by_uid(user, assessment_round.uid) == assessment_round
        else:
            with pytest.raises(Http404):
                access.access_round_by_uid(user, assessment_round.uid)
    assert set(selectors.round_list(user=user)) == visible
    assert set(selectors.round_current_list(user=user)) == current
    newest = max(current, key=lambda r: (r.reference_date, r.number, r.version), default=None)
    assert selectors.round_latest_published(user=user) == newest
    with_figures = set(Rollup.objects.values_list("round_id", flat=True))
    assert {p["round_uid"] for p in selectors.series(user=user)} == {
        str(r.uid) for r in current if r.pk in with_figures
    }
    choices = selectors.round_choices(user=user)
    assert set(choices) == current | {r for r in visible if r.status != RoundStatus.PUBLISHED}
    # The rule as SQL for hand-written statements, compiled once for every caller: what it
    # selects, and that it is what the rule compiles to for this caller.
    compiled = access.rounds_current_sql(user)
    sql, params = access.rounds_current(user).values("pk").query.sql_with_params()
    assert compiled == (sql, tuple(params))
    with connection.cursor() as cursor:
        cursor.execute(*compiled)
        assert {pk for (pk,) in cursor.fetchall()} == {r.pk for r in current}


def test_a_picked_draft_correction_takes_the_place_of_the_version_it_corrects(
    personas: Personas, rounds: list[AssessmentRound]
) -> None:
    layla = personas.layla.user
    correction = next(r for r in rounds if r.version == 2)
    original = correction.replaces
    assert original is not None
    picked = selectors.round_current_list(user=layla, picked=correction)
    assert correction in picked and original not in picked
    assert {p["round_uid"] for p in selectors.series(user=layla, picked=correction)} == {
        str(correction.uid)
    }
    # Nobody else's views change, and unpicked views keep the published version.
    assert selectors.round_current_list(user=layla) == [original]
    assert selectors.round_latest_published(user=layla) == original
