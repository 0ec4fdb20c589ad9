"""Organisations, memberships and roles, API tokens, enrolment links, invitations, sign-in
attempts, audit."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationType(models.TextChoices):
    UN_AGENCY = "un", _("UN agency")
    INGO = "ingo", _("International NGO")
    NNGO = "nngo", _("National NGO")
    GOVERNMENT = "government", _("Government")
    DONOR = "donor", _("Donor")


class Organisation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    acronym = models.CharField(_("acronym"), max_length=40, unique=True)
    type = models.CharField(_("type"), max_length=20, choices=OrganisationType.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["acronym"]

    def __str__(self) -> str:
        return self.acronym


class Role(models.TextChoices):
    """What a member may do inside their organisation.

    Platform administration is not a role in an organisation: it is ``User.is_superuser``.
    """

    VIEWER = "viewer", _("Viewer")
    DATA_ENTRY = "data_entry", _("Data entry")
    INFORMATION_MANAGER = "information_manager", _("Information manager")
    SITE_MANAGER = "site_manager", _("Site manager")
    CASE_WORKER = "case_worker", _("Case worker")
    # Registers households and reads the organisation's registry (personal data).
    REGISTRATION_OFFICER = "registration_officer", _("Registration officer")
    # Downloads personal data from the registry: given apart, on top of a registry role.
    PERSONAL_DATA_EXPORT = "personal_data_export", _("Personal data export")
    # Reads and holds the GBV cases assigned to them, and GBV referrals to the organisation.
    GBV_CASE_WORKER = "gbv_case_worker", _("GBV case worker")
    # Reads and holds the MHPSS cases assigned to them, and MHPSS referrals to the organisation.
    MHPSS_WORKER = "mhpss_worker", _("MHPSS worker")
    # Keeps the organisation's entries in the service directory.
    SERVICE_MAPPER = "service_mapper", _("Service mapper")
    # A Directorate of Health's EWARN focal point: reads the reports of the facilities under
    # the directorate and verifies, investigates and closes their alerts.
    SURVEILLANCE_OFFICER = "surveillance_officer", _("Surveillance officer")
    # Runs the organisation's assistance programmes: builds and approves distribution lists
    # (a list is approved by another officer than its builder), records distributions and
    # monitoring; reads the households on its lists (personal data).
    ASSISTANCE_OFFICER = "assistance_officer", _("Assistance officer")
    # Runs the organisation's complaints and feedback mechanism (help desk, hotline, CRC):
    # records, assigns, answers and closes its feedback. Sensitive feedback (sexual
    # exploitation and abuse, fraud, safety, data breach) is not theirs to read: it goes to
    # the focal points the organisation names for it (``feedback.FocalPoint``).
    FEEDBACK_OFFICER = "feedback_officer", _("Feedback officer")
    ORG_ADMIN = "org_admin", _("Organisation admin")


class Membership(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class ApiToken(models.Model):
    """A revocable bearer token for an API client; only the SHA-256 of the secret is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise it.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Whether a current second-factor code was given when the token was made: a token of a user
    # who must use a second factor works only if it was.
    with_second_factor = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class EnrolmentLink(models.Model):
    """A one-time permission to set up an authenticator app, given by the server's operator or a
    platform admin: without one, nobody who signs in with a password alone sees a new secret."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_links"
    )
    # None: made by the server's operator on the command line.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"enrolment link for {self.user}"


class AttemptScope(models.TextChoices):
    WEB = "web", "web sign-in"
    COLLECT = "collect", "collector credentials"
    CODE = "code", "second-factor codes from a known device"
    RESET = "reset", "password reset requests"


class AttemptCounter(models.Model):
    """Failed attempts of one key (an account, a client address or a known device) at one kind
    of sign-in, kept to compute the wait before its next attempt; never a password."""

    scope = models.CharField(max_length=10, choices=AttemptScope.choices)
    key = models.CharField(max_length=200)
    failures = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="attempt_counter_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}: {self.failures}"


class AuditEvent(models.Model):
    """Who did what to which object, when. Holds identifiers only, never personal values."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


class Invitation(models.Model):
    """A one-time sign-in link for a new user, who has no usable password until they open it and
    choose one; made by an organisation admin, a platform admin or the server's operator."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    # None: made by the server's operator on the command line.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invitation of {self.user}"
