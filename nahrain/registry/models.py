"""Households and the people in them, as the organisation that registered them holds them: the
Iraqi name chain in both scripts, sex and age, the Washington Group questions, civil documents,
vulnerabilities, consent, where the household lives and lived, and every change with who made it
(docs/REGISTRY.md).

Everything here but the rollup (``RegistryFigure``) is personal data of ``organisation``: read
by its registration staff alone (``registry.access``), every read audited.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nahrain.core.models import Organisation
from nahrain.geo.models import AdminUnit, Location
from nahrain.sites.models import Allocation, ShelterUnit, Site


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DEPARTED = "departed", _("Departed")
    RETURNED = "returned", _("Returned to area of origin")
    DECEASED = "deceased", _("Deceased")  # every member has died
    MERGED = "merged", _("Merged into another household")


class Household(models.Model):
    """A household as its holding organisation registered it.

    ``number`` is the organisation's registration number: random, never derived from personal
    data (``services.registration_number``). ``site`` and ``unit`` say where it lives in a camp;
    out of camp, ``admin_unit`` and ``location``. ``size`` and ``vulnerabilities`` are kept by the
    services from the members (derived) and from what the registration officer recorded.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="households"
    )
    number = models.CharField(_("registration number"), max_length=24)
    status = models.CharField(
        _("status"), max_length=12, choices=HouseholdStatus.choices, default="active"
    )
    # Where it lives now (its history is in ``Stay``).
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="registered_households"
    )
    unit = models.ForeignKey(
        ShelterUnit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    allocation = models.ForeignKey(
        Allocation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    admin_unit = models.ForeignKey(
        AdminUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    address = models.CharField(_("address out of camp"), max_length=300, blank=True)
    # Where it came from.
    origin = models.ForeignKey(  # the lowest admin unit known (governorate, district, subdistrict)
        AdminUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    origin_location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    origin_place = models.CharField(
        _("village or neighbourhood of origin"), max_length=200, blank=True
    )
    displaced_on = models.DateField(_("displaced on"), null=True, blank=True)
    registered_on = models.DateField(_("registered on"))
    phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    phone_key = models.CharField(max_length=16, blank=True, db_index=True)  # digits, 07xxxxxxxxx
    # Kept by the services: members alive and in the household, and the vulnerabilities.
    size = models.PositiveSmallIntegerField(default=0)
    vulnerabilities = models.JSONField(default=list, blank=True)  # derived and recorded codes
    vulnerabilities_recorded = models.JSONField(default=list, blank=True)  # by the officer
    left_on = models.DateField(null=True, blank=True)  # departed, returned
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    split_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A resent form or file row registers once (a form's instance id, a file's household key).
    # Null, not blank, when there is none: the unique constraint then leaves those apart.
    key = models.CharField(max_length=120, null=True, blank=True)  # noqa: DJ001
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="household_number"),
            models.UniqueConstraint(fields=["organisation", "key"], name="household_key"),
        ]
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self) -> str:
        return self.number


class Sex(models.TextChoices):
    FEMALE = "f", _("Female")
    MALE = "m", _("Male")


class BirthDate(models.TextChoices):
    """How a date of birth is known. Iraqi civil records give 1 July (and some partners 1
    January) to people whose day of birth is unknown: such a date is the convention, not a
    birthday, and is kept as such."""

    EXACT = "exact", _("Exact")
    JULY_FIRST = "july_1", _("Year known (1 July by convention)")
    JANUARY_FIRST = "january_1", _("Year known (1 January by convention)")
    ESTIMATED = "estimated", _("Estimated from the age given")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("In the household")
    DECEASED = "deceased", _("Deceased")
    LEFT = "left", _("Left the household")  # moved out, or to another household by a split


class Individual(models.Model):
    """A member of a household: the name chain as Iraqis write it (first name, father's,
    grandfather's, family or tribe), in Arabic script and in Latin script where known, with the
    name as first written kept; ``name_key`` is the search key of the chain (``names.py``)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    first_ar = models.CharField(_("first name (Arabic)"), max_length=80, blank=True)
    father_ar = models.CharField(_("father's name (Arabic)"), max_length=80, blank=True)
    grandfather_ar = models.CharField(_("grandfather's name (Arabic)"), max_length=80, blank=True)
    family_ar = models.CharField(_("family or tribe (Arabic)"), max_length=80, blank=True)
    first_lat = models.CharField(_("first name (Latin)"), max_length=80, blank=True)
    father_lat = models.CharField(_("father's name (Latin)"), max_length=80, blank=True)
    grandfather_lat = models.CharField(_("grandfather's name (Latin)"), max_length=80, blank=True)
    family_lat = models.CharField(_("family or tribe (Latin)"), max_length=80, blank=True)
    name_written = models.CharField(_("name as written"), max_length=300, blank=True)
    name_key = models.CharField(max_length=200, blank=True)
    family_key = models.CharField(max_length=60, blank=True)  # the family name alone, no article
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    born_on = models.DateField(_("date of birth"), null=True, blank=True)
    birth_date = models.CharField(
        _("date of birth known as"), max_length=12, choices=BirthDate.choices, default="exact"
    )
    relationship = models.CharField(_("relationship to the head"), max_length=24)
    status = models.CharField(max_length=10, choices=MemberStatus.choices, default="active")
    died_on = models.DateField(null=True, blank=True)
    left_on = models.DateField(null=True, blank=True)
    # Washington Group Short Set: 1 no difficulty, 2 some, 3 a lot, 4 cannot do at all.
    wg_seeing = models.PositiveSmallIntegerField(null=True, blank=True)
    wg_hearing = models.PositiveSmallIntegerField(null=True, blank=True)
    wg_walking = models.PositiveSmallIntegerField(null=True, blank=True)
    wg_remembering = models.PositiveSmallIntegerField(null=True, blank=True)
    wg_self_care = models.PositiveSmallIntegerField(null=True, blank=True)
    wg_communicating = models.PositiveSmallIntegerField(null=True, blank=True)
    serious_medical = models.BooleanField(_("serious medical condition"), default=False)
    pregnant_lactating = models.BooleanField(_("pregnant or lactating"), default=False)
    separated_child = models.BooleanField(_("unaccompanied or separated child"), default=False)
    key = models.CharField(max_length=120, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["household", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["household", "key"], name="individual_key"),
            models.CheckConstraint(
                condition=models.Q(sex__in=["f", "m"]), name="individual_sex_known"
            ),
        ]
        # The name search indexes (organisation, name_key) and (organisation, family_key) are
        # created by migration 0002 with the operator class PostgreSQL needs for prefix matching.

    def __str__(self) -> str:
        return str(self.uid)


class Document(models.Model):
    """A civil document of an individual: held (with its number where given) or missing."""

    individual = models.ForeignKey(Individual, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=30)  # a code of data/codelists.json "documents"
    held = models.BooleanField()
    number = models.CharField(max_length=40, blank=True)
    number_key = models.CharField(max_length=40, blank=True, db_index=True)  # digits and letters

    class Meta:
        ordering = ["individual", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["individual", "kind"], name="document_once"),
        ]

    def __str__(self) -> str:
        return self.kind


class Consent(models.Model):
    """What the household's representative agreed to, for one purpose (and, for sharing, one
    named organisation), when, recorded by whom; withdrawn when. Later apps ask
    ``access.purpose_in_force`` before they use a record for a purpose."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=20)  # a code of data/codelists.json "consent_purposes"
    shared_with = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    given_on = models.DateField()
    given_by = models.CharField(max_length=120, blank=True)  # who agreed: "head", a member's uid
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["household", "given_on", "pk"]
        constraints = [
            # One consent in force per purpose and organisation; a withdrawn one stays as history.
            models.UniqueConstraint(
                fields=["household", "purpose"],
                condition=models.Q(withdrawn_on__isnull=True, shared_with__isnull=True),
                name="consent_in_force_once",
            ),
            models.UniqueConstraint(
                fields=["household", "purpose", "shared_with"],
                condition=models.Q(withdrawn_on__isnull=True, shared_with__isnull=False),
                name="consent_shared_in_force_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} from {self.given_on}"


class Stay(models.Model):
    """Where a household lived from a date until a date: a site (and unit) or a place out of
    camp. The open stay (``end`` empty) is where it lives now."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="stays")
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        ShelterUnit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    admin_unit = models.ForeignKey(
        AdminUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    start = models.DateField()
    end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["household", "start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=models.Q(end__isnull=True), name="stay_open_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} from {self.start}"


class HouseholdEvent(models.Model):
    """One change to a household: what (registration, update, birth, death, split, merge,
    departure, move, verification, consent), on which day, by whom, and the values before and
    after. Personal like the household: read by those who read it.

    ``key`` is the idempotency key the change was sent with (a page's form, an API client's
    request): the same change sent again finds it and records nothing more. Unique per
    household; null, not blank, when there is none, so that the constraint leaves those apart."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20)
    on = models.DateField()
    changes = models.JSONField(default=dict, blank=True)  # {"field": [before, after]}
    note = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=120, null=True, blank=True)  # noqa: DJ001
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["household", "at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["household", "key"], name="household_event_key"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.on}"


class VisitOutcome(models.TextChoices):
    VERIFIED = "verified", _("Found and verified")
    CHANGED = "changed", _("Found, details changed")
    NOT_FOUND = "not_found", _("Not found at the address")


class Visit(models.Model):
    """A verification visit: the household found (or not) where it is registered."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="visits")
    on = models.DateField()
    outcome = models.CharField(max_length=12, choices=VisitOutcome.choices)
    members_seen = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["household", "on", "pk"]

    def __str__(self) -> str:
        return f"{self.outcome} on {self.on}"


class RegistryFigure(models.Model):
    """The rollup the figures pages and exports read: one row per organisation and place (a site,
    or an admin unit for households out of camp), kept by every registry write for the places it
    touched. Ages are counted as of ``as_of``; ``nahrain registry_refresh`` recounts every place
    (run daily so that birthdays move people between age groups).

    ``counts`` holds the cells: ``f_0_4``..``m_60`` (sex by age group) and ``f_unknown``,
    ``m_unknown`` (no date of birth), ``households``, ``individuals``, one per vulnerability code
    (households) and ``doc_<kind>`` (individuals missing that document)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    admin_unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="+")
    governorate = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="+")
    households = models.PositiveIntegerField(default=0)
    individuals = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict)
    as_of = models.DateField()

    class Meta:
        ordering = ["organisation", "governorate", "admin_unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "site"],
                condition=models.Q(site__isnull=False),
                name="registry_figure_site_once",
            ),
            models.UniqueConstraint(
                fields=["organisation", "admin_unit"],
                condition=models.Q(site__isnull=True),
                name="registry_figure_place_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.site_id or self.admin_unit_id}"


class MatchKey(models.Model):
    """One blocking key of an active individual (``dedup.link.blocking_keys``): the index the
    registration check finds candidates by, across organisations. Stored keyed with the
    deployment's secret (``matching.stored_key``): the table holds no name, phone or document
    number, only which individuals share a key. Read by the check alone, never shown. Kept by
    every registry write of the individual."""

    individual = models.ForeignKey(Individual, on_delete=models.CASCADE, related_name="+")
    rule = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["individual", "rule"], name="match_key_once"),
        ]
        indexes = [models.Index(fields=["rule", "key"], name="match_key_lookup")]

    def __str__(self) -> str:
        return f"{self.individual_id} {self.rule}"


