"""A partner's list for a programme through the intake pipeline (``assistance.list``): rows
name households by the organisation's registration number, other columns left aside; an unknown
number refuses the file, naming its row, column and rule; the households become a new draft
version of the programme's list, checked as a built one."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.test import Client

from nahrain.assistance.models import DistributionList, ListEntry, ListStatus
from nahrain.assistance.tests.builders import World
from nahrain.core.problems import rule_words
from nahrain.testing.personas import Personas


def sheet(rows: Sequence[Sequence[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([["رقم الأسرة", "Head of household", "Phone"], *rows])
    return out.getvalue().encode("utf-8")


def upload(client: Client, world: World, data: bytes, *, dry_run: str = "true") -> Any:
    file = io.BytesIO(data)
    file.name = "partner-list.csv"
    return client.post(
        f"/api/v1/intake/assistance.list/{world.nfi.uid}", {"file": file, "dry_run": dry_run}
    )


def test_a_partners_list_becomes_a_checked_draft(world: World) -> None:
    first, second = world.household(), world.household()
    data = sheet(
        [
            [first.number.lower(), "Mohammed Ahmed", "0750 111 2222"],
            [second.number, "", ""],
            [first.number, "again", ""],
        ]
    )
    client = world.salam.client()
    checked = upload(client, world, data)
    assert checked.status_code == 200, checked.content
    assert checked.json()["summary"]["Households"] == 2
    assert not DistributionList.objects.exists()  # a dry run writes nothing
    queued = upload(client, world, data, dry_run="false")
    assert queued.status_code == 202, queued.content
    job = client.get(f"/api/v1/intake/jobs/{queued.json()['uid']}").json()
    assert job["status"] == "done", job
    made = DistributionList.objects.get()
    assert (made.source, made.status) == ("import", ListStatus.CHECKED)
    assert sorted(ListEntry.objects.filter(list=made).values_list("household", flat=True)) == [
        first.pk,
        second.pk,
    ]


def test_an_unregistered_number_is_a_problem_with_words(world: World) -> None:
    known = world.household()
    refused = upload(
        world.salam.client(), world, sheet([[known.number], ["NOT-THERE"], ["", "Ali"]])
    )
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert [(e["row"], e["column"], e["rule"]) for e in errors] == [
        (3, "A", "not_registered"),
        (4, "A", "no_number"),
    ]
    assert "registry.beneficiaries" in rule_words("not_registered")
    assert not DistributionList.objects.exists()


def test_another_organisations_households_are_not_registered_here(world: World) -> None:
    theirs = world.household(organisation=world.personas.intersos)
    refused = upload(world.salam.client(), world, sheet([[theirs.number]]))
    assert refused.status_code == 422
    assert [e["rule"] for e in refused.json()["errors"]] == ["not_registered"]


def test_nobody_else_imports_a_list(world: World, personas: Personas) -> None:
    data = sheet([[world.household().number]])
    for persona in (personas.layla, personas.iom_admin, personas.root, personas.outsider):
        assert upload(persona.client(), world, data).status_code == 404
