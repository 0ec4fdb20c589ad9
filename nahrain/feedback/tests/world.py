"""A small feedback world: IOM's help desk at Chameshku camp (Zakho, Duhok) where rawa records
feedback, jwan whom IOM's admin names focal point for sensitive kinds in the tests that need
her, and INTERSOS's feedback officer lina, to whom feedback outside IOM's scope is referred."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from nahrain.core.models import Organisation
from nahrain.feedback import services
from nahrain.feedback.models import Feedback
from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit
from nahrain.sites import services as site_services
from nahrain.sites.models import Site, SiteType
from nahrain.testing.personas import Persona, Personas


@dataclass
class World:
    personas: Personas
    rawa: User
    jwan: User
    lina: User
    iom: Organisation
    intersos: Organisation
    chameshku: Site
    zakho: AdminUnit
    duhok: AdminUnit

    def receive(self, **given: Any) -> Feedback:
        """Feedback rawa records at the Chameshku help desk (what the test says, else a
        question about the next distribution)."""
        defaults: dict[str, Any] = {
            "actor": self.rawa,
            "organisation": self.iom,
            "channel": "help_desk",
            "category": "information_request",
            "description": "When is the next kerosene distribution in block C?",
            "site": self.chameshku,
            "topic": "distribution_cash",
        }
        return services.feedback_receive(**{**defaults, **given})


def build(personas: Personas, rawa: Persona, jwan: Persona, lina: Persona) -> World:
    geo_services.gazetteer_load()
    zakho = AdminUnit.objects.get(pcode="IQG09Q04")
    chameshku = site_services.site_create(
        actor=personas.omar.user,
        organisation=personas.iom,
        code="IQ-DHK-CHM",
        name_en="Chameshku",
        name_ar="جمشكو",
        type=SiteType.CAMP,
        admin_unit=zakho,
        status_on=date(2014, 9, 1),
    )
    return World(
        personas=personas,
        rawa=rawa.user,
        jwan=jwan.user,
        lina=lina.user,
        iom=personas.iom,
        intersos=personas.intersos,
        chameshku=chameshku,
        zakho=zakho,
        duhok=AdminUnit.objects.get(pcode="IQG09"),
    )


def days_ago(days: int, hour: int = 10) -> datetime:
    moment = timezone.localtime() - timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)
