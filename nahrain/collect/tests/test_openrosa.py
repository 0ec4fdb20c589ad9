"""The OpenRosa endpoints, driven as ODK Collect drives them."""

from __future__ import annotations

import hashlib
import re
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from nahrain.collect import handlers
from nahrain.collect.models import KeyInformant, Submission, SubmissionStatus
from nahrain.collect.tests.conftest import Field, assessment_values
from nahrain.collect.tests.odk import Collect, fill_instance

LIST = "{http://openrosa.org/xforms/xformsList}"
MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"
RESPONSE = "{http://openrosa.org/http/response}"
# The OpenRosa form list: these children, required ones first in this order.
XFORM_CHILDREN = [
    "formID",
    "name",
    "version",
    "hash",
    "descriptionText",
    "descriptionUrl",
    "downloadUrl",
    "manifestUrl",
]
XFORM_REQUIRED = {"formID", "name", "hash", "downloadUrl"}
MEDIA_CHILDREN = ["filename", "hash", "downloadUrl"]


def _xml(response: object) -> ET.Element:
    return ET.fromstring(response.content)  # type: ignore[attr-defined]  # noqa: S314


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def assert_openrosa_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["X-OpenRosa-Version"] == "1.0"
    assert re.match(r"^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$", headers["Date"])


def validate_form_list(root: ET.Element) -> list[dict[str, str]]:
    """Check the xformsList shape and return its entries."""
    assert root.tag == f"{LIST}xforms"
    entries = []
    for xform in root:
        assert xform.tag == f"{LIST}xform"
        names = [child.tag.removeprefix(LIST) for child in xform]
        assert all(child.tag.startswith(LIST) for child in xform)
        assert names == sorted(names, key=XFORM_CHILDREN.index), names
        assert set(names) >= XFORM_REQUIRED
        entry = {child.tag.removeprefix(LIST): child.text or "" for child in xform}
        assert re.fullmatch(r"md5:[0-9a-f]{32}", entry["hash"])
        entries.append(entry)
    return entries


def validate_manifest(root: ET.Element) -> list[dict[str, str]]:
    assert root.tag == f"{MANIFEST}manifest"
    files = []
    for media in root:
        assert media.tag == f"{MANIFEST}mediaFile"
        assert [c.tag.removeprefix(MANIFEST) for c in media] == MEDIA_CHILDREN
        entry = {c.tag.removeprefix(MANIFEST): c.text or "" for c in media}
        assert re.fullmatch(r"md5:[0-9a-f]{32}", entry["hash"])
        files.append(entry)
    return files


def test_form_list_download_and_manifest_as_collect_reads_them(field: Field) -> None:
    phone = field.phone
    listed = phone.get("/openrosa/formList")
    assert listed.status_code == 200
    assert listed["Content-Type"].startswith("text/xml")
    assert_openrosa_headers(listed)
    entries = {e["formID"]: e for e in validate_form_list(_xml(listed))}
    assert set(entries) == {h.form_id for h in handlers.all_handlers()}
    assert {"dtm_location_assessment", "dtm_emergency_tracking"} <= set(entries)
    entry = entries["dtm_location_assessment"]
    assert entry["version"] == field.assessment.version
    form = phone.get(_path(entry["downloadUrl"]))
    assert form.status_code == 200
    assert_openrosa_headers(form)
    assert entry["hash"] == "md5:" + _md5(form.content)
    assert b'id="dtm_location_assessment"' in form.content
    manifest = phone.get(_path(entry["manifestUrl"]))
    assert manifest.status_code == 200
    assert_openrosa_headers(manifest)
    files = {f["filename"]: f for f in validate_manifest(_xml(manifest))}
    assert set(files) == {"governorates.csv", "districts.csv", "locations.csv"}
    for media in files.values():
        download = phone.get(_path(media["downloadUrl"]))
        assert download.status_code == 200
        assert media["hash"] == "md5:" + _md5(download.content)
    locations = phone.get(_path(files["locations.csv"]["downloadUrl"])).content.decode()
    assert locations.splitlines()[0].startswith("name,label,")
    assert "7001,Zakho centre (7001)" in locations
    assert locations.splitlines()[1].endswith(",IQG09,IQG09Q04")


