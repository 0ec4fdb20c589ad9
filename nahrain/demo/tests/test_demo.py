"""``nahrain demo``: every installed app's slice, loaded in order, ending with the credentials."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from nahrain.demo import slices
from nahrain.displacement import generator, selectors
from nahrain.displacement.models import AssessmentRound, LocationAssessment


def test_setup_loads_each_slice_and_prints_the_demo_admins_enrolment_link(
    db: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = generator.HistoryReport()
    with mock.patch.object(generator, "history_generate", return_value=empty):
        call_command("demo", "setup", "--boundaries", str(tmp_path))
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    # Progress in the slices' order (core's accounts print nothing until the end), then the
    # credentials, then the time.
    assert lines[0].startswith("Gazetteer: 120 units created")
    assert lines[1].startswith(f"Boundaries: {tmp_path}")
    assert lines[2] == "DTM history, small scale, seed 1:"
    assert lines.index("Demo accounts (passwords are new on every run):") > lines.index(
        "DTM history published: 0 rounds (0 generated locations)."
    )
    assert lines[-1].startswith("Done in ")
    link = next(line.strip() for line in lines if "/accounts/2fa/enrol/" in line)
    admin = Client()
    sign_in_demo = admin.post(
        reverse("core:login"),
        {"username": "admin", "password": _demo_password(printed, "admin")},
    )
    assert sign_in_demo.status_code == 302
    assert "<svg" not in admin.get(reverse("core:two_factor")).content.decode()
    assert admin.get(link.removeprefix("http://127.0.0.1:8000")).status_code == 200


def _demo_password(printed: str, username: str) -> str:
    line = next(line for line in printed.splitlines() if line.strip().startswith(username + " "))
    return line.split()[1]


@pytest.mark.shared_data
def test_generate_loads_real_locations_and_the_real_2014_round(db: None, shared: Path) -> None:
    call_command("demo", "generate", "--scale", "small", "--no-boundaries", "--seed", "2")
    iom = AssessmentRound.objects.filter(organisation__acronym="IOM")
    assert iom.count() == len(generator.ROUND_DATES)
    r7 = iom.get(number=7)
    assert selectors.totals(assessment_round=r7)["idp"]["individuals"] == 1_898_844
    r109 = iom.get(number=109)
    places = set(
        LocationAssessment.objects.filter(round=r109).values_list(
            "location__external_id", flat=True
        )
    )
    frame = (shared / generator.FRAMES / "Strata_clusters_population.csv").read_text()
    real = {line.split(",")[0] for line in frame.splitlines()[1:]}
    assert len(places & real) > 0.9 * len(places)


def test_the_installed_apps_slices_come_after_the_ones_they_need() -> None:
    order = [s.name for s in slices.ordered(slices.installed())]
    assert order[:3] == ["core", "geo", "displacement"]
    for position, declared in enumerate(slices.ordered(slices.installed())):
        assert set(declared.after) <= set(order[:position]), declared.name


def _slice(name: str, *after: str) -> slices.Slice:
    return slices.Slice(name=name, load=lambda demo: None, after=after)


def test_a_slice_waits_for_the_ones_it_names_and_the_rest_keep_their_order() -> None:
    given = [_slice("rounds", "accounts", "places"), _slice("places"), _slice("accounts")]
    assert [s.name for s in slices.ordered(given)] == ["places", "accounts", "rounds"]


@pytest.mark.parametrize(
    ("given", "refusal"),
    [
        ([_slice("a"), _slice("a")], "declared twice"),
        ([_slice("a", "b")], "unknown ['b']"),
        ([_slice("a", "b"), _slice("b", "a")], "wait on one another"),
    ],
)
def test_slices_that_cannot_be_ordered_are_refused(given: list[slices.Slice], refusal: str) -> None:
    with pytest.raises(ValueError, match=refusal.replace("[", r"\[").replace("]", r"\]")):
        slices.ordered(given)
