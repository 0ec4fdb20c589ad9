"""The referrals' rows of the permission matrix (nahrain/testing/permissions.py; collected by
``permissions.py`` beside this file), with the builders of the objects they act on: a woman of
IOM's registry whom rania, IOM's registration officer, referred to INTERSOS's legal aid office
with her consent to share her sex, age and place. The referral is read by its sender (OWNER) and
by INTERSOS's case workers, who handle legal aid (RECEIVER: shilan among the matrix's personas);
its consent is changed by its sender alone; everyone else is answered 404. Sending is open to
anyone who refers for an organisation (ANY_REFERRER: case workers of every kind, registration
officers, site managers); the lists to everyone signed in, each seeing their own."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.utils import timezone

from nahrain.core.models import Role
from nahrain.referrals.models import Referral, ServicePoint
from nahrain.referrals.tests import builders
from nahrain.testing.permissions import (
    ANY_REFERRER,
    NOBODY,
    OWNER,
    RECEIVER,
    SIGNED_IN,
    Decision,
    Target,
    World,
    api,
    page,
)

# --- builders ---------------------------------------------------------------------------------


def legal_point(world: World) -> ServicePoint:
    """INTERSOS's legal aid office in Zakho (with the other points of the personas'
    organisations), published."""
    points: dict[str, ServicePoint] = world.once(
        "referral points", lambda: builders.standard_points(world.personas)
    )
    return points["legal"]


def iom_referral(world: World) -> Referral:
    """Rania's referral of a woman of IOM's registry to INTERSOS's legal aid."""

    def make() -> Referral:
        personas = world.personas
        return builders.refer(
            personas.rania.user,
            personas.iom,
            legal_point(world),
            "legal_aid",
            individual=builders.iom_person(personas),
            consent=builders.consent(("sex", "age", "place")),
        )

    found: Referral = world.once("iom referral to intersos legal aid", make)
    return found


def referral(world: World) -> Target:
    found = iom_referral(world)
    return Target(
        kwargs={"referral_uid": found.uid},
        organisation_id=found.organisation_id,
        owner=found.referred_by,
        receiving_organisation_id=found.to_organisation_id,
        receiving_role=Role.CASE_WORKER,
    )


def referral_with(*, form: dict[str, Any] | None = None, json: dict[str, Any] | None = None) -> Any:
    """The referral, with a page's form (a key of its own, so that each cell records) or an
    API body."""

    def build(world: World) -> Target:
        target = referral(world)
        target.form = {"key": f"page:{uuid.uuid4()}", **form} if form is not None else None
        target.json = json
        return target

    return build


def _until() -> str:
    return (timezone.localdate() + timedelta(days=60)).isoformat()


def sending(world: World) -> Target:
    """The sending page of INTERSOS's legal aid office, with a person typed in."""
    point = legal_point(world)
    return Target(
        kwargs={"point_uid": point.uid},
        organisation_id=point.organisation_id,
        form={
            "key": f"page:{uuid.uuid4()}",
            "service": "legal_aid",
            "urgency": "routine",
            "name": "Hadiya Saleh",
            "sex": "f",
            "age": "41",
            "fields_shared": ["sex", "age"],
            "until": _until(),
            "method": "verbal",
            "given_by": "person",
        },
    )


def sending_json(world: World) -> Target:
    """A person typed in, sent to INTERSOS's legal aid office through the API."""
    point = legal_point(world)
    return Target(
        organisation_id=point.organisation_id,
        json={
            "point_uid": str(point.uid),
            "service": "legal_aid",
            "urgency": "routine",
            "name": "Hadiya Saleh",
            "sex": "f",
            "age": 41,
            "consent": {
                "fields": ["sex", "age"],
                "until": _until(),
                "method": "verbal",
                "given_by": "person",
            },
        },
    )


# --- the rows ---------------------------------------------------------------------------------

API = "/api/v1/referrals"
READERS = OWNER | RECEIVER
NARROWED = {"fields_shared": ["sex"], "until": _until()}

REFERRAL_ENDPOINTS: tuple[Decision, ...] = (
    # Everyone signed in lists; each sees the referrals they sent or receive (none, for most).
    page("referrals:list", GET=SIGNED_IN, POST=NOBODY),
    page(
        "referrals:send",
        GET=ANY_REFERRER,
        POST=ANY_REFERRER,
        build=sending,
        ok={"POST": 302},
        audit={"POST": "referrals.sent"},
        personal=True,
    ),
    page(
        "referrals:referral",
        GET=READERS,
        POST=NOBODY,
        build=referral,
        audit={"GET": "referrals.read"},
        personal=True,
    ),
    # A step: the receiving side's here (the sender is let in too, and the rules refuse it a
    # receiving side's step: either way the page answers with a redirect to the referral).
    page(
        "referrals:step",
        GET=NOBODY,
        POST=READERS,
        build=referral_with(form={"status": "acknowledged"}),
        ok={"POST": 302},
        personal=True,
    ),
    page(
        "referrals:consent",
        GET=OWNER,
        POST=OWNER,
        build=referral_with(form=NARROWED),
        ok={"POST": 302},
        audit={"POST": "referrals.consent_narrowed"},
        personal=True,
    ),
    api(f"GET {API}/received", SIGNED_IN),
    api(f"GET {API}/sent", SIGNED_IN),
    api(
        f"POST {API}/",
        ANY_REFERRER,
        sending_json,
        ok=201,
        audit="referrals.sent",
        personal=True,
    ),
    api(
        f"GET {API}/{{referral_uid}}",
        READERS,
        referral,
        audit="referrals.read",
        personal=True,
    ),
    # The receiving side acknowledges (200); the sender is past the gate too, where the rules
    # refuse it a receiving side's step (422).
    api(
        f"POST {API}/{{referral_uid}}/steps",
        READERS,
        referral_with(json={"status": "acknowledged"}),
        ok=(200, 422),
        personal=True,
    ),
    api(
        f"POST {API}/{{referral_uid}}/consent/narrow",
        OWNER,
        referral_with(json={"fields": ["sex"]}),
        audit="referrals.consent_narrowed",
        personal=True,
    ),
    api(
        f"POST {API}/{{referral_uid}}/consent/withdraw",
        OWNER,
        referral_with(json={}),
        audit="referrals.consent_withdrawn",
        personal=True,
    ),
)
