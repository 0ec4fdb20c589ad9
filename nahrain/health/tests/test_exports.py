"""The health files: HXL-tagged CSV of EWARN weeks and consultations, and DHIS2 data value sets,
each scoped to what the reader reads, audited, and honest about what the mapping left out."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from typing import Any

import pytest

from nahrain.core.models import AuditEvent
from nahrain.health import exports, figures, services
from nahrain.health.services import Cell
from nahrain.health.tests import builders
from nahrain.health.tests.builders import HealthWorld
from nahrain.health.tests.figures_world import (
    SPAN,
    consultation_history,
    ewarn_history,
)
from nahrain.testing.personas import Personas

EVERYWHERE = figures.Area()
PHCC_UNIT = exports.mapping()["org_units"]["units"]["PHCC-CHM"]
UID = re.compile(r"^[A-Za-z][A-Za-z0-9]{10}$")


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _values(export: exports.Export) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = json.loads(export.data)["dataValues"]
    return values


def test_the_ewarn_file_has_hxl_hashtags_on_its_second_row_and_a_row_per_week_and_disease(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)

    export = exports.ewarn_hxl(actor=personas.hana.user, area=EVERYWHERE, span=SPAN)

    header, tags, *rows = _rows(export.data)
    assert tags[:7] == [
        "#org+acronym", "#adm1+code", "#adm1+name", "#adm2+code", "#adm2+name", "#loc+code",
        "#loc+name",
    ]  # fmt: skip
    assert "#date+epiweek" in tags and "#affected+infected+age0_4" in tags
    assert "#affected+killed+age5plus" in tags
    assert all(tag.startswith("#") for tag in tags)
    diseases = len({row[header.index("disease_code")] for row in rows})
    assert len(rows) == 6 * diseases  # six weeks received, every disease of each
    record = {
        (r[header.index("epi_week")], r[header.index("disease_code")]): dict(
            zip(header, r, strict=True)
        )
        for r in rows
    }
    week11 = record[("2025-W11", "awd")]
    assert (week11["cases_under5"], week11["cases_over5"], week11["deaths_under5"]) == (
        "303", "404", "101",
    )  # fmt: skip
    assert week11["adm1_pcode"] == "IQG09" and week11["adm2_pcode"] == "IQG09Q04"
    assert record[("2025-W14", "awd")]["on_time"] == "no"
    assert record[("2025-W12", "awd")]["cases_over5"] == "0"  # zero reporting
    assert not any(key[0] in ("2025-W13", "2025-W15") for key in record)  # missing: no rows
    assert export.rows == len(rows)


@pytest.mark.parametrize(
    ("reader", "theirs", "not_theirs"),
    [
        ("hana", "707", ("4001", "4003", "MMU-SIN-1")),
        ("faris", "1111", ("4001", "4003", "MMU-SIN-1")),
        ("muna", "4001", ("707", "1111", "PHCC-CHM")),
        ("shilan", "4003", ("707", "1111", "PHCC-CHM")),
        ("ahmed", "4003", ("707", "1111", "PHCC-CHM")),
    ],
)
def test_a_readers_files_hold_no_number_of_a_facility_they_do_not_read(
    personas: Personas, health: HealthWorld, reader: str, theirs: str, not_theirs: tuple[str, ...]
) -> None:
    ewarn_history(health)
    consultation_history(health)
    user = getattr(health, reader, None) or getattr(personas, reader)
    months = {"start": date(2025, 1, 1), "end": date(2025, 2, 28)}

    hxl = exports.ewarn_hxl(actor=user.user, area=EVERYWHERE, span=SPAN).data.decode("utf-8-sig")
    consultations = exports.consultations_hxl(actor=user.user, area=EVERYWHERE, **months)
    dhis2 = exports.ewarn_dhis2(actor=user.user, area=EVERYWHERE, span=SPAN)

    assert re.search(rf"\b{theirs}\b", hxl)
    for found in not_theirs:
        assert not re.search(rf"\b{found}\b", hxl)
        assert not re.search(rf"\b{found}\b", dhis2.data.decode())
        assert found not in json.dumps(dhis2.left_out)
    assert ("5005" in consultations.data.decode()) is (reader in ("muna", "shilan", "ahmed"))


def test_the_outsider_gets_files_with_headers_and_no_figures(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)
    consultation_history(health)
    user = personas.outsider.user

    assert len(_rows(exports.ewarn_hxl(actor=user, area=EVERYWHERE, span=SPAN).data)) == 2
    consultations = exports.consultations_hxl(
        actor=user, area=EVERYWHERE, start=date(2025, 1, 1), end=date(2025, 12, 31)
    )
    assert len(_rows(consultations.data)) == 2
    assert _values(exports.ewarn_dhis2(actor=user, area=EVERYWHERE, span=SPAN)) == []


def test_dhis2_weeks_are_named_in_the_period_type_of_the_week_convention() -> None:
    # WHO epidemiological weeks begin on Sunday: DHIS2's WeeklySunday period type.
    assert exports.week_period(2026, 48, "who") == "2026SunW48"
    assert exports.week_period(2026, 48, "iso") == "2026W48"
    assert exports.week_period(2025, 3, "who") == "2025SunW3"
    assert exports.month_period(date(2026, 11, 1)) == "202611"


def test_the_ewarn_value_set_maps_cases_and_deaths_by_age_and_lists_what_it_left_out(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)
    plan = exports.mapping()
    awd = plan["ewarn"]["data_elements"]["awd"]
    combos = plan["ewarn"]["category_option_combos"]

    export = exports.ewarn_dhis2(actor=health.faris.user, area=EVERYWHERE, span=SPAN)

    values = _values(export)
    assert {v["period"] for v in values} == {f"2025SunW{w}" for w in (10, 11, 12, 14, 16, 17)}
    assert {v["orgUnit"] for v in values} == {PHCC_UNIT}
    assert all(set(v) == {"dataElement", "period", "orgUnit", "categoryOptionCombo", "value"}
               for v in values)  # fmt: skip
    assert all(UID.match(v["dataElement"]) and UID.match(v["categoryOptionCombo"]) for v in values)
    week11 = {
        (v["dataElement"], v["categoryOptionCombo"]): v["value"]
        for v in values
        if v["period"] == "2025SunW11"
    }
    assert week11[(awd["cases"], combos["under5"])] == "303"
    assert week11[(awd["cases"], combos["over5"])] == "404"
    assert week11[(awd["deaths"], combos["under5"])] == "101"
    assert week11[(awd["deaths"], combos["over5"])] == "0"
    mapped = len(plan["ewarn"]["data_elements"])
    assert len(values) == 6 * mapped * 4
    assert export.left_out == [
        {
            "facility": "PHCC-CHM",
            "what": "disease other_fever",
            "why": "no DHIS2 data element for this disease",
            "values": 6 * 4,
        }
    ]


def test_a_facility_without_an_organisation_unit_is_listed_as_left_out_not_dropped(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)

    export = exports.ewarn_dhis2(actor=health.muna.user, area=EVERYWHERE, span=SPAN)

    assert _values(export) == []
    assert [(i["facility"], i["what"]) for i in export.left_out] == [("MMU-SIN-1", "facility")]
    assert export.left_out[0]["values"] > 0


def test_a_directorates_own_mapping_with_an_attribute_option_combo_is_followed(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)
    plan = json.loads(json.dumps(exports.mapping()))
    plan["org_units"]["units"]["MMU-SIN-1"] = "Mmu0Sinjar1"
    plan["attribute_option_combo"] = "Att0Partner"

    values = _values(
        exports.ewarn_dhis2(actor=health.muna.user, area=EVERYWHERE, span=SPAN, plan=plan)
    )

    assert {v["orgUnit"] for v in values} == {"Mmu0Sinjar1"}
    assert {v["attributeOptionCombo"] for v in values} == {"Att0Partner"}
    assert sum(int(v["value"]) for v in values) == 8004


def test_the_consultation_value_set_is_monthly_by_sex_and_age_with_population_groups_summed(
    personas: Personas, health: HealthWorld
) -> None:
    consultation_history(health)
    plan = exports.mapping()["consultations"]

    export = exports.consultations_dhis2(
        actor=personas.layla.user, area=EVERYWHERE, start=date(2025, 1, 1), end=date(2025, 2, 28)
    )

    values = {
        (v["period"], v["dataElement"], v["categoryOptionCombo"]): v["value"]
        for v in _values(export)
    }
    combos, elements = plan["category_option_combos"], plan["data_elements"]
    assert values == {
        ("202501", elements["general"], combos["f_u5"]): "13",
        ("202501", elements["general"], combos["m_18_59"]): "20",
        ("202501", elements["antenatal"], combos["f_18_59"]): "9",
        ("202501", elements["referral_out"], combos["f_60p"]): "2",
        ("202502", elements["general"], combos["m_5_17"]): "6",
    }
    assert export.left_out == []


def test_the_consultation_file_has_a_row_per_period_service_and_population_group(
    personas: Personas, health: HealthWorld
) -> None:
    consultation_history(health)

    export = exports.consultations_hxl(
        actor=personas.hana.user, area=EVERYWHERE, start=date(2025, 1, 1), end=date(2025, 2, 28)
    )

    header, tags, *rows = _rows(export.data)
    assert tags[header.index("f_u5")] == "#indicator+consultations+num+f+age0_4"
    assert tags[header.index("m_60p")] == "#indicator+consultations+num+m+age60plus"
    column = {name: header.index(name) for name in header}
    found = {
        (r[column["start"]], r[column["service_code"]], r[column["population_group"]]): (
            r[column["f_u5"]],
            r[column["total"]],
        )
        for r in rows
    }
    assert found == {
        ("2025-01-01", "general", "idp"): ("13", "13"),
        ("2025-01-01", "general", "host"): ("0", "20"),
        ("2025-01-01", "antenatal", "idp"): ("0", "9"),
        ("2025-01-01", "referral_out", "idp"): ("0", "2"),
        ("2025-02-02", "general", "returnee"): ("0", "6"),
    }


def test_every_export_is_written_to_the_audit_log_with_its_reader(
    personas: Personas, health: HealthWorld
) -> None:
    ewarn_history(health)
    user = health.faris.user
    start, end = date(2025, 1, 1), date(2025, 2, 28)

    exports.ewarn_hxl(actor=user, area=EVERYWHERE, span=SPAN)
    exports.ewarn_dhis2(actor=user, area=EVERYWHERE, span=SPAN)
    exports.consultations_hxl(actor=user, area=EVERYWHERE, start=start, end=end)
    exports.consultations_dhis2(actor=user, area=EVERYWHERE, start=start, end=end)

    events = AuditEvent.objects.filter(action="health.export", actor=user).order_by("pk")
    assert [e.detail["kind"] for e in events] == [
        "ewarn_hxl", "ewarn_dhis2", "consultations_hxl", "consultations_dhis2",
    ]  # fmt: skip
    assert events[0].detail["rows"] > 0
    assert events[1].detail["left_out"] == 1


def test_two_exported_facilities_with_one_code_are_left_out_not_written_as_one_unit(
    personas: Personas, health: HealthWorld
) -> None:
    # The mapping's organisation unit for the code cannot tell whose counts it gets.
    town = builders.same_code_town_phcc(health, personas)
    for facility in (health.chameshku_phcc, town):
        builders.week_report(facility, 2025, 10, awd=3)
        services.consultation_report_submit(
            actor=None,
            facility=facility,
            period="month",
            start=date(2025, 1, 1),
            cells=[Cell("general", "f", "u5", "idp", 13)],
        )

    ewarn = exports.ewarn_dhis2(actor=personas.layla.user, area=EVERYWHERE, span=SPAN)
    consultations = exports.consultations_dhis2(
        actor=personas.layla.user, area=EVERYWHERE, start=date(2025, 1, 1), end=date(2025, 1, 31)
    )

    for export in (ewarn, consultations):
        assert _values(export) == []
        assert [(i["facility"], i["what"], i["why"]) for i in export.left_out] == [
            ("PHCC-CHM (DoH Duhok)", "facility", exports.SHARED_CODE),
            ("PHCC-CHM (IOM)", "facility", exports.SHARED_CODE),
        ]
