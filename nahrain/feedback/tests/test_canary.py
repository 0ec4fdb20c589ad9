"""THE canary: a complaint of sexual exploitation and abuse recorded at IOM's help desk carries
unique strings in what the person said, their name and phone, the focal point's answer and note.
Every persona (and the anonymous visitor) fetches every feedback page, API path and export, the
trends, the review queue, the audit log's pages and the home page; the strings come back to
jwan, the named focal point, alone. The audit rows, the log output and the trends rollup never
hold them. The same holds for a complaint sent by the help desk's phone (collect's submission
pages, API and review queue) and for a call of the hotline's log imported through the intake
pages (the preview, the problems files, the job's page and API; the file's bytes are gone once
its import is written)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from nahrain.collect import services as collect_services
from nahrain.collect.models import Submission
from nahrain.collect.tests.odk import Collect, fill_instance
from nahrain.core.models import AuditEvent
from nahrain.feedback import services
from nahrain.feedback.models import Feedback, FeedbackRollup
from nahrain.feedback.tests.desk import Desk, desk_fixture  # noqa: F401
from nahrain.intake import services as intake_services
from nahrain.intake.models import Job
from nahrain.testing.personas import Persona, Personas

pytestmark = pytest.mark.django_db

CANARIES = (
    "CANARYdescQ7Z3",
    "CANARYnameK9W2",
    "CANARY0750X81",
    "CANARYanswerM4P6",
    "CANARYnoteT2V8",
)


def _everyone(personas: Personas, desk: Desk, own: dict[str, Persona]) -> dict[str, Persona]:
    cast = {
        f.name: getattr(personas, f.name)
        for f in dataclasses.fields(personas)
        if isinstance(getattr(personas, f.name), Persona)
    }
    return {**cast, **own, "rawa": desk.rawa, "jwan": desk.jwan, "lina": desk.lina}


def _pages(item: Feedback) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(method, URL, form) of every page a persona may try, with what it carries."""
    iom = item.concerned_id
    step = f"/feedback/items/{item.uid}/step/"
    audit = [
        f"/admin/core/auditevent/{pk}/change/"
        for pk in AuditEvent.objects.values_list("pk", flat=True)
    ]
    return [
        ("GET", "/", None),
        ("GET", "/feedback/", None),
        ("GET", "/feedback/?category=sea", None),
        ("GET", f"/feedback/items/{item.uid}/", None),
        ("GET", "/feedback/recorded/", None),
        ("GET", "/feedback/new/", None),
        ("GET", "/feedback/trends/", None),
        ("GET", f"/feedback/trends/?organisation={iom}", None),
        ("GET", "/feedback/trends/export.csv", None),
        ("GET", "/feedback/focal-points/", None),
        ("GET", "/collect/", None),
        ("GET", "/admin/core/auditevent/", None),
        ("GET", "/admin/core/auditevent/?q=feedback", None),
        *(("GET", url, None) for url in audit),
        # A step refused or gone wrong shows the item page again to whoever may see it.
        ("POST", step, {"step": "note", "note": ""}),
        ("POST", step, {"step": "resolve", "answer": ""}),
    ]


API = "/api/v1/feedback"


def _api(item: Feedback) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("GET", f"{API}/items", None),
        ("GET", f"{API}/items?category=sea", None),
        ("GET", f"{API}/items/{item.uid}", None),
        ("GET", f"{API}/trends", None),
        ("GET", f"{API}/export", None),
        ("POST", f"{API}/items/{item.uid}/notes", {"note": ""}),
        ("POST", f"{API}/items/{item.uid}/link", {"references": ["FB-NOPE00"]}),
    ]


def _answers(client: Client, calls: Any, headers: dict[str, str]) -> Iterator[tuple[str, str]]:
    for method, url, data in calls:
        if method == "GET":
            response = client.get(url, headers=headers)
        elif url.startswith("/api/"):
            response = client.post(url, data, content_type="application/json", headers=headers)
        else:
            response = client.post(url, data, headers=headers)
        yield f"{method} {url}", response.content.decode("utf-8", errors="replace")


def _leaks(text: str) -> list[str]:
    return [canary for canary in CANARIES if canary in text]


