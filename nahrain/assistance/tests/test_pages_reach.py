"""The reach page as IOM and a partner read it: IOM sees its programme's people reached exact,
by district, sex and age; INTERSOS sees the same table with small cells hidden (a dash) and any
figure that would give one away; the HXL download is suppressed for everyone and audited."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from nahrain.assistance import reach
from nahrain.assistance.tests import pdm_world
from nahrain.assistance.tests.pdm_world import World
from nahrain.assistance.tests.test_pages_programmes import visible_text
from nahrain.assistance.tests.test_reach import MAN, served_in
from nahrain.core.models import AuditEvent
from nahrain.testing.personas import Persona, Personas

pytestmark = pytest.mark.django_db

# A figure small-cell suppression hides: a dash in its cell.
HIDDEN = re.compile("<td>\u2013</td>")


@pytest.fixture
def world(personas: Personas, huda: Persona) -> World:
    return pdm_world.build(personas, huda)


def test_reach_is_exact_for_the_organisation_and_suppressed_for_others(world: World) -> None:
    served_in(world, 10, in_camp=True)  # Zakho: 10 households, 30 people
    served_in(world, 2, in_camp=False, members=MAN)  # Sumail: 2 households of a man
    reach.refresh(programme_ids=[world.programme.pk])

    own = world.personas.layla.client().get("/assistance/reach/")
    assert own.status_code == 200 and "no-store" in own["Cache-Control"]
    text = visible_text(own.content.decode())
    assert "Zakho" in text and "Sumail" in text
    assert not HIDDEN.findall(own.content.decode())  # nothing hidden from IOM

    partner = Client()
    partner.force_login(world.kawa)
    other = partner.get("/assistance/reach/")
    assert "no-store" not in other["Cache-Control"] and "private" in other["Cache-Control"]
    # Sumail's two men are hidden, and what would give them away.
    assert len(HIDDEN.findall(other.content.decode())) >= 3
    assert "IQG09" not in visible_text(other.content.decode())  # places by name, not code

    # The API answers with the same headers as the page, for the same reasons.
    def api(persona: Persona) -> Any:
        headers = {"Authorization": f"Bearer {persona.token()}"}
        return Client(headers=headers).get("/api/v1/assistance/reach")

    own_api, other_api = api(world.personas.layla), api(world.personas.ahmed)
    assert own_api.status_code == other_api.status_code == 200
    assert "no-store" in own_api["Cache-Control"]
    assert "no-store" not in other_api["Cache-Control"] and "private" in other_api["Cache-Control"]
    assert "Authorization" in other_api["Vary"]

    hxl = world.personas.layla.client().get("/assistance/reach/hxl/")
    assert hxl.status_code == 200 and hxl["Content-Type"].startswith("text/csv")
    assert "#reached+hh" in hxl.content.decode()
    assert AuditEvent.objects.filter(action="assistance.reach_export").exists()
