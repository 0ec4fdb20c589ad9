"""What the field forms' problem rules mean, for the problems list (core.problems)."""

from django.utils.translation import gettext_lazy as _

WORDS = {
    "no_handler": _("No form of this kind is served"),
}