def test_a_sensitive_complaint_is_read_by_the_named_focal_point_alone(
    desk: Desk,
    personas: Personas,
    salam: Persona,
    huda: Persona,
    faris: Persona,
    nadia: Persona,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        desk.receive()  # something ordinary for the trends and the export to show
        recorder = desk.rawa.client()
        recorded = recorder.post(
            "/feedback/new/",
            {
                "channel": "help_desk",
                "site": desk.chameshku.pk,
                "category": "sea",
                "topic": "distribution_cash",
                "description": f"A distributor asked for favours. {CANARIES[0]}",
                "name": CANARIES[1],
                "phone": CANARIES[2],
                "preferred_language": "ar",
                "callback_gender": "female",
                "consent_to_share": "on",
                "person_sex": "f",
            },
        )
        assert recorded["Location"] == "/feedback/recorded/"
        item = Feedback.objects.get(sensitive=True)
        jwan = desk.jwan.user
        services.feedback_assign(actor=jwan, feedback=item, assignee=jwan)
        services.feedback_start(actor=jwan, feedback=item)
        services.feedback_note(actor=jwan, feedback=item, note=CANARIES[4])
        services.feedback_resolve(actor=jwan, feedback=item, answer=CANARIES[3])
    # The recorder's own session, right after recording: the reference, nothing else.
    confirmation = recorder.get("/feedback/recorded/").content.decode()
    assert item.reference in confirmation and not _leaks(confirmation)

    everyone = _everyone(
        personas, desk, {"salam": salam, "huda": huda, "faris": faris, "nadia": nadia}
    )
    seen: dict[str, list[str]] = {}
    leaks: list[str] = []
    for name, persona in [("anonymous", None), *everyone.items()]:
        session = persona.client() if persona else Client()
        token = {"Authorization": f"Bearer {persona.token()}"} if persona else {}
        answers = [
            *_answers(session, _pages(item), {}),
            *_answers(Client(), _api(item), token),
        ]
        for where, text in answers:
            found = _leaks(text)
            if found:
                seen.setdefault(name, []).append(where)
                if name != "jwan":
                    leaks.append(f"{name}: {where} shows {found}")
    assert not leaks, "\n".join(leaks)
    # The positive control: the focal point reads every canary on the item's page and in the
    # API, so the strings were there to be found.
    assert f"GET /feedback/items/{item.uid}/" in seen["jwan"]
    assert f"GET {API}/items/{item.uid}" in seen["jwan"]
    page = desk.jwan.client().get(f"/feedback/items/{item.uid}/").content.decode()
    assert set(_leaks(page)) == set(CANARIES)

    audit = [
        f"{e.action} {e.object_type} {e.object_id} {e.detail}" for e in AuditEvent.objects.all()
    ]
    assert any(line.startswith("feedback.read") for line in audit)
    assert not [line for line in audit if _leaks(line)]
    assert not _leaks(caplog.text)
    rollup = FeedbackRollup.objects.all()
    assert sum(row.received for row in rollup) == Feedback.objects.filter(sensitive=False).count()
    assert not rollup.filter(category="sea").exists()


# --- the same complaint through the help desk's phone and the hotline's call log --------------

FORM_CANARIES = ("CANARYformdescR5T1", "CANARYformnameH3J8", "CANARY0751Y22")
CALL_CANARIES = ("CANARYcalldescP6N4", "CANARY0770Z33", "CANARYbaddescW9E2", "CANARY0780Q44")
HOTLINE_HEADER = [
    "Case ID",
    "Date",
    "Time",
    "Caller Sex",
    "Governorate",
    "District",
    "Category",
    "Sub-category",
    "Description",
    "Language",
    "Phone",
    "Status",
    "Answer",
]


def _call_log(*rows: list[str]) -> io.BytesIO:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([HOTLINE_HEADER, *rows])
    file = io.BytesIO(out.getvalue().encode("utf-8"))
    file.name = "iic-calls.csv"
    return file


def _call(case: str, description: str, phone: str, date: str = "03/11/2026") -> list[str]:
    row = [case, date, "14:25", "Female", "Duhok", "Zakho", "PSEA", "Distribution"]
    return [*row, description, "Arabic", phone, "Open", ""]


def _uploaded(client: Client, file: io.BytesIO, iom: Any) -> str:
    answer = client.post(f"/intake/feedback.hotline/{iom.pk}/", {"file": file})
    assert answer.status_code == 302, answer.content.decode()[:500]
    return str(answer["Location"])


def _intake_pages(uploads: list[str], jobs: list[str]) -> list[tuple[str, str, Any]]:
    pages: list[tuple[str, str, Any]] = []
    for preview in uploads:
        pages += [("GET", preview, None)]
        pages += [("GET", f"{preview}problems.{f}", None) for f in ("csv", "xlsx")]
    for job in jobs:
        pages += [("GET", f"/intake/jobs/{job}/", None)]
        pages += [("GET", f"/intake/jobs/{job}/problems.{f}", None) for f in ("csv", "xlsx")]
        pages += [("GET", f"/api/v1/intake/jobs/{job}", None)]
    return pages


def _collect_pages(receipts: list[Any]) -> list[tuple[str, str, Any]]:
    pages: list[tuple[str, str, Any]] = [
        ("GET", "/collect/", None),
        ("GET", "/collect/?status=accepted", None),
        ("GET", "/api/v1/collect/submissions", None),
        ("GET", "/api/v1/collect/submissions?status=accepted", None),
    ]
    for receipt in receipts:
        pages += [
            ("GET", f"/collect/submissions/{receipt.uid}/", None),
            ("GET", f"/api/v1/collect/submissions/{receipt.uid}", None),
        ]
    return pages


def test_a_sensitive_complaint_by_the_help_desk_form_or_the_hotline_log_reaches_its_focal_point_alone(  # noqa: E501
    desk: Desk,
    personas: Personas,
    salam: Persona,
    huda: Persona,
    faris: Persona,
    nadia: Persona,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    iom = personas.iom
    # The help desk's phone sends a complaint of sexual exploitation through the field form.
    versions = collect_services.forms_publish(actor=personas.layla.user, organisation=iom)
    collector, password = collect_services.collector_create(
        actor=personas.layla.user, organisation=iom, username="helpdesk01"
    )
    xform = next(v.xml for v in versions if v.form.form_id == "feedback_helpdesk")
    phone = Collect(Client(), collector.username, password)
    said = {
        "site": str(desk.chameshku.uid),
        "channel": "help_desk",
        "category": "sea",
        "topic": "distribution_cash",
        "description": f"The guard asked for favours. {FORM_CANARIES[0]}",
        "anonymous": "no",
        "contact_name": FORM_CANARIES[1],
        "contact_phone": FORM_CANARIES[2],
        "preferred_language": "ar",
        "callback_gender": "female",
        "consent_to_share": "no",
        "person_sex": "f",
        "person_age_group": "18_59",
        "population_group": "idp_in_camp",
    }
    assert phone.post(fill_instance(xform, said, instance_id="uuid:canary-1")).status_code == 201
    # rawa imports the hotline's call log with a sensitive call through the intake pages, and
    # checks a second log whose bad row keeps it from being confirmed.
    rawa = desk.rawa.client()
    kept = _uploaded(
        rawa,
        _call_log(_call("IIC-C-1", f"Asked for sex. {CALL_CANARIES[0]}", CALL_CANARIES[1])),
        iom,
    )
    assert rawa.get(kept).status_code == 200
    assert rawa.post(f"{kept}confirm/").status_code == 302
    refused_upload = _uploaded(
        rawa,
        _call_log(
            _call("IIC-C-2", f"Asked again. {CALL_CANARIES[2]}", CALL_CANARIES[3]),
            _call("IIC-C-3", "No date", "", date="not a date"),
        ),
        iom,
    )
    # Checked on the preview page, never confirmed: it waits a day for its uploader alone.
    assert rawa.get(refused_upload).status_code == 200
    assert rawa.get(f"{refused_upload}problems.csv").status_code == 200
    jobs = [str(j.uid) for j in Job.objects.filter(spec="feedback.hotline")]
    for job in jobs:
        intake_services.job_run(job_uid=job)
    assert Job.objects.get().status == "done" and not bytes(Job.objects.get().data)
    items = Feedback.objects.filter(sensitive=True)
    assert {i.channel for i in items} == {"help_desk", "hotline"}
    receipts = list(Submission.objects.all())

    everyone = _everyone(
        personas, desk, {"salam": salam, "huda": huda, "faris": faris, "nadia": nadia}
    )
    calls = [
        *_collect_pages(receipts),
        *_intake_pages([kept, refused_upload], jobs),
        *(("GET", f"/feedback/items/{item.uid}/", None) for item in items),
        ("GET", "/feedback/", None),
        ("GET", "/feedback/trends/export.csv", None),
        ("GET", "/admin/core/auditevent/", None),
    ]
    api = [
        ("GET", f"{API}/items", None),
        *(("GET", f"{API}/items/{item.uid}", None) for item in items),
    ]
    canaries = (*FORM_CANARIES, *CALL_CANARIES[:2])
    leaks: list[str] = []
    seen: set[str] = set()
    for name, persona in [("anonymous", None), *everyone.items()]:
        session = persona.client() if persona else Client()
        token = {"Authorization": f"Bearer {persona.token()}"} if persona else {}
        answers = [*_answers(session, calls, {}), *_answers(Client(), api, token)]
        for where, text in answers:
            found = [c for c in (*canaries, *CALL_CANARIES[2:]) if c in text]
            if found and name == "jwan":
                seen.update(found)
            elif found:
                leaks.append(f"{name}: {where} shows {found}")
    assert not leaks, "\n".join(leaks)
    # The positive control: the focal point reads every string of the two items.
    assert seen == set(canaries)
    stored = [
        *(s.xml + json.dumps(s.data) + json.dumps(s.problems) for s in receipts),
        *(json.dumps(j.problems) + j.error + bytes(j.data).decode() for j in Job.objects.all()),
        *(f"{e.action} {e.object_id} {e.detail}" for e in AuditEvent.objects.all()),
        caplog.text,
    ]
    assert not [text for text in stored if any(c in text for c in canaries)]
