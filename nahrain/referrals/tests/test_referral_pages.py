"""The referral pages, through HTTP with the personas: rania, IOM's registration officer, refers
a woman IOM registered to INTERSOS's legal aid with her consent to share her sex, age and place;
shilan, INTERSOS's case worker, reads exactly those and nothing else, and takes the referral to
the service provided; rania closes it. A GBV referral reaches INTERSOS's GBV case workers alone;
a withdrawn consent hides the person and ends the referral; an ended one stops every hand-off
but a decline; one person is referred to one service once at a time, also when two sendings
race; an unanswered referral is flagged overdue. Every page is kept by no cache and every read of
a referral is audited."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nahrain.core.models import AuditEvent
from nahrain.referrals import codelists
from nahrain.referrals.models import Referral, ReferralConsent, ServicePoint
from nahrain.referrals.tests import builders
from nahrain.registry.models import Individual
from nahrain.testing.personas import Personas

NAME = "سميرة"
FAMILY = "الحمداني"
PHONE = "07701234567"
REASON = "Lost her national card on the road from Sinjar"


@pytest.fixture
def points(personas: Personas) -> dict[str, ServicePoint]:
    return builders.standard_points(personas)


@pytest.fixture
def samira(personas: Personas) -> Individual:
    return builders.iom_person(personas, first_ar=NAME, phone=PHONE)


def _send_form(
    service: str,
    fields: tuple[str, ...] = ("sex", "age", "place"),
    *,
    key: str = "page:first",
    **more: str,
) -> dict[str, Any]:
    return {
        "key": key,
        "service": service,
        "urgency": "high",
        "reason": REASON,
        "fields_shared": list(fields),
        "until": (timezone.localdate() + timedelta(days=60)).isoformat(),
        "method": "verbal",
        "given_by": "person",
        **more,
    }


def _send_url(point: ServicePoint, individual: Individual | None = None) -> str:
    url = reverse("referrals:send", args=[point.uid])
    return f"{url}?individual={individual.uid}" if individual is not None else url


def _refer_samira(
    personas: Personas, point: ServicePoint, samira: Individual, service: str, **more: Any
) -> Referral:
    """Rania sends Samira from her registry record, through the sending page."""
    client = personas.rania.client()
    url = _send_url(point, samira)
    shown = client.get(url)
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    response = client.post(url, _send_form(service, **more))
    assert response.status_code == 302, _errors(response)
    referral = Referral.objects.get(individual=samira, service=service)
    assert response["Location"] == reverse("referrals:referral", args=[referral.uid])
    return referral


def _errors(response: Any) -> str:
    text: str = response.content.decode()
    return " | ".join(re.findall(r'class="(?:error|messages)[^"]*"[^>]*>(.*?)</', text, re.S))


def _page(client: Client, referral: Referral) -> str:
    response = client.get(reverse("referrals:referral", args=[referral.uid]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text: str = response.content.decode()
    return text


def _section(text: str, section_id: str) -> str:
    found = re.search(rf'<section class="card" id="{section_id}">(.*?)</section>', text, re.S)
    return found.group(1) if found else ""


def _facts(text: str) -> dict[str, str]:
    """The person's section as shown: label -> value."""
    person = _section(text, "person").split("<h3>")[0]
    return {
        dt.strip(): re.sub(r"<[^>]+>", "", dd).strip()
        for dt, dd in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", person, re.S)
    }


def _history(text: str) -> list[str]:
    found = re.search(r'id="history">(.*?)</ol>', text, re.S)
    assert found is not None
    return re.findall(r"<li>(.*?) · ", found.group(1))


