"""The health slice of ``nahrain demo``: the partners' facilities with two years of EWARN weeks,
a year of consultations, the alerts the rules raised in them worked by the directorates'
surveillance officers, and the outbreak at Hamam Al Alil 1 caught."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command

from nahrain.demo.slices import Demo
from nahrain.displacement import generator
from nahrain.health import demo as health_demo
from nahrain.health.models import (
    OPEN_ALERT,
    Alert,
    AlertStatus,
    ConsultationReport,
    EwarnReport,
    Facility,
)
from nahrain.registry import demo as registry_demo


def _load(folder: Path) -> None:
    """The demo, its DTM history left out and the registry out of camp alone (the slices
    before this one have tests of their own)."""
    with (
        mock.patch.object(generator, "history_generate", return_value=generator.HistoryReport()),
        mock.patch.object(registry_demo, "CAMPS", ("no.such.camp",)),
    ):
        call_command("demo", "setup", "--boundaries", str(folder))


@pytest.mark.shared_data
def test_the_slice_loads_facilities_their_weeks_and_the_outbreak_the_rules_catch(
    db: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _load(tmp_path)
    printed = capsys.readouterr().out
    assert "Health: 9 facilities" in printed
    facilities = Facility.objects.all()
    assert facilities.count() == len(health_demo.FACILITIES)
    # Each facility's denominator was taken from its camps when it was set up (here, with the
    # DTM history left out, from the camps that count individuals).
    for facility in facilities:
        taken = facility.populations.get()
        assert taken.individuals == sum(s["individuals"] for s in taken.sources), facility.code
    weeks = EwarnReport.objects.count()
    expected = len(health_demo.FACILITIES) * health_demo.WEEKS
    assert 0.9 * expected < weeks < expected
    assert EwarnReport.objects.filter(on_time=False).exists()
    assert ConsultationReport.objects.count() == len(health_demo.FACILITIES) * 12
    outbreak = (
        Alert.objects.filter(
            disease="awd",
            signals__facility__code=health_demo.OUTBREAK_AT,
            status__in=OPEN_ALERT,
        )
        .distinct()
        .get()
    )
    assert outbreak.status == AlertStatus.INVESTIGATED
    measles = Alert.objects.get(disease="measles", status__in=OPEN_ALERT)
    assert measles.status == AlertStatus.NEW
    assert Alert.objects.filter(status=AlertStatus.CLOSED).exists()
    assert Alert.objects.filter(status=AlertStatus.DISCARDED).exists()
    # Loaded again, the slice leaves what it made alone.
    said: list[str] = []
    health_demo.demo_load(Demo(options={"seed": 1}, write=said.append))
    assert said == ["Health: already present, left alone."]
