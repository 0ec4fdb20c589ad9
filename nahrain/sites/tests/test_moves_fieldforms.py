"""The CCCM field forms through OpenRosa: a movement log sent twice (the phone retries) is one
submission and one movement; accepting it again changes nothing; its site list is the
organisation's own sites."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from nahrain.collect import services as collect_services
from nahrain.collect.handlers import NotAcceptable
from nahrain.collect.models import Submission
from nahrain.collect.tests.odk import Collect, fill_instance
from nahrain.sites import fieldforms, services
from nahrain.sites.models import Movement, Site, SitePopulation, SiteWeek
from nahrain.testing.personas import Personas


@pytest.fixture
def phone(personas: Personas, chameshku: Site) -> tuple[Collect, dict[str, str]]:
    """IOM's published forms (with Chameshku in their site list) and a collector's phone."""
    versions = collect_services.forms_publish(actor=personas.layla.user, organisation=personas.iom)
    collector, password = collect_services.collector_create(
        actor=personas.layla.user, organisation=personas.iom, username="cccm01"
    )
    xml = {v.form.form_id: v.xml for v in versions}
    return Collect(Client(), collector.username, password), xml


def test_a_movement_log_sent_twice_counts_once(
    personas: Personas, chameshku: Site, phone: tuple[Collect, dict[str, str]]
) -> None:
    collect, xml = phone
    services.population_record(
        actor=personas.omar.user,
        site=chameshku,
        on=date(2024, 7, 1),
        source="headcount",
        individuals=27400,
        households=5200,
    )
    values = {
        "site": chameshku.code,
        "date": "2024-07-03",
        "kind": "departure",
        "households": 12,
        "individuals": 61,
        "place": "area_of_origin",
        "governorate": "IQG15",
        "reason": "Return",
    }
    instance = fill_instance(xml["cccm_movement_log"], values, instance_id="uuid:log-1")
    assert collect.post(instance).status_code == 201
    assert collect.post(instance).status_code == 202  # known: the phone's retry
    submission = Submission.objects.get()
    collect_services.submission_accept(actor=personas.layla.user, submission=submission)
    with pytest.raises(NotAcceptable):
        collect_services.submission_accept(actor=personas.layla.user, submission=submission)
    # Even the handler run again (a second reviewer, a replay) finds the movement by its key.
    submission.refresh_from_db()
    again = fieldforms.MOVEMENT_LOG.accept(personas.layla.user, submission, "log-1.xml")
    assert again == submission.accepted
    movement = Movement.objects.get()
    assert movement.admin_unit is not None
    assert (movement.key, movement.admin_unit.pcode, movement.reason) == (
        "uuid:log-1",
        "IQG15",
        "Return",
    )
    chameshku.refresh_from_db()
    assert (chameshku.population_individuals, chameshku.population_households) == (27339, 5188)
    assert SiteWeek.objects.get(site=chameshku).departures_individuals == 61


def test_a_headcount_sets_the_sites_figure(
    personas: Personas, chameshku: Site, phone: tuple[Collect, dict[str, str]]
) -> None:
    collect, xml = phone
    values = {
        "site": chameshku.code,
        "date": "2024-07-01",
        "households": 5100,
        "individuals": 26900,
    }
    assert (
        collect.post(
            fill_instance(xml["cccm_headcount"], values, instance_id="uuid:hc-1")
        ).status_code
        == 201
    )
    collect_services.submission_accept(
        actor=personas.layla.user, submission=Submission.objects.get()
    )
    chameshku.refresh_from_db()
    assert (chameshku.population_individuals, chameshku.population_source) == (26900, "headcount")
    assert SitePopulation.objects.get().note == "form uuid:hc-1"


def test_the_site_list_is_the_organisations_own(personas: Personas, chameshku: Site) -> None:
    sites = fieldforms.media_files(organisation_id=personas.iom.pk)["sites.csv"].decode()
    assert "IQ-DHK-CHM,Chameshku / جمشكو (IQ-DHK-CHM)" in sites
    assert (
        "IQ-DHK-CHM"
        not in fieldforms.media_files(organisation_id=personas.dama.pk)["sites.csv"].decode()
    )
