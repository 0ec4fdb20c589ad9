"""Reads of field data collection, each scoped to the caller."""

from __future__ import annotations

from django.db.models import QuerySet

from nahrain.collect.access import managed_organisation_ids, submissions_reviewable
from nahrain.collect.models import Collector, FormVersion, Submission, SubmissionStatus
from nahrain.core.access import AnyUser


def form_versions_for_collector(
    collector: Collector, *, form_id: str = "", all_versions: bool = False
) -> list[FormVersion]:
    """What a collector's formList shows: the newest version of each of its organisation's
    forms (every version with ``all_versions``), optionally one form only."""
    versions = FormVersion.objects.select_related("form").filter(
        form__organisation_id=collector.organisation_id
    )
    if form_id:
        versions = versions.filter(form__form_id=form_id)
    ordered = list(versions.prefetch_related("media").order_by("form__form_id", "-published_at"))
    if all_versions:
        return ordered
    newest: dict[int, FormVersion] = {}
    for version in ordered:
        newest.setdefault(version.form_id, version)
    return list(newest.values())


def submission_queue(
    *, user: AnyUser, status: str = SubmissionStatus.RECEIVED, batch: str = ""
) -> QuerySet[Submission]:
    """Submissions the user reviews, newest first; ``batch`` is the handlers' grouping (DTM: the
    round number)."""
    submissions = submissions_reviewable(user).select_related("form", "collector")
    if status:
        submissions = submissions.filter(status=status)
    if batch:
        submissions = submissions.filter(batch=batch)
    return submissions.defer("xml")


def collectors_for(*, user: AnyUser) -> QuerySet[Collector]:
    """Collector accounts of the organisations the user manages."""
    return Collector.objects.select_related("organisation").filter(
        organisation_id__in=managed_organisation_ids(user)
    )
