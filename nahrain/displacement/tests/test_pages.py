"""The DTM pages through HTTP: the round list, a round's page, the upload → preview → confirm
flow, and the export link."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from nahrain.core.models import AuditEvent
from nahrain.displacement.models import (
    AssessmentRound,
    Breakdown,
    ImportJob,
    LocationAssessment,
    Rollup,
    RoundImport,
    RoundStatus,
)
from nahrain.displacement.tests.builders import (
    NEXT_ROUND,
    PLACES,
    RANDOM_UID,
    by_governorate,
    csv_from_rows,
    national_households,
    national_individuals,
    round_imported,
    round_open,
    wide_csv,
    wide_rows,
    with_households,
)
from nahrain.geo.models import Location
from nahrain.testing.personas import Persona, Personas

pytestmark = pytest.mark.django_db

CONFIRM = re.compile(r'action="(/dtm/rounds/[0-9a-f-]+/upload/([0-9a-f]+)/confirm/)"')


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
        f"/dtm/rounds/{assessment_round.uid}/upload/", {"file": file, "population": "", **form}
    )


@pytest.fixture
def uploads(settings: Settings, tmp_path: Path) -> Path:
    """Pending uploads go to a folder of this test's own."""
    settings.DATA_DIR = tmp_path
    return tmp_path / "uploads"


@pytest.fixture
def published(personas: Personas, gazetteer: None) -> AssessmentRound:
    return round_imported(personas, publish=True)


@pytest.fixture
def draft(personas: Personas, gazetteer: None) -> AssessmentRound:
    return round_imported(personas, number=NEXT_ROUND)


# --- the round list -----------------------------------------------------------------------------


def test_the_round_list_shows_drafts_to_the_information_manager_only(
    personas: Personas, published: AssessmentRound, draft: AssessmentRound
) -> None:
    mine = text(personas.layla.client().get("/dtm/"))
    assert f'href="/dtm/rounds/{published.uid}/"' in mine
    assert f'href="/dtm/rounds/{draft.uid}/"' in mine
    assert "Open a new round" in mine
    for persona in (personas.ahmed, personas.omar, personas.outsider):
        theirs = persona.client().get("/dtm/")
        assert theirs.status_code == 200
        assert f'href="/dtm/rounds/{published.uid}/"' in text(theirs)
        assert str(draft.uid) not in text(theirs)
        assert "Open a new round" not in text(theirs)


def test_anonymous_visitors_are_sent_to_sign_in(published: AssessmentRound) -> None:
    for path in ("/dtm/", f"/dtm/rounds/{published.uid}/", f"/dtm/rounds/{published.uid}/export/"):
        response = Client().get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/?next="), path
    assert not AuditEvent.objects.filter(action="round.export").exists()


def test_the_information_manager_opens_a_round_from_the_list(
    personas: Personas, gazetteer: None
) -> None:
    form = {"number": "93", "reference_date": "2017-06-30"}
    for persona in (personas.omar, personas.ahmed, personas.outsider):
        assert persona.client().post("/dtm/", form).status_code == 403
    assert not AssessmentRound.objects.exists()
    response = personas.layla.client().post("/dtm/", form)
    created = AssessmentRound.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/dtm/rounds/{created.uid}/")
    assert (created.number, created.organisation, created.status) == (
        93,
        personas.iom,
        RoundStatus.DRAFT,
    )


# --- a round's page -----------------------------------------------------------------------------


def governorate_rows(html: str) -> dict[str, tuple[str, int, int]]:
    """p-code -> (population, households, individuals) from the governorate table."""
    pattern = re.compile(
        r'<tr><td><code dir="ltr">(IQG\d\d)</code></td><td>[^<]*</td><td>(\w+)</td>'
        r"<td>([\d,]+)</td><td>([\d,]+)</td></tr>"
    )
    return {
        pcode: (population, int(hh.replace(",", "")), int(ind.replace(",", "")))
        for pcode, population, hh, ind in pattern.findall(html)
    }


def test_the_round_page_shows_the_totals_and_the_governorate_table(
    personas: Personas, published: AssessmentRound
) -> None:
    response = personas.ahmed.client().get(f"/dtm/rounds/{published.uid}/")
    assert response.status_code == 200
    html = text(response)
    assert f"Round {published.number}" in html and "Published" in html
    totals = re.search(r"<td>IDPs</td><td>([\d,]+)</td><td>([\d,]+)</td><td>(\d+)</td>", html)
    assert totals is not None
    assert [int(v.replace(",", "")) for v in totals.groups()] == [
        national_households(PLACES),
        national_individuals(PLACES),
        len(PLACES),
    ]
    rows = governorate_rows(html)
    assert {pcode: ind for pcode, (_pop, _hh, ind) in rows.items()} == by_governorate(PLACES)
    assert {pop for pop, _hh, _ind in rows.values()} == {"idp"}
    # A viewer gets the figures and the download, not the import form.
    assert f'action="/dtm/rounds/{published.uid}/export/"' in html
    assert "Check the file" not in html and "Open a correction" not in html


