"""Coordination: the response plan, its clusters' projects and funding, people in need and
targets, and the partners' monthly 4W reports (who does what, where, when, for whom).

- A **response plan** (``ResponsePlan``, the year's HRP) has people in need and targets
  (``PlanFigure``) by governorate, cluster, population group, sex and age, and HRP projects
  (``Project``) with their requirements and the funding received (``Funding``).
- A **report** (``Report``) is one organisation's 4W of one month; its **rows** (``ReportRow``)
  say which activity and indicator, where (governorate, district, subdistrict or a site), for
  which population group, and the figure, by sex and age where known. A row is entered on the
  page, imported from the cluster's spreadsheet, or filled by the system from what it already
  holds (distributions, referrals provided, consultations): ``source`` says which, and an
  automatic row's ``source_key`` names where it came from so that filling again replaces it.
- A **reporting period** (``ReportingPeriod``) closes to partners after its deadline; a
  cluster's coordinators lock and reopen it.
- **Cluster members** (``ClusterMember``) read every report row of their cluster.
- A **partner name** (``PartnerName``) maps an organisation's name as partners write it in
  their sheets to the organisation, once.
- **Figure rollups** (``FigureRollup``) are what totals and dashboards read: one row per year,
  month, cluster, indicator, organisation and place, with the figure and its cells added over
  population groups, kept current by the writes for the keys they touched; the cluster
  dashboard reads ``DashboardRollup``, the same figures by governorate with each indicator's
  growth to date worked out, kept by the same refresh.

Which activities and indicators exist, and how each indicator adds up over months and partners
(sum, maximum, cumulative, unique people), is data: ``data/catalogue.json``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nahrain.core.models import Organisation
from nahrain.geo.models import AdminUnit
from nahrain.sites.models import Site

# --- the plan ---------------------------------------------------------------------------------


class ResponsePlan(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    code = models.CharField(_("plan code"), max_length=12, unique=True)  # "IRQ18"
    name = models.CharField(_("name"), max_length=200)
    requirements = models.DecimalField(_("requirements (USD)"), max_digits=14, decimal_places=2)
    source = models.CharField(_("source"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.code


class FigureKind(models.TextChoices):
    IN_NEED = "in_need", _("People in need")
    TARGETED = "targeted", _("People targeted")


class PlanFigure(models.Model):
    """People in need or targeted: for the whole response (cluster "") or one cluster, the
    country (governorate null) or one governorate, all population groups ("") or one."""

    plan = models.ForeignKey(ResponsePlan, on_delete=models.CASCADE, related_name="figures")
    cluster = models.CharField(_("cluster"), max_length=20, blank=True)
    governorate = models.ForeignKey(
        AdminUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    population_group = models.CharField(_("population group"), max_length=20, blank=True)
    kind = models.CharField(max_length=10, choices=FigureKind.choices)
    people = models.PositiveIntegerField(_("people"))
    # By sex and age group: {"f_0_17": ..., "m_60": ...}; empty when not broken down.
    cells = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["plan", "kind", "cluster"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "cluster", "governorate", "population_group", "kind"],
                name="planfigure_key",
            ),
            models.UniqueConstraint(
                fields=["plan", "cluster", "population_group", "kind"],
                condition=Q(governorate__isnull=True),
                name="planfigure_country_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.code} {self.kind} {self.cluster or 'all'}"


class ProjectStatus(models.TextChoices):
    APPEALING = "appealing", _("Appealing")
    ONGOING = "ongoing", _("Ongoing")
    CLOSED = "closed", _("Closed")


class Project(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(ResponsePlan, on_delete=models.PROTECT, related_name="projects")
    code = models.CharField(_("project code"), max_length=40, unique=True)  # IRQ18/CSS/123876
    title = models.CharField(_("title"), max_length=300)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="hrp_projects"
    )
    cluster = models.CharField(_("cluster"), max_length=20)
    requested = models.DecimalField(_("requested (USD)"), max_digits=14, decimal_places=2)
    targets = models.PositiveIntegerField(_("people targeted"), default=0)
    governorates = models.ManyToManyField(AdminUnit, related_name="+", blank=True)
    status = models.CharField(
        max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.ONGOING
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "code"]

    def __str__(self) -> str:
        return self.code


class Funding(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="funding")
    amount = models.DecimalField(_("amount (USD)"), max_digits=14, decimal_places=2)
    source = models.CharField(_("donor"), max_length=200)
    received_on = models.DateField(_("received on"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "received_on"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="funding_positive")]

    def __str__(self) -> str:
        return f"{self.project.code} {self.amount}"


# --- clusters and partners --------------------------------------------------------------------


class ClusterRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Cluster coordinator")
    INFORMATION_MANAGER = "information_manager", _("Cluster information manager")


class ClusterMember(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cluster_memberships"
    )
    cluster = models.CharField(_("cluster"), max_length=20)
    role = models.CharField(_("role"), max_length=20, choices=ClusterRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cluster", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "cluster"], name="clustermember_once"),
        ]

    def __str__(self) -> str:
        return f"{self.cluster} {self.role}"


class PartnerName(models.Model):
    """An organisation's name as partners write it ("IOM Iraq", "I.O.M", "المنظمة الدولية
    للهجرة"), mapped once: ``key`` is the spelling normalised (``codelists.name_key``)."""

    key = models.CharField(max_length=200, unique=True)
    spelling = models.CharField(_("spelling"), max_length=200)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="partner_names"
    )
    taught_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    taught_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.spelling


