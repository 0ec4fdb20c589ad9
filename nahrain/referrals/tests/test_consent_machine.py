"""A state machine over consent: random sequences of registrations, referrals between
organisations, consents given, narrowed, withdrawn and expired, the steps of each referral, and
protection cases opened, written in, assigned and unassigned, by the personas of four
organisations. After every look at a page (or an API answer), and at the end of every sequence,
it checks what each persona was shown against a model of the rules kept here, apart from the
code under test:

- a referral carries only the fields its consent covers; they are read by its sending side (the
  referrer, or the workers assigned to the case it came from), and on the receiving side (the
  members holding the role that handles the service) while the consent is in force and until
  the service declines the person or the referral is withdrawn; by nobody else;
- a child is referred only with a caregiver's consent, and from the age of assent the child's
  own agreement too; from the age of own consent the child consents;
- a field dropped from a consent, or every field of a withdrawn one, is erased from the referral:
  nobody reads it there any more;
- a GBV or MHPSS case (and every value written in it) is read by its assigned case workers
  alone; a child-protection or legal-documentation case by them and the organisation's case
  workers;
- no value of a person reaches the audit log, a notification e-mail or a log record, ever.

Each value typed about a person is a canary: a string found nowhere else. A page breaks the rules
when it holds a canary the model does not allow its reader. The receiving side must also see
what the consent allows (so the check cannot pass by showing nothing).

``NAHRAIN_CONSENT_SEQUENCES`` sets how many sequences run (by default 5,000 on SQLite, the
issue's floor, and 1,000 on PostgreSQL).
"""

from __future__ import annotations

import json
import logging
import os
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from nahrain.core.models import AuditEvent
from nahrain.referrals import case_services, codelists, services
from nahrain.referrals.models import Case, Referral, ReferralConsent, ServicePoint
from nahrain.referrals.services import ConsentIn, PersonIn, ReferralRuleBroken
from nahrain.referrals.tests import builders
from nahrain.registry import services as registry_services
from nahrain.registry.models import Individual
from nahrain.registry.rules import MemberIn
from nahrain.testing.personas import Personas

STEPS = 10
# A registration (with its duplicate check and figures) costs what ten other steps do, a look at
# the lists two: each happens at most this often in a sequence, so that 5,000 sequences run in
# minutes.
REGISTRATIONS = 1
LIST_LOOKS = 1

# Who acts, and in which organisation; who only looks.
SENDERS = ("rania", "omar", "karim", "shilan", "zainab", "nour", "dilan")
LOOKERS = (
    *SENDERS,
    "layla",
    "hana",
    "ahmed",
    "outsider",
    "iom_admin",
    "intersos_admin",
    "root",
)
REGISTRARS = {"rania": "iom", "karim": "intersos"}
REGISTRY_READERS = {"rania": "iom", "omar": "iom", "karim": "intersos"}
# The roles the personas hold, as the model knows them (nahrain/testing/personas.py).
ROLES = {
    "rania": ("iom", "registration_officer"),
    "omar": ("iom", "site_manager"),
    "karim": ("intersos", "registration_officer"),
    "shilan": ("intersos", "case_worker"),
    "zainab": ("intersos", "gbv_case_worker"),
    "nour": ("intersos", "gbv_case_worker"),
    "dilan": ("dama", "mhpss_worker"),
}
CASE_OPENERS = {
    "zainab": ("gbv",),
    "nour": ("gbv",),
    "dilan": ("mhpss",),
    "shilan": ("child_protection", "legal_documentation"),
}
RESTRICTED = ("gbv", "mhpss")
RESTRICTED_HANDLERS = ("gbv_case_worker", "mhpss_worker")
RECEIVER_STEPS = ("acknowledged", "accepted", "declined", "appointment", "provided", "lost")
SENDER_STEPS = ("closed", "withdrawn")

letters = st.text(alphabet=string.ascii_uppercase, min_size=10, max_size=10)
arabic = st.text(alphabet="ضظغذثخشصق", min_size=8, max_size=8)
digits = st.integers(0, 10**7 - 1)


@dataclass
class World:
    """What every sequence starts from: the personas, their clients, the service points."""

    personas: Personas
    clients: dict[str, Client]
    points: dict[str, ServicePoint]
    organisations: dict[str, Any]

    def user(self, name: str) -> Any:
        return getattr(self.personas, name).user


