"""The registry's rows of the permission matrix (nahrain/testing/permissions.py), with the
builders of the objects they act on: a family IOM registered in its camp. Only IOM's
registration officer (rania) and site manager (omar) read and change it; its personal data
downloads for rania alone, who holds the export permission."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from nahrain.registry import services
from nahrain.registry.models import Household
from nahrain.registry.rules import DocumentIn, MemberIn
from nahrain.registry.tests.permissions_api import API_ENDPOINTS
from nahrain.registry.tests.permissions_duplicates import DUPLICATES_ENDPOINTS
from nahrain.registry.tests.permissions_figures import FIGURES_ENDPOINTS
from nahrain.sites import services as site_services
from nahrain.sites.models import ShelterUnit
from nahrain.sites.tests.permissions import iom_camp
from nahrain.testing.permissions import (
    ANY_REGISTRY,
    NOBODY,
    REGISTRY,
    REGISTRY_EXPORT,
    Decision,
    Target,
    World,
    page,
)

# --- builders ---------------------------------------------------------------------------------


def iom_camp_units(world: World) -> Any:
    """IOM's camp with a block of ten tents."""

    def make() -> Any:
        camp = iom_camp(world)
        site_services.units_create(
            actor=world.personas.omar.user,
            site=camp,
            block="A",
            kind="tent",
            codes=[str(n) for n in range(1, 11)],
        )
        return camp

    return world.once("iom camp units", make)


def _family(first: str) -> list[MemberIn]:
    return [
        MemberIn(
            sex="m",
            relationship="head",
            first_ar=first,
            family_ar="الجبوري",
            born_on=date(1980, 3, 14),
            documents=[DocumentIn("national_card", True, "199012345678")],
        ),
        MemberIn(sex="f", relationship="spouse", first_ar="فاطمة", born_on=date(1985, 7, 1)),
        MemberIn(sex="m", relationship="son", first_ar="علي", age=9),
    ]


def iom_household(world: World) -> Household:
    """A family of three IOM registered in tent A/1 of its camp."""

    def make() -> Household:
        camp = iom_camp_units(world)
        return services.household_register(
            actor=world.personas.rania.user,
            organisation=world.personas.iom,
            registered_on=date(2024, 3, 1),
            members=_family("محمد"),
            site=camp,
            unit=ShelterUnit.objects.get(site=camp, code="1"),
        )

    found: Household = world.once("iom household", make)
    return found


def iom_second_household(world: World) -> Household:
    """Another IOM family in the same camp, to merge."""

    def make() -> Household:
        camp = iom_camp_units(world)
        return services.household_register(
            actor=world.personas.rania.user,
            organisation=world.personas.iom,
            registered_on=date(2024, 3, 1),
            members=_family("سعد"),
            site=camp,
            unit=ShelterUnit.objects.get(site=camp, code="2"),
        )

    found: Household = world.once("iom second household", make)
    return found


def _once(form: dict[str, Any]) -> dict[str, Any]:
    """A form as a page shows it: with a key of its own, so that each cell records."""
    return {"key": f"page:{uuid.uuid4()}", **form}


def household(world: World) -> Target:
    found = iom_household(world)
    return Target(kwargs={"household_uid": found.uid}, organisation_id=found.organisation_id)


def individual(world: World) -> Target:
    """IOM's family's son, who dies in the cell that records a death."""
    found = iom_household(world)
    son = found.members.get(relationship="son")
    return Target(
        kwargs={"individual_uid": son.uid},
        organisation_id=found.organisation_id,
        form=_once({"on": "2025-02-01"}),
    )


def individual_corrected(world: World) -> Target:
    found = iom_household(world)
    head = found.members.get(relationship="head")
    return Target(
        kwargs={"individual_uid": head.uid},
        organisation_id=found.organisation_id,
        form=_once(
            {
                "first_ar": "محمد",
                "family_ar": "الجبوري",
                "first_lat": "Mohammed",
                "sex": "m",
                "relationship": "head",
                "born_on": "1980-03-14",
                "birth_date": "exact",
            }
        ),
    )


def household_with(form: dict[str, Any]) -> Any:
    def build(world: World) -> Target:
        target = household(world)
        target.form = _once(form)
        return target

    return build


def household_moved(world: World) -> Target:
    target = household(world)
    camp = iom_camp_units(world)
    tent = ShelterUnit.objects.get(site=camp, code="5")
    target.form = _once({"on": "2025-03-01", "site": str(camp.pk), "unit": str(tent.pk)})
    return target


def household_split(world: World) -> Target:
    target = household(world)
    son = iom_household(world).members.get(relationship="son")
    target.form = _once({"on": "2025-05-01", "head": str(son.pk)})
    return target


