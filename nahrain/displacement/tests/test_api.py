"""The DTM API through HTTP: who may read and change rounds, imports, figures, exports,
movements, and the warnings an import gives."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from nahrain.core.models import AuditEvent
from nahrain.displacement import services
from nahrain.displacement.models import (
    AssessmentRound,
    Breakdown,
    LocationAssessment,
    MovementEvent,
    Rollup,
    RoundImport,
    RoundStatus,
)
from nahrain.displacement.tests.builders import (
    NEXT_ROUND,
    PLACES,
    RANDOM_UID,
    Place,
    api_import,
    bearer_client,
    by_governorate,
    csv_from_rows,
    many_places,
    national_households,
    national_individuals,
    round_imported,
    round_open,
    wide_csv,
    wide_rows,
    with_households,
)
from nahrain.geo import services as geo_services
from nahrain.geo.models import Location
from nahrain.testing.personas import Persona, Personas

pytestmark = pytest.mark.django_db

READ_PATHS = ["", "/figures", "/totals", "/export", "/locations", "/flows"]
NOT_IM = ["omar", "shilan", "ahmed", "outsider"]
# IOM's organisation admin and the platform admin are not information managers either.
HIDDEN_FROM = [*NOT_IM, "iom_admin", "root"]
PCODE_LENGTH = {0: len("IQ"), 1: len("IQG09"), 2: len("IQG09Q04"), 3: len("IQG09Q04N01")}
EVERYONE = ["layla", "omar", "shilan", "ahmed", "outsider", "iom_admin", "root"]


def persona(personas: Personas, name: str) -> Persona:
    found = getattr(personas, name)
    assert isinstance(found, Persona)
    return found


def snapshot() -> tuple[int, ...]:
    return (
        LocationAssessment.objects.count(),
        Breakdown.objects.count(),
        Rollup.objects.count(),
        RoundImport.objects.count(),
        Location.objects.count(),
    )


@pytest.fixture
def draft(personas: Personas, gazetteer: None) -> AssessmentRound:
    """IOM's draft round 90 holding the five places' IDPs."""
    return round_imported(personas)


@pytest.fixture
def published(personas: Personas, gazetteer: None) -> AssessmentRound:
    return round_imported(personas, publish=True)


# --- 1. Access ----------------------------------------------------------------------------------


def test_the_information_manager_reads_her_draft(
    personas: Personas, draft: AssessmentRound
) -> None:
    client = personas.layla.client()
    for path in READ_PATHS:
        assert client.get(f"/api/v1/dtm/rounds/{draft.uid}{path}").status_code == 200, path


@pytest.mark.parametrize("name", HIDDEN_FROM)
def test_a_draft_is_hidden_from_everyone_else_exactly_like_a_missing_round(
    personas: Personas, draft: AssessmentRound, name: str
) -> None:
    client = persona(personas, name).client()
    for path in READ_PATHS:
        hidden = client.get(f"/api/v1/dtm/rounds/{draft.uid}{path}")
        missing = client.get(f"/api/v1/dtm/rounds/{RANDOM_UID}{path}")
        assert hidden.status_code == missing.status_code == 404, path
        assert hidden.content == missing.content, path
        assert hidden.json() == {"detail": "Not found"}, path
    assert not AuditEvent.objects.filter(action="round.export").exists()


def test_another_organisations_draft_is_hidden_from_iom_s_information_manager(
    personas: Personas, gazetteer: None
) -> None:
    dama_round = services.round_create(
        actor=None, organisation=personas.dama, number=3, reference_date=date(2020, 5, 1)
    )
    client = personas.layla.client()
    for path in READ_PATHS:
        response = client.get(f"/api/v1/dtm/rounds/{dama_round.uid}{path}")
        assert response.status_code == 404, path
    assert api_import(client, dama_round.uid, wide_csv()).status_code == 404
    assert client.post(f"/api/v1/dtm/rounds/{dama_round.uid}/validate").status_code == 404
    assert client.get("/api/v1/dtm/rounds").json() == []
    assert not LocationAssessment.objects.exists()


def test_a_draft_is_hidden_from_a_viewers_token_but_not_from_the_managers(
    personas: Personas, draft: AssessmentRound
) -> None:
    viewer = bearer_client(personas.ahmed.token())
    assert viewer.get(f"/api/v1/dtm/rounds/{draft.uid}/totals").status_code == 404
    manager = bearer_client(personas.layla.token())
    totals = manager.get(f"/api/v1/dtm/rounds/{draft.uid}/totals")
    assert totals.status_code == 200
    assert totals.json()["idp"]["households"] == national_households(PLACES)


def test_a_draft_is_hidden_from_the_compare_of_someone_who_may_not_see_it(
    personas: Personas, published: AssessmentRound
) -> None:
    other = round_imported(personas, number=NEXT_ROUND)
    compare = f"/api/v1/dtm/rounds/{published.uid}/compare/{other.uid}"
    reverse = f"/api/v1/dtm/rounds/{other.uid}/compare/{published.uid}"
    ahmed = personas.ahmed.client()
    assert ahmed.get(compare).status_code == ahmed.get(reverse).status_code == 404
    assert ahmed.get(compare).json() == {"detail": "Not found"}
    assert personas.layla.client().get(compare).status_code == 200


def test_the_round_list_of_a_viewer_omits_drafts(
    personas: Personas, published: AssessmentRound
) -> None:
    draft = round_imported(personas, number=NEXT_ROUND)
    viewer = {r["uid"] for r in personas.ahmed.client().get("/api/v1/dtm/rounds").json()}
    site_manager = {r["uid"] for r in personas.omar.client().get("/api/v1/dtm/rounds").json()}
    manager = {r["uid"] for r in personas.layla.client().get("/api/v1/dtm/rounds").json()}
    assert viewer == site_manager == {str(published.uid)}
    assert manager == {str(published.uid), str(draft.uid)}


def test_a_published_round_is_open_to_every_signed_in_persona(
    personas: Personas, published: AssessmentRound
) -> None:
    for name in EVERYONE:
        client = persona(personas, name).client()
        for path in READ_PATHS:
            response = client.get(f"/api/v1/dtm/rounds/{published.uid}{path}")
            assert response.status_code == 200, (name, path)
        totals = client.get(f"/api/v1/dtm/rounds/{published.uid}/totals").json()
        assert totals["idp"]["households"] == national_households(PLACES), name
        listed = {r["uid"] for r in client.get("/api/v1/dtm/rounds").json()}
        assert listed == {str(published.uid)}, name


def test_a_published_round_is_open_to_any_api_token(
    personas: Personas, published: AssessmentRound
) -> None:
    client = bearer_client(personas.outsider.token())
    detail = client.get(f"/api/v1/dtm/rounds/{published.uid}")
    assert detail.status_code == 200
    assert detail.json()["status"] == "published"
    totals = client.get(f"/api/v1/dtm/rounds/{published.uid}/totals").json()
    assert totals["idp"]["individuals"] == national_individuals(PLACES)


def test_anonymous_clients_get_401_even_for_a_published_round(
    published: AssessmentRound,
) -> None:
    for path in READ_PATHS:
        response = Client().get(f"/api/v1/dtm/rounds/{published.uid}{path}")
        assert response.status_code == 401, path
    assert Client().get(f"/api/v1/dtm/rounds/{RANDOM_UID}").status_code == 401
    bad_token = bearer_client("nhr_madeup")
    assert bad_token.get(f"/api/v1/dtm/rounds/{published.uid}").status_code == 401
    assert not AuditEvent.objects.filter(action="round.export").exists()


def test_anonymous_clients_get_401_for_lists_and_series(published: AssessmentRound) -> None:
    for path in ("/api/v1/dtm/rounds", "/api/v1/dtm/series", "/api/v1/dtm/movements/totals"):
        assert Client().get(path).status_code == 401, path


def test_only_the_information_manager_opens_a_round(personas: Personas, gazetteer: None) -> None:
    payload = {
        "organisation_id": str(personas.iom.pk),
        "number": 95,
        "reference_date": "2017-12-31",
    }
    for name in ["omar", "shilan", "ahmed", "outsider", "iom_admin"]:
        refused = (
            persona(personas, name)
            .client()
            .post("/api/v1/dtm/rounds", payload, content_type="application/json")
        )
        assert refused.status_code == 404, name
    assert not AssessmentRound.objects.exists()
    created = personas.layla.client().post(
        "/api/v1/dtm/rounds", payload, content_type="application/json"
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["number"], body["version"], body["status"]) == (95, 1, "draft")
    assert body["organisation"] == "IOM" and body["replaces"] is None
    assert AuditEvent.objects.filter(
        action="round.create", object_id=body["uid"], actor=personas.layla.user
    ).exists()


def test_a_viewer_cannot_open_a_round_even_for_his_own_organisation(personas: Personas) -> None:
    payload = {
        "organisation_id": str(personas.dama.pk),
        "number": 1,
        "reference_date": "2020-01-01",
    }
    response = personas.ahmed.client().post(
        "/api/v1/dtm/rounds", payload, content_type="application/json"
    )
    assert response.status_code == 404
    assert not AssessmentRound.objects.exists()


@pytest.mark.parametrize("name", [*NOT_IM, "iom_admin"])
def test_only_the_information_manager_imports_validates_publishes_and_corrects(
    personas: Personas, gazetteer: None, name: str
) -> None:
    client = persona(personas, name).client()
    empty = round_open(personas)
    before = snapshot()
    assert api_import(client, empty.uid, wide_csv()).status_code == 404
    assert api_import(client, empty.uid, wide_csv(), dry_run=True).status_code == 404
    assert snapshot() == before

    filled = round_imported(personas, number=NEXT_ROUND)
    assert client.post(f"/api/v1/dtm/rounds/{filled.uid}/validate").status_code == 404
    assert client.post(f"/api/v1/dtm/rounds/{filled.uid}/publish").status_code == 404
    filled.refresh_from_db()
    assert filled.status == RoundStatus.DRAFT

    layla = personas.layla.client()
    assert layla.post(f"/api/v1/dtm/rounds/{filled.uid}/validate").status_code == 200
    assert client.post(f"/api/v1/dtm/rounds/{filled.uid}/publish").status_code == 404
    filled.refresh_from_db()
    assert filled.status == RoundStatus.VALIDATED

    assert layla.post(f"/api/v1/dtm/rounds/{filled.uid}/publish").status_code == 200
    # Published: everyone reads it, yet only the manager may open a correction.
    assert client.get(f"/api/v1/dtm/rounds/{filled.uid}").status_code == 200
    assert client.post(f"/api/v1/dtm/rounds/{filled.uid}/correct").status_code == 404
    assert AssessmentRound.objects.filter(replaces=filled).count() == 0


def test_an_outsider_cannot_record_a_movement_for_iom(
    personas: Personas, published: AssessmentRound
) -> None:
    payload = movement_payload(personas, "7001")
    for name in ["outsider", "omar", "ahmed"]:
        response = (
            persona(personas, name)
            .client()
            .post("/api/v1/dtm/movements", payload, content_type="application/json")
        )
        assert response.status_code == 404, name
    assert not MovementEvent.objects.exists()


# --- 2. Import through the API ------------------------------------------------------------------


def test_a_dry_run_shows_the_mapping_and_writes_nothing(
    personas: Personas, gazetteer: None
) -> None:
    assessment_round = round_open(personas)
    before = snapshot()
    response = api_import(
        personas.layla.client(), assessment_round.uid, wide_csv(), name="r90.csv", dry_run=True
    )
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True
    assert (body["file"], body["format"], body["population"]) == ("r90.csv", "dtm-wide", "idp")
    assert body["locations"] == body["new_locations"] == len(PLACES)
    assert body["households"] == national_households(PLACES)
    assert body["individuals"] == national_individuals(PLACES)
    mapping = {m["header"]: (m["column"], m["mapped_to"]) for m in body["mapping"]}
    assert mapping["Place ID"] == ("A", "field:place_id")
    assert mapping["Families"] == ("G", "field:households")
    assert mapping["Camp"] == ("H", "shelter:camp")
    assert mapping["Rented houses"] == ("J", "shelter:rented_housing")
    assert mapping["Pre-June14"] == ("K", "period:pre_jun_2014")
    assert mapping["Origin: Ninewa"] == ("N", "origin:IQG15")
    assert body["errors"] == []
    assert snapshot() == before
    assessment_round.refresh_from_db()
    assert assessment_round.data_version == 0 and assessment_round.populations == []
    totals = personas.layla.client().get(f"/api/v1/dtm/rounds/{assessment_round.uid}/totals")
    assert totals.json() == {}


def test_a_committed_import_gives_the_figures(personas: Personas, gazetteer: None) -> None:
    assessment_round = round_open(personas)
    client = personas.layla.client()
    response = api_import(client, assessment_round.uid, wide_csv(), name="r90.csv")
    assert response.status_code == 201
    assert response.json()["dry_run"] is False
    figures = client.get(f"/api/v1/dtm/rounds/{assessment_round.uid}/figures", {"level": 1}).json()
    assert {f["pcode"]: f["individuals"] for f in figures} == by_governorate(PLACES)
    assert all(f["population"] == "idp" and f["level"] == 1 for f in figures)
    detail = client.get(f"/api/v1/dtm/rounds/{assessment_round.uid}").json()
    assert detail["populations"] == ["idp"] and detail["status"] == "draft"
    recorded = RoundImport.objects.get(round=assessment_round)
    assert (recorded.file, recorded.locations, recorded.households) == (
        "r90.csv",
        len(PLACES),
        national_households(PLACES),
    )
    assert recorded.imported_by == personas.layla.user
    audit = AuditEvent.objects.get(action="round.import", object_id=str(assessment_round.uid))
    assert audit.actor == personas.layla.user
    assert audit.detail["households"] == national_households(PLACES)


def test_a_file_with_errors_is_rejected_naming_file_row_column_and_rule(
    personas: Personas, gazetteer: None
) -> None:
    rows = wide_rows()
    rows[2][6] = -5  # row 3: negative families (column G)
    rows[3][7] += 1  # row 4: camp one too many, shelter no longer adds up (column H)
    rows[4][1] = "Atlantis"  # row 5: no such governorate (column B)
    assessment_round = round_open(personas)
    before = snapshot()
    response = api_import(
        personas.layla.client(), assessment_round.uid, csv_from_rows(rows), name="bad.csv"
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    found = {(e["file"], e["row"], e["column"], e["rule"]) for e in errors}
    assert {
        ("bad.csv", 3, "G", "negative"),
        ("bad.csv", 4, "H", "breakdown_sum"),
        ("bad.csv", 5, "B", "unknown_governorate"),
    } <= found
    assert all(e["severity"] == "error" and e["message"] for e in errors)
    assert snapshot() == before
    assert not AuditEvent.objects.filter(action="round.import").exists()


def test_a_file_missing_a_required_column_is_rejected(personas: Personas, gazetteer: None) -> None:
    rows = [row[:6] + row[7:] for row in wide_rows()]  # no "Families" column
    assessment_round = round_open(personas)
    response = api_import(personas.layla.client(), assessment_round.uid, csv_from_rows(rows))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["row"], error["rule"]) == (1, "missing_column")
    assert not LocationAssessment.objects.exists()


def test_importing_into_a_published_round_is_a_conflict(
    personas: Personas, published: AssessmentRound
) -> None:
    before = snapshot()
    changed = wide_csv(with_households(PLACES, {"7001": 500}))
    client = personas.layla.client()
    assert api_import(client, published.uid, changed).status_code == 409
    assert api_import(client, published.uid, changed, dry_run=True).status_code == 409
    assert snapshot() == before


def test_importing_the_same_file_twice_leaves_the_totals_unchanged(
    personas: Personas, gazetteer: None
) -> None:
    assessment_round = round_open(personas)
    client = personas.layla.client()
    url = f"/api/v1/dtm/rounds/{assessment_round.uid}"
    assert api_import(client, assessment_round.uid, wide_csv()).status_code == 201
    first = (client.get(f"{url}/totals").json(), client.get(f"{url}/figures?level=2").json())
    facts = (LocationAssessment.objects.count(), Breakdown.objects.count(), Rollup.objects.count())
    assert api_import(client, assessment_round.uid, wide_csv()).status_code == 201
    second = (client.get(f"{url}/totals").json(), client.get(f"{url}/figures?level=2").json())
    assert second == first
    assert first[0]["idp"]["individuals"] == national_individuals(PLACES)
    again = (LocationAssessment.objects.count(), Breakdown.objects.count(), Rollup.objects.count())
    assert again == facts
    assert RoundImport.objects.filter(round=assessment_round).count() == 2


def test_a_returnee_import_lives_beside_the_idps(
    personas: Personas, draft: AssessmentRound
) -> None:
    rows = [[c for i, c in enumerate(row) if i not in (10, 11)] for row in wide_rows()]
    client = personas.layla.client()
    response = api_import(client, draft.uid, csv_from_rows(rows), population="returnee")
    assert response.status_code == 201
    totals = client.get(f"/api/v1/dtm/rounds/{draft.uid}/totals").json()
    assert set(totals) == {"idp", "returnee"}
    assert totals["idp"] == totals["returnee"]


# --- 4. Exports ---------------------------------------------------------------------------------

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "hxl": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
EXTENSIONS = {"csv": "csv", "hxl": "csv", "xlsx": "xlsx", "geojson": "geojson"}
LEVELS = ["adm0", "adm1", "adm2", "adm3", "location"]


def export(client: Client, assessment_round: AssessmentRound, level: str, format: str) -> Any:
    return client.get(
        f"/api/v1/dtm/rounds/{assessment_round.uid}/export", {"level": level, "format": format}
    )


def csv_table(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_table(content: bytes) -> list[dict[str, Any]]:
    sheet = load_workbook(io.BytesIO(content), read_only=True)["figures"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = [str(name) for name in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


@pytest.mark.parametrize("format", list(CONTENT_TYPES))
def test_every_format_and_level_downloads_with_its_type_and_file_name(
    personas: Personas, published: AssessmentRound, format: str
) -> None:
    client = personas.ahmed.client()
    day = published.reference_date.strftime("%Y%m%d")
    for level in LEVELS:
        response = export(client, published, level, format)
        assert response.status_code == 200, level
        assert response["Content-Type"] == CONTENT_TYPES[format], level
        kind = "-hxl" if format == "hxl" else ""
        expected = f"dtm-round{published.number}-{level}-{day}{kind}.{EXTENSIONS[format]}"
        assert response["Content-Disposition"] == f'attachment; filename="{expected}"'
        assert response.content, level
        event = AuditEvent.objects.filter(action="round.export").latest("id")
        assert event.object_id == str(published.uid) and event.actor == personas.ahmed.user
        assert event.detail == {"level": level, "format": format, "bytes": len(response.content)}
    assert AuditEvent.objects.filter(action="round.export").count() == len(LEVELS)


def test_an_export_of_a_correction_names_its_version(
    personas: Personas, published: AssessmentRound
) -> None:
    client = personas.layla.client()
    correction = client.post(f"/api/v1/dtm/rounds/{published.uid}/correct").json()
    response = client.get(f"/api/v1/dtm/rounds/{correction['uid']}/export")
    assert response.status_code == 200
    assert f"dtm-round{published.number}-v2-adm1-" in response["Content-Disposition"]


def test_an_unknown_export_format_or_level_is_refused(
    personas: Personas, published: AssessmentRound
) -> None:
    client = personas.ahmed.client()
    assert export(client, published, "adm9", "csv").status_code == 422
    assert export(client, published, "adm1", "pdf").status_code == 422
    assert not AuditEvent.objects.filter(action="round.export").exists()


def test_the_hxl_export_carries_its_tags_on_the_second_row(
    personas: Personas, published: AssessmentRound
) -> None:
    response = export(personas.ahmed.client(), published, "adm1", "hxl")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, tags = rows[0], rows[1]
    assert len(header) == len(tags)
    assert {"#adm1+code", "#adm1+name", "#affected+idps+ind", "#date+reported"} <= set(tags)
    assert tags[header.index("adm1_pcode")] == "#adm1+code"
    assert tags[header.index("idp_individuals")] == "#affected+idps+ind"
    data = [dict(zip(header, row, strict=True)) for row in rows[2:]]
    assert {r["adm1_pcode"]: int(r["idp_individuals"]) for r in data} == by_governorate(PLACES)
    assert {r["reference_date"] for r in data} == {published.reference_date.isoformat()}


def test_the_csv_export_per_district_equals_the_api_figures(
    personas: Personas, published: AssessmentRound
) -> None:
    client = personas.ahmed.client()
    table = csv_table(export(client, published, "adm2", "csv").content)
    figures = client.get(f"/api/v1/dtm/rounds/{published.uid}/figures", {"level": 2}).json()
    assert {r["adm2_pcode"]: int(r["idp_individuals"]) for r in table} == {
        f["pcode"]: f["individuals"] for f in figures
    }
    assert {r["adm1_pcode"] for r in table} == set(by_governorate(PLACES))


def test_the_xlsx_export_opens_and_its_totals_equal_the_apis(
    personas: Personas, published: AssessmentRound
) -> None:
    client = personas.ahmed.client()
    totals = client.get(f"/api/v1/dtm/rounds/{published.uid}/totals").json()["idp"]
    governorates = xlsx_table(export(client, published, "adm1", "xlsx").content)
    assert sum(r["idp_individuals"] for r in governorates) == totals["individuals"]
    assert sum(r["idp_households"] for r in governorates) == totals["households"]
    [country] = xlsx_table(export(client, published, "adm0", "xlsx").content)
    assert country["adm0_pcode"] == "IQ"
    assert (country["idp_households"], country["idp_individuals"], country["locations"]) == (
        totals["households"],
        totals["individuals"],
        totals["locations"],
    )
    locations = xlsx_table(export(client, published, "location", "xlsx").content)
    assert sorted(r["place_id"] for r in locations) == sorted(p.place_id for p in PLACES)
    assert sum(r["idp_individuals"] for r in locations) == totals["individuals"]


def test_exports_carry_every_breakdown_at_every_level_and_say_what_they_hold(
    personas: Personas, published: AssessmentRound
) -> None:
    client = personas.ahmed.client()
    camp = {p.place_id: p.shelter()[0] for p in PLACES}
    anbar = {p.place_id: p.origin()[0] for p in PLACES}
    locations = xlsx_table(export(client, published, "location", "xlsx").content)
    assert {r["place_id"]: r["idp_shelter_camp_households"] for r in locations} == camp
    assert {r["place_id"]: r["idp_origin_iqg01_households"] for r in locations} == anbar
    [country] = xlsx_table(export(client, published, "adm0", "xlsx").content)
    assert country["idp_shelter_camp_households"] == sum(camp.values())
    governorates = csv_table(export(client, published, "adm1", "csv").content)
    assert sum(int(r["idp_origin_iqg01_households"]) for r in governorates) == sum(anbar.values())
    # The same breakdown columns at every level, and the HXL file tags them as parts of a count.
    header, tags = list(
        csv.reader(
            io.StringIO(export(client, published, "adm2", "hxl").content.decode("utf-8-sig"))
        )
    )[:2]
    assert [h for h in header if "_shelter_" in h] == [h for h in country if "_shelter_" in h]
    assert tags[header.index("idp_shelter_camp_individuals")] == "#affected+idps+ind+shelter+camp"
    book = load_workbook(io.BytesIO(export(client, published, "adm1", "xlsx").content))
    about = {row[0].value: str(row[1].value) for row in book["about"].iter_rows()}
    assert about["source"] == published.organisation.name
    assert about["reference date"] == published.reference_date.isoformat()
    assert about["status"] == "published"
    assert "key informants" in about["methodology"]
    assert about["licence"].startswith("not stated")
    meanings = {row[0].value: row[2].value for row in book["columns"].iter_rows(min_row=2)}
    assert meanings["idp_origin_iqg01_households"] == "IDP households from Al-Anbar"


def test_a_draft_export_says_it_is_not_published(
    personas: Personas, draft: AssessmentRound
) -> None:
    book = load_workbook(io.BytesIO(export(personas.layla.client(), draft, "adm1", "xlsx").content))
    about = {row[0].value: str(row[1].value) for row in book["about"].iter_rows()}
    assert "NOT PUBLISHED" in about["status"]


@pytest.mark.parametrize(("level", "units"), [("adm0", 1), ("adm1", 4), ("adm2", 5)])
def test_the_geojson_export_has_one_feature_per_unit(
    personas: Personas, published: AssessmentRound, level: str, units: int
) -> None:
    client = personas.ahmed.client()
    collection = json.loads(export(client, published, level, "geojson").content)
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert len(features) == units
    number = int(level[-1])
    figures = client.get(f"/api/v1/dtm/rounds/{published.uid}/figures", {"level": number}).json()
    assert {f["properties"][f"adm{number}_pcode"] for f in features} == {
        f["pcode"] for f in figures
    }
    for feature in features:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"  # no boundaries loaded: label points


def test_the_geojson_export_of_locations_has_their_points(
    personas: Personas, published: AssessmentRound
) -> None:
    collection = json.loads(
        export(personas.ahmed.client(), published, "location", "geojson").content
    )
    points = {
        f["properties"]["place_id"]: f["geometry"]["coordinates"] for f in collection["features"]
    }
    assert points == {p.place_id: [p.longitude, p.latitude] for p in PLACES}


FORMULAS = ['=HYPERLINK("http://x")', "+1+cmd|' /C calc'!A0", "@SUM(A1:A9)", "-2+3"]


def test_a_location_name_that_is_a_formula_comes_out_neutralised(
    personas: Personas, gazetteer: None
) -> None:
    formulas = {
        f"709{i}": Place(f"709{i}", "Anbar", "Falluja", name, 33.3, 43.78, 30)
        for i, name in enumerate(FORMULAS)
    }
    published = round_imported(personas, (*PLACES, *formulas.values()), publish=True)
    expected = {place_id: "'" + p.name for place_id, p in formulas.items()}
    client = personas.ahmed.client()
    table = csv_table(export(client, published, "location", "csv").content)
    names = {r["place_id"]: r["location_name"] for r in table}
    assert {k: names[k] for k in formulas} == expected
    assert names["7001"] == "Zakho centre"  # plain names stay as they are
    sheet = xlsx_table(export(client, published, "location", "xlsx").content)
    assert {r["place_id"]: r["location_name"] for r in sheet if r["place_id"] in formulas} == (
        expected
    )
    hxl = export(client, published, "location", "hxl").content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(hxl)) for cell in row]
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    # The names themselves are kept as given: only the exports neutralise them.
    assert Location.objects.get(external_id="7090").name_en == FORMULAS[0]


def test_exports_audit_who_exported_what_and_no_personal_values(
    personas: Personas, published: AssessmentRound
) -> None:
    token = bearer_client(personas.outsider.token())
    for format in CONTENT_TYPES:
        assert export(token, published, "location", format).status_code == 200
    events = AuditEvent.objects.filter(action="round.export").order_by("id")
    assert [e.detail["format"] for e in events] == list(CONTENT_TYPES)
    names = [p.name for p in PLACES]
    for event in events:
        assert event.actor == personas.outsider.user
        assert event.organisation == personas.iom
        assert set(event.detail) == {"level", "format", "bytes"}
        assert not any(name in json.dumps(event.detail) for name in names)


# --- 5. Figures ---------------------------------------------------------------------------------

DIMENSIONS = ["total", "shelter_group", "shelter", "period", "origin"]


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_figures_at_every_level_and_dimension_add_up_to_the_national_total(
    personas: Personas, published: AssessmentRound, dimension: str
) -> None:
    client = personas.ahmed.client()
    url = f"/api/v1/dtm/rounds/{published.uid}/figures"
    for level in (0, 1, 2):
        figures = client.get(url, {"level": level, "dimension": dimension}).json()
        assert figures and all(f["level"] == level for f in figures), level
        assert sum(f["households"] for f in figures) == national_households(PLACES), level
        assert sum(f["individuals"] for f in figures) == national_individuals(PLACES), level
        assert {len(f["pcode"]) for f in figures} == {PCODE_LENGTH[level]}, level
        if dimension == "total":
            assert sum(f["locations"] for f in figures) == len(PLACES), level
            assert {f["category"] for f in figures} == {""}, level
    # Without boundaries no subdistrict is known: level 3 holds nothing rather than a guess.
    assert client.get(url, {"level": "3", "dimension": dimension}).json() == []
    assert client.get(url, {"level": 4}).status_code == 422


def test_figures_by_shelter_group_period_and_origin_hold_the_files_categories(
    personas: Personas, published: AssessmentRound
) -> None:
    client = personas.ahmed.client()
    url = f"/api/v1/dtm/rounds/{published.uid}/figures"

    def national(dimension: str) -> dict[str, int]:
        rows = client.get(url, {"level": "0", "dimension": dimension}).json()
        return {f["category"]: f["households"] for f in rows}

    assert national("shelter_group") == {
        "camp": sum(p.shelter()[0] for p in PLACES),
        "private_settings": sum(p.shelter()[1] + p.shelter()[2] for p in PLACES),
    }
    assert national("period") == {
        "pre_jun_2014": sum(p.period()[0] for p in PLACES),
        "post_mar_2016": sum(p.period()[1] for p in PLACES),
    }
    assert national("origin") == {
        "IQG01": sum(p.origin()[0] for p in PLACES),
        "IQG15": sum(p.origin()[1] for p in PLACES),
    }


def test_within_keeps_to_a_governorates_districts(
    personas: Personas, published: AssessmentRound
) -> None:
    client = personas.ahmed.client()
    url = f"/api/v1/dtm/rounds/{published.uid}"
    districts = client.get(f"{url}/figures", {"level": "2", "within": "IQG09"}).json()
    assert {f["pcode"] for f in districts} == {"IQG09Q04", "IQG09Q03"}  # Zakho, Sumail
    dahuk = [p for p in PLACES if p.governorate == "Dahuk"]
    assert sum(f["individuals"] for f in districts) == national_individuals(dahuk)
    lower = client.get(f"{url}/figures", {"level": "2", "within": "iqg09"}).json()
    assert lower == districts
    governorate = client.get(f"{url}/figures", {"level": "1", "within": "IQG09"}).json()
    assert [f["pcode"] for f in governorate] == ["IQG09"]
    totals = client.get(f"{url}/totals", {"within": "IQG09"}).json()
    assert totals["idp"]["individuals"] == national_individuals(dahuk)
    assert totals["idp"]["locations"] == len(dahuk)
    assert client.get(f"{url}/figures", {"within": "IQG99"}).status_code == 404


def test_flows_go_from_the_governorate_of_origin_to_the_current_one(
    personas: Personas, published: AssessmentRound
) -> None:
    flows = personas.ahmed.client().get(f"/api/v1/dtm/rounds/{published.uid}/flows").json()
    expected: dict[str, dict[str, int]] = {"IQG01": {}, "IQG15": {}}
    for place in PLACES:
        for origin, households in zip(("IQG01", "IQG15"), place.origin(), strict=True):
            current = expected[origin]
            current[place.adm1] = current.get(place.adm1, 0) + households * 6
    assert flows == expected
    assert sum(sum(row.values()) for row in flows.values()) == national_individuals(PLACES)


def test_locations_paginate_in_order_of_size(personas: Personas, gazetteer: None) -> None:
    places = many_places(25)
    published = round_imported(personas, places, publish=True)
    client = personas.ahmed.client()
    url = f"/api/v1/dtm/rounds/{published.uid}/locations"
    pages = [client.get(url, {"limit": 10, "offset": offset}).json() for offset in (0, 10, 20)]
    assert [len(page) for page in pages] == [10, 10, 5]
    ids = [row["place_id"] for page in pages for row in page]
    assert len(set(ids)) == 25 and set(ids) == {p.place_id for p in places}
    sizes = [row["individuals"] for page in pages for row in page]
    assert sizes == sorted(sizes, reverse=True)
    assert client.get(url, {"offset": 25}).json() == []
    dahuk = client.get(url, {"within": "IQG09", "limit": "100"}).json()
    assert {row["adm1"] for row in dahuk} == {"IQG09"}
    assert len(dahuk) == sum(1 for p in places if p.governorate == "Dahuk")
    first = pages[0][0]
    biggest = max(places, key=lambda p: p.households)
    assert (first["place_id"], first["households"], first["latitude"]) == (
        biggest.place_id,
        biggest.households,
        biggest.latitude,
    )
    assert client.get(url, {"limit": 0}).status_code == 422
    assert client.get(url, {"limit": 5001}).status_code == 422


# --- 6. Movements -------------------------------------------------------------------------------


def movement_payload(
    personas: Personas,
    place_id: str,
    *,
    event: str = "Sinjar flooding",
    direction: str = "arrival",
    households: int = 10,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "organisation_id": str(personas.iom.pk),
        "event": event,
        "date": "2017-03-01",
        "place_id": place_id,
        "population": "idp",
        "direction": direction,
        "households": households,
        **extra,
    }


def test_the_information_manager_records_movements_and_they_sum_per_event_and_governorate(
    personas: Personas, published: AssessmentRound
) -> None:
    client = personas.layla.client()

    def record(place_id: str, **kwargs: Any) -> Any:
        return client.post(
            "/api/v1/dtm/movements",
            movement_payload(personas, place_id, **kwargs),
            content_type="application/json",
        )

    first = record("7001", households=10, cause="flood")
    assert first.status_code == 201
    body = first.json()
    assert (body["place_id"], body["adm1"], body["individuals"], body["cause"]) == (
        "7001",
        "IQG09",
        60,
        "flood",
    )
    assert record("7002", households=5, individuals=20).status_code == 201
    assert record("7004", households=7, direction="departure").status_code == 201
    assert record("7004", households=3, event="Mosul heat").status_code == 201
    assert MovementEvent.objects.count() == 4
    audit = AuditEvent.objects.filter(action="movement.record")
    assert audit.count() == 4 and {e.actor for e in audit} == {personas.layla.user}

    # Not published until a round of IOM's dated on or after them is: drafts to everyone else.
    reader = personas.ahmed.client()
    assert reader.get("/api/v1/dtm/movements/totals").json() == []
    assert len(client.get("/api/v1/dtm/movements/totals").json()) == 3
    covering = services.round_create(
        actor=personas.layla.user,
        organisation=personas.iom,
        number=NEXT_ROUND,
        reference_date=date(2017, 3, 1),
    )
    assert reader.get("/api/v1/dtm/movements/totals").json() == []
    AssessmentRound.objects.filter(pk=covering.pk).update(status=RoundStatus.PUBLISHED)
    totals = reader.get("/api/v1/dtm/movements/totals", {"event": "Sinjar flooding"}).json()
    assert {(t["pcode"], t["direction"]): (t["households"], t["individuals"]) for t in totals} == {
        ("IQG09", "arrival"): (15, 80),
        ("IQG15", "departure"): (7, 42),
    }
    every = reader.get("/api/v1/dtm/movements/totals").json()
    assert {t["event"] for t in every} == {"Sinjar flooding", "Mosul heat"}
    districts = reader.get(
        "/api/v1/dtm/movements/totals", {"event": "Sinjar flooding", "level": "2"}
    ).json()
    assert {(t["pcode"], t["households"]) for t in districts if t["direction"] == "arrival"} == {
        ("IQG09Q04", 10),
        ("IQG09Q03", 5),
    }
    # Movements are kept apart from the round's figures.
    totals_after = reader.get(f"/api/v1/dtm/rounds/{published.uid}/totals").json()
    assert totals_after["idp"]["households"] == national_households(PLACES)


def test_a_movement_at_an_unknown_place_is_404(
    personas: Personas, published: AssessmentRound
) -> None:
    response = personas.layla.client().post(
        "/api/v1/dtm/movements",
        movement_payload(personas, "no-such-place"),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert "unknown place" in response.json()["detail"]
    assert not MovementEvent.objects.exists()


def test_a_movement_with_a_negative_count_is_refused(
    personas: Personas, published: AssessmentRound
) -> None:
    response = personas.layla.client().post(
        "/api/v1/dtm/movements",
        movement_payload(personas, "7001", households=-1),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert not MovementEvent.objects.exists()


# --- 8. Warnings --------------------------------------------------------------------------------

COD_AB = [
    (0, "irq_admbnda_adm0_cso_itos_20190603.geojson"),
    (1, "irq_admbnda_adm1_cso_20190603.geojson"),
    (2, "irq_admbnda_adm2_cso_20190603.geojson"),
    (3, "irq_admbnda_adm3_cso_20190603.geojson"),
]


@pytest.fixture
def boundaries(gazetteer: None, shared: Path) -> None:
    """Iraq's COD-AB boundaries (levels 0-3), imported through the geo service."""
    for level, name in COD_AB:
        geo_services.boundaries_import(
            file=shared / "reference" / "iraq" / "cod-ab" / name, level=level
        )


