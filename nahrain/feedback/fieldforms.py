"""The help-desk form (``feedback_helpdesk``) as a ``collect`` form handler.

A help-desk volunteer or feedback officer at a camp, a community resource centre or a community
meeting records on a phone (ODK Collect, KoboCollect, Enketo) what a person says: the site, how
it came, what kind of feedback it is and what about, the person's words, and either that the
person stays anonymous or how to call them back (name, phone, language, who should call, whether
the contact may go with a referral), with sex, age group and population group for the trends.

The form is received into feedback on arrival (``FormHandler.receive``): ``collect`` keeps the
submission as a receipt (when, which collector, the site and channel) and never stores the rest,
which is ``withheld``: the kind of feedback, its words, the contact and the person's codes exist
only in the feedback item (``services.feedback_receive``, keyed by the instance id, so that a
phone's resend is one item). A complaint of sexual exploitation, fraud, a safety threat or a
data breach is thus read by the organisation's named focal points alone: no reviewer, review
queue, submission page or stored XML of ``collect`` holds it.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from nahrain.assistance.models import Programme
from nahrain.collect.handlers import FormHandler, NotAcceptable, register
from nahrain.core.models import Role
from nahrain.core.problems import Problem
from nahrain.feedback import services
from nahrain.feedback.models import Feedback
from nahrain.sites.models import LIVED_IN, Site

if TYPE_CHECKING:
    from nahrain.collect.models import Submission

FORM_ID = "feedback_helpdesk"
XLSFORM = Path(__file__).resolve().parent / "xlsforms" / f"{FORM_ID}.md"

# Everything the person said or is: kept out of collect, handed to feedback once.
WITHHELD = frozenset(
    {
        "category",
        "topic",
        "programme",
        "description",
        "anonymous",
        "contact_name",
        "contact_phone",
        "preferred_language",
        "callback_gender",
        "consent_to_share",
        "person_sex",
        "person_age_group",
        "population_group",
    }
)


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def _names(*names: str) -> str:
    """Each language's name once: a CSV itemset has a single label column."""
    return " / ".join(dict.fromkeys(n for n in names if n))


def media_files(*, organisation_id: Any) -> dict[str, bytes]:
    """The sites people live on, whoever manages them (a site's profile is shared across the
    response, and a help desk hears about any), by uid; and the organisation's own programmes,
    which a complaint about a distribution or cash may name."""
    sites = Site.objects.filter(status__in=LIVED_IN).order_by("code")
    programmes = Programme.objects.filter(organisation_id=organisation_id).order_by("code")
    return {
        "sites.csv": _csv(
            [["name", "label"]]
            + [
                [str(s.uid), f"{s.code} {_names(s.name_en, s.name_ar, s.name_ckb)}"]
                for s in sites.only("uid", "code", "name_en", "name_ar", "name_ckb")
            ]
        ),
        "programmes.csv": _csv(
            [["name", "label"]]
            + [
                [str(p.uid), f"{p.code} {_names(p.name_en, p.name_ar, p.name_ckb)}"]
                for p in programmes
            ]
        ),
    }


def code_names(organisation_id: Any, codes: dict[str, set[str]]) -> dict[str, dict[str, str]]:
    """The site a receipt names, by its code and names rather than its uid."""
    uids = []
    for code in codes.get("sites.csv", set()):
        try:
            uids.append(uuid.UUID(code))
        except ValueError:
            continue
    found = Site.objects.filter(uid__in=uids)
    return {"sites.csv": {str(s.uid): f"{s.code} {_names(s.name_en, s.name_ar)}" for s in found}}


def _media(organisation_id: Any) -> dict[str, bytes]:
    return media_files(organisation_id=organisation_id)


def _site(submission: Submission, file: str) -> Site:
    try:
        key = uuid.UUID(str(submission.data.get("site", "")))
    except ValueError:
        key = None
    site = Site.objects.filter(uid=key).select_related("admin_unit").first() if key else None
    if site is None:
        raise NotAcceptable([Problem(file, None, "site", "unknown_site", "not a site")])
    return site


