"""Who reads and writes what in coordination.

The rule (``visible``): a partner organisation's members read their own organisation's reports
and figures; cluster members (``ClusterMember``) read every report row and figure of their
cluster and of its areas of responsibility. The plan, projects, funding and people-in-need
figures are public to any signed-in user. Selectors, gates and raw SQL all go through
``visible``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from nahrain.coordination.codelists import with_areas_of_responsibility
from nahrain.coordination.models import ClusterMember, ClusterRole, Project, Report
from nahrain.core.access import AnyUser, is_platform_admin
from nahrain.core.models import Membership, Organisation, Role

# Who of a partner organisation writes its 4W.
REPORTING_ROLES = (Role.INFORMATION_MANAGER, Role.DATA_ENTRY, Role.ORG_ADMIN)


@dataclass(frozen=True)
class Scope:
    """What one user reads: their organisations' reports and their clusters' rows."""

    organisations: frozenset[Any]
    clusters: frozenset[str]

    def sees(self, *, organisation_id: Any, cluster: str) -> bool:
        return organisation_id in self.organisations or cluster in self.clusters

    def q(self, *, organisation: str, cluster: str) -> Q:
        """The rule as a filter over any table with an organisation and a cluster column."""
        return Q(**{f"{organisation}__in": self.organisations}) | Q(
            **{f"{cluster}__in": self.clusters}
        )


def visible(user: AnyUser) -> Scope:
    """The one rule: the organisations whose reports the user reads, the clusters whose rows."""
    if not user.is_authenticated:
        return Scope(frozenset(), frozenset())
    organisations = frozenset(
        Membership.objects.filter(user_id=user.pk).values_list("organisation_id", flat=True)
    )
    clusters = set(ClusterMember.objects.filter(user_id=user.pk).values_list("cluster", flat=True))
    return Scope(organisations, frozenset(with_areas_of_responsibility(clusters)))


def clusters_coordinated(user: AnyUser, roles: tuple[str, ...] | None = None) -> set[str]:
    if not user.is_authenticated:
        return set()
    members = ClusterMember.objects.filter(user_id=user.pk)
    if roles is not None:
        members = members.filter(role__in=roles)
    return with_areas_of_responsibility(set(members.values_list("cluster", flat=True)))


def reports_for(user: AnyUser) -> set[Any]:
    """The organisations whose 4W the user writes."""
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(user_id=user.pk, role__in=REPORTING_ROLES).values_list(
            "organisation_id", flat=True
        )
    )


def may_report(user: AnyUser, organisation: Organisation) -> bool:
    return organisation.pk in reports_for(user)


def may_import(user: AnyUser, *, organisation_id: Any, cluster: str) -> bool:
    """A row of a sheet may go in for one's own organisation, or for any partner of a cluster
    one is a member of (the cluster's information manager imports the cluster's sheet)."""
    return organisation_id in reports_for(user) or cluster in clusters_coordinated(user)


def may_lock_periods(user: AnyUser) -> bool:
    return is_platform_admin(user) or bool(clusters_coordinated(user))


def may_manage_plan(user: AnyUser) -> bool:
    return is_platform_admin(user) or bool(clusters_coordinated(user))


# Who of a partner organisation writes its projects and their funding.
PROJECT_ROLES = (Role.INFORMATION_MANAGER, Role.ORG_ADMIN)


def project_organisations(user: AnyUser) -> set[Any]:
    """The organisations whose projects the user writes in any cluster."""
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(user_id=user.pk, role__in=PROJECT_ROLES).values_list(
            "organisation_id", flat=True
        )
    )


def may_manage_project(user: AnyUser, *, organisation: Organisation, cluster: str) -> bool:
    """The project's organisation (its information managers) or its cluster's members."""
    if is_platform_admin(user) or cluster in clusters_coordinated(user):
        return True
    return organisation.pk in project_organisations(user)


def may_manage_projects(user: AnyUser) -> bool:
    """Whether the user writes any project at all (the projects page's forms)."""
    return (
        is_platform_admin(user)
        or bool(clusters_coordinated(user))
        or bool(project_organisations(user))
    )


def projects_managed(user: AnyUser, projects: QuerySet[Project]) -> QuerySet[Project]:
    """Of ``projects``, those whose funding the user records (``may_manage_project`` as a
    filter)."""
    if is_platform_admin(user):
        return projects
    return projects.filter(
        Q(organisation__in=project_organisations(user)) | Q(cluster__in=clusters_coordinated(user))
    )


def may_add_cluster_members(user: AnyUser, cluster: str) -> bool:
    return is_platform_admin(user) or cluster in clusters_coordinated(
        user, (ClusterRole.COORDINATOR,)
    )


def may_read_cluster_members(user: AnyUser) -> bool:
    """The clusters' members list is read by those who work in the clusters."""
    return is_platform_admin(user) or bool(clusters_coordinated(user))


def may_teach_names(user: AnyUser, organisation: Organisation) -> bool:
    return (
        is_platform_admin(user)
        or bool(clusters_coordinated(user))
        or organisation.pk in reports_for(user)
    )


def _uuid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def access_report_by_uid(user: AnyUser, uid: Any) -> Report:
    """A report of one of the user's organisations, or one with rows of the user's clusters."""
    scope = visible(user)
    found = (
        Report.objects.filter(uid=_uuid(uid))
        .filter(Q(organisation__in=scope.organisations) | Q(rows__cluster__in=scope.clusters))
        .select_related("organisation")
        .first()
    )
    if found is None:
        raise Http404
    return found


def access_project_by_uid(user: AnyUser, uid: Any) -> Project:
    if not user.is_authenticated:
        raise Http404
    try:
        return Project.objects.select_related("plan", "organisation").get(uid=_uuid(uid))
    except Project.DoesNotExist:
        raise Http404 from None
