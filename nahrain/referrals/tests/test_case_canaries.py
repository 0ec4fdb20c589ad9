"""Canaries: nothing written in a GBV or an MHPSS case reaches anyone but the case workers
assigned to it.

INTERSOS's GBV case worker zainab holds a GBV case, DAMA's MHPSS worker dilan an MHPSS case.
Every value written in them is a canary, unique to each example: the MHPSS client's name, phone
and place, the GBV survivor's place, the answers of the assessments, plans and follow-ups; and a
referral made from each case, whose reason the survivor did not agree to share, carries one too.
Then every other persona (nour, INTERSOS's other GBV case worker; shilan, its case worker; its
admin and registration officer; IOM's and DAMA's people; the platform admin; the anonymous
visitor) walks every page of the referrals app (namespace ``referrals``: the directory, the
referrals, the cases, the reports and exports) and every API operation under ``/services/``,
``/referrals/`` and ``/cases/``, found as they exist: GET with the cases' and referrals' ids,
POST, PUT, PATCH and DELETE with empty bodies. No canary may appear in any answer's body or
headers. For everybody, the assigned included, the log records and the audit log hold none. And
the assigned do see their canaries on the case's page, so that the walk proves something.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.db import transaction
from django.http import Http404
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from nahrain.api import api
from nahrain.referrals import access, case_services, codelists, services
from nahrain.referrals.models import Case, Referral
from nahrain.referrals.services import ConsentIn, PersonIn
from nahrain.referrals.tests import builders
from nahrain.registry.tests.test_canaries import (
    _audit_log,
    _leaks,
    _records,
    _send,
    _text,
    latin,
    mobile,
)
from nahrain.testing.permissions import Pattern, walk
from nahrain.testing.personas import Personas

HOLDERS = {"gbv": "zainab", "mhpss": "dilan"}
OTHERS = (
    "nour",
    "shilan",
    "karim",
    "intersos_admin",
    "rania",
    "omar",
    "layla",
    "hana",
    "iom_admin",
    "ahmed",
    "outsider",
    "sara",
    "root",
)
ANONYMOUS = "anonymous"
API_PREFIXES = ("/services/", "/referrals/", "/cases/")


@dataclass
class Victims:
    cases: dict[str, Case]
    referrals: dict[str, Referral]
    canaries: dict[str, set[str]]  # case type -> its canaries
    kwargs: dict[str, str] = field(default_factory=dict)

    def secrets(self) -> set[str]:
        return set().union(*self.canaries.values())


def _answers(case_type: str, kind: str, text: str) -> dict[str, Any]:
    """Answers of one form, the canary in each of its text questions."""
    answers: dict[str, Any] = {}
    for question in codelists.case_form(case_type, kind):
        if question["kind"] == "text":
            answers[question["name"]] = text
        elif question["kind"] == "choice":
            answers[question["name"]] = question["choices"][0]
        elif question["kind"] == "boolean":
            answers[question["name"]] = True
        elif question["kind"] == "number":
            answers[question["name"]] = question.get("min", 0)
    return answers


def _victims(personas: Personas, canaries: dict[str, str]) -> Victims:
    points = builders.standard_points(personas)
    gbv = case_services.case_open(
        actor=personas.zainab.user,
        organisation=personas.intersos,
        case_type="gbv",
        person=PersonIn(sex="f", age=24, place=canaries["gbv_place"]),
    )
    mhpss = case_services.case_open(
        actor=personas.dilan.user,
        organisation=personas.dama,
        case_type="mhpss",
        person=PersonIn(
            name=canaries["mhpss_name"],
            sex="m",
            age=41,
            phone=canaries["mhpss_phone"],
            place=canaries["mhpss_place"],
        ),
    )
    for case, holder, prefix in ((gbv, personas.zainab, "gbv"), (mhpss, personas.dilan, "mhpss")):
        for kind in ("assessment", "service_plan", "follow_up"):
            case_services.case_entry_add(
                actor=holder.user,
                case=case,
                kind=kind,
                answers=_answers(case.type, kind, canaries[f"{prefix}_{kind}"]),
            )
    # Referrals from each case: the person agreed to share their sex and age, not the reason.
    consent = ConsentIn(
        fields=("sex", "age"),
        until=timezone.localdate() + timedelta(days=30),
        method="verbal",
        given_by="person",
    )
    gbv_referral = services.referral_send(
        actor=personas.zainab.user,
        organisation=personas.intersos,
        point=points["phcc"],
        service="phc",
        urgency="emergency",
        case=gbv,
        person=PersonIn(sex="f", age=24, place=gbv.place),
        reason=canaries["gbv_reason"],
        consent=consent,
    )
    mhpss_referral = services.referral_send(
        actor=personas.dilan.user,
        organisation=personas.dama,
        point=points["legal"],
        service="legal_aid",
        urgency="routine",
        case=mhpss,
        person=PersonIn(name=mhpss.name, sex="m", age=41, phone=mhpss.phone),
        reason=canaries["mhpss_reason"],
        consent=consent,
    )
    return Victims(
        cases={"gbv": gbv, "mhpss": mhpss},
        referrals={"gbv": gbv_referral, "mhpss": mhpss_referral},
        canaries={t: {v for k, v in canaries.items() if k.startswith(t)} for t in ("gbv", "mhpss")},
        kwargs={
            "point_uid": str(points["phcc"].uid),
            "kind": "follow_up",
            "format": "csv",
            "organisation_id": str(personas.intersos.pk),
        },
    )


# --- the walk ------------------------------------------------------------------------------


def referral_pages() -> list[Pattern]:
    return [p for p in walk(get_resolver().url_patterns) if p.namespace == "referrals"]


def referral_operations() -> list[tuple[str, str]]:
    paths: dict[str, dict[str, Any]] = api.get_openapi_schema()["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        if any(f"/api/v1{prefix}" in path for prefix in API_PREFIXES)
        for method in operations
    ]


def _params(route: str) -> list[str]:
    return [a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\{(\w+)\}", route)]


def _fillings(name: str, victims: Victims) -> list[str]:
    """The values a URL parameter is walked with: each victim's object; an unknown parameter
    fails the test, naming it (a canary cannot pass by leaving a page out)."""
    if name == "case_uid":
        return [str(c.uid) for c in victims.cases.values()]
    if name == "referral_uid":
        return [str(r.uid) for r in victims.referrals.values()]
    if name in victims.kwargs:
        return [victims.kwargs[name]]
    raise AssertionError(
        f"test_case_canaries does not know the URL parameter {name!r}: add it to _fillings"
    )


def _urls(route: str, victims: Victims, make: Any) -> list[str]:
    params = _params(route)
    urls = [{}]  # type: list[dict[str, str]]
    for name in params:
        urls = [{**u, name: value} for u in urls for value in _fillings(name, victims)]
    return [make(u) for u in urls]


def _requests(victims: Victims) -> list[tuple[str, str, bool]]:
    requests = []
    searches = ["", "?q=" + quote(sorted(victims.secrets())[0][:6]), "?all=1&show=sent"]
    for pattern in referral_pages():
        for url in _urls(pattern.route, victims, lambda k, p=pattern: reverse(p.name, kwargs=k)):
            requests += [("GET", url + query, False) for query in searches]
            requests.append(("POST", url, False))
    for method, path in referral_operations():
        for url in _urls(path, victims, lambda k, p=path: p.format(**k)):
            if method == "GET":
                requests += [(method, url + query, False) for query in searches]
            else:
                requests.append((method, url, True))
    return requests


def _access_layer(personas: Personas, victims: Victims) -> None:
    """Each persona through the gates: only the holder reaches a case."""
    for case_type, case in victims.cases.items():
        for name in (*OTHERS, *HOLDERS.values()):
            user = getattr(personas, name).user
            if name == HOLDERS[case_type]:
                access.access_case_by_uid(user, case.uid)
            else:
                with pytest.raises(Http404):
                    access.access_case_by_uid(user, case.uid)


def _walk(personas: Personas, victims: Victims) -> list[str]:
    problems = []
    requests = _requests(victims)
    walkers: dict[str, tuple[Client, set[str]]] = {
        name: (getattr(personas, name).client(), victims.secrets()) for name in OTHERS
    }
    walkers[ANONYMOUS] = (Client(), victims.secrets())
    # Each holder walks too: the other's case is as closed to them.
    for case_type, holder in HOLDERS.items():
        others = victims.secrets() - victims.canaries[case_type]
        walkers[holder] = (getattr(personas, holder).client(), others)
    for name, (client, secrets) in walkers.items():
        for method, url, as_json in requests:
            response = _send(client, method, url, as_json)
            leaked = _leaks(_text(response), secrets, asked=url)
            if leaked:
                problems.append(f"{name} {method} {url}: {response.status_code} shows {leaked}")
    for case_type, holder in HOLDERS.items():
        url = reverse("referrals:case", args=[victims.cases[case_type].uid])
        response = getattr(personas, holder).client().get(url)
        shown = _leaks(_text(response), victims.canaries[case_type])
        if response.status_code != 200 or not shown:
            problems.append(f"{holder} GET {url}: {response.status_code}, the case not shown")
    return problems


@settings(
    max_examples=3,
    deadline=None,
    # One example walks every page as every persona: shrinking the canaries would only repeat it.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    canaries=st.fixed_dictionaries(
        {
            "gbv_place": latin,
            "gbv_assessment": latin,
            "gbv_service_plan": latin,
            "gbv_follow_up": latin,
            "gbv_reason": latin,
            "mhpss_name": latin,
            "mhpss_phone": mobile,
            "mhpss_place": latin,
            "mhpss_assessment": latin,
            "mhpss_service_plan": latin,
            "mhpss_follow_up": latin,
            "mhpss_reason": latin,
        },
    ).filter(lambda c: len(set(c.values())) == len(c))
)
def test_nothing_of_a_gbv_or_mhpss_case_reaches_anyone_but_its_case_workers(
    personas: Personas, every_logger: pytest.LogCaptureFixture, canaries: dict[str, str]
) -> None:
    assert referral_pages(), "the referrals namespace has no pages: the walk would prove nothing"
    every_logger.clear()
    with transaction.atomic():
        victims = _victims(personas, canaries)
        _access_layer(personas, victims)
        problems = _walk(personas, victims)
        secrets = victims.secrets()
        logged = _leaks(_records(every_logger), secrets)
        audited = _leaks(_audit_log(), secrets)
        transaction.set_rollback(True)
    assert not problems, "\n".join(problems)
    assert not logged, f"the log records show {logged}"
    assert not audited, f"the audit log shows {audited}"