def _programme(organisation_id: Any, text: str) -> Programme | None:
    """The organisation's programme the answer names; none for another's or an unknown one (a
    phone with an older list): the complaint is kept, without the link."""
    try:
        key = uuid.UUID(text)
    except ValueError:
        return None
    return Programme.objects.filter(uid=key, organisation_id=organisation_id).first()


def _received_at(submission: Submission) -> datetime | None:
    """When the person spoke: the form's end, as the phone recorded it (a phone syncing days
    later records the day it was told), never later than now."""
    try:
        moment = datetime.fromisoformat(str(submission.data.get("end", "")))
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return min(moment, timezone.now())


def _yes(value: Any) -> bool:
    return str(value or "").strip() == "yes"


def _edited_item(submission: Submission) -> Feedback | None:
    """The item an edited form corrects: ODK Collect sends an edit with a new instance id and
    the one it replaces as ``deprecatedID``, which collect links (``Submission.deprecated``);
    the replaced submission names its item. None for a form that is no edit, or whose original
    never became an item."""
    original = submission.deprecated
    if original is None:
        return None
    uid = (original.accepted or {}).get("feedback")
    if not uid:
        return None
    return Feedback.objects.filter(uid=uid, organisation_id=submission.organisation_id).first()


def receive(submission: Submission, withheld: dict[str, Any], file: str) -> dict[str, str]:
    """Record the submission as a feedback item of the collecting organisation (once per
    instance id), or, for an edited form, correct the item its original became; raises
    NotAcceptable, which refuses the submission."""
    site = _site(submission, file)
    anonymous = _yes(withheld.get("anonymous"))
    contact = None
    if not anonymous:
        contact = {
            "name": str(withheld.get("contact_name", "")),
            "phone": str(withheld.get("contact_phone", "")),
            "preferred_language": str(withheld.get("preferred_language", "")),
            "callback_gender": str(withheld.get("callback_gender", "")),
            "consent_to_share": _yes(withheld.get("consent_to_share")),
        }
    said: dict[str, Any] = {
        "category": str(withheld.get("category", "")),
        "description": str(withheld.get("description", "")),
        "site": site,
        "topic": str(withheld.get("topic", "")),
        "about_programme": _programme(
            submission.organisation_id, str(withheld.get("programme", ""))
        ),
        "anonymous": anonymous,
        "contact": contact,
        "person_sex": str(withheld.get("person_sex", "")),
        "person_age_group": str(withheld.get("person_age_group", "")),
        "population_group": str(withheld.get("population_group", "")),
    }
    edited = _edited_item(submission)
    try:
        if edited is not None:
            item = services.feedback_correct(feedback=edited, **said)
        else:
            item = services.feedback_receive(
                actor=None,
                organisation=submission.organisation,
                channel=str(submission.data.get("channel", "")) or "help_desk",
                received_at=_received_at(submission),
                source_key=submission.instance_id,
                **said,
            )
    except ValidationError as refused:
        # The rule's words, never the answer: the refusal goes back to the phone alone, but a
        # message quoting a complaint has no place even there.
        column = ", ".join(sorted(refused.message_dict)) if hasattr(refused, "error_dict") else ""
        words = " ".join(refused.messages)
        raise NotAcceptable([Problem(file, None, column, "feedback_refused", words)]) from refused
    return {"feedback": str(item.uid)}


def _not_reviewed(actor: Any, submission: Submission, file: str) -> dict[str, str]:
    """Never asked: a help-desk submission is received into feedback on arrival."""
    raise NotAcceptable(
        [Problem(file, None, "", "no_handler", "received into feedback on arrival")]
    )


HELPDESK = FormHandler(
    form_id=FORM_ID,
    xlsform=XLSFORM,
    media=_media,
    accept=_not_reviewed,
    names=code_names,
    receive=receive,
    withheld=WITHHELD,
    # The receipts (site, channel, time) are the feedback team's own log.
    reviewers=frozenset({Role.FEEDBACK_OFFICER.value}),
)


def register_handlers() -> None:
    register(HELPDESK)
