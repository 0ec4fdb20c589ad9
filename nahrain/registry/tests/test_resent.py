"""A household's change sent twice is recorded once: every change of a household's page (a
double click, a resend after a lost answer) and of the API (a client's retry with the same
``key``) answers the second time as the first and writes nothing more: no second event, no
second movement at the site, no second count in its population or in the registry's figures.
The key is kept with the household's event in the database, so that it holds across workers."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nahrain.registry import services
from nahrain.registry.models import (
    Consent,
    Household,
    HouseholdEvent,
    Individual,
    RegistryFigure,
    Visit,
)
from nahrain.registry.rules import MemberIn
from nahrain.registry.tests.conftest import family
from nahrain.sites.models import Allocation, Movement, ShelterUnit, Site, SitePopulation
from nahrain.testing.personas import Personas

API = "/api/v1/registry/"


def state(site: Site) -> dict[str, Any]:
    """What a change can write: the households' history, members, consents and visits, the
    site's movements, allocations and population, and the registry's figures."""
    site.refresh_from_db()
    return {
        "events": list(HouseholdEvent.objects.order_by("pk").values_list("pk", "kind", "key")),
        "households": list(Household.objects.order_by("pk").values_list("pk", "status", "size")),
        "members": list(Individual.objects.order_by("pk").values_list("pk", "household", "status")),
        "consents": list(Consent.objects.order_by("pk").values_list("pk", "withdrawn_on")),
        "visits": Visit.objects.count(),
        "movements": list(Movement.objects.order_by("pk").values_list("pk", "kind", "households")),
        "allocations": list(Allocation.objects.order_by("pk").values_list("pk", "unit", "end")),
        "population": (site.population_households, site.population_individuals),
        "population_rows": SitePopulation.objects.count(),
        "figures": [
            (f.site_id, f.admin_unit_id, f.households, f.individuals, sorted(f.counts.items()))
            for f in RegistryFigure.objects.order_by("pk")
        ],
    }


@pytest.fixture
def second(personas: Personas, chameshku: Site, registered: Household) -> Household:
    """A second family of Chameshku, in tent A/2: the one a merge joins."""
    return services.household_register(
        actor=personas.rania.user,
        organisation=personas.iom,
        registered_on=date(2024, 3, 1),
        members=family(surname_ar="الدليمي", surname_lat="Al-Dulaimi", children=1),
        site=chameshku,
        unit=ShelterUnit.objects.get(site=chameshku, code="2"),
    )


# --- the pages ---------------------------------------------------------------------------------


def _member_edit_data(client: Client, son: Individual) -> dict[str, Any]:
    """The correction form as shown, with the Latin first name corrected."""
    form = client.get(reverse("registry:member_edit", args=[son.uid])).context["form"]
    data = {
        name: form[name].value()
        for name in form.fields
        if name != "key" and form[name].value() is not None
    }
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    return {**data, "born_on": "2012-05-20", "first_lat": "Ali"}


def _page_change(
    kind: str, client: Client, registered: Household, second: Household, site: Site
) -> tuple[str, Any, dict[str, Any]]:
    """The page's form a change is sent by: its URL name, what it is about, and what is sent."""
    son = registered.members.get(first_ar="علي")
    daughter = registered.members.get(first_ar="زينب")
    changes: dict[str, Callable[[], tuple[str, Any, dict[str, Any]]]] = {
        "update": lambda: (
            "household_edit",
            registered,
            {"phone": "0770 111 2233", "origin": "IQG15"},
        ),
        "birth": lambda: (
            "member_add",
            registered,
            {"birth": "1", "on": "2025-01-09", "first_ar": "مريم", "sex": "f"}
            | {"relationship": "daughter"},
        ),
        "member_update": lambda: ("member_edit", son, _member_edit_data(client, son)),
        "death": lambda: ("member_death", daughter, {"on": "2025-02-01"}),
        "departure": lambda: ("depart", registered, {"on": "2025-06-01", "returned": "1"}),
        "move out of camp": lambda: (
            "move",
            registered,
            {"on": "2025-03-01", "admin_unit": "IQG09Q04", "address": "Zakho, Nohadra street"},
        ),
        # Sent again, the form no longer holds: the tent is the household's now.
        "move to another tent": lambda: (
            "move",
            registered,
            {
                "on": "2025-03-01",
                "site": str(site.pk),
                "unit": str(ShelterUnit.objects.get(site=site, code="7").pk),
            },
        ),
        # Sent again, the form no longer holds: the son is in the new household.
        "split": lambda: ("split", registered, {"on": "2025-05-01", "head": str(son.pk)}),
        "merge": lambda: ("merge", second, {"on": "2025-04-01", "number": registered.number}),
        "consent": lambda: ("consent", registered, {"purpose": "assistance", "on": "2025-01-01"}),
        "withdrawal": lambda: (
            "consent_withdraw",
            registered.consents.get(purpose="registration"),
            {"on": "2025-02-01"},
        ),
        "visit": lambda: (
            "visit",
            registered,
            {"on": "2025-01-05", "outcome": "verified", "members_seen": "4"},
        ),
    }
    return changes[kind]()


