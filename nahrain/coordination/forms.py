"""Forms of the coordination pages: the dashboard's filters, the rows of a partner's monthly
report (one indicator, one place, one population group, the figure and, where known, how many
were women and girls and how many men and boys), and a partner name taught to an organisation.
Choices are labels in the reader's language; the values are the catalogue's codes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from nahrain.coordination import codelists
from nahrain.coordination.models import ClusterRole, Project
from nahrain.core.models import Organisation
from nahrain.geo.models import AdminUnit

# A row entered with its sex but not its age: the cells of unknown age.
SEX_CELLS = {"women_girls": "f_unknown", "men_boys": "m_unknown"}


def month_value(value: str) -> date | None:
    """A month as the URL and the month inputs write it (2018-03), or None."""
    try:
        year, month = (int(part) for part in value.split("-", 1))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None


def unit_name(unit: AdminUnit, language: str | None = None) -> str:
    language = language or get_language() or "en"
    return str(getattr(unit, f"name_{language}", "") or unit.name_en)


def governorate_choices() -> list[tuple[str, Any]]:
    units = AdminUnit.objects.filter(level=1).order_by("name_en")
    return [("", _("All governorates")), *((u.pcode, unit_name(u)) for u in units)]


def place_choices() -> list[tuple[str, str]]:
    """Governorates and their districts, each district after its governorate."""
    units = AdminUnit.objects.filter(level__in=(1, 2)).select_related("parent")
    by_governorate: dict[Any, list[AdminUnit]] = {}
    governorates = []
    for unit in units:
        if unit.level == 1:
            governorates.append(unit)
        else:
            by_governorate.setdefault(unit.parent_id, []).append(unit)
    found: list[tuple[str, str]] = [("", "")]
    for governorate in sorted(governorates, key=lambda u: u.name_en):
        found.append((governorate.pcode, unit_name(governorate)))
        for district in sorted(by_governorate.get(governorate.pk, []), key=lambda u: u.name_en):
            found.append((district.pcode, f"{unit_name(district)}, {unit_name(governorate)}"))
    return found


def indicator_choices() -> list[tuple[str, Any]]:
    """The catalogue's indicators grouped by cluster, each labelled with its activity."""
    language = get_language()
    groups: list[tuple[str, Any]] = [("", "")]
    for cluster, activities in codelists.catalogue()["clusters"].items():
        options = [
            (
                indicator["code"],
                f"{codelists.activity_label(activity['code'], language)}: "
                f"{codelists.indicator(indicator['code']).label(language)}",
            )
            for activity in activities
            for indicator in activity["indicators"]
        ]
        groups.append((codelists.label("clusters", cluster, language), options))
    return groups


