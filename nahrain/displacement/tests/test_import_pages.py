"""Importing a master list through the pages, on the intake pipeline: upload → preview (the
mapping, every problem, spellings to teach, headers to map, the problems file) → confirm → the
job's progress → its result and audit entry."""

from __future__ import annotations

import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections, transaction
from django.test import Client
from openpyxl import load_workbook

from nahrain.core.models import AuditEvent
from nahrain.displacement.models import (
    AssessmentRound,
    Breakdown,
    LocationAssessment,
    Rollup,
    RoundImport,
)
from nahrain.displacement.tests.builders import (
    NEXT_ROUND,
    PLACES,
    RANDOM_UID,
    csv_from_rows,
    national_households,
    round_imported,
    round_open,
    wide_csv,
    wide_rows,
    with_households,
)
from nahrain.geo.models import Alias, Location
from nahrain.intake import services
from nahrain.intake.models import Job, Upload
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db

PREVIEW = re.compile(r"^/intake/uploads/([0-9a-f-]+)/$")


def snapshot() -> tuple[int, ...]:
    return (
        LocationAssessment.objects.count(),
        Breakdown.objects.count(),
        Rollup.objects.count(),
        RoundImport.objects.count(),
        Location.objects.count(),
    )


def text(response: Any) -> str:
    content = response.content
    assert isinstance(content, bytes)
    return content.decode()


def upload(client: Client, assessment_round: AssessmentRound, data: bytes, **form: str) -> Any:
    file = io.BytesIO(data)
    file.name = form.pop("name", "master.csv")
    return client.post(
        f"/intake/displacement.master_list/{assessment_round.uid}/",
        {"file": file, "population": "", **form},
    )


def previewed(client: Client, assessment_round: AssessmentRound, data: bytes, **form: str) -> str:
    """Upload, then follow to the preview; its address."""
    response = upload(client, assessment_round, data, **form)
    assert response.status_code == 302, text(response)
    assert PREVIEW.match(response["Location"])
    return str(response["Location"])


def error_file() -> bytes:
    rows = wide_rows()
    rows[2][6] = -5  # row 3, column G: negative families
    rows[4][2] = "Nowhere"  # row 5, column C: no such district of Ninewa
    # A column nobody reads: its header is no governorate of origin, nor a spelling to teach.
    return csv_from_rows(
        [[*row, "Remarks" if number == 0 else ""] for number, row in enumerate(rows)]
    )


