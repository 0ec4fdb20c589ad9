"""Forms of the registry's pages: the registration in one step (the household and a roster of
members), and the changes made on a household's page. Each change form is sent once
(``OnceForm``): the form carries a key made when it is shown, and the service records the change
once per key."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nahrain.core.models import Organisation
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.geo.models import AdminUnit
from nahrain.geo.selectors import admin_unit_candidates
from nahrain.registry import codelists
from nahrain.registry.models import BirthDate, Individual, Sex, VisitOutcome
from nahrain.registry.rules import WG_FIELDS, DocumentIn, MemberIn, Problem
from nahrain.registry.templatetags.registry_format import person, wg_answer
from nahrain.sites.forms import DATE, OnceForm
from nahrain.sites.models import ShelterUnit, Site

# --- the rules in the reader's words -----------------------------------------------------------

# What each rule of ``rules.py`` and ``services.py`` means, for the person who broke it.
RULE_WORDS = {
    "name_missing": _("Give at least a first name, in Arabic or Latin script."),
    "sex_unknown": _("Give the sex: female or male."),
    "relationship_unknown": _("Choose the relationship to the head of household."),
    "sex_relationship": _("The sex does not match the relationship to the head of household."),
    "date_future": _("The date is in the future."),
    "age_above_max": _("The age is above the highest accepted (110 years)."),
    "age_negative": _("An age cannot be negative."),
    "age_missing": _("Give a date of birth or an age."),
    "wg_answer": _("Answer with one of the four Washington Group answers."),
    "document_unknown": _("Not a known civil document."),
    "sex_pregnant": _("A man cannot be recorded as pregnant or lactating."),
    "head_missing": _("One member must be the head of household."),
    "head_twice": _("The household already has a head: only one member is the head."),
    "size_members": _("The household size does not match the members listed."),
    "vulnerability_unknown": _("Not a known vulnerability."),
    "unit_site": _("The shelter unit is not in this site."),
    "place_missing": _("Give a site or a place out of camp."),
    "birth_date": _("A birth is recorded on the day of birth."),
    "key_used": _("This key was already used for another change."),
}

# The refusals the services give as a sentence alone (rule "refused").
REFUSAL_WORDS = {
    "This household is no longer active.": _("This household is no longer active."),
    "This person is no longer in the household.": _("This person is no longer in the household."),
    "A death is recorded after the date of birth.": _(
        "A death is recorded after the date of birth."
    ),
    "A household leaves after it was registered.": _("A household leaves after it was registered."),
    "The shelter unit is not in this site.": _("The shelter unit is not in this site."),
    "Give a site or a place out of camp.": _("Give a site or a place out of camp."),
    "A split leaves at least one member in the household.": _(
        "A split leaves at least one member in the household."
    ),
    "Only members in the household can form the new one.": _(
        "Only members in the household can form the new one."
    ),
    "The head stays: choose a new head for the household first.": _(
        "The head stays: choose a new head for the household first."
    ),
    "A household cannot merge into itself.": _("A household cannot merge into itself."),
    "Only households of one organisation merge.": _("Only households of one organisation merge."),
    "Sharing is agreed with a named organisation, and only sharing.": _(
        "Sharing is agreed with a named organisation, and only sharing."
    ),
    "A consent is withdrawn after it was given.": _("A consent is withdrawn after it was given."),
}


def problem_words(problem: Problem) -> str:
    """A problem in the reader's language: its rule's words, else its sentence."""
    words = RULE_WORDS.get(problem.rule) or REFUSAL_WORDS.get(problem.message)
    return str(words) if words is not None else problem.message


# --- fields ------------------------------------------------------------------------------------


class AdminUnitField(forms.CharField):
    """A governorate, district or sub-district typed by p-code or name (in any of the three
    languages), as the sites' forms take it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault(
            "help_text", _("Its p-code (IQG09Q02) or its name; the lowest one known.")
        )
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"list": "admin-units", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> AdminUnit | None:
        text = super().clean(value)
        if not text:
            return None
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


def today() -> date:
    return timezone.localdate()


class UnitChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{local_name(obj.site)}: {obj}" if self.show_site else str(obj)

    show_site = False


class MemberChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return person(obj)


class MembersChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return person(obj)


class SiteChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return local_name(obj)


def _wg_choices() -> list[tuple[Any, Any]]:
    answers = codelists.codelists()["wg_domains"]["answers"]
    return [("", _("Not asked"))] + [(a["code"], wg_answer(a["code"])) for a in answers]


DOCUMENT_STATES = [("", _("Not asked")), ("held", _("Held")), ("missing", _("Missing"))]


# --- members -----------------------------------------------------------------------------------

CHAIN = ("first", "father", "grandfather", "family")


class MemberFields(forms.Form):
    """A member's details as the registration officer asks them: the name chain in Arabic and
    Latin script, sex, relationship, date of birth (or age), the Washington Group questions
    and the specific needs."""

    first_ar = forms.CharField(label=_("First name (Arabic)"), max_length=80, required=False)
    father_ar = forms.CharField(label=_("Father's name (Arabic)"), max_length=80, required=False)
    grandfather_ar = forms.CharField(
        label=_("Grandfather's name (Arabic)"), max_length=80, required=False
    )
    family_ar = forms.CharField(label=_("Family or tribe (Arabic)"), max_length=80, required=False)
    first_lat = forms.CharField(label=_("First name (Latin)"), max_length=80, required=False)
    father_lat = forms.CharField(label=_("Father's name (Latin)"), max_length=80, required=False)
    grandfather_lat = forms.CharField(
        label=_("Grandfather's name (Latin)"), max_length=80, required=False
    )
    family_lat = forms.CharField(label=_("Family or tribe (Latin)"), max_length=80, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)
    relationship = forms.ChoiceField(label=_("Relationship to the head"), required=False)
    born_on = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)
    birth_date = forms.ChoiceField(
        label=_("Date of birth known as"),
        choices=[c for c in BirthDate.choices if c[0] != BirthDate.ESTIMATED],
        initial=BirthDate.EXACT,
        required=False,
    )
    serious_medical = forms.BooleanField(label=_("Serious medical condition"), required=False)
    pregnant_lactating = forms.BooleanField(label=_("Pregnant or lactating"), required=False)
    separated_child = forms.BooleanField(
        label=_("Unaccompanied or separated child"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first_ar", "father_ar", "grandfather_ar", "family_ar"):
            self.fields[name].widget.attrs.update({"dir": "rtl", "lang": "ar"})
        for name in ("first_lat", "father_lat", "grandfather_lat", "family_lat"):
            self.fields[name].widget.attrs.update({"dir": "ltr", "lang": "en"})
        relationship = self.fields["relationship"]
        assert isinstance(relationship, forms.ChoiceField)
        relationship.choices = [("", "—"), *codelists.choices("relationships")]
        for domain in WG_FIELDS:
            self.fields[f"wg_{domain}"] = forms.TypedChoiceField(
                label=codelists.label("wg_domains", domain),
                choices=_wg_choices(),
                coerce=int,
                empty_value=None,
                required=False,
            )

    def wg_fields(self) -> list[forms.BoundField]:
        return [self[f"wg_{domain}"] for domain in WG_FIELDS]


class MemberForm(MemberFields):
    """A member of the roster: the details, an age when the date of birth is not known, and the
    civil documents held (with their numbers) or missing."""

    age = forms.IntegerField(
        label=_("Age in years (when the date of birth is not known)"),
        required=False,
        min_value=0,
        max_value=130,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in codelists.codes("documents"):
            self.fields[f"doc_{kind}"] = forms.ChoiceField(
                label=codelists.label("documents", kind), choices=DOCUMENT_STATES, required=False
            )
            self.fields[f"docnum_{kind}"] = forms.CharField(
                label=_("Number"), max_length=40, required=False
            )

    def document_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"doc_{k}"], self[f"docnum_{k}"]) for k in codelists.codes("documents")]

    def member_in(self) -> MemberIn:
        data = self.cleaned_data
        return MemberIn(
            sex=data["sex"],
            relationship=data["relationship"],
            **{f"{n}_{s}": data[f"{n}_{s}"] for n in CHAIN for s in ("ar", "lat")},
            born_on=data["born_on"],
            birth_date=data["birth_date"] or BirthDate.EXACT,
            age=data["age"] if data["born_on"] is None else None,
            wg={d: data[f"wg_{d}"] for d in WG_FIELDS if data.get(f"wg_{d}") is not None},
            serious_medical=data["serious_medical"],
            pregnant_lactating=data["pregnant_lactating"],
            separated_child=data["separated_child"],
            documents=[
                DocumentIn(kind, data[f"doc_{kind}"] == "held", data[f"docnum_{kind}"])
                for kind in codelists.codes("documents")
                if data.get(f"doc_{kind}")
            ],
        )


