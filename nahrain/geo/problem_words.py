"""What the geography importers' problem rules mean, for the problems list (core.problems)."""

from django.utils.translation import gettext_lazy as _

WORDS = {
    "alias_clash": _("The spelling already names another unit"),
    "feature": _("A shape the file cannot give"),
    "geometry": _("Not a valid boundary"),
    "level": _("Not the level being imported"),
    "malformed": _("The file is damaged or not of the kind its name says"),
    "parent": _("Not inside a known unit"),
    "unknown_pcode": _("Not a known p-code"),
}