def test_an_upload_shows_the_preview_and_writes_nothing_until_confirmed(
    personas: Personas, gazetteer: None
) -> None:
    assessment_round = round_open(personas)
    client = personas.layla.client()
    before = snapshot()
    preview = previewed(client, assessment_round, wide_csv(), name="r90.csv")
    html = text(client.get(preview))
    assert "Confirm the import" in html and "Column mapping" in html
    # Each column read as words, not codes.
    assert (
        '<td>G</td><td><bdi>Families</bdi></td><td data-target="field:households">'
        "Households (families)</td>" in html
    )
    assert '<td data-target="shelter:camp">Shelter: Camps</td>' in html
    assert re.search(r'<td data-target="origin:IQG01">From [^<]*Anbar \(households\)</td>', html)
    assert "dtm-wide" not in html and "One row per location" in html
    assert f'data-figure="locations">{len(PLACES)}<' in html
    assert f'data-figure="new-locations">{len(PLACES)}<' in html
    assert snapshot() == before
    assert not AuditEvent.objects.filter(action="round.import").exists()
    kept = Upload.objects.get()
    assert (bytes(kept.data), kept.file, kept.created_by) == (
        wide_csv(),
        "r90.csv",
        personas.layla.user,
    )

    confirmed = client.post(f"{preview}confirm/")
    job = Job.objects.get()
    assert (confirmed.status_code, confirmed["Location"]) == (302, f"/intake/jobs/{job.uid}/")
    recorded = RoundImport.objects.get(round=assessment_round)
    assert (job.status, job.created_by, job.spec) == (
        "done",
        personas.layla.user,
        "displacement.master_list",
    )
    assert (recorded.file, recorded.imported_by, recorded.locations) == (
        "r90.csv",
        personas.layla.user,
        len(PLACES),
    )
    audit = AuditEvent.objects.get(action="round.import")
    assert audit.object_id == str(assessment_round.uid) and audit.actor == personas.layla.user
    assert job.audit == audit and bytes(job.data) == b"" and not Upload.objects.exists()
    # The job's page shows the result and the audit entry; others cannot see it.
    result = text(client.get(f"/intake/jobs/{job.uid}/"))
    assert f'data-figure="job-locations">{len(PLACES)}<' in result
    assert "Import: DTM master list (IDPs or returnees per location)" in result
    assert "round.import" not in result and "hx-trigger" not in result
    assert personas.ahmed.client().get(f"/intake/jobs/{job.uid}/").status_code == 404
    assert personas.omar.client().get(f"/intake/jobs/{job.uid}/").status_code == 404
    assert client.get(f"/intake/jobs/{RANDOM_UID}/").status_code == 404
    totals = client.get(f"/api/v1/dtm/rounds/{assessment_round.uid}/totals").json()
    assert totals["idp"]["households"] == national_households(PLACES)
    assert "r90.csv" in text(client.get(f"/dtm/rounds/{assessment_round.uid}/"))

    # A confirmation is used once.
    assert client.post(f"{preview}confirm/").status_code == 404
    assert RoundImport.objects.filter(round=assessment_round).count() == 1


def test_a_preview_is_its_uploaders_alone(personas: Personas, gazetteer: None) -> None:
    assessment_round = round_open(personas)
    preview = previewed(personas.layla.client(), assessment_round, wide_csv())
    before = snapshot()
    for persona in (personas.omar, personas.ahmed, personas.outsider, personas.iom_admin):
        assert persona.client().get(preview).status_code == 404
        assert persona.client().post(f"{preview}confirm/").status_code == 404
        assert persona.client().get(f"{preview}problems.csv").status_code == 404
    # The same person in another browser continues where they were: the upload is kept in the
    # database, not in a session or on one server's disk.
    assert personas.layla.client().get(preview).status_code == 200
    assert snapshot() == before


def test_a_file_with_errors_shows_them_row_by_row_with_a_problems_file(
    personas: Personas, gazetteer: None
) -> None:
    assessment_round = round_open(personas)
    client = personas.layla.client()
    before = snapshot()
    preview = previewed(client, assessment_round, error_file(), name="bad.csv")
    response = client.get(preview)
    assert response.status_code == 200  # the errors are the page's content (the API says 422)
    html = text(response)
    assert "2 errors: nothing will be imported until they are fixed." in html
    # Each rule in words (the reader's language), never its code.
    assert "<td>3</td><td>G</td><td>A count below zero</td>" in html
    assert "<td>5</td><td>C</td><td>Not a known district</td>" in html
    assert "unknown_district" not in html
    assert "Confirm the import" not in html and "/confirm/" not in html
    # The unknown district may be taught here, and nothing else.
    assert html.count('class="alias"') == 1 and "<bdi>Nowhere</bdi>" in html
    assert snapshot() == before

    listed = client.get(f"{preview}problems.csv")
    assert listed["Content-Disposition"] == 'attachment; filename="bad-problems.csv"'
    lines = listed.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "file,row,column,severity,rule,message"
    assert [line.split(",")[1:5] for line in lines[1:]] == [
        ["3", "G", "error", "negative"],
        ["5", "C", "error", "unknown_district"],
    ]
    marked = client.get(f"{preview}problems.xlsx")
    workbook = load_workbook(io.BytesIO(marked.content))
    data, problems = workbook.worksheets
    # The file's own rows, at their own row numbers, the faulty cells commented.
    assert [c.value for c in data[1]][:7] == wide_rows()[0][:7]
    assert data["G3"].value == "-5" and data["G3"].comment is not None
    assert "[negative]" in data["G3"].comment.text
    assert data["C5"].value == "Nowhere" and "[unknown_district]" in data["C5"].comment.text
    assert data["A2"].comment is None
    assert problems.max_row == 3

    # Fixed in the problems file and uploaded again, it is read like the original.
    data["G3"].value = str(wide_rows()[2][6])
    data["C5"].value = wide_rows()[4][2]
    fixed = io.BytesIO()
    workbook.save(fixed)
    again = previewed(client, assessment_round, fixed.getvalue(), name="bad-problems.xlsx")
    rechecked = text(client.get(again))
    assert "Confirm the import" in rechecked, re.findall(r"<td>.*?</td>", rechecked)[:12]


