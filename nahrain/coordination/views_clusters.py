"""Pages of the clusters' own work: the reporting periods (each month's deadline, whether
partners may still write it, locked or reopened by the clusters' members) and a cluster's
members (added by its coordinator or a platform admin). Thin, over ``access`` and the services,
which decide again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from nahrain.coordination import access, codelists, rules, services
from nahrain.coordination.forms import ClusterMemberForm, month_value
from nahrain.coordination.models import ClusterMember, ReportingPeriod
from nahrain.core.access import is_platform_admin
from nahrain.core.http import AuthenticatedHttpRequest

# How many months back the periods page lists, beside any month a period was kept for.
MONTHS_SHOWN = 12


@dataclass
class PeriodLine:
    period: ReportingPeriod
    open: bool

    @property
    def value(self) -> str:
        """The month as the URLs write it (2018-03)."""
        return f"{self.period.month.year:04d}-{self.period.month.month:02d}"


def _recent_months(today: date) -> list[date]:
    month = today.replace(day=1)
    found = []
    for _step in range(MONTHS_SHOWN):
        found.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return found


@login_required
@require_safe
def periods(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each month's deadline and whether partners may still report it: read by every signed-in
    user (partners plan by the deadlines); locked and reopened by the clusters' members."""
    today = timezone.localdate()
    kept = {period.month: period for period in ReportingPeriod.objects.all()}
    # A month no one has touched yet is shown as it would be kept, without writing it.
    for month in _recent_months(today):
        kept.setdefault(month, ReportingPeriod(month=month, deadline=codelists.deadline(month)))
    lines = [
        PeriodLine(period, rules.is_open(period, today))
        for period in sorted(kept.values(), key=lambda p: p.month, reverse=True)
    ]
    return render(
        request,
        "coordination/periods.html",
        {
            "lines": lines,
            "manager": access.may_lock_periods(request.user),
            "member_clusters": _member_clusters(request),
        },
    )


def _member_clusters(request: AuthenticatedHttpRequest) -> list[tuple[str, str]]:
    """The clusters whose members list the user reads from here: their own clusters, or every
    cluster for a platform admin."""
    if not access.may_read_cluster_members(request.user):
        return []
    language = get_language()
    own = access.clusters_coordinated(request.user)
    return [
        (code, codelists.label("clusters", code, language))
        for code in codelists.codes("clusters")
        if is_platform_admin(request.user) or code in own
    ]


def _period_month(request: AuthenticatedHttpRequest, month: str) -> date:
    if not access.may_lock_periods(request.user):
        raise Http404
    found = month_value(month)
    if found is None:
        raise Http404
    return found


@login_required
@require_POST
def period_lock(request: AuthenticatedHttpRequest, month: str) -> HttpResponse:
    """Close a month to partners now, whatever its deadline."""
    services.period_lock(actor=request.user, month=_period_month(request, month))
    messages.success(request, _("The month is locked: partners can no longer change it."))
    return redirect("coordination:periods")


@login_required
@require_POST
def period_reopen(request: AuthenticatedHttpRequest, month: str) -> HttpResponse:
    """Open a month to partners again, after its deadline too, until it is locked."""
    services.period_reopen(actor=request.user, month=_period_month(request, month))
    messages.success(request, _("The month is open again: partners can correct their reports."))
    return redirect("coordination:periods")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cluster_members(request: AuthenticatedHttpRequest, cluster: str) -> HttpResponse:
    """A cluster's coordinators and information managers, read by the clusters' members; a
    member added by the cluster's coordinator or a platform admin."""
    if cluster not in codelists.codes("clusters") or not access.may_read_cluster_members(
        request.user
    ):
        raise Http404
    adder = access.may_add_cluster_members(request.user, cluster)
    if request.method == "POST" and not adder:
        raise Http404
    form = ClusterMemberForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cluster_member_add(
                actor=request.user,
                user=form.cleaned_data["username"],
                cluster=cluster,
                role=form.cleaned_data["role"],
            )
        except (ValidationError, PermissionDenied) as refused:
            form.add_error(
                None,
                _("This user is already a member of the cluster.")
                if isinstance(refused, ValidationError)
                and ClusterMember.objects.filter(
                    user=form.cleaned_data["username"], cluster=cluster
                ).exists()
                else " ".join(getattr(refused, "messages", [str(refused)])),
            )
        else:
            messages.success(request, _("The member was added to the cluster."))
            return redirect("coordination:cluster_members", cluster)
    language = get_language()
    return render(
        request,
        "coordination/cluster_members.html",
        {
            "cluster": cluster,
            "cluster_label": codelists.label("clusters", cluster, language),
            "clusters": [
                (code, codelists.label("clusters", code, language))
                for code in codelists.codes("clusters")
            ],
            "members": ClusterMember.objects.filter(cluster=cluster)
            .select_related("user")
            .prefetch_related("user__memberships__organisation")
            .order_by("role", "user__username"),
            "form": form if adder else None,
        },
    )