def test_an_empty_draft_says_it_has_no_figures_and_offers_the_import_form(
    personas: Personas, gazetteer: None
) -> None:
    empty = round_open(personas)
    html = text(personas.layla.client().get(f"/dtm/rounds/{empty.uid}/"))
    assert "No figures yet." in html
    assert f'action="/dtm/rounds/{empty.uid}/upload/"' in html
    assert 'enctype="multipart/form-data"' in html


def test_a_draft_page_is_404_for_everyone_but_the_information_manager(
    personas: Personas, draft: AssessmentRound
) -> None:
    assert personas.layla.client().get(f"/dtm/rounds/{draft.uid}/").status_code == 200
    others: list[Persona] = [personas.omar, personas.shilan, personas.ahmed, personas.outsider]
    for persona in others:
        client = persona.client()
        for suffix in ("", "export/"):
            hidden = client.get(f"/dtm/rounds/{draft.uid}/{suffix}")
            missing = client.get(f"/dtm/rounds/{RANDOM_UID}/{suffix}")
            assert hidden.status_code == missing.status_code == 404, suffix
            assert hidden.content == missing.content, suffix
    assert not AuditEvent.objects.filter(action="round.export").exists()


def test_a_published_round_page_is_open_to_every_signed_in_persona(
    personas: Personas, published: AssessmentRound
) -> None:
    for persona in (
        personas.layla,
        personas.omar,
        personas.shilan,
        personas.ahmed,
        personas.outsider,
        personas.iom_admin,
        personas.root,
    ):
        response = persona.client().get(f"/dtm/rounds/{published.uid}/")
        assert response.status_code == 200, persona.user.username


# --- upload → preview → confirm -----------------------------------------------------------------


def test_an_upload_shows_the_preview_and_writes_nothing_until_confirmed(
    personas: Personas, gazetteer: None, uploads: Path
) -> None:
    assessment_round = round_open(personas)
    client = personas.layla.client()
    before = snapshot()
    response = upload(client, assessment_round, wide_csv(), name="r90.csv")
    assert response.status_code == 200
    html = text(response)
    assert "Confirm the import" in html
    assert "Column mapping used" in html
    assert "<td>G</td><td>Families</td><td><code>field:households</code></td>" in html
    assert "<td>H</td><td>Camp</td><td><code>shelter:camp</code></td>" in html
    assert f"{len(PLACES)} locations ({len(PLACES)} new)" in html
    assert snapshot() == before
    assert not AuditEvent.objects.filter(action="round.import").exists()
    found = CONFIRM.search(html)
    assert found is not None
    confirm_url, token = found.groups()
    assert confirm_url.startswith(f"/dtm/rounds/{assessment_round.uid}/")
    assert (uploads / token).read_bytes() == wide_csv()

    confirmed = client.post(confirm_url)
    job = ImportJob.objects.get(round=assessment_round)
    assert (confirmed.status_code, confirmed["Location"]) == (302, f"/dtm/jobs/{job.uid}/")
    recorded = RoundImport.objects.get(round=assessment_round)
    assert (job.status, job.result, job.created_by) == ("done", recorded, personas.layla.user)
    assert (recorded.file, recorded.imported_by, recorded.locations) == (
        "r90.csv",
        personas.layla.user,
        len(PLACES),
    )
    audit = AuditEvent.objects.get(action="round.import")
    assert audit.object_id == str(assessment_round.uid) and audit.actor == personas.layla.user
    assert not (uploads / token).exists()
    # The job's page shows the result and the audit entry; others cannot see it.
    result = text(client.get(f"/dtm/jobs/{job.uid}/"))
    assert re.search(rf'data-figure="job-locations">{len(PLACES)}<', result)
    assert "round.import" in result and "hx-trigger" not in result
    assert personas.ahmed.client().get(f"/dtm/jobs/{job.uid}/").status_code == 404
    assert client.get(f"/dtm/jobs/{RANDOM_UID}/").status_code == 404
    page = client.get(f"/dtm/rounds/{assessment_round.uid}/")
    html = text(page)
    assert governorate_rows(html) and {
        pcode: ind for pcode, (_p, _h, ind) in governorate_rows(html).items()
    } == by_governorate(PLACES)
    totals = client.get(f"/api/v1/dtm/rounds/{assessment_round.uid}/totals").json()
    assert totals["idp"]["households"] == national_households(PLACES)

    # A confirmation is used once.
    assert client.post(confirm_url).status_code == 404
    assert RoundImport.objects.filter(round=assessment_round).count() == 1


