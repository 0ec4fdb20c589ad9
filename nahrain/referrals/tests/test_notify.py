"""Notices of a referral's steps (notify.py): the receiving organisation's members who handle the
service are told of a referral sent to it, the referrer (and, from a case, its assigned workers)
of each step the receiving side takes. A notice holds a link and nothing else: not the person's
name, phone or reason, not the service (a GBV service named in an SMS on a shared phone can
endanger someone). A refused step tells nobody; further channels (an SMS gateway) are dotted
paths in ``NAHRAIN_REFERRAL_NOTIFIERS``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from nahrain.referrals import access, codelists, services
from nahrain.referrals.models import Referral, ReferralConsent, ServicePoint
from nahrain.referrals.notify import Notice
from nahrain.referrals.services import PersonIn, ReferralRuleBroken
from nahrain.referrals.tests import builders
from nahrain.testing.personas import Personas

NAME = "Amina Hassan"
PHONE = "07509876543"
REASON = "Threatened by her brother-in-law since the return"
RECEIVER = {access.RECEIVER}
SENDER = {access.SENDER}

# What the fake SMS gateway was given.
TEXTED: list[Notice] = []


def fake_sms(notice: Notice) -> None:
    """A channel as an SMS gateway's would be: it keeps what it would send."""
    TEXTED.append(notice)


def broken_channel(notice: Notice) -> None:
    raise ConnectionError("the gateway is down")


Run = Callable[[Callable[[], Any]], Any]


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Run:
    """Run a write and what it queued for after its commit (the notices), as a request would."""

    def run(write: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


@pytest.fixture
def addressed(personas: Personas) -> Personas:
    """Every persona with an e-mail address."""
    for user in User.objects.all():
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    for name in vars(personas):
        persona = getattr(personas, name)
        if hasattr(persona, "user"):
            persona.user.refresh_from_db()
    return personas


@pytest.fixture
def points(addressed: Personas) -> dict[str, ServicePoint]:
    return builders.standard_points(addressed)


@pytest.fixture(autouse=True)
def _nothing_texted() -> Iterator[None]:
    TEXTED.clear()
    yield
    TEXTED.clear()


def _to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def _send(personas: Personas, points: dict[str, ServicePoint], run: Run, **kwargs: Any) -> Referral:
    kwargs.setdefault("person", PersonIn(name=NAME, sex="f", age=34, phone=PHONE, place="Zakho"))
    kwargs.setdefault("reason", REASON)
    referral: Referral = run(
        lambda: builders.refer(
            personas.rania.user, personas.iom, points["legal"], "legal_aid", **kwargs
        )
    )
    return referral


def _step(run: Run, user: User, referral: Referral, status: str, **more: Any) -> None:
    run(lambda: services.referral_step(actor=user, referral=referral, status=status, **more))


def test_a_referral_sent_tells_the_receiving_case_workers_and_each_step_the_referrer(
    addressed: Personas, points: dict[str, ServicePoint], committed: Run
) -> None:
    personas = addressed
    referral = _send(personas, points, committed)
    # INTERSOS handles legal aid with its case workers: shilan, not its GBV case workers, its
    # registration officer or its admin; nobody of IOM.
    assert _to() == ["shilan@example.org"]
    steps = [
        ("acknowledged", {}),
        ("accepted", {}),
        ("appointment", {"appointment_on": timezone.localdate() + timedelta(days=2)}),
        ("provided", {}),
    ]
    for status, more in steps:
        mail.outbox.clear()
        _step(committed, personas.shilan.user, referral, status, **more)
        assert _to() == ["rania@example.org"], status
    # The sender's closing tells the other side, not the sender.
    mail.outbox.clear()
    _step(committed, personas.rania.user, referral, "closed")
    assert _to() == ["shilan@example.org"]


def test_a_gbv_referral_tells_the_gbv_case_workers_alone(
    addressed: Personas, points: dict[str, ServicePoint], committed: Run
) -> None:
    personas = addressed
    committed(
        lambda: builders.refer(
            personas.shilan.user,
            personas.intersos,
            points["wgss"],
            "gbv_case_management",
            person=PersonIn(sex="f", age=27),
        )
    )
    assert _to() == ["nour@example.org", "zainab@example.org"]


def test_a_referral_from_a_case_tells_its_assigned_workers(
    addressed: Personas, points: dict[str, ServicePoint], committed: Run
) -> None:
    personas = addressed
    case = builders.gbv_case(personas)
    referral = committed(
        lambda: builders.refer(
            personas.zainab.user,
            personas.intersos,
            points["phcc"],
            "mhpss_counselling",
            case=case,
            person=PersonIn(sex=case.sex, age=case.age, place=case.place),
        )
    )
    assert _to() == ["dilan@example.org"]
    mail.outbox.clear()
    _step(committed, personas.dilan.user, referral, "acknowledged")
    assert _to() == ["zainab@example.org"]


def test_withdrawal_and_consent_changes_tell_the_receiving_side(
    addressed: Personas, points: dict[str, ServicePoint], committed: Run
) -> None:
    personas = addressed
    referral = _send(personas, points, committed)
    mail.outbox.clear()
    committed(
        lambda: services.consent_narrow(
            actor=personas.rania.user, referral=referral, fields=("sex", "age")
        )
    )
    assert _to() == ["shilan@example.org"]
    mail.outbox.clear()
    committed(lambda: services.consent_withdraw(actor=personas.rania.user, referral=referral))
    assert _to() == ["shilan@example.org"]


def test_no_notice_holds_anything_of_the_person_nor_the_service(
    addressed: Personas, points: dict[str, ServicePoint], committed: Run, settings: Any
) -> None:
    personas = addressed
    settings.NAHRAIN_REFERRAL_NOTIFIERS = [
        "nahrain.referrals.notify.email",
        "nahrain.referrals.tests.test_notify.fake_sms",
    ]
    wgss = committed(
        lambda: builders.refer(
            personas.shilan.user,
            personas.intersos,
            points["wgss"],
            "gbv_case_management",
            person=PersonIn(name=NAME, sex="f", age=34, phone=PHONE, place="Zakho"),
            reason=REASON,
        )
    )
    legal = _send(personas, points, committed)
    for status in ("acknowledged", "accepted"):
        _step(committed, personas.shilan.user, legal, status)
    _step(committed, personas.zainab.user, wgss, "acknowledged")
    committed(lambda: services.consent_withdraw(actor=personas.rania.user, referral=legal))
    assert len(mail.outbox) >= 6 and len(TEXTED) == len(mail.outbox)
    forbidden = [NAME, "Amina", PHONE, "9876543", REASON, "Zakho", "legal_aid", "gbv"]
    for service in ("legal_aid", "gbv_case_management"):
        entry = codelists.entry("service_types", service)
        forbidden += [entry["label_en"], entry["label_ar"], entry["label_ckb"]]
    forbidden += ["legal", "GBV", "women", "INTERSOS", "IOM"]
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}"
        for word in forbidden:
            assert word.casefold() not in text.casefold(), (word, text)
        assert str(legal.uid) in text or str(wgss.uid) in text
    links = {f"http://127.0.0.1:8000/referrals/{r.uid}/" for r in (legal, wgss)}
    for notice in TEXTED:
        assert notice.link in links and notice.link in notice.body
        for word in forbidden:
            assert word.casefold() not in f"{notice.subject}\n{notice.body}".casefold()


