"""Assistance programmes, their distribution lists, the distributions that serve them, cash
payments and post-distribution monitoring (docs/ASSISTANCE.md).

- A **programme** is what an organisation gives (a kind of assistance: NFI top-up, sealing-off
  kit, rental subsidy, return package...), by which modality (in kind, cash, voucher, service),
  in how many cycles, against an HRP project and a cluster, with targets and a budget. Who is
  eligible, what each household is entitled to and what excludes it (another programme's kit
  within 90 days, camp shelter for a rental subsidy) are the programme's **rules**: versioned
  data (``Rules``), never code.
- A **distribution list** is built from the registry by the rules, or imported from a file
  through the intake pipeline; it is checked (within itself, against the registry's possible
  duplicates, against every programme's recent distributions) before a second person approves
  it. Once approved it is frozen: a change makes a new version of the list.
- A **distribution** is an event (place, day, team) serving one cycle of an approved list; a
  **receipt** records what happened to one household there (received, collected by a named
  proxy, absent, refused). A household is served at most once per programme and cycle: the
  database refuses a second served receipt (``receipt_served_once``); a late sync that would
  serve it again is kept, not served, for the reconciliation.
- A **payment** is a household's cash transfer of one cycle, exported to a payment provider and
  reconciled back (paid, failed, returned); paid, it is the household's receipt.
- A **monitoring sample** is drawn from a distribution's served households, stratified by the
  sex of the head; its answers come back through the PDM field form.

Lists, receipts, payments and monitoring answers are personal data of the programme's
organisation: read by its assistance officers alone (``assistance.access``), every read audited.
Reach (``ReachFigure``) is the rollup pages read, kept current by the writes.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nahrain.core.models import Organisation
from nahrain.geo.models import AdminUnit
from nahrain.registry.models import Household
from nahrain.sites.models import Site

# --- programmes -------------------------------------------------------------------------------


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Running")
    CLOSED = "closed", _("Closed")


class Programme(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="assistance_programmes"
    )
    code = models.CharField(_("programme code"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200, blank=True)
    name_ckb = models.CharField(_("name (Kurdish)"), max_length=200, blank=True)
    kind = models.CharField(_("assistance"), max_length=30)  # a code of "assistance_kinds"
    modality = models.CharField(_("modality"), max_length=12)  # a code of "modalities"
    cluster = models.CharField(_("cluster"), max_length=20)  # a code of "clusters"
    hrp_project = models.CharField(_("HRP project code"), max_length=40, blank=True)
    cycles = models.PositiveSmallIntegerField(_("cycles"), default=1)
    # Days between two cycles (30 for a monthly rental payment); 0 for a single cycle.
    cycle_days = models.PositiveSmallIntegerField(_("days between cycles"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    budget = models.DecimalField(
        _("budget"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target_households = models.PositiveIntegerField(_("target households"), null=True, blank=True)
    # Targeted people by sex and age group: {"f_0_17": 1200, "m_0_17": ..., "f_18_59": ...}.
    target_people = models.JSONField(default=dict, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    status = models.CharField(
        max_length=8, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="programme_code"),
            models.CheckConstraint(condition=Q(cycles__gte=1), name="programme_cycles"),
        ]

    def __str__(self) -> str:
        return self.code


class Rules(models.Model):
    """One version of a programme's rules: who is eligible, what each household gets, what
    excludes it (``rules.py`` reads and checks the document). A list records the version it
    was built with; a new version never changes a list already built."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="rules")
    version = models.PositiveIntegerField()
    document = models.JSONField()
    # Where the rules come from: the appeal, the cluster's guidance, the donor agreement.
    source = models.CharField(_("source"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "version"], name="rules_version"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} v{self.version}"


# --- lists ------------------------------------------------------------------------------------


class ListStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # built or imported, not yet checked
    CHECKED = "checked", _("Checked")  # the duplicate and exclusion check ran on it
    APPROVED = "approved", _("Approved")  # frozen; distributions serve it
    SUPERSEDED = "superseded", _("Replaced by a newer version")
    DISCARDED = "discarded", _("Discarded")


class DistributionList(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="lists")
    version = models.PositiveIntegerField()
    rules = models.ForeignKey(Rules, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=8)  # "registry" or "import"
    status = models.CharField(max_length=10, choices=ListStatus.choices, default=ListStatus.DRAFT)
    # The approved list this version replaces (a change to an approved list is a new version).
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    built_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # The second person: never the one who built the list.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Kept by the services: households and people included, households excluded.
    households = models.PositiveIntegerField(default=0)
    people = models.PositiveIntegerField(default=0)
    excluded = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["programme", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "version"], name="list_version"),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("built_by")),
                name="list_approved_by_another",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} list v{self.version}"