def test_the_preview_lists_warnings_and_still_offers_the_confirmation(
    personas: Personas, gazetteer: None
) -> None:
    round_imported(personas, publish=True)
    following = round_open(personas, NEXT_ROUND)
    client = personas.layla.client()
    changed = wide_csv(with_households(PLACES, {"7001": 300}))  # 120 -> 300 households
    preview = previewed(client, following, changed)
    html = text(client.get(preview))
    assert "Warnings" in html
    assert "<td>2</td><td>G</td><td>A large change since the previous round</td>" in html
    assert client.post(f"{preview}confirm/").status_code == 302
    [warning] = RoundImport.objects.get(round=following).warnings
    assert (warning["row"], warning["rule"]) == (2, "large_change")
    job = Job.objects.get()
    assert [(p["row"], p["rule"]) for p in job.problems] == [(2, "large_change")]


def test_only_the_information_manager_may_upload(personas: Personas, gazetteer: None) -> None:
    assessment_round = round_open(personas)
    for persona in (personas.omar, personas.ahmed, personas.outsider, personas.iom_admin):
        assert upload(persona.client(), assessment_round, wide_csv()).status_code == 404
    assert (
        personas.layla.client().post(f"/intake/no.such_spec/{assessment_round.uid}/").status_code
        == 404
    )
    assert not Upload.objects.exists()


def test_uploading_to_a_published_round_goes_back_with_a_message(
    personas: Personas, gazetteer: None
) -> None:
    published = round_imported(personas, publish=True)
    before = snapshot()
    client = personas.layla.client()
    response = client.get(previewed(client, published, wide_csv(), name="late.csv"))
    assert (response.status_code, response["Location"]) == (302, f"/dtm/rounds/{published.uid}/")
    assert snapshot() == before and not Upload.objects.exists()
    assert "Check the file" not in text(client.get(f"/dtm/rounds/{published.uid}/"))


def test_an_upload_without_a_file_says_so(personas: Personas, gazetteer: None) -> None:
    assessment_round = round_open(personas)
    client = personas.layla.client()
    url = f"/intake/displacement.master_list/{assessment_round.uid}/"
    assert client.get(url).status_code == 405
    missing = client.post(url, {"population": "idp"})
    assert missing.status_code == 200
    assert [(e.column, e.rule) for e in missing.context["errors"]] == [("file", "required")]
    empty = io.BytesIO(b"")
    empty.name = "master.csv"
    refused = client.post(url, {"file": empty, "population": "idp"})
    assert [(e.file, e.column, e.rule) for e in refused.context["errors"]] == [
        ("master.csv", "file", "empty")
    ]
    unknown = client.post(url, {"file": io.BytesIO(b"x"), "population": "nomads"})
    assert [e.column for e in unknown.context["errors"]] == ["population"]
    assert not RoundImport.objects.exists() and not Upload.objects.exists()


