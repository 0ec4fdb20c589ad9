"""Pages: sign-in and second factor, home, API tokens."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from nahrain.core import access, selectors, services
from nahrain.core.forms import ApiTokenForm, ThrottledAuthenticationForm, TotpForm
from nahrain.core.http import AuthenticatedHttpRequest
from nahrain.core.middleware import SESSION_2FA_KEY
from nahrain.core.models import TotpDevice


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: ThrottledAuthenticationForm) -> HttpResponse:  # type: ignore[override]
        services.login_failures_clear(username=form.get_user().get_username())
        services.audit_record(
            actor=form.get_user(),
            action="user.login",
            object_type="user",
            object_id=form.get_user().pk,
        )
        return super().form_valid(form)


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
def two_factor(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set up (first time) or give the second factor for this session."""
    device = TotpDevice.objects.filter(user=request.user).first()
    if device is None or device.confirmed_at is None:
        if device is None or request.method == "GET":
            device = services.totp_device_start(user=request.user)
        setting_up = True
    else:
        setting_up = False
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_verify(user=request.user, code=form.cleaned_data["code"]):
            request.session.cycle_key()
            request.session[SESSION_2FA_KEY] = True
            return HttpResponseRedirect(_safe_next(request, reverse("core:home")))
        form.add_error("code", _("That code is not valid. Check your device's clock and retry."))
    context: dict[str, object] = {
        "form": form,
        "setting_up": setting_up,
        "next": _safe_next(request, ""),
    }
    if setting_up:
        uri = services.totp_provisioning_uri(device=device)
        context["qr_svg"] = segno.make(uri, error="m").svg_inline(scale=4)
        context["secret"] = device.secret
    return render(request, "core/two_factor.html", context)


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
def api_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        _token, new_secret = services.api_token_create(
            user=request.user,
            name=form.cleaned_data["name"],
        )
        form = ApiTokenForm()
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
