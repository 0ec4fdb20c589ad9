"""Forms of the feedback pages: the help desk's entry of a complaint, the queue's filters, the
steps of an item's handling and the naming of focal points. Code lists are read when a form is
made, so that their labels are in the reader's language."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from nahrain.core.models import Organisation
from nahrain.feedback import codelists
from nahrain.feedback.models import Status
from nahrain.sites.forms import DATE
from nahrain.sites.models import Site

NOT_SAID = ("", _("Not said"))
ANY = ("", _("Any"))


def _codes(kind: str, *, first: tuple[str, Any] | None = None) -> list[tuple[str, Any]]:
    listed: list[tuple[str, Any]] = list(codelists.choices(kind))
    return [first, *listed] if first else listed


def _set(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _queryset(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class SiteChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        from nahrain.core.templatetags.nahrain_format import local_name

        return local_name(obj)


class OrganisationChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.acronym or obj.name)


class UserChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else str(obj.get_username())


# --- the help desk ----------------------------------------------------------------------------


class FeedbackForm(forms.Form):
    """What a help desk (or a hotline operator) records: where and how the person came, what it
    is about and what they said; their contact unless they stay anonymous; and, for the trends
    only, their sex, age group and population group."""

    organisation = OrganisationChoice(
        label=_("Received by"), queryset=Organisation.objects.none(), empty_label=None
    )
    channel = forms.ChoiceField(label=_("Channel"), initial="help_desk")
    site = SiteChoice(
        label=_("Site"), queryset=Site.objects.none(), required=False, empty_label=_("No site")
    )
    category = forms.ChoiceField(
        label=_("Category"),
        help_text=_(
            "Sexual exploitation and abuse, fraud, safety and data breaches go to the focal "
            "points alone: you will not see the item again once it is recorded."
        ),
    )
    topic = forms.ChoiceField(label=_("About"), required=False)
    description = forms.CharField(
        label=_("What the person said"), widget=forms.Textarea(attrs={"rows": 5})
    )
    anonymous = forms.BooleanField(
        label=_("The person stays anonymous (no name, no phone)"), required=False
    )
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    preferred_language = forms.ChoiceField(label=_("Language to call back in"), required=False)
    callback_gender = forms.ChoiceField(label=_("Who should call back"), required=False)
    consent_to_share = forms.BooleanField(
        label=_(
            "The person agrees that their contact goes to another organisation if the "
            "complaint is referred"
        ),
        required=False,
    )
    person_sex = forms.ChoiceField(label=_("Sex"), required=False)
    person_age_group = forms.ChoiceField(label=_("Age group"), required=False)
    population_group = forms.ChoiceField(label=_("Population group"), required=False)

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        sites: QuerySet[Site],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _queryset(self, "site", sites)
        # A help desk of one organisation is not asked which organisation received it.
        listed = list(organisations[:2])
        self.only = listed[0] if len(listed) == 1 else None
        if self.only is not None:
            del self.fields["organisation"]
        else:
            _queryset(self, "organisation", organisations)
        _set(self, "channel", _codes("channels"))
        _set(self, "category", _codes("categories"))
        _set(self, "topic", _codes("topics", first=NOT_SAID))
        _set(self, "preferred_language", _codes("languages", first=NOT_SAID))
        _set(self, "callback_gender", _codes("callback_genders", first=NOT_SAID))
        _set(self, "person_sex", _codes("sexes", first=NOT_SAID))
        _set(self, "person_age_group", _codes("age_groups", first=NOT_SAID))
        _set(self, "population_group", _codes("population_groups", first=NOT_SAID))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("anonymous") and (data.get("name") or data.get("phone")):
            self.add_error(
                "anonymous",
                _("An anonymous person leaves no name or phone: clear them, or untick anonymous."),
            )
        return data

    def contact(self) -> dict[str, Any] | None:
        """The contact the service keeps, or None for an anonymous person or no contact given."""
        data = self.cleaned_data
        if data["anonymous"]:
            return None
        contact = {
            "name": data["name"],
            "phone": data["phone"],
            "preferred_language": data["preferred_language"],
            "callback_gender": data["callback_gender"],
            "consent_to_share": data["consent_to_share"],
        }
        return contact if contact["name"] or contact["phone"] else None

    def receive_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "organisation": self.only or data["organisation"],
            "channel": data["channel"],
            "site": data["site"],
            "category": data["category"],
            "topic": data["topic"],
            "description": data["description"],
            "anonymous": data["anonymous"],
            "contact": self.contact(),
            "person_sex": data["person_sex"],
            "person_age_group": data["person_age_group"],
            "population_group": data["population_group"],
        }


# --- the queue --------------------------------------------------------------------------------


class QueueFilter(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    site = SiteChoice(label=_("Site"), queryset=Site.objects.none(), required=False)
    overdue = forms.BooleanField(label=_("Past the deadline"), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "status", [ANY, *Status.choices])
        _set(self, "category", _codes("categories", first=ANY))
        _set(self, "channel", _codes("channels", first=ANY))
        _queryset(self, "site", sites)
        site = self.fields["site"]
        assert isinstance(site, forms.ModelChoiceField)
        site.empty_label = str(ANY[1])

    def selection(self) -> dict[str, Any]:
        """The selector's filters; an unreadable filter is no filter."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "status": data["status"] or None,
            "category": data["category"] or None,
            "channel": data["channel"] or None,
            "site": data["site"],
            "overdue": data["overdue"],
            "mine": data["mine"],
        }


