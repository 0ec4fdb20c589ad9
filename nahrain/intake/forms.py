from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from nahrain.geo.models import AdminUnit


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File (CSV or XLSX)"))


class AliasForm(forms.Form):
    """A spelling of a file mapped to the unit it means, by p-code (a candidate or typed)."""

    text = forms.CharField(max_length=200)
    level = forms.TypedChoiceField(choices=[(1, "1"), (2, "2")], coerce=int)
    within = forms.CharField(max_length=32, required=False)
    pcode = forms.CharField(label=_("Unit (p-code)"), max_length=32, required=False)
    other = forms.CharField(label=_("Another unit (p-code)"), max_length=32, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        pcode = (cleaned.get("other") or cleaned.get("pcode") or "").strip().upper()
        unit = (
            AdminUnit.objects.filter(pcode=pcode).defer("geometry").select_related("parent").first()
        )
        if unit is None or unit.level != cleaned.get("level"):
            raise forms.ValidationError(_("No unit of that level has this p-code."))
        within = (cleaned.get("within") or "").strip().upper()
        if within and (unit.parent is None or unit.parent.pcode != within):
            raise forms.ValidationError(_("That unit is not in the governorate the file names."))
        cleaned["unit"] = unit
        return cleaned
