"""The case pages' and API's rows of the permission matrix (nahrain/testing/permissions.py),
with the builders of the cases they act on: a GBV case INTERSOS's zainab holds (read by its
assigned GBV case workers alone: no persona of the matrix), and a child-protection case
INTERSOS's shilan holds (read by her, assigned, and by INTERSOS's case workers, who supervise
such cases). The reports are the same suppressed figures for every signed-in reader."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from nahrain.core import services as core_services
from nahrain.core.models import Role
from nahrain.referrals import case_services
from nahrain.referrals.models import Case
from nahrain.referrals.services import PersonIn
from nahrain.referrals.tests import builders
from nahrain.testing.permissions import (
    ANY_CASE_WORKER,
    ASSIGNED,
    CASE_WORKER,
    NOBODY,
    SIGNED_IN,
    Decision,
    Target,
    World,
    api,
    page,
)

# Who reads a case and works on it: its assigned workers, and for the case types they
# supervise (child protection, legal documentation) its organisation's case workers.
CASE_READERS = ASSIGNED | CASE_WORKER

# --- builders ---------------------------------------------------------------------------------


def _once(form: dict[str, Any]) -> dict[str, Any]:
    """A form as a page shows it: with a key of its own, so that each cell records."""
    return {"key": f"page:{uuid.uuid4()}", **form}


def hevi(world: World) -> User:
    """Another of INTERSOS's case workers, to assign."""

    def make() -> User:
        user = core_services.user_create(username="hevi", password=None)
        core_services.membership_add(
            actor=None, user=user, organisation=world.personas.intersos, role=Role.CASE_WORKER
        )
        return user

    found: User = world.once("hevi", make)
    return found


def _gbv_case(world: World) -> Case:
    found: Case = world.once("gbv case", lambda: builders.gbv_case(world.personas))
    return found


def _gbv_case_shared(world: World) -> Case:
    """A GBV case zainab holds with nour."""

    def make() -> Case:
        case = builders.gbv_case(world.personas)
        case_services.case_assign(
            actor=world.personas.zainab.user, case=case, user=world.personas.nour.user
        )
        return case

    found: Case = world.once("gbv case shared", make)
    return found


def _cp_case(world: World, *, shared: bool = False) -> Case:
    def make() -> Case:
        case = case_services.case_open(
            actor=world.personas.shilan.user,
            organisation=world.personas.intersos,
            case_type="child_protection",
            person=PersonIn(name="Ali Hassan", sex="m", age=12, place="Zakho"),
        )
        if shared:
            case_services.case_assign(actor=world.personas.shilan.user, case=case, user=hevi(world))
        return case

    found: Case = world.once(f"cp case {shared}", make)
    return found


def gbv(world: World) -> Target:
    """Zainab's GBV case. Its organisation's case workers do not supervise GBV cases, so no
    organisation-wide grant reaches it: only its assigned workers."""
    case = _gbv_case(world)
    return Target(
        kwargs={"case_uid": case.uid},
        organisation_id=None,
        assigned=(world.personas.zainab.user,),
    )


def child_protection(world: World) -> Target:
    """Shilan's child-protection case, which INTERSOS's case workers supervise."""
    case = _cp_case(world)
    return Target(
        kwargs={"case_uid": case.uid},
        organisation_id=case.organisation_id,
        assigned=(world.personas.shilan.user,),
    )


def gbv_entry(world: World) -> Target:
    target = gbv(world)
    target.kwargs["kind"] = "follow_up"
    answers = {"progress": "Met at the safe space", "safety_reviewed": True}
    target.form = _once({"progress": answers["progress"], "safety_reviewed": "yes"})
    target.json = {"kind": "follow_up", "answers": answers}
    return target


def child_protection_entry(world: World) -> Target:
    target = child_protection(world)
    target.kwargs["kind"] = "follow_up"
    answers = {"progress": "Back at school", "risk_level": "low"}
    target.form = _once(answers)
    target.json = {"kind": "follow_up", "answers": answers}
    return target


def gbv_assign(world: World) -> Target:
    """Nour, to assign to zainab's case."""
    target = gbv(world)
    nour = world.personas.nour.user
    target.form = _once({"action": "assign", "user": nour.pk})
    target.json = {"user": nour.get_username()}
    return target


