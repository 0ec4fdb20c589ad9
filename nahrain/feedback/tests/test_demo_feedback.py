"""The feedback slice of ``nahrain demo``: a year of IOM's feedback at the demo sites across
channels, categories and statuses, some about the winter distribution, protection issues
referred to INTERSOS, a few sensitive items for the named focal point alone, and the PDM
complaints taken over."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from nahrain.demo.slices import Demo
from nahrain.displacement import generator
from nahrain.feedback import demo as feedback_demo
from nahrain.feedback import selectors
from nahrain.feedback.models import Feedback, FocalPoint, Status
from nahrain.registry import demo as registry_demo


def _load(folder: Path) -> None:
    """The demo, its DTM history left out and the registry's camps one (the slices before this
    one have tests of their own)."""
    with (
        mock.patch.object(generator, "history_generate", return_value=generator.HistoryReport()),
        mock.patch.object(registry_demo, "CAMPS", registry_demo.CAMPS[:1]),
    ):
        call_command("demo", "setup", "--boundaries", str(folder))


@pytest.mark.shared_data
def test_the_slice_runs_a_year_of_feedback_from_help_desk_to_the_person_told(
    db: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _load(tmp_path)
    assert "Feedback: " in capsys.readouterr().out
    items = Feedback.objects.filter(organisation__acronym="IOM")
    assert items.count() >= feedback_demo.ITEMS
    assert len(set(items.values_list("channel", flat=True))) >= 6
    assert len(set(items.values_list("category", flat=True))) >= 5
    statuses = set(items.values_list("status", flat=True))
    assert {Status.CLOSED, Status.CLOSED_NO_CONTACT, Status.IN_PROGRESS} <= statuses
    months = {f.received_at.strftime("%Y-%m") for f in items}
    assert len(months) >= 10
    assert items.filter(about_programme__code=feedback_demo.ABOUT_PROGRAMME).exists()
    assert items.filter(concerned__acronym="INTERSOS").exists()
    assert items.filter(channel="pdm").exists()
    # The sensitive items: the focal point named reads them, the officer who recorded them not.
    sensitive = items.filter(sensitive=True)
    assert sensitive.count() >= len(feedback_demo.SENSITIVE)
    focal = User.objects.get(username=feedback_demo.FOCAL_POINT)
    officer = User.objects.get(username=feedback_demo.OFFICER)
    assert FocalPoint.objects.filter(user=focal, category="sea").exists()
    readable = selectors.feedback_list(user=focal)
    assert set(sensitive) <= set(readable)
    assert not selectors.feedback_list(user=officer).filter(sensitive=True).exists()
    # Loaded again, the slice leaves what it made alone.
    said: list[str] = []
    feedback_demo.demo_load(Demo(options={"seed": 1}, write=said.append))
    assert said == ["Feedback: already present, left alone."]
