"""Publishing asks first and warns of a likely duplicate; a draft can be deleted; a round
number that exists is a form error (409 from the API), never a server error. Through the
pages, the API and ``nahrain dtm`` (issue #13)."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from nahrain.core.models import AuditEvent
from nahrain.displacement import services
from nahrain.displacement.models import (
    AssessmentRound,
    Breakdown,
    LocationAssessment,
    Rollup,
    RoundImport,
    RoundStatus,
)
from nahrain.displacement.tests.builders import (
    NEXT_ROUND,
    PLACES,
    ROUND,
    Place,
    national_individuals,
    round_imported,
    wide_csv,
    with_households,
)
from nahrain.geo.models import Location
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db

GROWN = with_households(PLACES, {"7001": 150})  # 30 households (180 people) more than PLACES


@pytest.fixture
def layla(personas: Personas) -> Client:
    return personas.layla.client()


def validated(
    personas: Personas, places: tuple[Place, ...] = PLACES, *, number: int = NEXT_ROUND
) -> AssessmentRound:
    """IOM's round ``number`` holding the places' IDPs, validated."""
    assessment_round = round_imported(personas, places, number=number)
    services.round_validate(actor=personas.layla.user, assessment_round=assessment_round)
    return assessment_round


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("dtm", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def status_of(assessment_round: AssessmentRound) -> str:
    assessment_round.refresh_from_db()
    return assessment_round.status


# --- creating a round whose number exists ------------------------------------------------------


def test_a_round_number_that_exists_is_a_form_error_on_the_page_not_a_500(
    personas: Personas, gazetteer: None, layla: Client
) -> None:
    round_imported(personas)
    response = layla.post("/dtm/", {"number": str(ROUND), "reference_date": "2020-01-31"})
    assert response.status_code == 200
    assert "This round number exists already." in response.content.decode()
    assert AssessmentRound.objects.filter(number=ROUND).count() == 1
    assert AuditEvent.objects.filter(action="round.create").count() == 1


def test_a_round_number_that_exists_is_409_from_the_api(
    personas: Personas, gazetteer: None, layla: Client
) -> None:
    round_imported(personas)
    payload = {
        "organisation_id": str(personas.iom.pk),
        "number": ROUND,
        "reference_date": "2020-01-31",
    }
    response = layla.post("/api/v1/dtm/rounds", payload, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["detail"] == f"IOM already has a round {ROUND}"
    assert AssessmentRound.objects.filter(number=ROUND).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_clients_opening_one_round_number_at_once_get_201_and_409(
    personas: Personas,
) -> None:
    """Both may find the number free; the database's unique constraint then refuses one."""
    payload = {"organisation_id": str(personas.iom.pk), "number": 8, "reference_date": "2014-11-01"}
    clients = [personas.layla.client(), personas.layla.client()]
    barrier = threading.Barrier(len(clients))

    def create(client: Client) -> int:
        try:
            barrier.wait(timeout=30)
            return client.post(
                "/api/v1/dtm/rounds", payload, content_type="application/json"
            ).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(len(clients)) as pool:
        assert sorted(pool.map(create, clients)) == [201, 409]
    assert AssessmentRound.objects.filter(number=8).count() == 1


def test_the_same_number_in_another_organisation_is_its_own_round(
    personas: Personas, gazetteer: None
) -> None:
    round_imported(personas)
    other = services.round_create(
        actor=None, organisation=personas.intersos, number=ROUND, reference_date=date(2020, 1, 31)
    )
    assert other.number == ROUND


# --- publishing asks first --------------------------------------------------------------------


def test_the_publish_page_shows_the_totals_against_the_previous_published_round(
    personas: Personas, gazetteer: None, layla: Client
) -> None:
    round_imported(personas, publish=True)
    draft = validated(personas, GROWN)
    page = f"/dtm/rounds/{draft.uid}/publish/"
    assert f'href="{page}"' in layla.get(f"/dtm/rounds/{draft.uid}/").content.decode()
    shown = layla.get(page)
    assert shown.status_code == 200
    text = shown.content.decode()
    assert "becomes the latest published round of" in text
    assert f"against round {ROUND}" in text
    assert f"{national_individuals(GROWN):,}" in text and "+180" in text
    assert "Is this a duplicate?" not in text
    assert status_of(draft) == RoundStatus.VALIDATED  # looking publishes nothing

    response = layla.post(page)
    assert (response.status_code, response["Location"]) == (302, f"/dtm/rounds/{draft.uid}/")
    assert status_of(draft) == RoundStatus.PUBLISHED
    assert AuditEvent.objects.get(action="round.publish", object_id=str(draft.uid))


