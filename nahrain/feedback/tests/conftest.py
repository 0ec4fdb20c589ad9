from __future__ import annotations

import pytest

from nahrain.feedback.tests.world import World, build
from nahrain.testing.personas import Persona, Personas


@pytest.fixture
def world(personas: Personas, rawa: Persona, jwan: Persona, lina: Persona) -> World:
    return build(personas, rawa, jwan, lina)