MemberFormSet = forms.formset_factory(MemberForm, extra=0, min_num=1, validate_min=True)


class MemberEditForm(OnceForm, MemberFields):
    """A member's details corrected (the change is kept in the household's history)."""

    def __init__(self, *args: Any, individual: Individual, **kwargs: Any) -> None:
        initial = {name: getattr(individual, name) for name in MEMBER_EDITED}
        super().__init__(*args, initial=initial, **kwargs)
        birth_date = self.fields["birth_date"]
        assert isinstance(birth_date, forms.ChoiceField)
        birth_date.choices = BirthDate.choices

    def changes(self) -> dict[str, Any]:
        changes = {name: self.cleaned_data[name] for name in MEMBER_EDITED}
        changes["birth_date"] = changes["birth_date"] or BirthDate.EXACT
        return changes


MEMBER_EDITED = (
    *(f"{n}_{s}" for s in ("ar", "lat") for n in CHAIN),
    "sex", "relationship", "born_on", "birth_date",
    *(f"wg_{d}" for d in WG_FIELDS),
    "serious_medical", "pregnant_lactating", "separated_child",
)  # fmt: skip


class MemberAddForm(OnceForm, MemberForm):
    """A member joining the household: a child born into it, or a person joining it."""

    birth = forms.TypedChoiceField(
        label=_("How the member joins"),
        choices=[("1", _("Born into the household")), ("0", _("Joins the household"))],
        coerce=lambda v: v == "1",
        initial="0",
        widget=forms.RadioSelect,
    )
    on = forms.DateField(label=_("Date (of the birth or of joining)"), widget=DATE, initial=today)

    field_order = ["birth", "on"]


class MemberDeathForm(OnceForm):
    on = forms.DateField(label=_("Date of death"), widget=DATE, initial=today)


# --- registration ------------------------------------------------------------------------------


