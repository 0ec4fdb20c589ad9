"""THE canary: a complaint of sexual exploitation and abuse recorded at IOM's help desk carries
unique strings in what the person said, their name and phone, the focal point's answer and note.
Every persona (and the anonymous visitor) fetches every feedback page, API path and export, the
trends, the review queue, the audit log's pages and the home page; the strings come back to
jwan, the named focal point, alone. The audit rows, the log output and the trends rollup never
hold them."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from nahrain.core.models import AuditEvent
from nahrain.feedback import services
from nahrain.feedback.models import Feedback, FeedbackRollup
from nahrain.feedback.tests.desk import Desk, desk_fixture  # noqa: F401
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