def test_publishing_a_round_with_the_date_of_another_warns_and_asks_to_confirm(
    personas: Personas, gazetteer: None, layla: Client
) -> None:
    """A second copy of a list published as the next round with the same date (issue #13)."""
    first = round_imported(personas, publish=True)
    copy = services.round_create(
        actor=personas.layla.user,
        organisation=personas.iom,
        number=NEXT_ROUND,
        reference_date=first.reference_date,
    )
    services.round_import(
        actor=personas.layla.user,
        assessment_round=copy,
        data=wide_csv(GROWN),
        file="copy.csv",
        population="idp",
    )
    services.round_validate(actor=personas.layla.user, assessment_round=copy)
    page = f"/dtm/rounds/{copy.uid}/publish/"
    text = layla.get(page).content.decode()
    assert "Is this a duplicate?" in text and "has the same reference date." in text
    assert "same national totals" not in text
    assert 'name="confirm_duplicate"' in text
    for language, question in (("ar", "هل هذه نسخة مكررة؟"), ("ckb", "ئایا ئەمە دووبارەیە؟")):
        reader = personas.layla.client()
        reader.cookies["django_language"] = language
        assert question in reader.get(page).content.decode(), language

    refused = layla.post(page)
    assert refused.status_code == 200
    assert "Confirm that this round is not a copy" in refused.content.decode()
    assert status_of(copy) == RoundStatus.VALIDATED
    assert not AuditEvent.objects.filter(action="round.publish", object_id=str(copy.uid))

    response = layla.post(page, {"confirm_duplicate": "on"})
    assert response.status_code == 302
    assert status_of(copy) == RoundStatus.PUBLISHED


def test_the_api_refuses_a_likely_duplicate_with_409_until_confirmed(
    personas: Personas, gazetteer: None, layla: Client
) -> None:
    first = round_imported(personas, publish=True)
    copy = validated(personas)  # the same list under the next number and another date
    url = f"/api/v1/dtm/rounds/{copy.uid}/publish"
    refused = layla.post(url)
    assert refused.status_code == 409
    body = refused.json()
    assert "confirm_duplicate=true" in body["detail"]
    assert [w["rule"] for w in body["warnings"]] == ["same_totals"]
    assert f"round {first.number}" in body["warnings"][0]["message"]
    assert status_of(copy) == RoundStatus.VALIDATED

    published = layla.post(f"{url}?confirm_duplicate=true")
    assert published.status_code == 200 and published.json()["status"] == "published"


def test_the_publish_page_is_the_organisations_information_managers_only(
    personas: Personas, gazetteer: None, layla: Client
) -> None:
    draft = round_imported(personas)
    page = f"/dtm/rounds/{draft.uid}/publish/"
    for persona in ("omar", "ahmed", "hana"):
        client = getattr(personas, persona).client()
        assert client.get(page).status_code == 404, persona
        assert client.post(page).status_code == 404, persona
    # A draft is validated first; the page says so.
    response = layla.get(page, follow=True)
    assert "Only a validated round can be published." in response.content.decode()
    assert status_of(draft) == RoundStatus.DRAFT


def test_the_command_publishes_a_likely_duplicate_only_when_confirmed(
    personas: Personas, gazetteer: None
) -> None:
    round_imported(personas, publish=True)
    copy = validated(personas)
    err = io.StringIO()
    with pytest.raises(CommandError, match="--confirm-duplicate"):
        call_command("dtm", "publish", "--round", str(NEXT_ROUND), stderr=err)
    assert "[same_totals]" in err.getvalue()
    assert status_of(copy) == RoundStatus.VALIDATED
    out, _ = run("publish", "--round", str(NEXT_ROUND), "--confirm-duplicate")
    assert "published" in out
    assert status_of(copy) == RoundStatus.PUBLISHED


# --- deleting a draft -------------------------------------------------------------------------


