"""Access gates for rounds: published rounds are open to every signed-in user and API token;
drafts only to the information managers of the publishing organisation."""

from __future__ import annotations

import uuid
from typing import Any

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


def _get(round_uid: Any) -> AssessmentRound:
    try:
        uid = round_uid if isinstance(round_uid, uuid.UUID) else uuid.UUID(str(round_uid))
        return AssessmentRound.objects.select_related("organisation").get(uid=uid)
    except (ValueError, AssessmentRound.DoesNotExist):
        raise Http404 from None


def access_round_by_uid(user: AnyUser, round_uid: Any) -> AssessmentRound:
    """A round the user may read: published, or a draft of an organisation they manage data for."""
    if not user.is_authenticated:
        raise Http404
    assessment_round = _get(round_uid)
    if assessment_round.status == RoundStatus.PUBLISHED:
        return assessment_round
    if is_information_manager(user, assessment_round.organisation_id):
        return assessment_round
    raise Http404


def access_round_for_change(user: AnyUser, round_uid: Any) -> AssessmentRound:
    """A round the user may import into, validate, publish or correct: its organisation's IMs."""
    assessment_round = access_round_by_uid(user, round_uid)
    if is_information_manager(user, assessment_round.organisation_id):
        return assessment_round
    raise Http404