@dataclass
class PersonModel:
    individual_id: int
    organisation: str
    values: dict[str, str]  # field -> canary


@dataclass
class ReferralModel:
    uid: str
    referrer: str
    organisation: str
    to_organisation: str
    service: str
    case: CaseModel | None
    held: dict[str, str]  # field -> canary still on the referral
    consented: set[str]
    consent: str = "in_force"  # in_force, withdrawn, expired
    status: str = "sent"  # as the last step left it
    declined: bool = False  # ever: a declining service reads nothing of the person again

    def refresh(self) -> None:
        self.status = Referral.objects.values_list("status", flat=True).get(uid=self.uid)
        self.declined = self.declined or self.status == "declined"


@dataclass
class CaseModel:
    uid: str
    organisation: str
    type: str
    assigned: set[str]
    canaries: set[str] = field(default_factory=set)

    def readers(self) -> set[str]:
        readers = {name for name in self.assigned if self.type in CASE_OPENERS.get(name, ())}
        if self.type not in RESTRICTED:
            readers |= {
                n
                for n, (org, role) in ROLES.items()
                if org == self.organisation and role == "case_worker"
            }
        return readers


CONSENT_RULES = {"caregiver_consent", "child_assent", "own_consent"}


def _consent_valid(age: int, by_caregiver: bool, assent: bool | None) -> bool:
    """The consent ages of data/codelists.json, as the IRC/UNICEF guidelines give them: under 6 a
    caregiver; 6 to 14 a caregiver and the child's assent; 15 to 17 either; 18 on the person."""
    if age < 6:
        return by_caregiver
    if age < 15:
        return by_caregiver and assent is True
    if age < 18:
        return True
    return not by_caregiver


def _sender_side(name: str, referral: ReferralModel) -> bool:
    if referral.case is not None:
        return name in referral.case.readers()
    return name == referral.referrer


def _receiver_side(name: str, referral: ReferralModel) -> bool:
    organisation, role = ROLES.get(name, ("", ""))
    return organisation == referral.to_organisation and role == codelists.handled_by(
        referral.service
    )


def _reads(name: str, referral: ReferralModel) -> set[str]:
    """The canaries of the referral the persona may read."""
    if _sender_side(name, referral):
        return set(referral.held.values())
    if (
        _receiver_side(name, referral)
        and referral.consent == "in_force"
        and referral.status != "withdrawn"
        and not referral.declined
    ):
        return {v for f, v in referral.held.items() if f in referral.consented}
    return set()


def _pick(referral: ReferralModel, who: int) -> str:
    """A persona to act on or look at a referral: most often one of its receiving side, then
    of its sending side (where the rules have most to get wrong), otherwise anyone."""
    receiving = [n for n in LOOKERS if _receiver_side(n, referral)]
    sending = [n for n in LOOKERS if _sender_side(n, referral)]
    if who < 40 and receiving:
        return receiving[who % len(receiving)]
    if who < 70 and sending:
        return sending[who % len(sending)]
    return LOOKERS[who % len(LOOKERS)]