def test_form_list_parameters(field: Field) -> None:
    phone = field.phone
    one = validate_form_list(_xml(phone.get("/openrosa/formList?formID=dtm_emergency_tracking")))
    assert [e["formID"] for e in one] == ["dtm_emergency_tracking"]
    verbose = phone.get("/openrosa/formList?verbose=true&listAllVersions=true&other=1")
    assert verbose.status_code == 200
    assert len(validate_form_list(_xml(verbose))) == len(handlers.all_handlers())


def test_collectors_see_only_their_organisation_forms(field: Field, personas: object) -> None:
    from nahrain.collect import services

    other, password = services.collector_create(
        actor=personas.layla.user,  # type: ignore[attr-defined]
        organisation=personas.outside_org,  # type: ignore[attr-defined]
        username="outside01",
    )
    stranger = Collect(Client(), other.username, password)
    assert validate_form_list(_xml(stranger.get("/openrosa/formList"))) == []
    assert stranger.get(f"/openrosa/forms/{field.assessment.uid}/form.xml").status_code == 404
    assert stranger.get(f"/openrosa/forms/{field.assessment.uid}/manifest").status_code == 404
    xml = fill_instance(field.assessment.xml, assessment_values())
    assert stranger.post(xml).status_code == 404
    assert Submission.objects.count() == 0


def test_head_submission(field: Field) -> None:
    response = field.phone.request("HEAD", "/openrosa/submission")
    assert response.status_code == 204
    assert_openrosa_headers(response)
    assert response["X-OpenRosa-Accept-Content-Length"] == str(10 * 1024 * 1024)
    assert field.phone.challenges and field.phone.challenges[0].startswith("Digest ")


def test_submission_once_then_known_then_conflict(field: Field) -> None:
    xml = fill_instance(field.assessment.xml, assessment_values(), instance_id="uuid:a-1")
    first = field.phone.post(xml)
    assert first.status_code == 201, first.content
    assert_openrosa_headers(first)
    assert first["X-OpenRosa-Accept-Content-Length"]
    body = _xml(first)
    assert body.tag == f"{RESPONSE}OpenRosaResponse"
    assert body.find(f"{RESPONSE}message").get("nature") == "submit_success"  # type: ignore[union-attr]
    again = field.phone.post(xml)
    assert again.status_code == 202
    assert Submission.objects.count() == 1
    other = fill_instance(
        field.assessment.xml, assessment_values(households=41), instance_id="uuid:a-1"
    )
    conflict = field.phone.post(other)
    assert conflict.status_code == 409
    assert Submission.objects.count() == 1
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.RECEIVED
    assert submission.batch == "125"
    assert submission.problems == []


def test_chunked_submission(field: Field) -> None:
    xml = fill_instance(field.assessment.xml, assessment_values(), instance_id="uuid:chunk")
    photo = bytes(range(256)) * 40
    response = field.phone.post_chunked(xml, [("photo.jpg", "image/jpeg", photo)])
    assert response.status_code == 201, response.content
    submission = Submission.objects.get(instance_id="uuid:chunk")
    assert bytes(submission.attachments.get().data) == photo


def test_submission_split_over_several_posts_is_merged(field: Field) -> None:
    xml = fill_instance(field.assessment.xml, assessment_values(), instance_id="uuid:split")
    first = field.phone.post(xml, [("a.jpg", "image/jpeg", b"A" * 100)], incomplete=True)
    assert first.status_code == 201
    assert Submission.objects.get().complete is False
    second = field.phone.post(xml, [("b.jpg", "image/jpeg", b"B" * 100)])
    assert second.status_code == 201
    submission = Submission.objects.get()
    assert submission.complete is True
    assert sorted(submission.attachments.values_list("filename", flat=True)) == ["a.jpg", "b.jpg"]
    assert field.phone.post(xml, [("b.jpg", "image/jpeg", b"B" * 100)]).status_code == 202