def _steps(text: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="status" value="(\w+)">', text)


def _step(client: Client, referral: Referral, status: str, **more: str) -> tuple[str, list[str]]:
    """Take a step through the referral's page; returns the status after it and the messages."""
    response = client.post(
        reverse("referrals:step", args=[referral.uid]),
        {"key": f"page:{status}:{len(more)}", "status": status, **more},
        follow=True,
    )
    assert response.status_code == 200
    referral.refresh_from_db()
    messages = [str(m) for m in response.context["messages"]]
    return referral.status, messages


def test_rania_refers_samira_and_shilan_sees_only_what_she_agreed_to_share(
    personas: Personas, points: dict[str, ServicePoint], samira: Individual
) -> None:
    referral = _refer_samira(personas, points["legal"], samira, "legal_aid")
    # The referral carries what Samira agreed to share, and nothing more: rania reads that
    # copy; the name, phone and reason stay in IOM's registry.
    sender_page = _page(personas.rania.client(), referral)
    assert "Zakho, Nizarke" in sender_page
    assert NAME not in sender_page and PHONE not in sender_page and REASON not in sender_page
    assert (referral.name, referral.phone, referral.reason) == ("", "", "")

    shilan = personas.shilan.client()
    page = _page(shilan, referral)
    facts = _facts(page)
    sex, age, place = (codelists.label("shared_fields", f) for f in ("sex", "age", "place"))
    assert set(facts) == {sex, age, place}
    assert facts[sex] == "Female" and facts[place] == "Zakho, Nizarke"
    assert int(facts[age]) == date.today().year - 1990 - (
        date.today() < date(date.today().year, 5, 2)
    )
    for secret in (NAME, FAMILY, PHONE, "7701234567", REASON, "rania", str(samira.uid)):
        assert secret not in page, secret
    assert _steps(page) == ["acknowledged", "accepted", "declined"]
    # The list names the service and the organisations, never the person.
    listed = shilan.get(reverse("referrals:list"))
    assert listed.status_code == 200 and "no-store" in listed["Cache-Control"]
    text = listed.content.decode()
    assert str(referral.uid) in text and NAME not in text and PHONE not in text

    # The steps, each through the page, each in the history.
    assert _step(shilan, referral, "acknowledged")[0] == "acknowledged"
    assert _step(shilan, referral, "accepted")[0] == "accepted"
    day = timezone.localdate() + timedelta(days=4)
    assert _step(shilan, referral, "appointment", appointment_on=day.isoformat())[0] == (
        "appointment"
    )
    assert referral.appointment_on == day
    assert _step(shilan, referral, "provided")[0] == "provided"
    assert _steps(_page(shilan, referral)) == []
    rania = personas.rania.client()
    assert _steps(_page(rania, referral)) == ["closed"]
    assert _step(rania, referral, "closed")[0] == "closed"
    assert _history(_page(rania, referral)) == [
        "Sent",
        "Acknowledged",
        "Accepted",
        "Appointment set",
        "Service provided",
        "Closed",
    ]
    # Every read of the referral's page was audited, with the names of the fields shown alone.
    reads = AuditEvent.objects.filter(action="referrals.read", object_id=str(referral.uid))
    shilan_reads = reads.filter(actor=personas.shilan.user)
    assert shilan_reads.count() == 6
    assert {tuple(r.detail["fields"]) for r in shilan_reads} == {("age", "place", "sex")}
    assert {r.organisation for r in shilan_reads} == {personas.intersos}
    assert reads.filter(actor=personas.rania.user).first().organisation == personas.iom  # type: ignore[union-attr]
    logged = str([(e.action, e.object_id, e.detail) for e in AuditEvent.objects.all()])
    for secret in (NAME, PHONE, REASON):
        assert secret not in logged


def test_a_gbv_referral_is_read_by_the_gbv_case_workers_alone(
    personas: Personas, points: dict[str, ServicePoint], samira: Individual
) -> None:
    referral = _refer_samira(
        personas, points["wgss"], samira, "gbv_case_management", fields=("sex", "age")
    )
    for name in ("zainab", "nour"):
        page = _page(getattr(personas, name).client(), referral)
        assert set(_facts(page)) == {"Sex", "Age"}, name
        assert NAME not in page and REASON not in page
    for name in ("shilan", "karim", "intersos_admin", "layla", "omar", "root", "dilan"):
        client = getattr(personas, name).client()
        url = reverse("referrals:referral", args=[referral.uid])
        assert client.get(url).status_code == 404, name
        assert (
            client.post(
                reverse("referrals:step", args=[referral.uid]), {"key": "k", "status": "accepted"}
            ).status_code
            == 404
        ), name
        listed = client.get(reverse("referrals:list")).content.decode()
        assert str(referral.uid) not in listed, name
    assert _step(personas.nour.client(), referral, "accepted")[0] == "accepted"


def test_withdrawing_consent_hides_the_person_and_ends_the_referral(
    personas: Personas, points: dict[str, ServicePoint], samira: Individual
) -> None:
    referral = _refer_samira(personas, points["legal"], samira, "legal_aid")
    shilan = personas.shilan.client()
    assert _step(shilan, referral, "accepted")[0] == "accepted"
    # Only the sender opens the consent page.
    consent_url = reverse("referrals:consent", args=[referral.uid])
    assert shilan.get(consent_url).status_code == 404
    rania = personas.rania.client()
    shown = rania.get(consent_url)
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    # First she shares less: no longer where she lives.
    narrowed = rania.post(
        consent_url,
        {
            "key": "page:narrow",
            "fields_shared": ["sex", "age"],
            "until": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
    )
    assert narrowed.status_code == 302
    assert set(_facts(_page(shilan, referral))) == {"Sex", "Age"}
    withdrawn = rania.post(consent_url, {"key": "page:withdraw", "withdraw": "1"})
    assert withdrawn.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "withdrawn"
    page = _page(shilan, referral)
    assert _facts(page) == {} and "nothing of them is shown" in page
    assert _steps(page) == []
    for secret in (NAME, PHONE, "Zakho, Nizarke", REASON):
        assert secret not in page
    reads = AuditEvent.objects.filter(action="referrals.read", actor=personas.shilan.user)
    assert reads.order_by("-at").first().detail["fields"] == []  # type: ignore[union-attr]


def test_an_ended_consent_stops_the_hand_offs_but_not_a_decline(
    personas: Personas, points: dict[str, ServicePoint], samira: Individual
) -> None:
    referral = _refer_samira(personas, points["legal"], samira, "legal_aid")
    ReferralConsent.objects.filter(referral=referral).update(
        until=timezone.localdate() - timedelta(days=1)
    )
    shilan = personas.shilan.client()
    page = _page(shilan, referral)
    assert _facts(page) == {} and _steps(page) == ["declined"]
    status, messages = _step(shilan, referral, "accepted")
    assert status == "sent"
    assert messages == ["The person's consent is no longer in force: the referral cannot go on."]
    status, _messages = _step(shilan, referral, "declined", decline_reason="person_declined")
    assert status == "declined"
    assert "rania" not in _page(shilan, referral)


def test_one_person_is_referred_to_one_service_once_at_a_time(
    personas: Personas, points: dict[str, ServicePoint], samira: Individual
) -> None:
    _refer_samira(personas, points["legal"], samira, "legal_aid")
    client = personas.rania.client()
    url = _send_url(points["legal"], samira)
    again = client.post(url, _send_form("legal_aid", key="page:second"))
    assert again.status_code == 200
    assert "already has an open referral" in again.content.decode()
    assert Referral.objects.count() == 1
    # The same form sent twice (a double click) is the first sending, not a refusal.
    resent = client.post(url, _send_form("legal_aid"))
    assert resent.status_code == 302 and Referral.objects.count() == 1
    # Another service at the same point is another referral.
    other = client.post(url, _send_form("child_protection", key="page:third"))
    assert other.status_code == 302 and Referral.objects.count() == 2


def test_an_unanswered_referral_is_flagged_overdue_in_the_list(
    personas: Personas, points: dict[str, ServicePoint], samira: Individual
) -> None:
    referral = _refer_samira(personas, points["legal"], samira, "legal_aid")
    shilan = personas.shilan.client()
    listed = shilan.get(reverse("referrals:list")).content.decode()
    assert 'class="overdue"' not in listed
    assert (
        shilan.get(reverse("referrals:list"), {"show": "overdue"})
        .content.decode()
        .count(str(referral.uid))
        == 0
    )
    Referral.objects.filter(pk=referral.pk).update(respond_by=timezone.now() - timedelta(hours=2))
    listed = shilan.get(reverse("referrals:list")).content.decode()
    row = re.search(rf'<tr class="overdue">.*?{referral.uid}.*?</tr>', listed, re.S)
    assert row is not None and "Overdue" in row.group(0)
    overdue = shilan.get(reverse("referrals:list"), {"show": "overdue"}).content.decode()
    assert str(referral.uid) in overdue
    sent = personas.rania.client().get(reverse("referrals:list"), {"show": "sent"})
    assert 'class="overdue"' in sent.content.decode()
    # Answered, it is no longer overdue.
    _step(shilan, referral, "acknowledged")
    assert 'class="overdue"' not in shilan.get(reverse("referrals:list")).content.decode()


def test_a_typed_person_is_referred_from_the_page(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    client = personas.shilan.client()
    url = _send_url(points["phcc"])
    form = _send_form(
        "mhpss_counselling",
        ("sex", "age"),
        name="Amina Hassan",
        sex="f",
        age="34",
        phone="07509876543",
        place="Zakho, Darkar",
    )
    response = client.post(url, form)
    assert response.status_code == 302, _errors(response)
    referral = Referral.objects.get()
    # Only the consented sex and age are carried; the name typed stays with no one.
    assert (referral.organisation, referral.name, referral.phone, referral.individual) == (
        personas.intersos,
        "",
        "",
        None,
    )
    page = _page(personas.dilan.client(), referral)
    assert set(_facts(page)) == {"Sex", "Age"} and "Amina" not in page
    # Nobody who refers for no organisation opens the page.
    for name in ("layla", "ahmed", "sara", "root"):
        assert getattr(personas, name).client().get(url).status_code == 404, name


# --- two sendings at once (PostgreSQL) ---------------------------------------------------------


@pytest.fixture
def racing() -> Iterator[threading.Barrier]:
    """Two sendings held together after each checked that no referral is open, so that both
    write at once and the database's constraint decides."""
    barrier = threading.Barrier(2, timeout=10)
    respond_hours = codelists.respond_hours

    def held(urgency: str) -> int:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return respond_hours(urgency)

    with mock.patch.object(codelists, "respond_hours", held):
        yield barrier


def _at_once(*posts: tuple[Client, str, dict[str, Any]]) -> list[Any]:
    answers: list[Any] = [None] * len(posts)

    def run(index: int, client: Client, url: str, form: dict[str, Any]) -> None:
        try:
            answers[index] = client.post(url, form)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sendings_at_once_make_one_referral(
    personas: Personas,
    points: dict[str, ServicePoint],
    samira: Individual,
    racing: threading.Barrier,
) -> None:
    url = _send_url(points["legal"], samira)
    first, second = personas.rania.client(), personas.rania.client()
    answers = _at_once(
        (first, url, _send_form("legal_aid", key="page:one")),
        (second, url, _send_form("legal_aid", key="page:two")),
    )
    assert sorted(a.status_code for a in answers) == [200, 302]
    refused = next(a for a in answers if a.status_code == 200)
    assert "already has an open referral" in refused.content.decode()
    assert Referral.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_form_sent_twice_at_once_is_one_referral_both_times(
    personas: Personas,
    points: dict[str, ServicePoint],
    samira: Individual,
    racing: threading.Barrier,
) -> None:
    url = _send_url(points["legal"], samira)
    first, second = personas.rania.client(), personas.rania.client()
    form = _send_form("legal_aid", key="page:double-click")
    answers = _at_once((first, url, form), (second, url, form))
    referral = Referral.objects.get()
    location = reverse("referrals:referral", args=[referral.uid])
    assert [(a.status_code, a["Location"]) for a in answers] == [(302, location)] * 2
