"""What the feedback mechanism's problem rules mean, for the problems list (core.problems): the
help-desk form's and the hotline import's."""

from django.utils.translation import gettext_lazy as _

WORDS = {
    # The help-desk form.
    "unknown_site": _("Not a site people live on"),
    "feedback_refused": _("Refused by the feedback rules"),
    # A hotline's call log.
    "no_case_id": _("No case (ticket) id"),
    "case_twice": _("The case is on an earlier row too"),
    "not_a_date": _("Not a date (YYYY-MM-DD or DD/MM/YYYY)"),
    "in_the_future": _("The call is in the future"),
    "unknown_category": _("Not a category the hotline's words know"),
    "unknown_sub_category": _("Not a sub-category the hotline's words know"),
    "no_description": _("Nothing of what the caller said"),
    "unknown_sex": _("Not a sex (female or male)"),
    "not_an_age": _("Not an age in years"),
    "unknown_governorate": _("Not a known governorate"),
    "unknown_district": _("Not a district of the governorate"),
    "unknown_language": _("Not a language the hotline's words know"),
    "unknown_organisation": _("Not an organisation known here"),
    "unknown_status": _("Not a status the hotline's words know (open or closed)"),
    "no_answer": _("A closed case needs the answer given"),
}
