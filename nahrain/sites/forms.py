"""Forms of the sites app."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from nahrain.sites.models import PopulationSource, SiteType

# --- sites: list, dashboard, site page ----------------------------------------------------------


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


# --- monitoring, gaps, risk ----------------------------------------------------------------------
