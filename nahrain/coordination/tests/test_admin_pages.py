"""The clusters' own pages as people use them: tariq (the Shelter/NFI cluster coordinator) and
hiwa (one of its information managers) lock and reopen reporting months, which every signed-in
partner reads with their deadlines; layla (IOM information manager) adds IOM's projects and
records their funding, tariq any partner's Shelter/NFI project; tariq adds members to his
cluster, hiwa reads them but adds none; ahmed (DAMA viewer), the outsider and anyone else who
may not write are answered as for what does not exist, and root (platform admin) does it all."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from nahrain.coordination import services
from nahrain.coordination.models import (
    ClusterMember,
    ClusterRole,
    Funding,
    Project,
    ReportingPeriod,
    ResponsePlan,
)
from nahrain.core import services as core_services
from nahrain.geo.models import AdminUnit
from nahrain.testing.personas import PASSWORD, Persona, Personas

pytestmark = pytest.mark.django_db

LOCK = "/coordination/periods/2018-01/lock/"
REOPEN = "/coordination/periods/2018-01/reopen/"
SNFI_MEMBERS = "/coordination/clusters/snfi/members/"


@pytest.fixture
def hiwa(tariq: Persona) -> Persona:
    """A Shelter/NFI cluster information manager, a viewer at UNHCR."""
    user = core_services.user_create(username="hiwa", password=PASSWORD)
    assert tariq.organisation is not None
    core_services.membership_add(
        actor=None, user=user, organisation=tariq.organisation, role="viewer"
    )
    services.cluster_member_add(
        actor=None, user=user, cluster="snfi", role=ClusterRole.INFORMATION_MANAGER
    )
    return Persona(user=user, organisation=tariq.organisation)


def _period(month: date) -> ReportingPeriod | None:
    return ReportingPeriod.objects.filter(month=month).first()


# --- reporting periods ------------------------------------------------------------------------


def test_a_partner_reads_each_months_deadline_and_whether_it_is_open_without_buttons(
    personas: Personas, tariq: Persona
) -> None:
    answer = personas.ahmed.client().get("/coordination/periods/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert 'id="periods"' in html
    assert "Deadline" in html
    assert "/lock/" not in html and "/reopen/" not in html
    # Reading the page writes no period.
    assert not ReportingPeriod.objects.exists()


def test_the_cluster_coordinator_locks_a_month_and_reopens_it(tariq: Persona) -> None:
    client = tariq.client()
    services.period_reopen(actor=tariq.user, month=date(2018, 1, 1))
    page = client.get("/coordination/periods/").content.decode()
    assert 'action="/coordination/periods/2018-01/lock/"' in page
    answer = client.post(LOCK)
    assert answer.status_code == 302 and answer["Location"] == "/coordination/periods/"
    period = _period(date(2018, 1, 1))
    assert period is not None and period.locked_at is not None
    assert period.locked_by == tariq.user
    page = client.get("/coordination/periods/").content.decode()
    assert 'action="/coordination/periods/2018-01/reopen/"' in page
    assert "Locked" in page
    assert client.post(REOPEN).status_code == 302
    period.refresh_from_db()
    assert period.locked_at is None and period.reopened_by == tariq.user


def test_a_cluster_information_manager_and_a_platform_admin_lock_months_too(
    hiwa: Persona, personas: Personas
) -> None:
    assert hiwa.client().post(LOCK).status_code == 302
    assert personas.root.client().post(REOPEN).status_code == 302
    period = _period(date(2018, 1, 1))
    assert period is not None and period.reopened_by == personas.root.user


@pytest.mark.parametrize("name", ["layla", "ahmed", "outsider", "iom_admin"])
def test_who_is_no_cluster_member_is_answered_not_found_and_nothing_is_locked(
    personas: Personas, name: str
) -> None:
    client = getattr(personas, name).client()
    assert client.post(LOCK).status_code == 404
    assert client.post(REOPEN).status_code == 404
    assert _period(date(2018, 1, 1)) is None


def test_locking_without_the_forms_csrf_token_is_refused(tariq: Persona) -> None:
    client = Client(enforce_csrf_checks=True)
    client.cookies = tariq.client().cookies
    assert client.post(LOCK).status_code == 403
    assert _period(date(2018, 1, 1)) is None


def test_a_month_that_is_not_a_month_is_not_found(tariq: Persona) -> None:
    assert tariq.client().post("/coordination/periods/2018-13/lock/").status_code == 404
    assert tariq.client().get(LOCK).status_code == 405


# --- projects and funding ---------------------------------------------------------------------


def _project(plan: ResponsePlan, **given: object) -> dict[str, object]:
    return {
        "action": "project",
        "project-code": "IRQ18/SNF/124350",
        "project-title": "Shelter and NFI assistance to IDPs and returnees",
        "project-cluster": "snfi",
        "project-requested": "14207374",
        "project-targets": "120000",
        **{f"project-{k}": v for k, v in given.items()},
    }


def _funding(project: Project, **given: object) -> dict[str, object]:
    return {
        "action": "funding",
        "funding-project": str(project.pk),
        "funding-amount": "7000000",
        "funding-source": "ECHO",
        "funding-received_on": "2018-03-01",
        "funding-reference": "ECHO/IRQ/BUD/2018/91011",
        **{f"funding-{k}": v for k, v in given.items()},
    }


def test_iom_information_manager_adds_a_project_and_records_its_funding(
    plan: ResponsePlan, personas: Personas
) -> None:
    client = personas.layla.client()
    url = f"/coordination/plans/{plan.uid}/projects/"
    page = client.get(url).content.decode()
    assert 'id="new-project"' in page
    duhok = AdminUnit.objects.get(pcode="IQG09")
    answer = client.post(
        url, _project(plan, organisation=str(personas.iom.pk), governorates=[str(duhok.pk)])
    )
    assert answer.status_code == 302 and answer["Location"] == url
    project = Project.objects.get(code="IRQ18/SNF/124350")
    assert project.organisation == personas.iom and project.cluster == "snfi"
    assert list(project.governorates.all()) == [duhok]
    assert client.post(url, _funding(project)).status_code == 302
    funding = Funding.objects.get(project=project)
    assert funding.amount == Decimal("7000000") and funding.source == "ECHO"
    assert funding.received_on == date(2018, 3, 1) and funding.recorded_by == personas.layla.user
    html = client.get(url).content.decode()
    assert "7,000,000" in html and "ECHO" in html and "7,207,374" in html  # the gap


def test_a_partner_adds_no_project_for_another_organisation(
    plan: ResponsePlan, personas: Personas
) -> None:
    answer = personas.layla.client().post(
        f"/coordination/plans/{plan.uid}/projects/",
        _project(plan, organisation=str(personas.dama.pk)),
    )
    assert answer.status_code == 200
    assert "Select a valid choice" in answer.content.decode()
    assert not Project.objects.exists()


def test_the_cluster_coordinator_adds_any_partners_project_of_his_cluster_not_of_another(
    plan: ResponsePlan, personas: Personas, tariq: Persona
) -> None:
    url = f"/coordination/plans/{plan.uid}/projects/"
    client = tariq.client()
    assert client.post(url, _project(plan, organisation=str(personas.dama.pk))).status_code == 302
    assert Project.objects.get().organisation == personas.dama
    answer = client.post(
        url,
        _project(plan, organisation=str(personas.dama.pk), code="IRQ18/H/1", cluster="health"),
    )
    assert answer.status_code == 200
    assert "You may not write this organisation" in answer.content.decode()
    assert Project.objects.count() == 1


def test_funding_is_recorded_for_ones_own_projects_alone_and_must_be_more_than_nothing(
    plan: ResponsePlan, personas: Personas, tariq: Persona
) -> None:
    dama_project = services.project_create(
        actor=tariq.user,
        plan=plan,
        code="IRQ18/SNF/200001",
        title="Shelter kits",
        organisation=personas.dama,
        cluster="snfi",
        requested=Decimal("100000"),
        targets=100,
        governorates=[],
    )
    url = f"/coordination/plans/{plan.uid}/projects/"
    client = personas.layla.client()
    assert client.post(url, _funding(dama_project)).status_code == 200
    answer = personas.iom_admin.client().post(url, _funding(dama_project, amount="0"))
    assert answer.status_code == 200
    assert not Funding.objects.exists()
    # The project's cluster coordinator records it.
    assert tariq.client().post(url, _funding(dama_project)).status_code == 302
    assert Funding.objects.get().project == dama_project


@pytest.mark.parametrize("name", ["ahmed", "outsider", "hana"])
def test_who_writes_no_project_reads_the_page_without_forms_and_may_not_post(
    plan: ResponsePlan, personas: Personas, name: str
) -> None:
    client = getattr(personas, name).client()
    url = f"/coordination/plans/{plan.uid}/projects/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="new-project"' not in page.content.decode()
    organisation = getattr(personas, name).organisation
    assert client.post(url, _project(plan, organisation=str(organisation.pk))).status_code == 404
    assert not Project.objects.exists()


def test_a_platform_admin_adds_any_project(plan: ResponsePlan, personas: Personas) -> None:
    answer = personas.root.client().post(
        f"/coordination/plans/{plan.uid}/projects/",
        _project(plan, organisation=str(personas.intersos.pk), cluster="protection"),
    )
    assert answer.status_code == 302
    assert Project.objects.get().organisation == personas.intersos


# --- cluster members --------------------------------------------------------------------------


def test_the_coordinator_adds_a_member_to_his_cluster_shown_by_name_and_role(
    tariq: Persona, personas: Personas
) -> None:
    client = tariq.client()
    page = client.get(SNFI_MEMBERS).content.decode()
    assert 'id="add-member"' in page and "tariq" in page
    answer = client.post(SNFI_MEMBERS, {"username": "layla", "role": "information_manager"})
    assert answer.status_code == 302
    member = ClusterMember.objects.get(user=personas.layla.user)
    assert member.cluster == "snfi" and member.role == ClusterRole.INFORMATION_MANAGER
    page = client.get(SNFI_MEMBERS).content.decode()
    assert "layla" in page and "Cluster information manager" in page and "IOM" in page
    assert ">information_manager<" not in page


def test_adding_an_unknown_user_or_a_member_twice_is_refused_in_words(tariq: Persona) -> None:
    client = tariq.client()
    answer = client.post(SNFI_MEMBERS, {"username": "nobody", "role": "coordinator"})
    assert answer.status_code == 200 and "No user has this name." in answer.content.decode()
    answer = client.post(SNFI_MEMBERS, {"username": "tariq", "role": "coordinator"})
    assert answer.status_code == 200
    assert "already a member of the cluster" in answer.content.decode()
    assert ClusterMember.objects.count() == 1


def test_a_cluster_information_manager_reads_the_members_but_adds_none(
    hiwa: Persona, personas: Personas
) -> None:
    client = hiwa.client()
    page = client.get(SNFI_MEMBERS)
    assert page.status_code == 200 and 'id="add-member"' not in page.content.decode()
    answer = client.post(SNFI_MEMBERS, {"username": "layla", "role": "coordinator"})
    assert answer.status_code == 404
    assert not ClusterMember.objects.filter(user=personas.layla.user).exists()


def test_the_coordinator_adds_no_member_to_another_cluster(
    tariq: Persona, personas: Personas
) -> None:
    client = tariq.client()
    assert client.get("/coordination/clusters/wash/members/").status_code == 200
    answer = client.post(
        "/coordination/clusters/wash/members/", {"username": "layla", "role": "coordinator"}
    )
    assert answer.status_code == 404
    assert not ClusterMember.objects.filter(cluster="wash").exists()


@pytest.mark.parametrize("name", ["layla", "ahmed", "outsider"])
def test_who_is_in_no_cluster_is_answered_not_found(
    tariq: Persona, personas: Personas, name: str
) -> None:
    client = getattr(personas, name).client()
    assert client.get(SNFI_MEMBERS).status_code == 404
    assert client.post(SNFI_MEMBERS, {"username": name, "role": "coordinator"}).status_code == 404
    assert ClusterMember.objects.count() == 1


def test_a_platform_admin_adds_the_first_coordinator_of_a_cluster(personas: Personas) -> None:
    client = personas.root.client()
    answer = client.post(
        "/coordination/clusters/wash/members/", {"username": "layla", "role": "coordinator"}
    )
    assert answer.status_code == 302
    assert ClusterMember.objects.get().role == ClusterRole.COORDINATOR
    assert client.get("/coordination/clusters/not-a-cluster/members/").status_code == 404
