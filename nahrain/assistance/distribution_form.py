"""The distribution field form (``assistance_distribution``), as a ``collect`` form handler.

A distribution monitor's phone (ODK Collect, KoboCollect), offline at the distribution point,
picks the distribution from the organisation's planned and open distributions, scans the QR code
of the household's token (or types the token), and records what happened: received, collected
by a proxy (named, with the relationship), absent or refused. The phone syncs when it can.

Accepting a submission records it through ``distributions.receipt_record`` with the
submission's instance id as the key (accepted twice, or replayed, it records once) and the
form's end time as the time of the recording: a phone that syncs days later records what
happened on the day, and a second team's late sync for a household already served is kept as a
duplicate, never served twice. The proxy's name is personal: ``collect`` keeps it apart from the
stored form (as the submission's informant) and it is read back here. Recordings are personal
data of the programme's organisation: its assistance officers review them.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from nahrain.assistance import access, distributions
from nahrain.assistance.models import Distribution, DistributionStatus, ListEntry
from nahrain.assistance.services import token_normal
from nahrain.collect.handlers import Checked, FormHandler, NotAcceptable, register
from nahrain.collect.models import KeyInformant
from nahrain.core.models import Role
from nahrain.core.problems import Problem, rule_words_add

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from nahrain.collect.models import Submission

FORM_ID = "assistance_distribution"
XLSFORM = Path(__file__).resolve().parent / "xlsforms" / f"{FORM_ID}.md"

WORDS = {
    "unknown_distribution": gettext_lazy("Not a planned or open distribution of the organisation"),
    "unknown_token": gettext_lazy("Not a token of the distribution's list"),
    "recording_refused": gettext_lazy("Refused by the distribution rules"),
}


def _distributions(organisation_id: Any) -> QuerySet[Distribution]:
    """What the phone may record at: the organisation's distributions not yet closed (a phone
    downloads its list before the day, and a planned distribution is opened on the day)."""
    return Distribution.objects.filter(
        programme__organisation_id=organisation_id,
        status__in=[DistributionStatus.PLANNED, DistributionStatus.OPEN],
    )


def _label(distribution: Distribution) -> str:
    where = distribution.place or (distribution.site.name_en if distribution.site else "")
    parts = [
        distribution.programme.code,
        f"#{distribution.cycle}",
        where,
        str(distribution.planned_on),
    ]
    return " · ".join(p for p in parts if p)


def media_files(*, organisation_id: Any) -> dict[str, bytes]:
    """The distributions the organisation's phones record at: by uid (random), labelled by
    programme code, cycle, place and day."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "label"])
    found = _distributions(organisation_id).select_related("programme", "site")
    for distribution in found.order_by("planned_on", "pk"):
        writer.writerow([str(distribution.uid), _label(distribution)])
    return {"distributions.csv": out.getvalue().encode("utf-8")}


def _media(organisation_id: Any) -> dict[str, bytes]:
    return media_files(organisation_id=organisation_id)


def _names(organisation_id: Any, codes: dict[str, set[str]]) -> dict[str, dict[str, str]]:
    """The distributions a submission names, as the reviewer reads them."""
    uids = []
    for code in codes.get("distributions.csv", set()):
        try:
            uids.append(uuid.UUID(code))
        except ValueError:
            continue
    found = Distribution.objects.filter(programme__organisation_id=organisation_id, uid__in=uids)
    named = found.select_related("programme", "site")
    return {"distributions.csv": {str(d.uid): _label(d) for d in named}}


def _text(values: dict[str, Any], name: str) -> str:
    return str(values.get(name, "") or "").strip()


def _distribution(organisation_id: Any, values: dict[str, Any]) -> Distribution | None:
    try:
        uid = uuid.UUID(_text(values, "distribution"))
    except ValueError:
        return None
    return (
        Distribution.objects.filter(programme__organisation_id=organisation_id, uid=uid)
        .select_related("programme__organisation", "list")
        .first()
    )


def _token(values: dict[str, Any]) -> str:
    return token_normal(
        _text(values, "token") or _text(values, "token_scanned") or _text(values, "token_typed")
    )


def _check(organisation_id: Any, values: dict[str, Any], file: str) -> Checked:
    """What the reviewer should see before accepting: a distribution the organisation does not
    have, a token not on its list. The distribution rules themselves run on accepting."""
    distribution = _distribution(organisation_id, values)
    if distribution is None:
        problem = Problem(
            file, None, "distribution", "unknown_distribution", str(WORDS["unknown_distribution"])
        )
        return Checked([problem])
    if not ListEntry.objects.filter(list_id=distribution.list_id, token=_token(values)).exists():
        problem = Problem(file, None, "token", "unknown_token", str(WORDS["unknown_token"]))
        return Checked([problem], batch=str(distribution.uid))
    return Checked([], batch=str(distribution.uid))


def _recorded_at(submission: Submission) -> datetime:
    """When the form was finished on the phone (its ``end``), or else when it reached us."""
    try:
        end = datetime.fromisoformat(_text(submission.data, "end"))
    except ValueError:
        return submission.received_at
    return end if end.tzinfo is not None else submission.received_at


def _accept(actor: User, submission: Submission, file: str) -> dict[str, str]:
    values = submission.data
    distribution = _distribution(submission.organisation_id, values)
    if distribution is None or not access.runs_assistance(
        actor, distribution.programme.organisation
    ):
        raise NotAcceptable(
            [
                Problem(
                    file,
                    None,
                    "distribution",
                    "unknown_distribution",
                    str(WORDS["unknown_distribution"]),
                )
            ]
        )
    informant = KeyInformant.objects.filter(submission=submission).first()
    try:
        receipt = distributions.receipt_record(
            actor=actor,
            distribution=distribution,
            token=_token(values),
            outcome=_text(values, "outcome"),
            key=submission.instance_id,
            recorded_at=_recorded_at(submission),
            proxy_name=informant.name if informant else "",
            proxy_relation=_text(values, "proxy_relation")[:60],
        )
    except ValidationError as refused:
        raise NotAcceptable(
            [Problem(file, None, "", "recording_refused", " ".join(refused.messages))]
        ) from refused
    return {"receipt": str(receipt.uid)}


DISTRIBUTION_FORM = FormHandler(
    form_id=FORM_ID,
    xlsform=XLSFORM,
    media=_media,
    check=_check,
    accept=_accept,
    names=_names,
    # The proxy's name is kept apart from the stored form, as the submission's informant.
    personal={"proxy_name": "name"},
    reviewers=frozenset({Role.ASSISTANCE_OFFICER.value}),
)


def register_handlers() -> None:
    rule_words_add(WORDS)
    register(DISTRIBUTION_FORM)
