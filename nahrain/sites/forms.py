"""Forms of the sites app."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from nahrain.core.models import Organisation
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.geo.models import AdminUnit
from nahrain.geo.selectors import admin_unit_candidates
from nahrain.sites.models import (
    ClosurePlan,
    GapStatus,
    MovementKind,
    MovementPlace,
    MovementReason,
    PopulationSource,
    Sector,
    ShelterCondition,
    ShelterKind,
    Site,
    SiteStatus,
    SiteType,
)

# A date picker; its value in ISO form, which every browser's date input reads.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- sites: list, dashboard, site page ----------------------------------------------------------

# Iraq's extent with a margin: a point outside it is a swapped or mistyped coordinate.
LATITUDES, LONGITUDES = (28.5, 38.0), (38.0, 49.5)


class SiteFilterForm(forms.Form):
    """The site list's filters (GET): every one may be left empty."""

    q = forms.CharField(label=_("Name or site code"), required=False, max_length=100)
    type = forms.ChoiceField(
        label=_("Type"), choices=[("", _("All types")), *SiteType.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All statuses")), *SiteStatus.choices], required=False
    )
    governorate = forms.ChoiceField(label=_("Governorate"), required=False)

    def __init__(self, *args: Any, governorates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["governorate"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All governorates")), *governorates]


class SiteForm(forms.Form):
    """A site's profile as the CCCM Cluster's site list writes it; its place is picked by p-code
    or name (in any of the three languages) from the gazetteer."""

    name_en = forms.CharField(label=_("Site name (English)"), max_length=200)
    name_ar = forms.CharField(label=_("Site name (Arabic)"), max_length=200, required=False)
    name_ckb = forms.CharField(label=_("Site name (Kurdish)"), max_length=200, required=False)
    type = forms.ChoiceField(label=_("Site type"), choices=SiteType.choices)
    admin_unit = forms.CharField(
        label=_("Governorate, district or sub-district"),
        help_text=_("Its p-code (IQG09Q02) or its name; the lowest one known."),
        max_length=200,
        widget=forms.TextInput(attrs={"list": "admin-units", "autocomplete": "off"}),
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=LATITUDES[0],
        max_value=LATITUDES[1],
        help_text=_(
            "Decimal degrees (WGS 84). Without coordinates the map places the site at its "
            "area's centre."
        ),
    )
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=LONGITUDES[0], max_value=LONGITUDES[1]
    )
    managing_agency = forms.CharField(
        label=_("Camp management agency"), max_length=200, required=False
    )
    partners = forms.CharField(
        label=_("Partners on site"),
        help_text=_("One per line."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    opened_on = forms.DateField(label=_("Opened on"), required=False, widget=DATE)
    capacity_plots = forms.IntegerField(label=_("Planned plots"), required=False, min_value=0)
    capacity_shelters = forms.IntegerField(label=_("Planned shelters"), required=False, min_value=0)
    capacity_people = forms.IntegerField(
        label=_("Planned capacity (individuals)"), required=False, min_value=0
    )
    area_m2 = forms.IntegerField(label=_("Site area (m²)"), required=False, min_value=0)

    def clean_admin_unit(self) -> Any:
        text = self.cleaned_data["admin_unit"]
        candidates = admin_unit_candidates(text)
        if not candidates:
            raise forms.ValidationError(
                _("No governorate, district or sub-district has this p-code or name.")
            )
        if len(candidates) > 1:
            raise forms.ValidationError(
                _("Several areas have this name (%(pcodes)s): give the p-code."),
                params={"pcodes": ", ".join(u.pcode for u in candidates)},
            )
        return candidates[0]

    def clean_partners(self) -> list[str]:
        lines = (line.strip() for line in self.cleaned_data["partners"].splitlines())
        return list(dict.fromkeys(line for line in lines if line))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise forms.ValidationError(_("Give both the latitude and the longitude, or neither."))
        return data

    def attributes(self) -> dict[str, Any]:
        """The profile fields as site_create and site_update take them."""
        data = dict(self.cleaned_data)
        for name in ("admin_unit", "code", "organisation", "status", "status_on"):
            data.pop(name, None)
        for name in ("name_en", "name_ar", "name_ckb", "managing_agency"):
            data[name] = data[name].strip()
        return data


class SiteCreateForm(SiteForm):
    """A new site: also its code, the organisation that holds it and its first status."""

    field_order = ["organisation", "code"]

    organisation = forms.ModelChoiceField(
        label=_("Organisation holding the record"),
        queryset=Organisation.objects.none(),
        empty_label=None,
    )
    code = forms.CharField(
        label=_("Site code"),
        max_length=40,
        help_text=_("The CCCM Cluster's code where the site has one."),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=SiteStatus.choices, initial=SiteStatus.OPEN
    )
    status_on = forms.DateField(label=_("Status since"), widget=DATE)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations


class SiteStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=SiteStatus.choices)
    on = forms.DateField(label=_("Since"), widget=DATE)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who decided it and why: a closure notice, a consolidation plan..."),
    )


# --- exports and the reconciliation with DTM ---------------------------------------------------


class SiteImportOptionsForm(forms.Form):
    """Choices made with the upload of a site master list: what the file leaves unsaid."""

    type = forms.ChoiceField(
        label=_("Site type, where the file gives none"),
        choices=SiteType.choices,
        initial=SiteType.CAMP,
        required=False,
    )
    population_source = forms.ChoiceField(
        label=_("Source of the population figures"),
        choices=[c for c in PopulationSource.choices if c[0] != PopulationSource.MOVEMENTS],
        initial=PopulationSource.CCCM_ESTIMATE,
        required=False,
    )
    population_date = forms.DateField(
        label=_("Date of the population figures, where the file gives none"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_population_date(self) -> str:
        # Kept with the upload as JSON until the import runs: a date is kept in ISO form.
        value: date | None = self.cleaned_data.get("population_date")
        return value.isoformat() if value else ""


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


class OnceForm(forms.Form):
    """A form whose sending records once: the key is made when the form is shown, so that the
    same form sent twice (a double click, a resend after a lost answer) counts once."""

    key = forms.CharField(max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key"].initial = f"page:{uuid.uuid4()}"


class MovementForm(OnceForm):
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


class TransferForm(OnceForm):
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
