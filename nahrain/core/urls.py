from django.contrib.auth import views as auth_views
from django.urls import path

from nahrain.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("glossary/", views.glossary_page, name="glossary"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/2fa/", views.two_factor, name="two_factor"),
    path("accounts/2fa/recovery/", views.recovery, name="recovery"),
    path("accounts/2fa/enrol/<str:token>/", views.enrol, name="enrol"),
    path("accounts/2fa/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("accounts/enrolment-links/", views.enrolment_links, name="enrolment_links"),
    path("accounts/invitation/<str:token>/", views.invitation, name="invitation"),
    path("accounts/tokens/", views.api_tokens, name="api_tokens"),
    path(
        "accounts/tokens/<uuid:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"
    ),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<uuid:organisation_id>/members/", views.members, name="members"),
    path("organisations/<uuid:organisation_id>/invite/", views.invite, name="invite"),
    path(
        "organisations/<uuid:organisation_id>/members/<uuid:membership_id>/revoke/",
        views.membership_revoke,
        name="membership_revoke",
    ),
]
