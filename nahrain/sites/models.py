"""Camp and site management (CCCM): sites, their status history and dated population figures,
shelter units and who occupies them, arrivals and departures with their weekly rollups, closure
plans, monitoring rounds against thresholds kept as data, service gaps, and informal-site risk.

A site's current population is a rollup kept by the writes: the newest population figure
(registration, headcount, DTM, CCCM estimate) plus every movement dated after its day
(docs/SITES.md, "One population figure").
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nahrain.core.models import Organisation
from nahrain.geo.models import AdminUnit, Location


class SiteType(models.TextChoices):
    """The CCCM Cluster Iraq's site typology."""

    CAMP = "camp", _("Formal camp")
    EMERGENCY_SITE = "emergency_site", _("Emergency site")
    INFORMAL_SETTLEMENT = "informal_settlement", _("Informal settlement")
    COLLECTIVE_CENTRE = "collective_centre", _("Informal collective centre")
    TRANSIT_SITE = "transit_site", _("Transit site")
    RESOURCE_CENTRE = "resource_centre", _("Community resource centre")


class SiteStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open")
    CONSOLIDATING = "consolidating", _("Consolidating")
    CLOSING = "closing", _("Closing")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


# Statuses in which people live on the site (counted in national figures and capacity).
LIVED_IN = (SiteStatus.OPEN, SiteStatus.CONSOLIDATING, SiteStatus.CLOSING, SiteStatus.REOPENED)


class PopulationSource(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    HEADCOUNT = "headcount", _("Headcount")
    DTM = "dtm", _("DTM")
    CCCM_ESTIMATE = "cccm_estimate", _("CCCM estimate")
    MOVEMENTS = "movements", _("Arrivals and departures")


class Site(models.Model):
    """A camp, emergency site, informal settlement, collective centre or transit site.

    ``organisation`` holds the record: its site managers and information managers write it.
    ``managing_agency`` is the agency as the cluster lists it (it may not use Nahrain).
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="sites")
    code = models.CharField(_("site code"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200, blank=True)
    name_ckb = models.CharField(_("name (Kurdish)"), max_length=200, blank=True)
    type = models.CharField(_("type"), max_length=24, choices=SiteType.choices)
    # The lowest admin unit known (a governorate at least): figures roll up through its parents.
    admin_unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="sites")
    governorate = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # The DTM location the site is counted in, for the reconciliation with DTM's camp figure.
    location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="sites"
    )
    managing_agency = models.CharField(_("managing agency"), max_length=200, blank=True)
    partners = models.JSONField(_("partners"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=SiteStatus.choices, default=SiteStatus.OPEN
    )
    status_since = models.DateField(_("status since"), null=True, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    capacity_plots = models.PositiveIntegerField(_("planned plots"), null=True, blank=True)
    capacity_shelters = models.PositiveIntegerField(_("planned shelters"), null=True, blank=True)
    capacity_people = models.PositiveIntegerField(
        _("planned capacity (people)"), null=True, blank=True
    )
    area_m2 = models.PositiveIntegerField(_("area (m²)"), null=True, blank=True)
    # The rollup: the newest figure plus the movements since (services keep it). A figure given
    # in households alone (CCCM lists often are) leaves individuals unknown (null), never guessed.
    population_individuals = models.IntegerField(_("individuals"), null=True, blank=True, default=0)
    population_households = models.IntegerField(_("households"), null=True, blank=True, default=0)
    population_source = models.CharField(
        max_length=16, choices=PopulationSource.choices, blank=True
    )
    population_date = models.DateField(null=True, blank=True)
    # The site's population is its holding organisation's registry count: every registry write
    # there records the registered households and individuals as the day's figure.
    counts_by_registration = models.BooleanField(
        _("counts its population by registration"), default=False
    )
    # Shelter units and their occupancy, kept by the shelter services.
    units_total = models.PositiveIntegerField(default=0)
    units_occupied = models.PositiveIntegerField(default=0)
    units_unusable = models.PositiveIntegerField(default=0)  # destroyed
    open_gaps = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["governorate__pcode", "name_en"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="site_org_code"),
        ]
        indexes = [models.Index(fields=["governorate", "status"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"


class SiteStatusChange(models.Model):
    """One step of a site's status history, with its date and reason."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=16, choices=SiteStatus.choices)
    on = models.DateField()
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "on", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.site_id} {self.status} on {self.on}"


