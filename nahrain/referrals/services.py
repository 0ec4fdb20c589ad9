"""Writes of referrals and their consent: sending, each step the receiving service takes, the
sender's follow-up, narrowing and withdrawing consent. Keyword-only, one transaction each; a
``key`` makes a resent write return what the first made. Every step checks the consent and tells
the other side (``notify``), with a link and nothing of the person."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from nahrain.core.models import Organisation
from nahrain.core.services import audit_record
from nahrain.referrals import access, codelists, notify
from nahrain.referrals.models import (
    OPEN_STATUSES,
    Case,
    Referral,
    ReferralConsent,
    ReferralEvent,
    ReferralStatus,
    ServicePoint,
    ServicePointVersion,
    VersionStatus,
)
from nahrain.registry import access as registry_access
from nahrain.registry.models import Individual


@dataclass(frozen=True)
class Problem:
    """What a rule refused: the rule's code, the field it is about, the words for the person."""

    rule: str
    field: str
    message: str | Promise


REFERRAL_PURPOSE = "referral"  # the registry's consent purpose "Referral to services"
RESTRICTED_HANDLERS = ("gbv_case_worker", "mhpss_worker")

KEY_USED = _("This key was already used for another change.")


class ReferralRuleBroken(ValidationError):
    """A write the referral rules refuse, with the problems for the person who made it."""

    def __init__(self, problems: Sequence[Problem] | str | Promise) -> None:
        if isinstance(problems, (str, Promise)):
            problems = [Problem("refused", "", problems)]
        self.problems = list(problems)
        super().__init__([str(p.message) for p in self.problems])


@dataclass(frozen=True)
class PersonIn:
    """The person referred, as the referrer records them (copied from the registry record
    when ``individual`` is given)."""

    name: str = ""
    sex: str = ""
    age: int | None = None
    phone: str = ""
    place: str = ""


@dataclass(frozen=True)
class ConsentIn:
    fields: tuple[str, ...]
    until: date
    method: str  # "verbal", "written"
    given_by: str  # "person", "caregiver"
    caregiver_relationship: str = ""
    child_assent: bool | None = None
    given_on: date | None = None  # today when not given


# --- consent ------------------------------------------------------------------------------


def consent_problems(consent: ConsentIn, age: int | None, today: date) -> list[Problem]:
    """What keeps a consent from being valid: unknown fields, dates, and for a child who must
    agree (the caregiver under the age of own consent, the child's assent from the age of
    assent: data/codelists.json "consent_ages")."""
    problems = []
    unknown = set(consent.fields) - set(codelists.codes("shared_fields"))
    if unknown:
        problems.append(Problem("unknown_field", "consent.fields", _("Unknown field to share.")))
    given_on = consent.given_on or today
    if given_on > today:
        problems.append(Problem("future", "consent.given_on", _("Consent cannot be given later.")))
    if consent.until < today:
        problems.append(Problem("expired", "consent.until", _("The consent has already ended.")))
    longest = codelists.consent_longest_days()
    if consent.until > given_on + timedelta(days=longest):
        problems.append(
            Problem(
                "too_long",
                "consent.until",
                _("A consent lasts %(days)s days at most: ask again then.") % {"days": longest},
            )
        )
    if consent.method not in ("verbal", "written"):
        problems.append(Problem("method", "consent.method", _("Say how consent was given.")))
    if consent.given_by not in ("person", "caregiver"):
        problems.append(Problem("given_by", "consent.given_by", _("Say who gave consent.")))
    ages = codelists.consent_ages()
    if age is None:
        problems.append(
            Problem("age_needed", "age", _("The age is needed to know who must give consent."))
        )
    elif age < ages["own_consent_from"]:
        if consent.given_by != "caregiver" or not consent.caregiver_relationship.strip():
            problems.append(
                Problem(
                    "caregiver_consent",
                    "consent.given_by",
                    _("For a child of this age a caregiver gives consent: say who."),
                )
            )
        if age >= ages["assent_from"] and consent.child_assent is not True:
            problems.append(
                Problem(
                    "child_assent",
                    "consent.child_assent",
                    _("A child of this age must also agree (assent) before a referral."),
                )
            )
    elif age >= ages["adult_from"] and consent.given_by != "person":
        problems.append(
            Problem("own_consent", "consent.given_by", _("An adult gives consent themselves."))
        )
    return problems


