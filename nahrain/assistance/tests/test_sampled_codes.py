"""A sampled household's code, what the interviewer and the PDM form name it by instead of its
list token (a claim ticket at the distribution desk): in the tokens' alphabet, unique within
its sample, none of them a token served at the distribution; samples drawn before codes existed
are given them by the migration, unique within each sample too."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps

from nahrain.assistance import monitoring, services
from nahrain.assistance.models import SampledHousehold
from nahrain.assistance.tests import pdm_world
from nahrain.assistance.tests.pdm_world import World
from nahrain.testing.personas import Persona, Personas

pytestmark = pytest.mark.django_db

CODE = re.compile(f"[{services.TOKEN_ALPHABET}]{{4}}-[{services.TOKEN_ALPHABET}]{{4}}")
migration = importlib.import_module("nahrain.assistance.migrations.0004_sampled_household_code")


@pytest.fixture
def world(personas: Personas, huda: Persona) -> World:
    return pdm_world.build(personas, huda)


def test_every_sampled_household_has_a_code_of_its_own_never_a_token(world: World) -> None:
    found, receipts = pdm_world.served_distribution(world, {"f": 40, "m": 60})
    sample = monitoring.sample_draw(actor=world.huda, distribution=found, seed="codes")
    codes = [m.code for m in sample.members.all()]
    assert all(CODE.fullmatch(code) for code in codes)
    assert len(set(codes)) == len(codes) == sample.members.count()
    assert not set(codes) & {r.entry.token for r in receipts}


def test_the_migration_gives_samples_drawn_before_a_code_each(world: World) -> None:
    found, _receipts = pdm_world.served_distribution(world, {"f": 10, "m": 10})
    first = monitoring.sample_draw(actor=world.huda, distribution=found, seed="one")
    second = monitoring.sample_draw(actor=world.huda, distribution=found, seed="two")
    before = {m.pk: m.code for m in SampledHousehold.objects.all()}
    migration.codes_give(apps, None)
    for sample in (first, second):
        codes = list(sample.members.values_list("code", flat=True))
        assert all(CODE.fullmatch(code) for code in codes) and len(set(codes)) == len(codes)
    after = dict(SampledHousehold.objects.values_list("pk", "code"))
    assert after.keys() == before.keys() and after != before