class SitePopulation(models.Model):
    """A dated population figure from one source (a CCCM estimate, a headcount, DTM, the
    registry). The newest one is the base the movements since are added to."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="populations")
    on = models.DateField()
    source = models.CharField(max_length=16, choices=PopulationSource.choices)
    # Either may be unknown (a CCCM list in households alone), not both.
    individuals = models.PositiveIntegerField(null=True, blank=True)
    households = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)  # the file or form it came from
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["site", "on", "source"], name="site_population_once"),
            models.CheckConstraint(
                condition=models.Q(individuals__isnull=False) | models.Q(households__isnull=False),
                name="site_population_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.individuals} on {self.on} ({self.source})"


class ShelterKind(models.TextChoices):
    PLOT = "plot", _("Plot")
    TENT = "tent", _("Tent")
    CARAVAN = "caravan", _("Caravan")
    ROOM = "room", _("Room")
    SHELTER = "shelter", _("Other shelter")


class ShelterCondition(models.TextChoices):
    GOOD = "good", _("Good")
    DAMAGED = "damaged", _("Damaged")
    DESTROYED = "destroyed", _("Destroyed")


class ShelterUnit(models.Model):
    """A plot, tent, caravan or room of a site, in its block."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="units")
    block = models.CharField(_("block"), max_length=40, blank=True)
    code = models.CharField(_("unit"), max_length=40)
    kind = models.CharField(_("kind"), max_length=12, choices=ShelterKind.choices)
    condition = models.CharField(
        _("condition"), max_length=12, choices=ShelterCondition.choices, default="good"
    )
    accessible = models.BooleanField(_("accessible to people with disabilities"), default=False)
    covered_m2 = models.FloatField(_("covered area (m²)"), null=True, blank=True)
    occupied = models.BooleanField(default=False)  # an open allocation exists (services keep it)

    class Meta:
        ordering = ["site", "block", "code"]
        constraints = [
            models.UniqueConstraint(fields=["site", "block", "code"], name="shelter_unit_code"),
        ]

    def __str__(self) -> str:
        return f"{self.block}/{self.code}" if self.block else self.code


class Allocation(models.Model):
    """A household living in a unit from a date until it leaves or moves (transfer).

    ``household`` is the site's own registration number of the household (personal data: only
    the holding organisation reads it). Until the registry holds the household, the counts are
    what the site is run on.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(ShelterUnit, on_delete=models.PROTECT, related_name="allocations")
    household = models.CharField(max_length=64, blank=True)
    individuals = models.PositiveIntegerField()
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    ended_by = models.CharField(max_length=16, blank=True)  # "departure", "transfer", "closure"
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit", "start", "pk"]
        constraints = [
            # One household at a time in a unit: a second open allocation is refused.
            models.UniqueConstraint(
                fields=["unit"], condition=models.Q(end__isnull=True), name="allocation_open_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} from {self.start}"


class MovementKind(models.TextChoices):
    ARRIVAL = "arrival", _("Arrival")
    DEPARTURE = "departure", _("Departure")


class MovementPlace(models.TextChoices):
    """Where arrivals came from and departures went."""

    AREA_OF_ORIGIN = "area_of_origin", _("Area of origin")
    ANOTHER_SITE = "another_site", _("Another camp or site")
    OUT_OF_CAMP = "out_of_camp", _("Out of camp (secondary displacement)")
    UNKNOWN = "unknown", _("Unknown")


class Movement(models.Model):
    """Households arriving at or leaving a site on a date. A transfer between two sites is a
    departure and an arrival sharing ``transfer``. ``key`` makes a resent form or file row count
    once."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=10, choices=MovementKind.choices)
    on = models.DateField()
    households = models.PositiveIntegerField()
    individuals = models.PositiveIntegerField()
    place = models.CharField(max_length=16, choices=MovementPlace.choices, default="unknown")
    other_site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    admin_unit = models.ForeignKey(  # the area of origin or destination, where known
        AdminUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=40, blank=True)  # a code of MovementReason
    transfer = models.UUIDField(null=True, blank=True, db_index=True)
    closure = models.ForeignKey(
        "ClosurePlan", on_delete=models.SET_NULL, null=True, blank=True, related_name="movements"
    )
    key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "on", "pk"]
        indexes = [models.Index(fields=["site", "on"])]

    def __str__(self) -> str:
        return f"{self.kind} of {self.households} households on {self.on}"


class MovementReason(models.Model):
    """Why households arrive or leave: a code list kept as data (data/codelists.json)."""

    code = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=10, choices=MovementKind.choices)
    position = models.PositiveSmallIntegerField()
    label_en = models.CharField(max_length=200)
    label_ar = models.CharField(max_length=200, blank=True)
    label_ckb = models.CharField(max_length=200, blank=True)
    version = models.CharField(max_length=20)
    source = models.CharField(max_length=300)

    class Meta:
        ordering = ["kind", "position"]

    def __str__(self) -> str:
        return self.code


class SiteWeek(models.Model):
    """Arrivals and departures of one site in one week (Monday), kept by the movement writes."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="weeks")
    week = models.DateField()
    arrivals_households = models.IntegerField(default=0)
    arrivals_individuals = models.IntegerField(default=0)
    departures_households = models.IntegerField(default=0)
    departures_individuals = models.IntegerField(default=0)

    class Meta:
        ordering = ["site", "week"]
        constraints = [models.UniqueConstraint(fields=["site", "week"], name="site_week_once")]

    def __str__(self) -> str:
        return f"{self.site_id} week of {self.week}"


class GovernorateWeek(models.Model):
    """The same per governorate and week, so that the national dashboard reads a few thousand
    rows, not every site's weeks."""

    governorate = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    arrivals_households = models.IntegerField(default=0)
    arrivals_individuals = models.IntegerField(default=0)
    departures_households = models.IntegerField(default=0)
    departures_individuals = models.IntegerField(default=0)

    class Meta:
        ordering = ["governorate", "week"]
        constraints = [
            models.UniqueConstraint(fields=["governorate", "week"], name="governorate_week_once")
        ]

    def __str__(self) -> str:
        return f"{self.governorate_id} week of {self.week}"


