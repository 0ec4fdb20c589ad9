"""Canaries of the review queue: a possible duplicate tells another organisation only that it
exists and who holds the other record (DESIGN.md 2a, "Persons"), until the household agrees to
share its record with that organisation.

INTERSOS (the victim) registers a man whose names in both scripts, phone and document number
are canaries (with the household's registration number); IOM registered a man who may be him,
and the pair is in both queues. Every persona but INTERSOS's own registration officer (IOM's
registration staff included, who review the pair) walks every page of the queue (URL names
starting with "duplicate", found in the resolver) and every operation under
/registry/duplicates (found in the OpenAPI schema), reading and deciding: no canary may appear in
an answer, a log record or the audit log. Then INTERSOS records the household's consent to share
with IOM: IOM's reviewers see the canaries, and the read is audited for INTERSOS to see.

And as a property: for any holders of the two records and any consents of the other household,
the pair page shows the other record's values iff it is the reader's own or a consent to share
with the reader's organisation is in force."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nahrain.api import api
from nahrain.core.models import AuditEvent
from nahrain.registry import services
from nahrain.registry.models import Household, PossibleDuplicate
from nahrain.registry.rules import DocumentIn, MemberIn
from nahrain.registry.tests import test_canaries
from nahrain.registry.tests.test_canaries import (
    _audit_log,
    _leaks,
    _records,
    _text,
    arabic,
    latin,
    mobile,
    registry_pages,
)
from nahrain.registry.tests.test_duplicates import head, intersos_family, iom_family, pair_of
from nahrain.sites.models import Site
from nahrain.testing.personas import Personas

# Everyone but INTERSOS's registration officer, IOM's reviewers of the pair first.
WALKERS = (
    "rania",
    "omar",
    "layla",
    "hana",
    "shilan",
    "ahmed",
    "outsider",
    "iom_admin",
    "intersos_admin",
    "root",
)
# The registry canaries' fixture: every logger captured, those that do not propagate too.
every_logger = test_canaries.every_logger
EXAMPLES = int(os.environ.get("NAHRAIN_CANARY_EXAMPLES", "10"))


def _victim(personas: Personas, canaries: dict[str, str]) -> Household:
    man = MemberIn(
        sex="m",
        relationship="head",
        first_ar=canaries["first_ar"],
        father_ar="أحمد",
        family_ar=canaries["family_ar"],
        first_lat=canaries["first_lat"],
        family_lat=canaries["family_lat"],
        born_on=date(1980, 3, 14),
        documents=[DocumentIn("national_card", True, canaries["document"])],
    )
    return intersos_family(personas, man, phone=canaries["phone"])


def _secrets(household: Household, canaries: dict[str, str]) -> set[str]:
    return {*canaries.values(), household.number}


def duplicate_pages() -> list[str]:
    """The URL names of the queue's pages."""
    return [p.name for p in registry_pages() if p.name.split(":")[-1].startswith("duplicate")]


def duplicate_operations() -> list[tuple[str, str]]:
    paths: dict[str, dict[str, Any]] = api.get_openapi_schema()["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/api/v1/registry/duplicates")
        for method in operations
    ]


def _requests(personas: Personas, pair: PossibleDuplicate) -> Iterator[tuple[str, str, Any]]:
    """(method, URL, body) of the walk: each page and operation read with every filter and
    organisation, and sent empty and with a decision."""
    queries = [
        "",
        "?" + urlencode({"status": "all"}),
        "?" + urlencode({"organisation": str(personas.intersos.pk), "status": "all"}),
        "?" + urlencode({"organisation": str(personas.iom.pk), "status": ""}),
    ]
    decision = {"decision": "unsure"}
    for name in duplicate_pages():
        kwargs = {"pair_id": pair.pk} if name.endswith(":duplicate") else {}
        url = reverse(name, kwargs=kwargs)
        for query in queries:
            yield "GET", url + query, None
        yield "POST", url, {}
        yield "POST", url, decision
    for method, path in duplicate_operations():
        url = path.format(pair_id=pair.pk)
        if method == "GET":
            for query in queries:
                yield method, url + query, None
        else:
            yield method, url, "{}"
            yield method, url, decision


def _send(persona: Any, method: str, url: str, body: Any) -> Any:
    client = persona.client() if persona is not None else Client()
    headers = {}
    if url.startswith("/api/") and persona is not None:
        headers["Authorization"] = f"Bearer {persona.token()}"
    if method == "GET":
        return client.get(url, headers=headers)
    if url.startswith("/api/"):
        return client.generic(
            method,
            url,
            data=body if isinstance(body, str) else json.dumps(body),
            content_type="application/json",
            headers=headers,
        )
    return client.post(url, body, headers=headers)