class MatchModel(models.Model):
    """The matcher's parameters learnt from the whole registry by ``nahrain registry dedupe``
    (``dedup.model.Model.as_json``); the newest is the one the registration check weighs with."""

    parameters = models.JSONField()
    records = models.PositiveIntegerField()
    pairs = models.PositiveIntegerField()
    decisions = models.PositiveIntegerField(default=0)  # reviewers' decisions learnt from
    trained_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-trained_at"]

    def __str__(self) -> str:
        return f"{self.trained_at:%Y-%m-%d %H:%M}"


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("to review")
    SAME = "same", _("same person")
    DIFFERENT = "different", _("different people")
    UNSURE = "unsure", _("unsure")


class PossibleDuplicate(models.Model):
    """Two individuals that are possibly one person (``first`` has the lower id), with the match
    probability and the comparison levels that gave it. Each organisation holding one of them
    sees the pair; the other organisation's personal values only as consent allows. A pair is
    asked once: a decided pair is never reopened by a later check."""

    first = models.ForeignKey(Individual, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Individual, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    pattern = models.JSONField(default=list)  # one level per dedup.model.COMPARISONS
    found_by = models.CharField(max_length=12)  # "registration" or "batch"
    found_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN
    )

    class Meta:
        ordering = ["-probability", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="possible_duplicate_once"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="possible_duplicate_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id}~{self.second_id}"


class DuplicateDecision(models.Model):
    """A reviewer's decision on a possible duplicate, with who, why and when; the newest one is
    the pair's status. Decisions are learnt from at the next training."""

    pair = models.ForeignKey(PossibleDuplicate, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=10, choices=DuplicateStatus.choices)
    reason = models.CharField(max_length=300, blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pair", "decided_at"]

    def __str__(self) -> str:
        return f"{self.pair_id} {self.decision}"