class DashboardFilterForm(forms.Form):
    governorate = forms.ChoiceField(label=_("Governorate"), required=False)
    month_from = forms.CharField(
        label=_("From"), required=False, widget=forms.TextInput(attrs={"type": "month"})
    )
    month_to = forms.CharField(
        label=_("To"), required=False, widget=forms.TextInput(attrs={"type": "month"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["governorate"]).choices = governorate_choices()

    def clean_month_from(self) -> date | None:
        return self._month("month_from")

    def clean_month_to(self) -> date | None:
        return self._month("month_to")

    def _month(self, name: str) -> date | None:
        value = self.cleaned_data.get(name) or ""
        if not value:
            return None
        month = month_value(value)
        if month is None:
            raise forms.ValidationError(_("Write the month as year and month, such as 2018-03."))
        return month

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("month_from"), cleaned.get("month_to")
        if first and last and first > last:
            self.add_error("month_to", _("The last month comes before the first."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The selectors' keyword arguments."""
        if not self.is_bound or not self.is_valid():
            return {"governorate": None, "month_from": None, "month_to": None}
        pcode = self.cleaned_data.get("governorate")
        return {
            "governorate": AdminUnit.objects.filter(pcode=pcode, level=1).first()
            if pcode
            else None,
            "month_from": self.cleaned_data.get("month_from"),
            "month_to": self.cleaned_data.get("month_to"),
        }


class ReportRowForm(forms.Form):
    indicator = forms.ChoiceField(label=_("Activity and indicator"))
    place = forms.ChoiceField(label=_("Where"))
    population_group = forms.ChoiceField(label=_("Population group"), required=False)
    value = forms.IntegerField(label=_("Figure"), min_value=0)
    women_girls = forms.IntegerField(label=_("Women and girls"), min_value=0, required=False)
    men_boys = forms.IntegerField(label=_("Men and boys"), min_value=0, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        places = kwargs.pop("places")
        indicators = kwargs.pop("indicators")
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["indicator"]).choices = indicators
        cast(forms.ChoiceField, self.fields["place"]).choices = places
        cast(forms.ChoiceField, self.fields["population_group"]).choices = [
            ("", _("All groups")),
            *codelists.choices("population_groups"),
        ]

    def row(self) -> dict[str, Any] | None:
        """The row as the service takes it, or None for a row left blank."""
        data = self.cleaned_data
        if not data or not data.get("indicator"):
            return None
        known = codelists.indicator(data["indicator"])
        cells = {
            cell: data[field] for field, cell in SEX_CELLS.items() if data.get(field) is not None
        }
        return {
            "cluster": known.cluster,
            "activity": known.activity,
            "indicator": known.code,
            "admin_unit": AdminUnit.objects.get(pcode=data["place"]),
            "population_group": data.get("population_group") or "",
            "value": data["value"],
            "cells": cells,
        }


class BaseRowFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.places = place_choices()
        self.indicators = indicator_choices()
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"places": self.places, "indicators": self.indicators}


ReportRowFormSet = forms.formset_factory(
    ReportRowForm, formset=BaseRowFormSet, extra=3, max_num=200, validate_max=True
)


def initial_rows(rows: Any) -> list[dict[str, Any]]:
    """The form's rows of the entered rows of a report."""
    found = []
    for row in rows:
        cells = row.cells or {}
        found.append(
            {
                "indicator": row.indicator,
                "place": row.admin_unit.pcode,
                "population_group": row.population_group,
                "value": row.value,
                **{field: cells.get(cell) for field, cell in SEX_CELLS.items()},
            }
        )
    return found


class PartnerNameForm(forms.Form):
    spelling = forms.CharField(label=_("The name as partners write it"), max_length=200)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.order_by("acronym")
    )


class GovernorateChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return unit_name(obj)


class ProjectForm(forms.Form):
    """A project of the plan: the organisations and clusters offered are those the user writes
    projects for (``access.may_manage_project`` decides again on save)."""

    code = forms.CharField(label=_("Project code"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=300)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.order_by("acronym")
    )
    cluster = forms.ChoiceField(label=_("Cluster"))
    requested = forms.DecimalField(
        label=_("Requested (USD)"), min_value=0, max_digits=14, decimal_places=2
    )
    targets = forms.IntegerField(label=_("People targeted"), min_value=0, initial=0)
    governorates = GovernorateChoiceField(
        label=_("Governorates"),
        queryset=AdminUnit.objects.filter(level=1).order_by("name_en").defer("geometry"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        kwargs["prefix"] = "project"
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = organisations  # type: ignore[type-arg]
        cast(forms.ChoiceField, self.fields["cluster"]).choices = codelists.choices("clusters")


class FundingForm(forms.Form):
    """Money a donor gave one project: the projects offered are those the user records funding
    for."""

    project: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Project"), queryset=Project.objects.none()
    )
    amount = forms.DecimalField(
        label=_("Amount (USD)"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2
    )
    source = forms.CharField(label=_("Donor"), max_length=200)
    received_on = forms.DateField(
        label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)

    def __init__(self, *args: Any, projects: Any, **kwargs: Any) -> None:
        kwargs["prefix"] = "funding"
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["project"]).queryset = projects  # type: ignore[type-arg]


class ClusterMemberForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=ClusterRole.choices)

    def clean_username(self) -> User:
        found = User.objects.filter(username=self.cleaned_data["username"].strip()).first()
        if found is None:
            raise forms.ValidationError(_("No user has this name."))
        return found
