"""Health facilities, their consultation reports, the EWARN weekly disease reports and the alerts
they raise (docs/HEALTH.md).

- A **facility** (PHCC, hospital, mobile medical unit...) is operated by one organisation and
  sits under a Directorate of Health (a government organisation). Its catchment is a set of sites
  and DTM locations; its population denominator is taken from them, dated
  (``CatchmentPopulation``), never typed by hand.
- A **consultation report** counts a facility's consultations of one week or month by service,
  sex, age group and population group. Re-sending it replaces the counts (a new revision).
- An **EWARN report** counts a reporting facility's cases and deaths per disease, under and over
  five, for one epidemiological week; a report of zero cases is a report. An **immediate
  alert** is sent the day a case of a disease notifiable at once is seen.
- An **alert** is raised by the rules (data/alert_rules.json) for one disease in one district;
  while it is open, every further signal for that disease and district links to it. A
  re-sent weekly report takes back the signals it raised.

Code lists (facility kinds, services, age groups, diseases and their case definitions) are
versioned data with their sources (data/codelists.json), not choices in code.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nahrain.core.models import Organisation
from nahrain.geo.models import AdminUnit, Location
from nahrain.sites.models import Site

# --- facilities -------------------------------------------------------------------------------


class Facility(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="health_facilities"
    )
    # The Directorate of Health the facility reports to: its surveillance officers read the
    # facility's reports and work its alerts.
    directorate = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="directorate_facilities"
    )
    # Organisations supporting a facility run by another (an NGO supporting a DoH PHCC).
    supporters = models.ManyToManyField(Organisation, blank=True, related_name="+")
    code = models.CharField(_("facility code"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200, blank=True)
    name_ckb = models.CharField(_("name (Kurdish)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=24)  # a code of "facility_kinds"
    # The district (admin level 2): alerts are raised per disease and district.
    district = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    functionality = models.CharField(max_length=10, default="full")  # "functionality" codes
    functionality_since = models.DateField(null=True, blank=True)
    # Sends EWARN weekly reports: its missing weeks are chased.
    ewarn_reporting = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="facility_org_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"


class CatchmentPlace(models.Model):
    """A site or DTM location a facility serves; a mobile unit's visits name their weekdays
    (0 Monday ... 6 Sunday)."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="catchment")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True)
    weekdays = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(site__isnull=False, location__isnull=True)
                | Q(site__isnull=True, location__isnull=False),
                name="catchment_site_or_location",
            ),
            models.UniqueConstraint(
                fields=["facility", "site"], condition=Q(site__isnull=False), name="catch_site"
            ),
            models.UniqueConstraint(
                fields=["facility", "location"],
                condition=Q(location__isnull=False),
                name="catch_location",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id}: site {self.site_id} location {self.location_id}"


class CatchmentPopulation(models.Model):
    """A facility's catchment population on a date, with where each part came from: the
    denominator of attack rates and of thresholds per population."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="populations")
    on = models.DateField()
    individuals = models.PositiveIntegerField()
    # [{"kind": "site"|"dtm", "place": code, "individuals": n, "as_of": iso date}, ...]
    sources = models.JSONField(default=list)
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "on"], name="catchment_population_on")
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} on {self.on}: {self.individuals}"


# --- consultation reports ---------------------------------------------------------------------


class ConsultationReport(models.Model):
    class Period(models.TextChoices):
        WEEK = "week", _("Week")
        MONTH = "month", _("Month")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="consultation_reports"
    )
    period = models.CharField(max_length=6, choices=Period.choices)
    start = models.DateField()  # Monday of the epidemiological week, or the 1st of the month
    end = models.DateField()
    revision = models.PositiveIntegerField(default=1)
    source = models.CharField(max_length=10, default="page")  # page, import, form, api
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    total = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-start"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "period", "start"], name="consultation_report_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.period} {self.start}"


class ConsultationCount(models.Model):
    report = models.ForeignKey(ConsultationReport, on_delete=models.CASCADE, related_name="counts")
    service = models.CharField(max_length=24)  # "consultation_services" code
    sex = models.CharField(max_length=1)  # "f" or "m"
    age_group = models.CharField(max_length=8)  # "age_groups" code
    population_group = models.CharField(max_length=10)  # "population_groups" code
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "service", "sex", "age_group", "population_group"],
                name="consultation_cell_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.sex} {self.age_group} {self.population_group}: {self.count}"


# --- EWARN ------------------------------------------------------------------------------------


class EwarnReport(models.Model):
    """One reporting facility's week: every disease of the list, zero where none was seen."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="ewarn_reports")
    year = models.PositiveSmallIntegerField()  # the epidemiological year
    week = models.PositiveSmallIntegerField()
    convention = models.CharField(max_length=6)  # "iso" or "who" (Sunday to Saturday)
    start = models.DateField()  # the week's first day in that convention
    revision = models.PositiveIntegerField(default=1)
    source = models.CharField(max_length=10, default="page")
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    on_time = models.BooleanField()
    total_cases = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-year", "-week"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "year", "week"], name="ewarn_week_once")
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.year}-W{self.week:02d}"


