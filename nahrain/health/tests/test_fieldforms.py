"""The EWARN field forms through OpenRosa, as IOM's collector sends them and layla (IOM's
information manager) accepts them: a weekly report becomes Chameshku PHCC's week, a second
report of the same week replaces it; an immediate alert sent twice (the phone retries) is one
submission, one report and one alert, even when its handler runs again; a facility the
organisation neither runs nor supports is refused; the forms' facility list is the
organisation's own, their labels in English, Arabic and Sorani with each disease's case
definition as its hint; and a real XForms engine fills both forms."""

from __future__ import annotations

import csv
import re
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from nahrain.collect import services as collect_services
from nahrain.collect.handlers import NotAcceptable
from nahrain.collect.models import FormMedia, Submission
from nahrain.collect.tests import test_engine as engine
from nahrain.collect.tests.odk import Collect, fill_instance
from nahrain.core.models import Organisation
from nahrain.health import codelists, fieldforms, services, weeks
from nahrain.health.models import Alert, EwarnReport, ImmediateReport
from nahrain.health.tests import builders
from nahrain.health.tests.builders import HealthWorld
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db

WEEKLY = "health_ewarn_weekly"
IMMEDIATE = "health_immediate_alert"


@pytest.fixture
def phone(personas: Personas, health: HealthWorld) -> tuple[Collect, dict[str, str]]:
    """IOM's published forms (with Chameshku PHCC in their facility list) and a collector's
    phone."""
    versions = collect_services.forms_publish(actor=personas.layla.user, organisation=personas.iom)
    collector, password = collect_services.collector_create(
        actor=personas.layla.user, organisation=personas.iom, username="ewarn01"
    )
    return Collect(Client(), collector.username, password), {
        v.form.form_id: v.xml for v in versions
    }


def week_values(facility: str = "PHCC-CHM", **cases: int) -> dict[str, Any]:
    """A week with every count zero but ``disease=cases`` (five and over)."""
    values: dict[str, Any] = {"facility": facility, "year": 2026, "week": 30}
    for disease in codelists.codes("diseases"):
        for suffix in ("cases_u5", "cases_o5", "deaths_u5", "deaths_o5"):
            values[f"{disease}_{suffix}"] = 0
        values[f"{disease}_cases_o5"] = cases.get(disease, 0)
    return values


def accepted(personas: Personas, instance_id: str) -> Submission:
    submission = Submission.objects.get(instance_id=instance_id)
    collect_services.submission_accept(actor=personas.layla.user, submission=submission)
    submission.refresh_from_db()
    return submission


def test_a_weekly_report_becomes_the_facilitys_week_and_a_second_one_replaces_it(
    personas: Personas, health: HealthWorld, phone: tuple[Collect, dict[str, str]]
) -> None:
    collect, xml = phone
    first = fill_instance(xml[WEEKLY], week_values(awd=7, scabies=2), instance_id="uuid:w-1")
    assert collect.post(first).status_code == 201
    assert collect.post(first).status_code == 202  # the phone's retry: known
    accepted(personas, "uuid:w-1")
    report = EwarnReport.objects.get()
    assert (report.facility, report.year, report.week, report.source) == (
        health.chameshku_phcc,
        2026,
        30,
        "form",
    )
    assert (report.total_cases, report.submitted_by) == (9, personas.layla.user)
    corrected = fill_instance(xml[WEEKLY], week_values(awd=5), instance_id="uuid:w-2")
    assert collect.post(corrected).status_code == 201
    accepted(personas, "uuid:w-2")
    report.refresh_from_db()
    assert (EwarnReport.objects.count(), report.revision, report.total_cases) == (1, 2, 5)
    assert list(report.counts.values_list("disease", "cases_over5")) == [("awd", 5)]


def test_an_immediate_alert_sent_twice_is_one_report_and_one_alert(
    personas: Personas, health: HealthWorld, phone: tuple[Collect, dict[str, str]]
) -> None:
    collect, xml = phone
    values = {
        "facility": "PHCC-CHM",
        "disease": "measles",
        "seen_on": "2026-11-29",
        "cases": 1,
        "deaths": 0,
        "note": "Girl, 3 years, block C",
    }
    instance = fill_instance(xml[IMMEDIATE], values, instance_id="uuid:im-1")
    assert collect.post(instance).status_code == 201
    assert collect.post(instance).status_code == 202
    submission = accepted(personas, "uuid:im-1")
    with pytest.raises(NotAcceptable):
        collect_services.submission_accept(actor=personas.layla.user, submission=submission)
    # Even the handler run again (a second reviewer, a replay) finds the report by its id.
    again = fieldforms.IMMEDIATE.accept(personas.layla.user, submission, "im-1.xml")
    assert again == submission.accepted
    immediate = ImmediateReport.objects.get()
    assert (immediate.facility, immediate.disease, immediate.note) == (
        health.chameshku_phcc,
        "measles",
        "Girl, 3 years, block C",
    )
    assert Alert.objects.get().signals.count() == 1


