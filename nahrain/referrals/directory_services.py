"""Writes of the service directory: a service mapper adds a point (its first draft), edits a
draft (made from the current entry when there is none), publishes it (the current entry before
it is archived) and archives a point that no longer serves. Keyword-only, one transaction each;
each change is audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nahrain.core.models import Organisation
from nahrain.core.services import audit_record
from nahrain.geo.models import AdminUnit
from nahrain.referrals import access, codelists
from nahrain.referrals.models import (
    MobileVisit,
    ServiceOffer,
    ServicePoint,
    ServicePointVersion,
    VersionStatus,
)
from nahrain.referrals.services import Problem, ReferralRuleBroken
from nahrain.sites.models import Site


@dataclass(frozen=True)
class OfferIn:
    service: str
    sexes: tuple[str, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class VisitIn:
    weekdays: tuple[int, ...]
    site: Site | None = None
    admin_unit: AdminUnit | None = None
    hours: str = ""


@dataclass(frozen=True)
class PointIn:
    """What a service mapper writes of a point."""

    kind: str
    name_en: str
    admin_unit: AdminUnit
    offers: tuple[OfferIn, ...]
    name_ar: str = ""
    name_ckb: str = ""
    site: Site | None = None
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    hours: str = ""
    languages: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""
    capacity_per_week: int | None = None
    waiting_days: int | None = None
    active_from: date | None = None
    active_until: date | None = None
    note: str = ""
    visits: tuple[VisitIn, ...] = field(default=())


def point_problems(point: PointIn) -> list[Problem]:
    problems = []
    if point.kind not in codelists.codes("point_kinds"):
        problems.append(Problem("kind", "kind", _("Choose the kind of service point.")))
    if not point.name_en.strip() and not point.name_ar.strip():
        problems.append(Problem("name", "name_en", _("Give the point's name.")))
    if not point.offers:
        problems.append(Problem("offers", "offers", _("Say which services the point offers.")))
    services = [o.service for o in point.offers]
    if len(set(services)) != len(services):
        problems.append(Problem("offers", "offers", _("A service is listed twice.")))
    for offer in point.offers:
        if offer.service not in codelists.codes("service_types"):
            problems.append(Problem("service", "offers", _("Not a service of the directory.")))
        if not set(offer.sexes) <= {"m", "f"}:
            problems.append(Problem("sexes", "offers", _("Unknown sex.")))
        if not set(offer.groups) <= set(codelists.codes("population_groups")):
            problems.append(Problem("groups", "offers", _("Unknown population group.")))
        if (
            offer.age_min is not None
            and offer.age_max is not None
            and offer.age_min > offer.age_max
        ):
            problems.append(Problem("ages", "offers", _("The youngest age is above the oldest.")))
    if not set(point.languages) <= set(codelists.codes("languages")):
        problems.append(Problem("languages", "languages", _("Unknown language.")))
    if (point.latitude is None) != (point.longitude is None) or (
        point.latitude is not None
        and point.longitude is not None
        and not (-90 <= point.latitude <= 90 and -180 <= point.longitude <= 180)
    ):
        problems.append(Problem("coordinates", "latitude", _("Give both coordinates, in degrees.")))
    if point.active_from and point.active_until and point.active_from > point.active_until:
        problems.append(Problem("dates", "active_until", _("The end is before the start.")))
    if point.visits and point.kind != "mobile_team":
        problems.append(Problem("visits", "visits", _("Only a mobile team has a visit schedule.")))
    for visit in point.visits:
        if not visit.weekdays or not set(visit.weekdays) <= set(range(1, 8)):
            problems.append(Problem("weekdays", "visits", _("Give the days of the week visited.")))
        if visit.site is None and visit.admin_unit is None:
            problems.append(Problem("visit_place", "visits", _("Say where the team goes.")))
    return problems


def _write(version: ServicePointVersion, point: PointIn, actor: User) -> ServicePointVersion:
    for name in (
        "kind",
        "admin_unit",
        "site",
        "latitude",
        "longitude",
        "capacity_per_week",
        "waiting_days",
        "active_from",
        "active_until",
    ):
        setattr(version, name, getattr(point, name))
    for name in ("name_en", "name_ar", "name_ckb", "address", "hours", "phone", "email", "note"):
        setattr(version, name, getattr(point, name).strip())
    version.languages = list(point.languages)
    version.edited_by = actor
    try:
        version.full_clean(exclude=["point", "number", "status", "edited_by", "published_by"])
    except ValidationError as error:
        # The model's own checks (an e-mail address, a length): the same refusal as the rules'.
        raise ReferralRuleBroken(
            [
                Problem("invalid", name, message)
                for name, messages in error.message_dict.items()
                for message in messages
            ]
        ) from None
    version.save()
    version.offers.all().delete()
    ServiceOffer.objects.bulk_create(
        ServiceOffer(
            version=version,
            service=o.service,
            sexes=sorted(set(o.sexes)),
            age_min=o.age_min,
            age_max=o.age_max,
            groups=sorted(set(o.groups)),
        )
        for o in point.offers
    )
    version.visits.all().delete()
    MobileVisit.objects.bulk_create(
        MobileVisit(
            version=version,
            site=v.site,
            admin_unit=v.admin_unit,
            weekdays=sorted(set(v.weekdays)),
            hours=v.hours.strip()[:100],
        )
        for v in point.visits
    )
    return version


def _mapper_checked(actor: User, organisation: Organisation) -> None:
    if not access.maps_services(actor, organisation):
        raise ReferralRuleBroken(_("You do not map this organisation's services."))


@transaction.atomic
def point_create(
    *, actor: User, organisation: Organisation, point: PointIn, key: str | None = None
) -> ServicePoint:
    """A new service point of the organisation, as a first draft. A ``key`` (the form's) makes
    the same form sent twice add one point."""
    _mapper_checked(actor, organisation)
    if key:
        made = ServicePoint.objects.filter(organisation=organisation, key=key).first()
        if made is not None:
            return made
    problems = point_problems(point)
    if problems:
        raise ReferralRuleBroken(problems)
    created = ServicePoint.objects.create(
        organisation=organisation, created_by=actor, key=key or None
    )
    _write(ServicePointVersion(point=created, number=1, status=VersionStatus.DRAFT), point, actor)
    _audit(actor, "point_created", created)
    return created


@transaction.atomic
def draft_save(*, actor: User, point: ServicePoint, entry: PointIn) -> ServicePointVersion:
    """Write the point's draft: the one being edited, or a new one after the current entry."""
    locked = ServicePoint.objects.select_for_update().get(pk=point.pk)
    _mapper_checked(actor, locked.organisation)
    problems = point_problems(entry)
    if problems:
        raise ReferralRuleBroken(problems)
    draft = locked.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is None:
        number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        draft = ServicePointVersion(point=locked, number=number, status=VersionStatus.DRAFT)
    _write(draft, entry, actor)
    _audit(actor, "draft_saved", locked)
    return draft


@transaction.atomic
def draft_publish(*, actor: User, point: ServicePoint) -> ServicePointVersion:
    """The draft becomes the entry the response reads; the one before it is archived."""
    locked = ServicePoint.objects.select_for_update().get(pk=point.pk)
    _mapper_checked(actor, locked.organisation)
    draft = locked.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is None:
        raise ReferralRuleBroken(_("There is no draft to publish."))
    locked.versions.filter(status=VersionStatus.CURRENT).update(status=VersionStatus.ARCHIVED)
    draft.status = VersionStatus.CURRENT
    draft.published_by = actor
    draft.published_at = timezone.now()
    draft.save(update_fields=["status", "published_by", "published_at"])
    _audit(actor, "published", locked, version=draft.number)
    return draft


@transaction.atomic
def point_archive(*, actor: User, point: ServicePoint) -> None:
    """The point no longer serves: its current entry is archived (its draft dropped), so no
    referral can be sent to it; referrals already sent go on."""
    locked = ServicePoint.objects.select_for_update().get(pk=point.pk)
    _mapper_checked(actor, locked.organisation)
    locked.versions.filter(status=VersionStatus.DRAFT).delete()
    locked.versions.filter(status=VersionStatus.CURRENT).update(status=VersionStatus.ARCHIVED)
    _audit(actor, "archived", locked)


def _audit(actor: User, action: str, point: ServicePoint, **detail: Any) -> None:
    audit_record(
        actor=actor,
        action=f"directory.{action}",
        object_type="service_point",
        object_id=point.uid,
        organisation=point.organisation,
        detail=detail,
    )


def offers_from(rows: Sequence[dict[str, Any]]) -> tuple[OfferIn, ...]:
    """Offers from plain rows (a form's, the API's)."""
    return tuple(
        OfferIn(
            service=str(row["service"]),
            sexes=tuple(row.get("sexes") or ()),
            age_min=row.get("age_min"),
            age_max=row.get("age_max"),
            groups=tuple(row.get("groups") or ()),
        )
        for row in rows
    )
