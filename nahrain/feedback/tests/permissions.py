"""The feedback app's rows of the permission matrix (nahrain/testing/permissions.py), with the
builders of the items they act on: a complaint IOM's help desk received (new, answered, the
person told, and a second one to link), a complaint of sexual exploitation and abuse for the
focal point IOM names (jwan), and a question IOM referred to INTERSOS.

Items are handled by the feedback officers of the organisation concerned (rawa and jwan at IOM,
lina at INTERSOS) and still read by those of the one that received them; a sensitive item by
its named focal point alone: not the other officers, not admins, not platform admins. Trends
and the anonymised export are for the organisation's feedback officers, information managers
and admins; its focal points are named by its admins. Everyone else is answered 404, as for
what does not exist."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from nahrain.assistance.tests import permissions as assistance_matrix
from nahrain.core import services as core_services
from nahrain.core.models import Organisation, Role
from nahrain.feedback.models import Feedback, FeedbackContact, FocalPoint, Status
from nahrain.feedback.views import RECORDED
from nahrain.testing.permissions import (
    ANY_FEEDBACK,
    FEEDBACK_HANDLER,
    FEEDBACK_OFFICER,
    FEEDBACK_READER,
    IM,
    NOBODY,
    ORG_ADMIN,
    SIGNED_IN,
    Builder,
    Decision,
    Target,
    World,
    api,
    page,
)
from nahrain.testing.personas import PASSWORD

A = "/api/v1/feedback"
TRENDS = FEEDBACK_OFFICER | IM | ORG_ADMIN

# --- builders ---------------------------------------------------------------------------------


def focal_point_jwan(world: World) -> User:
    """jwan, IOM's feedback officer, named its focal point for sexual exploitation and abuse
    (made here when the test has not made her)."""

    def make() -> User:
        iom = world.personas.iom
        jwan = User.objects.filter(username="jwan").first()
        if jwan is None:
            jwan = core_services.user_create(username="jwan", password=PASSWORD)
            core_services.membership_add(
                actor=None, user=jwan, organisation=iom, role=Role.FEEDBACK_OFFICER
            )
        FocalPoint.objects.get_or_create(organisation=iom, user=jwan, category="sea")
        return jwan

    found: User = world.once("feedback_jwan", make)
    return found


@dataclass
class Items:
    new: Feedback
    other: Feedback
    answered: Feedback
    told: Feedback
    sensitive: Feedback
    referred: Feedback


def _item(
    reference: str,
    *,
    organisation: Organisation,
    concerned: Organisation | None = None,
    category: str = "service_quality",
    status: str = Status.NEW,
    **fields: Any,
) -> Feedback:
    now = timezone.now()
    item = Feedback.objects.create(
        organisation=organisation,
        concerned=concerned or organisation,
        reference=reference,
        channel="help_desk",
        received_at=now - timedelta(days=1),
        category=category,
        sensitive=category == "sea",
        topic="distribution_cash",
        description=f"What the person said ({reference}).",
        priority="normal",
        due_at=now + timedelta(days=6),
        status=status,
        **fields,
    )
    FeedbackContact.objects.create(
        feedback=item, name="Layla Hassan", phone="07501234567", preferred_language="ar"
    )
    return item


def items(world: World) -> Items:
    def make() -> Items:
        iom, intersos = world.personas.iom, world.personas.intersos
        jwan = focal_point_jwan(world)
        past = timezone.now() - timedelta(hours=2)
        return Items(
            new=_item("FB-MTX001", organisation=iom),
            other=_item("FB-MTX002", organisation=iom),
            answered=_item(
                "FB-MTX003",
                organisation=iom,
                status=Status.RESOLVED,
                answer="The distribution is on Sunday.",
                answered_at=past,
            ),
            told=_item(
                "FB-MTX004",
                organisation=iom,
                status=Status.TOLD,
                answer="The distribution is on Sunday.",
                answered_at=past,
                answered_how="phone_call",
                told_at=past,
            ),
            sensitive=_item("FB-MTX005", organisation=iom, category="sea", assigned_to=jwan),
            referred=_item(
                "FB-MTX006",
                organisation=iom,
                concerned=intersos,
                category="information_request",
            ),
        )

    found: Items = world.once("feedback_items", make)
    return found


def _target(item: Feedback, world: World, **more: Any) -> Target:
    return Target(
        kwargs={"feedback_uid": item.uid},
        organisation_id=item.concerned_id,
        receiving_organisation_id=item.organisation_id,
        sensitive=item.sensitive,
        focal_points=(focal_point_jwan(world),) if item.sensitive else (),
        **more,
    )


def new_item(world: World) -> Target:
    return _target(items(world).new, world)


def sensitive_item(world: World) -> Target:
    return _target(items(world).sensitive, world)


def referred_item(world: World) -> Target:
    return _target(items(world).referred, world)


def answered_item(world: World) -> Target:
    return _target(items(world).answered, world)


def told_item(world: World) -> Target:
    return _target(items(world).told, world)


ITEMS = (new_item, sensitive_item, referred_item)


def _with(build: Builder, **changes: Any) -> Builder:
    """The builder's target with a request body (or other changes)."""

    def made(world: World) -> Target:
        return replace(build(world), **changes)

    return made