canary_sets = st.fixed_dictionaries(
    {
        "first_ar": arabic,
        "family_ar": arabic,
        "first_lat": latin,
        "family_lat": latin,
        "phone": mobile,
        "document": latin,
    }
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(canaries=canary_sets)
def test_no_value_of_intersos_reaches_anyone_through_the_queue_without_consent(
    personas: Personas,
    chameshku: Site,
    every_logger: pytest.LogCaptureFixture,
    canaries: dict[str, str],
) -> None:
    assert duplicate_pages() and duplicate_operations(), "the walk would prove nothing"
    every_logger.clear()
    problems = []
    with transaction.atomic():
        victim = _victim(personas, canaries)
        pair = pair_of(head(iom_family(personas, chameshku)), head(victim))
        secrets = _secrets(victim, canaries)
        walked = list(_requests(personas, pair))
        for name in (*WALKERS, "anonymous"):
            persona = getattr(personas, name, None)
            for method, url, body in walked:
                response = _send(persona, method, url, body)
                leaked = _leaks(_text(response), secrets, asked=url)
                if leaked:
                    problems.append(f"{name} {method} {url}: {response.status_code} {leaked}")
        # The reviewers did reach the pair (the walk is not passing by showing nothing).
        page = personas.rania.client().get(reverse("registry:duplicate", args=[pair.pk]))
        assert page.status_code == 200 and "INTERSOS" in page.content.decode()
        logged = _leaks(_records(every_logger), secrets)
        audited = _leaks(_audit_log(), secrets)
        transaction.set_rollback(True)
    assert not problems, "\n".join(problems)
    assert not logged, f"the log records show {logged}"
    assert not audited, f"the audit log shows {audited}"


@settings(
    max_examples=max(1, EXAMPLES // 2),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(canaries=canary_sets)
def test_a_consent_to_share_with_iom_shows_it_the_values_and_the_read_is_audited(
    personas: Personas, chameshku: Site, canaries: dict[str, str]
) -> None:
    with transaction.atomic():
        victim = _victim(personas, canaries)
        pair = pair_of(head(iom_family(personas, chameshku)), head(victim))
        services.consent_record(
            actor=personas.karim.user,
            household=victim,
            purpose="sharing",
            on=date(2025, 1, 1),
            shared_with=personas.iom,
        )
        secrets = _secrets(victim, canaries)
        url = reverse("registry:duplicate", args=[pair.pk])
        for name in ("rania", "omar"):
            response = getattr(personas, name).client().get(url)
            assert set(_leaks(_text(response), secrets)) == secrets, name
            assert "no-store" in response["Cache-Control"]
            read = AuditEvent.objects.filter(
                action="registry.read",
                actor=getattr(personas, name).user,
                object_id=str(victim.uid),
                organisation=personas.intersos,
            )
            assert read.exists(), name
        # Shared with IOM, not with anyone else.
        outsider = _send(personas.shilan, "GET", url, None)
        assert outsider.status_code == 404 and not _leaks(_text(outsider), secrets)
        transaction.set_rollback(True)


# --- the property ----------------------------------------------------------------------------

# In the order they are recorded: a withdrawn sharing before one given again.
CONSENTS = ("none", "sharing_withdrawn", "sharing_reader", "sharing_other", "assistance")


@settings(
    max_examples=EXAMPLES * 2,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    other_held_by=st.sampled_from(("iom", "intersos")),
    consents=st.lists(st.sampled_from(CONSENTS), max_size=3, unique=True),
    reader_first=st.booleans(),
    first=latin,
    reader=st.sampled_from(("rania", "karim")),
)
def test_the_pair_page_shows_the_other_record_iff_its_own_or_shared_by_consent(
    personas: Personas,
    chameshku: Site,
    other_held_by: str,
    consents: list[str],
    reader_first: bool,
    first: str,
    reader: str,
) -> None:
    reading = personas.iom if reader == "rania" else personas.intersos
    other_org = getattr(personas, other_held_by)
    with transaction.atomic():
        # Which record has the lower id (is the pair's first) varies.
        if reader_first:
            own = _household_of(personas, reading, chameshku, "Own")
            other = _household_of(personas, other_org, chameshku, first)
        else:
            other = _household_of(personas, other_org, chameshku, first)
            own = _household_of(personas, reading, chameshku, "Own")
        for consent in sorted(consents, key=CONSENTS.index):
            _consent(personas, other, consent, reading)
        pair = pair_of(head(own), head(other))
        text = _text(
            getattr(personas, reader).client().get(reverse("registry:duplicate", args=[pair.pk]))
        )
        shared = "sharing_reader" in consents
        assert (first in text) is (other_org == reading or shared)
        transaction.set_rollback(True)


def _household_of(personas: Personas, organisation: Any, site: Site, first: str) -> Household:
    man = MemberIn(sex="m", relationship="head", first_ar="علي", first_lat=first, age=40)
    if organisation == personas.iom:
        return services.household_register(
            actor=personas.rania.user,
            organisation=organisation,
            registered_on=date(2024, 3, 1),
            members=[man],
            site=site,
        )
    return intersos_family(personas, man)


def _consent(personas: Personas, household: Household, kind: str, reader: Any) -> None:
    actor = personas.rania.user if household.organisation == personas.iom else personas.karim.user
    if kind == "none":
        return
    if kind == "assistance":
        services.consent_record(
            actor=actor, household=household, purpose="assistance", on=date(2025, 1, 1)
        )
        return
    shared_with = personas.dama if kind == "sharing_other" else reader
    given = services.consent_record(
        actor=actor,
        household=household,
        purpose="sharing",
        on=date(2025, 1, 1),
        shared_with=shared_with,
    )
    if kind == "sharing_withdrawn":
        services.consent_withdraw(actor=actor, consent=given, on=date(2025, 2, 1))
