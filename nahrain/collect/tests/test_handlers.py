"""The form-handler registry: a form another app declares is published, received, checked,
accepted and rejected by ``collect`` without ``collect`` knowing it; and the media of every
registered form are readable by the XForms engines."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as safe_xml
import pytest
from django.contrib.auth.models import User

from nahrain.collect import handlers, services, xforms
from nahrain.collect.models import FormMedia, KeyInformant, Submission, SubmissionStatus
from nahrain.collect.tests.conftest import Field
from nahrain.collect.tests.odk import fill_instance
from nahrain.core.problems import Problem
from nahrain.testing.personas import Personas

# An XML NCName (XML 1.0 fifth edition, Namespaces in XML): a name without a colon. The XForms
# engines make an element of every CSV column, so a header must be one.
_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
NCNAME = re.compile(f"[{_START}][{_START}\\-.0-9\u00b7\u0300-\u036f\u203f-\u2040]*")

FEEDBACK = """\
| survey |
|        | type                              | name        | label        | required |
|        | select_one_from_file topics.csv   | topic       | Topic        | yes      |
|        | text                              | comment     | Comment      |          |
|        | begin_repeat                      | item        | Items        |          |
|        | text                              | item_name   | Item         |          |
|        | end_repeat                        |             |              |          |
|        | text                              | caller_name | Name         |          |
|        | text                              | caller_tel  | Phone        |          |

