"""The world the feedback pages, API and canary tests speak through: IOM's help desk at the
Chameshku camp (rawa), IOM's focal point for sensitive feedback (jwan, named for every
sensitive category by iom_admin), INTERSOS's feedback officer (lina), and a helper that records
feedback as the help desk does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from nahrain.feedback import codelists, services
from nahrain.feedback.models import Feedback
from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit
from nahrain.sites import services as site_services
from nahrain.sites.models import Site, SiteType
from nahrain.testing.personas import Persona, Personas


@dataclass
class Desk:
    personas: Personas
    rawa: Persona
    jwan: Persona
    lina: Persona
    chameshku: Site

    def receive(self, **fields: Any) -> Feedback:
        """Feedback rawa records at IOM's help desk (a question about the distribution, unless
        told otherwise)."""
        given: dict[str, Any] = {
            "actor": self.rawa.user,
            "organisation": self.personas.iom,
            "channel": "help_desk",
            "category": "information_request",
            "topic": "distribution_cash",
            "site": self.chameshku,
            "description": "When is the next distribution of kerosene?",
            "contact": {
                "name": "Khalid Ahmed",
                "phone": "07501112233",
                "preferred_language": "ar",
                "callback_gender": "male",
                "consent_to_share": False,
            },
        }
        given.update(fields)
        return services.feedback_receive(**given)


@pytest.fixture(name="desk")
def desk_fixture(personas: Personas, rawa: Persona, jwan: Persona, lina: Persona) -> Desk:
    geo_services.gazetteer_load()
    chameshku = site_services.site_create(
        actor=personas.omar.user,
        organisation=personas.iom,
        code="IQ-DHK-CHM",
        name_en="Chameshku",
        name_ar="جمشكو",
        name_ckb="چەمیشکۆ",
        type=SiteType.CAMP,
        admin_unit=AdminUnit.objects.get(pcode="IQG09Q04"),
        status_on=date(2014, 9, 1),
        capacity_people=30000,
    )
    services.focal_point_name(
        actor=personas.iom_admin.user,
        organisation=personas.iom,
        user=jwan.user,
        categories=codelists.sensitive_categories(),
    )
    return Desk(personas=personas, rawa=rawa, jwan=jwan, lina=lina, chameshku=chameshku)
