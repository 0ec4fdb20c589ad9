"""A round's life through the API and the pages: draft → validated → published → corrected,
comparisons between versions, and the series across rounds."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from nahrain.core.models import AuditEvent
from nahrain.displacement.models import (
    AssessmentRound,
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
    api_import,
    national_households,
    national_individuals,
    round_imported,
    round_open,
    wide_csv,
    with_households,
)
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db

# The correction: Zakho centre grew (120 -> 150 households), Al-Nuaimiya (Anbar) emptied and a
# new place appeared in Erbil.
NEW_PLACE = Place("7006", "Erbil", "Erbil", "Baharka", 36.3260, 44.0500, 40)
CORRECTED = (*with_households(PLACES, {"7001": 150})[:4], NEW_PLACE)


def api(client: Client, method: str, path: str) -> Any:
    return getattr(client, method)(f"/api/v1/dtm{path}")


def publish(client: Client, assessment_round: AssessmentRound | str) -> None:
    uid = (
        assessment_round.uid if isinstance(assessment_round, AssessmentRound) else assessment_round
    )
    assert api(client, "post", f"/rounds/{uid}/validate").status_code == 200
    assert api(client, "post", f"/rounds/{uid}/publish").status_code == 200


@pytest.fixture
def layla(personas: Personas) -> Client:
    return personas.layla.client()


@pytest.fixture
def published(personas: Personas, gazetteer: None) -> AssessmentRound:
    return round_imported(personas, publish=True)


def test_validating_an_empty_round_is_422(
    personas: Personas, gazetteer: None, layla: Client
) -> None:
    empty = round_open(personas)
    response = api(layla, "post", f"/rounds/{empty.uid}/validate")
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["rule"] == "empty"
    empty.refresh_from_db()
    assert empty.status == RoundStatus.DRAFT
    assert not AuditEvent.objects.filter(action="round.validate").exists()


def test_validate_then_publish_sets_the_publication_and_audits_both(
    personas: Personas, gazetteer: None, layla: Client
) -> None:
    draft = round_imported(personas)
    validated = api(layla, "post", f"/rounds/{draft.uid}/validate")
    assert validated.status_code == 200
    assert validated.json()["status"] == "validated"
    assert validated.json()["published_at"] is None
    # A viewer still cannot see a validated round: only publication opens it.
    assert personas.ahmed.client().get(f"/api/v1/dtm/rounds/{draft.uid}").status_code == 404

    published = api(layla, "post", f"/rounds/{draft.uid}/publish")
    assert published.status_code == 200
    body = published.json()
    assert body["status"] == "published" and body["published_at"] is not None
    draft.refresh_from_db()
    assert draft.status == RoundStatus.PUBLISHED
    assert draft.published_at is not None and draft.published_by == personas.layla.user
    for action in ("round.validate", "round.publish"):
        event = AuditEvent.objects.get(action=action)
        assert event.object_id == str(draft.uid), action
        assert event.actor == personas.layla.user and event.organisation == personas.iom
    assert personas.ahmed.client().get(f"/api/v1/dtm/rounds/{draft.uid}").status_code == 200


def test_publishing_without_validating_is_422(
    personas: Personas, gazetteer: None, layla: Client
) -> None:
    draft = round_imported(personas)
    response = api(layla, "post", f"/rounds/{draft.uid}/publish")
    assert response.status_code == 422
    assert [e["rule"] for e in response.json()["errors"]] == ["not_validated"]
    draft.refresh_from_db()
    assert draft.status == RoundStatus.DRAFT and draft.published_at is None
    assert not AuditEvent.objects.filter(action="round.publish").exists()


def test_an_import_after_validation_sends_the_round_back_to_draft(
    personas: Personas, gazetteer: None, layla: Client
) -> None:
    draft = round_imported(personas)
    assert api(layla, "post", f"/rounds/{draft.uid}/validate").status_code == 200
    changed = wide_csv(with_households(PLACES, {"7002": 61}))
    assert api_import(layla, draft.uid, changed).status_code == 201
    draft.refresh_from_db()
    assert draft.status == RoundStatus.DRAFT
    assert api(layla, "post", f"/rounds/{draft.uid}/publish").status_code == 422


def test_a_published_round_is_read_only(
    personas: Personas, published: AssessmentRound, layla: Client
) -> None:
    facts = LocationAssessment.objects.filter(round=published).count()
    changed = wide_csv(with_households(PLACES, {"7001": 1}))
    assert api_import(layla, published.uid, changed).status_code == 409
    assert api_import(layla, published.uid, changed, dry_run=True).status_code == 409
    assert api(layla, "post", f"/rounds/{published.uid}/validate").status_code == 409
    again = api(layla, "post", f"/rounds/{published.uid}/publish")
    assert again.status_code == 200 and again.json()["status"] == "published"
    published.refresh_from_db()
    assert published.status == RoundStatus.PUBLISHED
    assert LocationAssessment.objects.filter(round=published).count() == facts
    totals = api(layla, "get", f"/rounds/{published.uid}/totals").json()
    assert totals["idp"]["households"] == national_households(PLACES)


def test_a_correction_is_a_new_draft_version_holding_a_copy_of_the_figures(
    personas: Personas, published: AssessmentRound, layla: Client
) -> None:
    response = api(layla, "post", f"/rounds/{published.uid}/correct")
    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["version"], body["status"]) == (ROUND, 2, "draft")
    assert body["replaces"] == str(published.uid)
    assert body["reference_date"] == published.reference_date.isoformat()
    assert body["published_at"] is None
    correction = AssessmentRound.objects.get(uid=body["uid"])
    assert correction.replaces == published
    for path in ("/totals", "/figures?level=2", "/figures?level=1&dimension=shelter_group"):
        original = api(layla, "get", f"/rounds/{published.uid}{path}").json()
        copy = api(layla, "get", f"/rounds/{correction.uid}{path}").json()
        assert copy == original, path
    assert LocationAssessment.objects.filter(round=correction).count() == len(PLACES)
    assert AuditEvent.objects.filter(action="round.correct", object_id=body["uid"]).exists()
    # The correction is a draft: hidden from everyone but the manager.
    ahmed = personas.ahmed.client()
    assert ahmed.get(f"/api/v1/dtm/rounds/{correction.uid}").status_code == 404
    # The original stays published and unchanged.
    published.refresh_from_db()
    assert published.status == RoundStatus.PUBLISHED
    assert ahmed.get(f"/api/v1/dtm/rounds/{published.uid}").status_code == 200


def test_a_round_is_corrected_once_and_only_when_published(
    personas: Personas, published: AssessmentRound, layla: Client
) -> None:
    assert api(layla, "post", f"/rounds/{published.uid}/correct").status_code == 201
    assert api(layla, "post", f"/rounds/{published.uid}/correct").status_code == 409
    draft = round_imported(personas, number=NEXT_ROUND)
    assert api(layla, "post", f"/rounds/{draft.uid}/correct").status_code == 409
    assert AssessmentRound.objects.count() == 3


def test_comparing_a_round_with_its_fresh_correction_shows_no_change(
    published: AssessmentRound, layla: Client
) -> None:
    correction = api(layla, "post", f"/rounds/{published.uid}/correct").json()
    compared = api(layla, "get", f"/rounds/{published.uid}/compare/{correction['uid']}").json()
    assert (compared["base"], compared["other"]) == (str(published.uid), correction["uid"])
    assert compared["units"] and all(u["individuals_change"] == 0 for u in compared["units"])
    assert compared["appeared"] == [] and compared["emptied"] == []


def test_a_corrected_file_shows_the_change_per_unit_and_the_places_that_came_and_went(
    personas: Personas, published: AssessmentRound, layla: Client
) -> None:
    correction = api(layla, "post", f"/rounds/{published.uid}/correct").json()
    response = api_import(layla, correction["uid"], wide_csv(CORRECTED), name="r90-v2.csv")
    assert response.status_code == 201
    publish(layla, correction["uid"])

    ahmed = personas.ahmed.client()  # both versions are published: a viewer compares them
    compared = ahmed.get(f"/api/v1/dtm/rounds/{published.uid}/compare/{correction['uid']}").json()
    change = {u["pcode"]: u["individuals_change"] for u in compared["units"]}
    assert change == {
        "IQG09": 30 * 6,  # Zakho centre +30 households
        "IQG11": NEW_PLACE.individuals,
        "IQG15": 0,
        "IQG01": -PLACES[4].individuals,  # Al-Nuaimiya emptied
    }
    anbar = next(u for u in compared["units"] if u["pcode"] == "IQG01")
    assert (anbar["individuals_before"], anbar["individuals_after"]) == (
        PLACES[4].individuals,
        0,
    )
    assert compared["appeared"] == [{"place_id": "7006", "population": "idp"}]
    assert compared["emptied"] == [{"place_id": "7005", "population": "idp"}]

    districts = ahmed.get(
        f"/api/v1/dtm/rounds/{published.uid}/compare/{correction['uid']}", {"level": 2}
    ).json()
    assert {u["pcode"]: u["individuals_change"] for u in districts["units"]}["IQG09Q04"] == 180

    # The original kept its figures; the correction holds the corrected file's.
    original = ahmed.get(f"/api/v1/dtm/rounds/{published.uid}/totals").json()["idp"]
    corrected = ahmed.get(f"/api/v1/dtm/rounds/{correction['uid']}/totals").json()["idp"]
    assert original["individuals"] == national_individuals(PLACES)
    assert corrected["individuals"] == national_individuals(CORRECTED)
    assert RoundImport.objects.filter(round__uid=correction["uid"]).count() == 1


def series_of(client: Client) -> dict[tuple[int, str], tuple[str, int]]:
    rows = client.get("/api/v1/dtm/series").json()
    keyed = {(r["round"], r["population"]): (r["round_uid"], r["individuals"]) for r in rows}
    assert len(keyed) == len(rows), rows  # one row per round and population
    return keyed


def test_the_series_uses_only_the_current_version_of_each_round(
    personas: Personas, published: AssessmentRound, layla: Client
) -> None:
    following = round_imported(
        personas, with_households(PLACES, {"7004": 100}), number=NEXT_ROUND, publish=True
    )
    ahmed = personas.ahmed.client()
    before = series_of(ahmed)
    assert before == {
        (ROUND, "idp"): (str(published.uid), national_individuals(PLACES)),
        (NEXT_ROUND, "idp"): (str(following.uid), national_individuals(PLACES) - 600),
    }
    rows = ahmed.get("/api/v1/dtm/series").json()
    assert [r["round"] for r in rows] == [ROUND, NEXT_ROUND]  # in time order

    correction = api(layla, "post", f"/rounds/{published.uid}/correct").json()
    assert api_import(layla, correction["uid"], wide_csv(CORRECTED)).status_code == 201
    publish(layla, correction["uid"])

    after = series_of(ahmed)
    assert after == {
        (ROUND, "idp"): (correction["uid"], national_individuals(CORRECTED)),
        (NEXT_ROUND, "idp"): before[(NEXT_ROUND, "idp")],
    }
    within = ahmed.get("/api/v1/dtm/series", {"within": "IQG01"}).json()
    assert [(r["round"], r["individuals"]) for r in within] == [
        (NEXT_ROUND, PLACES[4].individuals)
    ]  # Al-Nuaimiya emptied in the correction of round 90


def test_the_series_is_of_published_rounds_even_for_the_information_manager(
    personas: Personas, published: AssessmentRound
) -> None:
    round_imported(personas, number=NEXT_ROUND)  # a draft
    assert set(series_of(personas.ahmed.client())) == {(ROUND, "idp")}
    assert set(series_of(personas.layla.client())) == {(ROUND, "idp")}


def test_while_a_correction_is_a_draft_viewers_keep_the_published_original_in_the_series(
    personas: Personas, published: AssessmentRound, layla: Client
) -> None:
    ahmed = personas.ahmed.client()
    before = series_of(ahmed)
    assert api(layla, "post", f"/rounds/{published.uid}/correct").status_code == 201
    assert series_of(ahmed) == before
    assert series_of(layla) == before  # nor does the information manager see it replaced


# --- the same lifecycle through the pages -------------------------------------------------------


def test_the_pages_validate_publish_and_correct_for_the_information_manager_only(
    personas: Personas, gazetteer: None, layla: Client
) -> None:
    draft = round_imported(personas)
    page = f"/dtm/rounds/{draft.uid}/"
    omar = personas.omar.client()
    for action in ("validate", "publish", "correct"):
        assert omar.post(f"{page}{action}/").status_code == 404, action

    assert "Validate" in layla.get(page).content.decode()
    response = layla.post(f"{page}validate/")
    assert (response.status_code, response["Location"]) == (302, page)
    draft.refresh_from_db()
    assert draft.status == RoundStatus.VALIDATED
    assert omar.post(f"{page}publish/").status_code == 404

    response = layla.post(f"{page}publish/")
    assert (response.status_code, response["Location"]) == (302, page)
    draft.refresh_from_db()
    assert draft.status == RoundStatus.PUBLISHED and draft.published_by == personas.layla.user
    assert "Open a correction" in layla.get(page).content.decode()
    assert "Open a correction" not in omar.get(page).content.decode()
    assert omar.post(f"{page}correct/").status_code == 404

    response = layla.post(f"{page}correct/")
    correction = AssessmentRound.objects.get(replaces=draft)
    assert (response.status_code, response["Location"]) == (302, f"/dtm/rounds/{correction.uid}/")
    assert correction.version == 2 and correction.status == RoundStatus.DRAFT
    assert (
        Rollup.objects.filter(round=correction).count()
        == Rollup.objects.filter(round=draft).count()
    )


def test_the_pages_refuse_an_unknown_action_and_a_get(
    personas: Personas, published: AssessmentRound, layla: Client
) -> None:
    assert layla.post(f"/dtm/rounds/{published.uid}/archive/").status_code == 404
    assert layla.get(f"/dtm/rounds/{published.uid}/correct/").status_code == 405
    assert not AssessmentRound.objects.filter(replaces=published).exists()


def test_publishing_an_unvalidated_round_on_its_page_says_why(
    personas: Personas, gazetteer: None, layla: Client
) -> None:
    draft = round_imported(personas)
    response = layla.post(f"/dtm/rounds/{draft.uid}/publish/", follow=True)
    assert response.status_code == 200
    assert "Only a validated round can be published." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == RoundStatus.DRAFT
