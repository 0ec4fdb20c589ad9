"""What DTM's problem rules mean, for the problems list (core.problems)."""

from django.utils.translation import gettext_lazy as _

WORDS = {
    "breakdown_sum": _("The parts do not add up to the total"),
    "code_list": _("Not in the round's code list"),
    "columns": _("The columns do not match a DTM master list"),
    "coordinate": _("Not a valid coordinate"),
    "inconsistent": _("Figures that contradict each other"),
    "large_change": _("A large change since the previous round"),
    "master_list_district": _("The district differs from the master list"),
    "master_list_name": _("The name differs from the master list"),
    "master_list_point": _("The point differs from the master list"),
    "no_draft_round": _("No draft round to add it to"),
    "not_validated": _("The round is not validated yet"),
    "origin_unit": _("Not a known governorate of origin"),
    "outside_district": _("The point lies outside its district"),
    "outside_governorate": _("The point lies outside its governorate"),
    "period_for_returnees": _("Periods of displacement are counted for IDPs only"),
    "place_change": _("The location's details changed"),
    "population": _("Not a population this round counts"),
    "rollup": _("The figures could not be summed"),
    "unknown_category": _("Not a known category"),
    "unknown_district": _("Not a known district"),
    "unknown_governorate": _("Not a known governorate"),
    "unknown_location": _("Not a known location"),
    "unknown_pcode": _("Not a known p-code"),
}