# --- sending ------------------------------------------------------------------------------


def _restricted(service: str) -> bool:
    """A service whose referrals only GBV case workers or MHPSS workers read (an unknown code is
    none: the rules refuse it later)."""
    try:
        return codelists.handled_by(service) in RESTRICTED_HANDLERS
    except KeyError:
        return False


def _person_key(
    organisation: Organisation,
    actor: User,
    service: str,
    individual: Individual | None,
    case: Case | None,
    person: PersonIn,
) -> str:
    """Who the person is, for "one open referral of a person to a service": their registry
    record or case, or a keyed hash of what was typed (never the values themselves). A refusal
    "already open" must not tell a worker of a referral they may not read: a typed person is
    the sending worker's alone, and so is a registry person's referral to a GBV or MHPSS
    service (another worker's would reveal it)."""
    if case is not None:
        return f"c:{case.uid}"
    if individual is not None:
        if _restricted(service):
            return f"i:{individual.uid}:{actor.pk}"
        return f"i:{individual.uid}"
    typed = "|".join(
        [
            str(organisation.pk),
            str(actor.pk),
            " ".join(person.name.split()).casefold(),
            person.sex,
            person.phone,
        ]
    )
    digest = hmac.new(settings.SECRET_KEY.encode(), typed.encode(), hashlib.sha256).hexdigest()
    return f"p:{digest[:40]}"


def _from_registry(individual: Individual, today: date, *, phone: bool) -> PersonIn:
    household = individual.household
    born = individual.born_on
    age = None
    if born is not None:
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    name = " ".join(
        part for part in (individual.first_ar, individual.father_ar, individual.family_ar) if part
    ) or " ".join(p for p in (individual.first_lat, individual.family_lat) if p)
    site = household.site
    place = site.name_en if site is not None else household.address
    # The household's phone is often the head's: for a GBV or MHPSS service it is not copied (the
    # worker asks the person for a safe number).
    return PersonIn(
        name=name, sex=individual.sex, age=age, phone=household.phone if phone else "", place=place
    )


def current_offer(point: ServicePoint, service: str) -> ServicePointVersion | None:
    """The point's current entry, when it offers the service and is open today."""
    today = timezone.localdate()
    return (
        ServicePointVersion.objects.filter(
            point=point, status=VersionStatus.CURRENT, offers__service=service
        )
        .filter(Q(active_from__isnull=True) | Q(active_from__lte=today))
        .filter(Q(active_until__isnull=True) | Q(active_until__gte=today))
        .select_related("point")
        .first()
    )


