"""The CCCM pages' test data, built through the services: IOM's Chameshku camp (Zakho, Duhok,
with coordinates, a headcount, months of arrivals and departures and a status history) and an
emergency site in Ninewa without coordinates, now closed; a sector with open gaps and a
monitoring round with critical indicators are written directly (their services are another
area's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from nahrain.geo.models import AdminUnit
from nahrain.sites import services
from nahrain.sites.models import MonitoringRound, Sector, ServiceGap, Site, SiteType
from nahrain.testing.personas import Personas

# (day, kind, households, individuals): three months of 2023 at Chameshku.
CHAMESHKU_MOVES = [
    (date(2023, 1, 10), "arrival", 10, 52),
    (date(2023, 1, 20), "departure", 4, 20),
    (date(2023, 2, 14), "arrival", 6, 30),
    (date(2023, 3, 6), "departure", 12, 61),
]


@dataclass
class Camps:
    chameshku: Site
    emergency: Site
    sector: Sector


def sector_wash() -> Sector:
    return Sector.objects.get_or_create(
        code="wash",
        defaults={
            "position": 1,
            "label_en": "Water, sanitation and hygiene",
            "label_ar": "المياه والصرف الصحي والنظافة",
            "cluster_en": "WASH Cluster",
        },
    )[0]


def camps_build(personas: Personas, chameshku: Site) -> Camps:
    omar = personas.omar.user
    services.site_update(
        actor=omar,
        site=chameshku,
        latitude=37.05,
        longitude=42.68,
        managing_agency="IOM",
        partners=["MdM", "UNICEF"],
        capacity_people=30000,
    )
    services.population_record(
        actor=omar,
        site=chameshku,
        on=date(2022, 12, 31),
        source="headcount",
        individuals=27400,
        households=5200,
    )
    for day, kind, households, individuals in CHAMESHKU_MOVES:
        services.movement_record(
            actor=omar,
            site=chameshku,
            kind=kind,
            on=day,
            households=households,
            individuals=individuals,
        )
    services.site_status_set(
        actor=omar, site=chameshku, status="consolidating", on=date(2023, 2, 1), reason="Merging"
    )
    emergency = services.site_create(
        actor=omar,
        organisation=personas.iom,
        code="IQ-NIN-HAJ",
        name_en="Haj Ali",
        name_ar="حاج علي",
        type=SiteType.EMERGENCY_SITE,
        admin_unit=AdminUnit.objects.get(pcode="IQG15"),
        status_on=date(2017, 1, 1),
        capacity_people=5000,
    )
    services.population_record(
        actor=omar, site=emergency, on=date(2022, 6, 1), source="cccm_estimate", individuals=900
    )
    services.site_status_set(
        actor=omar, site=emergency, status="closed", on=date(2023, 4, 1), reason="Closed by MoMD"
    )
    sector = sector_wash()
    chameshku.refresh_from_db()
    round_ = MonitoringRound.objects.create(
        site=chameshku, on=date(2023, 3, 1), red=2, amber=1, green=5, actor=omar
    )
    for text in ("Latrines in block C out of order", "Water trucking short"):
        ServiceGap.objects.create(
            site=chameshku,
            sector=sector,
            description=text,
            raised_on=date(2023, 3, 1),
            monitoring_round=round_,
            actor=omar,
        )
    # The counter the gap services keep, kept here by hand as they are not this area's.
    Site.objects.filter(pk=chameshku.pk).update(open_gaps=2)
    chameshku.refresh_from_db()
    emergency.refresh_from_db()
    return Camps(chameshku=chameshku, emergency=emergency, sector=sector)
