"""Forms are served through their apps' handlers: the DTM-specific columns of collect (the form
kind, the round number, the accepted round and movement) become generic ones (the batch, what
accepting produced). Existing rows keep what they said."""

from typing import Any

from django.db import migrations, models


def forwards(apps: Any, schema_editor: Any) -> None:
    Submission = apps.get_model("collect", "Submission")
    for submission in Submission.objects.select_related("accepted_round", "accepted_movement"):
        accepted = {}
        if submission.accepted_round is not None:
            accepted["round"] = str(submission.accepted_round.uid)
        if submission.accepted_movement is not None:
            accepted["movement"] = str(submission.accepted_movement.uid)
        submission.accepted = accepted
        submission.batch = "" if submission.round_number is None else str(submission.round_number)
        submission.save(update_fields=["accepted", "batch"])


def backwards(apps: Any, schema_editor: Any) -> None:
    Submission = apps.get_model("collect", "Submission")
    AssessmentRound = apps.get_model("displacement", "AssessmentRound")
    MovementEvent = apps.get_model("displacement", "MovementEvent")
    Form = apps.get_model("collect", "Form")
    kinds = {
        "dtm_location_assessment": "location_assessment",
        "dtm_emergency_tracking": "emergency_tracking",
    }
    for form in Form.objects.all():
        form.kind = kinds.get(form.form_id, "location_assessment")
        form.save(update_fields=["kind"])
    for submission in Submission.objects.all():
        accepted = submission.accepted or {}
        submission.round_number = int(submission.batch) if submission.batch.isdigit() else None
        submission.accepted_round = (
            AssessmentRound.objects.filter(uid=accepted.get("round")).first()
            if accepted.get("round")
            else None
        )
        submission.accepted_movement = (
            MovementEvent.objects.filter(uid=accepted.get("movement")).first()
            if accepted.get("movement")
            else None
        )
        submission.save(update_fields=["round_number", "accepted_round", "accepted_movement"])


class Migration(migrations.Migration):
    dependencies = [
        ("collect", "0002_digestnonce"),
        ("displacement", "0002_load_codelists"),
    ]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="accepted",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="submission",
            name="batch",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveIndex(
            model_name="submission",
            name="collect_sub_organis_ed883c_idx",
        ),
        migrations.RemoveField(model_name="form", name="kind"),
        migrations.RemoveField(model_name="submission", name="accepted_movement"),
        migrations.RemoveField(model_name="submission", name="accepted_round"),
        migrations.RemoveField(model_name="submission", name="round_number"),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(
                fields=["organisation", "status", "batch"], name="collect_sub_organis_a8ef58_idx"
            ),
        ),
    ]
