"""The monitoring, gap and risk pages: a round recorded from the page is rated and shown with
its thresholds and sources, in words; a red value raises a gap in one click; readers read and
cannot write."""

from __future__ import annotations

from datetime import date

from nahrain.geo.models import AdminUnit
from nahrain.sites import services
from nahrain.sites.models import MonitoringRound, ServiceGap, Site, SiteType
from nahrain.sites.tests.test_monitor_rules import EXAMPLE
from nahrain.testing.personas import Personas


def test_a_round_from_the_page_and_a_gap_in_one_click(personas: Personas, chameshku: Site) -> None:
    omar = personas.omar.client()
    services.population_record(
        actor=personas.omar.user,
        site=chameshku,
        on=date(2026, 10, 1),
        source="headcount",
        individuals=1000,
    )
    form = omar.get(f"/sites/{chameshku.uid}/monitoring/new/")
    assert form.status_code == 200
    key = form.context["form"].initial["key"]
    sent = {
        "on": "2026-11-02",
        "key": key,
        "water_litres_per_day": "5000",  # 5 l/p/d: critical
        "latrines_female": "30",
        "latrines_male": "10",  # 25 people per latrine
        "complaints_mechanism": "1",
    }
    answer = omar.post(f"/sites/{chameshku.uid}/monitoring/new/", sent)
    assert answer.status_code == 302
    again = omar.post(f"/sites/{chameshku.uid}/monitoring/new/", sent)  # a double click
    assert again["Location"] == answer["Location"]
    monitoring = MonitoringRound.objects.get(site=chameshku)
    assert (monitoring.population, monitoring.red, monitoring.amber, monitoring.green) == (
        1000,
        1,
        1,
        2,
    )
    assert "Last visit:" in omar.get(f"/sites/{chameshku.uid}/monitoring/new/").content.decode()
    page = omar.get(answer["Location"]).content.decode()
    assert "Critical" in page and "Meets the standard" in page  # words, not colour alone
    assert "15 or more (critical below 7.5)" in page
    assert "Sphere Handbook 2018, Water supply standard 2.1" in page
    arabic = personas.ahmed.client()
    arabic.cookies["django_language"] = "ar"
    in_arabic = arabic.get(answer["Location"]).content.decode()
    assert 'dir="rtl"' in in_arabic and "المياه المتاحة للفرد يومياً" in in_arabic
    assert "Raise a gap" not in in_arabic  # a reader raises none
    raise_link = f"/sites/{chameshku.uid}/gaps/new/?round={monitoring.uid}&amp;indicator=water_lpd"
    assert raise_link in page
    suggested = omar.get(raise_link.replace("&amp;", "&"))
    initial = suggested.context["form"].initial
    assert initial["sector"].code == "wash" and "5 litres" in initial["description"]
    raised = omar.post(
        f"/sites/{chameshku.uid}/gaps/new/",
        {
            "sector": initial["sector"].pk,
            "description": initial["description"],
            "raised_on": "2026-11-02",
            "monitoring_round": str(monitoring.uid),
            "indicator": "water_lpd",
        },
    )
    assert raised.status_code == 302
    gap = ServiceGap.objects.get()
    assert gap.indicator is not None and gap.indicator.code == "water_lpd"
    chameshku.refresh_from_db()
    assert chameshku.open_gaps == 1
    followed = omar.post(
        f"/sites/gaps/{gap.uid}/",
        {"on": "2026-11-05", "status": "taken", "partner": "UNICEF", "note": "Trucking"},
    )
    assert followed.status_code == 302
    gap.refresh_from_db()
    assert (gap.status, gap.partner) == ("taken", "UNICEF")

    ahmed = personas.ahmed.client()
    for url in (answer["Location"], f"/sites/gaps/{gap.uid}/", "/sites/gaps/", "/sites/risk/"):
        assert ahmed.get(url).status_code == 200, url
    assert "UNICEF" in ahmed.get("/sites/gaps/?sector=wash").content.decode()
    assert "UNICEF" not in ahmed.get("/sites/gaps/?sector=health").content.decode()
    assert ahmed.get(f"/sites/{chameshku.uid}/monitoring/new/").status_code == 404
    refused = ahmed.post(f"/sites/gaps/{gap.uid}/", {"on": "2026-11-06", "status": "closed"})
    assert refused.status_code == 404
    gap.refresh_from_db()
    assert gap.status == "taken"


def test_risk_from_the_page_and_the_ranking(personas: Personas, gazetteer: None) -> None:
    site = services.site_create(
        actor=personas.omar.user,
        organisation=personas.iom,
        code="IS-1",
        name_en="Hay al-Askari",
        type=SiteType.INFORMAL_SETTLEMENT,
        admin_unit=AdminUnit.objects.get(pcode="IQG09"),
    )
    omar = personas.omar.client()
    assert omar.get(f"/sites/{site.uid}/risk/new/").status_code == 200
    answer = omar.post(
        f"/sites/{site.uid}/risk/new/",
        {"on": "2026-11-01", **{code: str(answer) for code, answer in EXAMPLE.items()}},
    )
    assert answer.status_code == 302
    ranking = personas.ahmed.client().get("/sites/risk/").content.decode()
    assert "Hay al-Askari" in ranking and "49.5" in ranking
    assert personas.ahmed.client().get(f"/sites/{site.uid}/risk/new/").status_code == 404
