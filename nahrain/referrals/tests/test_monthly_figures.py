"""The referrals an organisation provided in a month, for its own 4W: by district, sex and age,
without GBV and MHPSS, and for its own reporters alone."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from nahrain.assistance.reach import age_groups
from nahrain.geo.models import AdminUnit
from nahrain.referrals import services
from nahrain.referrals.selectors import referrals_provided_monthly
from nahrain.referrals.services import PersonIn
from nahrain.referrals.tests.builders import consent, refer, standard_points
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_referrals_provided_in_the_month_count_by_district_sex_and_age_without_gbv(
    personas: Personas,
) -> None:
    points = standard_points(personas)
    people = [
        PersonIn(name="Amina Hassan", sex="f", age=34, phone="", place="Zakho"),
        PersonIn(name="Yousif Ali", sex="m", age=12, phone="", place="Zakho"),
    ]
    legal = [
        refer(personas.rania.user, personas.iom, points["legal"], "legal_aid", person=people[0]),
        refer(
            personas.rania.user,
            personas.iom,
            points["legal"],
            "legal_aid",
            person=people[1],
            consent=consent(given_by="caregiver", caregiver="mother", child_assent=True),
        ),
    ]
    gbv = refer(personas.rania.user, personas.iom, points["wgss"], "gbv_case_management")
    for referral, worker in [*((r, personas.shilan) for r in legal), (gbv, personas.zainab)]:
        for status in ("acknowledged", "accepted", "provided"):
            services.referral_step(actor=worker.user, referral=referral, status=status)

    (found,) = referrals_provided_monthly(
        user=personas.intersos_admin.user,
        organisation=personas.intersos,
        month=timezone.localdate(),
        age_bands=age_groups(),
    )

    assert found.district_id == AdminUnit.objects.get(pcode="IQG09Q04").pk
    assert (found.people, found.cells) == (2, {"f_18_59": 1, "m_0_17": 1})
    with pytest.raises(PermissionDenied):
        referrals_provided_monthly(
            user=personas.layla.user,
            organisation=personas.intersos,
            month=timezone.localdate(),
            age_bands=age_groups(),
        )
