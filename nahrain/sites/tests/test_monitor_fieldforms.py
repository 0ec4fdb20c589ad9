"""The site monitoring and RASP field forms: compiled with pyxform, listed with the
organisation's sites, sent through OpenRosa as ODK Collect sends them (once if sent twice),
accepted into a rated monitoring round or a scored assessment, and filled by a real XForms
engine (skipped without node, as in collect's engine test)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nahrain.collect import services as collect_services
from nahrain.collect.models import FormVersion, Submission, SubmissionStatus
from nahrain.collect.tests import conftest as collect_fixtures
from nahrain.collect.tests import test_engine as engine
from nahrain.collect.tests.conftest import Field
from nahrain.collect.tests.odk import fill_instance
from nahrain.geo.models import AdminUnit
from nahrain.sites import services
from nahrain.sites.models import MonitoringRound, Rating, RiskAssessment, Site, SiteType
from nahrain.sites.tests.test_monitor_rules import EXAMPLE
from nahrain.testing.personas import Personas

# collect's fixtures: its field set-up (published forms, a collector and its phone) and node.
locations = collect_fixtures.locations
field = collect_fixtures.field
node = engine.node


@pytest.fixture
def sites(field: Field, personas: Personas) -> dict[str, Site]:
    """IOM's camp (1 000 people) and informal settlement, with its forms published again so
    that their site lists name them."""
    omar = personas.omar.user
    governorate = AdminUnit.objects.get(pcode="IQG09")
    camp = services.site_create(
        actor=omar,
        organisation=personas.iom,
        code="IQ-DHK-1",
        name_en="Bersive 2",
        name_ar="بيرسفي 2",
        type=SiteType.CAMP,
        admin_unit=governorate,
    )
    services.population_record(
        actor=omar, site=camp, on=camp.created_at.date(), source="headcount", individuals=1000
    )
    informal = services.site_create(
        actor=omar,
        organisation=personas.iom,
        code="IQ-DHK-IS1",
        name_en="Zakho old market",
        type=SiteType.INFORMAL_SETTLEMENT,
        admin_unit=governorate,
    )
    collect_services.forms_publish(actor=personas.layla.user, organisation=personas.iom)
    return {"camp": camp, "informal": informal}


def _xform(form_id: str) -> str:
    return str(FormVersion.objects.get(form__form_id=form_id).xml)


def monitoring_values(camp: Site) -> dict[str, Any]:
    return {
        "site": str(camp.uid),
        "date": "2026-11-02",
        "water_litres_per_day": "12000",  # 12 l/p/d: below the standard
        "latrines_female": "30",
        "latrines_male": "10",  # 25 people per latrine: below; 75 % for women: meets
        "fire_breaks": "no",  # critical
        "health_facility_within_reach": "yes",
    }


RASP_ANSWERS = {code: str(answer) for code, answer in EXAMPLE.items()}


def test_the_site_lists_name_the_organisation_sites(field: Field, sites: dict[str, Site]) -> None:
    from nahrain.sites.fieldforms_monitoring import RASP, SITE_MONITORING

    every = SITE_MONITORING.media(field.collector.organisation_id)["sites.csv"].decode()
    informal = RASP.media(field.collector.organisation_id)["informal_sites.csv"].decode()
    assert f"{sites['camp'].uid},IQ-DHK-1 Bersive 2 / بيرسفي 2" in every
    assert str(sites["informal"].uid) in every
    assert str(sites["informal"].uid) in informal and str(sites["camp"].uid) not in informal


def test_a_monitoring_form_sent_twice_is_one_rated_round(
    field: Field, sites: dict[str, Site], personas: Personas
) -> None:
    xml = fill_instance(
        _xform("cccm_site_monitoring"), monitoring_values(sites["camp"]), instance_id="uuid:m-1"
    )
    assert field.phone.post(xml).status_code == 201
    assert field.phone.post(xml).status_code == 202  # resent by the phone: already have it
    submission = Submission.objects.get(form__form_id="cccm_site_monitoring")
    accepted = collect_services.submission_accept(actor=personas.layla.user, submission=submission)
    assert accepted.status == SubmissionStatus.ACCEPTED
    monitoring = MonitoringRound.objects.get()
    assert str(monitoring.uid) == accepted.accepted["monitoring"]
    assert monitoring.key == "collect:uuid:m-1"
    assert (monitoring.population, monitoring.red, monitoring.amber, monitoring.green) == (
        1000,
        1,
        2,
        2,
    )
    assert monitoring.values.get(indicator__code="fire_breaks").rating == Rating.RED
    # Accepting the same instance again (a retried review) records nothing more.
    from nahrain.sites.fieldforms_monitoring import SITE_MONITORING

    SITE_MONITORING.accept(personas.layla.user, submission, "m-1.xml")
    assert MonitoringRound.objects.count() == 1


def test_a_rasp_form_is_scored(field: Field, sites: dict[str, Site], personas: Personas) -> None:
    values = {"site": str(sites["informal"].uid), "date": "2026-11-02", **RASP_ANSWERS}
    assert field.phone.post(fill_instance(_xform("cccm_rasp"), values)).status_code == 201
    submission = Submission.objects.get(form__form_id="cccm_rasp")
    collect_services.submission_accept(actor=personas.layla.user, submission=submission)
    assert RiskAssessment.objects.get().score == 49.5  # the worked example of test_monitor_rules


def test_a_site_of_another_organisation_is_refused(
    field: Field, sites: dict[str, Site], personas: Personas
) -> None:
    Site.objects.filter(pk=sites["camp"].pk).update(organisation=personas.intersos)
    xml = fill_instance(_xform("cccm_site_monitoring"), monitoring_values(sites["camp"]))
    assert field.phone.post(xml).status_code == 201
    submission = Submission.objects.get()
    with pytest.raises(Exception, match="not a site of yours"):
        collect_services.submission_accept(actor=personas.layla.user, submission=submission)
    assert not MonitoringRound.objects.exists()


@pytest.mark.parametrize("form_id", ["cccm_site_monitoring", "cccm_rasp"])
def test_the_engine_fills_the_forms_and_the_server_takes_them(
    form_id: str,
    field: Field,
    sites: dict[str, Site],
    personas: Personas,
    node: str,
    tmp_path: Path,
) -> None:
    form = engine._download(field, form_id, tmp_path)
    if form_id == "cccm_rasp":
        values = {"site": str(sites["informal"].uid), "date": "2026-11-02", **RASP_ANSWERS}
    else:
        values = monitoring_values(sites["camp"])
    response = field.phone.post(engine._run(node, form, values))
    assert response.status_code == 201, response.content
    submission = Submission.objects.get(form__form_id=form_id)
    accepted = collect_services.submission_accept(actor=personas.layla.user, submission=submission)
    assert accepted.status == SubmissionStatus.ACCEPTED and accepted.accepted