def test_a_preview_cannot_be_confirmed_from_another_session_or_for_another_round(
    personas: Personas, gazetteer: None, uploads: Path
) -> None:
    assessment_round = round_open(personas)
    other_round = round_open(personas, NEXT_ROUND)
    client = personas.layla.client()
    found = CONFIRM.search(text(upload(client, assessment_round, wide_csv())))
    assert found is not None
    confirm_url, token = found.groups()
    before = snapshot()
    assert personas.layla.client().post(confirm_url).status_code == 404  # a new session
    assert personas.omar.client().post(confirm_url).status_code == 404
    elsewhere = f"/dtm/rounds/{other_round.uid}/upload/{token}/confirm/"
    assert client.post(elsewhere).status_code == 404
    assert snapshot() == before


def error_file() -> bytes:
    rows = wide_rows()
    rows[2][6] = -5  # row 3, column G: negative families
    rows[4][2] = "Nowhere"  # row 5, column C: no such district of Ninewa
    return csv_from_rows(rows)


def test_a_file_with_errors_shows_them_row_by_row_and_offers_no_confirmation(
    personas: Personas, gazetteer: None, uploads: Path
) -> None:
    assessment_round = round_open(personas)
    before = snapshot()
    response = upload(personas.layla.client(), assessment_round, error_file(), name="bad.csv")
    html = text(response)
    assert "2 errors: nothing will be imported until they are fixed." in html
    assert "<td>3</td><td>G</td><td><code>negative</code></td>" in html
    assert "<td>5</td><td>C</td><td><code>unknown_district</code></td>" in html
    assert "Confirm the import" not in html and "/confirm/" not in html
    assert snapshot() == before
    # Kept only while the unknown district can be taught on the page.
    assert "Read it as this unit" in html
    assert len(list(uploads.iterdir())) == 1


def test_a_file_with_nothing_to_teach_is_not_kept(
    personas: Personas, gazetteer: None, uploads: Path
) -> None:
    rows = wide_rows()
    rows[2][6] = -5
    response = upload(
        personas.layla.client(), round_open(personas), csv_from_rows(rows), name="bad.csv"
    )
    assert "1 error: nothing will be imported until it is fixed." in text(response)
    assert not uploads.exists() or not any(uploads.iterdir())


def test_a_file_with_errors_is_answered_with_the_errors_page_not_an_http_error(
    personas: Personas, gazetteer: None, uploads: Path
) -> None:
    # The page answers 200 on purpose: the errors are the page's content, and a 4xx document
    # shows up in the browser console as a failed load (the API answers 422).
    assessment_round = round_open(personas)
    response = upload(personas.layla.client(), assessment_round, error_file())
    assert response.status_code == 200
    assert "errors" in response.content.decode()


def test_the_preview_lists_warnings_and_still_offers_the_confirmation(
    personas: Personas, published: AssessmentRound, uploads: Path
) -> None:
    following = round_open(personas, NEXT_ROUND)
    client = personas.layla.client()
    changed = wide_csv(with_households(PLACES, {"7001": 300}))  # 120 -> 300 households
    html = text(upload(client, following, changed))
    assert "Warnings" in html
    assert "<td>2</td><td>G</td><td><code>large_change</code></td>" in html
    found = CONFIRM.search(html)
    assert found is not None
    assert client.post(found.group(1)).status_code == 302
    [warning] = RoundImport.objects.get(round=following).warnings
    assert (warning["row"], warning["rule"]) == (2, "large_change")


def test_only_the_information_manager_may_upload(
    personas: Personas, gazetteer: None, uploads: Path
) -> None:
    assessment_round = round_open(personas)
    for persona in (personas.omar, personas.ahmed, personas.outsider, personas.iom_admin):
        assert upload(persona.client(), assessment_round, wide_csv()).status_code == 404
    assert not uploads.exists() or not any(uploads.iterdir())


def test_uploading_to_a_published_round_goes_back_with_a_message(
    personas: Personas, published: AssessmentRound, uploads: Path
) -> None:
    before = snapshot()
    response = upload(personas.layla.client(), published, wide_csv(), name="late.csv")
    assert (response.status_code, response["Location"]) == (302, f"/dtm/rounds/{published.uid}/")
    assert snapshot() == before
    page = personas.layla.client().get(f"/dtm/rounds/{published.uid}/")
    assert "Check the file" not in text(page)