KM = re.compile(r"is (\d+(?:\.\d+)?) km outside")


@pytest.mark.shared_data
def test_a_point_in_another_governorate_is_a_warning_with_the_distance(
    personas: Personas, boundaries: None
) -> None:
    # Ankawa's point (in Erbil) filed under Dahuk's Zakho district.
    stray = Place("7010", "Dahuk", "Zakho", "Stray point", 36.2297, 43.9931, 40)
    places = (*PLACES, stray)
    assessment_round = round_open(personas)
    client = personas.layla.client()
    dry = api_import(client, assessment_round.uid, wide_csv(places), name="r.csv", dry_run=True)
    assert dry.status_code == 200
    committed = api_import(client, assessment_round.uid, wide_csv(places), name="r.csv")
    assert committed.status_code == 201
    for response in (dry, committed):
        [warning] = response.json()["warnings"]
        assert (warning["file"], warning["row"], warning["column"]) == ("r.csv", 7, "E")
        assert (warning["rule"], warning["severity"]) == ("outside_governorate", "warning")
        assert "Duhok" in warning["message"]
        found = KM.search(warning["message"])
        assert found is not None, warning["message"]
        assert 5 < float(found.group(1)) < 200
    totals = client.get(f"/api/v1/dtm/rounds/{assessment_round.uid}/totals").json()
    assert totals["idp"]["locations"] == len(places)
    [stored] = RoundImport.objects.get(round=assessment_round).warnings
    assert stored["rule"] == "outside_governorate"


