"""The health app's rows of the permission matrix (nahrain/testing/permissions.py), with the
builders of the objects they act on: a PHCC IOM runs in Zakho district under the Duhok
Directorate of Health (whose surveillance officer, faris, is in the matrix's cast), its
consultation report and EWARN week sent by hana, and the measles alert the week raised.

Facilities are read by every signed-in user and changed by IOM's information managers; IOM's
data entry clerks and information managers send its reports; IOM's members and Duhok's
surveillance officers read them and the alert; the surveillance officers alone step the alert.
Everyone else is answered 404, as for what does not exist."""

from __future__ import annotations

from datetime import date
from typing import Any

from nahrain.geo.models import AdminUnit
from nahrain.health import services
from nahrain.health.models import Alert, ConsultationReport, EwarnReport, Facility
from nahrain.health.services import Cell, DiseaseCount
from nahrain.health.tests.builders import gazetteer
from nahrain.testing.permissions import (
    ANY_IM,
    IM,
    MEMBER,
    NOBODY,
    REPORTER,
    SIGNED_IN,
    SURVEILLANCE,
    Decision,
    Target,
    World,
    api,
    page,
)
from nahrain.testing.personas import duhok_directorate

H = "/api/v1/health"
EXPORT = {"GET": "health.export"}
MONTH = "2026-01-01"
WEEK = "2026-W05"

# --- builders ---------------------------------------------------------------------------------


def _facility(world: World) -> Facility:
    def make() -> Facility:
        gazetteer()
        return services.facility_create(
            actor=None,
            organisation=world.personas.iom,
            directorate=duhok_directorate(),
            code="PHCC-MATRIX",
            name_en="Zakho PHCC",
            kind="phcc",
            district=AdminUnit.objects.get(pcode="IQG09Q04"),
        )

    facility: Facility = world.once("health.facility", make)
    return facility


def _target(world: World, json: dict[str, Any] | None = None, **kwargs: Any) -> Target:
    facility = _facility(world)
    return Target(
        kwargs={"facility_uid": facility.uid, **kwargs},
        json=json,
        organisation_id=world.personas.iom.pk,
        directorate_id=facility.directorate_id,
    )


def facility(world: World) -> Target:
    return _target(world)


def facility_new(world: World) -> Target:
    """A new facility's body: any information manager adds one to their own organisation."""
    return Target(
        json={
            "directorate_id": str(duhok_directorate().pk),
            "code": "PHCC-NEW",
            "name_en": "New PHCC",
            "kind": "phcc",
            "district": "IQG09Q04",
        }
    )


def facility_change(world: World) -> Target:
    return _target(world, {"functionality": "partial"})


def catchment(world: World) -> Target:
    return _target(world, {"site_uids": [], "location_uids": []})


CELLS = [Cell("general", "f", "u5", "idp", 12)]


def consultation_put(world: World) -> Target:
    body = {
        "cells": [
            {
                "service": "general",
                "sex": "f",
                "age_group": "u5",
                "population_group": "idp",
                "count": 3,
            }
        ]
    }
    return _target(world, body, period="month", start=MONTH)


def ewarn_put(world: World) -> Target:
    return _target(world, {"counts": [{"disease": "ili", "cases_over5": 4}]}, week=WEEK)


def immediate_post(world: World) -> Target:
    body = {"disease": "measles", "seen_on": "2026-11-30", "cases": 1}
    return _target(world, body)


def consultation_report(world: World) -> Target:
    def make() -> ConsultationReport:
        return services.consultation_report_submit(
            actor=world.personas.hana.user,
            facility=_facility(world),
            period="month",
            start=date.fromisoformat(MONTH),
            cells=CELLS,
        )

    report: ConsultationReport = world.once("health.consultation_report", make)
    target = _target(world)
    target.kwargs = {"consultation_report_uid": report.uid}
    return target


def _week(world: World) -> EwarnReport:
    """Hana's week 30 with a case of measles: it raises the alert."""

    def make() -> EwarnReport:
        return services.ewarn_report_submit(
            actor=world.personas.hana.user,
            facility=_facility(world),
            year=2026,
            week=30,
            counts=[DiseaseCount("measles", cases_under5=1)],
        )

    report: EwarnReport = world.once("health.ewarn_report", make)
    return report


def ewarn_report(world: World) -> Target:
    target = _target(world)
    target.kwargs = {"ewarn_report_uid": _week(world).uid}
    return target


