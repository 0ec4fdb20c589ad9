"""The referral API at /api/v1/referrals/: thin, over the same services and selectors as the
referral pages (docs/REFERRALS.md). A referral is read on its two sides (``access``): the
receiving side reads of the person only the fields the consent allows today, and never the case
or registry record it came from, nor who sent it. Answers are kept by no cache, every read of a
referral is audited as the page's, and a write the rules refuse is answered 422 with its
problems; a write sent again with its ``key`` answers with what the first made."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from nahrain.core.http import personal_data
from nahrain.core.models import Organisation
from nahrain.core.services import audit_record
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.referrals import access, selectors, services
from nahrain.referrals.models import Case, Referral, ReferralStatus
from nahrain.referrals.schemas import (
    ReferralConsentNarrowIn,
    ReferralConsentWithdrawIn,
    ReferralOut,
    ReferralProblemOut,
    ReferralProblemsOut,
    ReferralQuery,
    ReferralRowOut,
    ReferralSendIn,
    ReferralStepIn,
)
from nahrain.referrals.services import ConsentIn, PersonIn, Problem, ReferralRuleBroken
from nahrain.registry import access as registry_access
from nahrain.registry.models import Individual

router = Router(tags=["referrals"])
# Personal data in the answers, refusals included (a problem can quote what was sent).
router.add_decorator(personal_data, mode="view")

V = TypeVar("V", bound=Callable[..., Any])


def problems_out(broken: ReferralRuleBroken) -> ReferralProblemsOut:
    return ReferralProblemsOut(
        detail=" ".join(str(p.message) for p in broken.problems),
        problems=[
            ReferralProblemOut(rule=p.rule, field=p.field, message=str(p.message))
            for p in broken.problems
        ],
    )


def rules_answered(view: V) -> V:
    """A write the referral rules refuse is answered 422 with its problems."""

    @wraps(view)
    def answered(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except ReferralRuleBroken as broken:
            return Status(422, problems_out(broken))

    return answered  # type: ignore[return-value]


router.add_decorator(rules_answered, mode="operation")

REFUSED = {404: None, 422: ReferralProblemsOut}


def _actor(request: HttpRequest) -> User:
    """The signed-in user (the API's authentication lets no one else through)."""
    user = request.user
    assert isinstance(user, User)
    return user


# --- what the API gives -------------------------------------------------------------------------


def referral_row(referral: Referral, now: Any) -> dict[str, Any]:
    """A referral as the lists give it; ``referral`` has its organisations and point selected."""
    return {
        "uid": referral.uid,
        "service": referral.service,
        "urgency": referral.urgency,
        "status": referral.status,
        "organisation": referral.organisation.acronym,
        "to_organisation": referral.to_organisation.acronym,
        "point_uid": referral.point.uid,
        "sent_at": referral.sent_at,
        "respond_by": referral.respond_by,
        "responded_at": referral.responded_at,
        "appointment_on": referral.appointment_on,
        "overdue": selectors.is_overdue(referral, now),
    }


def _detail(detail: dict[str, Any]) -> dict[str, str | list[str]]:
    return {
        name: [str(v) for v in value] if isinstance(value, list) else str(value)
        for name, value in detail.items()
    }


def referral_out(shown: selectors.ReferralShown) -> dict[str, Any]:
    """A referral as ``selectors.referral_shown`` gives it to its reader: the person as shown,
    and what only the sending side reads (who sent it, from which record or case) to it
    alone."""
    referral = shown.referral
    consent = referral.consent
    entry = selectors.point_entry_shown(referral.point)
    sender = shown.sender
    return {
        **referral_row(referral, timezone.now()),
        "overdue": shown.overdue,
        "sides": sorted(shown.sides),
        "point_name": local_name(entry) if entry is not None else "",
        "transport": referral.transport,
        "decline_reason": referral.decline_reason,
        "person": dict(shown.person),
        "consent": {
            "fields": list(consent.fields),
            "given_on": consent.given_on,
            "until": consent.until,
            "method": consent.method,
            # Who consented tells a child's age band (a caregiver: under 15): the sending side's.
            "given_by": consent.given_by if sender else None,
            "caregiver_relationship": consent.caregiver_relationship if sender else "",
            "child_assent": consent.child_assent if sender else None,
            "withdrawn_on": consent.withdrawn_on,
            "in_force": shown.consent_in_force,
        },
        "events": [
            {
                "status": event.status,
                "at": event.at,
                "organisation": event.organisation.acronym,
                "detail": _detail(event.detail),
            }
            for event in shown.events
        ],
        "steps": list(shown.steps),
        "referred_by": referral.referred_by.get_username() if sender else None,
        "individual_uid": referral.individual.uid
        if sender and referral.individual is not None
        else None,
        "case_uid": referral.case.uid if sender and referral.case is not None else None,
    }


def _shown(request: HttpRequest, referral_uid: Any, via: str) -> selectors.ReferralShown:
    """The referral as the caller sees it now, through its gate; the read is audited, with the
    names of the fields shown and none of their values (``via``: which answer showed it)."""
    found, sides = access.access_referral_by_uid(request.user, referral_uid)
    shown = selectors.referral_shown(user=request.user, referral=found, sides=sides)
    audit_record(
        actor=_actor(request),
        action="referrals.read",
        object_type="referral",
        object_id=found.uid,
        organisation=found.organisation if shown.sender else found.to_organisation,
        detail={"fields": sorted(shown.person), "via": via},
    )
    return shown


# --- the lists ----------------------------------------------------------------------------------


def _rows(found: QuerySet[Referral], filters: ReferralQuery) -> list[dict[str, Any]]:
    now = timezone.now()
    if filters.overdue:
        # Overdue as ``selectors.is_overdue`` says: sent, and not answered by its time.
        found = found.filter(status=ReferralStatus.SENT, respond_by__lt=now)
    page = found[filters.offset : filters.offset + filters.limit]
    return [referral_row(r, now) for r in page]


@router.get("/received", response=list[ReferralRowOut])
def referral_received(request: HttpRequest, filters: Query[ReferralQuery]) -> list[dict[str, Any]]:
    """The referrals the caller's organisations received for the services the caller handles,
    newest first; the person is not in the list."""
    found = selectors.referrals_received(user=request.user, open_only=filters.open)
    return _rows(found, filters)


@router.get("/sent", response=list[ReferralRowOut])
def referral_sent(request: HttpRequest, filters: Query[ReferralQuery]) -> list[dict[str, Any]]:
    """The referrals the caller sent (or that were sent from cases they hold), newest first."""
    found = selectors.referrals_sent(user=request.user, open_only=filters.open)
    return _rows(found, filters)


# --- sending ------------------------------------------------------------------------------------

PERSON_TYPED = ("name", "sex", "age", "phone", "place")


def _referring_organisation(request: HttpRequest, organisation_id: Any) -> Organisation:
    """The organisation a typed person is referred for: the one named among the caller's
    referring organisations, or their only one."""
    organisations = list(access.organisations_with(request.user, access.REFERRING_ROLES))
    if organisation_id is not None:
        for organisation in organisations:
            if organisation.pk == organisation_id:
                return organisation
        raise Http404
    if not organisations:
        raise Http404
    if len(organisations) > 1:
        raise ReferralRuleBroken(
            [
                Problem(
                    "organisation_missing",
                    "organisation_id",
                    _("Say which organisation sends the referral."),
                )
            ]
        )
    return organisations[0]


def _sender(
    request: HttpRequest, payload: ReferralSendIn
) -> tuple[Organisation, PersonIn | None, Individual | None, Case | None]:
    """Who sends, for whom: the registry record or the case the caller reads (in its
    organisation), or a person typed for the caller's referring organisation."""
    typed = {name: getattr(payload, name) for name in PERSON_TYPED}
    given = [payload.individual_uid is not None, payload.case_uid is not None]
    if sum(given) > 1 or (any(given) and any(v not in ("", None) for v in typed.values())):
        raise ReferralRuleBroken(
            [
                Problem(
                    "one_person",
                    "individual_uid",
                    _("Give the person once: a registry record, a case, or their details."),
                )
            ]
        )
    if payload.individual_uid is not None:
        individual = registry_access.access_individual_by_uid(request.user, payload.individual_uid)
        return individual.organisation, None, individual, None
    if payload.case_uid is not None:
        case = access.access_case_by_uid(request.user, payload.case_uid)
        person = PersonIn(
            name=case.name, sex=case.sex, age=case.age, phone=case.phone, place=case.place
        )
        return case.organisation, person, None, case
    organisation = _referring_organisation(request, payload.organisation_id)
    return organisation, PersonIn(**typed), None, None


@router.post("/", response={201: ReferralOut, **REFUSED})
def referral_send(request: HttpRequest, payload: ReferralSendIn) -> Status[Any]:
    """Send a person to a service of a point, with their consent. Sent again with the same
    ``key``, it answers with the referral sent the first time."""
    point = access.access_point_for_referral(request.user, payload.point_uid)
    organisation, person, individual, case = _sender(request, payload)
    if not access.sends_referrals(request.user, organisation):
        raise Http404
    given = payload.consent
    referral = services.referral_send(
        actor=_actor(request),
        organisation=organisation,
        point=point,
        service=payload.service,
        urgency=payload.urgency,
        reason=payload.reason,
        transport=payload.transport,
        person=person,
        individual=individual,
        case=case,
        consent=ConsentIn(
            fields=tuple(given.fields),
            until=given.until,
            method=given.method,
            given_by=given.given_by,
            caregiver_relationship=given.caregiver_relationship,
            child_assent=given.child_assent,
        ),
        key=payload.key,
    )
    return Status(201, referral_out(_shown(request, referral.uid, "api-send")))


# --- one referral -------------------------------------------------------------------------------


@router.get("/{referral_uid}", response={200: ReferralOut, 404: None})
def referral_detail(request: HttpRequest, referral_uid: uuid.UUID) -> dict[str, Any]:
    """A referral as the caller may see it, with its history and the steps they may take
    (the read is audited, with the names of the fields shown and none of their values)."""
    return referral_out(_shown(request, referral_uid, "api"))


@router.post("/{referral_uid}/steps", response={200: ReferralOut, **REFUSED})
def referral_step(
    request: HttpRequest, referral_uid: uuid.UUID, payload: ReferralStepIn
) -> Status[Any]:
    """Take a step: the receiving side acknowledges, accepts or declines (with a reason), sets
    an appointment, records the service provided or the person lost to follow-up; the sender
    closes or withdraws the referral."""
    found, _sides = access.access_referral_by_uid(request.user, referral_uid)
    services.referral_step(
        actor=_actor(request),
        referral=found,
        status=payload.status,
        decline_reason=payload.decline_reason,
        appointment_on=payload.appointment_on,
        key=payload.key,
    )
    return Status(200, referral_out(_shown(request, referral_uid, "api-change")))


def _sent_by_caller(request: HttpRequest, referral_uid: uuid.UUID) -> Referral:
    """A referral whose consent the caller records: one they read on the sending side."""
    found, sides = access.access_referral_by_uid(request.user, referral_uid)
    if access.SENDER not in sides:
        raise Http404
    return found


@router.post("/{referral_uid}/consent/narrow", response={200: ReferralOut, **REFUSED})
def referral_consent_narrow(
    request: HttpRequest, referral_uid: uuid.UUID, payload: ReferralConsentNarrowIn
) -> Status[Any]:
    """The person now shares fewer fields, or until an earlier day; the fields dropped are
    erased from the referral."""
    found = _sent_by_caller(request, referral_uid)
    services.consent_narrow(
        actor=_actor(request),
        referral=found,
        fields=payload.fields,
        until=payload.until,
        key=payload.key,
    )
    return Status(200, referral_out(_shown(request, referral_uid, "api-change")))


@router.post("/{referral_uid}/consent/withdraw", response={200: ReferralOut, **REFUSED})
def referral_consent_withdraw(
    request: HttpRequest, referral_uid: uuid.UUID, payload: ReferralConsentWithdrawIn
) -> Status[Any]:
    """The person withdraws consent: the receiving side reads nothing of them any more, and an
    open referral ends as withdrawn."""
    found = _sent_by_caller(request, referral_uid)
    services.consent_withdraw(actor=_actor(request), referral=found, key=payload.key)
    return Status(200, referral_out(_shown(request, referral_uid, "api-change")))