@transaction.atomic
def referral_send(
    *,
    actor: User,
    organisation: Organisation,
    point: ServicePoint,
    service: str,
    urgency: str,
    consent: ConsentIn,
    person: PersonIn | None = None,
    individual: Individual | None = None,
    case: Case | None = None,
    reason: str = "",
    transport: bool = False,
    key: str | None = None,
) -> Referral:
    """Send a person to a service of a point (another organisation's, or one's own). The
    referral keeps the consent and, of the person, only the fields it covers; the receiving
    side reads them while it is in force. Refused without a valid consent, to a service the
    point does not offer now, and while the person has an open referral to the same service
    there."""
    if not access.sends_referrals(actor, organisation):
        raise ReferralRuleBroken(_("You do not send referrals for this organisation."))
    if key:
        sent = Referral.objects.filter(organisation=organisation, key=key).first()
        if sent is not None:
            # Another worker's key, or another referral's: refused, never answered with theirs.
            if (
                sent.referred_by_id != actor.pk
                or sent.point_id != point.pk
                or sent.service != service
            ):
                raise ReferralRuleBroken([Problem("key_used", "key", KEY_USED)])
            return sent
    today = timezone.localdate()
    now = timezone.now()
    if individual is not None:
        if (
            individual.organisation_id != organisation.pk
            or not registry_access.individuals_readable(actor).filter(pk=individual.pk).exists()
        ):
            raise ReferralRuleBroken(_("The person is not in this organisation's registry."))
        if not registry_access.purpose_in_force(individual.household, REFERRAL_PURPOSE, today):
            raise ReferralRuleBroken(
                [
                    Problem(
                        "no_registry_consent",
                        "individual",
                        _(
                            "The household has not agreed to referrals to services (or has "
                            "withdrawn it): record that consent in the registry first."
                        ),
                    )
                ]
            )
        person = _from_registry(individual, today, phone=not _restricted(service))
    if case is not None and (
        case.organisation_id != organisation.pk
        or not access.cases_readable(actor).filter(pk=case.pk).exists()
    ):
        raise ReferralRuleBroken(_("The case is not this organisation's."))
    if case is not None and person is None:
        person = PersonIn(
            name=case.name, sex=case.sex, age=case.age, phone=case.phone, place=case.place
        )
    person = person or PersonIn()
    problems = consent_problems(consent, person.age, today)
    if urgency not in codelists.codes("urgencies"):
        problems.append(Problem("urgency", "urgency", _("Choose how urgent the referral is.")))
    if service not in codelists.codes("service_types") or current_offer(point, service) is None:
        problems.append(
            Problem("not_offered", "service", _("This service point does not offer the service."))
        )
    if person.sex not in ("", "m", "f"):
        problems.append(Problem("sex", "sex", _("Unknown sex.")))
    if problems:
        raise ReferralRuleBroken(problems)
    person_key = _person_key(organisation, actor, service, individual, case, person)
    if Referral.objects.filter(
        person_key=person_key, point=point, service=service, status__in=OPEN_STATUSES
    ).exists():
        raise ReferralRuleBroken(
            [
                Problem(
                    "already_open",
                    "service",
                    _("This person already has an open referral to this service here."),
                )
            ]
        )
    hours = codelists.respond_hours(urgency)
    shared = set(consent.fields)
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                organisation=organisation,
                referred_by=actor,
                case=case,
                point=point,
                to_organisation=point.organisation,
                service=service,
                person_key=person_key,
                individual=individual,
                # The referral carries the consented fields alone: the rest stays with the
                # sender's own record (the registry, the case), if any.
                name=person.name.strip()[:200] if "name" in shared else "",
                sex=person.sex if "sex" in shared else "",
                age=person.age if "age" in shared else None,
                phone=person.phone.strip()[:32] if "phone" in shared else "",
                place=person.place.strip()[:200] if "place" in shared else "",
                reason=reason.strip()[:1000] if "reason" in shared else "",
                urgency=urgency,
                transport=transport,
                sent_at=now,
                respond_by=now + timedelta(hours=hours),
                key=key or None,
            )
    except IntegrityError:
        # Another sending won the race: the same one sent twice at once (its key), whose
        # referral is the answer, as when it is sent again later; or another sending of the
        # same person to the same service.
        sent = Referral.objects.filter(organisation=organisation, key=key).first() if key else None
        if sent is not None and sent.point_id == point.pk and sent.service == service:
            return sent
        raise ReferralRuleBroken(
            [
                Problem(
                    "already_open",
                    "service",
                    _("This person already has an open referral to this service here."),
                )
            ]
        ) from None
    ReferralConsent.objects.create(
        referral=referral,
        organisation=point.organisation,
        fields=sorted(set(consent.fields)),
        given_on=consent.given_on or today,
        until=consent.until,
        method=consent.method,
        given_by=consent.given_by,
        caregiver_relationship=consent.caregiver_relationship.strip()[:40],
        child_assent=consent.child_assent,
        recorded_by=actor,
    )
    _event(referral, ReferralStatus.SENT, actor, organisation, key=None)
    _audit(actor, "sent", referral, organisation)
    notify.referral_changed(referral, ReferralStatus.SENT)
    return referral


