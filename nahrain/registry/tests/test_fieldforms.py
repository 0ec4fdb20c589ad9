"""The household registration form through OpenRosa: IOM's collector lists and downloads it with
IOM's sites; a family of four sent from the phone (and sent again) registers one household at
Chameshku, whose population follows; two heads or a date of birth in the future hold it for
review with the problems in words; another organisation's collector cannot register into IOM's
camp."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from nahrain.collect import services as collect_services
from nahrain.collect.formview import form_layout
from nahrain.collect.handlers import NotAcceptable
from nahrain.collect.models import KeyInformant, Submission, SubmissionStatus
from nahrain.collect.tests import test_engine as engine
from nahrain.collect.tests.odk import Collect, fill_instance
from nahrain.collect.xforms import compile_xlsform
from nahrain.core.models import AuditEvent
from nahrain.registry import codelists, fieldforms
from nahrain.registry.models import Consent, Document, Household
from nahrain.registry.problem_words import WORDS
from nahrain.sites.models import Site
from nahrain.testing.personas import Personas

XFORMS_LIST = "{http://openrosa.org/xforms/xformsList}"


def _phone(actor: Any, organisation: Any, username: str) -> tuple[Collect, str]:
    """An organisation's forms published and one collector's phone, with the registration
    form's XForm as the phone downloads it."""
    versions = collect_services.forms_publish(actor=actor, organisation=organisation)
    collector, password = collect_services.collector_create(
        actor=actor, organisation=organisation, username=username
    )
    xml = next(v.xml for v in versions if v.form.form_id == fieldforms.FORM_ID)
    return Collect(Client(), collector.username, password), xml


@pytest.fixture
def iom_phone(personas: Personas, chameshku: Site) -> tuple[Collect, str]:
    return _phone(personas.layla.user, personas.iom, "reg01")


def member(first: str, relationship: str, sex: str, born_on: str, **more: str) -> dict[str, str]:
    """A roster entry as the phone fills it, names in Arabic script."""
    return {
        "relationship": relationship,
        "first_ar": first,
        "father_ar": more.pop("father_ar", "أحمد"),
        "grandfather_ar": "حسن",
        "family_ar": "الجبوري",
        "sex": sex,
        "dob_known": "yes",
        "born_on": born_on,
        "serious_medical": "no",
        **more,
    }


WG_NONE = {f"wg_{d}": "1" for d in ("seeing", "hearing", "walking", "remembering", "self_care")}


def family(**overrides: Any) -> dict[str, Any]:
    """A family of four at Chameshku, tent A/3: father, mother, a son and a daughter."""
    values: dict[str, Any] = {
        "today": "2024-03-01",
        "consent_registration": "yes",
        "consent_assistance": "yes",
        "consent_referral": "no",
        "lives": "in_site",
        "site": "IQ-DHK-CHM",
        "unit": "A/3",
        "origin_governorate": "IQG15",
        "displaced_on": "2014-08-03",
        "phone": "0750 123 4567",
        "member": [
            member(
                "محمد",
                "head",
                "m",
                "1980-03-14",
                **WG_NONE,
                wg_communicating="1",
                documents="national_card pds_card",
                national_card_number="199012345678",
            ),
            member(
                "فاطمة",
                "spouse",
                "f",
                "1985-07-01",
                father_ar="علي",
                **WG_NONE,
                wg_communicating="1",
                pregnant_lactating="yes",
                documents="civil_id",
            ),
            member(
                "علي",
                "son",
                "m",
                "2012-05-20",
                **WG_NONE,
                wg_communicating="3",
                separated_child="no",
            ),
            member(
                "زينب",
                "daughter",
                "f",
                "2018-09-02",
                **WG_NONE,
                wg_communicating="1",
                separated_child="no",
            ),
        ],
        "household_size": "4",
        "respondent": "محمد أحمد حسن",
    }
    values.update(overrides)
    return values


def _received(phone: Collect, xform: str, values: dict[str, Any], instance_id: str) -> Submission:
    response = phone.post(fill_instance(xform, values, instance_id=instance_id))
    assert response.status_code == 201, response.content
    return Submission.objects.get(instance_id=instance_id)