PAGE_CHANGES = [
    "update",
    "birth",
    "member_update",
    "death",
    "departure",
    "move out of camp",
    "move to another tent",
    "split",
    "merge",
    "consent",
    "withdrawal",
    "visit",
]


@pytest.mark.parametrize("kind", PAGE_CHANGES)
def test_a_change_sent_twice_from_its_page_is_recorded_once(
    personas: Personas, registered: Household, second: Household, chameshku: Site, kind: str
) -> None:
    rania = personas.rania.client()
    name, about, data = _page_change(kind, rania, registered, second, chameshku)
    url = reverse(f"registry:{name}", args=[about.uid])
    data = {"key": f"page:{uuid.uuid4()}", **data}
    before = state(chameshku)
    first = rania.post(url, data, follow=True)
    assert first.redirect_chain, first.content.decode()[-1500:]
    after = state(chameshku)
    assert after["events"] != before["events"]
    assert len([e for e in after["events"] if e[2] == data["key"]]) == 1

    again = rania.post(url, data, follow=True)
    assert again.redirect_chain == first.redirect_chain, again.content.decode()[-1500:]
    assert _told(again) == _told(first) and _told(first)
    assert state(chameshku) == after


def _told(response: Any) -> list[str]:
    """The messages the page a change led to shows."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_refused_change_corrected_and_sent_with_the_same_key_counts(
    personas: Personas, registered: Household
) -> None:
    rania = personas.rania.client()
    url = reverse("registry:visit", args=[registered.uid])
    sent = {"key": "page:one-visit", "on": "2099-01-01", "outcome": "verified"}
    assert rania.post(url, sent).status_code == 200  # a date in the future: nothing recorded
    assert rania.post(url, {**sent, "on": "2025-01-05"}).status_code == 302
    assert rania.post(url, {**sent, "on": "2025-01-05"}).status_code == 302
    assert Visit.objects.filter(household=registered).count() == 1
    assert HouseholdEvent.objects.filter(household=registered, key="page:one-visit").count() == 1


# --- the API -----------------------------------------------------------------------------------


def _send(personas: Personas, method: str, path: str, body: dict[str, Any]) -> Any:
    client = personas.rania.client()
    return getattr(client, method)(
        path,
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {personas.rania.token()}",
    )


def _api_change(
    kind: str, registered: Household, second: Household, site: Site
) -> tuple[str, str, dict[str, Any]]:
    """The API's operation a change is sent by: its method, path and body."""
    household = f"{API}households/{registered.uid}"
    son = registered.members.get(first_ar="علي")
    daughter = registered.members.get(first_ar="زينب")
    consent = registered.consents.get(purpose="registration")
    tent = ShelterUnit.objects.get(site=site, code="7")
    birth = {"on": "2025-01-09", "birth": True, "born_on": "2025-01-09", "sex": "f"}
    changes: dict[str, tuple[str, str, dict[str, Any]]] = {
        "update": ("patch", household, {"phone": "0770 111 2233"}),
        "birth": (
            "post",
            f"{household}/members",
            {**birth, "relationship": "daughter", "first_ar": "مريم"},
        ),
        "member_update": ("patch", f"{API}members/{son.uid}", {"first_lat": "Ali"}),
        "death": ("post", f"{API}members/{daughter.uid}/death", {"on": "2025-02-01"}),
        "departure": ("post", f"{household}/departure", {"on": "2025-06-01", "returned": True}),
        "move out of camp": (
            "post",
            f"{household}/move",
            {"on": "2025-03-01", "admin_unit": "IQG09Q04", "address": "Zakho"},
        ),
        "move to another tent": (
            "post",
            f"{household}/move",
            {"on": "2025-03-01", "site_uid": str(site.uid), "unit_uid": str(tent.uid)},
        ),
        "split": ("post", f"{household}/split", {"on": "2025-05-01", "head_uid": str(son.uid)}),
        "merge": (
            "post",
            f"{API}households/{second.uid}/merge",
            {"on": "2025-04-01", "into_uid": str(registered.uid)},
        ),
        "consent": ("post", f"{household}/consents", {"purpose": "assistance", "on": "2025-01-01"}),
        "withdrawal": ("post", f"{API}consents/{consent.uid}/withdraw", {"on": "2025-02-01"}),
        "visit": (
            "post",
            f"{household}/visits",
            {"on": "2025-01-05", "outcome": "verified", "members_seen": 4},
        ),
    }
    return changes[kind]


