"""What the 4W import's problem rules mean, for the problems list (core.problems)."""

from django.utils.translation import gettext_lazy as _

WORDS = {
    "unknown_partner": _(
        "An organisation's name not known yet: map it once to the organisation it means"
    ),
    "not_your_partner": _("A row of another organisation, which you do not report for"),
    "unknown_cluster": _("Not a cluster or area of responsibility of the response"),
    "unknown_activity": _("Not an activity of the cluster's catalogue"),
    "unknown_indicator": _("Not an indicator of the activity"),
    "unknown_place": _("Not a known governorate, district, subdistrict or p-code"),
    "place_mismatch": _("The place's columns name places that do not lie in one another"),
    "no_place": _("No governorate, district, subdistrict, p-code or site"),
    "unknown_site": _("Not a known site or camp code"),
    "location_not_a_site": _("The location is not a known site: the row is placed at its unit"),
    "unknown_month": _("Not a month (e.g. 2018-03 or March 2018)"),
    "period_locked": _("The reporting period is closed: ask the cluster to reopen it"),
    "unknown_population_group": _(
        "Not a population group (IDPs in camps, IDPs out of camps, returnees, host community)"
    ),
    "unknown_status": _("Not a status (planned, ongoing, completed)"),
    "planned_skipped": _("A planned activity reaches nobody yet: the row is left out"),
    "unknown_project": _("Not an HRP project code of the plan"),
    "no_figure": _("No figure reached and no breakdown"),
    "cells_sum": _("The breakdown does not add up to the figure reached"),
    "row_twice": _("The same activity, place, month and group is on an earlier row too"),
    "reported_by_system": _(
        "Already reported by the system (distributions, referrals, consultations): "
        "a figure is never reported twice"
    ),
    "import_refused": _("Refused by the 4W rules"),
}
