"""The coordination pages as people use them: layla (IOM information manager) enters, saves and
submits IOM's month and is refused a closed month with the reason in words; ahmed (DAMA viewer)
reads DAMA's reports but writes none and never sees IOM's; tariq (the Shelter/NFI cluster
coordinator) reads every partner's Shelter/NFI rows, and his dashboard adds each indicator by
its own rule; the plan, projects with their funding gap and the presence map are read by every
signed-in user; the outsider is answered as for what does not exist."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from nahrain.coordination import services
from nahrain.coordination.models import (
    PartnerName,
    Report,
    ReportingPeriod,
    ReportRow,
    ReportStatus,
    ResponsePlan,
    RowSource,
)
from nahrain.coordination.tests.conftest import DUHOK_DISTRICT, ZAKHO, reopen, row, unit
from nahrain.core.models import AuditEvent
from nahrain.testing.personas import Persona, Personas

pytestmark = pytest.mark.django_db

CODES = re.compile(r"\b(snfi_[a-z_]+|idp_in_camp|in_need|IQG\d\w*)\b")


def _rows(**given: Any) -> dict[str, Any]:
    """The report form's POST body for the rows given ({0: {...}, 1: {...}})."""
    body = {"rows-TOTAL_FORMS": str(len(given)), "rows-INITIAL_FORMS": "0"}
    for index, fields in given.items():
        for name, value in fields.items():
            body[f"rows-{index[1:]}-{name}"] = value
    return body