# --- the steps of an item ---------------------------------------------------------------------

STEPS = (
    "assign",
    "refer",
    "start",
    "resolve",
    "tell",
    "close",
    "close_no_contact",
    "link",
    "note",
)


class StepForm(forms.Form):
    step = forms.ChoiceField(choices=[(s, s) for s in STEPS], widget=forms.HiddenInput)


class AssignForm(forms.Form):
    assignee = UserChoice(label=_("Assign to"), queryset=User.objects.none(), empty_label=None)

    def __init__(self, *args: Any, assignees: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _queryset(self, "assignee", assignees)


class ReferForm(forms.Form):
    organisation = OrganisationChoice(
        label=_("Refer to"), queryset=Organisation.objects.none(), empty_label=None
    )
    note = forms.CharField(
        label=_("Why it goes to them"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _queryset(self, "organisation", organisations)


class ResolveForm(forms.Form):
    answer = forms.CharField(
        label=_("The answer to give the person"), widget=forms.Textarea(attrs={"rows": 4})
    )


class TellForm(forms.Form):
    how = forms.ChoiceField(label=_("How the person was told"))
    satisfaction = forms.ChoiceField(label=_("Satisfied with the answer?"), required=False)
    told_on = forms.DateField(label=_("Told on"), required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "how", _codes("answer_methods"))
        _set(self, "satisfaction", _codes("satisfaction", first=NOT_SAID))


class NoContactForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why the person could not be told"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "reason", _codes("no_contact_reasons"))


class LinkForm(forms.Form):
    references = forms.CharField(
        label=_("References of the items about the same issue"),
        max_length=400,
        help_text=_("Separated by spaces or commas, e.g. FB-7K3M9Q FB-Q2W8RT."),
    )

    def references_given(self) -> list[str]:
        text = self.cleaned_data["references"].replace(",", " ").upper()
        return [word for word in text.split() if word]


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class ReclassifyForm(forms.Form):
    """The item's category changed: any other category, and the reason when a sensitive item
    becomes ordinary (its officers then read it, and the reason)."""

    category = forms.ChoiceField(
        label=_("Category"),
        help_text=_(
            "A sensitive category sends the item to the focal points: you will not see it "
            "again unless you are one of them."
        ),
    )
    reason = forms.CharField(
        label=_("Why it is not sensitive"),
        required=False,
        help_text=_("Needed when a sensitive item becomes ordinary: the officers will read it."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, current: str, sensitive: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = [(c, name) for c, name in codelists.choices("categories") if c != current]
        _set(self, "category", others)
        if not sensitive:
            del self.fields["reason"]


# --- focal points -----------------------------------------------------------------------------


class FocalPointForm(forms.Form):
    user = UserChoice(label=_("Member"), queryset=User.objects.none(), empty_label=None)
    categories = forms.MultipleChoiceField(
        label=_("Focal point for"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, members: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _queryset(self, "user", members)
        field = self.fields["categories"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = self.category_choices()

    @staticmethod
    def category_choices() -> list[tuple[str, str]]:
        """The sensitive categories, each with its label."""
        return [(c, codelists.label("categories", c)) for c in codelists.sensitive_categories()]
