"""Canaries: no personal value of IOM's registry reaches anyone but IOM's registration staff.

IOM (the victim) registers households whose names, phone, document number, place of origin and
visit note carry canary strings, unique to each example: Latin letters after ``ZQX``, an Arabic
run after ``ظظغ``, digits after ``0799``. Then every persona without IOM's registry (INTERSOS's
registration officer, IOM's own information manager, data entry and admin, the others'
viewers and admins, the platform admin, the anonymous visitor) walks every page of the registry
app, found in the URL resolver (namespace ``registry``), and every operation of the API under
``/registry/``, found in the OpenAPI schema: GET with the victim's ids and searches for its
canaries, and POST, PATCH, PUT and DELETE with empty bodies. No canary, nor the household's
registration number, may appear in any answer's body (a spreadsheet's files too) or headers.

For everybody, those allowed included (rania, IOM's registration officer, and omar, its site
manager): the log records of every logger and the audit log hold no personal value. And the
allowed do see the canaries on the household's page (with ``Cache-Control: no-store``), so that
the walk cannot pass by showing nothing to anyone.

Pages and operations are found as they exist (a new page is walked without editing this test),
beside the access layer itself (the gates and selectors each persona goes through).
"""

from __future__ import annotations

import html
import io
import json
import logging
import os
import re
import string
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from django.db import transaction
from django.http import Http404, HttpResponse
from django.test import Client
from django.urls import get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nahrain.api import api
from nahrain.core.models import AuditEvent
from nahrain.registry import access, services
from nahrain.registry.models import Household, PossibleDuplicate
from nahrain.registry.rules import DocumentIn, MemberIn
from nahrain.sites.models import Site
from nahrain.testing.permissions import Pattern, walk
from nahrain.testing.personas import Persona, Personas

ALLOWED = ("rania", "omar")
DENIED = (
    "karim",
    "layla",
    "hana",
    "ahmed",
    "shilan",
    "outsider",
    "iom_admin",
    "intersos_admin",
    "root",
)
ANONYMOUS = "anonymous"
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")

latin = st.text(alphabet=string.ascii_uppercase, min_size=8, max_size=8).map(lambda s: "ZQX" + s)
arabic = st.text(alphabet="ضظغذثخشصق", min_size=6, max_size=6).map(lambda s: "ظظغ" + s)
mobile = st.integers(0, 10**7 - 1).map(lambda n: f"0799{n:07d}")


@dataclass
class Victim:
    """IOM's household and the canaries in it."""

    household: Household
    canaries: dict[str, str]  # what -> the canary
    kwargs: dict[str, str] = field(default_factory=dict)  # URL parameter -> the victim's id

    def secrets(self) -> set[str]:
        return {*self.canaries.values(), self.household.number}


def _victim(personas: Personas, site: Site, canaries: dict[str, str]) -> Victim:
    rania = personas.rania.user
    household = services.household_register(
        actor=rania,
        organisation=personas.iom,
        registered_on=date(2024, 3, 1),
        site=site,
        origin_place=canaries["origin_place"],
        displaced_on=date(2014, 8, 3),
        phone=canaries["phone"],
        members=[
            MemberIn(
                sex="m",
                relationship="head",
                first_ar="محمد",
                family_ar=canaries["family_ar"],
                first_lat=canaries["first_lat"],
                family_lat="Al-Jubouri",
                born_on=date(1980, 3, 14),
                documents=[DocumentIn("national_card", True, canaries["document"])],
            ),
            MemberIn(
                sex="f",
                relationship="daughter",
                first_ar=canaries["child_ar"],
                father_ar="محمد",
                born_on=date(2015, 5, 20),
            ),
        ],
    )
    visit = services.visit_record(
        actor=rania,
        household=household,
        on=date(2024, 6, 1),
        outcome="verified",
        note=canaries["note"],
    )
    consent = household.consents.get(purpose="registration")
    individual = household.members.get(relationship="head")
    daughter = household.members.get(relationship="daughter")
    # A possible duplicate within the victim's registry, for the review queue's pages.
    pair = PossibleDuplicate.objects.create(
        first=individual, second=daughter, probability=0.7, pattern=[], found_by="batch"
    )
    return Victim(
        household=household,
        canaries=canaries,
        kwargs={
            "household_uid": str(household.uid),
            "individual_uid": str(individual.uid),
            "consent_uid": str(consent.uid),
            "visit_uid": str(visit.uid),
            "pair_id": str(pair.pk),
            "site_uid": str(site.uid),
            "organisation_id": str(personas.iom.pk),
            "organisation_uid": str(personas.iom.pk),
        },
    )


# --- reading answers -----------------------------------------------------------------------


