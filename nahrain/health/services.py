"""Writes of the health app: facilities and their catchments, consultation reports, EWARN weekly
reports and immediate alerts. Each is keyword-only and one transaction; a weekly or immediate
report is handed to the alert rules (``alerting``) inside the same transaction, so a report and
the alerts it raises are kept or lost together."""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from nahrain.collect.services import form_media_refresh_on_commit
from nahrain.core.models import Organisation, OrganisationType
from nahrain.core.services import audit_record
from nahrain.displacement.models import LocationAssessment, RoundStatus
from nahrain.geo.models import AdminUnit, Location
from nahrain.health import alerting, codelists, weeks
from nahrain.health.models import (
    CatchmentPlace,
    CatchmentPopulation,
    ConsultationCount,
    ConsultationReport,
    EwarnCount,
    EwarnReport,
    Facility,
    ImmediateReport,
)
from nahrain.sites.models import Site

# --- facilities -------------------------------------------------------------------------------


def _facility_checked(facility: Facility) -> None:
    problems: dict[str, str] = {}
    if facility.kind not in codelists.codes("facility_kinds"):
        problems["kind"] = f"{facility.kind!r} is not a kind of facility"
    if facility.functionality not in codelists.codes("functionality"):
        problems["functionality"] = f"{facility.functionality!r} is not a functionality"
    if facility.district.level != 2:
        problems["district"] = "a facility is placed in a district (admin level 2)"
    if facility.directorate.type != OrganisationType.GOVERNMENT:
        problems["directorate"] = "a Directorate of Health is a government organisation"
    if problems:
        raise ValidationError(problems)
    facility.full_clean()


# The field forms whose media list the facilities an organisation runs or supports
# (fieldforms.py registers them; named here because fieldforms imports this module).
FACILITY_FORMS = ("health_ewarn_weekly", "health_immediate_alert", "health_consultations")


def _facility_forms_refresh(facility: Facility) -> None:
    """Once the write commits, rebuild the facility list of every health form published for the
    organisations that report for the facility, so that a new, renamed or closed facility
    reaches the phones at their next form update."""
    for organisation in [facility.organisation, *facility.supporters.all()]:
        for form_id in FACILITY_FORMS:
            form_media_refresh_on_commit(organisation=organisation, form_id=form_id)


@transaction.atomic
def facility_create(
    *,
    actor: User | None,
    organisation: Organisation,
    directorate: Organisation,
    code: str,
    name_en: str,
    kind: str,
    district: AdminUnit,
    name_ar: str = "",
    name_ckb: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    functionality: str = "full",
    ewarn_reporting: bool = True,
    supporters: Sequence[Organisation] = (),
) -> Facility:
    facility = Facility(
        organisation=organisation,
        directorate=directorate,
        code=code.strip(),
        name_en=name_en.strip(),
        name_ar=name_ar.strip(),
        name_ckb=name_ckb.strip(),
        kind=kind,
        district=district,
        latitude=latitude,
        longitude=longitude,
        functionality=functionality,
        functionality_since=timezone.localdate(),
        ewarn_reporting=ewarn_reporting,
    )
    _facility_checked(facility)
    facility.save()
    facility.supporters.set([s for s in supporters if s.pk != organisation.pk])
    _facility_forms_refresh(facility)
    audit_record(
        actor=actor,
        action="health.facility_create",
        object_type="health.facility",
        object_id=facility.uid,
        organisation=organisation,
    )
    return facility


FACILITY_FIELDS = (
    "name_en",
    "name_ar",
    "name_ckb",
    "kind",
    "latitude",
    "longitude",
    "functionality",
    "ewarn_reporting",
    "active",
)


@transaction.atomic
def facility_update(*, actor: User | None, facility: Facility, **changes: Any) -> Facility:
    """Change the facility's own fields (``FACILITY_FIELDS``); a change of functionality is
    dated today."""
    unknown = set(changes) - set(FACILITY_FIELDS)
    if unknown:
        raise ValidationError({name: "cannot be changed here" for name in sorted(unknown)})
    locked = Facility.objects.select_for_update().get(pk=facility.pk)
    changed = sorted(k for k, v in changes.items() if getattr(locked, k) != v)
    for name in changed:
        setattr(locked, name, changes[name])
    if "functionality" in changed:
        locked.functionality_since = timezone.localdate()
    _facility_checked(locked)
    locked.save()
    if changed:
        _facility_forms_refresh(locked)
        audit_record(
            actor=actor,
            action="health.facility_update",
            object_type="health.facility",
            object_id=locked.uid,
            organisation=locked.organisation,
            detail={"fields": changed},
        )
    return locked