# --- the monthly 4W ---------------------------------------------------------------------------


class ReportingPeriod(models.Model):
    """A month of reporting: open to partners until its deadline, unless a cluster member
    locked it earlier or reopened it later (``reopened_at`` after the deadline opens it again
    until it is locked)."""

    month = models.DateField(_("month"), unique=True)  # its first day
    deadline = models.DateField(_("deadline"))
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="period_first_day"),
        ]

    def __str__(self) -> str:
        return self.month.isoformat()[:7]


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Report(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="coordination_reports"
    )
    month = models.DateField(_("month"))  # its first day
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month", "organisation"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "month"], name="report_once_a_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="report_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.month.isoformat()[:7]}"


class RowSource(models.TextChoices):
    ENTERED = "entered", _("Entered")
    IMPORTED = "imported", _("Imported")
    AUTO = "auto", _("Filled by the system")


class ReportRow(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="rows")
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="report_rows"
    )
    cluster = models.CharField(_("cluster"), max_length=20)
    activity = models.CharField(_("activity"), max_length=40)
    indicator = models.CharField(_("indicator"), max_length=40)
    # Where: a governorate, district or subdistrict (level 1-3), and a site when known; the
    # governorate is kept beside it so that rollups and filters need no walk up the tree.
    admin_unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    governorate = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    population_group = models.CharField(_("population group"), max_length=20, blank=True)
    # By sex and age group ({"f_0_17": ..., "m_60": ...}); empty when not broken down.
    cells = models.JSONField(default=dict, blank=True)
    value = models.PositiveIntegerField(_("figure"))
    source = models.CharField(max_length=8, choices=RowSource.choices)
    # An automatic row's origin ("assistance:<programme uid>:<district p-code>"); empty else.
    source_key = models.CharField(max_length=160, blank=True)
    implementing_partner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["report", "cluster", "activity", "indicator"]
        indexes = [models.Index(fields=["cluster", "indicator"], name="reportrow_cluster")]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "source_key"],
                condition=~Q(source_key=""),
                name="reportrow_source_key",
            ),
            models.UniqueConstraint(
                fields=[
                    "report",
                    "activity",
                    "indicator",
                    "admin_unit",
                    "population_group",
                    "source",
                    "source_key",
                ],
                condition=Q(site__isnull=True),
                name="reportrow_place_once",
            ),
            models.UniqueConstraint(
                fields=[
                    "report",
                    "activity",
                    "indicator",
                    "site",
                    "population_group",
                    "source",
                    "source_key",
                ],
                condition=Q(site__isnull=False),
                name="reportrow_site_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.value}"


class FigureRollup(models.Model):
    """The rows of one year, month, cluster, indicator, organisation and place added over
    population groups, projects and sites: what totals and dashboards read. ``from_records``
    separates the figures the system filled from personal records (shown outside the
    organisation with small cells suppressed) from the partners' published figures."""

    year = models.PositiveSmallIntegerField()
    month = models.DateField()
    cluster = models.CharField(max_length=20)
    indicator = models.CharField(max_length=40)
    aggregation = models.CharField(max_length=12)
    # Copies of keys the report rows already hold under their constraints: a derived table
    # written in bulk by every import needs neither a second check of each key at commit nor
    # an index per key it is never searched by.
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    governorate = models.ForeignKey(
        AdminUnit, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    place = models.ForeignKey(
        AdminUnit, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    from_records = models.BooleanField(default=False)
    rows = models.PositiveIntegerField(default=0)
    value = models.BigIntegerField(default=0)
    value_max = models.BigIntegerField(default=0)
    cells = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "month",
                    "cluster",
                    "indicator",
                    "organisation",
                    "place",
                    "from_records",
                ],
                name="rollup_key",
            ),
        ]
        indexes = [
            models.Index(fields=["year", "cluster", "month"], name="rollup_dashboard"),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.indicator} {self.value}"


class DashboardRollup(models.Model):
    """The cluster dashboard's rows: per year, cluster, indicator, organisation, governorate
    and month, the month's figure added over the organisation's places there and how much its
    total to date grows that month by the indicator's rule (cumulative: the change since the
    previous month at each place; max: the rise of each place's running maximum; the others:
    the month's figure). Kept from ``FigureRollup`` by every refresh, for the organisation's
    whole year. The ``*_public`` figures leave out the small figures from personal records,
    as anyone outside the organisation sees them; ``public`` says whether any figure is left
    to them."""

    year = models.PositiveSmallIntegerField()
    month = models.DateField()
    cluster = models.CharField(max_length=20)
    indicator = models.CharField(max_length=40)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    governorate = models.ForeignKey(
        AdminUnit, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    monthly = models.BigIntegerField(default=0)
    growth = models.BigIntegerField(default=0)
    monthly_public = models.BigIntegerField(default=0)
    growth_public = models.BigIntegerField(default=0)
    public = models.BooleanField(default=True)

    class Meta:
        constraints = [
            # Its order serves the dashboard: a year and cluster, then a partner's own rows.
            models.UniqueConstraint(
                fields=["year", "cluster", "organisation", "indicator", "governorate", "month"],
                name="dashboard_rollup_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.indicator} {self.monthly}"