def _forms(value: str) -> set[str]:
    """The ways a value can be written into an answer: as is, lower-cased, escaped for HTML,
    JSON (``\\u0638``...) or a URL, and a phone number grouped as people write it."""
    forms = {value, value.lower(), html.escape(value), json.dumps(value)[1:-1]}
    forms |= {quote(value), quote_plus(value), json.dumps(value).lower()[1:-1]}
    if re.fullmatch(r"07\d{9}", value):
        local = value[1:]
        forms |= {
            f"{value[:4]} {value[4:7]} {value[7:]}",
            f"+964{local}",
            f"+964 {local[:3]} {local[3:6]} {local[6:]}",
            f"964{local}",
        }
    return forms


def _text(response: HttpResponse) -> str:
    """An answer's headers and body as text; a zipped answer (a spreadsheet) by its files."""
    body = (
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
        if response.streaming
        else response.content
    )
    parts = [f"{name}: {value}" for name, value in response.items()]
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body = b"\n".join(archive.read(name) for name in archive.namelist())
    parts.append(body.decode("utf-8", errors="replace"))
    return "\n".join(parts)


def _leaks(text: str, secrets: set[str], asked: str = "") -> list[str]:
    """The secrets found in a text; those the request itself carried (a search echoed back)
    are left out."""
    found = []
    for secret in secrets:
        if any(form in asked for form in _forms(secret)):
            continue
        if any(form in text for form in _forms(secret)):
            found.append(secret)
    return found


# --- the walk ------------------------------------------------------------------------------


def registry_pages() -> list[Pattern]:
    return [p for p in walk(get_resolver().url_patterns) if p.namespace == "registry"]


def registry_operations() -> list[tuple[str, str]]:
    """(method, path template) of every API operation under /registry/."""
    paths: dict[str, dict[str, Any]] = api.get_openapi_schema()["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        if "/registry/" in path
        for method in operations
    ]


