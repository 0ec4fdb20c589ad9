"""Importing a partner's beneficiary list through ``nahrain registry import`` and the intake
pages: one row per person or one row per household, English or Arabic headers; every mistake
named by row, column and rule with nothing written; a list imported twice registers once; and
the camp's population is the sum of the people registered in it."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from nahrain.core.models import AuditEvent
from nahrain.intake import services as intake_services
from nahrain.intake.models import Job
from nahrain.intake.spec import spec_named
from nahrain.registry import names, rollups
from nahrain.registry.intake_specs import BENEFICIARIES, name_chain_split
from nahrain.registry.models import (
    Consent,
    Document,
    Household,
    HouseholdEvent,
    Individual,
    RegistryFigure,
    Stay,
)
from nahrain.sites.models import Movement, Site
from nahrain.testing.personas import Persona, Personas

LONG_HEADER = [
    "household_id",
    "Relationship",
    "Sex",
    "Date of birth",
    "Age",
    "First name (Arabic)",
    "Father's name (Arabic)",
    "Grandfather's name (Arabic)",
    "Family name (Arabic)",
    "First name",
    "Phone",
    "Site code",
    "Governorate of origin",
    "Date of displacement",
    "Household size",
    "Documents held",
    "Documents missing",
    "WG walking",
]
LONG_ROWS = [
    # Two families of Sinjar in Chameshku: the Hasso family of four, the Khalaf family of three.
    [
        "HH-001",
        "head",
        "m",
        "1980-03-14",
        "",
        "خضر",
        "حجي",
        "مراد",
        "حسو",
        "Khidir",
        "+964 750 123 4567",
        "IQ-DHK-CHM",
        "Ninewa",
        "2014-08-03",
        "4",
        "national_card",
        "",
        "",
    ],
    [
        "HH-001",
        "spouse",
        "f",
        "",
        "38",
        "نازدار",
        "شيخو",
        "خلف",
        "كجو",
        "Nazdar",
        "",
        "",
        "",
        "",
        "",
        "",
        "pds_card",
        "3",
    ],
    [
        "HH-001",
        "son",
        "m",
        "2012-05-20",
        "",
        "ئازاد",
        "خضر",
        "حجي",
        "حسو",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "HH-001",
        "daughter",
        "f",
        "2015",
        "",
        "بيمان",
        "خضر",
        "حجي",
        "حسو",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "HH-002",
        "head",
        "f",
        "1975-01-01",
        "",
        "خاتون",
        "قاسم",
        "صالح",
        "خلف",
        "Khatoon",
        "07501112233",
        "IQ-DHK-CHM",
        "Ninewa",
        "2014-08-03",
        "3",
        "civil_id",
        "",
        "",
    ],
    [
        "HH-002",
        "son",
        "m",
        "",
        "17",
        "رعد",
        "علي",
        "قاسم",
        "خلف",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "HH-002",
        "daughter",
        "f",
        "",
        "9",
        "شيرين",
        "علي",
        "قاسم",
        "خلف",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
]


def write_csv(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def registry_import(*args: str) -> str:
    out = io.StringIO()
    call_command("registry", "import", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(path: Path) -> str:
    errors = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command(
            "registry",
            "import",
            str(path),
            "--organisation",
            "IOM",
            stdout=io.StringIO(),
            stderr=errors,
        )
    return errors.getvalue()


def registered_individuals(site: Site) -> int:
    return Individual.objects.filter(
        household__site=site, household__status="active", status="active"
    ).count()


def population(site: Site) -> tuple[int | None, int | None]:
    site.refresh_from_db()
    return site.population_households, site.population_individuals


def everything() -> list[int]:
    return [
        model.objects.count()
        for model in (Household, Individual, Document, Stay, Consent, HouseholdEvent, Movement)
    ]


def test_a_list_of_one_row_per_person_registers_each_family_in_its_camp(
    personas: Personas, chameshku: Site, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "intersos-chameshku.csv", [LONG_HEADER, *LONG_ROWS])
    output = registry_import(str(path), "--organisation", "IOM", "--user", "rania")
    assert "New households: 2" in output and "New individuals: 7" in output
    hasso = Household.objects.get(key="file:HH-001")
    assert hasso.organisation == personas.iom and hasso.site == chameshku
    assert hasso.size == 4 and hasso.phone_key == "07501234567"
    assert hasso.number.startswith("IOM-") and hasso.origin is not None
    assert hasso.origin.name_en == "Ninewa" and str(hasso.displaced_on) == "2014-08-03"
    # The wife's PDS card is missing and she has a lot of difficulty walking.
    assert {"disability", "missing_documents"} <= set(hasso.vulnerabilities)
    assert "female_headed" in Household.objects.get(key="file:HH-002").vulnerabilities
    head = hasso.members.get(relationship="head")
    assert head.name_written == "خضر حجي مراد حسو" and head.name_key.startswith("xdr")
    for person in Individual.objects.all():
        chain = (person.first_ar, person.father_ar, person.grandfather_ar, person.family_ar)
        assert person.name_key == names.name_key(*chain)
    assert head.documents.get().number == "" and head.documents.get().held
    daughter = hasso.members.get(relationship="daughter")
    assert str(daughter.born_on) == "2015-07-01" and daughter.birth_date == "july_1"
    wife = hasso.members.get(relationship="spouse")
    assert wife.birth_date == "estimated" and wife.wg_walking == 3
    assert Stay.objects.filter(household=hasso, site=chameshku, end__isnull=True).count() == 1
    assert Consent.objects.filter(household=hasso, purpose="registration").count() == 1
    assert HouseholdEvent.objects.filter(household=hasso, kind="registration").count() == 1
    arrival = Movement.objects.get(site=chameshku, kind="arrival")
    assert (arrival.households, arrival.individuals) == (2, 7)
    assert population(chameshku) == (2, 7) == (2, registered_individuals(chameshku))
    figure = RegistryFigure.objects.get(organisation=personas.iom, site=chameshku)
    assert (figure.households, figure.individuals) == (2, 7)
    audit = AuditEvent.objects.get(action="registry.import")
    assert audit.detail["households"] == 2 and audit.detail["individuals"] == 7
    assert "خضر" not in str(audit.detail) and "0750" not in str(audit.detail)


def test_a_list_imported_again_registers_nobody_twice(
    personas: Personas, chameshku: Site, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "chameshku.csv", [LONG_HEADER, *LONG_ROWS])
    registry_import(str(path), "--organisation", "IOM", "--user", "rania")
    before = everything()
    output = registry_import(str(path), "--organisation", "IOM", "--user", "rania")
    assert "Households already registered (left as they are): 2" in output
    assert "New households: 0" in output
    assert everything() == before
    assert population(chameshku) == (2, 7)
    # The list grows by a family: only it is registered, and the camp counts it.
    grown = [*LONG_ROWS]
    grown.append(
        [
            "HH-003",
            "head",
            "m",
            "1990-02-02",
            "",
            "دلشاد",
            "خضر",
            "مراد",
            "حسو",
            "",
            "",
            "IQ-DHK-CHM",
            "",
            "",
            "1",
            "",
            "",
            "",
        ]
    )
    registry_import(
        str(write_csv(tmp_path / "grown.csv", [LONG_HEADER, *grown])), "--organisation", "IOM"
    )
    assert Household.objects.count() == 3
    assert population(chameshku) == (3, 8) == (3, registered_individuals(chameshku))


def test_an_arabic_list_with_one_name_column_is_split_into_the_name_chain(
    personas: Personas, gazetteer: None, tmp_path: Path
) -> None:
    rows = [
        [
            "رقم الاسرة",
            "الاسم الكامل",
            "الجنس",
            "العمر",
            "صلة القرابة",
            "رقم الهاتف",
            "المحافظة",
            "القضاء",
        ],
        [
            "7",
            "عبد الله محمد احمد الجبوري",
            "ذكر",
            "45",
            "رب الاسرة",
            "٠٧٧٠١٢٣٤٥٦٧",
            "دهوك",
            "زاخو",
        ],
        ["7", "فاطمة علي حسين العبيدي", "انثى", "40", "زوجة", "", "", ""],
        ["7", "زينب عبد الله محمد", "أنثى", "12", "ابنة", "", "", ""],
    ]
    path = write_csv(tmp_path / "قائمة.csv", rows)
    registry_import(str(path), "--organisation", "IOM")
    household = Household.objects.get(key="file:7")
    assert household.site is None and household.admin_unit is not None
    assert household.admin_unit.pcode == "IQG09Q04" and household.phone_key == "07701234567"
    head = household.members.get(relationship="head")
    chain = (head.first_ar, head.father_ar, head.grandfather_ar, head.family_ar)
    assert chain == ("عبد الله", "محمد", "احمد", "الجبوري")
    assert head.name_written == "عبد الله محمد احمد الجبوري" and head.sex == "m"
    assert household.members.get(relationship="daughter").sex == "f"
    assert RegistryFigure.objects.get(admin_unit=household.admin_unit).individuals == 3


def test_name_chain_split_keeps_compound_names_and_the_tribe_whole() -> None:
    assert name_chain_split("Abd al-Rahman Omar Khalid Al Jubouri") == (
        "Abd al-Rahman",
        "Omar",
        "Khalid",
        "Al Jubouri",
    )
    assert name_chain_split("Noor") == ("Noor", "", "", "")


def test_a_list_of_one_row_per_household_reads_its_numbered_member_columns(
    personas: Personas, chameshku: Site, tmp_path: Path
) -> None:
    rows = [
        [
            "HH ID",
            "Site code",
            "member1_name",
            "member1_sex",
            "member1_age",
            "member1_relationship",
            "member[2]/name",
            "member[2]/sex",
            "member[2]/age",
            "member[2]/relationship",
            "Member 3 name",
            "Member 3 sex",
            "Member 3 age",
            "Member 3 relationship",
        ],
        [
            "K-1",
            "IQ-DHK-CHM",
            "Shekho Haji Murad",
            "male",
            "50",
            "head",
            "Nazdar Khalaf",
            "female",
            "44",
            "wife",
            "",
            "",
            "",
            "",
        ],
        [
            "K-2",
            "IQ-DHK-CHM",
            "Amal Hasso",
            "F",
            "30",
            "Head of household",
            "Azad Hasso",
            "M",
            "6",
            "son",
            "Noor Hasso",
            "f",
            "4",
            "daughter",
        ],
    ]
    output = registry_import(
        str(write_csv(tmp_path / "kobo.csv", rows)), "--organisation", "IOM", "--user", "omar"
    )
    assert "New individuals: 5" in output
    assert Household.objects.get(key="file:K-1").size == 2
    second = Household.objects.get(key="file:K-2")
    assert sorted(second.members.values_list("relationship", flat=True)) == [
        "daughter",
        "head",
        "son",
    ]
    head = second.members.get(relationship="head")
    assert (head.first_lat, head.father_lat, head.name_written) == ("Amal", "Hasso", "Amal Hasso")
    assert population(chameshku) == (2, 5) == (2, registered_individuals(chameshku))


def test_a_list_with_mistakes_names_each_by_row_column_and_rule_and_writes_nothing(
    personas: Personas, chameshku: Site, tmp_path: Path
) -> None:
    header = ["household_id", "Relationship", "Sex", "Date of birth", "Age", "Full name"]
    header += ["Site code", "Household size", "Date of displacement"]
    rows = [
        header,
        ["A", "head", "m", "2099-01-01", "", "Ali Hassan", "IQ-DHK-CHM", "3", ""],  # 2
        ["A", "head", "f", "", "120", "Sara Omar", "", "", ""],  # 3: two heads, too old
        ["B", "son", "f", "", "10", "Omar Ali", "IQ-DHK-CHM", "", "2099-05-05"],  # 4
        ["C", "head", "x", "03/13/1980", "", "Huda Ali", "IQ-NOWHERE", "", ""],  # 5
        ["D", "head", "m", "", "", "", "", "", ""],  # 6
    ]
    errors = refused(write_csv(tmp_path / "mistakes.csv", rows))
    expected = [
        ("row 2, column D", "date_future"),
        ("row 2, column H", "size_members"),
        ("row 2, column B", "head_twice"),
        ("row 3, column E", "age_above_max"),
        ("row 4, column C", "sex_relationship"),
        ("row 4, column B", "head_missing"),
        ("row 4, column I", "date_future"),
        ("row 5, column C", "sex_unknown"),
        ("row 5, column D", "not_a_date"),
        ("row 5, column G", "unknown_site"),
        ("row 6, column D", "age_missing"),
        ("row 6, column F", "name_missing"),
        ("row 6, column G", "place_missing"),
    ]
    for where, rule in expected:
        assert f"mistakes.csv, {where}: error [{rule}]" in errors, (where, rule, errors)
    assert everything() == [0, 0, 0, 0, 0, 0, 0]


def test_a_list_without_a_sex_column_is_refused_at_its_header(
    personas: Personas, chameshku: Site, tmp_path: Path
) -> None:
    rows = [["household_id", "Relationship", "Age", "Full name", "Site code"]]
    rows.append(["A", "head", "30", "Ali Hassan", "IQ-DHK-CHM"])
    errors = refused(write_csv(tmp_path / "nosex.csv", rows))
    assert "nosex.csv, row 1: error [missing_column] no column for sex" in errors


def test_a_dry_run_checks_the_list_and_writes_nothing(
    personas: Personas, chameshku: Site, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "chameshku.csv", [LONG_HEADER, *LONG_ROWS])
    before = population(chameshku)
    output = registry_import(str(path), "--organisation", "IOM", "--dry-run")
    assert "New households: 2" in output and "dry run: nothing was written" in output
    assert everything() == [0, 0, 0, 0, 0, 0, 0]
    assert population(chameshku) == before


def test_a_header_the_mapping_cannot_guess_is_mapped_by_the_user(
    personas: Personas, chameshku: Site, tmp_path: Path
) -> None:
    rows = [
        ["fam", "rel", "gender", "age", "name", "camp"],
        ["F1", "head", "m", "40", "Ali Hassan", "IQ-DHK-CHM"],
    ]
    maps = ["fam=household_key", "rel=relationship", "camp=site"]
    arguments = [argument for m in maps for argument in ("--map", m)]
    registry_import(str(write_csv(tmp_path / "odd.csv", rows)), "--organisation", "IOM", *arguments)
    assert Household.objects.get(key="file:F1").size == 1


def test_an_hxl_tagged_list_is_read_by_its_hashtags(
    personas: Personas, chameshku: Site, tmp_path: Path
) -> None:
    rows = [
        ["Famille", "Lien", "Sexe", "Âge", "Nom", "Camp"],
        [
            "#beneficiary+hh+code",
            "#beneficiary+relationship",
            "#beneficiary+sex",
            "#beneficiary+age",
            "#beneficiary+name",
            "#loc+code",
        ],
        ["H1", "head", "f", "33", "Huda Ali", "IQ-DHK-CHM"],
    ]
    registry_import(str(write_csv(tmp_path / "hxl.csv", rows)), "--organisation", "IOM")
    assert "female_headed" in Household.objects.get(key="file:H1").vulnerabilities


@pytest.mark.parametrize("persona", ["karim", "shilan", "layla", "ahmed", "hana", "outsider"])
def test_only_the_organisations_registration_staff_may_upload_a_list_into_its_registry(
    personas: Personas, chameshku: Site, persona: str
) -> None:
    url = reverse("intake:upload", args=[BENEFICIARIES, personas.iom.pk])
    data = io.StringIO()
    csv.writer(data).writerows([LONG_HEADER, *LONG_ROWS])

    def upload(name: str) -> int:
        file = io.BytesIO(data.getvalue().encode())
        file.name = "list.csv"
        who: Persona = getattr(personas, name)
        return who.client().post(url, {"file": file}).status_code

    assert upload(persona) == 404
    assert upload("rania") == 302


def test_the_imports_figures_are_those_the_registry_counts_member_by_member(
    personas: Personas, chameshku: Site, tmp_path: Path
) -> None:
    header = [*LONG_HEADER, "Governorate", "District"]
    aunt = ["HH-009", "head", "f", "1950-01-01", "", "هدى", "علي", "حسن", "العاني", ""]
    aunt += ["", "", "", "", "1", "", "civil_id", "", "Duhok", "Zakho"]
    rows = [[*row, "", ""] for row in LONG_ROWS] + [aunt]
    path = write_csv(tmp_path / "mixed.csv", [header, *rows])
    registry_import(str(path), "--organisation", "IOM")

    def figures() -> list[tuple[object, ...]]:
        return sorted(
            RegistryFigure.objects.values_list(
                "site_id", "admin_unit_id", "governorate_id", "households", "individuals", "counts"
            ),
            key=str,
        )

    imported = figures()
    assert len(imported) == 2
    rollups.places_refresh(
        organisation_id=personas.iom.pk,
        site_ids=[chameshku.pk],
        admin_unit_ids=[Household.objects.get(key="file:HH-009").admin_unit_id],
    )
    assert figures() == imported


def test_a_refused_lists_rows_go_back_to_its_uploader_alone_and_every_read_is_audited(
    personas: Personas, chameshku: Site
) -> None:
    """A beneficiary list refused by its job keeps its rows a day for the marked problems file:
    the camp manager, who may import too, sees the problems but may not download the list."""
    rows = [LONG_HEADER, *LONG_ROWS]
    rows[1][3] = "2099-01-01"  # a date of birth in the future
    data = io.StringIO()
    csv.writer(data).writerows(rows)
    job = Job.objects.create(
        spec=BENEFICIARIES,
        target=str(personas.iom.pk),
        organisation=personas.iom,
        file="list.csv",
        data=data.getvalue().encode(),
        sha256="0" * 64,
        created_by=personas.rania.user,
    )
    assert intake_services.job_run(job_uid=str(job.uid)).status == "failed"
    rania, omar = personas.rania.client(), personas.omar.client()

    page = omar.get(f"/intake/jobs/{job.uid}/")
    assert page.status_code == 200 and "date of birth is in the future" in page.content.decode()
    assert "problems.xlsx" not in page.content.decode()
    assert omar.get(f"/intake/jobs/{job.uid}/problems.xlsx").status_code == 404
    assert omar.get(f"/intake/jobs/{job.uid}/problems.csv").status_code == 200
    assert "problems.xlsx" in rania.get(f"/intake/jobs/{job.uid}/").content.decode()
    marked = rania.get(f"/intake/jobs/{job.uid}/problems.xlsx")
    assert marked.status_code == 200 and "no-store" in marked["Cache-Control"]
    assert personas.omar.client().get(f"/api/v1/intake/jobs/{job.uid}").status_code == 200

    reads = AuditEvent.objects.filter(action="intake.read", object_id=str(job.uid))
    assert sorted((e.actor.username, e.detail["what"]) for e in reads if e.actor) == [
        ("omar", "job"),
        ("omar", "job"),
        ("omar", "problems.csv"),
        ("rania", "job"),
        ("rania", "problems.xlsx"),
    ]
    assert all(e.organisation == personas.iom and e.detail["problems"] for e in reads)
    assert "Khidir" not in str([e.detail for e in reads])


def test_only_a_personal_files_reads_are_audited(personas: Personas) -> None:
    """A master list holds figures, not people: reading its problems leaves no read row."""
    job = Job.objects.create(
        spec=BENEFICIARIES,
        target=str(personas.iom.pk),
        organisation=personas.iom,
        file="list.csv",
        sha256="0" * 64,
        created_by=personas.rania.user,
    )
    for name in ("displacement.master_list", BENEFICIARIES):
        spec = spec_named(name)
        assert spec is not None
        intake_services.personal_read(
            actor=personas.rania.user,
            spec=spec,
            target=personas.iom,
            kept=job,
            what="job",
            problems=1,
        )
    reads = AuditEvent.objects.filter(action="intake.read")
    assert [e.detail["spec"] for e in reads] == [BENEFICIARIES]
