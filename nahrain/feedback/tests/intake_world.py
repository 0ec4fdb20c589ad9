"""IOM's feedback set-up for the intake tests: a camp, the help-desk form published with a
collector's phone, and jwan named IOM's focal point for every sensitive category."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.test import Client

from nahrain.collect import services as collect_services
from nahrain.collect.tests.odk import Collect
from nahrain.feedback import codelists, services
from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit
from nahrain.sites import services as site_services
from nahrain.sites.models import Site, SiteType
from nahrain.testing.personas import Persona, Personas

FORM = "feedback_helpdesk"


@dataclass
class World:
    personas: Personas
    rawa: Persona
    jwan: Persona
    site: Site
    phone: Collect
    xform: str


def build(personas: Personas, rawa: Persona, jwan: Persona) -> World:
    geo_services.gazetteer_load()
    site = site_services.site_create(
        actor=personas.omar.user,
        organisation=personas.iom,
        code="IQ-DHK-CHM",
        name_en="Chameshku",
        name_ar="جمشكو",
        type=SiteType.CAMP,
        admin_unit=AdminUnit.objects.get(pcode="IQG09Q04"),
        status_on=date(2014, 9, 1),
    )
    services.focal_point_name(
        actor=personas.iom_admin.user,
        organisation=personas.iom,
        user=jwan.user,
        categories=codelists.sensitive_categories(),
    )
    versions = collect_services.forms_publish(actor=personas.layla.user, organisation=personas.iom)
    collector, password = collect_services.collector_create(
        actor=personas.layla.user, organisation=personas.iom, username="helpdesk01"
    )
    xform = next(v.xml for v in versions if v.form.form_id == FORM)
    return World(
        personas=personas,
        rawa=rawa,
        jwan=jwan,
        site=site,
        phone=Collect(Client(), collector.username, password),
        xform=xform,
    )
