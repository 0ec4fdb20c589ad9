"""Pages: review queue, submission review, key informant, collector accounts and their QR code,
publishing the forms."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import zlib
from pathlib import Path

import pytest
from django.test import Client

from nahrain.collect import handlers, services, xforms
from nahrain.collect.models import Collector, FormVersion, Submission, SubmissionStatus
from nahrain.collect.pages import collect_settings_payload
from nahrain.collect.tests.conftest import Field, assessment_values
from nahrain.collect.tests.odk import Collect, fill_instance
from nahrain.core.models import AuditEvent
from nahrain.geo.models import AdminUnit, Location
from nahrain.testing.personas import Personas


def _receive(field: Field, instance_id: str) -> Submission:
    xml = fill_instance(field.assessment.xml, assessment_values(), instance_id=instance_id)
    assert field.phone.post(xml).status_code == 201
    return Submission.objects.get(instance_id=instance_id)


def test_queue_and_review_pages(field: Field, personas: Personas) -> None:
    submission = _receive(field, "uuid:page")
    layla = personas.layla.client()
    queue = layla.get("/collect/")
    assert queue.status_code == 200
    assert f"/collect/submissions/{submission.uid}/" in queue.content.decode()
    detail = layla.get(f"/collect/submissions/{submission.uid}/")
    assert detail.status_code == 200
    assert "Khalid" not in detail.content.decode()
    informant = layla.post(f"/collect/submissions/{submission.uid}/key-informant/")
    assert "Khalid Hasan" in informant.content.decode()
    assert AuditEvent.objects.filter(action="key_informant.read").count() == 1
    assert layla.get(f"/collect/submissions/{submission.uid}/key-informant/").status_code == 405
    rejected = layla.post(f"/collect/submissions/{submission.uid}/reject/", {"reason": ""})
    assert rejected.status_code == 302
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.RECEIVED
    accepted = layla.post(f"/collect/submissions/{submission.uid}/accept/")
    assert accepted.status_code == 302
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ACCEPTED


def test_pages_closed_to_others(field: Field, personas: Personas) -> None:
    submission = _receive(field, "uuid:closed")
    for persona in (personas.ahmed, personas.omar, personas.outsider, personas.root):
        client = persona.client()
        queue = client.get("/collect/")
        if persona is personas.omar:
            # A site manager reviews his organisation's household registrations, not DTM forms.
            assert queue.status_code == 200 and str(submission.uid) not in queue.content.decode()
        else:
            assert queue.status_code == 404
        assert client.get("/collect/collectors/").status_code == 404
        assert client.get(f"/collect/submissions/{submission.uid}/").status_code == 404
        key = client.post(f"/collect/submissions/{submission.uid}/key-informant/")
        assert key.status_code == 404
        revoke = client.post(f"/collect/collectors/{field.collector.uid}/revoke/")
        assert revoke.status_code == 404
    assert Client().get("/collect/").status_code == 302


def _decode(payload: str) -> dict[str, object]:
    settings: dict[str, object] = json.loads(zlib.decompress(base64.b64decode(payload)))
    return settings


def test_settings_payload_is_what_collect_reads() -> None:
    payload = collect_settings_payload(
        server_url="https://nahrain.example/openrosa", username="rart02", password="pw"
    )
    assert _decode(payload) == {
        "general": {
            "server_url": "https://nahrain.example/openrosa",
            "username": "rart02",
            "password": "pw",
        },
        "admin": {},
    }


def test_collector_account_with_qr_code(field: Field, personas: Personas) -> None:
    layla = personas.layla.client()
    created = layla.post("/collect/collectors/", {"username": "rart02", "display_name": "Team 2"})
    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    page = created.content.decode()
    assert "<svg" in page
    assert "http://testserver/openrosa" in page
    password = re.search(r"<dt>Password</dt><dd><code>([a-z0-9]+)</code>", page)
    assert password is not None
    phone = Collect(Client(), "rart02", password.group(1))
    assert phone.get("/openrosa/formList").status_code == 200
    taken = layla.post("/collect/collectors/", {"username": "rart02"})
    assert "This username is taken." in taken.content.decode()
    collector = Collector.objects.get(username="rart02")
    reset = layla.post(f"/collect/collectors/{collector.uid}/reset/")
    new_password = re.search(
        r"<dt>Password</dt><dd><code>([a-z0-9]+)</code>", reset.content.decode()
    )
    assert new_password is not None and new_password.group(1) != password.group(1)
    assert (
        Collect(Client(), "rart02", password.group(1)).get("/openrosa/formList").status_code == 401
    )
    assert (
        Collect(Client(), "rart02", new_password.group(1)).get("/openrosa/formList").status_code
        == 200
    )
    assert layla.post(f"/collect/collectors/{collector.uid}/revoke/").status_code == 302
    assert (
        Collect(Client(), "rart02", new_password.group(1)).get("/openrosa/formList").status_code
        == 401
    )


def test_publishing_again_refreshes_the_location_list(field: Field, personas: Personas) -> None:
    media = field.assessment.media.get(filename="locations.csv")
    Location.objects.create(
        external_id="7003",
        name_en="Amadiya centre",
        admin_unit=AdminUnit.objects.get(pcode="IQG09Q01"),
        owner=personas.iom,
    )
    layla = personas.layla.client()
    assert layla.post("/collect/forms/publish/").status_code == 302
    assert FormVersion.objects.filter(form=field.assessment.form).count() == 1
    refreshed = field.assessment.media.get(filename="locations.csv")
    assert refreshed.md5 != media.md5
    assert b"7003,Amadiya centre (7003)" in bytes(refreshed.data)


def test_changed_form_needs_a_new_version(
    field: Field, personas: Personas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = handlers.handler_for("dtm_emergency_tracking")
    assert shipped is not None
    source = shipped.xlsform.read_text(encoding="utf-8")
    published = xforms.compile_xlsform(source).version
    changed = tmp_path / "changed.md"
    changed.write_text(source.replace("| Cause ", "| Reason "), encoding="utf-8")
    monkeypatch.setattr(handlers, "_registry", {})
    handlers.register(dataclasses.replace(shipped, xlsform=changed))
    with pytest.raises(xforms.FormCompileError, match="new version"):
        services.forms_publish(actor=personas.layla.user, organisation=personas.iom)
    changed.write_text(
        changed.read_text(encoding="utf-8").replace(published, "2099010101"), encoding="utf-8"
    )
    (version,) = services.forms_publish(actor=personas.layla.user, organisation=personas.iom)
    assert version.version == "2099010101"
    listed = field.phone.get("/openrosa/formList?formID=dtm_emergency_tracking").content.decode()
    assert "<version>2099010101</version>" in listed
    everything = field.phone.get(
        "/openrosa/formList?formID=dtm_emergency_tracking&listAllVersions=true"
    ).content.decode()
    assert everything.count("<xform>") == 2


def test_command_line(personas: Personas, locations: list[Location]) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("collect", "publish-forms", stdout=out)
    assert "dtm_location_assessment 2026113001 md5:" in out.getvalue()
    assert "districts.csv, governorates.csv, locations.csv" in out.getvalue()
    out = StringIO()
    call_command("collect", "--user", "layla", "collector", "rart09", stdout=out)
    username, password = out.getvalue().split()
    assert Collect(Client(), username, password).get("/openrosa/formList").status_code == 200


NAVIGATION = {
    "en": ("Review queue", "Collectors"),
    "ar": ("قائمة المراجعة", "جامعو البيانات"),
    "ckb": ("ڕیزی پێداچوونەوە", "کۆکەرەوانی داتا"),
}


@pytest.mark.parametrize("language", sorted(NAVIGATION))
def test_information_managers_find_the_queue_and_collectors_in_the_top_bar(
    personas: Personas, language: str
) -> None:
    queue, collectors = NAVIGATION[language]
    for persona, shown in ((personas.layla, True), (personas.hana, False), (personas.ahmed, False)):
        client = persona.client()
        client.cookies["django_language"] = language
        page = client.get("/").content.decode()
        assert (queue in page) is shown
        assert (collectors in page) is shown
        assert ('href="/collect/"' in page) is shown
        assert ('href="/collect/collectors/"' in page) is shown
