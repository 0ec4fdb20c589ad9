"""A hotline's call log through ``nahrain feedback import`` and the intake spec: English and
Arabic headers as a call centre exports them, its categories mapped by data, cases once per
ticket id, a dry run that writes nothing, and a file with bad rows refused whole with every
problem naming the file, row, column and rule."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.http import Http404
from django.utils import timezone

from nahrain.core.problems import ImportRejected, rule_words
from nahrain.feedback.intake_specs import HOTLINE_SPEC
from nahrain.feedback.models import Feedback, FeedbackContact, Status
from nahrain.feedback.tests import intake_world
from nahrain.feedback.tests.intake_world import World
from nahrain.intake.spec import Intake
from nahrain.testing.personas import Persona, Personas

pytestmark = pytest.mark.django_db


def _csv(*rows: list[str]) -> str:
    """A call log as the call centre's spreadsheet saves it to CSV."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


ENGLISH = _csv(
    [
        "Case ID",
        "Date",
        "Time",
        "Caller Sex",
        "Age",
        "Governorate",
        "District",
        "Camp",
        "Category",
        "Sub-category",
        "Description",
        "Language",
        "Phone",
        "Referred to",
        "Status",
        "Answer",
    ],
    [
        "IIC-26-00412",
        "03/11/2026",
        "14:25",
        "Female",
        "34",
        "Duhok",
        "Zakho",
        "Chameshku",
        "Complaint",
        "Water",
        "No water in sector 4 for three days",
        "Kurdish Badini",
        "0750 412 8830",
        "",
        "Closed",
        "The WASH team refilled the tanks on 4 November",
    ],
    [
        "IIC-26-00413",
        "2026-11-04",
        "09:10",
        "Male",
        "61",
        "Dahuk",
        "Zakho",
        "Chameshku",
        "Information request",
        "Cash",
        "When is the next cash distribution?",
        "Arabic",
        "0770 118 2290",
        "",
        "Open",
        "",
    ],
    [
        "IIC-26-00414",
        "04/11/2026",
        "11:40",
        "Female",
        "",
        "Duhok",
        "",
        "",
        "Complaint",
        "Asked to pay",
        "The volunteer asked for 25000 dinars to keep her on the list",
        "Arabic",
        "",
        "",
        "Open",
        "",
    ],
    [
        "IIC-26-00415",
        "05/11/2026",
        "16:05",
        "Male",
        "45",
        "Ninewa",
        "Mosul",
        "",
        "Request for assistance",
        "Health",
        "Needs insulin for his father",
        "Arabic",
        "0780 555 0101",
        "INTERSOS",
        "Referred",
        "",
    ],
)

ARABIC = _csv(
    [
        "رقم الحالة",
        "التاريخ",
        "جنس المتصل",
        "العمر",
        "المحافظة",
        "القضاء",
        "المخيم",
        "الفئة",
        "الفئة الفرعية",
        "الوصف",
        "اللغة",
        "رقم الهاتف",
        "الحالة",
        "الإجابة",
    ],
    [
        "IIC-26-00501",
        "2026-11-06 10:00",
        "أنثى",
        "29",
        "دهوك",
        "زاخو",
        "جمشكو",
        "شكوى",
        "كهرباء",
        "الكهرباء مقطوعة في القطاع 2",
        "عربي",
        "0751 000 1212",
        "مغلق",
        "تم إصلاح المولدة",
    ],
    [
        "IIC-26-00502",
        "2026-11-06 12:30",
        "ذكر",
        "40",
        "نينوى",
        "الموصل",
        "",
        "شكر",
        "عام",
        "شكراً لفريق التوزيع",
        "عربي",
        "",
        "مفتوح",
        "",
    ],
)

BAD = _csv(
    [
        "Case ID",
        "Date",
        "Caller Sex",
        "Age",
        "Governorate",
        "Category",
        "Sub-category",
        "Description",
        "Language",
        "Status",
        "Answer",
    ],
    [
        "IIC-26-00601",
        "31/02/2026",
        "Female",
        "30",
        "Duhok",
        "Complaint",
        "Water",
        "Tank empty",
        "Arabic",
        "Open",
        "",
    ],
    [
        "IIC-26-00602",
        "2026-11-07",
        "Unknown",
        "two",
        "Duhok",
        "Weather",
        "Water",
        "Tank empty",
        "Klingon",
        "Open",
        "",
    ],
    [
        "IIC-26-00602",
        "2026-11-07",
        "Male",
        "30",
        "Atlantis",
        "Complaint",
        "Water",
        "",
        "Arabic",
        "Closed",
        "",
    ],
    [
        "",
        "2099-01-01",
        "Male",
        "30",
        "Duhok",
        "Complaint",
        "Water",
        "Tank empty",
        "Arabic",
        "Lost",
        "",
    ],
)


@pytest.fixture
def world(personas: Personas, rawa: Persona, jwan: Persona) -> World:
    return intake_world.build(personas, rawa, jwan)


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _import(world: World, path: Path, *more: str) -> None:
    call_command(
        "feedback",
        "import",
        str(path),
        "--organisation",
        world.personas.iom.acronym,
        "--user",
        world.rawa.user.username,
        *more,
    )


