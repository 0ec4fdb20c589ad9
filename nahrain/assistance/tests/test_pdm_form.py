"""The PDM survey through ``collect``, as IOM's monitor sends it from ODK Collect and huda (IOM's
assistance officer) accepts it: the form's households are the sample's tokens filtered by the
distribution (never a name), an interview sent twice is one answer, a household outside the
sample is refused, a household asked to pay is handed to the complaints list; the form's
choices are the code lists' codes; and a real XForms engine fills it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as safe_xml
import pytest
from django.test import Client

from nahrain.assistance import codelists, fieldforms, monitoring
from nahrain.assistance.models import Distribution, MonitoringAnswer, MonitoringSample
from nahrain.assistance.tests import pdm_world
from nahrain.assistance.tests.pdm_world import World
from nahrain.collect import services as collect_services
from nahrain.collect import xforms
from nahrain.collect.handlers import NotAcceptable
from nahrain.collect.models import Submission
from nahrain.collect.tests import test_engine as engine
from nahrain.collect.tests.odk import Collect, fill_instance
from nahrain.testing.personas import Persona, Personas

pytestmark = pytest.mark.django_db

FORM = "assistance_pdm"


@pytest.fixture
def world(personas: Personas, huda: Persona) -> World:
    return pdm_world.build(personas, huda)


@pytest.fixture
def drawn(world: World) -> tuple[Distribution, MonitoringSample]:
    found, _receipts = pdm_world.served_distribution(world, {"f": 8, "m": 22})
    return found, monitoring.sample_draw(actor=world.huda, distribution=found, seed="form")


@pytest.fixture
def phone(world: World, drawn: Any) -> tuple[Collect, str]:
    versions = collect_services.forms_publish(actor=world.huda, organisation=world.personas.iom)
    collector, password = collect_services.collector_create(
        actor=world.personas.layla.user, organisation=world.personas.iom, username="pdm01"
    )
    xml = next(v.xml for v in versions if v.form.form_id == FORM)
    return Collect(Client(), collector.username, password), xml


def interview(found: Distribution, token: str, **answers: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "distribution": str(found.uid),
        "household": token,
        "interviewed_on": "2026-11-20",
        "reached": "interviewed",
        "modality": "in_kind",
        "received_full": "all",
        "as_planned": "yes",
        "quality": "acceptable",
        "safe": "yes",
        "waiting": "1_3h",
        "respect": "yes",
        "asked_to_pay": "no",
        "still_has": "all",
        "knows_complain": "no",
        "wants_complain": "no",
    }
    return {**values, **answers}


def accept(world: World, instance_id: str) -> Submission:
    submission = Submission.objects.get(instance_id=instance_id)
    return collect_services.submission_accept(actor=world.huda, submission=submission)


def test_an_interview_sent_twice_is_one_answer_and_a_bribe_goes_to_the_complaints(
    world: World, drawn: tuple[Distribution, MonitoringSample], phone: tuple[Collect, str]
) -> None:
    found, sample = drawn
    collect, xml = phone
    member = sample.members.get(position=1)
    token = member.receipt.entry.token
    values = interview(found, token, asked_to_pay="yes", complaint="They asked for 10,000 dinars")
    instance = fill_instance(xml, values, instance_id="uuid:pdm-1")
    assert collect.post(instance).status_code == 201
    assert collect.post(instance).status_code == 202  # the phone's retry
    accepted = accept(world, "uuid:pdm-1")
    assert accepted.accepted == {"monitoring_sample": str(sample.uid)}
    answer = MonitoringAnswer.objects.get()
    assert (answer.sampled, answer.key, answer.complaint) == (member, "uuid:pdm-1", True)
    assert answer.answers["quality"] == "acceptable" and "household" not in answer.answers
    # The handler run again (a replay) finds the answer by its instance id.
    again = fieldforms.PDM.accept(world.huda, accepted, "pdm-1.xml")
    assert again == accepted.accepted and MonitoringAnswer.objects.count() == 1
    # A client that sends words anyway (the form asks for none then): not kept in the answer,
    # and the officers' complaints list says only that a sensitive complaint waits.
    assert "complaint" not in answer.answers and answer.complaint_reasons == ["asked_to_pay"]
    (pending,) = monitoring.complaints_pending(user=world.huda, programme=world.programme)
    assert (pending.token, pending.reasons, pending.text) == ("", ["sensitive"], "")


def test_a_household_outside_the_sample_is_refused(
    world: World, drawn: tuple[Distribution, MonitoringSample], phone: tuple[Collect, str]
) -> None:
    found, _sample = drawn
    collect, xml = phone
    instance = fill_instance(xml, interview(found, "NOT-SAMPLED"), instance_id="uuid:pdm-x")
    assert collect.post(instance).status_code == 201
    with pytest.raises(NotAcceptable) as refused:
        accept(world, "uuid:pdm-x")
    assert [p.rule for p in refused.value.problems] == ["unknown_sampled_household"]
    assert not MonitoringAnswer.objects.exists()


def test_someone_not_an_assistance_officer_cannot_accept_an_interview(
    world: World, drawn: tuple[Distribution, MonitoringSample], phone: tuple[Collect, str]
) -> None:
    found, sample = drawn
    collect, xml = phone
    token = sample.members.get(position=2).receipt.entry.token
    instance = fill_instance(xml, interview(found, token), instance_id="uuid:pdm-2")
    assert collect.post(instance).status_code == 201
    submission = Submission.objects.get(instance_id="uuid:pdm-2")
    with pytest.raises(NotAcceptable) as refused:
        collect_services.submission_accept(actor=world.personas.layla.user, submission=submission)
    assert [p.rule for p in refused.value.problems] == ["pdm_refused"]
    assert fieldforms.PDM.reviewers == frozenset({"assistance_officer"})


def _rows(media: dict[str, bytes], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(media[name].decode())))


def test_the_forms_households_are_tokens_filtered_by_distribution_never_names(
    world: World, drawn: tuple[Distribution, MonitoringSample]
) -> None:
    found, sample = drawn
    media = fieldforms.media_files(organisation_id=world.personas.iom.pk)
    (listed,) = _rows(media, "distributions.csv")
    assert listed == {
        "name": str(found.uid),
        "label": "NFI-TOPUP-26 · Chameshku block C · 2026-11-05 · 1",
    }
    households = _rows(media, "households.csv")
    members = list(sample.members.order_by("position"))
    assert [h["name"] for h in households] == [m.receipt.entry.token for m in members]
    assert {h["distribution"] for h in households} == {str(found.uid)}
    assert households[-1]["label"].endswith("(reserve · احتياط)")  # reserves come last
    assert ["reserve" in h["label"] for h in households] == [m.reserve for m in members]
    # The review screen names the distribution, for its organisation alone.
    codes = {"distributions.csv": {str(found.uid), "not-a-uid"}}
    assert fieldforms.code_names(world.personas.iom.pk, codes) == {
        "distributions.csv": {str(found.uid): listed["label"]}
    }
    assert fieldforms.code_names(world.personas.intersos.pk, codes) == {"distributions.csv": {}}
    # Another organisation's form lists none of them.
    other = fieldforms.media_files(organisation_id=world.personas.intersos.pk)
    assert _rows(other, "households.csv") == []
    # A sample whose households have all answered leaves the form.
    for member in members:
        monitoring.answer_record(
            actor=world.huda,
            sampled=member,
            answers={"reached": "not_found"},
            interviewed_on=found.planned_on,
            key=f"k{member.pk}",
        )
    done = fieldforms.media_files(organisation_id=world.personas.iom.pk)
    assert _rows(done, "distributions.csv") == []


def test_the_forms_choices_are_the_code_lists_codes() -> None:
    compiled = xforms.compile_xlsform(fieldforms.PDM.xlsform.read_text(encoding="utf-8"))
    assert compiled.warnings == []
    root = safe_xml.fromstring(compiled.xml)
    body_choices: dict[str, set[str]] = {}
    for instance in root.iter("{http://www.w3.org/2002/xforms}instance"):
        name = instance.get("id")
        if name and instance.get("src") is None:
            values = {v.text for v in instance.iter("{http://www.w3.org/2002/xforms}name")}
            body_choices[name] = {v for v in values if v}
    for question in monitoring.questions():
        kind = question["choices"]
        if kind is None:
            continue
        in_form = body_choices["pdm_modality" if kind == "modalities" else kind]
        known = set(codelists.codes(kind))
        assert in_form <= known, question["code"]
        if kind != "modalities":
            assert in_form == known, question["code"]


node = engine.node


def test_asked_to_pay_the_form_asks_for_no_words_and_gives_the_hotline(
    world: World,
    drawn: tuple[Distribution, MonitoringSample],
    phone: tuple[Collect, str],
    node: str,
    tmp_path: Path,
) -> None:
    """DESIGN.md section 6: what a household says of a demand for payment or a favour goes to
    the focal points alone; ``collect`` keeps no field from the form's reviewers (the team's
    assistance officers), so the form collects no words then: the interviewer gives the
    hotline, and only the answer reaches the review queue and the results."""
    from nahrain.health.tests.test_fieldforms import downloaded

    found, sample = drawn
    collect, _xml = phone
    form = downloaded(collect, FORM, tmp_path)
    token = sample.members.get(position=4).receipt.entry.token
    told = "The team leader asked for part of the kit"
    values = interview(found, token, asked_to_pay="yes", wants_complain="yes")
    relevant = json.loads(engine._run(node, form, values, "--relevance"))
    assert (relevant["complaint"], relevant["hotline"]) == (False, True)
    assert (
        json.loads(engine._run(node, form, interview(found, token), "--relevance"))["hotline"]
        is False
    )
    # Whatever the interviewer tries to type, the phone sends no words.
    assert collect.post(engine._run(node, form, {**values, "complaint": told})).status_code == 201
    submission = Submission.objects.get()
    assert submission.data["asked_to_pay"] == "yes"
    assert not submission.data.get("complaint") and told not in submission.xml
    accept(world, submission.instance_id)
    (pending,) = monitoring.complaints_pending(user=world.huda, programme=world.programme)
    assert (pending.sensitive, pending.reasons, pending.text, pending.token) == (
        True,
        ["sensitive"],
        "",
        "",
    )
    asked = next(
        q
        for q in monitoring.results(user=world.huda, sample=sample).questions
        if q.code == "asked_to_pay"
    )
    assert next(c for c in asked.choices if c.code == "yes").by_site == {
        world.chameshku.pk: monitoring.Count(1, 100.0)
    }
    # The hotline in the form's four languages.
    source = fieldforms.PDM.xlsform.read_text(encoding="utf-8")
    (row,) = [line for line in source.splitlines() if "| hotline |" in line]
    assert row.count("80069999") == 4


def test_the_engine_fills_the_form_and_the_server_takes_it(
    world: World,
    drawn: tuple[Distribution, MonitoringSample],
    phone: tuple[Collect, str],
    node: str,
    tmp_path: Path,
) -> None:
    from nahrain.health.tests.test_fieldforms import downloaded

    found, sample = drawn
    collect, _xml = phone
    form = downloaded(collect, FORM, tmp_path)
    token = sample.members.get(position=3).receipt.entry.token
    values = interview(found, token, wants_complain="yes", complaint="No blanket in the kit")
    assert collect.post(engine._run(node, form, values)).status_code == 201
    accept(world, Submission.objects.get().instance_id)
    answer = MonitoringAnswer.objects.get()
    assert answer.complaint_reasons == ["wants_to_complain"]
    assert answer.answers["complaint"] == "No blanket in the kit"
