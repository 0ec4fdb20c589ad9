"""The feedback API at /api/v1/feedback/: thin, over the same access rule, services and
selectors as the feedback pages. Items are read by the feedback officers of the organisation
concerned (and of the one that received them), sensitive items by the named focal points alone;
trends and the anonymised export by the organisation's feedback officers, information managers
and admins. Answers with items are kept by no cache and every read is audited by the selectors.
A write the rules refuse is answered 422 with its problems; what is missing and what is not the
caller's are the same 404."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Status

from nahrain.assistance.access import programmes_readable
from nahrain.core.http import no_store, per_reader, refusal_detail, refusal_pairs
from nahrain.core.models import Organisation
from nahrain.feedback import access, codelists, exports, selectors, services
from nahrain.feedback.models import OPEN_STATUSES, Feedback, FeedbackEvent
from nahrain.feedback.schemas import (
    FeedbackAssignIn,
    FeedbackCloseIn,
    FeedbackCloseNoContactIn,
    FeedbackExportOut,
    FeedbackExportQuery,
    FeedbackItemOut,
    FeedbackLinkIn,
    FeedbackListOut,
    FeedbackListQuery,
    FeedbackNoteIn,
    FeedbackNoteOut,
    FeedbackPdmTakeIn,
    FeedbackPdmTakenOut,
    FeedbackPdmWaitingOut,
    FeedbackProblemOut,
    FeedbackProblemsOut,
    FeedbackReceivedOut,
    FeedbackReceiveIn,
    FeedbackReclassifiedOut,
    FeedbackReclassifyIn,
    FeedbackReferIn,
    FeedbackReferredOut,
    FeedbackResolveIn,
    FeedbackStartIn,
    FeedbackTellIn,
    FeedbackTrendsOut,
    FeedbackTrendsQuery,
)
from nahrain.geo.models import AdminUnit
from nahrain.sites.access import sites_visible

router = Router(tags=["feedback"])

V = TypeVar("V", bound=Callable[..., Any])


def problems_out(error: ValidationError) -> FeedbackProblemsOut:
    """A refusal of the services (``ValidationError``, by field where it says)."""
    pairs = refusal_pairs(error)
    return FeedbackProblemsOut(
        detail=refusal_detail(pairs),
        problems=[FeedbackProblemOut(field=n, message=m) for n, m in pairs],
    )


def rules_answered(view: V) -> V:
    """A write the feedback rules refuse is answered 422 with its problems."""

    @wraps(view)
    def answered(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except ValidationError as refused:
            return Status(422, problems_out(refused))

    return answered  # type: ignore[return-value]


router.add_decorator(rules_answered, mode="operation")

REFUSED = {404: None, 422: FeedbackProblemsOut}


def _actor(request: HttpRequest) -> User:
    """The signed-in user (the API's authentication lets no one else through)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _organisation(found: Organisation) -> dict[str, Any]:
    return {"id": found.pk, "acronym": found.acronym, "name": found.name}


def _aware(moment: datetime | None) -> datetime | None:
    """A moment sent without its offset is read in Iraq's time (TIME_ZONE)."""
    if moment is None or timezone.is_aware(moment):
        return moment
    return timezone.make_aware(moment)


def _name(user: User | None) -> str:
    return user.get_username() if user is not None else ""


# --- what the API gives -----------------------------------------------------------------------


def summary_out(item: Feedback) -> dict[str, Any]:
    return {
        "uid": item.uid,
        "reference": item.reference,
        "organisation": _organisation(item.organisation),
        "concerned": _organisation(item.concerned),
        "channel": item.channel,
        "category": item.category,
        "category_label": codelists.label("categories", item.category),
        "sensitive": item.sensitive,
        "topic": item.topic,
        "site_uid": item.site.uid if item.site else None,
        "received_at": item.received_at,
        "priority": item.priority,
        "due_at": item.due_at,
        "overdue": item.status in OPEN_STATUSES and item.due_at < timezone.now(),
        "status": item.status,
        "assigned_to": _name(item.assigned_to),
    }


def event_out(event: FeedbackEvent) -> dict[str, Any]:
    return {
        "at": event.at,
        "kind": event.kind,
        "actor": _name(event.actor),
        "organisation": event.organisation.acronym if event.organisation else "",
        "from_status": event.from_status,
        "to_status": event.to_status,
        "note": event.note,
    }


def item_out(user: User, found: Feedback) -> dict[str, Any]:
    """The whole item as the caller may read it (the reads audited by the selectors)."""
    item = selectors.feedback_detail(user=user, feedback=found)
    contact = selectors.feedback_contact(user=user, feedback=found)
    return {
        **summary_out(item),
        "admin_unit_pcode": item.admin_unit.pcode if item.admin_unit else "",
        "about_programme_uid": item.about_programme.uid if item.about_programme else None,
        "description": item.description,
        "anonymous": item.anonymous,
        "person_sex": item.person_sex,
        "person_age_group": item.person_age_group,
        "population_group": item.population_group,
        "answer": item.answer,
        "answered_how": item.answered_how,
        "told_at": item.told_at,
        "satisfaction": item.satisfaction,
        "closed_reason": item.closed_reason,
        "linked_to": item.linked_to.reference if item.linked_to else "",
        "linked": [other.reference for other in item.linked.all()],
        "contact": (
            {
                "name": contact.name,
                "phone": contact.phone,
                "preferred_language": contact.preferred_language,
                "callback_gender": contact.callback_gender,
                "consent_to_share": contact.consent_to_share,
            }
            if contact is not None
            else None
        ),
        "history": [event_out(e) for e in selectors.feedback_history(user=user, feedback=found)],
    }


# --- items ------------------------------------------------------------------------------------


@router.get("/items", response=FeedbackListOut)
def item_list(
    request: HttpRequest, filters: Query[FeedbackListQuery], response: HttpResponse
) -> dict[str, Any]:
    """The items the caller reads, newest first, filtered like the queue."""
    no_store(response)
    site = None
    if filters.site_uid is not None:
        site = sites_visible(request.user).filter(uid=filters.site_uid).first()
        if site is None:
            raise ValidationError({"site_uid": "no such site"})
    found = selectors.feedback_list(
        user=request.user,
        status=filters.status,
        category=filters.category,
        channel=filters.channel,
        site=site,
        overdue=filters.overdue,
        mine=filters.mine,
    ).select_related("organisation", "concerned", "site", "assigned_to")
    shown = found[filters.offset : filters.offset + filters.limit]
    return {
        "count": found.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [summary_out(item) for item in shown],
    }


def _receiving(request: HttpRequest, organisation_id: uuid.UUID | None) -> Organisation:
    """The organisation that received the feedback: the one named, or the caller's only one
    among those whose mechanism they record for (404 for a caller who records for none)."""
    recording = access.organisations_recording(request.user)
    if organisation_id is not None:
        found = recording.filter(pk=organisation_id).first()
        if found is None:
            raise Http404
        return found
    listed = list(recording[:2])
    if not listed:
        raise Http404
    if len(listed) > 1:
        raise ValidationError({"organisation_id": "say which organisation received it"})
    return listed[0]


@router.post("/items", response={201: FeedbackReceivedOut, **REFUSED})
def item_create(
    request: HttpRequest, payload: FeedbackReceiveIn, response: HttpResponse
) -> Status[Any]:
    """Record feedback as a help desk or hotline received it. A sensitive item goes to the
    focal points alone: the answer then gives its reference and nothing of it."""
    organisation = _receiving(request, payload.organisation_id)
    no_store(response)
    site = None
    if payload.site_uid is not None:
        site = sites_visible(request.user).filter(uid=payload.site_uid).first()
        if site is None:
            raise ValidationError({"site_uid": "no such site"})
    admin_unit = None
    if payload.admin_unit_pcode:
        admin_unit = AdminUnit.objects.filter(pcode=payload.admin_unit_pcode.upper()).first()
        if admin_unit is None:
            raise ValidationError({"admin_unit_pcode": "no administrative unit has this p-code"})
    programme = None
    if payload.about_programme_uid is not None:
        programme = (
            programmes_readable(request.user).filter(uid=payload.about_programme_uid).first()
        )
        if programme is None:
            raise ValidationError({"about_programme_uid": "no such programme"})
    created = services.feedback_receive(
        actor=_actor(request),
        organisation=organisation,
        channel=payload.channel,
        category=payload.category,
        description=payload.description,
        received_at=_aware(payload.received_at),
        site=site,
        admin_unit=admin_unit,
        topic=payload.topic,
        about_programme=programme,
        anonymous=payload.anonymous,
        contact=payload.contact.dict() if payload.contact is not None else None,
        person_sex=payload.person_sex,
        person_age_group=payload.person_age_group,
        population_group=payload.population_group,
        priority=payload.priority,
        source_key=payload.source_key,
    )
    readable = access.can_read_feedback(request.user, created)
    return Status(
        201,
        {
            "reference": created.reference,
            "sensitive": created.sensitive,
            "sent_to_focal_points": created.sensitive,
            "uid": created.uid if readable else None,
            "status": created.status,
        },
    )


@router.get("/items/{feedback_uid}", response={200: FeedbackItemOut, 404: None})
def item_get(request: HttpRequest, feedback_uid: uuid.UUID, response: HttpResponse) -> Any:
    """An item with its contact (where the rule lets it go) and its history; audited."""
    found = access.access_feedback_by_uid(request.user, feedback_uid)
    no_store(response)
    return item_out(_actor(request), found)


def _handled(request: HttpRequest, feedback_uid: uuid.UUID, response: HttpResponse) -> Feedback:
    """The item, for a step by who handles it (404 for anyone else)."""
    found = access.access_feedback_by_uid(request.user, feedback_uid)
    if not access.can_handle_feedback(request.user, found):
        raise Http404
    no_store(response)
    return found


STEP = {200: FeedbackItemOut, **REFUSED}


@router.post("/items/{feedback_uid}/assign", response=STEP)
def item_assign(
    request: HttpRequest, feedback_uid: uuid.UUID, payload: FeedbackAssignIn, response: HttpResponse
) -> Any:
    """Give the item to an officer of the organisation concerned (a focal point for a
    sensitive one)."""
    found = _handled(request, feedback_uid, response)
    assignee = User.objects.filter(username=payload.assignee, is_active=True).first()
    if assignee is None:
        raise ValidationError({"assignee": "no such user"})
    done = services.feedback_assign(actor=_actor(request), feedback=found, assignee=assignee)
    return item_out(_actor(request), done)


@router.post("/items/{feedback_uid}/refer", response={200: FeedbackReferredOut, **REFUSED})
def item_refer(
    request: HttpRequest, feedback_uid: uuid.UUID, payload: FeedbackReferIn, response: HttpResponse
) -> Any:
    """Send the item to the organisation responsible; a sensitive one to its focal points."""
    found = _handled(request, feedback_uid, response)
    organisation = Organisation.objects.filter(pk=payload.organisation_id).first()
    if organisation is None:
        raise ValidationError({"organisation_id": "no such organisation"})
    referred = services.feedback_refer(
        actor=_actor(request), feedback=found, organisation=organisation, note=payload.note
    )
    return {
        "reference": referred.reference,
        "status": referred.status,
        "concerned": _organisation(referred.concerned),
        "still_readable": access.can_read_feedback(request.user, referred),
    }


@router.post("/items/{feedback_uid}/start", response=STEP)
def item_start(
    request: HttpRequest, feedback_uid: uuid.UUID, payload: FeedbackStartIn, response: HttpResponse
) -> Any:
    found = _handled(request, feedback_uid, response)
    done = services.feedback_start(actor=_actor(request), feedback=found)
    return item_out(_actor(request), done)


@router.post("/items/{feedback_uid}/resolve", response=STEP)
def item_resolve(
    request: HttpRequest,
    feedback_uid: uuid.UUID,
    payload: FeedbackResolveIn,
    response: HttpResponse,
) -> Any:
    """The answer to give the person."""
    found = _handled(request, feedback_uid, response)
    done = services.feedback_resolve(actor=_actor(request), feedback=found, answer=payload.answer)
    return item_out(_actor(request), done)


@router.post("/items/{feedback_uid}/tell", response=STEP)
def item_tell(
    request: HttpRequest, feedback_uid: uuid.UUID, payload: FeedbackTellIn, response: HttpResponse
) -> Any:
    """The person was told the answer: how, and whether they were satisfied."""
    found = _handled(request, feedback_uid, response)
    done = services.feedback_tell(
        actor=_actor(request),
        feedback=found,
        how=payload.how,
        satisfaction=payload.satisfaction,
        told_at=_aware(payload.told_at),
    )
    return item_out(_actor(request), done)


@router.post("/items/{feedback_uid}/close", response=STEP)
def item_close(
    request: HttpRequest, feedback_uid: uuid.UUID, payload: FeedbackCloseIn, response: HttpResponse
) -> Any:
    """Close the item once the person was told, and the items linked to it."""
    found = _handled(request, feedback_uid, response)
    done = services.feedback_close(actor=_actor(request), feedback=found)
    return item_out(_actor(request), done)


@router.post("/items/{feedback_uid}/close-without-contact", response=STEP)
def item_close_without_contact(
    request: HttpRequest,
    feedback_uid: uuid.UUID,
    payload: FeedbackCloseNoContactIn,
    response: HttpResponse,
) -> Any:
    found = _handled(request, feedback_uid, response)
    done = services.feedback_close_without_contact(
        actor=_actor(request), feedback=found, reason=payload.reason
    )
    return item_out(_actor(request), done)


@router.post("/items/{feedback_uid}/link", response=STEP)
def item_link(
    request: HttpRequest, feedback_uid: uuid.UUID, payload: FeedbackLinkIn, response: HttpResponse
) -> Any:
    """Link items about the same issue under this one: they close with it."""
    found = _handled(request, feedback_uid, response)
    references = sorted({r.strip().upper() for r in payload.references if r.strip()})
    others = list(
        access.feedback_handled_by(request.user)
        .filter(reference__in=references)
        .exclude(pk=found.pk)
    )
    missing = sorted(set(references) - {other.reference for other in others})
    if missing:
        raise ValidationError(
            {"references": f"no item you handle has the reference {', '.join(missing)}"}
        )
    done = services.feedback_link(actor=_actor(request), main=found, others=others)
    return item_out(_actor(request), done)


@router.post("/items/{feedback_uid}/notes", response={201: FeedbackNoteOut, **REFUSED})
def item_note(
    request: HttpRequest, feedback_uid: uuid.UUID, payload: FeedbackNoteIn, response: HttpResponse
) -> Status[Any]:
    found = _handled(request, feedback_uid, response)
    event = services.feedback_note(actor=_actor(request), feedback=found, note=payload.note)
    return Status(201, event_out(event))


@router.post("/items/{feedback_uid}/category", response={200: FeedbackReclassifiedOut, **REFUSED})
def item_reclassify(
    request: HttpRequest,
    feedback_uid: uuid.UUID,
    payload: FeedbackReclassifyIn,
    response: HttpResponse,
) -> Any:
    """Change the item's category. Whoever reads an ordinary item may mark it sensitive: it
    goes to the focal points and the caller no longer reads it. A focal point moves a sensitive
    item between sensitive categories, or out of them with the reason."""
    found = access.access_feedback_by_uid(request.user, feedback_uid)
    no_store(response)
    done = services.feedback_reclassify(
        actor=_actor(request), feedback=found, category=payload.category, reason=payload.reason
    )
    return {
        "reference": done.reference,
        "status": done.status,
        "sensitive": done.sensitive,
        "still_readable": access.can_read_feedback(request.user, done),
    }


# --- PDM complaints ---------------------------------------------------------------------------


@router.get("/pdm-complaints", response=FeedbackPdmWaitingOut)
def pdm_waiting(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    """For feedback officers: the programmes of their organisations whose post-distribution
    monitoring raised complaints not yet taken over, and how many (counts alone)."""
    no_store(response)
    return {
        "programmes": [
            {
                "programme_uid": programme.uid,
                "code": programme.code,
                "name": programme.name_en,
                "organisation": _organisation(programme.organisation),
                "waiting": count,
            }
            for programme, count in selectors.pdm_complaints_waiting(user=request.user)
        ]
    }


@router.post("/pdm-complaints/{programme_uid}/take", response={200: FeedbackPdmTakenOut, **REFUSED})
def pdm_take(
    request: HttpRequest,
    programme_uid: uuid.UUID,
    payload: FeedbackPdmTakeIn,
    response: HttpResponse,
) -> Any:
    """Take over the programme's PDM complaints waiting: each becomes an item of channel
    "pdm"; a sensitive one (asked to pay) goes to the focal points alone."""
    programme = access.access_programme_for_pdm(request.user, programme_uid)
    no_store(response)
    taken = services.pdm_complaints_take(actor=_actor(request), programme=programme)
    return {
        "taken": len(taken),
        "items": [
            {
                "reference": item.reference,
                "sensitive": item.sensitive,
                "uid": item.uid if access.can_read_feedback(request.user, item) else None,
            }
            for item in taken
        ],
    }


# --- trends and the export --------------------------------------------------------------------


def _trends_organisation(request: HttpRequest, organisation_id: uuid.UUID | None) -> Organisation:
    readable = access.organisations_reading_trends(request.user).order_by("acronym")
    found = (
        readable.filter(pk=organisation_id).first()
        if organisation_id is not None
        else readable.first()
    )
    if found is None:
        raise Http404
    return found


@router.get("/trends", response={200: FeedbackTrendsOut, 404: None, 422: FeedbackProblemsOut})
def trends(request: HttpRequest, query: Query[FeedbackTrendsQuery], response: HttpResponse) -> Any:
    """An organisation's feedback by site, category, channel, topic and month, the share
    answered and closed in time, the issues each site raises most. No sensitive item counts."""
    organisation = _trends_organisation(request, query.organisation_id)
    site = None
    if query.site_uid is not None:
        site = sites_visible(request.user).filter(uid=query.site_uid).first()
        if site is None:
            raise ValidationError({"site_uid": "no such site"})
    figures = selectors.trends(
        user=request.user, organisation=organisation, months=query.months, site=site
    )
    per_reader(response, exact=True)
    return exports.trends_out(figures, organisation)


@router.get("/export", response={200: FeedbackExportOut, 404: None})
def export(request: HttpRequest, query: Query[FeedbackExportQuery], response: HttpResponse) -> Any:
    """The organisation's feedback, anonymised: no description, contact or reference; the
    month, not the day (audited where it is made)."""
    organisation = _trends_organisation(request, query.organisation_id)
    rows = selectors.export_rows(user=request.user, organisation=organisation)
    no_store(response)
    return {
        "columns": list(exports.COLUMNS),
        "hxl": list(exports.HXL),
        "rows": [{key: row.get(key, "") for key in exports.COLUMNS} for row in rows],
    }
