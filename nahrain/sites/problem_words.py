"""What the sites importers' problem rules mean, for the problems list (core.problems)."""

from django.utils.translation import gettext_lazy as _

WORDS = {
    "code": _("The site code is missing or given twice"),
    "district": _("Not a known district"),
    "governorate": _("Not a known governorate"),
    "subdistrict": _("Not a known subdistrict"),
    "unknown_district": _("Not a known district"),
    "unknown_subdistrict": _("Not a known subdistrict"),
    "unknown_pcode": _("Not a known p-code"),
    "max_length": _("The text is too long"),
    "too_long": _("The text is too long"),
    "name_en": _("The site has no name"),
    "no_population_date": _("A population without its date"),
    "population_date": _("Not a date of a population figure"),
    "not_a_coordinate": _("Not a valid coordinate"),
    "not_a_date": _("Not a date"),
    "not_a_count": _("Not a whole number of zero or more"),
    "not_linked": _("Linked to no DTM location"),
    "type": _("Not a known type of site"),
    "unknown_site": _("Not a site of this organisation"),
    "refused": _("Refused by a rule of the site"),
    "edited": _("An edit of a movement already counted"),
}
