# ruff: noqa: RUF001
"""Forms of the assistance pages: a programme, its rules (written as the rules document the
services check), a distribution, a recording at the desk, a payment batch, a monitoring sample.
Code lists are read when a form is made, so that their labels are in the reader's language."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nahrain.assistance.codelists import LISTS
from nahrain.assistance.models import DistributionList, Outcome
from nahrain.core.models import Organisation
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.geo.models import AdminUnit
from nahrain.registry import codelists as registry_codelists
from nahrain.sites.forms import DATE
from nahrain.sites.models import Site

# How many household-size brackets the rules form offers for an in-kind entitlement.
BRACKETS = 3


def _choices(kind: str) -> list[tuple[str, str]]:
    return LISTS.choices(kind)


def _set_choices(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


# --- programmes -------------------------------------------------------------------------------

PROGRAMME_FIELDS = (
    "code",
    "name_en",
    "name_ar",
    "name_ckb",
    "kind",
    "modality",
    "cluster",
    "hrp_project",
    "cycles",
    "cycle_days",
    "currency",
    "budget",
    "target_households",
    "starts_on",
    "ends_on",
)
# The targeted people by sex and age group, as the programme's ``target_people`` keeps them.
TARGET_GROUPS = (
    ("f_0_17", _("Girls (0–17)")),
    ("m_0_17", _("Boys (0–17)")),
    ("f_18_59", _("Women (18–59)")),
    ("m_18_59", _("Men (18–59)")),
    ("f_60", _("Older women (60+)")),
    ("m_60", _("Older men (60+)")),
)


class ProgrammeForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), empty_label=None
    )
    code = forms.CharField(label=_("Programme code"), max_length=40)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    name_ar = forms.CharField(label=_("Name (Arabic)"), max_length=200, required=False)
    name_ckb = forms.CharField(label=_("Name (Kurdish)"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Assistance"))
    modality = forms.ChoiceField(label=_("Modality"))
    cluster = forms.ChoiceField(label=_("Cluster"))
    hrp_project = forms.CharField(
        label=_("HRP project code"),
        max_length=40,
        required=False,
        help_text=_("As in the Humanitarian Response Plan, e.g. IRQ18/SNYS/123456."),
    )
    cycles = forms.IntegerField(label=_("Cycles"), min_value=1, max_value=60, initial=1)
    cycle_days = forms.IntegerField(
        label=_("Days between cycles"),
        min_value=0,
        max_value=365,
        initial=0,
        help_text=_("30 for a monthly payment; 0 for a single cycle."),
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="USD")
    budget = forms.DecimalField(
        label=_("Budget"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    target_households = forms.IntegerField(
        label=_("Target households"), required=False, min_value=0
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DATE)

    def __init__(
        self, *args: Any, organisations: Any = None, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["organisation"]
        else:
            field = self.fields["organisation"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = organisations
        _set_choices(self, "kind", _choices("assistance_kinds"))
        _set_choices(self, "modality", _choices("modalities"))
        _set_choices(self, "cluster", _choices("clusters"))
        for name, label in TARGET_GROUPS:
            self.fields[name] = forms.IntegerField(
                label=_("Target: %(group)s") % {"group": label}, required=False, min_value=0
            )

    def programme_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {name: data[name] for name in PROGRAMME_FIELDS}
        fields["name_ar"] = fields["name_ar"] or ""
        fields["name_ckb"] = fields["name_ckb"] or ""
        fields["target_people"] = {
            name: data[name] for name, _label in TARGET_GROUPS if data.get(name) is not None
        }
        return fields

    @staticmethod
    def initial_for(programme: Any) -> dict[str, Any]:
        initial = {name: getattr(programme, name) for name in PROGRAMME_FIELDS}
        initial.update(programme.target_people or {})
        return initial


class ProgrammeStatusForm(forms.Form):
    to = forms.ChoiceField(choices=[("active", _("Start")), ("closed", _("Close"))])


# --- rules ------------------------------------------------------------------------------------


class RulesForm(forms.Form):
    """The rules of a programme as a form: who is eligible (where, in or out of camp, which
    vulnerabilities, the head's sex, what household size), what each household gets (an amount
    per cycle, or items by household size) and which other assistance excludes it.
    ``document()`` writes the rules document ``rules.parse`` reads; ``initial_for`` reads one
    back."""

    source = forms.CharField(
        label=_("Where these rules come from"),
        max_length=300,
        help_text=_("The appeal, the cluster's guidance or the donor agreement."),
    )
    places = forms.MultipleChoiceField(
        label=_("Only households living in"),
        required=False,
        help_text=_("Governorates or districts; none chosen means anywhere."),
    )
    in_camp = forms.ChoiceField(
        label=_("Camp or out of camp"),
        choices=[
            ("", _("Either")),
            ("yes", _("Living in a camp")),
            ("no", _("Living out of camp")),
        ],
        required=False,
    )
    returned = forms.BooleanField(
        label=_("Also households that have returned home"), required=False
    )
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Only households with one of these vulnerabilities"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked means every household."),
    )
    head_sex = forms.ChoiceField(
        label=_("Head of household"),
        choices=[("", _("A woman or a man")), ("f", _("A woman")), ("m", _("A man"))],
        required=False,
    )
    size_min = forms.IntegerField(
        label=_("Smallest household size"), min_value=1, max_value=50, initial=1
    )
    size_max = forms.IntegerField(
        label=_("Largest household size"), min_value=1, max_value=50, required=False
    )
    amount = forms.DecimalField(
        label=_("Amount per household and cycle"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        help_text=_("For cash and vouchers, in the programme's currency."),
    )
    recent_kinds = forms.MultipleChoiceField(
        label=_("Not for households that received"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    recent_days = forms.IntegerField(
        label=_("within this many days"), min_value=1, max_value=3650, required=False
    )
    not_with_kinds = forms.MultipleChoiceField(
        label=_("Not for households that also receive"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        places = AdminUnit.objects.filter(level__in=(1, 2)).order_by("pcode")
        _set_choices(self, "places", [(unit.pcode, local_name(unit)) for unit in places])
        _set_choices(self, "vulnerabilities", registry_codelists.choices("vulnerabilities"))
        kinds = _choices("assistance_kinds")
        _set_choices(self, "recent_kinds", kinds)
        _set_choices(self, "not_with_kinds", kinds)
        items = [("", _("Nothing")), *_choices("items")]
        for n in range(1, BRACKETS + 1):
            self.fields[f"from_{n}"] = forms.IntegerField(
                label=_("Households from (people)"), min_value=1, max_value=50, required=False
            )
            self.fields[f"to_{n}"] = forms.IntegerField(
                label=_("to (people; blank: or more)"), min_value=1, max_value=50, required=False
            )
            self.fields[f"item_{n}"] = forms.ChoiceField(
                label=_("receive"), choices=items, required=False
            )
            self.fields[f"quantity_{n}"] = forms.IntegerField(
                label=_("how many"), min_value=1, max_value=100, required=False
            )

    def brackets(self) -> list[tuple[Any, ...]]:
        """The bracket fields, for the template to lay out in rows."""
        return [
            (self[f"from_{n}"], self[f"to_{n}"], self[f"item_{n}"], self[f"quantity_{n}"])
            for n in range(1, BRACKETS + 1)
        ]

    def document(self, *, currency: str) -> dict[str, Any]:
        data = self.cleaned_data
        eligible: dict[str, Any] = {
            "places": list(data["places"]),
            "in_camp": {"yes": True, "no": False}.get(data["in_camp"]),
            "statuses": ["active", "returned"] if data["returned"] else ["active"],
            "vulnerabilities_any": list(data["vulnerabilities"]),
            "head_sex": data["head_sex"] or None,
            "size_min": data["size_min"],
            "size_max": data["size_max"],
        }
        entitlement: dict[str, Any]
        rows = [
            {
                "size_min": data[f"from_{n}"] or 1,
                "size_max": data[f"to_{n}"],
                "items": [{"item": data[f"item_{n}"], "quantity": data[f"quantity_{n}"] or 1}],
            }
            for n in range(1, BRACKETS + 1)
            if data[f"item_{n}"]
        ]
        if data["amount"] is not None or not rows:
            amount = str(data["amount"]) if data["amount"] is not None else ""
            entitlement = {"amount": amount, "currency": currency}
        elif len(rows) == 1 and rows[0]["size_min"] == 1 and rows[0]["size_max"] is None:
            entitlement = {"items": rows[0]["items"]}
        else:
            entitlement = {"by_size": rows}
        exclusions: list[dict[str, Any]] = []
        if data["recent_kinds"]:
            exclusions.append(
                {
                    "rule": "served_recently",
                    "kinds": list(data["recent_kinds"]),
                    "days": data["recent_days"] or 90,
                }
            )
        if data["not_with_kinds"]:
            exclusions.append({"rule": "not_with", "kinds": list(data["not_with_kinds"])})
        return {"eligible": eligible, "entitlement": entitlement, "exclusions": exclusions}

    @staticmethod
    def initial_for(document: dict[str, Any], source: str) -> dict[str, Any]:
        eligible = document.get("eligible") or {}
        entitlement = document.get("entitlement") or {}
        in_camp = eligible.get("in_camp")
        initial: dict[str, Any] = {
            "source": source,
            "places": eligible.get("places", []),
            "in_camp": "" if in_camp is None else ("yes" if in_camp else "no"),
            "returned": "returned" in eligible.get("statuses", []),
            "vulnerabilities": eligible.get("vulnerabilities_any", []),
            "head_sex": eligible.get("head_sex") or "",
            "size_min": eligible.get("size_min", 1),
            "size_max": eligible.get("size_max"),
            "amount": entitlement.get("amount"),
        }
        rows = entitlement.get("by_size") or (
            [{"size_min": 1, "size_max": None, "items": entitlement["items"]}]
            if entitlement.get("items")
            else []
        )
        for n, row in enumerate(rows[:BRACKETS], 1):
            first = (row.get("items") or [{}])[0]
            initial[f"from_{n}"] = row.get("size_min")
            initial[f"to_{n}"] = row.get("size_max")
            initial[f"item_{n}"] = first.get("item", "")
            initial[f"quantity_{n}"] = first.get("quantity")
        for exclusion in document.get("exclusions", []):
            if exclusion.get("rule") == "served_recently":
                initial["recent_kinds"] = exclusion.get("kinds", [])
                initial["recent_days"] = exclusion.get("days")
            elif exclusion.get("rule") == "not_with":
                initial["not_with_kinds"] = exclusion.get("kinds", [])
        return initial


# --- lists ------------------------------------------------------------------------------------


class ListDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("check", _("Check again")),
            ("approve", _("Approve")),
            ("discard", _("Discard")),
            ("revise", _("Make a new version")),
        ]
    )


# --- distributions ----------------------------------------------------------------------------


class VersionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A list chosen by its version."""

    def label_from_instance(self, obj: Any) -> str:
        return str(_("Version %(version)s") % {"version": obj.version})


class SiteChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A site chosen by its name in the reader's language."""

    def label_from_instance(self, obj: Any) -> str:
        return local_name(obj)


class DistributionForm(forms.Form):
    distribution_list = VersionChoiceField(
        label=_("Approved list"), queryset=DistributionList.objects.none(), empty_label=None
    )
    cycle = forms.IntegerField(label=_("Cycle"), min_value=1, initial=1)
    planned_on = forms.DateField(label=_("Day"), widget=DATE)
    site = SiteChoiceField(label=_("Camp or site"), queryset=Site.objects.none(), required=False)
    place = forms.CharField(label=_("Distribution point"), max_length=200, required=False)
    team = forms.CharField(label=_("Team"), max_length=200, required=False)

    def __init__(self, *args: Any, lists: Any, sites: Any, cycles: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = self.fields["distribution_list"]
        assert isinstance(chosen, forms.ModelChoiceField)
        chosen.queryset = lists
        site = self.fields["site"]
        assert isinstance(site, forms.ModelChoiceField)
        site.queryset = sites
        cycle = self.fields["cycle"]
        assert isinstance(cycle, forms.IntegerField)
        cycle.max_value = cycles
        cycle.widget.attrs["max"] = cycles
        for item, label in _choices("items"):
            self.fields[f"stock_{item}"] = forms.IntegerField(
                label=_("Brought: %(item)s") % {"item": label}, required=False, min_value=0
            )

    def stock(self) -> dict[str, int]:
        return {
            item: self.cleaned_data[f"stock_{item}"]
            for item, _label in _choices("items")
            if self.cleaned_data.get(f"stock_{item}")
        }


class CloseForm(forms.Form):
    """What came back at the end of a distribution, by item."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item, label in _choices("items"):
            self.fields[f"returned_{item}"] = forms.IntegerField(
                label=_("Came back: %(item)s") % {"item": label}, required=False, min_value=0
            )

    def returned(self) -> dict[str, int]:
        return {
            item: self.cleaned_data[f"returned_{item}"]
            for item, _label in _choices("items")
            if self.cleaned_data.get(f"returned_{item}") is not None
        }


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Token on the household's card"),
        max_length=40,  # typed with spaces or dashes anywhere: services.token_normal
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )


class RecordForm(forms.Form):
    """One household's outcome at the desk. ``key`` and ``at`` (the moment the household was
    found at the desk, which the recording says happened) are made when the form is shown, so
    that a form sent twice (a double tap, a reload) is the same recording, and records once."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=12)
    key = forms.CharField(widget=forms.HiddenInput, max_length=120)
    at = forms.DateTimeField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("What happened"),
        widget=forms.RadioSelect,
        choices=[
            (Outcome.RECEIVED.value, _("Received")),
            (Outcome.PROXY.value, _("Collected by a proxy")),
            (Outcome.ABSENT.value, _("Absent")),
            (Outcome.REFUSED.value, _("Refused")),
        ],
    )
    proxy_name = forms.CharField(label=_("Proxy's name"), max_length=200, required=False)
    proxy_relation = forms.CharField(
        label=_("Proxy's relationship to the household"), max_length=60, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("key", f"desk:{uuid.uuid4()}")
        initial.setdefault("at", timezone.now().isoformat())
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == Outcome.PROXY and not data.get("proxy_name"):
            self.add_error("proxy_name", _("Write the name of the person who collected it."))
        return data


# --- cash -------------------------------------------------------------------------------------


class PaymentsForm(forms.Form):
    distribution_list = VersionChoiceField(
        label=_("Approved list"), queryset=DistributionList.objects.none(), empty_label=None
    )
    cycle = forms.IntegerField(label=_("Cycle"), min_value=1, initial=1)
    provider = forms.ChoiceField(label=_("Payment provider"))

    def __init__(self, *args: Any, lists: Any, providers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = self.fields["distribution_list"]
        assert isinstance(chosen, forms.ModelChoiceField)
        chosen.queryset = lists
        _set_choices(self, "provider", providers)


# --- monitoring -------------------------------------------------------------------------------


class SampleForm(forms.Form):
    confidence = forms.ChoiceField(
        label=_("Confidence"),
        choices=[("0.90", "90%"), ("0.95", "95%"), ("0.99", "99%")],
        initial="0.95",
    )
    margin = forms.ChoiceField(
        label=_("Margin of error"),
        choices=[("0.03", "3%"), ("0.05", "5%"), ("0.10", "10%")],
        initial="0.05",
    )
