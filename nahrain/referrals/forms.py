"""Forms of the referral pages: sending a referral with the person's consent, the steps the
receiving service and the sender take, narrowing and withdrawing consent. Each is sent once
(``OnceForm``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nahrain.referrals import codelists
from nahrain.sites.forms import DATE, OnceForm


def _choices(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


SEXES = [("", "—"), ("f", _("Female")), ("m", _("Male"))]


class StepForm(OnceForm):
    """One step of a referral; the reason and the date where the step asks for them."""

    status = forms.CharField(widget=forms.HiddenInput)
    decline_reason = forms.ChoiceField(label=_("Reason"), required=False, choices=[])
    appointment_on = forms.DateField(label=_("Appointment on"), required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "decline_reason", [("", "—"), *codelists.choices("decline_reasons")])


class ConsentFields(forms.Form):
    """What the person agreed to: which fields, until when, how, and who gave it."""

    fields_shared = forms.MultipleChoiceField(
        label=_("What the person agrees to share"),
        widget=forms.CheckboxSelectMultiple,
        choices=[],
        required=False,
    )
    until = forms.DateField(label=_("Consent valid until"), widget=DATE)
    method = forms.ChoiceField(
        label=_("Consent given"), choices=[("verbal", _("Verbally")), ("written", _("In writing"))]
    )
    given_by = forms.ChoiceField(
        label=_("Given by"),
        choices=[("person", _("The person")), ("caregiver", _("A caregiver"))],
    )
    caregiver_relationship = forms.CharField(
        label=_("The caregiver is the child's"), max_length=40, required=False
    )
    child_assent = forms.BooleanField(label=_("The child agrees (assent)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "fields_shared", codelists.choices("shared_fields"))
        self.fields["until"].initial = timezone.localdate() + timedelta(days=90)


class SendForm(OnceForm, ConsentFields):
    """A referral to a service of a point: the person (unless taken from the registry or a
    case), why and how urgent, and the consent."""

    service = forms.ChoiceField(label=_("Service"), choices=[])
    urgency = forms.ChoiceField(label=_("Urgency"), choices=[])
    reason = forms.CharField(
        label=_("Reason for the referral"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    transport = forms.BooleanField(label=_("Transport needed"), required=False)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=SEXES, required=False)
    age = forms.IntegerField(label=_("Age"), min_value=0, max_value=120, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    place = forms.CharField(label=_("Where the person lives"), max_length=200, required=False)

    def __init__(self, *args: Any, services: list[str], person_known: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "service", [(s, codelists.label("service_types", s)) for s in services])
        _choices(self, "urgency", codelists.choices("urgencies"))
        self.fields["urgency"].initial = "routine"
        if person_known:
            # The person comes from the registry or the case: nothing to type.
            for name in ("name", "sex", "age", "phone", "place"):
                del self.fields[name]


class NarrowForm(OnceForm):
    """The person now shares less, or for a shorter time."""

    fields_shared = forms.MultipleChoiceField(
        label=_("What the person still agrees to share"),
        widget=forms.CheckboxSelectMultiple,
        choices=[],
        required=False,
    )
    until = forms.DateField(label=_("Consent valid until"), widget=DATE)

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "fields_shared", [(c, codelists.label("shared_fields", c)) for c in allowed])
