"""The confidentiality rules that close the gaps an independent review found: a service that
declined a person reads nothing of them again; nobody makes themselves a GBV or MHPSS reader;
the registry's own consent to referrals is asked; "already open" tells no worker of a referral
they may not read; a consent is time-bound; the receiving side learns nothing of who consented;
a GBV referral of a registered woman does not carry the household's phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from nahrain.core import services as core_services
from nahrain.core.models import Role
from nahrain.referrals import access, services
from nahrain.referrals.models import ServicePoint
from nahrain.referrals.services import ReferralRuleBroken
from nahrain.referrals.tests import builders
from nahrain.registry import services as registry_services
from nahrain.registry.models import Consent
from nahrain.testing.personas import Personas


@pytest.fixture
def points(personas: Personas) -> dict[str, ServicePoint]:
    return builders.standard_points(personas)


def _rules(error: pytest.ExceptionInfo[ReferralRuleBroken]) -> set[str]:
    return {p.rule for p in error.value.problems}


def test_a_service_that_declined_reads_nothing_of_the_person_after_the_sender_closes(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    referral = builders.refer(personas.rania.user, personas.iom, points["legal"], "legal_aid")
    shilan = personas.shilan.user
    services.referral_step(
        actor=shilan, referral=referral, status="declined", decline_reason="no_capacity"
    )
    services.referral_step(actor=personas.rania.user, referral=referral, status="closed")
    referral.refresh_from_db()
    sides = access.referral_sides(shilan, referral)
    assert sides == {access.RECEIVER}
    assert access.referral_fields_shown(referral, sides, timezone.localdate()) == {}
    page = personas.shilan.client().get(f"/referrals/{referral.uid}/").content.decode()
    assert "Amina Hassan" not in page and "07509876543" not in page


def test_nobody_makes_themselves_a_gbv_or_mhpss_reader(personas: Personas) -> None:
    admin = personas.intersos_admin
    # Not themselves, through the members page.
    response = admin.client().post(
        f"/organisations/{personas.intersos.pk}/members/",
        {"username": "intersos_admin", "role": Role.GBV_CASE_WORKER},
    )
    assert response.status_code == 200 and "Nobody gives themselves" in response.content.decode()
    # Not an admin or information manager, whoever gives it; not the other way round either.
    for user, organisation, role in (
        (personas.intersos_admin.user, personas.intersos, Role.GBV_CASE_WORKER),
        (personas.layla.user, personas.iom, Role.MHPSS_WORKER),
        (personas.zainab.user, personas.intersos, Role.ORG_ADMIN),
        (personas.zainab.user, personas.intersos, Role.INFORMATION_MANAGER),
    ):
        with pytest.raises(core_services.RoleRefused):
            core_services.membership_add(
                actor=personas.root.user, user=user, organisation=organisation, role=role
            )
    assert not access.cases_readable(personas.intersos_admin.user).exists()
    assert not access.organisations_with(
        personas.intersos_admin.user, (Role.GBV_CASE_WORKER,)
    ).exists()


def test_a_household_that_did_not_agree_to_referrals_is_not_referred(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    woman = builders.iom_person(personas)
    consent = Consent.objects.get(household=woman.household, purpose="referral")
    registry_services.consent_withdraw(
        actor=personas.rania.user, consent=consent, on=timezone.localdate()
    )
    with pytest.raises(ReferralRuleBroken) as refused:
        builders.refer(
            personas.rania.user, personas.iom, points["legal"], "legal_aid", individual=woman
        )
    assert _rules(refused) == {"no_registry_consent"}


def test_already_open_tells_no_worker_of_a_gbv_referral_they_may_not_read(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    first = builders.refer(
        personas.shilan.user, personas.intersos, points["wgss"], "gbv_case_management"
    )
    # karim types the same woman: his own referral is recorded, nothing of shilan's is told.
    second = builders.refer(
        personas.karim.user, personas.intersos, points["wgss"], "gbv_case_management"
    )
    assert first.pk != second.pk
    # The same worker sending her twice is still refused.
    with pytest.raises(ReferralRuleBroken) as refused:
        builders.refer(
            personas.shilan.user, personas.intersos, points["wgss"], "gbv_case_management"
        )
    assert _rules(refused) == {"already_open"}


def test_a_consent_lasts_six_months_at_most(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    with pytest.raises(ReferralRuleBroken) as refused:
        builders.refer(
            personas.rania.user,
            personas.iom,
            points["legal"],
            "legal_aid",
            consent=builders.consent(days=181),
        )
    assert _rules(refused) == {"too_long"}
    builders.refer(
        personas.rania.user,
        personas.iom,
        points["legal"],
        "legal_aid",
        consent=builders.consent(days=180),
    )


def test_the_receiving_side_learns_nothing_of_who_consented(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    child = services.PersonIn(name="Sara", sex="f", age=9, place="Zakho")
    referral = builders.refer(
        personas.shilan.user,
        personas.intersos,
        points["legal"],
        "legal_aid",
        person=child,
        consent=builders.consent(
            ("sex", "place"), given_by="caregiver", caregiver="mother", child_assent=True
        ),
    )
    answer = personas.shilan.client().get(f"/api/v1/referrals/{referral.uid}").json()["consent"]
    assert answer["given_by"] == "caregiver"  # shilan sent it
    # The receiving side of another organisation's referral: none of it.
    sent = builders.refer(
        personas.rania.user,
        personas.iom,
        points["legal"],
        "legal_aid",
        person=child,
        consent=builders.consent(
            ("sex", "place"), given_by="caregiver", caregiver="mother", child_assent=True
        ),
    )
    received = personas.shilan.client().get(f"/api/v1/referrals/{sent.uid}").json()["consent"]
    assert (
        received["given_by"],
        received["child_assent"],
        received["caregiver_relationship"],
    ) == (None, None, "")


def test_a_gbv_referral_of_a_registered_woman_does_not_carry_the_households_phone(
    personas: Personas, points: dict[str, ServicePoint]
) -> None:
    woman = builders.iom_person(personas)
    gbv_point = builders.point(
        personas.iom,
        kind="womens_centre",
        name_en="Zakho IOM safe space",
        services_offered=("gbv_case_management",),
    )
    rania = personas.rania.user
    referral = builders.refer(
        rania, personas.iom, gbv_point, "gbv_case_management", individual=woman
    )
    assert referral.phone == "" and referral.place == "Zakho, Nizarke"
    legal = builders.refer(rania, personas.iom, points["legal"], "legal_aid", individual=woman)
    assert legal.phone == woman.household.phone
    # A consent already past its end blocks the hand-offs, not the decline.
    legal.consent.until = timezone.localdate() - timedelta(days=1)
    legal.consent.given_on = legal.consent.until - timedelta(days=10)
    legal.consent.save()
    with pytest.raises(ReferralRuleBroken):
        services.referral_step(actor=personas.shilan.user, referral=legal, status="accepted")
    services.referral_step(
        actor=personas.shilan.user, referral=legal, status="declined", decline_reason="no_capacity"
    )
