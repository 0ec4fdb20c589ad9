"""Words of the referral pages: code labels in the reader's language, and a point's name."""

from __future__ import annotations

from typing import Any

from django import template
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
def works_with_referrals(user: Any) -> bool:
    """Whether the top bar shows the referrals: the user sends or receives them somewhere."""
    from nahrain.referrals.access import REFERRING_ROLES, organisations_with

    return bool(organisations_with(user, REFERRING_ROLES).exists())


@register.filter
def holds_cases(user: Any) -> bool:
    """Whether the top bar shows the cases: the user is a case worker of some kind."""
    from nahrain.referrals.access import CASE_ROLES, organisations_with

    return bool(organisations_with(user, CASE_ROLES).exists())
