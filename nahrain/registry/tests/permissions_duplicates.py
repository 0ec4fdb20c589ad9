"""The review queue's rows of the permission matrix (nahrain/testing/permissions.py; joined by
``permissions.py`` beside this file), with the pair they act on: two men of IOM's family, a
possible duplicate within one household of IOM's registry (a member entered twice in a roster;
its page reads one household, so one read is audited). Only IOM's registration staff (rania,
omar) review it; everyone else is answered 404, as for a pair that does not exist."""

from __future__ import annotations

from nahrain.registry.models import PossibleDuplicate
from nahrain.registry.tests.permissions_api import iom_household
from nahrain.testing.permissions import (
    ANY_REGISTRY,
    NOBODY,
    REGISTRY,
    Decision,
    Target,
    World,
    api,
    page,
)

DECIDED = {"decision": "same", "reason": "Same father, grandfather and card number."}


def iom_pair(world: World) -> Target:
    """The head and the son of IOM's family, possibly one man entered twice."""

    def make() -> PossibleDuplicate:
        men = iom_household(world).members.filter(sex="m").order_by("pk")
        return PossibleDuplicate.objects.create(
            first=men[0],
            second=men[1],
            probability=0.8,
            pattern=[0, 0, 0, 2, 0, 0, 0, 2],
            found_by="batch",
        )

    pair: PossibleDuplicate = world.once("iom possible duplicate", make)
    return Target(
        kwargs={"pair_id": pair.pk},
        organisation_id=pair.first.organisation_id,
        form=dict(DECIDED),
        json=dict(DECIDED),
    )


DUPLICATES_ENDPOINTS: tuple[Decision, ...] = (
    # The queue works in the reader's own organisation: any registry staff has one.
    page(
        "registry:duplicates",
        GET=ANY_REGISTRY,
        POST=NOBODY,
        audit={"GET": "registry.search"},
        personal=True,
    ),
    page(
        "registry:duplicate",
        GET=REGISTRY,
        POST=REGISTRY,
        build=iom_pair,
        ok={"POST": 302},
        audit={"GET": "registry.read", "POST": "registry.duplicate_decision"},
        personal=True,
    ),
    api(
        "GET /api/v1/registry/duplicates",
        ANY_REGISTRY,
        audit="registry.search",
        personal=True,
    ),
    api(
        "GET /api/v1/registry/duplicates/{pair_id}",
        REGISTRY,
        iom_pair,
        audit="registry.read",
        personal=True,
    ),
    api(
        "POST /api/v1/registry/duplicates/{pair_id}/decision",
        REGISTRY,
        iom_pair,
        ok=201,
        audit="registry.duplicate_decision",
        personal=True,
    ),
)
