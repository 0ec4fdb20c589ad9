"""Who may see which rounds, and which version of a round a view shows: the one rule every gate,
selector and hand-written statement of the displacement app reads (docs/DTM.md, "Who sees which
round").

- A caller may see every published round, and every round (draft, validated, any version) of an
  organisation they are an information manager of (``rounds_visible``). Published figures are
  public (DESIGN.md, section 6): a caller who is not signed in sees the published rounds, which
  only the public page of published figures serves to them (every other page and the API ask
  for a sign-in first).
- A published view (the overview's headline, the trend, the previous round, the comparison's
  defaults, the series API, the round picker's published entries) shows each round's newest
  published version and nothing else (``rounds_current``): a correction still in draft never
  replaces the version it corrects, and a draft never enters a trend.
- Only a round the caller picks by name is shown as it is, draft or not; the views built around
  it then show that round in the place of the version it corrects (``rounds_current(picked=)``).
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from nahrain.core.access import AnyUser
from nahrain.core.models import Membership, Role
from nahrain.displacement.models import AssessmentRound, RoundStatus


def is_information_manager(user: AnyUser, organisation_id: Any) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user_id=user.pk, organisation_id=organisation_id, role=Role.INFORMATION_MANAGER
    ).exists()


def managed_organisations(user: AnyUser) -> QuerySet[Membership, Any]:
    """The ids of the organisations the user manages data for (a subquery, never evaluated)."""
    if not user.is_authenticated:
        return Membership.objects.none().values("organisation_id")
    return Membership.objects.filter(user_id=user.pk, role=Role.INFORMATION_MANAGER).values(
        "organisation_id"
    )


def rounds_visible(user: AnyUser) -> QuerySet[AssessmentRound]:
    """Every round the user may open: published, or of an organisation they manage data for."""
    if not user.is_authenticated:
        return AssessmentRound.objects.filter(status=RoundStatus.PUBLISHED)
    return AssessmentRound.objects.filter(
        Q(status=RoundStatus.PUBLISHED) | Q(organisation_id__in=managed_organisations(user))
    )


def rounds_current(
    user: AnyUser, *, picked: AssessmentRound | None = None
) -> QuerySet[AssessmentRound]:
    """The rounds a published view shows: each round's newest published version; with a round
    the user picked (which must have come through a gate), that round in the place of the
    version it corrects, whatever its status."""
    superseded = AssessmentRound.objects.filter(
        replaces=OuterRef("pk"), status=RoundStatus.PUBLISHED
    )
    current = Q(status=RoundStatus.PUBLISHED) & ~Q(Exists(superseded))
    if picked is not None:
        # The versions of a round share its organisation and number (a unique constraint).
        same_round = Q(organisation_id=picked.organisation_id, number=picked.number)
        current = (current & ~same_round) | Q(pk=picked.pk)
    return AssessmentRound.objects.filter(current)


def rounds_current_sql(
    user: AnyUser, *, picked: AssessmentRound | None = None
) -> tuple[str, tuple[Any, ...]]:
    """``rounds_current`` compiled to a statement selecting the rounds' ids, and its parameters,
    for hand-written statements to nest. Building and compiling the queryset cost several times
    the statement that nests it (the series), and without a picked round the rule reads
    nothing of the caller (a test holds every persona to this), so that statement is compiled
    once per database."""
    if picked is not None:
        return _compiled(rounds_current(user, picked=picked))
    return _published_views_sql(connection.alias, connection.vendor)


def _compiled(rounds: QuerySet[AssessmentRound]) -> tuple[str, tuple[Any, ...]]:
    sql, params = rounds.values("pk").query.sql_with_params()
    return sql, tuple(params)


@functools.cache
def _published_views_sql(alias: str, vendor: str) -> tuple[str, tuple[Any, ...]]:
    return _compiled(rounds_current(AnonymousUser()))


def _get(round_uid: Any) -> uuid.UUID:
    try:
        return round_uid if isinstance(round_uid, uuid.UUID) else uuid.UUID(str(round_uid))
    except ValueError:
        raise Http404 from None


def access_round_by_uid(user: AnyUser, round_uid: Any) -> AssessmentRound:
    """A round the user may read: published, or a draft of an organisation they manage data for."""
    found = rounds_visible(user).select_related("organisation").filter(uid=_get(round_uid)).first()
    if found is None:
        raise Http404
    return found


def access_round_for_change(user: AnyUser, round_uid: Any) -> AssessmentRound:
    """A round the user may import into, validate, publish or correct: its organisation's IMs."""
    assessment_round = access_round_by_uid(user, round_uid)
    if is_information_manager(user, assessment_round.organisation_id):
        return assessment_round
    raise Http404
