"""Writes of the feedback mechanism: receiving an item, handling it to the person told and
closed, referring it, linking items about one issue, naming the focal points for sensitive
kinds, and taking over the complaints PDM interviews raise (docs/FEEDBACK.md).

Each write is one transaction, checks who acts by the one rule (``feedback.access``), records a
step of the item's history, is audited (ids, never words), and asks the trends rollup to
recount what it touched once it commits (``rollup.refresh_on_commit``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nahrain.assistance import monitoring
from nahrain.assistance.models import MonitoringAnswer, Programme
from nahrain.core.models import Membership, Organisation
from nahrain.core.services import audit_record
from nahrain.feedback import access, codelists, rollup
from nahrain.feedback.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    EventKind,
    Feedback,
    FeedbackContact,
    FeedbackEvent,
    FocalPoint,
    Status,
)
from nahrain.geo.models import AdminUnit
from nahrain.registry.models import Household
from nahrain.sites.models import Site

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# References people are given: no 0/O, 1/I/L, so that they can be read out on the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 6
# A phone's clock a little ahead of the server is not a receipt in the future.
CLOCK_SKEW = timedelta(minutes=10)
CONTACT_FIELDS = ("name", "phone", "preferred_language", "callback_gender", "consent_to_share")


class FeedbackRefused(ValidationError):
    """A write the mechanism refuses, with the words that say why."""


def _refuse(message: Any, field: str | None = None) -> FeedbackRefused:
    return FeedbackRefused({field: [message]} if field else message)


def _reference() -> str:
    return "FB-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _n in range(REFERENCE_LENGTH))


def _code(kind: str, value: str, field: str, *, blank: bool = True) -> str:
    value = (value or "").strip()
    if not value and blank:
        return ""
    if value not in codelists.codes(kind):
        raise _refuse(_("This is not one of the choices."), field)
    return value


def _event(
    feedback: Feedback,
    *,
    actor: User | None,
    kind: str,
    from_status: str = "",
    note: str = "",
    organisation: Organisation | None = None,
) -> FeedbackEvent:
    event = FeedbackEvent(
        feedback=feedback,
        actor=actor,
        kind=kind,
        organisation=organisation or feedback.concerned,
        from_status=from_status,
        to_status=feedback.status,
        note=note,
    )
    event.full_clean()
    event.save()
    return event


def _audit(actor: User | None, action: str, feedback: Feedback, **detail: Any) -> None:
    audit_record(
        actor=actor,
        action=f"feedback.{action}",
        object_type="feedback",
        object_id=feedback.uid,
        organisation=feedback.concerned,
        detail=detail,
    )


def _locked(feedback: Feedback) -> Feedback:
    return Feedback.objects.select_for_update().get(pk=feedback.pk)


def _handled(actor: User, feedback: Feedback) -> Feedback:
    """The item, locked, if the actor handles it; the same refusal whether it does not exist
    or is not theirs."""
    if not access.can_handle_feedback(actor, feedback):
        raise _refuse(_("You do not handle this feedback."))
    return _locked(feedback)


def _save(feedback: Feedback, *, was_sensitive: bool) -> None:
    if was_sensitive and not feedback.sensitive:
        raise _refuse(_("Sensitive feedback stays sensitive."), "category")
    feedback.full_clean()
    feedback.save()


def _contact(contact: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(contact) - set(CONTACT_FIELDS)
    if unknown:
        raise _refuse(_("The contact has fields it does not know."), "contact")
    return {
        "name": str(contact.get("name") or "").strip(),
        "phone": str(contact.get("phone") or "").strip(),
        "preferred_language": _code(
            "languages", str(contact.get("preferred_language") or ""), "preferred_language"
        ),
        "callback_gender": _code(
            "callback_genders", str(contact.get("callback_gender") or ""), "callback_gender"
        ),
        "consent_to_share": bool(contact.get("consent_to_share", False)),
    }


# --- receiving --------------------------------------------------------------------------------


@transaction.atomic
def feedback_receive(
    *,
    actor: User | None,
    organisation: Organisation,
    channel: str,
    category: str,
    description: str,
    received_at: datetime | None = None,
    site: Site | None = None,
    admin_unit: AdminUnit | None = None,
    topic: str = "",
    about_programme: Programme | None = None,
    anonymous: bool = False,
    contact: Mapping[str, Any] | None = None,
    person_sex: str = "",
    person_age_group: str = "",
    population_group: str = "",
    priority: str | None = None,
    source_key: str = "",
    household: Household | None = None,
) -> Feedback:
    """Record what a person told the organisation's mechanism. A sensitive category sends it to
    the organisation's focal points for that category (the officer keeps its reference). The
    same ``source_key`` (a form's instance id, a hotline's case id) returns the item already
    recorded.

    ``actor`` None: received by the organisation's own channel with no one signed in (the
    help-desk form from a collector account of the organisation, a call log imported from the
    command line); the caller has established the organisation."""
    if actor is not None and not access.records_feedback(actor, organisation):
        raise _refuse(_("Only the organisation's feedback officers record its feedback."))
    return _receive(
        actor=actor,
        organisation=organisation,
        channel=channel,
        category=category,
        description=description,
        received_at=received_at,
        site=site,
        admin_unit=admin_unit,
        topic=topic,
        about_programme=about_programme,
        anonymous=anonymous,
        contact=contact,
        person_sex=person_sex,
        person_age_group=person_age_group,
        population_group=population_group,
        priority=priority,
        source_key=source_key,
        household=household,
    )


def _receive(
    *,
    actor: User | None,
    organisation: Organisation,
    channel: str,
    category: str,
    description: str,
    received_at: datetime | None,
    site: Site | None,
    admin_unit: AdminUnit | None,
    topic: str,
    about_programme: Programme | None,
    anonymous: bool,
    contact: Mapping[str, Any] | None,
    person_sex: str,
    person_age_group: str,
    population_group: str,
    priority: str | None,
    source_key: str,
    household: Household | None,
    source_answer: MonitoringAnswer | None = None,
) -> Feedback:
    source_key = (source_key or "").strip()
    if source_key:
        known = Feedback.objects.filter(organisation=organisation, source_key=source_key).first()
        if known is not None:
            return known
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + CLOCK_SKEW:
        raise _refuse(_("Feedback cannot be received in the future."), "received_at")
    description = (description or "").strip()
    if not description:
        raise _refuse(_("Say what the person said."), "description")
    category = _code("categories", category, "category", blank=False)
    priority = _code("priorities", priority or codelists.default_priority(category), "priority")
    if anonymous and contact:
        raise _refuse(_("Anonymous feedback has no contact details."), "contact")
    if household is not None and household.organisation_id != organisation.pk:
        raise _refuse(_("The household is not in the organisation's registry."), "household")
    feedback = Feedback(
        organisation=organisation,
        concerned=organisation,
        channel=_code("channels", channel, "channel", blank=False),
        received_at=received_at,
        site=site,
        admin_unit=admin_unit or (site.admin_unit if site is not None else None),
        category=category,
        sensitive=codelists.is_sensitive(category),
        topic=_code("topics", topic, "topic"),
        about_programme=about_programme,
        household=household,
        description=description,
        anonymous=anonymous,
        person_sex=_code("sexes", person_sex, "person_sex"),
        person_age_group=_code("age_groups", person_age_group, "person_age_group"),
        population_group=_code("population_groups", population_group, "population_group"),
        priority=priority,
        due_at=received_at + timedelta(days=codelists.deadline_days(priority)),
        status=Status.NEW,
        source_key=source_key,
        source_answer=source_answer,
        created_by=actor,
    )
    details = _contact(contact) if contact else None
    for _attempt in range(5):
        feedback.reference = _reference()
        feedback.full_clean(exclude=["reference", "source_key", "source_answer"])
        try:
            with transaction.atomic():
                feedback.save(force_insert=True)
        except IntegrityError:
            feedback.pk = None
            if source_key:
                known = Feedback.objects.filter(
                    organisation=organisation, source_key=source_key
                ).first()
                if known is not None:
                    return known  # recorded at the same moment by a resend
            continue
        break
    else:
        raise _refuse(_("No free reference could be drawn; try again."))
    if details is not None:
        recorded = FeedbackContact(feedback=feedback, **details)
        recorded.full_clean()
        recorded.save()
    _event(feedback, actor=actor, kind=EventKind.RECEIVED)
    _audit(actor, "receive", feedback, channel=feedback.channel)
    rollup.refresh_on_commit(feedback)
    return feedback


# --- handling ---------------------------------------------------------------------------------


def _may_handle(user: User, feedback: Feedback) -> bool:
    """Whether the user would handle the item in the organisation concerned."""
    return bool(access.feedback_handled_by(user).filter(pk=feedback.pk).exists())


@transaction.atomic
def feedback_assign(*, actor: User, feedback: Feedback, assignee: User) -> Feedback:
    """Give the item to one who handles it (a feedback officer of the organisation concerned;
    a focal point for its category when sensitive)."""
    found = _handled(actor, feedback)
    if found.status not in OPEN_STATUSES:
        raise _refuse(_("Only open feedback is assigned."), "status")
    if not _may_handle(assignee, found):
        raise _refuse(_("This person does not handle this feedback."), "assignee")
    before = found.status
    found.assigned_to = assignee
    if found.status == Status.NEW:
        found.status = Status.ASSIGNED
    _save(found, was_sensitive=found.sensitive)
    _event(found, actor=actor, kind=EventKind.ASSIGNED, from_status=before)
    _audit(actor, "assign", found, assignee=assignee.pk)
    return found


@transaction.atomic
def feedback_refer(
    *, actor: User, feedback: Feedback, organisation: Organisation, note: str = ""
) -> Feedback:
    """Send the item to the organisation responsible for what it is about. A sensitive item
    goes to that organisation's focal points for its category; the contact goes with it only
    if the person consented to share it."""
    found = _handled(actor, feedback)
    if found.status not in OPEN_STATUSES:
        raise _refuse(_("Only open feedback is referred."), "status")
    if organisation.pk == found.concerned_id:
        raise _refuse(_("The feedback is already with this organisation."), "organisation")
    before, came_from = found.status, found.concerned
    found.concerned = organisation
    found.assigned_to = None
    found.status = Status.NEW
    _save(found, was_sensitive=found.sensitive)
    _event(
        found,
        actor=actor,
        kind=EventKind.REFERRED,
        from_status=before,
        note=(note or "").strip(),
        organisation=came_from,
    )
    _audit(actor, "refer", found, referred_from=str(came_from.pk))
    rollup.refresh_on_commit(found, organisation_id=came_from.pk)
    return found


@transaction.atomic
def feedback_start(*, actor: User, feedback: Feedback) -> Feedback:
    found = _handled(actor, feedback)
    if found.status not in (Status.NEW, Status.ASSIGNED):
        raise _refuse(_("Only new or assigned feedback is started."), "status")
    before = found.status
    found.status = Status.IN_PROGRESS
    found.assigned_to = found.assigned_to or actor
    _save(found, was_sensitive=found.sensitive)
    _event(found, actor=actor, kind=EventKind.STARTED, from_status=before)
    _audit(actor, "start", found)
    rollup.refresh_on_commit(found)
    return found


@transaction.atomic
def feedback_resolve(*, actor: User, feedback: Feedback, answer: str) -> Feedback:
    """Record the answer to give the person."""
    found = _handled(actor, feedback)
    if found.status not in OPEN_STATUSES:
        raise _refuse(_("Only open feedback is answered."), "status")
    answer = (answer or "").strip()
    if not answer:
        raise _refuse(_("Write the answer the person is to be given."), "answer")
    before = found.status
    found.answer = answer
    found.answered_at = timezone.now()
    found.status = Status.RESOLVED
    found.assigned_to = found.assigned_to or actor
    _save(found, was_sensitive=found.sensitive)
    _event(found, actor=actor, kind=EventKind.RESOLVED, from_status=before)
    _audit(actor, "resolve", found)
    rollup.refresh_on_commit(found)
    return found


@transaction.atomic
def feedback_tell(
    *,
    actor: User,
    feedback: Feedback,
    how: str,
    satisfaction: str = "",
    told_at: datetime | None = None,
) -> Feedback:
    """The person was given the answer: how, when, and how satisfied they said they were."""
    found = _handled(actor, feedback)
    if found.status != Status.RESOLVED:
        raise _refuse(_("The person is told an answer once it is written."), "status")
    now = timezone.now()
    told_at = told_at or now
    if told_at > now + CLOCK_SKEW or (found.answered_at and told_at < found.answered_at):
        raise _refuse(_("The person is told after the answer is written, not later than now."))
    before = found.status
    found.answered_how = _code("answer_methods", how, "how", blank=False)
    found.satisfaction = _code("satisfaction", satisfaction, "satisfaction")
    found.told_at = told_at
    found.status = Status.TOLD
    _save(found, was_sensitive=found.sensitive)
    _event(found, actor=actor, kind=EventKind.TOLD, from_status=before)
    _audit(actor, "tell", found)
    rollup.refresh_on_commit(found)
    return found


def _close(found: Feedback, *, actor: User, kind: str, note: str = "") -> None:
    before = found.status
    found.status = Status.CLOSED if kind == EventKind.CLOSED else Status.CLOSED_NO_CONTACT
    found.closed_at = timezone.now()
    _save(found, was_sensitive=found.sensitive)
    _event(found, actor=actor, kind=kind, from_status=before, note=note)
    _audit(actor, kind, found)
    rollup.refresh_on_commit(found)


@transaction.atomic
def feedback_close(*, actor: User, feedback: Feedback) -> Feedback:
    """Close the loop once the person was told; the items linked to it close with it."""
    found = _handled(actor, feedback)
    if found.status != Status.TOLD:
        raise _refuse(_("Feedback is closed once the person was told."), "status")
    _close(found, actor=actor, kind=EventKind.CLOSED)
    for linked in (
        Feedback.objects.select_for_update()
        .filter(linked_to=found)
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("pk")
    ):
        _close(linked, actor=actor, kind=EventKind.CLOSED, note=found.reference)
    return found


@transaction.atomic
def feedback_close_without_contact(*, actor: User, feedback: Feedback, reason: str) -> Feedback:
    """Close an item whose person cannot be told, with the reason."""
    found = _handled(actor, feedback)
    if found.status in CLOSED_STATUSES:
        raise _refuse(_("This feedback is already closed."), "status")
    found.closed_reason = _code("no_contact_reasons", reason, "reason", blank=False)
    _close(found, actor=actor, kind=EventKind.CLOSED_NO_CONTACT)
    return found


@transaction.atomic
def feedback_link(*, actor: User, main: Feedback, others: Sequence[Feedback]) -> Feedback:
    """Group items about one issue under a main item: closing the main closes them. All are
    open, handled by the actor, in one organisation and of one sensitivity (a sensitive item
    never joins a group whose closing others see)."""
    found = _handled(actor, main)
    if found.status in CLOSED_STATUSES or found.linked_to_id is not None:
        raise _refuse(_("The main item is open and not itself linked to another."), "main")
    if not others:
        raise _refuse(_("Choose the items to link."), "others")
    for other in others:
        item = _handled(actor, other)
        if item.pk == found.pk:
            raise _refuse(_("An item is not linked to itself."), "others")
        if item.status in CLOSED_STATUSES or Feedback.objects.filter(linked_to=item).exists():
            raise _refuse(_("Only open items without a group of their own are linked."), "others")
        if item.concerned_id != found.concerned_id or item.sensitive != found.sensitive:
            raise _refuse(_("Linked items belong to one organisation and sensitivity."), "others")
        item.linked_to = found
        _save(item, was_sensitive=item.sensitive)
        _event(item, actor=actor, kind=EventKind.LINKED, from_status=item.status, note="")
        _audit(actor, "link", item, main=str(found.uid))
    _event(found, actor=actor, kind=EventKind.LINKED, from_status=found.status)
    return found


@transaction.atomic
def feedback_note(*, actor: User, feedback: Feedback, note: str) -> FeedbackEvent:
    found = _handled(actor, feedback)
    note = (note or "").strip()
    if not note:
        raise _refuse(_("Write the note."), "note")
    event = _event(found, actor=actor, kind=EventKind.NOTE, from_status=found.status, note=note)
    _audit(actor, "note", found)
    return event


# --- reclassifying ----------------------------------------------------------------------------


def _more_urgent(priority: str, category: str) -> str:
    """The priority with the nearer deadline: the item's, or the new category's default."""
    other = codelists.default_priority(category)
    return min((priority, other), key=codelists.deadline_days)


def _recategorise(found: Feedback, category: str) -> None:
    """Give the item the category (and its sensitivity); a sensitive item leaves whoever had
    it and any group of items, whose closing others see."""
    found.category = category
    found.sensitive = codelists.is_sensitive(category)
    found.priority = _more_urgent(found.priority, category)
    found.due_at = found.received_at + timedelta(days=codelists.deadline_days(found.priority))
    if found.sensitive:
        if found.status in OPEN_STATUSES:
            found.status = Status.NEW
        found.assigned_to = None
        found.linked_to = None
        Feedback.objects.filter(linked_to=found).update(linked_to=None)


@transaction.atomic
def feedback_reclassify(
    *, actor: User, feedback: Feedback, category: str, reason: str = ""
) -> Feedback:
    """Change the item's category. A feedback officer who reads an item that is not sensitive
    may mark it sensitive (sexual exploitation, fraud, safety, a data breach): it goes to the
    focal points for that category and leaves the officer's sight. A focal point moves a
    sensitive item to another sensitive category, or, giving the reason, to one that is not
    sensitive. The history records that the category changed, never which or why it became
    sensitive; the audit keeps ids alone."""
    category = _code("categories", category, "category", blank=False)
    reason = (reason or "").strip()
    if feedback.sensitive:
        found = _handled(actor, feedback)
    elif access.can_read_feedback(actor, feedback):
        found = _locked(feedback)
    else:
        raise _refuse(_("You do not handle this feedback."))
    if category == found.category:
        raise _refuse(_("The feedback is already of this category."), "category")
    was_sensitive = found.sensitive
    lowers = was_sensitive and not codelists.is_sensitive(category)
    # Between ordinary categories: who handles it; marking it sensitive: whoever reads it.
    ordinary = not was_sensitive and not codelists.is_sensitive(category)
    if ordinary and not access.can_handle_feedback(actor, found):
        raise _refuse(_("You do not handle this feedback."))
    if lowers and not reason:
        raise _refuse(
            _("Say why this feedback is not sensitive: its officers will read it."), "reason"
        )
    before = found.status
    _recategorise(found, category)
    if not lowers:
        reason = ""  # the only words the history keeps: why a focal point let it go
    _save(found, was_sensitive=was_sensitive and not lowers)
    _event(found, actor=actor, kind=EventKind.RECLASSIFIED, from_status=before, note=reason)
    _audit(actor, "reclassify", found)
    rollup.refresh_on_commit(found)
    return found


# --- corrections from the channel -------------------------------------------------------------


@transaction.atomic
def feedback_correct(
    *,
    feedback: Feedback,
    category: str,
    description: str,
    site: Site | None = None,
    topic: str = "",
    about_programme: Programme | None = None,
    anonymous: bool = False,
    contact: Mapping[str, Any] | None = None,
    person_sex: str = "",
    person_age_group: str = "",
    population_group: str = "",
) -> Feedback:
    """The channel that recorded the item sends it again, corrected (a help-desk form edited on
    the phone): what the person said, where, about what, their contact and codes are replaced;
    its handling goes on as it was. A correction may make the item sensitive, never the other
    way round (a focal point decides that, with the reason). Recorded in the history as a
    correction, without its words."""
    found = _locked(feedback)
    description = (description or "").strip()
    if not description:
        raise _refuse(_("Say what the person said."), "description")
    category = _code("categories", category, "category", blank=False)
    if anonymous and contact:
        raise _refuse(_("Anonymous feedback has no contact details."), "contact")
    was_sensitive = found.sensitive
    if category != found.category and not (was_sensitive and not codelists.is_sensitive(category)):
        _recategorise(found, category)
    found.description = description
    found.site = site
    found.admin_unit = site.admin_unit if site is not None else found.admin_unit
    found.topic = _code("topics", topic, "topic")
    found.about_programme = about_programme
    found.anonymous = anonymous
    found.person_sex = _code("sexes", person_sex, "person_sex")
    found.person_age_group = _code("age_groups", person_age_group, "person_age_group")
    found.population_group = _code("population_groups", population_group, "population_group")
    _save(found, was_sensitive=was_sensitive)
    details = _contact(contact) if contact else None
    if details is None:
        FeedbackContact.objects.filter(feedback=found).delete()
    else:
        kept, _created = FeedbackContact.objects.get_or_create(feedback=found, defaults=details)
        for name, value in details.items():
            setattr(kept, name, value)
        kept.full_clean()
        kept.save()
    _event(found, actor=None, kind=EventKind.CORRECTED, from_status=found.status)
    _audit(None, "correct", found)
    rollup.refresh_on_commit(found)
    return found


# --- focal points -----------------------------------------------------------------------------


@transaction.atomic
def focal_point_name(
    *, actor: User, organisation: Organisation, user: User, categories: Sequence[str]
) -> list[FocalPoint]:
    """Name a member the organisation's focal point for sensitive categories (organisation
    admins do). Naming again for a category keeps the first naming."""
    if not access.names_focal_points(actor, organisation):
        raise _refuse(_("Only the organisation's admins name its focal points."))
    if not Membership.objects.filter(user=user, organisation=organisation).exists():
        raise _refuse(_("A focal point is a member of the organisation."), "user")
    sensitive = codelists.sensitive_categories()
    if not categories or any(c not in sensitive for c in categories):
        raise _refuse(_("Focal points are named for sensitive categories."), "categories")
    named = []
    for category in dict.fromkeys(categories):
        point, created = FocalPoint.objects.get_or_create(
            organisation=organisation, user=user, category=category, defaults={"named_by": actor}
        )
        if created:
            audit_record(
                actor=actor,
                action="feedback.focal_point_name",
                object_type="user",
                object_id=user.pk,
                organisation=organisation,
                detail={"category": category},
            )
        named.append(point)
    return named


@transaction.atomic
def focal_point_remove(*, actor: User, focal_point: FocalPoint) -> None:
    """The member stops being a focal point for the category: from now on they read none of its
    items."""
    if not access.names_focal_points(actor, focal_point.organisation):
        raise _refuse(_("Only the organisation's admins name its focal points."))
    audit_record(
        actor=actor,
        action="feedback.focal_point_remove",
        object_type="user",
        object_id=focal_point.user_id,
        organisation=focal_point.organisation,
        detail={"category": focal_point.category},
    )
    focal_point.delete()


# --- PDM complaints ---------------------------------------------------------------------------


@transaction.atomic
def pdm_complaints_take(*, actor: User, programme: Programme) -> list[Feedback]:
    """Take over the complaints the programme's PDM interviews raised and no one took yet (the
    ones ``assistance.monitoring.complaints_pending`` lists): each becomes an item of channel
    "pdm" about the programme, received by its organisation. Said to have been asked to pay or
    give something in return, it is sensitive (the category the code list "pdm_reasons" maps it
    to) and reaches the focal points alone. The answers are locked, so two takes at once take
    each complaint once."""
    organisation = programme.organisation
    if not access.records_feedback(actor, organisation):
        raise _refuse(_("Only the organisation's feedback officers take PDM complaints over."))
    answers = list(
        MonitoringAnswer.objects.select_for_update(of=("self",))
        .filter(
            sampled__sample__distribution__programme=programme,
            complaint=True,
            complaint_taken_at__isnull=True,
        )
        .order_by("interviewed_on", "pk")
    )
    taken = []
    now = timezone.now()
    for answer in answers:
        sampled = answer.sampled
        entry = sampled.receipt.entry
        sensitive = sorted(monitoring.SENSITIVE & set(answer.complaint_reasons))
        reason = sensitive[0] if sensitive else answer.complaint_reasons[0]
        mapped = codelists.pdm_reason(reason)
        said = "" if sensitive else str(answer.answers.get("complaint", "")).strip()
        heading = f"{mapped['label_en']} (PDM interview {answer.interviewed_on.isoformat()}, "
        heading += f"sampled household {sampled.code})"
        taken.append(
            _receive(
                actor=actor,
                organisation=organisation,
                channel="pdm",
                category=mapped["category"],
                description=f"{heading}: {said}" if said else heading,
                received_at=answer.received_at,
                site=entry.site,
                admin_unit=entry.admin_unit,
                topic=mapped.get("topic", ""),
                about_programme=programme,
                anonymous=False,
                contact=None,
                person_sex="",
                person_age_group="",
                population_group="",
                priority=None,
                source_key=f"pdm:{answer.pk}",
                household=sampled.receipt.household,
                source_answer=answer,
            )
        )
        answer.complaint_taken_at = now
        answer.save(update_fields=["complaint_taken_at"])
    audit_record(
        actor=actor,
        action="feedback.pdm_complaints_take",
        object_type="programme",
        object_id=programme.uid,
        organisation=organisation,
        detail={"complaints": len(taken)},
    )
    return taken