@pytest.fixture(name="reported")
def reported_plan(
    plan: ResponsePlan,
    personas: Personas,
    tariq: Persona,
    django_capture_on_commit_callbacks: Any,
) -> ResponsePlan:
    """The 2018 plan's Shelter/NFI figures and IOM's and DAMA's January and February, imported
    by the cluster; a project with half its funding."""
    reopen(tariq, (2018, 1), (2018, 2))
    services.plan_figures_set(
        actor=tariq.user,
        plan=plan,
        rows=[
            services.FigureIn(kind="in_need", people=8_700_000),
            services.FigureIn(kind="targeted", people=3_400_000),
            services.FigureIn(kind="in_need", people=2_000_000, cluster="snfi"),
            services.FigureIn(kind="targeted", people=900_000, cluster="snfi"),
            services.FigureIn(
                kind="in_need", people=300_000, cluster="snfi", governorate=unit("IQG09")
            ),
            services.FigureIn(
                kind="targeted", people=120_000, cluster="snfi", governorate=unit("IQG09")
            ),
        ],
    )
    project = services.project_create(
        actor=tariq.user,
        plan=plan,
        code="IRQ18/SNF/124350",
        title="Shelter and NFI assistance to IDPs and returnees",
        organisation=personas.iom,
        cluster="snfi",
        requested=Decimal("14207374"),
        targets=120_000,
        governorates=[unit("IQG09")],
    )
    services.funding_record(
        actor=tariq.user,
        project=project,
        amount=Decimal("7000000"),
        source="ECHO",
        received_on=date(2018, 3, 1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.rows_import(
            actor=tariq.user,
            rows=[
                row(personas.iom, (2018, 1), "snfi_houses_repaired", 10, number=1),
                row(personas.iom, (2018, 2), "snfi_houses_repaired", 25, number=2),
                row(personas.dama, (2018, 2), "snfi_houses_repaired", 5, number=3),
                row(personas.iom, (2018, 1), "snfi_people_nfi", 60, DUHOK_DISTRICT, number=4),
            ],
            dry_run=False,
        )
    assert not outcome.problems
    return plan


def test_the_plan_page_shows_people_in_need_targeted_and_reached_by_cluster(
    reported: ResponsePlan, personas: Personas
) -> None:
    answer = personas.ahmed.client().get(f"/coordination/plans/{reported.uid}/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "8,700,000" in html and "3,400,000" in html
    assert "Shelter and NFI" in html
    home = personas.ahmed.client().get("/coordination/")
    assert home["Location"] == f"/coordination/plans/{reported.uid}/"


def test_the_cluster_coordinator_reads_every_partners_figures_each_added_up_its_own_way(
    reported: ResponsePlan, tariq: Persona
) -> None:
    answer = tariq.client().get(f"/coordination/plans/{reported.uid}/clusters/snfi/")
    assert answer.status_code == 200
    html = answer.content.decode()
    # Houses repaired are cumulative: IOM's latest (25) and DAMA's (5), not 10 + 25 + 5.
    assert re.search(r'data-indicator="snfi_houses_repaired">30<', html)
    assert "the latest figure of each partner in each place" in html
    assert "Duhok" in html and "300,000" in html


def test_the_dashboard_filters_by_governorate_and_months(
    reported: ResponsePlan, tariq: Persona
) -> None:
    url = f"/coordination/plans/{reported.uid}/clusters/snfi/"
    answer = tariq.client().get(url, {"month_from": "2018-01", "month_to": "2018-01"})
    html = answer.content.decode()
    assert re.search(r'data-indicator="snfi_houses_repaired">10<', html)
    refused = tariq.client().get(url, {"month_from": "2018-03", "month_to": "2018-01"})
    assert "The last month comes before the first." in refused.content.decode()
    assert (
        tariq.client().get(f"/coordination/plans/{reported.uid}/clusters/nonsense/").status_code
        == 404
    )


def test_a_partner_reads_only_its_own_figures_on_the_dashboard(
    reported: ResponsePlan, personas: Personas
) -> None:
    html = (
        personas.ahmed.client()
        .get(f"/coordination/plans/{reported.uid}/clusters/snfi/")
        .content.decode()
    )
    assert re.search(r'data-indicator="snfi_houses_repaired">5<', html)


def test_projects_show_the_funding_gap_and_the_donors(
    reported: ResponsePlan, personas: Personas
) -> None:
    html = (
        personas.outsider.client()
        .get(f"/coordination/plans/{reported.uid}/projects/")
        .content.decode()
    )
    assert "IRQ18/SNF/124350" in html
    assert "7,207,374" in html  # the gap
    assert "ECHO" in html


def test_the_presence_map_names_who_is_where(reported: ResponsePlan, tariq: Persona) -> None:
    answer = tariq.client().get(f"/coordination/plans/{reported.uid}/presence/")
    html = answer.content.decode()
    config = json.loads(
        re.search(
            r'<script id="presence-map-config" type="application/json">(.*?)</script>', html, re.S
        ).group(1)  # type: ignore[union-attr]
    )
    names = {
        f["properties"]["name_en"]: f["properties"]["lines"] for f in config["points"]["features"]
    }
    assert names["Zakho, Duhok"] == ["DAMA, IOM"]
    assert "coordination/presence.js" in html and "vendor/leaflet/leaflet.js" in html


def test_an_information_manager_enters_saves_and_submits_the_month(
    gazetteer: None, personas: Personas, tariq: Persona, django_capture_on_commit_callbacks: Any
) -> None:
    reopen(tariq, (2018, 4))
    client = personas.layla.client()
    url = f"/coordination/reports/{personas.iom.pk}/2018-04/"
    assert client.get(url).status_code == 200
    body = _rows(
        r0={
            "indicator": "snfi_nfi_kits",
            "place": ZAKHO,
            "population_group": "idp_out_of_camp",
            "value": "120",
        },
        r1={"indicator": "", "place": "", "value": ""},
    )
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(url, body)
    assert saved.status_code == 302
    report = Report.objects.get(organisation=personas.iom, month=date(2018, 4, 1))
    entered = ReportRow.objects.get(report=report)
    assert (entered.indicator, entered.value, entered.source) == (
        "snfi_nfi_kits",
        120,
        RowSource.ENTERED,
    )
    assert entered.governorate.pcode == "IQG09"
    assert client.post(f"{url}submit/").status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.submitted_by == personas.layla.user
    assert AuditEvent.objects.filter(action="coordination.report_submit").exists()


def test_people_entered_by_sex_must_add_up_to_the_figure(
    gazetteer: None, personas: Personas, tariq: Persona
) -> None:
    reopen(tariq, (2018, 4))
    url = f"/coordination/reports/{personas.iom.pk}/2018-04/"
    answer = personas.layla.client().post(
        url,
        _rows(
            r0={
                "indicator": "snfi_people_nfi",
                "place": ZAKHO,
                "value": "100",
                "women_girls": "30",
                "men_boys": "30",
            }
        ),
    )
    assert answer.status_code == 200
    assert "add up to 60, not 100" in answer.content.decode()
    assert not ReportRow.objects.exists()


def test_a_closed_month_says_why_and_takes_nothing(gazetteer: None, personas: Personas) -> None:
    ReportingPeriod.objects.create(
        month=date(2018, 5, 1), deadline=date(2018, 6, 10), locked_at=timezone.now()
    )
    url = f"/coordination/reports/{personas.iom.pk}/2018-05/"
    html = personas.layla.client().get(url).content.decode()
    assert "The cluster locked this month" in html
    assert 'id="save-report"' not in html
    answer = personas.layla.client().post(
        url, _rows(r0={"indicator": "snfi_nfi_kits", "place": ZAKHO, "value": "3"})
    )
    assert "closed" in answer.content.decode()
    assert not Report.objects.exists()
    past = f"/coordination/reports/{personas.iom.pk}/2018-06/"
    assert "reports has passed" in personas.layla.client().get(past).content.decode()


def test_a_viewer_reads_their_organisations_reports_and_writes_none(
    reported: ResponsePlan, personas: Personas
) -> None:
    client = personas.ahmed.client()
    listing = client.get("/coordination/reports/").content.decode()
    assert "DAMA" in listing and "IOM" not in re.sub(
        r"<header.*?</header>", "", listing, flags=re.S
    )
    assert client.get(f"/coordination/reports/{personas.dama.pk}/2018-02/").status_code == 200
    assert client.post(f"/coordination/reports/{personas.dama.pk}/2018-02/", {}).status_code == 404
    assert client.get(f"/coordination/reports/{personas.iom.pk}/2018-01/").status_code == 404
    assert client.get("/coordination/partner-names/").status_code == 404


def test_the_cluster_reads_every_partners_report_and_an_outsider_none(
    reported: ResponsePlan, personas: Personas, tariq: Persona
) -> None:
    listing = tariq.client().get("/coordination/reports/").content.decode()
    assert "DAMA" in listing and "IOM" in listing
    html = tariq.client().get(f"/coordination/reports/{personas.iom.pk}/2018-01/").content.decode()
    assert 'id="imported-rows"' in html
    assert (
        personas.outsider.client()
        .get(f"/coordination/reports/{personas.iom.pk}/2018-01/")
        .status_code
        == 404
    )
    assert (
        personas.outsider.client()
        .get(f"/coordination/reports/{personas.iom.pk}/2018-13/")
        .status_code
        == 404
    )


def test_an_information_manager_teaches_a_partner_name_once(
    gazetteer: None, personas: Personas
) -> None:
    client = personas.layla.client()
    answer = client.post(
        "/coordination/partner-names/",
        {"spelling": "I.O.M Iraq", "organisation": str(personas.iom.pk)},
    )
    assert answer.status_code == 302
    assert PartnerName.objects.get().organisation == personas.iom
    # Only her own organisation may be chosen.
    refused = client.post(
        "/coordination/partner-names/",
        {"spelling": "Dama Org", "organisation": str(personas.dama.pk)},
    )
    assert refused.status_code == 200 and PartnerName.objects.count() == 1


def test_the_export_is_a_file_and_audited(reported: ResponsePlan, tariq: Persona) -> None:
    answer = tariq.client().get(f"/coordination/plans/{reported.uid}/export.hxl")
    assert answer.status_code == 200
    text = answer.content.decode("utf-8-sig")
    assert "#org" in text and "#adm1+code" in text
    assert "no-store" in answer["Cache-Control"]
    assert AuditEvent.objects.filter(action="coordination.export").exists()
    assert tariq.client().get(f"/coordination/plans/{reported.uid}/export.pdf").status_code == 404


@pytest.mark.parametrize("language", ["ar", "ckb"])
def test_the_pages_read_right_to_left_with_labels_not_codes(
    reported: ResponsePlan, tariq: Persona, language: str
) -> None:
    client = tariq.client()
    client.cookies["django_language"] = language
    for url in (
        f"/coordination/plans/{reported.uid}/",
        f"/coordination/plans/{reported.uid}/clusters/snfi/",
        f"/coordination/plans/{reported.uid}/projects/",
        f"/coordination/plans/{reported.uid}/presence/",
    ):
        html = client.get(url).content.decode()
        assert 'dir="rtl"' in html
        main = re.sub(r"<script.*?</script>|<[^>]+>", " ", html.split("<main", 1)[1])
        assert not CODES.search(main), (url, CODES.search(main))
