from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CollectorForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=60,
        regex=r"^[A-Za-z0-9._-]+$",
        help_text=_("Letters, digits, dot, dash and underscore."),
    )
    display_name = forms.CharField(label=_("Name"), max_length=120, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea)
