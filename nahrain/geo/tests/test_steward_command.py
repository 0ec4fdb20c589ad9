"""``nahrain geo steward``: naming the organisation that keeps a kind's master list."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from nahrain.geo.models import LocationSteward
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_the_operator_names_iom_steward_of_dtm_locations(personas: Personas) -> None:
    out = io.StringIO()
    call_command("geo", "steward", stdout=out)
    assert out.getvalue() == "dtm_place\tsteward: none\n"
    call_command("geo", "steward", "--organisation", "IOM", stdout=out)
    assert out.getvalue().endswith("dtm_place\tsteward: IOM\n")
    assert LocationSteward.objects.get(kind="dtm_place").organisation == personas.iom


def test_an_unknown_acronym_is_refused(personas: Personas) -> None:
    with pytest.raises(CommandError, match="'UNKNOWN'"):
        call_command("geo", "steward", "--organisation", "UNKNOWN")
    assert not LocationSteward.objects.exists()
