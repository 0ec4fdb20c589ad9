"""The post-distribution monitoring survey as a ``collect`` field form (``assistance_pdm``).

Its two lists are the organisation's own and carry no name: the distributions it has drawn a
monitoring sample from (``distributions.csv``), and each one's sampled households by their list
token in the order to interview them, reserves last (``households.csv``, filtered by the
distribution chosen). The answers are codes of the code lists "pdm_*" (the results speak them
in the reader's language). A submission is reviewed by the organisation's assistance officers
(the answers are personal data of the programme's organisation); accepting it records the
household's interview (``monitoring.answer_record``) once per instance id, flagging a complaint
for the feedback mechanism. A household asked to pay or give something in return is given the
hotline instead of a text box: the reviewers are the team's own officers, and nothing in a
submission is kept from them (``monitoring``, "Sensitive complaints")."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy

from nahrain.assistance import monitoring
from nahrain.assistance.models import (
    Distribution,
    MonitoringAnswer,
    MonitoringSample,
    SampledHousehold,
)
from nahrain.collect.handlers import FormHandler, NotAcceptable, register
from nahrain.core.models import Role
from nahrain.core.problems import Problem, rule_words_add

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from nahrain.collect.models import Submission

XLSFORMS = Path(__file__).resolve().parent / "xlsforms"
FORM_ID = "assistance_pdm"

WORDS = {
    "unknown_distribution": gettext_lazy("Not a distribution your organisation monitors"),
    "unknown_sampled_household": gettext_lazy(
        "Not a household of the distribution's monitoring sample"
    ),
    "pdm_refused": gettext_lazy("Refused by a rule of post-distribution monitoring"),
}


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def _latest_samples(organisation_id: Any) -> list[MonitoringSample]:
    """Each distribution's newest sample that still has a household to interview: a new draw
    replaces the interview list; a finished one leaves the form."""
    waiting = SampledHousehold.objects.filter(sample=OuterRef("pk")).exclude(
        Exists(MonitoringAnswer.objects.filter(sampled=OuterRef("pk")))
    )
    samples = (
        MonitoringSample.objects.filter(distribution__programme__organisation_id=organisation_id)
        .select_related("distribution__programme", "distribution__site")
        .order_by("distribution_id", "-drawn_at", "-pk")
    )
    latest: dict[Any, MonitoringSample] = {}
    for sample in samples:
        latest.setdefault(sample.distribution_id, sample)
    open_ids = set(
        MonitoringSample.objects.filter(pk__in=[s.pk for s in latest.values()])
        .filter(Exists(waiting))
        .values_list("pk", flat=True)
    )
    return [s for s in latest.values() if s.pk in open_ids]


def _label(distribution: Distribution) -> str:
    """A distribution as the monitor and the reviewer know it: programme, place, day, cycle."""
    where = distribution.place or getattr(distribution.site, "code", "")
    parts = (
        distribution.programme.code,
        where,
        distribution.planned_on.isoformat(),
        f"{distribution.cycle}",
    )
    return " · ".join(part for part in parts if part)


def media_files(*, organisation_id: Any) -> dict[str, bytes]:
    """The form's two lists for the organisation (see the module's words)."""
    distributions = [["name", "label"]]
    households = [["name", "label", "distribution"]]
    for sample in _latest_samples(organisation_id):
        distribution = sample.distribution
        distributions.append([str(distribution.uid), _label(distribution)])
        members = (
            SampledHousehold.objects.filter(sample=sample)
            .select_related("receipt__entry")
            .order_by("position")
        )
        for member in members:
            token = member.receipt.entry.token
            mark = " (reserve · احتياط)" if member.reserve else ""
            households.append([token, f"{member.position}. {token}{mark}", str(distribution.uid)])
    return {"distributions.csv": _csv(distributions), "households.csv": _csv(households)}


def code_names(organisation_id: Any, codes: dict[str, set[str]]) -> dict[str, dict[str, str]]:
    """What the review screen shows for the distribution a submission names: its label, not
    its id. (A household is its token on screen too: the form never carries a name.)"""
    uids = []
    for code in codes.get("distributions.csv", set()):
        try:
            uids.append(uuid.UUID(code))
        except ValueError:
            continue
    found = Distribution.objects.filter(
        uid__in=uids, programme__organisation_id=organisation_id
    ).select_related("programme", "site")
    return {"distributions.csv": {str(d.uid): _label(d) for d in found}}


def _media(organisation_id: Any) -> dict[str, bytes]:
    return media_files(organisation_id=organisation_id)


def _sampled(submission: Submission, file: str) -> SampledHousehold:
    """The sampled household the form names: its token in a sample of the chosen distribution
    of the organisation, the newest sample first (a phone may still carry an older list)."""
    values = submission.data
    try:
        distribution_uid = uuid.UUID(str(values.get("distribution", "")))
        distribution = Distribution.objects.get(
            uid=distribution_uid, programme__organisation_id=submission.organisation_id
        )
    except (ValueError, Distribution.DoesNotExist):
        raise NotAcceptable(
            [
                Problem(
                    file,
                    None,
                    "distribution",
                    "unknown_distribution",
                    "not a distribution of your organisation",
                )
            ]
        ) from None
    token = str(values.get("household", "") or "")
    found = (
        SampledHousehold.objects.filter(
            sample__distribution=distribution, receipt__entry__token=token
        )
        .select_related("sample__distribution__programme")
        .order_by("-sample__drawn_at", "-sample_id")
        .first()
    )
    if found is None:
        raise NotAcceptable(
            [
                Problem(
                    file,
                    None,
                    "household",
                    "unknown_sampled_household",
                    f"{token!r} is not in the distribution's monitoring sample",
                )
            ]
        )
    return found


def _accept(actor: User, submission: Submission, file: str) -> dict[str, str]:
    sampled = _sampled(submission, file)
    values = submission.data
    try:
        interviewed_on = date.fromisoformat(str(values.get("interviewed_on", "")))
    except ValueError:
        raise NotAcceptable(
            [Problem(file, None, "interviewed_on", "invalid", "not a date")]
        ) from None
    answers = {
        question["code"]: values[question["code"]]
        for question in monitoring.questions()
        if question["code"] in values
    }
    try:
        monitoring.answer_record(
            actor=actor,
            sampled=sampled,
            answers=answers,
            interviewed_on=interviewed_on,
            key=submission.instance_id,
        )
    except (ValidationError, PermissionDenied) as refused:
        words = " ".join(getattr(refused, "messages", [str(refused)]))
        raise NotAcceptable([Problem(file, None, "", "pdm_refused", words)]) from refused
    return {"monitoring_sample": str(sampled.sample.uid)}


PDM = FormHandler(
    form_id=FORM_ID,
    xlsform=XLSFORMS / "assistance_pdm.md",
    media=_media,
    accept=_accept,
    names=code_names,
    reviewers=frozenset({Role.ASSISTANCE_OFFICER.value}),
)


def register_handlers() -> None:
    rule_words_add(WORDS)
    register(PDM)
