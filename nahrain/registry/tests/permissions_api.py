"""The registry API's rows of the permission matrix (nahrain/testing/permissions.py; collected
by ``permissions.py`` beside this file), with the builders of the objects they act on: a family
IOM registered in its camp, one of its members, its consent and a verification visit. Only IOM's
registration officers and site managers (omar, among the matrix's personas) read or change them;
everyone else is answered 404, and every answer that grants carries personal data (no-store)."""

from __future__ import annotations

from datetime import date
from typing import Any

from nahrain.registry import services
from nahrain.registry.models import Household
from nahrain.registry.rules import DocumentIn, MemberIn
from nahrain.sites.tests.permissions import iom_camp
from nahrain.testing.permissions import REGISTRY, SIGNED_IN, Decision, Target, World, api

# --- builders ---------------------------------------------------------------------------------


def family(surname: str) -> list[MemberIn]:
    """A head, his wife and their son."""
    return [
        MemberIn(
            sex="m",
            relationship="head",
            first_ar="خالد",
            father_ar="إبراهيم",
            grandfather_ar="يوسف",
            family_ar=surname,
            born_on=date(1979, 2, 11),
            documents=[DocumentIn("national_card", True, "197912345678")],
        ),
        MemberIn(sex="f", relationship="spouse", first_ar="سعاد", age=38),
        MemberIn(sex="m", relationship="son", first_ar="يوسف", born_on=date(2001, 9, 3)),
    ]


def iom_household(world: World, name: str = "first") -> Household:
    """A family IOM registered in its camp in July 2019 (rania, IOM's registration officer)."""

    def make() -> Household:
        camp = iom_camp(world)
        return services.household_register(
            actor=world.personas.rania.user,
            organisation=world.personas.iom,
            registered_on=date(2019, 7, 5),
            members=family("الحمداني" if name == "first" else "الطائي"),
            site=camp,
            phone="07501234567",
        )

    household: Household = world.once(f"iom household {name}", make)
    return household


def household(world: World) -> Target:
    found = iom_household(world)
    return Target(kwargs={"household_uid": found.uid}, organisation_id=found.organisation_id)


def individual(world: World) -> Target:
    """The wife in IOM's family."""
    found = iom_household(world)
    spouse = found.members.get(relationship="spouse")
    return Target(kwargs={"individual_uid": spouse.uid}, organisation_id=found.organisation_id)


def consent(world: World) -> Target:
    """The family's consent to registration, given when it registered."""
    found = iom_household(world)
    given = found.consents.get(purpose="registration")
    return Target(kwargs={"consent_uid": given.uid}, organisation_id=found.organisation_id)


def visit(world: World) -> Target:
    """A verification visit to IOM's family."""

    def make() -> Any:
        return services.visit_record(
            actor=world.personas.rania.user,
            household=iom_household(world),
            on=date(2019, 10, 1),
            outcome="verified",
            members_seen=3,
        )

    made = world.once("iom visit", make)
    return Target(kwargs={"visit_uid": made.uid}, organisation_id=world.personas.iom.pk)


def with_body(build: Any, body: dict[str, Any]) -> Any:
    """A builder of the same object with a request body."""

    def built(world: World) -> Target:
        target: Target = build(world)
        target.json = body
        return target

    built.__doc__ = build.__doc__
    return built


def registration(world: World) -> Target:
    """A new family for IOM, in its camp."""
    camp = iom_camp(world)
    members = [
        {"sex": "m", "relationship": "head", "first_ar": "عمر", "born_on": "1990-01-01"},
        {"sex": "f", "relationship": "daughter", "first_ar": "نور", "age": 4},
    ]
    return Target(
        json={
            "organisation_id": str(world.personas.iom.pk),
            "registered_on": "2019-08-01",
            "site_uid": str(camp.uid),
            "members": members,
        },
        organisation_id=world.personas.iom.pk,
    )


def split(world: World) -> Target:
    """The son of IOM's family forming a household of his own."""
    target = household(world)
    son = iom_household(world).members.get(relationship="son")
    target.json = {"on": "2019-11-01", "head_uid": str(son.uid)}
    return target


def merge(world: World) -> Target:
    """IOM's family joining a second family IOM registered."""
    target = household(world)
    target.json = {"on": "2019-11-01", "into_uid": str(iom_household(world, "second").uid)}
    return target


# --- the rows ---------------------------------------------------------------------------------

API = "/api/v1/registry"
ON = {"on": "2019-11-01"}
BIRTH = {
    "on": "2019-11-01",
    "birth": True,
    "sex": "f",
    "relationship": "daughter",
    "first_ar": "مريم",
    "born_on": "2019-11-01",
}

API_ENDPOINTS: tuple[Decision, ...] = (
    # Everyone signed in lists; each sees only the households they read (none, for most).
    api(f"GET {API}/households", SIGNED_IN, audit="registry.search", personal=True),
    api(
        f"POST {API}/households",
        REGISTRY,
        registration,
        ok=201,
        audit="registry.register",
        personal=True,
    ),
    api(
        f"GET {API}/households/{{household_uid}}",
        REGISTRY,
        household,
        audit="registry.read",
        personal=True,
    ),
    api(
        f"PATCH {API}/households/{{household_uid}}",
        REGISTRY,
        with_body(household, {"phone": "0770 765 4321"}),
        audit="registry.update",
        personal=True,
    ),
    api(
        f"POST {API}/households/{{household_uid}}/members",
        REGISTRY,
        with_body(household, BIRTH),
        ok=201,
        audit="registry.birth",
        personal=True,
    ),
    api(
        f"PATCH {API}/members/{{individual_uid}}",
        REGISTRY,
        with_body(individual, {"first_lat": "Suad"}),
        audit="registry.member_update",
        personal=True,
    ),
    api(
        f"POST {API}/members/{{individual_uid}}/death",
        REGISTRY,
        with_body(individual, ON),
        audit="registry.death",
        personal=True,
    ),
    api(
        f"POST {API}/households/{{household_uid}}/departure",
        REGISTRY,
        with_body(household, {**ON, "returned": True}),
        audit="registry.departure",
        personal=True,
    ),
    api(
        f"POST {API}/households/{{household_uid}}/move",
        REGISTRY,
        with_body(household, {**ON, "admin_unit": "IQG09"}),
        audit="registry.move",
        personal=True,
    ),
    api(
        f"POST {API}/households/{{household_uid}}/split",
        REGISTRY,
        split,
        ok=201,
        audit="registry.split",
        personal=True,
    ),
    api(
        f"POST {API}/households/{{household_uid}}/merge",
        REGISTRY,
        merge,
        audit="registry.merge",
        personal=True,
    ),
    api(
        f"POST {API}/households/{{household_uid}}/consents",
        REGISTRY,
        with_body(household, {**ON, "purpose": "assistance"}),
        ok=201,
        audit="registry.consent",
        personal=True,
    ),
    api(
        f"POST {API}/consents/{{consent_uid}}/withdraw",
        REGISTRY,
        with_body(consent, ON),
        audit="registry.consent_withdraw",
        personal=True,
    ),
    api(
        f"POST {API}/households/{{household_uid}}/visits",
        REGISTRY,
        with_body(household, {**ON, "outcome": "verified", "members_seen": 3}),
        ok=201,
        audit="registry.visit",
        personal=True,
    ),
)
