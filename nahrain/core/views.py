"""Pages: sign-in and second factor, passwords, home, API tokens, organisations, members and
invitations."""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp.models import Device

from nahrain.core import access, selectors, services
from nahrain.core.clients import client_address, known_device, remember_device
from nahrain.core.forms import (
    ApiTokenForm,
    AuditedPasswordResetForm,
    CodeForm,
    ConfirmedApiTokenForm,
    EnrolmentLinkForm,
    GrantForm,
    InviteForm,
    OrganisationForm,
    RecoveryCodeForm,
    ThrottledAuthenticationForm,
    ThrottledPasswordChangeForm,
    reset_request_keys,
    wait_message,
)
from nahrain.core.glossary import entries, glossary
from nahrain.core.http import AuthenticatedHttpRequest, personal_data
from nahrain.core.models import AttemptScope


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: ThrottledAuthenticationForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        services.audit_record(
            actor=user, action="user.login", object_type="user", object_id=user.pk
        )
        response = super().form_valid(form)
        # A password alone completes the sign-in only of users who need no second factor.
        if not access.requires_second_factor(user):
            remember_device(self.request, response, user)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """A signed-in user chooses a new password with the current one. The second-factor gate
    keeps half-signed-in sessions away: an admin changes it only after giving the code."""

    template_name = "core/password_change.html"
    form_class = ThrottledPasswordChangeForm
    success_url = reverse_lazy("core:home")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        user = services.password_set(
            user=form.user, password=form.cleaned_data["new_password1"], reset=False
        )
        # This session stays signed in (and keeps its second factor); every other one ends.
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password is changed."))
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a link to choose a new password, sent to the account's e-mail address. The answer
    is the same whether or not an account has the address; requests for one address, and from
    one client, wait longer and longer, as sign-ins do."""

    template_name = "core/password_reset.html"
    email_template_name = "core/password_reset_email.txt"
    subject_template_name = "core/password_reset_subject.txt"
    form_class = AuditedPasswordResetForm
    success_url = reverse_lazy("core:login")

    def form_valid(self, form: AuditedPasswordResetForm) -> HttpResponse:
        keys = reset_request_keys(
            email=form.cleaned_data["email"], address=client_address(self.request)
        )
        wait = services.attempt_begin(scope=AttemptScope.RESET, keys=keys)
        if wait:
            form.add_error(None, wait_message(wait, requests=True))
            return self.form_invalid(form)
        minutes = settings.PASSWORD_RESET_TIMEOUT // 60
        messages.info(
            self.request,
            ngettext(
                "If an account has this e-mail address, a link to choose a new password is on "
                "its way. It works once, within %(minutes)d minute.",
                "If an account has this e-mail address, a link to choose a new password is on "
                "its way. It works once, within %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes},
        )
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the e-mail: choose a new password, then sign in with it. It does not sign
    in by itself, so an admin still gives the second factor, and it is spent once used (the
    token is made from the password it replaces)."""

    template_name = "core/password_reset_confirm.html"
    success_url = reverse_lazy("core:login")

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        services.password_set(
            user=form.user, password=form.cleaned_data["new_password1"], reset=True
        )
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, _("Your password is changed. Sign in with it."))
        return HttpResponseRedirect(self.get_success_url())


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@require_http_methods(["GET", "POST"])
def admin_login(request: HttpRequest) -> HttpResponse:
    """Where Django's admin sends whoever it does not let in. Visitors sign in on Nahrain's own
    page; a signed-in user who is no platform admin goes home and is told why, where sending
    them to sign in would bring them straight back to the admin, and round again."""
    if not request.user.is_authenticated:
        query = request.META.get("QUERY_STRING", "")
        return HttpResponseRedirect(reverse("core:login") + (f"?{query}" if query else ""))
    if request.user.is_active and request.user.is_staff:
        return HttpResponseRedirect(_safe_next(request, reverse("admin:index")))
    messages.error(request, _("Administration is open to platform admins only."))
    return redirect("core:home")


def _second_factor_given(request: AuthenticatedHttpRequest, device: Device) -> HttpResponse:
    """Mark the session as fully signed in (a new session key, as at any change of privilege)
    and the browser as a known device of the account."""
    request.session.cycle_key()
    django_otp.login(request, device)
    response = HttpResponseRedirect(_safe_next(request, reverse("core:home")))
    remember_device(request, response, request.user)
    return response


def _code_page(
    request: AuthenticatedHttpRequest, template: str, form: CodeForm | RecoveryCodeForm, wait: float
) -> HttpResponse:
    return render(
        request,
        template,
        {"form": form, "next": _safe_next(request, ""), "wait": wait_message(wait) if wait else ""},
    )


