from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from nahrain.displacement import services
from nahrain.displacement.models import AssessmentRound
from nahrain.geo import services as geo_services
from nahrain.testing.personas import Personas

DTM_2014 = Path("data") / "dtm-iraq-2014" / "DTM_Dataset_26102014.csv"


@pytest.fixture
def gazetteer(db: None) -> None:
    geo_services.gazetteer_load()


@pytest.fixture
def dtm_2014(shared: Path) -> bytes:
    return (shared / DTM_2014).read_bytes()


@pytest.fixture
def round_7(personas: Personas, gazetteer: None) -> AssessmentRound:
    """IOM's draft round 7 (26 October 2014), empty."""
    return services.round_create(
        actor=personas.layla.user,
        organisation=personas.iom,
        number=7,
        reference_date=date(2014, 10, 26),
    )
