from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from nahrain.displacement.models import Population


class RoundForm(forms.Form):
    number = forms.IntegerField(label=_("Round number"), min_value=1, max_value=100000)
    reference_date = forms.DateField(
        label=_("Reference date"), widget=forms.DateInput(attrs={"type": "date"})
    )


class PublishForm(forms.Form):
    """Publishing a round that looks like another asks the person to say it is not a copy."""

    confirm_duplicate = forms.BooleanField(
        label=_("I have checked: this round is not a copy of the rounds listed above."),
        required=False,
    )


class ImportOptionsForm(forms.Form):
    """What a master list is of, chosen with the upload."""

    population = forms.ChoiceField(
        label=_("Population"),
        choices=[("", _("As the file says (IDPs for the 2014 format)")), *Population.choices],
        required=False,
    )
