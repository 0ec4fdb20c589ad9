"""Field data collection: collector accounts, published XForms and their media, submissions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nahrain.core.models import Organisation


class Collector(models.Model):
    """A data-collector account for ODK Collect, KoboCollect or Enketo.

    It is not a Django user: it cannot sign in to the pages or the API, only list, download and
    submit its organisation's forms. Digest authentication needs HA1 = MD5(user:realm:password),
    which is kept beside a salted hash for Basic; both are replaced when the password is reset.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    username = models.CharField(_("username"), max_length=60, unique=True)
    display_name = models.CharField(_("name"), max_length=120, blank=True)
    password_hash = models.CharField(max_length=256)
    digest_ha1 = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.username

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Form(models.Model):
    """One form of an organisation, known to the apps by its ``form_id``; it has versions.

    What the form means is its handler's (``collect.handlers``), found by the same ``form_id``.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    form_id = models.CharField(max_length=100)
    title = models.CharField(max_length=200)

    class Meta:
        ordering = ["form_id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "form_id"], name="form_org_form_id")
        ]

    def __str__(self) -> str:
        return self.form_id


class FormVersion(models.Model):
    """A published version: the XLSForm it came from, the XForm pyxform compiled, its MD5."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(max_length=40)
    xlsform = models.TextField(help_text="The XLSForm source (Markdown tables).")
    xml = models.TextField()
    md5 = models.CharField(max_length=32)
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["form", "-published_at"]
        constraints = [
            models.UniqueConstraint(fields=["form", "version"], name="formversion_form_version")
        ]

    def __str__(self) -> str:
        return f"{self.form.form_id} {self.version}"


class FormMedia(models.Model):
    """A media file of a form version, listed in its manifest (the location list CSVs)."""

    form_version = models.ForeignKey(FormVersion, on_delete=models.CASCADE, related_name="media")
    filename = models.CharField(max_length=100)
    content_type = models.CharField(max_length=100, default="text/csv")
    data = models.BinaryField()
    md5 = models.CharField(max_length=32)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["filename"]
        constraints = [
            models.UniqueConstraint(
                fields=["form_version", "filename"], name="formmedia_version_filename"
            )
        ]

    def __str__(self) -> str:
        return f"{self.form_version}: {self.filename}"


class SubmissionStatus(models.TextChoices):
    RECEIVED = "received", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    SUPERSEDED = "superseded", _("Replaced by an edit")


class Submission(models.Model):
    """One filled-in form, keyed by its instanceID: the database refuses a second one.

    ``xml`` is the submission with the fields its handler declares personal taken out (the
    name and phone of whoever answered live in ``KeyInformant``); ``xml_md5`` is a keyed digest
    (HMAC-SHA-256 with the secret key, 32 hex digits) of the XML as sent, so that a repeated
    send is recognised as the same submission.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="submissions")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    collector = models.ForeignKey(
        Collector, on_delete=models.PROTECT, null=True, related_name="submissions"
    )
    instance_id = models.CharField(max_length=100)
    deprecated = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    xml = models.TextField()
    xml_md5 = models.CharField(max_length=32)
    # More parts of this submission are still to come (OpenRosa "*isIncomplete*").
    complete = models.BooleanField(default=True)
    data = models.JSONField(default=dict, help_text="Values read from the XML (no personal data).")
    # The handler's grouping of submissions for the review queue (DTM: the round number).
    batch = models.CharField(max_length=40, blank=True)
    problems = models.JSONField(default=list)
    status = models.CharField(
        max_length=12, choices=SubmissionStatus.choices, default=SubmissionStatus.RECEIVED
    )
    received_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reject_reason = models.TextField(blank=True)
    # Where an accepted submission went, as its handler names it: {"round": uid} for a DTM
    # location assessment, {"movement": uid} for an emergency-tracking event.
    accepted = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["form", "instance_id"], name="submission_form_instance")
        ]
        indexes = [models.Index(fields=["organisation", "status", "batch"])]

    def __str__(self) -> str:
        return f"{self.form.form_id}/{self.instance_id}"


class SubmissionAttachment(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    data = models.BinaryField()
    md5 = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "filename"], name="attachment_submission_filename"
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission_id}: {self.filename}"


class KeyInformant(models.Model):
    """The name and phone of whoever answered a form (DTM's key informant), as the form's
    handler declares them: personal data of the collecting organisation.

    Kept apart from the figures and the submission's XML, read only by the organisation's
    information managers (each read audited), never exported.
    """

    submission = models.OneToOneField(
        Submission, on_delete=models.CASCADE, related_name="key_informant"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return f"key informant of {self.submission_id}"


class DigestNonce(models.Model):
    """The highest nonce count accepted with a Digest nonce, so that a captured header cannot be
    sent again: a later request must carry a higher count (RFC 7616 section 3.3). The unique
    nonce makes two requests racing with one header accept at most one."""

    nonce = models.CharField(max_length=100, unique=True)
    # The nc parameter; 0 for a header without qop, which may use its nonce once.
    count = models.BigIntegerField()
    # When the nonce itself expires: the row is useless after that and is forgotten.
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.nonce[:12]}… nc={self.count}"
