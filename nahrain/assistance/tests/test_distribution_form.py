"""The distribution field form through ``collect``: a monitor's phone scans a household's token
and records the outcome offline; accepting the submission records the household once (its
instance id is the key), as of the form's end time, with a proxy's name kept apart from the
stored form; a second team's late sync for a household already served is kept as a duplicate."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from nahrain.assistance import distributions
from nahrain.assistance.distribution_form import DISTRIBUTION_FORM, FORM_ID
from nahrain.assistance.models import Outcome, Receipt
from nahrain.assistance.tests.dist_world import World, at, world
from nahrain.collect import services as collect_services
from nahrain.collect.handlers import NotAcceptable
from nahrain.collect.models import FormMedia, KeyInformant, Submission
from nahrain.collect.tests import test_engine as engine
from nahrain.collect.tests.odk import Collect, fill_instance
from nahrain.core.models import AuditEvent
from nahrain.health.tests.test_fieldforms import downloaded
from nahrain.testing.personas import Personas


@pytest.fixture
def w(personas: Personas) -> World:
    return world(personas.iom, prefix="form")


@pytest.fixture
def phone(personas: Personas, w: World) -> tuple[Collect, str]:
    versions = collect_services.forms_publish(actor=personas.layla.user, organisation=personas.iom)
    collector, password = collect_services.collector_create(
        actor=personas.layla.user, organisation=personas.iom, username="monitor01"
    )
    xml = next(v.xml for v in versions if v.form.form_id == FORM_ID)
    return Collect(Client(), collector.username, password), xml


def send(phone: tuple[Collect, str], instance_id: str, **values: object) -> Submission:
    collect, xml = phone
    answers = {"end": at(10).isoformat(), **values}
    assert collect.post(fill_instance(xml, answers, instance_id=instance_id)).status_code == 201
    return Submission.objects.get(instance_id=instance_id)


def test_the_form_lists_the_organisations_distributions(
    w: World, phone: tuple[Collect, str]
) -> None:
    media = FormMedia.objects.get(form_version__form__form_id=FORM_ID, filename="distributions.csv")
    rows = list(csv.DictReader(io.StringIO(bytes(media.data).decode())))
    assert [r["name"] for r in rows] == [str(w.distribution.uid)]
    assert rows[0]["label"].startswith(w.programme.code)


def test_a_scanned_token_received_is_recorded_once_as_of_the_forms_end(
    w: World, phone: tuple[Collect, str]
) -> None:
    submission = send(
        phone,
        "uuid:d-1",
        distribution=str(w.distribution.uid),
        token_scanned=w.entries[0].token,
        outcome="received",
    )
    assert submission.problems == []
    collect_services.submission_accept(actor=w.officer, submission=submission)
    receipt = Receipt.objects.get()
    assert (receipt.served, receipt.key, receipt.recorded_at) == (True, "uuid:d-1", at(10))
    # The handler run again (a replay, a second reviewer) finds the same recording.
    submission.refresh_from_db()
    assert DISTRIBUTION_FORM.accept(w.officer, submission, "d-1.xml") == submission.accepted
    assert Receipt.objects.count() == 1


def test_a_proxy_is_named_apart_from_the_stored_form(w: World, phone: tuple[Collect, str]) -> None:
    submission = send(
        phone,
        "uuid:d-2",
        distribution=str(w.distribution.uid),
        token_typed=w.entries[1].token.lower().replace("-", " "),  # as a phone's user types it
        outcome="proxy",
        proxy_name="Ali Hassan",
        proxy_relation="sibling",
    )
    assert "Ali Hassan" not in submission.xml and "proxy_name" not in submission.data
    assert KeyInformant.objects.get(submission=submission).name == "Ali Hassan"
    collect_services.submission_accept(actor=w.officer, submission=submission)
    receipt = Receipt.objects.get()
    assert (receipt.outcome, receipt.proxy_name, receipt.proxy_relation) == (
        Outcome.PROXY,
        "Ali Hassan",
        "sibling",
    )


def test_a_second_teams_late_sync_is_kept_as_a_duplicate(
    w: World, phone: tuple[Collect, str]
) -> None:
    first = send(
        phone,
        "uuid:a",
        distribution=str(w.distribution.uid),
        token_scanned=w.entries[2].token,
        outcome="received",
    )
    late = send(
        phone,
        "uuid:b",
        distribution=str(w.distribution.uid),
        token_scanned=w.entries[2].token,
        outcome="received",
        end=at(8).isoformat(),
    )
    collect_services.submission_accept(actor=w.officer, submission=first)
    collect_services.submission_accept(actor=w.officer, submission=late)
    served = Receipt.objects.get(served=True)
    duplicate = Receipt.objects.get(served=False)
    assert (served.key, duplicate.key, duplicate.duplicate_of) == ("uuid:a", "uuid:b", served)


def test_an_unknown_token_is_flagged_and_refused(w: World, phone: tuple[Collect, str]) -> None:
    submission = send(
        phone,
        "uuid:x",
        distribution=str(w.distribution.uid),
        token_typed="ZZZZ0000",
        outcome="received",
    )
    assert [p["rule"] for p in submission.problems] == ["unknown_token"]
    with pytest.raises(NotAcceptable):
        collect_services.submission_accept(actor=w.officer, submission=submission)
    assert not Receipt.objects.exists()


def test_only_assistance_officers_accept(
    personas: Personas, w: World, phone: tuple[Collect, str]
) -> None:
    submission = send(
        phone,
        "uuid:y",
        distribution=str(w.distribution.uid),
        token_scanned=w.entries[0].token,
        outcome="absent",
    )
    with pytest.raises(NotAcceptable):
        DISTRIBUTION_FORM.accept(personas.layla.user, submission, "y.xml")
    assert not Receipt.objects.exists()


def test_a_distribution_planned_after_publishing_reaches_the_phones_and_leaves_once_closed(
    personas: Personas,
    w: World,
    phone: tuple[Collect, str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    collect, _xml = phone
    published_md5, _data = collect.media(FORM_ID)["distributions.csv"]
    with django_capture_on_commit_callbacks(execute=True):
        planned = distributions.distribution_create(
            actor=w.officer,
            programme=w.programme,
            distribution_list=w.approved,
            cycle=2,
            planned_on=date(2026, 12, 5),
            place="Block D",
        )
    # A new hash in the manifest: ODK Collect downloads the list again, and finds the day.
    md5, data = collect.media(FORM_ID)["distributions.csv"]
    assert md5 != published_md5 and md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert str(planned.uid) in data.decode()
    refreshed = AuditEvent.objects.get(action="form.media_refresh")
    assert refreshed.detail["files"] == ["distributions.csv"]
    with django_capture_on_commit_callbacks(execute=True):
        distributions.distribution_open(actor=w.officer, distribution=planned)
        distributions.distribution_close(actor=w.officer, distribution=planned, returned={})
    _md5, closed = collect.media(FORM_ID)["distributions.csv"]
    assert str(planned.uid) not in closed.decode() and str(w.distribution.uid) in closed.decode()
    # Nothing to do where nothing changed, nor where the form is not published.
    assert collect_services.form_media_refresh(organisation=personas.iom, form_id=FORM_ID) == []
    other = collect_services.form_media_refresh(organisation=personas.intersos, form_id=FORM_ID)
    assert other == []
    assert AuditEvent.objects.filter(action="form.media_refresh").count() == 2


node = engine.node


def test_the_engine_fills_the_form_and_the_server_takes_it(
    w: World, phone: tuple[Collect, str], node: str, tmp_path: Path
) -> None:
    collect, _xml = phone
    form = downloaded(collect, FORM_ID, tmp_path)
    values = {
        "distribution": str(w.distribution.uid),
        "token_typed": w.entries[0].token,
        "outcome": "proxy",
        "proxy_name": "Ali Hassan",
        "proxy_relation": "sibling",
    }
    assert collect.post(engine._run(node, form, values)).status_code == 201
    submission = Submission.objects.get()
    assert submission.problems == []
    collect_services.submission_accept(actor=w.officer, submission=submission)
    receipt = Receipt.objects.get()
    assert (receipt.served, receipt.outcome, receipt.proxy_name) == (True, "proxy", "Ali Hassan")
