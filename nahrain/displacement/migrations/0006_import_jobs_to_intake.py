"""Import jobs move to the intake pipeline (intake.Job), which keeps a job's file and progress
in the database instead of under DATA_DIR/jobs.

Past jobs are copied with their outcome. A job still waiting or running when Nahrain is upgraded
is marked failed with a message saying to upload the file again: its worker task belongs to the
version before.
"""

from pathlib import Path

from django.conf import settings
from django.db import migrations
from django.utils import timezone

UPGRADED = (
    "Nahrain was upgraded while this import waited; nothing was written. Upload the file again."
)
# The words the intake pipeline keeps for a master list's format (displacement.intake_specs).
FORMATS = {
    "dtm-wide": "One row per location",
    "dtm-2014-long": "The 2014 list: one row per location, origin and date",
}
POPULATIONS = {"idp": "IDPs", "returnee": "Returnees"}


def copy_jobs(apps, schema_editor):
    ImportJob = apps.get_model("displacement", "ImportJob")
    Job = apps.get_model("intake", "Job")
    AuditEvent = apps.get_model("core", "AuditEvent")
    for old in ImportJob.objects.select_related("round", "result").iterator():
        finished = old.status in ("done", "failed")
        summary = []
        audit = None
        if old.result is not None:
            result = old.result
            summary = [
                ["Format", FORMATS.get(result.format, result.format)],
                ["Population", POPULATIONS.get(result.population, result.population)],
                ["Locations", result.locations],
                ["Households", result.households],
                ["Individuals", result.individuals],
            ]
            audit = (
                AuditEvent.objects.filter(
                    action="round.import",
                    object_id=str(old.round.uid),
                    actor_id=old.created_by_id,
                    at__gte=result.imported_at,
                )
                .order_by("at")
                .first()
            )
        job = Job.objects.create(
            uid=old.uid,
            spec="displacement.master_list",
            target=str(old.round.uid),
            organisation_id=old.round.organisation_id,
            file=old.file,
            data=b"",
            sha256=old.sha256,
            options={"population": old.population} if old.population else {},
            status=old.status if finished else "failed",
            stage="done" if old.status == "done" else "",
            summary=summary,
            problems=list(old.result.warnings) if old.result is not None else [],
            error=old.error if finished else UPGRADED,
            audit=audit,
            created_by_id=old.created_by_id,
            finished_at=old.finished_at if finished else timezone.now(),
        )
        # Set afterwards: the field fills itself in on creation.
        Job.objects.filter(pk=job.pk).update(created_at=old.created_at)
    # Uploads and progress files of the version before: nothing of a job stays on a local disk.
    for folder in ("jobs", "uploads"):
        for leftover in (Path(settings.DATA_DIR) / folder).glob("*"):
            if leftover.is_file():
                leftover.unlink()


class Migration(migrations.Migration):
    dependencies = [
        ("displacement", "0005_location_owners"),
        ("intake", "0001_initial"),
        ("core", "0005_code_attempts"),
    ]

    operations = [
        migrations.RunPython(copy_jobs, migrations.RunPython.noop),
        migrations.DeleteModel(name="ImportJob"),
    ]