def test_oversized_body_gets_413(field: Field, settings: object) -> None:
    settings.NAHRAIN_COLLECT_MAX_BODY = 5000  # type: ignore[attr-defined]
    xml = fill_instance(field.assessment.xml, assessment_values())
    big = [("photo.jpg", "image/jpeg", b"x" * 6000)]
    assert field.phone.post(xml, big).status_code == 413
    assert field.phone.post_chunked(xml, big).status_code == 413
    assert Submission.objects.count() == 0
    assert field.phone.post(xml).status_code == 201


def test_edit_through_deprecated_id(field: Field) -> None:
    original = fill_instance(field.assessment.xml, assessment_values(), instance_id="uuid:v1")
    assert field.phone.post(original).status_code == 201
    edit = fill_instance(
        field.assessment.xml,
        assessment_values(households=40, shelter_camp=20, shelter_host_families=20),
        instance_id="uuid:v2",
        deprecated_id="uuid:v1",
    )
    assert field.phone.post(edit).status_code == 201
    old, new = (Submission.objects.get(instance_id=i) for i in ("uuid:v1", "uuid:v2"))
    assert old.status == SubmissionStatus.SUPERSEDED
    assert new.deprecated == old and new.status == SubmissionStatus.RECEIVED


def test_key_informant_kept_apart(field: Field) -> None:
    xml = fill_instance(field.assessment.xml, assessment_values(), instance_id="uuid:ki")
    assert field.phone.post(xml).status_code == 201
    submission = Submission.objects.get()
    assert "Khalid" not in submission.xml and "750" not in submission.xml
    assert "ki_name" not in submission.data and "ki_phone" not in submission.data
    informant = KeyInformant.objects.get(submission=submission)
    assert (informant.name, informant.phone) == ("Khalid Hasan", "+964 750 123 4567")


def test_bad_xml_and_missing_part(field: Field) -> None:
    assert field.phone.post(b"<data><broken>").status_code == 400
    no_id = fill_instance(field.assessment.xml, assessment_values()).replace(
        b'id="dtm_location_assessment"', b'id="nope"'
    )
    assert field.phone.post(no_id).status_code == 404
    response = field.phone.request(
        "POST",
        "/openrosa/submission",
        data=b"--x--\r\n",
        content_type="multipart/form-data; boundary=x",
    )
    assert response.status_code == 400


def test_chunked_without_a_dechunking_server_gets_411(field: Field) -> None:
    xml = fill_instance(field.assessment.xml, assessment_values())
    from nahrain.collect.tests.odk import Dechunked, multipart

    body, content_type = multipart(xml)
    field.phone.request("HEAD", "/openrosa/submission")
    response = field.phone.request(
        "POST",
        "/openrosa/submission",
        headers={"Transfer-Encoding": "chunked"},
        CONTENT_TYPE=content_type,
        CONTENT_LENGTH="",
        **{"wsgi.input": Dechunked(body)},
    )
    assert response.status_code == 411


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_submission_takes_only_head_and_post(field: Field, method: str) -> None:
    assert field.phone.request(method, "/openrosa/submission").status_code == 405


def test_malformed_instances_are_refused_without_a_server_error(field: Field) -> None:
    # Nested past any form's depth: refused, not a recursion error.
    deep = b'<data id="dtm_location_assessment">' + b"<g>" * 5000 + b"</g>" * 5000 + b"</data>"
    assert field.phone.post(deep).status_code == 400
    # A repeat group sent as a plain value, and a round no database column can hold.
    xml = fill_instance(field.assessment.xml, assessment_values(), instance_id="uuid:odd")
    odd = xml.replace(b"<round>125</round>", b"<round>99999999999</round>")
    odd = re.sub(rb"<origin>.*?</origin>", b"<origin>ab</origin>", odd, count=1, flags=re.S)
    assert field.phone.post(odd).status_code == 201
    submission = Submission.objects.get(instance_id="uuid:odd")
    assert submission.batch == ""
    negative = fill_instance(
        field.assessment.xml, assessment_values(round=-1), instance_id="uuid:negative"
    )
    assert field.phone.post(negative).status_code == 201