def test_an_upload_without_a_file_says_so(
    personas: Personas, gazetteer: None, uploads: Path
) -> None:
    assessment_round = round_open(personas)
    client = personas.layla.client()
    response = client.get(f"/dtm/rounds/{assessment_round.uid}/upload/")
    assert response.status_code == 302
    assert response["Location"] == f"/dtm/rounds/{assessment_round.uid}/"
    url = f"/dtm/rounds/{assessment_round.uid}/upload/"
    missing = client.post(url, {"population": "idp"})
    assert missing.status_code == 200
    assert [(e.column, e.rule) for e in missing.context["errors"]] == [("file", "required")]
    empty = io.BytesIO(b"")
    empty.name = "master.csv"
    refused = client.post(url, {"file": empty, "population": "idp"})
    assert [(e.file, e.column, e.rule) for e in refused.context["errors"]] == [
        ("master.csv", "file", "empty")
    ]
    assert "<code>empty</code>" in refused.content.decode()
    assert not RoundImport.objects.exists()


# --- the export link ----------------------------------------------------------------------------


def test_the_export_link_downloads_and_is_audited(
    personas: Personas, published: AssessmentRound
) -> None:
    client = personas.ahmed.client()
    html = text(client.get(f"/dtm/rounds/{published.uid}/"))
    action = re.search(r'<form method="get" action="([^"]+)">', html)
    assert action is not None and action.group(1) == f"/dtm/rounds/{published.uid}/export/"
    assert '<option value="adm1" selected>' in html
    response = client.get(action.group(1), {"level": "adm1", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    day = published.reference_date.strftime("%Y%m%d")
    assert response["Content-Disposition"] == (
        f'attachment; filename="dtm-round{published.number}-adm1-{day}.csv"'
    )
    body = response.content.decode("utf-8-sig").splitlines()
    assert body[0].startswith("adm1_pcode,adm1_name")
    assert len(body) == 1 + len(by_governorate(PLACES))
    event = AuditEvent.objects.get(action="round.export")
    assert event.actor == personas.ahmed.user
    assert event.detail == {"level": "adm1", "format": "csv", "bytes": len(response.content)}
    default = client.get(action.group(1))
    assert default.status_code == 200 and "-adm1-" in default["Content-Disposition"]


def test_the_export_page_refuses_unknown_levels_and_formats(
    personas: Personas, published: AssessmentRound
) -> None:
    client = personas.ahmed.client()
    url = f"/dtm/rounds/{published.uid}/export/"
    assert client.get(url, {"level": "adm7", "format": "csv"}).status_code == 404
    assert client.get(url, {"level": "adm1", "format": "exe"}).status_code == 404
    assert not AuditEvent.objects.filter(action="round.export").exists()


def test_a_running_import_shows_its_progress_and_a_failed_one_its_reason(
    personas: Personas, gazetteer: None
) -> None:
    from nahrain.displacement import services

    assessment_round = round_open(personas)
    job = ImportJob.objects.create(
        round=assessment_round, file="big.csv", sha256="0" * 64, created_by=personas.layla.user
    )
    client = personas.layla.client()
    queued = text(client.get(f"/dtm/jobs/{job.uid}/"))
    assert 'hx-trigger="every 1s"' in queued and "<progress" in queued

    write = services._progress_writer(job)
    write("writing", 1200, 4000)
    running = text(client.get(f"/dtm/jobs/{job.uid}/", HTTP_HX_REQUEST="true"))
    assert "<html" not in running
    assert 'max="4000" value="1200"' in running and "1,200 of 4,000 rows" in running

    # The upload vanished (say, a disk cleaned): the job fails with a reason, nothing written.
    services.import_job_run(job_uid=str(job.uid))
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    failed = text(client.get(f"/dtm/jobs/{job.uid}/"))
    assert "Failed" in failed and "hx-trigger" not in failed
    assert not LocationAssessment.objects.filter(round=assessment_round).exists()
    # A job runs once.
    assert services.import_job_run(job_uid=str(job.uid)).status == "failed"


def test_the_preview_teaches_only_the_spellings_its_file_left_unknown(
    personas: Personas, gazetteer: None, uploads: Path
) -> None:
    from nahrain.geo.models import Alias

    assessment_round = round_open(personas)
    client = personas.layla.client()
    upload(client, assessment_round, error_file(), name="bad.csv")
    [token] = [path.name for path in uploads.iterdir()]
    url = f"/dtm/rounds/{assessment_round.uid}/upload/{token}/alias/"
    before = Alias.objects.count()
    planted = client.post(
        url, {"text": "Zakho road", "level": "2", "within": "IQG15", "other": "IQG15Q05"}
    )
    assert "This file has no such unknown spelling." in text(planted)
    assert Alias.objects.count() == before
    taught = client.post(
        url, {"text": "Nowhere", "level": "2", "within": "IQG15", "other": "IQG15Q05"}
    )
    assert "is now read as" in text(taught)
    alias = Alias.objects.get(name="Nowhere")
    assert (alias.unit.pcode, alias.organisation) == ("IQG15Q05", personas.iom)
    assert "Read it as this unit" not in text(taught)