@login_required
def two_factor(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Give the second factor for this session: a code of the authenticator app. Without a
    confirmed authenticator the page says to ask for an enrolment link, and shows no secret."""
    device = selectors.second_factor_device(user=request.user)
    if device is None:
        return render(
            request,
            "core/two_factor_missing.html",
            {"needed": access.requires_second_factor(request.user)},
        )
    form = CodeForm(request.POST or None)
    browser = known_device(request, request.user.get_username())
    if request.method == "POST" and form.is_valid():
        if services.totp_verify(
            device=device, code=form.cleaned_data["code"], known_device=browser
        ):
            services.audit_record(
                actor=request.user,
                action="second_factor.verify",
                object_type="user",
                object_id=request.user.pk,
            )
            return _second_factor_given(request, device)
        form.add_error("code", _("That code is not valid. Check your device's clock and retry."))
    return _code_page(
        request,
        "core/two_factor.html",
        form,
        selectors.second_factor_wait(device=device, known_device=browser),
    )


@login_required
def recovery(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Give the second factor with a one-time recovery code (the phone is lost or broken)."""
    form = RecoveryCodeForm(request.POST or None)
    browser = known_device(request, request.user.get_username())
    if request.method == "POST" and form.is_valid():
        if services.recovery_code_use(
            user=request.user, code=form.cleaned_data["code"], known_device=browser
        ):
            left = selectors.recovery_codes_left(user=request.user)
            messages.warning(
                request,
                _(
                    "Recovery code accepted; %(left)d left. Make new ones on the recovery codes "
                    "page, and ask for an enrolment link if your phone is lost."
                )
                % {"left": left},
            )
            device = selectors.recovery_device(user=request.user)
            return _second_factor_given(request, device)
        form.add_error("code", _("That recovery code is not valid, or it was used already."))
    device = selectors.recovery_device(user=request.user)
    wait = (
        selectors.second_factor_wait(device=device, known_device=browser)
        if device is not None
        else 0.0
    )
    return _code_page(request, "core/recovery.html", form, wait)


@login_required
@personal_data
def enrol(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """Set up an authenticator app through a one-time enrolment link: the secret is shown only
    to the link's user, signed in with their password; the first code confirms it."""
    link = access.access_enrolment_link(request.user, token)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = services.enrolment_complete(link=link, code=form.cleaned_data["code"])
        if done is not None:
            device, codes = done
            request.session.cycle_key()
            django_otp.login(request, device)
            response = render(request, "core/recovery_codes.html", {"codes": codes, "left": 0})
            remember_device(request, response, request.user)
            return response
        form.add_error("code", _("That code is not valid. Check your device's clock and retry."))
    device = selectors.enrolment_device(user=request.user)
    if device is None or request.method == "GET":
        device = services.enrolment_device_start(link=link)
    return render(
        request,
        "core/enrol.html",
        {
            "form": form,
            "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4),
            "secret": b32encode(device.bin_key).decode(),
        },
    )


@login_required
@personal_data
def recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """How many recovery codes are left; POST replaces them with ten new ones, shown once."""
    has_authenticator = selectors.second_factor_device(user=request.user) is not None
    codes = None
    if request.method == "POST" and has_authenticator:
        codes = services.recovery_codes_generate(user=request.user)
    return render(
        request,
        "core/recovery_codes.html",
        {
            "codes": codes,
            "left": selectors.recovery_codes_left(user=request.user),
            "has_authenticator": has_authenticator,
        },
    )


@login_required
@personal_data
def enrolment_links(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Platform admins make one-time enrolment links for admins who must use a second factor."""
    if not access.is_platform_admin(request.user):
        raise Http404
    form = EnrolmentLinkForm(request.POST or None)
    link = None
    if request.method == "POST" and form.is_valid():
        user = User.objects.filter(username=form.cleaned_data["username"], is_active=True).first()
        if user is None or not access.requires_second_factor(user):
            form.add_error(
                "username", _("No active platform or organisation admin has that username.")
            )
        else:
            token = services.enrolment_link_create(actor=request.user, user=user)
            link = request.build_absolute_uri(reverse("core:enrol", kwargs={"token": token}))
    return render(request, "core/enrolment_links.html", {"form": form, "link": link})


@require_safe
def glossary_page(request: HttpRequest) -> HttpResponse:
    """The field's terms and what they mean, in the reader's language: public, as the figures
    they explain are published to people who never sign in."""
    language = (get_language() or "en").split("-")[0]
    return render(
        request,
        "core/glossary.html",
        {"entries": entries(language), "version": glossary().version},
    )


@login_required
@require_safe
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "core/home.html",
        {
            "memberships": selectors.memberships_of(user=request.user),
            "organisations": selectors.organisation_list(user=request.user),
            "is_platform_admin": access.is_platform_admin(request.user),
        },
    )


@login_required
@personal_data
def api_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    confirm = access.requires_second_factor(request.user)
    form_class = ConfirmedApiTokenForm if confirm else ApiTokenForm
    form = form_class(request.POST or None)
    new_secret = None
    browser = known_device(request, request.user.get_username())
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = services.api_token_create_confirmed(
                user=request.user,
                name=form.cleaned_data["name"],
                code=form.cleaned_data.get("code", ""),
                known_device=browser,
            )
            form = form_class()
        except services.SecondFactorRefused:
            device = selectors.second_factor_device(user=request.user)
            wait = (
                selectors.second_factor_wait(device=device, known_device=browser)
                if device is not None
                else 0.0
            )
            form.add_error(
                "code",
                wait_message(wait)
                if wait
                else _("That code is not valid, or was used already: wait for the next one."),
            )
    return render(
        request,
        "core/api_tokens.html",
        {
            "form": form,
            "tokens": selectors.api_token_list(user=request.user),
            "new_secret": new_secret,
        },
    )


@login_required
@require_POST
def api_token_revoke(request: AuthenticatedHttpRequest, token_id: str) -> HttpResponse:
    token = access.access_api_token_by_id(request.user, token_id)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token revoked."))
    return redirect("core:api_tokens")


# --- organisations, members, invitations -------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Platform admins register the organisations of the response."""
    if not access.is_platform_admin(request.user):
        raise Http404
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = services.organisation_create(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Organisation %(acronym)s created.") % form.cleaned_data)
        return redirect("core:members", organisation_id=organisation.pk)
    return render(request, "core/organisation_create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def members(request: AuthenticatedHttpRequest, organisation_id: str) -> HttpResponse:
    """Who holds which role in an organisation (its members see it); its admins give a member
    another role here (POST)."""
    if request.method == "POST":
        organisation = access.access_organisation_admin(request.user, organisation_id)
    else:
        organisation = access.access_organisation_members(request.user, organisation_id)
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        member = selectors.organisation_member(
            organisation=organisation, username=form.cleaned_data["username"]
        )
        if member is None:
            form.add_error(
                "username", _("Nobody of that username is a member: invite them instead.")
            )
        else:
            refusal = services.role_refusal(
                actor=request.user,
                user=member,
                organisation=organisation,
                role=form.cleaned_data["role"],
            )
            if refusal:
                form.add_error("role", refusal)
            else:
                services.membership_add(
                    actor=request.user,
                    user=member,
                    organisation=organisation,
                    role=form.cleaned_data["role"],
                )
                messages.success(request, _("Role given."))
                return redirect("core:members", organisation_id=organisation.pk)
    return render(
        request,
        "core/members.html",
        {
            "organisation": organisation,
            "memberships": selectors.membership_list(user=request.user, organisation=organisation),
            "manages": access.manages_members(request.user, organisation),
            "form": form,
        },
    )


@login_required
@require_POST
def membership_revoke(
    request: AuthenticatedHttpRequest, organisation_id: str, membership_id: str
) -> HttpResponse:
    membership = access.access_membership_admin(request.user, organisation_id, membership_id)
    services.membership_remove(actor=request.user, membership=membership)
    messages.success(request, _("Role taken away."))
    return redirect("core:members", organisation_id=membership.organisation_id)


@login_required
@personal_data
@require_http_methods(["GET", "POST"])
def invite(request: AuthenticatedHttpRequest, organisation_id: str) -> HttpResponse:
    """An organisation's admins (and platform admins) create a user with a role there and get a
    one-time sign-in link to send them; only platform admins may make platform admins."""
    organisation = access.access_organisation_admin(request.user, organisation_id)
    form = InviteForm(request.POST or None, platform_admin=access.is_platform_admin(request.user))
    link = None
    if request.method == "POST" and form.is_valid():
        try:
            _user, token = services.user_invite(
                actor=request.user,
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                organisation=organisation,
                role=form.cleaned_data["role"],
                platform_admin=form.cleaned_data.get("platform_admin", False),
            )
        except ValidationError as refused:
            form.add_error("username", refused.messages)
        else:
            link = request.build_absolute_uri(reverse("core:invitation", kwargs={"token": token}))
            form = InviteForm(platform_admin=access.is_platform_admin(request.user))
    return render(
        request, "core/invite.html", {"organisation": organisation, "form": form, "link": link}
    )


@personal_data
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """An invited person opens their one-time link, chooses a password and is signed in; one who
    must use a second factor goes on to set up the authenticator through an enrolment link."""
    invitation = access.access_invitation(token)
    form = SetPasswordForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.invitation_accept(
            invitation=invitation, password=form.cleaned_data["new_password1"]
        )
        if user is None:
            raise Http404
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if access.requires_second_factor(user):
            enrolment = services.enrolment_link_create(actor=invitation.created_by, user=user)
            return redirect("core:enrol", token=enrolment)
        return redirect("core:home")
    return render(request, "core/invitation.html", {"form": form, "invitee": invitation.user})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its security token (a page left open past its session, cookies off,
    a form from another site): said in the reader's language and look, with what to do, rather
    than Django's bare English page. The reason stays in the server's log, not on the page."""
    return render(request, "403_csrf.html", status=403)