# --- the steps ----------------------------------------------------------------------------

# Which step follows which, and which side takes it.
RECEIVER_STEPS: dict[str, tuple[str, ...]] = {
    "acknowledged": ("sent",),
    "accepted": ("sent", "acknowledged"),
    "declined": ("sent", "acknowledged", "accepted"),
    "appointment": ("accepted", "appointment"),
    "provided": ("accepted", "appointment"),
    "lost": ("accepted", "appointment"),
}
SENDER_STEPS: dict[str, tuple[str, ...]] = {
    "closed": ("provided", "declined", "lost"),
    "withdrawn": ("sent", "acknowledged", "accepted", "appointment"),
}
# The steps that hand the person on: each needs the consent in force.
HAND_OFFS = ("acknowledged", "accepted", "appointment", "provided")


@transaction.atomic
def referral_step(
    *,
    actor: User,
    referral: Referral,
    status: str,
    decline_reason: str = "",
    appointment_on: date | None = None,
    note: str = "",
    key: str | None = None,
) -> Referral:
    """Take one step of a referral: the receiving service acknowledges, accepts or declines
    (with a reason), sets an appointment, records the service provided or the person lost to
    follow-up; the sender closes it or withdraws it. Each hand-off checks the consent."""
    # Lock the referral alone: its consent is on the nullable side of the join (PostgreSQL
    # refuses to lock it there).
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("consent")
        .get(pk=referral.pk)
    )
    if key:
        done = locked.events.filter(key=key).first()
        if done is not None:
            if done.status != status:
                raise ReferralRuleBroken([Problem("key_used", "key", KEY_USED)])
            return locked
    today = timezone.localdate()
    # On which side the actor stands is read here, under the lock, not taken from the caller.
    sides = access.referral_sides(actor, locked)
    if status in RECEIVER_STEPS and access.RECEIVER in sides:
        before = RECEIVER_STEPS[status]
        organisation = locked.to_organisation
    elif status in SENDER_STEPS and access.SENDER in sides:
        before = SENDER_STEPS[status]
        organisation = locked.organisation
    else:
        raise ReferralRuleBroken(_("You cannot take this step on this referral."))
    if locked.status not in before:
        raise ReferralRuleBroken(
            [Problem("wrong_step", "status", _("This step does not follow the referral's last."))]
        )
    if status in HAND_OFFS and not access.consent_in_force(locked, today):
        raise ReferralRuleBroken(
            [
                Problem(
                    "no_consent",
                    "consent",
                    _("The person's consent is no longer in force: the referral cannot go on."),
                )
            ]
        )
    detail: dict[str, Any] = {}
    if status == "declined":
        if decline_reason not in codelists.codes("decline_reasons"):
            raise ReferralRuleBroken(
                [Problem("reason", "decline_reason", _("Say why the referral is declined."))]
            )
        locked.decline_reason = decline_reason
        detail["reason"] = decline_reason
    if status == "appointment":
        if appointment_on is None or appointment_on < today:
            raise ReferralRuleBroken(
                [Problem("date", "appointment_on", _("Give the appointment's date, not past."))]
            )
        locked.appointment_on = appointment_on
        detail["on"] = appointment_on.isoformat()
    if locked.responded_at is None and organisation == locked.to_organisation:
        locked.responded_at = timezone.now()
    locked.status = status
    locked.save()
    _event(locked, status, actor, organisation, key=key, detail=detail)
    _audit(actor, status, locked, organisation)
    notify.referral_changed(locked, status)
    return locked