def test_a_hotline_export_in_english_becomes_feedback_once_per_case(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path, "iic-november.csv", ENGLISH)
    _import(world, path, "--dry-run")
    assert "dry run: nothing was written" in capsys.readouterr().out
    assert not Feedback.objects.exists()
    _import(world, path)
    items = {f.source_key: f for f in Feedback.objects.all()}
    assert set(items) == {f"hotline:IIC-26-0041{n}" for n in (2, 3, 4, 5)}
    water = items["hotline:IIC-26-00412"]
    assert (water.channel, water.category, water.topic, water.site) == (
        "hotline",
        "service_quality",
        "wash",
        world.site,
    )
    assert (water.person_sex, water.person_age_group) == ("f", "18_59")
    moment = timezone.localtime(water.received_at)  # Baghdad's time, as the hotline writes it
    assert (moment.day, moment.hour, moment.minute) == (3, 14, 25)
    # Closed by the hotline with its answer: answered, the caller told by phone, closed.
    assert water.status == Status.CLOSED and water.answer.startswith("The WASH team")
    assert water.answered_how == "phone_call"
    contact = FeedbackContact.objects.get(feedback=water)
    assert (contact.phone, contact.preferred_language) == ("0750 412 8830", "kmr")
    # "Asked to pay" under a complaint is fraud: a sensitive item, without a phone anonymous.
    bribe = items["hotline:IIC-26-00414"]
    assert bribe.sensitive and bribe.category == "fraud" and bribe.anonymous
    assert items["hotline:IIC-26-00413"].person_age_group == "60"
    # Referred by the hotline to INTERSOS, which now answers for it.
    insulin = items["hotline:IIC-26-00415"]
    assert insulin.concerned == world.personas.intersos and insulin.organisation.acronym == "IOM"
    # The same export again: nothing new.
    _import(world, path)
    out = capsys.readouterr().out
    assert "New feedback: 0" in out and "Already imported: 4" in out
    assert Feedback.objects.count() == 4


def test_a_hotline_export_with_arabic_headers_is_read_the_same(
    world: World, tmp_path: Path
) -> None:
    _import(world, _file(tmp_path, "iic-arabic.csv", ARABIC))
    power = Feedback.objects.get(source_key="hotline:IIC-26-00501")
    assert (power.category, power.topic, power.site, power.person_sex) == (
        "service_quality",
        "camp_management",
        world.site,
        "f",
    )
    assert power.status == Status.CLOSED and power.answer == "تم إصلاح المولدة"
    thanks = Feedback.objects.get(source_key="hotline:IIC-26-00502")
    assert thanks.category == "positive_feedback" and thanks.admin_unit is not None
    assert thanks.admin_unit.pcode.startswith("IQG15") and thanks.admin_unit.level == 2


def test_a_file_with_bad_rows_is_refused_whole_naming_each_problem(
    world: World, tmp_path: Path
) -> None:
    intake = Intake(
        actor=world.rawa.user,
        target=world.personas.iom,
        data=BAD.encode("utf-8"),
        file="iic-bad.csv",
    )
    with pytest.raises(ImportRejected) as rejected:
        HOTLINE_SPEC.commit(intake)
    found = {(p.row, p.column, p.rule) for p in rejected.value.problems}
    assert {
        (2, "B", "not_a_date"),
        (3, "C", "unknown_sex"),
        (3, "D", "not_an_age"),
        (3, "F", "unknown_category"),
        (3, "I", "unknown_language"),
        (4, "A", "case_twice"),
        (5, "A", "no_case_id"),
        (5, "B", "in_the_future"),
        (5, "J", "unknown_status"),
    } <= found
    assert all(p.file == "iic-bad.csv" for p in rejected.value.problems)
    assert all(rule_words(p.rule) for p in rejected.value.problems)
    assert not Feedback.objects.exists()
    with pytest.raises(CommandError, match="nothing was written"):
        _import(world, _file(tmp_path, "iic-bad.csv", BAD))


def test_a_row_with_an_unknown_place_or_no_words_says_so(world: World) -> None:
    text = (
        "Case ID,Date,Governorate,Category,Description,Status\n"
        "IIC-1,2026-11-07,Atlantis,Complaint,,Closed\n"
    )
    intake = Intake(
        actor=world.rawa.user, target=world.personas.iom, data=text.encode(), file="x.csv"
    )
    with pytest.raises(ImportRejected) as rejected:
        HOTLINE_SPEC.check(intake)
    rules = {p.rule for p in rejected.value.problems}
    assert {"unknown_governorate", "no_description", "no_answer"} <= rules


def test_only_the_organisations_feedback_officers_import_its_calls(
    world: World, personas: Personas, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match="not a feedback officer"):
        call_command(
            "feedback",
            "import",
            str(_file(tmp_path, "iic.csv", ENGLISH)),
            "--organisation",
            personas.iom.acronym,
            "--user",
            personas.layla.user.username,
        )
    with pytest.raises(Http404):
        HOTLINE_SPEC.target_for_change(personas.layla.user, str(personas.iom.pk))
    assert HOTLINE_SPEC.target_for_change(world.rawa.user, str(personas.iom.pk)) == personas.iom