def _bodies(body: Callable[[World, Target], dict[str, Any]]) -> tuple[Builder, ...]:
    """A step tried on the plain new item and on the sensitive one, with its body."""

    def on(build: Builder) -> Builder:
        def made(world: World) -> Target:
            target = build(world)
            return replace(target, json=body(world, target))

        return made

    return (on(new_item), on(sensitive_item))


def recorded_in_session(world: World) -> Target:
    """The confirmation page reads the reference the help desk's page left in the session."""
    reference = items(world).sensitive.reference

    def prepare(client: Client) -> None:
        session = client.session
        session[RECORDED] = reference
        session.save()

    return Target(prepare=prepare)


def iom_trends(world: World) -> Target:
    iom = world.personas.iom
    return Target(query={"organisation": str(iom.pk)}, organisation_id=iom.pk)


def iom_trends_api(world: World) -> Target:
    iom = world.personas.iom
    return Target(query={"organisation_id": str(iom.pk)}, organisation_id=iom.pk)


def iom_focal_points(world: World) -> Target:
    focal_point_jwan(world)
    return iom_trends(world)


def _handler(world: World, target: Target) -> dict[str, Any]:
    # jwan handles both: an officer of IOM, and its focal point for the sensitive one.
    return {"assignee": focal_point_jwan(world).get_username()}


def _refer(world: World, target: Target) -> dict[str, Any]:
    return {"organisation_id": str(world.personas.intersos.pk), "note": "Their programme."}


def _forms(form: dict[str, Any]) -> tuple[Builder, ...]:
    """A page's form tried on the plain, the sensitive and the referred item."""

    def on(build: Builder) -> Builder:
        return _with(build, form=form)

    return tuple(on(build) for build in ITEMS)


# An ordinary item marked fraud leaves its officers for the focal points; the sensitive one
# (sexual exploitation) is moved by its focal point to fraud.
TO_FRAUD = {"category": "fraud"}


def pdm_programme(world: World) -> Target:
    """IOM's programme, whose PDM complaints its feedback officers take over."""
    return replace(assistance_matrix.programme(world), json={}, form={})


RECEIVE = {
    "channel": "help_desk",
    "category": "information_request",
    "description": "When is the next distribution?",
    "anonymous": True,
}

# --- the rows ---------------------------------------------------------------------------------

