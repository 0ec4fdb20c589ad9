"""The assistance API at /api/v1/assistance/: thin, over the same access rule, services and
selectors as the assistance pages (docs/ASSISTANCE.md). Programmes are read by every member of
their organisation and written by its information managers and assistance officers; lists,
distributions, receipts and samples are personal data of the organisation's assistance officers
alone, every read audited and kept by no cache. A write the rules refuse is answered 422 with
its problems; what is missing and what is not the caller's are the same 404."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from ninja import Query, Router, Status

from nahrain.assistance import (
    access,
    codelists,
    distributions,
    monitoring,
    payments,
    reach,
    selectors,
    services,
)
from nahrain.assistance.models import (
    Distribution,
    DistributionList,
    MonitoringSample,
    PaymentBatch,
    Programme,
    Receipt,
)
from nahrain.assistance.schemas import (
    AssistanceDistributionIn,
    AssistanceDistributionOut,
    AssistanceDistributionStepIn,
    AssistanceListBuildIn,
    AssistanceListDecisionIn,
    AssistanceListEntriesOut,
    AssistanceListOut,
    AssistanceListQuery,
    AssistanceListsOut,
    AssistancePaymentBatchIn,
    AssistancePaymentBatchOut,
    AssistanceProblemOut,
    AssistanceProblemsOut,
    AssistanceProgrammeChangeIn,
    AssistanceProgrammeIn,
    AssistanceProgrammeListOut,
    AssistanceProgrammeOut,
    AssistanceProgrammeStepIn,
    AssistanceReachOut,
    AssistanceReceiptIn,
    AssistanceReceiptOut,
    AssistanceRefusedOut,
    AssistanceRulesIn,
    AssistanceRulesListOut,
    AssistanceRulesOut,
    AssistanceSampleIn,
    AssistanceSampleOut,
)
from nahrain.core.http import no_store, per_reader, refusal_detail, refusal_pairs
from nahrain.core.services import audit_record
from nahrain.sites.access import sites_visible

router = Router(tags=["assistance"])

V = TypeVar("V", bound=Callable[..., Any])


def problems_out(error: ValidationError) -> AssistanceProblemsOut:
    """A refusal of the services (``ValidationError``, by field or rules key where it says)."""
    pairs = refusal_pairs(error)
    return AssistanceProblemsOut(
        detail=refusal_detail(pairs),
        problems=[AssistanceProblemOut(rule="invalid", field=n, message=m) for n, m in pairs],
    )


def rules_answered(view: V) -> V:
    """A write the assistance rules refuse is answered 422 with its problems; a list's approval
    by its own builder 403."""

    @wraps(view)
    def answered(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except ValidationError as refused:
            return Status(422, problems_out(refused))
        except PermissionDenied as refused:
            # Past the gates, what is refused is the builder approving their own list.
            return Status(403, {"detail": str(refused)})

    return answered  # type: ignore[return-value]


router.add_decorator(rules_answered, mode="operation")

REFUSED = {404: None, 422: AssistanceProblemsOut}


def _actor(request: HttpRequest) -> User:
    """The signed-in user (the API's authentication lets no one else through)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _personal(response: HttpResponse) -> None:
    """The answer carries personal data: no cache keeps it."""
    no_store(response)


def _read(request: HttpRequest, what: str, uid: Any, programme: Programme, **detail: Any) -> None:
    audit_record(
        actor=_actor(request),
        action=f"assistance.{what}_read",
        object_type=f"assistance.{what}",
        object_id=uid,
        organisation=programme.organisation,
        detail={"via": "api", **detail},
    )


def _name(user: User | None) -> str:
    return user.get_username() if user is not None else ""


# --- what the API gives -----------------------------------------------------------------------


def programme_out(programme: Programme) -> dict[str, Any]:
    rules = services.current_rules(programme)
    organisation = programme.organisation
    return {
        **{
            name: getattr(programme, name) for name in ("uid", *services.PROGRAMME_FIELDS, "status")
        },
        "kind_label": codelists.label("assistance_kinds", programme.kind),
        "organisation": {
            "id": organisation.pk,
            "name": organisation.name,
            "acronym": organisation.acronym,
        },
        "rules_version": rules.version if rules else None,
    }


def list_out(found: DistributionList) -> dict[str, Any]:
    return {
        **{
            name: getattr(found, name)
            for name in (
                "uid",
                "version",
                "source",
                "status",
                "built_at",
                "checked_at",
                "approved_at",
                "households",
                "people",
                "excluded",
            )
        },
        "programme_uid": found.programme.uid,
        "rules_version": found.rules.version,
        "supersedes_uid": found.supersedes.uid if found.supersedes else None,
        "built_by": _name(found.built_by),
        "approved_by": _name(found.approved_by),
    }


def distribution_out(found: Distribution) -> dict[str, Any]:
    return {
        **{
            name: getattr(found, name)
            for name in ("uid", "cycle", "planned_on", "place", "team", "status")
        },
        "programme_uid": found.programme.uid,
        "list_uid": found.list.uid,
        "site_uid": found.site.uid if found.site else None,
        "reconciliation": distributions.reconciliation(found).__dict__,
    }


def receipt_out(receipt: Receipt) -> dict[str, Any]:
    return {
        "uid": receipt.uid,
        "token": receipt.entry.token,
        "outcome": receipt.outcome,
        "served": receipt.served,
        "duplicate": receipt.duplicate_of_id is not None,
        "recorded_at": receipt.recorded_at,
        "given": receipt.given,
    }


# --- programmes -------------------------------------------------------------------------------


@router.get("/programmes", response=AssistanceProgrammeListOut)
def programme_list(request: HttpRequest) -> dict[str, Any]:
    """The programmes of the caller's organisations, by organisation and code."""
    found = access.programmes_readable(request.user).select_related("organisation")
    return {"items": [programme_out(p) for p in found]}


def _writing_organisation(request: HttpRequest, organisation_id: uuid.UUID | None) -> Any:
    """The organisation a new programme goes into: the one named, or the caller's only one
    among those they write programmes for (404 for a caller who writes none)."""
    if organisation_id is not None:
        return access.access_organisation_for_programmes(request.user, organisation_id)
    listed = list(access.organisations_writing_programmes(request.user)[:2])
    if not listed:
        raise Http404
    if len(listed) > 1:
        raise ValidationError({"organisation_id": "say which organisation runs the programme"})
    return listed[0]


@router.post("/programmes", response={201: AssistanceProgrammeOut, **REFUSED})
def programme_create(request: HttpRequest, payload: AssistanceProgrammeIn) -> Status[Any]:
    """A new programme, in draft until its rules are set and it starts."""
    organisation = _writing_organisation(request, payload.organisation_id)
    fields = payload.dict(exclude={"organisation_id"})
    created = services.programme_create(actor=_actor(request), organisation=organisation, **fields)
    return Status(201, programme_out(created))


@router.get("/programmes/{programme_uid}", response={200: AssistanceProgrammeOut, 404: None})
def programme_get(request: HttpRequest, programme_uid: uuid.UUID) -> dict[str, Any]:
    return programme_out(access.access_programme_by_uid(request.user, programme_uid))


@router.patch("/programmes/{programme_uid}", response={200: AssistanceProgrammeOut, **REFUSED})
def programme_change(
    request: HttpRequest, programme_uid: uuid.UUID, payload: AssistanceProgrammeChangeIn
) -> dict[str, Any]:
    found = access.access_programme_by_uid(request.user, programme_uid, write=True)
    changed = services.programme_update(
        actor=_actor(request), programme=found, **payload.dict(exclude_unset=True)
    )
    return programme_out(changed)


@router.post("/programmes/{programme_uid}/steps", response={200: AssistanceProgrammeOut, **REFUSED})
def programme_step(
    request: HttpRequest, programme_uid: uuid.UUID, payload: AssistanceProgrammeStepIn
) -> dict[str, Any]:
    """Start a draft programme (it needs rules), or close a running one."""
    found = access.access_programme_by_uid(request.user, programme_uid, write=True)
    step = services.programme_activate if payload.to == "active" else services.programme_close
    return programme_out(step(actor=_actor(request), programme=found))


def rules_out(rules: Any) -> dict[str, Any]:
    return {
        "version": rules.version,
        "document": rules.document,
        "source": rules.source,
        "created_at": rules.created_at,
        "created_by": _name(rules.created_by),
    }


@router.get("/programmes/{programme_uid}/rules", response={200: AssistanceRulesListOut, 404: None})
def rules_list(request: HttpRequest, programme_uid: uuid.UUID) -> dict[str, Any]:
    """Every version of the programme's rules, newest first, with its source."""
    found = access.access_programme_by_uid(request.user, programme_uid)
    versions = found.rules.select_related("created_by").order_by("-version")
    return {"items": [rules_out(r) for r in versions]}


@router.post("/programmes/{programme_uid}/rules", response={201: AssistanceRulesOut, **REFUSED})
def rules_set(
    request: HttpRequest, programme_uid: uuid.UUID, payload: AssistanceRulesIn
) -> Status[Any]:
    """A new version of the rules (the lists already built keep theirs)."""
    found = access.access_programme_by_uid(request.user, programme_uid, write=True)
    written = services.rules_set(
        actor=_actor(request), programme=found, document=payload.document, source=payload.source
    )
    return Status(201, rules_out(written))


# --- lists ------------------------------------------------------------------------------------


@router.get("/programmes/{programme_uid}/lists", response={200: AssistanceListsOut, 404: None})
def list_list(request: HttpRequest, programme_uid: uuid.UUID, response: HttpResponse) -> Any:
    """Every version of the programme's distribution list, newest first."""
    found = access.access_programme_for_lists(request.user, programme_uid)
    _personal(response)
    lists = found.lists.select_related(
        "programme", "rules", "supersedes", "built_by", "approved_by"
    )
    return {"items": [list_out(x) for x in lists]}


@router.post("/programmes/{programme_uid}/lists", response={201: AssistanceListOut, **REFUSED})
def list_build(
    request: HttpRequest,
    programme_uid: uuid.UUID,
    payload: AssistanceListBuildIn,
    response: HttpResponse,
) -> Status[Any]:
    """Build a new version of the list from the registry by the current rules, and check it."""
    found = access.access_programme_for_lists(request.user, programme_uid)
    _personal(response)
    built = services.list_build(actor=_actor(request), programme=found, today=payload.today)
    return Status(201, list_out(built))


@router.get("/lists/{list_uid}", response={200: AssistanceListEntriesOut, 404: None})
def list_get(
    request: HttpRequest,
    list_uid: uuid.UUID,
    filters: Query[AssistanceListQuery],
    response: HttpResponse,
) -> dict[str, Any]:
    """A version of a list with its households: those on it with their token and entitlement,
    those left out with the rule and its words for the hotline. Reading it is audited."""
    found = access.access_list_by_uid(request.user, list_uid)
    _personal(response)
    summary = selectors.summary(request.user, found)
    count = {
        None: summary.households + summary.excluded,
        True: summary.households,
        False: summary.excluded,
    }[filters.included]
    shown = selectors.entries(
        request.user,
        found,
        included=filters.included,
        language=get_language(),
        offset=filters.offset,
        limit=filters.limit,
    )
    _read(request, "list", found.uid, found.programme, entries=len(shown))
    return {
        "distribution_list": list_out(found),
        "count": count,
        "limit": filters.limit,
        "offset": filters.offset,
        "entries": [
            {
                "household_uid": e.household_uid,
                "household_number": e.household_number,
                "included": e.included,
                "token": e.token if e.included else "",
                "people": e.people,
                "entitlement": e.entitlement,
                "excluded_by": e.rule,
                "why": e.words,
            }
            for e in shown
        ],
    }


@router.post(
    "/lists/{list_uid}/decisions",
    response={200: AssistanceListOut, 403: AssistanceRefusedOut, **REFUSED},
)
def list_decide(
    request: HttpRequest,
    list_uid: uuid.UUID,
    payload: AssistanceListDecisionIn,
    response: HttpResponse,
) -> dict[str, Any]:
    """Check a list again, approve it (an officer other than its builder), discard it, or make
    a new version of an approved one; the answer is the list the decision leaves."""
    found = access.access_list_by_uid(request.user, list_uid)
    _personal(response)
    steps: dict[str, Callable[..., DistributionList]] = {
        "check": services.list_check,
        "approve": services.list_approve,
        "discard": services.list_discard,
        "revise": services.list_revise,
    }
    step = steps[payload.decision]
    return list_out(step(actor=_actor(request), distribution_list=found))


# --- distributions ----------------------------------------------------------------------------


@router.post(
    "/programmes/{programme_uid}/distributions",
    response={201: AssistanceDistributionOut, **REFUSED},
)
def distribution_create(
    request: HttpRequest,
    programme_uid: uuid.UUID,
    payload: AssistanceDistributionIn,
    response: HttpResponse,
) -> Status[Any]:
    """Plan a distribution of one cycle of an approved list of the programme."""
    found = access.access_programme_for_lists(request.user, programme_uid)
    _personal(response)
    chosen = found.lists.filter(uid=payload.list_uid).first()
    if chosen is None:
        raise ValidationError({"list_uid": "not a list of this programme"})
    site = None
    if payload.site_uid is not None:
        site = sites_visible(request.user).filter(uid=payload.site_uid).first()
        if site is None:
            raise ValidationError({"site_uid": "not a site you see"})
    created = distributions.distribution_create(
        actor=_actor(request),
        programme=found,
        distribution_list=chosen,
        cycle=payload.cycle,
        planned_on=payload.planned_on,
        site=site,
        place=payload.place,
        team=payload.team,
        stock=payload.stock,
    )
    return Status(201, distribution_out(created))


@router.get(
    "/distributions/{distribution_uid}", response={200: AssistanceDistributionOut, 404: None}
)
def distribution_get(
    request: HttpRequest, distribution_uid: uuid.UUID, response: HttpResponse
) -> dict[str, Any]:
    """A distribution with its reconciliation: planned, served, absent, refused, duplicates,
    items handed out against the stock."""
    found = access.access_distribution_by_uid(request.user, distribution_uid)
    _personal(response)
    _read(request, "distribution", found.uid, found.programme)
    return distribution_out(found)


@router.post(
    "/distributions/{distribution_uid}/steps",
    response={200: AssistanceDistributionOut, **REFUSED},
)
def distribution_step(
    request: HttpRequest,
    distribution_uid: uuid.UUID,
    payload: AssistanceDistributionStepIn,
    response: HttpResponse,
) -> dict[str, Any]:
    """Open a planned distribution, or close it with what came back."""
    found = access.access_distribution_by_uid(request.user, distribution_uid)
    _personal(response)
    if payload.to == "open":
        changed = distributions.distribution_open(actor=_actor(request), distribution=found)
    else:
        changed = distributions.distribution_close(
            actor=_actor(request), distribution=found, returned=payload.returned
        )
    return distribution_out(changed)


@router.post(
    "/distributions/{distribution_uid}/receipts",
    response={201: AssistanceReceiptOut, **REFUSED},
)
def receipt_record(
    request: HttpRequest,
    distribution_uid: uuid.UUID,
    payload: AssistanceReceiptIn,
    response: HttpResponse,
) -> Status[Any]:
    """Record what happened to a household (by its token): sent again with the same ``key``, it
    records once; a household already served in the cycle is kept as a duplicate, not served."""
    found = access.access_distribution_by_uid(request.user, distribution_uid)
    _personal(response)
    receipt = distributions.receipt_record(
        actor=_actor(request),
        distribution=found,
        token=payload.token,
        outcome=payload.outcome,
        key=payload.key,
        recorded_at=payload.recorded_at,
        proxy_name=payload.proxy_name,
        proxy_relation=payload.proxy_relation,
        given=payload.given,
    )
    return Status(201, receipt_out(receipt))


# --- cash -------------------------------------------------------------------------------------


def batch_out(batch: PaymentBatch) -> dict[str, Any]:
    rows = batch.payments.select_related("entry__household").order_by("pk")
    totals: dict[str, int] = {}
    for payment in rows:
        totals[payment.status] = totals.get(payment.status, 0) + 1
    return {
        **{
            name: getattr(batch, name)
            for name in ("uid", "cycle", "provider", "exported_at", "reconciled_at")
        },
        "programme_uid": batch.programme.uid,
        "list_uid": batch.list.uid,
        "totals": totals,
        "payments": [
            {
                "reference": p.reference,
                "household_number": p.entry.household.number,
                "amount": p.amount,
                "currency": p.currency,
                "status": p.status,
                "reason": p.reason,
            }
            for p in rows
        ],
    }


@router.post(
    "/programmes/{programme_uid}/payment-batches",
    response={201: AssistancePaymentBatchOut, **REFUSED},
)
def payments_export(
    request: HttpRequest,
    programme_uid: uuid.UUID,
    payload: AssistancePaymentBatchIn,
    response: HttpResponse,
) -> Status[Any]:
    """A cycle's payment list of an approved list of a cash programme, for a provider: one
    payment per household not yet paid in the cycle. The file is the page's to download; the
    provider's report comes back through the import pipeline (assistance.payments)."""
    found = access.access_programme_for_lists(request.user, programme_uid)
    _personal(response)
    chosen = found.lists.filter(uid=payload.list_uid).first()
    if chosen is None:
        raise ValidationError({"list_uid": "not a list of this programme"})
    batch = payments.payments_export(
        actor=_actor(request),
        programme=found,
        distribution_list=chosen,
        cycle=payload.cycle,
        provider=payload.provider,
    )
    return Status(201, batch_out(batch))


@router.get("/payment-batches/{batch_uid}", response={200: AssistancePaymentBatchOut, 404: None})
def payment_batch_get(
    request: HttpRequest, batch_uid: uuid.UUID, response: HttpResponse
) -> dict[str, Any]:
    """A payment batch with each payment's status as the provider reported it. Audited."""
    batch = access.access_batch_by_uid(request.user, batch_uid)
    _personal(response)
    _read(request, "payment_batch", batch.uid, batch.programme)
    return batch_out(batch)


# --- monitoring -------------------------------------------------------------------------------


def sample_out(request: HttpRequest, found: MonitoringSample) -> dict[str, Any]:
    results = monitoring.results(user=request.user, sample=found)
    members = found.members.select_related("receipt__entry__household", "answer")
    return {
        **{
            name: getattr(found, name)
            for name in ("uid", "confidence", "margin", "size", "strata", "drawn_at")
        },
        "distribution_uid": found.distribution.uid,
        "members": [
            {
                "position": m.position,
                "code": m.code,
                "token": m.receipt.entry.token,
                "household_number": m.receipt.entry.household.number,
                "stratum": m.stratum,
                "reserve": m.reserve,
                "interviewed_on": getattr(getattr(m, "answer", None), "interviewed_on", None),
            }
            for m in members
        ],
        "interviewed": results.interviewed,
        "questions": [
            {
                "code": q.code,
                "label": q.label,
                "multiple": q.multiple,
                "asked": q.asked,
                "choices": [
                    {
                        "code": c.code,
                        "label": c.label,
                        "total": c.total.__dict__,
                        "by_sex": {k: v.__dict__ for k, v in c.by_sex.items()},
                        "by_site": {
                            str(k or "out_of_camp"): v.__dict__ for k, v in c.by_site.items()
                        },
                    }
                    for c in q.choices
                ],
            }
            for q in results.questions
        ],
    }


@router.post(
    "/distributions/{distribution_uid}/samples",
    response={201: AssistanceSampleOut, **REFUSED},
)
def sample_draw(
    request: HttpRequest,
    distribution_uid: uuid.UUID,
    payload: AssistanceSampleIn,
    response: HttpResponse,
) -> Status[Any]:
    """Draw a PDM sample of the distribution's served households, stratified by sex of the
    head (size from the confidence and margin; the code list's defaults when left out)."""
    found = access.access_distribution_by_uid(request.user, distribution_uid)
    _personal(response)
    drawn = monitoring.sample_draw(
        actor=_actor(request),
        distribution=found,
        confidence=payload.confidence,
        margin=payload.margin,
        seed=payload.seed,
    )
    return Status(201, sample_out(request, drawn))


@router.get("/samples/{sample_uid}", response={200: AssistanceSampleOut, 404: None})
def sample_get(request: HttpRequest, sample_uid: uuid.UUID, response: HttpResponse) -> Any:
    """A sample: the households to visit in order (reserves last) and the results by sex of the
    head and by site. Reading it is audited."""
    found = access.access_sample_by_uid(request.user, sample_uid)
    _personal(response)
    _read(request, "sample", found.uid, found.distribution.programme)
    return sample_out(request, found)


# --- reach ------------------------------------------------------------------------------------


@router.get("/reach", response=AssistanceReachOut)
def reach_get(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    """People reached, counted once however often served, by programme and district: exact for
    the caller's own organisations (kept by no cache), small cells suppressed for everyone
    else's (kept by the reader's own client alone), as the page."""
    figures = reach.reach_figures(user=request.user)
    per_reader(response, exact=any(row.exact for row in figures.rows))
    return {
        "items": [
            {
                "programme_uid": row.programme.uid,
                "programme": row.programme.code,
                "organisation": row.organisation.acronym or row.organisation.name,
                "cluster": row.cluster,
                "admin_unit": (row.district or row.governorate).pcode,
                "admin_unit_name": (row.district or row.governorate).name_en,
                "households": row.households,
                "people": row.people,
                "cells": row.cells,
                "exact": row.exact,
            }
            for row in figures.rows
        ]
    }