class EwarnCount(models.Model):
    report = models.ForeignKey(EwarnReport, on_delete=models.CASCADE, related_name="counts")
    disease = models.CharField(max_length=24)  # "diseases" code
    cases_under5 = models.PositiveIntegerField(default=0)
    cases_over5 = models.PositiveIntegerField(default=0)
    deaths_under5 = models.PositiveIntegerField(default=0)
    deaths_over5 = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "disease"], name="ewarn_disease_once")
        ]

    def __str__(self) -> str:
        return f"{self.disease}: {self.cases_under5}+{self.cases_over5}"

    @property
    def cases(self) -> int:
        return self.cases_under5 + self.cases_over5


class AlertStatus(models.TextChoices):
    NEW = "new", _("New")
    VERIFIED = "verified", _("Verified")
    DISCARDED = "discarded", _("Discarded")
    INVESTIGATED = "investigated", _("Investigated")
    RESPONSE = "response", _("Response")
    CLOSED = "closed", _("Closed")
    # Raised by a weekly report that was sent again without the cases that raised it.
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_ALERT = [AlertStatus.NEW, AlertStatus.VERIFIED, AlertStatus.INVESTIGATED, AlertStatus.RESPONSE]


class Alert(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    disease = models.CharField(max_length=24)
    district = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=14, choices=AlertStatus.choices, default=AlertStatus.NEW)
    raised_at = models.DateTimeField()
    # The epidemiological week of the first signal.
    year = models.PositiveSmallIntegerField()
    week = models.PositiveSmallIntegerField()
    verify_by = models.DateTimeField()  # 24 hours after it was raised (Sphere, EWAR standard)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            # No second alert for the same disease and district while one is open.
            models.UniqueConstraint(
                fields=["disease", "district"],
                condition=Q(status__in=OPEN_ALERT),
                name="alert_open_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.disease} in {self.district_id} ({self.status})"


class AlertSignal(models.Model):
    """What raised or fed an alert: one rule on one facility's week, or an immediate report."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="signals")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    report = models.ForeignKey(
        EwarnReport, on_delete=models.SET_NULL, null=True, blank=True, related_name="signals"
    )
    immediate = models.ForeignKey(
        "ImmediateReport", on_delete=models.CASCADE, null=True, blank=True, related_name="signals"
    )
    year = models.PositiveSmallIntegerField()
    week = models.PositiveSmallIntegerField()
    rule = models.CharField(max_length=60)  # the rule's id in data/alert_rules.json
    rules_version = models.CharField(max_length=20)
    cases = models.PositiveIntegerField()
    threshold = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            # One rule watches several diseases: a report with measles and cholera raises
            # the one-case rule on two alerts, once on each.
            models.UniqueConstraint(
                fields=["report", "alert", "rule"],
                condition=Q(report__isnull=False),
                name="signal_once_per_report_alert_rule",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.year}-W{self.week:02d} at {self.facility_id}"


class AlertEvent(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=14, choices=AlertStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.status} at {self.at}"


class ImmediateReport(models.Model):
    """A case of a disease notifiable at once (measles, AFP, cholera...), sent the day it is
    seen."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    disease = models.CharField(max_length=24)
    seen_on = models.DateField()
    cases = models.PositiveIntegerField(default=1)
    deaths = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.disease} at {self.facility_id} on {self.seen_on}"