def household_merged(world: World) -> Target:
    """IOM's second family merging into the first, by its registration number."""
    second = iom_second_household(world)
    return Target(
        kwargs={"household_uid": second.uid},
        organisation_id=second.organisation_id,
        form=_once({"on": "2025-04-01", "number": iom_household(world).number}),
    )


def consent(world: World) -> Target:
    """IOM's family's consent to registration, withdrawn in the cell that withdraws it."""
    found = iom_household(world)
    given = found.consents.get(purpose="registration")
    return Target(
        kwargs={"consent_uid": given.uid},
        organisation_id=found.organisation_id,
        form=_once({"on": "2025-01-01"}),
    )


def registration_at_camp(world: World) -> Target:
    """A family to register in IOM's camp, in tent A/3."""
    camp = iom_camp_units(world)
    tent = ShelterUnit.objects.get(site=camp, code="3")
    members = {
        "member-0-first_ar": "حسن",
        "member-0-sex": "m",
        "member-0-relationship": "head",
        "member-0-age": "40",
        "member-0-birth_date": "exact",
    }
    return Target(
        query={"site": str(camp.uid)},
        organisation_id=camp.organisation_id,
        form=_once(
            {
                "registered_on": "2025-01-01",
                "unit": str(tent.pk),
                "consents": "registration",
                "member-TOTAL_FORMS": "1",
                "member-INITIAL_FORMS": "0",
                "member-MIN_NUM_FORMS": "1",
                "member-MAX_NUM_FORMS": "1000",
                **members,
            }
        ),
    )


def iom_camp_counting(world: World) -> Target:
    """IOM's camp, to count its population by registration."""
    camp = iom_camp(world)
    return Target(
        kwargs={"site_uid": camp.uid}, form={"counts": "1"}, organisation_id=camp.organisation_id
    )


def personal_download(world: World) -> Target:
    """IOM's registry (its family in it) as CSV."""
    iom_household(world)
    return Target(query={"format": "csv"}, organisation_id=world.personas.iom.pk)


# --- the rows ---------------------------------------------------------------------------------

CHANGED = {"POST": 302}


def _change(name: str, build: Any, action: str) -> Decision:
    """A form of a household's page: shown and sent by the organisation's registry staff, its
    showing audited as a read, its sending as the change."""
    return page(
        f"registry:{name}",
        GET=REGISTRY,
        POST=REGISTRY,
        build=build,
        ok=CHANGED,
        audit={"GET": "registry.read", "POST": f"registry.{action}"},
        personal=True,
    )


PAGE_ENDPOINTS: tuple[Decision, ...] = (
    page(
        "registry:home",
        GET=ANY_REGISTRY,
        POST=NOBODY,
        audit={"GET": "registry.search"},
        personal=True,
    ),
    page(
        "registry:register",
        GET=REGISTRY,
        POST=REGISTRY,
        build=registration_at_camp,
        ok=CHANGED,
        audit={"POST": "registry.register"},
        personal=True,
    ),
    page(
        "registry:household",
        GET=REGISTRY,
        POST=NOBODY,
        build=household,
        audit={"GET": "registry.read"},
        personal=True,
    ),
    _change(
        "household_edit",
        household_with({"phone": "0770 111 2233", "displaced_on": "2014-08-03"}),
        "update",
    ),
    _change(
        "member_add",
        household_with(
            {
                "birth": "0",
                "on": "2025-01-10",
                "first_ar": "حسن",
                "sex": "m",
                "relationship": "other_relative",
                "age": "40",
            }
        ),
        "member_add",
    ),
    _change("member_edit", individual_corrected, "member_update"),
    _change("member_death", individual, "death"),
    _change("depart", household_with({"on": "2025-06-01", "returned": "1"}), "departure"),
    _change("move", household_moved, "move"),
    _change("split", household_split, "split"),
    _change("merge", household_merged, "merge"),
    _change("consent", household_with({"purpose": "assistance", "on": "2025-01-01"}), "consent"),
    _change("consent_withdraw", consent, "consent_withdraw"),
    _change("visit", household_with({"on": "2025-01-05", "outcome": "verified"}), "visit"),
    page(
        "registry:site_counting",
        GET=NOBODY,
        POST=REGISTRY,
        build=iom_camp_counting,
        ok=CHANGED,
        audit={"POST": "site.counting"},
    ),
    page(
        "registry:export",
        GET=REGISTRY_EXPORT,
        POST=NOBODY,
        build=personal_download,
        audit={"GET": "registry.export"},
        personal=True,
    ),
)

ENDPOINTS: tuple[Decision, ...] = (
    PAGE_ENDPOINTS + API_ENDPOINTS + FIGURES_ENDPOINTS + DUPLICATES_ENDPOINTS
)
