from __future__ import annotations

import math
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from nahrain.core import services
from nahrain.core.clients import client_address, known_device
from nahrain.core.models import AttemptScope, Organisation, Role


def wait_message(seconds: float, *, requests: bool = False) -> str:
    """What a person is told while attempts of theirs (or ``requests``, for reset links that
    are no failures) must wait."""
    whole = max(1, math.ceil(seconds))
    if requests:
        return ngettext(
            "Too many requests. Try again in %(seconds)d second.",
            "Too many requests. Try again in %(seconds)d seconds.",
            whole,
        ) % {"seconds": whole}
    return ngettext(
        "Too many failed attempts. Try again in %(seconds)d second.",
        "Too many failed attempts. Try again in %(seconds)d seconds.",
        whole,
    ) % {"seconds": whole}


def sign_in_keys(*, username: str, address: str | None, device: str | None) -> list[str]:
    """What one sign-in attempt is counted against: a known device alone, or else the account
    and the client's address."""
    if device is not None:
        return [f"device:{device}"]
    keys = [f"account:{username.casefold()[:150]}"]
    if address:
        keys.append(f"address:{address}")
    return keys


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form; an account or address being guessed at waits longer and longer
    between attempts, while the account's known devices are counted on their own."""

    keys: list[str]

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        self.keys = sign_in_keys(
            username=username,
            address=client_address(self.request),
            device=known_device(self.request, username),
        )
        if username:
            wait = services.attempt_begin(scope=AttemptScope.WEB, keys=self.keys)
            if wait:
                raise forms.ValidationError(wait_message(wait), code="throttled")
        cleaned = super().clean()
        if username:
            services.attempt_succeeded(scope=AttemptScope.WEB, keys=self.keys)
        return cleaned


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Django's form; a wrong current password counts as a failed sign-in of this browser (or of
    the account and address), so a session left open on a shared computer cannot be used to
    guess the password faster than the sign-in page allows."""

    def __init__(self, user: User, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        username = self.user.get_username()
        keys = sign_in_keys(
            username=username,
            address=client_address(self.request),
            device=known_device(self.request, username),
        )
        wait = services.attempt_begin(scope=AttemptScope.WEB, keys=keys)
        if wait:
            raise forms.ValidationError(wait_message(wait), code="throttled")
        old_password: str = super().clean_old_password()
        services.attempt_succeeded(scope=AttemptScope.WEB, keys=keys)
        return old_password


def reset_request_keys(*, email: str, address: str | None) -> list[str]:
    """What one password reset request is counted against: the address it is sent to, and the
    client asking (whether or not an account has that address, so the wait reveals nothing)."""
    keys = [f"email:{email.casefold()[:190]}"]
    if address:
        keys.append(f"address:{address}")
    return keys


class AuditedPasswordResetForm(PasswordResetForm):
    """Django's form (it mails active users with a usable password and that address, and
    answers the same when there is none); each mail sent is audited, naming the user alone."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        super().send_mail(
            subject_template_name,
            email_template_name,
            context,
            from_email,
            to_email,
            html_email_template_name,
        )
        services.audit_record(
            actor=None,
            action="password_reset.request",
            object_type="user",
            object_id=context["user"].pk,
        )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)


class ConfirmedApiTokenForm(ApiTokenForm):
    """For users who must use a second factor: a current code again, to make a token."""

    code = forms.CharField(
        label=_("A current code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class EnrolmentLinkForm(forms.Form):
    username = forms.CharField(label=_("Username of the admin"), max_length=150)


class OrganisationForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Organisation
        fields = ["name", "acronym", "type"]


class InviteForm(forms.Form):
    """Who to invite into an organisation; making a platform admin is offered to platform
    admins alone."""

    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    platform_admin = forms.BooleanField(label=_("Also a platform admin"), required=False)

    def __init__(self, *args: Any, platform_admin: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not platform_admin:
            del self.fields["platform_admin"]


class GrantForm(forms.Form):
    username = forms.CharField(label=_("Username of a member"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


def refusal_onto(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal on a form: on its fields where it names them, else on the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
