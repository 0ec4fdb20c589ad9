"""DTM displacement tracking: code lists, rounds, location assessments, breakdowns, rollups."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from nahrain.core.models import Organisation
from nahrain.geo.models import AdminUnit, Location


class CodeListKind(models.TextChoices):
    SHELTER_GROUP = "shelter_group", _("Shelter group")
    SHELTER = "shelter", _("Shelter type")
    PERIOD = "period", _("Period of displacement")


class CodeList(models.Model):
    """One version of a code list, valid for a range of rounds (DTM changed them over time)."""

    kind = models.CharField(max_length=20, choices=CodeListKind.choices)
    version = models.CharField(max_length=20)
    first_round = models.PositiveIntegerField()
    last_round = models.PositiveIntegerField(null=True, blank=True)
    title = models.CharField(max_length=200)

    class Meta:
        ordering = ["kind", "first_round"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="codelist_kind_version")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.version}"


class CodeItem(models.Model):
    code_list = models.ForeignKey(CodeList, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField()
    # Shelter types belong to a shelter group so that rounds with different lists compare.
    group = models.CharField(max_length=40, blank=True)
    label_en = models.CharField(max_length=200)
    label_ar = models.CharField(max_length=200, blank=True)
    label_ckb = models.CharField(max_length=200, blank=True)
    headers = models.JSONField(default=list, help_text="Column headers that name this item.")
    start = models.DateField(null=True, blank=True)  # periods: first day (inclusive)
    end = models.DateField(null=True, blank=True)  # periods: end (exclusive)

    class Meta:
        ordering = ["code_list", "position"]
        constraints = [
            models.UniqueConstraint(fields=["code_list", "code"], name="codeitem_list_code")
        ]

    def __str__(self) -> str:
        return f"{self.code_list}: {self.code}"

    @property
    def label(self) -> str:
        language = (get_language() or "en").split("-")[0]
        if language == "ckb":
            return self.label_ckb or self.label_ar or self.label_en
        if language == "ar":
            return self.label_ar or self.label_en
        return self.label_en


class Population(models.TextChoices):
    IDP = "idp", _("IDPs")
    RETURNEE = "returnee", _("Returnees")


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    VALIDATED = "validated", _("Validated")
    PUBLISHED = "published", _("Published")


class AssessmentRound(models.Model):
    """A DTM round; a correction of a published round is a new version of the same number."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("round"))
    version = models.PositiveSmallIntegerField(default=1)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    reference_date = models.DateField(_("reference date"))
    populations = models.JSONField(default=list, blank=True, help_text="Population types covered.")
    status = models.CharField(max_length=10, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Facts and rollups change together; a cache key built from this changes with them.
    data_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-number", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number", "version"], name="round_org_number_version"
            )
        ]

    def __str__(self) -> str:
        suffix = f" v{self.version}" if self.version > 1 else ""
        return f"Round {self.number}{suffix} ({self.reference_date:%Y-%m-%d})"


class PendingLocationChange(models.Model):
    """What a draft round's file says of a published location of its own organisation, where
    that differs from the location: applied, with history, when the round is published, so
    that a draft never changes what other organisations see."""

    round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    attributes = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "location"], name="pending_round_location")
        ]

    def __str__(self) -> str:
        return f"{self.location.external_id} in {self.round}"


class LocationAssessment(models.Model):
    """Households and individuals of one population type at one location in one round.

    The admin units are those the file gave the location (or, for a canonical location of
    another organisation, the location's own), copied so that figures group by any level
    without walking the tree, and stay where they were counted if the location changes later.
    """

    round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    population = models.CharField(max_length=10, choices=Population.choices)
    households = models.PositiveIntegerField()
    individuals = models.PositiveIntegerField()
    household_size = models.DecimalField(max_digits=4, decimal_places=2)
    adm1 = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    adm2 = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, null=True, related_name="+")
    adm3 = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "location", "population"], name="assessment_round_loc_pop"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.location_id}/{self.population}"


class Dimension(models.TextChoices):
    SHELTER = "shelter", _("Shelter type")
    PERIOD = "period", _("Period of displacement")
    ORIGIN = "origin", _("Governorate of origin")  # of last displacement, for returnees


class Breakdown(models.Model):
    """Part of a location assessment: by shelter type, period, or governorate of origin.

    ``category`` is a code of the round's code list, or an origin governorate's p-code.
    """

    assessment = models.ForeignKey(LocationAssessment, on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    category = models.CharField(max_length=40)
    households = models.PositiveIntegerField()
    individuals = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "dimension", "category"], name="breakdown_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.dimension}:{self.category}"


class Rollup(models.Model):
    """Precomputed figures: one row per round, population, unit and breakdown category.

    ``dimension`` is "total" (category ""), "shelter", "shelter_group", "period" or "origin".
    ``unit`` is the admin unit at ``level`` (0 = country). Dashboards read these, never the
    facts; an import rebuilds the rows of the round it touched in the same transaction.
    """

    round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="+")
    population = models.CharField(max_length=10, choices=Population.choices)
    level = models.PositiveSmallIntegerField()
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    dimension = models.CharField(max_length=15)
    category = models.CharField(max_length=40, blank=True)
    households = models.BigIntegerField()
    individuals = models.BigIntegerField()
    locations = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["round", "dimension", "level", "population"]),
            models.Index(fields=["unit", "dimension"]),
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.population} {self.unit_id} {self.dimension}:{self.category}"


class MovementEvent(models.Model):
    """Emergency tracking: households arriving at or leaving a location between rounds."""

    class Direction(models.TextChoices):
        ARRIVAL = "arrival", _("Arrival")
        DEPARTURE = "departure", _("Departure")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    event = models.CharField(_("event"), max_length=120, help_text="Name of the emergency.")
    date = models.DateField()
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    adm1 = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    adm2 = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, null=True, related_name="+")
    population = models.CharField(max_length=10, choices=Population.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    households = models.PositiveIntegerField()
    individuals = models.PositiveIntegerField()
    cause = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date"]
        indexes = [models.Index(fields=["event", "date"])]

    def __str__(self) -> str:
        return f"{self.event} {self.date} {self.direction} {self.households}"


class RoundImport(models.Model):
    """One accepted import into a round: the file's digest, the mapping used, the warnings."""

    round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="imports")
    file = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    format = models.CharField(max_length=20)
    population = models.CharField(max_length=10, choices=Population.choices)
    locations = models.PositiveIntegerField()
    households = models.PositiveBigIntegerField()
    individuals = models.PositiveBigIntegerField()
    warnings = models.JSONField(default=list)
    mapping = models.JSONField(default=list)
    # Empty for imports run from the command line by the server's operator.
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.file} → {self.round}"