@transaction.atomic
def catchment_set(
    *,
    actor: User | None,
    facility: Facility,
    sites: Iterable[Site] = (),
    locations: Iterable[Location] = (),
    weekdays: Mapping[str, Sequence[int]] | None = None,
) -> CatchmentPopulation:
    """Replace the places a facility serves (``weekdays`` by site code or location id, for a
    mobile unit's visits) and take its population denominator anew."""
    weekdays = weekdays or {}
    for days in weekdays.values():
        if any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
            raise ValidationError({"weekdays": "weekdays are 0 (Monday) to 6 (Sunday)"})
    facility.catchment.all().delete()
    CatchmentPlace.objects.bulk_create(
        [
            CatchmentPlace(facility=facility, site=s, weekdays=list(weekdays.get(s.code, [])))
            for s in sites
        ]
        + [
            CatchmentPlace(
                facility=facility, location=loc, weekdays=list(weekdays.get(loc.external_id, []))
            )
            for loc in locations
        ]
    )
    audit_record(
        actor=actor,
        action="health.catchment_set",
        object_type="health.facility",
        object_id=facility.uid,
        organisation=facility.organisation,
        detail={"places": facility.catchment.count()},
    )
    return catchment_population_take(facility=facility, on=timezone.localdate())


def _dtm_individuals(location_ids: list[int], on: date) -> dict[int, tuple[int, date]]:
    """Individuals (IDPs and returnees) per DTM location in the newest published round on or
    before ``on`` that counts it."""
    found: dict[int, tuple[int, date]] = {}
    rows = (
        LocationAssessment.objects.filter(
            location_id__in=location_ids,
            round__status=RoundStatus.PUBLISHED,
            round__replaced_by__isnull=True,
            round__reference_date__lte=on,
        )
        .values("location_id", "round_id", "round__reference_date")
        .annotate(n=Sum("individuals"))
        .order_by("location_id", "-round__reference_date", "-round_id")
    )
    for row in rows:
        # The newest round of each place comes first.
        found.setdefault(row["location_id"], (int(row["n"]), row["round__reference_date"]))
    return found


@transaction.atomic
def catchment_population_take(*, facility: Facility, on: date) -> CatchmentPopulation:
    """The facility's catchment population on a date, from its sites' populations and the DTM
    figures of its other places, kept with the source of each part. A DTM location that is a
    catchment site's own place is counted once, by the site (the camp's registry or headcount
    is the nearer figure)."""
    places = list(facility.catchment.select_related("site", "location"))
    sources: list[dict[str, Any]] = []
    # DTM figures are read for the catchment's DTM places, and for the places of sites that
    # have no count of individuals of their own (a site counted in households alone).
    dtm_ids: list[int] = []
    counted = {p.site.location_id for p in places if p.site and p.site.population_individuals}
    for place in places:
        site = place.site
        if site is not None and site.population_individuals:
            sources.append(
                {
                    "kind": "site",
                    "place": site.code,
                    "individuals": int(site.population_individuals),
                    "as_of": site.population_date.isoformat() if site.population_date else None,
                }
            )
        elif site is not None and site.location_id and site.location_id not in counted:
            dtm_ids.append(site.location_id)
        elif place.location_id and place.location_id not in counted:
            dtm_ids.append(place.location_id)
    dtm_ids = sorted(set(dtm_ids))
    external = dict(Location.objects.filter(pk__in=dtm_ids).values_list("pk", "external_id"))
    for location_id, (individuals, as_of) in sorted(_dtm_individuals(dtm_ids, on).items()):
        sources.append(
            {
                "kind": "dtm",
                "place": external[location_id],
                "individuals": individuals,
                "as_of": as_of.isoformat(),
            }
        )
    population, _ = CatchmentPopulation.objects.update_or_create(
        facility=facility,
        on=on,
        defaults={
            "individuals": sum(s["individuals"] for s in sources),
            "sources": sources,
        },
    )
    return population


# --- consultation reports ---------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    service: str
    sex: str
    age_group: str
    population_group: str
    count: int


def _period_end(period: str, start: date) -> date:
    if period == ConsultationReport.Period.WEEK:
        year, week = weeks.week_of(start)
        if weeks.week_start(year, week) != start:
            raise ValidationError({"start": "a weekly report starts on the first day of a week"})
        return start + timedelta(days=6)
    if period == ConsultationReport.Period.MONTH:
        if start.day != 1:
            raise ValidationError({"start": "a monthly report starts on the 1st of the month"})
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    raise ValidationError({"period": f"{period!r} is not a period (week or month)"})


