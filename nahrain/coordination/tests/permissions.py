"""The coordination app's rows of the permission matrix (nahrain/testing/permissions.py), with
the builders of the objects they act on: the 2018 plan with an IOM project and its funding, and
IOM's 4W report of a month a cluster reopened (so that it is open whatever the day the matrix
runs).

The plan, its projects, funding and figures are read by every signed-in user (each reader's
figures from the rows they may see). An organisation's monthly report is read by its members and
by the members of any cluster (who see their cluster's rows of it), and written and submitted by
its information managers, data entry clerks and organisation admin. The partner names page is
for the information managers of the partners and the clusters' members. Projects and their
funding are written by the partners' information managers and organisation admins, the clusters'
members and platform admins (the projects page's POST); reporting periods are read by everyone
and locked or reopened by the clusters' members; a cluster's members list is read by the
clusters' members and added to by its coordinator (no persona of the matrix but tariq, outside
it) or a platform admin. Everyone else is
answered 404, as for what does not exist."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from nahrain.coordination import codelists
from nahrain.coordination.models import (
    Funding,
    Project,
    Report,
    ReportingPeriod,
    ResponsePlan,
)
from nahrain.testing.permissions import (
    ANY_CLUSTER,
    ANY_IM,
    ANY_ORG_ADMIN,
    MEMBER,
    NOBODY,
    PLATFORM_ADMIN,
    REPORTS_4W,
    SIGNED_IN,
    Decision,
    Target,
    World,
    api,
    page,
)

A = "/api/v1/coordination"
MONTH = date(2026, 11, 1)
EXPORT = "coordination.export"


def _plan(world: World) -> ResponsePlan:
    def make() -> ResponsePlan:
        plan = ResponsePlan.objects.create(
            year=2018,
            code="IRQ18",
            name="Iraq Humanitarian Response Plan 2018",
            requirements=Decimal("568700000"),
            source="OCHA",
        )
        project = Project.objects.create(
            plan=plan,
            code="IRQ18/CSS/123876",
            title="Displacement Tracking Matrix",
            organisation=world.personas.iom,
            cluster="ccs",
            requested=Decimal("3000000"),
        )
        Funding.objects.create(
            project=project, amount=Decimal("1000000"), source="ECHO", received_on=date(2018, 3, 1)
        )
        return plan

    found: ResponsePlan = world.once("coordination_plan", make)
    return found


def plan(world: World) -> Target:
    return Target(kwargs={"plan_uid": _plan(world).uid})


def cluster(world: World) -> Target:
    return Target(kwargs={"plan_uid": _plan(world).uid, "cluster": "snfi"})


def export(world: World) -> Target:
    return Target(kwargs={"plan_uid": _plan(world).uid, "format": "csv"})


def export_api(world: World) -> Target:
    return Target(kwargs={"plan_uid": _plan(world).uid}, query={"format": "csv"})


def _report(world: World) -> Report:
    def make() -> Report:
        ReportingPeriod.objects.create(
            month=MONTH,
            deadline=codelists.deadline(MONTH),
            reopened_at=timezone.now(),
        )
        return Report.objects.create(organisation=world.personas.iom, month=MONTH)

    found: Report = world.once("coordination_report", make)
    return found


def report(world: World) -> Target:
    found = _report(world)
    return Target(
        kwargs={"organisation_id": found.organisation_id, "month": "2026-11"},
        organisation_id=found.organisation_id,
        json={"rows": []},
    )


def period(world: World) -> Target:
    """A month long past (locking it changes no other row's answer)."""
    return Target(kwargs={"month": "2018-01"})


def cluster_members(world: World) -> Target:
    """The Shelter/NFI cluster: hiwa is one of its information managers, not its coordinator."""
    return Target(kwargs={"cluster": "snfi"})


ENDPOINTS: tuple[Decision, ...] = (
    page("coordination:home", GET=SIGNED_IN, POST=NOBODY, build=plan, ok={"GET": 302}),
    page("coordination:plan", GET=SIGNED_IN, POST=NOBODY, build=plan),
    page("coordination:cluster", GET=SIGNED_IN, POST=NOBODY, build=cluster),
    page(
        "coordination:projects",
        GET=SIGNED_IN,
        POST=ANY_IM | ANY_ORG_ADMIN | ANY_CLUSTER | PLATFORM_ADMIN,
        build=plan,
    ),
    page("coordination:presence", GET=SIGNED_IN, POST=NOBODY, build=plan),
    page(
        "coordination:export",
        GET=SIGNED_IN,
        POST=NOBODY,
        build=export,
        audit={"GET": EXPORT},
        personal=True,
    ),
    page("coordination:reports", GET=SIGNED_IN, POST=NOBODY),
    page(
        "coordination:report",
        GET=MEMBER | REPORTS_4W | ANY_CLUSTER,
        POST=REPORTS_4W,
        build=report,
    ),
    page("coordination:fill", GET=NOBODY, POST=REPORTS_4W, build=report, ok={"POST": 302}),
    page("coordination:submit", GET=NOBODY, POST=REPORTS_4W, build=report, ok={"POST": 302}),
    page("coordination:periods", GET=SIGNED_IN, POST=NOBODY),
    page(
        "coordination:period_lock",
        GET=NOBODY,
        POST=ANY_CLUSTER | PLATFORM_ADMIN,
        build=period,
        ok={"POST": 302},
    ),
    page(
        "coordination:period_reopen",
        GET=NOBODY,
        POST=ANY_CLUSTER | PLATFORM_ADMIN,
        build=period,
        ok={"POST": 302},
    ),
    page(
        "coordination:cluster_members",
        GET=ANY_CLUSTER | PLATFORM_ADMIN,
        POST=PLATFORM_ADMIN,
        build=cluster_members,
    ),
    page("coordination:partner_names", GET=ANY_IM | ANY_CLUSTER, POST=ANY_IM | ANY_CLUSTER),
    api(f"GET {A}/plans", SIGNED_IN),
    api(f"GET {A}/plans/{{plan_uid}}", SIGNED_IN, plan),
    api(f"GET {A}/plans/{{plan_uid}}/projects", SIGNED_IN, plan),
    api(f"GET {A}/plans/{{plan_uid}}/funding", SIGNED_IN, plan),
    api(f"GET {A}/plans/{{plan_uid}}/totals", SIGNED_IN, plan),
    api(f"GET {A}/plans/{{plan_uid}}/dashboard/{{cluster}}", SIGNED_IN, cluster),
    api(f"GET {A}/plans/{{plan_uid}}/presence", SIGNED_IN, plan),
    api(f"GET {A}/plans/{{plan_uid}}/export", SIGNED_IN, export_api, audit=EXPORT, personal=True),
    api(f"GET {A}/reports", SIGNED_IN),
    api(
        f"GET {A}/reports/{{organisation_id}}/{{month}}",
        MEMBER | REPORTS_4W | ANY_CLUSTER,
        report,
    ),
    api(f"PUT {A}/reports/{{organisation_id}}/{{month}}", REPORTS_4W, report),
    api(f"POST {A}/reports/{{organisation_id}}/{{month}}/submit", REPORTS_4W, report),
)