@pytest.mark.shared_data
def test_with_boundaries_subdistrict_figures_add_up_to_the_national_total(
    personas: Personas, boundaries: None
) -> None:
    published = round_imported(personas, publish=True)
    client = personas.ahmed.client()
    url = f"/api/v1/dtm/rounds/{published.uid}/figures"
    for dimension in DIMENSIONS:
        for level in (0, 1, 2, 3):
            figures = client.get(url, {"level": level, "dimension": dimension}).json()
            where = (dimension, level)
            assert sum(f["households"] for f in figures) == national_households(PLACES), where
            assert sum(f["individuals"] for f in figures) == national_individuals(PLACES), where
            assert {len(f["pcode"]) for f in figures} == {PCODE_LENGTH[level]}, where
        inside = client.get(url, {"level": "3", "within": "IQG09", "dimension": dimension}).json()
        assert {f["pcode"][:5] for f in inside} == {"IQG09"}
        dahuk = [p for p in PLACES if p.governorate == "Dahuk"]
        assert sum(f["households"] for f in inside) == national_households(dahuk)


def test_a_large_change_since_the_previous_round_is_a_warning(
    personas: Personas, published: AssessmentRound
) -> None:
    # 7001: 120 -> 300 (+150%); 7004: 200 -> 90 (-55%); 7002: 60 -> 80 (+33%, no warning).
    places = with_households(PLACES, {"7001": 300, "7004": 90, "7002": 80})
    following = round_open(personas, NEXT_ROUND)
    client = personas.layla.client()
    response = api_import(client, following.uid, wide_csv(places), name="r91.csv")
    assert response.status_code == 201
    warnings = response.json()["warnings"]
    assert [(w["row"], w["column"], w["rule"]) for w in warnings] == [
        (2, "G", "large_change"),
        (5, "G", "large_change"),
    ]
    assert "120 households in the previous round, 300 now" in warnings[0]["message"]
    assert "+150%" in warnings[0]["message"] and "-55%" in warnings[1]["message"]
    totals = client.get(f"/api/v1/dtm/rounds/{following.uid}/totals").json()
    assert totals["idp"]["households"] == national_households(places)
    assert len(RoundImport.objects.get(round=following).warnings) == 2


def test_no_warning_without_a_previous_round(personas: Personas, gazetteer: None) -> None:
    assessment_round = round_open(personas)
    response = api_import(personas.layla.client(), assessment_round.uid, wide_csv())
    assert response.status_code == 201
    assert response.json()["warnings"] == []
