"""Forms of the health pages: the facility list's filters, a facility and its catchment, the
EWARN weekly report, the immediate alert, the consultation report and an alert's next step.
Code lists are read when a form is made, so that their labels are in the reader's language."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nahrain.core.models import Organisation, OrganisationType
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.geo.models import AdminUnit
from nahrain.health import codelists, weeks
from nahrain.health.services import Cell, DiseaseCount
from nahrain.sites.forms import DATE, LATITUDES, LONGITUDES


def _set_choices(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _count(label: Any = "") -> forms.IntegerField:
    """A count typed on a phone: blank is 0."""
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=1_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "class": "count"}),
    )


# --- facilities ---------------------------------------------------------------------------------


class FacilityFilterForm(forms.Form):
    """The facility list's filters (GET): every one may be left empty."""

    governorate = forms.ChoiceField(label=_("Governorate"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    kind = forms.ChoiceField(label=_("Kind of facility"), required=False)
    functionality = forms.ChoiceField(label=_("Functionality"), required=False)
    organisation = forms.ChoiceField(label=_("Organisation"), required=False)

    def __init__(
        self,
        *args: Any,
        units: list[dict[str, Any]],
        organisations: list[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        names = {u["pcode"]: local_name(u) for u in units}
        _set_choices(
            self,
            "governorate",
            [
                ("", _("All governorates")),
                *[(u["pcode"], names[u["pcode"]]) for u in units if u["level"] == 1],
            ],
        )
        _set_choices(
            self,
            "district",
            [
                ("", _("All districts")),
                *[
                    (u["pcode"], f"{names[u['pcode']]} ({names.get(u['parent__pcode'], '')})")
                    for u in units
                    if u["level"] == 2
                ],
            ],
        )
        _set_choices(self, "kind", [("", _("All kinds")), *codelists.choices("facility_kinds")])
        _set_choices(
            self,
            "functionality",
            [("", _("Any functionality")), *codelists.choices("functionality")],
        )
        _set_choices(
            self,
            "organisation",
            [
                ("", _("All organisations")),
                *[(str(o.pk), o.acronym or o.name) for o in organisations],
            ],
        )


class FacilityForm(forms.Form):
    """A facility as the Health Cluster's facility list writes it. The organisation, directorate,
    code and district are set when it is added; later edits change the rest."""

    organisation = forms.ModelChoiceField(
        label=_("Run by"), queryset=Organisation.objects.none(), empty_label=None
    )
    directorate = forms.ModelChoiceField(
        label=_("Directorate of Health"),
        queryset=Organisation.objects.filter(type=OrganisationType.GOVERNMENT).order_by("name"),
    )
    supporters = forms.ModelMultipleChoiceField(
        label=_("Supported by"),
        queryset=Organisation.objects.order_by("acronym", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    code = forms.CharField(label=_("Facility code"), max_length=40)
    district = forms.ModelChoiceField(
        label=_("District"), queryset=AdminUnit.objects.filter(level=2).order_by("name_en")
    )
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    name_ar = forms.CharField(label=_("Name (Arabic)"), max_length=200, required=False)
    name_ckb = forms.CharField(label=_("Name (Kurdish)"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind of facility"), choices=[])
    functionality = forms.ChoiceField(label=_("Functionality"), choices=[])
    latitude = forms.FloatField(
        label=_("Latitude"), required=False, min_value=LATITUDES[0], max_value=LATITUDES[1]
    )
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=LONGITUDES[0], max_value=LONGITUDES[1]
    )
    ewarn_reporting = forms.BooleanField(
        label=_("Sends EWARN weekly reports"), required=False, initial=True
    )
    active = forms.BooleanField(label=_("Open"), required=False, initial=True)

    # Set when the facility is added, not changed afterwards (its reports and alerts hang on them).
    CREATE_ONLY = ("organisation", "directorate", "supporters", "code", "district")

    def __init__(
        self, *args: Any, organisations: Any = None, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "kind", codelists.choices("facility_kinds"))
        _set_choices(self, "functionality", codelists.choices("functionality"))
        self.fields["district"].label_from_instance = local_name  # type: ignore[attr-defined]
        if editing:
            for name in self.CREATE_ONLY:
                del self.fields[name]
        else:
            del self.fields["active"]
            self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class CatchmentForm(forms.Form):
    """The places a facility serves: sites and DTM places of its district, each with the weekdays
    a mobile unit visits it. The rows are made from the candidates; checked ones are served."""

    def __init__(
        self,
        *args: Any,
        sites: list[Any],
        locations: list[Any],
        served: dict[str, list[int]],
        mobile: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.mobile = mobile
        self.rows: list[tuple[str, Any, str]] = []
        days = [(str(d), label) for d, label in weekday_choices()]
        for kind, items in (("site", sites), ("location", locations)):
            for item in items:
                key = f"{kind}-{item.pk}"
                self.fields[key] = forms.BooleanField(
                    label=local_name(item), required=False, initial=key in served
                )
                if mobile:
                    self.fields[f"days-{key}"] = forms.MultipleChoiceField(
                        label=_("Visit days"),
                        choices=days,
                        required=False,
                        widget=forms.CheckboxSelectMultiple,
                        initial=[str(d) for d in served.get(key, [])],
                    )
                self.rows.append((key, item, kind))

    def row_fields(self) -> list[tuple[Any, Any, str]]:
        return [
            (self[key], self[f"days-{key}"] if self.mobile else None, kind)
            for key, _item, kind in self.rows
        ]

    def chosen(self) -> tuple[list[Any], list[Any], dict[str, list[int]]]:
        """The sites and locations checked, and the visit days by the service's keys (a site's
        code, a location's external id)."""
        sites: list[Any] = []
        locations: list[Any] = []
        days: dict[str, list[int]] = {}
        for key, item, kind in self.rows:
            if not self.cleaned_data.get(key):
                continue
            (sites if kind == "site" else locations).append(item)
            if self.mobile:
                code = item.code if kind == "site" else item.external_id
                days[code] = sorted(int(d) for d in self.cleaned_data.get(f"days-{key}", []))
        return sites, locations, days


def weekday_choices() -> list[tuple[int, Any]]:
    """Weekdays as the service numbers them (0 Monday), listed from Sunday as Iraq's week runs."""
    names = [
        _("Monday"),
        _("Tuesday"),
        _("Wednesday"),
        _("Thursday"),
        _("Friday"),
        _("Saturday"),
        _("Sunday"),
    ]
    return [(d, names[d]) for d in (6, 0, 1, 2, 3, 4, 5)]


# --- EWARN ----------------------------------------------------------------------------------------

EWARN_COLUMNS = ("cases_under5", "cases_over5", "deaths_under5", "deaths_over5")
EWARN_WORDS = (
    _("Cases under 5"),
    _("Cases 5 and over"),
    _("Deaths under 5"),
    _("Deaths 5 and over"),
)


def week_ended(today: date | None = None) -> tuple[int, int]:
    """The epidemiological week that ended last: what a weekly report is usually for."""
    today = today or timezone.localdate()
    return weeks.shift(*weeks.week_of(today), -1)


def recent_weeks(count: int = 8, today: date | None = None) -> list[tuple[int, int]]:
    """The week running and those before it, newest first: the weeks a report can be sent for."""
    running = weeks.week_of(today or timezone.localdate())
    return [weeks.shift(*running, -n) for n in range(count)]


def week_value(year: int, week: int) -> str:
    return f"{year}-W{week:02d}"


class EwarnForm(forms.Form):
    """One epidemiological week: one row per disease of the list, blank is 0."""

    week = forms.ChoiceField(label=_("Epidemiological week"))

    def __init__(
        self, *args: Any, earlier: dict[str, dict[str, int]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        from nahrain.health.templatetags.health_pages import week_words

        _set_choices(
            self, "week", [(week_value(y, w), week_words(y, w)) for y, w in recent_weeks()]
        )
        self.fields["week"].initial = week_value(*week_ended())
        earlier = earlier or {}
        self.diseases = codelists.codes("diseases")
        for code in self.diseases:
            for column, words in zip(EWARN_COLUMNS, EWARN_WORDS, strict=True):
                field = _count(words)
                field.initial = earlier.get(code, {}).get(column) or None
                self.fields[f"{code}-{column}"] = field

    def rows(self) -> list[tuple[str, list[Any]]]:
        return [(code, [self[f"{code}-{c}"] for c in EWARN_COLUMNS]) for code in self.diseases]

    def clean_week(self) -> tuple[int, int]:
        year, week = str(self.cleaned_data["week"]).split("-W")
        return int(year), int(week)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for code in self.diseases:
            values = {c: cleaned.get(f"{code}-{c}") or 0 for c in EWARN_COLUMNS}
            for age in ("under5", "over5"):
                if values[f"deaths_{age}"] > values[f"cases_{age}"]:
                    self.add_error(f"{code}-deaths_{age}", _("More deaths than cases."))
        return cleaned

    def counts(self) -> list[DiseaseCount]:
        found = []
        for code in self.diseases:
            values = {c: self.cleaned_data.get(f"{code}-{c}") or 0 for c in EWARN_COLUMNS}
            if any(values.values()):
                found.append(DiseaseCount(disease=code, **values))
        return found


class ImmediateForm(forms.Form):
    """A case of a disease notifiable at once, sent the day it is seen."""

    disease = forms.ChoiceField(label=_("Disease"))
    seen_on = forms.DateField(label=_("Date seen"), widget=DATE)
    cases = forms.IntegerField(label=pgettext_lazy("disease", "Cases"), min_value=1, initial=1)
    deaths = forms.IntegerField(label=_("Deaths"), min_value=0, initial=0)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Age, sex, village or block, what was done; no name."),
    )
    # The report's id, made when the form is shown: the same form sent twice (a double click,
    # a poor connection's retry) is one report. Not required, so that a page opened before the
    # field existed can still send its alert.
    uid = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self,
            "disease",
            [(code, codelists.label("diseases", code)) for code in codelists.immediate_diseases()],
        )
        self.fields["seen_on"].initial = timezone.localdate()
        self.fields["uid"].initial = uuid.uuid4()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cases, deaths = cleaned.get("cases"), cleaned.get("deaths")
        if cases is not None and deaths is not None and deaths > cases:
            self.add_error("deaths", _("More deaths than cases."))
        return cleaned


# --- consultations --------------------------------------------------------------------------------


class ConsultationForm(forms.Form):
    """A week's or a month's consultations: per population group, a small grid of each service
    by age group and sex. Blank is 0."""

    period = forms.ChoiceField(
        label=_("Period"), choices=[("week", _("Week")), ("month", _("Month"))], initial="week"
    )
    week = forms.ChoiceField(label=_("Epidemiological week"), required=False)
    month = forms.ChoiceField(label=_("Month"), required=False)

    def __init__(
        self, *args: Any, earlier: dict[tuple[str, str, str, str], int] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        from nahrain.core.templatetags.nahrain_format import monthyear
        from nahrain.health.templatetags.health_pages import week_words

        _set_choices(
            self, "week", [(week_value(y, w), week_words(y, w)) for y, w in recent_weeks()]
        )
        self.fields["week"].initial = week_value(*week_ended())
        today = timezone.localdate()
        months = []
        first = today.replace(day=1)
        for _n in range(6):
            months.append((first.isoformat(), monthyear(first)))
            first = (first - timedelta(days=1)).replace(day=1)
        _set_choices(self, "month", months)
        self.fields["month"].initial = months[1][0]
        self.services = codelists.codes("consultation_services")
        self.sexes = codelists.codes("sexes")
        self.ages = codelists.codes("age_groups")
        self.groups = codelists.codes("population_groups")
        earlier = earlier or {}
        for group in self.groups:
            for service in self.services:
                for age in self.ages:
                    for sex in self.sexes:
                        field = _count()
                        # The grid's headers say it to the eye; a screen reader hears it here.
                        field.widget.attrs["aria-label"] = " · ".join(
                            codelists.label(kind, code)
                            for kind, code in (
                                ("population_groups", group),
                                ("consultation_services", service),
                                ("age_groups", age),
                                ("sexes", sex),
                            )
                        )
                        field.initial = earlier.get((service, sex, age, group)) or None
                        self.fields[self.cell_name(group, service, age, sex)] = field

    @staticmethod
    def cell_name(group: str, service: str, age: str, sex: str) -> str:
        return f"c-{group}-{service}-{age}-{sex}"

    def grids(self) -> list[tuple[str, list[tuple[str, list[tuple[str, list[Any]]]]]]]:
        """Per population group, per service, per age group: the boxes of each sex."""
        return [
            (
                group,
                [
                    (
                        service,
                        [
                            (
                                age,
                                [self[self.cell_name(group, service, age, s)] for s in self.sexes],
                            )
                            for age in self.ages
                        ],
                    )
                    for service in self.services
                ],
            )
            for group in self.groups
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("period") == "week" and not cleaned.get("week"):
            self.add_error("week", _("Choose the week."))
        if cleaned.get("period") == "month" and not cleaned.get("month"):
            self.add_error("month", _("Choose the month."))
        return cleaned

    def start(self) -> date:
        if self.cleaned_data["period"] == "week":
            year, week = str(self.cleaned_data["week"]).split("-W")
            return weeks.week_start(int(year), int(week))
        return date.fromisoformat(str(self.cleaned_data["month"]))

    def cells(self) -> list[Cell]:
        found = []
        for group in self.groups:
            for service in self.services:
                for age in self.ages:
                    for sex in self.sexes:
                        value = self.cleaned_data.get(self.cell_name(group, service, age, sex))
                        if value:
                            found.append(Cell(service, sex, age, group, value))
        return found


# --- alerts ---------------------------------------------------------------------------------------


class AlertStepForm(forms.Form):
    """The next step of an alert with a note (the service refuses to discard or close without
    one)."""

    to = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


def governorate_choices(units: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(u["pcode"], local_name(u)) for u in units if u["level"] == 1]


class AlertFilterForm(forms.Form):
    disease = forms.ChoiceField(label=_("Disease"), required=False)
    governorate = forms.ChoiceField(label=_("Governorate"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(
        self,
        *args: Any,
        governorates: list[tuple[str, str]],
        statuses: list[tuple[str, Any]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "disease", [("", _("All diseases")), *codelists.choices("diseases")])
        _set_choices(self, "governorate", [("", _("All governorates")), *governorates])
        _set_choices(self, "status", [("", _("Open alerts")), ("all", _("All alerts")), *statuses])
