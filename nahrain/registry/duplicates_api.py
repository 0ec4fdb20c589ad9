"""The review queue's API at /api/v1/registry/duplicates: the pairs an organisation's registry
staff review, one pair's two records field by field, and the decision. The same rules as the
pages (``duplicates_selectors``): another organisation's record is "held by" it alone unless its
household shares it with the reader's organisation by consent; every record shown is audited.
Mounted under the registry's router, whose decorators (no-store, problems answered 422) apply."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from nahrain.registry import access, selectors, services
from nahrain.registry import duplicates_selectors as duplicates
from nahrain.registry.models import DuplicateDecision, Individual, PossibleDuplicate
from nahrain.registry.schemas import RegistryProblemsOut

router = Router(tags=["registry"])

PAIRS_PER_PAGE = 50
Decision = Literal["same", "different", "unsure"]
PairStatus = Literal["open", "same", "different", "unsure"]


# --- schemas -----------------------------------------------------------------------------------


class DuplicateQuery(Schema):
    organisation: uuid.UUID | None = Field(None, description="Whose queue")
    status: PairStatus | None = Field("open", description="Empty for every status")
    site_uid: uuid.UUID | None = None
    page: int = Field(1, ge=1, le=100_000)


class SideOut(Schema):
    """One record of a pair: who holds it, and, when the reader may see it, which it is."""

    organisation: str
    mine: bool
    shown: bool
    individual_uid: uuid.UUID | None = None
    household_uid: uuid.UUID | None = None
    household_number: str | None = None


class DuplicateRowOut(Schema):
    id: int
    probability: float | None  # only when both records are shown
    status: PairStatus
    found_at: datetime
    sides: list[SideOut]


class ComparedFieldOut(Schema):
    """A field side by side: the values of each record (null: not shown), and the words of
    what the matcher found (``mark``; empty for a field it does not compare)."""

    field: str
    label: str
    first: list[str] | None
    second: list[str] | None
    mark: str
    level: str


class DecisionOut(Schema):
    decision: Decision
    organisation: str
    decided_at: datetime
    decided_by: str | None = None  # the deciding organisation's own readers alone
    reason: str | None = None  # likewise


class DuplicateOut(DuplicateRowOut):
    fields: list[ComparedFieldOut]
    decisions: list[DecisionOut]
    undecided: bool


class DecisionIn(Schema):
    decision: Decision
    reason: str = Field("", max_length=300)


# --- answers -----------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _side_out(individual: Individual, mine: bool, shown: bool) -> dict[str, Any]:
    side: dict[str, Any] = {
        "organisation": individual.organisation.acronym,
        "mine": mine,
        "shown": shown,
    }
    if shown:
        side |= {
            "individual_uid": individual.uid,
            "household_uid": individual.household.uid,
            "household_number": individual.household.number,
        }
    return side


def _row(pair: PossibleDuplicate, sides: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": pair.pk,
        "probability": pair.probability if all(side["shown"] for side in sides) else None,
        "status": pair.status,
        "found_at": pair.found_at,
        "sides": sides,
    }


def _decision_out(shown: duplicates.DecisionShown) -> dict[str, Any]:
    made: DuplicateDecision = shown.decision
    answer: dict[str, Any] = {
        "decision": made.decision,
        "organisation": made.organisation.acronym,
        "decided_at": made.decided_at,
    }
    if shown.reason_shown:
        answer |= {"decided_by": made.decided_by.get_username(), "reason": made.reason}
    return answer


def _detail(request: HttpRequest, pair: PossibleDuplicate) -> dict[str, Any]:
    view = duplicates.pair_view(user=request.user, pair=pair)
    duplicates.pair_read(user=request.user, view=view, via="duplicate-api")
    first, second = view.first, view.second
    return _row(
        pair,
        [
            _side_out(first.individual, first.mine, first.shown),
            _side_out(second.individual, second.mine, second.shown),
        ],
    ) | {
        "fields": [
            {
                "field": row.name,
                "label": row.label,
                "first": [v.text for v in row.first] if first.shown else None,
                "second": [v.text for v in row.second] if second.shown else None,
                "mark": row.mark,
                "level": row.level,
            }
            for row in view.rows
        ],
        "decisions": [_decision_out(d) for d in view.decisions],
        "undecided": view.undecided,
    }


# --- operations --------------------------------------------------------------------------------


@router.get("", response={200: list[DuplicateRowOut], 404: None})
def duplicate_list(request: HttpRequest, filters: Query[DuplicateQuery]) -> list[dict[str, Any]]:
    """An organisation's pairs, strongest first, 50 a page; the other organisation's record by
    who holds it (its values are the detail's, which checks consent). 404 for a user in no
    registry, or naming an organisation whose registry they do not work in."""
    actor = _actor(request)
    organisations = selectors.registry_organisations(user=actor)
    if filters.organisation is not None:
        organisations = organisations.filter(pk=filters.organisation)
    organisation = organisations.first()
    if organisation is None:
        raise Http404
    site = None
    if filters.site_uid is not None:
        sites = selectors.registry_sites(user=actor, organisation=organisation)
        site = sites.filter(uid=filters.site_uid).first()
        if site is None:
            raise Http404
    pairs = duplicates.duplicate_queue(
        user=actor, organisation=organisation, status=filters.status or None, site=site
    )
    page = Paginator(pairs, PAIRS_PER_PAGE).get_page(filters.page)
    rows = duplicates.queue_rows(page.object_list, organisation)
    services.search_made(
        actor=actor, organisation_ids=[organisation.pk], results=len(rows), via="duplicates-api"
    )
    return [
        _row(
            row.pair,
            [
                _side_out(row.own, True, True),
                _side_out(row.other, row.other_shown, row.other_shown),
            ],
        )
        for row in rows
    ]


@router.get("/{pair_id}", response={200: DuplicateOut, 404: None})
def duplicate_detail(request: HttpRequest, pair_id: int) -> dict[str, Any]:
    """A pair's two records field by field and its decisions; every record shown is audited."""
    return _detail(request, access.access_duplicate_by_id(request.user, pair_id))


@router.post(
    "/{pair_id}/decision",
    response={201: DuplicateOut, 404: None, 422: RegistryProblemsOut},
)
def duplicate_decide(request: HttpRequest, pair_id: int, payload: DecisionIn) -> Status[Any]:
    """Record the reader's organisation's decision: "same" and "different" need a reason; a
    decided pair takes no other (422), unless it was left unsure."""
    actor = _actor(request)
    pair = access.access_duplicate_by_id(actor, pair_id)
    services.duplicate_decide(
        actor=actor,
        pair=pair,
        organisation=duplicates.reader_organisation(actor, pair),
        decision=payload.decision,
        reason=payload.reason,
    )
    pair.refresh_from_db(fields=["status"])
    return Status(201, _detail(request, pair))