def test_the_form_compiles_in_four_languages_with_the_registry_code_lists() -> None:
    compiled = compile_xlsform(fieldforms.XLSFORM.read_text(encoding="utf-8"))
    assert (compiled.form_id, compiled.warnings) == (fieldforms.FORM_ID, [])
    assert compiled.media == ["sites.csv", "governorates.csv", "districts.csv"]
    for language in ("English (en)", "Arabic (ar)", "Kurdish Sorani (ckb)", "Kurdish Badini (kmr)"):
        assert f'lang="{language}"' in compiled.xml
    # Badini is written in Arabic script, as partners in Duhok write it.
    assert "سەرۆکێ خێزانێ" in compiled.xml
    questions = {
        q.name: q for s in form_layout(fieldforms.XLSFORM.read_text("utf-8")) for q in s.questions
    }
    for name, kind in (("relationship", "relationships"), ("documents", "documents")):
        listed = [
            (code, label["en"], label["ar"], label["ckb"])
            for code, label in questions[name].choices
        ]
        expected = [
            (e["code"], e["label_en"], e["label_ar"], e["label_ckb"])
            for e in codelists.codelists()[kind]["codes"]
        ]
        assert listed == expected
    answers = [
        (int(code), label["en"], label["ar"], label["ckb"])
        for code, label in questions["wg_seeing"].choices
    ]
    assert answers == [
        (e["code"], e["label_en"], e["label_ar"], e["label_ckb"])
        for e in codelists.codelists()["wg_domains"]["answers"]
    ]


def test_ioms_collector_lists_the_form_and_downloads_ioms_sites(
    iom_phone: tuple[Collect, str], personas: Personas
) -> None:
    phone, _xform = iom_phone
    listed = phone.get(f"/openrosa/formList?formID={fieldforms.FORM_ID}")
    assert listed.status_code == 200
    assert b"<formID>household_registration</formID>" in listed.content
    manifest_url = re.search(rb"<manifestUrl>[^<]*(/openrosa/[^<]+)</manifestUrl>", listed.content)
    assert manifest_url is not None
    manifest = phone.get(manifest_url.group(1).decode()).content.decode()
    for name in ("sites.csv", "governorates.csv", "districts.csv"):
        assert f"<filename>{name}</filename>" in manifest
    sites = re.search(r"<downloadUrl>[^<]*(/openrosa/[^<]+/sites\.csv)</downloadUrl>", manifest)
    assert sites is not None
    assert "IQ-DHK-CHM,Chameshku / جمشكو (IQ-DHK-CHM)" in phone.get(sites.group(1)).content.decode()
    districts = fieldforms._media(personas.iom.pk)["districts.csv"].decode()
    assert districts.startswith("name,label,governorate\n")
    assert "IQG09Q04," in districts and districts.split("IQG09Q04,")[1].split("\n")[0].endswith(
        ",IQG09"
    )


def test_a_family_of_four_registers_once_at_the_site_and_its_population_follows(
    iom_phone: tuple[Collect, str], personas: Personas, chameshku: Site
) -> None:
    phone, xform = iom_phone
    instance = fill_instance(xform, family(), instance_id="uuid:hh-1")
    assert phone.post(instance).status_code == 201
    assert phone.post(instance).status_code == 202  # the phone's retry: stored once
    submission = Submission.objects.get()
    assert submission.problems == []
    # Names, card numbers and the phone are not kept in the stored XML.
    for personal in ("محمد", "فاطمة", "199012345678", "0750 123 4567"):
        assert personal not in submission.xml
    accepted = collect_services.submission_accept(actor=personas.layla.user, submission=submission)
    household = Household.objects.get()
    assert accepted.accepted == {"household": str(household.uid)}
    assert household.unit is not None
    assert (household.site, str(household.unit), household.key) == (chameshku, "A/3", "uuid:hh-1")
    assert household.phone == "0750 123 4567"
    assert household.origin is not None and household.origin.pcode == "IQG15"
    members = {m.first_ar: m for m in household.members.all()}
    assert sorted(members) == sorted(["محمد", "فاطمة", "علي", "زينب"])
    assert members["محمد"].name_written == "محمد أحمد حسن الجبوري"
    assert members["علي"].wg_communicating == 3
    assert Document.objects.get(kind="national_card", held=True).number == "199012345678"
    assert sorted(Consent.objects.values_list("purpose", flat=True)) == [
        "assistance",
        "registration",
    ]
    assert {"disability", "pregnant_lactating", "missing_documents"} <= set(
        household.vulnerabilities
    )
    assert KeyInformant.objects.get().name == "محمد أحمد حسن"
    chameshku.refresh_from_db()
    assert (chameshku.population_households, chameshku.population_individuals) == (1, 4)
    # Accepted again (a retried review, a replay), the same household is found by its key.
    with pytest.raises(NotAcceptable):
        collect_services.submission_accept(actor=personas.layla.user, submission=submission)
    again = fieldforms.HOUSEHOLD_REGISTRATION.accept(personas.layla.user, submission, "hh-1")
    assert again == accepted.accepted and Household.objects.count() == 1


