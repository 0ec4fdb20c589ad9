"""Done when: for any sequence of receiving, referring, naming and removing focal points, a
sensitive item is readable by exactly the currently named focal points of its concerned
organisation for its category, and the rule (``can_read_feedback``), the list
(``feedback_list``) and the gate (``access_feedback_by_uid``) agree for every persona."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nahrain.feedback import access, codelists, selectors, services
from nahrain.feedback.models import Feedback, FocalPoint
from nahrain.feedback.tests.world import build
from nahrain.testing.personas import Persona, Personas

CATEGORIES = ["sea", "fraud", "safety", "data_breach", "service_quality"]
ORGS = ["iom", "intersos"]

step = st.one_of(
    st.tuples(st.just("receive"), st.sampled_from(ORGS), st.sampled_from(CATEGORIES)),
    st.tuples(st.just("refer"), st.integers(0, 20)),
    st.tuples(
        st.just("name"),
        st.sampled_from(ORGS),
        st.integers(0, 2),
        st.sampled_from(CATEGORIES[:4]),
    ),
    st.tuples(st.just("remove"), st.integers(0, 20)),
)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=15))
def test_a_sensitive_item_is_read_by_exactly_the_named_focal_points_of_its_concerned_org(
    personas: Personas, rawa: Persona, jwan: Persona, lina: Persona, steps: list[tuple[Any, ...]]
) -> None:
    with transaction.atomic():
        world = build(personas, rawa, jwan, lina)
        orgs = {"iom": world.iom, "intersos": world.intersos}
        officers = {"iom": world.rawa, "intersos": world.lina}
        admins = {"iom": personas.iom_admin.user, "intersos": personas.intersos_admin.user}
        # Members each organisation may name: its feedback officer(s) and others.
        members = {
            "iom": [world.rawa, world.jwan, personas.layla.user],
            "intersos": [world.lina, personas.intersos_admin.user, personas.karim.user],
        }
        everyone: list[User] = list(
            {
                u.pk: u
                for u in [
                    *members["iom"],
                    *members["intersos"],
                    personas.root.user,
                    personas.iom_admin.user,
                    personas.omar.user,
                ]
            }.values()
        )
        items: list[Feedback] = []
        for op in steps:
            if op[0] == "receive":
                _, org, category = op
                items.append(
                    services.feedback_receive(
                        actor=officers[org],
                        organisation=orgs[org],
                        channel="hotline",
                        category=category,
                        description="what the caller said",
                    )
                )
            elif op[0] == "refer" and items:
                item = Feedback.objects.get(pk=items[op[1] % len(items)].pk)
                handler = next((u for u in everyone if access.can_handle_feedback(u, item)), None)
                if handler is not None:
                    other = world.intersos if item.concerned_id == world.iom.pk else world.iom
                    services.feedback_refer(actor=handler, feedback=item, organisation=other)
            elif op[0] == "name":
                _, org, who, category = op
                user = members[org][who]
                if orgs[org].memberships.filter(user=user).exists():
                    services.focal_point_name(
                        actor=admins[org], organisation=orgs[org], user=user, categories=[category]
                    )
            elif op[0] == "remove":
                points = list(FocalPoint.objects.order_by("pk"))
                if points:
                    point = points[op[1] % len(points)]
                    admin = admins["iom" if point.organisation_id == world.iom.pk else "intersos"]
                    services.focal_point_remove(actor=admin, focal_point=point)
        for item in Feedback.objects.all():
            named = set(
                FocalPoint.objects.filter(
                    organisation_id=item.concerned_id, category=item.category
                ).values_list("user_id", flat=True)
            )
            assert item.sensitive == codelists.is_sensitive(item.category)
            for user in everyone:
                rule = access.can_read_feedback(user, item)
                listed = selectors.feedback_list(user=user).filter(pk=item.pk).exists()
                try:
                    access.access_feedback_by_uid(user, item.uid)
                    gate = True
                except Http404:
                    gate = False
                assert rule == listed == gate
                if item.sensitive:
                    assert rule == (user.pk in named)
        transaction.set_rollback(True)
