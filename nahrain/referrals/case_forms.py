"""Forms of the case pages: opening a case, an entry answering one of the case type's forms
(built from the form's data: data/codelists.json), and assigning a case worker. Each is sent
once (``OnceForm``): its key goes to the service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nahrain.referrals import codelists
from nahrain.referrals.forms import SEXES
from nahrain.registry import codelists as registry_codelists
from nahrain.sites.forms import DATE, OnceForm

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
TEXT_MAX = 2000


class CaseOpenForm(OnceForm):
    """A case of one type: when it was opened, and the least the case worker records of the
    person (no name nor phone for a case type that keeps none: the code stands for them)."""

    opened_on = forms.DateField(label=_("Opened on"), widget=DATE, required=False)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=SEXES, required=False)
    age = forms.IntegerField(label=_("Age"), min_value=0, max_value=120, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    place = forms.CharField(label=_("Where the person lives"), max_length=200, required=False)

    def __init__(self, *args: Any, named: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["opened_on"].initial = timezone.localdate()
        if not named:
            del self.fields["name"]
            del self.fields["phone"]


def _question_field(case_type: str, question: Mapping[str, Any]) -> forms.Field:
    """The field that asks one question of a case form."""
    label = codelists.case_word("questions", question["name"], case_type=case_type)
    required = bool(question.get("required"))
    kind = question["kind"]
    if kind == "choice":
        words = [
            (c, codelists.case_word("choices", c, case_type=case_type)) for c in question["choices"]
        ]
        return forms.ChoiceField(label=label, choices=[("", "—"), *words], required=required)
    if kind == "boolean":
        return forms.ChoiceField(
            label=label, choices=YES_NO, widget=forms.RadioSelect, required=required
        )
    if kind == "number":
        return forms.IntegerField(
            label=label,
            min_value=question.get("min"),
            max_value=question.get("max"),
            required=required,
        )
    if kind == "services":
        return forms.MultipleChoiceField(
            label=label,
            choices=codelists.choices("service_types"),
            widget=forms.CheckboxSelectMultiple,
            required=required,
        )
    if kind == "documents":
        return forms.MultipleChoiceField(
            label=label,
            choices=registry_codelists.choices("documents"),
            widget=forms.CheckboxSelectMultiple,
            required=required,
        )
    if kind == "document":
        return forms.ChoiceField(
            label=label,
            choices=[("", "—"), *registry_codelists.choices("documents")],
            required=required,
        )
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX,
        required=required,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CaseEntryForm(OnceForm):
    """An entry of a case: the date, and one field for each question of the form, named after
    the question (so an error is shown beside the question it is about)."""

    on = forms.DateField(label=_("Date"), widget=DATE, required=False)

    def __init__(self, *args: Any, case_type: str, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        self.questions = codelists.case_form(case_type, kind)
        for question in self.questions:
            self.fields[question["name"]] = _question_field(case_type, question)

    def answers(self) -> dict[str, Any]:
        """The answers as the service takes them: a choice or document by its code, yes or no as
        true or false, a whole number, a list of codes, a text; a question left blank is left
        out."""
        data = self.cleaned_data
        answers: dict[str, Any] = {}
        for question in self.questions:
            name, kind = question["name"], question["kind"]
            value = data.get(name)
            if value in (None, "", []):
                continue
            if kind == "boolean":
                answers[name] = value == "yes"
            elif kind in ("services", "documents"):
                answers[name] = list(value or [])
            elif kind == "text":
                answers[name] = str(value).strip()
            else:
                answers[name] = value
        return answers


class CaseAssignForm(OnceForm):
    """Assign a case worker to the case, or end one's assignment."""

    user = forms.TypedChoiceField(label=_("Case worker"), choices=[], coerce=int)
    action = forms.ChoiceField(
        choices=[("assign", _("Assign")), ("unassign", _("End the assignment"))],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, users: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = users