def test_a_header_nahrain_cannot_guess_is_mapped_on_the_preview(
    personas: Personas, gazetteer: None
) -> None:
    rows = wide_rows()
    rows[0][6] = "Fam. (total)"  # the households column, under a header nobody declared
    assessment_round = round_open(personas)
    client = personas.layla.client()
    preview = previewed(client, assessment_round, csv_from_rows(rows))
    html = text(client.get(preview))
    assert "A column the file needs is missing" in html and "Confirm the import" not in html
    assert '<td data-target="(ignored)"><span class="muted">not read</span></td>' in html
    letters = re.findall(r'name="column" value="([A-Z]+)"', html)
    assert letters[:3] == ["A", "B", "C"] and len(letters) == len(rows[0])
    mapping = {"column": letters, "target": [""] * len(rows[0])}
    mapping["target"][6] = "households"
    assert client.post(f"{preview}map/", mapping).status_code == 302
    html = text(client.get(preview))
    assert "Confirm the import" in html
    assert re.search(
        r'<td>G</td><td><bdi>Fam. \(total\)</bdi></td><td data-target="field:households">', html
    )
    assert 'value="households" selected' in html
    # A mapping to nothing the spec knows is not kept.
    mapping["target"][6] = "bank_account"
    client.post(f"{preview}map/", mapping)
    assert Upload.objects.get().column_map == {}
    # The job writes with the mapping chosen.
    mapping["target"][6] = "households"
    client.post(f"{preview}map/", mapping)
    client.post(f"{preview}confirm/")
    assert Job.objects.get().status == "done"
    assert RoundImport.objects.get().households == national_households(PLACES)


def test_the_preview_teaches_only_the_spellings_its_file_left_unknown(
    personas: Personas, gazetteer: None
) -> None:
    assessment_round = round_open(personas)
    client = personas.layla.client()
    preview = previewed(client, assessment_round, error_file(), name="bad.csv")
    client.get(preview)
    before = Alias.objects.count()
    planted = client.post(
        f"{preview}alias/",
        {"text": "Zakho road", "level": "2", "within": "IQG15", "other": "IQG15Q05"},
        follow=True,
    )
    assert "This file has no such unknown spelling." in text(planted)
    assert Alias.objects.count() == before
    taught = client.post(
        f"{preview}alias/",
        {"text": "Nowhere", "level": "2", "within": "IQG15", "other": "IQG15Q05"},
        follow=True,
    )
    assert "is now read as" in text(taught)
    alias = Alias.objects.get(name="Nowhere")
    assert (alias.unit.pcode, alias.organisation, alias.file) == (
        "IQG15Q05",
        personas.iom,
        "bad.csv",
    )
    assert "Read it as this unit" not in text(taught)


