"""Submissions received before forms had handlers keep their round and what accepting them
produced, under the generic fields."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from nahrain.collect.models import Form, Submission

BEFORE = [("collect", "0002_digestnonce")]


# Transactional, as migrating needs; restoring what the migrations loaded afterwards (see
# nahrain/collect/tests/test_concurrency.py).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_round_and_accepted_round_or_movement_carry_over() -> None:
    executor = MigrationExecutor(connection)
    # Every other app as it is now, collect before its handlers.
    before = [n for n in executor.loader.graph.leaf_nodes() if n[0] != "collect"] + BEFORE
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    organisation = old.get_model("core", "Organisation").objects.create(
        name="Old org", acronym="OLD", type="ingo"
    )
    unit = old.get_model("geo", "AdminUnit").objects.create(
        pcode="IQG99", level=1, name_en="Old governorate"
    )
    location = old.get_model("geo", "Location").objects.create(
        external_id="9901", name_en="Old place", admin_unit=unit, kind="dtm_place"
    )
    assessment_round = old.get_model("displacement", "AssessmentRound").objects.create(
        organisation=organisation, number=125, reference_date=date(2024, 6, 30)
    )
    movement = old.get_model("displacement", "MovementEvent").objects.create(
        organisation=organisation,
        event="Old event",
        date=date(2024, 7, 1),
        location=location,
        adm1=unit,
        population="idp",
        direction="arrival",
        households=1,
        individuals=6,
    )
    form_model = old.get_model("collect", "Form")
    version_model = old.get_model("collect", "FormVersion")
    submission_model = old.get_model("collect", "Submission")

    def submission(form_id: str, kind: str, instance_id: str, **fields: object) -> None:
        form, _ = form_model.objects.get_or_create(
            organisation=organisation, form_id=form_id, defaults={"kind": kind, "title": form_id}
        )
        version, _ = version_model.objects.get_or_create(form=form, version="1", md5="0" * 32)
        submission_model.objects.create(
            form=form,
            form_version=version,
            organisation=organisation,
            instance_id=instance_id,
            xml="<data/>",
            xml_md5="0" * 32,
            **fields,
        )

    submission(
        "dtm_location_assessment",
        "location_assessment",
        "uuid:a",
        round_number=125,
        accepted_round=assessment_round,
        status="accepted",
    )
    submission("dtm_location_assessment", "location_assessment", "uuid:b", round_number=None)
    submission(
        "dtm_emergency_tracking",
        "emergency_tracking",
        "uuid:c",
        accepted_movement=movement,
        status="accepted",
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    migrated = {s.instance_id: (s.batch, s.accepted) for s in Submission.objects.all()}
    assert migrated == {
        "uuid:a": ("125", {"round": str(assessment_round.uid)}),
        "uuid:b": ("", {}),
        "uuid:c": ("", {"movement": str(movement.uid)}),
    }
    assert set(Form.objects.values_list("form_id", flat=True)) == {
        "dtm_location_assessment",
        "dtm_emergency_tracking",
    }