def child_protection_assign(world: World) -> Target:
    """Hevi, to assign to shilan's case."""
    target = child_protection(world)
    user = hevi(world)
    target.form = _once({"action": "assign", "user": user.pk})
    target.json = {"user": user.get_username()}
    return target


def gbv_unassign(world: World) -> Target:
    """Nour, whose assignment to the case she holds with zainab ends."""
    case = _gbv_case_shared(world)
    personas = world.personas
    return Target(
        kwargs={"case_uid": case.uid},
        organisation_id=None,
        assigned=(personas.zainab.user, personas.nour.user),
        json={"user": personas.nour.user.get_username()},
    )


def child_protection_unassign(world: World) -> Target:
    """Hevi, whose assignment to the case he holds with shilan ends."""
    case = _cp_case(world, shared=True)
    user = hevi(world)
    return Target(
        kwargs={"case_uid": case.uid},
        organisation_id=case.organisation_id,
        assigned=(world.personas.shilan.user, user),
        json={"user": user.get_username()},
    )


def to_open(world: World) -> Target:
    """A child-protection case to open (the type INTERSOS's case workers open)."""
    person = {"name": "Layla Omar", "sex": "f", "age": 11, "place": "Zakho"}
    return Target(
        organisation_id=world.personas.intersos.pk,
        query={"type": "child_protection"},
        form=_once({**person, "opened_on": timezone.localdate().isoformat()}),
        json={"type": "child_protection", **person},
    )


# --- the rows ---------------------------------------------------------------------------------

CASES = (gbv, child_protection)
ENTRIES = (gbv_entry, child_protection_entry)
ASSIGNS = (gbv_assign, child_protection_assign)
UNASSIGNS = (gbv_unassign, child_protection_unassign)

PAGE_ENDPOINTS: tuple[Decision, ...] = (
    page(
        "referrals:cases",
        GET=ANY_CASE_WORKER,
        POST=NOBODY,
        audit={"GET": "cases.list"},
        personal=True,
    ),
    page(
        "referrals:case_open",
        GET=ANY_CASE_WORKER,
        POST=ANY_CASE_WORKER,
        build=to_open,
        ok={"POST": 302},
        audit={"POST": "cases.opened"},
        personal=True,
    ),
    page(
        "referrals:case",
        GET=CASE_READERS,
        POST=NOBODY,
        build=CASES,
        audit={"GET": "cases.read"},
        personal=True,
    ),
    page(
        "referrals:case_entry",
        GET=CASE_READERS,
        POST=CASE_READERS,
        build=ENTRIES,
        ok={"POST": 302},
        audit={"GET": "cases.read", "POST": "cases.entry.follow_up"},
        personal=True,
    ),
    page(
        "referrals:case_assign",
        GET=NOBODY,
        POST=CASE_READERS,
        build=ASSIGNS,
        ok={"POST": 302},
        audit={"POST": "cases.assigned"},
        personal=True,
    ),
    page("referrals:reports", GET=SIGNED_IN, POST=NOBODY),
)

API_ENDPOINTS: tuple[Decision, ...] = (
    api("GET /api/v1/cases/reports", SIGNED_IN),
    api("GET /api/v1/cases/", ANY_CASE_WORKER, audit="cases.list", personal=True),
    # Opened by the case workers of INTERSOS (who open child-protection cases); a GBV case
    # worker or an MHPSS worker is refused the type (422), anyone else the endpoint (404).
    api(
        "POST /api/v1/cases/",
        CASE_WORKER,
        to_open,
        ok=201,
        denied=(404, 422),
        audit="cases.opened",
        personal=True,
    ),
    api("GET /api/v1/cases/{case_uid}", CASE_READERS, CASES, audit="cases.read", personal=True),
    api(
        "POST /api/v1/cases/{case_uid}/entries",
        CASE_READERS,
        ENTRIES,
        ok=201,
        audit="cases.entry.follow_up",
        personal=True,
    ),
    api(
        "POST /api/v1/cases/{case_uid}/assign",
        CASE_READERS,
        ASSIGNS,
        audit="cases.assigned",
        personal=True,
    ),
    api(
        "POST /api/v1/cases/{case_uid}/unassign",
        CASE_READERS,
        UNASSIGNS,
        audit="cases.unassigned",
        personal=True,
    ),
)

CASE_ENDPOINTS: tuple[Decision, ...] = PAGE_ENDPOINTS + API_ENDPOINTS