def alert(world: World) -> Target:
    found = Alert.objects.get(signals__report=_week(world), disease="measles")
    step = {"to": "verified", "note": "Seen by the PHCC doctor"}
    target = _target(world, step)
    target.form = step
    target.kwargs = {"alert_uid": found.uid}
    return target


# --- the rows ---------------------------------------------------------------------------------

READERS = MEMBER | SURVEILLANCE

ENDPOINTS: tuple[Decision, ...] = (
    api(f"GET {H}/facilities", SIGNED_IN),
    api(f"POST {H}/facilities", ANY_IM, facility_new, ok=201),
    api(f"GET {H}/facilities/{{facility_uid}}", SIGNED_IN, facility),
    api(f"PATCH {H}/facilities/{{facility_uid}}", IM, facility_change),
    api(f"PUT {H}/facilities/{{facility_uid}}/catchment", IM, catchment),
    api(
        f"PUT {H}/facilities/{{facility_uid}}/consultation-reports/{{period}}/{{start}}",
        REPORTER,
        consultation_put,
    ),
    api(f"PUT {H}/facilities/{{facility_uid}}/ewarn-reports/{{week}}", REPORTER, ewarn_put),
    api(
        f"POST {H}/facilities/{{facility_uid}}/immediate-reports",
        REPORTER,
        immediate_post,
        ok=201,
    ),
    api(f"GET {H}/consultation-reports", SIGNED_IN),
    api(
        f"GET {H}/consultation-reports/{{consultation_report_uid}}",
        READERS,
        consultation_report,
    ),
    api(f"GET {H}/ewarn-reports", SIGNED_IN),
    api(f"GET {H}/ewarn-reports/{{ewarn_report_uid}}", READERS, ewarn_report),
    api(f"GET {H}/alerts", SIGNED_IN),
    api(f"GET {H}/alerts/{{alert_uid}}", READERS, alert),
    api(f"POST {H}/alerts/{{alert_uid}}/steps", SURVEILLANCE, alert),
    # The pages (health/urls.py). A form posted empty is shown again with its problems (200);
    # one that may be valid empty (a catchment of no place) is written and redirects (302).
    page("health:facilities", GET=SIGNED_IN, POST=NOBODY),
    page("health:facility_new", GET=ANY_IM, POST=ANY_IM),
    page("health:facility", GET=SIGNED_IN, POST=NOBODY, build=facility),
    page("health:facility_edit", GET=IM, POST=IM, build=facility),
    page(
        "health:facility_catchment",
        GET=IM,
        POST=IM,
        build=facility,
        ok={"GET": 200, "POST": (200, 302)},
    ),
    page("health:report", GET=REPORTER, POST=NOBODY, build=facility),
    page("health:ewarn", GET=REPORTER, POST=REPORTER, build=facility, personal=True),
    page("health:immediate", GET=REPORTER, POST=REPORTER, build=facility, personal=True),
    page("health:consultations", GET=REPORTER, POST=REPORTER, build=facility, personal=True),
    page("health:alerts", GET=SIGNED_IN, POST=NOBODY, personal=True),
    page("health:alert", GET=READERS, POST=NOBODY, build=alert, personal=True),
    page(
        "health:alert_step",
        GET=NOBODY,
        POST=SURVEILLANCE,
        build=alert,
        ok={"POST": 302},
        personal=True,
    ),
    # The figures (dashboard_urls.py): every signed-in user opens them and sees the facilities
    # whose reports they read (none for an outsider: an empty page, an empty file); each
    # download is audited.
    page("health:epicurve", GET=SIGNED_IN, POST=NOBODY, build=alert),
    page("health:completeness", GET=SIGNED_IN, POST=NOBODY, build=ewarn_report),
    page("health:dashboard_consultations", GET=SIGNED_IN, POST=NOBODY, build=consultation_report),
    page("health:export_ewarn_hxl", GET=SIGNED_IN, POST=NOBODY, build=ewarn_report, audit=EXPORT),
    page(
        "health:export_consultations_hxl",
        GET=SIGNED_IN,
        POST=NOBODY,
        build=consultation_report,
        audit=EXPORT,
    ),
    # The DHIS2 pages are asked here without ?download=1: the page previews the set and is not
    # an export, so no audit row (test_dashboard_pages checks the download's).
    page("health:export_ewarn_dhis2", GET=SIGNED_IN, POST=NOBODY, build=ewarn_report),
    page(
        "health:export_consultations_dhis2",
        GET=SIGNED_IN,
        POST=NOBODY,
        build=consultation_report,
    ),
)
