"""The service directory, referrals between organisations with the person's consent, and
protection cases (docs/REFERRALS.md).

- A **service point** (a PHCC, a mobile team, a women's safe space...) belongs to the
  organisation that runs it. What it offers is kept in versions: a service mapper edits a
  *draft*, which becomes *current* when published (the version before it is *archived*), so a
  change is seen by the response only once it is checked, and every earlier entry stays.
- A **referral** sends one person from a worker of one organisation to a service of another.
  It carries a copy of the fields the person agreed to share (``shared``), taken when it is
  sent; the receiving organisation reads of them only those its consent still allows today
  (``access.referral_fields_shown``).
- A **case** (GBV, child protection, MHPSS, legal documentation) is held by one organisation and
  read by the case workers assigned to it; its entries (assessment, service plan, follow-ups,
  closure) are answers to the case type's forms, kept as data (data/codelists.json).

Identifiers in URLs are random (``uid``); nothing here is derived from personal data.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nahrain.core.models import Organisation
from nahrain.geo.models import AdminUnit
from nahrain.registry.models import Individual
from nahrain.sites.models import Site

# --- the service directory ----------------------------------------------------------------


class ServicePoint(models.Model):
    """One place or team that offers services, across its versions."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="service_points"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    key = models.CharField(max_length=120, null=True, blank=True)  # noqa: DJ001

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key"],
                condition=Q(key__isnull=False),
                name="point_key_unique",
            )
        ]

    def __str__(self) -> str:
        return str(self.uid)


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CURRENT = "current", _("Current")
    ARCHIVED = "archived", _("Archived")


class ServicePointVersion(models.Model):
    """What a service point is and offers, as one version of its entry."""

    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=VersionStatus.choices)
    kind = models.CharField(_("kind"), max_length=20)  # a code of "point_kinds"
    # A point known by its Arabic name alone is common: one name is needed, either.
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200, blank=True)
    name_ckb = models.CharField(_("name (Kurdish)"), max_length=200, blank=True)
    admin_unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )  # a point inside a camp
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    languages = models.JSONField(default=list, blank=True)  # codes of "languages"
    phone = models.CharField(_("service phone"), max_length=40, blank=True)
    email = models.EmailField(_("service e-mail"), blank=True)
    capacity_per_week = models.PositiveIntegerField(_("capacity a week"), null=True, blank=True)
    waiting_days = models.PositiveSmallIntegerField(_("waiting time (days)"), null=True, blank=True)
    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_until = models.DateField(_("active until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    edited_at = models.DateTimeField(auto_now=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["point_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["point", "number"], name="point_version_unique"),
            # One current entry and one draft at most: what the response reads is never two.
            models.UniqueConstraint(
                fields=["point"], condition=Q(status="current"), name="point_one_current"
            ),
            models.UniqueConstraint(
                fields=["point"], condition=Q(status="draft"), name="point_one_draft"
            ),
        ]
        indexes = [models.Index(fields=["status", "admin_unit"], name="point_version_status")]

    def __str__(self) -> str:
        return f"{self.name_en} v{self.number} ({self.status})"


class ServiceOffer(models.Model):
    """A service a version of a point offers, and to whom."""

    version = models.ForeignKey(
        ServicePointVersion, on_delete=models.CASCADE, related_name="offers"
    )
    service = models.CharField(max_length=30)  # a code of "service_types"
    sexes = models.JSONField(default=list, blank=True)  # ["f"], ["m", "f"]; empty: anyone
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    groups = models.JSONField(default=list, blank=True)  # codes of "population_groups"; empty: all

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "service"], name="offer_unique_service")
        ]
        indexes = [models.Index(fields=["service"], name="offer_service")]

    def __str__(self) -> str:
        return self.service


