"""What the registry's problem rules mean, for the problems list (core.problems) and the review
screen of the household registration form."""

from django.utils.translation import gettext_lazy as _

# The rules of ``rules.py`` as a registration form's reviewer reads them, and the form's own.
WORDS_FORM = {
    "name_missing": _("A member has no first name"),
    "sex_unknown": _("The sex is not female or male"),
    "relationship_unknown": _("Not a relationship to the head of the code list"),
    "sex_relationship": _("The sex does not match the relationship to the head"),
    "date_future": _("A date in the future"),
    "age_above_max": _("Older than the highest age accepted (110)"),
    "age_negative": _("An age below zero"),
    "age_missing": _("Neither a date of birth nor an age"),
    "wg_answer": _("A Washington Group answer that is not one of the four"),
    "document_unknown": _("Not a document of the code list"),
    "sex_pregnant": _("A man recorded as pregnant or breastfeeding"),
    "head_missing": _("The household has no head"),
    "head_twice": _("The household has more than one head"),
    "size_members": _("The household size differs from the members listed"),
    "unit_site": _("The shelter unit is not in this site"),
    "place_missing": _("Neither a site nor a place out of camp"),
    "vulnerability_unknown": _("Not a vulnerability of the code list"),
    "consent_refused": _("The household did not agree to be registered: reject the form"),
    "unknown_site": _("Not a site of this organisation"),
    "unit_unknown": _("Not a shelter unit of this site"),
    "origin_unknown": _("Not a known governorate or district of origin"),
    "not_a_date": _("Not a date"),
    "member_unreadable": _("A date or a number that cannot be read"),
    "registration_edited": _("An edit of a household already registered"),
}
