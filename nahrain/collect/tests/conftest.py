from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from nahrain.collect import services
from nahrain.collect.models import Collector, FormVersion
from nahrain.collect.tests.odk import Collect
from nahrain.displacement import services as displacement_services
from nahrain.displacement.models import AssessmentRound
from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit, Location
from nahrain.testing.personas import Personas

ROUND = 125  # the 2021 shelter list (rounds 122 and later) is the one the form asks about


@dataclass
class Field:
    """IOM's field set-up: published forms, a collector with its phone, a draft round."""

    collector: Collector
    phone: Collect
    assessment: FormVersion
    tracking: FormVersion
    round: AssessmentRound


@pytest.fixture
def locations(db: None) -> list[Location]:
    geo_services.gazetteer_load()
    zakho = AdminUnit.objects.get(pcode="IQG09Q04")
    sumail = AdminUnit.objects.get(pcode="IQG09Q03")
    # The operator's published reference list: every organisation's forms may name them.
    now = timezone.now()
    return [
        Location.objects.create(
            external_id="7001", name_en="Zakho centre", admin_unit=zakho, published_at=now
        ),
        Location.objects.create(
            external_id="7002", name_en="Sumail centre", admin_unit=sumail, published_at=now
        ),
    ]


@pytest.fixture
def field(personas: Personas, locations: list[Location]) -> Field:
    # The DTM forms come first (apps register in INSTALLED_APPS order); the others follow.
    assessment, tracking, *_others = services.forms_publish(
        actor=personas.layla.user, organisation=personas.iom
    )
    collector, password = services.collector_create(
        actor=personas.layla.user, organisation=personas.iom, username="rart01"
    )
    assessment_round = displacement_services.round_create(
        actor=personas.layla.user,
        organisation=personas.iom,
        number=ROUND,
        reference_date=date(2024, 6, 30),
    )
    return Field(
        collector=collector,
        phone=Collect(Client(), collector.username, password),
        assessment=assessment,
        tracking=tracking,
        round=assessment_round,
    )


def assessment_values(**overrides: object) -> dict[str, object]:
    """A consistent IDP assessment of Zakho centre: 40 households, every breakdown adds up."""
    values: dict[str, object] = {
        "round": ROUND,
        "governorate": "IQG09",
        "district": "IQG09Q04",
        "location": "7001",
        "population": "idp",
        "households": 40,
        "shelter_camp": 25,
        "shelter_host_families": 15,
        "period_aug_2014": 30,
        "period_y2024": 10,
        "origin": [
            {"origin_governorate": "IQG15", "origin_households": 32},
            {"origin_governorate": "IQG01", "origin_households": 8},
        ],
        "needs": "food drinking_water",
        "ki_name": "Khalid Hasan",
        "ki_phone": "+964 750 123 4567",
    }
    values.update(overrides)
    return values