class MobileVisit(models.Model):
    """Where a mobile team goes, and when (a version of its entry)."""

    version = models.ForeignKey(
        ServicePointVersion, on_delete=models.CASCADE, related_name="visits"
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    admin_unit = models.ForeignKey(
        AdminUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    weekdays = models.JSONField(default=list)  # ISO weekdays, 1 = Monday
    hours = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"{self.site_id or self.admin_unit_id} {self.weekdays}"


# --- the people referred and cared for -----------------------------------------------------


class PersonFields(models.Model):
    """The least a worker records of a person not in their registry, or copies from it."""

    individual = models.ForeignKey(
        Individual, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    sex = models.CharField(_("sex"), max_length=1, blank=True)  # "m", "f"
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    place = models.CharField(_("where the person lives"), max_length=200, blank=True)

    class Meta:
        abstract = True


# --- protection cases ---------------------------------------------------------------------


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Case(PersonFields):
    """A protection case, held by one organisation."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    type = models.CharField(max_length=30)  # a code of "case_types"
    code = models.CharField(max_length=40)  # shown instead of a name: "GBV-2026-0042"
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(max_length=120, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="case_code_unique"),
            models.UniqueConstraint(
                fields=["organisation", "key"],
                condition=Q(key__isnull=False),
                name="case_key_unique",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "type", "status"], name="case_org_type")]

    def __str__(self) -> str:
        return self.code


class CaseAssignment(models.Model):
    """A case worker assigned to a case, until the assignment ends."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"],
                condition=Q(ended_at__isnull=True),
                name="case_assigned_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.user_id}"


class CaseEntry(models.Model):
    """One answer to a case type's form: an assessment, a service plan, a follow-up, a document
    obtained, the closure."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=30)  # a form of the case type
    on = models.DateField()
    answers = models.JSONField(default=dict)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=120, null=True, blank=True)  # noqa: DJ001
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "key"], condition=Q(key__isnull=False), name="case_entry_key_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.on}"


# --- referrals ----------------------------------------------------------------------------


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    APPOINTMENT = "appointment", _("Appointment set")
    PROVIDED = "provided", _("Service provided")
    CLOSED = "closed", _("Closed")
    LOST = "lost", _("Lost to follow-up")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = ("sent", "acknowledged", "accepted", "appointment", "provided")


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    HIGH = "high", _("High")
    ROUTINE = "routine", _("Routine")


class Referral(PersonFields):
    """One person sent by a worker of one organisation to a service of another."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="referrals")
    to_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    service = models.CharField(max_length=30)  # a code of "service_types"
    # Who the person is, for "no two open referrals of one person to one service": the
    # registry record's or the case's uid, or a keyed hash of what the referrer typed.
    person_key = models.CharField(max_length=80)
    reason = models.CharField(_("reason for the referral"), max_length=1000, blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    transport = models.BooleanField(_("transport needed"), default=False)
    status = models.CharField(max_length=15, choices=ReferralStatus.choices, default="sent")
    sent_at = models.DateTimeField()
    respond_by = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    appointment_on = models.DateField(null=True, blank=True)
    decline_reason = models.CharField(max_length=30, blank=True)
    key = models.CharField(max_length=120, null=True, blank=True)  # noqa: DJ001
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person_key", "point", "service"],
                condition=Q(status__in=OPEN_STATUSES),
                name="referral_open_once",
            ),
            models.UniqueConstraint(
                fields=["organisation", "key"],
                condition=Q(key__isnull=False),
                name="referral_key_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["to_organisation", "status"], name="referral_inbox"),
            models.Index(fields=["organisation", "status"], name="referral_outbox"),
        ]

    def __str__(self) -> str:
        return str(self.uid)


class ConsentMethod(models.TextChoices):
    VERBAL = "verbal", _("Verbal")
    WRITTEN = "written", _("Written")


class ConsentGiver(models.TextChoices):
    PERSON = "person", _("The person")
    CAREGIVER = "caregiver", _("A caregiver")


class ReferralConsent(models.Model):
    """What the person agreed the receiving organisation may know, until when. Changed only by
    narrowing (fewer fields, an earlier end) or withdrawal; each change is a ``ReferralEvent``."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="consent")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    fields = models.JSONField(default=list)  # codes of "shared_fields"
    given_on = models.DateField()
    until = models.DateField()
    method = models.CharField(max_length=10, choices=ConsentMethod.choices)
    given_by = models.CharField(max_length=10, choices=ConsentGiver.choices)
    caregiver_relationship = models.CharField(max_length=40, blank=True)
    child_assent = models.BooleanField(null=True, blank=True)  # None: not a child of assent age
    withdrawn_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"consent for {self.referral_id}"


class ReferralEvent(models.Model):
    """A step of a referral (sent, acknowledged, ..., closed) or a change of its consent, with
    who took it and when: the referrer is told of each."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20)  # a status, or "consent_narrowed", ...
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    detail = models.JSONField(default=dict, blank=True)  # codes and dates, never personal values
    key = models.CharField(max_length=120, null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "key"],
                condition=Q(key__isnull=False),
                name="referral_event_key_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.status}"
