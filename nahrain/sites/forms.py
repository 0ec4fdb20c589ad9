"""Forms of the sites pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.sites.models import GapStatus, Sector

# --- sites: list, dashboard, site page ----------------------------------------------------------


# --- exports and the reconciliation with DTM ---------------------------------------------------


# --- shelters, movements, closures --------------------------------------------------------------


# --- monitoring, gaps, risk ----------------------------------------------------------------------

DATE = forms.DateInput(attrs={"type": "date"})
YES_NO = [("", _("Not checked")), ("1", _("Yes")), ("0", _("No"))]


class MonitoringForm(forms.Form):
    """A monitoring visit's raw counts (the fields of nahrain.sites.services.RAW_FIELDS); a count
    left empty was not taken, and the indicators that need it are not computed."""

    on = forms.DateField(label=_("Date of the visit"), widget=DATE)
    population = forms.IntegerField(
        label=_("Site population counted (individuals)"),
        min_value=0,
        required=False,
        help_text=_("Leave empty to use the site's current population figure."),
    )
    # Made when the form is shown: the same form sent twice (a double click, a resend after a
    # lost answer) records one round.
    key = forms.CharField(max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args: Any, raw_fields: tuple[tuple[str, str, Any], ...], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.raw_keys = [key for key, _kind, _label in raw_fields]
        for key, kind, label in raw_fields:
            if kind == "yesno":
                self.fields[key] = forms.TypedChoiceField(
                    label=label, choices=YES_NO, coerce=int, empty_value=None, required=False
                )
            elif kind == "count":
                self.fields[key] = forms.IntegerField(label=label, min_value=0, required=False)
            else:
                self.fields[key] = forms.FloatField(label=label, min_value=0, required=False)

    def raw(self) -> dict[str, Any]:
        return {
            key: self.cleaned_data[key]
            for key in self.raw_keys
            if self.cleaned_data.get(key) is not None
        }


class SectorChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Sector) -> str:
        return f"{local_name(obj)} ({obj.cluster_en})"


class GapForm(forms.Form):
    sector = SectorChoice(label=_("Sector"), queryset=Sector.objects.order_by("position"))
    description = forms.CharField(label=_("Gap"), widget=forms.Textarea(attrs={"rows": 3}))
    raised_on = forms.DateField(label=_("Identified on"), widget=DATE)
    partner = forms.CharField(
        label=_("Partner that took it on"),
        max_length=200,
        required=False,
        help_text=_("Leave empty while no partner has taken the gap on."),
    )
    due_on = forms.DateField(label=_("Due date"), widget=DATE, required=False)
    # Raised from a monitoring value: the round and the indicator it showed.
    monitoring_round = forms.UUIDField(required=False, widget=forms.HiddenInput)
    indicator = forms.CharField(required=False, widget=forms.HiddenInput)


class GapUpdateForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=GapStatus.choices)
    partner = forms.CharField(label=_("Partner"), max_length=200, required=False)
    due_on = forms.DateField(label=_("Due date"), widget=DATE, required=False)
    note = forms.CharField(
        label=_("Follow-up"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


RISK_LABELS = {
    "makeshift_share": _("Households in makeshift shelters (%)"),
    "tent_share": _("Households in tents (%)"),
    "unfinished_share": _("Households in unfinished or abandoned buildings (%)"),
    "families": _("Families living on the site"),
    "eviction_risk": _("Risk of eviction"),
    "wash_access": _("Access to water, latrines and washing"),
    "protection": _("Protection incidents or concerns"),
    "services_access": _("Health care and school within reach"),
    "female_headed_share": _("Female-headed households (%)"),
}
RISK_CHOICES = {
    "none": _("None"),
    "threatened": _("Threatened"),
    "notice_given": _("Eviction notice given"),
    "adequate": _("Adequate"),
    "partial": _("Partial"),
    "concerns": _("Concerns reported"),
    "incidents": _("Incidents reported"),
    "both": _("Both"),
    "one": _("One of them"),
    "neither": _("Neither"),
}


class RiskForm(forms.Form):
    """The informal-site risk questions, one per criterion of the formula in force."""

    on = forms.DateField(label=_("Date of the assessment"), widget=DATE)

    def __init__(self, *args: Any, formula: dict[str, Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.criteria = [c["code"] for c in formula["criteria"]]
        for criterion in formula["criteria"]:
            code = criterion["code"]
            label = RISK_LABELS.get(code, criterion["label_en"])
            if criterion["scale"] == "choice":
                self.fields[code] = forms.ChoiceField(
                    label=label,
                    choices=[(c, RISK_CHOICES.get(c, c)) for c in criterion["choices"]],
                )
            elif criterion["scale"] == "share":
                self.fields[code] = forms.FloatField(label=label, min_value=0, max_value=100)
            else:
                self.fields[code] = forms.IntegerField(label=label, min_value=0)

    def answers(self) -> dict[str, Any]:
        return {code: self.cleaned_data[code] for code in self.criteria}
