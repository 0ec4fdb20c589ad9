"""The complaints and feedback mechanism (issue #20, docs/FEEDBACK.md).

- A **feedback item** (``Feedback``) is what a person told an organisation's mechanism through a
  channel (hotline, help desk, community resource centre, suggestion box, community meeting,
  field form, SMS or WhatsApp export, a PDM interview): a question, a request, a complaint or
  thanks, at a site or a place, about a topic and perhaps a programme. ``organisation`` received
  it; ``concerned`` is the organisation responsible for answering it (the receiver, unless the
  item was referred). Its category, channel, topic, priority and the rest are codes of the
  app's code lists (data/codelists.json), never enums.
- **Sensitive** categories (sexual exploitation and abuse, fraud, safety, data breach) are for
  the focal points ``concerned`` names for that category (``FocalPoint``) alone: not the
  officer who recorded it, not admins, not platform admins (``feedback.access``). An item once
  sensitive stays sensitive.
- **Handling**: new → assigned → in progress → resolved (the answer) → told (the person was
  told, how, and their satisfaction) → closed; or closed without contact, with the reason. The
  deadline comes from the priority. Items about the same issue are linked to a main item and
  close with it.
- The **contact** (``FeedbackContact``) is personal data of the receiving organisation; it goes
  to a concerned organisation only with the person's consent.
- **History** (``FeedbackEvent``) records every step, as sensitive as its item.
- **Trends** are read from ``FeedbackRollup``, rewritten for the organisation and month a write
  touched once it commits (what is open past its deadline is counted from the items when
  read); sensitive items are never in it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nahrain.assistance.models import MonitoringAnswer, Programme
from nahrain.core.models import Organisation
from nahrain.geo.models import AdminUnit
from nahrain.registry.models import Household
from nahrain.sites.models import Site


class Status(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Answered")
    TOLD = "told", _("Person told")
    CLOSED = "closed", _("Closed")
    CLOSED_NO_CONTACT = "closed_no_contact", _("Closed without contact")


OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS)
CLOSED_STATUSES = (Status.CLOSED, Status.CLOSED_NO_CONTACT)


class Feedback(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The organisation whose mechanism received it.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="feedback_received"
    )
    # The organisation responsible for answering it: the receiver unless referred.
    concerned = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="feedback_concerning"
    )
    # The short random code the person is given to ask after it ("FB-7K3M9Q").
    reference = models.CharField(_("reference"), max_length=12, unique=True)
    channel = models.CharField(_("channel"), max_length=20)  # a code of "channels"
    received_at = models.DateTimeField(_("received"))
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    admin_unit = models.ForeignKey(
        AdminUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    category = models.CharField(_("category"), max_length=30)  # a code of "categories"
    # Stored from the category at receipt; never goes back to false.
    sensitive = models.BooleanField(default=False)
    topic = models.CharField(_("topic"), max_length=30, blank=True)  # a code of "topics"
    about_programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The registered household the person belongs to, when the receiver knows it (its own
    # registry): personal data like the contact.
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.TextField(_("what the person said"))
    anonymous = models.BooleanField(_("anonymous"), default=False)
    # For trends, never identifying: codes of "sexes", "age_groups", "population_groups".
    person_sex = models.CharField(max_length=1, blank=True)
    person_age_group = models.CharField(max_length=10, blank=True)
    population_group = models.CharField(max_length=20, blank=True)
    priority = models.CharField(_("priority"), max_length=10)  # a code of "priorities"
    due_at = models.DateTimeField(_("answer due"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_reason = models.CharField(max_length=30, blank=True)  # "no_contact_reasons"
    answer = models.TextField(_("answer"), blank=True)
    answered_how = models.CharField(max_length=20, blank=True)  # "answer_methods"
    # When the answer was given (resolved) and when the item was closed: the rollup's "in time".
    answered_at = models.DateTimeField(null=True, blank=True)
    told_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    satisfaction = models.CharField(max_length=20, blank=True)  # "satisfaction"
    # The main item of a group about the same issue: closing the main closes the group.
    linked_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="linked"
    )
    # What a resend is recognised by: a field form's instance id, a hotline's case id.
    source_key = models.CharField(max_length=120, blank=True)
    # A PDM interview's complaint taken over from assistance.
    source_answer = models.OneToOneField(
        MonitoringAnswer, on_delete=models.PROTECT, null=True, blank=True, related_name="feedback"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "source_key"],
                condition=~Q(source_key=""),
                name="feedback_source_key",
            ),
            models.CheckConstraint(
                condition=Q(linked_to__isnull=True) | ~Q(linked_to=models.F("pk")),
                name="feedback_not_linked_to_itself",
            ),
        ]
        indexes = [
            models.Index(fields=["concerned", "sensitive", "status"]),
            models.Index(fields=["organisation", "received_at"]),
            # The trends count what is open past its deadline from the items, at the time read.
            models.Index(fields=["concerned", "status", "due_at"]),
        ]

    def __str__(self) -> str:
        return self.reference


class CallbackGender(models.TextChoices):
    ANY = "any", _("Anyone")
    FEMALE = "female", _("A woman")
    MALE = "male", _("A man")


class FeedbackContact(models.Model):
    """How to call the person back: personal data of the receiving organisation, going to the
    concerned organisation only with ``consent_to_share``."""

    feedback = models.OneToOneField(Feedback, on_delete=models.CASCADE, related_name="contact")
    name = models.CharField(_("name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    preferred_language = models.CharField(max_length=5, blank=True)  # a code of "languages"
    callback_gender = models.CharField(max_length=6, blank=True)  # a code of "callback_genders"
    consent_to_share = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"contact of {self.feedback_id}"


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    REFERRED = "referred", _("Referred")
    STARTED = "started", _("Started")
    RESOLVED = "resolved", _("Answered")
    TOLD = "told", _("Person told")
    CLOSED = "closed", _("Closed")
    CLOSED_NO_CONTACT = "closed_no_contact", _("Closed without contact")
    LINKED = "linked", _("Linked")
    NOTE = "note", _("Note")
    # The category was changed (to or from a sensitive one, or between them); which categories
    # is not written here, the item says its own.
    RECLASSIFIED = "reclassified", _("Category changed")
    # The channel sent the item again, corrected (an edited form on the help desk's phone).
    CORRECTED = "corrected", _("Corrected where it was recorded")


class FeedbackEvent(models.Model):
    """One step of an item's history; its note is as sensitive as the item."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    # The organisation acting (the receiver, or the one referred to).
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["feedback", "at", "pk"]

    def __str__(self) -> str:
        return self.kind


class FocalPoint(models.Model):
    """A member an organisation names to receive one sensitive category of feedback."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="feedback_focal_points"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback_focal_points"
    )
    category = models.CharField(max_length=30)  # a sensitive code of "categories"
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    named_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "category", "named_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user", "category"], name="focal_point_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} focal point"


class FeedbackRollup(models.Model):
    """Non-sensitive feedback counted by the organisation responsible (``concerned``), month of
    receipt, site, governorate, category, channel and topic. Rewritten for an organisation and
    month when a write touching them commits. What is open past its deadline changes with the
    clock, not with writes: the trends count it from the items when read."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month received
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    governorate = models.ForeignKey(
        AdminUnit, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    category = models.CharField(max_length=30)
    channel = models.CharField(max_length=20)
    topic = models.CharField(max_length=30, blank=True)
    received = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    answered_in_time = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_in_time = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation", "month", "pk"]
        indexes = [models.Index(fields=["organisation", "month"])]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.month}"
