from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from nahrain.collect.formview import Answer, Sheet, in_language


class CollectorForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=60,
        regex=r"^[A-Za-z0-9._-]+$",
        help_text=_("Letters, digits, dot, dash and underscore."),
    )
    display_name = forms.CharField(label=_("Name"), max_length=120, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


def _field_name(key: str) -> str:
    # Answer keys hold dots (repeat.index.name), which make awkward HTML ids.
    return key.replace(".", "__")


def _field(answer: Answer, options: list[tuple[str, str]]) -> forms.Field:
    question = answer.question
    common: dict[str, Any] = {"label": answer.label, "required": False}
    if options:
        # A value the list no longer has stays choosable, so that leaving it is no error.
        kept = [] if answer.value in {code for code, _name in options} else [answer.value]
        return forms.ChoiceField(
            choices=[("", "—"), *((v, v) for v in kept if v), *options], **common
        )
    if question.type == "integer":
        return forms.IntegerField(**common)
    if question.type == "decimal":
        return forms.DecimalField(**common)
    if question.type == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if question.choices:
        choices = [(name, in_language(label, name)) for name, label in question.choices]
        if question.type == "select all that apply":
            return forms.MultipleChoiceField(
                choices=choices, widget=forms.CheckboxSelectMultiple, **common
            )
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    return forms.CharField(max_length=500, **common)


class CorrectionForm(forms.Form):
    """One field per answer of the form, as the review screen shows it; each field's errors
    and the problems found in its answer are tied to it (``aria-describedby``)."""

    def __init__(self, sheet: Sheet, data: Any = None) -> None:
        super().__init__(data)
        self.keys: dict[str, str] = {}
        for block in sheet.blocks:
            for answer in block.answers:
                name = _field_name(answer.key)
                options = sheet.options.get(answer.question.itemset, [])
                field = _field(answer, options)
                multiple = answer.question.type == "select all that apply"
                field.initial = answer.value.split() if multiple else answer.value
                described = [f"{name}-problems"] if answer.problems else []
                if answer.original is not None:
                    described.append(f"{name}-sent")
                if answer.named and not options:
                    described.append(f"{name}-shown")
                if described:
                    field.widget.attrs["aria-describedby"] = " ".join(described)
                if answer.problems:
                    field.widget.attrs["aria-invalid"] = "true"
                self.fields[name] = field
                self.keys[name] = answer.key
        for block in sheet.blocks:
            for answer in block.answers:
                answer.bound = self[_field_name(answer.key)]

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:  # a value that could not be read is announced like a problem
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                if f"{name}-problems" not in attrs.get("aria-describedby", ""):
                    attrs["aria-describedby"] = f"{name}-problems " + attrs.get(
                        "aria-describedby", ""
                    )

    def changes(self) -> dict[str, str]:
        """The answers as the reviewer left them, by answer key, as the form stores values.

        Only the answers the post carries: a field left out of it is not a field emptied. A
        page lists its fields in ``answered``, since a browser posts no unticked checkbox.
        """
        posted = set(self.data) | set(self.data.get("answered", "").split())
        values = {}
        for name, key in self.keys.items():
            if name not in posted:
                continue
            value = self.cleaned_data.get(name)
            if isinstance(value, list):
                values[key] = " ".join(value)
            else:
                values[key] = "" if value is None else str(value)
        return values
