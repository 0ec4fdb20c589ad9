"""The registry API at /api/v1/registry/: thin, over the same services and selectors as the
pages. Every answer is personal data of the holding organisation, read by its registration
officers and site managers alone (``registry.access``): none may be kept by a cache, and every
read of a household is audited."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from nahrain.core.http import personal_data
from nahrain.core.models import Organisation
from nahrain.core.problems import rule_words
from nahrain.geo.models import AdminUnit
from nahrain.registry import access, codelists, matching, rules, selectors, services
from nahrain.registry.models import Consent, Household, Individual, Visit
from nahrain.registry.schemas import (
    ConsentIn,
    ConsentOut,
    DeathIn,
    DepartureIn,
    HouseholdIn,
    HouseholdOut,
    HouseholdQuery,
    HouseholdRowOut,
    HouseholdUpdateIn,
    IndividualOut,
    MemberAddIn,
    MemberIn,
    MemberUpdateIn,
    MergeIn,
    MoveIn,
    RegistryProblemOut,
    RegistryProblemsOut,
    SplitIn,
    VisitIn,
    VisitOut,
    WithdrawIn,
)
from nahrain.sites.access import sites_visible
from nahrain.sites.models import ShelterUnit, Site

router = Router(tags=["registry"])
# Personal data in every answer, refusals included (a problem can quote what was sent).
router.add_decorator(personal_data, mode="view")

V = TypeVar("V", bound=Callable[..., Any])


def problems_out(broken: services.RegistryRuleBroken) -> RegistryProblemsOut:
    return RegistryProblemsOut(
        detail=" ".join(p.message for p in broken.problems),
        problems=[
            RegistryProblemOut(
                rule=p.rule, field=p.field, message=p.message, words=rule_words(p.rule)
            )
            for p in broken.problems
        ],
    )


def rules_answered(view: V) -> V:
    """A write the registry's rules refuse is answered 422 with its problems."""

    @wraps(view)
    def answered(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except services.RegistryRuleBroken as broken:
            return Status(422, problems_out(broken))

    return answered  # type: ignore[return-value]


router.add_decorator(rules_answered, mode="operation")

REFUSED = {404: None, 422: RegistryProblemsOut}


def _actor(request: HttpRequest) -> User:
    """The signed-in user (the API's authentication lets no one else through)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _admin_unit(pcode: str | None, field: str) -> AdminUnit | None:
    if not pcode:
        return None
    unit = AdminUnit.objects.defer("geometry").filter(pcode=pcode.strip().upper()).first()
    if unit is None:
        raise services.RegistryRuleBroken(
            [rules.Problem("unknown_pcode", field, f"{pcode!r} is not a known p-code.")]
        )
    return unit


def _site(user: Any, site_uid: uuid.UUID | None) -> Site | None:
    """A site the household lives in: any site the user sees (a camp may be managed by another
    organisation than the one registering its residents)."""
    if site_uid is None:
        return None
    site = sites_visible(user).select_related("admin_unit").defer("admin_unit__geometry")
    found = site.filter(uid=site_uid).first()
    if found is None:
        raise services.RegistryRuleBroken(
            [rules.Problem("unknown_site", "site_uid", "Not a site you can see.")]
        )
    return found


def _unit(site: Site | None, unit_uid: uuid.UUID | None) -> ShelterUnit | None:
    if unit_uid is None:
        return None
    unit = ShelterUnit.objects.filter(uid=unit_uid, site=site).first() if site else None
    if unit is None:
        raise services.RegistryRuleBroken(
            [rules.Problem("unit_site", "unit_uid", "The shelter unit is not in this site.")]
        )
    return unit


def _member_in(member: MemberIn) -> rules.MemberIn:
    fields = member.dict(exclude={"documents", "on", "birth"})
    documents = [rules.DocumentIn(d.kind, d.held, d.number) for d in member.documents]
    return rules.MemberIn(**fields, documents=documents)


# --- what the API gives -------------------------------------------------------------------------


def _head(household: Household) -> str:
    heads = getattr(household, "heads", None)
    if heads is None:
        heads = list(household.members.filter(relationship="head", status="active"))
    return heads[0].name_written if heads else ""


def household_row(household: Household) -> dict[str, Any]:
    """A household as the list gives it; ``household`` has its organisation, site, unit and
    admin unit selected."""
    return {
        "uid": household.uid,
        "number": household.number,
        "organisation": household.organisation.acronym,
        "status": household.status,
        "head": _head(household),
        "size": household.size,
        "site_uid": household.site.uid if household.site else None,
        "site": household.site.code if household.site else "",
        "unit": household.unit.code if household.unit else "",
        "admin_unit": household.admin_unit.pcode if household.admin_unit else None,
        "registered_on": household.registered_on,
        "vulnerabilities": list(household.vulnerabilities),
    }


def member_out(member: Individual, told: list[matching.Notice] | None = None) -> dict[str, Any]:
    """A member as the API gives it, with its open possible duplicates as its organisation is
    told of them (``told``, else read here)."""
    fields = {
        name: getattr(member, name)
        for name in IndividualOut.model_fields
        if name not in ("household_uid", "age", "wg", "documents", "possible_duplicates")
    }
    if told is None:
        told = matching.notices([member.pk]).get(member.pk, [])
    today = timezone.localdate()
    end = member.died_on or today
    return {
        **fields,
        "household_uid": member.household.uid,
        "age": codelists.age_on(member.born_on, end) if member.born_on else None,
        "wg": {
            domain: answer
            for domain in rules.WG_FIELDS
            if (answer := getattr(member, f"wg_{domain}")) is not None
        },
        "documents": [
            {"kind": d.kind, "held": d.held, "number": d.number} for d in member.documents.all()
        ],
        "possible_duplicates": [
            {
                "same_organisation": notice.same_organisation,
                "household_uid": notice.household_uid,
                "organisation": notice.organisation,
                "message": notice.message,
            }
            for notice in told
        ],
    }


def consent_out(consent: Consent) -> dict[str, Any]:
    return {
        "uid": consent.uid,
        "purpose": consent.purpose,
        "shared_with": consent.shared_with_id,
        "given_on": consent.given_on,
        "given_by": consent.given_by,
        "withdrawn_on": consent.withdrawn_on,
    }


def visit_out(visit: Visit) -> dict[str, Any]:
    return {
        "uid": visit.uid,
        "on": visit.on,
        "outcome": visit.outcome,
        "members_seen": visit.members_seen,
        "note": visit.note,
    }


def household_out(request: HttpRequest, household: Household) -> dict[str, Any]:
    """The household's whole record; ``household`` came through its gate."""
    record = selectors.household_record(user=request.user, household=household)
    told = matching.notices(m.pk for m in record.members)
    return {
        **household_row(household),
        "phone": household.phone,
        "address": household.address,
        "origin": household.origin.pcode if household.origin else None,
        "origin_place": household.origin_place,
        "displaced_on": household.displaced_on,
        "left_on": household.left_on,
        "merged_into_uid": record.merged_into_uid,
        "split_from_uid": record.split_from_uid,
        "members": [member_out(m, told.get(m.pk, [])) for m in record.members],
        "consents": [consent_out(c) for c in record.consents],
        "stays": [
            {
                "site_uid": s.site.uid if s.site else None,
                "unit": s.unit.code if s.unit else "",
                "admin_unit": s.admin_unit.pcode if s.admin_unit else None,
                "start": s.start,
                "end": s.end,
            }
            for s in record.stays
        ],
        "visits": [visit_out(v) for v in record.visits],
        "events": [
            {"kind": e.kind, "on": e.on, "changes": e.changes, "note": e.note, "at": e.at}
            for e in record.events
        ],
    }


def household_written(request: HttpRequest, household_uid: Any) -> dict[str, Any]:
    """The household's whole record as a write left it, read afresh through its gate."""
    return household_out(request, access.access_household_by_uid(request.user, household_uid))


# --- households: list, registration, the record ------------------------------------------------


@router.get("/households", response=list[HouseholdRowOut])
def household_list(request: HttpRequest, filters: Query[HouseholdQuery]) -> list[dict[str, Any]]:
    """The households the caller reads (their organisation's registry), by registration
    number; ``q`` searches them by name, phone, document or registration number instead. The
    listing is audited by its count."""
    if filters.q.strip():
        found = selectors.household_search(
            user=request.user, q=filters.q, limit=filters.limit, via="api"
        )
        households = selectors.households_in_order(user=request.user, uids=[h.uid for h in found])
    else:
        households = selectors.household_page(
            user=request.user,
            organisation_id=filters.organisation_id,
            site_uid=filters.site_uid,
            status=filters.status,
            offset=filters.offset,
            limit=filters.limit,
        )
        services.search_made(
            actor=_actor(request),
            organisation_ids=sorted({h.organisation_id for h in households}),
            results=len(households),
            via="api",
        )
    return [household_row(h) for h in households]


def _registering_organisation(request: HttpRequest, organisation_id: Any) -> Organisation:
    """The organisation a registration goes into: the one named, or the caller's only one."""
    if organisation_id is not None:
        return access.access_organisation_for_registry(request.user, organisation_id)
    organisations = list(
        Organisation.objects.filter(pk__in=access.registry_organisations(request.user))[:2]
    )
    if not organisations:
        raise Http404
    if len(organisations) > 1:
        raise services.RegistryRuleBroken(
            [
                rules.Problem(
                    "organisation_missing",
                    "organisation_id",
                    "Say which organisation registers the household.",
                )
            ]
        )
    return organisations[0]


@router.post("/households", response={201: HouseholdOut, **REFUSED})
def household_register(request: HttpRequest, payload: HouseholdIn) -> Status[Any]:
    """Register a household in one step: its members and their documents, where it lives, its
    consent. Sent again with the same ``key``, it answers with the household registered the
    first time."""
    organisation = _registering_organisation(request, payload.organisation_id)
    site = _site(request.user, payload.site_uid)
    household = services.household_register(
        actor=_actor(request),
        organisation=organisation,
        registered_on=payload.registered_on,
        members=[_member_in(m) for m in payload.members],
        site=site,
        unit=_unit(site, payload.unit_uid),
        admin_unit=_admin_unit(payload.admin_unit, "admin_unit"),
        address=payload.address,
        origin=_admin_unit(payload.origin, "origin"),
        origin_place=payload.origin_place,
        displaced_on=payload.displaced_on,
        phone=payload.phone,
        vulnerabilities=payload.vulnerabilities,
        consents=payload.consents,
        consent_given_by=payload.consent_given_by,
        key=payload.key,
        declared_size=payload.declared_size,
    )
    return Status(201, household_written(request, household.uid))


@router.get("/households/{household_uid}", response={200: HouseholdOut, 404: None})
def household_detail(request: HttpRequest, household_uid: uuid.UUID) -> dict[str, Any]:
    """A household's whole record: members, documents, consents, stays, visits and history
    (the read is audited)."""
    household = access.access_household_by_uid(request.user, household_uid)
    services.household_read(actor=_actor(request), household=household, via="api")
    return household_out(request, household)


def _on(day: date | None) -> date:
    return day or timezone.localdate()


@router.patch("/households/{household_uid}", response={200: HouseholdOut, **REFUSED})
def household_update(
    request: HttpRequest, household_uid: uuid.UUID, payload: HouseholdUpdateIn
) -> Status[Any]:
    """Change the household's own details; what is left out stays as it is."""
    household = access.access_household_by_uid(request.user, household_uid)
    changes = payload.dict(exclude_unset=True, exclude={"on", "key"})
    if "origin" in changes:
        changes["origin"] = _admin_unit(changes["origin"], "origin")
    if "vulnerabilities" in changes:
        changes["vulnerabilities_recorded"] = changes.pop("vulnerabilities") or []
    for text in ("phone", "address", "origin_place"):
        if text in changes and changes[text] is None:
            changes[text] = ""
    services.household_update(
        actor=_actor(request), household=household, on=_on(payload.on), key=payload.key, **changes
    )
    return Status(200, household_written(request, household_uid))


# --- members: joining, corrections, deaths -----------------------------------------------------


@router.post("/households/{household_uid}/members", response={201: IndividualOut, **REFUSED})
def member_add(request: HttpRequest, household_uid: uuid.UUID, payload: MemberAddIn) -> Status[Any]:
    """A member joins the household: a child born into it (``birth``) or a person joining."""
    household = access.access_household_by_uid(request.user, household_uid)
    member = _member_in(payload)
    member.key = None  # the key is the change's
    added = services.member_add(
        actor=_actor(request),
        household=household,
        member=member,
        on=payload.on,
        birth=payload.birth,
        key=payload.key,
    )
    return Status(201, member_out(access.access_individual_by_uid(request.user, added.uid)))


@router.patch("/members/{individual_uid}", response={200: IndividualOut, **REFUSED})
def member_update(
    request: HttpRequest, individual_uid: uuid.UUID, payload: MemberUpdateIn
) -> Status[Any]:
    """Correct a member's details; what is left out stays as it is."""
    individual = access.access_individual_by_uid(request.user, individual_uid)
    # A null leaves as it is what a member always has (a sex, a name part, the flags); a
    # Washington Group answer or a date of birth can be cleared.
    changes = {
        name: value
        for name, value in payload.dict(exclude_unset=True, exclude={"on", "key"}).items()
        if value is not None or name.startswith("wg_") or name == "born_on"
    }
    services.member_update(
        actor=_actor(request),
        individual=individual,
        on=_on(payload.on),
        key=payload.key,
        **changes,
    )
    return Status(200, member_out(access.access_individual_by_uid(request.user, individual_uid)))


@router.post("/members/{individual_uid}/death", response={200: IndividualOut, **REFUSED})
def member_death(request: HttpRequest, individual_uid: uuid.UUID, payload: DeathIn) -> Status[Any]:
    """A member has died; the last member's death closes the household."""
    individual = access.access_individual_by_uid(request.user, individual_uid)
    services.member_death(
        actor=_actor(request), individual=individual, on=payload.on, key=payload.key
    )
    return Status(200, member_out(access.access_individual_by_uid(request.user, individual_uid)))


# --- where the household lives: departure, move, split, merge ----------------------------------


@router.post("/households/{household_uid}/departure", response={200: HouseholdOut, **REFUSED})
def household_depart(
    request: HttpRequest, household_uid: uuid.UUID, payload: DepartureIn
) -> Status[Any]:
    """The household has left: returned to its area of origin, or gone elsewhere."""
    household = access.access_household_by_uid(request.user, household_uid)
    services.household_depart(
        actor=_actor(request),
        household=household,
        on=payload.on,
        returned=payload.returned,
        destination=_admin_unit(payload.destination, "destination"),
        reason=payload.reason,
        key=payload.key,
    )
    return Status(200, household_written(request, household_uid))


@router.post("/households/{household_uid}/move", response={200: HouseholdOut, **REFUSED})
def household_move(request: HttpRequest, household_uid: uuid.UUID, payload: MoveIn) -> Status[Any]:
    """The household moves: to another unit of its site, another site, or out of camp."""
    household = access.access_household_by_uid(request.user, household_uid)
    site = _site(request.user, payload.site_uid)
    services.household_move(
        actor=_actor(request),
        household=household,
        on=payload.on,
        site=site,
        unit=_unit(site, payload.unit_uid),
        admin_unit=_admin_unit(payload.admin_unit, "admin_unit"),
        address=payload.address,
        key=payload.key,
    )
    return Status(200, household_written(request, household_uid))


@router.post("/households/{household_uid}/split", response={201: HouseholdOut, **REFUSED})
def household_split(
    request: HttpRequest, household_uid: uuid.UUID, payload: SplitIn
) -> Status[Any]:
    """Members form a household of their own at the same place; answers with the new one."""
    household = access.access_household_by_uid(request.user, household_uid)
    # Any member the caller reads: the service refuses those not in the household, after it
    # found a split sent again with the same key (its members are in the new household then).
    members = access.individuals_readable(request.user)
    found = {m.uid: m for m in members.filter(uid__in=[payload.head_uid, *payload.member_uids])}
    missing = {payload.head_uid, *payload.member_uids} - set(found)
    if missing:
        raise services.RegistryRuleBroken(
            [rules.Problem("member_unknown", "member_uids", "Not a member of this household.")]
        )
    new = services.household_split(
        actor=_actor(request),
        household=household,
        members=[found[uid] for uid in payload.member_uids],
        head=found[payload.head_uid],
        on=payload.on,
        unit=_unit(household.site, payload.unit_uid),
        key=payload.key,
    )
    return Status(201, household_written(request, new.uid))


@router.post("/households/{household_uid}/merge", response={200: HouseholdOut, **REFUSED})
def household_merge(
    request: HttpRequest, household_uid: uuid.UUID, payload: MergeIn
) -> Status[Any]:
    """The household joins another of the same organisation; answers with the one it joined."""
    household = access.access_household_by_uid(request.user, household_uid)
    into = access.access_household_by_uid(request.user, payload.into_uid)
    merged = services.household_merge(
        actor=_actor(request), household=household, into=into, on=payload.on, key=payload.key
    )
    return Status(200, household_written(request, merged.uid))


# --- consent and visits ------------------------------------------------------------------------


@router.post("/households/{household_uid}/consents", response={201: ConsentOut, **REFUSED})
def consent_record(
    request: HttpRequest, household_uid: uuid.UUID, payload: ConsentIn
) -> Status[Any]:
    """The household agreed to a purpose (sharing: with a named organisation)."""
    household = access.access_household_by_uid(request.user, household_uid)
    shared_with = None
    if payload.shared_with is not None:
        shared_with = Organisation.objects.filter(pk=payload.shared_with).first()
        if shared_with is None:
            raise services.RegistryRuleBroken(
                [rules.Problem("unknown_organisation", "shared_with", "Not an organisation.")]
            )
    consent = services.consent_record(
        actor=_actor(request),
        household=household,
        purpose=payload.purpose,
        on=payload.on,
        given_by=payload.given_by,
        shared_with=shared_with,
        key=payload.key,
    )
    return Status(201, consent_out(consent))


@router.post("/consents/{consent_uid}/withdraw", response={200: ConsentOut, **REFUSED})
def consent_withdraw(
    request: HttpRequest, consent_uid: uuid.UUID, payload: WithdrawIn
) -> Status[Any]:
    """The household withdrew a consent: from that day the purpose no longer allows the use."""
    consent = access.access_consent_by_uid(request.user, consent_uid)
    withdrawn = services.consent_withdraw(
        actor=_actor(request), consent=consent, on=payload.on, key=payload.key
    )
    return Status(200, consent_out(withdrawn))


@router.post("/households/{household_uid}/visits", response={201: VisitOut, **REFUSED})
def visit_record(request: HttpRequest, household_uid: uuid.UUID, payload: VisitIn) -> Status[Any]:
    """A verification visit and what it found."""
    household = access.access_household_by_uid(request.user, household_uid)
    visit = services.visit_record(actor=_actor(request), household=household, **payload.dict())
    return Status(201, visit_out(visit))


# The review queue of possible duplicates, under /registry/duplicates: its own module, with this
# router's decorators (no-store, problems answered 422).
from nahrain.registry.duplicates_api import router as duplicates_router  # noqa: E402

router.add_router("/duplicates", duplicates_router)