def test_two_heads_or_a_birth_in_the_future_is_held_for_review_in_words(
    iom_phone: tuple[Collect, str], personas: Personas
) -> None:
    phone, xform = iom_phone
    two_heads = family()
    two_heads["member"][1]["relationship"] = "head"
    held = _received(phone, xform, two_heads, "uuid:hh-heads")
    assert [(p["rule"], p["message"], p["column"]) for p in held.problems] == [
        ("head_twice", "A household with two heads", "member")
    ]
    future = family()
    future["member"][3]["born_on"] = "2099-01-01"
    late = _received(phone, xform, future, "uuid:hh-future")
    assert [(p["rule"], p["message"]) for p in late.problems] == [
        ("date_future", "Member 4: A date in the future")
    ]
    for submission in (held, late):
        with pytest.raises(NotAcceptable):
            collect_services.submission_accept(actor=personas.layla.user, submission=submission)
        submission.refresh_from_db()
        assert submission.status == SubmissionStatus.RECEIVED
    assert not Household.objects.exists()


def test_a_family_out_of_camp_registers_in_its_district(
    iom_phone: tuple[Collect, str], personas: Personas
) -> None:
    phone, xform = iom_phone
    values = family(
        lives="out_of_camp",
        site="",
        unit="",
        governorate="IQG09",
        district="IQG09Q04",
        address="Zakho, Nahrawan quarter, behind the school",
    )
    submission = _received(phone, xform, values, "uuid:hh-town")
    collect_services.submission_accept(actor=personas.layla.user, submission=submission)
    household = Household.objects.get()
    assert household.site is None and household.admin_unit is not None
    assert household.admin_unit.pcode == "IQG09Q04"
    assert household.address == "Zakho, Nahrawan quarter, behind the school"


def test_a_shelter_unit_the_site_does_not_have_is_held(
    iom_phone: tuple[Collect, str], personas: Personas
) -> None:
    phone, xform = iom_phone
    submission = _received(phone, xform, family(unit="Z/99"), "uuid:hh-unit")
    assert [(p["rule"], p["column"]) for p in submission.problems] == [("unit_unknown", "unit")]


def test_a_refused_consent_registers_nothing(
    iom_phone: tuple[Collect, str], personas: Personas
) -> None:
    phone, xform = iom_phone
    refused = {"today": "2024-03-01", "consent_registration": "no"}
    submission = _received(phone, xform, refused, "uuid:hh-no")
    assert [p["rule"] for p in submission.problems] == ["consent_refused"]
    with pytest.raises(NotAcceptable):
        collect_services.submission_accept(actor=personas.layla.user, submission=submission)
    assert not Household.objects.exists()


def test_the_review_screen_reads_the_form_in_arabic_without_names_or_field_names(
    iom_phone: tuple[Collect, str], personas: Personas
) -> None:
    phone, xform = iom_phone
    two_heads = family()
    two_heads["member"][1]["relationship"] = "head"
    submission = _received(phone, xform, two_heads, "uuid:hh-review")
    client = personas.rania.client()
    client.cookies["django_language"] = "ar"
    page = client.get(f"/collect/submissions/{submission.uid}/")
    assert page.status_code == 200
    html = page.content.decode()
    # The form's own Arabic labels and choices, the site by its name.
    for label in ("صلة القرابة برب الأسرة", "تاريخ الميلاد", "رب الأسرة", "جمشكو (IQ-DHK-CHM)"):
        assert label in html
    # The problem beside the roster, in words, not as the rule's name.
    with translation.override("ar"):
        assert str(WORDS["head_twice"]) in html  # in the reader's language
    assert "head_twice" not in html
    # No personal value and no field name as the text a reader reads.
    for hidden in ("محمد", "فاطمة", "199012345678", "0750 123 4567", "الجبوري"):
        assert hidden not in html
    assert not re.search(r">\s*(first_ar|relationship|wg_seeing|born_on|head|IQG15)\s*<", html)
    assert "${" not in html  # no label reads out a reference to another question