def test_deleting_a_draft_on_its_page_removes_it_and_its_figures_and_keeps_the_places(
    personas: Personas, gazetteer: None, layla: Client
) -> None:
    draft = round_imported(personas, number=99)
    locations = Location.objects.count()
    page = f"/dtm/rounds/{draft.uid}/delete/"
    assert f'href="{page}"' in layla.get(f"/dtm/rounds/{draft.uid}/").content.decode()
    confirm = layla.get(page)
    assert confirm.status_code == 200 and "Delete round 99" in confirm.content.decode()
    assert AssessmentRound.objects.filter(pk=draft.pk).exists()  # looking deletes nothing
    for persona in ("omar", "ahmed", "hana"):
        assert getattr(personas, persona).client().post(page).status_code == 404, persona

    response = layla.post(page, follow=True)
    assert response.redirect_chain == [("/dtm/", 302)]
    assert "Round 99 (v1) was deleted." in response.content.decode()
    assert not AssessmentRound.objects.filter(pk=draft.pk).exists()
    assert not LocationAssessment.objects.filter(round_id=draft.pk).exists()
    assert not Rollup.objects.filter(round_id=draft.pk).exists()
    assert not RoundImport.objects.filter(round_id=draft.pk).exists()
    assert Breakdown.objects.count() == 0
    assert Location.objects.count() == locations
    event = AuditEvent.objects.get(action="round.delete")
    assert event.object_id == str(draft.uid) and event.actor == personas.layla.user
    assert event.detail["number"] == 99
    assert ">99<" not in layla.get("/dtm/").content.decode()


def test_a_published_round_is_never_deleted(
    personas: Personas, gazetteer: None, layla: Client
) -> None:
    published = round_imported(personas, publish=True)
    response = layla.post(f"/dtm/rounds/{published.uid}/delete/", follow=True)
    assert "A published round is never deleted" in response.content.decode()
    response = layla.delete(f"/api/v1/dtm/rounds/{published.uid}")
    assert response.status_code == 409
    with pytest.raises(CommandError, match="never delete"):
        run("delete", "--round", str(ROUND))
    assert status_of(published) == RoundStatus.PUBLISHED
    assert not AuditEvent.objects.filter(action="round.delete").exists()


def test_deleting_a_correction_leaves_the_published_version(
    personas: Personas, gazetteer: None, layla: Client
) -> None:
    published = round_imported(personas, publish=True)
    correction = services.round_correct(actor=personas.layla.user, assessment_round=published)
    response = layla.post(f"/dtm/rounds/{correction.uid}/delete/")
    assert response["Location"] == f"/dtm/rounds/{published.uid}/"
    assert not AssessmentRound.objects.filter(pk=correction.pk).exists()
    assert status_of(published) == RoundStatus.PUBLISHED
    assert Rollup.objects.filter(round=published).exists()
    # The published round can be corrected again.
    assert services.round_correct(actor=personas.layla.user, assessment_round=published)


def test_the_api_and_the_command_delete_a_draft(
    personas: Personas, gazetteer: None, layla: Client
) -> None:
    draft = round_imported(personas)
    assert personas.ahmed.client().delete(f"/api/v1/dtm/rounds/{draft.uid}").status_code == 404
    assert layla.delete(f"/api/v1/dtm/rounds/{draft.uid}").status_code == 204
    assert not AssessmentRound.objects.filter(pk=draft.pk).exists()
    # The number is free again.
    round_imported(personas, number=ROUND)
    out, _ = run("--user", "layla", "delete", "--round", str(ROUND))
    assert "deleted" in out
    assert not AssessmentRound.objects.filter(number=ROUND).exists()
    assert AuditEvent.objects.filter(action="round.delete").count() == 2


# --- a refused import leaves no round behind --------------------------------------------------


def test_a_refused_import_from_the_command_leaves_no_empty_round(
    personas: Personas, gazetteer: None, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(wide_csv(with_households(PLACES, {"7001": -5})))
    with pytest.raises(CommandError, match="nothing was written"):
        run("import", str(path), "--round", "8", "--date", "2014-10-26")
    assert not AssessmentRound.objects.filter(number=8).exists()
    assert not AuditEvent.objects.filter(action="round.create").exists()
