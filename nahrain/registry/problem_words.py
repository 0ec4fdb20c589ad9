"""What the registry's problem rules mean, for the problems list (core.problems): the rules of
``rules.py``, of the beneficiary list import (``intake_specs``) and of the household registration
form (``fieldforms``)."""

from django.utils.translation import gettext_lazy as _

WORDS = {
    "name_missing": _("A member without a first name"),
    "sex_unknown": _("Not a known sex"),
    "relationship_unknown": _("Not a known relationship to the head"),
    "sex_relationship": _("The sex does not fit the relationship"),
    "sex_pregnant": _("A man recorded as pregnant"),
    "date_future": _("A date in the future"),
    "age_above_max": _("An age above the oldest accepted"),
    "age_negative": _("An age below zero"),
    "age_missing": _("Neither a date of birth nor an age"),
    "wg_answer": _("Not a Washington Group answer (1 to 4)"),
    "document_unknown": _("Not a known civil document"),
    "vulnerability_unknown": _("Not a known specific need"),
    "head_missing": _("A household without a head"),
    "head_twice": _("A household with two heads"),
    "size_members": _("The household size differs from the members listed"),
    "place_missing": _("Neither a site nor a place out of camp"),
    "unit_site": _("A shelter unit of another site"),
    "unit_other": _("A shelter unit of a site another organisation holds"),
    "household_twice": _("A household given on two rows"),
    "not_yes_no": _("Not yes or no"),
    "not_a_date": _("Not a date"),
    "not_a_count": _("Not a whole number of zero or more"),
    "unknown_site": _("Not a site of this organisation"),
    "unknown_governorate": _("Not a known governorate"),
    "unknown_district": _("Not a known district"),
    "refused": _("Refused by a rule of the registry"),
    "member_unknown": _("Not a member of this household"),
    "key_used": _("This key was already used for another change."),
    "organisation_missing": _("No organisation given whose registry this goes into"),
    "unknown_organisation": _("Not a known organisation"),
    # The registration form's own.
    "consent_refused": _("The household did not agree to be registered: reject the form"),
    "unit_unknown": _("Not a shelter unit of this site"),
    "origin_unknown": _("Not a known governorate or district of origin"),
    "member_unreadable": _("A date or a number that cannot be read"),
    "registration_edited": _("An edit of a household already registered"),
    # The review of possible duplicates.
    "duplicate_decision": _("Decide same person, different people or unsure"),
    "duplicate_reason": _("Say why you decided: a reason is required"),
    "duplicate_decided": _("This pair is already decided: a pair is asked once"),
    "duplicate_unseen": _(
        "The other organisation's record is not shared with you: only its holder, or a "
        "reviewer it shares the household with, can say whether they are one person"
    ),
}
