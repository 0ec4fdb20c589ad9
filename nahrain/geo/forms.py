"""Forms of geography pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from nahrain.geo.models import AdminUnit


class LocationForm(forms.Form):
    """An explicit correction of a location by its owner's information manager."""

    name_en = forms.CharField(label=_("Name in English"), max_length=200)
    name_ar = forms.CharField(label=_("Name in Arabic"), max_length=200, required=False)
    admin_unit = forms.CharField(
        label=_("District or subdistrict (p-code)"),
        max_length=32,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocapitalize": "characters"}),
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        min_value=-90,
        max_value=90,
        required=False,
        localize=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "decimal"}),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        min_value=-180,
        max_value=180,
        required=False,
        localize=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "decimal"}),
    )

    def clean_admin_unit(self) -> AdminUnit:
        pcode = self.cleaned_data["admin_unit"].strip().upper()
        unit = AdminUnit.objects.filter(pcode=pcode, level__gte=2).defer("geometry").first()
        if unit is None:
            raise forms.ValidationError(_("No district or subdistrict has this p-code."))
        return unit

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            raise forms.ValidationError(_("Give both the latitude and the longitude, or neither."))
        return cleaned
