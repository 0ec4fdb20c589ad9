from __future__ import annotations

from datetime import date

import pytest

from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit
from nahrain.sites import services
from nahrain.sites.models import Site, SiteType
from nahrain.testing.personas import Personas


@pytest.fixture
def gazetteer(db: None) -> None:
    geo_services.gazetteer_load()


@pytest.fixture
def chameshku(personas: Personas, gazetteer: None) -> Site:
    """IOM's Chameshku camp in Zakho district, Duhok, opened in 2014, with no figure yet."""
    return services.site_create(
        actor=personas.omar.user,
        organisation=personas.iom,
        code="IQ-DHK-CHM",
        name_en="Chameshku",
        name_ar="جمشكو",
        type=SiteType.CAMP,
        admin_unit=AdminUnit.objects.get(pcode="IQG09Q04"),
        status_on=date(2014, 9, 1),
        capacity_people=30000,
    )
