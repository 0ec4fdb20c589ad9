from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from nahrain.referrals import access, services
from nahrain.referrals.tests import builders
from nahrain.testing.personas import Personas


def test_a_referral_goes_from_sending_to_closing(personas: Personas) -> None:
    points = builders.standard_points(personas)
    person = builders.iom_person(personas)
    referral = builders.refer(
        personas.rania.user,
        personas.iom,
        points["legal"],
        "legal_aid",
        individual=person,
        consent=builders.consent(("sex", "age", "place")),
    )
    shilan_sides = access.referral_sides(personas.shilan.user, referral)
    assert shilan_sides == {access.RECEIVER}
    shown = access.referral_fields_shown(referral, shilan_sides, timezone.localdate())
    assert set(shown) == {"sex", "age", "place"}
    for status in ("acknowledged", "accepted"):
        services.referral_step(actor=personas.shilan.user, referral=referral, status=status)
    services.referral_step(
        actor=personas.shilan.user,
        referral=referral,
        status="appointment",
        appointment_on=timezone.localdate() + timedelta(days=2),
    )
    services.referral_step(actor=personas.shilan.user, referral=referral, status="provided")
    services.referral_step(actor=personas.rania.user, referral=referral, status="closed")
    referral.refresh_from_db()
    assert referral.status == "closed"
    assert not access.referral_sides(personas.zainab.user, referral)


def test_a_gbv_case_is_read_by_its_assigned_worker_alone(personas: Personas) -> None:
    case = builders.gbv_case(personas)
    assert access.cases_readable(personas.zainab.user).filter(pk=case.pk).exists()
    for other in ("nour", "shilan", "intersos_admin", "root", "karim"):
        assert not access.cases_readable(getattr(personas, other).user).filter(pk=case.pk).exists()


def test_a_child_needs_a_caregiver_and_assent(personas: Personas) -> None:
    points = builders.standard_points(personas)
    child = services.PersonIn(name="Ali", sex="m", age=10)
    with pytest.raises(services.ReferralRuleBroken):
        builders.refer(personas.shilan.user, personas.intersos, points["phcc"], "phc", person=child)
    builders.refer(
        personas.shilan.user,
        personas.intersos,
        points["phcc"],
        "phc",
        person=child,
        consent=builders.consent(given_by="caregiver", caregiver="mother", child_assent=True),
    )
