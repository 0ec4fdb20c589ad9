"""Forms of the service directory's pages: the search (sent by GET, every criterion optional),
and a point's entry as its mapper writes it, with its offers and, for a mobile team, its
visits as two small formsets. Code lists are labelled in the reader's language when the form
is made, never when this module is imported."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from nahrain.core.models import Organisation
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.referrals import codelists
from nahrain.referrals.directory_selectors import DirectoryFilters
from nahrain.referrals.directory_services import OfferIn, PointIn, VisitIn
from nahrain.referrals.models import ServicePointVersion
from nahrain.referrals.services import Problem, ReferralRuleBroken
from nahrain.registry.forms import AdminUnitField
from nahrain.sites.forms import DATE, OnceForm
from nahrain.sites.models import Site

SEXES = [("f", _("Women and girls")), ("m", _("Men and boys"))]
PERSON_SEXES = [("", _("Anyone")), ("f", _("Female")), ("m", _("Male"))]
# Iraq's week starts on Sunday; the values are ISO weekdays (1 = Monday), as the entries keep.
WEEK_ORDER = (7, 1, 2, 3, 4, 5, 6)
MAX_AGE = 120
OFFER_PREFIX = "offer"
VISIT_PREFIX = "visit"
MAX_ROWS = 30


def _choices(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def weekday_choices() -> list[tuple[str, str]]:
    return [(str(day), str(WEEKDAYS[day - 1])) for day in WEEK_ORDER]


class SiteChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return local_name(obj)


class OrganisationChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


# --- the search -------------------------------------------------------------------------------


class DirectoryFilterForm(forms.Form):
    """The directory's search: a name, a service, a place, and who the person is."""

    q = forms.CharField(label=_("Name"), max_length=100, required=False)
    service = forms.ChoiceField(label=_("Service"), choices=[], required=False)
    place = forms.ChoiceField(label=_("Where"), choices=[], required=False)
    sex = forms.ChoiceField(label=_("The person is"), choices=PERSON_SEXES, required=False)
    age = forms.IntegerField(
        label=_("The person's age"), min_value=0, max_value=MAX_AGE, required=False
    )
    group = forms.ChoiceField(label=_("Population group"), choices=[], required=False)
    language = forms.ChoiceField(label=_("Language spoken"), choices=[], required=False)
    kind = forms.ChoiceField(label=_("Kind of service point"), choices=[], required=False)

    def __init__(self, *args: Any, places: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "service", [("", _("All services")), *codelists.choices("service_types")])
        _choices(self, "place", [("", _("Everywhere")), *places])
        _choices(self, "group", [("", _("Any group")), *codelists.choices("population_groups")])
        _choices(self, "language", [("", _("Any language")), *codelists.choices("languages")])
        _choices(self, "kind", [("", _("Any kind")), *codelists.choices("point_kinds")])

    def filters(self) -> DirectoryFilters:
        """The criteria that are valid (a wrong one is left out, and its error shown)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return DirectoryFilters(
            q=data.get("q") or "",
            service=data.get("service") or "",
            place=data.get("place") or "",
            sex=data.get("sex") or "",
            age=data.get("age"),
            group=data.get("group") or "",
            language=data.get("language") or "",
            kind=data.get("kind") or "",
        )


def place_choices(units: Sequence[dict[str, Any]]) -> list[Any]:
    """The search's places, grouped by governorate: the whole governorate first, then its
    districts (and sub-districts, where loaded), by name in the reader's language; the values
    are p-codes, which the page never shows."""
    governorates = [u for u in units if u["level"] == 1]
    below: dict[str, list[dict[str, Any]]] = {}
    for unit in units:
        if unit["level"] > 1:
            below.setdefault(unit["pcode"][:5], []).append(unit)
    grouped: list[Any] = []
    for governorate in sorted(governorates, key=local_name):
        name = local_name(governorate)
        options = [(governorate["pcode"], _("All of %(name)s") % {"name": name})]
        for unit in sorted(below.get(governorate["pcode"], []), key=lambda u: u["pcode"]):
            indent = "\u2003" if unit["level"] == 3 else ""
            options.append((unit["pcode"], f"{indent}{local_name(unit)}"))
        grouped.append((name, options))
    return grouped


# --- a point's entry --------------------------------------------------------------------------


class PointForm(OnceForm):
    """What a point is, where, when it is open and how to reach it (sent once: its key)."""

    organisation = OrganisationChoice(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=True
    )
    kind = forms.ChoiceField(label=_("Kind of service point"), choices=[])
    name_en = forms.CharField(label=_("Name in English"), max_length=200, required=False)
    name_ar = forms.CharField(label=_("Name in Arabic"), max_length=200, required=False)
    name_ckb = forms.CharField(label=_("Name in Kurdish"), max_length=200, required=False)
    admin_unit = AdminUnitField(
        label=_("Governorate, district or sub-district"),
        help_text=_("Its name (or its p-code, where two places share a name)."),
    )
    site = SiteChoice(
        label=_("Inside a camp or site"), queryset=Site.objects.none(), required=False
    )
    latitude = forms.FloatField(
        label=_("Latitude (degrees)"), min_value=-90, max_value=90, required=False
    )
    longitude = forms.FloatField(
        label=_("Longitude (degrees)"), min_value=-180, max_value=180, required=False
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    hours = forms.CharField(label=_("Opening hours"), max_length=200, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages the staff speak"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    phone = forms.CharField(label=_("Service phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Service e-mail"), required=False)
    capacity_per_week = forms.IntegerField(
        label=_("People served a week"), min_value=0, max_value=1_000_000, required=False
    )
    waiting_days = forms.IntegerField(
        label=_("Waiting time (days)"), min_value=0, max_value=3650, required=False
    )
    active_from = forms.DateField(label=_("Active from"), required=False, widget=DATE)
    active_until = forms.DateField(label=_("Active until"), required=False, widget=DATE)
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation] | None,
        sites: QuerySet[Site],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "kind", [("", "—"), *codelists.choices("point_kinds")])
        _choices(self, "languages", codelists.choices("languages"))
        site = self.fields["site"]
        assert isinstance(site, forms.ModelChoiceField)
        site.queryset = sites
        if organisations is None:
            # Editing: the point stays with the organisation that runs it.
            del self.fields["organisation"]
        else:
            organisation = self.fields["organisation"]
            assert isinstance(organisation, forms.ModelChoiceField)
            organisation.queryset = organisations


class OfferForm(forms.Form):
    """One service the point offers, and to whom (nothing ticked: anyone)."""

    service = forms.ChoiceField(label=_("Service"), choices=[], required=False)
    sexes = forms.MultipleChoiceField(
        label=_("For"), choices=SEXES, required=False, widget=forms.CheckboxSelectMultiple
    )
    age_min = forms.IntegerField(
        label=_("From the age of"), min_value=0, max_value=MAX_AGE, required=False
    )
    age_max = forms.IntegerField(
        label=_("Up to the age of"), min_value=0, max_value=MAX_AGE, required=False
    )
    groups = forms.MultipleChoiceField(
        label=_("Population groups"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "service", [("", "—"), *codelists.choices("service_types")])
        _choices(self, "groups", codelists.choices("population_groups"))


class VisitForm(forms.Form):
    """A place or site a mobile team goes to, on which days."""

    site = SiteChoice(label=_("Camp or site"), queryset=Site.objects.none(), required=False)
    place = AdminUnitField(
        label=_("Or an area"),
        required=False,
        help_text=_("A governorate, district or sub-district, by name."),
    )
    weekdays = forms.MultipleChoiceField(
        label=_("Days"), choices=[], required=False, widget=forms.CheckboxSelectMultiple
    )
    hours = forms.CharField(label=_("Hours"), max_length=100, required=False)

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "weekdays", weekday_choices())
        site = self.fields["site"]
        assert isinstance(site, forms.ModelChoiceField)
        site.queryset = sites

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("site") or data.get("place") or data.get("weekdays"))


OfferFormSet = forms.formset_factory(OfferForm, extra=0, max_num=MAX_ROWS, absolute_max=MAX_ROWS)
VisitFormSet = forms.formset_factory(VisitForm, extra=0, max_num=MAX_ROWS, absolute_max=MAX_ROWS)


def entry_initial(version: ServicePointVersion | None) -> dict[str, Any]:
    """The point form's values from an entry (nothing for a new point)."""
    if version is None:
        return {}
    names = (
        "kind",
        "name_en",
        "name_ar",
        "name_ckb",
        "latitude",
        "longitude",
        "address",
        "hours",
        "phone",
        "email",
        "capacity_per_week",
        "waiting_days",
        "active_from",
        "active_until",
        "note",
    )
    return {
        **{name: getattr(version, name) for name in names},
        "admin_unit": version.admin_unit.pcode,
        "site": version.site_id,
        "languages": list(version.languages),
    }


