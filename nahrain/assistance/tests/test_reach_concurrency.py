"""Two teams' receipts committed at the same moment each refresh the programme's reach, on
PostgreSQL (SQLite serialises writers): the refreshes take turns on the programme, so neither is
refused by the one-row-per-district rule and the figure that stays counts every household."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from nahrain.assistance import reach
from nahrain.assistance.models import ReachFigure
from nahrain.assistance.tests import pdm_world
from nahrain.assistance.tests.test_reach import FAMILY
from nahrain.testing.personas import Persona, Personas

TEAMS = 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_refreshes_at_the_same_moment_take_turns(personas: Personas, huda: Persona) -> None:
    world = pdm_world.build(personas, huda)
    the_list = pdm_world.approved_list(world.programme)
    found = pdm_world.distribution(world, the_list)
    for _ in range(TEAMS):
        made = pdm_world.household(world, FAMILY)
        pdm_world.serve(found, pdm_world.entry(world, the_list, made))
    barrier = threading.Barrier(TEAMS)

    def refresh(team: int) -> str:
        try:
            barrier.wait(timeout=30)
            units = None if team % 2 else [world.zakho.pk]
            reach.refresh(programme_ids=[world.programme.pk], admin_unit_ids=units)
            return "ok"
        except Exception as failed:  # the test reports what went wrong, not a thread trace
            return repr(failed)
        finally:
            connection.close()

    with ThreadPoolExecutor(TEAMS) as pool:
        outcomes = list(pool.map(refresh, range(TEAMS)))
    assert outcomes == ["ok"] * TEAMS
    figure = ReachFigure.objects.get()
    assert (figure.households, figure.people) == (TEAMS, 3 * TEAMS)
