"""Words of the referral pages: code labels in the reader's language, and a point's name."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Exists
from django.utils.translation import gettext_lazy as _

from nahrain.referrals import codelists

register = template.Library()

# What each step and consent change is called in a referral's history.
STEP_WORDS = {
    "sent": _("Sent"),
    "acknowledged": _("Acknowledged"),
    "accepted": _("Accepted"),
    "declined": _("Declined"),
    "appointment": _("Appointment set"),
    "provided": _("Service provided"),
    "closed": _("Closed"),
    "lost": _("Lost to follow-up"),
    "withdrawn": _("Withdrawn"),
    "consent_narrowed": _("Consent narrowed"),
    "consent_withdrawn": _("Consent withdrawn"),
}
# What the button of each step says.
STEP_ACTIONS = {
    "acknowledged": _("Acknowledge"),
    "accepted": _("Accept"),
    "declined": _("Decline"),
    "appointment": _("Set an appointment"),
    "provided": _("Service provided"),
    "lost": _("Lost to follow-up"),
    "closed": _("Close the referral"),
    "withdrawn": _("Withdraw the referral"),
}


@register.filter
def rlabel(code: str, kind: str) -> str:
    """A code's label from the referral code lists ("service_types", "urgencies"...)."""
    return codelists.label(kind, code)


@register.filter
def step_words(step: str) -> str:
    return str(STEP_WORDS.get(step, step))


@register.filter
def step_action(step: str) -> str:
    return str(STEP_ACTIONS.get(step, step))


@register.filter
def sex_words(code: Any) -> str:
    return str({"f": _("Female"), "m": _("Male")}.get(str(code), "—"))


@register.filter
def personal_menu(user: Any) -> dict[str, bool]:
    """Which of the top bar's personal-data pages the user works in, from one query of their
    roles: the registry (registration officers, site managers), referrals (those who send or
    receive them), cases (case workers of every kind), feedback (feedback officers and named
    focal points; its trends for information managers and admins)."""
    from nahrain.core.models import Membership
    from nahrain.feedback.models import FocalPoint
    from nahrain.referrals.access import CASE_ROLES, REFERRING_ROLES
    from nahrain.registry.access import REGISTRY_ROLES

    # Whether the user is a named focal point comes with the roles, in the same query.
    found = list(
        Membership.objects.filter(user_id=user.pk)
        .annotate(focal_point=Exists(FocalPoint.objects.filter(user_id=user.pk)))
        .values_list("role", "focal_point")
    )
    roles = {role for role, _focal_point in found}
    return {
        "registry": bool(roles & set(REGISTRY_ROLES)),
        "referrals": bool(roles & set(REFERRING_ROLES)),
        "cases": bool(roles & set(CASE_ROLES)),
        "feedback": "feedback_officer" in roles or any(focal for _role, focal in found),
        "feedback_trends": bool(roles & {"information_manager", "org_admin"}),
    }
