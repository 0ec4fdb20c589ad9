"""The directory's files: Open Referral HSDS 3.0 (JSON) and an HXL-tagged CSV in the 3W shape,
from the page and the API. They parse, carry the HSDS field names and the HXL tags, hold only
current entries open today (never a draft, a waiting edit or an archived point), follow the
search's criteria, and each download is audited."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

import pytest

from nahrain.core.models import AuditEvent
from nahrain.referrals import directory_services
from nahrain.referrals.models import ServicePoint
from nahrain.referrals.tests import builders
from nahrain.referrals.tests.permissions_directory import redraft
from nahrain.referrals.tests.test_directory_search import khanke, mobile_team
from nahrain.testing.personas import Personas

# HSDS 3.0's required fields of each object (openreferral/specification, tag v3.0).
REQUIRED = {
    "organizations": {"id", "name", "description"},
    "services": {"id", "name", "status", "organization_id"},
    "locations": {"id", "location_type"},
    "service_at_locations": {"id", "service_id", "location_id"},
    "addresses": {
        "id",
        "address_1",
        "city",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    },
    "phones": {"id", "number"},
    "schedules": {"id"},
    "languages": {"id"},
    "taxonomies": {"id", "name", "description"},
    "taxonomy_terms": {"id", "name", "description"},
    "attributes": {"id", "link_id", "taxonomy_term_id", "link_entity"},
}


@pytest.fixture
def points(personas: Personas) -> dict[str, ServicePoint]:
    """The standard points of Zakho and DAMA's mobile team; an IOM point only drafted, the
    CRC's edit waiting, and INTERSOS's legal office archived."""
    found = builders.standard_points(personas)
    found["mobile"] = mobile_team(personas, khanke(personas))
    found["draft"] = builders.point(
        personas.iom, kind="crc", name_en="IOM draft CRC", services_offered=("cash",), publish=False
    )
    redraft(found["crc"], name_en="IOM renamed CRC")
    directory_services.point_archive(actor=builders.mapper(personas.intersos), point=found["legal"])
    return found


def _hsds(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content[:500]
    document: dict[str, Any] = json.loads(response.content)
    return document


def _hxl(response: Any) -> tuple[list[str], list[dict[str, str]]]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, tags, *body = rows
    return tags, [dict(zip(header, row, strict=True)) for row in body]


def test_the_hsds_file_holds_the_current_directory(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    response = personas.ahmed.client().get("/services/export/hsds/")
    assert "attachment" in response["Content-Disposition"]
    document = _hsds(response)
    assert document["version"] == "3.0"
    for table, required in REQUIRED.items():
        for item in document[table]:
            assert required <= set(item), (table, item)
            uuid.UUID(item["id"])  # every identifier a UUID
            assert None not in item.values()
    names = {location.get("name") for location in document["locations"]}
    assert "Zakho community resource centre" in names  # the published entry...
    assert "IOM renamed CRC" not in names  # ... not its waiting edit
    assert "IOM draft CRC" not in names
    assert "Zakho legal aid office" not in names  # archived
    assert {o["name"] for o in document["organizations"]} == {
        "International Organization for Migration",
        "INTERSOS",
        "DAMA Organization",
    }
    # Every link lands on an object of the file.
    ids = {table: {i["id"] for i in document[table]} for table in REQUIRED}
    for link in document["service_at_locations"]:
        assert link["service_id"] in ids["services"]
        assert link["location_id"] in ids["locations"]
    for service in document["services"]:
        assert service["organization_id"] in ids["organizations"]
        assert service["status"] == "active"
    for attribute in document["attributes"]:
        assert attribute["link_id"] in ids["services"]
        assert attribute["taxonomy_term_id"] in ids["taxonomy_terms"]
    wgss = next(s for s in document["services"] if s["name"].startswith("GBV case management"))
    assert wgss["eligibility_description"] == "Women and girls"
    zakho = next(loc for loc in document["locations"] if loc.get("name") == "Chameshku PHCC")
    assert zakho["external_identifier"] == "IQG09Q04"
    assert (zakho["latitude"], zakho["longitude"]) == (37.05, 42.68)
    address = next(a for a in document["addresses"] if a["location_id"] == zakho["id"])
    assert (address["city"], address["state_province"], address["country"]) == (
        "Zakho",
        "Duhok",
        "IQ",
    )
    # The mobile team: a schedule for each place it goes, its services linked to each.
    team = str(points["mobile"].uid)
    visited = [
        loc["id"]
        for loc in document["locations"]
        if loc.get("description", "").startswith("Visited by the mobile team")
    ]
    assert len(visited) == 2
    schedules = {s["location_id"]: s for s in document["schedules"]}
    assert schedules[visited[0]]["freq"] == "WEEKLY"
    assert {schedules[v]["byday"] for v in visited} == {"TU,SU", "WE"}
    phc = next(
        s["id"]
        for s in document["services"]
        if s["name"] == "Primary health care: DAMA mobile medical team 3"
    )
    assert {
        link["location_id"]
        for link in document["service_at_locations"]
        if link["service_id"] == phc
    } == {
        team,
        *visited,
    }
    # The same file twice: the same identifiers.
    again = _hsds(personas.ahmed.client().get("/services/export/hsds/"))
    assert {s["id"] for s in again["services"]} == ids["services"]
    audit = AuditEvent.objects.filter(action="directory.export", actor=personas.ahmed.user)
    assert audit.count() == 2
    assert {event.detail["format"] for event in audit} == {"hsds"}


def test_the_hxl_file_is_a_3w_of_the_current_directory(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    tags, rows = _hxl(personas.shilan.client().get("/services/export/hxl/"))
    assert all(tag.startswith("#") for tag in tags)
    for tag in ("#org+name", "#sector", "#adm1+name", "#adm1+code", "#adm2+name", "#adm2+code"):
        assert tag in tags
    for tag in ("#loc+name", "#geo+lat", "#geo+lon", "#service+name", "#status"):
        assert tag in tags
    names = {row["point_name"] for row in rows}
    assert "Zakho community resource centre" in names
    assert not names & {"IOM renamed CRC", "IOM draft CRC", "Zakho legal aid office"}
    phc = [r for r in rows if r["service_code"] == "phc"]
    chameshku = next(r for r in phc if r["point_name"] == "Chameshku PHCC")
    assert (chameshku["sector"], chameshku["adm1_pcode"], chameshku["adm2_name"]) == (
        "Health",
        "IQG09",
        "Zakho",
    )
    assert chameshku["status"] == "active"
    # A mobile team is where it goes: Khanke camp in Sumail, and Al-Amadiya.
    team = {(r["adm2_name"], r["site_name"]) for r in phc if r["point_kind"] == "mobile_team"}
    assert team == {("Sumail", "Khanke"), ("Al-Amadiya", "")}
    gbv = next(r for r in rows if r["service_code"] == "gbv_case_management")
    assert (gbv["sector"], gbv["subsector"], gbv["sexes"]) == ("Protection", "GBV", "f")


def test_the_files_follow_the_search(personas: Personas, points: dict[str, ServicePoint]) -> None:
    client = personas.ahmed.client()
    _tags, rows = _hxl(client.get("/services/export/hxl/", {"service": "srh", "sex": "m"}))
    assert {r["point_name"] for r in rows} == {"Chameshku PHCC"}
    document = _hsds(client.get("/services/export/hsds/", {"place": "IQG09Q03"}))
    assert {o["name"] for o in document["organizations"]} == {"DAMA Organization"}
    filters = [e.detail["filters"] for e in AuditEvent.objects.filter(action="directory.export")]
    assert sorted(filters, key=str) == [{"place": "IQG09Q03"}, {"service": "srh", "sex": "m"}]
    assert client.get("/services/export/pdf/").status_code == 404


def test_the_api_gives_the_same_files(personas: Personas, points: dict[str, ServicePoint]) -> None:
    client = personas.dilan.client()
    token = {"Authorization": f"Bearer {personas.dilan.token()}"}
    api = client.get("/api/v1/services/export/hsds", {"service": "phc"}, headers=token)
    page = client.get("/services/export/hsds/", {"service": "phc"})
    assert _hsds(api) == _hsds(page)
    _tags, rows = _hxl(client.get("/api/v1/services/export/hxl", headers=token))
    assert rows
    assert (
        client.get("/api/v1/services/export/hsds", {"kind": "castle"}, headers=token).status_code
        == 422
    )
    assert AuditEvent.objects.filter(action="directory.export", detail__via="api").count() == 2