@pytest.mark.parametrize("kind", PAGE_CHANGES)
def test_a_change_sent_twice_through_the_api_with_one_key_is_recorded_once(
    personas: Personas, registered: Household, second: Household, chameshku: Site, kind: str
) -> None:
    method, path, body = _api_change(kind, registered, second, chameshku)
    body = {**body, "key": f"client:{kind}"}
    before = state(chameshku)
    first = _send(personas, method, path, body)
    assert first.status_code in (200, 201), first.content
    after = state(chameshku)
    assert after["events"] != before["events"]
    assert len([e for e in after["events"] if e[2] == body["key"]]) == 1

    again = _send(personas, method, path, body)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert state(chameshku) == after


def test_without_a_key_the_api_records_each_sending(
    personas: Personas, registered: Household
) -> None:
    visit = {"on": "2025-01-05", "outcome": "verified"}
    for _ in range(2):
        sent = _send(personas, "post", f"{API}households/{registered.uid}/visits", visit)
        assert sent.status_code == 201
    assert Visit.objects.filter(household=registered).count() == 2


def test_a_key_sent_again_for_another_change_is_refused_and_for_other_values_answered_as_first(
    personas: Personas, registered: Household
) -> None:
    household = f"{API}households/{registered.uid}"
    visit = {"on": "2025-01-05", "outcome": "verified", "key": "client:1"}
    first = _send(personas, "post", f"{household}/visits", visit)
    assert first.status_code == 201
    # The same key with other values: the first answer, as a registration sent again.
    changed = _send(personas, "post", f"{household}/visits", {**visit, "outcome": "not_found"})
    assert (changed.status_code, changed.json()) == (201, first.json())
    # The same key for another change of the household: refused, nothing written.
    daughter = registered.members.get(first_ar="زينب")
    death = {"on": "2025-02-01", "key": "client:1"}
    refused = _send(personas, "post", f"{API}members/{daughter.uid}/death", death)
    assert refused.status_code == 422
    (problem,) = refused.json()["problems"]
    assert (problem["rule"], problem["field"]) == ("key_used", "key")
    assert problem["words"] == "This key was already used for another change."
    daughter.refresh_from_db()
    assert daughter.status == "active"
    # A death sent for one member, then its key for another: refused too.
    died = _send(personas, "post", f"{API}members/{daughter.uid}/death", {**death, "key": "d"})
    assert died.status_code == 200
    son = registered.members.get(first_ar="علي")
    other = _send(personas, "post", f"{API}members/{son.uid}/death", {**death, "key": "d"})
    assert other.status_code == 422 and other.json()["problems"][0]["rule"] == "key_used"
    # The key is the household's: another household takes the same key for its own change.
    assert HouseholdEvent.objects.filter(key="client:1").count() == 1


# --- at the same moment (PostgreSQL) -----------------------------------------------------------

