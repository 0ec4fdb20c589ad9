"""The reconciliation of the sites' populations with a DTM round's in-camp figures: the 49
camps of the round-109 frame against a published round whose master list counts IDP families
in camps at the same names in the same districts (docs/SITES.md, "One population figure")."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from nahrain.core.models import AuditEvent
from nahrain.displacement import services as dtm_services
from nahrain.displacement.models import AssessmentRound
from nahrain.displacement.tests.builders import ROUND, Place, wide_csv
from nahrain.sites import services
from nahrain.sites.models import Site
from nahrain.sites.selectors import reconciliation_tolerance
from nahrain.sites.tests.test_intake_import import (
    FRAME_MAP,
    JANUARY,
    frame_path,
    frame_rows,
    sites_import,
)
from nahrain.testing.personas import Personas

# A round counted after the January 2020 CCCM list: the sites' figures on its date are January's.
REFERENCE_DATE = date(2020, 2, 15)


@dataclass(frozen=True)
class CampPlace(Place):
    """A DTM location whose IDP families all live in a camp."""

    def shelter(self) -> list[int]:
        return [self.households, 0, 0]


def camp_places(rows: list[dict[str, str]]) -> list[CampPlace]:
    """DTM's camp locations: the frame's camps, named and placed as the frame does, holding
    July's families (so that the camps that grew or shrank since differ from DTM), and one
    camp DTM counts that the frame lacks."""
    places = [
        CampPlace(
            str(9100 + i),
            r["Governorate"],
            r["District"],
            r["Camp long name"],
            None,
            None,
            int(r["Population (July CCCM)"]),
        )
        for i, r in enumerate(rows)
    ]
    return [*places, CampPlace("9199", "Erbil", "makhmour", "Debaga 2", None, None, 120)]


def published_round(personas: Personas, places: list[CampPlace]) -> AssessmentRound:
    layla = personas.layla.user
    assessment_round = dtm_services.round_create(
        actor=layla, organisation=personas.iom, number=ROUND, reference_date=REFERENCE_DATE
    )
    dtm_services.round_import(
        actor=layla,
        assessment_round=assessment_round,
        data=wide_csv(places),
        file="camps.csv",
        population="idp",
    )
    dtm_services.round_validate(actor=layla, assessment_round=assessment_round)
    return dtm_services.round_publish(actor=layla, assessment_round=assessment_round)


@pytest.mark.shared_data
def test_the_report_lists_every_camp_with_its_january_households_and_dtms_in_camp_families(
    personas: Personas, gazetteer: None, shared: Path
) -> None:
    rows = frame_rows(shared)
    assessment_round = published_round(personas, camp_places(rows))
    output = sites_import(str(frame_path(shared)), "--organisation", "IOM", *FRAME_MAP)
    assert "Sites linked to a DTM location: 49" in output
    # A headcount after the round's date is not the figure the round is compared with.
    services.population_record(
        actor=personas.omar.user,
        site=Site.objects.get(code="chamishku"),
        on=date(2020, 3, 1),
        source="headcount",
        individuals=27000,
        households=4990,
    )

    # The population on the round's date is the figure with the movements after it, and a camp
    # closed by then holds nobody (the one population rule).
    khanke = Site.objects.get(code="khanke")
    services.movement_record(
        actor=personas.omar.user,
        site=khanke,
        kind="arrival",
        on=date(2020, 2, 10),
        households=10,
        individuals=52,
    )
    services.movement_record(
        actor=personas.omar.user,
        site=khanke,
        kind="arrival",
        on=date(2020, 2, 20),
        households=7,
        individuals=30,
    )  # after the round's date: not counted
    zayona = Site.objects.get(code="zayona")
    services.site_status_set(
        actor=personas.omar.user, site=zayona, status="closed", on=date(2020, 2, 1)
    )
    moved = {"khanke": 10}
    closed = {"zayona"}

    response = personas.ahmed.client().get(
        "/api/v1/sites/reconciliation", {"round": str(assessment_round.uid)}
    )
    assert response.status_code == 200
    report = response.json()
    by_code = {row["site_code"]: row for row in report["sites"]}
    assert len(by_code) == 49
    tolerance = reconciliation_tolerance()
    flagged = set()
    for row in rows:
        site = by_code[row["camp"]]
        january, july = int(row["Population (Jan CCCM)"]), int(row["Population (July CCCM)"])
        january = 0 if row["camp"] in closed else january + moved.get(row["camp"], 0)
        assert (site["site_households"], site["site_figure_date"]) == (january, JANUARY.isoformat())
        assert site["dtm_households"] == july
        assert site["dtm_individuals"] == july * 6  # the builder's household size
        assert site["difference_households"] == january - july
        if (
            abs(january - july) > tolerance.households
            and abs(january - july) > tolerance.share * july
        ):
            flagged.add(row["camp"])
        assert site["flagged"] is (row["camp"] in flagged)
    # Jad'ah 5, the consolidation's destination, differs; Chamishku (5,039 against 5,041) agrees.
    assert "qayyarah.jadah.5" in flagged and "chamishku" not in flagged and "zayona" in flagged
    governorates = {g["name"]: g for g in report["governorates"]}
    ninewa = [r for r in rows if r["Governorate"] == "Ninewa"]
    assert governorates["Ninewa"]["site_households"] == sum(
        int(r["Population (Jan CCCM)"]) for r in ninewa
    )
    assert governorates["Ninewa"]["dtm_households"] == sum(
        int(r["Population (July CCCM)"]) for r in ninewa
    )
    # Erbil's DTM total counts Debaga 2, which no site is.
    erbil = [r for r in rows if r["Governorate"] == "Erbil"]
    assert governorates["Erbil"]["dtm_households"] == 120 + sum(
        int(r["Population (July CCCM)"]) for r in erbil
    )
    assert [u["name"] for u in report["unmatched"]] == ["Debaga 2"]

    page = personas.ahmed.client().get(
        "/sites/reconciliation/", {"round": str(assessment_round.uid)}
    )
    assert page.status_code == 200
    text = page.content.decode()
    for row in rows:
        assert f'data-key="{row["camp"]}"' in text
    assert 'data-key="9199"' in text
    download = personas.ahmed.client().get(
        "/sites/reconciliation/", {"round": str(assessment_round.uid), "format": "csv"}
    )
    table = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert {r["site_code"]: int(r["dtm_households"]) for r in table} == {
        r["camp"]: int(r["Population (July CCCM)"]) for r in rows
    }
    exported = AuditEvent.objects.filter(action="sites.reconciliation_export").latest("pk")
    assert exported.actor == personas.ahmed.user and exported.detail == {"sites": 49}

    out = io.StringIO()
    call_command(
        "sites",
        "reconcile",
        "--round",
        str(ROUND),
        "--organisation",
        "IOM",
        "--format",
        "csv",
        stdout=out,
    )
    assert len(list(csv.DictReader(io.StringIO(out.getvalue())))) == 49
