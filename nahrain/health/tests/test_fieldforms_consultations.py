"""The consultation report field form through OpenRosa, as IOM's collector sends it and layla
(IOM's information manager) accepts it: a week's counts land in Chameshku PHCC's cells of the
week beginning on the convention's first day, blank boxes and the population groups the
facility did not see counting 0; a second report of the same month, or the same one accepted
again, replaces the month; a facility the organisation neither runs nor supports, a week the
year does not have and a month not yet begun are refused; the form asks every service of every
population group in English, Arabic and Sorani (antenatal care and deliveries of women and
girls of 5 to 59 only); and a real XForms engine fills it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from nahrain.collect import services as collect_services
from nahrain.collect.handlers import NotAcceptable
from nahrain.collect.models import Submission
from nahrain.collect.tests import test_engine as engine
from nahrain.collect.tests.odk import Collect, fill_instance
from nahrain.health import codelists, fieldforms, weeks
from nahrain.health.models import ConsultationReport
from nahrain.health.tests.builders import HealthWorld
from nahrain.health.tests.test_fieldforms import downloaded
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db

FORM = "health_consultations"
box = fieldforms.consultation_field


@pytest.fixture
def phone(personas: Personas, health: HealthWorld) -> tuple[Collect, str]:
    """IOM's published consultation form and a collector's phone."""
    versions = collect_services.forms_publish(actor=personas.layla.user, organisation=personas.iom)
    collector, password = collect_services.collector_create(
        actor=personas.layla.user, organisation=personas.iom, username="phc01"
    )
    (xml,) = [v.xml for v in versions if v.form.form_id == FORM]
    return Collect(Client(), collector.username, password), xml


def a_week(boxes: dict[str, int], facility: str = "PHCC-CHM") -> dict[str, Any]:
    week = {"facility": facility, "period": "week", "year": 2026, "week": 30, "groups": "idp host"}
    return week | boxes


def a_month(month: str, boxes: dict[str, int]) -> dict[str, Any]:
    return {"facility": "PHCC-CHM", "period": "month", "month": month, "groups": "idp"} | boxes


def cells(report: ConsultationReport) -> set[tuple[str, str, str, str, int]]:
    return set(
        report.counts.values_list("population_group", "service", "sex", "age_group", "count")
    )


def accepted(personas: Personas, instance_id: str) -> Submission:
    submission = Submission.objects.get(instance_id=instance_id)
    collect_services.submission_accept(actor=personas.layla.user, submission=submission)
    submission.refresh_from_db()
    return submission


def refusal(personas: Personas, collect: Collect, instance: bytes) -> list[str]:
    assert collect.post(instance).status_code == 201
    submission = Submission.objects.get()
    with pytest.raises(NotAcceptable) as refused:
        collect_services.submission_accept(actor=personas.layla.user, submission=submission)
    assert not ConsultationReport.objects.exists()
    return [p.rule for p in refused.value.problems]


def test_a_weekly_report_lands_in_the_facilitys_cells_of_the_week(
    personas: Personas, health: HealthWorld, phone: tuple[Collect, str]
) -> None:
    collect, xml = phone
    values = a_week(
        {
            box("idp", "general", "f", "u5"): 12,
            box("idp", "general", "m", "60p"): 3,
            box("idp", "antenatal", "f", "18_59"): 4,
            box("host", "referral_out", "m", "18_59"): 2,
            # Returnees were not ticked as seen: their boxes count 0 whatever they hold.
            box("returnee", "chronic", "f", "60p"): 9,
        }
    )
    instance = fill_instance(xml, values, instance_id="uuid:c-1")
    assert collect.post(instance).status_code == 201
    assert collect.post(instance).status_code == 202  # the phone's retry: known
    submission = accepted(personas, "uuid:c-1")
    report = ConsultationReport.objects.get()
    assert submission.accepted == {"consultation_report": str(report.uid)}
    assert (report.facility, report.period, report.source, report.submitted_by) == (
        health.chameshku_phcc,
        "week",
        "form",
        personas.layla.user,
    )
    assert report.start == weeks.week_start(2026, 30)
    # WHO week 30 of 2026: Sunday 26 July to Saturday 1 August.
    assert (report.start.isoformat(), report.end.isoformat()) == ("2026-07-26", "2026-08-01")
    assert cells(report) == {
        ("idp", "general", "f", "u5", 12),
        ("idp", "general", "m", "60p", 3),
        ("idp", "antenatal", "f", "18_59", 4),
        ("host", "referral_out", "m", "18_59", 2),
    }
    assert report.total == 19  # referrals out are not consultations


def test_a_report_is_dated_when_the_server_received_it_not_when_it_was_accepted(
    personas: Personas, health: HealthWorld, phone: tuple[Collect, str]
) -> None:
    collect, xml = phone
    instance = fill_instance(
        xml, a_week({box("idp", "general", "f", "u5"): 1}), instance_id="uuid:c-old"
    )
    assert collect.post(instance).status_code == 201
    arrived = timezone.make_aware(datetime(2026, 8, 2, 9))
    Submission.objects.filter(instance_id="uuid:c-old").update(received_at=arrived)
    accepted(personas, "uuid:c-old")
    assert ConsultationReport.objects.get().submitted_at == arrived


def test_a_second_report_of_the_month_or_the_same_accepted_again_replaces_it(
    personas: Personas, health: HealthWorld, phone: tuple[Collect, str]
) -> None:
    collect, xml = phone
    first = a_month("2026-10-01", {box("idp", "general", "f", "5_17"): 30})
    assert collect.post(fill_instance(xml, first, instance_id="uuid:m-1")).status_code == 201
    accepted(personas, "uuid:m-1")
    corrected = a_month(
        "2026-10-01",
        {box("idp", "general", "f", "5_17"): 25, box("idp", "mhpss", "m", "18_59"): 1},
    )
    assert collect.post(fill_instance(xml, corrected, instance_id="uuid:m-2")).status_code == 201
    submission = accepted(personas, "uuid:m-2")
    report = ConsultationReport.objects.get()
    assert (report.period, report.start.isoformat(), report.end.isoformat()) == (
        "month",
        "2026-10-01",
        "2026-10-31",
    )
    assert (report.revision, report.total) == (2, 26)
    assert cells(report) == {("idp", "general", "f", "5_17", 25), ("idp", "mhpss", "m", "18_59", 1)}
    # The handler run again (a second reviewer, a replay) sends the same counts once more.
    again = fieldforms.CONSULTATIONS.accept(personas.layla.user, submission, "m-2.xml")
    assert again == submission.accepted
    report.refresh_from_db()
    assert (ConsultationReport.objects.count(), report.revision, report.total) == (1, 3, 26)


def test_a_facility_the_organisation_does_not_run_is_refused(
    personas: Personas, health: HealthWorld, phone: tuple[Collect, str]
) -> None:
    collect, xml = phone
    values = a_week({box("idp", "general", "f", "u5"): 1}, "MMU-SIN-1")
    instance = fill_instance(xml, values, instance_id="uuid:c-9")
    assert refusal(personas, collect, instance) == ["unknown_facility"]


def test_a_week_the_year_does_not_have_is_refused(
    personas: Personas, health: HealthWorld, phone: tuple[Collect, str]
) -> None:
    collect, xml = phone
    values = a_week({box("idp", "general", "f", "u5"): 1}) | {"week": 53}
    assert refusal(personas, collect, fill_instance(xml, values)) == ["invalid"]


def test_a_month_not_yet_begun_is_refused(
    personas: Personas, health: HealthWorld, phone: tuple[Collect, str]
) -> None:
    collect, xml = phone
    values = a_month("2099-01-01", {box("idp", "general", "f", "u5"): 1})
    assert refusal(personas, collect, fill_instance(xml, values)) == ["refused"]


def test_the_form_asks_every_service_of_every_population_group_in_three_languages(
    phone: tuple[Collect, str],
) -> None:
    _collect, xml = phone
    for language in ("English (en)", "Arabic (ar)", "Kurdish Sorani (ckb)"):
        assert f'<translation lang="{language}"' in xml
    for group in codelists.codes("population_groups"):
        for service in codelists.codes("consultation_services"):
            women = service in ("antenatal", "delivery")
            asked = {
                (sex, age)
                for sex in codelists.codes("sexes")
                for age in codelists.codes("age_groups")
                if f"/{group}/{group}_{service}/{box(group, service, sex, age)}" in xml
            }
            assert len(asked) == (2 if women else 8), (group, service)
            if women:
                assert asked == {("f", "5_17"), ("f", "18_59")}
    for kind in ("consultation_services", "population_groups", "age_groups", "sexes"):
        for code in codelists.codes(kind):
            for language in ("en", "ar", "ckb"):
                assert codelists.label(kind, code, language) in xml, (kind, code, language)


node = engine.node


def test_the_engine_fills_the_form_and_the_server_takes_it(
    phone: tuple[Collect, str], personas: Personas, node: str, tmp_path: Path
) -> None:
    collect, _xml = phone
    form = downloaded(collect, FORM, tmp_path)
    values = a_week({box("idp", "general", "f", "u5"): 5, box("host", "delivery", "f", "18_59"): 2})
    assert collect.post(engine._run(node, form, values)).status_code == 201
    submission = Submission.objects.get()
    collect_services.submission_accept(actor=personas.layla.user, submission=submission)
    assert cells(ConsultationReport.objects.get()) == {
        ("idp", "general", "f", "u5", 5),
        ("host", "delivery", "f", "18_59", 2),
    }