# --- consent changes ----------------------------------------------------------------------


@transaction.atomic
def consent_narrow(
    *,
    actor: User,
    referral: Referral,
    fields: Sequence[str],
    until: date | None = None,
    key: str | None = None,
) -> ReferralConsent:
    """The person shares less (fewer fields) or for a shorter time: never more, which takes a
    new consent and a new referral. The fields dropped are erased from the referral."""
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    _sender_checked(actor, locked)
    consent = ReferralConsent.objects.select_for_update().get(referral=locked)
    if key and locked.events.filter(key=key).exists():
        return consent
    if consent.withdrawn_on is not None:
        raise ReferralRuleBroken(_("The consent was withdrawn."))
    kept = sorted(set(fields))
    if not set(kept) <= set(consent.fields):
        raise ReferralRuleBroken(
            [Problem("wider", "fields", _("Consent can only be narrowed here, never widened."))]
        )
    if until is not None and until > consent.until:
        raise ReferralRuleBroken(
            [Problem("later", "until", _("Consent can only end earlier here, never later."))]
        )
    dropped = sorted(set(consent.fields) - set(kept))
    consent.fields = kept
    if until is not None:
        consent.until = until
    consent.save()
    _erase(locked, dropped)
    _event(
        locked,
        "consent_narrowed",
        actor,
        locked.organisation,
        key=key,
        detail={"dropped": dropped, "until": consent.until.isoformat()},
    )
    _audit(actor, "consent_narrowed", locked, locked.organisation)
    notify.referral_changed(locked, "consent_narrowed")
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, referral: Referral, key: str | None = None) -> Referral:
    """The person withdraws consent: the receiving side reads nothing of them any more, the
    fields are erased from the referral, and an open referral ends as withdrawn."""
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    _sender_checked(actor, locked)
    consent = ReferralConsent.objects.select_for_update().get(referral=locked)
    if consent.withdrawn_on is not None or (key and locked.events.filter(key=key).exists()):
        return locked  # withdrawn once: a second withdrawal changes nothing, tells nobody
    consent.withdrawn_on = timezone.localdate()
    consent.save()
    _erase(locked, list(consent.fields))
    if locked.status in OPEN_STATUSES:
        locked.status = ReferralStatus.WITHDRAWN
        locked.save()
    _event(locked, "consent_withdrawn", actor, locked.organisation, key=key)
    _audit(actor, "consent_withdrawn", locked, locked.organisation)
    notify.referral_changed(locked, "consent_withdrawn")
    return locked


def _sender_checked(actor: User, referral: Referral) -> None:
    """Consent is the sender's to record: the worker who met the person."""
    if access.SENDER not in access.referral_sides(actor, referral):
        raise ReferralRuleBroken(_("Only the sending side changes the person's consent."))


def _erase(referral: Referral, fields: Sequence[str]) -> None:
    """Blank the fields a consent no longer covers: the referral keeps no copy of them (the
    sender's own record, when there is one, is untouched)."""
    blank: dict[str, Any] = {"age": None}
    for name in fields:
        setattr(referral, name, blank.get(name, ""))
    referral.save()


# --- shared -------------------------------------------------------------------------------


def _event(
    referral: Referral,
    status: str,
    actor: User,
    organisation: Organisation,
    *,
    key: str | None,
    detail: dict[str, Any] | None = None,
) -> ReferralEvent:
    return ReferralEvent.objects.create(
        referral=referral,
        status=status,
        actor=actor,
        organisation=organisation,
        detail=detail or {},
        key=key or None,
    )


def _audit(actor: User, action: str, referral: Referral, organisation: Organisation) -> None:
    audit_record(
        actor=actor,
        action=f"referrals.{action}",
        object_type="referral",
        object_id=referral.uid,
        organisation=organisation,
    )