def test_a_running_import_shows_its_progress_and_a_refused_one_its_problems(
    personas: Personas, gazetteer: None
) -> None:
    assessment_round = round_open(personas)
    client = personas.layla.client()
    rows = wide_rows()
    rows[2][6] = -5
    job = Job.objects.create(
        spec="displacement.master_list",
        target=str(assessment_round.uid),
        organisation=personas.iom,
        file="big.csv",
        data=csv_from_rows(rows),
        sha256="0" * 64,
        created_by=personas.layla.user,
    )
    queued = text(client.get(f"/intake/jobs/{job.uid}/"))
    assert 'hx-trigger="every 1s"' in queued and "<progress" in queued
    Job.objects.filter(pk=job.pk).update(stage="writing", done=1200, total=4000)
    running = text(client.get(f"/intake/jobs/{job.uid}/", HTTP_HX_REQUEST="true"))
    assert "<html" not in running and "Writing the figures" in running
    assert 'max="4000" value="1200"' in running and "1,200 of 4,000 rows" in running

    # Refused by the check it repeats: failed, nothing written, the problems kept to download.
    assert services.job_run(job_uid=str(job.uid)).status == "failed"
    job.refresh_from_db()
    assert job.finished_at is not None and [p["rule"] for p in job.problems] == ["negative"]
    failed = text(client.get(f"/intake/jobs/{job.uid}/"))
    assert "1 error: nothing was imported." in failed and "hx-trigger" not in failed
    assert "<td>3</td><td>G</td><td>A count below zero</td>" in failed
    marked = client.get(f"/intake/jobs/{job.uid}/problems.xlsx")
    assert "[negative]" in load_workbook(io.BytesIO(marked.content)).active["G3"].comment.text  # type: ignore[index]
    assert not LocationAssessment.objects.filter(round=assessment_round).exists()
    # A job runs once: handed to a worker again, it is left as it was.
    Job.objects.filter(pk=job.pk).update(problems=[])
    assert services.job_run(job_uid=str(job.uid)).status == "failed"
    assert Job.objects.get(pk=job.pk).problems == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_is_seen_while_the_import_is_still_writing(
    personas: Personas, gazetteer: None
) -> None:
    """The page reads progress from another connection, while the import's transaction is
    open: it must be committed on a connection of its own. (SQLite has one writer: there the
    page sees the stages reported before the write began; docs/ARCHITECTURE.md.)"""
    assessment_round = round_open(personas)
    job = Job.objects.create(
        spec="displacement.master_list",
        target=str(assessment_round.uid),
        organisation=personas.iom,
        file="big.csv",
        data=b"",
        sha256="0" * 64,
        created_by=personas.layla.user,
    )
    progress = services.JobProgress(job)
    onlooker = connections.create_connection("default")
    try:
        with transaction.atomic():
            RoundImport.objects.filter(pk=0).delete()  # the import's own transaction, open
            progress("writing", 1200, 4000)
            with onlooker.cursor() as cursor:
                cursor.execute("SELECT stage, done, total FROM intake_job WHERE id = %s", [job.pk])
                assert cursor.fetchone() == ("writing", 1200, 4000)
    finally:
        progress.close()
        onlooker.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_preview_confirmed_twice_at_once_makes_one_job(
    personas: Personas, gazetteer: None
) -> None:
    """A double click, or two tabs: each confirmation on its own connection, at the same moment."""
    assessment_round = round_open(personas)
    preview = previewed(personas.layla.client(), assessment_round, wide_csv())
    kept = Upload.objects.get()
    barrier = threading.Barrier(2)

    def confirm(_: int) -> str:
        try:
            barrier.wait(timeout=30)
            services.job_start(actor=personas.layla.user, upload=kept)
            return "queued"
        except Upload.DoesNotExist:
            return "gone"
        finally:
            connections["default"].close()

    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(confirm, range(2))) == ["gone", "queued"]
    assert Job.objects.count() == 1 and RoundImport.objects.count() == 1
    assert personas.layla.client().get(preview).status_code == 404


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_past_import_jobs_move_to_the_intake_pipeline_on_upgrade(
    personas: Personas, gazetteer: None, settings: Any, tmp_path: Any
) -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    settings.DATA_DIR = tmp_path
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "waiting.upload").write_bytes(b"Place ID,...")
    before = [("displacement", "0005_location_owners"), ("intake", "0001_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    rounds = old.get_model("displacement", "AssessmentRound")
    ImportJob = old.get_model("displacement", "ImportJob")
    assessment_round = rounds.objects.create(
        organisation_id=personas.iom.pk, number=7, reference_date="2014-10-26"
    )
    long_ago = timezone.now() - timedelta(days=30)
    waiting = ImportJob.objects.create(
        round=assessment_round, file="w.csv", sha256="0" * 64, created_by_id=personas.layla.user.pk
    )
    ImportJob.objects.filter(pk=waiting.pk).update(created_at=long_ago)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    moved = Job.objects.get(uid=waiting.uid)
    assert (moved.status, moved.spec, moved.target) == (
        "failed",
        "displacement.master_list",
        str(assessment_round.uid),
    )
    assert "upgraded" in moved.error and moved.finished_at is not None
    assert moved.created_at == long_ago
    assert not list((tmp_path / "jobs").iterdir())