class RegisterForm(OnceForm):
    """The household's side of a registration: where it lives (a unit of the site, or a place
    out of camp), where it came from, its phone, the vulnerabilities the officer records and
    what it agreed to."""

    registered_on = forms.DateField(label=_("Registered on"), widget=DATE, initial=today)
    unit = UnitChoice(
        label=_("Shelter unit"),
        queryset=ShelterUnit.objects.none(),
        required=False,
        empty_label=_("No unit yet"),
    )
    admin_unit = AdminUnitField(label=_("Governorate, district or sub-district"), required=False)
    address = forms.CharField(label=_("Address out of camp"), max_length=300, required=False)
    origin = AdminUnitField(label=_("Area of origin"), required=False)
    origin_place = forms.CharField(
        label=_("Village or neighbourhood of origin"), max_length=200, required=False
    )
    displaced_on = forms.DateField(label=_("Displaced on"), required=False, widget=DATE)
    phone = forms.CharField(
        label=_("Contact phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "tel", "autocomplete": "off"}),
    )
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Vulnerabilities recorded"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Those the members' details show are added by themselves."),
    )
    consents = forms.MultipleChoiceField(
        label=_("The household agrees to"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=["registration"],
    )

    def __init__(self, *args: Any, site: Site | None, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site = site
        unit = self.fields["unit"]
        assert isinstance(unit, UnitChoice)
        unit.queryset = units
        if site is None:
            del self.fields["unit"]
            self.fields["admin_unit"].required = True
        else:
            del self.fields["admin_unit"]
            del self.fields["address"]
        vulnerabilities = self.fields["vulnerabilities"]
        assert isinstance(vulnerabilities, forms.MultipleChoiceField)
        vulnerabilities.choices = codelists.choices("vulnerabilities")
        consents = self.fields["consents"]
        assert isinstance(consents, forms.MultipleChoiceField)
        # Sharing is agreed with a named organisation, on the household's page.
        consents.choices = [c for c in codelists.choices("consent_purposes") if c[0] != "sharing"]


# --- a household's page ------------------------------------------------------------------------


class HouseholdEditForm(OnceForm):
    phone = RegisterForm.base_fields["phone"]
    address = RegisterForm.base_fields["address"]
    origin = AdminUnitField(label=_("Area of origin"), required=False)
    origin_place = RegisterForm.base_fields["origin_place"]
    displaced_on = RegisterForm.base_fields["displaced_on"]
    vulnerabilities_recorded = forms.MultipleChoiceField(
        label=_("Vulnerabilities recorded"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Those the members' details show are kept by themselves."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["vulnerabilities_recorded"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = codelists.choices("vulnerabilities")


class DepartForm(OnceForm):
    on = forms.DateField(label=_("Date of departure"), widget=DATE, initial=today)
    returned = forms.TypedChoiceField(
        label=_("Where to"),
        choices=[("1", _("Returned to area of origin")), ("0", _("Left elsewhere"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    destination = AdminUnitField(label=_("Destination (when known)"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class MoveForm(OnceForm):
    on = forms.DateField(label=_("Date of the move"), widget=DATE, initial=today)
    site = SiteChoice(
        label=_("To camp or site"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("Out of camp"),
    )
    unit = UnitChoice(
        label=_("Shelter unit"),
        queryset=ShelterUnit.objects.none(),
        required=False,
        empty_label=_("No unit yet"),
    )
    admin_unit = AdminUnitField(
        label=_("Governorate, district or sub-district (out of camp)"), required=False
    )
    address = forms.CharField(label=_("Address out of camp"), max_length=300, required=False)

    def __init__(self, *args: Any, sites: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        unit = self.fields["unit"]
        assert isinstance(unit, UnitChoice)
        unit.queryset = units
        unit.show_site = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit, site = data.get("unit"), data.get("site")
        if unit is not None and (site is None or unit.site_id != site.pk):
            self.add_error("unit", _("The shelter unit is not in this site."))
        if site is None and data.get("admin_unit") is None and "admin_unit" not in self.errors:
            self.add_error("admin_unit", _("Give a site or a place out of camp."))
        return data


class SplitForm(OnceForm):
    on = forms.DateField(label=_("Date of the split"), widget=DATE, initial=today)
    head = MemberChoice(label=_("Head of the new household"), queryset=Individual.objects.none())
    members = MembersChoice(
        label=_("Members who go with them"),
        queryset=Individual.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    unit = UnitChoice(
        label=_("Shelter unit of the new household"),
        queryset=ShelterUnit.objects.none(),
        required=False,
        empty_label=_("No unit yet"),
    )

    def __init__(self, *args: Any, members: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["head"].queryset = members  # type: ignore[attr-defined]
        self.fields["members"].queryset = members  # type: ignore[attr-defined]
        unit = self.fields["unit"]
        assert isinstance(unit, UnitChoice)
        unit.queryset = units


class MergeForm(OnceForm):
    on = forms.DateField(label=_("Date of the merge"), widget=DATE, initial=today)
    number = forms.CharField(
        label=_("Registration number of the household it joins"),
        max_length=30,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )


class ConsentForm(OnceForm):
    purpose = forms.ChoiceField(label=_("Purpose"))
    shared_with = forms.ModelChoiceField(
        label=_("Organisation (for sharing)"),
        queryset=Organisation.objects.order_by("acronym"),
        required=False,
    )
    on = forms.DateField(label=_("Given on"), widget=DATE, initial=today)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        purpose = self.fields["purpose"]
        assert isinstance(purpose, forms.ChoiceField)
        purpose.choices = codelists.choices("consent_purposes")


class WithdrawForm(OnceForm):
    on = forms.DateField(label=_("Withdrawn on"), widget=DATE, initial=today)


class VisitForm(OnceForm):
    on = forms.DateField(label=_("Date of the visit"), widget=DATE, initial=today)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=VisitOutcome.choices)
    members_seen = forms.IntegerField(
        label=_("Members seen"), required=False, min_value=0, max_value=100
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