class ListEntry(models.Model):
    """A household on a list: included with its entitlement and token, or excluded with the
    rule that excluded it and what the rule found (``exclusion``: the rule's code and the
    facts its words need, never another organisation's personal data)."""

    list = models.ForeignKey(DistributionList, on_delete=models.CASCADE, related_name="entries")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    included = models.BooleanField(default=True)
    # A code of "exclusion_rules", empty when included.
    excluded_by = models.CharField(max_length=30, blank=True)
    exclusion = models.JSONField(default=dict, blank=True)
    # What the household gets per cycle: {"items": [{"item": "nfi_kit", "quantity": 1}]} or
    # {"amount": "440.00", "currency": "USD"}.
    entitlement = models.JSONField(default=dict, blank=True)
    # The code the household shows (printed, as a QR code, or sent by SMS): random, per list.
    token = models.CharField(max_length=12)
    # Facts at build time that monitoring and reach read without re-reading the registry.
    people = models.PositiveSmallIntegerField(default=0)
    head_sex = models.CharField(max_length=1, blank=True)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    admin_unit = models.ForeignKey(
        AdminUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The file row it came from (imported lists), for problems and re-imports.
    row = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["list", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["list", "household"], name="entry_once_per_list"),
            models.UniqueConstraint(fields=["list", "token"], name="entry_token"),
        ]

    def __str__(self) -> str:
        return self.token


# --- distributions ----------------------------------------------------------------------------


class DistributionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Under way")
    CLOSED = "closed", _("Closed")


class Distribution(models.Model):
    """One distribution event: a cycle of an approved list served at a place on a day by a
    team. ``stock`` is what the team brought ({"nfi_kit": 400}), ``returned`` what came back;
    the reconciliation sets them beside what the receipts say was handed out."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="distributions")
    list = models.ForeignKey(DistributionList, on_delete=models.PROTECT, related_name="+")
    cycle = models.PositiveSmallIntegerField(default=1)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    admin_unit = models.ForeignKey(
        AdminUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    place = models.CharField(_("distribution point"), max_length=200, blank=True)
    planned_on = models.DateField(_("day"))
    team = models.CharField(_("team"), max_length=200, blank=True)
    status = models.CharField(
        max_length=8, choices=DistributionStatus.choices, default=DistributionStatus.PLANNED
    )
    stock = models.JSONField(default=dict, blank=True)
    returned = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["programme", "planned_on", "pk"]

    def __str__(self) -> str:
        return f"{self.programme.code} cycle {self.cycle} on {self.planned_on}"


class Outcome(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROXY = "proxy", _("Collected by a proxy")
    PAID = "paid", _("Paid")
    ABSENT = "absent", _("Absent")
    REFUSED = "refused", _("Refused")


SERVED = (Outcome.RECEIVED, Outcome.PROXY, Outcome.PAID)


class Receipt(models.Model):
    """What happened to one household at a distribution (or to its cash transfer). ``served`` is
    true for a household served by this receipt; the database keeps one served receipt per
    household, programme and cycle. A recording that would serve a household already served in
    the cycle is kept with ``served`` false and ``duplicate_of`` set: the item it may have
    handed out shows in the reconciliation."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    distribution = models.ForeignKey(
        Distribution, on_delete=models.PROTECT, null=True, blank=True, related_name="receipts"
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    cycle = models.PositiveSmallIntegerField()
    entry = models.ForeignKey(ListEntry, on_delete=models.PROTECT, related_name="receipts")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    served = models.BooleanField(default=False)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proxy_name = models.CharField(_("proxy's name"), max_length=200, blank=True)
    proxy_relation = models.CharField(_("proxy's relationship"), max_length=60, blank=True)
    # What was handed out or paid (the entitlement, unless the recorder said otherwise).
    given = models.JSONField(default=dict, blank=True)
    # When it happened on the device, and when it reached the server.
    recorded_at = models.DateTimeField()
    synced_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A resend records once: the form's instance id, the page's form key, the payment's row.
    key = models.CharField(max_length=120)

    class Meta:
        ordering = ["programme", "cycle", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "cycle", "household"],
                condition=Q(served=True),
                name="receipt_served_once",
            ),
            models.UniqueConstraint(fields=["programme", "key"], name="receipt_key"),
            models.CheckConstraint(
                condition=Q(served=False) | Q(outcome__in=[o.value for o in SERVED]),
                name="receipt_served_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=Outcome.PROXY) | ~Q(proxy_name=""),
                name="receipt_proxy_named",
            ),
        ]
        indexes = [models.Index(fields=["household", "served"])]

    def __str__(self) -> str:
        return f"{self.outcome} ({self.programme_id}, cycle {self.cycle})"


# --- cash -------------------------------------------------------------------------------------


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Sent to the provider")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    RETURNED = "returned", _("Returned")


