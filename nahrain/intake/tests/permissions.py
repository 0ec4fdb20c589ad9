"""The intake pipeline's rows of the permission matrix (nahrain/testing/permissions.py): every
importer's upload, the preview and what is done on it (its uploader's alone), the job (those who
may import into its target), and the API; with the builders of kept uploads and jobs."""

from __future__ import annotations

import io
import uuid

from django.test import Client

from nahrain.displacement.tests.permissions import draft_round, master_list_csv
from nahrain.intake.models import Job, Upload
from nahrain.intake.spec import spec_named
from nahrain.testing.permissions import (
    IM,
    NOBODY,
    OWNER,
    SIGNED_IN,
    Decision,
    Target,
    World,
    api,
    page,
)

MASTER_LIST = "displacement.master_list"
KEPT_UPLOAD = uuid.UUID("00000000-0000-4000-8000-000000000001")


def master_list_upload(world: World) -> Target:
    """A master list, uploaded to IOM's draft round."""
    round_target = draft_round(world)
    upload = io.BytesIO(master_list_csv())
    upload.name = "upload.csv"
    return Target(
        kwargs={"spec_name": MASTER_LIST, "target_uid": str(round_target.kwargs["round_uid"])},
        form={"file": upload, "population": "idp"},
        organisation_id=round_target.organisation_id,
    )


def spellings_upload(world: World) -> Target:
    """A list of spellings, taught for IOM's files."""
    upload = io.BytesIO(b"Spelling,P-code\nZakho centre,IQG09Q03\n")
    upload.name = "spellings.csv"
    iom = world.personas.iom
    return Target(
        kwargs={"spec_name": "geo.aliases", "target_uid": str(iom.pk)},
        form={"file": upload},
        organisation_id=iom.pk,
    )


UPLOADS = (master_list_upload, spellings_upload)


def kept_upload(world: World) -> Target:
    """A master list of layla's waiting on its preview; kept anew before every request, since
    confirming it uses it up."""
    round_target = draft_round(world)
    layla = world.personas.layla.user

    def keep(client: Client) -> None:
        spec = spec_named(MASTER_LIST)
        assert spec is not None
        Upload.objects.update_or_create(
            uid=KEPT_UPLOAD,
            defaults={
                "spec": MASTER_LIST,
                "target": str(round_target.kwargs["round_uid"]),
                "organisation_id": round_target.organisation_id,
                "file": "upload.csv",
                "data": master_list_csv(),
                "sha256": "0" * 64,
                "options": {"population": "idp"},
                "created_by": layla,
            },
        )

    return Target(
        kwargs={"upload_uid": KEPT_UPLOAD},
        form={"column": ["E"], "target": ["households"], "text": "x", "level": "2"},
        organisation_id=round_target.organisation_id,
        owner=layla,
        prepare=keep,
    )


def kept_upload_problems(world: World) -> Target:
    target = kept_upload(world)
    target.kwargs["format"] = "xlsx"
    return target


def job(world: World) -> Target:
    """A finished import job of IOM's draft round, confirmed by layla."""
    round_target = draft_round(world)
    made = world.once(
        "intake_job",
        lambda: Job.objects.create(
            spec=MASTER_LIST,
            target=str(round_target.kwargs["round_uid"]),
            organisation_id=round_target.organisation_id,
            file="upload.csv",
            data=master_list_csv(),
            sha256="0" * 64,
            status="failed",
            problems=[
                {
                    "file": "upload.csv",
                    "row": 2,
                    "column": "E",
                    "rule": "negative",
                    "message": "-1 is negative",
                    "severity": "error",
                }
            ],
            created_by=world.personas.layla.user,
        ),
    )
    return Target(kwargs={"job_uid": made.uid}, organisation_id=round_target.organisation_id)


def job_problems(world: World) -> Target:
    target = job(world)
    target.kwargs["format"] = "csv"
    return target


ENDPOINTS: tuple[Decision, ...] = (
    page("intake:upload", GET=NOBODY, POST=IM, build=UPLOADS, ok={"POST": 302}),
    page("intake:preview", GET=OWNER, POST=NOBODY, build=kept_upload, personal=True),
    page("intake:preview_map", GET=NOBODY, POST=OWNER, build=kept_upload, ok={"POST": 302}),
    page("intake:preview_alias", GET=NOBODY, POST=OWNER, build=kept_upload, ok={"POST": 302}),
    page(
        "intake:preview_problems",
        GET=OWNER,
        POST=NOBODY,
        build=kept_upload_problems,
        personal=True,
    ),
    page("intake:confirm", GET=NOBODY, POST=OWNER, build=kept_upload, ok={"POST": 302}),
    page("intake:job", GET=IM, POST=NOBODY, build=job, personal=True),
    page("intake:job_problems", GET=IM, POST=NOBODY, build=job_problems, personal=True),
    api("GET /api/v1/intake/specs", SIGNED_IN),
    api("POST /api/v1/intake/{spec_name}/{target_uid}", IM, UPLOADS, personal=True),
    api("GET /api/v1/intake/jobs/{job_uid}", IM, job, personal=True),
)