def test_a_refused_step_tells_nobody(
    addressed: Personas, points: dict[str, ServicePoint], committed: Run
) -> None:
    personas = addressed
    referral = _send(personas, points, committed)
    mail.outbox.clear()
    # Not yet accepted; and closing is the sender's step, not hers.
    for status in ("provided", "closed"):
        with pytest.raises(ReferralRuleBroken):
            _step(committed, personas.shilan.user, referral, status)
    ReferralConsent.objects.filter(referral=referral).update(
        until=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(ReferralRuleBroken):
        _step(committed, personas.shilan.user, referral, "accepted")
    # A refused sending neither: the same person to the same service, still open.
    with pytest.raises(ReferralRuleBroken):
        _send(personas, points, committed)
    assert mail.outbox == []


def test_an_sms_gateway_is_a_dotted_path_given_each_notice(
    addressed: Personas, points: dict[str, ServicePoint], committed: Run, settings: Any
) -> None:
    personas = addressed
    settings.NAHRAIN_REFERRAL_NOTIFIERS = ["nahrain.referrals.tests.test_notify.fake_sms"]
    referral = _send(personas, points, committed)
    assert mail.outbox == []
    assert [(n.user, n.link) for n in TEXTED] == [
        (personas.shilan.user, f"http://127.0.0.1:8000/referrals/{referral.uid}/")
    ]


def test_a_channel_that_fails_neither_undoes_the_step_nor_stops_the_others(
    addressed: Personas, points: dict[str, ServicePoint], committed: Run, settings: Any
) -> None:
    personas = addressed
    settings.NAHRAIN_REFERRAL_NOTIFIERS = [
        "nahrain.referrals.tests.test_notify.broken_channel",
        "nahrain.referrals.notify.email",
    ]
    referral = committed(
        lambda: builders.refer(
            personas.shilan.user,
            personas.intersos,
            points["wgss"],
            "gbv_case_management",
            person=PersonIn(sex="f", age=27),
        )
    )
    assert Referral.objects.filter(pk=referral.pk, status="sent").exists()
    assert _to() == ["nour@example.org", "zainab@example.org"]