class PaymentBatch(models.Model):
    """A cash transfer list for one cycle, exported in a payment provider's format
    (data/payment_formats.json) and reconciled from the provider's report."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    list = models.ForeignKey(DistributionList, on_delete=models.PROTECT, related_name="+")
    cycle = models.PositiveSmallIntegerField()
    provider = models.CharField(max_length=30)  # a format of data/payment_formats.json
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    exported_at = models.DateTimeField(auto_now_add=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["programme", "cycle", "pk"]

    def __str__(self) -> str:
        return f"{self.provider} cycle {self.cycle}"


class Payment(models.Model):
    batch = models.ForeignKey(PaymentBatch, on_delete=models.CASCADE, related_name="payments")
    entry = models.ForeignKey(ListEntry, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    # The reference the provider quotes back: random, never personal.
    reference = models.CharField(max_length=24, unique=True)
    status = models.CharField(
        max_length=8, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    provider_reference = models.CharField(max_length=60, blank=True)
    reason = models.CharField(max_length=200, blank=True)  # the provider's words for a failure
    receipt = models.OneToOneField(
        Receipt, on_delete=models.PROTECT, null=True, blank=True, related_name="payment"
    )
    reconciled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "entry"], name="payment_once_per_batch"),
        ]

    def __str__(self) -> str:
        return self.reference


# --- post-distribution monitoring ---------------------------------------------------------------


class MonitoringSample(models.Model):
    """A sample of a distribution's served households for post-distribution monitoring: its
    size from the confidence and margin wanted (``monitoring.sample_size``), allocated to the
    strata (sex of the head) in proportion, drawn at random from ``seed``."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="samples")
    confidence = models.DecimalField(max_digits=4, decimal_places=3)  # 0.950
    margin = models.DecimalField(max_digits=4, decimal_places=3)  # 0.050
    size = models.PositiveIntegerField()
    strata = models.JSONField(default=dict)  # {"f": {"population": 120, "sample": 40}, ...}
    seed = models.CharField(max_length=64)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    drawn_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["distribution", "-drawn_at"]

    def __str__(self) -> str:
        return f"sample of {self.size}"


class SampledHousehold(models.Model):
    sample = models.ForeignKey(MonitoringSample, on_delete=models.CASCADE, related_name="members")
    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="+")
    stratum = models.CharField(max_length=1)  # the head's sex
    # Drawn beyond the sample size, to stand in for a household that cannot be reached.
    reserve = models.BooleanField(default=False)
    position = models.PositiveIntegerField()
    # What the interviewer's list and the PDM form name the household by: random, like a list
    # token, but not the token: the form's media reach every collector of the organisation,
    # and a token is a claim ticket at the distribution desk.
    code = models.CharField(max_length=9)

    class Meta:
        ordering = ["sample", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "receipt"], name="sampled_once"),
            models.UniqueConstraint(fields=["sample", "code"], name="sampled_code_once"),
        ]

    def __str__(self) -> str:
        return f"{self.stratum} {self.position}"


class MonitoringAnswer(models.Model):
    """A PDM interview's answers (the field form ``assistance_pdm``), one per sampled
    household; a resend replaces nothing (``key``)."""

    sampled = models.OneToOneField(
        SampledHousehold, on_delete=models.PROTECT, related_name="answer"
    )
    answers = models.JSONField()
    interviewed_on = models.DateField()
    key = models.CharField(max_length=120, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A complaint to hand to the feedback mechanism: the household wants to complain, or says it
    # was asked to pay or give something in return (fraud, sexual exploitation and abuse).
    # ``complaint_reasons`` are codes of "pdm_complaint_reasons"; the feedback app sets
    # ``complaint_taken_at`` when it takes the complaint over (``monitoring.complaints_pending``).
    complaint = models.BooleanField(default=False)
    complaint_reasons = models.JSONField(default=list, blank=True)
    complaint_taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["complaint", "complaint_taken_at"])]

    def __str__(self) -> str:
        return self.key


# --- reach ------------------------------------------------------------------------------------


class ReachFigure(models.Model):
    """People reached by a programme in one admin unit (the district), counted once however many
    times they were served: one row per programme and district, sex and age groups as columns.
    Rewritten by the writes that serve a household (``reach.refresh``)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="reach")
    admin_unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    households = models.PositiveIntegerField(default=0)
    people = models.PositiveIntegerField(default=0)
    f_0_17 = models.PositiveIntegerField(default=0)
    m_0_17 = models.PositiveIntegerField(default=0)
    f_18_59 = models.PositiveIntegerField(default=0)
    m_18_59 = models.PositiveIntegerField(default=0)
    f_60 = models.PositiveIntegerField(default=0)
    m_60 = models.PositiveIntegerField(default=0)
    # People whose date of birth the registry does not know, so that the sex and age cells add
    # up to ``people`` (as the registry's own figures keep them).
    f_unknown = models.PositiveIntegerField(default=0)
    m_unknown = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["programme", "admin_unit"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "admin_unit"], name="reach_once"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} in {self.admin_unit_id}"
