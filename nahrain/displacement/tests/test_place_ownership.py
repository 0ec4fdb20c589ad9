"""Places have an owner: one organisation's import never decides where another's figures go,
and a draft never shows another organisation a name, a point or a figure.

The first test replays the finding as it was found; the others pin the rule down (references to
the steward's master list, changes waiting for publication, explicit edits with history).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client

from nahrain.core import services as core_services
from nahrain.core.models import Organisation, OrganisationType, Role
from nahrain.displacement import services
from nahrain.displacement.models import AssessmentRound, LocationAssessment, RoundStatus
from nahrain.displacement.tests.builders import Place, api_import, wide_csv
from nahrain.geo import services as geo_services
from nahrain.geo.models import Location, LocationChange, LocationKind
from nahrain.testing.personas import PASSWORD, Persona, Personas

pytestmark = pytest.mark.django_db

ZAKHO = Place("88001", "Dahuk", "Zakho", "Zakho camp road", 37.1436, 42.6818, 1000)
BASRAH = Place("88001", "Basrah", "Basrah", "Basrah riverside", 30.5081, 47.7835, 25)


@dataclass
class World:
    personas: Personas
    mdm: Organisation
    mariam: Persona  # MdM's information manager

    @property
    def layla(self) -> Persona:
        return self.personas.layla

    def round(self, persona: Persona, number: int) -> AssessmentRound:
        assert persona.organisation is not None
        return services.round_create(
            actor=persona.user,
            organisation=persona.organisation,
            number=number,
            reference_date=date(2020, 1, number % 28 + 1),
        )


@pytest.fixture
def world(personas: Personas, gazetteer: None) -> World:
    mdm = core_services.organisation_create(
        actor=None, name="Médecins du Monde", acronym="MdM", type=OrganisationType.INGO
    )
    user = core_services.user_create(username="mariam", password=PASSWORD)
    core_services.membership_add(
        actor=None, user=user, organisation=mdm, role=Role.INFORMATION_MANAGER
    )
    return World(personas=personas, mdm=mdm, mariam=Persona(user=user, organisation=mdm))


@pytest.fixture
def steward(world: World) -> None:
    """IOM keeps the DTM master list, as in Iraq."""
    geo_services.location_steward_set(
        actor=None, kind=LocationKind.DTM_PLACE, organisation=world.personas.iom
    )


def publish(client: Client, assessment_round: AssessmentRound, query: str = "") -> None:
    for action in ("validate", "publish"):
        response = client.post(f"/api/v1/dtm/rounds/{assessment_round.uid}/{action}{query}")
        assert response.status_code == 200, response.json()


def located(client: Client, assessment_round: AssessmentRound) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/dtm/rounds/{assessment_round.uid}/locations")
    assert response.status_code == 200
    return list(response.json())


def exported(client: Client, assessment_round: AssessmentRound) -> str:
    response = client.get(
        f"/api/v1/dtm/rounds/{assessment_round.uid}/export", {"level": "location"}
    )
    assert response.status_code == 200
    return response.content.decode()


def rules(response: Any, kind: str = "warnings") -> list[str]:
    return [p["rule"] for p in response.json()[kind]]


# --- the finding as it was found --------------------------------------------------------------


def test_another_organisations_draft_no_longer_decides_where_published_figures_go(
    world: World, steward: None
) -> None:
    mdm_draft = world.round(world.mariam, 50)
    mariam = world.mariam.client()
    assert api_import(mariam, mdm_draft.uid, wide_csv([BASRAH])).status_code == 201

    iom_round = world.round(world.layla, 50)
    layla = world.layla.client()
    assert api_import(layla, iom_round.uid, wide_csv([ZAKHO])).status_code == 201
    publish(layla, iom_round)

    viewer = world.personas.ahmed.client()
    [row] = located(viewer, iom_round)
    assert (row["place_id"], row["adm1"], row["adm2"]) == ("88001", "IQG09", "IQG09Q04")
    assert row["name_en"] == ZAKHO.name and row["households"] == 1000
    totals = viewer.get(f"/api/v1/dtm/rounds/{iom_round.uid}/figures", {"level": 1}).json()
    assert {f["pcode"]: f["households"] for f in totals} == {"IQG09": 1000}
    # MdM's draft keeps its own place, name and district; IOM's never shows in it.
    [own] = located(mariam, mdm_draft)
    assert (own["name_en"], own["adm1"]) == (BASRAH.name, "IQG02")
    assert ZAKHO.name not in exported(mariam, mdm_draft)
    assert BASRAH.name not in exported(viewer, iom_round)


def test_a_steward_draft_name_never_reaches_another_organisations_export(
    world: World, steward: None
) -> None:
    iom_draft = world.round(world.layla, 51)
    services.round_import(
        actor=world.layla.user,
        assessment_round=iom_draft,
        data=wide_csv([ZAKHO]),
        file="iom.csv",
        population="idp",
    )
    mdm_draft = world.round(world.mariam, 51)
    mariam = world.mariam.client()
    response = api_import(mariam, mdm_draft.uid, wide_csv([BASRAH]))
    # IOM's place is a draft: MdM does not reference it, and is told nothing of it.
    assert response.status_code == 201 and rules(response) == []
    assert ZAKHO.name not in exported(mariam, mdm_draft)
    owners = set(Location.objects.filter(external_id="88001").values_list("owner__acronym"))
    assert owners == {("IOM",), ("MdM",)}


# --- references to the steward's master list -------------------------------------------------


@pytest.fixture
def master_list(world: World, steward: None) -> AssessmentRound:
    """IOM's published round holding Zakho's 88001."""
    iom_round = world.round(world.layla, 60)
    layla = world.layla.client()
    assert api_import(layla, iom_round.uid, wide_csv([ZAKHO])).status_code == 201
    publish(layla, iom_round)
    return iom_round


def test_a_reference_in_another_district_is_an_error_naming_both(
    world: World, master_list: AssessmentRound
) -> None:
    mdm_draft = world.round(world.mariam, 60)
    response = api_import(world.mariam.client(), mdm_draft.uid, wide_csv([BASRAH]))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["rule"] == "master_list_district" and error["row"] == 2
    assert "Zakho" in error["message"] and "IOM" in error["message"]
    assert "Basrah" in error["message"]
    assert not LocationAssessment.objects.filter(round=mdm_draft).exists()
    assert Location.objects.filter(external_id="88001").count() == 1


def test_a_reference_with_another_name_is_counted_at_the_stewards_place_with_a_warning(
    world: World, master_list: AssessmentRound
) -> None:
    renamed = Place("88001", "Dahuk", "Zakho", "Zakho road camp", 37.20, 42.6818, 40)
    mdm_draft = world.round(world.mariam, 60)
    response = api_import(world.mariam.client(), mdm_draft.uid, wide_csv([renamed]))
    assert response.status_code == 201
    assert rules(response) == ["master_list_name", "master_list_point"]
    [fact] = LocationAssessment.objects.filter(round=mdm_draft).select_related("location")
    assert fact.location.owner == world.personas.iom
    assert fact.location.name_en == ZAKHO.name  # the steward's, untouched
    assert fact.adm2 is not None and fact.adm2.pcode == "IQG09Q04"


def test_a_place_the_master_list_lacks_stays_its_importers_until_published(
    world: World, master_list: AssessmentRound
) -> None:
    from nahrain.displacement import fieldforms

    new = Place("99001", "Erbil", "Erbil", "MdM mobile clinic stop", 36.19, 44.01, 12)
    mdm_round = world.round(world.mariam, 61)
    mariam = world.mariam.client()
    assert api_import(mariam, mdm_round.uid, wide_csv([new])).status_code == 201
    iom_list = fieldforms.media_files(organisation_id=world.personas.iom.pk)["locations.csv"]
    mdm_list = fieldforms.media_files(organisation_id=world.mdm.pk)["locations.csv"]
    assert b"99001" not in iom_list and b"99001" in mdm_list
    assert b"88001" in iom_list and b"88001" in mdm_list  # the canonical list for both
    location = Location.objects.get(external_id="99001")
    assert location.owner == world.mdm and location.published_at is None
    viewer = world.personas.ahmed.client()
    assert viewer.get(f"/api/v1/geo/locations/{location.uid}").status_code == 404
    publish(mariam, mdm_round)
    location.refresh_from_db()
    assert location.published_at is not None
    assert viewer.get(f"/api/v1/geo/locations/{location.uid}").json()["canonical"] is False
    # Published, it is part of MdM's figures, not of the master list IOM stewards.
    iom_after = fieldforms.media_files(organisation_id=world.personas.iom.pk)["locations.csv"]
    assert b"99001" not in iom_after


# --- the owner's own changes wait for publication ----------------------------------------------


def test_a_draft_renaming_a_published_place_changes_nothing_others_see_until_published(
    world: World, master_list: AssessmentRound
) -> None:
    moved = Place("88001", "Dahuk", "Sumail", "Sumail new camp", 36.8586, 42.8447, 900)
    draft = world.round(world.layla, 61)
    layla = world.layla.client()
    response = api_import(layla, draft.uid, wide_csv([moved]))
    assert response.status_code == 201 and rules(response) == ["place_change"]
    viewer = world.personas.ahmed.client()
    [before] = located(viewer, master_list)
    assert (before["name_en"], before["latitude"]) == (ZAKHO.name, ZAKHO.latitude)
    assert "Sumail new camp" not in exported(viewer, master_list)
    assert "Sumail new camp" not in exported(world.mariam.client(), master_list)
    # The draft's own figures count where its file puts the place.
    [fact] = LocationAssessment.objects.filter(round=draft)
    assert fact.adm2 is not None and fact.adm2.pcode == "IQG09Q03"

    publish(layla, draft)
    location = Location.objects.get(external_id="88001")
    assert (location.name_en, location.latitude) == ("Sumail new camp", 36.8586)
    [change] = LocationChange.objects.filter(location=location)
    assert change.source == "round 61 v1" and change.before["name_en"] == ZAKHO.name
    history = viewer.get(f"/api/v1/geo/locations/{location.uid}").json()["history"]
    assert [h["after"]["name_en"] for h in history] == ["Sumail new camp"]
    # The earlier round stays counted where it was counted.
    [old] = LocationAssessment.objects.filter(round=master_list)
    assert old.adm2 is not None and old.adm2.pcode == "IQG09Q04"


def test_the_stewards_information_manager_edits_the_master_list_with_history(
    world: World, master_list: AssessmentRound
) -> None:
    location = Location.objects.get(external_id="88001")
    url = f"/api/v1/geo/locations/{location.uid}"
    body = {"name_ar": "طريق مخيم زاخو", "latitude": 37.15, "longitude": ZAKHO.longitude}
    for refused in (world.mariam, world.personas.hana, world.personas.ahmed):
        response = refused.client().patch(url, body, content_type="application/json")
        assert response.status_code == 404
    response = world.layla.client().patch(url, body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["name_ar"] == "طريق مخيم زاخو"
    [change] = response.json()["history"]
    assert change["source"] == "edit"
    assert change["before"] == {"name_ar": "", "latitude": ZAKHO.latitude}
    invalid = world.layla.client().patch(url, {"admin_unit": "IQX99"}, "application/json")
    assert invalid.status_code == 422


def test_a_master_list_row_counts_once_however_often_it_is_imported(
    world: World, master_list: AssessmentRound
) -> None:
    mdm_draft = world.round(world.mariam, 62)
    mariam = world.mariam.client()
    same = Place("88001", "Dahuk", "Zakho", ZAKHO.name, ZAKHO.latitude, ZAKHO.longitude, 30)
    for _ in range(2):
        assert api_import(mariam, mdm_draft.uid, wide_csv([same])).status_code == 201
    assert LocationAssessment.objects.filter(round=mdm_draft).count() == 1
    assert Location.objects.filter(external_id="88001").count() == 1
    assert mdm_draft.status == RoundStatus.DRAFT


def test_a_list_without_points_leaves_the_known_point_alone(
    world: World, master_list: AssessmentRound
) -> None:
    pointless = Place("88001", "Dahuk", "Zakho", ZAKHO.name, None, None, 990)
    draft = world.round(world.layla, 63)
    response = api_import(world.layla.client(), draft.uid, wide_csv([pointless]))
    assert response.status_code == 201 and rules(response) == []
    publish(world.layla.client(), draft)
    location = Location.objects.get(external_id="88001")
    assert (location.latitude, location.longitude) == (ZAKHO.latitude, ZAKHO.longitude)
    assert not LocationChange.objects.exists()


def test_the_place_page_links_to_the_location_its_keeper_corrects_with_history(
    world: World, master_list: AssessmentRound
) -> None:
    location = Location.objects.get(external_id="88001")
    place_page = world.personas.ahmed.client().get(
        f"/dtm/overview/place/88001/?round={master_list.uid}"
    )
    url = f"/geo/locations/{location.uid}/"
    assert url in place_page.content.decode()
    page = world.personas.ahmed.client().get(url).content.decode()
    assert "In the master list that every organisation uses" in page
    assert "Correct this location" not in page

    form = {"name_en": "Zakho camp road", "name_ar": "", "admin_unit": "IQG09Q03"}
    assert world.mariam.client().post(url, form).status_code == 404
    refused = world.layla.client().post(url, {**form, "admin_unit": "IQG09"})
    assert "No district or subdistrict has this p-code." in refused.content.decode()
    assert world.layla.client().post(url, form).status_code == 302
    page = world.personas.ahmed.client().get(url).content.decode()
    assert "Corrected by an information manager" in page
    assert "<bdi>Zakho</bdi></td>\n        <td><bdi>Sumail</bdi>" in page


def test_a_reference_place_known_only_to_its_governorate_counts_in_the_files_district(
    world: World,
) -> None:
    from django.utils import timezone

    from nahrain.geo.models import AdminUnit

    Location.objects.create(
        external_id="88001",
        name_en=ZAKHO.name,
        admin_unit=AdminUnit.objects.get(pcode="IQG09"),
        published_at=timezone.now(),
    )
    mariam = world.mariam.client()
    elsewhere = api_import(mariam, world.round(world.mariam, 64).uid, wide_csv([BASRAH]))
    assert elsewhere.status_code == 422
    assert rules(elsewhere, "errors") == ["master_list_district"]
    assert "the server's reference list" in elsewhere.json()["errors"][0]["message"]
    draft = world.round(world.mariam, 65)
    assert api_import(mariam, draft.uid, wide_csv([ZAKHO])).status_code == 201
    [fact] = LocationAssessment.objects.filter(round=draft)
    assert fact.adm2 is not None and fact.adm2.pcode == "IQG09Q04"
    assert fact.location.owner is None


def test_places_are_looked_up_in_batches_with_the_same_result(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nahrain.displacement.tests.builders import PLACES
    from nahrain.geo import selectors as geo_selectors

    monkeypatch.setattr(geo_selectors, "ID_BATCH", 2)
    first = world.round(world.layla, 66)
    layla = world.layla.client()
    assert api_import(layla, first.uid, wide_csv(PLACES)).status_code == 201
    publish(layla, first)
    renamed = [
        Place(
            p.place_id,
            p.governorate,
            p.district,
            p.name + " (new)",
            p.latitude,
            p.longitude,
            p.households,
        )
        for p in PLACES
    ]
    second = world.round(world.layla, 67)
    response = api_import(layla, second.uid, wide_csv(renamed))
    assert response.json()["new_locations"] == 0
    assert rules(response) == ["place_change"] * len(PLACES)
    assert Location.objects.count() == len(PLACES)
    # Renamed places, the same figures: the national totals of the first round, confirmed.
    publish(layla, second, "?confirm_duplicate=true")
    assert LocationChange.objects.count() == len(PLACES)


def test_an_edit_cannot_leave_half_a_point_or_put_a_place_in_a_governorate(
    world: World, master_list: AssessmentRound
) -> None:
    location = Location.objects.get(external_id="88001")
    url = f"/api/v1/geo/locations/{location.uid}"
    layla = world.layla.client()
    for body in ({"latitude": 37.2}, {"admin_unit": "IQG09"}):
        assert layla.patch(url, body, content_type="application/json").status_code == 422
    location.refresh_from_db()
    assert location.admin_unit is not None
    assert (location.latitude, location.admin_unit.pcode) == (ZAKHO.latitude, "IQG09Q04")