def test_a_registration_is_reviewed_by_registration_staff_not_the_information_manager(
    iom_phone: tuple[Collect, str], personas: Personas
) -> None:
    """The roster's names stay in the submission until it is accepted: IOM's information manager
    (no registry role) neither opens it nor finds it in the review queue or its API."""
    phone, xform = iom_phone
    two_heads = family()
    two_heads["member"][1]["relationship"] = "head"
    submission = _received(phone, xform, two_heads, "uuid:hh-reviewers")
    layla = personas.layla.client()
    assert layla.get(f"/collect/submissions/{submission.uid}/").status_code == 404
    assert str(submission.uid) not in layla.get("/collect/").content.decode()
    listed = layla.get("/api/v1/collect/submissions").json()
    assert str(submission.uid) not in str(listed)
    assert layla.get(f"/api/v1/collect/submissions/{submission.uid}").status_code == 404
    rania = personas.rania.client()
    assert rania.get(f"/collect/submissions/{submission.uid}/")["Cache-Control"].count("no-store")
    assert str(submission.uid) in rania.get("/collect/").content.decode()
    # The queue's API lists it without its answers; reading them is one submission at a time,
    # each read audited (ids only), never cached.
    listed = rania.get("/api/v1/collect/submissions")
    assert "no-store" in listed["Cache-Control"]
    assert [s["data"] for s in listed.json() if s["uid"] == str(submission.uid)] == [{}]
    read = rania.get(f"/api/v1/collect/submissions/{submission.uid}")
    assert read.json()["data"] and "no-store" in read["Cache-Control"]
    reads = AuditEvent.objects.filter(action="submission.read", object_id=str(submission.uid))
    assert sorted(reads.values_list("detail__via", flat=True)) == ["api", "page"]


def test_another_organisations_collector_cannot_register_into_ioms_camp(
    personas: Personas, chameshku: Site
) -> None:
    before = (chameshku.population_households, chameshku.population_individuals)
    phone, xform = _phone(personas.intersos_admin.user, personas.intersos, "intersos01")
    assert "IQ-DHK-CHM" not in fieldforms._media(personas.intersos.pk)["sites.csv"].decode()
    submission = _received(phone, xform, family(), "uuid:hh-intersos")
    assert [p["rule"] for p in submission.problems] == ["unknown_site"]
    with pytest.raises(NotAcceptable):
        collect_services.submission_accept(
            actor=personas.intersos_admin.user, submission=submission
        )
    assert not Household.objects.exists()
    chameshku.refresh_from_db()
    assert (chameshku.population_households, chameshku.population_individuals) == before


node = engine.node


def _alone(**entry: str) -> dict[str, Any]:
    """A household of one adult head, with ``entry`` changed."""
    values = family(household_size="1")
    del values["today"]  # the phone's own date
    values["member"] = [{**values["member"][0], **entry}]
    return values


def test_the_engine_fills_the_form_with_its_roster_and_the_server_registers_it(
    iom_phone: tuple[Collect, str], personas: Personas, node: str, tmp_path: Path
) -> None:
    """ODK Web Forms' engine loads the form as the phone downloads it, with its site list, holds
    the form's constraints (one head, the size, dates) and serialises the roster."""
    phone, _xform = iom_phone
    listed = phone.get(f"/openrosa/formList?formID={fieldforms.FORM_ID}").content
    form = tmp_path / "form.xml"
    download = re.search(rb"<downloadUrl>[^<]*(/openrosa/[^<]+)</downloadUrl>", listed)
    manifest = re.search(rb"<manifestUrl>[^<]*(/openrosa/[^<]+)</manifestUrl>", listed)
    assert download is not None and manifest is not None
    form.write_bytes(phone.get(download.group(1).decode()).content)
    files = phone.get(manifest.group(1).decode()).content.decode()
    for name, url in re.findall(
        r"<filename>([^<]+)</filename>.*?<downloadUrl>[^<]*(/openrosa/[^<]+)</downloadUrl>",
        files,
        re.S,
    ):
        (tmp_path / name).write_bytes(phone.get(url).content)
    values = family()
    del values["today"]  # the phone's own date
    two_heads = family()
    two_heads["member"][1]["relationship"] = "head"
    del two_heads["today"]
    too_old = _alone(dob_known="no", age="111")
    born_later = _alone(born_on="2099-01-01")
    # Not yet born, not yet asked about functioning.
    born_later["member"][0] = {
        k: v for k, v in born_later["member"][0].items() if not k.startswith("wg_")
    }
    for refused in (two_heads, too_old, born_later):
        with pytest.raises(AssertionError, match="not ready"):
            engine._run(node, form, refused)
    # Pregnancy is asked of women 12 to 59 only; separation of children only.
    asked = {
        who: json.loads(engine._run(node, form, _alone(**entry), "--relevance"))
        for who, entry in (
            ("man", {}),
            ("woman", {"sex": "f", "first_ar": "سعاد"}),
            ("girl", {"sex": "f", "born_on": "2016-01-01"}),
        )
    }
    assert [asked[w]["pregnant_lactating"] for w in ("man", "woman", "girl")] == [
        False,
        True,
        False,
    ]
    assert [asked[w]["separated_child"] for w in ("man", "woman", "girl")] == [False, False, True]
    assert phone.post(engine._run(node, form, values)).status_code == 201
    submission = Submission.objects.get()
    assert len(submission.data["member"]) == 4 and submission.problems == []
    collect_services.submission_accept(actor=personas.layla.user, submission=submission)
    assert Household.objects.get().size == 4