def offers_initial(version: ServicePointVersion | None) -> list[dict[str, Any]]:
    if version is None:
        return [{}]
    return [
        {
            "service": o.service,
            "sexes": list(o.sexes),
            "age_min": o.age_min,
            "age_max": o.age_max,
            "groups": list(o.groups),
        }
        for o in version.offers.all()
    ] or [{}]


def visits_initial(version: ServicePointVersion | None) -> list[dict[str, Any]]:
    if version is None:
        return []
    return [
        {
            "site": v.site_id,
            "place": v.admin_unit.pcode if v.admin_unit else "",
            "weekdays": [str(d) for d in v.weekdays],
            "hours": v.hours,
        }
        for v in version.visits.all()
    ]


def point_in(form: PointForm, offers: Any, visits: Any) -> PointIn:
    """The entry the forms hold (all three valid); blank offer and visit rows are left out."""
    data = form.cleaned_data
    offered = tuple(
        OfferIn(
            service=row["service"],
            sexes=tuple(row.get("sexes") or ()),
            age_min=row.get("age_min"),
            age_max=row.get("age_max"),
            groups=tuple(row.get("groups") or ()),
        )
        for row in (f.cleaned_data for f in offers.forms)
        if row.get("service")
    )
    visited = tuple(
        VisitIn(
            weekdays=tuple(int(day) for day in f.cleaned_data.get("weekdays") or ()),
            site=f.cleaned_data.get("site"),
            admin_unit=f.cleaned_data.get("place"),
            hours=f.cleaned_data.get("hours") or "",
        )
        for f in visits.forms
        if not f.is_blank()
    )
    return PointIn(
        kind=data["kind"],
        name_en=data["name_en"],
        name_ar=data["name_ar"],
        name_ckb=data["name_ckb"],
        admin_unit=data["admin_unit"],
        site=data["site"],
        latitude=data["latitude"],
        longitude=data["longitude"],
        address=data["address"],
        hours=data["hours"],
        languages=tuple(data["languages"]),
        phone=data["phone"],
        email=data["email"],
        capacity_per_week=data["capacity_per_week"],
        waiting_days=data["waiting_days"],
        active_from=data["active_from"],
        active_until=data["active_until"],
        note=data["note"],
        offers=offered,
        visits=visited,
    )


def problems_of(error: ValidationError) -> list[Problem]:
    """What a refused write says: the directory's rules' problems, or the entry's own checks
    (a field the model refuses, such as a malformed e-mail address), as problems alike."""
    if isinstance(error, ReferralRuleBroken):
        return list(error.problems)
    if hasattr(error, "error_dict"):
        return [
            Problem("invalid", "" if name == NON_FIELD_ERRORS else name, message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [Problem("invalid", "", message) for message in error.messages]