SENDERS = 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("kind", ["birth", "departure", "split", "visit"])
def test_one_key_sent_by_several_clients_at_once_is_recorded_once(
    personas: Personas, registered: Household, second: Household, chameshku: Site, kind: str
) -> None:
    """Each client its own connection (SQLite serialises writers): they wait on the household's
    lock, and every one but the first finds the first's event and answers with it."""
    method, path, body = _api_change(kind, registered, second, chameshku)
    body = {**body, "key": f"client:{kind}:same"}
    token = personas.rania.token()
    barrier = threading.Barrier(SENDERS)

    def send(_: int) -> tuple[int, Any]:
        try:
            client = Client(headers={"Authorization": f"Bearer {token}"})
            barrier.wait(timeout=30)
            response = getattr(client, method)(path, body, content_type="application/json")
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(SENDERS) as pool:
        answers = list(pool.map(send, range(SENDERS)))
    assert answers[0][0] in (200, 201), answers[0]
    assert answers == [answers[0]] * SENDERS
    assert HouseholdEvent.objects.filter(key=body["key"]).count() == 1
    # The two registrations' arrivals, and a departure's one.
    assert Movement.objects.filter(site=chameshku).count() == (3 if kind == "departure" else 2)
    assert (
        state(chameshku)["population"]
        == {
            "birth": (2, 8),
            "departure": (1, 3),
            "split": (3, 7),
            "visit": (2, 7),
        }[kind]
    )


# --- any sequence of sends and resends ---------------------------------------------------------

send = st.one_of(
    st.tuples(
        st.sampled_from(
            ("birth", "death", "depart", "split", "merge", "move", "visit", "consent", "update")
        ),
        st.integers(0, 9),
    ),
    st.tuples(st.just("again"), st.integers(0, 30)),
)


# The examples share the function's fixtures, each example rolled back.
SHARED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(max_examples=20, deadline=None, suppress_health_check=SHARED)
@given(sends=st.lists(send, min_size=1, max_size=10))
def test_nothing_is_recorded_twice_whatever_is_sent_again(
    personas: Personas, registered: Household, second: Household, chameshku: Site, sends: list[Any]
) -> None:
    """Each new change is sent with its own key; any change already recorded may be sent again,
    at any point: a resend answers with what the first made and changes nothing."""
    with transaction.atomic():
        recorded: list[tuple[Callable[[], Any], Any]] = []
        for n, (kind, pick) in enumerate(sends):
            if kind == "again":
                if recorded:
                    resend, result = recorded[pick % len(recorded)]
                    before = state(chameshku)
                    assert resend().pk == result.pk
                    assert state(chameshku) == before
                continue
            write = _write(personas, chameshku, kind, pick, f"change-{n}")
            if write is None:
                continue
            # Refused by a rule: nothing recorded, nothing to send again.
            with contextlib.suppress(services.RegistryRuleBroken):
                recorded.append((write, write()))
        keys = list(HouseholdEvent.objects.exclude(key=None).values_list("household", "key"))
        assert len(keys) == len(set(keys))
        transaction.set_rollback(True)


def _write(
    personas: Personas, site: Site, kind: str, pick: int, key: str
) -> Callable[[], Any] | None:
    """A change of one of the active households, ready to be sent (and sent again)."""
    rania, today = personas.rania.user, date.today()
    active = list(Household.objects.filter(status="active").order_by("pk"))
    if not active:
        return None
    household = active[pick % len(active)]
    members = list(Individual.objects.filter(household=household, status="active").order_by("pk"))
    if not members:
        return None
    other = active[(pick + 1) % len(active)]
    unit = ShelterUnit.objects.filter(site=site, occupied=False).order_by("pk").first()
    writes: dict[str, Callable[[], Any]] = {
        "birth": lambda: services.member_add(
            actor=rania,
            household=household,
            on=today,
            birth=True,
            member=MemberIn(sex="m", relationship="son", first_ar="علي", born_on=today),
            key=key,
        ),
        "death": lambda: services.member_death(
            actor=rania, individual=members[-1], on=today, key=key
        ),
        "depart": lambda: services.household_depart(
            actor=rania, household=household, on=today, returned=False, key=key
        ),
        "split": lambda: services.household_split(
            actor=rania, household=household, members=[], head=members[-1], on=today, key=key
        ),
        "merge": lambda: services.household_merge(
            actor=rania, household=household, into=other, on=today, key=key
        ),
        "move": lambda: services.household_move(
            actor=rania, household=household, on=today, site=site, unit=unit, key=key
        ),
        "visit": lambda: services.visit_record(
            actor=rania, household=household, on=today, outcome="verified", key=key
        ),
        "consent": lambda: services.consent_record(
            actor=rania, household=household, purpose="assistance", on=today, key=key
        ),
        "update": lambda: services.household_update(
            actor=rania, household=household, on=today, phone=f"0770 {key}", key=key
        ),
    }
    return writes[kind]