def _cells_checked(cells: Sequence[Cell]) -> None:
    lists = {
        "service": codelists.codes("consultation_services"),
        "sex": codelists.codes("sexes"),
        "age_group": codelists.codes("age_groups"),
        "population_group": codelists.codes("population_groups"),
    }
    seen: set[tuple[str, str, str, str]] = set()
    for number, cell in enumerate(cells, start=1):
        for name, allowed in lists.items():
            if getattr(cell, name) not in allowed:
                raise ValidationError(
                    {name: f"line {number}: {getattr(cell, name)!r} is not a code of {name}"}
                )
        if not isinstance(cell.count, int) or cell.count < 0:
            raise ValidationError({"count": f"line {number}: a count is a whole number, 0 or more"})
        key = (cell.service, cell.sex, cell.age_group, cell.population_group)
        if key in seen:
            raise ValidationError({"count": f"line {number}: the same cell twice"})
        seen.add(key)


@transaction.atomic
def consultation_report_submit(
    *,
    actor: User | None,
    facility: Facility,
    period: str,
    start: date,
    cells: Sequence[Cell],
    source: str = "page",
    submitted_at: datetime | None = None,
) -> ConsultationReport:
    """Send (or send again) a facility's consultations of one week or month. Sending again
    replaces every count of the period: the report is one revision higher, never added to."""
    end = _period_end(period, start)
    if start > timezone.localdate():
        raise ValidationError({"start": "a report is for a period that has begun"})
    _cells_checked(cells)
    report, created = ConsultationReport.objects.select_for_update().get_or_create(
        facility=facility,
        period=period,
        start=start,
        defaults={"end": end, "submitted_at": submitted_at or timezone.now()},
    )
    if not created:
        report.counts.all().delete()
        report.revision += 1
    report.end = end
    report.source = source
    report.submitted_at = submitted_at or timezone.now()
    report.submitted_by = actor if actor is not None and actor.is_authenticated else None
    report.total = sum(c.count for c in cells if c.service != "referral_out")
    report.save()
    ConsultationCount.objects.bulk_create(
        [
            ConsultationCount(
                report=report,
                service=c.service,
                sex=c.sex,
                age_group=c.age_group,
                population_group=c.population_group,
                count=c.count,
            )
            for c in cells
            if c.count
        ]
    )
    audit_record(
        actor=actor,
        action="health.consultation_report_submit",
        object_type="health.consultation_report",
        object_id=report.uid,
        organisation=facility.organisation,
        detail={"revision": report.revision, "cells": len(cells), "source": source},
    )
    return report


# --- EWARN ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiseaseCount:
    disease: str
    cases_under5: int = 0
    cases_over5: int = 0
    deaths_under5: int = 0
    deaths_over5: int = 0


def _disease_counts_checked(counts: Sequence[DiseaseCount]) -> None:
    known = set(codelists.codes("diseases"))
    seen: set[str] = set()
    for item in counts:
        if item.disease not in known:
            raise ValidationError({"disease": f"{item.disease!r} is not a disease of the list"})
        if item.disease in seen:
            raise ValidationError({"disease": f"{item.disease!r} is counted twice"})
        seen.add(item.disease)
        values = (item.cases_under5, item.cases_over5, item.deaths_under5, item.deaths_over5)
        if any(not isinstance(v, int) or v < 0 for v in values):
            raise ValidationError({item.disease: "counts are whole numbers, 0 or more"})
        if item.deaths_under5 > item.cases_under5 or item.deaths_over5 > item.cases_over5:
            raise ValidationError({item.disease: "more deaths than cases"})


def _counts_given(counts: Sequence[DiseaseCount]) -> set[tuple[str, int, int, int, int]]:
    return {
        (c.disease, c.cases_under5, c.cases_over5, c.deaths_under5, c.deaths_over5)
        for c in counts
        if c.cases_under5 or c.cases_over5 or c.deaths_under5 or c.deaths_over5
    }


def _counts_of(report: EwarnReport) -> set[tuple[str, int, int, int, int]]:
    return set(
        report.counts.values_list(
            "disease", "cases_under5", "cases_over5", "deaths_under5", "deaths_over5"
        )
    )