ENDPOINTS: tuple[Decision, ...] = (
    page("feedback:queue", GET=ANY_FEEDBACK, POST=NOBODY, personal=True),
    page("feedback:new", GET=ANY_FEEDBACK, POST=ANY_FEEDBACK, personal=True),
    page(
        "feedback:recorded",
        GET=ANY_FEEDBACK,
        POST=NOBODY,
        build=recorded_in_session,
        personal=True,
    ),
    page(
        "feedback:item",
        GET=FEEDBACK_READER,
        POST=NOBODY,
        build=ITEMS,
        personal=True,
        audit={"GET": "feedback.read"},
    ),
    page(
        "feedback:step",
        GET=NOBODY,
        POST=FEEDBACK_HANDLER,
        build=ITEMS,
        ok={"POST": 302},
        personal=True,
    ),
    page(
        "feedback:reclassify",
        GET=NOBODY,
        POST=FEEDBACK_READER,
        build=_forms(TO_FRAUD),
        ok={"POST": 302},
        personal=True,
    ),
    page(
        "feedback:pdm_take",
        GET=NOBODY,
        POST=FEEDBACK_OFFICER,
        build=pdm_programme,
        ok={"POST": 302},
    ),
    page("feedback:trends", GET=TRENDS, POST=NOBODY, build=iom_trends),
    page(
        "feedback:export",
        GET=TRENDS,
        POST=NOBODY,
        build=iom_trends,
        audit={"GET": "feedback.export"},
        personal=True,
    ),
    page(
        "feedback:focal_points",
        GET=ORG_ADMIN,
        POST=ORG_ADMIN,
        build=iom_focal_points,
        personal=True,
    ),
    api(f"GET {A}/items", SIGNED_IN, personal=True),
    api(
        f"POST {A}/items",
        ANY_FEEDBACK,
        lambda world: Target(json=RECEIVE),
        ok=201,
        personal=True,
    ),
    api(
        f"GET {A}/items/{{feedback_uid}}",
        FEEDBACK_READER,
        ITEMS,
        audit="feedback.read",
        personal=True,
    ),
    api(
        f"POST {A}/items/{{feedback_uid}}/assign",
        FEEDBACK_HANDLER,
        _bodies(_handler),
        personal=True,
    ),
    api(
        f"POST {A}/items/{{feedback_uid}}/refer",
        FEEDBACK_HANDLER,
        _bodies(_refer),
        personal=True,
    ),
    api(
        f"POST {A}/items/{{feedback_uid}}/start",
        FEEDBACK_HANDLER,
        _bodies(lambda world, target: {}),
        personal=True,
    ),
    api(
        f"POST {A}/items/{{feedback_uid}}/resolve",
        FEEDBACK_HANDLER,
        _bodies(lambda world, target: {"answer": "The distribution is on Sunday."}),
        personal=True,
    ),
    api(
        f"POST {A}/items/{{feedback_uid}}/tell",
        FEEDBACK_HANDLER,
        _with(answered_item, json={"how": "phone_call", "satisfaction": "satisfied"}),
        personal=True,
    ),
    api(
        f"POST {A}/items/{{feedback_uid}}/close",
        FEEDBACK_HANDLER,
        _with(told_item, json={}),
        personal=True,
    ),
    api(
        f"POST {A}/items/{{feedback_uid}}/close-without-contact",
        FEEDBACK_HANDLER,
        _bodies(lambda world, target: {"reason": "unreachable"}),
        personal=True,
    ),
    api(
        f"POST {A}/items/{{feedback_uid}}/link",
        FEEDBACK_HANDLER,
        _with(new_item, json={"references": ["FB-MTX002"]}),
        personal=True,
    ),
    api(
        f"POST {A}/items/{{feedback_uid}}/notes",
        FEEDBACK_HANDLER,
        _bodies(lambda world, target: {"note": "Called twice, no answer."}),
        ok=201,
        personal=True,
    ),
    api(
        f"POST {A}/items/{{feedback_uid}}/category",
        FEEDBACK_READER,
        tuple(_with(build, json=TO_FRAUD) for build in ITEMS),
        personal=True,
    ),
    api(f"GET {A}/pdm-complaints", SIGNED_IN, personal=True),
    api(f"POST {A}/pdm-complaints/{{programme_uid}}/take", FEEDBACK_OFFICER, pdm_programme),
    api(f"GET {A}/trends", TRENDS, iom_trends_api),
    api(
        f"GET {A}/export",
        TRENDS,
        iom_trends_api,
        audit="feedback.export",
        personal=True,
    ),
)