class ConsentMachine(RuleBasedStateMachine):
    world: World

    referrals = Bundle("referrals")
    cases = Bundle("cases")
    people = Bundle("people")

    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.all_referrals: list[ReferralModel] = []
        self.all_cases: list[CaseModel] = []
        self.canaries: set[str] = set()
        self.looks = 0
        self.registrations = 0
        self.list_looks = 0
        mail.outbox = []

    def teardown(self) -> None:
        try:
            self._nothing_personal_kept()
        finally:
            transaction.savepoint_rollback(self.savepoint)
            # Released too: a savepoint rolled back to stays open, and thousands of them nested
            # made each sequence slower than the one before.
            transaction.savepoint_commit(self.savepoint)

    # --- the model's reading of the rules ----------------------------------------------------

    def allowed(self, name: str) -> set[str]:
        allowed: set[str] = set()
        for referral in self.all_referrals:
            allowed |= _reads(name, referral)
        for case in self.all_cases:
            if name in case.readers():
                allowed |= case.canaries
        return allowed

    def _canary(self, value: str) -> str:
        self.canaries.add(value)
        return value

    def _writes(self) -> Any:
        # Notifications go out on commit: run them, so that their e-mails are checked too.
        return TestCase.captureOnCommitCallbacks(execute=True)

    # --- registrations ---------------------------------------------------------------------

    @precondition(lambda self: self.registrations < REGISTRATIONS)
    @rule(target=people, registrar=st.sampled_from(sorted(REGISTRARS)), name=arabic, phone=digits)
    def register(self, registrar: str, name: str, phone: int) -> PersonModel:
        w = self.world
        self.registrations += 1
        first = self._canary("ظظغ" + name)
        mobile = self._canary(f"0799{phone:07d}")
        with self._writes():
            household = registry_services.household_register(
                actor=w.user(registrar),
                organisation=w.organisations[REGISTRARS[registrar]],
                registered_on=date(2024, 3, 1),
                admin_unit=w.points["legal"].versions.get().admin_unit,
                phone=mobile,
                consents=("registration", "referral"),
                members=[
                    MemberIn(sex="f", relationship="head", first_ar=first, born_on=date(1990, 5, 2))
                ],
            )
        individual = household.members.get()
        return PersonModel(individual.pk, REGISTRARS[registrar], {"name": first, "phone": mobile})

    # --- cases -----------------------------------------------------------------------------

    @rule(
        target=cases,
        opener=st.sampled_from(sorted(CASE_OPENERS)),
        which=st.integers(0, 1),
        place=letters,
        name=letters,
    )
    def open_case(self, opener: str, which: int, place: str, name: str) -> CaseModel:
        w = self.world
        types = CASE_OPENERS[opener]
        case_type = types[which % len(types)]
        named = bool(codelists.case_type(case_type)["named"])
        person = PersonIn(
            name=self._canary("ZQXN" + name) if named else "",
            sex="f",
            age=30,
            place=self._canary("ZQXP" + place),
        )
        organisation = ROLES[opener][0]
        with self._writes():
            case = case_services.case_open(
                actor=w.user(opener),
                organisation=w.organisations[organisation],
                case_type=case_type,
                person=person,
            )
        model = CaseModel(str(case.uid), organisation, case_type, {opener})
        model.canaries |= {v for v in (person.name, person.place) if v}
        self.all_cases.append(model)
        return model

    @rule(case=cases, text=letters, author=st.integers(0, 5))
    def write_in_case(self, case: CaseModel, text: str, author: int) -> None:
        writers = sorted(case.assigned)
        writer = writers[author % len(writers)]
        goals = self._canary("ZQXG" + text)
        try:
            with self._writes():
                case_services.case_entry_add(
                    actor=self.world.user(writer),
                    case=Case.objects.get(uid=case.uid),
                    kind="service_plan",
                    answers={"goals": goals},
                )
        except ReferralRuleBroken:
            return  # a closed case
        case.canaries.add(goals)

    @rule(case=cases, who=st.sampled_from(sorted(CASE_OPENERS)), unassign=st.booleans())
    def assign(self, case: CaseModel, who: str, unassign: bool) -> None:
        w = self.world
        actor = sorted(case.assigned)[0]
        found = Case.objects.get(uid=case.uid)
        try:
            with self._writes():
                if unassign:
                    case_services.case_unassign(actor=w.user(actor), case=found, user=w.user(who))
                    case.assigned.discard(who)
                else:
                    case_services.case_assign(actor=w.user(actor), case=found, user=w.user(who))
                    case.assigned.add(who)
        except ReferralRuleBroken:
            pass  # not of the case's role, or the last worker

    # --- referrals -------------------------------------------------------------------------

    def _send(
        self,
        sender: str,
        target_index: int,
        fields: set[str],
        *,
        person: PersonIn | None = None,
        individual: Any = None,
        case: CaseModel | None = None,
        held: dict[str, str],
        reason: str,
        given_by: str = "person",
        assent: bool | None = None,
        consent_valid: bool = True,
    ) -> ReferralModel | None:
        w = self.world
        targets = [
            (key, offer.service)
            for key in sorted(w.points)
            for offer in w.points[key].versions.get().offers.all()
        ]
        key, service = targets[target_index % len(targets)]
        point = w.points[key]
        organisation = ROLES[sender][0]
        try:
            with self._writes():
                sent = services.referral_send(
                    actor=w.user(sender),
                    organisation=w.organisations[organisation],
                    point=point,
                    service=service,
                    urgency="high",
                    reason=reason,
                    person=person,
                    individual=individual,
                    case=Case.objects.get(uid=case.uid) if case else None,
                    consent=ConsentIn(
                        fields=tuple(sorted(fields)),
                        until=timezone.localdate() + timedelta(days=30),
                        method="verbal",
                        given_by=given_by,
                        caregiver_relationship="mother" if given_by == "caregiver" else "",
                        child_assent=assent,
                    ),
                )
        except ReferralRuleBroken as error:
            rules = {p.rule for p in error.problems}
            if not consent_valid:
                assert rules & CONSENT_RULES, error
            else:
                assert rules <= {"already_open"}, error
            return None
        assert consent_valid, "a referral was sent without a valid consent"
        held = {**held, "reason": reason}
        if individual is not None and codelists.handled_by(service) in RESTRICTED_HANDLERS:
            # A GBV or MHPSS referral of a registry person does not carry the household's phone
            # (often the head's): the worker asks for a safe number.
            held.pop("phone", None)
        model = ReferralModel(
            uid=str(sent.uid),
            referrer=sender,
            organisation=organisation,
            to_organisation={v.pk: k for k, v in w.organisations.items()}[point.organisation_id],
            service=service,
            case=case,
            held={f: v for f, v in held.items() if v and f in fields},
            consented=set(fields),
        )
        self.all_referrals.append(model)
        return model

    @rule(
        target=referrals,
        sender=st.sampled_from(SENDERS),
        target_index=st.integers(0, 20),
        fields=st.sets(st.sampled_from(builders.ALL_FIELDS)),
        name=letters,
        phone=digits,
        place=letters,
        reason=letters,
        age=st.sampled_from((3, 9, 16, 40)),
        by_caregiver=st.booleans(),
        assent=st.sampled_from((None, False, True)),
    )
    def refer_someone_new(
        self,
        sender: str,
        target_index: int,
        fields: set[str],
        name: str,
        phone: int,
        place: str,
        reason: str,
        age: int,
        by_caregiver: bool,
        assent: bool | None,
    ) -> Any:
        person = PersonIn(
            name=self._canary("ZQXA" + name),
            sex="f",
            age=age,
            phone=self._canary(f"0798{phone:07d}"),
            place=self._canary("ZQXL" + place),
        )
        sent = self._send(
            sender,
            target_index,
            fields,
            person=person,
            held={"name": person.name, "phone": person.phone, "place": person.place},
            reason=self._canary("ZQXR" + reason),
            given_by="caregiver" if by_caregiver else "person",
            assent=assent,
            consent_valid=_consent_valid(age, by_caregiver, assent),
        )
        return sent if sent is not None else multiple()

    @rule(
        target=referrals,
        person=people,
        target_index=st.integers(0, 20),
        fields=st.sets(st.sampled_from(builders.ALL_FIELDS)),
        reason=letters,
        which=st.integers(0, 2),
    )
    def refer_someone_registered(
        self, person: PersonModel, target_index: int, fields: set[str], reason: str, which: int
    ) -> Any:
        readers = sorted(n for n, org in REGISTRY_READERS.items() if org == person.organisation)
        sender = readers[which % len(readers)]
        sent = self._send(
            sender,
            target_index,
            fields,
            individual=Individual.objects.get(pk=person.individual_id),
            held=dict(person.values),
            reason=self._canary("ZQXR" + reason),
        )
        return sent if sent is not None else multiple()

    @rule(
        target=referrals,
        case=cases,
        target_index=st.integers(0, 20),
        fields=st.sets(st.sampled_from(builders.ALL_FIELDS)),
        reason=letters,
    )
    def refer_from_case(
        self, case: CaseModel, target_index: int, fields: set[str], reason: str
    ) -> Any:
        found = Case.objects.get(uid=case.uid)
        sender = sorted(case.assigned)[0]
        person = PersonIn(
            name=found.name, sex=found.sex, age=found.age, phone=found.phone, place=found.place
        )
        sent = self._send(
            sender,
            target_index,
            fields,
            person=person,
            case=case,
            held={"name": found.name, "place": found.place},
            reason=self._canary("ZQXR" + reason),
        )
        return sent if sent is not None else multiple()

    @rule(
        referral=referrals,
        who=st.integers(0, 99),
        step=st.sampled_from(RECEIVER_STEPS + SENDER_STEPS),
    )
    def take_a_step(self, referral: ReferralModel, who: int, step: str) -> None:
        actor = _pick(referral, who)
        client = self.world.clients[actor]
        data: dict[str, str] = {"status": step, "key": f"machine:{self.looks}:{step}"}
        self.looks += 1
        if step == "declined":
            data["decline_reason"] = "no_capacity"
        if step == "appointment":
            data["appointment_on"] = (timezone.localdate() + timedelta(days=3)).isoformat()
        with self._writes():
            response = client.post(reverse("referrals:step", args=[referral.uid]), data)
        referral.refresh()
        may = _sender_side(actor, referral) or _receiver_side(actor, referral)
        assert response.status_code == (302 if may else 404), (actor, step, response.status_code)

    @rule(referral=referrals, keep=st.sets(st.sampled_from(builders.ALL_FIELDS)))
    def narrow_consent(self, referral: ReferralModel, keep: set[str]) -> None:
        if referral.consent == "withdrawn":
            return
        kept = keep & referral.consented
        actor = self._a_sender(referral)
        if actor is None:
            return
        with self._writes():
            services.consent_narrow(
                actor=self.world.user(actor),
                referral=Referral.objects.get(uid=referral.uid),
                fields=sorted(kept),
            )
        referral.held = {f: v for f, v in referral.held.items() if f in kept}
        referral.consented = kept

    @rule(referral=referrals)
    def withdraw_consent(self, referral: ReferralModel) -> None:
        actor = self._a_sender(referral)
        if actor is None:
            return
        with self._writes():
            services.consent_withdraw(
                actor=self.world.user(actor), referral=Referral.objects.get(uid=referral.uid)
            )
        referral.held = {}
        referral.consent = "withdrawn"
        referral.refresh()

    @rule(referral=referrals)
    def let_consent_expire(self, referral: ReferralModel) -> None:
        yesterday = timezone.localdate() - timedelta(days=1)
        ReferralConsent.objects.filter(referral__uid=referral.uid).update(
            given_on=yesterday - timedelta(days=30), until=yesterday
        )
        if referral.consent == "in_force":
            referral.consent = "expired"

    def _a_sender(self, referral: ReferralModel) -> str | None:
        sending = sorted(n for n in SENDERS if _sender_side(n, referral))
        return sending[0] if sending else None

    # --- looking -----------------------------------------------------------------------------

    def _check(self, name: str, url: str, response: Any) -> str:
        body = str(response.content.decode("utf-8", "replace"))
        if response.get("Content-Type", "").startswith("application/json"):
            # The API writes Arabic as \u escapes: read it back as text.
            body = json.dumps(response.json(), ensure_ascii=False)
        headers = json.dumps(dict(response.headers), ensure_ascii=False)
        shown = {c for c in self.canaries if c in body or c in headers}
        leaked = shown - self.allowed(name)
        assert not leaked, f"{name} GET {url} shows {sorted(leaked)} the rules do not allow"
        return body

    @rule(referral=referrals, who=st.integers(0, 99), through_api=st.booleans())
    def look_at_a_referral(self, referral: ReferralModel, who: int, through_api: bool) -> None:
        name = _pick(referral, who)
        if through_api:
            url = f"/api/v1/referrals/{referral.uid}"
        else:
            url = reverse("referrals:referral", args=[referral.uid])
        response = self.world.clients[name].get(url)
        reads = _sender_side(name, referral) or _receiver_side(name, referral)
        assert response.status_code == (200 if reads else 404), (name, url, response.status_code)
        body = self._check(name, url, response)
        if reads:
            assert "no-store" in response["Cache-Control"]
            # The shown side must see what it may: the check cannot pass by showing nothing.
            for value in _reads(name, referral):
                assert value in body, f"{name} GET {url} does not show what the consent allows"

    @precondition(lambda self: self.list_looks < LIST_LOOKS)
    @rule(name=st.sampled_from(LOOKERS), show=st.sampled_from(("received", "sent", "overdue")))
    def look_at_the_lists(self, name: str, show: str) -> None:
        self.list_looks += 1
        url = reverse("referrals:list") + f"?show={show}&all=1"
        response = self.world.clients[name].get(url)
        assert response.status_code == 200
        body = response.content.decode()
        # Lists name services, organisations and dates: never a person.
        assert not {c for c in self.canaries if c in body}, f"{name} GET {url}"

    @rule(case=cases, who=st.integers(0, 99), through_api=st.booleans())
    def look_at_a_case(self, case: CaseModel, who: int, through_api: bool) -> None:
        readers = sorted(case.readers())
        name = readers[who % len(readers)] if who < 50 and readers else LOOKERS[who % len(LOOKERS)]
        if through_api:
            url = f"/api/v1/cases/{case.uid}"
        else:
            url = reverse("referrals:case", args=[case.uid])
        response = self.world.clients[name].get(url)
        reads = name in case.readers()
        assert response.status_code == (200 if reads else 404), (name, url, response.status_code)
        body = self._check(name, url, response)
        if reads:
            assert "no-store" in response["Cache-Control"]
            for value in case.canaries:
                assert value in body, f"{name} GET {url} does not show the case's own values"

    @precondition(lambda self: self.list_looks < LIST_LOOKS)
    @rule(name=st.sampled_from(LOOKERS), where=st.sampled_from(("cases", "reports")))
    def look_at_cases_and_reports(self, name: str, where: str) -> None:
        self.list_looks += 1
        url = reverse(f"referrals:{where}")
        response = self.world.clients[name].get(url)
        assert response.status_code in (200, 404)
        body = response.content.decode()
        # The case list shows codes and types; reports show counts: never a person.
        assert not {c for c in self.canaries if c in body}, f"{name} GET {url}"

    @invariant()
    def nothing_leaves_the_rules(self) -> None:
        # Cheap enough to run after every step: the referral's stored copy holds only what the
        # consent covers.
        for referral in self.all_referrals[-3:]:
            stored = Referral.objects.get(uid=referral.uid)
            for name in ("name", "phone", "place", "reason"):
                value = getattr(stored, name)
                if value and value in self.canaries:
                    assert referral.held.get(name) == value, (
                        f"{name} is still on referral {referral.uid} after its consent dropped it"
                    )

    def _nothing_personal_kept(self) -> None:
        audit = "\n".join(
            f"{e.action} {e.object_type} {e.object_id} " + json.dumps(e.detail, ensure_ascii=False)
            for e in AuditEvent.objects.all()
        )
        mails = "\n".join(f"{m.subject}\n{m.body}" for m in mail.outbox)
        logs = "\n".join(HANDLER.lines)
        for where, text in (("audit log", audit), ("e-mail", mails), ("log", logs)):
            found = {c for c in self.canaries if c in text}
            assert not found, f"the {where} holds {sorted(found)}"
        HANDLER.lines.clear()


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.getMessage()} {record.args!r} {record.exc_text or ''}")


HANDLER = _Lines()


def _sequences() -> int:
    """5,000 sequences on SQLite (the issue's floor); 1,000 on PostgreSQL, where the same rules
    run at half the speed and the suite's other PostgreSQL tests take the time
    (``NAHRAIN_CONSENT_SEQUENCES`` sets either)."""
    default = "1000" if connection.vendor == "postgresql" else "5000"
    return int(os.environ.get("NAHRAIN_CONSENT_SEQUENCES", default))


@pytest.fixture
def all_logs() -> Iterator[None]:
    loggers = [logging.root] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(HANDLER)
        logger.setLevel(logging.DEBUG)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(HANDLER)
        logger.setLevel(level)


def test_no_sequence_shows_a_field_the_rules_do_not_allow(
    personas: Personas, all_logs: None
) -> None:
    points = builders.standard_points(personas)
    ConsentMachine.world = World(
        personas=personas,
        clients={name: getattr(personas, name).client() for name in LOOKERS},
        points=points,
        organisations={"iom": personas.iom, "intersos": personas.intersos, "dama": personas.dama},
    )
    run_state_machine_as_test(
        ConsentMachine,
        settings=settings(
            max_examples=_sequences(),
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