| settings |
|          | form_id        | form_title    | version |
|          | test_feedback  | Feedback      | 1       |
"""


@pytest.fixture
def feedback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """A feedback form as another app would declare it; returns what its hooks were asked."""
    calls: list[tuple[str, Any]] = []
    source = tmp_path / "test_feedback.md"
    source.write_text(FEEDBACK, encoding="utf-8")

    def media(organisation_id: Any) -> dict[str, bytes]:
        return {"topics.csv": b"name,label\nwater,Water\nfood,Food\n"}

    def check(organisation_id: Any, values: dict[str, Any], file: str) -> handlers.Checked:
        problems = []
        if not values.get("comment"):
            problems.append(Problem(file, None, "comment", "required", "no comment"))
        return handlers.Checked(problems, batch=str(values.get("topic", "")))

    def accept(actor: User, submission: Submission, file: str) -> dict[str, str]:
        if not submission.data.get("comment"):
            raise handlers.NotAcceptable([Problem(file, None, "comment", "required", "none")])
        calls.append(("accept", submission.data))
        return {"feedback": "F-1"}

    def reject(actor: User, submission: Submission) -> None:
        calls.append(("reject", submission.instance_id))

    monkeypatch.setattr(handlers, "_registry", dict(handlers._registry))
    handlers.register(
        handlers.FormHandler(
            form_id="test_feedback",
            xlsform=source,
            media=media,
            check=check,
            accept=accept,
            reject=reject,
            personal={"caller_name": "name", "caller_tel": "phone"},
            repeats=frozenset({"item"}),
        )
    )
    return calls


def test_another_apps_form_goes_through_collect(
    field: Field, personas: Personas, feedback: list[tuple[str, Any]]
) -> None:
    published = services.forms_publish(actor=personas.layla.user, organisation=personas.iom)
    form = next(v for v in published if v.form.form_id == "test_feedback")
    assert bytes(form.media.get(filename="topics.csv").data).startswith(b"name,label\n")
    listed = field.phone.get("/openrosa/formList").content.decode()
    assert "<formID>test_feedback</formID>" in listed

    values = {
        "topic": "water",
        "comment": "The tank is empty",
        "item": [{"item_name": "tank"}, {"item_name": "pump"}],
        "caller_name": "Amina",
        "caller_tel": "0750 000 1111",
    }
    assert (
        field.phone.post(fill_instance(form.xml, values, instance_id="uuid:f1")).status_code == 201
    )
    received = Submission.objects.get(instance_id="uuid:f1")
    assert received.batch == "water" and received.problems == []
    assert received.data["item"] == [{"item_name": "tank"}, {"item_name": "pump"}]
    assert "caller_tel" not in received.data and "0750" not in received.xml
    informant = KeyInformant.objects.get(submission=received)
    assert (informant.name, informant.phone) == ("Amina", "0750 000 1111")

    accepted = services.submission_accept(actor=personas.layla.user, submission=received)
    assert accepted.accepted == {"feedback": "F-1"}
    assert feedback == [("accept", received.data)]

    empty = fill_instance(form.xml, {"topic": "food"}, instance_id="uuid:f2")
    assert field.phone.post(empty).status_code == 201
    waiting = Submission.objects.get(instance_id="uuid:f2")
    assert [p["column"] for p in waiting.problems] == ["comment"]
    with pytest.raises(handlers.NotAcceptable):
        services.submission_accept(actor=personas.layla.user, submission=waiting)
    services.submission_reject(actor=personas.layla.user, submission=waiting, reason="empty")
    assert feedback[-1] == ("reject", "uuid:f2")
    waiting.refresh_from_db()
    assert waiting.status == SubmissionStatus.REJECTED


def test_a_form_received_on_arrival_keeps_its_withheld_answers_out_of_collect(
    field: Field, personas: Personas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "test_feedback.md"
    source.write_text(FEEDBACK, encoding="utf-8")
    received: list[tuple[str, dict[str, Any]]] = []

    def receive(submission: Submission, withheld: dict[str, Any], file: str) -> dict[str, str]:
        if submission.data.get("topic") == "food":
            raise handlers.NotAcceptable([Problem(file, None, "topic", "required", "not here")])
        received.append((submission.instance_id, withheld))
        return {"feedback": "F-9"}

    monkeypatch.setattr(handlers, "_registry", dict(handlers._registry))
    handlers.register(
        handlers.FormHandler(
            form_id="test_feedback",
            xlsform=source,
            media=lambda organisation_id: {"topics.csv": b"name,label\nwater,Water\n"},
            accept=lambda *args: {},
            receive=receive,
            withheld=frozenset({"comment", "caller_name", "caller_tel"}),
            repeats=frozenset({"item"}),
        )
    )
    published = services.forms_publish(actor=personas.layla.user, organisation=personas.iom)
    form = next(v for v in published if v.form.form_id == "test_feedback")
    values = {
        "topic": "water",
        "comment": "The guard at the gate asked for money",
        "caller_name": "Amina",
        "caller_tel": "0750 000 1111",
    }
    sent = fill_instance(form.xml, values, instance_id="uuid:w1")
    assert field.phone.post(sent).status_code == 201
    assert field.phone.post(sent).status_code == 202  # the phone's retry: received once
    assert received == [
        (
            "uuid:w1",
            {
                "comment": "The guard at the gate asked for money",
                "caller_name": "Amina",
                "caller_tel": "0750 000 1111",
            },
        )
    ]
    stored = Submission.objects.get(instance_id="uuid:w1")
    assert stored.status == SubmissionStatus.ACCEPTED and stored.accepted == {"feedback": "F-9"}
    assert stored.data["topic"] == "water" and "comment" not in stored.data
    for secret in ("money", "Amina", "0750"):
        assert secret not in stored.xml and secret not in str(stored.data)
    assert not KeyInformant.objects.filter(submission=stored).exists()
    # Refused by the app: nothing stored, the phone keeps it and says why.
    refused = fill_instance(form.xml, {**values, "topic": "food"}, instance_id="uuid:w2")
    response = field.phone.post(refused)
    assert response.status_code == 400 and b"not here" in response.content
    assert not Submission.objects.filter(instance_id="uuid:w2").exists()


def test_withheld_answers_need_a_form_received_on_arrival(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="withholds"):
        handlers.register(
            handlers.FormHandler(
                form_id="test_withheld",
                xlsform=tmp_path,
                accept=lambda *args: {},
                withheld=frozenset({"comment"}),
            )
        )


def test_a_form_whose_handler_lacks_a_media_file_is_not_published(
    personas: Personas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "test_feedback.md"
    source.write_text(FEEDBACK, encoding="utf-8")
    monkeypatch.setattr(handlers, "_registry", {})
    handlers.register(
        handlers.FormHandler(form_id="test_feedback", xlsform=source, accept=lambda *a: {})
    )
    with pytest.raises(xforms.FormCompileError, match=r"topics\.csv"):
        services.forms_publish(actor=personas.layla.user, organisation=personas.iom)


def test_two_apps_cannot_claim_one_form_id(tmp_path: Path) -> None:
    (shipped,) = [h for h in handlers.all_handlers() if h.form_id == "dtm_emergency_tracking"]
    with pytest.raises(ValueError, match="twice"):
        handlers.register(
            handlers.FormHandler(form_id=shipped.form_id, xlsform=tmp_path, accept=shipped.accept)
        )


def test_every_published_media_header_is_an_xml_name(field: Field) -> None:
    published = {
        m.form_version.form.form_id for m in FormMedia.objects.select_related("form_version__form")
    }
    assert published == {h.form_id for h in handlers.all_handlers()}
    for media in FormMedia.objects.all():
        header = next(csv.reader(io.StringIO(bytes(media.data).decode("utf-8"))))
        assert header, media
        for name in header:
            assert NCNAME.fullmatch(name), f"{media}: {name!r} is not an XML name"
    # The names in the languages the database holds them in live in the one label column.
    governorates = FormMedia.objects.filter(filename="governorates.csv").first()
    assert governorates is not None
    assert "IQG09,Duhok / دهوك / دهۆک\n" in bytes(governorates.data).decode("utf-8")


def test_the_name_pattern_refuses_what_the_engines_refuse() -> None:
    assert NCNAME.fullmatch("label") and NCNAME.fullmatch("name_ar") and NCNAME.fullmatch("اسم")
    for bad in ("label::English (en)", "label:ar", "1label", "a b", ""):
        assert not NCNAME.fullmatch(bad), bad


LANGUAGES = {"English (en)", "Arabic (ar)", "Kurdish Sorani (ckb)", "Kurdish Badini (kmr)"}


@pytest.mark.parametrize("handler", handlers.all_handlers(), ids=lambda h: h.form_id)
def test_every_form_speaks_the_four_languages(handler: handlers.FormHandler) -> None:
    """Every label, hint, choice and constraint message in English, Arabic, Sorani and Badini:
    pyxform warns of any text missing in one of them."""
    compiled = xforms.compile_xlsform(handler.xlsform.read_text(encoding="utf-8"))
    assert compiled.warnings == []
    root = safe_xml.fromstring(compiled.xml)
    translations = root.iter("{http://www.w3.org/2002/xforms}translation")
    texts = {t.get("lang"): {x.get("id"): "".join(x.itertext()) for x in t} for t in translations}
    assert set(texts) == LANGUAGES
    english = texts["English (en)"]
    for language, those in texts.items():
        assert those.keys() == english.keys(), language
        assert all(text.strip() not in ("", "-") for text in those.values()), language
    # The word for a security informer in Iraq is never used for a key informant.
    assert "مخبر" not in compiled.xml
