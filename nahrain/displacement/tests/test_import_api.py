"""Importing a master list through the intake API: the spec's columns, a dry run with a mapping,
a queued job and its outcome, a refusal with every problem."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client

from nahrain.core.models import AuditEvent
from nahrain.displacement.models import LocationAssessment, RoundImport
from nahrain.displacement.tests.builders import (
    PLACES,
    csv_from_rows,
    national_households,
    round_imported,
    round_open,
    wide_csv,
    wide_rows,
)
from nahrain.intake.models import Job, Upload
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db


def post(client: Client, round_uid: Any, data: bytes, **form: Any) -> Any:
    upload = io.BytesIO(data)
    upload.name = form.pop("name", "master.csv")
    return client.post(
        f"/api/v1/intake/displacement.master_list/{round_uid}", {"file": upload, **form}
    )


def test_the_specs_list_the_columns_each_importer_reads(personas: Personas) -> None:
    specs = personas.layla.client().get("/api/v1/intake/specs").json()
    [master_list] = [s for s in specs if s["name"] == "displacement.master_list"]
    fields = {f["name"]: f for f in master_list["fields"]}
    assert fields["governorate"]["required"] and "المحافظة" in fields["governorate"]["headers"]
    assert "#adm1+code" in fields["governorate"]["hxl"]
    [households] = fields["households"]["hxl"]
    assert households.startswith("#affected+hh-returnees") and "-f-m-children" in households


def test_a_dry_run_writes_nothing_and_a_mapping_reads_an_unknown_header(
    personas: Personas, gazetteer: None
) -> None:
    assessment_round = round_open(personas)
    client = personas.layla.client()
    rows = wide_rows()
    rows[0][6] = "Fam. (total)"
    refused = post(client, assessment_round.uid, csv_from_rows(rows))
    assert refused.status_code == 422
    body = refused.json()
    assert [e["rule"] for e in body["errors"]] == ["missing_column"]
    assert {"column": "G", "header": "Fam. (total)", "mapped_to": "(ignored)", "unit": ""} in (
        body["mapping"]
    )
    checked = post(client, assessment_round.uid, csv_from_rows(rows), map="Fam. (total)=households")
    assert checked.status_code == 200, checked.json()
    assert checked.json()["summary"]["Locations"] == len(PLACES)
    assert not LocationAssessment.objects.exists() and not Upload.objects.exists()
    assert post(client, assessment_round.uid, wide_csv(), map="no equals").status_code == 422


def test_a_queued_import_is_followed_to_its_outcome(personas: Personas, gazetteer: None) -> None:
    assessment_round = round_open(personas)
    client = personas.layla.client()
    queued = post(client, assessment_round.uid, wide_csv(), dry_run="false", population="idp")
    assert queued.status_code == 202
    job = client.get(f"/api/v1/intake/jobs/{queued.json()['uid']}").json()
    assert (job["status"], job["stage"], job["summary"]["Households"]) == (
        "done",
        "done",
        national_households(PLACES),
    )
    assert job["audit_id"] == AuditEvent.objects.get(action="round.import").pk
    assert RoundImport.objects.get().households == national_households(PLACES)
    assert personas.omar.client().get(f"/api/v1/intake/jobs/{job['uid']}").status_code == 404


def test_a_file_with_errors_is_refused_before_it_is_queued(
    personas: Personas, gazetteer: None
) -> None:
    assessment_round = round_open(personas)
    rows = wide_rows()
    rows[2][6] = -5
    client = personas.layla.client()
    queued = post(client, assessment_round.uid, csv_from_rows(rows), dry_run="false")
    assert queued.status_code == 422
    assert [(e["row"], e["column"], e["rule"]) for e in queued.json()["errors"]] == [
        (3, "G", "negative")
    ]
    assert not Job.objects.exists()


def test_only_those_who_may_import_into_the_round_may_post(
    personas: Personas, gazetteer: None
) -> None:
    assessment_round = round_open(personas)
    for persona in (personas.omar, personas.ahmed, personas.outsider):
        assert post(persona.client(), assessment_round.uid, wide_csv()).status_code == 404
    published = round_imported(personas, number=91, publish=True)
    locked = post(personas.layla.client(), published.uid, wide_csv(), dry_run="false")
    assert locked.status_code == 409
    assert not Upload.objects.exists() and not Job.objects.exists()