@transaction.atomic
def ewarn_report_submit(
    *,
    actor: User | None,
    facility: Facility,
    year: int,
    week: int,
    counts: Sequence[DiseaseCount],
    source: str = "page",
    submitted_at: datetime | None = None,
) -> EwarnReport:
    """Send (or send again) a reporting facility's EWARN week. A disease left out was not seen
    (zero reporting: a week with no case is a report). Sending again replaces the counts and
    takes back the alert signals the earlier version raised; then the rules run on the week."""
    convention = codelists.week_convention()
    try:
        start = weeks.week_start(year, week, convention)
    except (ValueError, TypeError):
        raise ValidationError({"week": f"{year} has no week {week}"}) from None
    submitted_at = submitted_at or timezone.now()
    if start > timezone.localdate(submitted_at):
        raise ValidationError({"week": "a week is reported once it has begun"})
    _disease_counts_checked(counts)
    report, created = EwarnReport.objects.select_for_update().get_or_create(
        facility=facility,
        year=year,
        week=week,
        defaults={
            "convention": convention,
            "start": start,
            "submitted_at": submitted_at,
            "on_time": True,
        },
    )
    if not created:
        if _counts_of(report) == _counts_given(counts):
            # The same week sent again (a retry over a poor connection, a form accepted twice):
            # nothing changes, and the rules do not judge it twice.
            return report
        report.counts.all().delete()
        report.revision += 1
    else:
        # Timeliness is the first report's: sending a correction later does not make it late.
        report.on_time = timezone.localdate(submitted_at) <= weeks.due(year, week, convention)
    report.source = source
    report.submitted_at = submitted_at
    report.submitted_by = actor if actor is not None and actor.is_authenticated else None
    report.total_cases = sum(c.cases_under5 + c.cases_over5 for c in counts)
    report.save()
    EwarnCount.objects.bulk_create(
        [
            EwarnCount(
                report=report,
                disease=c.disease,
                cases_under5=c.cases_under5,
                cases_over5=c.cases_over5,
                deaths_under5=c.deaths_under5,
                deaths_over5=c.deaths_over5,
            )
            for c in counts
            if c.cases_under5 or c.cases_over5 or c.deaths_under5 or c.deaths_over5
        ]
    )
    audit_record(
        actor=actor,
        action="health.ewarn_report_submit",
        object_type="health.ewarn_report",
        object_id=report.uid,
        organisation=facility.organisation,
        detail={"revision": report.revision, "year": year, "week": week, "source": source},
    )
    alerting.report_evaluated(report=report, resent=not created)
    return report


@transaction.atomic
def immediate_report_submit(
    *,
    actor: User | None,
    facility: Facility,
    disease: str,
    seen_on: date,
    cases: int = 1,
    deaths: int = 0,
    note: str = "",
    submitted_at: datetime | None = None,
    uid: uuid.UUID | None = None,
) -> ImmediateReport:
    """Report at once a case of a disease notifiable immediately; it raises an alert (or
    joins the open one for the disease and district). ``uid``, made by the sender (an API
    client, a form's instance), makes a report sent again count once: the report already made
    under it is returned, and no second alert raised."""
    if uid is not None:
        # Locked: a retry arriving while the first is written waits, then finds it.
        Facility.objects.select_for_update().get(pk=facility.pk)
        sent = ImmediateReport.objects.filter(uid=uid).first()
        if sent is not None:
            if sent.facility_id != facility.pk:
                raise ValidationError({"uid": "this id was already used for another facility"})
            return sent
    if disease not in codelists.immediate_diseases():
        raise ValidationError({"disease": f"{disease!r} is reported in the weekly report"})
    submitted_at = submitted_at or timezone.now()
    if seen_on > timezone.localdate(submitted_at):
        raise ValidationError({"seen_on": "a case is reported once it is seen"})
    if cases < 1 or deaths < 0 or deaths > cases:
        raise ValidationError({"cases": "at least one case, and no more deaths than cases"})
    immediate = ImmediateReport.objects.create(
        uid=uid or uuid.uuid4(),
        facility=facility,
        disease=disease,
        seen_on=seen_on,
        cases=cases,
        deaths=deaths,
        note=note.strip(),
        submitted_at=submitted_at,
        submitted_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        action="health.immediate_report_submit",
        object_type="health.immediate_report",
        object_id=immediate.uid,
        organisation=facility.organisation,
        detail={"disease": disease, "cases": cases, "deaths": deaths},
    )
    alerting.immediate_received(immediate=immediate)
    return immediate