def received(instance_id: str, at: datetime) -> None:
    """The server received the submission at ``at`` (the reviewer accepts it now)."""
    Submission.objects.filter(instance_id=instance_id).update(received_at=at)


def test_a_weekly_report_received_on_time_but_accepted_weeks_later_is_on_time(
    personas: Personas, health: HealthWorld, phone: tuple[Collect, dict[str, str]]
) -> None:
    collect, xml = phone
    instance = fill_instance(xml[WEEKLY], week_values(awd=3), instance_id="uuid:w-late")
    assert collect.post(instance).status_code == 201
    on_time = timezone.make_aware(datetime.combine(weeks.due(2026, 30), time(9)))
    received("uuid:w-late", on_time)
    accepted(personas, "uuid:w-late")  # months after the week was due
    report = EwarnReport.objects.get()
    assert (report.on_time, report.submitted_at) == (True, on_time)


def test_an_immediate_alerts_clock_starts_when_the_server_received_it(
    personas: Personas, health: HealthWorld, phone: tuple[Collect, dict[str, str]]
) -> None:
    collect, xml = phone
    values = {"facility": "PHCC-CHM", "disease": "measles", "seen_on": "2026-11-20"}
    instance = fill_instance(xml[IMMEDIATE], values, instance_id="uuid:im-late")
    assert collect.post(instance).status_code == 201
    arrived = timezone.make_aware(datetime(2026, 11, 20, 18))
    received("uuid:im-late", arrived)
    accepted(personas, "uuid:im-late")
    alert = Alert.objects.get()
    assert ImmediateReport.objects.get().submitted_at == arrived
    assert (alert.raised_at, alert.verify_by) == (
        arrived,
        arrived + timedelta(hours=codelists.verify_hours()),
    )


def test_a_facility_the_organisation_does_not_run_is_refused(
    personas: Personas, health: HealthWorld, phone: tuple[Collect, dict[str, str]]
) -> None:
    collect, xml = phone
    instance = fill_instance(xml[WEEKLY], week_values("MMU-SIN-1"), instance_id="uuid:w-9")
    assert collect.post(instance).status_code == 201
    submission = Submission.objects.get()
    with pytest.raises(NotAcceptable) as refused:
        collect_services.submission_accept(actor=personas.layla.user, submission=submission)
    assert [p.rule for p in refused.value.problems] == ["unknown_facility"]
    assert not EwarnReport.objects.exists()


def test_the_facility_list_is_the_organisations_own_or_supported(
    personas: Personas, health: HealthWorld
) -> None:
    iom = fieldforms.media_files(organisation_id=personas.iom.pk)["facilities.csv"].decode()
    assert iom.splitlines() == [
        "name,label",
        "PHCC-CHM,Chameshku camp PHCC / مركز الرعاية الصحية الأولية في مخيم جمشكو (PHCC-CHM)",
    ]
    dama = fieldforms.media_files(organisation_id=personas.dama.pk)["facilities.csv"].decode()
    assert "MMU-SIN-1" in dama and "PHCC-CHM" not in dama


def facility_list(organisation: Organisation, form_id: str) -> str:
    media = FormMedia.objects.get(
        form_version__form__organisation=organisation,
        form_version__form__form_id=form_id,
        filename="facilities.csv",
    )
    return bytes(media.data).decode()


def test_a_facility_opened_renamed_or_closed_reaches_the_published_forms_of_who_reports_for_it(
    personas: Personas,
    health: HealthWorld,
    django_capture_on_commit_callbacks: Any,
) -> None:
    collect_services.forms_publish(actor=personas.layla.user, organisation=personas.iom)
    collect_services.forms_publish(actor=personas.ahmed.user, organisation=personas.dama)
    with django_capture_on_commit_callbacks(execute=True):
        opened = builders.facility(
            health.duhok_doh,
            health.duhok_doh,
            code="PHCC-BRD",
            name_en="Bardarash PHCC",
            district="IQG09Q04",
            supporters=(personas.iom,),
        )
    for form_id in services.FACILITY_FORMS:
        assert "PHCC-BRD,Bardarash PHCC" in facility_list(personas.iom, form_id)
        assert "PHCC-BRD" not in facility_list(personas.dama, form_id)

    with django_capture_on_commit_callbacks(execute=True):
        services.facility_update(actor=None, facility=opened, name_en="Bardarash town PHCC")
    assert "PHCC-BRD,Bardarash town PHCC" in facility_list(personas.iom, WEEKLY)

    with django_capture_on_commit_callbacks(execute=True):
        services.facility_update(actor=None, facility=opened, active=False)
    assert "PHCC-BRD" not in facility_list(personas.iom, IMMEDIATE)


