"""The assistance API as a partner's system uses it, with the personas' tokens: layla adds a
programme and its rules (refused rules answered 422 naming the key that is wrong); salam builds
the list and reads why each household was left out; his own approval is refused, huda's taken;
huda plans and opens a distribution, records households once however often sent, and draws the
PDM sample; reach answers everyone signed in. Personal answers are kept by no cache and their
reads audited; others get 404, as for what does not exist."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from nahrain.assistance.models import DistributionList, ListStatus, Receipt
from nahrain.assistance.tests.builders import NFI_RULES, World
from nahrain.assistance.tests.dist_world import world as dist_world
from nahrain.core.models import AuditEvent
from nahrain.testing.personas import Persona, Personas

API = "/api/v1/assistance"
AT = "2026-12-02T09:30:00+03:00"


def bearer(persona: Persona) -> Client:
    return Client(headers={"Authorization": f"Bearer {persona.token()}"})


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def test_a_programme_and_its_rules_through_the_api(world: World) -> None:
    layla = bearer(world.personas.layla)
    created = post(
        layla,
        f"{API}/programmes",
        {
            "code": "RENT-26",
            "name_en": "Rental subsidy",
            "kind": "rental_subsidy",
            "modality": "cash",
            "cluster": "mpca",
            "cycles": 3,
            "cycle_days": 30,
            "starts_on": "2026-12-01",
        },
    )
    assert created.status_code == 201, created.content
    uid = created.json()["uid"]
    assert created.json()["organisation"]["acronym"] == "IOM"
    assert created.json()["rules_version"] is None

    wrong = post(
        layla,
        f"{API}/programmes/{uid}/rules",
        {"document": {"entitlement": {"amount": "220", "currency": "EUR"}}, "source": "appeal"},
    )
    assert wrong.status_code == 422
    assert "entitlement.currency" in {p["field"] for p in wrong.json()["problems"]}

    rules = {"entitlement": {"amount": "220.00", "currency": "USD"}}
    written = post(layla, f"{API}/programmes/{uid}/rules", {"document": rules, "source": "appeal"})
    assert written.status_code == 201 and written.json()["version"] == 1
    started = post(layla, f"{API}/programmes/{uid}/steps", {"to": "active"})
    assert started.status_code == 200 and started.json()["status"] == "active"
    changed = layla.patch(
        f"{API}/programmes/{uid}", {"target_households": 1200}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["target_households"] == 1200

    hana = bearer(world.personas.hana)  # an IOM member reads it, does not change it
    assert hana.get(f"{API}/programmes/{uid}").status_code == 200
    assert hana.get(f"{API}/programmes/{uid}/rules").json()["items"][0]["source"] == "appeal"
    assert (
        post(hana, f"{API}/programmes/{uid}/rules", {"document": rules, "source": "x"}).status_code
        == 404
    )
    ahmed = bearer(world.personas.ahmed)
    assert ahmed.get(f"{API}/programmes/{uid}").status_code == 404
    assert uid not in {p["uid"] for p in ahmed.get(f"{API}/programmes").json()["items"]}


def test_from_list_to_distribution_to_monitoring_through_the_api(world: World) -> None:
    households = [world.household() for _ in range(4)]
    refused = world.household(consents=("registration",))
    world.served(households[3], kind="nfi_kit", on=timezone.localdate() - timedelta(days=10))
    salam, huda = bearer(world.salam), bearer(world.huda)
    nfi = world.nfi.uid

    built = post(salam, f"{API}/programmes/{nfi}/lists", {})
    assert built.status_code == 201 and "no-store" in built["Cache-Control"]
    made = built.json()
    assert (made["households"], made["excluded"], made["built_by"]) == (3, 2, "salam")

    left_out = salam.get(f"{API}/lists/{made['uid']}", {"included": "false"})
    assert left_out.status_code == 200 and "no-store" in left_out["Cache-Control"]
    why = {e["household_number"]: e for e in left_out.json()["entries"]}
    assert why[refused.number]["excluded_by"] == "no_consent"
    assert "not agreed" in why[refused.number]["why"]
    assert "less than 90 days ago" in why[households[3].number]["why"]
    assert why[refused.number]["token"] == ""
    assert AuditEvent.objects.filter(action="assistance.list_read", object_id=made["uid"]).exists()

    own = post(salam, f"{API}/lists/{made['uid']}/decisions", {"decision": "approve"})
    assert own.status_code == 403
    approved = post(huda, f"{API}/lists/{made['uid']}/decisions", {"decision": "approve"})
    assert approved.status_code == 200 and approved.json()["approved_by"] == "huda"
    assert DistributionList.objects.get(uid=made["uid"]).status == ListStatus.APPROVED

    planned = post(
        huda,
        f"{API}/programmes/{nfi}/distributions",
        {
            "list_uid": made["uid"],
            "cycle": 1,
            "planned_on": "2026-12-02",
            "place": "Chameshku gate",
            "stock": {"nfi_kit": 5},
        },
    )
    assert planned.status_code == 201, planned.content
    distribution = planned.json()["uid"]
    assert planned.json()["reconciliation"]["planned"] == 3
    opened = post(huda, f"{API}/distributions/{distribution}/steps", {"to": "open"})
    assert opened.status_code == 200 and opened.json()["status"] == "open"

    entries = salam.get(f"{API}/lists/{made['uid']}", {"included": "true"}).json()["entries"]
    tokens = [e["token"] for e in entries]
    first = {"token": tokens[0], "outcome": "received", "key": "app:1", "recorded_at": AT}
    once = post(huda, f"{API}/distributions/{distribution}/receipts", first)
    again = post(huda, f"{API}/distributions/{distribution}/receipts", first)
    assert once.status_code == again.status_code == 201
    assert once.json()["uid"] == again.json()["uid"] and once.json()["served"]
    late = post(
        huda,
        f"{API}/distributions/{distribution}/receipts",
        {"token": tokens[0], "outcome": "received", "key": "app:late", "recorded_at": AT},
    )
    assert late.status_code == 201 and late.json()["duplicate"] and not late.json()["served"]
    proxy = post(
        huda,
        f"{API}/distributions/{distribution}/receipts",
        {"token": tokens[1], "outcome": "proxy", "key": "app:2", "recorded_at": AT},
    )
    assert proxy.status_code == 422  # a proxy is named
    post(
        huda,
        f"{API}/distributions/{distribution}/receipts",
        {
            **{"token": tokens[1], "outcome": "proxy", "key": "app:2", "recorded_at": AT},
            "proxy_name": "Khalid Ahmed",
        },
    )
    assert Receipt.objects.filter(served=True).exclude(key__startswith="test-").count() == 2

    read = huda.get(f"{API}/distributions/{distribution}")
    assert read.status_code == 200 and "no-store" in read["Cache-Control"]
    reconciliation = read.json()["reconciliation"]
    assert (reconciliation["served"], reconciliation["served_by_proxy"]) == (2, 1)
    assert reconciliation["duplicates"] == 1

    drawn = post(huda, f"{API}/distributions/{distribution}/samples", {"seed": "pdm-1"})
    assert drawn.status_code == 201, drawn.content
    sample = drawn.json()
    assert {m["token"] for m in sample["members"]} <= set(tokens[:2])
    shown = salam.get(f"{API}/samples/{sample['uid']}")
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    assert AuditEvent.objects.filter(action="assistance.sample_read").exists()

    # IOM's information manager writes programmes but reads no personal list.
    layla = bearer(world.personas.layla)
    for path in (
        f"/lists/{made['uid']}",
        f"/programmes/{nfi}/lists",
        f"/distributions/{distribution}",
        f"/samples/{sample['uid']}",
    ):
        assert layla.get(API + path).status_code == 404, path
    assert bearer(world.personas.ahmed).get(f"{API}/reach").status_code == 200


def test_rules_set_through_the_api_are_those_the_lists_read(world: World) -> None:
    layla = bearer(world.personas.layla)
    answer = post(
        layla,
        f"{API}/programmes/{world.nfi.uid}/rules",
        {"document": NFI_RULES, "source": "S/NFI Cluster, v2"},
    )
    assert answer.status_code == 201 and answer.json()["version"] == 2


def test_a_cash_cycle_sent_to_a_provider_through_the_api(
    personas: Personas, salam: Persona, huda: Persona
) -> None:
    cash = dist_world(
        personas.iom,
        modality="cash",
        households=3,
        cycles=3,
        prefix="api",
        builder=salam.user,
        approver=huda.user,
    )
    client = bearer(salam)
    more = client.patch(
        f"{API}/programmes/{cash.programme.uid}", {"cycles": 10}, content_type="application/json"
    )  # the approved list promised three cycles
    assert more.status_code == 422
    assert "cycles" in {p["field"] for p in more.json()["problems"]}
    body = {"list_uid": str(cash.approved.uid), "cycle": 1, "provider": "generic_csv"}
    made = post(client, f"{API}/programmes/{cash.programme.uid}/payment-batches", body)
    assert made.status_code == 201 and "no-store" in made["Cache-Control"]
    assert made.json()["totals"] == {"pending": 3}
    assert {p["amount"] for p in made.json()["payments"]} == {"220.00"}
    unknown = post(
        client,
        f"{API}/programmes/{cash.programme.uid}/payment-batches",
        {**body, "provider": "no_such_bank"},
    )
    assert unknown.status_code == 422
    read = client.get(f"{API}/payment-batches/{made.json()['uid']}")
    assert read.status_code == 200
    assert AuditEvent.objects.filter(action="assistance.payment_batch_read").exists()
    assert (
        bearer(personas.layla).get(f"{API}/payment-batches/{made.json()['uid']}").status_code == 404
    )
