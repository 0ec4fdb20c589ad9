"""What the intake pipeline's problem rules mean, for the problems list (core.problems)."""

from django.utils.translation import gettext_lazy as _

WORDS = {
    "duplicate_column": _("Two columns say the same thing"),
    "missing_column": _("A column the file needs is missing"),
    "map": _("The column mapping cannot be used"),
    "encoding": _("The file's characters cannot be read"),
    "format": _("Not a file type Nahrain reads"),
    "too_large": _("The file is too large"),
    "zip_bomb": _("The file unpacks to far more than it holds"),
    "malformed": _("The file is damaged or not of the kind its name says"),
    "binary": _("Not a text file"),
    "truncated": _("The file looks cut off"),
    "unclosed_quote": _("A quotation mark is never closed"),
}
