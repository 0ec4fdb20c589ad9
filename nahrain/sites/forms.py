"""The sites pages' forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from nahrain.geo.models import AdminUnit
from nahrain.sites.models import (
    ClosurePlan,
    MovementKind,
    MovementPlace,
    MovementReason,
    PopulationSource,
    ShelterCondition,
    ShelterKind,
    Site,
)

DATE = forms.DateInput(attrs={"type": "date"})

# --- sites: list, dashboard, site page ----------------------------------------------------------


# --- exports and the reconciliation with DTM ---------------------------------------------------


# --- shelters, movements, closures --------------------------------------------------------------


def count_field(label: Any, *, required: bool = True) -> forms.IntegerField:
    """A count of households or people, bounded by what the database columns hold."""
    return forms.IntegerField(label=label, required=required, min_value=0, max_value=100_000_000)


def _local(item: Any, field: str = "name") -> str:
    """A name or label in the reader's language, English when it has none."""
    language = (get_language() or "en").split("-")[0]
    return str(getattr(item, f"{field}_{language}", "") or getattr(item, f"{field}_en"))


class SiteChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{_local(obj)} ({obj.code})"


class UnitChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return _local(obj)


class ClosureChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return _("Closure planned for %(date)s") % {"date": formats.date_format(obj.planned_on)}


class MovementForm(forms.Form):
    """An arrival or a departure, in the words of a CCCM movement log."""

    kind = forms.ChoiceField(label=_("Movement"), choices=MovementKind.choices)
    on = forms.DateField(label=_("Date"), widget=DATE)
    households = count_field(_("Households"))
    individuals = count_field(_("Individuals"))
    place = forms.ChoiceField(
        label=_("Arriving from / leaving to"),
        choices=MovementPlace.choices,
        initial=MovementPlace.UNKNOWN,
    )
    other_site = SiteChoice(
        label=_("Camp or site (when another site)"), queryset=Site.objects.none(), required=False
    )
    governorate = UnitChoice(
        label=_("Governorate of origin or destination"),
        queryset=AdminUnit.objects.filter(level=1).defer("geometry").order_by("name_en"),
        required=False,
    )
    reason = forms.CharField(label=_("Reason"), max_length=40, required=False)
    closure = ClosureChoice(
        label=_("Departure under the closure plan"),
        queryset=ClosurePlan.objects.none(),
        required=False,
    )

    def __init__(self, *args: Any, site: Site, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["closure"].queryset = ClosurePlan.objects.filter(  # type: ignore[attr-defined]
            site=site, cancelled_on__isnull=True
        )
        self.fields["other_site"].queryset = sites.exclude(pk=site.pk).order_by("name_en")  # type: ignore[attr-defined]
        reasons = list(MovementReason.objects.all())
        # The code list, once loaded, is the only choice; until then the reason is written.
        if reasons:
            self.fields["reason"] = forms.ChoiceField(
                label=_("Reason"),
                required=False,
                choices=[("", "—")] + [(r.code, f"{_local(r, 'label')}") for r in reasons],
            )


class TransferForm(forms.Form):
    """Households moved from this site to another one the same staff run."""

    to_site = SiteChoice(label=_("To camp or site"), queryset=Site.objects.none())
    on = forms.DateField(label=_("Date"), widget=DATE)
    households = forms.IntegerField(label=_("Households"), min_value=1, max_value=100_000_000)
    individuals = forms.IntegerField(label=_("Individuals"), min_value=1, max_value=100_000_000)
    reason = forms.CharField(label=_("Reason"), max_length=40, required=False)

    def __init__(self, *args: Any, site: Site, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_site"].queryset = sites.exclude(pk=site.pk).order_by("name_en")  # type: ignore[attr-defined]


class PopulationForm(forms.Form):
    """A dated headcount or estimate: individuals, households or both."""

    on = forms.DateField(label=_("Date of the figure"), widget=DATE)
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[c for c in PopulationSource.choices if c[0] != PopulationSource.MOVEMENTS],
    )
    individuals = count_field(_("Individuals"), required=False)
    households = count_field(_("Households"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("individuals") is None and data.get("households") is None:
            raise forms.ValidationError(_("Give individuals, households or both."))
        return data


class UnitsForm(forms.Form):
    """A block's units in one go: "block B, tents 1 to 120"."""

    block = forms.CharField(label=_("Block"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("Shelter type"), choices=ShelterKind.choices)
    first = forms.IntegerField(label=_("From number"), min_value=0, max_value=1_000_000)
    last = forms.IntegerField(label=_("To number"), min_value=0, max_value=1_000_000)
    code_prefix = forms.CharField(
        label=_("Before each number"), max_length=20, required=False, help_text=_("e.g. T-")
    )
    condition = forms.ChoiceField(
        label=_("Condition"), choices=ShelterCondition.choices, initial=ShelterCondition.GOOD
    )
    accessible = forms.BooleanField(
        label=_("Accessible to people with disabilities"), required=False
    )


class ClosureForm(forms.Form):
    """A closure plan: its dates, the households to move and where they say they will go."""

    announced_on = forms.DateField(label=_("Announced on"), widget=DATE)
    planned_on = forms.DateField(label=_("Planned closure date"), widget=DATE)
    households = count_field(_("Households to move"))
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in MovementPlace.choices:
            self.fields[f"intend_{code}"] = count_field(
                _("Intending: %(place)s") % {"place": label}, required=False
            )

    def intentions(self) -> dict[str, int]:
        return {code: self.cleaned_data[f"intend_{code}"] or 0 for code in MovementPlace.values}


# --- monitoring, gaps, risk ----------------------------------------------------------------------
