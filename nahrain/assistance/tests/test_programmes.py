"""Programmes and their rules, written through the services by the personas."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from nahrain.assistance import rules, services
from nahrain.assistance.models import Programme, ProgrammeStatus
from nahrain.assistance.tests.dist_world import world as dist_world
from nahrain.core.models import AuditEvent
from nahrain.testing.personas import Persona, Personas

RETURN_PACKAGE = {
    "eligible": {"statuses": ["returned"]},
    "entitlement": {"amount": "440.00", "currency": "USD"},
}


def return_package(personas: Personas, actor: Persona) -> Programme:
    return services.programme_create(
        actor=actor.user,
        organisation=personas.iom,
        code="RET-2018",
        name_en="Basic return package",
        kind="return_package",
        modality="cash",
        cluster="mpca",
        hrp_project="IRQ18/MS/123456",
        target_households=6300,
        target_people={"f_18_59": 9000, "m_18_59": 8800},
        starts_on=date(2018, 1, 1),
    )


def test_an_information_manager_creates_a_programme_sets_its_rules_and_starts_it(
    personas: Personas,
) -> None:
    programme = return_package(personas, personas.layla)
    assert programme.status == ProgrammeStatus.DRAFT
    with pytest.raises(ValidationError):
        services.programme_activate(actor=personas.layla.user, programme=programme)
    first = services.rules_set(
        actor=personas.layla.user, programme=programme, document=RETURN_PACKAGE, source="appeal"
    )
    second = services.rules_set(
        actor=personas.layla.user, programme=programme, document=RETURN_PACKAGE, source="v2"
    )
    assert (first.version, second.version) == (1, 2)
    assert services.current_rules(programme) == second
    programme = services.programme_activate(actor=personas.layla.user, programme=programme)
    assert programme.status == ProgrammeStatus.ACTIVE
    assert AuditEvent.objects.filter(action="assistance.rules_set").count() == 2


def test_rules_in_another_currency_than_the_programme_are_refused(personas: Personas) -> None:
    programme = return_package(personas, personas.layla)
    with pytest.raises(rules.RulesInvalid) as raised:
        services.rules_set(
            actor=personas.layla.user,
            programme=programme,
            document={"entitlement": {"amount": "440000", "currency": "IQD"}},
            source="",
        )
    assert "entitlement.currency" in raised.value.message_dict


def test_a_viewer_or_another_organisation_writes_no_programme(personas: Personas) -> None:
    for persona in (personas.hana, personas.shilan, personas.root):
        with pytest.raises(PermissionDenied):
            return_package(personas, persona)


def test_a_closed_programme_is_not_changed(personas: Personas) -> None:
    programme = return_package(personas, personas.layla)
    services.programme_update(actor=personas.layla.user, programme=programme, cycles=1, name_en="X")
    services.programme_close(actor=personas.layla.user, programme=programme)
    with pytest.raises(ValidationError):
        services.programme_update(actor=personas.layla.user, programme=programme, name_en="Y")


def test_a_programme_of_several_cycles_says_how_far_apart(personas: Personas) -> None:
    with pytest.raises(ValidationError) as raised:
        services.programme_create(
            actor=personas.layla.user,
            organisation=personas.iom,
            code="RENT",
            name_en="Rental subsidy",
            kind="rental_subsidy",
            modality="cash",
            cluster="snfi",
            cycles=3,
            starts_on=date(2018, 1, 1),
        )
    assert "cycle_days" in raised.value.message_dict


def test_what_an_approved_list_promised_is_not_changed(personas: Personas) -> None:
    cash = dist_world(personas.iom, modality="cash", cycles=3, prefix="frozen")
    for field, value in (
        ("cycles", 10),
        ("cycle_days", 7),
        ("kind", "mpca"),
        ("modality", "voucher"),
        ("currency", "IQD"),
    ):
        with pytest.raises(ValidationError) as raised:
            services.programme_update(
                actor=cash.officer, programme=cash.programme, **{field: value}
            )
        assert "approved" in raised.value.message_dict[field][0]
    cash.programme.refresh_from_db()
    assert (cash.programme.cycles, cash.programme.modality) == (3, "cash")


def test_a_programme_without_an_approved_list_changes_its_cycles(personas: Personas) -> None:
    programme = return_package(personas, personas.layla)
    changed = services.programme_update(
        actor=personas.layla.user, programme=programme, cycles=4, cycle_days=30
    )
    assert (changed.cycles, changed.cycle_days) == (4, 30)