class ClosurePlan(models.Model):
    """A camp closure as planned (announced, date, households to move and their stated
    intentions) and, through the departures linked to it, as it happened."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="closures")
    announced_on = models.DateField()
    planned_on = models.DateField()
    households = models.PositiveIntegerField()
    # Stated intentions, in households: {"area_of_origin": n, "another_site": n, ...}
    intentions = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    cancelled_on = models.DateField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "-announced_on"]

    def __str__(self) -> str:
        return f"closure of {self.site_id} planned on {self.planned_on}"


class Sector(models.Model):
    """A sector of the response and the cluster responsible for it (data/monitoring.json)."""

    code = models.CharField(max_length=30, unique=True)
    position = models.PositiveSmallIntegerField()
    label_en = models.CharField(max_length=200)
    label_ar = models.CharField(max_length=200, blank=True)
    label_ckb = models.CharField(max_length=200, blank=True)
    cluster_en = models.CharField(max_length=200)
    cluster_ar = models.CharField(max_length=200, blank=True)
    cluster_ckb = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.code


class Indicator(models.Model):
    """A site-monitoring indicator and its threshold, versioned, with the threshold's source.

    ``better`` says which way is good: "higher" (litres per person) or "lower" (people per
    latrine); a value as good as ``green`` or better is green, one worse than ``red`` is red,
    the rest amber. Yes/no indicators have ``better`` "yes" (green 1, red 0): yes is green,
    no is red, never amber.
    """

    code = models.CharField(max_length=40)
    version = models.CharField(max_length=20)
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="indicators")
    position = models.PositiveSmallIntegerField()
    label_en = models.CharField(max_length=200)
    label_ar = models.CharField(max_length=200, blank=True)
    label_ckb = models.CharField(max_length=200, blank=True)
    unit_en = models.CharField(max_length=60, blank=True)
    unit_ar = models.CharField(max_length=60, blank=True)
    unit_ckb = models.CharField(max_length=60, blank=True)
    better = models.CharField(max_length=6)  # "higher", "lower" or "yes"
    green = models.FloatField(null=True, blank=True)
    red = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=300)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["position", "code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="indicator_code_version")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.version}"


class Rating(models.TextChoices):
    GREEN = "green", _("Meets the standard")
    AMBER = "amber", _("Below the standard")
    RED = "red", _("Critical")
    UNRATED = "", _("No threshold")


class MonitoringRound(models.Model):
    """One visit's indicator values for a site (the cluster's site monitoring tool)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="monitoring_rounds")
    on = models.DateField()
    # Counts are kept as given, so that ratios can be recomputed against another population.
    raw = models.JSONField(default=dict, blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)  # the denominator used
    red = models.PositiveSmallIntegerField(default=0)
    amber = models.PositiveSmallIntegerField(default=0)
    green = models.PositiveSmallIntegerField(default=0)
    key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.site_id} monitored on {self.on}"


class MonitoringValue(models.Model):
    round = models.ForeignKey(MonitoringRound, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    value = models.FloatField()
    rating = models.CharField(max_length=6, choices=Rating.choices, blank=True)

    class Meta:
        ordering = ["round", "indicator__position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "indicator"], name="monitoring_value_once")
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} = {self.value}"


class GapStatus(models.TextChoices):
    OPEN = "open", _("Open")
    TAKEN = "taken", _("Taken on by a partner")
    CLOSED = "closed", _("Closed")


class ServiceGap(models.Model):
    """A service gap found at a site: the sector and cluster responsible, the partner that took
    it on, its due date and follow-up."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="gaps")
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="+")
    description = models.TextField()
    raised_on = models.DateField()
    monitoring_round = models.ForeignKey(
        MonitoringRound, on_delete=models.SET_NULL, null=True, blank=True, related_name="gaps"
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    partner = models.CharField(max_length=200, blank=True)
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=GapStatus.choices, default=GapStatus.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "status", "due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.sector_id} gap at {self.site_id}"


class GapUpdate(models.Model):
    """A follow-up on a gap: what was done, and the status it left."""

    gap = models.ForeignKey(ServiceGap, on_delete=models.CASCADE, related_name="updates")
    on = models.DateField()
    status = models.CharField(max_length=8, choices=GapStatus.choices)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["gap", "on", "pk"]

    def __str__(self) -> str:
        return f"{self.gap_id} {self.status} on {self.on}"


class RiskAssessment(models.Model):
    """A RASP-style assessment of an informal site: its answers, and the score the versioned
    formula (data/rasp.json) gave them."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="risk_assessments")
    on = models.DateField()
    answers = models.JSONField(default=dict)
    score = models.FloatField()
    formula = models.CharField(max_length=20)  # the version of the formula
    key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.site_id} risk {self.score} on {self.on}"