def _params(route: str) -> list[str]:
    return [a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\{(\w+)\}", route)]


def _fill(name: str, victim: Victim) -> str:
    """A URL parameter, filled with the victim's object; an unknown one fails the test, naming
    it (a canary cannot pass by leaving a page out)."""
    if name in victim.kwargs:
        return victim.kwargs[name]
    if name == "format":
        return "csv"
    raise AssertionError(
        f"test_canaries does not know the URL parameter {name!r}: add it to Victim.kwargs"
    )


def _searches(victim: Victim) -> list[str]:
    """Query strings that search for the victim: a name's prefix (the full name is then the
    canary looked for), the phone, the document number's prefix."""
    canaries = victim.canaries
    return [
        "",
        "?q=" + quote(canaries["first_lat"][:-1]),
        "?q=" + quote(canaries["family_ar"][:-1]),
        "?q=" + canaries["phone"],
        "?q=" + quote(canaries["document"][:-1]),
    ]


def _requests(victim: Victim) -> Iterator[tuple[str, str, bool]]:
    """(method, URL, JSON body) of the whole walk: the pages by GET and POST, the API's
    operations by their declared method."""
    for pattern in registry_pages():
        url = reverse(pattern.name, kwargs={p: _fill(p, victim) for p in _params(pattern.route)})
        for query in _searches(victim):
            yield "GET", url + query, False
        yield "POST", url, False
    for method, path in registry_operations():
        url = path.format(**{p: _fill(p, victim) for p in _params(path)})
        if method == "GET":
            for query in _searches(victim):
                yield method, url + query, False
        else:
            yield method, url, True


def _send(client: Client, method: str, url: str, as_json: bool) -> HttpResponse:
    if as_json:
        response = client.generic(method, url, data="{}", content_type="application/json")
    elif method == "POST":
        response = client.post(url, {})
    else:
        response = client.generic(method, url)
    return response  # type: ignore[return-value]


def _clients(
    personas: Personas, names: tuple[str, ...], *, anonymous: bool = False
) -> dict[str, Client]:
    clients = {name: getattr(personas, name).client() for name in names}
    if anonymous:
        clients[ANONYMOUS] = Client()
    return clients


# --- the properties ------------------------------------------------------------------------


def _access_layer(personas: Personas, victim: Victim) -> None:
    """Each persona through the registry's gates and selectors: only IOM's registration
    staff reach the victim; only rania may export it."""
    household = victim.household
    for name in (*ALLOWED, *DENIED):
        persona: Persona = getattr(personas, name)
        user = persona.user
        allowed = name in ALLOWED
        readable = access.households_readable(user).filter(pk=household.pk).exists()
        members = access.individuals_readable(user).filter(household=household).exists()
        assert (readable, members) == (allowed, allowed), name
        assert access.reads_registry(user, personas.iom) is allowed, name
        assert access.exports_personal(user, personas.iom) is (name == "rania"), name
        gates = (
            (access.access_household_by_uid, "household_uid"),
            (access.access_individual_by_uid, "individual_uid"),
            (access.access_consent_by_uid, "consent_uid"),
            (access.access_visit_by_uid, "visit_uid"),
            (access.access_duplicate_by_id, "pair_id"),
        )
        for gate, kwarg in gates:
            if allowed:
                gate(user, victim.kwargs[kwarg])
            else:
                with pytest.raises(Http404):
                    gate(user, victim.kwargs[kwarg])


def _household_page(pages: list[Pattern]) -> Pattern | None:
    """The household's page: the shortest route that takes the household alone."""
    candidates = [p for p in pages if _params(p.route) == ["household_uid"]]
    return min(candidates, key=lambda p: len(p.route), default=None)


def _walk(personas: Personas, victim: Victim) -> list[str]:
    problems = []
    secrets = victim.secrets()
    requests = list(_requests(victim))
    for name, client in _clients(personas, DENIED, anonymous=True).items():
        for method, url, as_json in requests:
            response = _send(client, method, url, as_json)
            leaked = _leaks(_text(response), secrets, asked=url)
            if leaked:
                problems.append(f"{name} {method} {url}: {response.status_code} shows {leaked}")
    page = _household_page(registry_pages())
    if page is not None:
        url = reverse(page.name, kwargs={"household_uid": victim.kwargs["household_uid"]})
        for name, client in _clients(personas, ALLOWED).items():
            response = _send(client, "GET", url, False)
            shown = _leaks(_text(response), {victim.canaries["first_lat"]})
            if response.status_code != 200 or not shown:
                problems.append(f"{name} GET {url}: {response.status_code}, the name not shown")
            if "no-store" not in response.get("Cache-Control", ""):
                problems.append(f"{name} GET {url}: personal data without Cache-Control no-store")
            read = AuditEvent.objects.filter(
                action="registry.read",
                actor=getattr(personas, name).user,
                object_id=victim.kwargs["household_uid"],
            )
            if not read.exists():
                problems.append(f"{name} GET {url}: the read is not in the audit log")
    return problems


def _records(caplog: pytest.LogCaptureFixture) -> str:
    lines = []
    for record in caplog.records:
        lines.append(record.getMessage())
        lines.append(repr(record.args))
        lines.append(record.exc_text or "")
    return "\n".join(lines)


def _audit_log() -> str:
    return "\n".join(
        f"{e.action} {e.object_type} {e.object_id} {e.request_id} "
        + json.dumps(e.detail, ensure_ascii=False)
        for e in AuditEvent.objects.all()
    )


@pytest.fixture
def every_logger(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog at DEBUG on every logger, those that do not propagate to the root too."""
    caplog.set_level(logging.DEBUG)
    attached = []
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and not logger.propagate:
            caplog.set_level(logging.DEBUG, logger=name)
            logger.addHandler(caplog.handler)
            attached.append(logger)
    yield caplog
    for logger in attached:
        logger.removeHandler(caplog.handler)


@settings(
    max_examples=int(os.environ.get("NAHRAIN_CANARY_EXAMPLES", "10")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    canaries=st.fixed_dictionaries(
        {
            "first_lat": latin,
            "family_ar": arabic,
            "child_ar": arabic,
            "phone": mobile,
            "document": latin,
            "origin_place": latin,
            "note": latin,
        }
    )
)
def test_no_personal_value_of_iom_reaches_anyone_outside_its_registry(
    personas: Personas,
    chameshku: Site,
    every_logger: pytest.LogCaptureFixture,
    canaries: dict[str, str],
) -> None:
    pages = registry_pages()
    assert pages, "the registry namespace has no pages: the walk would prove nothing"
    every_logger.clear()
    with transaction.atomic():
        victim = _victim(personas, chameshku, canaries)
        _access_layer(personas, victim)
        problems = _walk(personas, victim)
        secrets = victim.secrets()
        # Whoever read or wrote, the allowed included: the logs and the audit log hold ids and
        # counts, never a personal value.
        logged = _leaks(_records(every_logger), secrets)
        audited = _leaks(_audit_log(), secrets)
        transaction.set_rollback(True)
    assert not problems, "\n".join(problems)
    assert not logged, f"the log records show {logged}"
    assert not audited, f"the audit log shows {audited}"


def test_the_canary_check_finds_a_value_however_it_is_written() -> None:
    secrets = {"ZQXABCDEFGH", "ظظغضظغذثخ", "07991234567"}
    assert _leaks(
        '{"name": "\\u0638\\u0638\\u063a\\u0636\\u0638\\u063a\\u0630\\u062b\\u062e"}', secrets
    )
    assert _leaks("<td>zqxabcdefgh</td>", secrets) == ["ZQXABCDEFGH"]
    assert _leaks("Phone: +964 799 123 4567", secrets) == ["07991234567"]
    assert not _leaks("Results for ZQXABCDEFGH", secrets, asked="/registry/?q=ZQXABCDEFGH")
    spreadsheet = io.BytesIO()
    with zipfile.ZipFile(spreadsheet, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", "<t>ZQXABCDEFGH</t>")
    response = HttpResponse(spreadsheet.getvalue())
    assert _leaks(_text(response), secrets) == ["ZQXABCDEFGH"]