def test_a_code_iom_has_twice_is_listed_by_facility_and_refused_when_sent_alone(
    personas: Personas, health: HealthWorld, phone: tuple[Collect, dict[str, str]]
) -> None:
    town = builders.same_code_town_phcc(health, personas)
    listed = fieldforms.media_files(organisation_id=personas.iom.pk)["facilities.csv"].decode()
    assert sorted(csv.reader(listed.splitlines()[1:])) == sorted(
        [
            [
                str(health.chameshku_phcc.uid),
                "Chameshku camp PHCC / مركز الرعاية الصحية الأولية في مخيم جمشكو (PHCC-CHM, IOM)",
            ],
            [str(town.uid), "Chameshku town PHCC (PHCC-CHM, DoH Duhok)"],
        ]
    )
    collect, xml = phone
    alone = fill_instance(xml[WEEKLY], week_values(awd=1), instance_id="uuid:w-code")
    assert collect.post(alone).status_code == 201
    with pytest.raises(NotAcceptable) as refused:
        accepted(personas, "uuid:w-code")
    assert [p.rule for p in refused.value.problems] == ["ambiguous_facility"]
    assert not EwarnReport.objects.exists()
    chosen = fill_instance(xml[WEEKLY], week_values(str(town.uid)), instance_id="uuid:w-uid")
    assert collect.post(chosen).status_code == 201
    accepted(personas, "uuid:w-uid")
    assert EwarnReport.objects.get().facility == town


def test_the_weekly_form_asks_every_disease_with_its_case_definition_in_three_languages(
    phone: tuple[Collect, dict[str, str]],
) -> None:
    _collect, xml = phone
    form = xml[WEEKLY]
    for language in ("English (en)", "Arabic (ar)", "Kurdish Sorani (ckb)"):
        assert f'<translation lang="{language}"' in form
    for disease in codelists.codes("diseases"):
        assert f"/{disease}/{disease}_deaths_o5" in form
    assert codelists.definition("measles", "ar") in form
    assert codelists.definition("cholera", "en") in form


node = engine.node


def downloaded(collect: Collect, form_id: str, into: Path) -> Path:
    """What the phone does: the form from the form list, then each media file its manifest
    names, all in ``into``."""
    listed = collect.get(f"/openrosa/formList?formID={form_id}").content
    download = re.search(rb"<downloadUrl>[^<]*(/openrosa/[^<]+)</downloadUrl>", listed)
    manifest = re.search(rb"<manifestUrl>[^<]*(/openrosa/[^<]+)</manifestUrl>", listed)
    assert download is not None and manifest is not None
    form = into / "form.xml"
    form.write_bytes(collect.get(download.group(1).decode()).content)
    files = collect.get(manifest.group(1).decode()).content.decode()
    for name, url in re.findall(
        r"<filename>([^<]+)</filename>.*?<downloadUrl>[^<]*(/openrosa/[^<]+)</downloadUrl>",
        files,
        re.S,
    ):
        (into / name).write_bytes(collect.get(url).content)
    return form


@pytest.mark.parametrize(
    ("form_id", "values"),
    [
        (WEEKLY, week_values(measles=1)),
        (IMMEDIATE, {"facility": "PHCC-CHM", "disease": "afp", "seen_on": "2026-11-29"}),
    ],
)
def test_the_engine_fills_each_form_and_the_server_takes_it(
    form_id: str,
    values: dict[str, Any],
    phone: tuple[Collect, dict[str, str]],
    personas: Personas,
    node: str,
    tmp_path: Path,
) -> None:
    collect, _xml = phone
    form = downloaded(collect, form_id, tmp_path)
    assert collect.post(engine._run(node, form, values)).status_code == 201
    submission = Submission.objects.get()
    collect_services.submission_accept(actor=personas.layla.user, submission=submission)
    assert Alert.objects.get().disease in ("measles", "afp")
